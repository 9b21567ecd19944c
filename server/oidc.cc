// Single sign-on: JWKS keys built with OpenSSL 3 from their JWK parameters, compact JWS
// verified with EVP_DigestVerify, claims read as google.protobuf.Struct
// (server/oidc.h).
#include "server/oidc.h"

#include <arpa/inet.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "httplib.h"

namespace parindex::server {

// What OidcVerifier::Key holds (a type of the header needs them with linkage).
namespace oidc_internal {
template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
enum class KeyType { kRsa, kEc };
}  // namespace oidc_internal

namespace {

using google::protobuf::Struct;
using google::protobuf::Value;
using oidc_internal::Deleter;
using oidc_internal::KeyType;
using oidc_internal::PkeyPtr;

using PkeyCtxPtr =
    std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ParamBldPtr =
    std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

const char* KeyTypeName(KeyType type) { return type == KeyType::kRsa ? "RSA" : "EC"; }

absl::Status Refused(absl::string_view what) {
  return absl::UnauthenticatedError(absl::StrCat("bearer JWT: ", what));
}

// Base64url without padding (RFC 7515 §2); nullopt for anything else.
std::optional<std::string> Base64Url(absl::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  for (const char c : text) {
    if (!(absl::ascii_isalnum(c) || c == '-' || c == '_')) return std::nullopt;
  }
  std::string out;
  if (!absl::WebSafeBase64Unescape(text, &out)) return std::nullopt;
  return out;
}

std::optional<Struct> ParseObject(absl::string_view json) {
  Struct object;
  if (!google::protobuf::util::JsonStringToMessage(std::string(json), &object).ok())
    return std::nullopt;
  return object;
}

const Value* Field(const Struct& object, const std::string& name) {
  auto it = object.fields().find(name);
  return it == object.fields().end() ? nullptr : &it->second;
}

// The string field `name`: nullopt when absent or not a string.
std::optional<std::string> StringField(const Struct& object, const std::string& name) {
  const Value* value = Field(object, name);
  if (value == nullptr || value->kind_case() != Value::kStringValue) return std::nullopt;
  return value->string_value();
}

// ---- keys ----

// The public key of `type` ("RSA", "EC") from `bld`'s parameters; INVALID_ARGUMENT
// `refused` when OpenSSL refuses them.
absl::StatusOr<PkeyPtr> FromData(const char* type, OSSL_PARAM_BLD* bld,
                                 absl::string_view refused) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(refused);
  }
  return PkeyPtr(pkey);
}

absl::StatusOr<PkeyPtr> RsaKey(const std::string& n, const std::string& e) {
  auto bytes = [](const std::string& s) {
    return BnPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(s.data()),
                           static_cast<int>(s.size()), nullptr));
  };
  BnPtr bn_n = bytes(n), bn_e = bytes(e);
  if (bn_n == nullptr || bn_e == nullptr) return absl::InternalError("out of memory");
  if (BN_num_bits(bn_n.get()) < 2048) {
    return absl::InvalidArgumentError(absl::StrCat(
        "n: an RSA modulus of ", BN_num_bits(bn_n.get()), " bits; at least 2048"));
  }
  if (!BN_is_odd(bn_e.get()) || BN_num_bits(bn_e.get()) < 2 ||
      BN_num_bits(bn_e.get()) > 32) {
    return absl::InvalidArgumentError("e: not an RSA public exponent");
  }
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return absl::InternalError("out of memory");
  }
  return FromData("RSA", bld.get(), "n, e: not an RSA public key");
}

absl::StatusOr<PkeyPtr> EcKey(const std::string& x, const std::string& y) {
  if (x.size() != 32 || y.size() != 32) {
    return absl::InvalidArgumentError(absl::StrCat(
        "x, y: a P-256 point is 32 bytes each, got ", x.size(), " and ", y.size()));
  }
  const std::string point = absl::StrCat("\x04", x, y);  // uncompressed (SEC 1)
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "P-256",
                                      0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return absl::InternalError("out of memory");
  }
  ASSIGN_OR_RETURN(PkeyPtr pkey, FromData("EC", bld.get(), "x, y: not a point of P-256"));
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (check == nullptr || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError("x, y: not a point of P-256");
  }
  return pkey;
}

// Whether `signature` signs `input` with `key` (SHA-256: RS256 or ES256).
bool SignatureMatches(KeyType type, EVP_PKEY* key, absl::string_view input,
                      std::string signature) {
  if (type == KeyType::kEc) {
    // JWS carries ECDSA as R || S, 32 bytes each (RFC 7518 §3.4); OpenSSL wants DER.
    if (signature.size() != 64) return false;
    const auto* raw = reinterpret_cast<const unsigned char*>(signature.data());
    EcdsaSigPtr sig(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(raw, 32, nullptr);
    BIGNUM* s = BN_bin2bn(raw + 32, 32, nullptr);
    if (sig == nullptr || r == nullptr || s == nullptr ||
        ECDSA_SIG_set0(sig.get(), r, s) != 1) {
      BN_free(r);
      BN_free(s);
      return false;
    }
    const int size = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (size <= 0) return false;
    std::string der(static_cast<size_t>(size), '\0');
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    i2d_ECDSA_SIG(sig.get(), &out);
    signature = std::move(der);
  }
  MdCtxPtr md(EVP_MD_CTX_new());
  const bool ok =
      md != nullptr &&
      EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(),
                       reinterpret_cast<const unsigned char*>(input.data()),
                       input.size()) == 1;
  ERR_clear_error();
  return ok;
}

const char* AlgOf(KeyType type) { return type == KeyType::kRsa ? "RS256" : "ES256"; }

}  // namespace

struct OidcVerifier::Key {
  oidc_internal::KeyType type;
  oidc_internal::PkeyPtr pkey;
};

namespace {

// The usable keys of a JWKS document: RSA (2048 bits or more) and P-256 keys with a
// `kid`, for signing. Keys of other types, curves, uses or algorithms are skipped; a
// malformed key of a usable type refuses the whole document, naming it.
absl::StatusOr<OidcVerifier::KeySet> ParseJwks(absl::string_view text) {
  if (text.size() > kMaxJwksBytes)
    return absl::InvalidArgumentError(
        absl::StrCat("longer than ", kMaxJwksBytes, " bytes"));
  std::optional<Struct> jwks = ParseObject(text);
  if (!jwks.has_value()) return absl::InvalidArgumentError("not a JSON object");
  const Value* keys = Field(*jwks, "keys");
  if (keys == nullptr || keys->kind_case() != Value::kListValue)
    return absl::InvalidArgumentError("keys: missing or not an array");
  OidcVerifier::KeySet set;
  for (int i = 0; i < keys->list_value().values_size(); ++i) {
    const Value& entry = keys->list_value().values(i);
    const std::string at = absl::StrCat("keys[", i, "]");
    if (entry.kind_case() != Value::kStructValue)
      return absl::InvalidArgumentError(absl::StrCat(at, ": not an object"));
    const Struct& jwk = entry.struct_value();
    const std::string kty = StringField(jwk, "kty").value_or("");
    const std::optional<std::string> use = StringField(jwk, "use");
    const std::optional<std::string> alg = StringField(jwk, "alg");
    const std::optional<std::string> kid = StringField(jwk, "kid");
    KeyType type;
    if (kty == "RSA") {
      type = KeyType::kRsa;
    } else if (kty == "EC" && StringField(jwk, "crv") == "P-256") {
      type = KeyType::kEc;
    } else {
      continue;  // another type or curve (and never "oct": no shared secrets)
    }
    if ((use.has_value() && *use != "sig") || (alg.has_value() && *alg != AlgOf(type)) ||
        !kid.has_value() || kid->empty()) {
      continue;
    }
    absl::StatusOr<PkeyPtr> pkey = absl::InternalError("");
    if (type == KeyType::kRsa) {
      std::optional<std::string> n = Base64Url(StringField(jwk, "n").value_or("="));
      std::optional<std::string> e = Base64Url(StringField(jwk, "e").value_or("="));
      if (!n.has_value() || !e.has_value()) {
        return absl::InvalidArgumentError(absl::StrCat(at, ".", n.has_value() ? "e" : "n",
                                                       ": missing or not base64url"));
      }
      pkey = RsaKey(*n, *e);
    } else {
      std::optional<std::string> x = Base64Url(StringField(jwk, "x").value_or("="));
      std::optional<std::string> y = Base64Url(StringField(jwk, "y").value_or("="));
      if (!x.has_value() || !y.has_value()) {
        return absl::InvalidArgumentError(absl::StrCat(at, ".", x.has_value() ? "y" : "x",
                                                       ": missing or not base64url"));
      }
      pkey = EcKey(*x, *y);
    }
    if (!pkey.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".", pkey.status().message()));
    }
    auto key = std::make_shared<OidcVerifier::Key>();
    key->type = type;
    key->pkey = *std::move(pkey);
    if (!set.emplace(*kid, std::move(key)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ".kid: another key has the same kid"));
    }
  }
  if (set.empty()) {
    return absl::InvalidArgumentError(
        "keys: no RSA or P-256 signing key with a kid (RS256 or ES256)");
  }
  return set;
}

bool IsLoopbackHost(absl::string_view host) {
  in_addr address;
  if (inet_pton(AF_INET, std::string(host).c_str(), &address) == 1)
    return (ntohl(address.s_addr) >> 24) == 127;
  return host == "localhost" || host == "[::1]";
}

absl::StatusOr<std::string> ReadJwksFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::string text(kMaxJwksBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

absl::StatusOr<std::string> FetchJwksUrl(const std::string& origin,
                                         const std::string& path) {
  httplib::Client client(origin);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(5, 0);
  client.set_write_timeout(5, 0);
  client.enable_server_certificate_verification(true);
  std::string body;
  bool too_long = false;
  httplib::Result result = client.Get(path, [&](const char* data, size_t n) {
    if (body.size() + n > kMaxJwksBytes) {
      too_long = true;
      return false;
    }
    body.append(data, n);
    return true;
  });
  const std::string url = origin + path;
  if (too_long) {
    return absl::UnavailableError(
        absl::StrCat(url, ": longer than ", kMaxJwksBytes, " bytes"));
  }
  if (!result) {
    return absl::UnavailableError(
        absl::StrCat(url, ": ", httplib::to_string(result.error())));
  }
  if (result->status != 200) {
    return absl::UnavailableError(absl::StrCat(url, ": HTTP status ", result->status));
  }
  return body;
}

}  // namespace

bool IsJwtShaped(absl::string_view bearer) {
  return std::count(bearer.begin(), bearer.end(), '.') == 2;
}

absl::StatusOr<JwksFetch> JwksFetcher(const std::string& file_or_url) {
  absl::string_view rest = file_or_url;
  const bool https = absl::ConsumePrefix(&rest, "https://");
  const bool http = !https && absl::ConsumePrefix(&rest, "http://");
  if (!https && !http) {
    if (absl::StrContains(file_or_url, "://")) {
      return absl::InvalidArgumentError(
          absl::StrCat("--oidc-jwks ", file_or_url,
                       ": a file, or an https:// (or loopback http://) URL"));
    }
    return JwksFetch([file_or_url] { return ReadJwksFile(file_or_url); });
  }
  const size_t slash = rest.find('/');
  const absl::string_view authority = rest.substr(0, slash);
  const std::string path =
      slash == absl::string_view::npos ? "/" : std::string(rest.substr(slash));
  absl::string_view host = authority;
  if (absl::StartsWith(host, "[")) {
    host = host.substr(0, host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (host.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--oidc-jwks ", file_or_url, ": no host in the URL"));
  }
  if (http && !IsLoopbackHost(host)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--oidc-jwks ", file_or_url,
        ": keys fetched over plain http could be swapped on the way: use https:// "
        "(http:// only on a loopback host)"));
  }
  const std::string origin = absl::StrCat(https ? "https://" : "http://", authority);
  return JwksFetch([origin, path] { return FetchJwksUrl(origin, path); });
}

absl::StatusOr<std::unique_ptr<OidcVerifier>> OidcVerifier::Create(
    OidcOptions options, JwksFetch fetch, const store::Clock* clock) {
  if (options.issuer.empty())
    return absl::InvalidArgumentError("--oidc-issuer: is required");
  if (options.audience.empty())
    return absl::InvalidArgumentError("--oidc-audience: is required with --oidc-issuer");
  if (options.claim.empty())
    return absl::InvalidArgumentError("--oidc-claim: must name a claim");
  std::unique_ptr<OidcVerifier> verifier(
      new OidcVerifier(std::move(options), std::move(fetch), clock));
  absl::Status loaded = verifier->Load();
  if (!loaded.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--oidc-jwks: ", loaded.message()));
  }
  return verifier;
}

OidcVerifier::~OidcVerifier() = default;

absl::Status OidcVerifier::Load() {
  ASSIGN_OR_RETURN(std::string text, fetch_());
  ASSIGN_OR_RETURN(KeySet keys, ParseJwks(text));
  std::lock_guard<std::mutex> lock(mu_);
  keys_ = std::make_shared<const KeySet>(std::move(keys));
  fetched_at_ = clock_->Now();
  return absl::OkStatus();
}

absl::Status OidcVerifier::Refetch() {
  std::lock_guard<std::mutex> fetching(fetch_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    const absl::Time now = clock_->Now();
    if (now - tried_at_ < options_.refetch_interval) return absl::OkStatus();
    tried_at_ = now;
  }
  return Load();
}

absl::StatusOr<std::shared_ptr<const OidcVerifier::Key>> OidcVerifier::FindKey(
    const std::string& kid) {
  std::shared_ptr<const KeySet> keys;
  bool old = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    keys = keys_;
    old = clock_->Now() - fetched_at_ > options_.max_age;
  }
  if (!old) {
    auto it = keys->find(kid);
    if (it != keys->end()) return it->second;
  }
  const absl::Status refetched = Refetch();
  {
    std::lock_guard<std::mutex> lock(mu_);
    keys = keys_;
  }
  auto it = keys->find(kid);
  if (it != keys->end()) return it->second;  // old keys serve while the issuer is down
  return Refused(absl::StrCat(
      "unknown key id: header.kid names no key of the issuer's JWKS",
      refetched.ok()
          ? ""
          : absl::StrCat(" (refetching it failed: ", refetched.message(), ")")));
}

absl::StatusOr<std::string> OidcVerifier::Verify(absl::string_view token) {
  if (token.size() > kMaxJwtBytes)
    return Refused(absl::StrCat("longer than ", kMaxJwtBytes, " bytes"));
  const std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return Refused("not three base64url parts separated by dots");

  // The header: which algorithm and key.
  const std::optional<std::string> header_json = Base64Url(parts[0]);
  if (!header_json.has_value()) return Refused("header: not base64url");
  const std::optional<Struct> header = ParseObject(*header_json);
  if (!header.has_value()) return Refused("header: not a JSON object");
  const std::string alg = StringField(*header, "alg").value_or("");
  if (alg.empty()) return Refused("header.alg: missing");
  if (alg == "none") {
    return Refused(
        "header.alg: an unsigned token (none) is refused: RS256 or ES256 only");
  }
  if (alg == "HS256" || alg == "HS384" || alg == "HS512") {
    return Refused(absl::StrCat("header.alg: ", alg,
                                " (a shared secret) is refused: RS256 or ES256 only"));
  }
  if (alg != "RS256" && alg != "ES256")
    return Refused("header.alg: only RS256 and ES256 are accepted");
  if (Field(*header, "crit") != nullptr)
    return Refused("header.crit: no extension is understood here");
  const std::optional<std::string> kid = StringField(*header, "kid");
  if (!kid.has_value()) return Refused("header.kid: missing");
  ASSIGN_OR_RETURN(std::shared_ptr<const Key> key, FindKey(*kid));
  if (alg != AlgOf(key->type)) {
    return Refused(absl::StrCat("header.alg ", alg, " does not fit the key's type (",
                                KeyTypeName(key->type), ")"));
  }

  // The signature, before anything of the payload is read.
  std::optional<std::string> signature = Base64Url(parts[2]);
  if (!signature.has_value()) return Refused("signature: not base64url");
  const absl::string_view input = token.substr(0, parts[0].size() + 1 + parts[1].size());
  if (!SignatureMatches(key->type, key->pkey.get(), input, *std::move(signature)))
    return Refused("bad signature");

  // The claims.
  const std::optional<std::string> payload_json = Base64Url(parts[1]);
  if (!payload_json.has_value()) return Refused("payload: not base64url");
  const std::optional<Struct> claims = ParseObject(*payload_json);
  if (!claims.has_value()) return Refused("payload: not a JSON object");
  if (StringField(*claims, "iss") != options_.issuer)
    return Refused(absl::StrCat("wrong issuer: iss is not ", options_.issuer));
  const Value* aud = Field(*claims, "aud");
  bool audience = false;
  if (aud != nullptr && aud->kind_case() == Value::kStringValue) {
    audience = aud->string_value() == options_.audience;
  } else if (aud != nullptr && aud->kind_case() == Value::kListValue) {
    for (const Value& v : aud->list_value().values()) {
      audience = audience || (v.kind_case() == Value::kStringValue &&
                              v.string_value() == options_.audience);
    }
  }
  if (!audience) {
    return Refused(
        absl::StrCat("wrong audience: aud does not include ", options_.audience));
  }
  const absl::Time now = clock_->Now();
  const auto at = [](double seconds) {
    return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                            absl::UnixEpoch() + absl::Seconds(seconds),
                            absl::UTCTimeZone());
  };
  const Value* exp = Field(*claims, "exp");
  if (exp == nullptr || exp->kind_case() != Value::kNumberValue)
    return Refused("exp: missing or not a number");
  if (now >= absl::UnixEpoch() + absl::Seconds(exp->number_value()) + options_.leeway) {
    return Refused(absl::StrCat("expired at ", at(exp->number_value()), " (server time ",
                                at(absl::ToDoubleSeconds(now - absl::UnixEpoch())), ")"));
  }
  const Value* nbf = Field(*claims, "nbf");
  if (nbf != nullptr) {
    if (nbf->kind_case() != Value::kNumberValue) return Refused("nbf: not a number");
    if (now + options_.leeway < absl::UnixEpoch() + absl::Seconds(nbf->number_value())) {
      return Refused(
          absl::StrCat("not valid before ", at(nbf->number_value()), " (server time ",
                       at(absl::ToDoubleSeconds(now - absl::UnixEpoch())), ")"));
    }
  }
  const std::optional<std::string> name = StringField(*claims, options_.claim);
  if (!name.has_value() || name->empty())
    return Refused(absl::StrCat(options_.claim, ": missing or not a string"));
  return *name;
}

}  // namespace parindex::server
