// RoundService.GetWorkQueue (the appraisal team's queue: state, progress, deadline and
// flags per unit, counts per state) and explanation requests with a reason, over the
// real service on an in-process channel.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/service_fixture.h"

namespace parindex::server {
namespace {

class WorkQueueTest : public ServiceTest {
 protected:
  grpc::Status Queue(const std::string& token, v1::WorkQueue* queue,
                     const std::string& name = "rounds/r") {
    v1::GetByNameRequest get;
    get.set_name(name);
    return Call(rounds_.get(), &v1::RoundService::Stub::GetWorkQueue, token, get, queue);
  }
  v1::WorkQueue QueueOf(const std::string& token) {
    v1::WorkQueue queue;
    const grpc::Status status = Queue(token, &queue);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return queue;
  }
  static const v1::WorkItem& Item(const v1::WorkQueue& queue, const std::string& unit) {
    for (const v1::WorkItem& item : queue.units()) {
      if (item.unit() == unit) return item;
    }
    static const v1::WorkItem none;
    ADD_FAILURE() << unit << " is not in the queue";
    return none;
  }
  static std::vector<std::string> Units(const v1::WorkQueue& queue) {
    std::vector<std::string> units;
    for (const v1::WorkItem& item : queue.units()) units.push_back(item.unit());
    return units;
  }
  static std::string Counts(const v1::WorkQueue& queue) {
    std::string out;
    for (const v1::StateCount& c : queue.counts()) {
      absl::StrAppend(&out, out.empty() ? "" : " ", v1::AssessmentState_Name(c.state()),
                      "=", c.units());
    }
    return out;
  }
  grpc::Status Submit(const std::string& unit) {
    v1::AssessmentActionRequest submit;
    submit.set_name(absl::StrCat("rounds/r/assessments/", unit));
    submit.set_etag(Assessment(unit).version());
    v1::Assessment done;
    return Call(assessments_.get(), &v1::AssessmentService::Stub::SubmitAssessment,
                wards_[unit], submit, &done);
  }
};

TEST_F(WorkQueueTest, EveryUnitWithItsStateProgressDeadlineAndFlags) {
  CreateDemoRound(/*two_provinces=*/true);  // HN, LS, MK of HY; TA, TL of TB
  ASSERT_TRUE(EnterSelf("HN").ok());
  ASSERT_TRUE(Submit("HN").ok());
  ASSERT_TRUE(EnterSelf("LS").ok());  // a draft
  ASSERT_TRUE(EnterSelf("TA").ok());
  ASSERT_TRUE(Submit("TA").ok());

  v1::WorkQueue queue = QueueOf(appraiser_);
  EXPECT_EQ(queue.round(), "rounds/r");
  EXPECT_EQ(queue.phase(), v1::PHASE_SELF_ASSESSMENT);
  EXPECT_EQ(Units(queue), (std::vector<std::string>{"HN", "LS", "MK", "TA", "TL"}));
  EXPECT_EQ(Counts(queue), "STATE_NOT_STARTED=2 STATE_DRAFT=1 STATE_SUBMITTED=2");
  const v1::WorkItem& hn = Item(queue, "HN");
  EXPECT_EQ(hn.unit_name(), "Phường Hiến Nam");
  EXPECT_EQ(hn.state(), v1::STATE_SUBMITTED);
  EXPECT_EQ(hn.criteria_appraised(), 0);
  EXPECT_EQ(hn.criteria_total(), 28);  // 30 criteria, 2 of them surveys
  EXPECT_EQ(hn.deadline(), "");        // it owes nothing now
  EXPECT_FALSE(hn.overdue());
  EXPECT_NE(hn.submitted_at(), "");
  EXPECT_EQ(hn.appraised_at(), "");
  const v1::WorkItem& ls = Item(queue, "LS");
  EXPECT_EQ(ls.state(), v1::STATE_DRAFT);
  EXPECT_EQ(ls.deadline(), "2023-11-27T17:00:00+07:00");
  EXPECT_FALSE(ls.overdue());
  EXPECT_EQ(ls.submitted_at(), "");

  // Past the deadline, the units that have not submitted are overdue.
  clock_.Set(absl::FromCivil(absl::CivilSecond(2023, 11, 27, 17, 0, 1), VietnamTime()));
  queue = QueueOf(appraiser_);
  EXPECT_TRUE(Item(queue, "LS").overdue());
  EXPECT_TRUE(Item(queue, "MK").overdue());
  EXPECT_FALSE(Item(queue, "HN").overdue());

  // Appraisal: an appraised count counts for every criterion that reads it.
  Advance(v1::PHASE_APPRAISAL);
  queue = QueueOf(appraiser_);
  EXPECT_EQ(Item(queue, "LS").deadline(), "");  // nothing to meet in appraisal
  EXPECT_FALSE(Item(queue, "LS").overdue());
  grpc::Status status;
  v1::UpdateDataSheetRequest sheet;
  sheet.set_parent("rounds/r/assessments/HN");
  v1::DataValueUpdate* resolved = sheet.add_updates();
  resolved->set_element("resolved");
  resolved->mutable_value()->set_count(425);  // the unit said 430
  resolved->set_etag(1);
  status = UpdateSheet(appraiser_, sheet);
  ASSERT_TRUE(status.ok()) << status.error_message();
  v1::BatchUpdateEntriesRequest appraise;
  appraise.set_parent("rounds/r/assessments/HN");
  v1::EntryUpdate* i5 = appraise.add_updates();
  i5->mutable_entry()->set_criterion("I.5");
  i5->mutable_entry()->set_appraisal_comment("Chưa có quyết định công nhận");
  i5->mutable_update_mask()->add_paths("appraisal_comment");
  i5->set_etag(1);
  ASSERT_TRUE(Update(appraiser_, appraise).ok());
  queue = QueueOf(appraiser_);
  EXPECT_EQ(Item(queue, "HN").state(), v1::STATE_APPRAISED);
  EXPECT_EQ(Item(queue, "HN").criteria_appraised(), 3);  // III.1, III.2 (resolved), I.5
  EXPECT_NE(Item(queue, "HN").appraised_at(), "");
  EXPECT_FALSE(Item(queue, "HN").changed_since_appraisal());

  // A request with a reason; a reason without its message is refused.
  v1::RequestExplanationRequest ask;
  ask.set_name("rounds/r/assessments/HN");
  ask.set_etag(Assessment("HN").version());
  (*ask.mutable_messages())["III.1"] = "Số hồ sơ đã giải quyết không khớp báo cáo năm";
  (*ask.mutable_reasons())["III.1"] = v1::REASON_FIGURES_MISMATCH;
  (*ask.mutable_reasons())["I.5"] = v1::REASON_MISSING_EVIDENCE;
  v1::Assessment asked;
  status = Call(assessments_.get(), &v1::AssessmentService::Stub::RequestExplanation,
                appraiser_, ask, &asked);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "reasons[I.5]: no message for this criterion (say what to explain)");
  ask.mutable_reasons()->erase("I.5");
  status = Call(assessments_.get(), &v1::AssessmentService::Stub::RequestExplanation,
                appraiser_, ask, &asked);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(asked.state(), v1::STATE_EXPLANATION_REQUESTED);
  const v1::Assessment hn1 = Assessment("HN");
  for (const v1::Entry& e : hn1.entries()) {
    if (e.criterion() != "III.1") continue;
    EXPECT_EQ(e.explanation_request(), "Số hồ sơ đã giải quyết không khớp báo cáo năm");
    EXPECT_EQ(e.explanation_reason(), v1::REASON_FIGURES_MISMATCH);
  }
  queue = QueueOf(appraiser_);
  EXPECT_EQ(Item(queue, "HN").explanations_requested(), 1);

  // Explanation: the unit owes its answer by the explanation deadline, then it waits
  // for the office, and the unit's writes count as changes since the appraisal.
  Advance(v1::PHASE_EXPLANATION);
  status = Call(assessments_.get(), &v1::AssessmentService::Stub::RequestExplanation,
                appraiser_, ask, &asked);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);  // too late
  queue = QueueOf(appraiser_);
  EXPECT_EQ(Item(queue, "HN").deadline(), "2023-12-10T17:00:00+07:00");
  EXPECT_FALSE(Item(queue, "HN").overdue());
  v1::BatchUpdateEntriesRequest explain;
  explain.set_parent("rounds/r/assessments/HN");
  v1::EntryUpdate* answer = explain.add_updates();
  answer->mutable_entry()->set_criterion("III.1");
  answer->mutable_entry()->set_explanation("Báo cáo năm tính cả hồ sơ liên thông");
  answer->mutable_update_mask()->add_paths("explanation");
  const v1::Assessment hn2 = Assessment("HN");
  for (const v1::Entry& e : hn2.entries()) {
    if (e.criterion() == "III.1") answer->set_etag(e.version());
  }
  ASSERT_TRUE(Update(wards_["HN"], explain).ok());
  queue = QueueOf(appraiser_);
  EXPECT_TRUE(Item(queue, "HN").changed_since_appraisal());
  EXPECT_FALSE(Item(queue, "HN").explanation_waiting());  // not sent yet
  v1::AssessmentActionRequest sent;
  sent.set_name("rounds/r/assessments/HN");
  sent.set_etag(Assessment("HN").version());
  v1::Assessment explained;
  ASSERT_TRUE(Call(assessments_.get(), &v1::AssessmentService::Stub::SubmitExplanation,
                   wards_["HN"], sent, &explained)
                  .ok());
  queue = QueueOf(appraiser_);
  EXPECT_EQ(Item(queue, "HN").state(), v1::STATE_EXPLAINED);
  EXPECT_EQ(Item(queue, "HN").deadline(), "");
  EXPECT_TRUE(Item(queue, "HN").explanation_waiting());
  EXPECT_TRUE(Item(queue, "HN").changed_since_appraisal());
  EXPECT_EQ(Counts(queue),
            "STATE_NOT_STARTED=2 STATE_DRAFT=1 STATE_SUBMITTED=1 STATE_EXPLAINED=1");
  // The office reads it and writes: nothing waits any more.
  const v1::Assessment hn3 = Assessment("HN");
  for (const v1::Entry& e : hn3.entries()) {
    if (e.criterion() == "I.5") i5->set_etag(e.version());
  }
  i5->mutable_entry()->set_appraisal_comment("Đã xem giải trình");
  ASSERT_TRUE(Update(appraiser_, appraise).ok());
  queue = QueueOf(appraiser_);
  EXPECT_FALSE(Item(queue, "HN").explanation_waiting());
  EXPECT_FALSE(Item(queue, "HN").changed_since_appraisal());
}

TEST_F(WorkQueueTest, EachCallerSeesItsOwnUnitsOrIsRefused) {
  CreateDemoRound(/*two_provinces=*/true);
  const std::string hy =
      ScopedToken(v1::ROLE_APPRAISER, "parent/HY", "hy.thamdinh", "Trần Thị Hoa");
  const std::string tb =
      ScopedToken(v1::ROLE_APPRAISER, "parent/TB", "tb.thamdinh", "Nguyễn Văn Bình");
  v1::PutUnitRequest province;  // a province with no unit in round r
  province.mutable_unit()->set_code("QN");
  province.mutable_unit()->set_name("Tỉnh Quảng Ninh");
  province.mutable_unit()->set_kind(v1::PROVINCE);
  v1::Unit stored;
  ASSERT_TRUE(
      Call(units_.get(), &v1::UnitService::Stub::PutUnit, admin_, province, &stored)
          .ok());
  const std::string qn =
      ScopedToken(v1::ROLE_APPRAISER, "parent/QN", "qn.thamdinh", "Lê Thị Ninh");
  EXPECT_EQ(Units(QueueOf(hy)), (std::vector<std::string>{"HN", "LS", "MK"}));
  EXPECT_EQ(Units(QueueOf(tb)), (std::vector<std::string>{"TA", "TL"}));
  EXPECT_EQ(Counts(QueueOf(tb)), "STATE_NOT_STARTED=2");
  EXPECT_EQ(Units(QueueOf(admin_)).size(), 5u);

  v1::WorkQueue queue;
  grpc::Status status = Queue(qn, &queue);  // another province's appraiser
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(),
            "round r has no unit in this account's scope parent/QN");
  status = Queue(wards_["HN"], &queue);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(),
            "a ward token may not call /parindex.v1.RoundService/GetWorkQueue");
  status = Queue(reader_, &queue);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  status = Queue("", &queue);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  status = Queue(appraiser_, &queue, "rounds/");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  status = Queue(appraiser_, &queue, "rounds/nope");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Queue(appraiser_, &queue, "rounds/r/assessments/HN").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// Every phase has a queue: after finalisation every unit is FINAL and owes nothing.
TEST_F(WorkQueueTest, EveryPhaseHasAQueueAndFinalisedUnitsOweNothing) {
  CreateDemoRound();
  ASSERT_TRUE(EnterSelf("HN").ok());
  ASSERT_TRUE(Submit("HN").ok());
  for (v1::RoundPhase phase : {v1::PHASE_APPRAISAL, v1::PHASE_EXPLANATION,
                               v1::PHASE_FINAL_APPRAISAL, v1::PHASE_FINALISED}) {
    Advance(phase);
    const v1::WorkQueue queue = QueueOf(appraiser_);
    EXPECT_EQ(queue.phase(), phase);
    EXPECT_EQ(queue.units_size(), 3);
  }
  const v1::WorkQueue queue = QueueOf(appraiser_);
  EXPECT_EQ(Counts(queue), "STATE_FINAL=3");
  for (const v1::WorkItem& item : queue.units()) {
    EXPECT_EQ(item.deadline(), "") << item.unit();
    EXPECT_FALSE(item.overdue()) << item.unit();
  }
  EXPECT_NE(Item(queue, "HN").submitted_at(), "");
  EXPECT_EQ(Item(queue, "LS").submitted_at(), "");
}

}  // namespace
}  // namespace parindex::server
