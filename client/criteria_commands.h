// `parindex criteria check|show` and `parindex plan show`: the criteria library's tools.
#ifndef PARINDEX_CLIENT_CRITERIA_COMMANDS_H_
#define PARINDEX_CLIENT_CRITERIA_COMMANDS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace parindex::client {

struct CheckResult {
  std::string report;  // one line per valid file: "FILE: ok (...)"
  std::string errors;  // one line per invalid file: "FILE:line:col: ..."
  bool ok() const { return errors.empty(); }
};

// Validates each file: criteria sets and plans fully (as the engine would load them),
// figures by shape and, when a set with the figures' criteria_set id is among `paths`,
// by scoring every unit against it (with the plan named by the figures, if given too).
CheckResult CheckFiles(const std::vector<std::string>& paths);

// The tree of a criteria set with maxima per area and criterion and each leaf's rule.
absl::StatusOr<std::string> ShowCriteriaSet(const std::string& path);

// A plan's source, targets, deadlines and tasks with their parsed due ranges.
absl::StatusOr<std::string> ShowPlan(const std::string& path);

}  // namespace parindex::client

#endif  // PARINDEX_CLIENT_CRITERIA_COMMANDS_H_
