// CSV as spreadsheets write it (RFC 4180: quoted fields, doubled quotes, line breaks
// inside quotes), read with Debian's libcsv. Shared by the readers of figures and of
// survey results.
#ifndef PARINDEX_CRITERIA_CSV_H_
#define PARINDEX_CRITERIA_CSV_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parindex::criteria {

struct CsvRow {
  int line = 0;  // where the row starts, from 1
  std::vector<std::string> cells;
};

// The rows of `text`: a leading byte-order mark and blank lines are skipped; cells have
// no spaces or tabs around them (inside quotes they stay). INVALID_ARGUMENT naming the
// line of malformed quoting.
absl::StatusOr<std::vector<CsvRow>> ReadCsv(absl::string_view text);

}  // namespace parindex::criteria

#endif  // PARINDEX_CRITERIA_CSV_H_
