// A data element's value as people type it in figure files (YAML or CSV): "412",
// "87.5", "08/02/2023", "có", "chưa ban hành". Shared by both readers so that a value
// means the same in either.
#ifndef PARINDEX_CRITERIA_ELEMENT_VALUE_H_
#define PARINDEX_CRITERIA_ELEMENT_VALUE_H_

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "parindex/v1/assessment.pb.h"
#include "parindex/v1/common.pb.h"

namespace parindex::criteria {

// 2023-02-10, or 10/02/2023 as Vietnamese documents write it (day first); nullopt when
// `text` is not a valid date.
std::optional<v1::Date> ParseDate(absl::string_view text);

// One side of a value, read from its text alone (the element's type is the engine's to
// check):
//   a whole number (412, -3)            -> count
//   a decimal, at most 3 decimals (87.5) -> milli (thousandths: 87500)
//   a date (08/02/2023, 2023-02-08)     -> date
//   true, yes, có / false, no, không    -> yes
//   not issued, chưa ban hành           -> not_issued (a DATE element's document)
// INVALID_ARGUMENT without a place (the caller adds file, line and element): "'4x' is
// not a value (...)".
absl::StatusOr<v1::ElementValue> ParseElementValue(absl::string_view text);

}  // namespace parindex::criteria

#endif  // PARINDEX_CRITERIA_ELEMENT_VALUE_H_
