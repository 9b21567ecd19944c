// `parindex login|logout|whoami|passwd` (client/account_commands.h).
#include "client/account_commands.h"

#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"

namespace parindex::client {
namespace {

std::string RoleName(v1::Role role) {
  return absl::AsciiStrToLower(absl::StripPrefix(v1::Role_Name(role), "ROLE_"));
}

std::string Describe(const v1::Account& a) {
  return absl::StrCat(a.username(), " (", a.full_name(), ", ", RoleName(a.role()),
                      ", scope ", a.scope(), ")");
}

constexpr char kOneTime[] =
    "this is a one-time password: choose your own with `parindex passwd` before "
    "anything else\n";

}  // namespace

absl::StatusOr<std::string> ReadSecret(const std::string& prompt) {
  std::string line;
  if (isatty(STDIN_FILENO)) {
    std::cerr << prompt << std::flush;
    termios old_mode;
    const bool saved = tcgetattr(STDIN_FILENO, &old_mode) == 0;
    if (saved) {
      termios quiet = old_mode;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    const bool read = static_cast<bool>(std::getline(std::cin, line));
    if (saved) tcsetattr(STDIN_FILENO, TCSAFLUSH, &old_mode);
    std::cerr << "\n";
    if (!read) return absl::OutOfRangeError("no password given");
  } else if (!std::getline(std::cin, line)) {
    return absl::OutOfRangeError("no password given (stdin ended)");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

absl::StatusOr<std::string> Login(const Connection& connection,
                                  const std::string& username) {
  CallOptions options = connection.options;
  options.token.clear();  // SignIn needs no authorization
  Api api(options);
  v1::SignInRequest request;
  request.set_username(username);
  ASSIGN_OR_RETURN(*request.mutable_password(),
                   ReadSecret(absl::StrCat("password for ", username, ": ")));
  ASSIGN_OR_RETURN(v1::SignInResponse signed_in,
                   api.Call(api.accounts(), &v1::AccountService::Stub::SignIn, request));
  RETURN_IF_ERROR(SaveSession(
      {options.server, signed_in.session(), signed_in.account().username(), options.ca}));
  ASSIGN_OR_RETURN(const std::string path, SessionPath());
  return absl::StrCat("signed in to ", options.server, " as ",
                      Describe(signed_in.account()), "; the session is in ", path,
                      " until ", signed_in.absolute_expires_at(),
                      " (or 30 minutes unused)\n",
                      signed_in.account().must_change_password() ? kOneTime : "");
}

absl::StatusOr<std::string> Logout() {
  ASSIGN_OR_RETURN(const Session session, LoadSession());
  CallOptions options;
  options.server = session.server;
  options.token = session.session;
  options.ca = session.ca;
  Api api(options);
  absl::StatusOr<v1::SignOutResponse> out =
      api.Call(api.accounts(), &v1::AccountService::Stub::SignOut, v1::SignOutRequest());
  if (!out.ok() && !absl::IsUnauthenticated(out.status())) return out.status();
  RETURN_IF_ERROR(RemoveSession());
  return absl::StrCat(out.ok() ? "signed out of " : "the session had already ended on ",
                      session.server, "\n");
}

absl::StatusOr<std::string> WhoAmI(Api& api, const Connection& connection) {
  if (absl::StartsWith(connection.options.token, "ps_")) {
    ASSIGN_OR_RETURN(
        v1::Account me,
        api.Call(api.accounts(), &v1::AccountService::Stub::GetMe, v1::GetMeRequest()));
    return absl::StrCat(Describe(me), " on ", connection.options.server,
                        connection.from_session ? " (the saved session)" : "", "\n",
                        me.must_change_password() ? kOneTime : "");
  }
  if (connection.options.token.empty()) {
    return absl::UnauthenticatedError(
        "no credential: run parindex login, or give --token or PARINDEX_TOKEN");
  }
  ASSIGN_OR_RETURN(v1::Token token,
                   api.Call(api.tokens(), &v1::TokenService::Stub::GetCallerToken,
                            v1::GetCallerTokenRequest()));
  return absl::StrCat(
      "token ", token.id(), " (", token.label(), ", ", RoleName(token.role()),
      token.unit().empty() ? "" : absl::StrCat(" of ", token.unit()),
      token.scope().empty() ? "" : absl::StrCat(", scope ", token.scope()), ") on ",
      connection.options.server, "\n");
}

absl::StatusOr<std::string> ChangePassword(Api& api) {
  v1::ChangePasswordRequest request;
  ASSIGN_OR_RETURN(*request.mutable_old_password(), ReadSecret("current password: "));
  ASSIGN_OR_RETURN(*request.mutable_new_password(), ReadSecret("new password: "));
  if (isatty(STDIN_FILENO)) {
    ASSIGN_OR_RETURN(const std::string again, ReadSecret("new password again: "));
    if (again != request.new_password())
      return absl::InvalidArgumentError("new_password: the two new passwords differ");
  }
  ASSIGN_OR_RETURN(
      v1::Account account,
      api.Call(api.accounts(), &v1::AccountService::Stub::ChangePassword, request));
  return absl::StrCat("changed the password of ", account.username(), "\n");
}

}  // namespace parindex::client
