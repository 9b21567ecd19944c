// `parindex tasks list | assign | progress | report`.
#include "client/task_commands.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"

namespace parindex::client {
namespace {

std::string TaskName(const std::string& round, const std::string& plan, int number) {
  return absl::StrCat("rounds/", round, "/plans/", plan, "/tasks/", number);
}

std::string DateText(const v1::Date& d) {
  if (d.year() == 0) return "-";
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

// "2023-05-09" as a Date; INVALID_ARGUMENT naming `flag` otherwise. The server checks
// that it is a real day.
absl::StatusOr<v1::Date> ParseDay(const std::string& text, const std::string& flag) {
  std::vector<std::string> parts = absl::StrSplit(text, '-');
  int y = 0, m = 0, d = 0;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &y) ||
      !absl::SimpleAtoi(parts[1], &m) || !absl::SimpleAtoi(parts[2], &d)) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": '", text, "' is not a day (write 2023-05-09)"));
  }
  v1::Date out;
  out.set_year(y);
  out.set_month(m);
  out.set_day(d);
  return out;
}

std::string StateText(v1::TaskState state) {
  switch (state) {
    case v1::TASK_IN_PROGRESS:
      return "in progress";
    case v1::TASK_DONE:
      return "done";
    default:
      return "not started";
  }
}

std::string StatusLine(const v1::TaskStatus& t) {
  const v1::TaskAssignment& a = t.assignment();
  std::string line = absl::StrCat(t.task(), "  ", t.number(), "  due ",
                                  DateText(t.due_end()), " (", t.due_text(), ")  ");
  if (a.unit().empty()) {
    absl::StrAppend(&line, "not assigned");
  } else {
    absl::StrAppend(&line, a.unit(), " ",
                    a.role() == v1::TASK_LEAD ? "lead" : "coordinating", ": ",
                    StateText(a.state()));
    if (a.state() == v1::TASK_DONE) absl::StrAppend(&line, " on ", DateText(a.done_on()));
    if (t.done_late()) absl::StrAppend(&line, ", late");
    if (t.overdue()) absl::StrAppend(&line, ", OVERDUE");
    absl::StrAppend(&line, " (etag ", a.version(), ")");
  }
  return absl::StrCat(line, "\n    ", t.text(), "\n");
}

}  // namespace

absl::StatusOr<std::string> ListTasks(Api& api, const std::string& round,
                                      const std::string& unit, const std::string& as_of,
                                      bool overdue, bool json) {
  v1::ListTasksRequest request;
  request.set_parent(absl::StrCat("rounds/", round));
  request.set_unit(unit);
  if (!as_of.empty()) {
    ASSIGN_OR_RETURN(*request.mutable_as_of(), ParseDay(as_of, "--as-of"));
  }
  request.set_only_overdue(overdue);
  request.set_page_size(10000);
  v1::ListTasksResponse all;
  do {
    ASSIGN_OR_RETURN(v1::ListTasksResponse page,
                     api.Call(api.tasks(), &v1::TaskService::Stub::ListTasks, request));
    for (const v1::TaskStatus& t : page.tasks()) *all.add_tasks() = t;
    *all.mutable_as_of() = page.as_of();
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  if (json) return absl::StrCat(ToJson(all), "\n");
  std::string out = absl::StrCat("tasks of ", round, " on ", DateText(all.as_of()), ": ",
                                 all.tasks_size(), "\n");
  for (const v1::TaskStatus& t : all.tasks()) absl::StrAppend(&out, StatusLine(t));
  return out;
}

absl::StatusOr<std::string> AssignTask(Api& api, const std::string& round,
                                       const std::string& plan, int number,
                                       const std::vector<std::string>& lead,
                                       const std::vector<std::string>& coordinating,
                                       bool json) {
  v1::AssignTaskRequest request;
  request.set_name(TaskName(round, plan, number));
  for (const std::string& u : lead) {
    v1::TaskUnit* unit = request.add_units();
    unit->set_unit(u);
    unit->set_role(v1::TASK_LEAD);
  }
  for (const std::string& u : coordinating) {
    v1::TaskUnit* unit = request.add_units();
    unit->set_unit(u);
    unit->set_role(v1::TASK_COORDINATING);
  }
  ASSIGN_OR_RETURN(v1::AssignTaskResponse response,
                   api.Call(api.tasks(), &v1::TaskService::Stub::AssignTask, request));
  if (json) return absl::StrCat(ToJson(response), "\n");
  std::string out = absl::StrCat(request.name(), ": ");
  if (response.assignments().empty()) absl::StrAppend(&out, "assigned to no unit");
  for (int i = 0; i < response.assignments_size(); ++i) {
    const v1::TaskAssignment& a = response.assignments(i);
    absl::StrAppend(&out, i == 0 ? "" : ", ", a.unit(),
                    a.role() == v1::TASK_LEAD ? " (lead)" : " (coordinating)");
  }
  return absl::StrCat(out, "\n");
}

absl::StatusOr<std::string> ReportProgress(
    Api& api, const std::string& round, const std::string& plan, int number,
    const std::string& unit, const std::string& state, const std::string& done_on,
    const std::string& note, const std::string& evidence, bool json) {
  v1::ReportTaskProgressRequest request;
  request.set_name(TaskName(round, plan, number));
  request.set_unit(unit);
  if (state == "not_started") {
    request.set_state(v1::TASK_NOT_STARTED);
  } else if (state == "in_progress") {
    request.set_state(v1::TASK_IN_PROGRESS);
  } else if (state == "done") {
    request.set_state(v1::TASK_DONE);
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "--state: '", state, "' is not one of not_started, in_progress, done"));
  }
  if (!done_on.empty()) {
    ASSIGN_OR_RETURN(*request.mutable_done_on(), ParseDay(done_on, "--done-on"));
  }
  request.set_note(note);
  request.set_evidence(evidence);
  // The etag: the assignment as the unit reads it now.
  v1::ListTasksRequest list;
  list.set_parent(absl::StrCat("rounds/", round));
  list.set_unit(unit);
  list.set_page_size(10000);
  bool found = false;
  do {
    ASSIGN_OR_RETURN(v1::ListTasksResponse page,
                     api.Call(api.tasks(), &v1::TaskService::Stub::ListTasks, list));
    for (const v1::TaskStatus& t : page.tasks()) {
      if (t.task() == request.name() && !t.assignment().unit().empty()) {
        request.set_etag(t.assignment().version());
        found = true;
      }
    }
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  if (!found) {
    return absl::NotFoundError(absl::StrCat(request.name(), ": not assigned to ",
                                            unit.empty() ? "your unit" : unit));
  }
  ASSIGN_OR_RETURN(
      v1::TaskAssignment a,
      api.Call(api.tasks(), &v1::TaskService::Stub::ReportTaskProgress, request));
  if (json) return absl::StrCat(ToJson(a), "\n");
  std::string out = absl::StrCat(a.task(), " ", a.unit(), ": ", StateText(a.state()));
  if (a.state() == v1::TASK_DONE) absl::StrAppend(&out, " on ", DateText(a.done_on()));
  return absl::StrCat(out, " (etag ", a.version(), ")\n");
}

absl::StatusOr<std::string> TasksReport(Api& api, const std::string& round, int quarter,
                                        bool json) {
  v1::GetTaskReportRequest request;
  request.set_parent(absl::StrCat("rounds/", round));
  request.set_quarter(quarter);
  ASSIGN_OR_RETURN(v1::TaskReport report,
                   api.Call(api.tasks(), &v1::TaskService::Stub::GetTaskReport, request));
  if (json) return absl::StrCat(ToJson(report), "\n");
  std::string out = absl::StrCat("progress report, quarter ", report.quarter(), " of ",
                                 round, ": tasks due ", DateText(report.period_start()),
                                 " to ", DateText(report.report_date()), "\n");
  for (const v1::TaskReport::UnitLine& u : report.units()) {
    absl::StrAppend(&out, u.unit(), " ", u.name(), ": ", u.assigned(), " led, ", u.due(),
                    " due, ", u.done_on_time(), " done on time, ", u.done_late(),
                    " done late, ", u.open(), " open\n");
    for (const v1::TaskStatus& t : u.overdue()) {
      absl::StrAppend(&out, "  overdue: ", t.number(), " due ", DateText(t.due_end()),
                      ": ", t.text(), "\n");
    }
  }
  return out;
}

}  // namespace parindex::client
