// Backup and restore for both backends: SQLite's online backup API for a file,
// PostgreSQL's own pg_dump / pg_restore for a database.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "server/store/pg_conn.h"
#include "server/store/sql_store.h"
#include "server/store/sqlite_file.h"

extern char** environ;

namespace parindex::store {
namespace {

// Runs a PostgreSQL client program (found on PATH; PARINDEX_PG_BIN names its folder)
// and waits for it. UNAVAILABLE when it fails (its stderr is the operator's).
absl::Status RunPgTool(const std::string& tool, std::vector<std::string> args) {
  const char* bin = std::getenv("PARINDEX_PG_BIN");
  const std::string program = bin != nullptr ? absl::StrCat(bin, "/", tool) : tool;
  args.insert(args.begin(), program);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, program.c_str(), nullptr, nullptr, argv.data(), environ) != 0)
    return absl::UnavailableError(absl::StrCat("cannot run ", program));
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::UnavailableError(absl::StrCat(
        tool, " failed (", absl::StrJoin(args.begin() + 1, args.end(), " "), ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status BackupDatabase(const std::string& db, const std::string& to) {
  if (!IsPostgresUri(db)) return BackupSqlite(db, to);
  if (::access(to.c_str(), F_OK) == 0)
    return absl::AlreadyExistsError(absl::StrCat(to, " exists; back up to a new file"));
  // pg_dump reads one snapshot (a repeatable-read transaction) while servers write.
  absl::Status status =
      RunPgTool("pg_dump", {"--format=custom", "--no-owner", "--file", to, db});
  if (!status.ok()) ::unlink(to.c_str());
  return status;
}

absl::Status RestoreDatabase(const std::string& from, const std::string& db) {
  if (!IsPostgresUri(db)) return RestoreSqlite(from, db);
  if (::access(from.c_str(), F_OK) != 0)
    return absl::NotFoundError(absl::StrCat(from, ": no such backup"));
  // Into an empty database only: servers may be running on one that holds data.
  {
    ASSIGN_OR_RETURN(std::unique_ptr<PgConn> conn, PgConn::Connect(db));
    ASSIGN_OR_RETURN(int version, conn->SchemaVersion());
    if (version != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the database already holds a parindex schema (version ", version,
          "); restore into a new, empty database (createdb) and point the servers "
          "at it"));
    }
  }
  return RunPgTool("pg_restore", {"--exit-on-error", "--single-transaction", "--no-owner",
                                  "--dbname", db, from});
}

}  // namespace parindex::store
