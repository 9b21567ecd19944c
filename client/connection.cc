// Connection settings and the saved session (client/connection.h).
#include "client/connection.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/api.h"
#include "common/status_macros.h"

namespace parindex::client {
namespace {

constexpr char kDefaultServer[] = "127.0.0.1:50051";

std::optional<std::string> Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::Status(errno == ENOENT ? absl::StatusCode::kNotFound
                                      : absl::StatusCode::kFailedPrecondition,
                      absl::StrCat(path, ": ", what, ": ", std::strerror(errno)));
}

// Creates `dir` and its missing parents with mode 0700.
absl::Status MakeDirectories(const std::string& dir) {
  std::string path;
  for (absl::string_view part : absl::StrSplit(dir, '/')) {
    absl::StrAppend(&path, part, "/");
    if (part.empty()) continue;
    if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
      return Errno("cannot create the directory", path);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> ParseKeyValues(
    const std::string& text, const std::string& file,
    const std::initializer_list<const char*>& allowed) {
  std::map<std::string, std::string> values;
  int line = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++line;
    absl::string_view row = absl::StripAsciiWhitespace(raw);
    if (row.empty() || row[0] == '#') continue;
    const size_t eq = row.find('=');
    if (eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ":", line, ": expected key = \"value\""));
    }
    const std::string key(absl::StripAsciiWhitespace(row.substr(0, eq)));
    absl::string_view value = absl::StripAsciiWhitespace(row.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    bool known = false;
    for (const char* k : allowed) known |= key == k;
    if (!known) {
      std::vector<std::string> names(allowed.begin(), allowed.end());
      return absl::InvalidArgumentError(absl::StrCat(file, ":", line, ": unknown key '",
                                                     key, "' (",
                                                     absl::StrJoin(names, ", "), ")"));
    }
    values[key] = std::string(value);
  }
  return values;
}

absl::StatusOr<std::string> SessionPath() {
  if (std::optional<std::string> config = Env("XDG_CONFIG_HOME"))
    return absl::StrCat(*config, "/parindex/session");
  if (std::optional<std::string> home = Env("HOME"))
    return absl::StrCat(*home, "/.config/parindex/session");
  return absl::FailedPreconditionError(
      "neither XDG_CONFIG_HOME nor HOME is set: nowhere to keep the session");
}

absl::StatusOr<Session> LoadSession() {
  ASSIGN_OR_RETURN(const std::string path, SessionPath());
  const int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return absl::NotFoundError(
          absl::StrCat("not signed in (no ", path, "): run parindex login"));
    return Errno("cannot open the session file", path);
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return Errno("cannot read the session file", path);
  }
  if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
    close(fd);
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s: the session file must be yours and readable by you only (it has mode "
        "%04o): delete it and run parindex login",
        path, st.st_mode & 07777));
  }
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) text.append(buffer, n);
  close(fd);
  ASSIGN_OR_RETURN(auto values,
                   ParseKeyValues(text, path, {"server", "session", "username", "ca"}));
  Session session{values["server"], values["session"], values["username"], values["ca"]};
  if (session.server.empty() || session.session.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": no server or session: run parindex login"));
  }
  return session;
}

absl::Status SaveSession(const Session& session) {
  ASSIGN_OR_RETURN(const std::string path, SessionPath());
  const std::string dir = path.substr(0, path.rfind('/'));
  RETURN_IF_ERROR(MakeDirectories(dir));
  std::string temp = absl::StrCat(dir, "/.session.XXXXXX");
  const int fd = mkostemp(temp.data(), O_CLOEXEC);  // mode 0600
  if (fd < 0) return Errno("cannot create a file", dir);
  const std::string text = absl::StrCat(
      "# parindex login: a session of ", session.username, " (keep it private)\n",
      "server = \"", session.server, "\"\nusername = \"", session.username,
      "\"\nsession = \"", session.session, "\"\n",
      session.ca.empty() ? "" : absl::StrCat("ca = \"", session.ca, "\"\n"));
  const bool written =
      fchmod(fd, 0600) == 0 &&
      write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
      fsync(fd) == 0;
  close(fd);
  if (!written || rename(temp.c_str(), path.c_str()) != 0) {
    absl::Status status = Errno("cannot write the session file", path);
    unlink(temp.c_str());
    return status;
  }
  return absl::OkStatus();
}

absl::Status RemoveSession() {
  ASSIGN_OR_RETURN(const std::string path, SessionPath());
  if (unlink(path.c_str()) != 0 && errno != ENOENT)
    return Errno("cannot delete the session file", path);
  return absl::OkStatus();
}

absl::StatusOr<Connection> ResolveConnection(const ConnectionFlags& flags) {
  std::map<std::string, std::string> config;
  std::optional<std::string> config_path = flags.config;
  if (!config_path) config_path = Env("PARINDEX_CONFIG");
  if (config_path) {
    absl::StatusOr<std::string> text = ReadFile(*config_path);
    if (!text.ok()) {
      return absl::NotFoundError(absl::StrCat(
          flags.config ? "--config " : "PARINDEX_CONFIG=", text.status().message()));
    }
    ASSIGN_OR_RETURN(config,
                     ParseKeyValues(*text, *config_path, {"server", "token", "ca"}));
  }
  auto pick = [&](const std::optional<std::string>& flag, const char* env,
                  const char* key) -> std::optional<std::string> {
    if (flag) return flag;
    if (std::optional<std::string> value = Env(env)) return value;
    if (auto it = config.find(key); it != config.end()) return it->second;
    return std::nullopt;
  };
  const std::optional<std::string> server =
      pick(flags.server, "PARINDEX_SERVER", "server");
  const std::optional<std::string> token = pick(flags.token, "PARINDEX_TOKEN", "token");
  const std::optional<std::string> ca = pick(flags.ca, "PARINDEX_CA", "ca");
  Connection c;
  c.options.server = server.value_or(kDefaultServer);
  c.options.ca = ca.value_or("");
  if (token) {
    c.options.token = *token;
    return c;
  }
  if (!flags.use_session) return c;
  // The saved session, for its own server only: a session is never sent elsewhere.
  absl::StatusOr<Session> session = LoadSession();
  if (absl::IsNotFound(session.status())) return c;
  if (!session.ok()) return session.status();
  if (server && *server != session->server) return c;
  c.options.server = session->server;
  c.options.token = session->session;
  if (!ca) c.options.ca = session->ca;
  c.from_session = true;
  return c;
}

}  // namespace parindex::client
