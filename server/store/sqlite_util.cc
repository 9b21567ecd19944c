// RAII helpers over the SQLite C API.
#include "server/store/sqlite_util.h"

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
thread_local StmtCache* thread_cache = nullptr;
}  // namespace

StmtCache::~StmtCache() {
  for (auto& [sql, kept] : kept_) sqlite3_finalize(kept.stmt);
}

StmtCache::Use::Use(StmtCache* cache) : previous_(thread_cache) { thread_cache = cache; }
StmtCache::Use::~Use() { thread_cache = previous_; }

Stmt::Stmt(sqlite3* db, absl::string_view sql) : db_(db) {
  StmtCache* cache = thread_cache;
  if (cache != nullptr && cache->db_ == db) {
    auto it = cache->kept_.find(sql);
    if (it == cache->kept_.end()) {
      sqlite3_stmt* stmt = nullptr;
      const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                        SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) {
        sql_ = own_sql_ = std::string(sql);
        status_ = SqliteError(db, rc, absl::StrCat("preparing ", sql.substr(0, 60)));
        return;
      }
      it = cache->kept_.emplace(std::string(sql), StmtCache::Kept{stmt, false}).first;
    }
    if (!it->second.borrowed) {
      it->second.borrowed = true;
      borrowed_ = &it->second.borrowed;
      stmt_ = it->second.stmt;
      sql_ = it->first;
      return;
    }
  }
  own_sql_ = std::string(sql);
  sql_ = own_sql_;
  const int rc =
      sqlite3_prepare_v2(db, sql_.data(), static_cast<int>(sql_.size()), &stmt_, nullptr);
  if (rc != SQLITE_OK)
    status_ = SqliteError(db, rc, absl::StrCat("preparing ", sql.substr(0, 60)));
}

Stmt::~Stmt() {
  if (borrowed_ == nullptr) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *borrowed_ = false;
}

Stmt& Stmt::Bind(int i, int64_t value) {
  if (status_.ok()) sqlite3_bind_int64(stmt_, i, value);
  return *this;
}

Stmt& Stmt::Bind(int i, absl::string_view text) {
  if (status_.ok()) {
    sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
  }
  return *this;
}

Stmt& Stmt::BindBlob(int i, absl::string_view bytes) {
  if (status_.ok()) {
    sqlite3_bind_blob(stmt_, i, bytes.data(), static_cast<int>(bytes.size()),
                      SQLITE_TRANSIENT);
  }
  return *this;
}

Stmt& Stmt::BindNull(int i) {
  if (status_.ok()) sqlite3_bind_null(stmt_, i);
  return *this;
}

absl::StatusOr<bool> Stmt::Step() {
  if (!status_.ok()) return status_;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, absl::StrCat("running ", sql_.substr(0, 60)));
}

absl::Status Stmt::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

void Stmt::Reset() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

int64_t Stmt::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Stmt::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  return text == nullptr ? std::string()
                         : std::string(reinterpret_cast<const char*>(text),
                                       sqlite3_column_bytes(stmt_, column));
}

std::string Stmt::Blob(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  return data == nullptr ? std::string()
                         : std::string(static_cast<const char*>(data),
                                       sqlite3_column_bytes(stmt_, column));
}

bool Stmt::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

}  // namespace parindex::store
