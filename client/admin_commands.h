// CLI commands over the API for running a round: uploads, units, rounds, appraisal,
// explanations, surveys, audit and tokens. Each returns what to print.
#ifndef PARINDEX_CLIENT_ADMIN_COMMANDS_H_
#define PARINDEX_CLIENT_ADMIN_COMMANDS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/api.h"

namespace parindex::client {

absl::StatusOr<std::string> UploadCriteriaSet(Api& api, const std::string& path);
absl::StatusOr<std::string> ListCriteriaSets(Api& api, bool json);
absl::StatusOr<std::string> UploadPlan(Api& api, const std::string& path);
absl::StatusOr<std::string> ListPlans(Api& api, bool json);
// CSV with a header: code,name,kind[,parent[,block]]. A progress bar on a terminal.
absl::StatusOr<std::string> ImportUnits(Api& api, const std::string& path);
absl::StatusOr<std::string> ListUnits(Api& api, const std::string& filter, bool json);

struct RoundSpec {
  std::string id, title, criteria_set, deadline, explanation_deadline;
  int32_t year = 0, version = 0;
  std::vector<std::string> plans, units;
};
absl::StatusOr<std::string> CreateRound(Api& api, const RoundSpec& spec);
// Moves the round to `phase` (a name such as APPRAISAL), reading its etag first.
absl::StatusOr<std::string> AdvanceRound(Api& api, const std::string& round,
                                         const std::string& phase);
absl::StatusOr<std::string> ReopenUnit(Api& api, const std::string& round,
                                       const std::string& unit,
                                       const std::string& reason);

// Appraised values from a figures YAML (each entry's `appraised:` and
// `appraisal_comment:`), explanation requests (criterion -> message), finalisation;
// INVALID_ARGUMENT when none is given.
struct AppraiseOptions {
  std::string round, unit;
  std::string figures;                     // figures YAML, or empty
  std::map<std::string, std::string> ask;  // criterion -> message
  // Why (--why: missing_evidence, figures_mismatch, wrong_period, other), for every
  // criterion of `ask`; required with it.
  std::string why;
  bool correction = false;  // after finalisation, with a reason
  std::string reason;
  // The office has read the unit's explanations (ReviewExplanation): nothing else
  // changes, and the work queue's "explanation waiting" clears.
  bool reviewed = false;
  bool finalise = false;
};
// Every part is checked against the round's phase and the unit's state before any is
// sent: when one would be refused, FAILED_PRECONDITION naming it and nothing is done.
absl::StatusOr<std::string> Appraise(Api& api, const AppraiseOptions& options);
// A ward's explanations (criterion -> text); with submit, the explanations are complete.
absl::StatusOr<std::string> Explain(Api& api, const std::string& round,
                                    const std::string& unit,
                                    const std::map<std::string, std::string>& texts,
                                    bool submit);
absl::StatusOr<std::string> ImportSurvey(Api& api, const std::string& round,
                                         const std::string& csv_path);

absl::StatusOr<std::string> ListAudit(Api& api, const std::string& filter, bool json);
absl::StatusOr<std::string> CreateToken(Api& api, const std::string& role,
                                        const std::string& unit, const std::string& label,
                                        bool json);
absl::StatusOr<std::string> RevokeToken(Api& api, const std::string& id);
absl::StatusOr<std::string> ListTokens(Api& api, bool json);

}  // namespace parindex::client

#endif  // PARINDEX_CLIENT_ADMIN_COMMANDS_H_
