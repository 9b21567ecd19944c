// The judgement shape: the appraiser (or the unit, for its self-assessment) sets any
// score from 0 to the criterion's max.
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/fixed_point.h"
#include "engine/rule_shape.h"
#include "engine/shapes/shapes.h"

namespace parindex::engine::shapes {
namespace {

class JudgementShape final : public RuleShape {
 public:
  JudgementShape()
      : RuleShape(v1::Rule::kJudgement, "judgement", {}, Share::kScale,
                  OwnValue::kScore) {}

  absl::Status Check(RuleCheck& /*check*/) const override { return absl::OkStatus(); }

  absl::Status Score(LeafScoring& leaf) const override {
    const v1::EntryValues* values = leaf.values();
    if (values == nullptr || !values->has_score_milli()) return leaf.NotReported(0);
    const int64_t max = leaf.max();
    if (values->score_milli() < 0 || values->score_milli() > max) {
      return leaf.EntryError("score",
                             absl::StrCat(FormatMilliShort(values->score_milli()),
                                          " is outside 0..", FormatMilliShort(max),
                                          " for criterion ", leaf.criterion().code()));
    }
    leaf.out().why = Why::kJudgement;
    leaf.out().points_milli = values->score_milli();
    return absl::OkStatus();
  }

  void Explain(const LeafTrace& leaf, v1::Trace* /*trace*/,
               std::string* reason) const override {
    *reason =
        absl::StrCat(leaf.appraised() ? leaf.Say("appraiser's score", "điểm thẩm định")
                                      : leaf.Say("self score", "điểm tự chấm"),
                     leaf.result());
  }

  std::string Describe(const v1::Rule& /*rule*/) const override { return "judgement"; }
};

}  // namespace

const RuleShape& Judgement() {
  static const auto* const shape = new JudgementShape();
  return *shape;
}

}  // namespace parindex::engine::shapes
