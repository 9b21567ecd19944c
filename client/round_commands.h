// CLI commands over the API: a round's status board, submitting a unit's figures
// (or previewing them with --dry-run), a unit's score, the ranking, exports.
#ifndef PARINDEX_CLIENT_ROUND_COMMANDS_H_
#define PARINDEX_CLIENT_ROUND_COMMANDS_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "client/api.h"

namespace parindex::client {

absl::StatusOr<std::string> RoundStatus(Api& api, const std::string& round, bool json);

struct SubmitOptions {
  std::string round;
  std::string unit;
  std::string figures;                          // figures YAML (criteria/README.md)
  std::map<std::string, std::string> evidence;  // criterion -> file to upload
  bool dry_run = false;                         // preview the score, store nothing
  bool no_submit = false;                       // store, but do not submit yet
  bool json = false;
};
absl::StatusOr<std::string> Submit(Api& api, const SubmitOptions& options);

absl::StatusOr<std::string> UnitScore(Api& api, const std::string& round,
                                      const std::string& unit, const std::string& column,
                                      bool json);
absl::StatusOr<std::string> Ranking(Api& api, const std::string& round,
                                    const std::string& block, bool json);
struct ExportOptions {
  std::string round;
  std::string format = "xlsx";  // xlsx, csv or html (the printable report)
  std::string table;            // CSV: which table (the server's default: none)
  std::string language;         // vi or en; empty: the server's default (vi)
  bool decimal_comma = false;   // CSV: 90,30;A
  std::string column;           // self or appraised; empty: appraised
  std::string out;              // empty: the server's file name; "-": standard output
};
// Downloads the export (StreamExportRound: any size) into `out` as it arrives and says
// what was written; a failed download leaves no file behind. With `out` "-" the file
// goes to standard output and what was written is said on standard error.
absl::StatusOr<std::string> Export(Api& api, const ExportOptions& options);

}  // namespace parindex::client

#endif  // PARINDEX_CLIENT_ROUND_COMMANDS_H_
