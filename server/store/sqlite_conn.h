// The SQLite connection of the store's SQL layer (sql.h), and small helpers over the
// SQLite C API for the SQLite-only parts (opening the file, backup), for server/store
// only.
#ifndef PARINDEX_SERVER_STORE_SQLITE_CONN_H_
#define PARINDEX_SERVER_STORE_SQLITE_CONN_H_

#include <sqlite3.h>

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/store/sql.h"

namespace parindex::store {

// A Status for SQLite result `rc` on `db`: ABORTED for busy/locked (never expected to
// reach callers), UNAVAILABLE for I/O and full-disk errors, DATA_LOSS for corruption,
// INTERNAL otherwise. `what` says what was being done.
absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what);

// Runs SQL that returns no rows (several statements allowed) on a raw connection.
absl::Status Exec(sqlite3* db, absl::string_view sql);

// A Conn over a SQLite connection. Statements are prepared once and kept
// (SQLITE_PREPARE_PERSISTENT), by their SQL: the writer runs the same few statements
// for every write, and parsing their SQL each time cost more than running them. A kept
// statement already in use (the same SQL nested) is prepared afresh.
class SqliteConn final : public Conn {
 public:
  // Takes `db` (closed on destruction) when `owned`.
  SqliteConn(sqlite3* db, bool owned) : db_(db), owned_(owned) {}
  ~SqliteConn() override;
  SqliteConn(const SqliteConn&) = delete;
  SqliteConn& operator=(const SqliteConn&) = delete;

  sqlite3* db() const { return db_; }

  Dialect dialect() const override { return Dialect::kSqlite; }
  std::unique_ptr<StmtImpl> Prepare(absl::string_view sql) override;
  absl::Status Exec(absl::string_view sql) override;
  absl::Status BeginWrite() override;
  absl::Status BeginRead() override;
  bool InTransaction() override { return sqlite3_get_autocommit(db_) == 0; }
  bool MustRetry() const override { return false; }
  absl::Status Reconnect() override { return absl::OkStatus(); }
  absl::StatusOr<int> SchemaVersion() override;
  absl::Status SetSchemaVersion(int version) override;
  absl::Status LockForMigration() override { return absl::OkStatus(); }
  void UnlockForMigration() override {}

 private:
  struct Kept {
    sqlite3_stmt* stmt = nullptr;
    bool borrowed = false;
  };
  sqlite3* db_;
  bool owned_;
  std::map<std::string, Kept, std::less<>> kept_;
};

}  // namespace parindex::store

#endif  // PARINDEX_SERVER_STORE_SQLITE_CONN_H_
