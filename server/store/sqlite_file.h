// A SQLite file: its connections, its lock file, backup and restore (the SQLite-only
// parts of the store; sql_store.h runs its SQL).
#ifndef PARINDEX_SERVER_STORE_SQLITE_FILE_H_
#define PARINDEX_SERVER_STORE_SQLITE_FILE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/store/sql.h"

namespace parindex::store {

// Takes the exclusive lock on `<path>.lock` (its fd; closing it releases the lock).
// FAILED_PRECONDITION when another process holds it.
absl::StatusOr<int> LockSqliteFile(const std::string& path);

// The writer's connection (creating the file if absent): foreign keys,
// synchronous=FULL, WAL, after PRAGMA quick_check (DATA_LOSS when damaged). `vfs`
// empty: SQLite's default.
absl::StatusOr<std::unique_ptr<Conn>> OpenSqliteWriter(const std::string& path,
                                                       const std::string& vfs);
// A reader's connection (query_only).
absl::StatusOr<std::unique_ptr<Conn>> OpenSqliteReader(const std::string& path,
                                                       const std::string& vfs);

// Copies the live file `db` to the new file `to` with SQLite's online backup.
absl::Status BackupSqlite(const std::string& db, const std::string& to);
// Replaces `db` with `from`; refused while a server holds `db`.
absl::Status RestoreSqlite(const std::string& from, const std::string& db);

}  // namespace parindex::store

#endif  // PARINDEX_SERVER_STORE_SQLITE_FILE_H_
