// Plan tasks as units carry them out (README: "Plan tasks"): a task's status against
// its due range, and the data elements computed from a unit's tasks
// (DataElement.from_tasks). Pure: tasks and progress in, statuses and counts out.
#ifndef PARINDEX_ENGINE_TASKS_H_
#define PARINDEX_ENGINE_TASKS_H_

#include <cstdint>
#include <vector>

#include "engine/criteria_set.h"
#include "parindex/v1/plan.pb.h"
#include "parindex/v1/tasks.pb.h"

namespace parindex::engine {

// A day as one comparable number, yyyymmdd (2023-05-09 is 20230509).
int64_t DayNumber(const v1::Date& date);

// Days, both ends included, in Vietnam's civil calendar.
struct DayRange {
  v1::Date start;
  v1::Date end;
};

// 1 January to 31 December of `year`: the period a round's task figures cover.
DayRange YearDays(int year);

// The reporting period of quarter `quarter` (1..4) of `year`: from the day after the
// previous report date to the report date, the plans' 14/3, 14/6, 14/9 and 14/12 (15/12
// of the year before to 14/3 for the first). REQUIRES: 1 <= quarter <= 4.
DayRange QuarterReportDays(int year, int quarter);

// Whether a due range has a last day: DATE and RANGE with a valid end. Ongoing tasks,
// tasks on an event and unparsed phrases have none and are never due nor overdue.
bool HasDueDay(const v1::DueRange& due);

// Whether the task falls due within `period`: its due range's last day is in it.
bool DueIn(const v1::DueRange& due, const DayRange& period);

// Whether `a` was done on or before `day`.
bool DoneBy(const v1::TaskAssignment& a, const v1::Date& day);

// Not done by `as_of` and its due range ended before `as_of`.
bool Overdue(const v1::DueRange& due, const v1::TaskAssignment& a, const v1::Date& as_of);

// Done after its due range's last day.
bool DoneLate(const v1::DueRange& due, const v1::TaskAssignment& a);

// One task a unit leads: its due range and the unit's progress on it.
struct LedTask {
  v1::DueRange due;
  v1::TaskAssignment assignment;
};

// Whether `count` selects `task` within `period`.
bool Selects(const v1::TaskCount& count, const LedTask& task, const DayRange& period);

// One computed element of one unit.
struct TaskValue {
  int element = -1;  // index into the set's elements()
  int64_t count = 0;
};

struct UnitTasks {
  std::vector<TaskValue> values;  // every from_tasks element, in the set's order
  int64_t due = 0;                // tasks due in the period (the provenance)
  int64_t done_on_time = 0;       // of those, done by their due date
};

// Computes every from_tasks element of `set` for one unit from the tasks it leads.
UnitTasks ComputeUnitTasks(const CompiledCriteriaSet& set,
                           const std::vector<LedTask>& tasks, const DayRange& period);

// Whether the set computes any element from tasks.
bool ComputesFromTasks(const CompiledCriteriaSet& set);

}  // namespace parindex::engine

#endif  // PARINDEX_ENGINE_TASKS_H_
