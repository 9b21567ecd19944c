// A PostgreSQL 15 server of a test binary's own, so that the store's tests run against
// a real PostgreSQL as they do against a real SQLite file: initdb into a temporary
// folder, pg_ctl on a Unix socket in that folder (no TCP, no system service; fsync off
// unless PARINDEX_PG_FSYNC=on, as bench/pg_bench sets), trust
// authentication, stopped and removed when the binary exits. PostgreSQL refuses to run
// as root: a root test process starts it as Debian's `postgres` user (runuser), in a
// folder that user owns.
#ifndef PARINDEX_TESTS_PG_SERVER_H_
#define PARINDEX_TESTS_PG_SERVER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace parindex::testing {

class PostgresServer {
 public:
  // The binary's server, started on first use (pg_ctl -w: ready when it returns).
  // The binaries are found in $PARINDEX_PG_BIN, else /usr/lib/postgresql/15/bin.
  static absl::StatusOr<PostgresServer*> Get();

  // A new, empty database (CREATE DATABASE), as a URI for StoreOptions::path.
  absl::StatusOr<std::string> NewDatabase();
  // The URI of database `name` on this server.
  std::string Uri(const std::string& name) const;

  // Stops (fast shutdown: connections are ended) and starts the server again, for
  // tests of a database restarting under load.
  absl::Status Stop();
  absl::Status Start();

  const std::string& dir() const { return dir_; }
  const std::string& bin() const { return bin_; }

 private:
  PostgresServer() = default;
  absl::Status Init();
  // Runs a PostgreSQL program as the server's owner and waits for it.
  absl::Status Run(const std::vector<std::string>& args) const;
  void Shutdown();

  std::string dir_;  // owned by the server's user: data/, the socket, the log
  std::string bin_;
  int next_database_ = 0;
};

// The database a store test runs on: "sqlite" (the file `sqlite_file`) or
// "postgresql" (a new database on the binary's server).
absl::StatusOr<std::string> TestDatabase(const std::string& backend,
                                         const std::string& sqlite_file);

}  // namespace parindex::testing

#endif  // PARINDEX_TESTS_PG_SERVER_H_
