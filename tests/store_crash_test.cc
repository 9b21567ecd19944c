// Crash durability: a child process writes through the store and is killed with
// SIGKILL at random moments, 25 times on a SQLite file, 12 on PostgreSQL (a server
// killed while the database goes on); after each kill every acknowledged write must
// be stored, and a SQLite file must pass PRAGMA integrity_check.
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/store/pg_conn.h"
#include "tests/pg_server.h"
#include "tests/store_test_util.h"

namespace parindex::store {
namespace {

// Starts the child; returns its pid and the read end of its stdout.
pid_t StartChild(const std::string& db, const std::string& prefix, FILE** out) {
  int pipe_fds[2];
  EXPECT_EQ(pipe(pipe_fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    execl(PARINDEX_CRASH_CHILD, PARINDEX_CRASH_CHILD, db.c_str(), prefix.c_str(),
          nullptr);
    _exit(127);
  }
  close(pipe_fds[1]);
  *out = fdopen(pipe_fds[0], "r");
  return pid;
}

std::string IntegrityCheck(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr);
  std::string result = sqlite3_step(stmt) == SQLITE_ROW
                           ? reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))
                           : "no answer";
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return result;
}

// Kills the child `kills` times on `db` (a file or a PostgreSQL URI), checking after
// each kill.
void KillAndCheck(const std::string& db, int kills) {
  const bool sqlite = !IsPostgresUri(db);
  {
    StoreOptions options;
    options.path = db;
    auto store = SqlStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    testing::AddRoundFixture(**store);
  }
  std::mt19937 rng(20231231);
  int total_acked = 0;
  for (int round = 0; round < kills; ++round) {
    const std::string prefix = absl::StrCat("K", round);
    FILE* out = nullptr;
    const pid_t pid = StartChild(db, prefix, &out);
    ASSERT_GT(pid, 0);
    // Kill after a random number of acknowledgements: the child is then somewhere in
    // its next write (queueing, executing, committing or syncing).
    const int kill_after = std::uniform_int_distribution<int>(0, 60)(rng);
    std::set<long> acked;
    char line[64];
    while (static_cast<int>(acked.size()) < kill_after &&
           std::fgets(line, sizeof(line), out)) {
      long i = 0;
      ASSERT_TRUE(absl::SimpleAtoi(absl::StripTrailingAsciiWhitespace(line), &i)) << line;
      acked.insert(i);
    }
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child ended on its own, status " << status;
    // Acknowledgements printed before the kill but not read yet count too.
    while (std::fgets(line, sizeof(line), out)) {
      long i = 0;
      if (absl::SimpleAtoi(absl::StripTrailingAsciiWhitespace(line), &i)) acked.insert(i);
    }
    fclose(out);

    if (sqlite) ASSERT_EQ(IntegrityCheck(db), "ok") << "after kill " << round;
    StoreOptions options;
    options.path = db;
    auto store = SqlStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    auto assessment = (*store)->GetAssessment("r", "U1");
    ASSERT_TRUE(assessment.ok());
    std::set<long> stored;
    for (const v1::Entry& e : assessment->entries()) {
      if (e.criterion().rfind(prefix + ".", 0) == 0)
        stored.insert(e.self().figures().at("value"));
    }
    for (long i : acked) {
      EXPECT_TRUE(stored.count(i))
          << "acknowledged write " << prefix << "." << i << " was lost";
    }
    total_acked += static_cast<int>(acked.size());
  }
  EXPECT_GT(total_acked, kills);  // the child did get writes acknowledged
}

TEST(StoreCrash, EveryAcknowledgedWriteSurvivesSigkill) {
  testing::TempDir dir;
  KillAndCheck(dir.File("crash.db"), 25);
}

TEST(StoreCrash, EveryAcknowledgedWriteSurvivesSigkillOfAServerOnPostgresql) {
  auto pg = testing::PostgresServer::Get();
  ASSERT_TRUE(pg.ok()) << pg.status();
  auto db = (*pg)->NewDatabase();
  ASSERT_TRUE(db.ok()) << db.status();
  KillAndCheck(*db, 12);
}

}  // namespace
}  // namespace parindex::store
