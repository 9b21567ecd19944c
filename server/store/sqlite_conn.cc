// The SQLite connection of the store's SQL layer.
#include "server/store/sqlite_conn.h"

#include "absl/strings/str_cat.h"

namespace parindex::store {

absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what) {
  const std::string message =
      absl::StrCat(what, ": ", db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::AbortedError(message);
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return absl::UnavailableError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    case SQLITE_CONSTRAINT:
      return absl::FailedPreconditionError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::Status Exec(sqlite3* db, absl::string_view sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db, std::string(sql).c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return absl::OkStatus();
  absl::Status status =
      SqliteError(db, rc, absl::StrCat("executing ", sql.substr(0, 60)));
  sqlite3_free(error);
  return status;
}

namespace {

class SqliteStmt final : public StmtImpl {
 public:
  // Borrows `kept` (its flag set until this ends) when given, else prepares `sql`.
  SqliteStmt(sqlite3* db, absl::string_view sql, sqlite3_stmt* kept, bool* borrowed)
      : db_(db), stmt_(kept), borrowed_(borrowed), sql_(sql) {
    if (stmt_ != nullptr) return;
    const int rc = sqlite3_prepare_v2(db, sql_.data(), static_cast<int>(sql_.size()),
                                      &stmt_, nullptr);
    if (rc != SQLITE_OK)
      status_ = SqliteError(db, rc, absl::StrCat("preparing ", sql.substr(0, 60)));
  }
  explicit SqliteStmt(absl::Status failed) : db_(nullptr), status_(std::move(failed)) {}
  ~SqliteStmt() override {
    if (borrowed_ == nullptr) {
      sqlite3_finalize(stmt_);
      return;
    }
    Reset();
    *borrowed_ = false;
  }

  const absl::Status& status() const override { return status_; }
  void BindInt(int i, int64_t value) override {
    if (status_.ok()) sqlite3_bind_int64(stmt_, i, value);
  }
  void BindText(int i, absl::string_view text) override {
    if (status_.ok()) {
      sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()),
                        SQLITE_TRANSIENT);
    }
  }
  void BindBlob(int i, absl::string_view bytes) override {
    if (status_.ok()) {
      sqlite3_bind_blob(stmt_, i, bytes.data(), static_cast<int>(bytes.size()),
                        SQLITE_TRANSIENT);
    }
  }
  void BindNull(int i) override {
    if (status_.ok()) sqlite3_bind_null(stmt_, i);
  }
  void BindKeptText(int i, absl::string_view text) override {
    if (status_.ok()) {
      sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()),
                        SQLITE_STATIC);
    }
  }
  void BindKeptBlob(int i, absl::string_view bytes) override {
    if (status_.ok()) {
      sqlite3_bind_blob(stmt_, i, bytes.data(), static_cast<int>(bytes.size()),
                        SQLITE_STATIC);
    }
  }
  absl::StatusOr<bool> Step() override {
    if (!status_.ok()) return status_;
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqliteError(db_, rc, absl::StrCat("running ", sql_.substr(0, 60)));
  }
  int64_t RowsChanged() const override {
    return db_ != nullptr ? sqlite3_changes64(db_) : 0;
  }
  void Reset() override {
    if (stmt_ != nullptr) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }
  int64_t Int(int column) const override { return sqlite3_column_int64(stmt_, column); }
  std::string Text(int column) const override {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    return text == nullptr ? std::string()
                           : std::string(reinterpret_cast<const char*>(text),
                                         sqlite3_column_bytes(stmt_, column));
  }
  std::string Blob(int column) const override {
    const void* data = sqlite3_column_blob(stmt_, column);
    return data == nullptr ? std::string()
                           : std::string(static_cast<const char*>(data),
                                         sqlite3_column_bytes(stmt_, column));
  }
  bool IsNull(int column) const override {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool* borrowed_ = nullptr;
  std::string sql_;
  absl::Status status_;
};

}  // namespace

SqliteConn::~SqliteConn() {
  for (auto& [sql, kept] : kept_) sqlite3_finalize(kept.stmt);
  if (owned_) sqlite3_close(db_);
}

std::unique_ptr<StmtImpl> SqliteConn::Prepare(absl::string_view portable) {
  auto it = kept_.find(portable);
  if (it == kept_.end()) {
    const std::string sql = DialectSql(Dialect::kSqlite, portable);
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      return std::make_unique<SqliteStmt>(
          SqliteError(db_, rc, absl::StrCat("preparing ", sql.substr(0, 60))));
    }
    it = kept_.emplace(std::string(portable), Kept{stmt, false}).first;
  }
  if (!it->second.borrowed) {
    it->second.borrowed = true;
    return std::make_unique<SqliteStmt>(db_, it->first, it->second.stmt,
                                        &it->second.borrowed);
  }
  return std::make_unique<SqliteStmt>(db_, DialectSql(Dialect::kSqlite, portable),
                                      nullptr, nullptr);
}

absl::Status SqliteConn::Exec(absl::string_view sql) {
  return store::Exec(db_, DialectSql(Dialect::kSqlite, sql));
}

absl::Status SqliteConn::BeginWrite() { return store::Exec(db_, "BEGIN IMMEDIATE"); }

absl::Status SqliteConn::BeginRead() { return store::Exec(db_, "BEGIN"); }

absl::StatusOr<int> SqliteConn::SchemaVersion() {
  Stmt stmt(this, "PRAGMA user_version");
  absl::StatusOr<bool> row = stmt.Step();
  if (!row.ok()) return row.status();
  return *row ? static_cast<int>(stmt.Int(0)) : 0;
}

absl::Status SqliteConn::SetSchemaVersion(int version) {
  return store::Exec(db_, absl::StrCat("PRAGMA user_version = ", version));
}

}  // namespace parindex::store
