// Scoring: figures -> indicators -> points, per rule shape, then totals.
#include "engine/scorer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "engine/data_sheet.h"
#include "engine/errors.h"
#include "engine/fixed_point.h"

namespace parindex::engine {
namespace {

// The values of `entry` that `column` scores.
const v1::EntryValues& ValuesOf(const v1::Entry& entry, v1::Column column) {
  return column == v1::APPRAISED && entry.has_appraised() ? entry.appraised()
                                                          : entry.self();
}

std::string FieldPath(int entry, const v1::Entry& e, v1::Column column,
                      absl::string_view field) {
  const char* side = column == v1::APPRAISED && e.has_appraised() ? "appraised" : "self";
  return absl::StrCat("entries[", entry, "].", side, ".", field);
}

absl::Status FieldError(int entry, const v1::Entry& e, v1::Column column,
                        absl::string_view field, absl::string_view message) {
  const std::string path = FieldPath(entry, e, column, field);
  return InvalidAt(path, absl::StrCat(path, ": ", message));
}

bool Holds(v1::Comparator comparator, const Fraction& value, int64_t threshold_milli) {
  const int c = CompareFractions(value, Fraction{threshold_milli, 1000});
  switch (comparator) {
    case v1::GREATER:
      return c > 0;
    case v1::AT_LEAST:
      return c >= 0;
    case v1::AT_MOST:
      return c <= 0;
    case v1::LESS:
      return c < 0;
    default:
      return false;
  }
}

bool HigherIsBetter(v1::Comparator comparator) {
  return comparator == v1::GREATER || comparator == v1::AT_LEAST;
}

// Sums the indicator's numerator and denominator from the data sheet (a criterion's
// own figures override it, see ReadFigure) and checks the entry's figures. Sets
// *reported to false when a figure is missing (naming it in out->missing).
absl::Status ReadIndicator(const CompiledCriteriaSet& set, const Node& node,
                           const v1::Assessment& assessment,
                           const std::vector<int>& value_of, int entry,
                           const v1::Entry* e, v1::Column column, NodeScore* out,
                           bool* reported) {
  const v1::Indicator& indicator = set.indicator(node.indicator);
  const IndicatorElements& elements = set.indicator_elements(node.indicator);
  const v1::Criterion& criterion = *node.criterion;
  if (e != nullptr) {
    // A figure of the criterion's own that the indicator does not read: most likely a
    // typo of one it does.
    const auto& figures = ValuesOf(*e, column).figures();
    std::vector<std::string> unknown;
    for (const auto& [name, value] : figures) {
      const int el = set.FindElement(name);
      if (el < 0 || (std::find(elements.numerator.begin(), elements.numerator.end(), el) ==
                         elements.numerator.end() &&
                     std::find(elements.denominator.begin(), elements.denominator.end(),
                               el) == elements.denominator.end())) {
        unknown.push_back(name);
      }
    }
    if (!unknown.empty()) {
      std::sort(unknown.begin(), unknown.end());  // map order is not stable; errors are
      std::vector<std::string> names(indicator.numerator().begin(),
                                     indicator.numerator().end());
      names.insert(names.end(), indicator.denominator().begin(),
                   indicator.denominator().end());
      return FieldError(
          entry, *e, column, absl::StrCat("figures.", unknown[0]),
          absl::StrCat("criterion ", criterion.code(), " reads no figure '", unknown[0],
                       "' (it reads ", absl::StrJoin(names, ", "), ")"));
    }
  }
  *reported = true;
  std::string first_path;  // of the first numerator figure, for errors
  auto sum = [&](const std::vector<int>& side) -> absl::StatusOr<int64_t> {
    int64_t total = 0;
    for (int el : side) {
      const FigureRead figure =
          ReadFigure(set, assessment, value_of, e, entry, column, el);
      if (!figure.found) {
        if (*reported) out->missing = &set.elements()[el].code;
        *reported = false;
        continue;
      }
      if (first_path.empty()) first_path = figure.path;
      if (figure.from_entry && figure.value < 0) {
        return InvalidAt(figure.path, absl::StrCat(figure.path, ": negative count (",
                                                   figure.value, ")"));
      }
      if (figure.from_entry && figure.value > kMaxCount) {
        return InvalidAt(figure.path, absl::StrCat(figure.path, ": count too large (",
                                                   figure.value, ")"));
      }
      total += figure.value;  // cannot overflow: each is at most kMaxCount (x 1000)
    }
    return total;
  };
  ASSIGN_OR_RETURN(out->num, sum(elements.numerator));
  ASSIGN_OR_RETURN(out->den, sum(elements.denominator));
  if (!*reported) return absl::OkStatus();
  if (indicator.unit() == v1::PERCENT && !elements.denominator.empty() &&
      out->num > out->den) {
    if (!absl::StartsWith(first_path, "values[")) {
      if (indicator.numerator_size() == 1 && indicator.denominator_size() == 1) {
        return InvalidAt(first_path,
                         absl::StrCat(first_path, ": ", out->num, " exceeds ",
                                      indicator.denominator(0), " (", out->den, ")"));
      }
      return InvalidAt(
          first_path,
          absl::StrCat(first_path, ": numerator ",
                       absl::StrJoin(indicator.numerator(), " + "), " (", out->num,
                       ") exceeds denominator ",
                       absl::StrJoin(indicator.denominator(), " + "), " (", out->den,
                       ")"));
    }
    auto named = [&](const std::vector<int>& side) {
      std::vector<std::string> names;
      for (int el : side) {
        const Element& element = set.elements()[el];
        names.push_back(element.label() == element.code
                            ? element.code
                            : absl::StrCat(element.code, " (", element.label(), ")"));
      }
      return absl::StrJoin(names, " + ");
    };
    return InvalidAt(first_path,
                     absl::StrCat(first_path, ": ", named(elements.numerator), " = ",
                                  out->num, " exceeds ", named(elements.denominator),
                                  " = ", out->den, " (indicator ", indicator.id(), " of criterion ", criterion.code(),
                                  ")"));
  }
  return absl::OkStatus();
}

// The indicator's exact value from the summed counts in `score`.
Fraction ValueOf(const v1::Indicator& indicator, bool milli, const NodeScore& score) {
  if (indicator.denominator().empty()) return Fraction{score.num, milli ? 1000 : 1};
  if (indicator.unit() == v1::PERCENT) {
    const int128 part = indicator.complement() ? score.den - score.num : score.num;
    return Fraction{part * 100, score.den};
  }
  return Fraction{score.num, score.den};
}

absl::Status RejectFigures(const v1::Criterion& criterion, int entry, const v1::Entry& e,
                           v1::Column column, const v1::EntryValues& values) {
  if (values.figures().empty()) return absl::OkStatus();
  return FieldError(entry, e, column,
                    absl::StrCat("figures.", values.figures().begin()->first),
                    absl::StrCat("criterion ", criterion.code(), " reads no figures"));
}

// Values the criterion's rule does not read are refused, and the ones it reads are
// checked whether or not they count now (a deadline may be missing from today's plan
// and present in tomorrow's), so that nothing stored can become unscorable later.
absl::Status RejectUnread(const CompiledCriteriaSet& set, const Node& node, int entry,
                          const v1::Entry& e, v1::Column column,
                          const v1::EntryValues& values) {
  const v1::Criterion& criterion = *node.criterion;
  const v1::Rule::ShapeCase shape = node.shape;
  const int64_t max = criterion.max_milli();
  auto unread = [&](absl::string_view field, absl::string_view what) {
    if (node.element >= 0) {
      const Element& element = set.elements()[node.element];
      return FieldError(
          entry, e, column, field,
          absl::StrCat("criterion ", criterion.code(), " reads its ", what,
                       " from the data sheet: give it as ", element.code, " (",
                       element.label(), ")"));
    }
    return FieldError(entry, e, column, field,
                      absl::StrCat("criterion ", criterion.code(), " reads no ", what));
  };
  if (values.has_done() && (shape != v1::Rule::kBoolean || node.element >= 0))
    return unread("done", "yes/no");
  if (values.has_issued()) {
    if (shape != v1::Rule::kDeadline || node.element >= 0) return unread("issued", "date");
    if (!IsValidDate(values.issued()))
      return FieldError(entry, e, column, "issued", "not a valid date");
  }
  if (values.has_score_milli()) {
    if (shape != v1::Rule::kJudgement) return unread("score", "score");
    if (values.score_milli() < 0 || values.score_milli() > max) {
      return FieldError(
          entry, e, column, "score",
          absl::StrCat(FormatMilliShort(values.score_milli()), " is outside 0..",
                       FormatMilliShort(max), " for criterion ", criterion.code()));
    }
  }
  if (values.has_survey() && shape != v1::Rule::kSurvey)
    return unread("survey", "survey answers");
  return absl::OkStatus();
}

int64_t Scale(int64_t max, int128 num, int128 den) {
  return DivRoundHalfUp(max * num, den);
}

// Scores one leaf. `e` is null when the unit gave no entry for it.
absl::Status ScoreLeaf(const CompiledCriteriaSet& set, const CompiledPlan* plan,
                       const v1::Unit& unit, const v1::Assessment& assessment,
                       const std::vector<int>& value_of, const Node& node, int entry,
                       const v1::Entry* e, v1::Column column, NodeScore* out) {
  const v1::Criterion& criterion = *node.criterion;
  const v1::Rule& rule = criterion.rule();
  const int64_t max = criterion.max_milli();
  const v1::EntryValues* values = e == nullptr ? nullptr : &ValuesOf(*e, column);
  out->entry = entry;
  out->status = v1::SCORED;
  out->applicable_max_milli = max;

  auto not_reported = [&](int64_t points) {
    out->status = v1::NOT_REPORTED;
    out->why = Why::kNotReported;
    out->points_milli = points;
    return absl::OkStatus();
  };
  auto not_applicable = [&](Why why, bool full_marks_allowed) {
    out->status = v1::NOT_APPLICABLE;
    out->why = why;
    const bool full = full_marks_allowed && criterion.not_applicable() == v1::FULL_MARKS;
    out->points_milli = full ? max : 0;
    out->applicable_max_milli = full ? max : 0;
    return absl::OkStatus();
  };

  if (values != nullptr) {
    RETURN_IF_ERROR(RejectUnread(set, node, entry, *e, column, *values));
  }
  if (node.indicator >= 0) {
    const v1::Indicator& indicator = set.indicator(node.indicator);
    const v1::Target* target = nullptr;
    if (node.shape == v1::Rule::kTarget) {
      // Without a target there is nothing to meet: not applicable, whatever was
      // reported (figures that were given are still checked).
      target = plan == nullptr ? nullptr : plan->FindTarget(indicator.id(), unit.kind());
      if (target == nullptr) {
        bool reported = false;
        RETURN_IF_ERROR(ReadIndicator(set, node, assessment, value_of, entry, e, column,
                                      out, &reported));
        out->missing = nullptr;
        return not_applicable(Why::kNoTarget, /*full_marks_allowed=*/false);
      }
    }
    bool reported = false;
    RETURN_IF_ERROR(ReadIndicator(set, node, assessment, value_of, entry, e, column, out,
                                  &reported));
    if (node.shape == v1::Rule::kAdjustment && !reported) {
      // A bonus or penalty is earned by what is recorded; nothing recorded is none.
      out->why = Why::kAdjustment;
      out->applicable_max_milli = 0;
      out->missing = nullptr;
      out->num = 0;
      return absl::OkStatus();
    }
    if (!reported) return not_reported(0);
    if (!indicator.denominator().empty() && out->den == 0) {
      return not_applicable(Why::kNothingToScore, /*full_marks_allowed=*/true);
    }
    const Fraction value =
        ValueOf(indicator, set.indicator_elements(node.indicator).milli, *out);
    switch (node.shape) {
      case v1::Rule::kBands:
      case v1::Rule::kInverse: {
        const auto& bands = node.shape == v1::Rule::kBands ? rule.bands().bands()
                                                           : rule.inverse().bands();
        for (int i = 0; i < bands.size(); ++i) {
          if (Holds(bands[i].comparator(), value, bands[i].threshold_milli())) {
            out->why = Why::kBand;
            out->band = i;
            out->points_milli = bands[i].points_milli();
            return absl::OkStatus();
          }
        }
        out->why = Why::kOtherwise;
        out->points_milli = node.shape == v1::Rule::kBands
                                ? rule.bands().otherwise_points_milli()
                                : rule.inverse().otherwise_points_milli();
        return absl::OkStatus();
      }
      case v1::Rule::kLinear:
        out->why = Why::kLinear;
        out->points_milli = Scale(max, value.num, value.den * 100);
        return absl::OkStatus();
      case v1::Rule::kTarget: {
        if (target->unit() != indicator.unit()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "plan ", plan->proto().id(), ": the target for ", indicator.id(), " is in ",
              absl::AsciiStrToLower(v1::MeasureUnit_Name(target->unit())),
              " but criterion ", criterion.code(), " reads it in ",
              absl::AsciiStrToLower(v1::MeasureUnit_Name(indicator.unit()))));
        }
        out->target = target;
        if (Holds(target->comparator(), value, target->value_milli())) {
          out->why = Why::kTargetMet;
          out->points_milli = max;
          return absl::OkStatus();
        }
        out->why = Why::kTargetMissed;
        out->points_milli = 0;
        if (rule.target().mode() == v1::TargetRule::PROPORTIONAL) {
          const int64_t t = target->value_milli();
          int64_t points = 0;
          if (HigherIsBetter(target->comparator())) {
            if (t > 0) points = Scale(max, value.num * 1000, value.den * t);
          } else if (value.num > 0) {
            points = Scale(max, int128{t} * value.den, value.num * 1000);
          }
          out->points_milli = std::min(points, max);
        }
        return absl::OkStatus();
      }
      case v1::Rule::kCount: {
        out->why = Why::kCount;
        const int128 points = int128{out->num} * rule.count().points_per_item_milli();
        out->points_milli =
            static_cast<int64_t>(std::min<int128>(points, rule.count().cap_milli()));
        return absl::OkStatus();
      }
      case v1::Rule::kAdjustment: {
        out->why = Why::kAdjustment;
        out->applicable_max_milli = 0;
        const v1::AdjustmentRule& adj = rule.adjustment();
        const int128 points = int128{out->num} * adj.points_per_item_milli();
        out->points_milli = static_cast<int64_t>(
            adj.cap_milli() > 0 ? std::min<int128>(points, adj.cap_milli())
                                : std::max<int128>(points, adj.cap_milli()));
        return absl::OkStatus();
      }
      default:
        break;
    }
  }

  if (values != nullptr)
    RETURN_IF_ERROR(RejectFigures(criterion, entry, *e, column, *values));
  // The sheet's value of the element a boolean or deadline rule reads.
  const v1::ElementValue* element_value = nullptr;
  if (node.element >= 0 && value_of[node.element] >= 0) {
    element_value = ColumnValue(assessment.values(value_of[node.element]), column);
  }
  switch (node.shape) {
    case v1::Rule::kBoolean: {
      bool yes = false;
      if (node.element >= 0) {
        if (element_value == nullptr) return not_reported(0);
        yes = element_value->yes();
      } else {
        if (values == nullptr || !values->has_done()) return not_reported(0);
        yes = values->done();
      }
      out->why = yes ? Why::kYes : Why::kNo;
      out->points_milli =
          yes ? rule.boolean().yes_points_milli() : rule.boolean().no_points_milli();
      return absl::OkStatus();
    }
    case v1::Rule::kDeadline: {
      const v1::DeadlineRule& d = rule.deadline();
      if (!d.plan_deadline().empty()) {
        const v1::Deadline* deadline =
            plan == nullptr ? nullptr : plan->FindDeadline(d.plan_deadline());
        if (deadline == nullptr) {
          return not_applicable(Why::kNoDeadline, /*full_marks_allowed=*/false);
        }
        out->due = &deadline->due();
      } else {
        out->due = &d.due();
      }
      const v1::Date* date = nullptr;
      if (node.element >= 0) {
        if (element_value == nullptr) return not_reported(d.missing_points_milli());
        if (element_value->not_issued()) {
          out->why = Why::kNotIssued;
          out->points_milli = d.missing_points_milli();
          return absl::OkStatus();
        }
        date = &element_value->date();  // checked by IndexValues
      } else {
        if (values == nullptr || !values->has_issued()) {
          return not_reported(d.missing_points_milli());
        }
        if (!IsValidDate(values->issued())) {
          return FieldError(entry, *e, column, "issued", "not a valid date");
        }
        date = &values->issued();
      }
      out->issued = date;
      const absl::CivilDay issued(date->year(), date->month(), date->day());
      const absl::CivilDay due(out->due->year(), out->due->month(), out->due->day());
      const bool on_time = d.strictly_before() ? issued < due : issued <= due;
      out->why = on_time ? Why::kOnTime : Why::kLate;
      out->points_milli = on_time ? d.on_time_points_milli() : d.late_points_milli();
      return absl::OkStatus();
    }
    case v1::Rule::kJudgement:
      if (values == nullptr || !values->has_score_milli()) return not_reported(0);
      if (values->score_milli() < 0 || values->score_milli() > max) {
        return FieldError(
            entry, *e, column, "score",
            absl::StrCat(FormatMilliShort(values->score_milli()), " is outside 0..",
                         FormatMilliShort(max), " for criterion ", criterion.code()));
      }
      out->why = Why::kJudgement;
      out->points_milli = values->score_milli();
      return absl::OkStatus();
    case v1::Rule::kSurvey: {
      if (values == nullptr || !values->has_survey()) {
        return not_applicable(Why::kNoSurvey, /*full_marks_allowed=*/false);
      }
      const v1::SurveyAnswers& s = values->survey();
      if (s.has_percent_milli()) {
        if (s.percent_milli() < 0 || s.percent_milli() > 100000) {
          return FieldError(
              entry, *e, column, "survey.percent",
              absl::StrCat(FormatMilliShort(s.percent_milli()), " is outside 0..100"));
        }
        out->why = Why::kSurvey;
        out->num = s.percent_milli();
        out->den = 0;  // marks an aggregated result
        out->points_milli = Scale(max, s.percent_milli(), 100000);
        return absl::OkStatus();
      }
      const int64_t answers[4] = {s.a(), s.b(), s.c(), s.d()};
      static constexpr int kDefaultPercent[4] = {100, 60, 20, 0};
      const auto& custom = rule.survey().answer_percent();
      int128 weighted = 0;
      int128 total = 0;
      for (int i = 0; i < 4; ++i) {
        if (answers[i] < 0 || answers[i] > kMaxCount) {
          return FieldError(
              entry, *e, column,
              absl::StrCat("survey.", std::string(1, static_cast<char>('a' + i))),
              absl::StrCat("answer count out of range (", answers[i], ")"));
        }
        weighted +=
            int128{answers[i]} * (custom.empty() ? kDefaultPercent[i] : custom[i]);
        total += answers[i];
      }
      if (total == 0) return not_applicable(Why::kNoSurvey, /*full_marks_allowed=*/false);
      out->why = Why::kSurvey;
      out->num = static_cast<int64_t>(weighted);
      out->den = static_cast<int64_t>(total);
      out->points_milli = Scale(max, weighted, total * 100);
      return absl::OkStatus();
    }
    default:
      break;
  }
  return absl::InternalError(
      absl::StrCat("criterion ", criterion.code(), ": rule shape not handled"));
}

}  // namespace

absl::Status Score(const CompiledCriteriaSet& set, const CompiledPlan* plan,
                   const v1::Unit& unit, const v1::Assessment& assessment,
                   v1::Column column, ScoreSheet* sheet) {
  const std::vector<Node>& nodes = set.nodes();
  sheet->nodes.assign(nodes.size(), NodeScore());
  sheet->areas.assign(set.proto().areas_size(), AreaTotal());
  sheet->survey_milli = 0;
  sheet->adjustment_milli = 0;

  RETURN_IF_ERROR(IndexValues(set, assessment, &sheet->value_of));
  sheet->warnings.clear();
  RETURN_IF_ERROR(CheckRules(set, assessment, sheet->value_of, column, &sheet->warnings));

  // Entry index per node; -1 when the unit gave none. Entries usually come in the
  // set's order, so the next node is tried before the hash lookup.
  std::vector<int>& entry_of = sheet->entry_of;
  entry_of.assign(nodes.size(), -1);
  size_t next = 0;
  for (int i = 0; i < assessment.entries_size(); ++i) {
    const std::string& code = assessment.entries(i).criterion();
    while (next < nodes.size() && !nodes[next].leaf()) ++next;
    int node = -1;
    if (next < nodes.size() && nodes[next].criterion->code() == code) {
      node = static_cast<int>(next++);
    } else {
      node = set.FindNode(code);
    }
    if (node < 0 || !nodes[node].leaf() || entry_of[node] >= 0) {
      const std::string path = absl::StrCat("entries[", i, "].criterion");
      if (node < 0) {
        return InvalidAt(path, absl::StrCat(path, ": unknown criterion '", code, "'"));
      }
      if (!nodes[node].leaf()) {
        return InvalidAt(path, absl::StrCat(path, ": ", code,
                                            " has sub-criteria; enter its sub-criteria"));
      }
      return InvalidAt(path, absl::StrCat(path, ": ", code, " also given in entries[",
                                          entry_of[node], "]"));
    }
    entry_of[node] = i;
  }

  // Leaves first, then groups bottom-up (reverse pre-order visits children first).
  for (int n = static_cast<int>(nodes.size()) - 1; n >= 0; --n) {
    const Node& node = nodes[n];
    NodeScore& score = sheet->nodes[n];
    if (node.leaf()) {
      const int entry = entry_of[n];
      RETURN_IF_ERROR(ScoreLeaf(set, plan, unit, assessment, sheet->value_of, node, entry,
                                entry < 0 ? nullptr : &assessment.entries(entry), column,
                                &score));
      if (node.shape == v1::Rule::kSurvey) sheet->survey_milli += score.points_milli;
      if (IsAdjustment(node)) sheet->adjustment_milli += score.points_milli;
    } else {
      score.status = v1::GROUP;
      score.why = Why::kGroup;
      for (int child : node.children) {
        score.points_milli += sheet->nodes[child].points_milli;
        score.applicable_max_milli += sheet->nodes[child].applicable_max_milli;
      }
    }
    if (node.parent < 0) {
      AreaTotal& area = sheet->areas[node.area];
      area.points_milli += score.points_milli;
      area.applicable_max_milli += score.applicable_max_milli;
    }
  }

  sheet->achieved_milli = 0;
  sheet->applicable_max_milli = 0;
  for (const AreaTotal& area : sheet->areas) {
    sheet->achieved_milli += area.points_milli;
    sheet->applicable_max_milli += area.applicable_max_milli;
  }
  sheet->index_applicable = sheet->applicable_max_milli > 0;
  sheet->index_hundredths = sheet->index_applicable
                                ? DivRoundHalfUp(int128{sheet->achieved_milli} * 10000,
                                                 sheet->applicable_max_milli)
                                : 0;
  sheet->classification = -1;
  const auto& bands = set.proto().classification();
  if (sheet->index_applicable && !bands.empty()) {
    sheet->classification = bands.size() - 1;  // the lowest band also takes indices < 0
    for (int i = 0; i < bands.size(); ++i) {
      if (sheet->index_hundredths >= bands[i].min_hundredths()) {
        sheet->classification = i;
        break;
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::UnitScore> ScoreUnit(const CompiledCriteriaSet& set,
                                        const CompiledPlan* plan, const v1::Unit& unit,
                                        const v1::Assessment& assessment,
                                        v1::Column column) {
  ScoreSheet sheet;
  RETURN_IF_ERROR(Score(set, plan, unit, assessment, column, &sheet));
  return Explain(set, plan, unit, assessment, column, sheet);
}

std::string BlockOf(const v1::Unit& unit) {
  if (!unit.block().empty()) return unit.block();
  return absl::AsciiStrToLower(v1::UnitKind_Name(unit.kind()));
}

}  // namespace parindex::engine
