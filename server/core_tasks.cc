// TaskCore: assignments, progress, statuses, the quarterly report and the values
// computed from tasks.
#include "server/core_tasks.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "engine/plan.h"
#include "server/computed_value.h"
#include "server/core_util.h"

namespace parindex::server {
namespace {

// How many times a write that met another write of the same values is read again.
constexpr int kAttempts = 3;

std::string DateText(const v1::Date& d) {
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

std::string TaskResource(const TaskCore::TaskName& t) {
  return absl::StrCat("rounds/", t.round, "/plans/", t.plan, "/tasks/", t.number);
}

absl::StatusOr<TaskCore::TaskName> ParseTaskName(absl::string_view name,
                                                 absl::string_view field) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  TaskCore::TaskName out;
  if (parts.size() != 6 || parts[0] != "rounds" || parts[2] != "plans" ||
      parts[4] != "tasks" || parts[1].empty() || parts[3].empty() ||
      !absl::SimpleAtoi(parts[5], &out.number) || out.number < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": expected rounds/{id}/plans/{plan}/tasks/{n} (n from 1), got '", name,
        "'"));
  }
  out.round = parts[1];
  out.plan = parts[3];
  return out;
}

// The plan's task `t` names, or NOT_FOUND: a plan not the round's, a number past its
// tasks.
absl::StatusOr<const v1::Task*> FindTask(const RoundContext& round,
                                         const TaskCore::TaskName& t) {
  auto plan = round.plans.find(t.plan);
  if (plan == round.plans.end()) {
    std::vector<std::string> ids;
    for (const auto& [id, p] : round.plans) ids.push_back(id);
    return absl::NotFoundError(
        absl::StrCat(TaskResource(t), ": plan ", t.plan, " is not one of round ", t.round,
                     "'s plans (", ids.empty() ? "none" : absl::StrJoin(ids, ", "), ")"));
  }
  const v1::Plan& p = plan->second->proto();
  if (t.number > p.tasks_size()) {
    return absl::NotFoundError(absl::StrCat(TaskResource(t), ": plan ", t.plan, " has ",
                                            p.tasks_size(), " tasks"));
  }
  return &p.tasks(static_cast<int>(t.number - 1));
}

// The task an assignment names, or null when it no longer names one of the round's.
const v1::Task* TaskOf(const RoundContext& round, const v1::TaskAssignment& a) {
  absl::StatusOr<TaskCore::TaskName> t = ParseTaskName(a.task(), "task");
  if (!t.ok()) return nullptr;
  absl::StatusOr<const v1::Task*> task = FindTask(round, *t);
  return task.ok() ? *task : nullptr;
}

// The tasks `assignments` lead, with their due ranges.
std::vector<engine::LedTask> LedTasks(
    const RoundContext& round, const std::vector<v1::TaskAssignment>& assignments) {
  std::vector<engine::LedTask> out;
  for (const v1::TaskAssignment& a : assignments) {
    if (a.role() != v1::TASK_LEAD) continue;
    const v1::Task* task = TaskOf(round, a);
    if (task != nullptr) out.push_back({task->due(), a});
  }
  return out;
}

v1::TaskStatus StatusOf(const v1::Task& task, const std::string& name,
                        const v1::TaskAssignment* a, const v1::Date& as_of) {
  v1::TaskStatus s;
  s.set_task(name);
  s.set_number(task.number());
  s.set_text(task.activity().empty() ? task.text() : task.activity());
  s.set_due_text(task.due_text());
  if (engine::HasDueDay(task.due())) *s.mutable_due_end() = task.due().end();
  if (a != nullptr) {
    *s.mutable_assignment() = *a;
    s.set_overdue(engine::Overdue(task.due(), *a, as_of));
    s.set_done_late(engine::DoneLate(task.due(), *a));
  }
  return s;
}

// A date the request gives: absent, or a real day (INVALID_ARGUMENT naming `field`).
absl::Status CheckDay(const v1::Date& d, absl::string_view field) {
  if (engine::IsValidDate(d)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrFormat("%s: %04d-%02d-%02d is not a day of the calendar", field, d.year(),
                      d.month(), d.day()));
}

}  // namespace

v1::Date TaskCore::Today() const {
  const absl::CivilDay day = absl::ToCivilDay(Now(), VietnamTime());
  v1::Date d;
  d.set_year(static_cast<int32_t>(day.year()));
  d.set_month(day.month());
  d.set_day(day.day());
  return d;
}

store::FormUpdate TaskCore::ChangedValues(
    const RoundContext& round, const v1::Assessment& form,
    const std::vector<v1::TaskAssignment>& assignments) {
  const engine::CompiledCriteriaSet& set = *round.set;
  const engine::DayRange period = engine::YearDays(round.round.year());
  const engine::UnitTasks computed =
      engine::ComputeUnitTasks(set, LedTasks(round, assignments), period);
  const std::string now =
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", Now(), absl::UTCTimeZone());
  store::FormUpdate update;
  for (const engine::TaskValue& v : computed.values) {
    const std::string& code = set.elements()[v.element].code;
    const v1::DataValue* stored = FindValue(form, code);
    // The same figure from the same counts stays as it is, with its version.
    if (stored != nullptr && stored->self().has_from_tasks() &&
        stored->self().count() == v.count &&
        stored->self().from_tasks().due() == computed.due &&
        stored->self().from_tasks().done_on_time() == computed.done_on_time) {
      continue;
    }
    v1::TasksProvenance* from =
        PutComputedCount(stored, code, v.count, &update)->mutable_from_tasks();
    from->set_due(computed.due);
    from->set_done_on_time(computed.done_on_time);
    from->set_computed_at(now);
    from->set_period_end(DateText(period.end));
  }
  return update;
}

absl::StatusOr<v1::ListTasksResponse> TaskCore::ListTasks(const Caller& c,
                                                          const v1::ListTasksRequest& r) {
  ASSIGN_OR_RETURN(std::string round_id, ParseName(r.parent(), "rounds", "parent"));
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(round_id));
  RETURN_IF_ERROR(CanSee(c, round->round, round->units, "", Subject::kRound));
  std::string unit = r.unit();
  if (unit.empty() && c.role == v1::ROLE_WARD) unit = c.unit;
  if (!unit.empty()) RETURN_IF_ERROR(CheckUnit(c, *round, unit, Subject::kForm));
  v1::Date as_of = r.as_of();
  if (r.has_as_of()) {
    RETURN_IF_ERROR(CheckDay(as_of, "as_of"));
  } else {
    as_of = Today();
  }
  if (r.page_size() < 0)
    return absl::InvalidArgumentError("page_size: must not be negative");
  ASSIGN_OR_RETURN(std::vector<v1::TaskAssignment> assignments,
                   store_->ListTaskAssignments(round_id, unit));
  std::map<std::string, std::vector<const v1::TaskAssignment*>> by_task;
  for (const v1::TaskAssignment& a : assignments) {
    if (unit.empty() && !InScope(c, round->units, a.unit())) continue;
    by_task[a.task()].push_back(&a);
  }
  std::vector<v1::TaskStatus> all;
  for (const std::string& plan_id : round->round.plans()) {
    auto plan = round->plans.find(plan_id);
    if (plan == round->plans.end()) continue;
    const v1::Plan& p = plan->second->proto();
    for (int i = 0; i < p.tasks_size(); ++i) {
      const std::string name = TaskResource({round_id, plan_id, i + 1});
      auto it = by_task.find(name);
      if (it == by_task.end()) {
        // A task nobody carries yet is the office's to assign.
        if (unit.empty() && !r.only_overdue())
          all.push_back(StatusOf(p.tasks(i), name, nullptr, as_of));
        continue;
      }
      for (const v1::TaskAssignment* a : it->second) {
        v1::TaskStatus s = StatusOf(p.tasks(i), name, a, as_of);
        if (!r.only_overdue() || s.overdue()) all.push_back(std::move(s));
      }
    }
  }
  const size_t size = r.page_size() == 0 ? 1000 : std::min(r.page_size(), 10000);
  size_t offset = 0;
  if (!r.page_token().empty() &&
      (!absl::SimpleAtoi(r.page_token(), &offset) || offset > all.size())) {
    return absl::InvalidArgumentError("page_token: not a token from this list");
  }
  v1::ListTasksResponse out;
  for (size_t i = offset; i < all.size() && i < offset + size; ++i)
    *out.add_tasks() = std::move(all[i]);
  if (offset + size < all.size()) out.set_next_page_token(absl::StrCat(offset + size));
  *out.mutable_as_of() = as_of;
  return out;
}

absl::StatusOr<v1::AssignTaskResponse> TaskCore::AssignTask(
    const Caller& c, const v1::AssignTaskRequest& r) {
  ASSIGN_OR_RETURN(TaskName t, ParseTaskName(r.name(), "name"));
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(t.round));
  RETURN_IF_ERROR(CanSee(c, round->round, round->units, "", Subject::kRound));
  RETURN_IF_ERROR(FindTask(*round, t).status());
  std::set<std::string> given;
  std::vector<v1::TaskAssignment> assignments;
  for (int i = 0; i < r.units_size(); ++i) {
    const v1::TaskUnit& u = r.units(i);
    const std::string field = absl::StrCat("units[", i, "]");
    if (round->units.count(u.unit()) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ".unit: '", u.unit(), "' is not a unit of round ", t.round));
    }
    if (u.role() != v1::TASK_LEAD && u.role() != v1::TASK_COORDINATING) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".role: TASK_LEAD or TASK_COORDINATING"));
    }
    if (!given.insert(u.unit()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".unit: ", u.unit(), " is given twice"));
    }
    RETURN_IF_ERROR(CheckUnit(c, *round, u.unit(), Subject::kForm));
    v1::TaskAssignment a;
    a.set_unit(u.unit());
    a.set_role(u.role());
    assignments.push_back(std::move(a));
  }
  RETURN_IF_ERROR(CanChangeTasks(round->round, nullptr));
  const std::string resource = TaskResource(t);
  // Checked under this version of the round: a phase moved on since is ABORTED.
  store::WriteContext ctx =
      Ctx(c, r, "AssignTask", resource, r.request_id(), "", round.get());
  // The figures it recomputes are the plan's, not the office's appraisal.
  ctx.action = "value.from_tasks";
  ASSIGN_OR_RETURN(auto replayed, Replayed<v1::AssignTaskResponse>(ctx));
  if (replayed.has_value()) return *std::move(replayed);

  for (int attempt = 0;; ++attempt) {
    ASSIGN_OR_RETURN(std::vector<v1::TaskAssignment> stored,
                     store_->ListTaskAssignments(t.round, ""));
    // The task's assignments before, and every unit's after, by unit.
    std::map<std::string, v1::TaskAssignment> before;
    std::map<std::string, std::vector<v1::TaskAssignment>> after;
    for (const v1::TaskAssignment& a : stored) {
      if (a.task() == resource) {
        before[a.unit()] = a;
      } else {
        after[a.unit()].push_back(a);
      }
    }
    for (const auto& [unit, a] : before) {
      if (given.count(unit) == 0)
        RETURN_IF_ERROR(CheckUnit(c, *round, unit, Subject::kForm));
    }
    std::vector<v1::TaskAssignment> answer;
    for (const v1::TaskAssignment& a : assignments) {
      auto it = before.find(a.unit());
      v1::TaskAssignment next = it != before.end() ? it->second : v1::TaskAssignment();
      next.set_task(resource);
      next.set_unit(a.unit());
      if (it == before.end()) next.set_state(v1::TASK_NOT_STARTED);
      next.set_role(a.role());
      after[a.unit()].push_back(next);
      answer.push_back(std::move(next));
    }
    // The units whose lead tasks change: those that lead it before or after.
    std::set<std::string> changed;
    for (const auto& [unit, a] : before)
      if (a.role() == v1::TASK_LEAD) changed.insert(unit);
    for (const v1::TaskAssignment& a : answer)
      if (a.role() == v1::TASK_LEAD) changed.insert(a.unit());
    std::vector<std::pair<std::string, store::FormUpdate>> forms;
    for (const std::string& unit : changed) {
      ASSIGN_OR_RETURN(v1::Assessment form, store_->GetAssessment(t.round, unit));
      store::FormUpdate update = ChangedValues(*round, form, after[unit]);
      if (update.values.empty()) continue;
      const UnitStanding standing{unit, EffectiveState(round->round, form), false};
      RETURN_IF_ERROR(CanChangeTasks(round->round, &standing));
      forms.push_back({unit, std::move(update)});
    }
    const std::string actor = c.actor().id;
    auto build = [&](const v1::WriteAck& ack) {
      v1::AssignTaskResponse response;
      for (int i = 0; i < static_cast<int>(answer.size()); ++i) {
        v1::TaskAssignment a = answer[i];
        if (i < ack.versions_size() && ack.versions(i) != a.version()) {
          a.set_version(ack.versions(i));
          a.set_updated_at(ack.at());
          a.set_updated_by(actor);
        }
        *response.add_assignments() = std::move(a);
      }
      return response;
    };
    absl::StatusOr<v1::AssignTaskResponse> done = Respond<v1::AssignTaskResponse>(
        ctx,
        [&](const store::WriteContext& x) {
          return store_->AssignTask(x, t.round, t.plan, t.number, assignments, forms);
        },
        build);
    if (!done.ok() && absl::IsAborted(done.status()) && attempt + 1 < kAttempts) continue;
    if (done.ok()) {
      for (const auto& [unit, form] : forms) cache_->Changed(t.round, unit);
    }
    return done;
  }
}

absl::StatusOr<v1::TaskAssignment> TaskCore::ReportTaskProgress(
    const Caller& c, const v1::ReportTaskProgressRequest& r) {
  ASSIGN_OR_RETURN(TaskName t, ParseTaskName(r.name(), "name"));
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(t.round));
  const std::string unit = r.unit().empty() ? c.unit : r.unit();
  RETURN_IF_ERROR(CheckUnit(c, *round, unit, Subject::kForm));
  RETURN_IF_ERROR(FindTask(*round, t).status());
  if (r.state() != v1::TASK_NOT_STARTED && r.state() != v1::TASK_IN_PROGRESS &&
      r.state() != v1::TASK_DONE) {
    return absl::InvalidArgumentError(
        "state: TASK_NOT_STARTED, TASK_IN_PROGRESS or TASK_DONE");
  }
  if (r.state() == v1::TASK_DONE) {
    if (!r.has_done_on()) {
      return absl::InvalidArgumentError("done_on: a task done needs the day it was done");
    }
    RETURN_IF_ERROR(CheckDay(r.done_on(), "done_on"));
    const v1::Date today = Today();
    if (engine::DayNumber(r.done_on()) > engine::DayNumber(today)) {
      return absl::InvalidArgumentError(absl::StrCat("done_on: ", DateText(r.done_on()),
                                                     " is after today (", DateText(today),
                                                     ", Vietnam time)"));
    }
    const int year = round->plans.at(t.plan)->proto().year();
    if (r.done_on().year() < year) {
      return absl::InvalidArgumentError(absl::StrCat("done_on: ", DateText(r.done_on()),
                                                     " is before plan ", t.plan,
                                                     "'s year ", year));
    }
  } else if (r.has_done_on()) {
    return absl::InvalidArgumentError(
        "done_on: only a task done (TASK_DONE) has a day it was done");
  }
  const std::string resource = TaskResource(t);
  store::WriteContext ctx =
      Ctx(c, r, "ReportTaskProgress", resource, r.request_id(), "", round.get());
  ctx.action = "value.from_tasks";  // the figures it recomputes, on the trail
  ASSIGN_OR_RETURN(auto replayed, Replayed<v1::TaskAssignment>(ctx));
  if (replayed.has_value()) return *std::move(replayed);

  for (int attempt = 0;; ++attempt) {
    ASSIGN_OR_RETURN(v1::Assessment form, store_->GetAssessment(t.round, unit));
    const UnitStanding standing{unit, EffectiveState(round->round, form), false};
    RETURN_IF_ERROR(CanChangeTasks(round->round, &standing));
    ASSIGN_OR_RETURN(std::vector<v1::TaskAssignment> mine,
                     store_->ListTaskAssignments(t.round, unit));
    v1::TaskAssignment* current = nullptr;
    for (v1::TaskAssignment& a : mine) {
      if (a.task() == resource) current = &a;
    }
    if (current == nullptr) {
      return absl::NotFoundError(absl::StrCat(resource, ": not assigned to unit ", unit));
    }
    if (current->version() != r.etag()) {
      return absl::AbortedError(absl::StrCat(
          resource, "/units/", unit, ": stale version ", r.etag(), "; it is at version ",
          current->version(), " (someone else changed it: read it again, then retry)"));
    }
    current->set_state(r.state());
    if (r.has_done_on()) {
      *current->mutable_done_on() = r.done_on();
    } else {
      current->clear_done_on();
    }
    current->set_note(r.note());
    current->set_evidence(r.evidence());
    const v1::TaskAssignment progress = *current;
    const store::FormUpdate update = ChangedValues(*round, form, mine);
    const std::string actor = c.actor().id;
    auto build = [&](const v1::WriteAck& ack) {
      v1::TaskAssignment a = progress;
      a.set_version(ack.version());
      a.set_updated_at(ack.at());
      a.set_updated_by(actor);
      return a;
    };
    absl::StatusOr<v1::TaskAssignment> done = Respond<v1::TaskAssignment>(
        ctx,
        [&](const store::WriteContext& x) {
          return store_->UpdateTaskProgress(x, t.round, t.plan, t.number, progress,
                                            r.etag(), update);
        },
        build);
    if (!done.ok() && absl::IsAborted(done.status()) && attempt + 1 < kAttempts) continue;
    if (done.ok() && !update.values.empty()) cache_->Changed(t.round, unit);
    return done;
  }
}

absl::StatusOr<v1::TaskReport> TaskCore::GetTaskReport(
    const Caller& c, const v1::GetTaskReportRequest& r) {
  ASSIGN_OR_RETURN(std::string round_id, ParseName(r.parent(), "rounds", "parent"));
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(round_id));
  RETURN_IF_ERROR(CanSee(c, round->round, round->units, "", Subject::kRound));
  if (r.quarter() < 1 || r.quarter() > 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("quarter: ", r.quarter(), " is not a quarter (1 to 4)"));
  }
  const engine::DayRange period =
      engine::QuarterReportDays(round->round.year(), r.quarter());
  std::vector<std::string> units;
  if (c.role == v1::ROLE_WARD) {
    RETURN_IF_ERROR(CheckUnit(c, *round, c.unit, Subject::kForm));
    units.push_back(c.unit);
  } else {
    for (const auto& [code, u] : round->units) {
      if (InScope(c, round->units, code)) units.push_back(code);
    }
  }
  ASSIGN_OR_RETURN(std::vector<v1::TaskAssignment> assignments,
                   store_->ListTaskAssignments(
                       round_id, units.size() == 1 ? units[0] : std::string()));
  std::map<std::string, std::vector<const v1::TaskAssignment*>> by_unit;
  for (const v1::TaskAssignment& a : assignments) {
    if (a.role() == v1::TASK_LEAD) by_unit[a.unit()].push_back(&a);
  }
  v1::TaskReport out;
  out.set_quarter(r.quarter());
  *out.mutable_period_start() = period.start;
  *out.mutable_report_date() = period.end;
  for (const std::string& code : units) {
    v1::TaskReport::UnitLine* line = out.add_units();
    line->set_unit(code);
    line->set_name(round->units.at(code).name());
    for (const v1::TaskAssignment* a : by_unit[code]) {
      const v1::Task* task = TaskOf(*round, *a);
      if (task == nullptr) continue;
      line->set_assigned(line->assigned() + 1);
      if (engine::Overdue(task->due(), *a, period.end))
        *line->add_overdue() = StatusOf(*task, a->task(), a, period.end);
      if (!engine::DueIn(task->due(), period)) continue;
      line->set_due(line->due() + 1);
      if (engine::DoneBy(*a, task->due().end())) {
        line->set_done_on_time(line->done_on_time() + 1);
      } else if (engine::DoneBy(*a, period.end)) {
        line->set_done_late(line->done_late() + 1);
      } else {
        line->set_open(line->open() + 1);
      }
    }
  }
  return out;
}

}  // namespace parindex::server
