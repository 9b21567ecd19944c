// Explain(): renders a ScoreSheet as a UnitScore with a one-line trace per criterion.
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/data_sheet.h"
#include "engine/display.h"
#include "engine/fixed_point.h"
#include "engine/scorer.h"

namespace parindex::engine {
namespace {

std::string DateText(const v1::Date& d) {
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

std::string KindName(v1::UnitKind kind) {
  return absl::AsciiStrToLower(v1::UnitKind_Name(kind));
}

// "95.81%" for the exact value of the indicator.
std::string ValueText(const v1::Indicator& indicator, bool milli, const NodeScore& score) {
  if (indicator.denominator().empty()) {
    return absl::StrCat(milli ? FormatMilliShort(score.num) : absl::StrCat(score.num),
                        UnitSuffix(indicator.unit()));
  }
  int128 num = indicator.complement() ? score.den - score.num : score.num;
  if (indicator.unit() == v1::PERCENT) num *= 100;
  return absl::StrCat(FormatHundredths(DivRoundHalfUp(num * 100, score.den)),
                      UnitSuffix(indicator.unit()));
}

// "on_time_rate 412/430 = 95.81%".
std::string Measured(const v1::Indicator& indicator, bool milli, const NodeScore& score) {
  if (indicator.denominator().empty()) {
    return absl::StrCat(indicator.id(), " ", ValueText(indicator, milli, score));
  }
  return absl::StrCat(indicator.id(), " ", indicator.complement() ? "100% − " : "",
                      score.num, "/", score.den, " = ",
                      ValueText(indicator, milli, score));
}

std::string Threshold(v1::Comparator comparator, int64_t milli, v1::MeasureUnit unit) {
  return absl::StrCat(ComparatorSymbol(comparator), " ", FormatMilliShort(milli),
                      UnitSuffix(unit));
}

}  // namespace

v1::UnitScore Explain(const CompiledCriteriaSet& set, const CompiledPlan* plan,
                      const v1::Unit& unit, const v1::Assessment& assessment,
                      v1::Column column, const ScoreSheet& sheet) {
  const v1::CriteriaSet& proto = set.proto();
  v1::UnitScore out;
  out.set_unit(unit.code());
  out.set_unit_name(unit.name());
  out.set_kind(unit.kind());
  out.set_block(BlockOf(unit));
  out.set_criteria_set(proto.id());
  out.set_criteria_set_version(proto.version());
  if (plan != nullptr) out.set_plan(plan->proto().id());
  out.set_column(column);

  for (int a = 0; a < proto.areas_size(); ++a) {
    v1::AreaScore* area = out.add_areas();
    area->set_code(proto.areas(a).code());
    area->set_title(proto.areas(a).title());
    area->set_max_milli(proto.areas(a).max_milli());
    area->set_applicable_max_milli(sheet.areas[a].applicable_max_milli);
    area->set_points_milli(sheet.areas[a].points_milli);
    if (sheet.areas[a].applicable_max_milli > 0) {
      area->set_index_hundredths(
          DivRoundHalfUp(int128{sheet.areas[a].points_milli} * 10000,
                         sheet.areas[a].applicable_max_milli));
    }
  }

  const std::string kind = KindName(unit.kind());
  const std::vector<Node>& nodes = set.nodes();
  for (size_t n = 0; n < nodes.size(); ++n) {
    const Node& node = nodes[n];
    const NodeScore& score = sheet.nodes[n];
    const v1::Criterion& criterion = *node.criterion;
    v1::CriterionScore* cs = out.add_criteria();
    cs->set_code(criterion.code());
    cs->set_title(criterion.title());
    cs->set_area(proto.areas(node.area).code());
    cs->set_depth(node.depth);
    cs->set_status(score.status);
    cs->set_max_milli(criterion.max_milli());
    cs->set_applicable_max_milli(score.applicable_max_milli);
    cs->set_points_milli(score.points_milli);
    v1::Trace* trace = cs->mutable_trace();

    const v1::EntryValues* values = nullptr;
    if (score.entry >= 0) {
      const v1::Entry& e = assessment.entries(score.entry);
      values = column == v1::APPRAISED && e.has_appraised() ? &e.appraised() : &e.self();
    }
    const v1::Indicator* indicator =
        node.indicator >= 0 ? &set.indicator(node.indicator) : nullptr;
    if (indicator != nullptr) {
      trace->set_indicator(indicator->id());
      const IndicatorElements& reads = set.indicator_elements(node.indicator);
      const v1::Entry* e = score.entry >= 0 ? &assessment.entries(score.entry) : nullptr;
      auto add_inputs = [&](const std::vector<int>& elements) {
        for (int el : elements) {
          const FigureRead figure = ReadFigure(set, assessment, sheet.value_of, e,
                                               score.entry, column, el);
          if (!figure.found) continue;
          v1::Figure* f = trace->add_inputs();
          f->set_name(set.elements()[el].code);
          f->set_value(figure.value);
          if (set.elements()[el].declared != nullptr) {
            f->set_label(set.elements()[el].label());
          }
          f->set_from_entry(figure.from_entry);
        }
      };
      add_inputs(reads.numerator);
      add_inputs(reads.denominator);
    }
    const bool measured = indicator != nullptr && score.status == v1::SCORED;
    const bool milli = indicator != nullptr && set.indicator_elements(node.indicator).milli;
    if (measured) {
      trace->set_numerator(score.num);
      trace->set_denominator(indicator->denominator().empty() ? 1 : score.den);
      trace->set_value_text(ValueText(*indicator, milli, score));
    }

    const v1::Rule& rule = criterion.rule();
    const std::string result =
        IsAdjustment(node)
            ? absl::StrCat(" → ", FormatMilli(score.points_milli),
                           rule.adjustment().cap_milli() > 0 ? " bonus" : " penalty")
            : absl::StrCat(" → ", FormatMilli(score.points_milli), " of ",
                           FormatMilli(criterion.max_milli()));
    std::string reason;
    switch (score.why) {
      case Why::kGroup:
        reason = absl::StrCat("sum of ", node.children.size(), " sub-criteria", result);
        break;
      case Why::kNotReported:
        reason = absl::StrCat(
            "not reported",
            score.missing != nullptr ? absl::StrCat(": ", *score.missing) : "",
            node.element >= 0 ? absl::StrCat(": ", set.elements()[node.element].code)
                              : "",
            node.shape == v1::Rule::kDeadline ? ": no document date" : "", result);
        break;
      case Why::kNothingToScore:
        reason = absl::StrCat(
            "not applicable: ", absl::StrJoin(indicator->denominator(), " + "), " is 0",
            score.points_milli > 0 ? " (full marks per the set)"
                                   : " (dropped from the maximum)",
            score.points_milli > 0 ? result : "");
        break;
      case Why::kBand:
      case Why::kOtherwise: {
        const auto& bands = node.shape == v1::Rule::kBands ? rule.bands().bands()
                                                           : rule.inverse().bands();
        if (score.why == Why::kBand) {
          const v1::Band& band = bands[score.band];
          trace->set_applied(absl::StrCat(
              "band ",
              Threshold(band.comparator(), band.threshold_milli(), indicator->unit())));
          reason = absl::StrCat(
              Measured(*indicator, milli, score), " ",
              Threshold(band.comparator(), band.threshold_milli(), indicator->unit()),
              result);
        } else {
          const v1::Band& last = bands[bands.size() - 1];
          trace->set_applied("otherwise");
          reason = absl::StrCat(
              Measured(*indicator, milli, score), ", not ",
              Threshold(last.comparator(), last.threshold_milli(), indicator->unit()),
              result);
        }
        break;
      }
      case Why::kLinear:
        trace->set_applied(absl::StrCat("rate × ", FormatMilli(criterion.max_milli())));
        reason = absl::StrCat(Measured(*indicator, milli, score), " × ",
                              FormatMilli(criterion.max_milli()), result);
        break;
      case Why::kTargetMet:
      case Why::kTargetMissed: {
        const v1::Target& t = *score.target;
        const std::string target =
            absl::StrCat(Threshold(t.comparator(), t.value_milli(), t.unit()),
                         " (plan target for ", kind, ")");
        trace->set_applied(target);
        reason = absl::StrCat(Measured(*indicator, milli, score),
                              score.why == Why::kTargetMet ? " " : ", not ", target);
        if (score.why == Why::kTargetMissed &&
            rule.target().mode() == v1::TargetRule::PROPORTIONAL) {
          absl::StrAppend(&reason, "; proportional to the target");
        }
        absl::StrAppend(&reason, result);
        break;
      }
      case Why::kNoTarget:
        reason = plan == nullptr
                     ? absl::StrCat("not applicable: no plan, so no target for ",
                                    indicator->id())
                     : absl::StrCat("not applicable: plan ", plan->proto().id(),
                                    " sets no target for ", indicator->id(), " for ",
                                    kind, " units");
        break;
      case Why::kYes:
      case Why::kNo:
        reason = absl::StrCat(score.why == Why::kYes ? "yes" : "no", result);
        break;
      case Why::kOnTime:
      case Why::kLate: {
        const std::string due = absl::StrCat(
            rule.deadline().strictly_before() ? "before " : "by ", DateText(*score.due));
        trace->set_applied(absl::StrCat("due ", due));
        reason = absl::StrCat("issued ", DateText(*score.issued), ", due ", due, ": ",
                              score.why == Why::kOnTime ? "on time" : "late", result);
        break;
      }
      case Why::kNotIssued: {
        const std::string due = absl::StrCat(
            rule.deadline().strictly_before() ? "before " : "by ", DateText(*score.due));
        trace->set_applied(absl::StrCat("due ", due));
        reason = absl::StrCat("stated not issued (", set.elements()[node.element].code,
                              "), due ", due, result);
        break;
      }
      case Why::kNoDeadline:
        reason = absl::StrCat(
            "not applicable: ",
            plan == nullptr ? "no plan, so no deadline " : "the plan sets no deadline ",
            rule.deadline().plan_deadline());
        break;
      case Why::kCount: {
        const int64_t raw = score.num * rule.count().points_per_item_milli();
        reason = absl::StrCat(
            indicator->id(), " ", score.num, " × ",
            FormatMilli(rule.count().points_per_item_milli()), " = ", FormatMilli(raw),
            raw > score.points_milli
                ? absl::StrCat(", capped at ", FormatMilli(rule.count().cap_milli()))
                : "",
            result);
        break;
      }
      case Why::kAdjustment: {
        const v1::AdjustmentRule& adj = rule.adjustment();
        if (trace->inputs().empty()) {
          reason = absl::StrCat("none recorded", result);
          break;
        }
        const int64_t raw = score.num * adj.points_per_item_milli();
        reason = absl::StrCat(
            indicator->id(), " ", score.num, " × ",
            FormatMilli(adj.points_per_item_milli()), " = ", FormatMilli(raw),
            raw != score.points_milli
                ? absl::StrCat(", capped at ", FormatMilli(adj.cap_milli()))
                : "",
            result);
        break;
      }
      case Why::kJudgement:
        reason =
            absl::StrCat(column == v1::APPRAISED && values != nullptr &&
                                 &assessment.entries(score.entry).appraised() == values
                             ? "appraiser's score"
                             : "self score",
                         result);
        break;
      case Why::kSurvey: {
        const v1::SurveyAnswers& s = values->survey();
        if (score.den == 0) {  // an aggregated result
          trace->set_numerator(score.num);
          trace->set_denominator(100000);
          trace->set_value_text(absl::StrCat(FormatMilli(score.num), "%"));
          reason = absl::StrCat("survey result ", trace->value_text(), " of the maximum",
                                result);
          break;
        }
        trace->set_numerator(score.num);
        trace->set_denominator(score.den * 100);
        trace->set_value_text(absl::StrCat(
            FormatHundredths(DivRoundHalfUp(int128{score.num} * 100, score.den)), "%"));
        reason = absl::StrCat("survey A ", s.a(), ", B ", s.b(), ", C ", s.c(), ", D ",
                              s.d(), " (", score.den, " answers) = ", trace->value_text(),
                              " of the maximum", result);
        break;
      }
      case Why::kNoSurvey:
        reason = "not applicable: no survey answers (dropped from the maximum)";
        break;
    }
    trace->set_reason(std::move(reason));
  }

  out.set_achieved_milli(sheet.achieved_milli);
  out.set_max_milli(proto.total_milli());
  out.set_applicable_max_milli(sheet.applicable_max_milli);
  out.set_survey_milli(sheet.survey_milli);
  out.set_adjustment_milli(sheet.adjustment_milli);
  out.set_index_hundredths(sheet.index_hundredths);
  out.set_index_applicable(sheet.index_applicable);
  for (const Finding& finding : sheet.warnings) {
    *out.add_warnings() = FindingProto(set, finding);
  }
  if (sheet.classification >= 0) {
    out.set_classification(proto.classification(sheet.classification).label());
  }
  return out;
}

}  // namespace parindex::engine
