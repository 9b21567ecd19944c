// CSV rows through libcsv, a line at a time so that errors and rows know their line.
#include "criteria/csv.h"

#include <csv.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace parindex::criteria {
namespace {

struct Collector {
  std::vector<CsvRow>* rows;
  std::vector<std::string> cells;
  int start = 0;  // the line where the current row started; 0 between rows
  int line = 0;   // the line being fed
};

void OnField(void* data, size_t size, void* out) {
  auto* c = static_cast<Collector*>(out);
  if (c->start == 0) c->start = c->line;
  c->cells.emplace_back(static_cast<const char*>(data), size);
}

void OnRow(int, void* out) {
  auto* c = static_cast<Collector*>(out);
  c->rows->push_back({c->start == 0 ? c->line : c->start, std::move(c->cells)});
  c->cells.clear();
  c->start = 0;
}

}  // namespace

absl::StatusOr<std::vector<CsvRow>> ReadCsv(absl::string_view text) {
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");
  std::vector<CsvRow> rows;
  Collector collector{&rows, {}, 0, 0};
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0)
    return absl::InternalError("cannot start the CSV parser");
  absl::Status status;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++collector.line;
    const std::string fed = absl::StrCat(line, "\n");
    if (csv_parse(&parser, fed.data(), fed.size(), OnField, OnRow, &collector) !=
        fed.size()) {
      status = absl::InvalidArgumentError(
          absl::StrCat("line ", collector.start == 0 ? collector.line : collector.start,
                       ": ", csv_strerror(csv_error(&parser))));
      break;
    }
  }
  if (status.ok() && csv_fini(&parser, OnField, OnRow, &collector) != 0) {
    status = absl::InvalidArgumentError(
        absl::StrCat("line ", collector.start == 0 ? collector.line : collector.start,
                     ": ", csv_strerror(csv_error(&parser))));
  }
  csv_free(&parser);
  if (!status.ok()) return status;
  // A spreadsheet's "\r\n" leaves no empty field: libcsv treats CR as a terminator.
  return rows;
}

}  // namespace parindex::criteria
