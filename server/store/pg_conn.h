// The PostgreSQL connection of the store's SQL layer (sql.h), on libpq.
#ifndef PARINDEX_SERVER_STORE_PG_CONN_H_
#define PARINDEX_SERVER_STORE_PG_CONN_H_

#include <libpq-fe.h>

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/store/sql.h"

namespace parindex::store {

// True for a connection string PostgreSQL's (`postgresql://…`, `postgres://…`).
bool IsPostgresUri(absl::string_view db);

// A Status for a failed libpq result (or connection when `result` is null): UNAVAILABLE
// when the server cannot be reached or is shutting down, ABORTED for a serialization
// failure or deadlock, FAILED_PRECONDITION for a constraint, DATA_LOSS for corruption,
// INTERNAL otherwise.
absl::Status PgError(PGconn* conn, const PGresult* result, absl::string_view what);

// A Conn over one libpq connection. Statements are prepared on the server once per
// connection (by their SQL and the types bound), parameters and results travel in
// binary. A lost connection is reset by the next Begin.
class PgConn final : public Conn {
 public:
  // UNAVAILABLE when the server cannot be reached.
  static absl::StatusOr<std::unique_ptr<PgConn>> Connect(const std::string& uri);
  ~PgConn() override;
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  PGconn* conn() const { return conn_; }
  // Called by statements: a serialization failure was seen.
  void NoteRetry() { must_retry_ = true; }
  // The server-side name of `sql` prepared with `types` (its bind types), preparing it
  // on first use; an error when preparing failed.
  absl::StatusOr<std::string> Prepared(const std::string& sql, const std::string& types,
                                       int n, const unsigned int* oids);

  Dialect dialect() const override { return Dialect::kPostgres; }
  std::unique_ptr<StmtImpl> Prepare(absl::string_view sql) override;
  absl::Status Exec(absl::string_view sql) override;
  absl::Status BeginWrite() override;
  absl::Status BeginRead() override;
  bool InTransaction() override;
  bool MustRetry() const override { return must_retry_; }
  absl::Status Reconnect() override;
  int BackendId() const override { return PQbackendPID(conn_); }
  absl::StatusOr<int> SchemaVersion() override;
  absl::Status SetSchemaVersion(int version) override;
  absl::Status LockForMigration() override;
  void UnlockForMigration() override;

 private:
  explicit PgConn(PGconn* conn) : conn_(conn) {}
  absl::Status Begin(const char* sql);

  PGconn* conn_;
  bool must_retry_ = false;
  std::map<std::string, std::string> prepared_;  // SQL + types -> statement name
};

}  // namespace parindex::store

#endif  // PARINDEX_SERVER_STORE_PG_CONN_H_
