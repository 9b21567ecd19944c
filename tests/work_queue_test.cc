// RoundService.GetWorkQueue (the appraisal team's queue: state, progress, deadline and
// flags per unit, counts per state) and explanation requests with a reason, over the
// real service on an in-process channel.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
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
  // The office asks HN to explain III.1 (the figures do not match its annual report).
  grpc::Status AskHnAboutIII1() {
    v1::RequestExplanationRequest ask;
    ask.set_name("rounds/r/assessments/HN");
    ask.set_etag(Assessment("HN").version());
    (*ask.mutable_messages())["III.1"] = "Số hồ sơ không khớp báo cáo năm";
    (*ask.mutable_reasons())["III.1"] = v1::REASON_FIGURES_MISMATCH;
    v1::Assessment asked;
    return Call(assessments_.get(), &v1::AssessmentService::Stub::RequestExplanation,
                appraiser_, ask, &asked);
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
  // for the office; once sent (not while typed) it is a change since the appraisal.
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
  EXPECT_FALSE(Item(queue, "HN").changed_since_appraisal());  // not sent yet
  EXPECT_FALSE(Item(queue, "HN").explanation_waiting());
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

// An explanation request names its reason, and the texts people write for each other
// (questions, explanations, comments, reasons) hold no control or direction character
// but line breaks and tabs; what is refused stores nothing (outside tester, issue 16).
TEST_F(WorkQueueTest, AQuestionNeedsItsReasonAndTextsHoldNoHiddenCharacters) {
  CreateDemoRound();
  ASSERT_TRUE(EnterSelf("HN").ok());
  ASSERT_TRUE(Submit("HN").ok());
  Advance(v1::PHASE_APPRAISAL);
  const int64_t version = Assessment("HN").version();
  auto ask = [&](const std::string& message,
                 std::optional<v1::ExplanationReason> reason) {
    v1::RequestExplanationRequest r;
    r.set_name("rounds/r/assessments/HN");
    r.set_etag(version);
    (*r.mutable_messages())["III.1"] = message;
    if (reason.has_value()) (*r.mutable_reasons())["III.1"] = *reason;
    v1::Assessment out;
    return Call(assessments_.get(), &v1::AssessmentService::Stub::RequestExplanation,
                appraiser_, r, &out);
  };
  const std::string no_reason =
      "reasons[III.1]: give the reason for asking (REASON_MISSING_EVIDENCE, "
      "REASON_FIGURES_MISMATCH, REASON_WRONG_PERIOD or REASON_OTHER)";
  grpc::Status status = ask("Gửi báo cáo năm", std::nullopt);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), no_reason);
  status = ask("Gửi báo cáo năm", v1::EXPLANATION_REASON_UNSPECIFIED);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), no_reason);
  const std::vector<std::pair<std::string, std::string>> hidden = {
      {std::string("Vì\0 sao", 8), "holds U+0000 (a control character) at byte 3"},
      {"Dòng 1\r\nDòng 2", "holds U+000D (a control character) at byte 7"},
      {"Báo cáo\x1b[2J", "holds U+001B (a control character) at byte 9"},
      {"a\xC2\x85z", "holds U+0085 (a control character) at byte 1"},
      {"Số \xE2\x80\xAE"
       "fdp.exe",
       "holds U+202E (a direction or invisible character) at byte 5"},
      {"\xE2\x81\xA6x", "holds U+2066 (a direction or invisible character) at byte 0"},
      {"x\xE2\x80\x8By", "holds U+200B (a direction or invisible character) at byte 1"},
      {"\xEF\xBB\xBFx", "holds U+FEFF (a direction or invisible character) at byte 0"},
  };
  for (const auto& [text, why] : hidden) {
    status = ask(text, v1::REASON_OTHER);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << why;
    EXPECT_EQ(status.error_message(), absl::StrCat("messages[III.1]: ", why));
  }
  v1::Assessment hn = Assessment("HN");
  EXPECT_EQ(hn.state(), v1::STATE_SUBMITTED);
  EXPECT_EQ(hn.version(), version);
  for (const v1::Entry& e : hn.entries()) EXPECT_EQ(e.explanation_request(), "");
  // Line breaks and tabs are text.
  ASSERT_TRUE(
      ask("Hai việc:\n\t1. Báo cáo năm\n\t2. Sổ theo dõi", v1::REASON_OTHER).ok());
  hn = Assessment("HN");
  for (const v1::Entry& e : hn.entries()) {
    if (e.criterion() == "III.1")
      EXPECT_EQ(e.explanation_request(), "Hai việc:\n\t1. Báo cáo năm\n\t2. Sổ theo dõi");
  }
  // The office's comment, the unit's explanation and a reopen's reason alike.
  v1::BatchUpdateEntriesRequest comment;
  comment.set_parent("rounds/r/assessments/HN");
  v1::EntryUpdate* u = comment.add_updates();
  u->mutable_entry()->set_criterion("I.5");
  u->mutable_entry()->set_appraisal_comment("Thiếu\xC2\x9B quyết định");
  u->mutable_update_mask()->add_paths("appraisal_comment");
  status = Update(appraiser_, comment);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "updates[0].entry.appraisal_comment: holds U+009B (a control character) at "
            "byte 7");
  Advance(v1::PHASE_EXPLANATION);
  v1::BatchUpdateEntriesRequest explain;
  explain.set_parent("rounds/r/assessments/HN");
  u = explain.add_updates();
  u->mutable_entry()->set_criterion("III.1");
  u->mutable_entry()->set_explanation(
      "Đã gửi \xE2\x80\x8F"
      "báo cáo");
  u->mutable_update_mask()->add_paths("explanation");
  status = Update(wards_["HN"], explain);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "updates[0].entry.explanation: holds U+200F (a direction or invisible "
            "character) at byte 11");
  v1::ReopenAssessmentRequest reopen;
  reopen.set_name("rounds/r/assessments/HN");
  reopen.set_reason("Đơn vị xin gia hạn\x07");
  v1::Assessment reopened;
  status = Call(rounds_.get(), &v1::RoundService::Stub::ReopenAssessment, appraiser_,
                reopen, &reopened);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "reason: holds U+0007 (a control character) at byte 24");
  hn = Assessment("HN", wards_["HN"]);
  EXPECT_FALSE(hn.reopened());
  for (const v1::Entry& e : hn.entries()) {
    EXPECT_EQ(e.explanation(), "") << e.criterion();
    EXPECT_EQ(e.appraisal_comment(), "") << e.criterion();
  }
}

// The office reads an explanation as the unit sent it, with the time it was sent:
// never a draft, not before it is sent, and not what the unit types after a reopen
// until it sends again (outside tester, issue 16).
TEST_F(WorkQueueTest, TheOfficeReadsExplanationsOnlyAsSent) {
  CreateDemoRound();
  ASSERT_TRUE(EnterSelf("HN").ok());
  ASSERT_TRUE(Submit("HN").ok());
  Advance(v1::PHASE_APPRAISAL);
  ASSERT_TRUE(AskHnAboutIII1().ok());
  Advance(v1::PHASE_EXPLANATION);
  auto entry = [&](const v1::Assessment& a) {
    for (const v1::Entry& e : a.entries()) {
      if (e.criterion() == "III.1") return e;
    }
    ADD_FAILURE() << "no entry III.1";
    return v1::Entry();
  };
  auto write = [&](const std::string& text) {
    v1::BatchUpdateEntriesRequest explain;
    explain.set_parent("rounds/r/assessments/HN");
    v1::EntryUpdate* u = explain.add_updates();
    u->mutable_entry()->set_criterion("III.1");
    u->mutable_entry()->set_explanation(text);
    u->mutable_update_mask()->add_paths("explanation");
    u->set_etag(entry(Assessment("HN", wards_["HN"])).version());
    return Update(wards_["HN"], explain);
  };
  auto listed = [&]() {  // the office's list of forms
    v1::ListAssessmentsRequest list;
    list.set_parent("rounds/r");
    list.set_with_entries(true);
    v1::ListAssessmentsResponse all;
    EXPECT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::ListAssessments, appraiser_,
                     list, &all)
                    .ok());
    for (const v1::Assessment& a : all.assessments()) {
      if (a.unit() == "HN") return entry(a);
    }
    return v1::Entry();
  };
  auto send = [&]() {
    v1::AssessmentActionRequest sent;
    sent.set_name("rounds/r/assessments/HN");
    sent.set_etag(Assessment("HN").version());
    v1::Assessment explained;
    const grpc::Status status =
        Call(assessments_.get(), &v1::AssessmentService::Stub::SubmitExplanation,
             wards_["HN"], sent, &explained);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return explained;
  };
  ASSERT_TRUE(write("Bản nháp: báo cáo năm tính cả hồ sơ liên thông").ok());
  EXPECT_EQ(entry(Assessment("HN", wards_["HN"])).explanation(),
            "Bản nháp: báo cáo năm tính cả hồ sơ liên thông");
  EXPECT_EQ(entry(Assessment("HN")).explanation(), "");  // the office: not sent yet
  EXPECT_EQ(entry(Assessment("HN")).explanation_sent_at(), "");
  EXPECT_EQ(listed().explanation(), "");
  auto trail = [&]() {  // the office's audit trail of the form, every body in one text
    v1::ListRequest audit;
    audit.set_filter("resource=rounds/r/assessments/HN");
    v1::ListAuditEventsResponse events;
    EXPECT_TRUE(Call(audit_.get(), &v1::AuditService::Stub::ListAuditEvents, appraiser_,
                     audit, &events)
                    .ok());
    std::string all;
    for (const v1::AuditEvent& e : events.events())
      absl::StrAppend(&all, e.before(), "\n", e.after(), "\n");
    return all;
  };
  EXPECT_FALSE(absl::StrContains(trail(), "Bản nháp")) << trail();

  clock_.Set(clock_.Now() + absl::Hours(2));
  const v1::Assessment explained = send();
  EXPECT_EQ(explained.state(), v1::STATE_EXPLAINED);
  const std::string sent_at = entry(explained).explanation_sent_at();
  EXPECT_NE(sent_at, "");
  EXPECT_EQ(entry(explained).explanation_sent(),
            "Bản nháp: báo cáo năm tính cả hồ sơ liên thông");
  const v1::Entry office = entry(Assessment("HN"));
  EXPECT_EQ(office.explanation(), "Bản nháp: báo cáo năm tính cả hồ sơ liên thông");
  EXPECT_EQ(office.explanation_sent_at(), sent_at);
  EXPECT_EQ(listed().explanation(), "Bản nháp: báo cáo năm tính cả hồ sơ liên thông");
  EXPECT_TRUE(absl::StrContains(trail(), "Bản nháp")) << trail();

  // Reopened, the unit types again: the office still reads what was sent, also in the
  // answer to its own write on the entry.
  v1::ReopenAssessmentRequest reopen;
  reopen.set_name("rounds/r/assessments/HN");
  reopen.set_reason("Đơn vị xin bổ sung giải trình");
  v1::Assessment reopened;
  ASSERT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::ReopenAssessment, appraiser_,
                   reopen, &reopened)
                  .ok());
  EXPECT_EQ(entry(reopened).explanation(),
            "Bản nháp: báo cáo năm tính cả hồ sơ liên thông");
  ASSERT_TRUE(write("Bản sửa: kèm sổ theo dõi").ok());
  const v1::Entry ward = entry(Assessment("HN", wards_["HN"]));
  EXPECT_EQ(ward.explanation(), "Bản sửa: kèm sổ theo dõi");
  EXPECT_EQ(ward.explanation_sent(), "Bản nháp: báo cáo năm tính cả hồ sơ liên thông");
  EXPECT_EQ(entry(Assessment("HN")).explanation(),
            "Bản nháp: báo cáo năm tính cả hồ sơ liên thông");
  EXPECT_EQ(listed().explanation(), "Bản nháp: báo cáo năm tính cả hồ sơ liên thông");
  EXPECT_FALSE(absl::StrContains(trail(), "Bản sửa")) << trail();
  v1::BatchUpdateEntriesRequest comment;
  comment.set_parent("rounds/r/assessments/HN");
  v1::EntryUpdate* u = comment.add_updates();
  u->mutable_entry()->set_criterion("III.1");
  u->mutable_entry()->set_appraisal_comment("Đã xem");
  u->mutable_update_mask()->add_paths("appraisal_comment");
  u->set_etag(ward.version());
  v1::BatchUpdateEntriesResponse written;
  ASSERT_TRUE(Call(assessments_.get(), &v1::AssessmentService::Stub::BatchUpdateEntries,
                   appraiser_, comment, &written)
                  .ok());
  ASSERT_EQ(written.entries_size(), 1);
  EXPECT_EQ(written.entries(0).explanation(),
            "Bản nháp: báo cáo năm tính cả hồ sơ liên thông");

  clock_.Set(clock_.Now() + absl::Hours(1));
  const v1::Assessment again = send();
  EXPECT_NE(entry(again).explanation_sent_at(), sent_at);
  EXPECT_EQ(entry(Assessment("HN")).explanation(), "Bản sửa: kèm sổ theo dõi");
  EXPECT_EQ(entry(Assessment("HN")).explanation_sent_at(),
            entry(again).explanation_sent_at());
  // The ward may not write what the server sets (its action writes `explanation`).
  v1::BatchUpdateEntriesRequest forged;
  forged.set_parent("rounds/r/assessments/HN");
  u = forged.add_updates();
  u->mutable_entry()->set_criterion("III.1");
  u->mutable_entry()->set_explanation_sent("Đã gửi từ lâu");
  u->mutable_update_mask()->add_paths("explanation_sent");
  EXPECT_EQ(Update(wards_["HN"], forged).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(entry(Assessment("HN")).explanation(), "Bản sửa: kèm sổ theo dõi");
}

// "Changed since appraisal" is what the unit has sent since the office last wrote on
// its form: an explanation typed, a file attached or a reopened form typed again is a
// draft the office does not read yet, so it does not raise the flag; sending does.
TEST_F(WorkQueueTest, ChangedSinceAppraisalRisesOnlyWhenTheUnitSendsAgain) {
  CreateDemoRound();
  ASSERT_TRUE(EnterSelf("HN").ok());
  ASSERT_TRUE(Submit("HN").ok());
  Advance(v1::PHASE_APPRAISAL);
  auto changed = [&]() {
    return Item(QueueOf(appraiser_), "HN").changed_since_appraisal();
  };
  EXPECT_FALSE(changed());  // submitted, but nothing appraised yet
  ASSERT_TRUE(AskHnAboutIII1().ok());
  EXPECT_FALSE(changed());  // the office's request is its own write
  Advance(v1::PHASE_EXPLANATION);
  auto version = [&](const std::string& criterion) {
    const v1::Assessment form = Assessment("HN", wards_["HN"]);
    for (const v1::Entry& e : form.entries()) {
      if (e.criterion() == criterion) return e.version();
    }
    return int64_t{0};
  };
  auto type = [&](const std::string& text) {
    v1::BatchUpdateEntriesRequest explain;
    explain.set_parent("rounds/r/assessments/HN");
    v1::EntryUpdate* u = explain.add_updates();
    u->mutable_entry()->set_criterion("III.1");
    u->mutable_entry()->set_explanation(text);
    u->mutable_update_mask()->add_paths("explanation");
    u->set_etag(version("III.1"));
    const grpc::Status status = Update(wards_["HN"], explain);
    EXPECT_TRUE(status.ok()) << status.error_message();
  };
  auto send = [&]() {
    v1::AssessmentActionRequest sent;
    sent.set_name("rounds/r/assessments/HN");
    sent.set_etag(Assessment("HN").version());
    v1::Assessment explained;
    const grpc::Status status =
        Call(assessments_.get(), &v1::AssessmentService::Stub::SubmitExplanation,
             wards_["HN"], sent, &explained);
    EXPECT_TRUE(status.ok()) << status.error_message();
  };
  auto office_writes = [&](const std::string& comment) {
    v1::BatchUpdateEntriesRequest appraise;
    appraise.set_parent("rounds/r/assessments/HN");
    v1::EntryUpdate* u = appraise.add_updates();
    u->mutable_entry()->set_criterion("III.1");
    u->mutable_entry()->set_appraisal_comment(comment);
    u->mutable_update_mask()->add_paths("appraisal_comment");
    u->set_etag(version("III.1"));
    const grpc::Status status = Update(appraiser_, appraise);
    EXPECT_TRUE(status.ok()) << status.error_message();
  };
  type("Bản nháp: báo cáo năm tính cả hồ sơ liên thông");
  EXPECT_FALSE(changed());  // typed, not sent
  v1::Evidence file;
  v1::UploadEvidenceRequest upload;
  upload.set_parent("rounds/r/assessments/HN");
  upload.set_criterion("III.1");
  upload.mutable_evidence()->set_file_name("so-theo-doi.pdf");
  upload.set_content("sổ theo dõi");
  ASSERT_TRUE(Call(assessments_.get(), &v1::AssessmentService::Stub::UploadEvidence,
                   wards_["HN"], upload, &file)
                  .ok());
  EXPECT_FALSE(changed());  // a file attached, not sent
  send();
  EXPECT_TRUE(changed());
  office_writes("Đã xem giải trình");
  EXPECT_FALSE(changed());

  // Reopened and typed again: a draft until it is sent again.
  v1::ReopenAssessmentRequest reopen;
  reopen.set_name("rounds/r/assessments/HN");
  reopen.set_reason("Đơn vị xin bổ sung giải trình");
  v1::Assessment reopened;
  ASSERT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::ReopenAssessment, appraiser_,
                   reopen, &reopened)
                  .ok());
  EXPECT_FALSE(changed());  // the office reopening is not the unit's change
  type("Bản sửa: kèm sổ theo dõi");
  EXPECT_FALSE(changed());
  send();
  EXPECT_TRUE(changed());
}

// Each time means what its name says (outside tester, issue 16): appraised_at was set
// by a survey import, and submitted_at moved to the time the unit explained.
TEST_F(WorkQueueTest, EachTimeIsTheEventItNames) {
  CreateDemoRound();
  auto at = [&](int day, int hour) {
    clock_.Set(
        absl::FromCivil(absl::CivilSecond(2023, 11, day, hour, 0, 0), VietnamTime()));
  };
  at(21, 9);
  ASSERT_TRUE(EnterSelf("HN").ok());
  ASSERT_TRUE(Submit("HN").ok());
  Advance(v1::PHASE_APPRAISAL);
  v1::WorkItem hn = Item(QueueOf(appraiser_), "HN");
  EXPECT_EQ(hn.submitted_at(), "2023-11-21T02:00:00.000Z");
  EXPECT_EQ(hn.appraised_at(), "");
  EXPECT_EQ(hn.explained_at(), "");
  // A survey's results imported: not an appraisal of the unit's form.
  at(22, 9);
  v1::ImportSurveyRequest survey;
  survey.set_parent("rounds/r");
  survey.set_csv("unit,criterion,a,b,c,d\nHN,VIII.1,120,40,10,2\n");
  v1::ImportSurveyResponse imported;
  grpc::Status status =
      Call(assessments_.get(), &v1::AssessmentService::Stub::ImportSurvey, appraiser_,
           survey, &imported);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(imported.imported(), 1);
  hn = Item(QueueOf(appraiser_), "HN");
  EXPECT_EQ(hn.appraised_at(), "");
  EXPECT_EQ(hn.submitted_at(), "2023-11-21T02:00:00.000Z");
  // The office asks about III.1: its appraisal.
  at(23, 9);
  status = AskHnAboutIII1();
  ASSERT_TRUE(status.ok()) << status.error_message();
  hn = Item(QueueOf(appraiser_), "HN");
  EXPECT_EQ(hn.appraised_at(), "2023-11-23T02:00:00.000Z");
  // The unit explains: its explanation's time, not a new submission.
  Advance(v1::PHASE_EXPLANATION);
  at(24, 9);
  v1::AssessmentActionRequest sent;
  sent.set_name("rounds/r/assessments/HN");
  sent.set_etag(Assessment("HN").version());
  v1::Assessment explained;
  status = Call(assessments_.get(), &v1::AssessmentService::Stub::SubmitExplanation,
                wards_["HN"], sent, &explained);
  ASSERT_TRUE(status.ok()) << status.error_message();
  hn = Item(QueueOf(appraiser_), "HN");
  EXPECT_EQ(hn.state(), v1::STATE_EXPLAINED);
  EXPECT_EQ(hn.submitted_at(), "2023-11-21T02:00:00.000Z");
  EXPECT_EQ(hn.explained_at(), "2023-11-24T02:00:00.000Z");
  EXPECT_EQ(hn.appraised_at(), "2023-11-23T02:00:00.000Z");
  EXPECT_TRUE(hn.explanation_waiting());
  EXPECT_TRUE(hn.changed_since_appraisal());
}

// «Giải trình chờ xem» closes when the office marks the explanations read
// (ReviewExplanation): audited, nothing of the form changes, appraised_at stays the
// office's last appraisal (outside tester).
TEST_F(WorkQueueTest, TheOfficeMarksExplanationsReadAndNothingElseChanges) {
  CreateDemoRound();
  auto at = [&](int day, int hour) {
    clock_.Set(
        absl::FromCivil(absl::CivilSecond(2023, 11, day, hour, 0, 0), VietnamTime()));
  };
  at(21, 9);
  ASSERT_TRUE(EnterSelf("HN").ok());
  ASSERT_TRUE(Submit("HN").ok());
  ASSERT_TRUE(EnterSelf("LS").ok());
  ASSERT_TRUE(Submit("LS").ok());
  Advance(v1::PHASE_APPRAISAL);
  auto review = [&](const std::string& token, const std::string& unit, int64_t etag,
                    v1::Assessment* out) {
    v1::AssessmentActionRequest read;
    read.set_name("rounds/r/assessments/" + unit);
    read.set_etag(etag);
    return Call(assessments_.get(), &v1::AssessmentService::Stub::ReviewExplanation,
                token, read, out);
  };
  v1::Assessment answer;
  // Nothing explained yet: nothing to mark read, in this phase or of this state.
  grpc::Status status = review(appraiser_, "HN", Assessment("HN").version(), &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << status.error_message();
  at(23, 9);
  status = AskHnAboutIII1();
  ASSERT_TRUE(status.ok()) << status.error_message();
  Advance(v1::PHASE_EXPLANATION);
  at(24, 9);
  v1::AssessmentActionRequest sent;
  sent.set_name("rounds/r/assessments/HN");
  sent.set_etag(Assessment("HN").version());
  v1::Assessment explained;
  status = Call(assessments_.get(), &v1::AssessmentService::Stub::SubmitExplanation,
                wards_["HN"], sent, &explained);
  ASSERT_TRUE(status.ok()) << status.error_message();
  v1::WorkItem hn = Item(QueueOf(appraiser_), "HN");
  ASSERT_EQ(hn.state(), v1::STATE_EXPLAINED);
  EXPECT_TRUE(hn.explanation_waiting());
  EXPECT_TRUE(hn.changed_since_appraisal());

  // Only the office, of the form as read, of a unit that has explained.
  const v1::Assessment before = Assessment("HN");
  status = review(wards_["HN"], "HN", before.version(), &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  status = review(appraiser_, "HN", before.version() - 1, &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED) << status.error_message();
  status = review(appraiser_, "LS", Assessment("LS").version(), &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(),
            "round r is in phase EXPLANATION and the assessment of LS is SUBMITTED: "
            "marking explanations as read needs it to be EXPLAINED");
  EXPECT_TRUE(Item(QueueOf(appraiser_), "HN").explanation_waiting());

  at(25, 9);
  status = review(appraiser_, "HN", before.version(), &answer);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(answer.state(), v1::STATE_EXPLAINED);
  EXPECT_EQ(answer.version(), before.version() + 1);
  // The form as it was: every entry and value the same.
  const v1::Assessment after = Assessment("HN");
  ASSERT_EQ(after.entries_size(), before.entries_size());
  for (int i = 0; i < after.entries_size(); ++i)
    EXPECT_EQ(after.entries(i).DebugString(), before.entries(i).DebugString());
  ASSERT_EQ(after.values_size(), before.values_size());
  for (int i = 0; i < after.values_size(); ++i)
    EXPECT_EQ(after.values(i).DebugString(), before.values(i).DebugString());
  hn = Item(QueueOf(appraiser_), "HN");
  EXPECT_EQ(hn.state(), v1::STATE_EXPLAINED);
  EXPECT_FALSE(hn.explanation_waiting());
  EXPECT_FALSE(hn.changed_since_appraisal());
  EXPECT_EQ(hn.appraised_at(), "2023-11-23T02:00:00.000Z");  // not an appraisal
  EXPECT_EQ(hn.explained_at(), "2023-11-24T02:00:00.000Z");
  // On the trail: who read it, when; the state as it stays.
  v1::ListRequest audit;
  audit.set_filter("resource=rounds/r/assessments/HN");
  v1::ListAuditEventsResponse events;
  ASSERT_TRUE(
      Call(audit_.get(), &v1::AuditService::Stub::ListAuditEvents, admin_, audit, &events)
          .ok());
  std::vector<v1::AuditEvent> reviews;
  for (const v1::AuditEvent& e : events.events())
    if (e.action() == "explanation.review") reviews.push_back(e);
  ASSERT_EQ(reviews.size(), 1u);
  EXPECT_EQ(reviews[0].resource(), "rounds/r/assessments/HN");
  EXPECT_EQ(reviews[0].role(), "appraiser");
  EXPECT_EQ(reviews[0].at(), "2023-11-25T02:00:00.000Z");
  EXPECT_TRUE(absl::StrContains(reviews[0].after(), "\"state\":\"STATE_EXPLAINED\""))
      << reviews[0].after();

  // The office writes again later: an appraisal, its time.
  at(26, 9);
  v1::BatchUpdateEntriesRequest appraise;
  appraise.set_parent("rounds/r/assessments/HN");
  v1::EntryUpdate* i5 = appraise.add_updates();
  i5->mutable_entry()->set_criterion("I.5");
  i5->mutable_update_mask()->add_paths("appraisal_comment");
  i5->mutable_entry()->set_appraisal_comment("Đã đối chiếu");
  const v1::Assessment read = Assessment("HN");
  for (const v1::Entry& e : read.entries()) {
    if (e.criterion() == "I.5") i5->set_etag(e.version());
  }
  ASSERT_TRUE(Update(appraiser_, appraise).ok());
  hn = Item(QueueOf(appraiser_), "HN");
  EXPECT_EQ(hn.appraised_at(), "2023-11-26T02:00:00.000Z");
  EXPECT_FALSE(hn.explanation_waiting());
}

// A ward's form says who submitted it and when (it cannot read the audit trail); a
// reopen and a new submission move both (outside tester, issue 16).
TEST_F(WorkQueueTest, AFormSaysWhoSubmittedItAndWhen) {
  CreateDemoRound();
  const std::string lan =
      ScopedToken(v1::ROLE_WARD, "units/HN", "lan.hn", "Nguyễn Thị Lan");
  ASSERT_TRUE(EnterSelf("HN").ok());
  EXPECT_EQ(Assessment("HN", lan).submitted_at(), "");
  EXPECT_EQ(Assessment("HN", lan).submitted_by(), "");
  v1::AssessmentActionRequest submit;
  submit.set_name("rounds/r/assessments/HN");
  submit.set_etag(Assessment("HN").version());
  v1::Assessment submitted;
  ASSERT_TRUE(Call(assessments_.get(), &v1::AssessmentService::Stub::SubmitAssessment,
                   lan, submit, &submitted)
                  .ok());
  EXPECT_EQ(submitted.submitted_by(), "Nguyễn Thị Lan");
  EXPECT_NE(submitted.submitted_at(), "");
  const v1::Assessment read = Assessment("HN", lan);
  EXPECT_EQ(read.submitted_by(), "Nguyễn Thị Lan");
  EXPECT_EQ(read.submitted_at(), submitted.submitted_at());
  EXPECT_EQ(Assessment("HN").submitted_by(), "Nguyễn Thị Lan");  // the office too
  v1::ListAssessmentsRequest list;
  list.set_parent("rounds/r");
  v1::ListAssessmentsResponse all;
  ASSERT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::ListAssessments, appraiser_,
                   list, &all)
                  .ok());
  for (const v1::Assessment& a : all.assessments()) {
    EXPECT_EQ(a.submitted_by(), a.unit() == "HN" ? "Nguyễn Thị Lan" : "") << a.unit();
  }
  // Reopened and submitted again by another token of the unit (no person's name: its
  // id), an hour later.
  v1::ReopenAssessmentRequest reopen;
  reopen.set_name("rounds/r/assessments/HN");
  reopen.set_reason("Bổ sung số liệu quý IV");
  v1::Assessment reopened;
  ASSERT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::ReopenAssessment, appraiser_,
                   reopen, &reopened)
                  .ok());
  clock_.Set(clock_.Now() + absl::Hours(1));
  ASSERT_TRUE(Submit("HN").ok());
  const v1::Assessment again = Assessment("HN", lan);
  EXPECT_NE(again.submitted_at(), read.submitted_at());
  EXPECT_EQ(again.submitted_by().substr(0, 4), "tok_");
}

// GetWorkQueue answers as every read of a round does: a round that does not exist is
// NOT_FOUND, one with no unit of the caller's scope PERMISSION_DENIED (README, "Who
// may do what": GetRound and SummariseRound say the same), and a name quoted back has
// its control bytes escaped (outside tester, issue 16).
TEST_F(WorkQueueTest, AnUnknownOrAnotherProvincesRoundIsRefusedAsEveryReadDoes) {
  CreateDemoRound(/*two_provinces=*/true);
  v1::PutUnitRequest province;
  province.mutable_unit()->set_code("QN");
  province.mutable_unit()->set_name("Tỉnh Quảng Ninh");
  province.mutable_unit()->set_kind(v1::PROVINCE);
  v1::Unit stored;
  ASSERT_TRUE(
      Call(units_.get(), &v1::UnitService::Stub::PutUnit, admin_, province, &stored)
          .ok());
  const std::string qn =
      ScopedToken(v1::ROLE_APPRAISER, "parent/QN", "qn.thamdinh", "Lê Thị Ninh");
  for (const std::string& name :
       {std::string("rounds/r"), std::string("rounds/nope"),
        std::string("rounds/a\0b", 10), std::string("rounds/x\xE2\x80\xAEy")}) {
    v1::GetByNameRequest get;
    get.set_name(name);
    v1::WorkQueue queue;
    const grpc::Status work =
        Call(rounds_.get(), &v1::RoundService::Stub::GetWorkQueue, qn, get, &queue);
    v1::Round round;
    const grpc::Status read =
        Call(rounds_.get(), &v1::RoundService::Stub::GetRound, qn, get, &round);
    v1::RoundSummary summary;
    const grpc::Status summarised =
        Call(scores_.get(), &v1::ScoreService::Stub::SummariseRound, qn, get, &summary);
    EXPECT_EQ(work.error_code(), read.error_code()) << name;
    EXPECT_EQ(work.error_message(), read.error_message()) << name;
    EXPECT_EQ(work.error_code(), summarised.error_code()) << name;
    EXPECT_EQ(work.error_message(), summarised.error_message()) << name;
  }
  v1::GetByNameRequest get;
  v1::WorkQueue queue;
  get.set_name("rounds/r");
  grpc::Status status =
      Call(rounds_.get(), &v1::RoundService::Stub::GetWorkQueue, qn, get, &queue);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(),
            "round r has no unit in this account's scope parent/QN");
  // An id no round could have is refused as such (escaped in the message), not looked
  // for; one that could be and is not is NOT_FOUND.
  get.set_name(std::string("rounds/a\0b", 10));
  status = Call(rounds_.get(), &v1::RoundService::Stub::GetWorkQueue, qn, get, &queue);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "name: 'a\\x00b' is not an id (1 to 64 of A-Z a-z 0-9 . _ -, not starting "
            "with '.')");
  get.set_name("rounds/x\xE2\x80\xAEy");
  status =
      Call(rounds_.get(), &v1::RoundService::Stub::GetWorkQueue, appraiser_, get, &queue);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "name: 'x\\u202Ey' is not an id (1 to 64 of A-Z a-z 0-9 . _ -, not starting "
            "with '.')");
  get.set_name("rounds/nope");
  status =
      Call(rounds_.get(), &v1::RoundService::Stub::GetWorkQueue, appraiser_, get, &queue);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "rounds/nope: not found");
}

}  // namespace
}  // namespace parindex::server
