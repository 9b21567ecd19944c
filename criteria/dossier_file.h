// Dossier record files (README: "Dossier records", format version 1), CSV or JSON
// Lines, read as a stream: bytes go in as they arrive, rows come out with their line.
#ifndef PARINDEX_CRITERIA_DOSSIER_FILE_H_
#define PARINDEX_CRITERIA_DOSSIER_FILE_H_

#include <csv.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "parindex/v1/records.pb.h"

namespace parindex::criteria {

enum class DossierFormat { kCsv, kJsonLines };

// One data row: the dossier, or why it is refused ("received_at: '2023-13-01' is not a
// time (…)"); `line` is where the row starts, from 1.
struct DossierRow {
  int64_t line = 0;
  std::optional<v1::Dossier> dossier;
  std::string error;
};

class DossierFileReader {
 public:
  DossierFileReader(DossierFormat format, std::string file_name);
  ~DossierFileReader();
  DossierFileReader(const DossierFileReader&) = delete;
  DossierFileReader& operator=(const DossierFileReader&) = delete;

  // Reads `bytes`, the file's next ones (split anywhere), appending every row they
  // complete to `rows`. INVALID_ARGUMENT "file:line: …" for what makes the whole file
  // unreadable: a CSV header without a required column or with an unknown one,
  // malformed CSV quoting.
  absl::Status Feed(absl::string_view bytes, std::vector<DossierRow>* rows);
  // The end of the file: the last row if it had no line break.
  absl::Status Finish(std::vector<DossierRow>* rows);
  // CSV: whether the header row has been read and accepted (JSON Lines has none:
  // always true).
  bool header_read() const { return started_ || format_ == DossierFormat::kJsonLines; }

 private:
  struct Csv;
  absl::Status Line(absl::string_view line, std::vector<DossierRow>* rows);
  absl::Status CsvRecord(std::vector<std::string>& cells, int64_t line,
                         std::vector<DossierRow>* rows);

  DossierFormat format_;
  std::string file_name_;
  std::string pending_;  // an incomplete last line
  int64_t line_ = 0;     // lines read
  bool started_ = false;
  std::vector<int> columns_;  // CSV: each column's field
  std::unique_ptr<Csv> csv_;
};

// The time a file gives: RFC 3339 ("2023-12-31T23:59:00+07:00", "…Z", a fraction of a
// second (dropped), 't' and 'z' in either case, offsets up to ±23:59; the seconds and
// the offset required), or a spreadsheet's time with a space ("2023-12-31 23:59", with
// or without seconds, fraction or offset; without an offset in Vietnam time). The
// instant must fall in the years 2000–2100 in Vietnam time. Unix seconds, or
// INVALID_ARGUMENT saying what is wrong.
absl::StatusOr<int64_t> ParseRecordTime(absl::string_view text);

// The column names of format version 1, in their usual order.
const std::vector<std::string>& DossierColumns();

}  // namespace parindex::criteria

#endif  // PARINDEX_CRITERIA_DOSSIER_FILE_H_
