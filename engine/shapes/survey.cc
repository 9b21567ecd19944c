// The survey shape: answers A/B/C/D mapped to percentages of the max and averaged, or a
// survey's aggregated result in percent. Survey criteria make up the set's survey share.
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/data_sheet.h"
#include "engine/fixed_point.h"
#include "engine/rule_shape.h"
#include "engine/shapes/common.h"
#include "engine/shapes/shapes.h"

namespace parindex::engine::shapes {
namespace {

constexpr ShapeKey kKeys[] = {
    {"answers", "answer_percent", ShapeKey::Kind::kPercents, ShapeKey::Absent::kUnset},
};

// Percent of the max for answers A, B, C, D when the rule gives none.
constexpr int kDefaultPercent[4] = {100, 60, 20, 0};

class SurveyShape final : public RuleShape {
 public:
  SurveyShape()
      : RuleShape(v1::Rule::kSurvey, "survey", kKeys, Share::kSurvey, OwnValue::kSurvey) {
  }

  absl::Status Check(RuleCheck& check) const override {
    const auto& p = check.rule().survey().answer_percent();
    if (p.empty()) return absl::OkStatus();
    if (p.size() != 4) return check.Fail("answers: give four percents, for A, B, C, D");
    for (int i = 0; i < 4; ++i) {
      if (p[i] < 0 || p[i] > 100 || (i > 0 && p[i] > p[i - 1])) {
        return check.Fail(
            "answers: percents must be within 0..100 and not increase from A to D");
      }
    }
    return absl::OkStatus();
  }

  absl::Status Score(LeafScoring& leaf) const override {
    const v1::EntryValues* values = leaf.values();
    if (values == nullptr || !values->has_survey()) {
      return leaf.NotApplicable(Why::kNoSurvey, /*full_marks_allowed=*/false);
    }
    const int64_t max = leaf.max();
    NodeScore& out = leaf.out();
    const v1::SurveyAnswers& s = values->survey();
    if (s.has_percent_milli()) {
      if (s.percent_milli() < 0 || s.percent_milli() > 100000) {
        return leaf.EntryError(
            "survey.percent",
            absl::StrCat(FormatMilliShort(s.percent_milli()), " is outside 0..100"));
      }
      out.why = Why::kSurvey;
      out.num = s.percent_milli();
      out.den = 0;  // marks an aggregated result
      out.points_milli = Scale(max, s.percent_milli(), 100000);
      return absl::OkStatus();
    }
    const int64_t answers[4] = {s.a(), s.b(), s.c(), s.d()};
    const auto& custom = leaf.rule().survey().answer_percent();
    int128 weighted = 0;
    int128 total = 0;
    for (int i = 0; i < 4; ++i) {
      if (answers[i] < 0 || answers[i] > kMaxCount) {
        return leaf.EntryError(
            absl::StrCat("survey.", std::string(1, static_cast<char>('a' + i))),
            absl::StrCat("answer count out of range (", answers[i], ")"));
      }
      weighted += int128{answers[i]} * (custom.empty() ? kDefaultPercent[i] : custom[i]);
      total += answers[i];
    }
    if (total == 0) {
      return leaf.NotApplicable(Why::kNoSurvey, /*full_marks_allowed=*/false);
    }
    out.why = Why::kSurvey;
    out.num = static_cast<int64_t>(weighted);
    out.den = static_cast<int64_t>(total);
    out.points_milli = Scale(max, weighted, total * 100);
    return absl::OkStatus();
  }

  void Explain(const LeafTrace& leaf, v1::Trace* trace,
               std::string* reason) const override {
    const NodeScore& score = leaf.score();
    if (score.why == Why::kNoSurvey) {
      *reason = leaf.Say("not applicable: no survey answers (dropped from the maximum)",
                         "không áp dụng: không có kết quả khảo sát (không tính vào điểm "
                         "tối đa)");
      return;
    }
    trace->set_numerator(score.num);
    if (score.den == 0) {  // an aggregated result
      trace->set_denominator(100000);
      trace->set_value_text(absl::StrCat(FormatMilli(score.num), "%"));
      *reason = absl::StrCat(leaf.Say("survey result ", "kết quả khảo sát "),
                             trace->value_text(),
                             leaf.Say(" of the maximum", " điểm tối đa"), leaf.result());
      return;
    }
    const v1::SurveyAnswers& s = leaf.values()->survey();
    trace->set_denominator(score.den * 100);
    trace->set_value_text(absl::StrCat(
        FormatHundredths(DivRoundHalfUp(int128{score.num} * 100, score.den)), "%"));
    *reason = absl::StrCat(leaf.Say("survey A ", "khảo sát A "), s.a(), ", B ", s.b(),
                           ", C ", s.c(), ", D ", s.d(), " (", score.den,
                           leaf.Say(" answers) = ", " phiếu) = "), trace->value_text(),
                           leaf.Say(" of the maximum", " điểm tối đa"), leaf.result());
  }

  std::string Describe(const v1::Rule& /*rule*/) const override { return "survey"; }
};

}  // namespace

const RuleShape& Survey() {
  static const auto* const shape = new SurveyShape();
  return *shape;
}

}  // namespace parindex::engine::shapes
