// The gRPC service over an in-process channel, a real SQLite file and a clock the test
// moves: the authorisation table walked in full, the whole workflow with real tokens,
// and the documented error paths.
#include "server/service.h"

#include <algorithm>
#include <fstream>
#include <mutex>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/unary_bytes.h"
#include "criteria/yaml_reader.h"
#include "engine/ranking.h"
#include "engine/scorer.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "parindex/v1/service.grpc.pb.h"
#include "server/auth.h"
#include "server/core.h"
#include "server/request_check.h"
#include "tests/service_fixture.h"
#include "tests/store_test_util.h"
#include "tests/xlsx_facts.h"

namespace parindex::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

// Every method of the table, called by every role, with no token and a bad one.
TEST_F(ServiceTest, TheAuthorisationTableIsEnforcedForEveryMethodAndRole) {
  const std::map<v1::Role, std::string> tokens = TokenPerRole();
  grpc::GenericStub generic(channel_);
  auto call = [&](const std::string& method, const std::string& token) {
    grpc::ClientContext context;
    if (!token.empty())
      context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    std::string response;
    return UnaryCallBytes(generic, &context, method, "", &response);
  };
  int checked = 0;
  for (const auto& [method, allowed] : MethodRoles()) {
    EXPECT_EQ(call(method, "").error_code(), grpc::StatusCode::UNAUTHENTICATED) << method;
    EXPECT_EQ(call(method, "pi_not-a-token").error_code(),
              grpc::StatusCode::UNAUTHENTICATED)
        << method;
    for (const auto& [role, token] : tokens) {
      const grpc::Status status = call(method, token);
      const std::string denial =
          absl::StrCat(Article(RoleName(role)), " token may not call ", method);
      if (allowed.count(role)) {
        EXPECT_NE(status.error_message(), denial) << method;
        EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << method;
      } else {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << method << " " << RoleName(role);
        EXPECT_EQ(status.error_message(), denial);
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 4 * 56);  // 56 methods × 4 roles (SignIn, public, is not in it)
}

// Bytes that are not a request, and a request over a limit, sent to every method: no
// token or a bad one is UNAUTHENTICATED and a role the table refuses is
// PERMISSION_DENIED, as before; an allowed caller hears INVALID_ARGUMENT naming the
// request type (the sync methods on their streamed-unary form, the callback ones
// alike) or the field.
TEST_F(ServiceTest, MalformedAndOversizedRequestsAreRefusedAfterTheTokenAndRoles) {
  const std::map<v1::Role, std::string> tokens = TokenPerRole();
  grpc::GenericStub generic(channel_);
  auto call = [&](const std::string& method, const std::string& token,
                  const std::string& bytes) {
    grpc::ClientContext context;
    if (!token.empty())
      context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    std::string response;
    return UnaryCallBytes(generic, &context, method, bytes, &response);
  };
  // Not protobuf: field 1 says 5 bytes follow, 2 do.
  const std::string truncated = std::string("\x0a\x05", 2) + "ab";
  int refused = 0;
  for (const auto& [method, allowed] : MethodRoles()) {
    const std::string full = absl::StrCat(method.substr(1, method.rfind('/') - 1), ".",
                                          method.substr(method.rfind('/') + 1));
    const google::protobuf::MethodDescriptor* m =
        google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(full);
    ASSERT_NE(m, nullptr) << method;
    EXPECT_EQ(call(method, "", truncated).error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << method;
    // The request's first string field with a limit under 10 KiB, 10 KiB long.
    const google::protobuf::FieldDescriptor* text = nullptr;
    for (int i = 0; i < m->input_type()->field_count() && text == nullptr; ++i) {
      const google::protobuf::FieldDescriptor* f = m->input_type()->field(i);
      if (f->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
          LimitsOf(f).max_bytes < 10240)
        text = f;
    }
    std::string oversized;
    if (text != nullptr) {
      oversized = absl::StrCat(std::string(1, static_cast<char>(text->number() << 3 | 2)),
                               std::string("\x80\x50", 2), std::string(10240, 'x'));
    }
    for (const auto& [role, token] : tokens) {
      const grpc::Status status = call(method, token, truncated);
      if (!allowed.count(role)) {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << method;
        continue;
      }
      EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << method;
      EXPECT_EQ(status.error_message(),
                absl::StrCat("request: not a valid ", m->input_type()->full_name(),
                             " (malformed protobuf or invalid UTF-8 in a string)"));
      ++refused;
      if (text == nullptr) continue;
      const grpc::Status over = call(method, token, oversized);
      EXPECT_EQ(over.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << method;
      EXPECT_EQ(over.error_message(),
                absl::StrCat(text->name(), ": 10240 bytes, more than the ",
                             LimitsOf(text).max_bytes, " allowed"));
    }
  }
  EXPECT_GT(refused, 36);
}

TEST_F(ServiceTest, AWardSeesAndChangesOnlyItsOwnUnit) {
  CreateDemoRound();
  v1::GetByNameRequest get;
  get.set_name("rounds/r/assessments/LS");
  v1::Assessment a;
  grpc::Status status =
      Call(assessments_.get(), &v1::AssessmentService::Stub::GetAssessment, wards_["HN"],
           get, &a);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(), "this token acts for unit HN, not LS");
  v1::BatchUpdateEntriesRequest other = SelfEntries("LS");
  EXPECT_EQ(Update(wards_["HN"], other).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Assessment("LS").entries_size(), 0);
  v1::GetUnitScoreRequest score_request;
  score_request.set_name("rounds/r/assessments/LS");
  v1::UnitScore score;
  EXPECT_EQ(
      Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, wards_["HN"],
           score_request, &score)
          .error_message(),
      "this token acts for unit HN, not LS: another unit's data is visible only once the "
      "round is published");
  EXPECT_EQ(Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, reader_,
                 score_request, &score)
                .error_message(),
            "round r is not published: readers see published rounds only");
}

TEST_F(ServiceTest, TheWholeRoundEndToEnd) {
  CreateDemoRound();
  // Wards fill in and submit.
  for (const char* unit : {"HN", "LS", "MK"}) {
    ASSERT_TRUE(UpdateSheet(wards_[unit], SelfSheet(unit)).ok()) << unit;
    v1::BatchUpdateEntriesResponse response;
    grpc::Status status = Update(wards_[unit], SelfEntries(unit), &response);
    ASSERT_TRUE(status.ok()) << unit << ": " << status.error_message();
    EXPECT_EQ(response.entries(0).version(), 1);
    EXPECT_EQ(Assessment(unit).state(), v1::STATE_DRAFT);
    v1::Assessment submitted;
    ASSERT_TRUE(Submit(unit, &submitted).ok()) << unit;
    EXPECT_EQ(submitted.state(), v1::STATE_SUBMITTED);
  }
  // Appraisal: the survey, one appraised score, one explanation request.
  Advance(v1::PHASE_APPRAISAL);
  v1::ImportSurveyRequest survey;
  survey.set_parent("rounds/r");
  survey.set_csv(
      "unit,criterion,a,b,c,d\nHN,VIII.1,120,40,10,2\nHN,VIII.2,100,60,20,4\n"
      "LS,VIII.1,80,70,30,10\nLS,VIII.2,70,80,30,10\nMK,VIII.1,nope,1,1,1\n");
  v1::ImportSurveyResponse imported;
  EXPECT_EQ(Call(assessments_.get(), &v1::AssessmentService::Stub::ImportSurvey,
                 appraiser_, survey, &imported)
                .error_message(),
            "csv line 6: a: 'nope' is not a whole number");
  const v1::Assessment before_import = Assessment("HN");
  for (const v1::Entry& e : before_import.entries()) {
    EXPECT_NE(e.criterion(), "VIII.1") << "a refused import stored a row";
  }
  survey.set_csv(
      "unit,criterion,a,b,c,d\nHN,VIII.1,120,40,10,2\nHN,VIII.2,100,60,20,4\n"
      "LS,VIII.1,80,70,30,10\nLS,VIII.2,70,80,30,10\n");
  ASSERT_TRUE(Call(assessments_.get(), &v1::AssessmentService::Stub::ImportSurvey,
                   appraiser_, survey, &imported)
                  .ok());
  EXPECT_EQ(imported.imported(), 4);
  v1::BatchUpdateEntriesRequest appraise;
  appraise.set_parent("rounds/r/assessments/HN");
  v1::EntryUpdate* u = appraise.add_updates();
  u->mutable_entry()->set_criterion("I.5");
  u->mutable_entry()->mutable_appraised()->set_score_milli(1500);
  u->mutable_entry()->set_appraisal_comment(
      "Sáng kiến chưa được cấp có thẩm quyền công nhận");
  u->set_etag(1);
  ASSERT_TRUE(Update(appraiser_, appraise).ok());
  EXPECT_EQ(Assessment("HN").state(), v1::STATE_APPRAISED);
  // LS and MK as they stand: an appraisal comment alone is the office's word (without
  // it they would stay unranked once published: HasAppraisal).
  for (const char* unit : {"LS", "MK"}) {
    v1::BatchUpdateEntriesRequest as_is;
    as_is.set_parent(absl::StrCat("rounds/r/assessments/", unit));
    v1::EntryUpdate* c = as_is.add_updates();
    c->mutable_entry()->set_criterion("II.1");
    c->mutable_entry()->set_appraisal_comment("Đã đối chiếu, giữ nguyên");
    c->mutable_update_mask()->add_paths("appraisal_comment");
    const v1::Assessment read = Assessment(unit);
    for (const v1::Entry& entry : read.entries()) {
      if (entry.criterion() == "II.1") c->set_etag(entry.version());
    }
    const grpc::Status commented = Update(appraiser_, as_is);
    ASSERT_TRUE(commented.ok()) << unit << ": " << commented.error_message();
  }
  v1::RequestExplanationRequest explain_request;
  explain_request.set_name("rounds/r/assessments/LS");
  explain_request.set_etag(Assessment("LS").version());
  (*explain_request.mutable_messages())["III.1"] = "Giải trình tỷ lệ đúng hạn 95,00%";
  (*explain_request.mutable_reasons())["III.1"] = v1::REASON_FIGURES_MISMATCH;
  v1::Assessment ls;
  ASSERT_TRUE(Call(assessments_.get(), &v1::AssessmentService::Stub::RequestExplanation,
                   appraiser_, explain_request, &ls)
                  .ok());
  EXPECT_EQ(ls.state(), v1::STATE_EXPLANATION_REQUESTED);

  // Explanation.
  Advance(v1::PHASE_EXPLANATION);
  v1::BatchUpdateEntriesRequest explanation;
  explanation.set_parent("rounds/r/assessments/LS");
  v1::EntryUpdate* e = explanation.add_updates();
  e->mutable_entry()->set_criterion("III.1");
  e->mutable_entry()->set_explanation("Hệ thống tính cả hồ sơ rút; xin xem xét");
  e->set_etag(1);  // the appraiser's figures went to the data sheet, not the entry
  ASSERT_TRUE(Update(wards_["LS"], explanation).ok());
  v1::BatchUpdateEntriesRequest not_requested = explanation;
  not_requested.mutable_updates(0)->mutable_entry()->set_criterion("III.2");
  not_requested.mutable_updates(0)->set_etag(1);
  EXPECT_EQ(Update(wards_["LS"], not_requested).error_message(),
            "updates[0]: round r is in phase EXPLANATION and the assessment of LS is "
            "EXPLANATION_REQUESTED: no explanation was requested for III.2");
  v1::AssessmentActionRequest done;
  done.set_name("rounds/r/assessments/LS");
  done.set_etag(Assessment("LS").version());
  ASSERT_TRUE(Call(assessments_.get(), &v1::AssessmentService::Stub::SubmitExplanation,
                   wards_["LS"], done, &ls)
                  .ok());
  EXPECT_EQ(ls.state(), v1::STATE_EXPLAINED);

  // Final appraisal, finalisation, publication.
  Advance(v1::PHASE_FINAL_APPRAISAL);
  v1::AssessmentActionRequest finalise;
  finalise.set_name("rounds/r/assessments/HN");
  finalise.set_etag(Assessment("HN").version());
  v1::Assessment hn;
  ASSERT_TRUE(Call(assessments_.get(), &v1::AssessmentService::Stub::FinaliseAssessment,
                   appraiser_, finalise, &hn)
                  .ok());
  EXPECT_EQ(hn.state(), v1::STATE_FINAL);
  Advance(v1::PHASE_FINALISED);
  EXPECT_EQ(Assessment("MK").state(), v1::STATE_FINAL);
  appraise.mutable_updates(0)->set_etag(2);
  EXPECT_THAT(Update(appraiser_, appraise).error_message(),
              HasSubstr("scores are locked"));
  // A correction is allowed, with a reason, and kept in the audit trail as such.
  appraise.set_correction(true);
  EXPECT_EQ(Update(appraiser_, appraise).error_message(),
            "reason: a correction after finalisation needs a reason");
  appraise.set_reason("Quyết định công nhận sáng kiến bổ sung ngày 20/12");
  appraise.mutable_updates(0)->mutable_entry()->mutable_appraised()->set_score_milli(
      2000);
  ASSERT_TRUE(Update(appraiser_, appraise).ok());
  appraise.mutable_updates(0)->mutable_entry()->mutable_appraised()->set_score_milli(
      1500);
  appraise.mutable_updates(0)->set_etag(3);
  ASSERT_TRUE(Update(appraiser_, appraise)
                  .ok());  // and back: the numbers below stay the golden's
  v1::ListRequest corrections;
  corrections.set_filter("resource=rounds/r/assessments/HN/entries/I.5");
  v1::ListAuditEventsResponse history;
  ASSERT_TRUE(Call(audit_.get(), &v1::AuditService::Stub::ListAuditEvents, appraiser_,
                   corrections, &history)
                  .ok());
  ASSERT_EQ(history.events_size(), 4);  // entered, appraised, corrected, corrected back
  EXPECT_EQ(history.events(1).action(), "entry.update");
  EXPECT_EQ(history.events(2).action(), "entry.correct");
  EXPECT_EQ(history.events(2).reason(),
            "Quyết định công nhận sáng kiến bổ sung ngày 20/12");
  EXPECT_THAT(history.events(2).before(), HasSubstr("\"score_milli\":\"1500\""));
  EXPECT_THAT(history.events(2).after(), HasSubstr("\"score_milli\":\"2000\""));
  Advance(v1::PHASE_PUBLISHED);

  // A reader sees the published ranking; it equals the engine's on the same inputs.
  v1::GetRankingRequest ranking_request;
  ranking_request.set_name("rounds/r");
  v1::Ranking ranking;
  ASSERT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::GetRanking, reader_,
                   ranking_request, &ranking)
                  .ok());
  auto set = criteria::LoadCriteriaSet(std::string(PARINDEX_SOURCE_DIR) +
                                       "/criteria/demo/set.yaml");
  auto plan =
      criteria::LoadPlan(std::string(PARINDEX_SOURCE_DIR) + "/criteria/demo/plan.yaml");
  std::vector<v1::UnitScore> expected;
  for (const criteria::UnitFigures& unit : figures_.units) {
    expected.push_back(*engine::ScoreUnit(**set, plan->get(), unit.unit, unit.assessment,
                                          v1::APPRAISED));
  }
  engine::RankUnitScores(&expected);
  ASSERT_EQ(ranking.units_size(), 3);
  for (const v1::UnitScore& got : ranking.units()) {
    for (const v1::UnitScore& want : expected) {
      if (want.unit() != got.unit()) continue;
      EXPECT_EQ(got.achieved_milli(), want.achieved_milli()) << got.unit();
      EXPECT_EQ(got.index_hundredths(), want.index_hundredths()) << got.unit();
      EXPECT_EQ(got.classification(), want.classification()) << got.unit();
      EXPECT_EQ(got.rank(), want.rank()) << got.unit();
    }
  }
  EXPECT_EQ(ranking.units(0).unit(), "HN");
  EXPECT_EQ(ranking.units(0).achieved_milli(),
            89397);  // the golden's 89.897 less 0.5 appraised
  v1::GetUnitScoreRequest score_request;
  score_request.set_name("rounds/r/assessments/LS");
  v1::UnitScore ls_score;
  ASSERT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, reader_,
                   score_request, &ls_score)
                  .ok());
  EXPECT_EQ(ls_score.rank(), 3);
  EXPECT_EQ(ls_score.criteria_size(), 31);  // 30 criteria and the group I.1

  // The published results as CSV and XLSX, for a reader: same numbers as the API.
  v1::ExportRoundRequest csv;
  csv.set_name("rounds/r");
  csv.set_format(v1::ExportRoundRequest::CSV);
  csv.set_table("ranking");
  v1::ExportRoundResponse file;
  ASSERT_TRUE(
      Call(reports_.get(), &v1::ReportService::Stub::ExportRound, reader_, csv, &file)
          .ok());
  EXPECT_EQ(file.file_name(), "r-ranking.csv");
  const std::string bom = "\xEF\xBB\xBF";
  EXPECT_EQ(
      file.content().substr(0,
                            file.content().find("\r\n", file.content().find("\r\n") + 2)),
      bom +
          "Khối,Hạng,Mã đơn vị,Tên đơn vị,Chỉ số,Xếp loại,Điểm đạt,Điểm tối đa áp dụng,"
          "Điểm khảo sát,\"Điểm thưởng, trừ\"\r\n"
          "Khối phường,1,HN,Phường Hiến Nam,90.30,A,89.40,99.00,16.10,0.50");
  // Each unit's data sheet, every element in the set's order, blank where not given.
  csv.set_table("datasheet");
  ASSERT_TRUE(
      Call(reports_.get(), &v1::ReportService::Stub::ExportRound, reader_, csv, &file)
          .ok());
  EXPECT_EQ(file.file_name(), "r-datasheet.csv");
  const std::vector<std::string> lines = absl::StrSplit(file.content(), "\r\n");
  // A reader sees the values; who gave them is for the office.
  EXPECT_EQ(lines[0], bom +
                          "Mã đơn vị,Tên đơn vị,Mã số liệu,Số liệu,Kỳ số liệu,Tự đánh "
                          "giá,Thẩm định");
  ASSERT_EQ(lines.size(), 3u * 36 + 2);  // 3 units x 36 elements, header, last CRLF
  EXPECT_EQ(lines[1],
            "HN,Phường Hiến Nam,unit_plan_date,Ngày ban hành Kế hoạch CCHC năm,Trong năm "
            "đánh giá,08/02/2023,");
  ASSERT_TRUE(
      Call(reports_.get(), &v1::ReportService::Stub::ExportRound, appraiser_, csv, &file)
          .ok());
  const std::vector<std::string> office = absl::StrSplit(file.content(), "\r\n");
  EXPECT_EQ(office[0], bom +
                           "Mã đơn vị,Tên đơn vị,Mã số liệu,Số liệu,Kỳ số liệu,Tự đánh "
                           "giá,Người nhập,Lúc nhập (giờ Việt Nam),Thẩm định,Người thẩm "
                           "định,Lúc thẩm định (giờ Việt Nam)");
  EXPECT_THAT(office[1], ::testing::StartsWith(
                             "HN,Phường Hiến Nam,unit_plan_date,Ngày ban hành Kế hoạch "
                             "CCHC năm,Trong năm đánh giá,08/02/2023,tok_"));
  // Times in Vietnam time: 02:00 UTC is 09:00 in Hà Nội.
  EXPECT_THAT(office[1], ::testing::EndsWith(",20/11/2023 09:00:00,,,"));
  csv.set_table("audit");
  const grpc::Status audit =
      Call(reports_.get(), &v1::ReportService::Stub::ExportRound, reader_, csv, &file);
  EXPECT_EQ(audit.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(audit.error_message(),
            "table: 'audit' is the office's (appraisers and admins); this account may "
            "export ranking, matrix, areas, years, criteria, datasheet");
  v1::ExportRoundRequest xlsx;
  xlsx.set_name("rounds/r");
  ASSERT_TRUE(
      Call(reports_.get(), &v1::ReportService::Stub::ExportRound, appraiser_, xlsx, &file)
          .ok());
  EXPECT_EQ(file.file_name(), "r.xlsx");
  const std::vector<std::string> facts = testing::XlsxFacts(file.content());
  ASSERT_FALSE(facts.empty());
  EXPECT_EQ(facts[0],
            "sheets: Xếp hạng Khối phường|Điểm theo lĩnh vực|Bình quân theo lĩnh vực|Qua "
            "các năm|Chi tiết tiêu chí|Bảng số liệu|Nhật ký thay đổi");
  EXPECT_THAT(testing::SheetFacts(facts, "Xếp hạng Khối phường"),
              ::testing::Contains(
                  "row1: Khối phường|1|HN|Phường Hiến Nam|90.30|A|89.40|99|16.10|0.50"));
  const std::vector<std::string> criteria =
      testing::SheetFacts(facts, "Chi tiết tiêu chí");
  EXPECT_EQ(
      std::count_if(criteria.begin(), criteria.end(),
                    [](const std::string& line) { return line.rfind("row", 0) == 0; }),
      90);
  EXPECT_THAT(criteria, ::testing::Contains(::testing::StartsWith(
                            "row1: HN|Phường Hiến Nam|I.1.1|Ban hành kế hoạch CCHC năm "
                            "đúng thời hạn|||hạn trước 10/02/2023|1|1|")));
}

// The appraised column is the office's word: a unit the office has appraised nothing
// of (no appraised value, entry or comment), or that never submitted, has no appraised
// index and no rank there, and comes after the ranked units of its block; finalising
// the round changes neither (it used to rank every unit as FINAL: a never-submitted
// draft was ranked on its own figures). The self column ranks everyone throughout.
TEST_F(ServiceTest, TheAppraisedColumnRanksOnlyUnitsTheOfficeAppraised) {
  CreateDemoRound();
  for (const char* unit : {"HN", "LS", "MK"}) {
    ASSERT_TRUE(UpdateSheet(wards_[unit], SelfSheet(unit)).ok()) << unit;
    ASSERT_TRUE(Update(wards_[unit], SelfEntries(unit)).ok()) << unit;
  }
  for (const char* unit : {"HN", "LS"}) {
    ASSERT_TRUE(Submit(unit).ok()) << unit;
  }
  Advance(v1::PHASE_APPRAISAL);
  // "unit rank index classification [not appraised]", in the ranking's order.
  auto ranking = [&](v1::Column column) {
    v1::GetRankingRequest r;
    r.set_name("rounds/r");
    r.set_column(column);
    v1::Ranking out;
    const grpc::Status s =
        Call(scores_.get(), &v1::ScoreService::Stub::GetRanking, appraiser_, r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> rows;
    for (const v1::UnitScore& u : out.units()) {
      rows.push_back(absl::StrCat(u.unit(), " ", u.rank(), " ", u.index_hundredths(), " ",
                                  u.classification(), u.not_appraised() ? " -" : ""));
    }
    return rows;
  };
  auto score = [&](const std::string& unit, v1::Column column) {
    v1::GetUnitScoreRequest r;
    r.set_name(absl::StrCat("rounds/r/assessments/", unit));
    r.set_column(column);
    v1::UnitScore out;
    EXPECT_TRUE(
        Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, appraiser_, r, &out)
            .ok());
    return out;
  };
  auto row = [&](const std::string& unit, v1::Column column, int rank) {
    const v1::UnitScore s = score(unit, column);
    return absl::StrCat(unit, " ", rank, " ", s.index_hundredths(), " ",
                        s.classification());
  };
  EXPECT_THAT(ranking(v1::APPRAISED), ElementsAre("HN 0 0  -", "LS 0 0  -", "MK 0 0  -"));
  EXPECT_EQ(score("HN", v1::APPRAISED).rank(), 0);
  const std::vector<std::string> self = ranking(v1::SELF);
  ASSERT_EQ(self.size(), 3u);
  for (const std::string& r : self) EXPECT_THAT(r, Not(HasSubstr(" 0 "))) << r;

  // One appraised score on HN: HN alone is ranked, with its appraised index.
  v1::BatchUpdateEntriesRequest appraise;
  appraise.set_parent("rounds/r/assessments/HN");
  v1::EntryUpdate* u = appraise.add_updates();
  u->mutable_entry()->set_criterion("I.5");
  u->mutable_entry()->mutable_appraised()->set_score_milli(1500);
  u->set_etag(1);
  ASSERT_TRUE(Update(appraiser_, appraise).ok());
  EXPECT_THAT(ranking(v1::APPRAISED),
              ElementsAre(row("HN", v1::APPRAISED, 1), "LS 0 0  -", "MK 0 0  -"));
  EXPECT_EQ(score("HN", v1::APPRAISED).rank(), 1);
  EXPECT_EQ(score("LS", v1::APPRAISED).rank(), 0);
  // An appraisal comment alone is an appraisal too.
  appraise.set_parent("rounds/r/assessments/LS");
  u->mutable_entry()->clear_appraised();
  u->mutable_entry()->set_appraisal_comment("Đã đối chiếu, giữ nguyên");
  ASSERT_TRUE(Update(appraiser_, appraise).ok());
  const int64_t hn = score("HN", v1::APPRAISED).index_hundredths();
  const int64_t ls = score("LS", v1::APPRAISED).index_hundredths();
  const std::vector<std::string> two = ranking(v1::APPRAISED);
  ASSERT_EQ(two.size(), 3u);
  EXPECT_THAT(std::vector<std::string>(two.begin(), two.begin() + 2),
              UnorderedElementsAre(row("HN", v1::APPRAISED, ls > hn ? 2 : 1),
                                   row("LS", v1::APPRAISED, hn > ls ? 2 : 1)));
  EXPECT_EQ(two[2], "MK 0 0  -");
  // MK never submitted: what the office writes on its draft does not rank it.
  appraise.set_parent("rounds/r/assessments/MK");
  u->set_etag(0);
  const v1::Assessment mk = Assessment("MK");
  for (const v1::Entry& e : mk.entries()) {
    if (e.criterion() == "I.5") u->set_etag(e.version());
  }
  const grpc::Status on_draft = Update(appraiser_, appraise);
  ASSERT_TRUE(on_draft.ok()) << on_draft.error_message();
  EXPECT_EQ(ranking(v1::APPRAISED).at(2), "MK 0 0  -");

  // Finalised: every unit is FINAL, but MK is still not appraised, and not ranked.
  for (v1::RoundPhase phase :
       {v1::PHASE_EXPLANATION, v1::PHASE_FINAL_APPRAISAL, v1::PHASE_FINALISED}) {
    Advance(phase);
  }
  EXPECT_EQ(Assessment("MK").state(), v1::STATE_FINAL);
  const std::vector<std::string> finalised = ranking(v1::APPRAISED);
  ASSERT_EQ(finalised.size(), 3u);
  EXPECT_THAT(std::vector<std::string>(finalised.begin(), finalised.begin() + 2),
              UnorderedElementsAre(row("HN", v1::APPRAISED, ls > hn ? 2 : 1),
                                   row("LS", v1::APPRAISED, hn > ls ? 2 : 1)));
  EXPECT_EQ(finalised[2], "MK 0 0  -");
  EXPECT_EQ(score("MK", v1::APPRAISED).rank(), 0);
}

// Finalising the round appraises nothing: a unit that submitted and that the office
// never appraised stays unranked in the appraised column once FINALISED and PUBLISHED.
TEST_F(ServiceTest, FinalisingTheRoundDoesNotRankUnitsTheOfficeNeverAppraised) {
  CreateDemoRound();
  for (const char* unit : {"HN", "LS"}) {
    ASSERT_TRUE(UpdateSheet(wards_[unit], SelfSheet(unit)).ok()) << unit;
    ASSERT_TRUE(Update(wards_[unit], SelfEntries(unit)).ok()) << unit;
    ASSERT_TRUE(Submit(unit).ok()) << unit;
  }
  Advance(v1::PHASE_APPRAISAL);
  v1::BatchUpdateEntriesRequest appraise;
  appraise.set_parent("rounds/r/assessments/HN");
  v1::EntryUpdate* u = appraise.add_updates();
  u->mutable_entry()->set_criterion("I.5");
  u->mutable_entry()->mutable_appraised()->set_score_milli(1500);
  u->set_etag(1);
  ASSERT_TRUE(Update(appraiser_, appraise).ok());
  for (v1::RoundPhase phase : {v1::PHASE_EXPLANATION, v1::PHASE_FINAL_APPRAISAL,
                               v1::PHASE_FINALISED, v1::PHASE_PUBLISHED}) {
    Advance(phase);
  }
  v1::GetRankingRequest r;
  r.set_name("rounds/r");
  r.set_column(v1::APPRAISED);
  v1::Ranking out;
  ASSERT_TRUE(
      Call(scores_.get(), &v1::ScoreService::Stub::GetRanking, appraiser_, r, &out).ok());
  std::vector<std::string> rows;
  for (const v1::UnitScore& s : out.units())
    rows.push_back(absl::StrCat(s.unit(), " ", s.rank(), s.not_appraised() ? " -" : ""));
  EXPECT_THAT(rows, ElementsAre("HN 1", "LS 0 -", "MK 0 -"));
}

// The same rule (HasAppraisal) on every other read of the appraised column:
// GetUnitScore and PreviewScore give not_appraised and no index or class until the
// office writes something of the unit (a preview holding the appraiser's typed comment
// counts); GetUnitHistory's row says so; SummariseRound averages the appraised units
// only and counts the others. Finalising makes every unit the office's word, and a
// score read before that is not served from the cache after it.
TEST_F(ServiceTest, EveryReadOfTheAppraisedColumnSaysNotAppraisedByOneRule) {
  CreateDemoRound();
  for (const char* unit : {"HN", "LS", "MK"}) ASSERT_TRUE(EnterSelf(unit).ok()) << unit;
  for (const char* unit : {"HN", "LS"}) {
    ASSERT_TRUE(Submit(unit).ok()) << unit;
  }
  Advance(v1::PHASE_APPRAISAL);
  auto score = [&](const std::string& unit, v1::Column column) {
    v1::GetUnitScoreRequest r;
    r.set_name(absl::StrCat("rounds/r/assessments/", unit));
    r.set_column(column);
    v1::UnitScore out;
    EXPECT_TRUE(
        Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, appraiser_, r, &out)
            .ok());
    return out;
  };
  auto summary = [&]() {
    v1::GetByNameRequest r;
    r.set_name("rounds/r");
    v1::RoundSummary out;
    EXPECT_TRUE(
        Call(scores_.get(), &v1::ScoreService::Stub::SummariseRound, appraiser_, r, &out)
            .ok());
    return out;
  };
  const v1::UnitScore ls_self = score("LS", v1::SELF);
  EXPECT_FALSE(ls_self.not_appraised());
  EXPECT_EQ(ls_self.index_hundredths(), 6126);
  EXPECT_EQ(ls_self.classification(), "D");
  for (const char* unit : {"LS", "MK"}) {
    const v1::UnitScore s = score(unit, v1::APPRAISED);
    EXPECT_TRUE(s.not_appraised()) << unit;
    EXPECT_EQ(s.index_hundredths(), 0) << unit;
    EXPECT_EQ(s.classification(), "") << unit;
    EXPECT_EQ(s.rank(), 0) << unit;
    // Its figures are its own: the same points as the self column.
    EXPECT_EQ(s.achieved_milli(), score(unit, v1::SELF).achieved_milli()) << unit;
  }

  // The appraisal view's preview: nothing typed, not appraised; a typed comment is.
  v1::PreviewScoreRequest preview;
  preview.set_parent("rounds/r/assessments/LS");
  preview.set_column(v1::APPRAISED);
  v1::UnitScore previewed;
  ASSERT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::PreviewScore, appraiser_,
                   preview, &previewed)
                  .ok());
  EXPECT_TRUE(previewed.not_appraised());
  EXPECT_EQ(previewed.index_hundredths(), 0);
  // As the page sends it: the appraised inputs (filled with the unit's own score, 1)
  // and the typed comment.
  v1::Entry* typed = preview.add_entries();
  typed->set_criterion("I.5");
  typed->mutable_appraised()->set_score_milli(1000);
  typed->set_appraisal_comment("Đã đối chiếu, giữ nguyên");
  ASSERT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::PreviewScore, appraiser_,
                   preview, &previewed)
                  .ok());
  EXPECT_FALSE(previewed.not_appraised());
  EXPECT_EQ(previewed.index_hundredths(), 6126);  // a comment keeps the unit's figures
  EXPECT_EQ(previewed.classification(), "D");
  EXPECT_TRUE(score("LS", v1::APPRAISED).not_appraised());  // a preview stores nothing

  // The unit's history in the appraised column.
  v1::GetUnitHistoryRequest history_request;
  history_request.set_unit("units/LS");
  v1::UnitHistory history;
  ASSERT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::GetUnitHistory, appraiser_,
                   history_request, &history)
                  .ok());
  ASSERT_EQ(history.rows_size(), 1);
  EXPECT_TRUE(history.rows(0).not_appraised());
  EXPECT_EQ(history.rows(0).index_hundredths(), 0);
  EXPECT_EQ(history.rows(0).classification(), "");
  EXPECT_EQ(history.rows(0).rank(), 0);
  EXPECT_EQ(history.rows(0).areas_size(), 0);
  history_request.set_column(v1::SELF);
  ASSERT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::GetUnitHistory, appraiser_,
                   history_request, &history)
                  .ok());
  ASSERT_EQ(history.rows_size(), 1);
  EXPECT_FALSE(history.rows(0).not_appraised());
  EXPECT_EQ(history.rows(0).index_hundredths(), 6126);

  // Nothing appraised: no averages, every unit counted as not appraised.
  v1::RoundSummary none = summary();
  EXPECT_EQ(none.appraised_units(), 0);
  EXPECT_EQ(none.not_appraised_units(), 3);
  EXPECT_EQ(none.average_index_hundredths(), 0);
  EXPECT_EQ(none.areas_size(), 0);
  EXPECT_EQ(none.criteria_size(), 0);

  // HN appraised (one score): the averages are HN's appraised figures alone.
  v1::BatchUpdateEntriesRequest appraise;
  appraise.set_parent("rounds/r/assessments/HN");
  v1::EntryUpdate* u = appraise.add_updates();
  u->mutable_entry()->set_criterion("I.5");
  u->mutable_entry()->mutable_appraised()->set_score_milli(1500);
  const v1::Assessment hn_form = Assessment("HN");
  for (const v1::Entry& e : hn_form.entries()) {
    if (e.criterion() == "I.5") u->set_etag(e.version());
  }
  ASSERT_TRUE(Update(appraiser_, appraise).ok());
  const v1::UnitScore hn = score("HN", v1::APPRAISED);
  ASSERT_FALSE(hn.not_appraised());
  const v1::RoundSummary one = summary();
  EXPECT_EQ(one.appraised_units(), 1);
  EXPECT_EQ(one.not_appraised_units(), 2);
  EXPECT_EQ(one.average_index_hundredths(), hn.index_hundredths());
  ASSERT_EQ(one.areas_size(), 9);
  EXPECT_EQ(one.areas(0).applicable_units(), 1);
  EXPECT_EQ(one.areas(0).average_points_milli(), hn.areas(0).points_milli());

  // Finalised: MK is FINAL, but the office never appraised it, and FINAL alone is not
  // an appraisal (HasAppraisal): it stays unranked, with only its own figures.
  for (v1::RoundPhase phase :
       {v1::PHASE_EXPLANATION, v1::PHASE_FINAL_APPRAISAL, v1::PHASE_FINALISED}) {
    Advance(phase);
  }
  const v1::UnitScore mk = score("MK", v1::APPRAISED);
  EXPECT_TRUE(mk.not_appraised());
  EXPECT_EQ(mk.index_hundredths(), 0);
  EXPECT_EQ(mk.classification(), "");
  EXPECT_EQ(mk.rank(), 0);
  EXPECT_EQ(score("MK", v1::SELF).index_hundredths(), 8367);
  EXPECT_EQ(score("MK", v1::SELF).classification(), "B");
  const v1::RoundSummary all = summary();
  EXPECT_EQ(all.appraised_units(), 1);
  EXPECT_EQ(all.not_appraised_units(), 2);
  EXPECT_EQ(all.areas(0).applicable_units(), 1);
  EXPECT_EQ(all.average_index_hundredths(), hn.index_hundredths());
}

TEST_F(ServiceTest, BadFiguresAreRefusedWithTheFieldAndNothingIsStored) {
  CreateDemoRound();
  v1::BatchUpdateEntriesRequest batch;
  batch.set_parent("rounds/r/assessments/HN");
  v1::EntryUpdate* ok = batch.add_updates();
  ok->mutable_entry()->set_criterion("II.1");
  ok->mutable_entry()->mutable_self()->set_done(true);
  v1::EntryUpdate* bad = batch.add_updates();
  bad->mutable_entry()->set_criterion("III.1");
  (*bad->mutable_entry()->mutable_self()->mutable_figures())["resolved_on_time"] = 431;
  (*bad->mutable_entry()->mutable_self()->mutable_figures())["resolved"] = 430;
  const int audit_before = AuditCount();
  grpc::Status status = Update(wards_["HN"], batch);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "updates[1].entry.self.figures.resolved_on_time: rule "
            "on_time_within_resolved: Số hồ sơ giải quyết đúng hạn không vượt quá số hồ "
            "sơ đã giải quyết: resolved_on_time (Số hồ sơ giải quyết đúng hạn (kể cả "
            "trước hạn)) = 431, not ≤ resolved (Số hồ sơ TTHC đã giải quyết) = 430");
  EXPECT_EQ(Assessment("HN").entries_size(), 0);
  EXPECT_EQ(AuditCount(), audit_before);

  bad->mutable_entry()->set_criterion("Z.9");
  EXPECT_EQ(Update(wards_["HN"], batch).error_message(),
            "updates[1].entry.criterion: 'Z.9' is not a criterion to fill in "
            "demo-ward-2023 v1");
  bad->mutable_entry()->set_criterion("VIII.1");
  EXPECT_EQ(Update(wards_["HN"], batch).error_message(),
            "updates[1].entry.criterion: VIII.1 is a survey criterion; its answers are "
            "imported by "
            "the Home Affairs office");
  bad->mutable_entry()->set_criterion("III.1");
  bad->mutable_update_mask()->add_paths("appraised");
  EXPECT_EQ(Update(wards_["HN"], batch).error_message(),
            "updates[1].update_mask: round r is in phase SELF_ASSESSMENT and the "
            "assessment of HN is NOT_STARTED: editing the self-assessment writes self, "
            "comment, evidence, not 'appraised'");
  EXPECT_EQ(AuditCount(), audit_before);
}

TEST_F(ServiceTest, StaleEtagsAndRetriedRequests) {
  CreateDemoRound();
  v1::BatchUpdateEntriesRequest batch;
  batch.set_parent("rounds/r/assessments/HN");
  batch.set_request_id("req-42");
  v1::EntryUpdate* u = batch.add_updates();
  u->mutable_entry()->set_criterion("II.1");
  u->mutable_entry()->mutable_self()->set_done(true);
  v1::BatchUpdateEntriesResponse first, again;
  ASSERT_TRUE(Update(wards_["HN"], batch, &first).ok());
  const int audit_after_first = AuditCount();
  ASSERT_TRUE(Update(wards_["HN"], batch, &again).ok())
      << "a retry with the same request id";
  EXPECT_EQ(AuditCount(), audit_after_first);
  EXPECT_EQ(Assessment("HN").entries(0).version(), 1);
  batch.set_request_id("req-43");
  grpc::Status stale = Update(wards_["HN"], batch);  // etag 0, but it is at version 1
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(stale.error_message(),
            "rounds/r/assessments/HN/entries/II.1: stale etag 0; it is at version 1 "
            "(read it again, then retry)");
  v1::AdvanceRoundRequest advance;
  advance.set_name("rounds/r");
  advance.set_to_phase(v1::PHASE_APPRAISAL);
  advance.set_etag(1);  // the round is at version 2 since it opened
  v1::Round round;
  EXPECT_EQ(Call(rounds_.get(), &v1::RoundService::Stub::AdvanceRound, appraiser_,
                 advance, &round)
                .error_code(),
            grpc::StatusCode::ABORTED);
  advance.set_to_phase(v1::PHASE_EXPLANATION);
  advance.set_etag(2);
  EXPECT_EQ(Call(rounds_.get(), &v1::RoundService::Stub::AdvanceRound, appraiser_,
                 advance, &round)
                .error_message(),
            "round r is in phase SELF_ASSESSMENT: it can only move to APPRAISAL");
}

TEST_F(ServiceTest, TheDeadlineClosesTheFormUnlessReopened) {
  CreateDemoRound();
  clock_.Set(absl::FromCivil(absl::CivilSecond(2023, 11, 27, 17, 0, 1), VietnamTime()));
  grpc::Status late = Update(wards_["MK"], SelfEntries("MK"));
  EXPECT_EQ(late.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(
      late.error_message(),
      "round r is in phase SELF_ASSESSMENT and the assessment of MK is NOT_STARTED: the "
      "self-assessment deadline 2023-11-27T17:00:00+07:00 has passed; ask the Home "
      "Affairs office to reopen the assessment");
  v1::ReopenAssessmentRequest reopen;
  reopen.set_name("rounds/r/assessments/MK");
  v1::Assessment mk;
  EXPECT_EQ(Call(rounds_.get(), &v1::RoundService::Stub::ReopenAssessment, appraiser_,
                 reopen, &mk)
                .error_message(),
            "reason: say why (reopening a unit needs a reason)");
  reopen.set_reason("Mất điện ngày 27/11");
  ASSERT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::ReopenAssessment, appraiser_,
                   reopen, &mk)
                  .ok());
  EXPECT_TRUE(mk.reopened());
  ASSERT_TRUE(EnterSelf("MK").ok());
  v1::ListRequest audit;
  audit.set_filter("resource=rounds/r/assessments/MK");
  v1::ListAuditEventsResponse events;
  ASSERT_TRUE(Call(audit_.get(), &v1::AuditService::Stub::ListAuditEvents, appraiser_,
                   audit, &events)
                  .ok());
  ASSERT_GE(events.events_size(), 2);
  EXPECT_EQ(events.events(0).action(), "assessment.state");
  EXPECT_EQ(events.events(0).reason(), "Mất điện ngày 27/11");
}

TEST_F(ServiceTest, EvidenceIsLimitedListedOnItsEntryAndFetched) {
  CreateDemoRound();
  v1::UploadEvidenceRequest upload;
  upload.set_parent("rounds/r/assessments/HN");
  upload.set_criterion("I.1.1");
  upload.mutable_evidence()->set_file_name("ke-hoach.pdf");
  upload.mutable_evidence()->set_document_type("Kế hoạch CCHC năm");
  upload.set_content(std::string(1001, 'x'));
  v1::Evidence evidence;
  grpc::Status status =
      Call(assessments_.get(), &v1::AssessmentService::Stub::UploadEvidence, wards_["HN"],
           upload, &evidence);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "evidence 'ke-hoach.pdf': 1001 bytes exceed the limit of 1000 bytes");
  upload.set_content("%PDF-1.4 …");
  ASSERT_TRUE(Call(assessments_.get(), &v1::AssessmentService::Stub::UploadEvidence,
                   wards_["HN"], upload, &evidence)
                  .ok());
  EXPECT_GT(evidence.id(), 0);
  EXPECT_EQ(evidence.size_bytes(), 12);

  // The form lists the file on its entry; an entry written back as read keeps it once.
  v1::Assessment read = Assessment("HN", wards_["HN"]);
  ASSERT_EQ(read.entries_size(), 1);
  ASSERT_EQ(read.entries(0).evidence_size(), 1);
  EXPECT_EQ(read.entries(0).evidence(0).sha256(), evidence.sha256());
  v1::BatchUpdateEntriesRequest back;
  back.set_parent("rounds/r/assessments/HN");
  v1::EntryUpdate* update = back.add_updates();
  *update->mutable_entry() = read.entries(0);
  update->mutable_entry()->set_comment("Kế hoạch số 12/KH-UBND");
  update->set_etag(read.entries(0).version());
  ASSERT_TRUE(Update(wards_["HN"], back).ok());
  read = Assessment("HN", wards_["HN"]);
  ASSERT_EQ(read.entries_size(), 1);
  EXPECT_EQ(read.entries(0).comment(), "Kế hoạch số 12/KH-UBND");
  ASSERT_EQ(read.entries(0).evidence_size(), 1);
  EXPECT_EQ(read.entries(0).evidence(0).id(), evidence.id());

  // The file itself: the unit's own and the office's, nobody else's.
  v1::GetByNameRequest get;
  get.set_name(absl::StrCat("rounds/r/assessments/HN/evidence/", evidence.id()));
  v1::EvidenceFile file;
  for (const std::string& token : {wards_["HN"], appraiser_}) {
    ASSERT_TRUE(Call(assessments_.get(), &v1::AssessmentService::Stub::GetEvidenceFile,
                     token, get, &file)
                    .ok());
    EXPECT_EQ(file.content(), "%PDF-1.4 …");
    EXPECT_EQ(file.evidence().file_name(), "ke-hoach.pdf");
  }
  grpc::Status denied =
      Call(assessments_.get(), &v1::AssessmentService::Stub::GetEvidenceFile,
           wards_["LS"], get, &file);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(denied.error_message(), "this token acts for unit LS, not HN");
  // Another unit's path with this file's number: not found, as an unknown number.
  get.set_name(absl::StrCat("rounds/r/assessments/LS/evidence/", evidence.id()));
  grpc::Status missing =
      Call(assessments_.get(), &v1::AssessmentService::Stub::GetEvidenceFile, appraiser_,
           get, &file);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(missing.error_message(), absl::StrCat(get.name(), ": not found"));
  get.set_name("rounds/r/assessments/HN/evidence/x");
  EXPECT_EQ(Call(assessments_.get(), &v1::AssessmentService::Stub::GetEvidenceFile,
                 appraiser_, get, &file)
                .error_message(),
            "name: expected rounds/{id}/assessments/{unit}/evidence/{n}, got "
            "'rounds/r/assessments/HN/evidence/x'");
}

TEST_F(ServiceTest, PreviewScoresWithoutStoring) {
  CreateDemoRound();
  v1::PreviewScoreRequest preview;
  preview.set_parent("rounds/r/assessments/LS");
  v1::Entry* e = preview.add_entries();
  e->set_criterion("III.1");
  (*e->mutable_self()->mutable_figures())["resolved_on_time"] = 381;
  (*e->mutable_self()->mutable_figures())["resolved"] = 400;
  v1::UnitScore score;
  ASSERT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::PreviewScore, wards_["LS"],
                   preview, &score)
                  .ok());
  for (const v1::CriterionScore& c : score.criteria()) {
    if (c.code() == "III.1") {
      EXPECT_EQ(
          c.trace().reason(),
          "on_time_rate 381/400 = 95.25% > 95% (plan target for ward) → 4.00 of 4.00");
    }
  }
  EXPECT_EQ(Assessment("LS").entries_size(), 0);
  // In Vietnamese, as GetUnitScore says it (the page's preview asks so).
  preview.set_language(v1::VIETNAMESE);
  ASSERT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::PreviewScore, wards_["LS"],
                   preview, &score)
                  .ok());
  for (const v1::CriterionScore& c : score.criteria()) {
    if (c.code() == "III.1") {
      EXPECT_EQ(c.trace().applied(), "> 95% (chỉ tiêu kế hoạch cho phường)");
      EXPECT_EQ(c.trace().reason(),
                "on_time_rate 381/400 = 95.25% > 95% (chỉ tiêu kế hoạch cho phường) → "
                "4.00/4.00 điểm");
    }
  }
  preview.clear_entries();
  ASSERT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::PreviewScore, wards_["LS"],
                   preview, &score)
                  .ok());
  v1::GetUnitScoreRequest get;
  get.set_name("rounds/r/assessments/LS");
  get.set_column(v1::SELF);
  get.set_language(v1::VIETNAMESE);
  v1::UnitScore stored;
  ASSERT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, wards_["LS"],
                   get, &stored)
                  .ok());
  ASSERT_EQ(score.criteria_size(), stored.criteria_size());
  for (int i = 0; i < score.criteria_size(); ++i) {
    EXPECT_EQ(score.criteria(i).trace().reason(), stored.criteria(i).trace().reason())
        << score.criteria(i).code();
  }
}

}  // namespace
}  // namespace parindex::server

namespace parindex::server {
namespace {

// The calls the workflow test does not make: their success paths and errors.
TEST_F(ServiceTest, EveryOtherCall) {
  CreateDemoRound();
  // Criteria sets: versions, get, list, errors.
  v1::CreateCriteriaSetRequest again;
  std::string v2_yaml = Read("criteria/demo/set.yaml");
  v2_yaml.replace(v2_yaml.find("\nversion: 1\n"), 12, "\nversion: 2\n");
  v2_yaml.replace(v2_yaml.find("(minh hoạ)"), 12, "(minh hoạ, bản 2)");
  again.set_yaml(v2_yaml);
  again.set_request_id("set-v2");
  v1::CriteriaSet v2, replay;
  ASSERT_TRUE(Call(criteria_.get(), &v1::CriteriaService::Stub::CreateCriteriaSet, admin_,
                   again, &v2)
                  .ok());
  ASSERT_TRUE(Call(criteria_.get(), &v1::CriteriaService::Stub::CreateCriteriaSet, admin_,
                   again, &replay)
                  .ok());
  EXPECT_EQ(v2.version(), 2);
  EXPECT_EQ(replay.version(), 2);
  v1::ListRequest versions;
  versions.set_filter("id=demo-ward-2023");
  v1::ListCriteriaSetsResponse sets;
  ASSERT_TRUE(Call(criteria_.get(), &v1::CriteriaService::Stub::ListCriteriaSets, reader_,
                   versions, &sets)
                  .ok());
  ASSERT_EQ(sets.criteria_sets_size(), 2);
  EXPECT_EQ(sets.criteria_sets(1).version(), 2);
  v1::GetCriteriaSetRequest get_set;
  get_set.set_name("criteriaSets/demo-ward-2023");
  get_set.set_version(1);
  v1::CriteriaSet got;
  ASSERT_TRUE(Call(criteria_.get(), &v1::CriteriaService::Stub::GetCriteriaSet,
                   wards_["HN"], get_set, &got)
                  .ok());
  EXPECT_EQ(got.version(), 1);
  get_set.set_name("criteria/demo");
  EXPECT_EQ(Call(criteria_.get(), &v1::CriteriaService::Stub::GetCriteriaSet, admin_,
                 get_set, &got)
                .error_message(),
            "name: expected criteriaSets/{id}, got 'criteria/demo'");
  v1::CreateCriteriaSetRequest broken;
  broken.set_yaml("id: x\ntitle: x\nlevel: commune\ntotal: 5\nareas: []\n");
  EXPECT_EQ(Call(criteria_.get(), &v1::CriteriaService::Stub::CreateCriteriaSet, admin_,
                 broken, &got)
                .error_message(),
            "yaml:4:8: criteria set: total 5 but the areas add up to 0");

  // Plans and units.
  v1::GetByNameRequest get_plan;
  get_plan.set_name("plans/demo-hungyen-2023");
  v1::Plan plan;
  ASSERT_TRUE(
      Call(plans_.get(), &v1::PlanService::Stub::GetPlan, reader_, get_plan, &plan).ok());
  EXPECT_EQ(plan.targets_size(), 9);
  v1::ListPlansResponse plans;
  ASSERT_TRUE(Call(plans_.get(), &v1::PlanService::Stub::ListPlans, reader_,
                   v1::ListRequest(), &plans)
                  .ok());
  EXPECT_EQ(plans.plans_size(), 1);
  v1::ListRequest wards_only;
  wards_only.set_filter("kind=ward");
  wards_only.set_page_size(2);
  v1::ListUnitsResponse units;
  ASSERT_TRUE(
      Call(units_.get(), &v1::UnitService::Stub::ListUnits, reader_, wards_only, &units)
          .ok());
  ASSERT_EQ(units.units_size(), 2);
  EXPECT_EQ(units.next_page_token(), "2");
  wards_only.set_page_token(units.next_page_token());
  ASSERT_TRUE(
      Call(units_.get(), &v1::UnitService::Stub::ListUnits, reader_, wards_only, &units)
          .ok());
  ASSERT_EQ(units.units_size(), 1);
  EXPECT_EQ(units.units(0).code(), "MK");
  EXPECT_EQ(units.next_page_token(), "");
  wards_only.set_page_token("99");
  EXPECT_EQ(
      Call(units_.get(), &v1::UnitService::Stub::ListUnits, reader_, wards_only, &units)
          .error_message(),
      "page_token: not a token from this list");
  // A filter that could match nothing by its shape is refused, not answered empty.
  for (const char* filter :
       {"kind=spaceship", "kind=ward OR kind=commune", "kind=", "kind=WARD", "parent="}) {
    v1::ListRequest odd;
    odd.set_filter(filter);
    EXPECT_EQ(Call(units_.get(), &v1::UnitService::Stub::ListUnits, reader_, odd, &units)
                  .error_message(),
              absl::StrCat("filter: '", filter,
                           "' is not one condition that can match: kind= one of ward, "
                           "commune, township, special_zone, city, town, district, "
                           "department, province; parent= or block= a code (no OR)"))
        << filter;
  }
  v1::GetByNameRequest get_unit;
  get_unit.set_name("units/LS");
  v1::Unit unit;
  ASSERT_TRUE(
      Call(units_.get(), &v1::UnitService::Stub::GetUnit, reader_, get_unit, &unit).ok());
  EXPECT_EQ(unit.name(), "Phường Lam Sơn");
  get_unit.set_name("units/XX");
  EXPECT_EQ(Call(units_.get(), &v1::UnitService::Stub::GetUnit, reader_, get_unit, &unit)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);

  // Rounds: update with a mask, deadlines in Vietnam time, listing, the status board.
  v1::GetByNameRequest get_round;
  get_round.set_name("rounds/r");
  v1::Round round;
  ASSERT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::GetRound, appraiser_,
                   get_round, &round)
                  .ok());
  EXPECT_EQ(round.self_assessment_deadline(), "2023-11-27T17:00:00+07:00");
  v1::UpdateRoundRequest update;
  update.mutable_round()->set_id("r");
  update.mutable_round()->set_self_assessment_deadline("2023-11-30T03:00:00Z");
  update.mutable_round()->set_title("ignored: not in the mask");
  update.mutable_update_mask()->add_paths("self_assessment_deadline");
  update.set_etag(round.version());
  ASSERT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::UpdateRound, appraiser_,
                   update, &round)
                  .ok());
  EXPECT_EQ(round.self_assessment_deadline(), "2023-11-30T10:00:00+07:00");
  EXPECT_EQ(round.title(), "");
  update.set_etag(round.version());
  update.mutable_update_mask()->add_paths("phase");
  EXPECT_EQ(
      Call(rounds_.get(), &v1::RoundService::Stub::UpdateRound, appraiser_, update,
           &round)
          .error_message(),
      "update_mask: 'phase' cannot be updated (title, issuer, self_assessment_deadline, "
      "explanation_deadline)");
  update.mutable_update_mask()->clear_paths();
  update.mutable_update_mask()->add_paths("explanation_deadline");
  update.mutable_round()->set_explanation_deadline("next week");
  EXPECT_EQ(Call(rounds_.get(), &v1::RoundService::Stub::UpdateRound, appraiser_, update,
                 &round)
                .error_message(),
            "round.explanation_deadline: 'next week' is not an RFC 3339 time (e.g. "
            "2023-12-05T17:00:00+07:00)");
  v1::ListRoundsResponse rounds;
  ASSERT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::ListRounds, appraiser_,
                   v1::ListRequest(), &rounds)
                  .ok());
  EXPECT_EQ(rounds.rounds_size(), 1);
  ASSERT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::ListRounds, reader_,
                   v1::ListRequest(), &rounds)
                  .ok());
  EXPECT_EQ(rounds.rounds_size(), 0);  // not published
  ASSERT_TRUE(EnterSelf("HN").ok());
  v1::ListAssessmentsRequest board;
  board.set_parent("rounds/r");
  v1::ListAssessmentsResponse states;
  ASSERT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::ListAssessments, appraiser_,
                   board, &states)
                  .ok());
  ASSERT_EQ(states.assessments_size(), 3);
  EXPECT_EQ(states.assessments(0).unit(), "HN");
  EXPECT_EQ(states.assessments(0).state(), v1::STATE_DRAFT);
  EXPECT_EQ(states.assessments(1).state(), v1::STATE_NOT_STARTED);
  EXPECT_EQ(states.assessments(0).entries_size(), 0);
  ASSERT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::ListAssessments, wards_["LS"],
                   board, &states)
                  .ok());
  ASSERT_EQ(states.assessments_size(), 1);  // a ward sees its own line only
  EXPECT_EQ(states.assessments(0).unit(), "LS");

  // Scores for the office before publication, and the round summary.
  v1::GetUnitScoreRequest score_request;
  score_request.set_name("rounds/r/assessments/HN");
  v1::UnitScore score;
  ASSERT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, appraiser_,
                   score_request, &score)
                  .ok());
  // Nothing is appraised yet: no rank in the appraised column, the self column's 1.
  EXPECT_EQ(score.rank(), 0);
  EXPECT_EQ(score.achieved_milli(), 73800);  // no survey yet: 89.897 - 16.097
  score_request.set_column(v1::SELF);
  ASSERT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, appraiser_,
                   score_request, &score)
                  .ok());
  EXPECT_EQ(score.rank(), 1);
  v1::GetByNameRequest summary_request;
  summary_request.set_name("rounds/r");
  v1::RoundSummary summary;
  ASSERT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::SummariseRound, appraiser_,
                   summary_request, &summary)
                  .ok());
  // The summary is of the appraised column, and nothing is appraised yet: the three
  // units are counted, none averaged (EveryReadOfTheAppraisedColumnSaysNotAppraised...).
  EXPECT_EQ(summary.not_appraised_units(), 3);
  EXPECT_EQ(summary.appraised_units(), 0);
  EXPECT_EQ(summary.areas_size(), 0);
  EXPECT_EQ(Call(scores_.get(), &v1::ScoreService::Stub::SummariseRound, reader_,
                 summary_request, &summary)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // Tokens: list and revoke; a revoked token stops working at once.
  v1::CreateTokenRequest create_token;
  create_token.set_role(v1::ROLE_READER);
  create_token.set_label("dashboard");
  v1::CreateTokenResponse created;
  ASSERT_TRUE(Call(tokens_.get(), &v1::TokenService::Stub::CreateToken, admin_,
                   create_token, &created)
                  .ok());
  EXPECT_EQ(created.secret().rfind("pi_", 0), 0u);
  v1::ListTokensResponse tokens;
  ASSERT_TRUE(Call(tokens_.get(), &v1::TokenService::Stub::ListTokens, admin_,
                   v1::ListRequest(), &tokens)
                  .ok());
  EXPECT_EQ(tokens.tokens_size(), 7);  // admin, appraiser, reader, three wards, dashboard
  v1::Token caller;
  ASSERT_TRUE(Call(tokens_.get(), &v1::TokenService::Stub::GetCallerToken,
                   created.secret(), v1::GetCallerTokenRequest(), &caller)
                  .ok());
  EXPECT_EQ(caller.id(), created.token().id());
  EXPECT_EQ(caller.role(), v1::ROLE_READER);
  EXPECT_EQ(caller.label(), "dashboard");
  ASSERT_TRUE(Call(tokens_.get(), &v1::TokenService::Stub::GetCallerToken, wards_["HN"],
                   v1::GetCallerTokenRequest(), &caller)
                  .ok());
  EXPECT_EQ(caller.role(), v1::ROLE_WARD);
  EXPECT_EQ(caller.unit(), "HN");
  v1::ListPlansResponse ignored;
  ASSERT_TRUE(Call(plans_.get(), &v1::PlanService::Stub::ListPlans, created.secret(),
                   v1::ListRequest(), &ignored)
                  .ok());
  v1::GetByNameRequest revoke;
  revoke.set_name(absl::StrCat("tokens/", created.token().id()));
  v1::Token revoked;
  ASSERT_TRUE(
      Call(tokens_.get(), &v1::TokenService::Stub::RevokeToken, admin_, revoke, &revoked)
          .ok());
  EXPECT_FALSE(revoked.revoked_at().empty());
  EXPECT_EQ(Call(plans_.get(), &v1::PlanService::Stub::ListPlans, created.secret(),
                 v1::ListRequest(), &ignored)
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  create_token.set_role(v1::ROLE_WARD);
  EXPECT_EQ(Call(tokens_.get(), &v1::TokenService::Stub::CreateToken, admin_,
                 create_token, &created)
                .error_message(),
            "unit: a ward token needs the unit it acts for");

  // Audit, filtered by actor.
  v1::ListRequest by_actor;
  by_actor.set_filter(absl::StrCat("actor=", revoked.id()));
  v1::ListAuditEventsResponse events;
  ASSERT_TRUE(Call(audit_.get(), &v1::AuditService::Stub::ListAuditEvents, admin_,
                   by_actor, &events)
                  .ok());
  EXPECT_EQ(events.events_size(), 0);
  by_actor.set_filter("who=me");
  EXPECT_EQ(Call(audit_.get(), &v1::AuditService::Stub::ListAuditEvents, admin_, by_actor,
                 &events)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace parindex::server

namespace parindex::server {
namespace {

// Found by an outside tester: a NUL in a refused element code cut the log line (the
// next record was glued on) and an escape sequence reached the terminal raw.
TEST(LogfmtQuote, EscapesEveryControlCharacter) {
  EXPECT_EQ(LogfmtQuote(std::string("a\0b", 3)), R"("a\x00b")");
  EXPECT_EQ(LogfmtQuote("\x1b[31mred"), R"("\x1b[31mred")");
  EXPECT_EQ(LogfmtQuote("say \"hi\"\\\n\r\t\x7f"), R"("say \"hi\"\\\n\r\t\x7f")");
  EXPECT_EQ(LogfmtQuote("Số hồ sơ"), "\"Số hồ sơ\"");
}

// A question of spaces (ASCII or not) asks nothing: refused naming the criterion's
// message, and nothing is stored.
TEST_F(ServiceTest, AnExplanationQuestionOfSpacesIsRefused) {
  CreateDemoRound();
  Advance(v1::PHASE_APPRAISAL);
  for (const char* blank : {"   ", "\t\n", "\xC2\xA0\xE3\x80\x80"}) {
    v1::RequestExplanationRequest ask;
    ask.set_name("rounds/r/assessments/LS");
    ask.set_etag(Assessment("LS").version());
    (*ask.mutable_messages())["I.5"] = blank;
    (*ask.mutable_reasons())["I.5"] = v1::REASON_OTHER;
    v1::Assessment asked;
    const int audit_before = AuditCount();
    const grpc::Status status =
        Call(assessments_.get(), &v1::AssessmentService::Stub::RequestExplanation,
             appraiser_, ask, &asked);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(), "messages[I.5]: say what to explain");
    EXPECT_EQ(AuditCount(), audit_before);
    EXPECT_EQ(Assessment("LS").state(), v1::STATE_NOT_STARTED);
  }
}

// While the round is in appraisal, the office may add criteria to a request already
// sent (the unit has not started answering: that is the explanation phase); the first
// question stays, the unit stays asked. Once the explanation phase starts, no more.
TEST_F(ServiceTest, TheOfficeAddsCriteriaToARequestWhileTheRoundIsInAppraisal) {
  CreateDemoRound();
  Advance(v1::PHASE_APPRAISAL);
  auto ask = [&](const std::string& code, const std::string& text) {
    v1::RequestExplanationRequest r;
    r.set_name("rounds/r/assessments/LS");
    r.set_etag(Assessment("LS").version());
    (*r.mutable_messages())[code] = text;
    (*r.mutable_reasons())[code] = v1::REASON_MISSING_EVIDENCE;
    v1::Assessment asked;
    return Call(assessments_.get(), &v1::AssessmentService::Stub::RequestExplanation,
                appraiser_, r, &asked);
  };
  ASSERT_TRUE(ask("I.5", "Thiếu quyết định công nhận").ok());
  const grpc::Status second = ask("II.1", "Thiếu kế hoạch tuyên truyền");
  ASSERT_TRUE(second.ok()) << second.error_message();
  const v1::Assessment ls = Assessment("LS");
  EXPECT_EQ(ls.state(), v1::STATE_EXPLANATION_REQUESTED);
  std::map<std::string, std::string> asked;
  for (const v1::Entry& e : ls.entries()) {
    if (!e.explanation_request().empty()) asked[e.criterion()] = e.explanation_request();
  }
  EXPECT_THAT(asked, ElementsAre(Pair("I.5", "Thiếu quyết định công nhận"),
                                 Pair("II.1", "Thiếu kế hoạch tuyên truyền")));
  Advance(v1::PHASE_EXPLANATION);
  const grpc::Status late = ask("III.1", "Số liệu không khớp");
  EXPECT_EQ(late.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

// Found by an outside tester (issue 16): a round could open its self-assessment with
// the deadline already past, so that every ward's first write was refused. Opening is
// refused naming the deadline; a round in DRAFT may hold any deadline (a 2023 round
// prepared now), and an open round's deadline may still be moved.
TEST_F(ServiceTest, ARoundOpensOnlyBeforeItsSelfAssessmentDeadline) {
  CreateDemoRound();  // the clock: 20/11/2023 09:00 in Vietnam
  v1::CreateRoundRequest create;
  v1::Round* draft = create.mutable_round();
  draft->set_id("late");
  draft->set_year(2023);
  draft->set_criteria_set("demo-ward-2023");
  draft->add_plans("demo-hungyen-2023");
  draft->add_units("HN");
  draft->set_self_assessment_deadline("2023-11-20T08:59:59+07:00");
  v1::Round round;
  grpc::Status status = Call(rounds_.get(), &v1::RoundService::Stub::CreateRound,
                             appraiser_, create, &round);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(round.phase(), v1::PHASE_DRAFT);
  v1::AdvanceRoundRequest open;
  open.set_name("rounds/late");
  open.set_to_phase(v1::PHASE_SELF_ASSESSMENT);
  open.set_etag(round.version());
  status = Call(rounds_.get(), &v1::RoundService::Stub::AdvanceRound, appraiser_, open,
                &round);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "round.self_assessment_deadline: 2023-11-20T08:59:59+07:00 has passed: the "
            "self-assessment cannot open with its deadline behind it (move the deadline "
            "with UpdateRound, then open the round)");
  v1::GetByNameRequest get;
  get.set_name("rounds/late");
  ASSERT_TRUE(
      Call(rounds_.get(), &v1::RoundService::Stub::GetRound, appraiser_, get, &round)
          .ok());
  EXPECT_EQ(round.phase(), v1::PHASE_DRAFT);
  EXPECT_EQ(round.version(), 1);
  // The deadline moved to this very second (deadlines are inclusive): it opens.
  v1::UpdateRoundRequest update;
  update.mutable_round()->set_id("late");
  update.mutable_round()->set_self_assessment_deadline("2023-11-20T09:00:00+07:00");
  update.mutable_update_mask()->add_paths("self_assessment_deadline");
  update.set_etag(round.version());
  status = Call(rounds_.get(), &v1::RoundService::Stub::UpdateRound, appraiser_, update,
                &round);
  ASSERT_TRUE(status.ok()) << status.error_message();
  open.set_etag(round.version());
  status = Call(rounds_.get(), &v1::RoundService::Stub::AdvanceRound, appraiser_, open,
                &round);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(round.phase(), v1::PHASE_SELF_ASSESSMENT);
  // Open, its deadline is extended.
  update.mutable_round()->set_self_assessment_deadline("2023-12-01T17:00:00+07:00");
  update.set_etag(round.version());
  status = Call(rounds_.get(), &v1::RoundService::Stub::UpdateRound, appraiser_, update,
                &round);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(round.self_assessment_deadline(), "2023-12-01T17:00:00+07:00");
}

}  // namespace
}  // namespace parindex::server
