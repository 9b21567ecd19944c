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
// Writes the export to `out` and says what was written.
absl::StatusOr<std::string> Export(Api& api, const std::string& round,
                                   const std::string& format, const std::string& table,
                                   const std::string& out);

}  // namespace parindex::client

#endif  // PARINDEX_CLIENT_ROUND_COMMANDS_H_
