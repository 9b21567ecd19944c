// AccountCore: accounts, sessions and the sign-in lock (server/core_account.h).
#include "server/core_account.h"

#include <openssl/rand.h>
#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "server/core_util.h"

namespace parindex::server {

namespace {

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

absl::StatusOr<std::string> RandomBytes(size_t n) {
  std::string bytes(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n)) !=
      1)
    return absl::InternalError("no randomness");
  return bytes;
}

absl::Status CheckUsername(absl::string_view username) {
  if (username.size() < 3 || username.size() > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("username: 3 to 64 characters, got ", username.size()));
  }
  for (char ch : username) {
    if (!(absl::ascii_islower(ch) || absl::ascii_isdigit(ch) || ch == '.' || ch == '_' ||
          ch == '-')) {
      return absl::InvalidArgumentError(
          "username: lower-case ASCII letters, digits, '.', '_' and '-' only");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> HashPassword(absl::string_view password) {
  static const bool ready = sodium_init() >= 0;
  if (!ready) return absl::InternalError("libsodium did not initialise");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(
          out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
          crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("hashing a password ran out of memory");
  }
  return std::string(out);
}

bool VerifyPassword(const std::string& hash, absl::string_view password) {
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

AccountCore::AccountCore(store::Store* store, const store::Clock* clock,
                         RoundCache* cache)
    : CoreBase(store, clock, cache) {
  absl::StatusOr<std::string> dummy = HashPassword("not a password of anyone's");
  if (dummy.ok()) dummy_hash_ = *std::move(dummy);
}

Caller AccountCore::CallerOf(const v1::Account& account) {
  Caller caller;
  caller.role = account.role();
  caller.token_id = account.id();
  caller.scope = account.scope();
  caller.name = account.full_name();
  if (absl::StartsWith(account.scope(), "units/"))
    caller.unit = account.scope().substr(6);
  return caller;
}

absl::StatusOr<std::string> AccountCore::OneTimePassword() const {
  ASSIGN_OR_RETURN(std::string bytes, RandomBytes(15));
  return absl::WebSafeBase64Escape(bytes);  // 20 characters, 120 bits
}

absl::StatusOr<v1::Account> AccountCore::AccountOf(const std::string& name) {
  ASSIGN_OR_RETURN(std::string id, ParseName(name, "accounts"));
  ASSIGN_OR_RETURN(store::StoredAccount stored, store_->GetAccount(id));
  return stored.account;
}

absl::StatusOr<v1::CreateAccountResponse> AccountCore::CreateAccount(
    const Caller& c, const v1::CreateAccountRequest& r) {
  RETURN_IF_ERROR(CheckUsername(r.username()));
  if (r.full_name().empty()) return absl::InvalidArgumentError("full_name: is required");
  RETURN_IF_ERROR(CheckText(r.full_name(), "full_name"));
  RETURN_IF_ERROR(CheckText(r.contact(), "contact"));
  if (r.role() == v1::ROLE_UNSPECIFIED)
    return absl::InvalidArgumentError("role: is required");
  RETURN_IF_ERROR(CheckScope(r.role(), r.scope(), "scope"));
  if (absl::StartsWith(r.scope(), "units/")) {
    absl::Status unit = store_->GetUnit(r.scope().substr(6)).status();
    if (!unit.ok()) {
      return absl::Status(unit.code(), absl::StrCat("scope: ", unit.message()));
    }
  } else if (absl::StartsWith(r.scope(), "parent/")) {
    // A parent is a registered unit or only a code that units name (a province).
    const std::string code = r.scope().substr(7);
    ASSIGN_OR_RETURN(std::vector<v1::Unit> units, store_->ListUnits());
    if (std::none_of(units.begin(), units.end(), [&](const v1::Unit& u) {
          return u.code() == code || u.parent() == code;
        })) {
      return absl::NotFoundError(
          absl::StrCat("scope: no unit is ", code, " or has it as its parent"));
    }
  }
  store::WriteContext ctx = Ctx(c, r, "CreateAccount", "accounts", r.request_id());
  ASSIGN_OR_RETURN(auto prior, Replayed<v1::CreateAccountResponse>(ctx));
  if (prior.has_value()) return *std::move(prior);  // without the password: shown once
  ASSIGN_OR_RETURN(std::string id_bytes, RandomBytes(8));
  v1::CreateAccountResponse response;
  ASSIGN_OR_RETURN(std::string password, OneTimePassword());
  ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  response.set_one_time_password(password);
  v1::Account* account = response.mutable_account();
  account->set_id(absl::StrCat("acc_", absl::BytesToHexString(id_bytes)));
  account->set_username(r.username());
  account->set_full_name(r.full_name());
  account->set_contact(r.contact());
  account->set_role(r.role());
  account->set_scope(r.scope());
  account->set_must_change_password(true);
  ctx.response = [&](const v1::WriteAck& ack) {
    v1::CreateAccountResponse stored;
    *stored.mutable_account() = response.account();
    stored.mutable_account()->set_created_at(ack.at());
    return stored.SerializeAsString();
  };
  ASSIGN_OR_RETURN(v1::WriteAck ack, store_->AddAccount(ctx, *account, hash));
  if (ack.replayed()) {
    ASSIGN_OR_RETURN(auto stored, Replayed<v1::CreateAccountResponse>(ctx));
    if (stored.has_value()) return *std::move(stored);
  }
  account->set_created_at(ack.at());
  return response;
}

absl::StatusOr<v1::ListAccountsResponse> AccountCore::ListAccounts(
    const Caller&, const v1::ListRequest& r) {
  RETURN_IF_ERROR(NoFilter(r));
  ASSIGN_OR_RETURN(std::vector<v1::Account> accounts, store_->ListAccounts());
  v1::ListAccountsResponse response;
  RETURN_IF_ERROR(
      Page(accounts, r, response.mutable_accounts(), response.mutable_next_page_token()));
  return response;
}

absl::StatusOr<v1::Account> AccountCore::DisableAccount(const Caller& c,
                                                        const v1::GetByNameRequest& r) {
  ASSIGN_OR_RETURN(v1::Account account, AccountOf(r.name()));
  if (!account.disabled_at().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(r.name(), ": already disabled at ", account.disabled_at()));
  }
  account.set_disabled_at(Rfc3339(Now()));
  store::WriteContext ctx = Ctx(c, r, "DisableAccount", r.name(), "");
  ctx.action = "account.disable";
  absl::Status written =
      store_->UpdateAccount(ctx, account, "", /*end_sessions=*/true).status();
  cache_->AccountChanged(account.id());  // whether or not written: read again
  RETURN_IF_ERROR(written);
  return account;
}

absl::StatusOr<v1::ResetPasswordResponse> AccountCore::ResetPassword(
    const Caller& c, const v1::GetByNameRequest& r) {
  ASSIGN_OR_RETURN(v1::Account account, AccountOf(r.name()));
  v1::ResetPasswordResponse response;
  ASSIGN_OR_RETURN(std::string password, OneTimePassword());
  ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  account.set_must_change_password(true);
  store::WriteContext ctx = Ctx(c, r, "ResetPassword", r.name(), "");
  ctx.action = "account.reset_password";
  absl::Status written =
      store_->UpdateAccount(ctx, account, hash, /*end_sessions=*/true).status();
  cache_->AccountChanged(account.id());
  RETURN_IF_ERROR(written);
  *response.mutable_account() = account;
  response.set_one_time_password(password);
  return response;
}

absl::StatusOr<v1::Account> AccountCore::ChangePassword(
    const Caller& c, const v1::ChangePasswordRequest& r) {
  if (c.session_sha256.empty()) {
    return absl::FailedPreconditionError(
        "ChangePassword is for a signed-in person: present a session (ps_…), not a "
        "token");
  }
  ASSIGN_OR_RETURN(store::StoredAccount stored, store_->GetAccount(c.token_id));
  if (!VerifyPassword(stored.password_hash, r.old_password())) {
    return absl::InvalidArgumentError("old_password: is not the current password");
  }
  // Ten spaces (or no-break spaces, or zero-width ones) are ten characters, and no
  // password; a control character cannot be typed at a sign-in page.
  const std::optional<TextFault> fault =
      FindTextFault(r.new_password(), /*line_breaks=*/false);
  if (fault.has_value() && fault->control) {
    return absl::InvalidArgumentError(
        absl::StrFormat("new_password: holds U+%04X (a control character) at byte %d",
                        fault->code_point, fault->at));
  }
  const int visible = VisibleCharacters(r.new_password());
  if (visible < 10) {
    return absl::InvalidArgumentError(
        absl::StrCat("new_password: at least 10 characters besides spaces and invisible "
                     "ones, got ",
                     visible));
  }
  // Usernames are lower case; "Hoa.Tran" is as guessable as "hoa.tran".
  if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(r.new_password()),
                             stored.account.username())) {
    return absl::InvalidArgumentError("new_password: must not be the username");
  }
  if (r.new_password() == r.old_password()) {
    return absl::InvalidArgumentError("new_password: must differ from the old one");
  }
  ASSIGN_OR_RETURN(std::string hash, HashPassword(r.new_password()));
  v1::Account account = stored.account;
  account.set_must_change_password(false);
  account.set_password_changed_at(Rfc3339(Now()));
  store::WriteContext ctx = Ctx(c, v1::GetMeRequest(), "ChangePassword",
                                absl::StrCat("accounts/", account.id()), "");
  ctx.action = "account.change_password";
  absl::Status written =
      store_->UpdateAccount(ctx, account, hash, /*end_sessions=*/false).status();
  cache_->AccountChanged(account.id());
  RETURN_IF_ERROR(written);
  return account;
}

absl::StatusOr<v1::SignInResponse> AccountCore::SignIn(const Caller& c,
                                                       const v1::SignInRequest& r) {
  const absl::Time now = Now();
  const int64_t now_s = absl::ToUnixSeconds(now);
  const absl::Status refused = absl::UnauthenticatedError(kSignInRefused);
  // Who failed is the username as typed: unknown ones are counted and locked alike.
  store::WriteContext failure;
  failure.actor = {r.username(), "anonymous", "", ""};
  if (!c.address.empty()) failure.reason = absl::StrCat("from ", c.address);
  ASSIGN_OR_RETURN(int64_t locked_until, store_->SignInLockedUntil(r.username()));
  if (!c.address.empty()) {
    ASSIGN_OR_RETURN(int64_t address_locked_until,
                     store_->SignInAddressLockedUntil(c.address));
    locked_until = std::max(locked_until, address_locked_until);
  }
  absl::StatusOr<store::StoredAccount> found = store_->FindAccount(r.username());
  if (!found.ok() && found.status().code() != absl::StatusCode::kNotFound)
    return found.status();
  // The same work whether or not the username exists: one argon2id verification (an
  // unknown username's against a dummy hash, its answer ignored).
  bool matches = false;
  if (found.ok()) {
    matches = VerifyPassword(found->password_hash, r.password());
  } else {
    VerifyPassword(dummy_hash_, r.password());
  }
  if (locked_until > now_s) return refused;  // checked after the hash: same timing
  if (!matches || !found->account.disabled_at().empty()) {
    RETURN_IF_ERROR(store_
                        ->AddSignInFailure(failure, r.username(), now_s,
                                           absl::ToInt64Seconds(rules_.window),
                                           rules_.max_failures,
                                           absl::ToInt64Seconds(rules_.lock))
                        .status());
    if (!c.address.empty()) {
      RETURN_IF_ERROR(
          store_
              ->AddSignInAddressFailure(
                  failure, c.address, now_s, absl::ToInt64Seconds(rules_.address_window),
                  rules_.max_address_failures, absl::ToInt64Seconds(rules_.address_lock))
              .status());
    }
    return refused;
  }
  ASSIGN_OR_RETURN(std::string bytes, RandomBytes(32));
  v1::SignInResponse response;
  response.set_session(absl::StrCat(kSessionPrefix, absl::WebSafeBase64Escape(bytes)));
  const Caller person = CallerOf(found->account);
  store::WriteContext ctx;
  ctx.actor = person.actor();
  RETURN_IF_ERROR(
      store_->AddSession(ctx, Sha256Hex(response.session()), found->account, now_s)
          .status());
  *response.mutable_account() = found->account;
  response.set_idle_expires_at(Rfc3339(now + rules_.idle));
  response.set_absolute_expires_at(Rfc3339(now + rules_.absolute));
  return response;
}

absl::StatusOr<Caller> AccountCore::Authenticate(absl::string_view session) {
  const absl::Status unknown =
      absl::UnauthenticatedError("unknown, ended or expired session: sign in again");
  const std::string hash = Sha256Hex(session);
  absl::StatusOr<store::StoredSession> s = store_->FindSession(hash);
  if (!s.ok()) {
    return s.status().code() == absl::StatusCode::kNotFound ? unknown : s.status();
  }
  const int64_t now = absl::ToUnixSeconds(Now());
  if (s->ended || now - s->seen > absl::ToInt64Seconds(rules_.idle) ||
      now - s->created > absl::ToInt64Seconds(rules_.absolute)) {
    return unknown;
  }
  ASSIGN_OR_RETURN(store::StoredAccount stored, cache_->Account(s->account_id));
  if (!stored.account.disabled_at().empty()) return unknown;
  if (now - s->seen >= absl::ToInt64Seconds(rules_.touch_every)) {
    RETURN_IF_ERROR(store_->TouchSession(hash, now));
  }
  Caller caller = CallerOf(stored.account);
  caller.session_sha256 = hash;
  caller.must_change_password = stored.account.must_change_password();
  return caller;
}

absl::StatusOr<Caller> AccountCore::CallerForSignOn(absl::string_view username) {
  absl::StatusOr<store::StoredAccount> stored = store_->FindAccount(username);
  if (!stored.ok()) {
    if (stored.status().code() != absl::StatusCode::kNotFound) return stored.status();
    return absl::UnauthenticatedError(
        "bearer JWT: the username it names has no account here: ask an admin for one");
  }
  if (!stored->account.disabled_at().empty())
    return absl::UnauthenticatedError("bearer JWT: the account it names is disabled");
  Caller caller = CallerOf(stored->account);
  caller.single_sign_on = true;  // the identity server checked the person, not a password
  return caller;
}

absl::StatusOr<v1::SignOutResponse> AccountCore::SignOut(const Caller& c,
                                                         const v1::SignOutRequest&) {
  if (c.single_sign_on) {
    return absl::FailedPreconditionError(
        "SignOut ends a session (ps_…); single sign-on ends at the identity server");
  }
  if (c.session_sha256.empty()) {
    return absl::FailedPreconditionError(
        "SignOut ends a session (ps_…); a token is revoked with RevokeToken");
  }
  store::WriteContext ctx;
  ctx.actor = c.actor();
  RETURN_IF_ERROR(
      store_->EndSession(ctx, c.session_sha256, absl::ToUnixSeconds(Now())).status());
  return v1::SignOutResponse();
}

absl::StatusOr<v1::Account> AccountCore::GetMe(const Caller& c, const v1::GetMeRequest&) {
  if (c.session_sha256.empty() && !c.single_sign_on) {
    return absl::FailedPreconditionError(
        "GetMe is for a signed-in person (ps_…); a token asks GetCallerToken");
  }
  ASSIGN_OR_RETURN(store::StoredAccount stored, store_->GetAccount(c.token_id));
  return stored.account;
}

}  // namespace parindex::server
