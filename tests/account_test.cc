// Accounts and sign-in over the in-process gRPC service (README: "Accounts and
// sign-in"): one-time passwords, sessions and their expiry by the store's clock, the
// lock after failed sign-ins (the same answer whether or not the username exists), and
// a person's scope: a province's appraiser, a ward officer, a national reader.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/sha256.h"
#include "common/unary_bytes.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "server/auth.h"
#include "server/core_account.h"
#include "tests/service_fixture.h"

namespace parindex::server {
namespace {

using ::testing::HasSubstr;

class AccountTest : public ServiceTest {
 protected:
  // An admin creates the account; the answer's one-time password.
  v1::CreateAccountResponse Create(const std::string& username, v1::Role role,
                                   const std::string& scope,
                                   const std::string& name = "Nguyễn Thị Lan") {
    return CreateAccount(username, role, scope, name);
  }

  grpc::Status SignIn(const std::string& username, const std::string& password,
                      v1::SignInResponse* out) {
    v1::SignInRequest r;
    r.set_username(username);
    r.set_password(password);
    return Call(accounts_.get(), &v1::AccountService::Stub::SignIn, "", r, out);
  }

  grpc::Status Change(const std::string& session, const std::string& old_password,
                      const std::string& new_password) {
    v1::ChangePasswordRequest r;
    r.set_old_password(old_password);
    r.set_new_password(new_password);
    v1::Account account;
    return Call(accounts_.get(), &v1::AccountService::Stub::ChangePassword, session, r,
                &account);
  }

  // A person who has signed in and changed the one-time password: the session.
  std::string Person(const std::string& username, v1::Role role,
                     const std::string& scope) {
    v1::CreateAccountResponse created = Create(username, role, scope);
    v1::SignInResponse in;
    EXPECT_TRUE(SignIn(username, created.one_time_password(), &in).ok());
    EXPECT_TRUE(
        Change(in.session(), created.one_time_password(), "mật khẩu mới 2025").ok());
    return in.session();
  }

  grpc::Status GetAssessment(const std::string& who, const std::string& unit,
                             const std::string& round = "r") {
    v1::GetByNameRequest get;
    get.set_name(absl::StrCat("rounds/", round, "/assessments/", unit));
    v1::Assessment a;
    return Call(assessments_.get(), &v1::AssessmentService::Stub::GetAssessment, who, get,
                &a);
  }

  grpc::Status Ranking(const std::string& who, const std::string& round = "r") {
    v1::GetRankingRequest get;
    get.set_name(absl::StrCat("rounds/", round));
    v1::Ranking ranking;
    return Call(scores_.get(), &v1::ScoreService::Stub::GetRanking, who, get, &ranking);
  }

  grpc::Status Me(const std::string& who, v1::Account* me) {
    return Call(accounts_.get(), &v1::AccountService::Stub::GetMe, who,
                v1::GetMeRequest(), me);
  }
};

TEST_F(AccountTest, AnAdminCreatesAnAccountWithAOneTimePasswordShownOnce) {
  CreateDemoRound();
  v1::CreateAccountResponse created =
      Create("lan.nguyen", v1::ROLE_APPRAISER, "parent/HY");
  EXPECT_EQ(created.one_time_password().size(), 20u);
  EXPECT_THAT(created.account().id(), ::testing::StartsWith("acc_"));
  EXPECT_TRUE(created.account().must_change_password());
  EXPECT_EQ(created.account().scope(), "parent/HY");
  // Stored as argon2id, never in clear.
  auto stored = store_->FindAccount("lan.nguyen");
  ASSERT_TRUE(stored.ok());
  EXPECT_THAT(stored->password_hash, ::testing::StartsWith("$argon2id$"));
  EXPECT_EQ(stored->password_hash.find(created.one_time_password()), std::string::npos);
  // The list has it, without any password.
  v1::ListAccountsResponse list;
  ASSERT_TRUE(Call(accounts_.get(), &v1::AccountService::Stub::ListAccounts, admin_,
                   v1::ListRequest(), &list)
                  .ok());
  ASSERT_EQ(list.accounts_size(), 1);
  EXPECT_EQ(list.accounts(0).username(), "lan.nguyen");
  // The same username again; a bad one; a scope the role may not have; an unknown unit.
  v1::CreateAccountRequest again;
  again.set_username("lan.nguyen");
  again.set_full_name("Lan");
  again.set_role(v1::ROLE_WARD);
  again.set_scope("units/HN");
  v1::CreateAccountResponse out;
  grpc::Status s = Call(accounts_.get(), &v1::AccountService::Stub::CreateAccount, admin_,
                        again, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(s.error_message(), "username: 'lan.nguyen' is taken");
  again.set_username("Lan");
  s = Call(accounts_.get(), &v1::AccountService::Stub::CreateAccount, admin_, again,
           &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "username: lower-case ASCII letters, digits, '.', '_' and '-' only");
  again.set_username("hoa");
  again.set_scope("parent/HY");
  s = Call(accounts_.get(), &v1::AccountService::Stub::CreateAccount, admin_, again,
           &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "scope: a ward may not have scope 'parent/HY' (a ward: units/{code}; an "
            "appraiser or a reader: parent/{code} or *; an admin: *)");
  again.set_scope("units/NOPE");
  s = Call(accounts_.get(), &v1::AccountService::Stub::CreateAccount, admin_, again,
           &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "scope: units/NOPE: not found");
  // Only an admin creates accounts.
  s = Call(accounts_.get(), &v1::AccountService::Stub::CreateAccount, appraiser_, again,
           &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AccountTest, FirstSignInMayOnlyChangeTheOneTimePassword) {
  CreateDemoRound();
  v1::CreateAccountResponse created = Create("hn.officer", v1::ROLE_WARD, "units/HN");
  const std::string otp = created.one_time_password();
  v1::SignInResponse in;
  ASSERT_TRUE(SignIn("hn.officer", otp, &in).ok());
  EXPECT_THAT(in.session(), ::testing::StartsWith("ps_"));
  EXPECT_EQ(in.session().size(), 3u + 43u);  // 32 bytes, base64url without padding
  EXPECT_EQ(in.idle_expires_at(), "2023-11-20T02:30:00Z");
  EXPECT_EQ(in.absolute_expires_at(), "2023-11-20T14:00:00Z");
  // Only the SHA-256 of the session id is stored.
  EXPECT_TRUE(store_->FindSession(Sha256Hex(in.session())).ok());
  grpc::Status s = GetAssessment(in.session(), "HN");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(), "change the one-time password first");
  v1::Account me;
  ASSERT_TRUE(Me(in.session(), &me).ok());
  EXPECT_EQ(me.username(), "hn.officer");
  EXPECT_TRUE(me.must_change_password());
  // The new password: at least 10 characters, not the username, the old one right.
  s = Change(in.session(), otp, "short");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(
      s.error_message(),
      "new_password: at least 10 characters besides spaces and invisible ones, got 5");
  // Spaces do not count, nor Unicode's spaces and invisible characters: ten of them
  // are no password. Characters count, not bytes (Vietnamese letters are 2 or 3).
  const std::pair<std::string, int> weak[] = {
      {"          ", 0},
      {"   short    ", 5},
      {"\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b", 0},
      {"\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0", 0},
      {"\u3000\u3164\u180e\u00ad\u034f\u3000\u3164\u180e\u00ad\u034f", 0},
      {"mật khẩu", 7}};
  for (const auto& [password, visible] : weak) {
    s = Change(in.session(), otp, password);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << password;
    EXPECT_EQ(s.error_message(),
              absl::StrCat("new_password: at least 10 characters besides spaces and "
                           "invisible ones, got ",
                           visible))
        << password;
  }
  s = Change(in.session(), otp, std::string("ten\0letters", 11));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "new_password: holds U+0000 (a control character) at byte 3");
  s = Change(in.session(), otp, "hn.officer");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "new_password: must not be the username");
  // Nor the username in other letters' case, or padded.
  for (const char* same : {"HN.Officer", "HN.OFFICER", " hn.officer "}) {
    s = Change(in.session(), otp, same);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << same;
    EXPECT_EQ(s.error_message(), "new_password: must not be the username") << same;
  }
  s = Change(in.session(), "wrong password", "a good new password");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "old_password: is not the current password");
  ASSERT_TRUE(Change(in.session(), otp, "a good new password").ok());
  EXPECT_TRUE(GetAssessment(in.session(), "HN").ok());
  // The one-time password no longer signs in; the new one does.
  v1::SignInResponse again;
  s = SignIn("hn.officer", otp, &again);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(s.error_message(), kSignInRefused);
  ASSERT_TRUE(SignIn("hn.officer", "a good new password", &again).ok());
  EXPECT_FALSE(again.account().must_change_password());
  // A token presented to ChangePassword is told it is for people.
  s = Change(admin_, "x", "yyyyyyyyyyyy");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(AccountTest, SessionsEndOnSignOutIdleAndAbsoluteExpiry) {
  CreateDemoRound();
  const std::string session = Person("lan.nguyen", v1::ROLE_APPRAISER, "parent/HY");
  const absl::Time start = clock_.Now();
  v1::Account me;
  // Used every 29 minutes, it lives on...
  for (int i = 1; i <= 24; ++i) {
    clock_.Set(start + absl::Minutes(29) * i);
    if (start + absl::Minutes(29) * i - start > absl::Hours(12)) break;
    ASSERT_TRUE(Me(session, &me).ok()) << i;
  }
  // ...but not past 12 hours from sign-in.
  clock_.Set(start + absl::Hours(12) + absl::Seconds(1));
  grpc::Status s = Me(session, &me);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(s.error_message(), "unknown, ended or expired session: sign in again");

  // Idle for more than 30 minutes: over.
  v1::SignInResponse in;
  ASSERT_TRUE(SignIn("lan.nguyen", "mật khẩu mới 2025", &in).ok());
  clock_.Set(clock_.Now() + absl::Minutes(30));
  EXPECT_TRUE(Me(in.session(), &me).ok());
  clock_.Set(clock_.Now() + absl::Minutes(30) + absl::Seconds(1));
  EXPECT_EQ(Me(in.session(), &me).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  // SignOut ends it on the server.
  ASSERT_TRUE(SignIn("lan.nguyen", "mật khẩu mới 2025", &in).ok());
  v1::SignOutResponse out;
  ASSERT_TRUE(Call(accounts_.get(), &v1::AccountService::Stub::SignOut, in.session(),
                   v1::SignOutRequest(), &out)
                  .ok());
  EXPECT_TRUE(store_->FindSession(Sha256Hex(in.session()))->ended);
  EXPECT_EQ(Me(in.session(), &me).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AccountTest, FiveFailuresLockAUsernameAndUnknownUsernamesGetTheSameAnswer) {
  CreateDemoRound();
  Person("lan.nguyen", v1::ROLE_APPRAISER, "parent/HY");
  v1::SignInResponse in;
  for (const std::string user : {"lan.nguyen", "nobody.here"}) {
    for (int i = 0; i < 5; ++i) {
      grpc::Status s = SignIn(user, "not the password", &in);
      EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << user;
      EXPECT_EQ(s.error_message(), kSignInRefused) << user;
    }
    // Locked: even the right password is refused, with the same answer.
    grpc::Status s = SignIn(user, "mật khẩu mới 2025", &in);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << user;
    EXPECT_EQ(s.error_message(), kSignInRefused) << user;
  }
  clock_.Set(clock_.Now() + absl::Minutes(14));
  EXPECT_EQ(SignIn("lan.nguyen", "mật khẩu mới 2025", &in).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  clock_.Set(clock_.Now() + absl::Minutes(1) + absl::Seconds(1));
  EXPECT_TRUE(SignIn("lan.nguyen", "mật khẩu mới 2025", &in).ok());
  // Failures and locks are in the audit trail.
  v1::ListRequest list;
  list.set_filter("resource=signIns/lan.nguyen");
  v1::ListAuditEventsResponse events;
  ASSERT_TRUE(
      Call(audit_.get(), &v1::AuditService::Stub::ListAuditEvents, admin_, list, &events)
          .ok());
  ASSERT_EQ(events.events_size(), 6);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(events.events(i).action(), "signin.fail");
  EXPECT_EQ(events.events(5).action(), "signin.lock");
  list.set_filter("resource=signIns/nobody.here");
  ASSERT_TRUE(
      Call(audit_.get(), &v1::AuditService::Stub::ListAuditEvents, admin_, list, &events)
          .ok());
  EXPECT_EQ(events.events_size(), 6);
}

TEST_F(AccountTest, DisableAndResetEndSessionsAndTheAuditNamesThePerson) {
  CreateDemoRound();
  v1::CreateAccountResponse created =
      Create("hn.officer", v1::ROLE_WARD, "units/HN", "Trần Văn Hùng");
  v1::SignInResponse in;
  ASSERT_TRUE(SignIn("hn.officer", created.one_time_password(), &in).ok());
  ASSERT_TRUE(
      Change(in.session(), created.one_time_password(), "a good new password").ok());
  // The officer's write is audited with their account and name.
  ASSERT_TRUE(Update(in.session(), SelfEntries("HN")).ok());
  v1::ListRequest list;
  list.set_filter(absl::StrCat("actor=", created.account().id()));
  v1::ListAuditEventsResponse events;
  ASSERT_TRUE(
      Call(audit_.get(), &v1::AuditService::Stub::ListAuditEvents, admin_, list, &events)
          .ok());
  ASSERT_GE(events.events_size(), 3);
  for (const v1::AuditEvent& e : events.events()) {
    EXPECT_EQ(e.actor_name(), "Trần Văn Hùng") << e.action();
    EXPECT_EQ(e.role(), "ward");
  }
  // Reset: a new one-time password; the session ends.
  v1::GetByNameRequest name;
  name.set_name(absl::StrCat("accounts/", created.account().id()));
  v1::ResetPasswordResponse reset;
  ASSERT_TRUE(Call(accounts_.get(), &v1::AccountService::Stub::ResetPassword, admin_,
                   name, &reset)
                  .ok());
  EXPECT_EQ(reset.one_time_password().size(), 20u);
  EXPECT_TRUE(reset.account().must_change_password());
  v1::Account me;
  EXPECT_EQ(Me(in.session(), &me).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_TRUE(SignIn("hn.officer", reset.one_time_password(), &in).ok());
  EXPECT_TRUE(in.account().must_change_password());
  // Disable: the session ends and sign-in is refused with the usual answer.
  v1::Account disabled;
  ASSERT_TRUE(Call(accounts_.get(), &v1::AccountService::Stub::DisableAccount, admin_,
                   name, &disabled)
                  .ok());
  EXPECT_EQ(disabled.disabled_at(), "2023-11-20T02:00:00Z");
  EXPECT_EQ(Me(in.session(), &me).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status s = SignIn("hn.officer", reset.one_time_password(), &in);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(s.error_message(), kSignInRefused);
  s = Call(accounts_.get(), &v1::AccountService::Stub::DisableAccount, admin_, name,
           &disabled);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

// Province A's appraiser on province B's units: refused, and lists show only A's.
TEST_F(AccountTest, AProvincesAppraiserSeesOnlyItsProvincesUnits) {
  CreateDemoRound();  // round r: HN, LS, MK, all of HY
  // Province TB, with one commune, and a national round with HY's and TB's units.
  v1::PutUnitRequest put;
  put.mutable_unit()->set_code("TB1");
  put.mutable_unit()->set_name("Xã Tây An");
  put.mutable_unit()->set_parent("TB");
  put.mutable_unit()->set_kind(v1::WARD);
  v1::Unit unit;
  ASSERT_TRUE(
      Call(units_.get(), &v1::UnitService::Stub::PutUnit, admin_, put, &unit).ok());
  v1::CreateRoundRequest create;
  create.mutable_round()->set_id("national");
  create.mutable_round()->set_year(2025);
  create.mutable_round()->set_criteria_set("demo-ward-2023");
  create.mutable_round()->add_plans("demo-hungyen-2023");
  for (const char* u : {"HN", "LS", "TB1"}) create.mutable_round()->add_units(u);
  v1::Round round;
  grpc::Status s = Call(rounds_.get(), &v1::RoundService::Stub::CreateRound, appraiser_,
                        create, &round);
  ASSERT_TRUE(s.ok()) << s.error_message();

  const std::string hy = Person("hy.appraiser", v1::ROLE_APPRAISER, "parent/HY");
  const std::string tb = Person("tb.appraiser", v1::ROLE_APPRAISER, "parent/TB");
  EXPECT_TRUE(GetAssessment(hy, "HN").ok());
  s = GetAssessment(tb, "HN");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(), "unit HN is outside this account's scope parent/TB");
  EXPECT_TRUE(GetAssessment(tb, "TB1", "national").ok());
  s = GetAssessment(hy, "TB1", "national");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(), "unit TB1 is outside this account's scope parent/HY");
  // Appraising another province's unit is refused the same way.
  v1::BatchUpdateEntriesRequest appraise;
  appraise.set_parent("rounds/national/assessments/TB1");
  appraise.add_updates()->mutable_entry()->set_criterion("I.5");
  v1::BatchUpdateEntriesResponse updated;
  s = Call(assessments_.get(), &v1::AssessmentService::Stub::BatchUpdateEntries, hy,
           appraise, &updated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // Lists: round r is not TB's at all; the national round lists each one's own units.
  v1::ListRoundsResponse rounds;
  ASSERT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::ListRounds, tb,
                   v1::ListRequest(), &rounds)
                  .ok());
  ASSERT_EQ(rounds.rounds_size(), 1);
  EXPECT_EQ(rounds.rounds(0).id(), "national");
  ASSERT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::ListRounds, hy,
                   v1::ListRequest(), &rounds)
                  .ok());
  EXPECT_EQ(rounds.rounds_size(), 2);
  v1::ListAssessmentsRequest list;
  list.set_parent("rounds/national");
  v1::ListAssessmentsResponse listed;
  ASSERT_TRUE(
      Call(rounds_.get(), &v1::RoundService::Stub::ListAssessments, hy, list, &listed)
          .ok());
  ASSERT_EQ(listed.assessments_size(), 2);
  EXPECT_EQ(listed.assessments(0).unit(), "HN");
  EXPECT_EQ(listed.assessments(1).unit(), "LS");
  ASSERT_TRUE(
      Call(rounds_.get(), &v1::RoundService::Stub::ListAssessments, tb, list, &listed)
          .ok());
  ASSERT_EQ(listed.assessments_size(), 1);
  EXPECT_EQ(listed.assessments(0).unit(), "TB1");
  list.set_parent("rounds/r");
  s = Call(rounds_.get(), &v1::RoundService::Stub::ListAssessments, tb, list, &listed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(), "round r has no unit in this account's scope parent/TB");
  // Results: a round wholly in the scope, all of it; one with others' units, their
  // own units only (tests/policy_test.cc, ScopeTest, ranks them).
  EXPECT_TRUE(Ranking(hy, "r").ok());
  v1::GetRankingRequest national;
  national.set_name("rounds/national");
  v1::Ranking ranking;
  ASSERT_TRUE(
      Call(scores_.get(), &v1::ScoreService::Stub::GetRanking, hy, national, &ranking)
          .ok());
  EXPECT_EQ(ranking.scope(), "parent/HY");
  ASSERT_EQ(ranking.units_size(), 2);
  EXPECT_EQ(ranking.units(0).unit(), "HN");
  EXPECT_EQ(ranking.units(1).unit(), "LS");
  // Nor may TB's appraiser run HY's round, make one with HY's units, or import HY's
  // survey results.
  v1::AdvanceRoundRequest advance;
  advance.set_name("rounds/r");
  advance.set_to_phase(v1::PHASE_APPRAISAL);
  s = Call(rounds_.get(), &v1::RoundService::Stub::AdvanceRound, tb, advance, &round);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(),
            "round r has units outside this account's scope parent/TB");
  create.mutable_round()->set_id("tb-own");
  s = Call(rounds_.get(), &v1::RoundService::Stub::CreateRound, tb, create, &round);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(),
            "round tb-own has units outside this account's scope parent/TB");
  create.mutable_round()->clear_units();
  create.mutable_round()->add_units("TB1");
  s = Call(rounds_.get(), &v1::RoundService::Stub::CreateRound, tb, create, &round);
  EXPECT_TRUE(s.ok()) << s.error_message();
  for (v1::RoundPhase p : {v1::PHASE_SELF_ASSESSMENT, v1::PHASE_APPRAISAL}) {
    v1::GetByNameRequest get;
    get.set_name("rounds/national");
    ASSERT_TRUE(
        Call(rounds_.get(), &v1::RoundService::Stub::GetRound, appraiser_, get, &round)
            .ok());
    advance.set_name("rounds/national");
    advance.set_to_phase(p);
    advance.set_etag(round.version());
    s = Call(rounds_.get(), &v1::RoundService::Stub::AdvanceRound, appraiser_, advance,
             &round);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  v1::ImportSurveyRequest survey;
  survey.set_parent("rounds/national");
  survey.set_csv("unit,criterion,a,b,c,d\nHN,VIII.1,120,40,10,2\n");
  v1::ImportSurveyResponse imported;
  s = Call(assessments_.get(), &v1::AssessmentService::Stub::ImportSurvey, tb, survey,
           &imported);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(),
            "csv line 2.unit: unit HN is outside this account's scope parent/TB");
  // The audit trail: TB's appraiser sees TB1's events only.
  v1::ListAuditEventsResponse events;
  ASSERT_TRUE(Call(audit_.get(), &v1::AuditService::Stub::ListAuditEvents, tb,
                   v1::ListRequest(), &events)
                  .ok());
  ASSERT_EQ(events.events_size(), 1);
  EXPECT_EQ(events.events(0).resource(), "units/TB1");
  ASSERT_TRUE(Call(audit_.get(), &v1::AuditService::Stub::ListAuditEvents, hy,
                   v1::ListRequest(), &events)
                  .ok());
  ASSERT_EQ(events.events_size(), 3);  // HN, LS and MK put by the admin
  for (const v1::AuditEvent& e : events.events())
    EXPECT_THAT(e.resource(), ::testing::StartsWith("units/"));
  // A token made for the account acts with its scope.
  v1::CreateTokenRequest for_account;
  v1::Account me;
  ASSERT_TRUE(Me(tb, &me).ok());
  for_account.set_account(absl::StrCat("accounts/", me.id()));
  v1::CreateTokenResponse token;
  ASSERT_TRUE(Call(tokens_.get(), &v1::TokenService::Stub::CreateToken, admin_,
                   for_account, &token)
                  .ok());
  EXPECT_EQ(token.token().scope(), "parent/TB");
  EXPECT_EQ(token.token().role(), v1::ROLE_APPRAISER);
  s = GetAssessment(token.secret(), "HN");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(), "unit HN is outside this account's scope parent/TB");
  EXPECT_TRUE(GetAssessment(token.secret(), "TB1", "national").ok());
  // Disabling the account stops its token as well.
  v1::GetByNameRequest name;
  name.set_name(absl::StrCat("accounts/", me.id()));
  v1::Account disabled;
  ASSERT_TRUE(Call(accounts_.get(), &v1::AccountService::Stub::DisableAccount, admin_,
                   name, &disabled)
                  .ok());
  s = GetAssessment(token.secret(), "TB1", "national");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(s.error_message(), "unknown or revoked token");
}

// Accounts are cached (README: "Accounts are cached"): calls of the person's token run
// on four threads while an admin disables the account; every call that starts after
// DisableAccount has answered is refused, whatever the cache held or was filling.
TEST_F(AccountTest, ADisabledAccountsNextCallIsRefusedWhileOthersAreCalling) {
  v1::CreateAccountResponse created = Create("lan.nguyen", v1::ROLE_APPRAISER, "*");
  v1::CreateTokenRequest for_account;
  for_account.set_account(absl::StrCat("accounts/", created.account().id()));
  const Caller admin{v1::ROLE_ADMIN, "bootstrap", ""};
  const std::string secret = core_->access().CreateToken(admin, for_account)->secret();
  ASSERT_TRUE(core_->access().Authenticate(secret).ok());  // cached from here on
  std::atomic<bool> disabled{false};
  std::atomic<int> calling{0}, after{0}, served_after{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      bool first = true;
      while (!disabled.load()) {  // calls while the account is being disabled
        (void)core_->access().Authenticate(secret);
        if (first) ++calling;
        first = false;
      }
      for (int i = 0; i < 200; ++i) {  // every call from here on is refused
        ++after;
        if (core_->access().Authenticate(secret).ok()) ++served_after;
      }
    });
  }
  while (calling.load() < 4) std::this_thread::yield();
  v1::GetByNameRequest name;
  name.set_name(absl::StrCat("accounts/", created.account().id()));
  EXPECT_TRUE(core_->accounts().DisableAccount(admin, name).ok());
  disabled = true;
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(after.load(), 800);
  EXPECT_EQ(served_after.load(), 0);
  EXPECT_EQ(core_->access().Authenticate(secret).status().code(),
            absl::StatusCode::kUnauthenticated);
}

// SignIn needs no authorization (the one method outside the table), and is checked as
// every request is: bytes that are not a request, a field over its limit.
TEST_F(AccountTest, SignInIsPublicAndItsRequestIsChecked) {
  EXPECT_FALSE(MethodRoles().count("/parindex.v1.AccountService/SignIn"));
  EXPECT_TRUE(IsPublic("/parindex.v1.AccountService/SignIn"));
  grpc::GenericStub generic(channel_);
  grpc::ClientContext context;
  std::string response;
  grpc::Status s = UnaryCallBytes(generic, &context, "/parindex.v1.AccountService/SignIn",
                                  std::string("\x0a\x05", 2) + "ab", &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "request: not a valid parindex.v1.SignInRequest (malformed protobuf or "
            "invalid UTF-8 in a string)");
  v1::SignInResponse in;
  s = SignIn(std::string(65, 'a'), "x", &in);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "username: 65 bytes, more than the 64 allowed");
}

TEST_F(AccountTest, AWardOfficerSeesItsUnitNotItsNeighbour) {
  CreateDemoRound();
  const std::string hn = Person("hn.officer", v1::ROLE_WARD, "units/HN");
  EXPECT_TRUE(GetAssessment(hn, "HN").ok());
  grpc::Status s = GetAssessment(hn, "LS");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(), "this token acts for unit HN, not LS");
  EXPECT_TRUE(Update(hn, SelfEntries("HN")).ok());
  EXPECT_EQ(Update(hn, SelfEntries("LS")).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AccountTest, ANationalReaderSeesResultsOnlyOncePublished) {
  CreateDemoRound();
  const std::string reader = Person("mof.reader", v1::ROLE_READER, "*");
  grpc::Status s = Ranking(reader);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(),
            "round r is not published: readers see published rounds only");
  for (v1::RoundPhase p :
       {v1::PHASE_APPRAISAL, v1::PHASE_EXPLANATION, v1::PHASE_FINAL_APPRAISAL,
        v1::PHASE_FINALISED, v1::PHASE_PUBLISHED}) {
    Advance(p);
  }
  EXPECT_TRUE(Ranking(reader).ok());
  s = GetAssessment(reader, "HN");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace parindex::server
