// Report tables: what an export contains, independent of the file format, and the
// writers that turn them into XLSX (libxlsxwriter) or CSV.
#ifndef PARINDEX_SERVER_REPORT_H_
#define PARINDEX_SERVER_REPORT_H_

#include <set>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parindex::server {

// Exact fixed-point values, shown with two decimals.
struct Points {
  int64_t milli;
};
struct Index {
  int64_t hundredths;
};
// A cell: text, a whole number, points or an index.
using Cell = std::variant<std::string, int64_t, Points, Index>;

struct Table {
  std::string name;  // sheet name, at most 31 characters ("Xếp hạng - wards")
  std::string key;   // for CSV: "ranking", "matrix", "criteria", "audit"
  std::vector<std::string> header;
  std::vector<std::vector<Cell>> rows;
};

// `name` as a sheet name Excel accepts: forbidden characters replaced, at most 31
// characters, unique among `used` (case-insensitively; " (2)" and so on appended).
std::string SheetName(absl::string_view name, std::set<std::string>* used);

// An XLSX workbook with one sheet per table (named by SheetName).
absl::StatusOr<std::string> WriteXlsx(const std::vector<Table>& tables);

// One table as CSV (RFC 4180, UTF-8 with a byte order mark so that spreadsheet programs
// read the Vietnamese text right).
std::string WriteCsv(const Table& table);

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_REPORT_H_
