// Explain(): renders a ScoreSheet as a UnitScore with a one-line trace per criterion.
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/data_sheet.h"
#include "engine/display.h"
#include "engine/fixed_point.h"
#include "engine/rule_shape.h"
#include "engine/scorer.h"

namespace parindex::engine {
namespace {

std::string KindName(v1::UnitKind kind, bool vietnamese) {
  if (vietnamese) {
    switch (kind) {
      case v1::WARD:
        return "phường";
      case v1::COMMUNE:
        return "xã";
      case v1::TOWNSHIP:
        return "thị trấn";
      case v1::SPECIAL_ZONE:
        return "đặc khu";
      case v1::CITY:
        return "thành phố";
      case v1::TOWN:
        return "thị xã";
      case v1::DISTRICT:
        return "quận, huyện";
      case v1::DEPARTMENT:
        return "cơ quan chuyên môn";
      case v1::PROVINCE:
        return "tỉnh";
      default:
        break;
    }
  }
  return absl::AsciiStrToLower(v1::UnitKind_Name(kind));
}

// "95.81%" for the exact value of the indicator.
std::string ValueText(const v1::Indicator& indicator, bool milli,
                      const NodeScore& score) {
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

// The reason of a leaf's trace: its shape says why it scored, the trace why it did not.
std::string LeafReason(const RuleShape& shape, const LeafTrace& leaf, v1::Trace* trace) {
  const NodeScore& score = leaf.score();
  const Node& node = leaf.node();
  switch (score.why) {
    case Why::kNotReported:
      return absl::StrCat(
          leaf.Say("not reported", "không báo cáo"),
          score.missing != nullptr ? absl::StrCat(": ", *score.missing) : "",
          node.element >= 0 ? absl::StrCat(": ", leaf.set().elements()[node.element].code)
                            : "",
          shape.NotReportedNote(leaf.vietnamese()), leaf.result());
    case Why::kNothingToScore:
      return absl::StrCat(
          leaf.Say("not applicable: ", "không áp dụng: "),
          absl::StrJoin(leaf.indicator().denominator(), " + "),
          leaf.Say(" is 0", " bằng 0"),
          score.points_milli > 0
              ? leaf.Say(" (full marks per the set)",
                         " (đạt điểm tối đa theo bộ tiêu chí)")
              : leaf.Say(" (dropped from the maximum)", " (không tính vào điểm tối đa)"),
          score.points_milli > 0 ? leaf.result() : "");
    default: {
      std::string reason;
      shape.Explain(leaf, trace, &reason);
      return reason;
    }
  }
}

}  // namespace

std::string LeafTrace::Measured() const {
  return engine::Measured(indicator(), set_.indicator_elements(node_.indicator).milli,
                          score_);
}

v1::UnitScore ExplainTotals(const CompiledCriteriaSet& set, const CompiledPlan* plan,
                            const v1::Unit& unit, v1::Column column,
                            const ScoreSheet& sheet) {
  v1::UnitScore out;
  ExplainTotalsInto(set, plan, unit, column, sheet, &out);
  return out;
}

void ExplainTotalsInto(const CompiledCriteriaSet& set, const CompiledPlan* plan,
                       const v1::Unit& unit, v1::Column column, const ScoreSheet& sheet,
                       v1::UnitScore* score) {
  const v1::CriteriaSet& proto = set.proto();
  score->Clear();
  v1::UnitScore& out = *score;
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
}

v1::UnitScore Explain(const CompiledCriteriaSet& set, const CompiledPlan* plan,
                      const v1::Unit& unit, const v1::Assessment& assessment,
                      v1::Column column, const ScoreSheet& sheet, v1::Language language) {
  v1::UnitScore out;
  ExplainInto(set, plan, unit, assessment, column, sheet, language, &out);
  return out;
}

void ExplainInto(const CompiledCriteriaSet& set, const CompiledPlan* plan,
                 const v1::Unit& unit, const v1::Assessment& assessment,
                 v1::Column column, const ScoreSheet& sheet, v1::Language language,
                 v1::UnitScore* score) {
  const bool vietnamese = language == v1::VIETNAMESE;
  const v1::CriteriaSet& proto = set.proto();
  ExplainTotalsInto(set, plan, unit, column, sheet, score);
  v1::UnitScore& out = *score;
  const std::string kind = KindName(unit.kind(), vietnamese);
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
          const FigureRead figure =
              ReadFigure(set, assessment, sheet.value_of, e, score.entry, column, el);
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
    const bool milli =
        indicator != nullptr && set.indicator_elements(node.indicator).milli;
    if (measured) {
      trace->set_numerator(score.num);
      trace->set_denominator(indicator->denominator().empty() ? 1 : score.den);
      trace->set_value_text(ValueText(*indicator, milli, score));
    }

    if (!node.leaf()) {
      trace->set_reason(
          vietnamese
              ? absl::StrCat("tổng ", node.children.size(), " tiêu chí thành phần → ",
                             FormatMilli(score.points_milli), "/",
                             FormatMilli(criterion.max_milli()), " điểm")
              : absl::StrCat("sum of ", node.children.size(), " sub-criteria → ",
                             FormatMilli(score.points_milli), " of ",
                             FormatMilli(criterion.max_milli())));
      continue;
    }
    const RuleShape& shape = *node.rule_shape;
    const std::string result = shape.Result(criterion, score.points_milli, vietnamese);
    const bool appraised = column == v1::APPRAISED && values != nullptr &&
                           &assessment.entries(score.entry).appraised() == values;
    trace->set_reason(LeafReason(
        shape,
        LeafTrace(set, plan, node, score, values, appraised, kind, result, vietnamese),
        trace));
  }
}

}  // namespace parindex::engine
