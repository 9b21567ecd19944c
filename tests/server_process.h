// The real parindex-server as a child process on a free loopback port, and curl
// against its HTTP/JSON gateway: shared by the tests of the binary, the CLI and the page.
#ifndef PARINDEX_TESTS_SERVER_PROCESS_H_
#define PARINDEX_TESTS_SERVER_PROCESS_H_

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"

namespace parindex::testing {

// Kills the process it holds when it goes out of scope: a test that stops at a failed
// ASSERT must not leave its server running (it holds ctest's output open, and the run
// would wait for it for good).
struct ProcessGuard {
  pid_t pid = -1;
  ProcessGuard() = default;
  ProcessGuard(ProcessGuard&& other) noexcept : pid(other.pid) { other.pid = -1; }
  ProcessGuard& operator=(ProcessGuard&& other) noexcept {
    std::swap(pid, other.pid);
    return *this;
  }
  ~ProcessGuard() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
};

struct Server {
  pid_t pid = -1;
  ProcessGuard guard;   // the same pid until Stop
  FILE* out = nullptr;  // the server's stdout, held open until it exits
  std::string address;
  std::string http;  // "http://127.0.0.1:PORT" when started with --http
  std::map<std::string, std::string> tokens;  // label -> secret
  // The demo's accounts: label -> {username, one-time password}.
  std::map<std::string, std::pair<std::string, std::string>> accounts;
};

inline Server Start(const std::string& db, std::vector<std::string> extra = {}) {
  int out[2];
  EXPECT_EQ(pipe(out), 0);
  Server server;
  server.pid = fork();
  server.guard.pid = server.pid;
  if (server.pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    std::vector<std::string> args = {
        PARINDEX_SERVER, "serve",       "--db",   db,
        "--listen",      "127.0.0.1:0", "--demo", PARINDEX_SOURCE_DIR "/criteria",
        "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(PARINDEX_SERVER, argv.data());
    _exit(127);
  }
  close(out[1]);
  FILE* lines = fdopen(out[0], "r");
  char line[512];
  // The server prints its address, then its tokens, then "try:".
  while (std::fgets(line, sizeof(line), lines) != nullptr) {
    absl::string_view l = absl::StripTrailingAsciiWhitespace(line);
    if (absl::ConsumePrefix(&l, "parindex-server listening on ")) {
      server.address = std::string(l.substr(0, l.find(' ')));
    } else if (absl::ConsumePrefix(&l, "http gateway on ")) {
      server.http = std::string(l);
    } else if (absl::StartsWith(l, "  ") && l.find(": pi_") != absl::string_view::npos) {
      const size_t colon = l.find(": pi_");
      server.tokens[std::string(absl::StripAsciiWhitespace(l.substr(0, colon)))] =
          std::string(l.substr(colon + 2));
    } else if (absl::StartsWith(l, "  ") &&
               l.find(": user ") != absl::string_view::npos) {
      const size_t colon = l.find(": user ");
      const size_t comma = l.find(", one-time password ");
      if (comma == absl::string_view::npos) continue;
      server.accounts[std::string(absl::StripAsciiWhitespace(l.substr(0, colon)))] = {
          std::string(l.substr(colon + 7, comma - colon - 7)),
          std::string(l.substr(comma + 20))};
    } else if (l == "try:") {
      break;
    }
  }
  server.out = lines;
  return server;
}

// curl against the HTTP/JSON gateway: {HTTP status, body}.
inline std::pair<int, std::string> Curl(const std::string& url, const std::string& token,
                                        const std::string& body,
                                        const std::string& out_file,
                                        const std::vector<std::string>& headers = {}) {
  std::string cmd = absl::StrCat("curl -s -o '", out_file, "' -w '%{http_code}' ");
  if (!token.empty()) absl::StrAppend(&cmd, "-H 'Authorization: Bearer ", token, "' ");
  for (const std::string& header : headers) absl::StrAppend(&cmd, "-H '", header, "' ");
  if (!body.empty())
    absl::StrAppend(&cmd, "-H 'Content-Type: application/json' --data-binary '", body,
                    "' ");
  absl::StrAppend(&cmd, "'", url, "'");
  FILE* pipe = popen(cmd.c_str(), "r");
  char code[8] = {0};
  const size_t n = std::fread(code, 1, sizeof(code) - 1, pipe);
  pclose(pipe);
  std::ifstream in(out_file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return {n > 0 ? std::atoi(code) : -1, text.str()};
}

// SIGTERM, then the exit status (0 for a clean stop).
inline int Stop(Server& server) {
  kill(server.pid, SIGTERM);
  int status = 0;
  waitpid(server.pid, &status, 0);
  server.guard.pid = -1;
  fclose(server.out);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace parindex::testing

#endif  // PARINDEX_TESTS_SERVER_PROCESS_H_
