// The service test fixture: the gRPC services over an in-process channel, a real SQLite
// file, a clock the test moves, a token per role and the demo round. Shared by the
// service's tests and the policy's tests.
#ifndef PARINDEX_TESTS_SERVICE_FIXTURE_H_
#define PARINDEX_TESTS_SERVICE_FIXTURE_H_

#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "criteria/yaml_reader.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "parindex/v1/service.grpc.pb.h"
#include "server/core.h"
#include "server/service.h"
#include "tests/store_test_util.h"

namespace parindex::server {

// Read by the store's writer thread while the test moves it: guarded (make test-tsan
// found the unguarded version).
class FakeClock final : public store::Clock {
 public:
  absl::Time Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Set(absl::Time t) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ = t;
  }

 private:
  mutable std::mutex mu_;
  absl::Time now_ =
      absl::FromCivil(absl::CivilSecond(2023, 11, 20, 9, 0, 0), VietnamTime());
};

inline std::string Read(const std::string& relative) {
  std::ifstream in(std::string(PARINDEX_SOURCE_DIR) + "/" + relative);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions options;
    options.path = dir_.File("service.db");
    options.max_evidence_bytes = 1000;
    options.clock = &clock_;
    store_ = *store::SqlStore::Open(options);
    core_ = std::make_unique<Core>(store_.get(), &clock_);
    services_ = MakeServices(core_.get(), {.log_rpcs = false});
    grpc::ServerBuilder builder;
    for (auto& service : services_) builder.RegisterService(service.get());
    server_ = builder.BuildAndStart();
    channel_ = server_->InProcessChannel(grpc::ChannelArguments());
    criteria_ = v1::CriteriaService::NewStub(channel_);
    plans_ = v1::PlanService::NewStub(channel_);
    units_ = v1::UnitService::NewStub(channel_);
    rounds_ = v1::RoundService::NewStub(channel_);
    assessments_ = v1::AssessmentService::NewStub(channel_);
    scores_ = v1::ScoreService::NewStub(channel_);
    audit_ = v1::AuditService::NewStub(channel_);
    tokens_ = v1::TokenService::NewStub(channel_);
    reports_ = v1::ReportService::NewStub(channel_);
    accounts_ = v1::AccountService::NewStub(channel_);
    admin_ = Token(v1::ROLE_ADMIN);
    appraiser_ = Token(v1::ROLE_APPRAISER);
    reader_ = Token(v1::ROLE_READER);
  }
  void TearDown() override { server_->Shutdown(); }

  std::string Token(v1::Role role, const std::string& unit = "") {
    v1::CreateTokenRequest request;
    request.set_role(role);
    request.set_unit(unit);
    auto token =
        core_->access().CreateToken(Caller{v1::ROLE_ADMIN, "bootstrap", ""}, request);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? token->secret() : "";
  }

  // Calls `method` on `stub` with `token`.
  template <typename Stub, typename Request, typename Response>
  grpc::Status Call(Stub* stub,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                 Response*),
                    const std::string& token, const Request& request,
                    Response* response) {
    grpc::ClientContext context;
    if (!token.empty())
      context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    return (stub->*method)(&context, request, response);
  }

  // The demo set, plan and its three wards, and round "r" open for self-assessment with
  // its deadline a week ahead. With `two_provinces`, round "r" also has two wards of
  // province TB, as one deployment serving two provinces has: TA (Phường Trần Lãm,
  // with HN's demo figures) and TL (Phường Tiền Phong, with MK's), beside HY's HN, LS
  // and MK.
  void CreateDemoRound(bool two_provinces = false) {
    v1::CriteriaSet set;
    v1::CreateCriteriaSetRequest create_set;
    create_set.set_yaml(Read("criteria/demo/set.yaml"));
    ASSERT_TRUE(Call(criteria_.get(), &v1::CriteriaService::Stub::CreateCriteriaSet,
                     admin_, create_set, &set)
                    .ok());
    v1::PutPlanRequest put_plan;
    put_plan.set_yaml(Read("criteria/demo/plan.yaml"));
    v1::Plan plan;
    ASSERT_TRUE(
        Call(plans_.get(), &v1::PlanService::Stub::PutPlan, admin_, put_plan, &plan)
            .ok());
    auto figures =
        criteria::ParseFigures(Read("criteria/demo/figures.yaml"), "figures.yaml");
    ASSERT_TRUE(figures.ok());
    figures_ = figures->proto;
    if (two_provinces) {
      const std::vector<std::vector<std::string>> copies = {
          {"HN", "TA", "Phường Trần Lãm"}, {"MK", "TL", "Phường Tiền Phong"}};
      for (const std::vector<std::string>& copy : copies) {
        for (const criteria::UnitFigures& u : figures->proto.units) {
          if (u.unit.code() != copy[0]) continue;
          criteria::UnitFigures other = u;
          other.unit.set_code(copy[1]);
          other.unit.set_name(copy[2]);
          other.unit.set_parent("TB");
          other.assessment.set_unit(copy[1]);
          figures_.units.push_back(std::move(other));
        }
      }
    }
    v1::CreateRoundRequest create;
    v1::Round* round = create.mutable_round();
    round->set_id("r");
    round->set_year(2023);
    round->set_criteria_set("demo-ward-2023");
    round->add_plans("demo-hungyen-2023");
    round->set_self_assessment_deadline("2023-11-27T17:00:00+07:00");
    round->set_explanation_deadline("2023-12-10T17:00:00+07:00");
    for (const criteria::UnitFigures& u : figures_.units) {
      v1::PutUnitRequest put;
      *put.mutable_unit() = u.unit;
      v1::Unit unit;
      ASSERT_TRUE(
          Call(units_.get(), &v1::UnitService::Stub::PutUnit, admin_, put, &unit).ok());
      round->add_units(u.unit.code());
      wards_[u.unit.code()] = Token(v1::ROLE_WARD, u.unit.code());
    }
    v1::Round created;
    const grpc::Status status = Call(rounds_.get(), &v1::RoundService::Stub::CreateRound,
                                     appraiser_, create, &created);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(created.criteria_set_version(), 1);
    EXPECT_EQ(created.phase(), v1::PHASE_DRAFT);
    Advance(v1::PHASE_SELF_ASSESSMENT);
  }

  // An account the admin creates over the API (README: Accounts): the answer, with the
  // account and its one-time password.
  v1::CreateAccountResponse CreateAccount(const std::string& username, v1::Role role,
                                          const std::string& scope,
                                          const std::string& full_name) {
    v1::CreateAccountRequest r;
    r.set_username(username);
    r.set_full_name(full_name);
    r.set_role(role);
    r.set_scope(scope);
    v1::CreateAccountResponse created;
    const grpc::Status s = Call(accounts_.get(), &v1::AccountService::Stub::CreateAccount,
                                admin_, r, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created;
  }

  // A token made for a new account of `role`, `scope` and `full_name` (README:
  // Accounts): it acts with the person's scope and name.
  std::string ScopedToken(v1::Role role, const std::string& scope,
                          const std::string& username, const std::string& full_name) {
    const Caller setup{v1::ROLE_ADMIN, "bootstrap", ""};
    v1::CreateAccountRequest create;
    create.set_username(username);
    create.set_full_name(full_name);
    create.set_role(role);
    create.set_scope(scope);
    auto account = core_->accounts().CreateAccount(setup, create);
    EXPECT_TRUE(account.ok()) << account.status();
    if (!account.ok()) return "";
    v1::CreateTokenRequest request;
    request.set_account(absl::StrCat("accounts/", account->account().id()));
    auto token = core_->access().CreateToken(setup, request);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? token->secret() : "";
  }

  void Advance(v1::RoundPhase to) {
    v1::GetByNameRequest get;
    get.set_name("rounds/r");
    v1::Round round;
    ASSERT_TRUE(
        Call(rounds_.get(), &v1::RoundService::Stub::GetRound, appraiser_, get, &round)
            .ok());
    v1::AdvanceRoundRequest advance;
    advance.set_name("rounds/r");
    advance.set_to_phase(to);
    advance.set_etag(round.version());
    grpc::Status status = Call(rounds_.get(), &v1::RoundService::Stub::AdvanceRound,
                               appraiser_, advance, &round);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(round.phase(), to);
  }

  v1::Assessment Assessment(const std::string& unit, const std::string& token = "") {
    v1::GetByNameRequest get;
    get.set_name(absl::StrCat("rounds/r/assessments/", unit));
    v1::Assessment a;
    EXPECT_TRUE(Call(assessments_.get(), &v1::AssessmentService::Stub::GetAssessment,
                     token.empty() ? appraiser_ : token, get, &a)
                    .ok());
    return a;
  }

  // A token per role; the ward's acts for unit U1, which this adds.
  std::map<v1::Role, std::string> TokenPerRole() {
    v1::PutUnitRequest put;
    put.mutable_unit()->set_code("U1");
    put.mutable_unit()->set_name("Phường 1");
    put.mutable_unit()->set_kind(v1::WARD);
    v1::Unit unit;
    EXPECT_TRUE(
        Call(units_.get(), &v1::UnitService::Stub::PutUnit, admin_, put, &unit).ok());
    return {{v1::ROLE_ADMIN, admin_},
            {v1::ROLE_APPRAISER, appraiser_},
            {v1::ROLE_READER, reader_},
            {v1::ROLE_WARD, Token(v1::ROLE_WARD, "U1")}};
  }

  // The unit's self values from the demo figures (survey entries and appraisals are
  // the office's).
  v1::BatchUpdateEntriesRequest SelfEntries(const std::string& unit) {
    v1::BatchUpdateEntriesRequest batch;
    batch.set_parent(absl::StrCat("rounds/r/assessments/", unit));
    for (const criteria::UnitFigures& u : figures_.units) {
      if (u.unit.code() != unit) continue;
      for (const v1::Entry& e : u.assessment.entries()) {
        if (e.self().has_survey()) continue;
        v1::Entry* entry = batch.add_updates()->mutable_entry();
        *entry = e;
        entry->clear_appraised();  // the figures file holds both columns
        entry->clear_appraisal_comment();
      }
    }
    return batch;
  }

  // The unit's side of its data sheet in the demo figures (each count once).
  v1::UpdateDataSheetRequest SelfSheet(const std::string& unit) {
    v1::UpdateDataSheetRequest sheet;
    sheet.set_parent(absl::StrCat("rounds/r/assessments/", unit));
    for (const criteria::UnitFigures& u : figures_.units) {
      if (u.unit.code() != unit) continue;
      for (const v1::DataValue& v : u.assessment.values()) {
        if (!v.has_self()) continue;
        v1::DataValueUpdate* update = sheet.add_updates();
        update->set_element(v.element());
        *update->mutable_value() = v.self();
      }
    }
    return sheet;
  }

  // The ward of `unit` submits its form in round r, at the version it has now.
  grpc::Status Submit(const std::string& unit, v1::Assessment* out = nullptr) {
    v1::AssessmentActionRequest submit;
    submit.set_name(absl::StrCat("rounds/r/assessments/", unit));
    submit.set_etag(Assessment(unit).version());
    v1::Assessment ignored;
    return Call(assessments_.get(), &v1::AssessmentService::Stub::SubmitAssessment,
                wards_[unit], submit, out == nullptr ? &ignored : out);
  }

  grpc::Status UpdateSheet(const std::string& token, const v1::UpdateDataSheetRequest& r,
                           v1::DataSheet* out = nullptr) {
    v1::DataSheet ignored;
    return Call(assessments_.get(), &v1::AssessmentService::Stub::UpdateDataSheet, token,
                r, out == nullptr ? &ignored : out);
  }

  // The unit's self-assessment as the demo figures give it: its data sheet, then its
  // entries (self scores, comments, yes/no of criteria without an element).
  grpc::Status EnterSelf(const std::string& unit) {
    grpc::Status status = UpdateSheet(wards_[unit], SelfSheet(unit));
    if (!status.ok()) return status;
    return Update(wards_[unit], SelfEntries(unit));
  }

  grpc::Status Update(const std::string& token, const v1::BatchUpdateEntriesRequest& r,
                      v1::BatchUpdateEntriesResponse* out = nullptr) {
    v1::BatchUpdateEntriesResponse ignored;
    return Call(assessments_.get(), &v1::AssessmentService::Stub::BatchUpdateEntries,
                token, r, out == nullptr ? &ignored : out);
  }

  int AuditCount() {
    store::AuditFilter filter;
    filter.limit = 100000;
    return static_cast<int>(store_->ListAudit(filter)->size());
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<store::SqlStore> store_;
  std::unique_ptr<Core> core_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::CriteriaService::Stub> criteria_;
  std::unique_ptr<v1::PlanService::Stub> plans_;
  std::unique_ptr<v1::UnitService::Stub> units_;
  std::unique_ptr<v1::RoundService::Stub> rounds_;
  std::unique_ptr<v1::AssessmentService::Stub> assessments_;
  std::unique_ptr<v1::ScoreService::Stub> scores_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
  std::unique_ptr<v1::TokenService::Stub> tokens_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
  std::unique_ptr<v1::AccountService::Stub> accounts_;
  std::string admin_, appraiser_, reader_;
  std::map<std::string, std::string> wards_;
  criteria::FiguresFile figures_;
};

}  // namespace parindex::server

#endif  // PARINDEX_TESTS_SERVICE_FIXTURE_H_
