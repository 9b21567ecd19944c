// A unit's figures as CSV, for offices that keep them in a spreadsheet:
//
//   criterion,field,value
//   III.2.1,resolved_on_time,412      a count, named as the criterion's indicator reads
//   it III.6,done,yes                    yes/no (có/không) I.1.1,issued,08/02/2023 a
//   document's date (also 2023-02-08) I.5,score,1.5                     a self score
//   (judgement) I.5,comment,Đã ban hành quyết định
//
// Errors name the file and line.
#ifndef PARINDEX_CRITERIA_FIGURES_CSV_H_
#define PARINDEX_CRITERIA_FIGURES_CSV_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "parindex/v1/assessment.pb.h"

namespace parindex::criteria {

// The entries described by `text` (named `file` in errors), in the order first met.
absl::StatusOr<v1::Assessment> ParseFiguresCsv(absl::string_view text,
                                               absl::string_view file);

}  // namespace parindex::criteria

#endif  // PARINDEX_CRITERIA_FIGURES_CSV_H_
