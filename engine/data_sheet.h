// The data sheet of an assessment: one value per data element, read by every criterion
// that needs it, and the set's validation rules between elements.
#ifndef PARINDEX_ENGINE_DATA_SHEET_H_
#define PARINDEX_ENGINE_DATA_SHEET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/criteria_set.h"
#include "parindex/v1/assessment.pb.h"
#include "parindex/v1/score.pb.h"

namespace parindex::engine {

// Counts above this are typing mistakes, not dossiers; it also keeps every product of
// the exact arithmetic far inside 128 bits.
inline constexpr int64_t kMaxCount = 1'000'000'000'000;

// The side of `value` that `column` reads, or null when that side holds nothing:
// SELF reads the unit's value; APPRAISED the appraiser's where given, else the unit's.
const v1::ElementValue* ColumnValue(const v1::DataValue& value, v1::Column column);

// "self" or "appraised": the side ColumnValue() read.
const char* SideOf(const v1::DataValue& value, const v1::ElementValue* side);

// What (*number_of)[e] holds for an element without a number in the column.
inline constexpr int64_t kNoNumber = INT64_MIN;

// The numbers of a sheet as one column reads it: what indicators and validation rules
// read, gathered once per score.
struct ColumnNumbers {
  v1::Column column = v1::SELF;
  // NumberOf() of ColumnValue() per element; kNoNumber when the element holds none.
  std::vector<int64_t> number_of;
  // Scratch kept between calls: the element of each value of the last assessment
  // indexed, tried first (a round's assessments list their values in one order, so a
  // value's element is usually found with one comparison).
  std::vector<int> element_at;
};

// Indexes `assessment.values` by element: (*value_of)[e] is the index of element e's
// value, -1 when none. Checks every side of every value against its element's type
// (whatever the column, so that nothing stored can become unscorable). Errors are
// INVALID_ARGUMENT naming "values[i].element" or "values[i].self" with the element's
// code and label, the path attached (engine/errors.h).
// `numbers`, when given, also gets the number each element holds as `numbers->column`
// reads the sheet, and keeps its guesses between calls (see ColumnNumbers).
absl::Status IndexValues(const CompiledCriteriaSet& set, const v1::Assessment& assessment,
                         std::vector<int>* value_of, ColumnNumbers* numbers = nullptr);

// The number a value holds: a count, or thousandths for PERCENT and SCORE elements (a
// whole number given as a count for those is that many units: 87 is 87%).
inline int64_t NumberOf(const Element& element, const v1::ElementValue& value) {
  if (value.value_case() == v1::ElementValue::kMilli) return value.milli();
  return element.milli() ? value.count() * 1000 : value.count();
}

// Where a figure that an indicator reads came from.
struct FigureRead {
  bool found = false;
  int64_t value = 0;
  // From the criterion's own copy (EntryValues.figures), which overrides the sheet.
  bool from_entry = false;
  // Where it was read, for errors: entries[index] or values[index], `side` of it.
  int index = -1;
  const char* side = "";
  const std::string* code = nullptr;  // the element's, in the compiled set

  // The value's field path: "values[2].self" or "entries[4].appraised.figures.resolved".
  // Built only when an error names it (a score reads thousands of figures).
  std::string path() const;
};

// The figure of `element` for a criterion whose entry is `entry` (null when none; at
// index `entry_index` of the assessment), as `column` reads it. Precedence, SELF: the
// entry's own figure, then the sheet's self value. APPRAISED: the entry's appraised
// figure, the sheet's appraised value, the entry's self figure, the sheet's self value.
FigureRead ReadFigure(const CompiledCriteriaSet& set, const v1::Assessment& assessment,
                      const std::vector<int>& value_of, const v1::Entry* entry,
                      int entry_index, v1::Column column, int element);

// A validation rule that the values break.
struct Finding {
  int check = 0;  // index into CompiledCriteriaSet::checks()
  int64_t left = 0;
  int64_t right = 0;
};

// Checks the set's validation rules on the sheet as `column` reads it (entries' own
// figures play no part). A rule is checked once all its elements have values. A broken
// rule is INVALID_ARGUMENT at the first given value of its left side, naming the rule,
// its message and both sides; broken warning rules are appended to `warnings`.
// `number_of` is ColumnNumbers::number_of of the same column.
absl::Status CheckRules(const CompiledCriteriaSet& set, const v1::Assessment& assessment,
                        const std::vector<int>& value_of,
                        const std::vector<int64_t>& number_of, v1::Column column,
                        std::vector<Finding>* warnings);

// "rule on_time_within_resolved: <message>: resolved_on_time (Hồ sơ …) = 500, not ≤
// resolved (Hồ sơ …) = 430".
std::string FindingText(const CompiledCriteriaSet& set, const Finding& finding);

// The finding as the API reports it.
v1::ValidationFinding FindingProto(const CompiledCriteriaSet& set,
                                   const Finding& finding);

}  // namespace parindex::engine

#endif  // PARINDEX_ENGINE_DATA_SHEET_H_
