// `parindex tasks …`: the tasks of a round's plans with their computed status, assigning
// a task to units, a unit's progress on a task, and the quarterly progress report
// (README: "Plan tasks"). Each returns what to print.
#ifndef PARINDEX_CLIENT_TASK_COMMANDS_H_
#define PARINDEX_CLIENT_TASK_COMMANDS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/api.h"

namespace parindex::client {

// Every task of the round `unit` (empty: all the caller sees) is assigned to, with its
// status on `as_of` (YYYY-MM-DD; empty: today), all pages; `overdue`: only those.
absl::StatusOr<std::string> ListTasks(Api& api, const std::string& round,
                                      const std::string& unit, const std::string& as_of,
                                      bool overdue, bool json);

// Assigns task `number` of `plan` in `round` to `lead` and `coordinating` units
// (replacing who had it).
absl::StatusOr<std::string> AssignTask(Api& api, const std::string& round,
                                       const std::string& plan, int number,
                                       const std::vector<std::string>& lead,
                                       const std::vector<std::string>& coordinating,
                                       bool json);

// A unit's progress: `state` not_started, in_progress or done (with `done_on`,
// YYYY-MM-DD). Reads the assignment's etag first; `unit` empty: the ward's own.
absl::StatusOr<std::string> ReportProgress(
    Api& api, const std::string& round, const std::string& plan, int number,
    const std::string& unit, const std::string& state, const std::string& done_on,
    const std::string& note, const std::string& evidence, bool json);

// The progress report of quarter `quarter` (1..4).
absl::StatusOr<std::string> TasksReport(Api& api, const std::string& round, int quarter,
                                        bool json);

}  // namespace parindex::client

#endif  // PARINDEX_CLIENT_TASK_COMMANDS_H_
