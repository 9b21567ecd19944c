// `parindex login|logout|whoami|passwd`: a person's session on the command line, kept
// in a file only its owner can read (client/connection.h).
#ifndef PARINDEX_CLIENT_ACCOUNT_COMMANDS_H_
#define PARINDEX_CLIENT_ACCOUNT_COMMANDS_H_

#include <string>

#include "absl/status/statusor.h"
#include "client/api.h"
#include "client/connection.h"

namespace parindex::client {

// One line of secret input: from the terminal without echo after `prompt` (on stderr)
// when stdin is a terminal, else the next line of stdin. OUT_OF_RANGE at end of input.
absl::StatusOr<std::string> ReadSecret(const std::string& prompt);

// Signs `username` in on `connection`'s server (SignIn, the password read with
// ReadSecret) and saves the session for later commands.
absl::StatusOr<std::string> Login(const Connection& connection,
                                  const std::string& username);
// Ends the saved session on its server (SignOut) and deletes the file; an already
// ended session is only deleted.
absl::StatusOr<std::string> Logout();
// Who the credential is: the signed-in person (GetMe) or a token (GetCallerToken).
absl::StatusOr<std::string> WhoAmI(Api& api, const Connection& connection);
// ChangePassword: the current password, then the new one twice on a terminal (old and
// new, one a line, from stdin otherwise).
absl::StatusOr<std::string> ChangePassword(Api& api);

}  // namespace parindex::client

#endif  // PARINDEX_CLIENT_ACCOUNT_COMMANDS_H_
