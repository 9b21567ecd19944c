// The policy (server/policy.cc) through the real service: one test per hole an outside
// tester found (issue 13), each failing on the code before the policy had one home, and
// the workflow table's own invariants.
#include "server/policy.h"

#include <functional>
#include <limits>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/service_fixture.h"

namespace parindex::server {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;
using ::testing::Not;

class PolicyTest : public ServiceTest {
 protected:
  grpc::Status Upload(const std::string& token, const std::string& unit,
                      const std::string& criterion, const std::string& file_name,
                      const std::string& content, const std::string& request_id,
                      v1::Evidence* out) {
    v1::UploadEvidenceRequest upload;
    upload.set_parent(absl::StrCat("rounds/r/assessments/", unit));
    upload.set_criterion(criterion);
    upload.mutable_evidence()->set_file_name(file_name);
    upload.set_content(content);
    upload.set_request_id(request_id);
    return Call(assessments_.get(), &v1::AssessmentService::Stub::UploadEvidence, token,
                upload, out);
  }

  int FilesOf(const std::string& unit) {
    int files = 0;
    const v1::Assessment a = Assessment(unit);
    for (const v1::Entry& e : a.entries()) files += e.evidence_size();
    return files;
  }
};

// Hole 1: a reused request id answered with another unit's file and dropped the upload.
TEST_F(PolicyTest, ARequestIdBelongsToItsCallerAndIsBoundToItsRequest) {
  CreateDemoRound();
  v1::Evidence hn, ls, replay;
  ASSERT_TRUE(Upload(wards_["HN"], "HN", "I.1.1", "hn.pdf", "HN's plan", "r1", &hn).ok());
  ASSERT_TRUE(Upload(wards_["LS"], "LS", "I.1.1", "ls.pdf", "LS's plan", "r1", &ls).ok());
  EXPECT_EQ(ls.file_name(), "ls.pdf");
  EXPECT_NE(ls.id(), hn.id());
  EXPECT_NE(ls.sha256(), hn.sha256());
  EXPECT_EQ(FilesOf("LS"), 1);
  // The same request again: the first answer, nothing stored twice.
  ASSERT_TRUE(
      Upload(wards_["HN"], "HN", "I.1.1", "hn.pdf", "HN's plan", "r1", &replay).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(replay, hn)) << replay.DebugString();
  EXPECT_EQ(FilesOf("HN"), 1);
  // Another request under the same id: refused, nothing stored.
  grpc::Status other =
      Upload(wards_["HN"], "HN", "I.1.1", "other.pdf", "other bytes", "r1", &replay);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(
      other.error_message(),
      HasSubstr("request_id: 'r1' was already used by this caller for a different "
                "UploadEvidence request on rounds/r/assessments/HN (at "));
  EXPECT_EQ(FilesOf("HN"), 1);

  // Entries: the same batch twice is one change with one audit row and one answer.
  v1::BatchUpdateEntriesRequest batch = SelfEntries("HN");
  batch.set_request_id("b1");
  v1::BatchUpdateEntriesResponse first, again;
  ASSERT_TRUE(Update(wards_["HN"], batch, &first).ok());
  const int audit = AuditCount();
  ASSERT_TRUE(Update(wards_["HN"], batch, &again).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(first, again));
  EXPECT_EQ(AuditCount(), audit);
  batch.mutable_updates(0)->mutable_entry()->set_comment("changed");
  grpc::Status changed = Update(wards_["HN"], batch, &again);
  EXPECT_EQ(changed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(changed.error_message(), HasSubstr("request_id: 'b1' was already used"));
  EXPECT_EQ(AuditCount(), audit);
  // LS's own batch under HN's id is LS's request, applied to LS.
  v1::BatchUpdateEntriesRequest ls_batch = SelfEntries("LS");
  ls_batch.set_request_id("b1");
  v1::BatchUpdateEntriesResponse ls_answer;
  ASSERT_TRUE(Update(wards_["LS"], ls_batch, &ls_answer).ok());
  ASSERT_EQ(ls_answer.entries_size(), ls_batch.updates_size());
  EXPECT_EQ(ls_answer.entries(0).version(), 1);
  EXPECT_NE(ls_answer.entries(0).updated_by(), first.entries(0).updated_by());
}

// Hole 3: one survey row with an absurd count broke every read of the round.
TEST_F(PolicyTest, ASurveyRowIsCheckedByTheEngineAndOneUnitNeverBreaksTheRound) {
  CreateDemoRound();
  Advance(v1::PHASE_APPRAISAL);
  v1::ImportSurveyRequest survey;
  survey.set_parent("rounds/r");
  v1::SurveyRow* row = survey.add_rows();
  row->set_unit("HN");
  row->set_criterion("VIII.1");
  row->mutable_answers()->set_a(std::numeric_limits<int64_t>::max());
  v1::ImportSurveyResponse imported;
  const int audit = AuditCount();
  grpc::Status refused =
      Call(assessments_.get(), &v1::AssessmentService::Stub::ImportSurvey, appraiser_,
           survey, &imported);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(refused.error_message(),
            "rows[0].answers.a: answer count out of range (9223372036854775807)");
  EXPECT_EQ(AuditCount(), audit);
  // The same unit and criterion twice: both rows named.
  survey.set_csv("unit,criterion,a,b,c,d\nLS,VIII.1,1,2,3,4\nLS,VIII.1,4,3,2,1\n");
  survey.mutable_rows(0)->mutable_answers()->set_a(5);
  refused = Call(assessments_.get(), &v1::AssessmentService::Stub::ImportSurvey,
                 appraiser_, survey, &imported);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(refused.error_message(),
            "csv line 3: LS VIII.1 is also given in csv line 2; give each once");
  EXPECT_EQ(AuditCount(), audit);

  // CSV as a spreadsheet writes it: a byte-order mark, quotes, columns by the header's
  // names; a row with no answers is refused.
  survey.clear_rows();
  survey.set_csv("\xEF\xBB\xBFunit,criterion,d,c,b,a\r\n\"LS\",VIII.1,1,0,0,0\r\n");
  ASSERT_TRUE(Call(assessments_.get(), &v1::AssessmentService::Stub::ImportSurvey,
                   appraiser_, survey, &imported)
                  .ok());
  const v1::Assessment ls = Assessment("LS");
  for (const v1::Entry& e : ls.entries()) {
    if (e.criterion() == "VIII.1") {
      EXPECT_EQ(e.self().survey().d(), 1);
      EXPECT_EQ(e.self().survey().a(), 0);
    }
  }
  survey.set_csv("unit,criterion,percent\nMK,VIII.1,\n");
  refused = Call(assessments_.get(), &v1::AssessmentService::Stub::ImportSurvey,
                 appraiser_, survey, &imported);
  EXPECT_EQ(refused.error_message(), "csv line 2: percent: is empty");
  survey.clear_csv();
  survey.add_rows()->set_unit("MK");
  survey.mutable_rows(0)->set_criterion("VIII.1");
  refused = Call(assessments_.get(), &v1::AssessmentService::Stub::ImportSurvey,
                 appraiser_, survey, &imported);
  EXPECT_EQ(refused.error_message(),
            "rows[0].answers: no answers (give a, b, c, d or a percent)");

  // Defence in depth: data stored before the check existed (written to the store
  // directly) makes that unit's error, not the round's.
  store::EntryUpdate bad;
  bad.entry.set_criterion("VIII.1");
  bad.entry.mutable_self()->mutable_survey()->set_a(std::numeric_limits<int64_t>::max());
  ASSERT_TRUE(store_->UpdateEntries(testing::Admin(), "r", "HN", {bad}).ok());
  Advance(v1::PHASE_EXPLANATION);  // a new phase reloads the round's caches
  v1::GetRankingRequest ranking_request;
  ranking_request.set_name("rounds/r");
  v1::Ranking ranking;
  ASSERT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::GetRanking, appraiser_,
                   ranking_request, &ranking)
                  .ok());
  ASSERT_EQ(ranking.units_size(), 3);
  int errors = 0;
  for (const v1::UnitScore& u : ranking.units()) {
    if (u.unit() == "HN") {
      ++errors;
      EXPECT_EQ(u.rank(), 0);
      EXPECT_EQ(u.error(),
                "the stored figures of HN cannot be scored: entries[0].self.survey.a: "
                "answer count out of range (9223372036854775807)");
    } else {
      EXPECT_EQ(u.error(), "");
    }
  }
  EXPECT_EQ(errors, 1);
  v1::GetByNameRequest round_name;
  round_name.set_name("rounds/r");
  v1::RoundSummary summary;
  ASSERT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::SummariseRound, appraiser_,
                   round_name, &summary)
                  .ok());
  ASSERT_EQ(summary.unscored_size(), 1);
  EXPECT_EQ(summary.unscored(0).unit(), "HN");
  v1::ExportRoundRequest export_request;
  export_request.set_name("rounds/r");
  export_request.set_format(v1::ExportRoundRequest::CSV);
  export_request.set_table("ranking");
  v1::ExportRoundResponse exported;
  ASSERT_TRUE(Call(reports_.get(), &v1::ReportService::Stub::ExportRound, appraiser_,
                   export_request, &exported)
                  .ok());
  EXPECT_THAT(exported.content(), HasSubstr("Không chấm được: the stored figures of HN"));
  v1::GetUnitScoreRequest score_request;
  score_request.set_name("rounds/r/assessments/LS");
  v1::UnitScore score;
  EXPECT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, appraiser_,
                   score_request, &score)
                  .ok());
  score_request.set_name("rounds/r/assessments/HN");
  EXPECT_EQ(Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, appraiser_,
                 score_request, &score)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

// Hole 4: evidence uploads skipped the workflow.
TEST_F(PolicyTest, EvidenceFollowsTheWorkflowOfItsEntry) {
  CreateDemoRound();
  v1::Evidence file;
  // Past the deadline, unless reopened.
  clock_.Set(absl::FromCivil(absl::CivilSecond(2023, 11, 28, 9, 0, 0), VietnamTime()));
  grpc::Status late = Upload(wards_["HN"], "HN", "I.1.1", "a.pdf", "x", "", &file);
  EXPECT_EQ(late.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(
      late.error_message(),
      "round r is in phase SELF_ASSESSMENT and the assessment of HN is NOT_STARTED: "
      "the self-assessment deadline 2023-11-27T17:00:00+07:00 has passed; ask the "
      "Home Affairs office to reopen the assessment");
  clock_.Set(absl::FromCivil(absl::CivilSecond(2023, 11, 21, 9, 0, 0), VietnamTime()));
  // After submitting.
  ASSERT_TRUE(EnterSelf("LS").ok());
  ASSERT_TRUE(Submit("LS").ok());
  grpc::Status submitted = Upload(wards_["LS"], "LS", "I.1.1", "a.pdf", "x", "", &file);
  EXPECT_EQ(submitted.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(submitted.error_message(),
            "round r is in phase SELF_ASSESSMENT and the assessment of LS is SUBMITTED: "
            "attaching a file needs it to be NOT_STARTED or DRAFT");
  // During appraisal, a ward attaches nothing; the office may.
  Advance(v1::PHASE_APPRAISAL);
  grpc::Status appraisal = Upload(wards_["HN"], "HN", "I.1.1", "a.pdf", "x", "", &file);
  EXPECT_EQ(appraisal.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(appraisal.error_message(),
            "round r is in phase APPRAISAL and the assessment of HN is NOT_STARTED: "
            "attaching a file is allowed in SELF_ASSESSMENT; attaching a file to an "
            "explanation is allowed in EXPLANATION");
  EXPECT_TRUE(Upload(appraiser_, "HN", "I.1.1", "bien-ban.pdf", "x", "", &file).ok());
  // In the explanation phase: only on the criteria asked about.
  v1::RequestExplanationRequest ask;
  ask.set_name("rounds/r/assessments/LS");
  ask.set_etag(Assessment("LS").version());
  (*ask.mutable_messages())["I.1.2"] = "Gửi quyết định ban hành";
  (*ask.mutable_reasons())["I.1.2"] = v1::REASON_MISSING_EVIDENCE;
  v1::Assessment asked;
  ASSERT_TRUE(Call(assessments_.get(), &v1::AssessmentService::Stub::RequestExplanation,
                   appraiser_, ask, &asked)
                  .ok());
  Advance(v1::PHASE_EXPLANATION);
  EXPECT_TRUE(Upload(wards_["LS"], "LS", "I.1.2", "qd.pdf", "x", "", &file).ok());
  grpc::Status unasked = Upload(wards_["LS"], "LS", "I.1.1", "qd.pdf", "x", "", &file);
  EXPECT_EQ(unasked.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(unasked.error_message(),
            "criterion: round r is in phase EXPLANATION and the assessment of LS is "
            "EXPLANATION_REQUESTED: no explanation was requested for I.1.1; files go "
            "with the criteria asked about");
  // A unit not asked attaches nothing.
  EXPECT_EQ(Upload(wards_["MK"], "MK", "I.1.2", "qd.pdf", "x", "", &file).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  // File names are stored as a base name without control characters.
  ASSERT_TRUE(Upload(wards_["LS"], "LS", "I.1.2", "..\\..\\C:\\tmp/b\x01\x7f\xc2\x85.pdf",
                     "y", "", &file)
                  .ok());
  EXPECT_EQ(file.file_name(), "b.pdf");
  grpc::Status nameless = Upload(wards_["LS"], "LS", "I.1.2", "a/..", "y", "", &file);
  EXPECT_EQ(nameless.error_message(), "evidence.file_name: 'a/..' names no file");
  EXPECT_EQ(
      Upload(wards_["LS"], "LS", "I.1.2", " \u200b... ", "y", "", &file).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(Upload(wards_["LS"], "LS", "I.1.2", "\u202Efdp.exe", "y", "", &file).ok());
  EXPECT_EQ(file.file_name(), "fdp.exe");  // shown as it is, not as "exe.pdf"
}

// A reopen lifts the deadline of its own phase only.
TEST_F(PolicyTest, AReopenLiftsTheDeadlineOfItsPhaseOnly) {
  CreateDemoRound();
  clock_.Set(absl::FromCivil(absl::CivilSecond(2023, 11, 28, 9, 0, 0), VietnamTime()));
  v1::ReopenAssessmentRequest reopen;
  reopen.set_name("rounds/r/assessments/MK");
  reopen.set_reason("Mất điện ngày 27/11");
  v1::Assessment mk;
  ASSERT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::ReopenAssessment, appraiser_,
                   reopen, &mk)
                  .ok());
  EXPECT_TRUE(mk.reopened());
  ASSERT_TRUE(EnterSelf("MK").ok());  // not submitted
  Advance(v1::PHASE_APPRAISAL);
  v1::RequestExplanationRequest ask;
  ask.set_name("rounds/r/assessments/MK");
  ask.set_etag(Assessment("MK").version());
  (*ask.mutable_messages())["I.1.1"] = "Vì sao chưa nộp?";
  (*ask.mutable_reasons())["I.1.1"] = v1::REASON_OTHER;
  ASSERT_TRUE(Call(assessments_.get(), &v1::AssessmentService::Stub::RequestExplanation,
                   appraiser_, ask, &mk)
                  .ok());
  EXPECT_FALSE(mk.reopened());
  Advance(v1::PHASE_EXPLANATION);
  clock_.Set(absl::FromCivil(absl::CivilSecond(2023, 12, 11, 9, 0, 0), VietnamTime()));
  v1::AssessmentActionRequest explain;
  explain.set_name("rounds/r/assessments/MK");
  explain.set_etag(mk.version());
  EXPECT_EQ(Call(assessments_.get(), &v1::AssessmentService::Stub::SubmitExplanation,
                 wards_["MK"], explain, &mk)
                .error_message(),
            "round r is in phase EXPLANATION and the assessment of MK is "
            "EXPLANATION_REQUESTED: the explanation deadline 2023-12-10T17:00:00+07:00 "
            "has passed; ask the Home Affairs office to reopen the assessment");
}

// Reads: another unit's form is never a ward's; its score is, once published. An
// appraisal moves the form's updated_at.
TEST_F(PolicyTest, AWardNeverReadsAnotherUnitsFormAndAppraisalsMoveUpdatedAt) {
  CreateDemoRound();
  ASSERT_TRUE(EnterSelf("LS").ok());
  ASSERT_TRUE(Submit("LS").ok());
  Advance(v1::PHASE_APPRAISAL);
  const std::string before = Assessment("LS").updated_at();
  clock_.Set(absl::FromCivil(absl::CivilSecond(2023, 12, 1, 9, 0, 0), VietnamTime()));
  v1::BatchUpdateEntriesRequest appraise;
  appraise.set_parent("rounds/r/assessments/LS");
  v1::EntryUpdate* u = appraise.add_updates();
  u->mutable_entry()->set_criterion("I.5");
  u->mutable_entry()->mutable_appraised()->set_score_milli(500);
  const v1::Assessment ls = Assessment("LS");
  for (const v1::Entry& e : ls.entries()) {
    if (e.criterion() == "I.5") u->set_etag(e.version());
  }
  grpc::Status appraised = Update(appraiser_, appraise);
  ASSERT_TRUE(appraised.ok()) << appraised.error_message();
  EXPECT_EQ(Assessment("LS").updated_at(), "2023-12-01T02:00:00.000Z");
  EXPECT_NE(before, "2023-12-01T02:00:00.000Z");
  for (v1::RoundPhase p : {v1::PHASE_EXPLANATION, v1::PHASE_FINAL_APPRAISAL,
                           v1::PHASE_FINALISED, v1::PHASE_PUBLISHED}) {
    Advance(p);
  }
  v1::GetByNameRequest get;
  get.set_name("rounds/r/assessments/LS");
  v1::Assessment a;
  grpc::Status form =
      Call(assessments_.get(), &v1::AssessmentService::Stub::GetAssessment, wards_["HN"],
           get, &a);
  EXPECT_EQ(form.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(form.error_message(), "this token acts for unit HN, not LS");
  v1::GetUnitScoreRequest score_request;
  score_request.set_name("rounds/r/assessments/LS");
  v1::UnitScore score;
  EXPECT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, wards_["HN"],
                   score_request, &score)
                  .ok());
  v1::ListAssessmentsRequest list;
  list.set_parent("rounds/r");
  v1::ListAssessmentsResponse listed;
  ASSERT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::ListAssessments, wards_["HN"],
                   list, &listed)
                  .ok());
  ASSERT_EQ(listed.assessments_size(), 1);
  EXPECT_EQ(listed.assessments(0).unit(), "HN");
}

// Published results are what was published: a later change to a unit or a plan moves
// the rounds still running, never a finalised one.
TEST_F(PolicyTest, AFinalisedRoundKeepsTheUnitsAndPlansItWasScoredWith) {
  CreateDemoRound();
  for (const char* unit : {"HN", "LS", "MK"}) {
    ASSERT_TRUE(EnterSelf(unit).ok());
  }
  // A second round over the same units, still open.
  v1::GetByNameRequest get_round;
  get_round.set_name("rounds/r");
  v1::Round r;
  ASSERT_TRUE(
      Call(rounds_.get(), &v1::RoundService::Stub::GetRound, appraiser_, get_round, &r)
          .ok());
  v1::CreateRoundRequest create;
  *create.mutable_round() = r;
  create.mutable_round()->set_id("r2");
  v1::Round r2;
  ASSERT_TRUE(
      Call(rounds_.get(), &v1::RoundService::Stub::CreateRound, appraiser_, create, &r2)
          .ok());
  for (v1::RoundPhase p :
       {v1::PHASE_APPRAISAL, v1::PHASE_EXPLANATION, v1::PHASE_FINAL_APPRAISAL,
        v1::PHASE_FINALISED, v1::PHASE_PUBLISHED}) {
    Advance(p);
  }
  auto ranking = [&](const std::string& round) {
    v1::GetRankingRequest request;
    request.set_name(absl::StrCat("rounds/", round));
    request.set_column(v1::SELF);
    v1::Ranking out;
    EXPECT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::GetRanking, appraiser_,
                     request, &out)
                    .ok());
    return out;
  };
  const v1::Ranking published = ranking("r");
  const v1::Ranking open_before = ranking("r2");
  // The plan's targets become 100 % and HN moves to another block.
  v1::GetByNameRequest get_plan;
  get_plan.set_name("plans/demo-hungyen-2023");
  v1::PutPlanRequest put_plan;
  ASSERT_TRUE(Call(plans_.get(), &v1::PlanService::Stub::GetPlan, admin_, get_plan,
                   put_plan.mutable_plan())
                  .ok());
  for (v1::Target& t : *put_plan.mutable_plan()->mutable_targets()) {
    if (t.unit() == v1::PERCENT) t.set_value_milli(100000);
  }
  v1::Plan plan;
  ASSERT_TRUE(
      Call(plans_.get(), &v1::PlanService::Stub::PutPlan, admin_, put_plan, &plan).ok());
  v1::GetByNameRequest get_unit;
  get_unit.set_name("units/HN");
  v1::PutUnitRequest put_unit;
  ASSERT_TRUE(Call(units_.get(), &v1::UnitService::Stub::GetUnit, admin_, get_unit,
                   put_unit.mutable_unit())
                  .ok());
  put_unit.mutable_unit()->set_block("khối khác");
  v1::Unit unit;
  ASSERT_TRUE(
      Call(units_.get(), &v1::UnitService::Stub::PutUnit, admin_, put_unit, &unit).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(ranking("r"), published));
  const v1::Ranking open_after = ranking("r2");
  EXPECT_FALSE(MessageDifferencer::Equals(open_after, open_before));
  bool moved = false;
  for (const v1::UnitScore& u : open_after.units()) {
    if (u.unit() == "HN") moved = u.block() == "khối khác";
  }
  EXPECT_TRUE(moved);
}

// What an outside tester stored or read that a real user should not be able to.
TEST_F(PolicyTest, IdsParentsYearsReasonsFiltersAndRoundsAreChecked) {
  CreateDemoRound();
  v1::CreateRoundRequest create;
  create.mutable_round()->set_id("ot\r\nX-Injected: 1");
  create.mutable_round()->set_criteria_set("demo-ward-2023");
  create.mutable_round()->add_units("HN");
  v1::Round round;
  EXPECT_EQ(
      Call(rounds_.get(), &v1::RoundService::Stub::CreateRound, appraiser_, create,
           &round)
          .error_message(),
      // A carriage return quoted back is escaped (server/service.h, EscapeMessage).
      "round.id: 'ot\\x0D\nX-Injected: 1' is not an id (1 to 64 of A-Z a-z 0-9 . _ -, "
      "not starting with '.')");
  create.mutable_round()->set_id("..");
  EXPECT_EQ(Call(rounds_.get(), &v1::RoundService::Stub::CreateRound, appraiser_, create,
                 &round)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  create.mutable_round()->set_id("r-2024");
  create.mutable_round()->set_year(-5);
  EXPECT_EQ(Call(rounds_.get(), &v1::RoundService::Stub::CreateRound, appraiser_, create,
                 &round)
                .error_message(),
            "round.year: -5 is not a year of this century");
  create.mutable_round()->set_year(2024);
  create.mutable_round()->set_self_assessment_deadline("99999-01-01T00:00:00+07:00");
  EXPECT_EQ(Call(rounds_.get(), &v1::RoundService::Stub::CreateRound, appraiser_, create,
                 &round)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  // A unit that would be its own ancestor.
  v1::PutUnitRequest put;
  put.mutable_unit()->set_code("P1");
  put.mutable_unit()->set_name("Xã P1");
  put.mutable_unit()->set_kind(v1::COMMUNE);
  put.mutable_unit()->set_parent("P2");
  v1::Unit unit;
  ASSERT_TRUE(
      Call(units_.get(), &v1::UnitService::Stub::PutUnit, admin_, put, &unit).ok());
  put.mutable_unit()->set_code("P2");
  put.mutable_unit()->set_parent("P1");
  EXPECT_EQ(Call(units_.get(), &v1::UnitService::Stub::PutUnit, admin_, put, &unit)
                .error_message(),
            "unit.parent: P1 would make P2 its own parent");
  put.mutable_unit()->set_parent("P2");
  EXPECT_EQ(Call(units_.get(), &v1::UnitService::Stub::PutUnit, admin_, put, &unit)
                .error_message(),
            "unit.parent: P2 would make P2 its own parent");
  put.mutable_unit()->set_parent("");
  put.mutable_unit()->set_block("bad\nblock");
  EXPECT_EQ(Call(units_.get(), &v1::UnitService::Stub::PutUnit, admin_, put, &unit)
                .error_message(),
            "unit.block: holds a control or direction character at byte 3");
  put.mutable_unit()->set_block("   ");
  EXPECT_EQ(Call(units_.get(), &v1::UnitService::Stub::PutUnit, admin_, put, &unit)
                .error_message(),
            "unit.block: blank (leave it empty for the kind's block)");
  put.mutable_unit()->clear_block();
  v1::CreateTokenRequest label;
  label.set_role(v1::ROLE_READER);
  label.set_label("a\u202eb");
  v1::CreateTokenResponse created_token;
  EXPECT_EQ(Call(tokens_.get(), &v1::TokenService::Stub::CreateToken, admin_, label,
                 &created_token)
                .error_message(),
            "label: holds a control or direction character at byte 1");
  put.mutable_unit()->set_name("   ");
  EXPECT_EQ(Call(units_.get(), &v1::UnitService::Stub::PutUnit, admin_, put, &unit)
                .error_message(),
            "unit.name: is required");

  // A reason of spaces is no reason, nor one of characters that show nothing
  // (Mongolian vowel separator, Hangul filler, soft hyphen, combining grapheme joiner).
  v1::ReopenAssessmentRequest reopen;
  reopen.set_name("rounds/r/assessments/MK");
  v1::Assessment a;
  for (const char* blank : {"   ", "\u180e\u3164", "\u00ad\u034f", "\u3164\u3164"}) {
    reopen.set_reason(blank);
    EXPECT_EQ(Call(rounds_.get(), &v1::RoundService::Stub::ReopenAssessment, appraiser_,
                   reopen, &a)
                  .error_message(),
              "reason: say why (reopening a unit needs a reason)")
        << blank;
  }

  // Lists without filters refuse one rather than ignore it; versions are not negative.
  v1::ListRequest list;
  list.set_filter("role=ward");
  v1::ListTokensResponse tokens;
  EXPECT_EQ(
      Call(tokens_.get(), &v1::TokenService::Stub::ListTokens, admin_, list, &tokens)
          .error_message(),
      "filter: this list takes no filter");
  v1::ListRoundsResponse rounds;
  EXPECT_EQ(
      Call(rounds_.get(), &v1::RoundService::Stub::ListRounds, appraiser_, list, &rounds)
          .error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  v1::GetCriteriaSetRequest get_set;
  get_set.set_name("criteriaSets/demo-ward-2023");
  get_set.set_version(-1);
  v1::CriteriaSet set;
  EXPECT_EQ(Call(criteria_.get(), &v1::CriteriaService::Stub::GetCriteriaSet, admin_,
                 get_set, &set)
                .error_message(),
            "version: 0 (the latest) or a version number");

  // A ward sees the rounds its unit is in, and only those.
  create.mutable_round()->set_self_assessment_deadline("");
  create.mutable_round()->clear_units();
  create.mutable_round()->add_units("LS");
  ASSERT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::CreateRound, appraiser_,
                   create, &round)
                  .ok());
  list.clear_filter();
  ASSERT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::ListRounds, wards_["HN"], list,
                   &rounds)
                  .ok());
  ASSERT_EQ(rounds.rounds_size(), 1);
  EXPECT_EQ(rounds.rounds(0).id(), "r");
  v1::GetByNameRequest get_round;
  get_round.set_name("rounds/r-2024");
  EXPECT_EQ(Call(rounds_.get(), &v1::RoundService::Stub::GetRound, wards_["HN"],
                 get_round, &round)
                .error_message(),
            "round r-2024 is not one of unit HN's rounds");

  // Evidence numbers are numbers as the list gives them.
  v1::GetByNameRequest get_file;
  v1::EvidenceFile file;
  for (const char* n : {" 1", "+1", "01"}) {
    get_file.set_name(absl::StrCat("rounds/r/assessments/HN/evidence/", n));
    EXPECT_EQ(Call(assessments_.get(), &v1::AssessmentService::Stub::GetEvidenceFile,
                   appraiser_, get_file, &file)
                  .error_code(),
              grpc::StatusCode::INVALID_ARGUMENT)
        << n;
  }
}

// A ward sees nothing of a round its unit is not in, not even once it is published; and
// what the server says of uploaded files is not a client's to type.
TEST_F(PolicyTest, AWardSeesOnlyItsRoundsAndCannotForgeFileDetails) {
  CreateDemoRound();
  v1::GetByNameRequest get_round;
  get_round.set_name("rounds/r");
  v1::Round r;
  ASSERT_TRUE(
      Call(rounds_.get(), &v1::RoundService::Stub::GetRound, appraiser_, get_round, &r)
          .ok());
  v1::CreateRoundRequest create;
  *create.mutable_round() = r;
  create.mutable_round()->set_id("r-ls");
  create.mutable_round()->clear_units();
  create.mutable_round()->add_units("LS");
  v1::Round created;
  ASSERT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::CreateRound, appraiser_,
                   create, &created)
                  .ok());
  for (int phase = v1::PHASE_SELF_ASSESSMENT; phase <= v1::PHASE_PUBLISHED; ++phase) {
    v1::AdvanceRoundRequest advance;
    advance.set_name("rounds/r-ls");
    advance.set_to_phase(static_cast<v1::RoundPhase>(phase));
    advance.set_etag(created.version());
    ASSERT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::AdvanceRound, appraiser_,
                     advance, &created)
                    .ok());
  }
  v1::GetRankingRequest ranking_request;
  ranking_request.set_name("rounds/r-ls");
  v1::Ranking ranking;
  EXPECT_EQ(Call(scores_.get(), &v1::ScoreService::Stub::GetRanking, wards_["HN"],
                 ranking_request, &ranking)
                .error_message(),
            "round r-ls is not one of unit HN's rounds");
  EXPECT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::GetRanking, wards_["LS"],
                   ranking_request, &ranking)
                  .ok());
  v1::ListAssessmentsRequest list;
  list.set_parent("rounds/r-ls");
  v1::ListAssessmentsResponse listed;
  EXPECT_EQ(Call(rounds_.get(), &v1::RoundService::Stub::ListAssessments, wards_["HN"],
                 list, &listed)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  v1::BatchUpdateEntriesRequest forged;
  forged.set_parent("rounds/r/assessments/HN");
  v1::EntryUpdate* u = forged.add_updates();
  u->mutable_entry()->set_criterion("I.1.1");
  v1::Evidence* e = u->mutable_entry()->add_evidence();
  e->set_file_name("qd.pdf");
  e->set_by_office(true);
  e->set_uploaded_by("tok_office");
  e->set_sha256(std::string(64, '0'));
  e->set_size_bytes(123456);
  ASSERT_TRUE(Update(wards_["HN"], forged).ok());
  const v1::Assessment hn = Assessment("HN");
  ASSERT_EQ(hn.entries_size(), 1);
  ASSERT_EQ(hn.entries(0).evidence_size(), 1);
  EXPECT_FALSE(hn.entries(0).evidence(0).by_office());
  EXPECT_EQ(hn.entries(0).evidence(0).uploaded_by(), "");
  EXPECT_EQ(hn.entries(0).evidence(0).sha256(), "");
  EXPECT_EQ(hn.entries(0).evidence(0).size_bytes(), 0);
  EXPECT_EQ(hn.state(), v1::STATE_DRAFT);  // the unit's own reference
}

// The authorization scheme is case-insensitive, as HTTP says.
TEST_F(PolicyTest, BearerIsReadInAnyCase) {
  for (const char* scheme : {"bearer ", "BEARER ", "Bearer "}) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat(scheme, reader_));
    v1::Token token;
    EXPECT_TRUE(
        tokens_->GetCallerToken(&context, v1::GetCallerTokenRequest(), &token).ok())
        << scheme;
    EXPECT_EQ(token.role(), v1::ROLE_READER);
  }
  grpc::ClientContext basic;
  basic.AddMetadata("authorization", absl::StrCat("Basic ", reader_));
  v1::Token token;
  EXPECT_EQ(
      tokens_->GetCallerToken(&basic, v1::GetCallerTokenRequest(), &token).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
}

// A deployment whose --admin-token-file token was revoked still starts.
TEST_F(PolicyTest, ARevokedAdminTokenFileIsReportedNotFatal) {
  const std::string secret(40, 'k');
  auto first =
      core_->access().ImportToken(secret, v1::ROLE_ADMIN, "--admin-token-file f");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, "");
  auto caller = core_->access().Authenticate(secret);
  ASSERT_TRUE(caller.ok());
  v1::GetByNameRequest revoke;
  revoke.set_name(absl::StrCat("tokens/", caller->token_id));
  ASSERT_TRUE(core_->access().RevokeToken(*caller, revoke).ok());
  auto again =
      core_->access().ImportToken(secret, v1::ROLE_ADMIN, "--admin-token-file f");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_THAT(*again, HasSubstr(absl::StrCat("--admin-token-file f: its token ",
                                             caller->token_id, " was revoked at ")));
  EXPECT_THAT(*again, HasSubstr("; not imported (give a new secret)"));
  EXPECT_EQ(core_->access().Authenticate(secret).status().code(),
            absl::StatusCode::kUnauthenticated);
}

// Checks of a write read only the entries it touches, so every row must allow both
// states of a derived pair (NOT_STARTED/DRAFT, SUBMITTED/APPRAISED) or neither; and
// each (verb, role) has at most one row per phase.
// The data rows of a ranking CSV as "unit rank" pairs ("HN 1; LS 2"), after the header.
std::string CsvUnits(const std::string& csv) {
  std::vector<std::string> rows;
  bool header = true;
  for (absl::string_view line : absl::StrSplit(csv, "\r\n", absl::SkipEmpty())) {
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string> cells = absl::StrSplit(line, ',');
    rows.push_back(absl::StrCat(cells[2], " ", cells[1]));
  }
  return absl::StrJoin(rows, "; ");
}

// ---- scope: one deployment, two provinces (README: "A province's part of a round") ----

// Round "r" with HY's HN, LS and MK and TB's TA and TL (CreateDemoRound(true)), and
// people of both provinces, a ward officer of HN and a national reader, each through a
// token made for their account.
class ScopeTest : public PolicyTest {
 protected:
  void SetUp() override {
    PolicyTest::SetUp();
    CreateDemoRound(/*two_provinces=*/true);
    hy_ = ScopedToken(v1::ROLE_APPRAISER, "parent/HY", "hy.appraiser", "Trần Thị Hoa");
    tb_ = ScopedToken(v1::ROLE_APPRAISER, "parent/TB", "tb.appraiser", "Lê Văn Bình");
    tb_reader_ = ScopedToken(v1::ROLE_READER, "parent/TB", "tb.reader", "Vũ Thị Thu");
    hn_ = ScopedToken(v1::ROLE_WARD, "units/HN", "hn.officer", "Phạm Thị Hà");
    national_ = ScopedToken(v1::ROLE_READER, "*", "mof.reader", "Đỗ Minh Quân");
  }

  // Every method that names one unit, called by `token` on `unit` of round r (or,
  // for GetEvidenceFile, on `file`, a file's name).
  struct UnitCall {
    std::string method;
    std::function<grpc::Status(const std::string& token, const std::string& unit)> call;
  };
  std::vector<UnitCall> UnitCalls() {
    auto name = [](const std::string& unit) {
      return absl::StrCat("rounds/r/assessments/", unit);
    };
    std::vector<UnitCall> calls;
    calls.push_back(
        {"GetAssessment", [=, this](const std::string& t, const std::string& u) {
           v1::GetByNameRequest r;
           r.set_name(name(u));
           v1::Assessment out;
           return Call(assessments_.get(), &v1::AssessmentService::Stub::GetAssessment, t,
                       r, &out);
         }});
    calls.push_back(
        {"BatchUpdateEntries", [=, this](const std::string& t, const std::string& u) {
           v1::BatchUpdateEntriesRequest r;
           r.set_parent(name(u));
           v1::EntryUpdate* e = r.add_updates();
           e->mutable_entry()->set_criterion("I.1.1");
           e->mutable_entry()->set_appraisal_comment("đủ hồ sơ");
           e->mutable_update_mask()->add_paths("appraisal_comment");
           v1::BatchUpdateEntriesResponse out;
           return Call(assessments_.get(),
                       &v1::AssessmentService::Stub::BatchUpdateEntries, t, r, &out);
         }});
    calls.push_back(
        {"UpdateDataSheet", [=, this](const std::string& t, const std::string& u) {
           v1::UpdateDataSheetRequest r;
           r.set_parent(name(u));
           v1::DataValueUpdate* v = r.add_updates();
           v->set_element("received");
           v->mutable_value()->set_count(1);
           v1::DataSheet out;
           return Call(assessments_.get(), &v1::AssessmentService::Stub::UpdateDataSheet,
                       t, r, &out);
         }});
    calls.push_back(
        {"UploadEvidence", [=, this](const std::string& t, const std::string& u) {
           v1::UploadEvidenceRequest r;
           r.set_parent(name(u));
           r.set_criterion("I.1.1");
           r.mutable_evidence()->set_file_name("bien-ban.pdf");
           r.set_content("biên bản");
           v1::Evidence out;
           return Call(assessments_.get(), &v1::AssessmentService::Stub::UploadEvidence,
                       t, r, &out);
         }});
    calls.push_back(
        {"RequestExplanation", [=, this](const std::string& t, const std::string& u) {
           v1::RequestExplanationRequest r;
           r.set_name(name(u));
           (*r.mutable_messages())["I.1.1"] = "giải trình";
           (*r.mutable_reasons())["I.1.1"] = v1::REASON_OTHER;
           v1::Assessment out;
           return Call(assessments_.get(),
                       &v1::AssessmentService::Stub::RequestExplanation, t, r, &out);
         }});
    calls.push_back(
        {"FinaliseAssessment", [=, this](const std::string& t, const std::string& u) {
           v1::AssessmentActionRequest r;
           r.set_name(name(u));
           v1::Assessment out;
           return Call(assessments_.get(),
                       &v1::AssessmentService::Stub::FinaliseAssessment, t, r, &out);
         }});
    calls.push_back(
        {"ReopenAssessment", [=, this](const std::string& t, const std::string& u) {
           v1::ReopenAssessmentRequest r;
           r.set_name(name(u));
           r.set_reason("nộp muộn vì mất điện");
           v1::Assessment out;
           return Call(rounds_.get(), &v1::RoundService::Stub::ReopenAssessment, t, r,
                       &out);
         }});
    calls.push_back(
        {"ImportSurvey", [=, this](const std::string& t, const std::string& u) {
           v1::ImportSurveyRequest r;
           r.set_parent("rounds/r");
           v1::SurveyRow* row = r.add_rows();
           row->set_unit(u);
           row->set_criterion("VIII.1");
           row->mutable_answers()->set_a(10);
           v1::ImportSurveyResponse out;
           return Call(assessments_.get(), &v1::AssessmentService::Stub::ImportSurvey, t,
                       r, &out);
         }});
    calls.push_back(
        {"GetUnitScore", [=, this](const std::string& t, const std::string& u) {
           v1::GetUnitScoreRequest r;
           r.set_name(name(u));
           v1::UnitScore out;
           return Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, t, r, &out);
         }});
    calls.push_back(
        {"PreviewScore", [=, this](const std::string& t, const std::string& u) {
           v1::PreviewScoreRequest r;
           r.set_parent(name(u));
           v1::UnitScore out;
           return Call(scores_.get(), &v1::ScoreService::Stub::PreviewScore, t, r, &out);
         }});
    calls.push_back(
        {"GetEvidenceFile", [=, this](const std::string& t, const std::string& u) {
           v1::GetByNameRequest r;
           r.set_name(absl::StrCat(name(u), "/evidence/", files_[u]));
           v1::EvidenceFile out;
           return Call(assessments_.get(), &v1::AssessmentService::Stub::GetEvidenceFile,
                       t, r, &out);
         }});
    calls.push_back(
        {"DeleteEvidence", [=, this](const std::string& t, const std::string& u) {
           v1::DeleteEvidenceRequest r;
           r.set_name(absl::StrCat(name(u), "/evidence/", files_[u]));
           v1::Evidence out;
           return Call(assessments_.get(), &v1::AssessmentService::Stub::DeleteEvidence,
                       t, r, &out);
         }});
    calls.push_back({"GetUnit", [=, this](const std::string& t, const std::string& u) {
                       v1::GetByNameRequest r;
                       r.set_name(absl::StrCat("units/", u));
                       v1::Unit out;
                       return Call(units_.get(), &v1::UnitService::Stub::GetUnit, t, r,
                                   &out);
                     }});
    return calls;
  }

  // Each unit's self-assessment and one file, as its ward gives them.
  void EnterEverything() {
    for (const char* u : {"HN", "LS", "MK", "TA", "TL"}) {
      ASSERT_TRUE(EnterSelf(u).ok()) << u;
      v1::Evidence file;
      ASSERT_TRUE(Upload(wards_[u], u, "I.1.1", "ke-hoach.pdf",
                         absl::StrCat(u, "'s plan"), "", &file)
                      .ok());
      files_[u] = absl::StrCat(file.id());
    }
  }

  std::vector<std::string> Names(const v1::Ranking& ranking) {
    std::vector<std::string> out;
    for (const v1::UnitScore& s : ranking.units())
      out.push_back(absl::StrCat(s.unit(), " ", s.rank()));
    return out;
  }

  grpc::Status GetRanking(const std::string& token, v1::Ranking* out) {
    v1::GetRankingRequest r;
    r.set_name("rounds/r");
    r.set_column(v1::SELF);
    return Call(scores_.get(), &v1::ScoreService::Stub::GetRanking, token, r, out);
  }

  std::string hy_, tb_, tb_reader_, hn_, national_;
  std::map<std::string, std::string> files_;  // unit -> its file's id
};

// An appraiser of province HY on TB's units, in every phase: every method that names a
// unit is refused with PERMISSION_DENIED naming the unit and the scope, never data;
// TB's own appraiser making the same call is never refused for the scope (what it
// gets depends on the phase only), so the refusal is the scope's.
TEST_F(ScopeTest, AProvincesAppraiserGetsNothingOfAnotherProvincesUnits) {
  EnterEverything();
  const std::vector<UnitCall> calls = UnitCalls();
  for (v1::RoundPhase phase :
       {v1::PHASE_SELF_ASSESSMENT, v1::PHASE_APPRAISAL, v1::PHASE_EXPLANATION,
        v1::PHASE_FINAL_APPRAISAL, v1::PHASE_FINALISED, v1::PHASE_PUBLISHED}) {
    if (phase != v1::PHASE_SELF_ASSESSMENT) Advance(phase);
    for (const UnitCall& c : calls) {
      for (const char* other : {"TA", "TL"}) {
        const int audit = AuditCount();
        grpc::Status s = c.call(hy_, other);
        EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << c.method << " " << other << " in " << PhaseName(phase);
        EXPECT_EQ(
            s.error_message(),
            absl::StrCat(c.method == "ImportSurvey" ? "rows[0].unit: " : "", "unit ",
                         other, " is outside this account's scope parent/HY"))
            << c.method << " in " << PhaseName(phase);
        EXPECT_EQ(AuditCount(), audit) << c.method;
        s = c.call(tb_, other);
        EXPECT_THAT(s.error_message(), Not(HasSubstr("scope"))) << c.method;
      }
    }
  }
  // A file of TA asked for under HY's own unit: not found, never TA's bytes.
  v1::GetByNameRequest r;
  r.set_name(absl::StrCat("rounds/r/assessments/HN/evidence/", files_["TA"]));
  v1::EvidenceFile file;
  grpc::Status s = Call(assessments_.get(), &v1::AssessmentService::Stub::GetEvidenceFile,
                        hy_, r, &file);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(file.content(), "");
  // A unit not in the round is NOT_FOUND for whoever may see it.
  v1::GetByNameRequest get;
  get.set_name("rounds/r/assessments/XX");
  v1::Assessment a;
  EXPECT_EQ(Call(assessments_.get(), &v1::AssessmentService::Stub::GetAssessment,
                 appraiser_, get, &a)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// A ward officer of HN on its neighbour LS: every read and write of LS's form refused;
// LS's score only once the round is published.
// A unit of the province's own that the round does not have is not in the round, as
// the national office is told (it was refused as outside the scope, which sent the
// clerk looking for a scope problem); another province's, in the round or not, is
// outside the scope, whatever the round has.
TEST_F(ScopeTest, AProvincesOwnUnitNotInTheRoundIsNotFound) {
  for (const auto& [code, parent] :
       std::vector<std::pair<std::string, std::string>>{{"HX", "HY"}, {"TX", "TB"}}) {
    v1::PutUnitRequest put;
    put.mutable_unit()->set_code(code);
    put.mutable_unit()->set_name(absl::StrCat("Xã ", code));
    put.mutable_unit()->set_kind(v1::COMMUNE);
    put.mutable_unit()->set_parent(parent);
    v1::Unit unit;
    ASSERT_TRUE(
        Call(units_.get(), &v1::UnitService::Stub::PutUnit, admin_, put, &unit).ok());
  }
  auto score = [&](const std::string& token, const std::string& unit) {
    v1::GetUnitScoreRequest r;
    r.set_name(absl::StrCat("rounds/r/assessments/", unit));
    v1::UnitScore out;
    return Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, token, r, &out);
  };
  auto form = [&](const std::string& token, const std::string& unit) {
    v1::GetByNameRequest r;
    r.set_name(absl::StrCat("rounds/r/assessments/", unit));
    v1::Assessment out;
    return Call(assessments_.get(), &v1::AssessmentService::Stub::GetAssessment, token, r,
                &out);
  };
  for (const auto& call :
       {std::function<grpc::Status(const std::string&, const std::string&)>(score),
        std::function<grpc::Status(const std::string&, const std::string&)>(form)}) {
    grpc::Status s = call(hy_, "HX");
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(s.error_message(),
              "rounds/r/assessments/HX: the unit is not in this round");
    EXPECT_EQ(call(appraiser_, "HX").error_message(), s.error_message());
    for (const char* other : {"TX", "TA"}) {
      s = call(hy_, other);
      EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << other;
      EXPECT_EQ(s.error_message(), absl::StrCat("unit ", other,
                                                " is outside this account's scope "
                                                "parent/HY"));
    }
    // A code nobody registered: outside the scope, as before.
    EXPECT_EQ(call(hy_, "ZZ").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
}

TEST_F(ScopeTest, AWardOfficerGetsNothingOfItsNeighbourBeforePublication) {
  EnterEverything();
  std::map<std::string, std::string> refused;
  for (const UnitCall& c : UnitCalls()) {
    if (c.method == "GetUnit") continue;  // the register is public (README)
    grpc::Status s = c.call(hn_, "LS");
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << c.method;
    refused[c.method] = s.error_message();
  }
  EXPECT_EQ(refused["BatchUpdateEntries"], "this token acts for unit HN, not LS");
  EXPECT_EQ(refused["UploadEvidence"], "this token acts for unit HN, not LS");
  EXPECT_EQ(refused["DeleteEvidence"], "this token acts for unit HN, not LS");
  EXPECT_EQ(refused["UpdateDataSheet"], "this token acts for unit HN, not LS");
  EXPECT_EQ(refused["PreviewScore"], "this token acts for unit HN, not LS");
  EXPECT_EQ(refused["GetUnitScore"],
            "this token acts for unit HN, not LS: another unit's data is visible only "
            "once the round is published");
  EXPECT_EQ(refused["GetAssessment"], "this token acts for unit HN, not LS");
  v1::AssessmentActionRequest submit;
  submit.set_name("rounds/r/assessments/LS");
  v1::Assessment out;
  grpc::Status s =
      Call(assessments_.get(), &v1::AssessmentService::Stub::SubmitAssessment, hn_,
           submit, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(), "this token acts for unit HN, not LS");
  v1::Ranking ranking;
  s = GetRanking(hn_, &ranking);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(
      s.error_message(),
      "round r is not published: its results are visible to the Home Affairs office "
      "only");
  // Its own score, but no rank before publication: a rank tells how the others stand.
  // In the self column: nothing here is submitted nor appraised, so the appraised
  // column ranks no one, even once published (HasAppraisal).
  auto own = [&](v1::UnitScore* score) {
    v1::GetUnitScoreRequest request;
    request.set_name("rounds/r/assessments/HN");
    request.set_column(v1::SELF);
    return Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, hn_, request,
                score);
  };
  v1::UnitScore score;
  ASSERT_TRUE(own(&score).ok());
  EXPECT_EQ(score.rank(), 0);
  EXPECT_GT(score.achieved_milli(), 0);
  v1::GetUnitHistoryRequest history_request;
  history_request.set_unit("units/HN");
  v1::UnitHistory history;
  ASSERT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::GetUnitHistory, hn_,
                   history_request, &history)
                  .ok());
  ASSERT_EQ(history.rows_size(), 1);
  EXPECT_EQ(history.rows(0).rank(), 0);
  EXPECT_EQ(history.rows(0).block_size(), 0);
  for (v1::RoundPhase p :
       {v1::PHASE_APPRAISAL, v1::PHASE_EXPLANATION, v1::PHASE_FINAL_APPRAISAL,
        v1::PHASE_FINALISED, v1::PHASE_PUBLISHED}) {
    Advance(p);
  }
  ASSERT_TRUE(own(&score).ok());
  EXPECT_EQ(score.rank(), 1);  // HN 1 in the national ranking (README)
  EXPECT_TRUE(UnitCalls()[8].call(hn_, "LS").ok());  // GetUnitScore, once published
  EXPECT_EQ(UnitCalls()[0].call(hn_, "LS").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);  // never the form
  ASSERT_TRUE(GetRanking(hn_, &ranking).ok());
  EXPECT_EQ(ranking.units_size(), 5);
  EXPECT_EQ(ranking.scope(), "");
}

// A national reader: nothing before publication, every unit of both provinces after,
// ranked in the round; never a form.
TEST_F(ScopeTest, ANationalReaderSeesEveryUnitOnlyOncePublished) {
  EnterEverything();
  v1::Ranking ranking;
  grpc::Status s = GetRanking(national_, &ranking);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(),
            "round r is not published: readers see published rounds only");
  v1::GetByNameRequest round;
  round.set_name("rounds/r");
  v1::RoundSummary summary;
  EXPECT_EQ(Call(scores_.get(), &v1::ScoreService::Stub::SummariseRound, national_, round,
                 &summary)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ExportRoundRequest csv;
  csv.set_name("rounds/r");
  csv.set_format(v1::ExportRoundRequest::CSV);
  csv.set_table("ranking");
  csv.set_column(v1::SELF);
  v1::ExportRoundResponse file;
  EXPECT_EQ(
      Call(reports_.get(), &v1::ReportService::Stub::ExportRound, national_, csv, &file)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(UnitCalls()[8].call(national_, "TA").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  for (v1::RoundPhase p :
       {v1::PHASE_APPRAISAL, v1::PHASE_EXPLANATION, v1::PHASE_FINAL_APPRAISAL,
        v1::PHASE_FINALISED, v1::PHASE_PUBLISHED}) {
    Advance(p);
  }
  ASSERT_TRUE(GetRanking(national_, &ranking).ok());
  EXPECT_EQ(ranking.scope(), "");
  EXPECT_THAT(Names(ranking),
              ::testing::ElementsAre("HN 1", "TA 1", "MK 3", "TL 3", "LS 5"));
  ASSERT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::SummariseRound, national_,
                   round, &summary)
                  .ok());
  EXPECT_EQ(summary.scope(), "");
  ASSERT_TRUE(
      Call(reports_.get(), &v1::ReportService::Stub::ExportRound, national_, csv, &file)
          .ok());
  EXPECT_EQ(CsvUnits(file.content()), "HN 1; TA 1; MK 3; TL 3; LS 5");
  EXPECT_TRUE(UnitCalls()[8].call(national_, "TA").ok());
  EXPECT_EQ(UnitCalls()[0].call(national_, "TA").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// A province's part of a round: its appraiser (and reader, once published) sees its own
// units in every list and result, ranked among themselves; the national office sees
// them all, ranked in the round.
TEST_F(ScopeTest, EveryListAndResultIsFilteredToTheScope) {
  EnterEverything();
  auto ranking_of = [&](const std::string& token) {
    v1::Ranking ranking;
    grpc::Status s = GetRanking(token, &ranking);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return ranking;
  };
  // Demo indices: HN and TA (HN's figures) 93.42, MK and TL (MK's) 83.67, LS 61.26.
  const v1::Ranking all = ranking_of(appraiser_);
  EXPECT_EQ(all.scope(), "");
  EXPECT_THAT(Names(all), ::testing::ElementsAre("HN 1", "TA 1", "MK 3", "TL 3", "LS 5"));
  const v1::Ranking hy = ranking_of(hy_);
  EXPECT_EQ(hy.scope(), "parent/HY");
  EXPECT_THAT(Names(hy), ::testing::ElementsAre("HN 1", "MK 2", "LS 3"));
  const v1::Ranking tb = ranking_of(tb_);
  EXPECT_EQ(tb.scope(), "parent/TB");
  EXPECT_THAT(Names(tb), ::testing::ElementsAre("TA 1", "TL 2"));
  // One unit's score gives the rank the caller's ranking gives.
  v1::GetUnitScoreRequest one;
  one.set_name("rounds/r/assessments/TL");
  one.set_column(v1::SELF);
  v1::UnitScore score;
  ASSERT_TRUE(
      Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, tb_, one, &score).ok());
  EXPECT_EQ(score.rank(), 2);
  ASSERT_TRUE(
      Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, appraiser_, one, &score)
          .ok());
  EXPECT_EQ(score.rank(), 3);
  // The summary counts the scope's units only. It is of the appraised column, and the
  // office has appraised nothing yet: every unit is counted as not appraised and none
  // is averaged (the averages are checked once the round is finalised, below).
  v1::GetByNameRequest round;
  round.set_name("rounds/r");
  v1::RoundSummary summary;
  auto summarise = [&](const std::string& token) {
    const grpc::Status s = Call(scores_.get(), &v1::ScoreService::Stub::SummariseRound,
                                token, round, &summary);
    EXPECT_TRUE(s.ok()) << s.error_message();
  };
  summarise(tb_);
  EXPECT_EQ(summary.scope(), "parent/TB");
  EXPECT_EQ(summary.not_appraised_units(), 2);
  EXPECT_EQ(summary.appraised_units(), 0);
  EXPECT_EQ(summary.average_index_hundredths(), 0);
  summarise(appraiser_);
  EXPECT_EQ(summary.scope(), "");
  EXPECT_EQ(summary.not_appraised_units(), 5);
  EXPECT_EQ(summary.average_index_hundredths(), 0);
  // The export: the scope's rows, its ranks, a header saying among whom.
  v1::ExportRoundRequest csv;
  csv.set_name("rounds/r");
  csv.set_format(v1::ExportRoundRequest::CSV);
  csv.set_table("ranking");
  csv.set_column(v1::SELF);
  v1::ExportRoundResponse file;
  ASSERT_TRUE(
      Call(reports_.get(), &v1::ReportService::Stub::ExportRound, hy_, csv, &file).ok());
  EXPECT_EQ(CsvUnits(file.content()), "HN 1; MK 2; LS 3");
  EXPECT_THAT(file.content(), HasSubstr("Khối,Hạng trong các đơn vị thuộc HY,Mã đơn vị"));
  csv.set_table("datasheet");
  ASSERT_TRUE(
      Call(reports_.get(), &v1::ReportService::Stub::ExportRound, tb_, csv, &file).ok());
  EXPECT_THAT(file.content(), Not(HasSubstr("\r\nHN,")));
  EXPECT_THAT(file.content(), HasSubstr("\r\nTA,"));
  csv.set_table("audit");
  ASSERT_TRUE(
      Call(reports_.get(), &v1::ReportService::Stub::ExportRound, tb_, csv, &file).ok());
  for (absl::string_view line :
       absl::StrSplit(file.content(), "\r\n", absl::SkipEmpty())) {
    if (absl::StrContains(line, "Thời gian")) continue;
    EXPECT_TRUE(absl::StrContains(line, "rounds/r/assessments/TA/") ||
                absl::StrContains(line, "rounds/r/assessments/TL/"))
        << line;
  }

  // Lists: rounds, assessments, units, audit events.
  v1::ListRoundsResponse rounds;
  ASSERT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::ListRounds, tb_,
                   v1::ListRequest(), &rounds)
                  .ok());
  ASSERT_EQ(rounds.rounds_size(), 1);
  EXPECT_EQ(rounds.rounds(0).id(), "r");
  auto assessments_of = [&](const std::string& token) {
    v1::ListAssessmentsRequest list;
    list.set_parent("rounds/r");
    v1::ListAssessmentsResponse listed;
    EXPECT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::ListAssessments, token, list,
                     &listed)
                    .ok());
    std::vector<std::string> units;
    for (const v1::Assessment& a : listed.assessments()) units.push_back(a.unit());
    return units;
  };
  EXPECT_THAT(assessments_of(hy_), ::testing::ElementsAre("HN", "LS", "MK"));
  EXPECT_THAT(assessments_of(tb_), ::testing::ElementsAre("TA", "TL"));
  EXPECT_THAT(assessments_of(appraiser_),
              ::testing::ElementsAre("HN", "LS", "MK", "TA", "TL"));
  auto units_of = [&](const std::string& token) {
    v1::ListUnitsResponse listed;
    EXPECT_TRUE(Call(units_.get(), &v1::UnitService::Stub::ListUnits, token,
                     v1::ListRequest(), &listed)
                    .ok());
    std::vector<std::string> units;
    for (const v1::Unit& u : listed.units()) units.push_back(u.code());
    return units;
  };
  EXPECT_THAT(units_of(hy_), ::testing::ElementsAre("HN", "LS", "MK"));
  EXPECT_THAT(units_of(tb_), ::testing::ElementsAre("TA", "TL"));
  EXPECT_THAT(units_of(hn_), ::testing::ElementsAre("HN", "LS", "MK", "TA", "TL"));
  auto audited_units = [&](const std::string& token) {
    v1::ListAuditEventsResponse events;
    EXPECT_TRUE(Call(audit_.get(), &v1::AuditService::Stub::ListAuditEvents, token,
                     v1::ListRequest(), &events)
                    .ok());
    std::set<std::string> units;
    for (const v1::AuditEvent& e : events.events()) {
      std::vector<std::string> parts = absl::StrSplit(e.resource(), '/');
      units.insert(parts[0] == "units" ? parts[1]
                   : parts.size() > 3  ? parts[3]
                                       : e.resource());
    }
    return std::vector<std::string>(units.begin(), units.end());
  };
  EXPECT_THAT(audited_units(hy_), ::testing::ElementsAre("HN", "LS", "MK"));
  EXPECT_THAT(audited_units(tb_), ::testing::ElementsAre("TA", "TL"));

  // TB's reader: nothing before publication; TB's units, ranked among themselves, after.
  v1::Ranking ranking;
  EXPECT_EQ(GetRanking(tb_reader_, &ranking).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Every unit submits, and each province's office appraises its own (a comment keeps
  // the unit's figures): finalised, the appraised column is the office's word.
  for (const char* u : {"HN", "LS", "MK", "TA", "TL"}) {
    ASSERT_TRUE(Submit(u).ok()) << u;
  }
  Advance(v1::PHASE_APPRAISAL);
  for (const char* u : {"HN", "LS", "MK", "TA", "TL"}) {
    v1::BatchUpdateEntriesRequest appraise;
    appraise.set_parent(absl::StrCat("rounds/r/assessments/", u));
    v1::EntryUpdate* e = appraise.add_updates();
    e->mutable_entry()->set_criterion("I.1.1");
    e->mutable_entry()->set_appraisal_comment("đủ hồ sơ");
    e->mutable_update_mask()->add_paths("appraisal_comment");
    const v1::Assessment form = Assessment(u);
    for (const v1::Entry& entry : form.entries()) {
      if (entry.criterion() == "I.1.1") e->set_etag(entry.version());
    }
    const bool thai_binh = u[0] == 'T';
    // Another province's office may not appraise it.
    EXPECT_EQ(Update(thai_binh ? hy_ : tb_, appraise).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << u;
    grpc::Status s = Update(thai_binh ? tb_ : hy_, appraise);
    ASSERT_TRUE(s.ok()) << u << ": " << s.error_message();
  }
  for (v1::RoundPhase p : {v1::PHASE_EXPLANATION, v1::PHASE_FINAL_APPRAISAL,
                           v1::PHASE_FINALISED, v1::PHASE_PUBLISHED}) {
    Advance(p);
  }
  const v1::Ranking published = ranking_of(tb_reader_);
  EXPECT_EQ(published.scope(), "parent/TB");
  EXPECT_THAT(Names(published), ::testing::ElementsAre("TA 1", "TL 2"));
  // Finalised and appraised, every unit is the office's word (here its own figures): the
  // summary averages the scope's units only.
  summarise(tb_);
  EXPECT_EQ(summary.scope(), "parent/TB");
  EXPECT_EQ(summary.appraised_units(), 2);
  EXPECT_EQ(summary.not_appraised_units(), 0);
  EXPECT_EQ(summary.average_index_hundredths(), 8855);  // (93.42 + 83.67) / 2
  summarise(tb_reader_);
  EXPECT_EQ(summary.average_index_hundredths(), 8855);
  summarise(appraiser_);
  EXPECT_EQ(summary.scope(), "");
  EXPECT_EQ(summary.appraised_units(), 5);
  EXPECT_EQ(summary.average_index_hundredths(), 8309);  // 415.44 / 5
}

// The audit trail names people: an account's full name (and a token made for it), a
// system token's label; the API keeps UTC, the export shows Vietnam time.
TEST_F(ScopeTest, TheAuditTrailNamesPeopleAndSystems) {
  v1::CreateTokenRequest labelled;
  labelled.set_role(v1::ROLE_WARD);
  labelled.set_unit("HN");
  labelled.set_label("Cổng dịch vụ công Hưng Yên");
  auto portal =
      core_->access().CreateToken(Caller{v1::ROLE_ADMIN, "bootstrap", ""}, labelled);
  ASSERT_TRUE(portal.ok());
  wards_["HN"] = portal->secret();
  ASSERT_TRUE(EnterSelf("HN").ok());
  ASSERT_TRUE(EnterSelf("TA").ok());  // TA's ward token: no label
  Advance(v1::PHASE_APPRAISAL);
  v1::BatchUpdateEntriesRequest appraise;
  appraise.set_parent("rounds/r/assessments/TA");
  v1::EntryUpdate* e = appraise.add_updates();
  e->mutable_entry()->set_criterion("I.1.1");
  e->mutable_entry()->set_appraisal_comment("đủ hồ sơ");
  e->mutable_update_mask()->add_paths("appraisal_comment");
  const v1::Assessment ta = Assessment("TA");
  for (const v1::Entry& entry : ta.entries()) {
    if (entry.criterion() == "I.1.1") e->set_etag(entry.version());
  }
  grpc::Status s = Update(tb_, appraise);
  ASSERT_TRUE(s.ok()) << s.error_message();

  v1::ListRequest list;
  list.set_page_size(1000);
  v1::ListAuditEventsResponse events;
  ASSERT_TRUE(
      Call(audit_.get(), &v1::AuditService::Stub::ListAuditEvents, admin_, list, &events)
          .ok());
  std::map<std::string, std::set<std::string>> who;  // unit -> actor_display
  for (const v1::AuditEvent& ev : events.events()) {
    if (!absl::StartsWith(ev.resource(), "rounds/r/assessments/")) continue;
    EXPECT_THAT(ev.at(), ::testing::MatchesRegex("2023-11-20T02:00:00(\\.000)?Z"));
    const std::vector<std::string> parts = absl::StrSplit(ev.resource(), '/');
    who[parts[3]].insert(ev.actor_display());
    if (ev.actor().rfind("tok_", 0) == 0 && ev.actor_display() != "Lê Văn Bình" &&
        ev.actor_display() != "Cổng dịch vụ công Hưng Yên") {
      EXPECT_EQ(ev.actor_display(), ev.actor());  // a token without a label: its id
    }
  }
  EXPECT_THAT(who["HN"], ::testing::ElementsAre("Cổng dịch vụ công Hưng Yên"));
  ASSERT_EQ(who["TA"].size(), 2u);
  EXPECT_EQ(who["TA"].count("Lê Văn Bình"), 1u);

  v1::ExportRoundRequest csv;
  csv.set_name("rounds/r");
  csv.set_format(v1::ExportRoundRequest::CSV);
  csv.set_table("audit");
  v1::ExportRoundResponse file;
  ASSERT_TRUE(
      Call(reports_.get(), &v1::ReportService::Stub::ExportRound, appraiser_, csv, &file)
          .ok());
  EXPECT_THAT(file.content(), HasSubstr("Thời gian (giờ Việt Nam),Người thực hiện,"));
  EXPECT_THAT(file.content(),
              HasSubstr("\r\n20/11/2023 09:00:00,Lê Văn Bình,Thẩm định,,"));
  EXPECT_THAT(file.content(),
              HasSubstr("\r\n20/11/2023 09:00:00,Cổng dịch vụ công Hưng Yên,Đơn vị,HN,"));
}

TEST(WorkflowTable, RowsAllowDerivedPairsAlikeAndNeverOverlap) {
  const std::vector<std::pair<v1::AssessmentState, v1::AssessmentState>> pairs = {
      {v1::STATE_NOT_STARTED, v1::STATE_DRAFT},
      {v1::STATE_SUBMITTED, v1::STATE_APPRAISED}};
  const auto& table = WorkflowTable();
  EXPECT_EQ(table.size(), 20u);  // with importing dossier records, removing files and
                                 // marking explanations read
  for (const WorkflowRule& rule : table) {
    auto has = [&](v1::AssessmentState s) {
      return std::find(rule.states.begin(), rule.states.end(), s) != rule.states.end();
    };
    for (const auto& [a, b] : pairs) EXPECT_EQ(has(a), has(b)) << rule.action;
    for (const WorkflowRule& other : table) {
      if (&other == &rule || other.verb != rule.verb || other.role != rule.role) continue;
      for (v1::RoundPhase p : rule.phases) {
        EXPECT_EQ(std::count(other.phases.begin(), other.phases.end(), p), 0)
            << rule.action << " and " << other.action << " overlap in " << PhaseName(p);
      }
    }
  }
}

}  // namespace
}  // namespace parindex::server
