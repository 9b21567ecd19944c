// The page's session over the HTTP gateway (README: "The web page"): the cookie and its
// flags, the CSRF token, sign-out on the server, expiry by the server's clock, and
// failed sign-ins counted by the client's address, which a direct gRPC caller cannot
// forge. The gateway runs on loopback over the service fixture's in-process channel.
#include <httplib.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core_account.h"
#include "server/gateway.h"
#include "server/service.h"
#include "tests/service_fixture.h"

namespace parindex::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kJson[] = "application/json";

std::string ErrorJson(const std::string& code, const std::string& message) {
  return absl::StrCat(R"({"code": ")", code, R"(", "message": ")", message,
                      R"(", "details": []})", "\n");
}

class SessionTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    CreateDemoRound();
    http_ = StartGateway(false);
  }
  void TearDown() override {
    for (auto& g : gateways_) g->Stop();
    if (tcp_server_ != nullptr) tcp_server_->Shutdown();
    ServiceTest::TearDown();
  }

  std::unique_ptr<httplib::Client> StartGateway(bool secure_cookies,
                                                bool trust_forwarded_for = false) {
    GatewayOptions options;
    options.secure_cookies = secure_cookies;
    options.trust_forwarded_for = trust_forwarded_for;
    gateways_.push_back(std::make_unique<HttpGateway>(channel_, options));
    absl::StatusOr<int> port = gateways_.back()->Start("127.0.0.1", 0);
    EXPECT_TRUE(port.ok()) << port.status();
    return std::make_unique<httplib::Client>("127.0.0.1", port.ok() ? *port : 1);
  }

  // An account made by the admin; its one-time password.
  std::string Create(const std::string& username, v1::Role role,
                     const std::string& scope) {
    return CreateAccount(username, role, scope, "Trần Thị Hoa").one_time_password();
  }

  httplib::Result SignIn(httplib::Client& http, const std::string& username,
                         const std::string& password) {
    return http.Post("/v1/session",
                     absl::StrCat(R"({"username": ")", username, R"(", "password": ")",
                                  password, R"("})"),
                     kJson);
  }

  // The session id in a Set-Cookie header that sets it.
  static std::string SessionOf(const httplib::Result& r) {
    const std::string cookie = r->get_header_value("Set-Cookie");
    const std::string prefix = "parindex_session=";
    if (cookie.rfind(prefix, 0) != 0) return "";
    return cookie.substr(prefix.size(), cookie.find(';') - prefix.size());
  }

  // An appraiser signed in through the gateway, one-time password changed: the session.
  std::string SignedInAppraiser(const std::string& username = "hoa.tran") {
    const std::string otp = Create(username, v1::ROLE_APPRAISER, "parent/HY");
    httplib::Result r = SignIn(*http_, username, otp);
    EXPECT_EQ(r->status, 200) << r->body;
    const std::string session = SessionOf(r);
    v1::ChangePasswordRequest change;
    change.set_old_password(otp);
    change.set_new_password("mật khẩu mới 2025");
    v1::Account account;
    grpc::Status s = Call(accounts_.get(), &v1::AccountService::Stub::ChangePassword,
                          session, change, &account);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return session;
  }

  static httplib::Headers Cookie(const std::string& session,
                                 const std::string& csrf = "") {
    httplib::Headers headers = {{"Cookie", "theme=dark; parindex_session=" + session}};
    if (!csrf.empty()) headers.emplace("X-CSRF-Token", csrf);
    return headers;
  }

  httplib::Result Ranking(const httplib::Headers& headers) {
    return http_->Post("/parindex.v1.ScoreService/GetRanking", headers,
                       R"({"name": "rounds/r"})", kJson);
  }

  int AuditOf(const std::string& resource, const std::string& action) {
    store::AuditFilter filter;
    filter.resource_prefix = resource;
    filter.limit = 1000;
    int n = 0;
    const auto events = store_->ListAudit(filter);
    for (const v1::AuditEvent& e : *events) n += e.action() == action;
    return n;
  }

  std::vector<std::unique_ptr<HttpGateway>> gateways_;
  std::unique_ptr<httplib::Client> http_;
  std::vector<std::unique_ptr<grpc::Service>> tcp_services_;
  std::unique_ptr<grpc::Server> tcp_server_;
};

TEST_F(SessionTest, SignInSetsAnHttpOnlyStrictCookieAndTheBodyHoldsNoSession) {
  const std::string otp = Create("hoa.tran", v1::ROLE_APPRAISER, "parent/HY");
  httplib::Result r = SignIn(*http_, "hoa.tran", otp);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  const std::string session = SessionOf(r);
  ASSERT_THAT(session, ::testing::StartsWith("ps_"));
  EXPECT_EQ(session.size(), 46u);
  EXPECT_EQ(
      r->get_header_value("Set-Cookie"),
      absl::StrCat("parindex_session=", session, "; HttpOnly; SameSite=Strict; Path=/"));
  EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(r->get_header_value("Content-Type"), kJson);
  // The body: the CSRF token first, the account (one-time password still to change),
  // the expiry; never the session id.
  EXPECT_THAT(r->body,
              ::testing::StartsWith(absl::StrCat(R"({"csrf_token":")", CsrfToken(session),
                                                 R"(","account":{"id":"acc_)")));
  EXPECT_THAT(r->body, HasSubstr(R"("username":"hoa.tran")"));
  EXPECT_THAT(r->body, HasSubstr(R"("must_change_password":true)"));
  EXPECT_THAT(r->body, HasSubstr(R"("idle_expires_at":"2023-11-20T02:30:00Z")"));
  EXPECT_THAT(r->body, Not(HasSubstr(session)));
  EXPECT_THAT(r->body, Not(HasSubstr("ps_")));
  EXPECT_EQ(CsrfToken(session).size(), 64u);
  EXPECT_NE(CsrfToken(session), CsrfToken(session + "x"));

  // The session has three methods; another is 405 naming them, in the usual shape.
  for (const auto& answer : {http_->Put("/v1/session", "{}", kJson),
                             http_->Patch("/v1/session", "{}", kJson)}) {
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, 405);
    EXPECT_EQ(answer->get_header_value("Allow"), "GET, POST, DELETE");
    EXPECT_THAT(answer->body, HasSubstr(R"("code": "UNIMPLEMENTED")"));
    EXPECT_THAT(answer->body,
                HasSubstr("/v1/session: the session is signed in with POST, read with "
                          "GET and ended with DELETE"));
  }

  // With --secure-cookies the cookie is for HTTPS only.
  std::unique_ptr<httplib::Client> secure = StartGateway(true);
  r = SignIn(*secure, "hoa.tran", otp);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Set-Cookie"),
            absl::StrCat("parindex_session=", SessionOf(r),
                         "; HttpOnly; SameSite=Strict; Path=/; Secure"));
  httplib::Result out = secure->Delete(
      "/v1/session", Cookie(SessionOf(r), CsrfToken(SessionOf(r))), "", kJson);
  EXPECT_EQ(out->status, 200) << out->body;
  EXPECT_EQ(out->get_header_value("Set-Cookie"),
            "parindex_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Secure");

  // Only JSON signs in: a form on another site cannot post one.
  r = http_->Post("/v1/session", "username=hoa.tran&password=x",
                  "application/x-www-form-urlencoded");
  EXPECT_EQ(r->status, 415);
  EXPECT_EQ(r->body, ErrorJson("INVALID_ARGUMENT",
                               R"(Content-Type: send {\"username\", \"password\"} as )"
                               "application/json"));
  EXPECT_FALSE(r->has_header("Set-Cookie"));
  r = http_->Post("/v1/session", R"({"user": "hoa.tran"})", kJson);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(
      r->body,
      ErrorJson("INVALID_ARGUMENT",
                "body: not a JSON parindex.v1.SignInRequest: user: Cannot find field."));
}

TEST_F(SessionTest, ACookieRequestNeedsTheSessionsCsrfTokenABearerOneDoesNot) {
  const std::string session = SignedInAppraiser();
  const std::string csrf = CsrfToken(session);
  // No header, a wrong one, another session's: 403 naming the header; nothing called.
  httplib::Result r = Ranking(Cookie(session));
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(r->body,
            ErrorJson("PERMISSION_DENIED",
                      "missing X-CSRF-Token header: a request authenticated by the "
                      "parindex_session cookie must send the session's CSRF token "
                      "(csrf_token of POST or GET /v1/session)"));
  const std::string wrong_body = ErrorJson(
      "PERMISSION_DENIED",
      "X-CSRF-Token header: not this session's CSRF token (csrf_token of POST or GET "
      "/v1/session)");
  r = Ranking(Cookie(session, std::string(64, '0')));
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(r->body, wrong_body);
  r = Ranking(Cookie(session, csrf.substr(0, 63)));
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(r->body, wrong_body);
  const std::string other = SignedInAppraiser("lan.nguyen");
  r = Ranking(Cookie(session, CsrfToken(other)));
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(r->body, wrong_body);
  // A write is refused the same way, and nothing is stored.
  const int audit = AuditCount();
  r = http_->Post("/parindex.v1.RoundService/AdvanceRound", Cookie(session),
                  R"({"name": "rounds/r", "to_phase": "PHASE_APPRAISAL", "etag": 2})",
                  kJson);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(AuditCount(), audit);
  // The right token: the call goes through as the person.
  r = Ranking(Cookie(session, csrf));
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_THAT(r->body, ::testing::StartsWith(R"({"round":"r","column":"APPRAISED")"));
  r = http_->Post("/parindex.v1.AccountService/GetMe", Cookie(session, csrf), "{}",
                  kJson);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_THAT(r->body, HasSubstr(R"("username":"hoa.tran")"));
  // A script's bearer session or token needs no CSRF token, cookie or not.
  r = Ranking({{"Authorization", "Bearer " + session}});
  EXPECT_EQ(r->status, 200) << r->body;
  r = Ranking(
      {{"Authorization", "Bearer " + appraiser_}, {"Cookie", "parindex_session=x"}});
  EXPECT_EQ(r->status, 200) << r->body;
  // Downloads (GET) work with the cookie alone.
  r = http_->Get("/v1/rounds/r/export.csv", Cookie(session));
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  // A reload asks who is signed in: the account and the same CSRF token.
  r = http_->Get("/v1/session", Cookie(session));
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_THAT(r->body, ::testing::StartsWith(
                           absl::StrCat(R"({"csrf_token":")", csrf, R"(","account":{)")));
  EXPECT_THAT(r->body, HasSubstr(R"("password_changed_at":"2023-11-20T02:00:00Z")"));
  EXPECT_THAT(r->body, Not(HasSubstr("must_change_password")));
  EXPECT_THAT(r->body, Not(HasSubstr("ps_")));
  EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store");
}

TEST_F(SessionTest, SignOutEndsTheSessionOnTheServerAndClearsTheCookie) {
  const std::string session = SignedInAppraiser();
  // Sign-out changes state: the CSRF token is needed.
  httplib::Result r = http_->Delete("/v1/session", Cookie(session), "", kJson);
  EXPECT_EQ(r->status, 403);
  EXPECT_FALSE(r->has_header("Set-Cookie"));
  r = http_->Delete("/v1/session", Cookie(session, CsrfToken(session)), "", kJson);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, "{}\n");
  EXPECT_EQ(r->get_header_value("Set-Cookie"),
            "parindex_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
  // The session is dead on the server, whoever presents it and however.
  v1::Account me;
  grpc::Status s = Call(accounts_.get(), &v1::AccountService::Stub::GetMe, session,
                        v1::GetMeRequest(), &me);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  const std::string expired =
      ErrorJson("UNAUTHENTICATED", "unknown, ended or expired session: sign in again");
  r = Ranking(Cookie(session, CsrfToken(session)));
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->body, expired);
  r = http_->Get("/v1/session", Cookie(session));
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->body, expired);
  EXPECT_EQ(r->get_header_value("Set-Cookie"),
            "parindex_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
  // Without a cookie: not signed in.
  r = http_->Get("/v1/session");
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->body, ErrorJson("UNAUTHENTICATED",
                               "not signed in: no parindex_session cookie (POST "
                               "/v1/session signs in)"));
  r = http_->Delete("/v1/session", httplib::Headers(), "", kJson);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->body,
            ErrorJson("UNAUTHENTICATED", "not signed in: no parindex_session cookie"));
}

TEST_F(SessionTest, ACookieSessionExpiresByTheServersClock) {
  const std::string session = SignedInAppraiser();
  clock_.Set(clock_.Now() + absl::Minutes(30));
  EXPECT_EQ(http_->Get("/v1/session", Cookie(session))->status, 200);
  clock_.Set(clock_.Now() + absl::Minutes(30) + absl::Seconds(1));
  httplib::Result r = http_->Get("/v1/session", Cookie(session));
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->body, ErrorJson("UNAUTHENTICATED",
                               "unknown, ended or expired session: sign in again"));
  r = Ranking(Cookie(session, CsrfToken(session)));
  EXPECT_EQ(r->status, 401);
}

TEST_F(SessionTest, AnUnknownUsernameGetsExactlyTheWrongPasswordsAnswer) {
  Create("hoa.tran", v1::ROLE_APPRAISER, "parent/HY");
  httplib::Result wrong = SignIn(*http_, "hoa.tran", "not the password");
  httplib::Result unknown = SignIn(*http_, "nobody.here", "not the password");
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(wrong->body, ErrorJson("UNAUTHENTICATED", std::string(kSignInRefused)));
  EXPECT_EQ(unknown->status, wrong->status);
  EXPECT_EQ(unknown->body, wrong->body);
  EXPECT_FALSE(wrong->has_header("Set-Cookie"));
  EXPECT_FALSE(unknown->has_header("Set-Cookie"));
  // The failure's audit row says where it came from.
  store::AuditFilter filter;
  filter.resource_prefix = "signIns/nobody.here";
  auto events = store_->ListAudit(filter);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].action(), "signin.fail");
  EXPECT_EQ((*events)[0].reason(), "from 127.0.0.1");
}

// Twenty failures from one address within 15 minutes, each for another username (so
// no username is locked): the address is refused, even with a right password, with the
// same answer; another address is not; after 15 minutes it may try again.
TEST_F(SessionTest, TwentyFailuresFromOneAddressLockTheAddress) {
  const std::string otp = Create("hoa.tran", v1::ROLE_APPRAISER, "parent/HY");
  const std::string refused = ErrorJson("UNAUTHENTICATED", std::string(kSignInRefused));
  for (int i = 0; i < 20; ++i) {
    httplib::Result r = SignIn(*http_, absl::StrCat("guess", i), "password");
    EXPECT_EQ(r->status, 401) << i;
    EXPECT_EQ(r->body, refused) << i;
  }
  EXPECT_EQ(AuditOf("signInAddresses/127.0.0.1", "signin.address_lock"), 1);
  httplib::Result r = SignIn(*http_, "hoa.tran", otp);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->body, refused);
  EXPECT_FALSE(r->has_header("Set-Cookie"));
  // The account itself is not locked: from another address (the gateway's metadata,
  // believed on the in-process channel) it signs in.
  v1::SignInRequest request;
  request.set_username("hoa.tran");
  request.set_password(otp);
  v1::SignInResponse in;
  {
    grpc::ClientContext context;
    context.AddMetadata(kClientAddressKey, "192.0.2.1");
    grpc::Status s = accounts_->SignIn(&context, request, &in);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
  clock_.Set(clock_.Now() + absl::Minutes(14));
  EXPECT_EQ(SignIn(*http_, "hoa.tran", otp)->status, 401);
  clock_.Set(clock_.Now() + absl::Minutes(1) + absl::Seconds(1));
  r = SignIn(*http_, "hoa.tran", otp);
  EXPECT_EQ(r->status, 200) << r->body;
}

// A caller over the network is known by its peer address: the gateway's metadata key
// sent by it is ignored, so it cannot spread its failures over made-up addresses.
TEST_F(SessionTest, ADirectGrpcCallerCannotForgeItsAddress) {
  tcp_services_ = MakeServices(core_.get(), {.log_rpcs = false});
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  for (auto& service : tcp_services_) builder.RegisterService(service.get());
  tcp_server_ = builder.BuildAndStart();
  ASSERT_NE(port, 0);
  auto remote = v1::AccountService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  for (int i = 0; i < 20; ++i) {
    v1::SignInRequest request;
    request.set_username(absl::StrCat("guess", i));
    request.set_password("password");
    v1::SignInResponse in;
    grpc::ClientContext context;
    context.AddMetadata(kClientAddressKey, absl::StrCat("198.51.100.", i));
    EXPECT_EQ(remote->SignIn(&context, request, &in).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_EQ(AuditOf("signInAddresses/127.0.0.1", "signin.address_lock"), 1);
  EXPECT_EQ(AuditOf("signInAddresses/198.51.100.", "signin.address_lock"), 0);
  store::AuditFilter filter;
  filter.resource_prefix = "signIns/guess7";
  const auto guesses = store_->ListAudit(filter);
  ASSERT_EQ(guesses->size(), 1u);
  EXPECT_EQ((*guesses)[0].reason(), "from 127.0.0.1");
  // So the page from that address is refused too.
  const std::string otp = Create("hoa.tran", v1::ROLE_APPRAISER, "parent/HY");
  EXPECT_EQ(SignIn(*http_, "hoa.tran", otp)->status, 401);
}

// Behind a proxy (--trust-forwarded-for) a client is the address the proxy appended
// last to X-Forwarded-For, not what the client wrote before it; without the flag the
// header is ignored.
TEST_F(SessionTest, BehindAProxyTheAddressIsTheLastForwardedOne) {
  std::unique_ptr<httplib::Client> proxied = StartGateway(false, true);
  for (int i = 0; i < 20; ++i) {
    httplib::Result r = proxied->Post(
        "/v1/session", {{"X-Forwarded-For", absl::StrCat("10.0.0.", i, ", 203.0.113.5")}},
        absl::StrCat(R"({"username": "guess)", i, R"(", "password": "x"})"), kJson);
    EXPECT_EQ(r->status, 401);
  }
  EXPECT_EQ(AuditOf("signInAddresses/203.0.113.5", "signin.address_lock"), 1);
  EXPECT_EQ(AuditOf("signInAddresses/127.0.0.1", "signin.address_lock"), 0);
  // The gateway that does not trust the header counts the connection's address.
  httplib::Result r = http_->Post("/v1/session", {{"X-Forwarded-For", "198.51.100.1"}},
                                  R"({"username": "someone", "password": "x"})", kJson);
  EXPECT_EQ(r->status, 401);
  store::AuditFilter filter;
  filter.resource_prefix = "signIns/someone";
  const auto events = store_->ListAudit(filter);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].reason(), "from 127.0.0.1");
}

TEST(ClientAddress, FromThePeerOrOnTheInProcessChannelFromTheGateway) {
  EXPECT_EQ(ClientAddress("ipv4:203.0.113.7:41234", "10.0.0.1"), "203.0.113.7");
  EXPECT_EQ(ClientAddress("ipv6:[2001:db8::1]:443", ""), "2001:db8::1");
  EXPECT_EQ(ClientAddress("ipv6:%5B::1%5D:50051", ""), "::1");
  EXPECT_EQ(ClientAddress("unix:/run/parindex.sock", "10.0.0.1"), "unix");
  EXPECT_EQ(ClientAddress("unknown", "10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(ClientAddress("unknown", ""), "");
}

}  // namespace
}  // namespace parindex::server
