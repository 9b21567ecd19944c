// AccountCore: people's accounts (argon2id password hashes, one-time passwords), their
// sign-in sessions, and the lock after repeated failed sign-ins (README: "Accounts and
// sign-in").
#ifndef PARINDEX_SERVER_CORE_ACCOUNT_H_
#define PARINDEX_SERVER_CORE_ACCOUNT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "parindex/v1/service.pb.h"
#include "server/core_base.h"

namespace parindex::server {

// The rules of sign-in, in one place.
struct SignInRules {
  absl::Duration idle = absl::Minutes(30);    // a session ends after this unused
  absl::Duration absolute = absl::Hours(12);  // and this long after sign-in at most
  int max_failures = 5;                       // failed sign-ins within `window`
  absl::Duration window = absl::Minutes(15);
  absl::Duration lock = absl::Minutes(15);  // then refused for this long
  // The same from one client address, whatever usernames it tries.
  int max_address_failures = 20;
  absl::Duration address_window = absl::Minutes(15);
  absl::Duration address_lock = absl::Minutes(15);
  absl::Duration touch_every = absl::Minutes(1);  // a session's last call is written
                                                  // at most this often
};

// Sessions are presented with this prefix ("ps_…"); tokens have "pi_".
inline constexpr absl::string_view kSessionPrefix = "ps_";

// The message of every refused sign-in: a wrong password, an unknown or disabled
// username, a lock: the answer never tells which usernames exist.
inline constexpr absl::string_view kSignInRefused =
    "wrong username or password, or too many failed attempts: wait 15 minutes";

// argon2id (libsodium, OPSLIMIT/MEMLIMIT_INTERACTIVE): an encoded hash string.
absl::StatusOr<std::string> HashPassword(absl::string_view password);
bool VerifyPassword(const std::string& hash, absl::string_view password);

class AccountCore : private CoreBase {
 public:
  AccountCore(store::Store* store, const store::Clock* clock, RoundCache* cache);

  absl::StatusOr<v1::CreateAccountResponse> CreateAccount(
      const Caller& c, const v1::CreateAccountRequest& r);
  absl::StatusOr<v1::ListAccountsResponse> ListAccounts(const Caller& c,
                                                        const v1::ListRequest& r);
  absl::StatusOr<v1::Account> DisableAccount(const Caller& c,
                                             const v1::GetByNameRequest& r);
  absl::StatusOr<v1::ResetPasswordResponse> ResetPassword(const Caller& c,
                                                          const v1::GetByNameRequest& r);
  absl::StatusOr<v1::Account> ChangePassword(const Caller& c,
                                             const v1::ChangePasswordRequest& r);
  // `c` is empty but for the client's address (SignIn needs no authorization); its
  // failures are counted by username and, when known, by that address.
  absl::StatusOr<v1::SignInResponse> SignIn(const Caller& c, const v1::SignInRequest& r);
  absl::StatusOr<v1::SignOutResponse> SignOut(const Caller& c,
                                              const v1::SignOutRequest& r);
  absl::StatusOr<v1::Account> GetMe(const Caller& c, const v1::GetMeRequest& r);

  // A bearer "ps_…": the session's caller (the account's role, scope and name, its id
  // as actor), or UNAUTHENTICATED when unknown, ended, expired or the account is
  // disabled.
  absl::StatusOr<Caller> Authenticate(absl::string_view session);

  // Single sign-on: the caller of the account whose username a verified JWT names
  // (server/oidc.h), or UNAUTHENTICATED when there is none or it is disabled.
  absl::StatusOr<Caller> CallerForSignOn(absl::string_view username);

  // A caller acting as `account` (a token made for it).
  static Caller CallerOf(const v1::Account& account);

 private:
  absl::StatusOr<std::string> OneTimePassword() const;
  absl::StatusOr<v1::Account> AccountOf(const std::string& name);

  SignInRules rules_;
  std::string dummy_hash_;  // verified for unknown usernames, so they take as long
};

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_CORE_ACCOUNT_H_
