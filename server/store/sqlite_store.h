// SqliteStore: the embedded Store on one SQLite file.
//
// WAL, synchronous=FULL, foreign keys, STRICT tables, busy timeout, PRAGMA quick_check
// at open, migrations by user_version. One writer thread owns the write connection:
// callers' writes are queued, run in groups inside one BEGIN IMMEDIATE transaction (each
// in its own savepoint, so one failing write does not take its neighbours with it), and
// each caller is answered only after the group's COMMIT. Reads use a pool of read-only
// connections. A lock file (`<db>.lock`) keeps a second server, or a restore, away from
// a live database.
#ifndef PARINDEX_SERVER_STORE_SQLITE_STORE_H_
#define PARINDEX_SERVER_STORE_SQLITE_STORE_H_

#include <sqlite3.h>

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
#include "server/store/sqlite_util.h"
#include "server/store/store.h"

namespace parindex::store {

struct SqliteOptions {
  std::string path;
  std::string vfs;  // empty: the default; kFaultVfsName in fault tests
  int readers = 4;
  int64_t max_evidence_bytes = 20 << 20;
  int max_files_per_criterion = 20;
  // What one unit's form may hold in all (its entries and the details of its files,
  // not the files' bytes), so that reading it always fits in one answer.
  int64_t max_assessment_bytes = 2 << 20;
  // Request ids are forgotten after this long (README: Request ids).
  absl::Duration request_retention = absl::Hours(24 * 7);
  int max_group = 256;  // writes committed together at most
  // The write connection's page cache: an import of dossier records writes to every
  // unit's range of the table at once, and SQLite's default (2 MiB) cannot hold their
  // pages (bench/README.md, records_bench). Readers keep the default.
  int writer_cache_mib = 64;
  // The WAL is copied into the database (a checkpoint) once it holds this many pages
  // (SQLite's default: 1,000), by a thread of its own on its own connection, so that
  // no commit waits for one; a page written by many commits is copied once per
  // checkpoint. Past four times this, the commit itself checkpoints (the WAL's bound).
  int wal_autocheckpoint_pages = 16384;
  const Clock* clock = nullptr;  // null: the real clock
  // Called by the writer thread after each transaction: its time (BEGIN to COMMIT) and
  // how many writes it carried. For metrics; must be quick.
  std::function<void(absl::Duration, int)> on_commit;
};

class SqliteStore final : public Store {
 public:
  // Opens (creating if absent) and migrates. FAILED_PRECONDITION when another process
  // holds the database or the file is newer than the binary; DATA_LOSS when damaged.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(SqliteOptions options);
  ~SqliteStore() override;

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
  absl::StatusOr<std::vector<v1::Assessment>> ListAssessments(absl::string_view round,
                                                              bool with_files) override;
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
  absl::StatusOr<v1::WriteAck> SetAssessmentState(
      const WriteContext& ctx, absl::string_view round, absl::string_view unit,
      v1::AssessmentState state, int64_t expected_version, bool reopened) override;
  absl::StatusOr<v1::WriteAck> AddEvidence(const WriteContext& ctx,
                                           absl::string_view round,
                                           absl::string_view unit,
                                           absl::string_view criterion, v1::Evidence meta,
                                           std::string content) override;
  absl::StatusOr<EvidenceFile> GetEvidence(int64_t id) override;
  absl::StatusOr<std::vector<v1::AuditEvent>> ListAudit(
      const AuditFilter& filter) override;
  absl::StatusOr<std::map<std::string, FormActivity>> ListFormActivity(
      absl::string_view round) override;
  absl::StatusOr<StoredRequest> FindRequest(const WriteContext& ctx) override;
  using Store::UpdateUnitsEntries;
  absl::StatusOr<v1::WriteAck> UpdateUnitsEntries(
      const WriteContext& ctx, absl::string_view round,
      const std::vector<std::pair<std::string, FormUpdate>>& units) override;

  absl::StatusOr<int64_t> BeginRecordImport(const WriteContext& ctx,
                                            const RecordImport& import) override;
  using Store::UpsertDossiers;
  absl::StatusOr<DossierWrite> UpsertDossiers(const WriteContext& ctx,
                                              absl::string_view round, int64_t import_id,
                                              const std::vector<v1::Dossier>& dossiers,
                                              const StoredUnitCheck& check) override;
  absl::StatusOr<v1::WriteAck> FinishRecordImport(
      const WriteContext& ctx, const RecordImport& import,
      const std::vector<std::pair<std::string, FormUpdate>>& units) override;
  absl::StatusOr<std::vector<v1::Dossier>> ListDossiers(absl::string_view round,
                                                        absl::string_view unit) override;
  absl::StatusOr<std::vector<std::string>> ListDossierUnits(
      absl::string_view round) override;
  absl::StatusOr<std::map<std::string, std::string>> StoredDossierUnits(
      absl::string_view round, const std::vector<std::string>& ids) override;
  absl::StatusOr<std::vector<RecordImport>> ListRecordImports(
      absl::string_view round) override;

  // Groups committed so far (a group holds one or more writes): for tests and metrics.
  int64_t commits() const;
  // Writes waiting for the writer thread.
  size_t queue_depth() const;
  // What upgrading the file at Open said, one line each (also written to stderr, each
  // line prefixed "parindex-store: "); empty when the file was already current or
  // nothing needed telling.
  const std::vector<std::string>& upgrade_notes() const { return upgrade_notes_; }

 private:
  struct Write;
  class Tx;
  using WriteFn = std::function<absl::StatusOr<v1::WriteAck>(Tx&)>;

  explicit SqliteStore(SqliteOptions options);
  absl::Status Init();
  // Queues `fn` for the writer thread and waits for its commit.
  absl::StatusOr<v1::WriteAck> Submit(const WriteContext& ctx, std::string method,
                                      WriteFn fn);
  void WriterLoop();
  // Checkpoints on `checkpointer_` when OnWal says the WAL has grown (PASSIVE: never
  // waits for the writer or readers).
  void CheckpointLoop();
  // SQLite's WAL hook on the writer, after each commit: `pages` in the WAL.
  static int OnWal(void* store, sqlite3* db, const char* name, int pages);
  void RunGroup(std::vector<std::shared_ptr<Write>>& group);
  // Forgets request ids older than the retention time (the writer thread, at most
  // once an hour of the store's clock).
  absl::Status PruneRequests();
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
  absl::StatusOr<T> Read(const std::function<absl::StatusOr<T>(sqlite3*)>& fn);
  std::string Now() const;

  SqliteOptions options_;
  const Clock* clock_;
  int lock_fd_ = -1;
  sqlite3* writer_ = nullptr;
  std::vector<std::string> upgrade_notes_;

  mutable std::mutex mu_;
  std::condition_variable queue_cv_;
  std::deque<std::shared_ptr<Write>> queue_;
  bool stopping_ = false;
  int64_t commits_ = 0;
  std::thread writer_thread_;
  sqlite3* checkpointer_ = nullptr;
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_due_ = false;
  bool checkpoint_stop_ = false;
  std::thread checkpoint_thread_;
  absl::Time last_prune_ = absl::InfinitePast();  // the writer thread's

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<sqlite3*> free_readers_;
  std::vector<sqlite3*> all_readers_;
  // Prepared statements per connection (sqlite_util.h), made in Init and used by the
  // thread that holds the connection: the writer thread, or a Read.
  std::map<sqlite3*, std::unique_ptr<StmtCache>> statements_;
};

// Copies the live database at `db` to `to` with SQLite's online backup (a consistent
// snapshot, while the server keeps writing). Refuses to overwrite an existing `to`.
absl::Status BackupDatabase(const std::string& db, const std::string& to);

// Replaces `db` with the backup `from`. Refuses while a server holds `db`, and when
// `from` fails PRAGMA integrity_check.
absl::Status RestoreDatabase(const std::string& from, const std::string& db);

}  // namespace parindex::store

#endif  // PARINDEX_SERVER_STORE_SQLITE_STORE_H_
