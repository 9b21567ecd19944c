// Plan tasks over the real service (README: "Plan tasks"): assignments, progress with
// etags and request ids, statuses against due ranges, the quarterly report and the
// task-completion figures computed by hand at every edge.
//
// Round r (2023, set criteria/records/tasks-2023.yaml, plan
// criteria/records/tasks-plan-2023.yaml), today 2023-11-20 (the fixture's clock,
// Vietnam time). The plan's tasks and the last day of their due ranges:
//   1 "Trước ngày 10/5/2023"  2023-05-09 (the day before)
//   2 "Quý I/2023"            2023-03-31
//   3 "Tháng 02/2023"         2023-02-28
//   4 "Thường xuyên"          none: never due
//   5 "Quý I/2024"            2024-03-31: not due in 2023
//   6 "Tháng 12/2023"         2023-12-31
//   7 "Quý II/2023"           2023-06-30
// The scenario (Scenario()): P1 leads 1-6, P2 leads 7 and coordinates 1. P1 reports
//   1 done 2023-05-09   exactly on its last day: on time
//   2 done 2023-04-02   after 31/3: late
//   3 in progress       not done, past due since 1/3: overdue
//   4 done 2023-06-01   no due date: not counted
//   5 done 2023-10-01   due in 2024: not counted
//   6 not started       due 31/12: due, not done, not yet overdue on 20/11
// By hand, P1: due 4 (1 2 3 6), done on time 1 (1), overdue (not done) 2 (3 6): 25%.
// P2: due 1 (7), done on time 0, overdue 1; coordinating on 1 counts nothing.
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "tests/service_fixture.h"

namespace parindex::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::Date Day(int year, int month, int day) {
  v1::Date d;
  d.set_year(year);
  d.set_month(month);
  d.set_day(day);
  return d;
}

std::string TaskName(int n) {
  return absl::StrCat("rounds/r/plans/tasks-plan-2023/tasks/", n);
}

class TasksTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    tasks_ = v1::TaskService::NewStub(channel_);
    v1::CreateCriteriaSetRequest create_set;
    create_set.set_yaml(Read("criteria/records/tasks-2023.yaml"));
    v1::CriteriaSet set;
    grpc::Status s = Call(criteria_.get(), &v1::CriteriaService::Stub::CreateCriteriaSet,
                          admin_, create_set, &set);
    ASSERT_TRUE(s.ok()) << s.error_message();
    v1::PutPlanRequest put_plan;
    put_plan.set_yaml(Read("criteria/records/tasks-plan-2023.yaml"));
    v1::Plan plan;
    s = Call(plans_.get(), &v1::PlanService::Stub::PutPlan, admin_, put_plan, &plan);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(plan.tasks_size(), 7);
    v1::CreateRoundRequest create;
    v1::Round* round = create.mutable_round();
    round->set_id("r");
    round->set_year(2023);
    round->set_criteria_set("tasks-demo");
    round->add_plans("tasks-plan-2023");
    round->set_self_assessment_deadline("2023-11-27T17:00:00+07:00");
    round->set_explanation_deadline("2023-12-10T17:00:00+07:00");
    for (const auto& [code, parent] : std::vector<std::pair<std::string, std::string>>{
             {"P1", "HY"}, {"P2", "HY"}, {"Q1", "TB"}}) {
      v1::PutUnitRequest put;
      put.mutable_unit()->set_code(code);
      put.mutable_unit()->set_name(absl::StrCat("Phường ", code));
      put.mutable_unit()->set_kind(v1::WARD);
      put.mutable_unit()->set_parent(parent);
      v1::Unit unit;
      ASSERT_TRUE(
          Call(units_.get(), &v1::UnitService::Stub::PutUnit, admin_, put, &unit).ok());
      round->add_units(code);
      wards_[code] = Token(v1::ROLE_WARD, code);
    }
    v1::Round created;
    s = Call(rounds_.get(), &v1::RoundService::Stub::CreateRound, appraiser_, create,
             &created);
    ASSERT_TRUE(s.ok()) << s.error_message();
    Advance(v1::PHASE_SELF_ASSESSMENT);
  }

  grpc::Status Assign(const std::string& token, int n,
                      const std::vector<std::pair<std::string, v1::TaskRole>>& units,
                      v1::AssignTaskResponse* out = nullptr,
                      const std::string& request_id = "") {
    v1::AssignTaskRequest r;
    r.set_name(TaskName(n));
    for (const auto& [unit, role] : units) {
      v1::TaskUnit* u = r.add_units();
      u->set_unit(unit);
      u->set_role(role);
    }
    r.set_request_id(request_id);
    v1::AssignTaskResponse ignored;
    return Call(tasks_.get(), &v1::TaskService::Stub::AssignTask, token, r,
                out == nullptr ? &ignored : out);
  }

  // The version of `unit`'s assignment to task `n`, as the office reads it (0: none).
  int64_t Version(const std::string& unit, int n) {
    const v1::ListTasksResponse list = List(appraiser_, unit);
    for (const v1::TaskStatus& s : list.tasks()) {
      if (s.task() == TaskName(n)) return s.assignment().version();
    }
    return 0;
  }

  v1::ReportTaskProgressRequest Progress(const std::string& unit, int n,
                                         v1::TaskState state,
                                         const v1::Date* done_on = nullptr) {
    v1::ReportTaskProgressRequest r;
    r.set_name(TaskName(n));
    r.set_unit(unit);
    r.set_state(state);
    if (done_on != nullptr) *r.mutable_done_on() = *done_on;
    r.set_etag(Version(unit, n));
    return r;
  }

  grpc::Status Report(const std::string& token, const v1::ReportTaskProgressRequest& r,
                      v1::TaskAssignment* out = nullptr) {
    v1::TaskAssignment ignored;
    return Call(tasks_.get(), &v1::TaskService::Stub::ReportTaskProgress, token, r,
                out == nullptr ? &ignored : out);
  }

  // The unit reports, with the etag it reads first; the call must succeed.
  void Reports(const std::string& unit, int n, v1::TaskState state,
               const v1::Date* done_on = nullptr) {
    const grpc::Status s = Report(wards_[unit], Progress(unit, n, state, done_on));
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  v1::ListTasksResponse List(const std::string& token, const std::string& unit,
                             const v1::Date* as_of = nullptr, bool only_overdue = false) {
    v1::ListTasksRequest r;
    r.set_parent("rounds/r");
    r.set_unit(unit);
    if (as_of != nullptr) *r.mutable_as_of() = *as_of;
    r.set_only_overdue(only_overdue);
    v1::ListTasksResponse out;
    const grpc::Status s =
        Call(tasks_.get(), &v1::TaskService::Stub::ListTasks, token, r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  // The tasks named in `list`, by number, that are overdue.
  static std::vector<std::string> Overdue(const v1::ListTasksResponse& list) {
    std::vector<std::string> out;
    for (const v1::TaskStatus& s : list.tasks()) {
      if (s.overdue()) out.push_back(s.number());
    }
    return out;
  }

  // The unit's values computed from tasks: element -> count.
  std::map<std::string, int64_t> Computed(const std::string& unit) {
    std::map<std::string, int64_t> out;
    const v1::Assessment form = Assessment(unit);
    for (const v1::DataValue& v : form.values()) {
      if (v.self().has_from_tasks()) out[v.element()] = v.self().count();
    }
    return out;
  }

  void Scenario() {
    for (int n = 1; n <= 6; ++n) {
      std::vector<std::pair<std::string, v1::TaskRole>> units = {{"P1", v1::TASK_LEAD}};
      if (n == 1) units.push_back({"P2", v1::TASK_COORDINATING});
      const grpc::Status s = Assign(appraiser_, n, units);
      ASSERT_TRUE(s.ok()) << s.error_message();
    }
    ASSERT_TRUE(Assign(appraiser_, 7, {{"P2", v1::TASK_LEAD}}).ok());
    const v1::Date d1 = Day(2023, 5, 9), d2 = Day(2023, 4, 2), d4 = Day(2023, 6, 1),
                   d5 = Day(2023, 10, 1);
    Reports("P1", 1, v1::TASK_DONE, &d1);
    Reports("P1", 2, v1::TASK_DONE, &d2);
    Reports("P1", 3, v1::TASK_IN_PROGRESS);
    Reports("P1", 4, v1::TASK_DONE, &d4);
    Reports("P1", 5, v1::TASK_DONE, &d5);
  }

  std::unique_ptr<v1::TaskService::Stub> tasks_;
};

TEST_F(TasksTest, TheTaskFiguresAreComputedByHandAtEveryEdge) {
  Scenario();
  EXPECT_EQ(Computed("P1"),
            (std::map<std::string, int64_t>{
                {"tasks_due", 4}, {"tasks_done_on_time", 1}, {"tasks_overdue", 2}}));
  EXPECT_EQ(Computed("P2"),
            (std::map<std::string, int64_t>{
                {"tasks_due", 1}, {"tasks_done_on_time", 0}, {"tasks_overdue", 1}}));
  EXPECT_TRUE(Computed("Q1").empty());  // no task: nothing computed yet
  // Provenance: "from tasks: 1 of 4 due tasks done on time".
  const v1::Assessment p1 = Assessment("P1");
  for (const v1::DataValue& v : p1.values()) {
    if (v.element() != "tasks_done_on_time") continue;
    EXPECT_EQ(v.self().from_tasks().due(), 4);
    EXPECT_EQ(v.self().from_tasks().done_on_time(), 1);
    EXPECT_EQ(v.self().from_tasks().period_end(), "2023-12-31");
    EXPECT_EQ(v.self().from_tasks().computed_at(), "2023-11-20T02:00:00Z");
  }
  // The indicator reads them: 1/4 = 25% of 100 points.
  v1::GetUnitScoreRequest get;
  get.set_name("rounds/r/assessments/P1");
  get.set_column(v1::SELF);
  v1::UnitScore score;
  const grpc::Status s =
      Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, appraiser_, get, &score);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(score.achieved_milli(), 25000);
}

TEST_F(TasksTest, StatusesAreComputedFromTheDueRangeOnTheDayAsked) {
  Scenario();
  // Today (20/11): task 3 alone; task 6 is due on 31/12.
  const v1::ListTasksResponse today = List(wards_["P1"], "");
  EXPECT_EQ(today.as_of().day(), 20);
  ASSERT_EQ(today.tasks_size(), 6);  // P1's own, in the plan's order
  EXPECT_THAT(Overdue(today), ElementsAre("3"));
  EXPECT_FALSE(today.tasks(0).done_late());  // done on its last day
  EXPECT_TRUE(today.tasks(1).done_late());   // done 2/4, due 31/3
  EXPECT_EQ(today.tasks(0).due_end().day(), 9);
  EXPECT_FALSE(today.tasks(3).has_due_end());  // "Thường xuyên"
  // On 1/1/2024 task 6 is overdue too; on 1/3/2023 nothing was (3 ends 28/2).
  const v1::Date new_year = Day(2024, 1, 1), first_march = Day(2023, 3, 1),
                 last_feb = Day(2023, 2, 28);
  EXPECT_THAT(Overdue(List(wards_["P1"], "", &new_year)), ElementsAre("3", "6"));
  EXPECT_THAT(Overdue(List(wards_["P1"], "", &first_march)), ElementsAre("3"));
  EXPECT_THAT(Overdue(List(wards_["P1"], "", &last_feb)), ElementsAre());
  // Task 2 was done on 2/4: overdue on 1/4, not on 2/4.
  const v1::Date first_april = Day(2023, 4, 1), second_april = Day(2023, 4, 2);
  EXPECT_THAT(Overdue(List(wards_["P1"], "", &first_april)), ElementsAre("2", "3"));
  EXPECT_THAT(Overdue(List(wards_["P1"], "", &second_april)), ElementsAre("3"));
  // The office's view: every task of the plan, P2's 7 overdue on 1/7.
  const v1::Date first_july = Day(2023, 7, 1);
  const v1::ListTasksResponse office = List(appraiser_, "", &first_july, true);
  std::vector<std::string> late;
  for (const v1::TaskStatus& t : office.tasks())
    late.push_back(absl::StrCat(t.number(), ":", t.assignment().unit()));
  // A coordinating unit's part is late as well when it has not reported it done.
  EXPECT_THAT(late, ElementsAre("1:P2", "3:P1", "7:P2"));
  // Unassigned tasks are the office's to see: none here, all 7 listed with units.
  EXPECT_EQ(List(appraiser_, "").tasks_size(), 8);  // 1 twice (P1 and P2)
}

TEST_F(TasksTest, DoneOnTheDayTheRangeSaysIsBeforeIsLate) {
  ASSERT_TRUE(Assign(appraiser_, 1, {{"P1", v1::TASK_LEAD}}).ok());
  // "Trước ngày 10/5/2023": 10/5 itself is late.
  const v1::Date tenth = Day(2023, 5, 10), ninth = Day(2023, 5, 9);
  Reports("P1", 1, v1::TASK_DONE, &tenth);
  EXPECT_EQ(Computed("P1").at("tasks_done_on_time"), 0);
  EXPECT_EQ(Computed("P1").at("tasks_overdue"), 0);  // done, late: not open
  Reports("P1", 1, v1::TASK_DONE, &ninth);
  EXPECT_EQ(Computed("P1").at("tasks_done_on_time"), 1);
  // Back to in progress: due, not done.
  Reports("P1", 1, v1::TASK_IN_PROGRESS);
  EXPECT_EQ(Computed("P1"),
            (std::map<std::string, int64_t>{
                {"tasks_due", 1}, {"tasks_done_on_time", 0}, {"tasks_overdue", 1}}));
}

TEST_F(TasksTest, TheQuarterlyReportByHand) {
  Scenario();
  v1::GetTaskReportRequest r;
  r.set_parent("rounds/r");
  auto report = [&](const std::string& token, int quarter) {
    r.set_quarter(quarter);
    v1::TaskReport out;
    const grpc::Status s =
        Call(tasks_.get(), &v1::TaskService::Stub::GetTaskReport, token, r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  };
  // Q1: 15/12/2022 to 14/3/2023: task 3 due (28/2), open and overdue.
  v1::TaskReport q1 = report(appraiser_, 1);
  EXPECT_EQ(q1.period_start().year(), 2022);
  EXPECT_EQ(q1.period_start().month(), 12);
  EXPECT_EQ(q1.period_start().day(), 15);
  EXPECT_EQ(q1.report_date().month(), 3);
  EXPECT_EQ(q1.report_date().day(), 14);
  ASSERT_EQ(q1.units_size(), 3);
  const v1::TaskReport::UnitLine& p1 = q1.units(0);
  EXPECT_EQ(p1.unit(), "P1");
  EXPECT_EQ(p1.assigned(), 6);
  EXPECT_EQ(p1.due(), 1);
  EXPECT_EQ(p1.done_on_time(), 0);
  EXPECT_EQ(p1.done_late(), 0);
  EXPECT_EQ(p1.open(), 1);
  ASSERT_EQ(p1.overdue_size(), 1);
  EXPECT_EQ(p1.overdue(0).number(), "3");
  // Q2: 15/3 to 14/6: tasks 1 (on time) and 2 (late, done 2/4); 3 still overdue.
  v1::TaskReport q2 = report(appraiser_, 2);
  EXPECT_EQ(q2.units(0).due(), 2);
  EXPECT_EQ(q2.units(0).done_on_time(), 1);
  EXPECT_EQ(q2.units(0).done_late(), 1);
  EXPECT_EQ(q2.units(0).open(), 0);
  ASSERT_EQ(q2.units(0).overdue_size(), 1);
  // P2's task 7 (30/6) falls in Q3's period (15/6 to 14/9), open and overdue.
  EXPECT_EQ(q2.units(1).due(), 0);
  v1::TaskReport q3 = report(appraiser_, 3);
  EXPECT_EQ(q3.units(1).unit(), "P2");
  EXPECT_EQ(q3.units(1).assigned(), 1);  // coordinating on 1 is not its own
  EXPECT_EQ(q3.units(1).due(), 1);
  EXPECT_EQ(q3.units(1).open(), 1);
  EXPECT_EQ(q3.units(1).overdue_size(), 1);
  // Q4 (15/9 to 14/12): task 6 (31/12) belongs to next year's first report.
  v1::TaskReport q4 = report(appraiser_, 4);
  EXPECT_EQ(q4.units(0).due(), 0);
  EXPECT_EQ(q4.units(2).unit(), "Q1");
  EXPECT_EQ(q4.units(2).assigned(), 0);
  // A ward reads its own line only.
  v1::TaskReport own = report(wards_["P2"], 3);
  ASSERT_EQ(own.units_size(), 1);
  EXPECT_EQ(own.units(0).unit(), "P2");
}

TEST_F(TasksTest, AWardCannotOverwriteAFigureComputedFromTasks) {
  Scenario();
  v1::UpdateDataSheetRequest sheet;
  sheet.set_parent("rounds/r/assessments/P1");
  v1::DataValueUpdate* u = sheet.add_updates();
  u->set_element("meetings");
  u->mutable_value()->set_count(4);
  u = sheet.add_updates();
  u->set_element("tasks_done_on_time");
  u->mutable_value()->set_count(4);
  grpc::Status s = UpdateSheet(wards_["P1"], sheet);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            "updates[1].value: tasks_done_on_time (Số nhiệm vụ của Kế hoạch CCHC năm "
            "hoàn thành đúng hạn) is computed from plan tasks and cannot be overwritten "
            "by the unit; dispute it with the Home Affairs office (a comment or an "
            "explanation)");
  EXPECT_EQ(Computed("P1").at("tasks_done_on_time"), 1);
  // Computed values are not the ward's typing: P1 has not started its form.
  EXPECT_EQ(Assessment("P1").state(), v1::STATE_NOT_STARTED);
  // The office corrects the appraised side only with a reason.
  Advance(v1::PHASE_APPRAISAL);
  sheet.mutable_updates()->DeleteSubrange(0, 1);
  s = UpdateSheet(appraiser_, sheet);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "reason: accepting or correcting tasks_done_on_time, computed from plan "
            "tasks, needs a reason");
}

TEST_F(TasksTest, OnlyTheOfficeAssignsAndOnlyTheUnitReportsItsOwn) {
  ASSERT_TRUE(Assign(appraiser_, 1, {{"P1", v1::TASK_LEAD}}).ok());
  // A ward may not assign; an appraiser may not report for a unit.
  grpc::Status s = Assign(wards_["P1"], 2, {{"P1", v1::TASK_LEAD}});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(),
            "a ward token may not call /parindex.v1.TaskService/AssignTask");
  s = Report(appraiser_, Progress("P1", 1, v1::TASK_IN_PROGRESS));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // Another unit's task: P2 reports on P1's assignment.
  s = Report(wards_["P2"], Progress("P1", 1, v1::TASK_IN_PROGRESS));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Version("P1", 1), 1);
  // Its own unit, but a task not assigned to it.
  v1::ReportTaskProgressRequest r = Progress("P1", 1, v1::TASK_IN_PROGRESS);
  r.set_unit("");  // the ward's own
  r.set_etag(1);
  s = Report(wards_["P2"], r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(),
            "rounds/r/plans/tasks-plan-2023/tasks/1: not assigned to unit P2");
  // Nor may a ward read another unit's tasks.
  v1::ListTasksRequest list;
  list.set_parent("rounds/r");
  list.set_unit("P1");
  v1::ListTasksResponse out;
  s = Call(tasks_.get(), &v1::TaskService::Stub::ListTasks, wards_["P2"], list, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // A province's office assigns its own units only.
  const std::string tb =
      ScopedToken(v1::ROLE_APPRAISER, "parent/TB", "noivu.tb", "Sở Nội vụ TB");
  s = Assign(tb, 2, {{"P1", v1::TASK_LEAD}});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Version("P1", 2), 0);
  s = Assign(tb, 2, {{"Q1", v1::TASK_LEAD}});
  EXPECT_TRUE(s.ok()) << s.error_message();
  // ... and cannot take P1 off a task it shares with Q1.
  s = Assign(tb, 1, {{"Q1", v1::TASK_LEAD}});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Version("P1", 1), 1);
  // It lists its own units' tasks only.
  const v1::ListTasksResponse seen = List(tb, "");
  for (const v1::TaskStatus& t : seen.tasks())
    EXPECT_NE(t.assignment().unit(), "P1") << t.task();
}

TEST_F(TasksTest, AStaleEtagIsAbortedAndARetriedRequestAppliesOnce) {
  ASSERT_TRUE(Assign(appraiser_, 1, {{"P1", v1::TASK_LEAD}}).ok());
  const v1::Date ninth = Day(2023, 5, 9);
  v1::ReportTaskProgressRequest r = Progress("P1", 1, v1::TASK_DONE, &ninth);
  EXPECT_EQ(r.etag(), 1);
  r.set_note("Đã ban hành");
  r.set_evidence("Kế hoạch 12/KH-UBND ngày 09/5/2023");
  r.set_request_id("progress-1");
  v1::TaskAssignment first, again;
  ASSERT_TRUE(Report(wards_["P1"], r, &first).ok());
  EXPECT_EQ(first.version(), 2);
  EXPECT_EQ(first.state(), v1::TASK_DONE);
  EXPECT_EQ(first.evidence(), "Kế hoạch 12/KH-UBND ngày 09/5/2023");
  EXPECT_FALSE(first.updated_at().empty());
  // The same request again (a lost reply): the first answer, nothing applied twice.
  grpc::Status s = Report(wards_["P1"], r, &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(Version("P1", 1), 2);
  // Another request under the same id.
  r.set_note("khác");
  s = Report(wards_["P1"], r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("request_id: 'progress-1' was already used"));
  // A new request with the old etag.
  r.set_request_id("");
  s = Report(wards_["P1"], r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(s.error_message(),
            "rounds/r/plans/tasks-plan-2023/tasks/1/units/P1: stale version 1; it is "
            "at version 2 (someone else changed it: read it again, then retry)");
  EXPECT_EQ(Version("P1", 1), 2);
  // Audited: the assignment, then the progress once, by the ward.
  v1::ListRequest audit;
  audit.set_filter("resource=rounds/r/plans/tasks-plan-2023/tasks/1");
  v1::ListAuditEventsResponse events;
  ASSERT_TRUE(Call(audit_.get(), &v1::AuditService::Stub::ListAuditEvents, appraiser_,
                   audit, &events)
                  .ok());
  ASSERT_EQ(events.events_size(), 2);
  EXPECT_EQ(events.events(0).action(), "task.assign");
  EXPECT_EQ(events.events(0).after(), R"([{"unit":"P1","role":"TASK_LEAD"}])");
  EXPECT_EQ(events.events(1).action(), "task.progress");
  EXPECT_EQ(events.events(1).role(), "ward");
  // A retried assignment applies once as well.
  v1::AssignTaskResponse a1, a2;
  ASSERT_TRUE(Assign(appraiser_, 2, {{"P1", v1::TASK_LEAD}}, &a1, "assign-2").ok());
  ASSERT_TRUE(Assign(appraiser_, 2, {{"P1", v1::TASK_LEAD}}, &a2, "assign-2").ok());
  EXPECT_EQ(a2.SerializeAsString(), a1.SerializeAsString());
  ASSERT_TRUE(Call(
                  audit_.get(), &v1::AuditService::Stub::ListAuditEvents, appraiser_,
                  [] {
                    v1::ListRequest l;
                    l.set_filter("resource=rounds/r/plans/tasks-plan-2023/tasks/2");
                    return l;
                  }(),
                  &events)
                  .ok());
  EXPECT_EQ(events.events_size(), 1);
}

// A province's office reads a task's trail as its units': the progress of its own
// units, the assignments that give or take a task from one of them, each
// listing only its own units (another province's share of the task stays its own).
TEST_F(TasksTest, EachScopeReadsTheTaskTrailOfItsOwnUnits) {
  ASSERT_TRUE(Assign(appraiser_, 1, {{"P1", v1::TASK_LEAD}, {"Q1", v1::TASK_COORDINATING}})
                  .ok());
  ASSERT_TRUE(Assign(appraiser_, 2, {{"Q1", v1::TASK_LEAD}}).ok());
  const v1::Date ninth = Day(2023, 5, 9);
  Reports("P1", 1, v1::TASK_DONE, &ninth);
  Reports("Q1", 1, v1::TASK_IN_PROGRESS);
  const std::string hy =
      ScopedToken(v1::ROLE_APPRAISER, "parent/HY", "noivu.hy", "Sở Nội vụ HY");
  const std::string tb =
      ScopedToken(v1::ROLE_APPRAISER, "parent/TB", "noivu.tb", "Sở Nội vụ TB");
  // Each event the caller sees under rounds/r/plans: "action resource after".
  auto trail = [&](const std::string& token) {
    v1::ListRequest r;
    r.set_filter("resource=rounds/r/plans");
    v1::ListAuditEventsResponse events;
    const grpc::Status s =
        Call(audit_.get(), &v1::AuditService::Stub::ListAuditEvents, token, r, &events);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> out;
    for (const v1::AuditEvent& e : events.events()) {
      out.push_back(absl::StrCat(e.action(), " ", e.resource().substr(37), " ",
                                 e.action() == "task.assign" ? e.after() : e.role()));
    }
    return out;
  };
  EXPECT_THAT(trail(appraiser_),
              ElementsAre(R"(task.assign 1 [{"unit":"P1","role":"TASK_LEAD"},)"
                          R"({"unit":"Q1","role":"TASK_COORDINATING"}])",
                          R"(task.assign 2 [{"unit":"Q1","role":"TASK_LEAD"}])",
                          "task.progress 1/units/P1 ward", "task.progress 1/units/Q1 ward"));
  EXPECT_THAT(trail(hy), ElementsAre(R"(task.assign 1 [{"unit":"P1","role":"TASK_LEAD"}])",
                                     "task.progress 1/units/P1 ward"));
  EXPECT_THAT(trail(tb),
              ElementsAre(R"(task.assign 1 [{"unit":"Q1","role":"TASK_COORDINATING"}])",
                          R"(task.assign 2 [{"unit":"Q1","role":"TASK_LEAD"}])",
                          "task.progress 1/units/Q1 ward"));
}

TEST_F(TasksTest, BadInputIsRefusedNamingTheField) {
  ASSERT_TRUE(Assign(appraiser_, 1, {{"P1", v1::TASK_LEAD}}).ok());
  auto report = [&](const v1::ReportTaskProgressRequest& r) {
    return Report(wards_["P1"], r);
  };
  auto expect = [](const grpc::Status& s, grpc::StatusCode code,
                   const std::string& message) {
    EXPECT_EQ(s.error_code(), code) << s.error_message();
    EXPECT_EQ(s.error_message(), message);
  };
  const v1::Date feb30 = Day(2023, 2, 30), tomorrow = Day(2023, 11, 21),
                 last_year = Day(2022, 12, 31), today = Day(2023, 11, 20);
  expect(report(Progress("P1", 1, v1::TASK_DONE, &feb30)),
         grpc::StatusCode::INVALID_ARGUMENT,
         "done_on: 2023-02-30 is not a day of the calendar");
  expect(report(Progress("P1", 1, v1::TASK_DONE, &tomorrow)),
         grpc::StatusCode::INVALID_ARGUMENT,
         "done_on: 2023-11-21 is after today (2023-11-20, Vietnam time)");
  expect(report(Progress("P1", 1, v1::TASK_DONE, &last_year)),
         grpc::StatusCode::INVALID_ARGUMENT,
         "done_on: 2022-12-31 is before plan tasks-plan-2023's year 2023");
  expect(report(Progress("P1", 1, v1::TASK_DONE)), grpc::StatusCode::INVALID_ARGUMENT,
         "done_on: a task done needs the day it was done");
  expect(report(Progress("P1", 1, v1::TASK_IN_PROGRESS, &today)),
         grpc::StatusCode::INVALID_ARGUMENT,
         "done_on: only a task done (TASK_DONE) has a day it was done");
  expect(report(Progress("P1", 1, v1::TASK_STATE_UNSPECIFIED)),
         grpc::StatusCode::INVALID_ARGUMENT,
         "state: TASK_NOT_STARTED, TASK_IN_PROGRESS or TASK_DONE");
  EXPECT_EQ(Version("P1", 1), 1);  // nothing stored
  // Today itself is allowed.
  EXPECT_TRUE(report(Progress("P1", 1, v1::TASK_DONE, &today)).ok());

  v1::ReportTaskProgressRequest r = Progress("P1", 1, v1::TASK_IN_PROGRESS);
  r.set_name("rounds/r/plans/tasks-plan-2023/tasks/0");
  expect(report(r), grpc::StatusCode::INVALID_ARGUMENT,
         "name: expected rounds/{id}/plans/{plan}/tasks/{n} (n from 1), got "
         "'rounds/r/plans/tasks-plan-2023/tasks/0'");
  r.set_name("rounds/r/plans/tasks-plan-2023/tasks/8");
  expect(report(r), grpc::StatusCode::NOT_FOUND,
         "rounds/r/plans/tasks-plan-2023/tasks/8: plan tasks-plan-2023 has 7 tasks");
  r.set_name("rounds/r/plans/hungyen-2023/tasks/1");
  expect(report(r), grpc::StatusCode::NOT_FOUND,
         "rounds/r/plans/hungyen-2023/tasks/1: plan hungyen-2023 is not one of round "
         "r's plans (tasks-plan-2023)");

  expect(Assign(appraiser_, 2, {{"ZZ", v1::TASK_LEAD}}),
         grpc::StatusCode::INVALID_ARGUMENT,
         "units[0].unit: 'ZZ' is not a unit of round r");
  expect(Assign(appraiser_, 2, {{"P1", v1::TASK_ROLE_UNSPECIFIED}}),
         grpc::StatusCode::INVALID_ARGUMENT,
         "units[0].role: TASK_LEAD or TASK_COORDINATING");
  expect(Assign(appraiser_, 2, {{"P1", v1::TASK_LEAD}, {"P1", v1::TASK_COORDINATING}}),
         grpc::StatusCode::INVALID_ARGUMENT, "units[1].unit: P1 is given twice");
  EXPECT_EQ(Version("P1", 2), 0);

  v1::ListTasksRequest list;
  list.set_parent("rounds/r");
  *list.mutable_as_of() = feb30;
  v1::ListTasksResponse listed;
  expect(Call(tasks_.get(), &v1::TaskService::Stub::ListTasks, appraiser_, list, &listed),
         grpc::StatusCode::INVALID_ARGUMENT,
         "as_of: 2023-02-30 is not a day of the calendar");
  v1::GetTaskReportRequest quarter;
  quarter.set_parent("rounds/r");
  quarter.set_quarter(5);
  v1::TaskReport out;
  expect(Call(tasks_.get(), &v1::TaskService::Stub::GetTaskReport, appraiser_, quarter,
              &out),
         grpc::StatusCode::INVALID_ARGUMENT, "quarter: 5 is not a quarter (1 to 4)");
}

TEST_F(TasksTest, AUnitThatReportedProgressStaysAssigned) {
  ASSERT_TRUE(Assign(appraiser_, 1, {{"P1", v1::TASK_LEAD}}).ok());
  Reports("P1", 1, v1::TASK_IN_PROGRESS);
  grpc::Status s = Assign(appraiser_, 1, {{"P2", v1::TASK_LEAD}});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            "units: unit P1 has reported progress on "
            "rounds/r/plans/tasks-plan-2023/tasks/1 (TASK_IN_PROGRESS); it stays "
            "assigned (give it again, as coordinating if it no longer leads)");
  EXPECT_EQ(Computed("P1").at("tasks_due"), 1);
  // P2 leads now, P1 coordinates: the task counts for P2, and P1 keeps its progress.
  v1::AssignTaskResponse out;
  s = Assign(appraiser_, 1, {{"P1", v1::TASK_COORDINATING}, {"P2", v1::TASK_LEAD}}, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(out.assignments_size(), 2);
  EXPECT_EQ(out.assignments(0).state(), v1::TASK_IN_PROGRESS);
  EXPECT_EQ(out.assignments(0).version(), 3);
  EXPECT_EQ(out.assignments(1).version(), 1);
  EXPECT_EQ(Computed("P1").at("tasks_due"), 0);
  EXPECT_EQ(Computed("P2").at("tasks_due"), 1);
  // A unit that has not started may be dropped.
  ASSERT_TRUE(Assign(appraiser_, 1, {{"P1", v1::TASK_COORDINATING}}).ok());
  EXPECT_EQ(Computed("P2").at("tasks_due"), 0);
  EXPECT_EQ(Version("P2", 1), 0);
}

}  // namespace
}  // namespace parindex::server
