// Single sign-on (README: "Single sign-on"): keys (RSA 2048, EC P-256) and a JWKS made
// by the test with OpenSSL, tokens signed by the test. The verifier alone (accepted,
// and refused for each thing that can be wrong), the handler mapping the claim to an
// account over the in-process service, and the real server on loopback fetching the
// JWKS from a cpp-httplib server of the test.
#include "server/oidc.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/server_process.h"
#include "tests/service_fixture.h"

namespace parindex::server {
namespace {

using ::testing::HasSubstr;

constexpr char kIssuer[] = "https://sso.hungyen.gov.vn/realms/hy";
constexpr char kAudience[] = "parindex";

// ---- keys and tokens, made here with OpenSSL ----

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct TestKey {
  std::string kid;
  bool ec = false;
  Pkey pkey;
};

std::string B64(absl::string_view bytes) { return absl::WebSafeBase64Escape(bytes); }

// A big-number parameter of `pkey` as big-endian bytes (`size` with leading zeros, or
// as short as it is when 0).
std::string BnBytes(EVP_PKEY* pkey, const char* name, int size = 0) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(pkey, name, &bn), 1) << name;
  std::string out(size > 0 ? size : BN_num_bytes(bn), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()),
               static_cast<int>(out.size()));
  BN_free(bn);
  return out;
}

TestKey MakeKey(const std::string& kid, bool ec, int rsa_bits = 2048) {
  TestKey key;
  key.kid = kid;
  key.ec = ec;
  key.pkey.reset(ec ? EVP_EC_gen("P-256") : EVP_RSA_gen(rsa_bits));
  EXPECT_NE(key.pkey, nullptr);
  return key;
}

std::string Jwk(const TestKey& key) {
  if (key.ec) {
    return absl::StrCat(
        R"({"kty":"EC","crv":"P-256","use":"sig","alg":"ES256","kid":")", key.kid,
        R"(","x":")", B64(BnBytes(key.pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32)),
        R"(","y":")", B64(BnBytes(key.pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32)),
        R"("})");
  }
  return absl::StrCat(R"({"kty":"RSA","use":"sig","kid":")", key.kid, R"(","n":")",
                      B64(BnBytes(key.pkey.get(), OSSL_PKEY_PARAM_RSA_N)), R"(","e":")",
                      B64(BnBytes(key.pkey.get(), OSSL_PKEY_PARAM_RSA_E)), R"("})");
}

std::string Jwks(const std::vector<std::string>& jwks) {
  return absl::StrCat(R"({"keys":[)", absl::StrJoin(jwks, ","), "]}");
}

// RS256 or ES256 (R || S, as JWS has it) of `input`.
std::string Sign(const TestKey& key, absl::string_view input) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EXPECT_EQ(EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, key.pkey.get()), 1);
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  size_t size = 0;
  EXPECT_EQ(EVP_DigestSign(md, nullptr, &size, in, input.size()), 1);
  std::string signature(size, '\0');
  EXPECT_EQ(EVP_DigestSign(md, reinterpret_cast<unsigned char*>(signature.data()), &size,
                           in, input.size()),
            1);
  signature.resize(size);
  EVP_MD_CTX_free(md);
  if (!key.ec) return signature;
  const auto* der = reinterpret_cast<const unsigned char*>(signature.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(signature.size()));
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32,
               32);
  ECDSA_SIG_free(sig);
  return raw;
}

std::string Header(const std::string& alg, const std::string& kid) {
  return absl::StrCat(R"({"alg":")", alg, R"(","typ":"JWT","kid":")", kid, R"("})");
}

// Claims as raw JSON values by name.
using Claims = std::map<std::string, std::string>;

std::string Json(const Claims& claims) {
  std::vector<std::string> fields;
  for (const auto& [name, value] : claims)
    fields.push_back(absl::StrCat("\"", name, "\":", value));
  return absl::StrCat("{", absl::StrJoin(fields, ","), "}");
}

std::string Jwt(const TestKey& key, const Claims& claims, std::string header = "") {
  if (header.empty()) header = Header(key.ec ? "ES256" : "RS256", key.kid);
  const std::string input = absl::StrCat(B64(header), ".", B64(Json(claims)));
  return absl::StrCat(input, ".", B64(Sign(key, input)));
}

// Valid claims for `username` at `now`: five minutes left.
Claims ValidClaims(absl::Time now, const std::string& username = "lan.nguyen") {
  const int64_t t = absl::ToUnixSeconds(now);
  return {{"iss", absl::StrCat("\"", kIssuer, "\"")},
          {"aud", absl::StrCat("\"", kAudience, "\"")},
          {"sub", "\"f81d4fae-7dec-11d0-a765-00a0c91e6bf6\""},
          {"iat", absl::StrCat(t)},
          {"exp", absl::StrCat(t + 300)},
          {"preferred_username", absl::StrCat("\"", username, "\"")}};
}

// Keys made once (RSA generation takes a while).
const TestKey& Rsa() {
  static const TestKey* key = new TestKey(MakeKey("rsa-1", false));
  return *key;
}
const TestKey& Ec() {
  static const TestKey* key = new TestKey(MakeKey("ec-1", true));
  return *key;
}
const TestKey& Rsa2() {
  static const TestKey* key = new TestKey(MakeKey("rsa-2", false));
  return *key;
}

// ---- the verifier ----

class OidcVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    jwks_ = Jwks({Jwk(Rsa()), Jwk(Ec())});
    auto verifier = OidcVerifier::Create(Options(), Fetch(), &clock_);
    ASSERT_TRUE(verifier.ok()) << verifier.status();
    verifier_ = *std::move(verifier);
    ASSERT_EQ(fetches_, 1);
  }

  static OidcOptions Options() {
    OidcOptions options;
    options.issuer = kIssuer;
    options.audience = kAudience;
    return options;
  }

  JwksFetch Fetch() {
    return [this]() -> absl::StatusOr<std::string> {
      ++fetches_;
      if (!fetch_error_.ok()) return fetch_error_;
      return jwks_;
    };
  }

  // The verifier's refusal of `token`: UNAUTHENTICATED (else the status as text), and
  // a message that quotes no part of the token.
  std::string Refusal(const std::string& token) {
    absl::StatusOr<std::string> verified = verifier_->Verify(token);
    if (verified.ok()) return "accepted: " + *verified;
    EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated);
    for (absl::string_view part : absl::StrSplit(token, '.')) {
      if (part.size() >= 8) {
        EXPECT_THAT(std::string(verified.status().message()),
                    ::testing::Not(HasSubstr(std::string(part.substr(0, 8)))));
      }
    }
    return std::string(verified.status().message());
  }

  absl::Time Now() const { return clock_.Now(); }

  FakeClock clock_;
  std::string jwks_;
  absl::Status fetch_error_;
  int fetches_ = 0;
  std::unique_ptr<OidcVerifier> verifier_;
};

TEST_F(OidcVerifierTest, AcceptsRs256AndEs256FromTheIssuerForTheAudience) {
  EXPECT_EQ(*verifier_->Verify(Jwt(Rsa(), ValidClaims(Now()))), "lan.nguyen");
  EXPECT_EQ(*verifier_->Verify(Jwt(Ec(), ValidClaims(Now(), "hoa.tran"))), "hoa.tran");
  // aud as an array holding the audience among others.
  Claims claims = ValidClaims(Now());
  claims["aud"] = R"(["account", "parindex"])";
  EXPECT_EQ(*verifier_->Verify(Jwt(Ec(), claims)), "lan.nguyen");
  // Another claim names the account when configured so.
  OidcOptions options = Options();
  options.claim = "email";
  auto by_email = OidcVerifier::Create(options, Fetch(), &clock_);
  ASSERT_TRUE(by_email.ok());
  claims["email"] = R"("lan@hungyen.gov.vn")";
  EXPECT_EQ(*(*by_email)->Verify(Jwt(Rsa(), claims)), "lan@hungyen.gov.vn");
  EXPECT_EQ(fetches_, 2);  // one each at creation, none per token
}

TEST_F(OidcVerifierTest, RefusesABadSignature) {
  // The signature of other claims: the payload was changed after signing.
  const std::string signed_for_lan = Jwt(Rsa(), ValidClaims(Now()));
  const std::string forged = absl::StrCat(
      B64(Header("RS256", "rsa-1")), ".", B64(Json(ValidClaims(Now(), "admin"))), ".",
      signed_for_lan.substr(signed_for_lan.rfind('.') + 1));
  EXPECT_EQ(Refusal(forged), "bearer JWT: bad signature");
  const std::string ec = Jwt(Ec(), ValidClaims(Now()));
  const std::string ec_forged =
      absl::StrCat(ec.substr(0, ec.find('.') + 1), B64(Json(ValidClaims(Now(), "admin"))),
                   ec.substr(ec.rfind('.')));
  EXPECT_EQ(Refusal(ec_forged), "bearer JWT: bad signature");
  // Signed by a key that is not the issuer's but under the issuer's kid.
  const TestKey other = MakeKey("ec-1", true);
  EXPECT_EQ(Refusal(Jwt(other, ValidClaims(Now()))), "bearer JWT: bad signature");
  // An ES256 signature of the wrong length; an empty one.
  EXPECT_EQ(
      Refusal(absl::StrCat(ec.substr(0, ec.rfind('.') + 1), B64(std::string(63, 'x')))),
      "bearer JWT: bad signature");
  EXPECT_EQ(Refusal(absl::StrCat(ec.substr(0, ec.rfind('.') + 1))),
            "bearer JWT: bad signature");
}

TEST_F(OidcVerifierTest, RefusesAWrongIssuerOrAudience) {
  Claims claims = ValidClaims(Now());
  claims["iss"] = R"("https://sso.hanoi.gov.vn/realms/hn")";
  EXPECT_EQ(Refusal(Jwt(Rsa(), claims)),
            "bearer JWT: wrong issuer: iss is not https://sso.hungyen.gov.vn/realms/hy");
  claims.erase("iss");
  EXPECT_EQ(Refusal(Jwt(Rsa(), claims)),
            "bearer JWT: wrong issuer: iss is not https://sso.hungyen.gov.vn/realms/hy");
  const std::string wrong_audience =
      "bearer JWT: wrong audience: aud does not include parindex";
  for (const std::string aud : {R"("account")", R"(["account", "other"])", "[]", "42",
                                R"("parindex2")", R"([["parindex"]])"}) {
    claims = ValidClaims(Now());
    claims["aud"] = aud;
    EXPECT_EQ(Refusal(Jwt(Ec(), claims)), wrong_audience) << aud;
  }
  claims.erase("aud");
  EXPECT_EQ(Refusal(Jwt(Ec(), claims)), wrong_audience);
}

TEST_F(OidcVerifierTest, ExpiryAndNotBeforeByTheServersClockWithAMinuteOfLeeway) {
  // The clock: 2023-11-20T02:00:00Z.
  const int64_t now = absl::ToUnixSeconds(Now());
  Claims claims = ValidClaims(Now());
  claims["exp"] = absl::StrCat(now - 59);
  EXPECT_EQ(Refusal(Jwt(Rsa(), claims)), "accepted: lan.nguyen");
  claims["exp"] = absl::StrCat(now - 60);
  EXPECT_EQ(
      Refusal(Jwt(Rsa(), claims)),
      "bearer JWT: expired at 2023-11-20T01:59:00Z (server time 2023-11-20T02:00:00Z)");
  claims["exp"] = absl::StrCat(now - 3600);
  EXPECT_EQ(
      Refusal(Jwt(Rsa(), claims)),
      "bearer JWT: expired at 2023-11-20T01:00:00Z (server time 2023-11-20T02:00:00Z)");
  claims["exp"] = R"("2099-01-01")";
  EXPECT_EQ(Refusal(Jwt(Rsa(), claims)), "bearer JWT: exp: missing or not a number");
  claims.erase("exp");
  EXPECT_EQ(Refusal(Jwt(Rsa(), claims)), "bearer JWT: exp: missing or not a number");

  claims = ValidClaims(Now());
  claims["nbf"] = absl::StrCat(now + 60);
  EXPECT_EQ(Refusal(Jwt(Ec(), claims)), "accepted: lan.nguyen");
  claims["nbf"] = absl::StrCat(now + 61);
  EXPECT_EQ(Refusal(Jwt(Ec(), claims)),
            "bearer JWT: not valid before 2023-11-20T02:01:01Z (server time "
            "2023-11-20T02:00:00Z)");
  claims["nbf"] = "null";
  EXPECT_EQ(Refusal(Jwt(Ec(), claims)), "bearer JWT: nbf: not a number");

  // The same token, accepted now, is refused once the server's clock passes exp.
  const std::string token = Jwt(Rsa(), ValidClaims(Now()));
  EXPECT_EQ(Refusal(token), "accepted: lan.nguyen");
  clock_.Set(Now() + absl::Seconds(360));
  EXPECT_EQ(
      Refusal(token),
      "bearer JWT: expired at 2023-11-20T02:05:00Z (server time 2023-11-20T02:06:00Z)");
}

TEST_F(OidcVerifierTest, RefusesUnsignedSymmetricAndMismatchedAlgorithms) {
  const std::string payload = B64(Json(ValidClaims(Now())));
  // alg none, with and without a signature.
  const std::string none =
      absl::StrCat(B64(R"({"alg":"none","kid":"rsa-1"})"), ".", payload, ".");
  EXPECT_EQ(
      Refusal(none),
      "bearer JWT: header.alg: an unsigned token (none) is refused: RS256 or ES256 only");
  const std::string signed_none = absl::StrCat(B64(R"({"alg":"none","kid":"rsa-1"})"),
                                               ".", payload, ".", B64(Sign(Rsa(), "x")));
  EXPECT_THAT(Refusal(signed_none), HasSubstr("unsigned token (none) is refused"));
  // Algorithm confusion: HS256 with the RSA public key (as PEM, as a library that takes
  // "the key" would use it) as the HMAC secret.
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PUBKEY(bio, Rsa().pkey.get()), 1);
  char* pem_data = nullptr;
  const long pem_size = BIO_get_mem_data(bio, &pem_data);
  const std::string pem(pem_data, static_cast<size_t>(pem_size));
  BIO_free(bio);
  const std::string input = absl::StrCat(B64(Header("HS256", "rsa-1")), ".", payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  ASSERT_NE(HMAC(EVP_sha256(), pem.data(), static_cast<int>(pem.size()),
                 reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
                 &mac_size),
            nullptr);
  const std::string hs256 =
      absl::StrCat(input, ".", B64(std::string(reinterpret_cast<char*>(mac), mac_size)));
  EXPECT_EQ(
      Refusal(hs256),
      "bearer JWT: header.alg: HS256 (a shared secret) is refused: RS256 or ES256 only");
  // Other algorithms, even asymmetric ones.
  for (const std::string alg : {"RS512", "PS256", "ES384", "EdDSA", "rs256", ""}) {
    const std::string token = Jwt(Rsa(), ValidClaims(Now()), Header(alg, "rsa-1"));
    EXPECT_EQ(Refusal(token), alg.empty()
                                  ? "bearer JWT: header.alg: missing"
                                  : "bearer JWT: header.alg: only RS256 and ES256 "
                                    "are accepted")
        << alg;
  }
  // The algorithm must fit the key the kid names: an RSA key named for ES256, an EC
  // key for RS256.
  EXPECT_EQ(Refusal(Jwt(Ec(), ValidClaims(Now()), Header("ES256", "rsa-1"))),
            "bearer JWT: header.alg ES256 does not fit the key's type (RSA)");
  EXPECT_EQ(Refusal(Jwt(Rsa(), ValidClaims(Now()), Header("RS256", "ec-1"))),
            "bearer JWT: header.alg RS256 does not fit the key's type (EC)");
  // An extension the verifier would have to understand.
  EXPECT_EQ(Refusal(Jwt(Rsa(), ValidClaims(Now()),
                        R"({"alg":"RS256","kid":"rsa-1","crit":["exp"],"exp":1})")),
            "bearer JWT: header.crit: no extension is understood here");
  // Keys named by the token itself are never fetched or trusted.
  const TestKey mine = MakeKey("mine", true);
  EXPECT_THAT(
      Refusal(
          Jwt(mine, ValidClaims(Now()),
              absl::StrCat(
                  R"({"alg":"ES256","kid":"mine","jku":"http://127.0.0.1:1/k","jwk":)",
                  Jwk(mine), "}"))),
      HasSubstr("unknown key id"));
}

TEST_F(OidcVerifierTest, AnUnknownKidRefetchesTheJwksAtMostOnceAMinute) {
  // A new key at the issuer: its first token refetches, then it is cached.
  jwks_ = Jwks({Jwk(Rsa()), Jwk(Ec()), Jwk(Rsa2())});
  EXPECT_EQ(Refusal(Jwt(Rsa2(), ValidClaims(Now()))), "accepted: lan.nguyen");
  EXPECT_EQ(fetches_, 2);
  EXPECT_EQ(Refusal(Jwt(Rsa2(), ValidClaims(Now()))), "accepted: lan.nguyen");
  EXPECT_EQ(fetches_, 2);
  // An unknown kid within the minute: no fetch.
  const TestKey stranger = MakeKey("stranger", true);
  const std::string unknown =
      "bearer JWT: unknown key id: header.kid names no key of the issuer's JWKS";
  EXPECT_EQ(Refusal(Jwt(stranger, ValidClaims(Now()))), unknown);
  EXPECT_EQ(fetches_, 2);
  clock_.Set(Now() + absl::Seconds(59));
  EXPECT_EQ(Refusal(Jwt(stranger, ValidClaims(Now()))), unknown);
  EXPECT_EQ(fetches_, 2);
  // A minute later: one fetch, then none again.
  clock_.Set(Now() + absl::Seconds(1));
  EXPECT_EQ(Refusal(Jwt(stranger, ValidClaims(Now()))), unknown);
  EXPECT_EQ(fetches_, 3);
  for (int i = 0; i < 10; ++i) Refusal(Jwt(stranger, ValidClaims(Now())));
  EXPECT_EQ(fetches_, 3);
  // A failing fetch keeps the keys it had, and says so for an unknown kid.
  clock_.Set(Now() + absl::Seconds(60));
  fetch_error_ = absl::UnavailableError("https://sso.hungyen.gov.vn/certs: Connection");
  EXPECT_EQ(Refusal(Jwt(stranger, ValidClaims(Now()))),
            absl::StrCat(unknown,
                         " (refetching it failed: "
                         "https://sso.hungyen.gov.vn/certs: Connection)"));
  EXPECT_EQ(fetches_, 4);
  EXPECT_EQ(Refusal(Jwt(Rsa2(), ValidClaims(Now()))), "accepted: lan.nguyen");
  // A malformed document at the issuer: the same.
  clock_.Set(Now() + absl::Seconds(60));
  fetch_error_ = absl::OkStatus();
  jwks_ = "<html>maintenance</html>";
  EXPECT_THAT(Refusal(Jwt(stranger, ValidClaims(Now()))),
              HasSubstr("(refetching it failed: not a JSON object)"));
  EXPECT_EQ(Refusal(Jwt(Ec(), ValidClaims(Now()))), "accepted: lan.nguyen");
}

TEST_F(OidcVerifierTest, AKeyRemovedAtTheIssuerIsRefusedWithinTheHour) {
  jwks_ = Jwks({Jwk(Ec())});  // rsa-1 rotated out
  EXPECT_EQ(Refusal(Jwt(Rsa(), ValidClaims(Now()))), "accepted: lan.nguyen");  // cached
  clock_.Set(Now() + absl::Minutes(61));
  EXPECT_EQ(Refusal(Jwt(Rsa(), ValidClaims(Now()))),
            "bearer JWT: unknown key id: header.kid names no key of the issuer's JWKS");
  EXPECT_EQ(fetches_, 2);
  EXPECT_EQ(Refusal(Jwt(Ec(), ValidClaims(Now()))), "accepted: lan.nguyen");
  EXPECT_EQ(fetches_, 2);
}

TEST_F(OidcVerifierTest, RefusesMalformedAndHugeTokens) {
  const std::string good = Jwt(Rsa(), ValidClaims(Now()));
  const std::vector<absl::string_view> parts = absl::StrSplit(good, '.');
  const std::string shape = "bearer JWT: not three base64url parts separated by dots";
  EXPECT_EQ(Refusal(absl::StrCat(parts[0], ".", parts[1])), shape);
  EXPECT_EQ(Refusal(absl::StrCat(good, ".", parts[2])), shape);
  EXPECT_EQ(Refusal(".."), "bearer JWT: header: not a JSON object");
  // Not base64url: padding, the standard alphabet, spaces, a length no encoding has.
  EXPECT_EQ(Refusal(absl::StrCat(parts[0], "=.", parts[1], ".", parts[2])),
            "bearer JWT: header: not base64url");
  EXPECT_EQ(Refusal(absl::StrCat("eyJhbGciOiJSUzI1NiJ9+/.", parts[1], ".", parts[2])),
            "bearer JWT: header: not base64url");
  EXPECT_EQ(Refusal(absl::StrCat("eyJh bGc.", parts[1], ".", parts[2])),
            "bearer JWT: header: not base64url");
  EXPECT_EQ(Refusal(absl::StrCat("eyJhb.", parts[1], ".", parts[2])),
            "bearer JWT: header: not base64url");
  EXPECT_EQ(Refusal(absl::StrCat(parts[0], ".", parts[1], ".", parts[2], "*")),
            "bearer JWT: signature: not base64url");
  // Not JSON, or JSON that is not an object.
  for (const std::string header :
       {"not json", "{\"alg\":\"RS256\",\"alg\":\"none\",\"kid\":\"rsa-1\"}",
        "[\"RS256\"]", "\"RS256\"", "{\"alg\":\"RS256\",", "{\"alg\":\"RS\xff\"}"}) {
    EXPECT_EQ(Refusal(absl::StrCat(B64(header), ".", parts[1], ".", parts[2])),
              "bearer JWT: header: not a JSON object")
        << header;
  }
  EXPECT_EQ(
      Refusal(absl::StrCat(B64(R"({"alg":"RS256"})"), ".", parts[1], ".", parts[2])),
      "bearer JWT: header.kid: missing");
  EXPECT_EQ(Refusal(absl::StrCat(B64(R"({"alg":"RS256","kid":7})"), ".", parts[1], ".",
                                 parts[2])),
            "bearer JWT: header.kid: missing");
  // A payload that is not JSON, signed: refused after the signature, as not JSON.
  const std::string input =
      absl::StrCat(B64(Header("RS256", "rsa-1")), ".", B64("{\"iss\":"));
  EXPECT_EQ(Refusal(absl::StrCat(input, ".", B64(Sign(Rsa(), input)))),
            "bearer JWT: payload: not a JSON object");
  // The claim naming the account: absent, not a string, empty.
  for (const std::string value : {"", "42", "null", "\"\"", "[\"lan.nguyen\"]"}) {
    Claims claims = ValidClaims(Now());
    if (value.empty()) {
      claims.erase("preferred_username");
    } else {
      claims["preferred_username"] = value;
    }
    EXPECT_EQ(Refusal(Jwt(Ec(), claims)),
              "bearer JWT: preferred_username: missing or not a string")
        << value;
  }
  // Huge: refused before any decoding.
  Claims claims = ValidClaims(Now());
  claims["padding"] = absl::StrCat("\"", std::string(8000, 'a'), "\"");
  const std::string huge = Jwt(Rsa(), claims);
  ASSERT_GT(huge.size(), kMaxJwtBytes);
  EXPECT_EQ(Refusal(huge), "bearer JWT: longer than 8192 bytes");
  EXPECT_EQ(Refusal(std::string(1 << 20, '.')), "bearer JWT: longer than 8192 bytes");
  EXPECT_EQ(fetches_, 1);
}

TEST(OidcJwksTest, ADocumentWithoutUsableOrWithMalformedKeysIsRefusedNamingTheKey) {
  FakeClock clock;
  OidcOptions options;
  options.issuer = kIssuer;
  options.audience = kAudience;
  auto create = [&](const std::string& jwks) {
    absl::StatusOr<std::unique_ptr<OidcVerifier>> v = OidcVerifier::Create(
        options, [jwks]() -> absl::StatusOr<std::string> { return jwks; }, &clock);
    return v.ok() ? std::string("created") : std::string(v.status().message());
  };
  const std::string ec = Jwk(Ec());
  const std::string n = B64(BnBytes(Rsa().pkey.get(), OSSL_PKEY_PARAM_RSA_N));
  EXPECT_EQ(create(Jwks({ec})), "created");
  EXPECT_EQ(create("{}"), "--oidc-jwks: keys: missing or not an array");
  EXPECT_EQ(create("[]"), "--oidc-jwks: not a JSON object");
  EXPECT_EQ(create(Jwks({})),
            "--oidc-jwks: keys: no RSA or P-256 signing key with a kid (RS256 or ES256)");
  // Keys that cannot sign RS256 or ES256 are skipped: a shared secret, another curve, an
  // encryption key, another algorithm, no kid.
  const std::string skipped = Jwks(
      {R"({"kty":"oct","kid":"s","k":"c2VjcmV0"})",
       R"({"kty":"EC","crv":"P-384","kid":"p384","x":"AA","y":"AA"})",
       absl::StrCat(R"({"kty":"RSA","kid":"k","use":"enc","n":")", n, R"(","e":"AQAB"})"),
       absl::StrCat(R"({"kty":"RSA","kid":"k","alg":"RS512","n":")", n,
                    R"(","e":"AQAB"})"),
       absl::StrCat(R"({"kty":"RSA","kid":"k","alg":"ES256","n":")", n,
                    R"(","e":"AQAB"})"),
       R"({"kty":"RSA","n":"AQAB","e":"AQAB"})"});
  EXPECT_EQ(create(skipped),
            "--oidc-jwks: keys: no RSA or P-256 signing key with a kid (RS256 or ES256)");
  // Malformed keys of a usable kind refuse the document.
  EXPECT_EQ(create(Jwks({ec, R"({"kty":"RSA","kid":"r","n":"a+b","e":"AQAB"})"})),
            "--oidc-jwks: keys[1].n: missing or not base64url");
  EXPECT_EQ(create(Jwks({R"({"kty":"RSA","kid":"r","n":"AQAB"})"})),
            "--oidc-jwks: keys[0].e: missing or not base64url");
  const TestKey small = MakeKey("small", false, 1024);
  EXPECT_EQ(create(Jwks({Jwk(small)})),
            "--oidc-jwks: keys[0].n: an RSA modulus of 1024 bits; at least 2048");
  EXPECT_EQ(create(Jwks(
                {absl::StrCat(R"({"kty":"RSA","kid":"r","e":"AQAA","n":")", n, "\"}")})),
            "--oidc-jwks: keys[0].e: not an RSA public exponent");
  // A point that is not on P-256 (y changed).
  const std::string x = B64(BnBytes(Ec().pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32));
  std::string y = BnBytes(Ec().pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32);
  y[31] ^= 1;
  EXPECT_EQ(create(Jwks({absl::StrCat(R"({"kty":"EC","crv":"P-256","kid":"e","x":")", x,
                                      R"(","y":")", B64(y), "\"}")})),
            "--oidc-jwks: keys[0].x, y: not a point of P-256");
  EXPECT_EQ(create(Jwks({absl::StrCat(R"({"kty":"EC","crv":"P-256","kid":"e","x":")", x,
                                      R"(","y":"AAAA"})")})),
            "--oidc-jwks: keys[0].x, y: a P-256 point is 32 bytes each, got 32 and 3");
  EXPECT_EQ(create(Jwks({ec, ec})),
            "--oidc-jwks: keys[1].kid: another key has the same kid");
  EXPECT_EQ(create(std::string(kMaxJwksBytes + 1, ' ')),
            "--oidc-jwks: longer than 1048576 bytes");
  // The options.
  options.audience = "";
  EXPECT_EQ(create(Jwks({ec})), "--oidc-audience: is required with --oidc-issuer");
}

TEST(OidcJwksTest, AJwksUrlIsHttpsOrLoopbackHttpAndAFileIsRead) {
  EXPECT_TRUE(
      JwksFetcher("https://sso.hungyen.gov.vn/realms/hy/protocol/openid-connect/certs")
          .ok());
  EXPECT_TRUE(JwksFetcher("http://127.0.0.1:8443/certs").ok());
  EXPECT_TRUE(JwksFetcher("http://localhost/certs").ok());
  EXPECT_TRUE(JwksFetcher("http://[::1]:80/certs").ok());
  absl::StatusOr<JwksFetch> plain = JwksFetcher("http://sso.hungyen.gov.vn/certs");
  EXPECT_EQ(plain.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(plain.status().message()),
              HasSubstr("--oidc-jwks http://sso.hungyen.gov.vn/certs: keys fetched over "
                        "plain http could be swapped on the way"));
  // A look-alike of a loopback host.
  EXPECT_FALSE(JwksFetcher("http://localhost.evil.example/certs").ok());
  EXPECT_FALSE(JwksFetcher("http://127.0.0.1.evil.example/certs").ok());
  EXPECT_FALSE(JwksFetcher("ftp://127.0.0.1/certs").ok());
  testing::TempDir dir;
  const std::string path = dir.File("jwks.json");
  std::ofstream(path) << Jwks({Jwk(Ec())});
  absl::StatusOr<JwksFetch> file = JwksFetcher(path);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(*(*file)(), Jwks({Jwk(Ec())}));
  EXPECT_EQ((*JwksFetcher(dir.File("absent.json")))().status().code(),
            absl::StatusCode::kNotFound);
}

TEST(OidcJwksTest, AnHttpsIssuerWhoseCertificateIsNotTrustedIsNotFetched) {
  // An https JWKS endpoint on loopback with a self-signed certificate: the fetch checks
  // the certificate against the system's CAs and refuses it, so its keys are never read.
  testing::TempDir dir;
  const std::string cert = dir.File("cert.pem"), key = dir.File("key.pem");
  ASSERT_EQ(std::system(absl::StrCat(
                            "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "
                            "/CN=localhost -addext subjectAltName=IP:127.0.0.1 -keyout '",
                            key, "' -out '", cert, "' 2>/dev/null")
                            .c_str()),
            0);
  httplib::SSLServer server(cert.c_str(), key.c_str());
  ASSERT_TRUE(server.is_valid());
  std::atomic<int> served{0};
  server.Get("/certs", [&](const httplib::Request&, httplib::Response& res) {
    ++served;
    res.set_content(Jwks({Jwk(Ec())}), "application/json");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { server.listen_after_bind(); });
  const std::string url = absl::StrCat("https://127.0.0.1:", port, "/certs");
  absl::StatusOr<JwksFetch> fetch = JwksFetcher(url);
  ASSERT_TRUE(fetch.ok());
  absl::StatusOr<std::string> fetched = (*fetch)();
  EXPECT_EQ(fetched.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(std::string(fetched.status().message()),
            absl::StrCat(url, ": SSLServerVerification"));  // httplib's name of the error
  EXPECT_EQ(served, 0);
  server.stop();
  thread.join();
}

// ---- the handler: the claim names an account ----

class OidcServiceTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    OidcOptions options;
    options.issuer = kIssuer;
    options.audience = kAudience;
    const std::string jwks = Jwks({Jwk(Rsa()), Jwk(Ec())});
    auto verifier = OidcVerifier::Create(
        options, [jwks]() -> absl::StatusOr<std::string> { return jwks; }, &clock_);
    ASSERT_TRUE(verifier.ok()) << verifier.status();
    oidc_ = *std::move(verifier);
    sso_services_ = MakeServices(core_.get(), {.log_rpcs = false, .oidc = oidc_.get()});
    grpc::ServerBuilder builder;
    for (auto& service : sso_services_) builder.RegisterService(service.get());
    sso_server_ = builder.BuildAndStart();
    sso_channel_ = sso_server_->InProcessChannel(grpc::ChannelArguments());
    sso_assessments_ = v1::AssessmentService::NewStub(sso_channel_);
    sso_accounts_ = v1::AccountService::NewStub(sso_channel_);
  }
  void TearDown() override {
    sso_server_->Shutdown();
    ServiceTest::TearDown();
  }

  grpc::Status GetAssessment(v1::AssessmentService::Stub* stub, const std::string& who,
                             const std::string& unit) {
    v1::GetByNameRequest get;
    get.set_name(absl::StrCat("rounds/r/assessments/", unit));
    v1::Assessment a;
    return Call(stub, &v1::AssessmentService::Stub::GetAssessment, who, get, &a);
  }

  std::unique_ptr<OidcVerifier> oidc_;
  std::vector<std::unique_ptr<grpc::Service>> sso_services_;
  std::unique_ptr<grpc::Server> sso_server_;
  std::shared_ptr<grpc::Channel> sso_channel_;
  std::unique_ptr<v1::AssessmentService::Stub> sso_assessments_;
  std::unique_ptr<v1::AccountService::Stub> sso_accounts_;
};

TEST_F(OidcServiceTest, AJwtActsAsTheAccountItNamesWithItsScopeAndName) {
  CreateDemoRound();
  const v1::Account officer =
      CreateAccount("hn.officer", v1::ROLE_WARD, "units/HN", "Trần Văn Hùng").account();
  const std::string jwt = Jwt(Ec(), ValidClaims(clock_.Now(), "hn.officer"));
  // Its own unit; not the neighbour's form.
  EXPECT_TRUE(GetAssessment(sso_assessments_.get(), jwt, "HN").ok());
  grpc::Status other = GetAssessment(sso_assessments_.get(), jwt, "LS");
  EXPECT_EQ(other.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // GetMe answers the account; SignOut is the identity server's.
  v1::Account me;
  ASSERT_TRUE(Call(sso_accounts_.get(), &v1::AccountService::Stub::GetMe, jwt,
                   v1::GetMeRequest(), &me)
                  .ok());
  EXPECT_EQ(me.id(), officer.id());
  v1::SignOutResponse out;
  grpc::Status sign_out = Call(sso_accounts_.get(), &v1::AccountService::Stub::SignOut,
                               jwt, v1::SignOutRequest(), &out);
  EXPECT_EQ(sign_out.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(sign_out.error_message(),
            "SignOut ends a session (ps_…); single sign-on ends at the identity server");
  // Its writes are audited as the account, with the person's name.
  v1::BatchUpdateEntriesResponse updated;
  ASSERT_TRUE(Call(sso_assessments_.get(),
                   &v1::AssessmentService::Stub::BatchUpdateEntries, jwt,
                   SelfEntries("HN"), &updated)
                  .ok());
  v1::ListRequest list;
  list.set_filter(absl::StrCat("actor=", officer.id()));
  v1::ListAuditEventsResponse events;
  ASSERT_TRUE(
      Call(audit_.get(), &v1::AuditService::Stub::ListAuditEvents, admin_, list, &events)
          .ok());
  ASSERT_GE(events.events_size(), 1);
  for (const v1::AuditEvent& e : events.events()) {
    EXPECT_EQ(e.actor_name(), "Trần Văn Hùng") << e.action();
    EXPECT_EQ(e.role(), "ward");
  }
}

TEST_F(OidcServiceTest, AClaimNamingNoAccountOrADisabledOneIsRefused) {
  CreateDemoRound();
  const v1::Account officer =
      CreateAccount("hn.officer", v1::ROLE_WARD, "units/HN", "Trần Văn Hùng").account();
  grpc::Status none = GetAssessment(
      sso_assessments_.get(), Jwt(Rsa(), ValidClaims(clock_.Now(), "ls.officer")), "HN");
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(
      none.error_message(),
      "bearer JWT: the username it names has no account here: ask an admin for one");
  const std::string jwt = Jwt(Rsa(), ValidClaims(clock_.Now(), "hn.officer"));
  ASSERT_TRUE(GetAssessment(sso_assessments_.get(), jwt, "HN").ok());
  v1::GetByNameRequest name;
  name.set_name(absl::StrCat("accounts/", officer.id()));
  v1::Account disabled;
  ASSERT_TRUE(Call(accounts_.get(), &v1::AccountService::Stub::DisableAccount, admin_,
                   name, &disabled)
                  .ok());
  grpc::Status refused = GetAssessment(sso_assessments_.get(), jwt, "HN");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(refused.error_message(), "bearer JWT: the account it names is disabled");
  // A verifier's refusal reaches the caller as it is.
  grpc::Status expired = GetAssessment(
      sso_assessments_.get(),
      Jwt(Rsa(), ValidClaims(clock_.Now() - absl::Minutes(10), "hn.officer")), "HN");
  EXPECT_EQ(expired.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(expired.error_message(), HasSubstr("bearer JWT: expired at "));
}

TEST_F(OidcServiceTest, AServerWithoutSingleSignOnRefusesAJwt) {
  CreateDemoRound();
  CreateAccount("hn.officer", v1::ROLE_WARD, "units/HN", "Trần Văn Hùng").account();
  grpc::Status status = GetAssessment(
      assessments_.get(), Jwt(Rsa(), ValidClaims(clock_.Now(), "hn.officer")), "HN");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(),
            "bearer JWT: this server accepts no single sign-on (see --oidc-issuer)");
}

// ---- the real server, its JWKS fetched over HTTP ----

// The issuer's JWKS endpoint on loopback: serves `jwks`, counts fetches.
class JwksServer {
 public:
  JwksServer() {
    server_.Get("/realms/hy/certs",
                [this](const httplib::Request&, httplib::Response& res) {
                  ++fetches_;
                  std::lock_guard<std::mutex> lock(mu_);
                  res.set_content(jwks_, "application/json");
                });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~JwksServer() {
    server_.stop();
    thread_.join();
  }
  void Set(const std::string& jwks) {
    std::lock_guard<std::mutex> lock(mu_);
    jwks_ = jwks;
  }
  std::string Url() const {
    return absl::StrCat("http://127.0.0.1:", port_, "/realms/hy/certs");
  }
  int fetches() const { return fetches_; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::string jwks_;
  std::atomic<int> fetches_{0};
};

TEST(OidcServerTest, TheRealServerFetchesTheJwksOnceAndAgainForANewKid) {
  JwksServer issuer;
  issuer.Set(Jwks({Jwk(Rsa())}));
  testing::TempDir dir;
  parindex::testing::Server server = parindex::testing::Start(
      dir.File("sso.db"), {"--oidc-issuer", kIssuer, "--oidc-audience", kAudience,
                           "--oidc-jwks", issuer.Url()});
  ASSERT_FALSE(server.address.empty());
  EXPECT_EQ(issuer.fetches(), 1);  // at start
  auto channel = grpc::CreateChannel(server.address, grpc::InsecureChannelCredentials());
  auto accounts = v1::AccountService::NewStub(channel);
  auto assessments = v1::AssessmentService::NewStub(channel);
  auto call = [](auto* stub, auto method, const std::string& token, const auto& request,
                 auto* response) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    return (stub->*method)(&context, request, response);
  };
  v1::CreateAccountRequest create;
  create.set_username("pls.officer");
  create.set_full_name("Phạm Thị Lan");
  create.set_role(v1::ROLE_WARD);
  create.set_scope("units/PLS");
  v1::CreateAccountResponse created;
  grpc::Status status = call(accounts.get(), &v1::AccountService::Stub::CreateAccount,
                             server.tokens["admin"], create, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();
  auto get = [&](const std::string& jwt, const std::string& unit) {
    v1::GetByNameRequest r;
    r.set_name(absl::StrCat("rounds/hungyen-2023/assessments/", unit));
    v1::Assessment a;
    return call(assessments.get(), &v1::AssessmentService::Stub::GetAssessment, jwt, r,
                &a);
  };
  // The real clock: tokens valid from now for five minutes.
  const std::string jwt = Jwt(Rsa(), ValidClaims(absl::Now(), "pls.officer"));
  status = get(jwt, "PLS");
  EXPECT_TRUE(status.ok()) << status.error_message();
  status = get(jwt, "XTH");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << status.error_message();
  status = get(jwt, "NOPE");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(), "this token acts for unit PLS, not NOPE");
  EXPECT_EQ(issuer.fetches(), 1);  // cached
  // The issuer adds a key: its first token refetches once.
  issuer.Set(Jwks({Jwk(Rsa()), Jwk(Ec())}));
  const std::string jwt2 = Jwt(Ec(), ValidClaims(absl::Now(), "pls.officer"));
  status = get(jwt2, "PLS");
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(issuer.fetches(), 2);
  status = get(jwt2, "PLS");
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(issuer.fetches(), 2);
  // Made-up kids right after: refused without fetching again (once a minute at most).
  for (int i = 0; i < 5; ++i) {
    const TestKey stranger = MakeKey(absl::StrCat("stranger-", i), true);
    status = get(Jwt(stranger, ValidClaims(absl::Now(), "pls.officer")), "PLS");
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(status.error_message(),
              "bearer JWT: unknown key id: header.kid names no key of the issuer's JWKS");
  }
  EXPECT_EQ(issuer.fetches(), 2);
  EXPECT_EQ(parindex::testing::Stop(server), 0);
}

TEST(OidcServerTest, TheServerDoesNotStartWithoutTheIssuersKeys) {
  testing::TempDir dir;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--oidc-issuer", kIssuer, "--oidc-audience", kAudience, "--oidc-jwks",
        dir.File("absent.json")},
       absl::StrCat("parindex-server: INVALID_ARGUMENT: --oidc-jwks: ",
                    dir.File("absent.json"), ": cannot open")},
      {{"--oidc-issuer", kIssuer, "--oidc-jwks", dir.File("absent.json")},
       "parindex-server: INVALID_ARGUMENT: --oidc-audience: is required with "
       "--oidc-issuer"},
      {{"--oidc-issuer", kIssuer, "--oidc-audience", kAudience},
       "parindex-server: INVALID_ARGUMENT: --oidc-jwks: is required with --oidc-issuer "
       "(a file or a URL)"},
  };
  for (const auto& [flags, message] : cases) {
    std::string command = absl::StrCat(PARINDEX_SERVER, " serve --db ", dir.File("x.db"),
                                       " --listen 127.0.0.1:0");
    for (const std::string& flag : flags) absl::StrAppend(&command, " '", flag, "'");
    absl::StrAppend(&command, " 2>&1");
    FILE* pipe = popen(command.c_str(), "r");
    std::string out;
    char buffer[512];
    while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) out += buffer;
    EXPECT_EQ(WEXITSTATUS(pclose(pipe)), 1) << out;
    EXPECT_EQ(out, message + "\n");
  }
}

}  // namespace
}  // namespace parindex::server
