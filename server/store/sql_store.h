// SqlStore: the Store on SQL, one implementation for both backends: an embedded SQLite
// file (the default) or a PostgreSQL database shared by several server processes.
//
// Writer threads, each owning a write connection, take callers' writes from one queue
// and run them in groups inside one transaction (each in its own savepoint, so one
// failing write does not take its neighbours with it); each caller is answered only
// after the group's COMMIT. SQLite has one writer thread; PostgreSQL several
// (StoreOptions::pg_writers), whose groups conflict only as two servers' do. Reads use a
// pool of connections, each read one snapshot. Migrations are versioned (schema.h).
//
// SQLite: WAL, synchronous=FULL, foreign keys, STRICT tables, busy timeout, PRAGMA
// quick_check at open; a lock file (`<db>.lock`) keeps a second server, or a restore,
// away from a live database.
// PostgreSQL: the group's transaction is SERIALIZABLE, so two servers writing the same
// rows cannot both succeed (etags, request ids): the group that loses is run again
// from the start, its callers still waiting. A lost connection is made again on the
// next transaction; its callers hear UNAVAILABLE.
#ifndef PARINDEX_SERVER_STORE_SQL_STORE_H_
#define PARINDEX_SERVER_STORE_SQL_STORE_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "server/store/sql.h"
#include "server/store/store.h"

namespace parindex::store {

struct StoreOptions {
  // The database: a SQLite file's path, or a PostgreSQL connection URI
  // (`postgresql://user@host/db`, libpq's syntax, `?host=/socket/dir` allowed).
  std::string path;
  std::string vfs;  // SQLite's VFS; empty: the default (tests: the fault VFS)
  int readers = 4;
  int64_t max_evidence_bytes = 20 << 20;
  int max_files_per_criterion = 20;
  // What one unit's form may hold in all (its entries and the details of its files,
  // not the files' bytes), so that reading it always fits in one answer.
  int64_t max_assessment_bytes = 2 << 20;
  // Request ids are forgotten after this long (README: Request ids).
  absl::Duration request_retention = absl::Hours(24 * 7);
  int max_group = 256;  // writes committed together at most
  // PostgreSQL: writer connections, each with its own thread taking groups from the
  // one queue, so that one group's round trips to the database do not hold up the
  // next (bench/README.md, pg_bench). A group that lost a conflict runs again alone
  // (the others wait), so that this server's writers cannot keep failing each other.
  // SQLite always has one writer.
  int pg_writers = 4;
  // SQLite: the write connection's page cache. An import of dossier records writes to
  // every unit's range of the table at once, and SQLite's default (2 MiB) cannot hold
  // their pages (bench/README.md, records_bench). Readers keep the default.
  int writer_cache_mib = 64;
  // SQLite: the WAL is copied into the database (a checkpoint) once it holds this many
  // pages (SQLite's default: 1,000), by SqliteCheckpointer (sqlite_file.h).
  int wal_autocheckpoint_pages = 16384;
  const Clock* clock = nullptr;  // null: the real clock
  // Called by a writer thread after each transaction: its time (BEGIN to COMMIT) and
  // how many writes it carried. For metrics; must be quick.
  std::function<void(absl::Duration, int)> on_commit;
};

class SqliteCheckpointer;  // sqlite_file.h

class SqlStore final : public Store {
 public:
  // Opens (creating a SQLite file if absent) and migrates. FAILED_PRECONDITION when
  // another process holds the SQLite file or the database is newer than the binary;
  // DATA_LOSS when damaged; UNAVAILABLE when PostgreSQL cannot be reached.
  static absl::StatusOr<std::unique_ptr<SqlStore>> Open(StoreOptions options);
  ~SqlStore() override;

  Dialect dialect() const { return dialect_; }

  absl::StatusOr<v1::WriteAck> AddCriteriaSet(const WriteContext& ctx,
                                              v1::CriteriaSet set) override;
  absl::StatusOr<v1::CriteriaSet> GetCriteriaSet(absl::string_view id,
                                                 int32_t version) override;
  absl::StatusOr<std::vector<v1::CriteriaSet>> ListCriteriaSets() override;
  absl::StatusOr<v1::WriteAck> PutPlan(const WriteContext& ctx,
                                       const v1::Plan& plan) override;
  absl::StatusOr<v1::Plan> GetPlan(absl::string_view id) override;
  absl::StatusOr<std::vector<v1::Plan>> ListPlans() override;
  absl::StatusOr<v1::WriteAck> PutUnit(const WriteContext& ctx,
                                       const v1::Unit& unit) override;
  absl::StatusOr<v1::Unit> GetUnit(absl::string_view code) override;
  absl::StatusOr<std::vector<v1::Unit>> ListUnits() override;
  absl::StatusOr<v1::WriteAck> AddToken(const WriteContext& ctx, const v1::Token& token,
                                        absl::string_view secret_sha256) override;
  absl::StatusOr<v1::Token> FindToken(absl::string_view secret_sha256) override;
  absl::StatusOr<v1::WriteAck> RevokeToken(const WriteContext& ctx,
                                           absl::string_view id) override;
  absl::StatusOr<std::vector<v1::Token>> ListTokens() override;
  absl::StatusOr<v1::WriteAck> AddAccount(const WriteContext& ctx,
                                          const v1::Account& account,
                                          absl::string_view password_hash) override;
  absl::StatusOr<StoredAccount> FindAccount(absl::string_view username) override;
  absl::StatusOr<StoredAccount> GetAccount(absl::string_view id) override;
  absl::StatusOr<std::vector<v1::Account>> ListAccounts() override;
  absl::StatusOr<v1::WriteAck> UpdateAccount(const WriteContext& ctx,
                                             const v1::Account& account,
                                             absl::string_view password_hash,
                                             bool end_sessions) override;
  absl::StatusOr<v1::WriteAck> AddSession(const WriteContext& ctx,
                                          absl::string_view id_sha256,
                                          const v1::Account& account,
                                          int64_t now) override;
  absl::StatusOr<StoredSession> FindSession(absl::string_view id_sha256) override;
  absl::Status TouchSession(absl::string_view id_sha256, int64_t now) override;
  absl::StatusOr<v1::WriteAck> EndSession(const WriteContext& ctx,
                                          absl::string_view id_sha256,
                                          int64_t now) override;
  absl::StatusOr<v1::WriteAck> AddSignInFailure(const WriteContext& ctx,
                                                absl::string_view username, int64_t now,
                                                int64_t window, int threshold,
                                                int64_t lock_seconds) override;
  absl::StatusOr<int64_t> SignInLockedUntil(absl::string_view username) override;
  absl::StatusOr<v1::WriteAck> AddSignInAddressFailure(const WriteContext& ctx,
                                                       absl::string_view address,
                                                       int64_t now, int64_t window,
                                                       int threshold,
                                                       int64_t lock_seconds) override;
  absl::StatusOr<int64_t> SignInAddressLockedUntil(absl::string_view address) override;
  absl::StatusOr<v1::WriteAck> CreateRound(const WriteContext& ctx,
                                           const v1::Round& round) override;
  absl::StatusOr<v1::Round> GetRound(absl::string_view id) override;
  absl::StatusOr<std::vector<v1::Round>> ListRounds() override;
  absl::StatusOr<v1::WriteAck> UpdateRound(const WriteContext& ctx,
                                           const v1::Round& round,
                                           int64_t expected_version) override;
  absl::StatusOr<RoundInputs> GetRoundInputs(absl::string_view round) override;
  absl::StatusOr<v1::Assessment> GetAssessment(absl::string_view round,
                                               absl::string_view unit) override;
  absl::Status ListAssessmentsInto(
      absl::string_view round, bool with_files,
      google::protobuf::RepeatedPtrField<v1::Assessment>* out) override;
  absl::StatusOr<v1::Assessment> GetAssessmentEntries(
      absl::string_view round, absl::string_view unit,
      const std::vector<std::string>& criteria) override;
  absl::StatusOr<v1::WriteAck> UpdateForm(const WriteContext& ctx,
                                          absl::string_view round, absl::string_view unit,
                                          const FormUpdate& update,
                                          const StateChange* state_change) override;
  using Store::UpdateEntries;
  absl::StatusOr<v1::WriteAck> UpdateEntries(const WriteContext& ctx,
                                             absl::string_view round,
                                             absl::string_view unit,
                                             const std::vector<EntryUpdate>& updates,
                                             const StateChange* state_change) override;
  using Store::SetAssessmentState;
  absl::StatusOr<v1::WriteAck> SetAssessmentState(const WriteContext& ctx,
                                                  absl::string_view round,
                                                  absl::string_view unit,
                                                  const StateChange& change) override;
  absl::StatusOr<v1::WriteAck> AddEvidence(const WriteContext& ctx,
                                           absl::string_view round,
                                           absl::string_view unit,
                                           absl::string_view criterion, v1::Evidence meta,
                                           std::string content) override;
  absl::StatusOr<EvidenceFile> GetEvidence(int64_t id) override;
  absl::StatusOr<v1::WriteAck> DeleteEvidence(const WriteContext& ctx,
                                              absl::string_view round,
                                              absl::string_view unit, int64_t id,
                                              int64_t entry_version) override;
  absl::StatusOr<std::vector<v1::AuditEvent>> ListAudit(
      const AuditFilter& filter) override;
  absl::StatusOr<std::map<std::string, FormActivity>> ListFormActivity(
      absl::string_view round) override;
  absl::StatusOr<StoredRequest> FindRequest(const WriteContext& ctx) override;
  // PostgreSQL: a thread of its own LISTENs for other servers' commits; an empty
  // listener stops it (returning once no call of the old one runs).
  void ListenForChanges(ChangeListener listener) override;
  using Store::UpdateUnitsEntries;
  absl::StatusOr<v1::WriteAck> UpdateUnitsEntries(
      const WriteContext& ctx, absl::string_view round,
      const std::vector<std::pair<std::string, FormUpdate>>& units) override;

  absl::StatusOr<int64_t> BeginRecordImport(const WriteContext& ctx,
                                            const RecordImport& import) override;
  absl::Status AppendDossiers(const WriteContext& ctx, absl::string_view round,
                              int64_t import_id,
                              std::vector<v1::Dossier> dossiers) override;
  absl::StatusOr<DossierWrite> MergeDossiers(const WriteContext& ctx,
                                             absl::string_view round, int64_t import_id,
                                             const StoredUnitCheck& check) override;
  absl::StatusOr<v1::WriteAck> FinishRecordImport(
      const WriteContext& ctx, const RecordImport& import,
      const std::vector<std::pair<std::string, FormUpdate>>& units,
      int64_t merged_as) override;
  absl::StatusOr<std::vector<v1::Dossier>> ListDossiers(absl::string_view round,
                                                        absl::string_view unit) override;
  absl::Status ScanDossiers(absl::string_view round, const DossierVisitor& each) override;
  absl::StatusOr<std::vector<std::string>> ListDossierUnits(
      absl::string_view round) override;
  absl::StatusOr<std::map<std::string, std::string>> StoredDossierUnits(
      absl::string_view round, const std::vector<std::string>& ids) override;
  absl::StatusOr<std::vector<RecordImport>> ListRecordImports(
      absl::string_view round) override;

  absl::StatusOr<v1::WriteAck> AssignTask(
      const WriteContext& ctx, absl::string_view round, absl::string_view plan,
      int64_t number, const std::vector<v1::TaskAssignment>& assignments,
      const std::vector<std::pair<std::string, FormUpdate>>& forms) override;
  absl::StatusOr<v1::WriteAck> UpdateTaskProgress(const WriteContext& ctx,
                                                  absl::string_view round,
                                                  absl::string_view plan, int64_t number,
                                                  const v1::TaskAssignment& progress,
                                                  int64_t expected_version,
                                                  const FormUpdate& form) override;
  absl::StatusOr<std::vector<v1::TaskAssignment>> ListTaskAssignments(
      absl::string_view round, absl::string_view unit) override;

  // Groups committed so far (a group holds one or more writes): for tests and metrics.
  int64_t commits() const;
  // Groups run again after losing a conflict to another server (PostgreSQL).
  int64_t retries() const;
  // Writes waiting for the writer thread.
  size_t queue_depth() const;
  // What upgrading the file at Open said, one line each (also written to stderr, each
  // line prefixed "parindex-store: "); empty when the file was already current or
  // nothing needed telling.
  const std::vector<std::string>& upgrade_notes() const { return upgrade_notes_; }

 private:
  struct Write;
  class Tx;
  class WriterGate;
  using WriteFn = std::function<absl::StatusOr<v1::WriteAck>(Tx&)>;

  explicit SqlStore(StoreOptions options);
  absl::Status Init();
  // A new connection to the database (the writer's creates a SQLite file).
  absl::StatusOr<std::unique_ptr<Conn>> Connect(bool writer);
  // Queues `fn` for the writer thread and waits for its commit.
  absl::StatusOr<v1::WriteAck> Submit(const WriteContext& ctx, std::string method,
                                      WriteFn fn);
  void WriterLoop(Conn* db);
  // The listener's thread (PostgreSQL): LISTEN on a connection of its own, made again
  // when lost (then "*": what was missed is unknown).
  void ListenLoop();
  void StopListening();
  void RunGroup(Conn* db, std::vector<std::shared_ptr<Write>>& group);
  // One attempt at the group's transaction on the writer connection `db`: fills
  // `results`, answers the commit's status (db->MustRetry() tells whether the attempt
  // must be run again).
  absl::Status TryGroup(Conn* db, std::vector<std::shared_ptr<Write>>& group,
                        std::vector<absl::StatusOr<v1::WriteAck>>& results);
  // Forgets request ids older than the retention time, in a transaction of its own
  // before a group's, at most once an hour of the store's clock.
  absl::Status PruneRequests(Conn* db);
  // In a write's transaction: the round is still at the version ctx.round_version
  // (WriteContext::round), else ABORTED.
  static absl::Status CheckRoundVersion(Conn* db, const WriteContext& ctx);
  absl::Status PinFinalisedRounds();
  // After a write that grew or shrank a unit's form by `delta` bytes, in its
  // transaction: the form still fits its limit (FAILED_PRECONDITION) and its
  // updated_at moves.
  absl::Status FormWritten(Tx& tx, const std::string& round, const std::string& unit,
                           int64_t delta) const;
  // Stores one unit's entries and values inside the caller's transaction (stale →
  // ABORTED), auditing each; the ack lists their new versions.
  absl::StatusOr<v1::WriteAck> WriteForm(Tx& tx, const std::string& round,
                                         const std::string& unit,
                                         const FormUpdate& update) const;
  // UpdateEntries and UpdateForm: `method` is the name a request id is kept under when
  // the context names none.
  absl::StatusOr<v1::WriteAck> SubmitForm(const WriteContext& ctx, std::string method,
                                          absl::string_view round, absl::string_view unit,
                                          FormUpdate update,
                                          const StateChange* state_change);
  // Runs `fn` on a pooled read connection inside a read transaction.
  template <typename T>
  absl::StatusOr<T> Read(const std::function<absl::StatusOr<T>(Conn*)>& fn);
  std::string Now() const;

  StoreOptions options_;
  const Clock* clock_;
  Dialect dialect_ = Dialect::kSqlite;
  int lock_fd_ = -1;                                  // SQLite's lock file
  std::vector<std::unique_ptr<Conn>> writers_;        // the first also migrates at Open
  std::unique_ptr<SqliteCheckpointer> checkpointer_;  // SQLite only
  std::vector<std::string> upgrade_notes_;

  mutable std::mutex mu_;
  std::condition_variable queue_cv_;
  std::deque<std::shared_ptr<Write>> queue_;
  bool stopping_ = false;
  int64_t commits_ = 0;
  int64_t retries_ = 0;
  std::vector<std::thread> writer_threads_;
  std::unique_ptr<WriterGate> gate_;
  ChangeListener listener_;
  std::thread listener_thread_;
  int wake_[2] = {-1, -1};            // a pipe that ends the listener's wait
  std::vector<int> writer_backends_;  // their own commits are not news to the listener
  absl::Time last_prune_ = absl::InfinitePast();

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<Conn*> free_readers_;
  std::vector<std::unique_ptr<Conn>> all_readers_;
};

// Copies the live database `db` to the new file `to`, consistently, while servers
// keep writing: SQLite's online backup (a SQLite file), or pg_dump's custom format
// (a postgresql:// URI; pg_dump on PATH or in $PARINDEX_PG_BIN). Refuses to
// overwrite an existing `to`.
absl::Status BackupDatabase(const std::string& db, const std::string& to);

// Replaces `db` with the backup `from`. SQLite: refused while a server holds `db`, and
// when `from` fails PRAGMA integrity_check. PostgreSQL: pg_restore into an empty
// database only (FAILED_PRECONDITION when it holds a schema).
absl::Status RestoreDatabase(const std::string& from, const std::string& db);

}  // namespace parindex::store

#endif  // PARINDEX_SERVER_STORE_SQL_STORE_H_
