// Where the server is and who calls: flags, else PARINDEX_* variables, else a config
// file, else the session `parindex login` left in the user's config directory.
#ifndef PARINDEX_CLIENT_CONNECTION_H_
#define PARINDEX_CLIENT_CONNECTION_H_

#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "client/call_command.h"

namespace parindex::client {

// What the command line said; an empty optional was not given.
struct ConnectionFlags {
  std::optional<std::string> server, token, ca, config;
  bool use_session = true;  // false: never read the saved session (login)
};

// The options a call uses, and whether its credential is the saved session.
struct Connection {
  CallOptions options;
  bool from_session = false;
};

// Resolves each setting in order: the flag, the environment (PARINDEX_SERVER,
// PARINDEX_TOKEN, PARINDEX_CA), the config file (--config, else PARINDEX_CONFIG; TOML:
// server = "…", token = "…", ca = "…"), the saved session (its server, and its session
// as the token when no token was given and the server is the session's), the default
// 127.0.0.1:50051. Errors: a config file that cannot be read or holds other keys
// (file:line), a session file others may read.
absl::StatusOr<Connection> ResolveConnection(const ConnectionFlags& flags);

// `key = "value"` lines, `#` comments; keys outside `allowed` are INVALID_ARGUMENT
// naming file:line.
absl::StatusOr<std::map<std::string, std::string>> ParseKeyValues(
    const std::string& text, const std::string& file,
    const std::initializer_list<const char*>& allowed);

// The saved session of `parindex login`.
struct Session {
  std::string server;
  std::string session;  // "ps_…"
  std::string username;
  std::string ca;  // PEM file used to sign in, if any
};

// $XDG_CONFIG_HOME/parindex/session, else $HOME/.config/parindex/session.
absl::StatusOr<std::string> SessionPath();
// The saved session; NOT_FOUND when there is none; FAILED_PRECONDITION when the file is
// not a regular file of this user readable by its owner only.
absl::StatusOr<Session> LoadSession();
// Writes the session atomically (a new file of mode 0600, renamed over the old one),
// creating the directory with mode 0700 when missing.
absl::Status SaveSession(const Session& session);
// Deletes the saved session (OK when there is none).
absl::Status RemoveSession();

}  // namespace parindex::client

#endif  // PARINDEX_CLIENT_CONNECTION_H_
