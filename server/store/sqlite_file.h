// A SQLite file: its connections, its lock file, backup and restore (the SQLite-only
// parts of the store; sql_store.h runs its SQL).
#ifndef PARINDEX_SERVER_STORE_SQLITE_FILE_H_
#define PARINDEX_SERVER_STORE_SQLITE_FILE_H_

#include <sqlite3.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/store/sql.h"

namespace parindex::store {

// Takes the exclusive lock on `<path>.lock` (its fd; closing it releases the lock).
// FAILED_PRECONDITION when another process holds it.
absl::StatusOr<int> LockSqliteFile(const std::string& path);

// The writer's connection (creating the file if absent): foreign keys,
// synchronous=FULL, WAL, a page cache of `cache_mib`, after PRAGMA quick_check
// (DATA_LOSS when damaged). `vfs` empty: SQLite's default.
absl::StatusOr<std::unique_ptr<Conn>> OpenSqliteWriter(const std::string& path,
                                                       const std::string& vfs,
                                                       int cache_mib);
// A reader's connection (query_only).
absl::StatusOr<std::unique_ptr<Conn>> OpenSqliteReader(const std::string& path,
                                                       const std::string& vfs);

// Copies the WAL into the database (a checkpoint) once it holds `pages` pages, on a
// thread and a connection of its own, so that no commit waits for one; a page written
// by many commits is copied once per checkpoint. Past four times `pages`, the commit
// itself checkpoints (the WAL's bound). Replaces SQLite's autocheckpoint on `writer`
// (a SqliteConn) until destroyed, which must happen while `writer` is open.
class SqliteCheckpointer {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteCheckpointer>> Start(
      Conn* writer, const std::string& path, const std::string& vfs, int pages);
  ~SqliteCheckpointer();
  SqliteCheckpointer(const SqliteCheckpointer&) = delete;
  SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;

 private:
  SqliteCheckpointer(sqlite3* writer, sqlite3* own, int pages)
      : writer_(writer), own_(own), pages_(pages) {}
  // SQLite's WAL hook on the writer, after each commit: `pages` in the WAL.
  static int OnWal(void* self, sqlite3* db, const char* name, int pages);
  void Loop();

  sqlite3* writer_;
  sqlite3* own_;
  const int pages_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool due_ = false;
  bool stop_ = false;
  std::thread thread_;
};

// Copies the live file `db` to the new file `to` with SQLite's online backup.
absl::Status BackupSqlite(const std::string& db, const std::string& to);
// Replaces `db` with `from`; refused while a server holds `db`.
absl::Status RestoreSqlite(const std::string& from, const std::string& db);

}  // namespace parindex::store

#endif  // PARINDEX_SERVER_STORE_SQLITE_FILE_H_
