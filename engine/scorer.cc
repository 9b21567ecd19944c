// Scoring: figures -> indicators -> points, per rule shape (engine/shapes/), then totals.
#include "engine/scorer.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "engine/data_sheet.h"
#include "engine/errors.h"
#include "engine/fixed_point.h"
#include "engine/rule_shape.h"
#include "engine/shapes/common.h"

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
      if (el < 0 || (std::find(elements.numerator.begin(), elements.numerator.end(),
                               el) == elements.numerator.end() &&
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
  FigureRead first;  // the first numerator figure, for errors
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
      if (first.index < 0) first = figure;
      if (figure.from_entry && figure.value < 0) {
        const std::string path = figure.path();
        return InvalidAt(path,
                         absl::StrCat(path, ": negative count (", figure.value, ")"));
      }
      if (figure.from_entry && figure.value > kMaxCount) {
        const std::string path = figure.path();
        return InvalidAt(path,
                         absl::StrCat(path, ": count too large (", figure.value, ")"));
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
    const std::string first_path = first.path();
    if (!absl::StartsWith(first_path, "values[")) {
      if (indicator.numerator_size() == 1 && indicator.denominator_size() == 1) {
        return InvalidAt(first_path,
                         absl::StrCat(first_path, ": ", out->num, " exceeds ",
                                      indicator.denominator(0), " (", out->den, ")"));
      }
      return InvalidAt(first_path,
                       absl::StrCat(first_path, ": numerator ",
                                    absl::StrJoin(indicator.numerator(), " + "), " (",
                                    out->num, ") exceeds denominator ",
                                    absl::StrJoin(indicator.denominator(), " + "), " (",
                                    out->den, ")"));
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
                                  " = ", out->den, " (indicator ", indicator.id(),
                                  " of criterion ", criterion.code(), ")"));
  }
  return absl::OkStatus();
}

// ReadIndicator() for a criterion without an entry of its own, whose figures are all
// the sheet's, checked when the values were indexed: the sums alone. Returns false,
// leaving the full path to run for its error, when a numerator exceeds its
// denominator.
inline bool SumSheetFigures(const CompiledCriteriaSet& set,
                            const IndicatorElements& elements,
                            const std::vector<int64_t>& number_of, NodeScore* out,
                            bool* reported) {
  const int64_t* numbers = number_of.data();
  int missing = -1;  // the first element without a number
  auto sum = [&](const std::vector<int>& side) {
    int64_t total = 0;
    for (int el : side) {
      const int64_t number = numbers[el];
      if (number == kNoNumber) {
        if (missing < 0) missing = el;
        continue;
      }
      total += number;
    }
    return total;
  };
  out->num = sum(elements.numerator);
  out->den = sum(elements.denominator);
  if (missing >= 0) {
    out->missing = &set.elements()[missing].code;
    *reported = false;
    return true;
  }
  *reported = true;
  return out->num <= out->den || elements.denominator.empty() || !elements.percent;
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
absl::Status RejectUnread(const CompiledCriteriaSet& set, const Node& node,
                          const RuleShape& shape, int entry, const v1::Entry& e,
                          v1::Column column, const v1::EntryValues& values) {
  const v1::Criterion& criterion = *node.criterion;
  const int64_t max = criterion.max_milli();
  // A rule that reads a data element reads none of the entry's own values.
  using OwnValue = RuleShape::OwnValue;
  const OwnValue reads = node.element >= 0 ? OwnValue::kNone : shape.own_value();
  auto unread = [&](absl::string_view field, absl::string_view what) {
    if (node.element >= 0) {
      const Element& element = set.elements()[node.element];
      return FieldError(entry, e, column, field,
                        absl::StrCat("criterion ", criterion.code(), " reads its ", what,
                                     " from the data sheet: give it as ", element.code,
                                     " (", element.label(), ")"));
    }
    return FieldError(entry, e, column, field,
                      absl::StrCat("criterion ", criterion.code(), " reads no ", what));
  };
  if (values.has_done() && reads != OwnValue::kDone) return unread("done", "yes/no");
  if (values.has_issued()) {
    if (reads != OwnValue::kIssued) return unread("issued", "date");
    if (!IsValidDate(values.issued()))
      return FieldError(entry, e, column, "issued", "not a valid date");
  }
  if (values.has_score_milli()) {
    if (reads != OwnValue::kScore) return unread("score", "score");
    if (values.score_milli() < 0 || values.score_milli() > max) {
      return FieldError(
          entry, e, column, "score",
          absl::StrCat(FormatMilliShort(values.score_milli()), " is outside 0..",
                       FormatMilliShort(max), " for criterion ", criterion.code()));
    }
  }
  if (values.has_survey() && reads != OwnValue::kSurvey)
    return unread("survey", "survey answers");
  return absl::OkStatus();
}

// Scores one leaf: the steps every shape shares, then its shape's. `e` is null when
// the unit gave no entry for it.
absl::Status ScoreLeaf(const ScoreInputs& in, const Node& node, int entry,
                       const v1::Entry* e, NodeScore* out) {
  const RuleShape& shape = *node.rule_shape;
  const v1::EntryValues* values = e == nullptr ? nullptr : &ValuesOf(*e, in.column);
  out->entry = entry;
  out->status = v1::SCORED;
  out->applicable_max_milli = node.criterion->max_milli();
  if (values != nullptr) {
    RETURN_IF_ERROR(RejectUnread(in.set, node, shape, entry, *e, in.column, *values));
    // Figures belong to an indicator, whose reading checks their names.
    if (node.indicator < 0) {
      RETURN_IF_ERROR(RejectFigures(*node.criterion, entry, *e, in.column, *values));
    }
  }
  LeafScoring leaf(in, node, entry, e, values, out);
  return shape.Score(leaf);
}

// Writes every field of a leaf scored from its FlatLeaf (no clearing first).
inline void SetFlat(NodeScore* out, int64_t max, Why why, int64_t points, int64_t num,
                    int64_t den, int band, const v1::Target* target) {
  out->status = v1::SCORED;
  out->why = why;
  out->points_milli = points;
  out->applicable_max_milli = max;
  out->entry = -1;
  out->num = num;
  out->den = den;
  out->band = band;
  out->target = target;
  out->due = nullptr;
  out->issued = nullptr;
  out->missing = nullptr;
}

// shapes::Holds() for an indicator's value vnum / vden, REQUIRES: 0 ≤ vnum × 1000 <
// 2^63 and 0 < vden < 2^63: the same comparison of vnum × 1000 with threshold × vden,
// the first product in 64 bits and the second one 64 × 64 → 128-bit multiply.
inline bool HoldsFlat(v1::Comparator comparator, int64_t vnum, int64_t vden,
                      int64_t threshold_milli) {
  return shapes::Compares(comparator, int128{vnum * 1000},
                          int128{threshold_milli} * vden);
}

// Scores a leaf without an entry from its FlatLeaf (engine/criteria_set.h), as its
// shape would: the same conditions and the same exact arithmetic (IndicatorValue,
// Holds, Scale), without the virtual call, the proto reads and the statuses. Returns
// false, having written nothing, to leave the leaf to its shape: a figure missing, a
// zero or exceeded denominator, no target or one in another unit, a yes/no not given,
// numbers too large for the 64-bit products below.
inline bool ScoreFlat(const FlatLeaf& f, const FlatBand* bands, const int64_t* numbers,
                      const ScoreInputs& in, NodeScore* out) {
  using Op = FlatLeaf::Op;
  if (f.op == Op::kShape) return false;
  if (f.op == Op::kBoolean) {  // BooleanShape::Score, the element's value
    const int v = in.value_of[f.element];
    if (v < 0) return false;
    const v1::ElementValue* value = ColumnValue(in.assessment.values(v), in.column);
    if (value == nullptr) return false;
    const bool yes = value->yes();
    SetFlat(out, f.max_milli, yes ? Why::kYes : Why::kNo,
            yes ? f.yes_milli : f.otherwise_milli, 0, 0, -1, nullptr);
    return true;
  }
  // LeafScoring::MeasureSheet() and IndicatorValue() for one numerator and at most one
  // denominator. Numbers are never negative (IndexValues() checked them); the bounds
  // keep vnum × 1000 within 63 bits (a count is at most kMaxCount < 2^40).
  constexpr uint64_t kNumLimit = uint64_t{1} << 50;
  constexpr uint64_t kDenLimit = uint64_t{1} << 40;
  const int64_t num = numbers[f.num];
  if (num == kNoNumber || static_cast<uint64_t>(num) > kNumLimit) return false;
  int64_t den = 0;
  int64_t vnum = num;  // the value is vnum / vden
  int64_t vden = f.milli ? 1000 : 1;
  if (f.den >= 0) {
    den = numbers[f.den];
    if (den == kNoNumber || den == 0 || static_cast<uint64_t>(den) > kDenLimit ||
        (f.percent && num > den))
      return false;
    vnum = f.percent ? (f.complement ? den - num : num) * 100 : num;
    vden = den;
  }
  Why why;
  int band = -1;
  int64_t points = 0;
  const v1::Target* target = nullptr;
  const int64_t max = f.max_milli;
  switch (f.op) {
    case Op::kBands: {  // BandsShape::Score
      why = Why::kOtherwise;
      points = f.otherwise_milli;
      const FlatBand* b = bands + f.first_band;
      for (int i = 0; i < f.bands; ++i) {
        if (HoldsFlat(b[i].comparator, vnum, vden, b[i].threshold_milli)) {
          why = Why::kBand;
          band = i;
          points = b[i].points_milli;
          break;
        }
      }
      break;
    }
    case Op::kLinear:  // LinearShape::Score
      why = Why::kLinear;
      points = shapes::Scale(max, vnum, int128{vden} * 100);
      break;
    case Op::kTarget: {  // TargetShape::Score
      if (in.targets == nullptr) return false;
      target = (*in.targets)[f.indicator];
      if (target == nullptr || target->unit() != f.unit) return false;
      const v1::Comparator comparator = target->comparator();
      const int64_t t = target->value_milli();
      if (HoldsFlat(comparator, vnum, vden, t)) {
        why = Why::kTargetMet;
        points = max;
        break;
      }
      why = Why::kTargetMissed;
      if (f.proportional) {
        if (shapes::HigherIsBetter(comparator)) {
          if (t > 0) points = shapes::Scale(max, int128{vnum} * 1000, int128{vden} * t);
        } else if (vnum > 0) {
          points = shapes::Scale(max, int128{t} * vden, int128{vnum} * 1000);
        }
        points = std::min(points, max);
      }
      break;
    }
    default:
      return false;
  }
  SetFlat(out, max, why, points, num, den, band, target);
  return true;
}

// The plan's target per indicator of `set` for units of `kind`, kept in the sheet.
const std::vector<const v1::Target*>& TargetsFor(const CompiledCriteriaSet& set,
                                                 const CompiledPlan& plan,
                                                 v1::UnitKind kind, ScoreSheet* sheet) {
  for (ScoreSheet::Targets& t : sheet->targets) {
    if (t.kind == kind && t.set == set.serial() && t.plan == plan.serial()) return t.of;
  }
  if (!sheet->targets.empty() && (sheet->targets.front().set != set.serial() ||
                                  sheet->targets.front().plan != plan.serial())) {
    sheet->targets.clear();  // another set or plan: the kinds met are kept for one pair
  }
  ScoreSheet::Targets& t = sheet->targets.emplace_back();
  t.set = set.serial();
  t.plan = plan.serial();
  t.kind = kind;
  const int indicators = set.proto().indicators_size();
  t.of.resize(indicators);
  for (int i = 0; i < indicators; ++i)
    t.of[i] = plan.FindTarget(set.indicator(i).id(), kind);
  return t.of;
}

}  // namespace

const v1::ElementValue* LeafScoring::ElementValue() const {
  if (node_.element < 0 || in_.value_of[node_.element] < 0) return nullptr;
  return ColumnValue(in_.assessment.values(in_.value_of[node_.element]), in_.column);
}

absl::Status LeafScoring::ReadIndicator(bool* reported) {
  if (e_ == nullptr &&
      SumSheetFigures(in_.set, in_.set.indicator_elements(node_.indicator), in_.number_of,
                      out_, reported))
    return absl::OkStatus();
  return engine::ReadIndicator(in_.set, node_, in_.assessment, in_.value_of, entry_, e_,
                               in_.column, out_, reported);
}

absl::StatusOr<bool> LeafScoring::MeasureRead(Fraction* value) {
  const IndicatorElements& elements = in_.set.indicator_elements(node_.indicator);
  bool reported = false;
  // ReadIndicator(), inlined: most leaves sum the sheet's figures alone.
  if (e_ != nullptr ||
      !SumSheetFigures(in_.set, elements, in_.number_of, out_, &reported)) {
    RETURN_IF_ERROR(engine::ReadIndicator(in_.set, node_, in_.assessment, in_.value_of,
                                          entry_, e_, in_.column, out_, &reported));
  }
  if (!reported) {
    RETURN_IF_ERROR(NotReported(0));
    return false;
  }
  if (!elements.denominator.empty() && out_->den == 0) {
    RETURN_IF_ERROR(NotApplicable(Why::kNothingToScore, /*full_marks_allowed=*/true));
    return false;
  }
  *value = IndicatorValue(elements, out_->num, out_->den);
  return true;
}

absl::Status LeafScoring::NotReported(int64_t points) {
  out_->status = v1::NOT_REPORTED;
  out_->why = Why::kNotReported;
  out_->points_milli = points;
  return absl::OkStatus();
}

absl::Status LeafScoring::NotApplicable(Why why, bool full_marks_allowed) {
  const int64_t max = node_.criterion->max_milli();
  const bool full =
      full_marks_allowed && node_.criterion->not_applicable() == v1::FULL_MARKS;
  out_->status = v1::NOT_APPLICABLE;
  out_->why = why;
  out_->points_milli = full ? max : 0;
  out_->applicable_max_milli = full ? max : 0;
  return absl::OkStatus();
}

absl::Status LeafScoring::EntryError(absl::string_view field,
                                     absl::string_view message) const {
  return FieldError(entry_, *e_, in_.column, field, message);
}

absl::Status Score(const CompiledCriteriaSet& set, const CompiledPlan* plan,
                   const v1::Unit& unit, const v1::Assessment& assessment,
                   v1::Column column, ScoreSheet* sheet) {
  const std::vector<Node>& nodes = set.nodes();
  // Each node's score is cleared where it is scored below (a fill loop first would
  // store every node twice).
  sheet->nodes.resize(nodes.size());
  sheet->areas.assign(set.proto().areas_size(), AreaTotal());
  sheet->survey_milli = 0;
  sheet->adjustment_milli = 0;

  sheet->numbers.column = column;
  RETURN_IF_ERROR(IndexValues(set, assessment, &sheet->value_of, &sheet->numbers));
  sheet->warnings.clear();
  RETURN_IF_ERROR(CheckRules(set, assessment, sheet->value_of, sheet->numbers.number_of,
                             column, &sheet->warnings));

  // Entry index per node; -1 when the unit gave none. Entries usually come in the
  // set's order, so the next node is tried before the hash lookup.
  // A round's assessments list their entries alike, so the node the same entry had in
  // the last assessment scored with this sheet is tried first.
  std::vector<int>& entry_of = sheet->entry_of;
  entry_of.resize(nodes.size());
  if (!nodes.empty())  // -1 for each node
    std::memset(entry_of.data(), 0xff, nodes.size() * sizeof(int));
  std::vector<int>& node_at = sheet->node_at;
  if (static_cast<int>(node_at.size()) < assessment.entries_size())
    node_at.resize(assessment.entries_size(), -1);
  const FlatLeaf* const flat = set.flat_leaves().data();
  const CodeKey* const node_keys = set.node_keys().data();
  const size_t node_count = nodes.size();
  size_t next = 0;
  for (int i = 0; i < assessment.entries_size(); ++i) {
    const std::string& code = assessment.entries(i).criterion();
    while (next < node_count && !flat[next].leaf) ++next;
    int node = -1;
    const int guess = node_at[i];
    if (next < node_count &&
        MatchesKey(node_keys[next], nodes[next].criterion->code(), code)) {
      node = static_cast<int>(next++);
    } else if (static_cast<size_t>(guess) < node_count &&
               MatchesKey(node_keys[guess], nodes[guess].criterion->code(), code)) {
      node = guess;
      next = static_cast<size_t>(guess) + 1;
    } else {
      node = set.FindNode(code);
    }
    node_at[i] = node;
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
  const ScoreInputs in{
      set,
      plan,
      unit,
      assessment,
      sheet->value_of,
      sheet->numbers.number_of,
      column,
      plan == nullptr ? nullptr : &TargetsFor(set, *plan, unit.kind(), sheet)};
  // Locals rather than the sheet's fields: a store through a pointer could alias them,
  // and each node would load them again.
  NodeScore* const scores = sheet->nodes.data();
  AreaTotal* const areas = sheet->areas.data();
  const FlatBand* const flat_bands = set.flat_bands().data();
  const int64_t* const numbers = sheet->numbers.number_of.data();
  int64_t survey = 0;
  int64_t adjustment = 0;
  for (int n = static_cast<int>(nodes.size()) - 1; n >= 0; --n) {
    NodeScore& score = scores[n];
    const FlatLeaf& f = flat[n];
    const int entry = entry_of[n];
    // Every flat leaf's shape counts toward the scale (no survey, no adjustment).
    // ScoreFlat() writes every field of the score; the other paths clear it first.
    if (entry < 0 && ScoreFlat(f, flat_bands, numbers, in, &score)) {
      if (f.top_area >= 0) {
        AreaTotal& area = areas[f.top_area];
        area.points_milli += score.points_milli;
        area.applicable_max_milli += score.applicable_max_milli;
      }
      continue;
    }
    const Node& node = nodes[n];
    score = NodeScore();
    if (f.leaf) {
      RETURN_IF_ERROR(ScoreLeaf(
          in, node, entry, entry < 0 ? nullptr : &assessment.entries(entry), &score));
      const RuleShape::Share share = node.rule_shape->share();
      if (share == RuleShape::Share::kSurvey) {
        survey += score.points_milli;
      } else if (share == RuleShape::Share::kAdjustment) {
        adjustment += score.points_milli;
      }
    } else {
      score.status = v1::GROUP;
      score.why = Why::kGroup;
      for (int child : node.children) {
        score.points_milli += scores[child].points_milli;
        score.applicable_max_milli += scores[child].applicable_max_milli;
      }
    }
    if (f.top_area >= 0) {
      AreaTotal& area = areas[f.top_area];
      area.points_milli += score.points_milli;
      area.applicable_max_milli += score.applicable_max_milli;
    }
  }
  sheet->survey_milli = survey;
  sheet->adjustment_milli = adjustment;

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
                                        v1::Column column, v1::Language language) {
  ScoreSheet sheet;
  RETURN_IF_ERROR(Score(set, plan, unit, assessment, column, &sheet));
  return Explain(set, plan, unit, assessment, column, sheet, language);
}

std::string BlockOf(const v1::Unit& unit) {
  if (!unit.block().empty()) return unit.block();
  return absl::AsciiStrToLower(v1::UnitKind_Name(unit.kind()));
}

}  // namespace parindex::engine
