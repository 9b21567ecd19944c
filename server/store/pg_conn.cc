// The PostgreSQL connection of the store's SQL layer, on libpq.
#include "server/store/pg_conn.h"

#include <endian.h>

#include <cstring>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace parindex::store {
namespace {

// PostgreSQL's type ids (pg_type.oid) of what the store binds and reads.
constexpr Oid kBoolOid = 16, kByteaOid = 17, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23,
              kTextOid = 25;

// The key that keeps two servers from migrating one database at once.
constexpr int64_t kMigrationLock = 0x70617269;  // "pari"

void IgnoreNotice(void*, const char*) {}

class PgStmt final : public StmtImpl {
 public:
  PgStmt(PgConn* db, std::string sql) : db_(db), sql_(std::move(sql)) {}
  ~PgStmt() override { PQclear(result_); }

  const absl::Status& status() const override { return status_; }
  void BindInt(int i, int64_t value) override {
    const uint64_t big = htobe64(static_cast<uint64_t>(value));
    Set(i, kInt8Oid, std::string(reinterpret_cast<const char*>(&big), 8), false);
  }
  void BindText(int i, absl::string_view text) override {
    Set(i, kTextOid, std::string(text), false);
  }
  void BindBlob(int i, absl::string_view bytes) override {
    Set(i, kByteaOid, std::string(bytes), false);
  }
  void BindNull(int i) override { Set(i, 0, "", true); }

  absl::StatusOr<bool> Step() override {
    if (!status_.ok()) return status_;
    if (result_ == nullptr) {
      std::string types;
      for (Oid oid : oids_) absl::StrAppend(&types, oid, ",");
      absl::StatusOr<std::string> name =
          db_->Prepared(sql_, types, static_cast<int>(oids_.size()), oids_.data());
      if (!name.ok()) return name.status();
      std::vector<const char*> values(params_.size());
      std::vector<int> lengths(params_.size()), formats(params_.size(), 1);
      for (size_t i = 0; i < params_.size(); ++i) {
        values[i] = nulls_[i] ? nullptr : params_[i].data();
        lengths[i] = static_cast<int>(params_[i].size());
      }
      result_ = PQexecPrepared(db_->conn(), name->c_str(),
                               static_cast<int>(params_.size()), values.data(),
                               lengths.data(), formats.data(), /*resultFormat=*/1);
      const ExecStatusType state = PQresultStatus(result_);
      if (state != PGRES_TUPLES_OK && state != PGRES_COMMAND_OK) {
        absl::Status error =
            PgError(db_->conn(), result_, absl::StrCat("running ", sql_.substr(0, 60)));
        if (error.code() == absl::StatusCode::kAborted) db_->NoteRetry();
        PQclear(result_);
        result_ = nullptr;
        return error;
      }
      row_ = -1;
    }
    ++row_;
    return row_ < PQntuples(result_);
  }

  int64_t RowsChanged() const override {
    int64_t rows = 0;
    if (result_ != nullptr && !absl::SimpleAtoi(PQcmdTuples(result_), &rows)) rows = 0;
    return rows;
  }
  void Reset() override {
    PQclear(result_);
    result_ = nullptr;
    params_.clear();
    oids_.clear();
    nulls_.clear();
  }

  int64_t Int(int column) const override {
    if (IsNull(column)) return 0;
    const char* v = PQgetvalue(result_, row_, column);
    switch (PQftype(result_, column)) {
      case kInt8Oid: {
        uint64_t big;
        std::memcpy(&big, v, 8);
        return static_cast<int64_t>(be64toh(big));
      }
      case kInt4Oid: {
        uint32_t big;
        std::memcpy(&big, v, 4);
        return static_cast<int32_t>(be32toh(big));
      }
      case kInt2Oid: {
        uint16_t big;
        std::memcpy(&big, v, 2);
        return static_cast<int16_t>(be16toh(big));
      }
      case kBoolOid:
        return v[0] != 0 ? 1 : 0;
      default:
        return 0;
    }
  }
  std::string Text(int column) const override { return Blob(column); }
  std::string Blob(int column) const override {
    if (IsNull(column)) return std::string();
    return std::string(PQgetvalue(result_, row_, column),
                       PQgetlength(result_, row_, column));
  }
  bool IsNull(int column) const override {
    return result_ == nullptr || PQgetisnull(result_, row_, column) != 0;
  }

 private:
  void Set(int i, Oid oid, std::string value, bool null) {
    if (result_ != nullptr) {  // bound again after a step without Reset
      PQclear(result_);
      result_ = nullptr;
    }
    const size_t at = static_cast<size_t>(i - 1);
    if (params_.size() <= at) {
      params_.resize(at + 1);
      oids_.resize(at + 1, 0);
      nulls_.resize(at + 1, true);
    }
    params_[at] = std::move(value);
    oids_[at] = oid;
    nulls_[at] = null;
  }

  PgConn* db_;
  std::string sql_;
  absl::Status status_;
  std::vector<std::string> params_;
  std::vector<Oid> oids_;
  std::vector<bool> nulls_;
  PGresult* result_ = nullptr;
  int row_ = -1;
};

}  // namespace

bool IsPostgresUri(absl::string_view db) {
  return absl::StartsWith(db, "postgresql://") || absl::StartsWith(db, "postgres://");
}

absl::Status PgError(PGconn* conn, const PGresult* result, absl::string_view what) {
  std::string message(result != nullptr ? PQresultErrorMessage(result)
                                        : PQerrorMessage(conn));
  absl::StripTrailingAsciiWhitespace(&message);
  const char* code =
      result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string state = code != nullptr ? code : "";
  const std::string text = absl::StrCat(what, ": ", message);
  if (PQstatus(conn) == CONNECTION_BAD || absl::StartsWith(state, "08") ||
      absl::StartsWith(state, "57P") || absl::StartsWith(state, "53") ||
      absl::StartsWith(state, "58") || state.empty()) {
    return absl::UnavailableError(text);
  }
  if (state == "40001" || state == "40P01") return absl::AbortedError(text);
  if (absl::StartsWith(state, "23")) return absl::FailedPreconditionError(text);
  if (absl::StartsWith(state, "XX")) return absl::DataLossError(text);
  return absl::InternalError(text);
}

absl::StatusOr<std::unique_ptr<PgConn>> PgConn::Connect(const std::string& uri) {
  PGconn* conn = PQconnectdb(uri.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    absl::Status status = absl::UnavailableError(
        absl::StrCat("connecting to PostgreSQL: ",
                     absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn))));
    PQfinish(conn);
    return status;
  }
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  std::unique_ptr<PgConn> db(new PgConn(conn));
  return db;
}

PgConn::~PgConn() { PQfinish(conn_); }

absl::StatusOr<std::string> PgConn::Prepared(const std::string& sql,
                                             const std::string& types, int n,
                                             const unsigned int* oids) {
  const std::string key = absl::StrCat(types, "|", sql);
  auto it = prepared_.find(key);
  if (it != prepared_.end()) return it->second;
  const std::string name = absl::StrCat("s", prepared_.size());
  PGresult* result = PQprepare(conn_, name.c_str(), sql.c_str(), n, oids);
  absl::Status status;
  if (PQresultStatus(result) != PGRES_COMMAND_OK) {
    status = PgError(conn_, result, absl::StrCat("preparing ", sql.substr(0, 60)));
    if (status.code() == absl::StatusCode::kAborted) must_retry_ = true;
  }
  PQclear(result);
  if (!status.ok()) return status;
  prepared_.emplace(key, name);
  return name;
}

std::unique_ptr<StmtImpl> PgConn::Prepare(absl::string_view sql) {
  return std::make_unique<PgStmt>(this, DialectSql(Dialect::kPostgres, sql));
}

absl::Status PgConn::Exec(absl::string_view sql) {
  const std::string text = DialectSql(Dialect::kPostgres, sql);
  PGresult* result = PQexec(conn_, text.c_str());
  absl::Status status;
  const ExecStatusType state = PQresultStatus(result);
  if (state != PGRES_COMMAND_OK && state != PGRES_TUPLES_OK) {
    status = PgError(conn_, result, absl::StrCat("executing ", text.substr(0, 60)));
    if (status.code() == absl::StatusCode::kAborted) must_retry_ = true;
  }
  PQclear(result);
  return status;
}

absl::Status PgConn::Reconnect() {
  if (PQstatus(conn_) == CONNECTION_OK) return absl::OkStatus();
  PQreset(conn_);
  prepared_.clear();  // the server forgot them with the session
  if (PQstatus(conn_) != CONNECTION_OK) {
    return absl::UnavailableError(
        absl::StrCat("reconnecting to PostgreSQL: ",
                     absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn_))));
  }
  return absl::OkStatus();
}

absl::Status PgConn::Begin(const char* sql) {
  must_retry_ = false;
  absl::Status status = Reconnect();
  if (status.ok()) status = Exec(sql);
  if (!status.ok() && PQstatus(conn_) != CONNECTION_OK) {
    // The server went away between two transactions: one more try on a new connection.
    status = Reconnect();
    if (status.ok()) status = Exec(sql);
  }
  return status;
}

absl::Status PgConn::BeginWrite() { return Begin("BEGIN ISOLATION LEVEL SERIALIZABLE"); }

absl::Status PgConn::BeginRead() {
  return Begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
}

bool PgConn::InTransaction() {
  const PGTransactionStatusType state = PQtransactionStatus(conn_);
  return state == PQTRANS_INTRANS || state == PQTRANS_INERROR || state == PQTRANS_ACTIVE;
}

absl::StatusOr<int> PgConn::SchemaVersion() {
  Stmt exists(this, "SELECT to_regclass('parindex_schema') IS NOT NULL");
  absl::StatusOr<bool> row = exists.Step();
  if (!row.ok()) return row.status();
  if (!*row || exists.Int(0) == 0) return 0;
  Stmt get(this, "SELECT version FROM parindex_schema");
  row = get.Step();
  if (!row.ok()) return row.status();
  return *row ? static_cast<int>(get.Int(0)) : 0;
}

absl::Status PgConn::SetSchemaVersion(int version) {
  return Exec(absl::StrCat(
      "CREATE TABLE IF NOT EXISTS parindex_schema (version BIGINT NOT NULL); "
      "DELETE FROM parindex_schema; INSERT INTO parindex_schema VALUES (",
      version, ")"));
}

absl::Status PgConn::LockForMigration() {
  return Exec(absl::StrCat("SELECT pg_advisory_lock(", kMigrationLock, ")"));
}

void PgConn::UnlockForMigration() {
  Exec(absl::StrCat("SELECT pg_advisory_unlock(", kMigrationLock, ")")).IgnoreError();
}

}  // namespace parindex::store
