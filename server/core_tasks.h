// TaskCore: plan tasks (README: "Plan tasks"): tasks of a round's plans assigned to
// units, the progress units report, statuses computed from the due ranges, the
// quarterly report, and the data elements computed from tasks (from_tasks) written to
// the data sheets with provenance.
#ifndef PARINDEX_SERVER_CORE_TASKS_H_
#define PARINDEX_SERVER_CORE_TASKS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/tasks.h"
#include "parindex/v1/service.pb.h"
#include "server/core_base.h"

namespace parindex::server {

class TaskCore : public CoreBase {
 public:
  using CoreBase::CoreBase;

  absl::StatusOr<v1::ListTasksResponse> ListTasks(const Caller& c,
                                                  const v1::ListTasksRequest& r);
  absl::StatusOr<v1::AssignTaskResponse> AssignTask(const Caller& c,
                                                    const v1::AssignTaskRequest& r);
  absl::StatusOr<v1::TaskAssignment> ReportTaskProgress(
      const Caller& c, const v1::ReportTaskProgressRequest& r);
  absl::StatusOr<v1::TaskReport> GetTaskReport(const Caller& c,
                                               const v1::GetTaskReportRequest& r);

  // A task's resource name, parsed: rounds/{round}/plans/{plan}/tasks/{number}.
  struct TaskName {
    std::string round, plan;
    int64_t number = 0;
  };

 private:
  // The unit's from_tasks values that differ from those stored on `form`, computed
  // from `assignments` (all of the unit's, as they will be).
  store::FormUpdate ChangedValues(const RoundContext& round, const v1::Assessment& form,
                                  const std::vector<v1::TaskAssignment>& assignments);
  // Today, in Vietnam time.
  v1::Date Today() const;
};

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_CORE_TASKS_H_
