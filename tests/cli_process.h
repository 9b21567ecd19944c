// The real `parindex` CLI run against a server the test started (tests/server_process.h),
// from the source tree so that the README's relative paths work.
#ifndef PARINDEX_TESTS_CLI_PROCESS_H_
#define PARINDEX_TESTS_CLI_PROCESS_H_

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/server_process.h"

namespace parindex::testing {

struct CliRun {
  int code = -1;
  std::string out;  // stdout and stderr
};

// `parindex --server … --token TOKEN ARGS`, its exit code and everything it printed.
inline CliRun Parindex(const Server& server, const std::string& token,
                       const std::string& args) {
  const std::string cmd =
      absl::StrCat("cd " PARINDEX_SOURCE_DIR " && " PARINDEX_CLI " --server ",
                   server.address, " --token ", token, " ", args, " 2>&1");
  FILE* pipe = popen(cmd.c_str(), "r");
  CliRun run;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) run.out.append(buffer, n);
  const int status = pclose(pipe);
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// A server with the demo on a new database file `name` in the test's directory.
inline Server StartOnNewFile(const std::string& name) {
  const std::string db = ::testing::TempDir() + "/" + name;
  for (const char* suffix : {"", "-wal", "-shm", ".lock"})
    std::remove((db + suffix).c_str());
  return Start(db);
}

}  // namespace parindex::testing

#endif  // PARINDEX_TESTS_CLI_PROCESS_H_
