// Small RAII helpers over the SQLite C API, for server/store only.
#ifndef PARINDEX_SERVER_STORE_SQLITE_UTIL_H_
#define PARINDEX_SERVER_STORE_SQLITE_UTIL_H_

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parindex::store {

// A Status for SQLite result `rc` on `db`: ABORTED for busy/locked (never expected to
// reach callers), UNAVAILABLE for I/O and full-disk errors, DATA_LOSS for corruption,
// INTERNAL otherwise. `what` says what was being done.
absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what);

// Runs SQL that returns no rows (several statements allowed).
absl::Status Exec(sqlite3* db, absl::string_view sql);

// Prepared statements kept for one connection (SQLITE_PREPARE_PERSISTENT), by their
// SQL. While a thread holds a StmtCache::Use of it, each Stmt that thread makes on the
// cache's connection borrows the kept statement instead of preparing its SQL again
// (the writer's hot statements are the same few every write); the Stmt resets and
// unbinds it when it ends. A statement already borrowed (the same SQL nested) is
// prepared afresh as usual.
class StmtCache {
 public:
  explicit StmtCache(sqlite3* db) : db_(db) {}
  ~StmtCache();
  StmtCache(const StmtCache&) = delete;
  StmtCache& operator=(const StmtCache&) = delete;

  sqlite3* db() const { return db_; }

  // Makes the cache the calling thread's for its connection until destroyed.
  class Use {
   public:
    explicit Use(StmtCache* cache);
    ~Use();
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;

   private:
    StmtCache* previous_;
  };

 private:
  friend class Stmt;
  struct Kept {
    sqlite3_stmt* stmt = nullptr;
    bool borrowed = false;
  };
  sqlite3* db_;
  std::map<std::string, Kept, std::less<>> kept_;
};

// A prepared statement, finalized on destruction. Bind indices are 1-based.
class Stmt {
 public:
  Stmt(sqlite3* db, absl::string_view sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  const absl::Status& status() const { return status_; }
  Stmt& Bind(int i, int64_t value);
  Stmt& Bind(int i, absl::string_view text);
  Stmt& BindBlob(int i, absl::string_view bytes);
  Stmt& BindNull(int i);

  // Steps once: true with a row, false when done; an error otherwise.
  absl::StatusOr<bool> Step();
  // Steps to the end, expecting no row.
  absl::Status Run();
  // Ready to bind and step again.
  void Reset();

  int64_t Int(int column) const;
  std::string Text(int column) const;
  std::string Blob(int column) const;
  bool IsNull(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool* borrowed_ = nullptr;  // the StmtCache's flag, when borrowed from it
  absl::Status status_;
  absl::string_view sql_;  // the kept statement's SQL, or `own_sql_`
  std::string own_sql_;
};

}  // namespace parindex::store

#endif  // PARINDEX_SERVER_STORE_SQLITE_UTIL_H_
