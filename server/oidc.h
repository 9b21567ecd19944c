// Single sign-on: a bearer JWT from a province's OpenID Connect identity server,
// verified against the issuer's published keys (JWKS). No gRPC here: the handler maps
// the verified claim to an account (AccountCore::CallerForSignOn). README: "Single
// sign-on".
#ifndef PARINDEX_SERVER_OIDC_H_
#define PARINDEX_SERVER_OIDC_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/store/store.h"

namespace parindex::server {

struct OidcOptions {
  std::string issuer;                         // `iss` must equal it exactly
  std::string audience;                       // `aud` (a string or an array) must hold it
  std::string claim = "preferred_username";   // names the account (its username)
  absl::Duration leeway = absl::Seconds(60);  // for `exp` and `nbf`, both ways
  // An unknown `kid` (or keys older than max_age) refetches the JWKS at most once per
  // refetch_interval, by the server's clock.
  absl::Duration refetch_interval = absl::Seconds(60);
  absl::Duration max_age = absl::Hours(1);  // then refreshed, so a removed key stops
};

// The longest bearer JWT accepted (bytes); longer ones are refused before decoding.
inline constexpr size_t kMaxJwtBytes = 8192;
// The largest JWKS document read.
inline constexpr size_t kMaxJwksBytes = 1 << 20;

// Whether a bearer value has the shape of a compact JWS (three parts, two dots):
// sessions ("ps_…") and tokens ("pi_…") have no dot.
bool IsJwtShaped(absl::string_view bearer);

// Reads the JWKS document: its text or why not.
using JwksFetch = std::function<absl::StatusOr<std::string>()>;

// A fetch of `file_or_url`: an https:// URL (the system's CA certificates), an
// http:// URL on a loopback host only (127.x, localhost, [::1]), or a file path.
// INVALID_ARGUMENT naming --oidc-jwks for another URL.
absl::StatusOr<JwksFetch> JwksFetcher(const std::string& file_or_url);

class OidcVerifier {
 public:
  // Fetches the JWKS once now: INVALID_ARGUMENT naming the option or the key
  // (`keys[1].n: …`) when the options or the document are unusable.
  static absl::StatusOr<std::unique_ptr<OidcVerifier>> Create(OidcOptions options,
                                                              JwksFetch fetch,
                                                              const store::Clock* clock);
  ~OidcVerifier();

  // The value of the configured claim (the username) of a token signed (RS256 or
  // ES256) by a key of the issuer's JWKS, from the issuer, for the audience, and
  // current by the clock. Otherwise UNAUTHENTICATED "bearer JWT: …" saying what failed
  // (never quoting the token). Thread-safe.
  absl::StatusOr<std::string> Verify(absl::string_view token);

  const OidcOptions& options() const { return options_; }

  // One key of the JWKS (kid -> key); defined in oidc.cc.
  struct Key;
  using KeySet = std::map<std::string, std::shared_ptr<const Key>>;

 private:
  OidcVerifier(OidcOptions options, JwksFetch fetch, const store::Clock* clock)
      : options_(std::move(options)), fetch_(std::move(fetch)), clock_(clock) {}

  // The key named `kid`, refetching the JWKS when it is unknown or old (rate-limited);
  // UNAUTHENTICATED "unknown key id" when there is none.
  absl::StatusOr<std::shared_ptr<const Key>> FindKey(const std::string& kid);
  // Refetches unless one was tried within refetch_interval; keeps the old keys when
  // the fetch fails.
  absl::Status Refetch();
  absl::Status Load();  // fetches and parses, replacing keys_ on success

  const OidcOptions options_;
  const JwksFetch fetch_;
  const store::Clock* clock_;
  std::mutex fetch_mu_;  // one fetch at a time; held outside mu_
  std::mutex mu_;        // guards what follows
  std::shared_ptr<const KeySet> keys_;
  absl::Time fetched_at_ = absl::InfinitePast();  // the keys' fetch
  absl::Time tried_at_ = absl::InfinitePast();    // the last refetch tried
};

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_OIDC_H_
