// A PostgreSQL server of a test binary's own (pg_server.h).
#include "tests/pg_server.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

extern char** environ;

namespace parindex::testing {
namespace {

std::mutex server_mu;
PostgresServer* server = nullptr;

}  // namespace

absl::StatusOr<PostgresServer*> PostgresServer::Get() {
  std::lock_guard<std::mutex> lock(server_mu);
  if (server != nullptr) return server;
  auto* started = new PostgresServer();
  absl::Status status = started->Init();
  if (!status.ok()) {
    std::error_code ignored;
    std::filesystem::remove_all(started->dir_, ignored);
    delete started;
    return status;
  }
  server = started;
  std::atexit([] { server->Shutdown(); });
  return server;
}

absl::Status PostgresServer::Run(const std::vector<std::string>& args) const {
  std::vector<std::string> command;
  if (geteuid() == 0) command = {"/usr/sbin/runuser", "-u", "postgres", "--"};
  command.push_back(absl::StrCat(bin_, "/", args[0]));
  command.insert(command.end(), args.begin() + 1, args.end());
  std::vector<char*> argv;
  for (std::string& arg : command) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // What the programs say goes to the test's output only when they fail (stderr).
  posix_spawn_file_actions_t quiet;
  posix_spawn_file_actions_init(&quiet);
  posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv[0], &quiet, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&quiet);
  if (spawned != 0) return absl::InternalError(absl::StrCat("cannot run ", argv[0]));
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(
        absl::StrCat(absl::StrJoin(command, " "), " failed; see ", dir_, "/log"));
  }
  return absl::OkStatus();
}

absl::Status PostgresServer::Init() {
  const char* bin = std::getenv("PARINDEX_PG_BIN");
  bin_ = bin != nullptr ? bin : "/usr/lib/postgresql/15/bin";
  char dir[] = "/tmp/parindex-pg-XXXXXX";
  if (mkdtemp(dir) == nullptr) return absl::InternalError("mkdtemp failed");
  dir_ = dir;
  if (geteuid() == 0) {
    const passwd* postgres = getpwnam("postgres");
    if (postgres == nullptr) {
      return absl::FailedPreconditionError(
          "no user `postgres` (install postgresql-15: scripts/install-deps.sh)");
    }
    if (chown(dir_.c_str(), postgres->pw_uid, postgres->pw_gid) != 0)
      return absl::InternalError(absl::StrCat("cannot chown ", dir_));
  }
  absl::Status status = Run({"initdb", "--pgdata", dir_ + "/data", "--username",
                             "postgres", "--auth", "trust", "--encoding", "UTF8",
                             "--locale", "C", "--no-sync", "--no-instructions"});
  if (!status.ok()) return status;
  return Start();
}

absl::Status PostgresServer::Start() {
  // No fsync for tests (they prove the store's behaviour, not the disk's);
  // PARINDEX_PG_FSYNC=on for benchmarks.
  const char* fsync = std::getenv("PARINDEX_PG_FSYNC");
  return Run({"pg_ctl", "--pgdata", dir_ + "/data", "--wait", "--silent", "--log",
              dir_ + "/log", "--options",
              absl::StrCat("-k ", dir_, " -c listen_addresses='' -c fsync=",
                           fsync != nullptr ? fsync : "off", " -c max_connections=300"),
              "start"});
}

absl::Status PostgresServer::Stop() {
  return Run({"pg_ctl", "--pgdata", dir_ + "/data", "--wait", "--silent", "--mode",
              "fast", "stop"});
}

void PostgresServer::Shutdown() {
  Stop().IgnoreError();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string PostgresServer::Uri(const std::string& name) const {
  return absl::StrCat("postgresql:///", name, "?host=", dir_, "&user=postgres");
}

absl::StatusOr<std::string> PostgresServer::NewDatabase() {
  std::string name;
  {
    std::lock_guard<std::mutex> lock(server_mu);
    name = absl::StrCat("t", getpid(), "_", next_database_++);
  }
  PGconn* conn = PQconnectdb(Uri("postgres").c_str());
  absl::Status status;
  if (PQstatus(conn) != CONNECTION_OK) {
    status = absl::UnavailableError(PQerrorMessage(conn));
  } else {
    PGresult* result = PQexec(
        conn, absl::StrCat("CREATE DATABASE ", name, " TEMPLATE template0").c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK)
      status = absl::InternalError(PQresultErrorMessage(result));
    PQclear(result);
  }
  PQfinish(conn);
  if (!status.ok()) return status;
  return Uri(name);
}

absl::StatusOr<std::string> TestDatabase(const std::string& backend,
                                         const std::string& sqlite_file) {
  if (backend == "sqlite") return sqlite_file;
  absl::StatusOr<PostgresServer*> pg = PostgresServer::Get();
  if (!pg.ok()) return pg.status();
  return (*pg)->NewDatabase();
}

}  // namespace parindex::testing
