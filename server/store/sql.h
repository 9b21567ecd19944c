// The store's SQL layer: a connection (Conn) and a statement (Stmt) that run the same
// portable SQL on SQLite and on PostgreSQL. Every difference between the two dialects
// is named in one place, sql_dialect.cc; the store's statements are written once.
//
// Portable SQL here means: `?` or `?N` placeholders, TEXT / INTEGER / BLOB columns,
// `INSERT … ON CONFLICT … DO UPDATE / DO NOTHING`, `RETURNING`, no bare columns beside
// an aggregate, integers (0/1) rather than booleans in columns.
#ifndef PARINDEX_SERVER_STORE_SQL_H_
#define PARINDEX_SERVER_STORE_SQL_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parindex::store {

enum class Dialect { kSqlite, kPostgres };

// One prepared statement of a backend. Bind indices are 1-based, columns 0-based.
class StmtImpl {
 public:
  virtual ~StmtImpl() = default;
  virtual const absl::Status& status() const = 0;
  virtual void BindInt(int i, int64_t value) = 0;
  virtual void BindText(int i, absl::string_view text) = 0;
  virtual void BindBlob(int i, absl::string_view bytes) = 0;
  virtual void BindNull(int i) = 0;
  // Text or bytes that stay where they are until the statement is stepped to its end
  // or reset: a backend may read them then instead of copying them now.
  virtual void BindKeptText(int i, absl::string_view text) { BindText(i, text); }
  virtual void BindKeptBlob(int i, absl::string_view bytes) { BindBlob(i, bytes); }
  virtual absl::StatusOr<bool> Step() = 0;
  // The rows an INSERT, UPDATE or DELETE changed, once stepped to its end.
  virtual int64_t RowsChanged() const = 0;
  virtual void Reset() = 0;
  virtual int64_t Int(int column) const = 0;
  virtual std::string Text(int column) const = 0;
  virtual std::string Blob(int column) const = 0;
  virtual bool IsNull(int column) const = 0;
};

// One connection to the database, used by one thread at a time.
class Conn {
 public:
  virtual ~Conn() = default;
  virtual Dialect dialect() const = 0;
  // Prepares portable SQL (one statement). A failure is reported by the statement.
  virtual std::unique_ptr<StmtImpl> Prepare(absl::string_view sql) = 0;
  // Runs portable SQL that returns no rows (several statements allowed).
  virtual absl::Status Exec(absl::string_view sql) = 0;

  // The writer's transaction: SQLite's BEGIN IMMEDIATE (the one writer), PostgreSQL's
  // SERIALIZABLE (several server processes write at once; a conflict between them
  // fails one transaction, which the store runs again).
  virtual absl::Status BeginWrite() = 0;
  // A read transaction: one snapshot for all of its statements.
  virtual absl::Status BeginRead() = 0;
  // False once the backend has ended the transaction itself (SQLite rolls back on some
  // I/O errors; PostgreSQL's connection was lost).
  virtual bool InTransaction() = 0;
  // True when a statement since the last Begin failed because of another transaction
  // (PostgreSQL: serialization failure or deadlock): the whole transaction must be run
  // again, not answered. Always false on SQLite (a single writer).
  virtual bool MustRetry() const = 0;
  // Makes a lost connection usable again (PostgreSQL); OK when it was not lost.
  virtual absl::Status Reconnect() = 0;
  // The server process this connection talks to (PostgreSQL's backend pid; 0 on
  // SQLite), to tell a server's own notifications from others'.
  virtual int BackendId() const { return 0; }

  // The schema version this database is at (0: empty), and setting it, inside the
  // migration's transaction. SQLite keeps it in PRAGMA user_version, PostgreSQL in a
  // table.
  virtual absl::StatusOr<int> SchemaVersion() = 0;
  virtual absl::Status SetSchemaVersion(int version) = 0;
  // Held for the whole migration, so that two servers starting together on one
  // PostgreSQL do not both migrate (SQLite: the store's lock file already does that).
  virtual absl::Status LockForMigration() = 0;
  virtual void UnlockForMigration() = 0;
};

// A statement on a connection, finalized on destruction.
class Stmt {
 public:
  Stmt(Conn* db, absl::string_view sql) : impl_(db->Prepare(sql)) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  const absl::Status& status() const { return impl_->status(); }
  Stmt& Bind(int i, int64_t value) {
    impl_->BindInt(i, value);
    return *this;
  }
  Stmt& Bind(int i, absl::string_view text) {
    impl_->BindText(i, text);
    return *this;
  }
  Stmt& BindBlob(int i, absl::string_view bytes) {
    impl_->BindBlob(i, bytes);
    return *this;
  }
  Stmt& BindNull(int i) {
    impl_->BindNull(i);
    return *this;
  }
  // Bind and BindBlob of data that outlives the statement's run (StmtImpl::BindKept*):
  // not copied (rows appended in bulk).
  Stmt& BindKept(int i, absl::string_view text) {
    impl_->BindKeptText(i, text);
    return *this;
  }
  Stmt& BindKeptBlob(int i, absl::string_view bytes) {
    impl_->BindKeptBlob(i, bytes);
    return *this;
  }

  // Steps once: true with a row, false when done; an error otherwise.
  absl::StatusOr<bool> Step() { return impl_->Step(); }
  // Steps to the end.
  absl::Status Run();
  // Ready to bind and step again.
  void Reset() { impl_->Reset(); }
  // The rows an INSERT, UPDATE or DELETE changed, once Run.
  int64_t RowsChanged() const { return impl_->RowsChanged(); }

  int64_t Int(int column) const { return impl_->Int(column); }
  std::string Text(int column) const { return impl_->Text(column); }
  std::string Blob(int column) const { return impl_->Blob(column); }
  bool IsNull(int column) const { return impl_->IsNull(column); }

 private:
  std::unique_ptr<StmtImpl> impl_;
};

inline absl::Status Exec(Conn* db, absl::string_view sql) { return db->Exec(sql); }

// ---- dialects (sql_dialect.cc) ----

// Portable DML as the dialect reads it. SQLite: `{ROW_ORDER}` becomes rowid, the rest
// stays. PostgreSQL: `?` and `?N` placeholders become `$N`, `{ROW_ORDER}` the
// row_order column, and the few SQLite spellings the store keeps (instr, INDEXED BY)
// become PostgreSQL's.
std::string DialectSql(Dialect dialect, absl::string_view sql);
// Portable DDL (a migration step) as the dialect reads it. SQLite runs it as written
// (`{ROW_ORDER_COLUMN}` dropped: rowid is there already); PostgreSQL gets BYTEA for
// BLOB, BIGINT for INTEGER, an identity column for `INTEGER PRIMARY KEY` and for
// `{ROW_ORDER_COLUMN}`, and no STRICT / WITHOUT ROWID.
std::string SchemaSql(Dialect dialect, absl::string_view sql);

}  // namespace parindex::store

#endif  // PARINDEX_SERVER_STORE_SQL_H_
