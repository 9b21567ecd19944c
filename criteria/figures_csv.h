// Figures as CSV, for offices that keep them in a spreadsheet. Two forms, told apart by
// the first row:
//
//   unit,element,value[,column]   the data sheet of many units, one value a row
//   PLS,resolved,430              values as in figures YAML: 412, 87.5, 08/02/2023,
//   PLS,resolved,425,appraised    có/không, chưa ban hành; column: self (default) or
//   PLS,unit_plan_date,chưa ban hành                                 appraised
//
//   criterion,field,value         one unit's entries (the header may be left out)
//   III.2.1,resolved_on_time,412  a figure: to the data sheet, as element
//                                 resolved_on_time (a count is typed once)
//   III.6,done,yes                yes/no (có/không, 1/0) of a boolean rule
//   I.1.1,issued,08/02/2023       a document's date (also 2023-02-08)
//   I.5,score,1.5                 a self score (judgement)
//   I.5,comment,Đã ban hành quyết định
//
// Errors name the file and line, and the element: "f.csv:3: unit PLS: resolved: '4x'
// is not a value (…)"; the line of each value and entry can be had for later errors
// (the server's, about a value sent).
#ifndef PARINDEX_CRITERIA_FIGURES_CSV_H_
#define PARINDEX_CRITERIA_FIGURES_CSV_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "criteria/yaml_reader.h"
#include "parindex/v1/assessment.pb.h"

namespace parindex::criteria {

// Every unit in `text` (named `file` in errors), in the order first met: the
// unit,element,value form gives one assessment per unit, its `unit` set and its
// `values` in the order first met; the criterion,field,value form gives one assessment
// without a unit (its figures in `values`, the rest in `entries`). With `sources`, also
// where each unit's values and entries stand in the file: one map per unit, in the same
// order, from the paths of that unit's assessment ("values[i]", "values[i].self",
// "values[i].appraised", "entries[j]", "entries[j].self.score", "entries[j].comment", …)
// to the line of the row that gave it, located as "f.csv:3".
absl::StatusOr<std::vector<v1::Assessment>> ParseFiguresCsvUnits(
    absl::string_view text, absl::string_view file,
    std::vector<SourceMap>* sources = nullptr);

// One unit's assessment: in the unit,element,value form the rows of `unit` (NOT_FOUND
// when it has none; `unit` may be empty when the file holds one unit only); the
// criterion,field,value form is one unit's already. With `source`, where its values and
// entries stand in the file, as ParseFiguresCsvUnits() gives them.
absl::StatusOr<v1::Assessment> ParseFiguresCsv(absl::string_view text,
                                               absl::string_view file,
                                               absl::string_view unit = "",
                                               SourceMap* source = nullptr);

}  // namespace parindex::criteria

#endif  // PARINDEX_CRITERIA_FIGURES_CSV_H_
