// Scoring one unit's assessment against a compiled criteria set and plan.
//
// Score() computes a compact ScoreSheet: points, applicable maxima and the facts behind
// each number. Explain() renders a sheet as a UnitScore message with a trace per
// criterion. ScoreUnit() does both. Same inputs always give byte-identical output.
#ifndef PARINDEX_ENGINE_SCORER_H_
#define PARINDEX_ENGINE_SCORER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/criteria_set.h"
#include "engine/data_sheet.h"
#include "engine/plan.h"
#include "parindex/v1/assessment.pb.h"
#include "parindex/v1/score.pb.h"
#include "parindex/v1/unit.pb.h"

namespace parindex::engine {

// Why a node got its points; Explain() turns it into words.
enum class Why : uint8_t {
  kGroup,
  kNotReported,     // a figure, flag, date or score is missing
  kNothingToScore,  // zero denominator: not applicable
  kBand,            // bands[band] applied
  kOtherwise,       // no band applied
  kLinear,
  kTargetMet,
  kTargetMissed,
  kNoTarget,  // the plan sets no target for this unit's kind
  kYes,
  kNo,
  kOnTime,
  kLate,
  kNotIssued,   // the document is stated as not issued
  kNoDeadline,  // the plan has no deadline with the rule's key
  kCount,
  kJudgement,
  kSurvey,
  kNoSurvey,
  kAdjustment,
};

struct NodeScore {
  v1::ScoreStatus status = v1::SCORE_STATUS_UNSPECIFIED;
  Why why = Why::kNotReported;
  int64_t points_milli = 0;
  int64_t applicable_max_milli = 0;
  int entry = -1;   // index of the assessment entry read, -1 when none
  int64_t num = 0;  // summed numerator counts of the indicator
  int64_t den = 0;  // summed denominator counts (0 for a plain quantity)
  int band = -1;    // the band that applied (kBand)
  const v1::Target* target = nullptr;    // the plan target that applied
  const v1::Date* due = nullptr;         // the due date that applied (deadline rules)
  const v1::Date* issued = nullptr;      // the document's date read (deadline rules)
  const std::string* missing = nullptr;  // the first missing figure (kNotReported)
};

struct AreaTotal {
  int64_t points_milli = 0;
  int64_t applicable_max_milli = 0;
};

struct ScoreSheet {
  std::vector<NodeScore> nodes;  // aligned with CompiledCriteriaSet::nodes()
  std::vector<AreaTotal> areas;
  int64_t achieved_milli = 0;
  int64_t applicable_max_milli = 0;
  int64_t survey_milli = 0;
  int64_t adjustment_milli = 0;
  int64_t index_hundredths = 0;
  bool index_applicable = false;
  int classification = -1;    // index into CriteriaSet.classification, -1 when none
  std::vector<int> entry_of;  // scratch: assessment entry per node, reused across calls
  std::vector<int> value_of;  // assessment value per element (engine/data_sheet.h)
  std::vector<Finding> warnings;  // warning rules the scored column breaks

  // Scratch kept across calls (a sheet scores a round's units one after another).
  ColumnNumbers numbers;     // the sheet's numbers in the column scored
  std::vector<int> node_at;  // the node of each entry of the last assessment
  // The plan's target per indicator of the set for one unit kind (null: none), so
  // that a target criterion does not look its target up by name.
  struct Targets {
    uint64_t set = 0;   // CompiledCriteriaSet::serial()
    uint64_t plan = 0;  // CompiledPlan::serial()
    v1::UnitKind kind = v1::UNIT_KIND_UNSPECIFIED;
    std::vector<const v1::Target*> of;
  };
  std::vector<Targets> targets;  // one per unit kind met
};

// Scores `assessment` for `unit` into `sheet` (reusing its storage).
// `plan` may be null: target criteria are then not applicable.
// Errors are INVALID_ARGUMENT naming the field path ("entries[3].self.figures.x: ...")
// with the path attached (engine/errors.h): unknown or repeated criterion codes,
// negative counts, a numerator above its denominator, a judgement above the maximum.
absl::Status Score(const CompiledCriteriaSet& set, const CompiledPlan* plan,
                   const v1::Unit& unit, const v1::Assessment& assessment,
                   v1::Column column, ScoreSheet* sheet);

// Renders `sheet`, produced by Score() from the same arguments, with a trace per node.
// `language` chooses the words of the reasons and of what applied (VIETNAMESE; else
// English); every number and every other field is the same in both.
v1::UnitScore Explain(const CompiledCriteriaSet& set, const CompiledPlan* plan,
                      const v1::Unit& unit, const v1::Assessment& assessment,
                      v1::Column column, const ScoreSheet& sheet,
                      v1::Language language = v1::ENGLISH);

// Explain() into `*score`, cleared first: a message that may live on an arena (an
// export renders every unit of a national round and frees them at once).
void ExplainInto(const CompiledCriteriaSet& set, const CompiledPlan* plan,
                 const v1::Unit& unit, const v1::Assessment& assessment,
                 v1::Column column, const ScoreSheet& sheet, v1::Language language,
                 v1::UnitScore* score);

// What Explain() renders but the criteria: the unit, the areas, the totals, the
// index, its class and the warnings. A ranking's row, without a trace to build.
v1::UnitScore ExplainTotals(const CompiledCriteriaSet& set, const CompiledPlan* plan,
                            const v1::Unit& unit, v1::Column column,
                            const ScoreSheet& sheet);
void ExplainTotalsInto(const CompiledCriteriaSet& set, const CompiledPlan* plan,
                       const v1::Unit& unit, v1::Column column, const ScoreSheet& sheet,
                       v1::UnitScore* score);

// Score() then Explain().
absl::StatusOr<v1::UnitScore> ScoreUnit(const CompiledCriteriaSet& set,
                                        const CompiledPlan* plan, const v1::Unit& unit,
                                        const v1::Assessment& assessment,
                                        v1::Column column,
                                        v1::Language language = v1::ENGLISH);

// The ranking block of a unit: its block, or its kind's name ("ward") when empty.
std::string BlockOf(const v1::Unit& unit);

}  // namespace parindex::engine

#endif  // PARINDEX_ENGINE_SCORER_H_
