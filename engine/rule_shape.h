// Rule shapes, the `oneof shape` of v1::Rule: each has one home under engine/shapes/
// saying how it is read (as data, for criteria/yaml_reader.cc), checked, scored,
// explained and shown. A compiled leaf points at its shape (Node::rule_shape); the
// reader and the client find shapes by name or by case.
#ifndef PARINDEX_ENGINE_RULE_SHAPE_H_
#define PARINDEX_ENGINE_RULE_SHAPE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/criteria_set.h"
#include "engine/fixed_point.h"
#include "engine/plan.h"
#include "engine/scorer.h"
#include "parindex/v1/assessment.pb.h"
#include "parindex/v1/criteria.pb.h"
#include "parindex/v1/score.pb.h"
#include "parindex/v1/unit.pb.h"

namespace parindex::engine {

// ---- Reading: how the criteria reader fills a shape's message from its YAML mapping.

// A word an enum key accepts ("proportional") and the enum value it stands for.
struct KeyWord {
  const char* word;
  int value;
};

// One key of a shape's YAML mapping and the field of the shape's message it fills.
struct ShapeKey {
  enum class Kind : uint8_t {
    kIndicator,  // an indicator id (string)
    kElement,    // a data element code (string)
    kName,       // another name, such as a plan deadline's key (string)
    kMilli,      // a decimal with at most 3 decimals, in thousandths: 0.25 -> 250 (int64)
    kBands,      // a list of {when: "> 90", points: 2}, best first (repeated Band)
    kEnum,       // one of `words`, in any case (enum)
    kDate,       // 2023-02-10 or 10/02/2023 (Date); given empty, it is an error
    kBool,       // true/false or yes/no (bool)
    kPercents,   // a whole percent or a list of them (repeated int32)
  };
  // What an absent key gives.
  enum class Absent : uint8_t {
    kRequired,   // an error: "<key>: is required"
    kUnset,      // the field keeps its default (0, empty, false, no date)
    kMax,        // kMilli: the criterion's maximum
    kFirstWord,  // kEnum: the value of the first of `words`
  };

  const char* key;    // in YAML: "per_item"
  const char* field;  // in the shape's message and error paths: "points_per_item_milli"
  Kind kind;
  Absent absent;
  absl::Span<const KeyWord> words = {};  // kEnum only
};

// ---- Checking: what RuleShape::Check() sees of the leaf whose rule it checks.
class RuleCheck {
 public:
  // `shape` names the shape in errors ("bands"). `set` is still being built: its
  // elements, indicators and nodes are in place.
  RuleCheck(const CompiledCriteriaSet& set, Node& node, absl::string_view shape);

  const CompiledCriteriaSet& set() const { return set_; }
  const Node& node() const { return node_; }
  const v1::Rule& rule() const { return node_.criterion->rule(); }
  const std::string& code() const { return node_.criterion->code(); }
  int64_t max() const { return node_.criterion->max_milli(); }
  // Where errors about the shape point: "areas[0].criteria[2].rule.bands".
  const std::string& path() const { return path_; }

  // Resolves the indicator the rule reads into node().indicator. Error: "criterion C:
  // rule.<shape>.indicator: '<id>' is not an indicator of this set".
  absl::Status ResolveIndicator(const std::string& id);
  // REQUIRES: ResolveIndicator() succeeded.
  const v1::Indicator& indicator() const;
  const IndicatorElements& indicator_elements() const;
  // Resolves the data element the rule reads into node().element; an empty `code`
  // leaves it at -1 (the criterion's own value is read). Errors at rule.<shape>.element:
  // not an element of this set, or one of another type than `type`.
  absl::Status ResolveElement(const std::string& code, v1::ElementType type);
  // INVALID_ARGUMENT at path(): "criterion C: rule.<shape>.<message>".
  absl::Status Fail(absl::string_view message) const;

 private:
  const CompiledCriteriaSet& set_;
  Node& node_;
  absl::string_view shape_;
  std::string path_;
};

// ---- Scoring: what RuleShape::Score() sees of the leaf it scores, and the steps
// shapes share. The scorer has already set out().entry, status SCORED and the maximum
// as the applicable maximum, refused the entry's values the rule does not read, and
// checked the ones it reads.

// What every leaf scored by one Score() call reads.
struct ScoreInputs {
  const CompiledCriteriaSet& set;
  const CompiledPlan* plan;  // null: no plan
  const v1::Unit& unit;
  const v1::Assessment& assessment;
  const std::vector<int>& value_of;       // ScoreSheet::value_of
  const std::vector<int64_t>& number_of;  // ScoreSheet::number_of
  v1::Column column;
  // The plan's target per indicator for the unit's kind; null when there is no plan.
  const std::vector<const v1::Target*>* targets;
};

// The exact value of an indicator whose numerator and denominator sum to `num` and
// `den`. REQUIRES: den > 0 when it has a denominator.
inline Fraction IndicatorValue(const IndicatorElements& elements, int64_t num,
                               int64_t den) {
  if (elements.denominator.empty()) return Fraction{num, elements.milli ? 1000 : 1};
  if (elements.percent) {
    const int128 part = elements.complement ? den - num : num;
    return Fraction{part * 100, den};
  }
  return Fraction{num, den};
}

class LeafScoring {
 public:
  // `e` is the leaf's entry (index `entry`), `values` its side that the column reads;
  // both null when the unit gave no entry.
  LeafScoring(const ScoreInputs& in, const Node& node, int entry, const v1::Entry* e,
              const v1::EntryValues* values, NodeScore* out)
      : in_(in), node_(node), entry_(entry), e_(e), values_(values), out_(out) {}

  const CompiledCriteriaSet& set() const { return in_.set; }
  const CompiledPlan* plan() const { return in_.plan; }  // null: no plan
  const v1::Unit& unit() const { return in_.unit; }
  const Node& node() const { return node_; }
  const v1::Criterion& criterion() const { return *node_.criterion; }
  const v1::Rule& rule() const { return node_.criterion->rule(); }
  int64_t max() const { return node_.criterion->max_milli(); }
  // REQUIRES: node().indicator >= 0.
  const v1::Indicator& indicator() const { return in_.set.indicator(node_.indicator); }
  // The plan's target for indicator() that applies to the unit's kind; null when none
  // (or no plan). REQUIRES: node().indicator >= 0.
  const v1::Target* Target() const {
    return in_.targets == nullptr ? nullptr : (*in_.targets)[node_.indicator];
  }
  // The criterion's own values in the column scored; null when the unit gave no entry.
  const v1::EntryValues* values() const { return values_; }
  // The sheet's value of node().element as the column reads it; null when the rule
  // reads no element or the element was not reported.
  const v1::ElementValue* ElementValue() const;
  NodeScore& out() { return *out_; }

  // Reads the indicator through the data sheet (engine/data_sheet.h): sums its counts
  // into out().num and out().den and checks the figures. Sets *reported to false when a
  // figure is missing, naming it in out().missing.
  absl::Status ReadIndicator(bool* reported);
  // ReadIndicator(), then settles the leaf when there is nothing to measure: not
  // reported (0 points) when a figure is missing, not applicable for a zero denominator.
  // Returns true with `*value` set to the indicator's exact value otherwise.
  absl::StatusOr<bool> Measure(Fraction* value) {
    if (e_ == nullptr && MeasureSheet(value)) return true;
    return MeasureRead(value);
  }
  // Settles the leaf as not reported, with `points`.
  absl::Status NotReported(int64_t points);
  // Settles the leaf as not applicable for `why`: dropped from the maximum, or full
  // marks when allowed and the criterion asks for them.
  absl::Status NotApplicable(Why why, bool full_marks_allowed);
  // INVALID_ARGUMENT at the entry's `field`: "entries[3].self.score: <message>".
  // REQUIRES: values() is not null.
  absl::Status EntryError(absl::string_view field, absl::string_view message) const;

 private:
  // Measure() of a leaf without an entry, every figure on the sheet (checked when its
  // values were indexed): true with the value when there is one to score, false
  // (nothing written) to leave the leaf to MeasureRead(). Inline: most leaves of a
  // score end here.
  bool MeasureSheet(Fraction* value) {
    const IndicatorElements& elements = in_.set.indicator_elements(node_.indicator);
    const int64_t* numbers = in_.number_of.data();
    int64_t num = 0;
    int64_t den = 0;
    for (int el : elements.numerator) {
      if (numbers[el] == kNoNumber) return false;
      num += numbers[el];  // each at most kMaxCount thousandths: no overflow
    }
    for (int el : elements.denominator) {
      if (numbers[el] == kNoNumber) return false;
      den += numbers[el];
    }
    if (!elements.denominator.empty() && (den == 0 || (elements.percent && num > den)))
      return false;
    out_->num = num;
    out_->den = den;
    *value = IndicatorValue(elements, num, den);
    return true;
  }
  absl::StatusOr<bool> MeasureRead(Fraction* value);

  const ScoreInputs& in_;
  const Node& node_;
  int entry_;
  const v1::Entry* e_;
  const v1::EntryValues* values_;
  NodeScore* out_;
};

// ---- Explaining: what RuleShape::Explain() sees of a scored leaf.
class LeafTrace {
 public:
  LeafTrace(const CompiledCriteriaSet& set, const CompiledPlan* plan, const Node& node,
            const NodeScore& score, const v1::EntryValues* values, bool appraised,
            const std::string& kind, const std::string& result, bool vietnamese)
      : set_(set),
        plan_(plan),
        node_(node),
        score_(score),
        values_(values),
        appraised_(appraised),
        kind_(kind),
        result_(result),
        vietnamese_(vietnamese) {}

  const CompiledCriteriaSet& set() const { return set_; }
  const CompiledPlan* plan() const { return plan_; }  // null: no plan
  const Node& node() const { return node_; }
  const v1::Criterion& criterion() const { return *node_.criterion; }
  const v1::Rule& rule() const { return node_.criterion->rule(); }
  const NodeScore& score() const { return score_; }
  // The criterion's own values read; null when the unit gave no entry.
  const v1::EntryValues* values() const { return values_; }
  // True when values() are the appraiser's.
  bool appraised() const { return appraised_; }
  // The unit's kind as traces name it: "ward" ("phường" in Vietnamese).
  const std::string& kind() const { return kind_; }
  // The language of the words: the reason's figures and structure are the same in both.
  bool vietnamese() const { return vietnamese_; }
  // `en` or `vi`, as the language asks.
  const char* Say(const char* en, const char* vi) const { return vietnamese_ ? vi : en; }
  // What ends a reason: " → 1.50 of 2.00" (RuleShape::Result()).
  const std::string& result() const { return result_; }
  // REQUIRES: node().indicator >= 0.
  const v1::Indicator& indicator() const { return set_.indicator(node_.indicator); }
  // The indicator as measured: "on_time_rate 412/430 = 95.81%".
  // REQUIRES: node().indicator >= 0.
  std::string Measured() const;

 private:
  const CompiledCriteriaSet& set_;
  const CompiledPlan* plan_;
  const Node& node_;
  const NodeScore& score_;
  const v1::EntryValues* values_;
  bool appraised_;
  const std::string& kind_;
  const std::string& result_;
  bool vietnamese_;
};

// ---- The shape.
class RuleShape {
 public:
  // What a leaf's points count toward.
  enum class Share : uint8_t {
    kScale,       // the set's scale
    kSurvey,      // the scale, and the set's survey share (CriteriaSet.survey_milli)
    kAdjustment,  // outside the scale: bonus or penalty points; the leaf's max is 0
  };
  // The value of a criterion's own entry (EntryValues) that the shape reads when its
  // rule reads no data element; the entry's other values are refused. Figures go with
  // an indicator.
  enum class OwnValue : uint8_t { kNone, kDone, kIssued, kScore, kSurvey };

  RuleShape(const RuleShape&) = delete;
  RuleShape& operator=(const RuleShape&) = delete;
  virtual ~RuleShape() = default;

  v1::Rule::ShapeCase shape_case() const { return shape_case_; }
  // The oneof field of v1::Rule, which is also the YAML key: "bands".
  absl::string_view name() const { return name_; }
  // The keys of its YAML mapping, in the order they are read.
  absl::Span<const ShapeKey> keys() const { return keys_; }
  Share share() const { return share_; }
  OwnValue own_value() const { return own_value_; }

  // Checks the rule of check.node() and resolves what it reads (an indicator, an
  // element). Errors are INVALID_ARGUMENT with the field path attached.
  virtual absl::Status Check(RuleCheck& check) const = 0;
  // Scores the leaf into leaf.out(): status, why, points and the facts the trace names.
  // Errors are INVALID_ARGUMENT naming the field path (bad input, not a verdict).
  virtual absl::Status Score(LeafScoring& leaf) const = 0;
  // Sets the trace's reason (and what applied, and any value it shows) for a Why this
  // shape's Score() gave, in leaf.vietnamese() or English words; the trace explains
  // kGroup, kNotReported and kNothingToScore.
  virtual void Explain(const LeafTrace& leaf, v1::Trace* trace,
                       std::string* reason) const = 0;
  // What ends every reason of the leaf: " → 1.50 of 2.00" (" → 1.50/2.00 điểm").
  virtual std::string Result(const v1::Criterion& criterion, int64_t points_milli,
                             bool vietnamese) const;
  // What a reason adds after "not reported" and the missing value: ": no document date".
  virtual absl::string_view NotReportedNote(bool /*vietnamese*/) const { return {}; }
  // The rule in one line, as `parindex criteria show` prints it: "bands on_time_rate".
  virtual std::string Describe(const v1::Rule& rule) const = 0;

 protected:
  RuleShape(v1::Rule::ShapeCase shape_case, const char* name,
            absl::Span<const ShapeKey> keys, Share share = Share::kScale,
            OwnValue own_value = OwnValue::kNone)
      : shape_case_(shape_case),
        name_(name),
        keys_(keys),
        share_(share),
        own_value_(own_value) {}

 private:
  v1::Rule::ShapeCase shape_case_;
  const char* name_;
  absl::Span<const ShapeKey> keys_;
  Share share_;
  OwnValue own_value_;
};

// Every shape, in the order errors list them: bands, inverse, linear, target, boolean,
// deadline, count, judgement, survey, adjustment.
absl::Span<const RuleShape* const> AllShapes();

// The shape of `shape_case`, or null (SHAPE_NOT_SET).
const RuleShape* FindShape(v1::Rule::ShapeCase shape_case);

// The shape of `shape_case`. REQUIRES: a shape is set (every leaf of a compiled set).
const RuleShape& ShapeOf(v1::Rule::ShapeCase shape_case);

// The shape named `name` ("bands"), or null.
const RuleShape* ShapeNamed(absl::string_view name);

}  // namespace parindex::engine

#endif  // PARINDEX_ENGINE_RULE_SHAPE_H_
