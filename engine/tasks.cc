// Task statuses against their due ranges, and the counts computed from them.
#include "engine/tasks.h"

#include "engine/plan.h"

namespace parindex::engine {
namespace {

v1::Date MakeDate(int year, int month, int day) {
  v1::Date d;
  d.set_year(year);
  d.set_month(month);
  d.set_day(day);
  return d;
}

}  // namespace

int64_t DayNumber(const v1::Date& date) {
  return int64_t{date.year()} * 10000 + date.month() * 100 + date.day();
}

DayRange YearDays(int year) { return {MakeDate(year, 1, 1), MakeDate(year, 12, 31)}; }

DayRange QuarterReportDays(int year, int quarter) {
  const int month = quarter * 3;
  const v1::Date start =
      quarter == 1 ? MakeDate(year - 1, 12, 15) : MakeDate(year, month - 3, 15);
  return {start, MakeDate(year, month, 14)};
}

bool HasDueDay(const v1::DueRange& due) {
  return (due.kind() == v1::DueRange::DATE || due.kind() == v1::DueRange::RANGE) &&
         IsValidDate(due.end());
}

bool DueIn(const v1::DueRange& due, const DayRange& period) {
  if (!HasDueDay(due)) return false;
  const int64_t end = DayNumber(due.end());
  return end >= DayNumber(period.start) && end <= DayNumber(period.end);
}

bool DoneBy(const v1::TaskAssignment& a, const v1::Date& day) {
  return a.state() == v1::TASK_DONE && IsValidDate(a.done_on()) &&
         DayNumber(a.done_on()) <= DayNumber(day);
}

bool Overdue(const v1::DueRange& due, const v1::TaskAssignment& a,
             const v1::Date& as_of) {
  return HasDueDay(due) && DayNumber(due.end()) < DayNumber(as_of) && !DoneBy(a, as_of);
}

bool DoneLate(const v1::DueRange& due, const v1::TaskAssignment& a) {
  return HasDueDay(due) && a.state() == v1::TASK_DONE &&
         DayNumber(a.done_on()) > DayNumber(due.end());
}

bool Selects(const v1::TaskCount& count, const LedTask& task, const DayRange& period) {
  if (!DueIn(task.due, period)) return false;
  const bool on_time = DoneBy(task.assignment, task.due.end());
  const bool done = task.assignment.state() == v1::TASK_DONE;
  switch (count.basis()) {
    case v1::TaskCount::DUE:
      return true;
    case v1::TaskCount::DONE_ON_TIME:
      return on_time;
    case v1::TaskCount::DONE_LATE:
      return done && !on_time;
    case v1::TaskCount::OVERDUE:
      return !done;
    default:
      return false;
  }
}

bool ComputesFromTasks(const CompiledCriteriaSet& set) {
  for (const Element& e : set.elements()) {
    if (e.declared != nullptr && e.declared->has_from_tasks()) return true;
  }
  return false;
}

UnitTasks ComputeUnitTasks(const CompiledCriteriaSet& set,
                           const std::vector<LedTask>& tasks, const DayRange& period) {
  UnitTasks out;
  for (size_t i = 0; i < set.elements().size(); ++i) {
    const Element& e = set.elements()[i];
    if (e.declared == nullptr || !e.declared->has_from_tasks()) continue;
    TaskValue v;
    v.element = static_cast<int>(i);
    for (const LedTask& t : tasks) {
      if (Selects(e.declared->from_tasks(), t, period)) ++v.count;
    }
    out.values.push_back(v);
  }
  v1::TaskCount due, on_time;
  due.set_basis(v1::TaskCount::DUE);
  on_time.set_basis(v1::TaskCount::DONE_ON_TIME);
  for (const LedTask& t : tasks) {
    if (Selects(due, t, period)) ++out.due;
    if (Selects(on_time, t, period)) ++out.done_on_time;
  }
  return out;
}

}  // namespace parindex::engine
