// SqlStore: the writer thread with group commit, the reader pool, and every resource's
// SQL, written once for SQLite and PostgreSQL (sql.h).
#include "server/store/sql_store.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <future>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "server/store/assigned_json.h"
#include "server/store/pg_conn.h"
#include "server/store/schema.h"
#include "server/store/sqlite_file.h"

namespace parindex::store {
namespace {

// How often a group that lost a serialization conflict to another server (PostgreSQL)
// is run again before its callers hear UNAVAILABLE.
constexpr int kMaxGroupRetries = 20;
// PostgreSQL's limit on a notification's payload is 8000 bytes; a group that changed
// more says "*".
constexpr size_t kMaxNotifyBytes = 7900;

class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

std::string Json(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options).ok())
    return "{}";
  return out;
}

template <typename Message>
absl::StatusOr<Message> Parse(const std::string& bytes, absl::string_view what) {
  Message message;
  if (!message.ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat("stored ", what, " cannot be parsed"));
  }
  return message;
}

std::string EntryName(absl::string_view round, absl::string_view unit,
                      absl::string_view criterion) {
  return absl::StrCat("rounds/", round, "/assessments/", unit, "/entries/", criterion);
}

std::string AssessmentName(absl::string_view round, absl::string_view unit) {
  return absl::StrCat("rounds/", round, "/assessments/", unit);
}

// A data sheet value, as audited and named in errors (the sheet is the API's
// rounds/{id}/assessments/{unit}/dataSheet).
std::string ValueName(absl::string_view round, absl::string_view unit,
                      absl::string_view element) {
  return absl::StrCat("rounds/", round, "/assessments/", unit, "/dataSheet/", element);
}

absl::Status Stale(absl::string_view resource, int64_t stored, int64_t expected) {
  return absl::AbortedError(
      absl::StrCat(resource, ": stale version ", expected, "; it is at version ", stored,
                   " (someone else changed it: read it again, then retry)"));
}

}  // namespace

namespace {

// The rows of imports that were never merged (the server stopped while they ran) are
// never read: they are dropped, and the import stays unfinished. Only on a SQLite file,
// whose one server is this one, so that none of those imports is still running.
absl::Status DropUnmergedRows(Conn* db) {
  RETURN_IF_ERROR(db->BeginWrite());
  absl::Status status = [db]() -> absl::Status {
    std::vector<std::pair<std::string, int64_t>> imports;
    Stmt q(db, "SELECT round_id, number FROM record_imports WHERE merged = 0");
    while (true) {
      ASSIGN_OR_RETURN(const bool row, q.Step());
      if (!row) break;
      imports.push_back({q.Text(0), q.Int(1)});
    }
    for (const auto& [round, number] : imports) {
      for (const char* table : {"dossier_rows", "dossier_runs"}) {
        RETURN_IF_ERROR(Stmt(db, absl::StrCat("DELETE FROM ", table,
                                              " WHERE round_id = ? AND import_id = ?"))
                            .Bind(1, round)
                            .Bind(2, number)
                            .Run());
      }
      RETURN_IF_ERROR(
          Stmt(db,
               "UPDATE record_imports SET merged = 1 WHERE round_id = ? AND number = ?")
              .Bind(1, round)
              .Bind(2, number)
              .Run());
    }
    return db->Exec("COMMIT");
  }();
  if (!status.ok() && db->InTransaction()) db->Exec("ROLLBACK").IgnoreError();
  return status;
}

}  // namespace

// Lets the writer threads run their groups side by side, and a group that lost a
// conflict run again alone: once the groups running have ended, and before any other
// starts (it cannot be starved by them).
class SqlStore::WriterGate {
 public:
  void Enter(bool alone) {
    std::unique_lock<std::mutex> lock(mu_);
    if (alone) {
      ++waiting_alone_;
      cv_.wait(lock, [this] { return running_ == 0 && !alone_; });
      --waiting_alone_;
      alone_ = true;
    } else {
      cv_.wait(lock, [this] { return !alone_ && waiting_alone_ == 0; });
    }
    ++running_;
  }
  void Leave(bool alone) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      --running_;
      if (alone) alone_ = false;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int running_ = 0;
  int waiting_alone_ = 0;
  bool alone_ = false;
};

struct SqlStore::Write {
  WriteContext ctx;
  std::string method;
  WriteFn fn;
  std::promise<absl::StatusOr<v1::WriteAck>> done;
};

namespace {

// The method a request id is recorded under: the API's, else the store's.
std::string RequestMethod(const WriteContext& ctx, const std::string& store_method) {
  return ctx.request_method.empty() ? store_method : ctx.request_method;
}

// What was stored for ctx's request id under `method`, if anything; INVALID_ARGUMENT
// when the id was applied to a different request.
absl::StatusOr<std::optional<StoredRequest>> LookUpRequest(Conn* db,
                                                           const WriteContext& ctx,
                                                           const std::string& method) {
  Stmt find(db,
            "SELECT digest, ack, response, created_at FROM requests WHERE actor = ? "
            "AND method = ? AND resource = ? AND request_id = ?");
  find.Bind(1, ctx.actor.id)
      .Bind(2, method)
      .Bind(3, ctx.request_resource)
      .Bind(4, ctx.request_id);
  ASSIGN_OR_RETURN(bool found, find.Step());
  if (!found) return std::nullopt;
  if (find.Text(0) != ctx.request_digest) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request_id: '", ctx.request_id,
        "' was already used by this caller for a "
        "different ",
        method, " request",
        ctx.request_resource.empty() ? "" : absl::StrCat(" on ", ctx.request_resource),
        " (at ", find.Text(3), "); use a new id for a new request"));
  }
  StoredRequest stored;
  ASSIGN_OR_RETURN(stored.ack, Parse<v1::WriteAck>(find.Blob(1), "request"));
  stored.ack.set_replayed(true);
  stored.response = find.Blob(2);
  return stored;
}

}  // namespace

const Clock& Clock::Real() {
  static const RealClock* clock = new RealClock();
  return *clock;
}

// An audit row of one write, kept until the group's rows are inserted together.
struct AuditRow {
  const WriteContext* ctx;  // the write's, alive until the group is answered
  std::string action, resource, before, after;
};

// Inserts the group's audit rows, many to a statement, just before the commit.
absl::Status InsertAudit(Conn* db, const std::string& now,
                         const std::vector<AuditRow>& rows) {
  constexpr size_t kRowsPerStatement = 32;
  for (size_t from = 0; from < rows.size(); from += kRowsPerStatement) {
    const size_t n = std::min(kRowsPerStatement, rows.size() - from);
    std::string sql =
        "INSERT INTO audit (at, actor, role, actor_unit, action, resource, before, "
        "after, reason, request_id, actor_name) VALUES ";
    for (size_t i = 0; i < n; ++i)
      absl::StrAppend(&sql, i == 0 ? "" : ", ", "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    Stmt insert(db, sql);
    for (size_t i = 0; i < n; ++i) {
      const AuditRow& row = rows[from + i];
      const WriteContext& ctx = *row.ctx;
      const int at = static_cast<int>(i) * 11;
      insert.Bind(at + 1, now)
          .Bind(at + 2, ctx.actor.id)
          .Bind(at + 3, ctx.actor.role)
          .Bind(at + 4, ctx.actor.unit)
          .Bind(at + 5, row.action)
          .Bind(at + 6, row.resource)
          .Bind(at + 7, row.before)
          .Bind(at + 8, row.after)
          .Bind(at + 9, ctx.reason)
          .Bind(at + 10, ctx.request_id)
          .Bind(at + 11, ctx.actor.name);
    }
    RETURN_IF_ERROR(insert.Run());
  }
  return absl::OkStatus();
}

// What a write function sees: the write connection inside the group's transaction, the
// caller's context, the commit time, and where its audit rows go.
class SqlStore::Tx {
 public:
  Tx(Conn* db, const WriteContext& ctx, const std::string& now,
     std::vector<AuditRow>* audit)
      : db_(db), ctx_(ctx), now_(now), audit_(audit) {}
  Conn* db() const { return db_; }
  const WriteContext& ctx() const { return ctx_; }
  const std::string& now() const { return now_; }

  // Kept with the write's other rows; inserted with the group's (InsertAudit) if the
  // write succeeds, in the same transaction.
  absl::Status Audit(absl::string_view action, absl::string_view resource,
                     absl::string_view before, absl::string_view after) {
    audit_->push_back({&ctx_, std::string(action), std::string(resource),
                       std::string(before), std::string(after)});
    return absl::OkStatus();
  }

 private:
  Conn* db_;
  const WriteContext& ctx_;
  const std::string& now_;
  std::vector<AuditRow>* audit_;
};

SqlStore::SqlStore(StoreOptions options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : &Clock::Real()),
      gate_(std::make_unique<WriterGate>()) {}

absl::StatusOr<std::unique_ptr<SqlStore>> SqlStore::Open(StoreOptions options) {
  std::unique_ptr<SqlStore> store(new SqlStore(std::move(options)));
  RETURN_IF_ERROR(store->Init());
  return store;
}

absl::StatusOr<std::unique_ptr<Conn>> SqlStore::Connect(bool writer) {
  if (dialect_ == Dialect::kPostgres) {
    ASSIGN_OR_RETURN(std::unique_ptr<PgConn> conn, PgConn::Connect(options_.path));
    return std::unique_ptr<Conn>(std::move(conn));
  }
  return writer ? OpenSqliteWriter(options_.path, options_.vfs, options_.writer_cache_mib)
                : OpenSqliteReader(options_.path, options_.vfs);
}

absl::Status SqlStore::Init() {
  dialect_ = IsPostgresUri(options_.path) ? Dialect::kPostgres : Dialect::kSqlite;
  // PostgreSQL is made for several servers; a SQLite file for one.
  if (dialect_ == Dialect::kSqlite) {
    ASSIGN_OR_RETURN(lock_fd_, LockSqliteFile(options_.path));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Conn> writer, Connect(/*writer=*/true));
  writers_.push_back(std::move(writer));
  Upgrade upgrade;
  upgrade.now = Now();
  RETURN_IF_ERROR(Migrate(writers_[0].get(), LatestSchemaVersion(), &upgrade));
  // Said once, where an operator upgrading the server looks (its log), and kept for
  // tests; the audit trail holds the same facts for the people who use the forms.
  for (const std::string& note : upgrade.notes)
    std::fprintf(stderr, "parindex-store: %s\n", note.c_str());
  upgrade_notes_ = std::move(upgrade.notes);
  RETURN_IF_ERROR(PinFinalisedRounds());
  if (dialect_ == Dialect::kSqlite) RETURN_IF_ERROR(DropUnmergedRows(writers_[0].get()));
  for (int i = 0; i < options_.readers; ++i) {
    ASSIGN_OR_RETURN(std::unique_ptr<Conn> reader, Connect(/*writer=*/false));
    free_readers_.push_back(reader.get());
    all_readers_.push_back(std::move(reader));
  }
  if (dialect_ == Dialect::kSqlite) {
    ASSIGN_OR_RETURN(checkpointer_, SqliteCheckpointer::Start(
                                        writers_[0].get(), options_.path, options_.vfs,
                                        options_.wal_autocheckpoint_pages));
  } else {
    while (static_cast<int>(writers_.size()) < options_.pg_writers) {
      ASSIGN_OR_RETURN(std::unique_ptr<Conn> writer, Connect(/*writer=*/true));
      writers_.push_back(std::move(writer));
    }
  }
  writer_backends_.assign(writers_.size(), 0);
  for (const std::unique_ptr<Conn>& writer : writers_) {
    writer_threads_.emplace_back([this, db = writer.get()] { WriterLoop(db); });
  }
  return absl::OkStatus();
}

SqlStore::~SqlStore() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  for (std::thread& thread : writer_threads_) thread.join();
  checkpointer_.reset();  // after the writer's last commit, before it closes
  StopListening();
  all_readers_.clear();
  writers_.clear();
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the lock
}

int64_t SqlStore::commits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return commits_;
}

int64_t SqlStore::retries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return retries_;
}

size_t SqlStore::queue_depth() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

std::string SqlStore::Now() const {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", clock_->Now(), absl::UTCTimeZone());
}

absl::StatusOr<v1::WriteAck> SqlStore::Submit(const WriteContext& ctx, std::string method,
                                              WriteFn fn) {
  auto write = std::make_shared<Write>();
  write->ctx = ctx;
  write->method = std::move(method);
  write->fn = std::move(fn);
  std::future<absl::StatusOr<v1::WriteAck>> done = write->done.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return absl::UnavailableError("the store is shutting down");
    queue_.push_back(write);
  }
  queue_cv_.notify_one();
  return done.get();
}

void SqlStore::WriterLoop(Conn* db) {
  std::vector<std::shared_ptr<Write>> group;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued was written
      while (!queue_.empty() && static_cast<int>(group.size()) < options_.max_group) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    RunGroup(db, group);
    group.clear();
  }
}

void SqlStore::RunGroup(Conn* db, std::vector<std::shared_ptr<Write>>& group) {
  std::vector<absl::StatusOr<v1::WriteAck>> results(
      group.size(), absl::UnavailableError("not written"));
  const absl::Time start = absl::Now();
  absl::Status commit;
  // On PostgreSQL another transaction (another server's, or this server's other
  // writer's) may win a conflict with this one: then nothing of it was stored, and the
  // group runs again (it reads what the winner wrote: a stale etag, a request id
  // already applied).
  for (int attempt = 0;; ++attempt) {
    const bool alone = attempt > 0;
    gate_->Enter(alone);
    // Its own transaction: a prune that fails (or, on PostgreSQL, conflicts with
    // another server's) must not take the group's writes down with it.
    if (attempt == 0) PruneRequests(db).IgnoreError();  // old ids wait for the next
    commit = TryGroup(db, group, results);
    const bool retry = db->MustRetry();
    if (retry && db->InTransaction()) db->Exec("ROLLBACK").IgnoreError();
    gate_->Leave(alone);
    if (!retry) break;
    if (attempt == kMaxGroupRetries) {
      commit = absl::UnavailableError(
          "the write was not stored: it kept conflicting with other servers' writes");
      for (auto& r : results) r = commit;
      break;
    }
    std::lock_guard<std::mutex> lock(mu_);
    ++retries_;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++commits_;
  }
  if (options_.on_commit) {
    options_.on_commit(absl::Now() - start,
                       commit.ok() ? static_cast<int>(group.size()) : 0);
  }
  for (size_t i = 0; i < group.size(); ++i)
    group[i]->done.set_value(std::move(results[i]));
}

absl::Status SqlStore::TryGroup(Conn* db, std::vector<std::shared_ptr<Write>>& group,
                                std::vector<absl::StatusOr<v1::WriteAck>>& results) {
  absl::Status begin = db->BeginWrite();
  if (!begin.ok()) {
    for (auto& r : results)
      r = absl::UnavailableError(
          absl::StrCat("the write was not stored: ", begin.message()));
    return begin;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    const size_t index = std::find_if(writers_.begin(), writers_.end(),
                                      [db](const auto& w) { return w.get() == db; }) -
                         writers_.begin();
    writer_backends_[index] = db->BackendId();  // it changes when reconnected
  }
  const std::string now = Now();
  bool transaction_lost = false;
  std::vector<AuditRow> audit, write_audit;  // the group's, and the current write's
  // Each write runs in the savepoint `write`, so that a failing one leaves nothing
  // behind: a write that succeeded releases it together with making the next one (one
  // round trip to PostgreSQL); ROLLBACK TO keeps it for the next write; the last one
  // is released by the COMMIT. Should one of these fail, what the group holds is
  // unknown: none of it is committed.
  bool in_savepoint = false;
  absl::Status savepoints;
  for (size_t i = 0; i < group.size() && !transaction_lost; ++i) {
    Write& write = *group[i];
    write_audit.clear();
    absl::Status savepoint =
        in_savepoint ? absl::OkStatus() : db->Exec("SAVEPOINT write");
    in_savepoint = savepoint.ok();
    absl::StatusOr<v1::WriteAck> result =
        savepoint.ok() ? absl::StatusOr<v1::WriteAck>(v1::WriteAck()) : savepoint;
    if (savepoint.ok()) {
      result = [&]() -> absl::StatusOr<v1::WriteAck> {
        const WriteContext& ctx = write.ctx;
        const std::string method = RequestMethod(ctx, write.method);
        if (!ctx.request_id.empty()) {
          ASSIGN_OR_RETURN(std::optional<StoredRequest> seen,
                           LookUpRequest(db, ctx, method));
          if (seen.has_value()) return seen->ack;  // replayed: nothing changes
        }
        if (!ctx.round.empty()) RETURN_IF_ERROR(CheckRoundVersion(db, ctx));
        Tx tx(db, ctx, now, &write_audit);
        ASSIGN_OR_RETURN(v1::WriteAck ack, write.fn(tx));
        ack.set_at(now);
        if (!ctx.request_id.empty()) {
          RETURN_IF_ERROR(
              Stmt(db,
                   "INSERT INTO requests (actor, method, resource, request_id, digest, "
                   "ack, response, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                  .Bind(1, ctx.actor.id)
                  .Bind(2, method)
                  .Bind(3, ctx.request_resource)
                  .Bind(4, ctx.request_id)
                  .Bind(5, ctx.request_digest)
                  .BindBlob(6, ack.SerializeAsString())
                  .BindBlob(7, ctx.response ? ctx.response(ack) : ack.SerializeAsString())
                  .Bind(8, now)
                  .Run());
        }
        return ack;
      }();
      if (result.ok() && i + 1 < group.size()) {
        savepoints = db->Exec("RELEASE write; SAVEPOINT write");
      } else if (!result.ok()) {
        savepoints = db->Exec("ROLLBACK TO write");
      }
      if (result.ok()) {
        std::move(write_audit.begin(), write_audit.end(), std::back_inserter(audit));
      }
    }
    // Another server won a conflict (PostgreSQL): the group runs again.
    if (db->MustRetry()) return absl::AbortedError("a serialization conflict");
    // An I/O error can make SQLite roll the whole transaction back (PostgreSQL: the
    // connection was lost): then nothing of this group is stored, and every caller
    // must hear so.
    transaction_lost = !db->InTransaction() || !savepoints.ok();
    results[i] = std::move(result);
  }
  // The audit rows of the writes that succeeded, then the commit: if either fails,
  // nothing of the group is stored.
  absl::Status commit =
      !savepoints.ok() ? savepoints
      : transaction_lost
          ? absl::UnavailableError("the transaction was rolled back by the database")
          : InsertAudit(db, now, audit);
  // Other servers sharing the database forget what they cached of these resources
  // (PostgreSQL delivers a notification only if the transaction commits).
  if (commit.ok() && dialect_ == Dialect::kPostgres && !audit.empty()) {
    std::set<std::string> resources;
    for (const AuditRow& row : audit) resources.insert(row.resource);
    std::string payload = absl::StrJoin(resources, "\n");
    if (payload.size() > kMaxNotifyBytes) payload = "*";
    commit = Stmt(db, "SELECT pg_notify('parindex_changes', ?)").Bind(1, payload).Run();
  }
  if (commit.ok()) commit = Stmt(db, "COMMIT").Run();
  if (db->MustRetry()) return commit;
  if (!commit.ok()) {
    if (db->InTransaction()) db->Exec("ROLLBACK").IgnoreError();
    for (auto& r : results) {
      if (r.ok() || r.status().code() == absl::StatusCode::kUnavailable) {
        r = absl::UnavailableError(
            absl::StrCat("the write was not stored: ", commit.message()));
      }
    }
  }
  return commit;
}

void SqlStore::StopListening() {
  if (!listener_thread_.joinable()) return;
  const char byte = 0;
  [[maybe_unused]] ssize_t n = ::write(wake_[1], &byte, 1);
  listener_thread_.join();
  for (int& fd : wake_) {
    ::close(fd);
    fd = -1;
  }
}

void SqlStore::ListenForChanges(ChangeListener listener) {
  if (dialect_ != Dialect::kPostgres) return;
  StopListening();
  if (!listener || ::pipe2(wake_, O_CLOEXEC) != 0) return;
  listener_ = std::move(listener);
  listener_thread_ = std::thread([this] { ListenLoop(); });
}

void SqlStore::ListenLoop() {
  std::unique_ptr<PgConn> conn;
  bool connected_before = false;
  while (true) {
    int timeout_ms = -1;
    if (conn == nullptr || PQstatus(conn->conn()) != CONNECTION_OK) {
      conn.reset();
      absl::StatusOr<std::unique_ptr<PgConn>> made = PgConn::Connect(options_.path);
      if (made.ok() && (*made)->Exec("LISTEN parindex_changes").ok()) {
        conn = *std::move(made);
        // What other servers changed while this one was not listening is unknown.
        if (connected_before) listener_({"*"});
        connected_before = true;
      } else {
        timeout_ms = 500;  // PostgreSQL is away: try again, or stop when told
      }
    }
    pollfd fds[2] = {{wake_[0], POLLIN, 0},
                     {conn ? PQsocket(conn->conn()) : -1, POLLIN, 0}};
    if (::poll(fds, conn ? 2 : 1, timeout_ms) < 0 && errno != EINTR) return;
    if (fds[0].revents != 0) return;  // the store is closing
    if (conn == nullptr || fds[1].revents == 0) continue;
    if (PQconsumeInput(conn->conn()) == 0) continue;  // lost: made again above
    while (PGnotify* note = PQnotifies(conn->conn())) {
      bool own = false;
      {
        std::lock_guard<std::mutex> lock(mu_);
        own = std::count(writer_backends_.begin(), writer_backends_.end(), note->be_pid) >
              0;
      }
      if (!own) listener_(absl::StrSplit(note->extra, '\n', absl::SkipEmpty()));
      PQfreemem(note);
    }
  }
}

template <typename T>
absl::StatusOr<T> SqlStore::Read(const std::function<absl::StatusOr<T>(Conn*)>& fn) {
  Conn* db = nullptr;
  {
    std::unique_lock<std::mutex> lock(readers_mu_);
    readers_cv_.wait(lock, [this] { return !free_readers_.empty(); });
    db = free_readers_.back();
    free_readers_.pop_back();
  }
  const absl::Status begin = db->BeginRead();
  absl::StatusOr<T> result = begin.ok() ? fn(db) : absl::StatusOr<T>(begin);
  if (begin.ok()) db->Exec("COMMIT").IgnoreError();
  {
    std::lock_guard<std::mutex> lock(readers_mu_);
    free_readers_.push_back(db);
  }
  readers_cv_.notify_one();
  return result;
}

// ---- criteria sets ----

absl::StatusOr<v1::WriteAck> SqlStore::AddCriteriaSet(const WriteContext& ctx,
                                                      v1::CriteriaSet set) {
  return Submit(
      ctx, "AddCriteriaSet",
      [set = std::move(set)](Tx& tx) mutable -> absl::StatusOr<v1::WriteAck> {
        Stmt latest(tx.db(),
                    "SELECT COALESCE(MAX(version), 0) FROM criteria_sets WHERE id = ?");
        latest.Bind(1, set.id());
        ASSIGN_OR_RETURN(bool row, latest.Step());
        const int64_t last = row ? latest.Int(0) : 0;
        const int64_t asked = set.version();
        const int64_t version = asked > 0 ? asked : last + 1;
        if (version > last + 1) {
          return absl::InvalidArgumentError(
              absl::StrCat("version: ", asked,
                           " would skip versions: the next version of criteria set ",
                           set.id(), " is ", last + 1));
        }
        // The same content as the version asked for (or, without one, the latest) is
        // that version: an upload repeated stores nothing new.
        v1::WriteAck ack;
        ack.set_id(set.id());
        const int64_t compare = version <= last ? version : last;
        if (compare > 0) {
          Stmt stored(tx.db(),
                      "SELECT body FROM criteria_sets WHERE id = ? AND version = ?");
          stored.Bind(1, set.id()).Bind(2, compare);
          ASSIGN_OR_RETURN(bool found, stored.Step());
          v1::CriteriaSet before;
          if (found && before.ParseFromString(stored.Blob(0))) {
            before.clear_version();
            v1::CriteriaSet given = set;
            given.clear_version();
            if (google::protobuf::util::MessageDifferencer::Equals(before, given)) {
              ack.set_version(compare);
              return ack;
            }
          }
          if (version <= last) {
            return absl::AlreadyExistsError(absl::StrCat(
                "version: criteria set ", set.id(), " version ", version,
                " is stored with other content (a stored version never changes): give "
                "version: ",
                last + 1, " for the new one"));
          }
        }
        set.set_version(static_cast<int32_t>(version));
        RETURN_IF_ERROR(Stmt(tx.db(),
                             "INSERT INTO criteria_sets (id, version, body, created_at) "
                             "VALUES (?, ?, ?, ?)")
                            .Bind(1, set.id())
                            .Bind(2, version)
                            .BindBlob(3, set.SerializeAsString())
                            .Bind(4, tx.now())
                            .Run());
        RETURN_IF_ERROR(
            tx.Audit("criteria_set.add",
                     absl::StrCat("criteriaSets/", set.id(), "/versions/", version), "",
                     Json(set)));
        ack.set_version(version);
        return ack;
      });
}

absl::StatusOr<v1::CriteriaSet> SqlStore::GetCriteriaSet(absl::string_view id,
                                                         int32_t version) {
  const std::string key(id);
  return Read<v1::CriteriaSet>([&](Conn* db) -> absl::StatusOr<v1::CriteriaSet> {
    Stmt get(db, version > 0
                     ? "SELECT body FROM criteria_sets WHERE id = ? AND version = ?"
                     : "SELECT body FROM criteria_sets WHERE id = ? "
                       "ORDER BY version DESC LIMIT 1");
    get.Bind(1, key);
    if (version > 0) get.Bind(2, int64_t{version});
    ASSIGN_OR_RETURN(bool found, get.Step());
    if (!found) {
      return absl::NotFoundError(absl::StrCat(
          "criteriaSets/", key, version > 0 ? absl::StrCat(" version ", version) : "",
          ": no such criteria set"));
    }
    return Parse<v1::CriteriaSet>(get.Blob(0), "criteria set");
  });
}

absl::StatusOr<std::vector<v1::CriteriaSet>> SqlStore::ListCriteriaSets() {
  return Read<std::vector<v1::CriteriaSet>>(
      [](Conn* db) -> absl::StatusOr<std::vector<v1::CriteriaSet>> {
        Stmt list(db,
                  "SELECT body FROM criteria_sets c WHERE version = "
                  "(SELECT MAX(version) FROM criteria_sets WHERE id = c.id) ORDER BY id");
        std::vector<v1::CriteriaSet> sets;
        while (true) {
          ASSIGN_OR_RETURN(bool row, list.Step());
          if (!row) return sets;
          ASSIGN_OR_RETURN(v1::CriteriaSet set,
                           Parse<v1::CriteriaSet>(list.Blob(0), "criteria set"));
          sets.push_back(std::move(set));
        }
      });
}

// ---- plans and units: replaced whole, versioned ----

namespace {

// Upserts a keyed proto into `table` (columns key_column, version, body, updated_at),
// auditing before -> after.
template <typename Message>
absl::StatusOr<v1::WriteAck> PutVersioned(
    Conn* db, const char* table, const char* key_column, const std::string& key,
    const Message& message, const std::string& now, const std::string& resource,
    const std::function<absl::Status(absl::string_view, absl::string_view)>& audit) {
  Stmt get(db, absl::StrCat("SELECT version, body FROM ", table, " WHERE ", key_column,
                            " = ?"));
  get.Bind(1, key);
  ASSIGN_OR_RETURN(bool found, get.Step());
  std::string before;
  int64_t version = 1;
  if (found) {
    version = get.Int(0) + 1;
    ASSIGN_OR_RETURN(Message old, Parse<Message>(get.Blob(1), table));
    before = Json(old);
  }
  RETURN_IF_ERROR(
      Stmt(db, absl::StrCat("INSERT INTO ", table, " (", key_column,
                            ", version, body, updated_at) VALUES (?, ?, ?, ?) "
                            "ON CONFLICT(",
                            key_column,
                            ") DO UPDATE SET "
                            "version = excluded.version, body = excluded.body, "
                            "updated_at = excluded.updated_at"))
          .Bind(1, key)
          .Bind(2, version)
          .BindBlob(3, message.SerializeAsString())
          .Bind(4, now)
          .Run());
  RETURN_IF_ERROR(audit(before, Json(message)));
  v1::WriteAck ack;
  ack.set_version(version);
  ack.set_id(key);
  return ack;
}

template <typename Message>
absl::StatusOr<Message> GetKeyed(Conn* db, const char* table, const char* key_column,
                                 const std::string& key, const std::string& resource) {
  Stmt get(db, absl::StrCat("SELECT body FROM ", table, " WHERE ", key_column, " = ?"));
  get.Bind(1, key);
  ASSIGN_OR_RETURN(bool found, get.Step());
  if (!found) return absl::NotFoundError(absl::StrCat(resource, ": not found"));
  return Parse<Message>(get.Blob(0), table);
}

template <typename Message>
absl::StatusOr<std::vector<Message>> ListKeyed(Conn* db, const char* table,
                                               const char* key_column) {
  Stmt list(db, absl::StrCat("SELECT body FROM ", table, " ORDER BY ", key_column));
  std::vector<Message> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, list.Step());
    if (!row) return out;
    ASSIGN_OR_RETURN(Message m, Parse<Message>(list.Blob(0), table));
    out.push_back(std::move(m));
  }
}

}  // namespace

absl::StatusOr<v1::WriteAck> SqlStore::PutPlan(const WriteContext& ctx,
                                               const v1::Plan& plan) {
  return Submit(ctx, "PutPlan", [plan](Tx& tx) {
    const std::string resource = absl::StrCat("plans/", plan.id());
    return PutVersioned(tx.db(), "plans", "id", plan.id(), plan, tx.now(), resource,
                        [&](absl::string_view before, absl::string_view after) {
                          return tx.Audit("plan.put", resource, before, after);
                        });
  });
}

absl::StatusOr<v1::Plan> SqlStore::GetPlan(absl::string_view id) {
  const std::string key(id);
  return Read<v1::Plan>([&](Conn* db) {
    return GetKeyed<v1::Plan>(db, "plans", "id", key, absl::StrCat("plans/", key));
  });
}

absl::StatusOr<std::vector<v1::Plan>> SqlStore::ListPlans() {
  return Read<std::vector<v1::Plan>>(
      [](Conn* db) { return ListKeyed<v1::Plan>(db, "plans", "id"); });
}

absl::StatusOr<v1::WriteAck> SqlStore::PutUnit(const WriteContext& ctx,
                                               const v1::Unit& unit) {
  return Submit(ctx, "PutUnit", [unit](Tx& tx) {
    const std::string resource = absl::StrCat("units/", unit.code());
    return PutVersioned(tx.db(), "units", "code", unit.code(), unit, tx.now(), resource,
                        [&](absl::string_view before, absl::string_view after) {
                          return tx.Audit("unit.put", resource, before, after);
                        });
  });
}

absl::StatusOr<v1::Unit> SqlStore::GetUnit(absl::string_view code) {
  const std::string key(code);
  return Read<v1::Unit>([&](Conn* db) {
    return GetKeyed<v1::Unit>(db, "units", "code", key, absl::StrCat("units/", key));
  });
}

absl::StatusOr<std::vector<v1::Unit>> SqlStore::ListUnits() {
  return Read<std::vector<v1::Unit>>(
      [](Conn* db) { return ListKeyed<v1::Unit>(db, "units", "code"); });
}

// ---- tokens ----

absl::StatusOr<v1::WriteAck> SqlStore::AddToken(const WriteContext& ctx,
                                                const v1::Token& token,
                                                absl::string_view secret_sha256) {
  return Submit(
      ctx, "AddToken",
      [token = v1::Token(token), hash = std::string(secret_sha256)](
          Tx& tx) mutable -> absl::StatusOr<v1::WriteAck> {
        const std::string resource = absl::StrCat("tokens/", token.id());
        if (!token.unit().empty()) {
          Stmt unit(tx.db(), "SELECT 1 FROM units WHERE code = ?");
          unit.Bind(1, token.unit());
          ASSIGN_OR_RETURN(bool found, unit.Step());
          if (!found)
            return absl::NotFoundError(
                absl::StrCat("units/", token.unit(), ": not found"));
        }
        Stmt exists(tx.db(), "SELECT 1 FROM tokens WHERE id = ?");
        exists.Bind(1, token.id());
        ASSIGN_OR_RETURN(bool taken, exists.Step());
        if (taken)
          return absl::AlreadyExistsError(absl::StrCat(resource, ": already exists"));
        token.set_created_at(tx.now());
        Stmt insert(tx.db(),
                    "INSERT INTO tokens (id, secret_sha256, role, unit, body) "
                    "VALUES (?, ?, ?, ?, ?)");
        insert.Bind(1, token.id()).Bind(2, hash).Bind(3, int64_t{token.role()});
        if (token.unit().empty()) {
          insert.BindNull(4);
        } else {
          insert.Bind(4, token.unit());
        }
        RETURN_IF_ERROR(insert.BindBlob(5, token.SerializeAsString()).Run());
        RETURN_IF_ERROR(tx.Audit("token.add", resource, "", Json(token)));
        v1::WriteAck ack;
        ack.set_id(token.id());
        ack.set_version(1);
        return ack;
      });
}

absl::StatusOr<v1::Token> SqlStore::FindToken(absl::string_view secret_sha256) {
  const std::string hash(secret_sha256);
  return Read<v1::Token>([&](Conn* db) -> absl::StatusOr<v1::Token> {
    Stmt find(db,
              "SELECT body FROM tokens WHERE secret_sha256 = ? AND revoked_at IS NULL");
    find.Bind(1, hash);
    ASSIGN_OR_RETURN(bool found, find.Step());
    if (!found) return absl::NotFoundError("no valid token with that secret");
    return Parse<v1::Token>(find.Blob(0), "token");
  });
}

absl::StatusOr<v1::WriteAck> SqlStore::RevokeToken(const WriteContext& ctx,
                                                   absl::string_view id) {
  return Submit(
      ctx, "RevokeToken",
      [key = std::string(id)](Tx& tx) -> absl::StatusOr<v1::WriteAck> {
        const std::string resource = absl::StrCat("tokens/", key);
        Stmt get(tx.db(), "SELECT body, revoked_at FROM tokens WHERE id = ?");
        get.Bind(1, key);
        ASSIGN_OR_RETURN(bool found, get.Step());
        if (!found) return absl::NotFoundError(absl::StrCat(resource, ": not found"));
        if (!get.IsNull(1)) {
          return absl::FailedPreconditionError(
              absl::StrCat(resource, ": already revoked at ", get.Text(1)));
        }
        ASSIGN_OR_RETURN(v1::Token token, Parse<v1::Token>(get.Blob(0), "token"));
        const std::string before = Json(token);
        token.set_revoked_at(tx.now());
        RETURN_IF_ERROR(
            Stmt(tx.db(), "UPDATE tokens SET revoked_at = ?, body = ? WHERE id = ?")
                .Bind(1, tx.now())
                .BindBlob(2, token.SerializeAsString())
                .Bind(3, key)
                .Run());
        RETURN_IF_ERROR(tx.Audit("token.revoke", resource, before, Json(token)));
        v1::WriteAck ack;
        ack.set_id(key);
        ack.set_version(2);
        return ack;
      });
}

absl::StatusOr<std::vector<v1::Token>> SqlStore::ListTokens() {
  return Read<std::vector<v1::Token>>(
      [](Conn* db) { return ListKeyed<v1::Token>(db, "tokens", "id"); });
}

// ---- accounts and sessions ----

namespace {

absl::StatusOr<StoredAccount> ReadAccount(Stmt& get, const std::string& what) {
  ASSIGN_OR_RETURN(bool found, get.Step());
  if (!found) return absl::NotFoundError(absl::StrCat(what, ": not found"));
  StoredAccount out;
  ASSIGN_OR_RETURN(out.account, Parse<v1::Account>(get.Blob(0), "account"));
  out.password_hash = get.Text(1);
  return out;
}

}  // namespace

absl::StatusOr<v1::WriteAck> SqlStore::AddAccount(const WriteContext& ctx,
                                                  const v1::Account& account,
                                                  absl::string_view password_hash) {
  return Submit(
      ctx, "AddAccount",
      [account = v1::Account(account), hash = std::string(password_hash)](
          Tx& tx) mutable -> absl::StatusOr<v1::WriteAck> {
        const std::string resource = absl::StrCat("accounts/", account.id());
        Stmt exists(tx.db(), "SELECT 1 FROM accounts WHERE id = ? OR username = ?");
        exists.Bind(1, account.id()).Bind(2, account.username());
        ASSIGN_OR_RETURN(bool taken, exists.Step());
        if (taken) {
          return absl::AlreadyExistsError(
              absl::StrCat("username: '", account.username(), "' is taken"));
        }
        account.set_created_at(tx.now());
        RETURN_IF_ERROR(Stmt(tx.db(),
                             "INSERT INTO accounts (id, username, password_hash, body) "
                             "VALUES (?, ?, ?, ?)")
                            .Bind(1, account.id())
                            .Bind(2, account.username())
                            .Bind(3, hash)
                            .BindBlob(4, account.SerializeAsString())
                            .Run());
        RETURN_IF_ERROR(tx.Audit("account.add", resource, "", Json(account)));
        v1::WriteAck ack;
        ack.set_id(account.id());
        ack.set_version(1);
        return ack;
      });
}

absl::StatusOr<StoredAccount> SqlStore::FindAccount(absl::string_view username) {
  const std::string key(username);
  return Read<StoredAccount>([&](Conn* db) -> absl::StatusOr<StoredAccount> {
    Stmt get(db, "SELECT body, password_hash FROM accounts WHERE username = ?");
    get.Bind(1, key);
    return ReadAccount(get, absl::StrCat("username '", key, "'"));
  });
}

absl::StatusOr<StoredAccount> SqlStore::GetAccount(absl::string_view id) {
  const std::string key(id);
  return Read<StoredAccount>([&](Conn* db) -> absl::StatusOr<StoredAccount> {
    Stmt get(db, "SELECT body, password_hash FROM accounts WHERE id = ?");
    get.Bind(1, key);
    return ReadAccount(get, absl::StrCat("accounts/", key));
  });
}

absl::StatusOr<std::vector<v1::Account>> SqlStore::ListAccounts() {
  return Read<std::vector<v1::Account>>(
      [](Conn* db) { return ListKeyed<v1::Account>(db, "accounts", "username"); });
}

absl::StatusOr<v1::WriteAck> SqlStore::UpdateAccount(const WriteContext& ctx,
                                                     const v1::Account& account,
                                                     absl::string_view password_hash,
                                                     bool end_sessions) {
  return Submit(
      ctx, "UpdateAccount",
      [account = v1::Account(account), hash = std::string(password_hash), end_sessions,
       now = absl::ToUnixSeconds(clock_->Now())](Tx& tx) -> absl::StatusOr<v1::WriteAck> {
        const std::string resource = absl::StrCat("accounts/", account.id());
        Stmt get(tx.db(), "SELECT body, password_hash FROM accounts WHERE id = ?");
        get.Bind(1, account.id());
        ASSIGN_OR_RETURN(StoredAccount before, ReadAccount(get, resource));
        RETURN_IF_ERROR(
            Stmt(tx.db(),
                 "UPDATE accounts SET body = ?, password_hash = "
                 "CASE WHEN ? = '' THEN password_hash ELSE ? END WHERE id = ?")
                .BindBlob(1, account.SerializeAsString())
                .Bind(2, hash)
                .Bind(3, hash)
                .Bind(4, account.id())
                .Run());
        if (end_sessions) {
          RETURN_IF_ERROR(Stmt(tx.db(),
                               "UPDATE sessions SET ended = ? WHERE account_id = ? AND "
                               "ended IS NULL")
                              .Bind(1, now)
                              .Bind(2, account.id())
                              .Run());
        }
        RETURN_IF_ERROR(
            tx.Audit(tx.ctx().action.empty() ? "account.update" : tx.ctx().action,
                     resource, Json(before.account), Json(account)));
        v1::WriteAck ack;
        ack.set_id(account.id());
        return ack;
      });
}

absl::StatusOr<v1::WriteAck> SqlStore::AddSession(const WriteContext& ctx,
                                                  absl::string_view id_sha256,
                                                  const v1::Account& account,
                                                  int64_t now) {
  return Submit(
      ctx, "AddSession",
      [hash = std::string(id_sha256), id = account.id(), username = account.username(),
       now](Tx& tx) -> absl::StatusOr<v1::WriteAck> {
        RETURN_IF_ERROR(Stmt(tx.db(),
                             "INSERT INTO sessions (id_sha256, account_id, "
                             "created, seen) VALUES (?, ?, ?, ?)")
                            .Bind(1, hash)
                            .Bind(2, id)
                            .Bind(3, now)
                            .Bind(4, now)
                            .Run());
        RETURN_IF_ERROR(Stmt(tx.db(), "DELETE FROM sign_in_failures WHERE username = ?")
                            .Bind(1, username)
                            .Run());
        // The session's id is the hash's first 16 hex digits: enough to
        // tell sessions apart in the trail, useless to sign in with.
        RETURN_IF_ERROR(tx.Audit(
            "session.start",
            absl::StrCat("accounts/", id, "/sessions/", hash.substr(0, 16)), "", ""));
        return v1::WriteAck();
      });
}

absl::StatusOr<StoredSession> SqlStore::FindSession(absl::string_view id_sha256) {
  const std::string key(id_sha256);
  return Read<StoredSession>([&](Conn* db) -> absl::StatusOr<StoredSession> {
    Stmt get(db,
             "SELECT account_id, created, seen, ended FROM sessions WHERE id_sha256 = ?");
    get.Bind(1, key);
    ASSIGN_OR_RETURN(bool found, get.Step());
    if (!found) return absl::NotFoundError("no such session");
    StoredSession out;
    out.account_id = get.Text(0);
    out.created = get.Int(1);
    out.seen = get.Int(2);
    out.ended = !get.IsNull(3);
    return out;
  });
}

absl::Status SqlStore::TouchSession(absl::string_view id_sha256, int64_t now) {
  WriteContext ctx;
  ctx.actor = {"system", "system", "", ""};
  return Submit(ctx, "TouchSession",
                [hash = std::string(id_sha256),
                 now](Tx& tx) -> absl::StatusOr<v1::WriteAck> {
                  RETURN_IF_ERROR(
                      Stmt(tx.db(),
                           "UPDATE sessions SET seen = CASE WHEN seen > ?1 THEN seen "
                           "ELSE ?1 END WHERE id_sha256 = ?2")
                          .Bind(1, now)
                          .Bind(2, hash)
                          .Run());
                  return v1::WriteAck();
                })
      .status();
}

absl::StatusOr<v1::WriteAck> SqlStore::EndSession(const WriteContext& ctx,
                                                  absl::string_view id_sha256,
                                                  int64_t now) {
  return Submit(
      ctx, "EndSession",
      [hash = std::string(id_sha256), now](Tx& tx) -> absl::StatusOr<v1::WriteAck> {
        Stmt get(tx.db(), "SELECT account_id FROM sessions WHERE id_sha256 = ?");
        get.Bind(1, hash);
        ASSIGN_OR_RETURN(bool found, get.Step());
        if (!found) return absl::NotFoundError("no such session");
        const std::string account = get.Text(0);
        RETURN_IF_ERROR(Stmt(tx.db(),
                             "UPDATE sessions SET ended = ? WHERE id_sha256 = ? "
                             "AND ended IS NULL")
                            .Bind(1, now)
                            .Bind(2, hash)
                            .Run());
        RETURN_IF_ERROR(
            tx.Audit("session.end",
                     absl::StrCat("accounts/", account, "/sessions/", hash.substr(0, 16)),
                     "", ""));
        return v1::WriteAck();
      });
}

absl::StatusOr<v1::WriteAck> SqlStore::AddSignInFailure(const WriteContext& ctx,
                                                        absl::string_view username,
                                                        int64_t now, int64_t window,
                                                        int threshold,
                                                        int64_t lock_seconds) {
  return Submit(
      ctx, "AddSignInFailure",
      [user = std::string(username), now, window, threshold,
       lock_seconds](Tx& tx) -> absl::StatusOr<v1::WriteAck> {
        const std::string resource = absl::StrCat("signIns/", user);
        RETURN_IF_ERROR(
            Stmt(tx.db(), "INSERT INTO sign_in_failures (username, at) VALUES (?, ?)")
                .Bind(1, user)
                .Bind(2, now)
                .Run());
        RETURN_IF_ERROR(tx.Audit("signin.fail", resource, "", ""));
        Stmt count(tx.db(),
                   "SELECT count(*) FROM sign_in_failures WHERE username = ? AND at > ?");
        count.Bind(1, user).Bind(2, now - window);
        ASSIGN_OR_RETURN(bool row, count.Step());
        v1::WriteAck ack;
        if (row && count.Int(0) >= threshold) {
          RETURN_IF_ERROR(
              Stmt(tx.db(),
                   "INSERT INTO sign_in_locks (username, until) VALUES (?, ?) "
                   "ON CONFLICT (username) DO UPDATE SET until = excluded.until")
                  .Bind(1, user)
                  .Bind(2, now + lock_seconds)
                  .Run());
          RETURN_IF_ERROR(Stmt(tx.db(), "DELETE FROM sign_in_failures WHERE username = ?")
                              .Bind(1, user)
                              .Run());
          RETURN_IF_ERROR(
              tx.Audit("signin.lock", resource, "",
                       absl::StrCat("{\"failures\":", threshold,
                                    ",\"lockedSeconds\":", lock_seconds, "}")));
          ack.set_version(1);
        }
        return ack;
      });
}

absl::StatusOr<int64_t> SqlStore::SignInLockedUntil(absl::string_view username) {
  const std::string key(username);
  return Read<int64_t>([&](Conn* db) -> absl::StatusOr<int64_t> {
    Stmt get(db, "SELECT until FROM sign_in_locks WHERE username = ?");
    get.Bind(1, key);
    ASSIGN_OR_RETURN(bool found, get.Step());
    return found ? get.Int(0) : int64_t{0};
  });
}

absl::StatusOr<v1::WriteAck> SqlStore::AddSignInAddressFailure(
    const WriteContext& ctx, absl::string_view address, int64_t now, int64_t window,
    int threshold, int64_t lock_seconds) {
  return Submit(
      ctx, "AddSignInAddressFailure",
      [address = std::string(address), now, window, threshold,
       lock_seconds](Tx& tx) -> absl::StatusOr<v1::WriteAck> {
        RETURN_IF_ERROR(Stmt(tx.db(),
                             "DELETE FROM sign_in_address_failures WHERE address = ? "
                             "AND at <= ?")
                            .Bind(1, address)
                            .Bind(2, now - window)
                            .Run());
        RETURN_IF_ERROR(
            Stmt(tx.db(),
                 "INSERT INTO sign_in_address_failures (address, at) VALUES (?, ?)")
                .Bind(1, address)
                .Bind(2, now)
                .Run());
        Stmt count(tx.db(),
                   "SELECT count(*) FROM sign_in_address_failures WHERE address = ?");
        count.Bind(1, address);
        ASSIGN_OR_RETURN(bool row, count.Step());
        v1::WriteAck ack;
        if (row && count.Int(0) >= threshold) {
          RETURN_IF_ERROR(Stmt(tx.db(),
                               "INSERT INTO sign_in_address_locks (address, until) "
                               "VALUES (?, ?) ON CONFLICT (address) DO UPDATE SET "
                               "until = excluded.until")
                              .Bind(1, address)
                              .Bind(2, now + lock_seconds)
                              .Run());
          RETURN_IF_ERROR(
              Stmt(tx.db(), "DELETE FROM sign_in_address_failures WHERE address = ?")
                  .Bind(1, address)
                  .Run());
          RETURN_IF_ERROR(tx.Audit(
              "signin.address_lock", absl::StrCat("signInAddresses/", address), "",
              absl::StrCat("{\"failures\":", threshold,
                           ",\"lockedSeconds\":", lock_seconds, "}")));
          ack.set_version(1);
        }
        return ack;
      });
}

absl::StatusOr<int64_t> SqlStore::SignInAddressLockedUntil(absl::string_view address) {
  const std::string key(address);
  return Read<int64_t>([&](Conn* db) -> absl::StatusOr<int64_t> {
    Stmt get(db, "SELECT until FROM sign_in_address_locks WHERE address = ?");
    get.Bind(1, key);
    ASSIGN_OR_RETURN(bool found, get.Step());
    return found ? get.Int(0) : int64_t{0};
  });
}

// ---- rounds ----

namespace {

// Keeps the round's units and plans as they are now (once: later calls keep the first).
absl::Status PinInputs(Conn* db, const v1::Round& round) {
  for (const std::string& unit : round.units()) {
    RETURN_IF_ERROR(Stmt(db,
                         "INSERT INTO round_inputs (round_id, kind, key, body) "
                         "SELECT ?1, 'unit', code, body FROM units WHERE code = ?2 "
                         "ON CONFLICT DO NOTHING")
                        .Bind(1, round.id())
                        .Bind(2, unit)
                        .Run());
  }
  for (const std::string& plan : round.plans()) {
    RETURN_IF_ERROR(Stmt(db,
                         "INSERT INTO round_inputs (round_id, kind, key, body) "
                         "SELECT ?1, 'plan', id, body FROM plans WHERE id = ?2 "
                         "ON CONFLICT DO NOTHING")
                        .Bind(1, round.id())
                        .Bind(2, plan)
                        .Run());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::WriteAck> SqlStore::CreateRound(const WriteContext& ctx,
                                                   const v1::Round& round) {
  return Submit(
      ctx, "CreateRound",
      [round = v1::Round(round)](Tx& tx) mutable -> absl::StatusOr<v1::WriteAck> {
        const std::string resource = absl::StrCat("rounds/", round.id());
        Stmt exists(tx.db(), "SELECT 1 FROM rounds WHERE id = ?");
        exists.Bind(1, round.id());
        ASSIGN_OR_RETURN(bool taken, exists.Step());
        if (taken)
          return absl::AlreadyExistsError(absl::StrCat(resource, ": already exists"));
        Stmt set(tx.db(), "SELECT 1 FROM criteria_sets WHERE id = ? AND version = ?");
        set.Bind(1, round.criteria_set()).Bind(2, int64_t{round.criteria_set_version()});
        ASSIGN_OR_RETURN(bool set_found, set.Step());
        if (!set_found) {
          return absl::NotFoundError(
              absl::StrCat("criteriaSets/", round.criteria_set(), " version ",
                           round.criteria_set_version(), ": not found"));
        }
        round.set_version(1);
        round.set_created_at(tx.now());
        round.set_updated_at(tx.now());
        RETURN_IF_ERROR(Stmt(tx.db(),
                             "INSERT INTO rounds (id, version, criteria_set, "
                             "criteria_set_version, body) VALUES (?, 1, ?, ?, ?)")
                            .Bind(1, round.id())
                            .Bind(2, round.criteria_set())
                            .Bind(3, int64_t{round.criteria_set_version()})
                            .BindBlob(4, round.SerializeAsString())
                            .Run());
        for (const std::string& unit : round.units()) {
          Stmt known(tx.db(), "SELECT 1 FROM units WHERE code = ?");
          known.Bind(1, unit);
          ASSIGN_OR_RETURN(bool found, known.Step());
          if (!found)
            return absl::NotFoundError(absl::StrCat("units/", unit, ": not found"));
          RETURN_IF_ERROR(Stmt(tx.db(),
                               "INSERT INTO assessments (round_id, unit_code, state, "
                               "version, reopened, updated_at) VALUES (?, ?, ?, 1, 0, ?)")
                              .Bind(1, round.id())
                              .Bind(2, unit)
                              .Bind(3, int64_t{v1::STATE_NOT_STARTED})
                              .Bind(4, tx.now())
                              .Run());
        }
        RETURN_IF_ERROR(tx.Audit("round.create", resource, "", Json(round)));
        v1::WriteAck ack;
        ack.set_id(round.id());
        ack.set_version(1);
        return ack;
      });
}

absl::StatusOr<v1::Round> SqlStore::GetRound(absl::string_view id) {
  const std::string key(id);
  return Read<v1::Round>([&](Conn* db) -> absl::StatusOr<v1::Round> {
    Stmt get(db, "SELECT body, version FROM rounds WHERE id = ?");
    get.Bind(1, key);
    ASSIGN_OR_RETURN(bool found, get.Step());
    if (!found) return absl::NotFoundError(absl::StrCat("rounds/", key, ": not found"));
    ASSIGN_OR_RETURN(v1::Round round, Parse<v1::Round>(get.Blob(0), "round"));
    round.set_version(get.Int(1));
    return round;
  });
}

absl::StatusOr<Store::RoundInputs> SqlStore::GetRoundInputs(absl::string_view round) {
  const std::string key(round);
  return Read<RoundInputs>([&](Conn* db) -> absl::StatusOr<RoundInputs> {
    Stmt list(
        db, "SELECT kind, body FROM round_inputs WHERE round_id = ? ORDER BY kind, key");
    list.Bind(1, key);
    RoundInputs inputs;
    while (true) {
      ASSIGN_OR_RETURN(bool row, list.Step());
      if (!row) return inputs;
      if (list.Text(0) == "unit") {
        ASSIGN_OR_RETURN(inputs.units.emplace_back(),
                         Parse<v1::Unit>(list.Blob(1), "unit"));
      } else {
        ASSIGN_OR_RETURN(inputs.plans.emplace_back(),
                         Parse<v1::Plan>(list.Blob(1), "plan"));
      }
    }
  });
}

absl::StatusOr<std::vector<v1::Round>> SqlStore::ListRounds() {
  return Read<std::vector<v1::Round>>(
      [](Conn* db) { return ListKeyed<v1::Round>(db, "rounds", "id"); });
}

absl::StatusOr<v1::WriteAck> SqlStore::UpdateRound(const WriteContext& ctx,
                                                   const v1::Round& round,
                                                   int64_t expected_version) {
  return Submit(
      ctx, "UpdateRound",
      [round = v1::Round(round),
       expected_version](Tx& tx) mutable -> absl::StatusOr<v1::WriteAck> {
        const std::string resource = absl::StrCat("rounds/", round.id());
        Stmt get(tx.db(), "SELECT version, body FROM rounds WHERE id = ?");
        get.Bind(1, round.id());
        ASSIGN_OR_RETURN(bool found, get.Step());
        if (!found) return absl::NotFoundError(absl::StrCat(resource, ": not found"));
        if (get.Int(0) != expected_version)
          return Stale(resource, get.Int(0), expected_version);
        ASSIGN_OR_RETURN(v1::Round before, Parse<v1::Round>(get.Blob(1), "round"));
        if (before.criteria_set() != round.criteria_set() ||
            before.criteria_set_version() != round.criteria_set_version()) {
          return absl::FailedPreconditionError(absl::StrCat(
              resource, ": the pinned criteria set cannot change once the round exists"));
        }
        round.set_version(expected_version + 1);
        round.set_created_at(before.created_at());
        round.set_updated_at(tx.now());
        RETURN_IF_ERROR(
            Stmt(tx.db(), "UPDATE rounds SET version = ?, body = ? WHERE id = ?")
                .Bind(1, round.version())
                .BindBlob(2, round.SerializeAsString())
                .Bind(3, round.id())
                .Run());
        for (const std::string& unit : round.units()) {
          Stmt known(tx.db(), "SELECT 1 FROM units WHERE code = ?");
          known.Bind(1, unit);
          ASSIGN_OR_RETURN(bool unit_found, known.Step());
          if (!unit_found)
            return absl::NotFoundError(absl::StrCat("units/", unit, ": not found"));
          RETURN_IF_ERROR(
              Stmt(tx.db(),
                   "INSERT INTO assessments (round_id, unit_code, state, version, "
                   "reopened, updated_at) VALUES (?, ?, ?, 1, 0, ?) "
                   "ON CONFLICT DO NOTHING")
                  .Bind(1, round.id())
                  .Bind(2, unit)
                  .Bind(3, int64_t{v1::STATE_NOT_STARTED})
                  .Bind(4, tx.now())
                  .Run());
        }
        if (round.phase() >= v1::PHASE_FINALISED)
          RETURN_IF_ERROR(PinInputs(tx.db(), round));
        RETURN_IF_ERROR(tx.Audit("round.update", resource, Json(before), Json(round)));
        v1::WriteAck ack;
        ack.set_id(round.id());
        ack.set_version(round.version());
        return ack;
      });
}

// ---- assessments and entries ----

namespace {

// Reads the entries of one assessment (or of every unit of a round when unit is empty)
// into `out`, keyed by unit.
absl::Status ReadEntries(
    Conn* db, const std::string& round, const std::string& unit,
    const std::function<v1::Assessment*(const std::string&)>& assessment_of) {
  Stmt list(db,
            unit.empty()
                ? "SELECT unit_code, body, version, updated_at, updated_by FROM entries "
                  "WHERE round_id = ? ORDER BY {ROW_ORDER}"
                : "SELECT unit_code, body, version, updated_at, updated_by FROM entries "
                  "WHERE round_id = ? AND unit_code = ? ORDER BY {ROW_ORDER}");
  list.Bind(1, round);
  if (!unit.empty()) list.Bind(2, unit);
  while (true) {
    ASSIGN_OR_RETURN(bool row, list.Step());
    if (!row) return absl::OkStatus();
    v1::Assessment* assessment = assessment_of(list.Text(0));
    if (assessment == nullptr) continue;
    v1::Entry* entry = assessment->add_entries();
    if (!entry->ParseFromString(list.Blob(1)))
      return absl::DataLossError("stored entry cannot be parsed");
    entry->set_version(list.Int(2));
    entry->set_updated_at(list.Text(3));
    entry->set_updated_by(list.Text(4));
  }
}

// Reads the data sheet values of one assessment (or of every unit of a round when unit
// is empty), each assessment's in element order: one scan along the primary key.
absl::Status ReadValues(
    Conn* db, const std::string& round, const std::string& unit,
    const std::function<v1::Assessment*(const std::string&)>& assessment_of) {
  Stmt list(db, unit.empty() ? "SELECT unit_code, body, version FROM data_values "
                               "WHERE round_id = ? ORDER BY unit_code, element"
                             : "SELECT unit_code, body, version FROM data_values "
                               "WHERE round_id = ? AND unit_code = ? ORDER BY element");
  list.Bind(1, round);
  if (!unit.empty()) list.Bind(2, unit);
  v1::Assessment* assessment = nullptr;
  std::string assessment_unit;
  while (true) {
    ASSIGN_OR_RETURN(bool row, list.Step());
    if (!row) return absl::OkStatus();
    std::string unit_code = list.Text(0);
    if (assessment == nullptr || unit_code != assessment_unit) {
      assessment = assessment_of(unit_code);
      assessment_unit = std::move(unit_code);
    }
    if (assessment == nullptr) continue;
    v1::DataValue* value = assessment->add_values();
    if (!value->ParseFromString(list.Blob(1)))
      return absl::DataLossError("stored data value cannot be parsed");
    value->set_version(list.Int(2));
  }
}

void FillAssessment(const Stmt& row, const std::string& round, v1::Assessment* a) {
  a->set_round(round);
  a->set_unit(row.Text(0));
  a->set_state(static_cast<v1::AssessmentState>(row.Int(1)));
  a->set_version(row.Int(2));
  a->set_reopened(row.Int(3) != 0);
  a->set_updated_at(row.Text(4));
}

}  // namespace

namespace {

// Changes an assessment's state inside the caller's transaction, auditing it.
absl::StatusOr<int64_t> ChangeState(
    Conn* db, const std::string& r, const std::string& u, const StateChange& change,
    const std::string& now,
    const std::function<absl::Status(absl::string_view, absl::string_view)>& audit) {
  const std::string resource = AssessmentName(r, u);
  Stmt get(db,
           "SELECT unit_code, state, version, reopened, updated_at FROM assessments "
           "WHERE round_id = ? AND unit_code = ?");
  get.Bind(1, r).Bind(2, u);
  ASSIGN_OR_RETURN(bool found, get.Step());
  if (!found) return absl::NotFoundError(absl::StrCat(resource, ": not found"));
  if (get.Int(2) != change.expected_version) {
    return Stale(resource, get.Int(2), change.expected_version);
  }
  v1::Assessment before;
  FillAssessment(get, r, &before);
  v1::Assessment after = before;
  after.set_state(change.state);
  after.set_version(change.expected_version + 1);
  after.set_reopened(change.reopened);
  after.set_updated_at(now);
  if (change.shown_before != v1::ASSESSMENT_STATE_UNSPECIFIED)
    before.set_state(change.shown_before);
  RETURN_IF_ERROR(Stmt(db,
                       "UPDATE assessments SET state = ?, version = ?, reopened = ?, "
                       "updated_at = ? WHERE round_id = ? AND unit_code = ?")
                      .Bind(1, int64_t{change.state})
                      .Bind(2, after.version())
                      .Bind(3, int64_t{change.reopened ? 1 : 0})
                      .Bind(4, now)
                      .Bind(5, r)
                      .Bind(6, u)
                      .Run());
  RETURN_IF_ERROR(audit(Json(before), Json(after)));
  return after.version();
}

}  // namespace

namespace {

// The assessment's own row (state, version) into `out`; NOT_FOUND when absent.
absl::Status ReadAssessmentRow(Conn* db, const std::string& r, const std::string& u,
                               v1::Assessment* out) {
  Stmt get(db,
           "SELECT unit_code, state, version, reopened, updated_at FROM assessments "
           "WHERE round_id = ? AND unit_code = ?");
  get.Bind(1, r).Bind(2, u);
  ASSIGN_OR_RETURN(bool found, get.Step());
  if (!found)
    return absl::NotFoundError(absl::StrCat(AssessmentName(r, u), ": not found"));
  FillAssessment(get, r, out);
  return absl::OkStatus();
}

// When the unit last submitted its form and who did (Assessment.submitted_at and
// submitted_by: the person's name kept on the audit row, else the actor's id), from
// the audit trail: the last change of state to SUBMITTED. `unit` empty: every unit of
// the round, each into assessment_of(unit).
absl::Status AttachSubmissions(
    Conn* db, const std::string& r, const std::string& u,
    const std::function<v1::Assessment*(const std::string&)>& assessment_of) {
  const std::string prefix = absl::StrCat("rounds/", r, "/assessments/");
  // The round's resources as one range of audit_states, the forms' changes of state
  // ("…/assessments/" up to, not including, "…/assessments0"): a whole-round read does
  // not scan the audit trail.
  // The state is matched in the audit row's JSON as Json() prints it (no spaces).
  Stmt list(db, u.empty()
                    ? "SELECT resource, at, "
                      "CASE WHEN actor_name <> '' THEN actor_name ELSE actor END "
                      "FROM audit WHERE id IN (SELECT MAX(id) FROM audit "
                      "INDEXED BY audit_states WHERE resource >= ? AND resource < ? "
                      "AND action = 'assessment.state' "
                      "AND instr(after, '\"state\":\"STATE_SUBMITTED\"') > 0 "
                      "GROUP BY resource)"
                    : "SELECT resource, at, "
                      "CASE WHEN actor_name <> '' THEN actor_name ELSE actor END "
                      "FROM audit WHERE id = (SELECT MAX(id) FROM audit "
                      "INDEXED BY audit_states WHERE resource = ? AND "
                      "action = 'assessment.state' "
                      "AND instr(after, '\"state\":\"STATE_SUBMITTED\"') > 0)");
  if (u.empty()) {
    list.Bind(1, prefix).Bind(2, absl::StrCat(prefix.substr(0, prefix.size() - 1), "0"));
  } else {
    list.Bind(1, absl::StrCat(prefix, u));
  }
  while (true) {
    ASSIGN_OR_RETURN(bool row, list.Step());
    if (!row) return absl::OkStatus();
    const std::string resource = list.Text(0);
    v1::Assessment* a = assessment_of(resource.substr(prefix.size()));
    if (a == nullptr) continue;
    a->set_submitted_at(list.Text(1));
    a->set_submitted_by(list.Text(2));
  }
}

// The uploaded files (the evidence table) listed on their entries after the references
// the unit typed, oldest first; a criterion with files only gets an entry (version 0).
// `unit` empty: every unit of the round, each into assessment_of(unit).
absl::Status AttachEvidenceFiles(
    Conn* db, const std::string& r, const std::string& u,
    const std::function<v1::Assessment*(const std::string&)>& assessment_of) {
  Stmt files(db, u.empty() ? "SELECT unit_code, criterion, meta FROM evidence "
                             "WHERE round_id = ? ORDER BY id"
                           : "SELECT unit_code, criterion, meta FROM evidence "
                             "WHERE round_id = ? AND unit_code = ? ORDER BY id");
  files.Bind(1, r);
  if (!u.empty()) files.Bind(2, u);
  std::map<std::pair<v1::Assessment*, std::string>, v1::Entry*> entries;
  std::set<v1::Assessment*> indexed;
  while (true) {
    ASSIGN_OR_RETURN(bool row, files.Step());
    if (!row) break;
    v1::Assessment* out = assessment_of(files.Text(0));
    if (out == nullptr) continue;
    if (indexed.insert(out).second) {
      for (v1::Entry& e : *out->mutable_entries()) entries[{out, e.criterion()}] = &e;
    }
    v1::Entry*& entry = entries[{out, files.Text(1)}];
    if (entry == nullptr) {
      entry = out->add_entries();
      entry->set_criterion(files.Text(1));
    }
    ASSIGN_OR_RETURN(*entry->add_evidence(),
                     Parse<v1::Evidence>(files.Blob(2), "evidence"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Assessment> SqlStore::GetAssessment(absl::string_view round,
                                                       absl::string_view unit) {
  const std::string r(round), u(unit);
  return Read<v1::Assessment>([&](Conn* db) -> absl::StatusOr<v1::Assessment> {
    v1::Assessment assessment;
    RETURN_IF_ERROR(ReadAssessmentRow(db, r, u, &assessment));
    RETURN_IF_ERROR(
        ReadEntries(db, r, u, [&](const std::string&) { return &assessment; }));
    RETURN_IF_ERROR(
        ReadValues(db, r, u, [&](const std::string&) { return &assessment; }));
    RETURN_IF_ERROR(
        AttachEvidenceFiles(db, r, u, [&](const std::string&) { return &assessment; }));
    RETURN_IF_ERROR(
        AttachSubmissions(db, r, u, [&](const std::string&) { return &assessment; }));
    return assessment;
  });
}

absl::StatusOr<v1::Assessment> SqlStore::GetAssessmentEntries(
    absl::string_view round, absl::string_view unit,
    const std::vector<std::string>& criteria) {
  const std::string r(round), u(unit);
  return Read<v1::Assessment>([&](Conn* db) -> absl::StatusOr<v1::Assessment> {
    v1::Assessment assessment;
    RETURN_IF_ERROR(ReadAssessmentRow(db, r, u, &assessment));
    Stmt entry(db,
               "SELECT body, version, updated_at, updated_by FROM entries "
               "WHERE round_id = ? AND unit_code = ? AND criterion = ?");
    for (const std::string& criterion : criteria) {
      entry.Reset();
      entry.Bind(1, r).Bind(2, u).Bind(3, criterion);
      ASSIGN_OR_RETURN(bool row, entry.Step());
      if (!row) continue;
      v1::Entry* e = assessment.add_entries();
      if (!e->ParseFromString(entry.Blob(0)))
        return absl::DataLossError("stored entry cannot be parsed");
      e->set_version(entry.Int(1));
      e->set_updated_at(entry.Text(2));
      e->set_updated_by(entry.Text(3));
    }
    RETURN_IF_ERROR(
        ReadValues(db, r, u, [&](const std::string&) { return &assessment; }));
    return assessment;
  });
}

absl::Status SqlStore::ListAssessmentsInto(
    absl::string_view round, bool with_files,
    google::protobuf::RepeatedPtrField<v1::Assessment>* out) {
  const std::string r(round);
  return Read<bool>([&](Conn* db) -> absl::StatusOr<bool> {
           Stmt list(db,
                     "SELECT unit_code, state, version, reopened, updated_at FROM "
                     "assessments WHERE round_id = ? ORDER BY unit_code");
           list.Bind(1, r);
           absl::flat_hash_map<std::string, v1::Assessment*> index;
           while (true) {
             ASSIGN_OR_RETURN(bool row, list.Step());
             if (!row) break;
             v1::Assessment* a = out->Add();
             index[list.Text(0)] = a;
             FillAssessment(list, r, a);
           }
           auto assessment_of = [&](const std::string& unit) -> v1::Assessment* {
             auto it = index.find(unit);
             return it == index.end() ? nullptr : it->second;
           };
           RETURN_IF_ERROR(ReadEntries(db, r, "", assessment_of));
           RETURN_IF_ERROR(ReadValues(db, r, "", assessment_of));
           if (with_files) RETURN_IF_ERROR(AttachEvidenceFiles(db, r, "", assessment_of));
           RETURN_IF_ERROR(AttachSubmissions(db, r, "", assessment_of));
           return true;
         })
      .status();
}

// After a write to a unit's form, in its transaction: the form's size moves by
// `delta` bytes (its entries' and values' bodies and its files' details, kept on the
// assessment so that no write sums them), it must still fit — a read of it is one
// answer — and its updated_at moves. A unit's self-assessment may fill three quarters
// of the limit (WriteContext::unit_share), so that the office can always appraise, ask
// and import.
absl::Status SqlStore::FormWritten(Tx& tx, const std::string& r, const std::string& u,
                                   int64_t delta) const {
  Stmt update(tx.db(),
              "UPDATE assessments SET updated_at = ?, form_bytes = form_bytes + ? "
              "WHERE round_id = ? AND unit_code = ? RETURNING form_bytes");
  update.Bind(1, tx.now()).Bind(2, delta).Bind(3, r).Bind(4, u);
  ASSIGN_OR_RETURN(bool row, update.Step());
  if (!row) return absl::NotFoundError(absl::StrCat(AssessmentName(r, u), ": not found"));
  const bool unit_share = tx.ctx().unit_share;
  const int64_t max = options_.max_assessment_bytes;
  const int64_t limit = unit_share ? max / 4 * 3 : max;
  if (delta > 0 && update.Int(0) > limit) {
    return absl::FailedPreconditionError(absl::StrCat(
        AssessmentName(r, u), ": the form would hold ", update.Int(0),
        " bytes of entries, data values and file details, more than the ", limit,
        unit_share ? " a unit may fill in its self-assessment" : " one form may hold",
        "; shorten comments, explanations or summaries"));
  }
  return absl::OkStatus();
}

namespace {

// How a value's change is audited: the context's action as it reads for values
// ("entry.correct" → "value.correct"), else "value.update".
std::string ValueAction(const WriteContext& ctx) {
  absl::string_view action = ctx.action;
  if (action.empty()) return "value.update";
  if (absl::ConsumePrefix(&action, "entry.")) return absl::StrCat("value.", action);
  return ctx.action;
}

// One side of a value as it is to be stored, given the stored side (null when none):
// false when it holds no value (it is cleared); stamped with the writer and the time
// when its value changed, else keeping the stored stamps, so that "who gave it, when"
// survives writes of the other side or of the sheet as read.
bool StampSide(const v1::ElementValue* before, const WriteContext& ctx,
               const std::string& now, v1::ElementValue* side) {
  if (side->value_case() == v1::ElementValue::VALUE_NOT_SET) return false;
  auto bare = [](const v1::ElementValue& v) {
    v1::ElementValue copy = v;
    copy.clear_updated_by();
    copy.clear_updated_at();
    return copy.SerializeAsString();
  };
  if (before != nullptr && bare(*before) == bare(*side)) {
    side->set_updated_by(before->updated_by());
    side->set_updated_at(before->updated_at());
  } else {
    side->set_updated_by(ctx.actor.id);
    side->set_updated_at(now);
  }
  return true;
}

}  // namespace

absl::StatusOr<v1::WriteAck> SqlStore::WriteForm(Tx& tx, const std::string& r,
                                                 const std::string& u,
                                                 const FormUpdate& form) const {
  // Each entry's and value's read is joined to the assessment, so that a missing one is
  // NOT_FOUND without a statement of its own (an empty update: FormWritten's).
  const auto missing = [&] {
    return absl::NotFoundError(absl::StrCat(AssessmentName(r, u), ": not found"));
  };
  v1::WriteAck ack;
  int64_t delta = 0;
  for (const EntryUpdate& update : form.entries) {
    const std::string& criterion = update.entry.criterion();
    const std::string resource = EntryName(r, u, criterion);
    Stmt get(tx.db(),
             "SELECT e.version, e.body FROM assessments a LEFT JOIN entries e ON "
             "e.round_id = a.round_id AND e.unit_code = a.unit_code AND e.criterion = ? "
             "WHERE a.round_id = ? AND a.unit_code = ?");
    get.Bind(1, criterion).Bind(2, r).Bind(3, u);
    ASSIGN_OR_RETURN(bool exists, get.Step());
    if (!exists) return missing();
    const bool found = !get.IsNull(0);
    const int64_t stored = found ? get.Int(0) : 0;
    if (stored != update.expected_version)
      return Stale(resource, stored, update.expected_version);
    std::string before;
    if (found) {
      delta -= static_cast<int64_t>(get.Blob(1).size());
      ASSIGN_OR_RETURN(v1::Entry old, Parse<v1::Entry>(get.Blob(1), "entry"));
      old.set_version(stored);
      before = Json(old);
    }
    v1::Entry entry = update.entry;
    // Uploaded files live in the evidence table and are listed on reads; an entry
    // written back as read must not hold them twice.
    auto* evidence = entry.mutable_evidence();
    evidence->erase(std::remove_if(evidence->begin(), evidence->end(),
                                   [](const v1::Evidence& e) { return e.id() != 0; }),
                    evidence->end());
    entry.set_version(stored + 1);
    entry.set_updated_at(tx.now());
    entry.set_updated_by(tx.ctx().actor.id);
    const std::string body = entry.SerializeAsString();
    delta += static_cast<int64_t>(body.size());
    RETURN_IF_ERROR(Stmt(tx.db(),
                         "INSERT INTO entries (round_id, unit_code, criterion, version, "
                         "body, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?) "
                         "ON CONFLICT(round_id, unit_code, criterion) DO UPDATE SET "
                         "version = excluded.version, body = excluded.body, "
                         "updated_at = excluded.updated_at, "
                         "updated_by = excluded.updated_by")
                        .Bind(1, r)
                        .Bind(2, u)
                        .Bind(3, criterion)
                        .Bind(4, entry.version())
                        .BindBlob(5, body)
                        .Bind(6, tx.now())
                        .Bind(7, tx.ctx().actor.id)
                        .Run());
    RETURN_IF_ERROR(tx.Audit(tx.ctx().action.empty() ? "entry.update" : tx.ctx().action,
                             resource, before, Json(entry)));
    ack.add_versions(entry.version());
  }
  const std::string value_action = ValueAction(tx.ctx());
  for (const ValueUpdate& update : form.values) {
    const std::string& element = update.value.element();
    const std::string resource = ValueName(r, u, element);
    Stmt get(tx.db(),
             "SELECT v.version, v.body FROM assessments a LEFT JOIN data_values v ON "
             "v.round_id = a.round_id AND v.unit_code = a.unit_code AND v.element = ? "
             "WHERE a.round_id = ? AND a.unit_code = ?");
    get.Bind(1, element).Bind(2, r).Bind(3, u);
    ASSIGN_OR_RETURN(bool exists, get.Step());
    if (!exists) return missing();
    const bool found = !get.IsNull(0);
    const int64_t stored = found ? get.Int(0) : 0;
    if (stored != update.expected_version)
      return Stale(resource, stored, update.expected_version);
    v1::DataValue old;
    std::string before;
    if (found) {
      delta -= static_cast<int64_t>(get.Blob(1).size());
      ASSIGN_OR_RETURN(old, Parse<v1::DataValue>(get.Blob(1), "data value"));
      old.set_version(stored);
      before = Json(old);
    }
    v1::DataValue value = update.value;
    if (value.has_self() && !StampSide(old.has_self() ? &old.self() : nullptr, tx.ctx(),
                                       tx.now(), value.mutable_self())) {
      value.clear_self();
    }
    if (value.has_appraised() &&
        !StampSide(old.has_appraised() ? &old.appraised() : nullptr, tx.ctx(), tx.now(),
                   value.mutable_appraised())) {
      value.clear_appraised();
    }
    if (!value.has_self() && !value.has_appraised() && !found) {
      // Clearing what was never there changes and audits nothing.
      ack.add_versions(0);
      continue;
    }
    // Nothing left on either side: the element is not reported any more, but its row
    // stays (no sides, the next version) so that versions never go back and an etag
    // read before the clearing stays stale.
    value.set_version(stored + 1);
    const std::string body = value.SerializeAsString();
    delta += static_cast<int64_t>(body.size());
    RETURN_IF_ERROR(
        Stmt(tx.db(),
             "INSERT INTO data_values (round_id, unit_code, element, version, "
             "body, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?) "
             "ON CONFLICT(round_id, unit_code, element) DO UPDATE SET "
             "version = excluded.version, body = excluded.body, "
             "updated_at = excluded.updated_at, "
             "updated_by = excluded.updated_by")
            .Bind(1, r)
            .Bind(2, u)
            .Bind(3, element)
            .Bind(4, value.version())
            .BindBlob(5, body)
            .Bind(6, tx.now())
            .Bind(7, tx.ctx().actor.id)
            .Run());
    RETURN_IF_ERROR(tx.Audit(value_action, resource, before, Json(value)));
    ack.add_versions(value.version());
  }
  RETURN_IF_ERROR(FormWritten(tx, r, u, delta));
  return ack;
}

absl::StatusOr<v1::WriteAck> SqlStore::SubmitForm(
    const WriteContext& ctx, std::string method, absl::string_view round,
    absl::string_view unit, FormUpdate update, const StateChange* state_change) {
  std::optional<StateChange> change;
  if (state_change != nullptr) change = *state_change;
  return Submit(
      ctx, std::move(method),
      [this, r = std::string(round), u = std::string(unit), update = std::move(update),
       change](Tx& tx) -> absl::StatusOr<v1::WriteAck> {
        ASSIGN_OR_RETURN(v1::WriteAck ack, WriteForm(tx, r, u, update));
        if (change.has_value()) {
          ASSIGN_OR_RETURN(
              int64_t version,
              ChangeState(tx.db(), r, u, *change, tx.now(),
                          [&](absl::string_view before, absl::string_view after) {
                            return tx.Audit("assessment.state", AssessmentName(r, u),
                                            before, after);
                          }));
          ack.set_version(version);
        }
        return ack;
      });
}

absl::StatusOr<v1::WriteAck> SqlStore::UpdateForm(const WriteContext& ctx,
                                                  absl::string_view round,
                                                  absl::string_view unit,
                                                  const FormUpdate& update,
                                                  const StateChange* state_change) {
  return SubmitForm(ctx, "UpdateForm", round, unit, update, state_change);
}

absl::StatusOr<v1::WriteAck> SqlStore::UpdateEntries(
    const WriteContext& ctx, absl::string_view round, absl::string_view unit,
    const std::vector<EntryUpdate>& updates, const StateChange* state_change) {
  return SubmitForm(ctx, "UpdateEntries", round, unit, FormUpdate{updates, {}},
                    state_change);
}

absl::StatusOr<v1::WriteAck> SqlStore::UpdateUnitsEntries(
    const WriteContext& ctx, absl::string_view round,
    const std::vector<std::pair<std::string, FormUpdate>>& units) {
  return Submit(
      ctx, "UpdateUnitsEntries",
      [this, r = std::string(round), units](Tx& tx) -> absl::StatusOr<v1::WriteAck> {
        v1::WriteAck all;
        for (const auto& [unit, update] : units) {
          ASSIGN_OR_RETURN(v1::WriteAck ack, WriteForm(tx, r, unit, update));
          for (int64_t v : ack.versions()) all.add_versions(v);
        }
        return all;
      });
}

absl::StatusOr<v1::WriteAck> SqlStore::SetAssessmentState(const WriteContext& ctx,
                                                          absl::string_view round,
                                                          absl::string_view unit,
                                                          const StateChange& change) {
  // ctx.action names a write that is not a change of state ("explanation.review").
  return Submit(
      ctx, "SetAssessmentState",
      [r = std::string(round), u = std::string(unit), change,
       action = ctx.action.empty() ? std::string("assessment.state")
                                   : ctx.action](Tx& tx) -> absl::StatusOr<v1::WriteAck> {
        ASSIGN_OR_RETURN(
            int64_t version,
            ChangeState(tx.db(), r, u, change, tx.now(),
                        [&](absl::string_view before, absl::string_view after) {
                          return tx.Audit(action, AssessmentName(r, u), before, after);
                        }));
        v1::WriteAck ack;
        ack.set_version(version);
        return ack;
      });
}

// ---- evidence ----

absl::StatusOr<v1::WriteAck> SqlStore::AddEvidence(
    const WriteContext& ctx, absl::string_view round, absl::string_view unit,
    absl::string_view criterion, v1::Evidence meta, std::string content) {
  if (static_cast<int64_t>(content.size()) > options_.max_evidence_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "evidence '", meta.file_name(), "': ", content.size(),
        " bytes exceed the limit of ", options_.max_evidence_bytes, " bytes"));
  }
  // Hash outside the writer thread: it is the expensive part of a large upload.
  if (meta.sha256().empty()) meta.set_sha256(Sha256Hex(content));
  meta.set_size_bytes(static_cast<int64_t>(content.size()));
  return Submit(
      ctx, "AddEvidence",
      [this, r = std::string(round), u = std::string(unit), c = std::string(criterion),
       meta = std::move(meta),
       content = std::move(content)](Tx& tx) mutable -> absl::StatusOr<v1::WriteAck> {
        Stmt assessment(tx.db(),
                        "SELECT 1 FROM assessments WHERE round_id = ? AND unit_code = ?");
        assessment.Bind(1, r).Bind(2, u);
        ASSIGN_OR_RETURN(bool exists, assessment.Step());
        if (!exists)
          return absl::NotFoundError(absl::StrCat(AssessmentName(r, u), ": not found"));
        Stmt count(tx.db(),
                   "SELECT COUNT(*) FROM evidence WHERE round_id = ? AND unit_code = ? "
                   "AND criterion = ?");
        count.Bind(1, r).Bind(2, u).Bind(3, c);
        ASSIGN_OR_RETURN(bool counted, count.Step());
        if (counted && count.Int(0) >= options_.max_files_per_criterion) {
          return absl::FailedPreconditionError(
              absl::StrCat(EntryName(r, u, c), ": already has ", count.Int(0),
                           " files, the most one criterion may hold"));
        }
        // The row first, for its id; then its details, which name the id.
        Stmt insert(tx.db(),
                    "INSERT INTO evidence (round_id, unit_code, criterion, meta, "
                    "sha256, size, content, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                    "RETURNING id");
        insert.Bind(1, r)
            .Bind(2, u)
            .Bind(3, c)
            .BindBlob(4, "")
            .Bind(5, meta.sha256())
            .Bind(6, meta.size_bytes())
            .BindBlob(7, content)
            .Bind(8, tx.now());
        ASSIGN_OR_RETURN(bool inserted, insert.Step());
        if (!inserted) return absl::InternalError("evidence: no id");
        const int64_t id = insert.Int(0);
        RETURN_IF_ERROR(insert.Run());  // finishes the statement
        meta.set_id(id);
        const std::string stored_meta = meta.SerializeAsString();
        RETURN_IF_ERROR(Stmt(tx.db(), "UPDATE evidence SET meta = ? WHERE id = ?")
                            .BindBlob(1, stored_meta)
                            .Bind(2, id)
                            .Run());
        RETURN_IF_ERROR(FormWritten(tx, r, u, static_cast<int64_t>(stored_meta.size())));
        RETURN_IF_ERROR(tx.Audit("evidence.add",
                                 absl::StrCat(EntryName(r, u, c), "/evidence/", id), "",
                                 Json(meta)));
        v1::WriteAck ack;
        ack.set_id(absl::StrCat(id));
        ack.set_version(1);
        return ack;
      });
}

absl::StatusOr<EvidenceFile> SqlStore::GetEvidence(int64_t id) {
  return Read<EvidenceFile>([id](Conn* db) -> absl::StatusOr<EvidenceFile> {
    Stmt get(db,
             "SELECT meta, content, round_id, unit_code, criterion FROM evidence "
             "WHERE id = ?");
    get.Bind(1, id);
    ASSIGN_OR_RETURN(bool found, get.Step());
    if (!found) return absl::NotFoundError(absl::StrCat("evidence ", id, ": not found"));
    EvidenceFile file;
    ASSIGN_OR_RETURN(file.meta, Parse<v1::Evidence>(get.Blob(0), "evidence"));
    file.content = get.Blob(1);
    file.round = get.Text(2);
    file.unit = get.Text(3);
    file.criterion = get.Text(4);
    return file;
  });
}

absl::StatusOr<v1::WriteAck> SqlStore::DeleteEvidence(const WriteContext& ctx,
                                                      absl::string_view round,
                                                      absl::string_view unit, int64_t id,
                                                      int64_t entry_version) {
  return Submit(
      ctx, "DeleteEvidence",
      [this, r = std::string(round), u = std::string(unit), id,
       entry_version](Tx& tx) -> absl::StatusOr<v1::WriteAck> {
        const std::string name = absl::StrCat(AssessmentName(r, u), "/evidence/", id);
        Stmt get(tx.db(),
                 "SELECT v.criterion, v.meta, e.version FROM evidence v LEFT JOIN "
                 "entries e ON e.round_id = v.round_id AND e.unit_code = v.unit_code "
                 "AND e.criterion = v.criterion WHERE v.id = ? AND v.round_id = ? AND "
                 "v.unit_code = ?");
        get.Bind(1, id).Bind(2, r).Bind(3, u);
        ASSIGN_OR_RETURN(bool found, get.Step());
        if (!found) return absl::NotFoundError(absl::StrCat(name, ": not found"));
        const std::string criterion = get.Text(0);
        const std::string stored_meta = get.Blob(1);
        const int64_t stored = get.IsNull(2) ? 0 : get.Int(2);
        RETURN_IF_ERROR(get.Run());  // finishes the statement
        if (stored != entry_version)
          return Stale(EntryName(r, u, criterion), stored, entry_version);
        ASSIGN_OR_RETURN(v1::Evidence meta, Parse<v1::Evidence>(stored_meta, "evidence"));
        RETURN_IF_ERROR(
            Stmt(tx.db(), "DELETE FROM evidence WHERE id = ?").Bind(1, id).Run());
        RETURN_IF_ERROR(FormWritten(tx, r, u, -static_cast<int64_t>(stored_meta.size())));
        RETURN_IF_ERROR(tx.Audit(
            "evidence.delete", absl::StrCat(EntryName(r, u, criterion), "/evidence/", id),
            Json(meta), ""));
        v1::WriteAck ack;
        ack.set_id(absl::StrCat(id));
        return ack;
      });
}

// ---- audit ----

absl::StatusOr<std::vector<v1::AuditEvent>> SqlStore::ListAudit(
    const AuditFilter& filter) {
  return Read<std::vector<v1::AuditEvent>>(
      [&](Conn* db) -> absl::StatusOr<std::vector<v1::AuditEvent>> {
        // Without bodies, empty texts in their place: the before and after of a
        // national round's ~285k events are most of what the audit table holds.
        Stmt list(
            db,
            absl::StrCat(
                "SELECT id, at, actor, role, actor_unit, action, resource, ",
                filter.bodies ? "before, after" : "'', ''",
                ", reason, request_id, actor_name FROM audit WHERE id > ? "
                "AND (?2 = '' OR resource = ?2 OR substr(resource, 1, length(?2) + 1) = "
                "?2 || '/') "
                "AND (?3 = '' OR actor = ?3) ORDER BY id LIMIT ?4"));
        list.Bind(1, filter.after_id)
            .Bind(2, filter.resource_prefix)
            .Bind(3, filter.actor)
            .Bind(4, int64_t{filter.limit});
        std::vector<v1::AuditEvent> events;
        while (true) {
          ASSIGN_OR_RETURN(bool row, list.Step());
          if (!row) return events;
          v1::AuditEvent& e = events.emplace_back();
          e.set_id(list.Int(0));
          e.set_at(list.Text(1));
          e.set_actor(list.Text(2));
          e.set_role(list.Text(3));
          e.set_actor_unit(list.Text(4));
          e.set_action(list.Text(5));
          e.set_resource(list.Text(6));
          e.set_before(list.Text(7));
          e.set_after(list.Text(8));
          e.set_reason(list.Text(9));
          e.set_request_id(list.Text(10));
          e.set_actor_name(list.Text(11));
        }
      });
}

absl::StatusOr<std::map<std::string, FormActivity>> SqlStore::ListFormActivity(
    absl::string_view round) {
  const std::string prefix = absl::StrCat("rounds/", round, "/assessments/");
  return Read<std::map<std::string, FormActivity>>(
      [&](Conn* db) -> absl::StatusOr<std::map<std::string, FormActivity>> {
        // Per unit, per kind of event (0: the unit writes, 1: the unit changes state
        // otherwise, 3: it submits, 4: it sends its explanations, 2: the office
        // appraises, 5: the office marks the explanations read), the last one, then its
        // time. Imports the office runs (survey results, dossier records, plan tasks) are
        // not its appraisal. The state is matched in the audit row's JSON as Json()
        // prints it (no spaces).
        Stmt list(
            db,
            "SELECT g.unit, g.kind, g.id, a.at FROM (SELECT unit, kind, "
            "MAX(id) AS id FROM ("
            "  SELECT id, CASE WHEN instr(rest, '/') > 0 "
            "    THEN substr(rest, 1, instr(rest, '/') - 1) ELSE rest END AS unit,"
            "  CASE WHEN role IN ('appraiser', 'admin') AND "
            "         action = 'explanation.review' THEN 5"
            "       WHEN role = 'ward' AND action = 'assessment.state' THEN"
            "         CASE WHEN instr(after, '\"state\":\"STATE_SUBMITTED\"') > 0 THEN 3"
            "              WHEN instr(after, '\"state\":\"STATE_EXPLAINED\"') > 0 THEN 4"
            "              ELSE 1 END"
            "       WHEN role = 'ward' THEN 0"
            "       WHEN role IN ('appraiser', 'admin') AND action NOT IN "
            "         ('assessment.state', 'survey.import', 'value.from_records', "
            "          'value.from_tasks') THEN 2 ELSE -1 END AS kind"
            "  FROM (SELECT id, role, action, after, substr(resource, length(?1) + 1) "
            "    AS rest FROM audit WHERE substr(resource, 1, length(?1)) = ?1) r) k"
            " WHERE kind >= 0 GROUP BY unit, kind) g JOIN audit a ON a.id = g.id");
        list.Bind(1, prefix);
        std::map<std::string, FormActivity> activity;
        while (true) {
          ASSIGN_OR_RETURN(bool row, list.Step());
          if (!row) return activity;
          FormActivity& a = activity[list.Text(0)];
          const int64_t kind = list.Int(1);
          FormActivity::Event& e = kind == 0   ? a.unit_write
                                   : kind == 1 ? a.unit_state
                                   : kind == 3 ? a.unit_submit
                                   : kind == 4 ? a.unit_explain
                                   : kind == 5 ? a.office_review
                                               : a.office_write;
          e.id = list.Int(2);
          e.at = list.Text(3);
          // Any change of state, a submission or an explanation among them.
          if ((kind == 3 || kind == 4) && e.id > a.unit_state.id) a.unit_state = e;
        }
      });
}

absl::StatusOr<StoredRequest> SqlStore::FindRequest(const WriteContext& ctx) {
  if (ctx.request_id.empty()) return absl::NotFoundError("no request_id");
  return Read<StoredRequest>([&](Conn* db) -> absl::StatusOr<StoredRequest> {
    ASSIGN_OR_RETURN(std::optional<StoredRequest> stored,
                     LookUpRequest(db, ctx, ctx.request_method));
    if (!stored.has_value()) {
      return absl::NotFoundError(
          absl::StrCat("request_id '", ctx.request_id, "' was not applied"));
    }
    return *std::move(stored);
  });
}

absl::Status SqlStore::PinFinalisedRounds() {
  // Rounds finalised before their inputs were kept (schema < 4): keep them now, the
  // closest to what they were scored with that is left.
  std::vector<v1::Round> rounds;
  {
    Stmt list(writers_[0].get(),
              "SELECT body FROM rounds r WHERE NOT EXISTS "
              "(SELECT 1 FROM round_inputs i WHERE i.round_id = r.id)");
    while (true) {
      ASSIGN_OR_RETURN(bool row, list.Step());
      if (!row) break;
      ASSIGN_OR_RETURN(v1::Round round, Parse<v1::Round>(list.Blob(0), "round"));
      if (round.phase() >= v1::PHASE_FINALISED) rounds.push_back(std::move(round));
    }
  }
  if (rounds.empty()) return absl::OkStatus();
  Conn* db = writers_[0].get();
  RETURN_IF_ERROR(db->BeginWrite());
  for (const v1::Round& round : rounds) {
    absl::Status pinned = PinInputs(db, round);
    if (!pinned.ok()) {
      Exec(db, "ROLLBACK").IgnoreError();
      return pinned;
    }
  }
  return Exec(db, "COMMIT");
}

absl::Status SqlStore::CheckRoundVersion(Conn* db, const WriteContext& ctx) {
  Stmt get(db, "SELECT version FROM rounds WHERE id = ?");
  get.Bind(1, ctx.round);
  ASSIGN_OR_RETURN(bool found, get.Step());
  const std::string resource = absl::StrCat("rounds/", ctx.round);
  if (!found) return absl::NotFoundError(absl::StrCat(resource, ": not found"));
  if (get.Int(0) == ctx.round_version) return absl::OkStatus();
  return absl::AbortedError(absl::StrCat(
      resource, " changed while this request was checked (version ", ctx.round_version,
      " was read, ", get.Int(0), " is stored): nothing was written; send it again"));
}

absl::Status SqlStore::PruneRequests(Conn* db) {
  const absl::Time now = clock_->Now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (now - last_prune_ < absl::Hours(1)) return absl::OkStatus();
    last_prune_ = now;
  }
  absl::Status status = db->BeginWrite();
  if (status.ok()) {
    status = Stmt(db, "DELETE FROM requests WHERE created_at < ?")
                 .Bind(1, absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ",
                                           now - options_.request_retention,
                                           absl::UTCTimeZone()))
                 .Run();
  }
  if (status.ok()) status = Exec(db, "COMMIT");
  if (!status.ok() && db->InTransaction()) db->Exec("ROLLBACK").IgnoreError();
  return status;
}

// ---- dossier records ----

namespace {

std::string ImportName(const RecordImport& import) {
  return absl::StrCat("rounds/", import.round, "/imports/", import.id);
}

RecordImport ReadImport(const Stmt& row) {
  RecordImport i;
  i.id = row.Int(0);
  i.round = row.Text(1);
  i.file_name = row.Text(2);
  i.format = row.Text(3);
  i.sha256 = row.Text(4);
  i.scope = row.Text(5);
  i.actor = row.Text(6);
  i.started_at = row.Text(7);
  i.finished_at = row.IsNull(8) ? "" : row.Text(8);
  i.rows_read = row.Int(9);
  i.rows_refused = row.Int(10);
  i.rows_changed = row.Int(11);
  i.rows_unchanged = row.Int(12);
  i.complete = row.Int(13) != 0;
  return i;
}

}  // namespace

absl::StatusOr<int64_t> SqlStore::BeginRecordImport(const WriteContext& ctx,
                                                    const RecordImport& import) {
  ASSIGN_OR_RETURN(
      v1::WriteAck ack,
      Submit(ctx, "BeginRecordImport", [import](Tx& tx) -> absl::StatusOr<v1::WriteAck> {
        Stmt insert(tx.db(),
                    "INSERT INTO record_imports (round_id, number, file_name, format, "
                    "sha256, scope, actor, started_at, rows_read, rows_refused, "
                    "rows_changed, rows_unchanged, complete, merged) VALUES (?1, (SELECT "
                    "COALESCE(MAX(number), 0) + 1 FROM record_imports WHERE round_id = "
                    "?1), ?2, ?3, '', ?4, ?5, ?6, 0, 0, 0, 0, 0, 0) RETURNING number");
        insert.Bind(1, import.round)
            .Bind(2, import.file_name)
            .Bind(3, import.format)
            .Bind(4, import.scope)
            .Bind(5, tx.ctx().actor.id)
            .Bind(6, tx.now());
        ASSIGN_OR_RETURN(bool inserted, insert.Step());
        if (!inserted) return absl::InternalError("record import: no number");
        v1::WriteAck ack;
        ack.set_id(absl::StrCat(insert.Int(0)));
        RETURN_IF_ERROR(insert.Run());  // finishes the statement
        return ack;
      }));
  int64_t id = 0;
  if (!absl::SimpleAtoi(ack.id(), &id)) return absl::InternalError("no import id");
  return id;
}

namespace {

// Rows per INSERT when appending and merging: one statement for many rows costs less
// than a statement per row.
constexpr size_t kRowsPerInsert = 128;
// Rows a page of the merge's cursor on PostgreSQL.
constexpr int64_t kMergePage = 1000;
// The units of round ?1 that have runs, from one to the next along the runs' key (not
// through every row): u(code), the last code followed by NULL.
constexpr char kRunUnitsSql[] =
    "WITH RECURSIVE u(code) AS (SELECT MIN(unit_code) FROM dossier_runs WHERE round_id "
    "= ?1 UNION ALL SELECT (SELECT MIN(unit_code) FROM dossier_runs WHERE round_id = ?1 "
    "AND unit_code > u.code) FROM u WHERE u.code IS NOT NULL) ";

// The append of `rows` dossier rows in one statement.
std::string AppendSql(size_t rows) {
  std::string sql =
      "INSERT INTO dossier_rows (round_id, import_id, seq, dossier_id, unit_code, line, "
      "conflict, body) VALUES ";
  for (size_t i = 0; i < rows; ++i)
    absl::StrAppend(&sql, i ? "," : "", "(?,?,?,?,?,?,0,?)");
  return sql;
}

// The upsert of `rows` ids into the order by id, in one statement (each id once).
std::string PutIdsSql(size_t rows) {
  std::string sql =
      "INSERT INTO dossiers (round_id, dossier_id, unit_code, import_id, seq) VALUES ";
  for (size_t i = 0; i < rows; ++i) absl::StrAppend(&sql, i ? "," : "", "(?,?,?,?,?)");
  absl::StrAppend(
      &sql,
      " ON CONFLICT (round_id, dossier_id) DO UPDATE SET unit_code = "
      "excluded.unit_code, import_id = excluded.import_id, seq = excluded.seq");
  return sql;
}

// One merge of an import's rows (SqlStore::MergeDossiers), inside its transaction.
// The import's rows are read sorted by id, each id's rows with the row it is stored
// as: an id new to the round and given once (nearly every row of a first import) is
// written to the order by id as it comes, in the id's order; the rest are decided row
// by row, as the file gives them (by line: an append numbers a batch's rows unit by
// unit). The rows that lose are deleted; the runs that name a unit's rows (written
// with each batch) find the rows left.
class ImportMerge {
 public:
  ImportMerge(Conn* db, std::string round, int64_t import_id,
              const StoredUnitCheck& check)
      : db_(db), round_(std::move(round)), import_id_(import_id), check_(check) {}

  absl::StatusOr<DossierWrite> Run() {
    ASSIGN_OR_RETURN(const bool whole, PutAllIds());
    if (whole) return Finish();
    // Each row comes with its body and the stored row's (read here, in the import's
    // order, rather than looked up an id at a time in the id's order).
    const char* sorted =
        "SELECT r.dossier_id, r.seq, r.unit_code, r.line, d.unit_code, d.import_id, "
        "d.seq, r.body, s.body, s.conflict FROM dossier_rows r LEFT JOIN dossiers d ON "
        "d.round_id = r.round_id AND d.dossier_id = r.dossier_id LEFT JOIN dossier_rows "
        "s ON s.round_id = d.round_id AND s.import_id = d.import_id AND s.seq = d.seq "
        "WHERE r.round_id = ?1 AND r.import_id = ?2 ORDER BY r.dossier_id, r.line, "
        "r.seq";
    // PostgreSQL's client library takes a statement's whole result at once (a national
    // file's rows: gigabytes): there the rows come through a cursor, a page at a time.
    const bool paged = db_->dialect() == Dialect::kPostgres;
    const std::string cursor = absl::StrCat("merge_rows_", import_id_);
    if (paged) {
      RETURN_IF_ERROR(db_->Exec(absl::StrCat(
          "DECLARE ", cursor, " NO SCROLL CURSOR FOR ",
          absl::StrReplaceAll(
              sorted,
              {{"?1", absl::StrCat("'", absl::StrReplaceAll(round_, {{"'", "''"}}), "'")},
               {"?2", absl::StrCat(import_id_)}}))));
    }
    absl::Cleanup closed = [&] {
      if (paged) db_->Exec(absl::StrCat("CLOSE ", cursor)).IgnoreError();
    };
    Stmt rows(db_, paged ? absl::StrCat("FETCH FORWARD ", kMergePage, " FROM ", cursor)
                         : std::string(sorted));
    if (!paged) rows.Bind(1, round_).Bind(2, import_id_);
    int64_t in_page = 0;
    auto step = [&]() -> absl::StatusOr<bool> {
      ASSIGN_OR_RETURN(bool row, rows.Step());
      if (row) ++in_page;
      if (row || !paged || in_page < kMergePage) return row;
      rows.Reset();  // a whole page: the next
      in_page = 0;
      ASSIGN_OR_RETURN(row, rows.Step());
      if (row) ++in_page;
      return row;
    };
    std::string id;
    std::vector<Row> group;
    Stored stored;
    while (true) {
      ASSIGN_OR_RETURN(const bool more, step());
      std::string next = more ? rows.Text(0) : std::string();
      if (!group.empty() && (!more || next != id)) {
        RETURN_IF_ERROR(Merge(id, &group, stored));
        group.clear();
      }
      if (!more) break;
      if (group.empty()) {
        id = std::move(next);
        stored = Stored();
        if (!rows.IsNull(4)) {
          stored.found = true;
          stored.unit = rows.Text(4);
          stored.import_id = rows.Int(5);
          stored.seq = rows.Int(6);
          if (rows.IsNull(8)) {
            return absl::InternalError(absl::StrCat(
                "dossier row ", stored.seq, " of import ", stored.import_id, " is gone"));
          }
          stored.body = rows.Blob(8);
          stored.conflict = rows.Int(9) != 0;
        }
      }
      group.push_back({rows.Int(1), rows.Text(2), rows.Int(3), rows.Blob(7)});
    }
    if (!unknown_.ok()) return unknown_;
    RETURN_IF_ERROR(FlushIds());
    RETURN_IF_ERROR(FlushDeletes());
    return Finish();
  }

 private:
  struct Row {  // a row of this import
    int64_t seq;
    std::string unit;
    int64_t line;
    std::string body;
  };
  struct Stored {  // the row an id is stored as
    bool found = false;
    std::string unit;
    int64_t import_id = 0, seq = 0;
    std::string body;
    bool conflict = false;
  };

  // An import whose every id is new to the round and given once (a first import):
  // its ids written to the order by id by one sorted INSERT. Any other fails it at its
  // first id stored or given again (that statement alone is undone): false, to be
  // merged id by id.
  absl::StatusOr<bool> PutAllIds() {
    // A file sent again (every id stored) fails at once: its first rows tell, before
    // the sort of every id.
    Stmt again(db_,
               "SELECT EXISTS (SELECT 1 FROM (SELECT dossier_id FROM dossier_rows WHERE "
               "round_id = ?1 AND import_id = ?2 LIMIT 1000) AS r JOIN dossiers d ON "
               "d.round_id = ?1 AND d.dossier_id = r.dossier_id)");
    again.Bind(1, round_).Bind(2, import_id_);
    ASSIGN_OR_RETURN(const bool row, again.Step());
    if (row && again.Int(0) != 0) return false;
    RETURN_IF_ERROR(again.Run());  // finishes the statement
    RETURN_IF_ERROR(db_->Exec("SAVEPOINT all_ids"));
    Stmt all(db_,
             "INSERT INTO dossiers (round_id, dossier_id, unit_code, import_id, seq) "
             "SELECT round_id, dossier_id, unit_code, import_id, seq FROM dossier_rows "
             "WHERE round_id = ? AND import_id = ? ORDER BY dossier_id");
    absl::Status put = all.Bind(1, round_).Bind(2, import_id_).Run();
    if (put.ok()) {
      out_.changed = all.RowsChanged();
      RETURN_IF_ERROR(db_->Exec("RELEASE all_ids"));
      all_new_ = true;
      return true;
    }
    if (!absl::IsFailedPrecondition(put)) return put;  // not the key's constraint
    RETURN_IF_ERROR(db_->Exec("ROLLBACK TO all_ids"));
    RETURN_IF_ERROR(db_->Exec("RELEASE all_ids"));
    return false;
  }

  // The merge's end: the units this import has rows of (every one of them changed
  // when every row was new), which of them are fresh, and the merge's stamp.
  absl::StatusOr<DossierWrite> Finish() {
    Stmt units(db_, absl::StrCat(kRunUnitsSql,
                                 "SELECT code, EXISTS (SELECT 1 FROM dossier_runs WHERE "
                                 "round_id = ?1 AND unit_code = u.code AND import_id <> "
                                 "?2) FROM u WHERE code IS NOT NULL AND EXISTS (SELECT 1 "
                                 "FROM dossier_runs WHERE round_id = ?1 AND unit_code = "
                                 "u.code AND import_id = ?2)"));
    units.Bind(1, round_).Bind(2, import_id_);
    while (true) {
      ASSIGN_OR_RETURN(const bool row, units.Step());
      if (!row) break;
      std::string unit = units.Text(0);
      if (all_new_) out_.units.insert(unit);
      if (units.Int(1) == 0 && complex_.count(unit) == 0)
        out_.fresh.insert(std::move(unit));
    }
    Stmt stamp(db_,
               "UPDATE record_imports SET merged = (SELECT MAX(merged) FROM "
               "record_imports WHERE round_id = ?1) + 1 WHERE round_id = ?1 AND number "
               "= ?2 RETURNING merged");
    stamp.Bind(1, round_).Bind(2, import_id_);
    ASSIGN_OR_RETURN(const bool stamped, stamp.Step());
    if (!stamped) return absl::InternalError("record import: not found to merge");
    out_.merged_as = stamp.Int(0);
    RETURN_IF_ERROR(stamp.Run());  // finishes the statement
    std::stable_sort(out_.refused.begin(), out_.refused.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    return std::move(out_);
  }

  // Merges the rows of one id (in the file's order) into what is stored of it.
  absl::Status Merge(const std::string& id, std::vector<Row>* rows,
                     const Stored& stored) {
    // The stored row may be one of this import's, merged before: not merged again.
    if (stored.found && stored.import_id == import_id_) {
      rows->erase(std::remove_if(rows->begin(), rows->end(),
                                 [&](const Row& r) { return r.seq == stored.seq; }),
                  rows->end());
    }
    if (rows->empty()) return absl::OkStatus();
    if (!stored.found && rows->size() == 1) {  // new, and given once
      ++out_.changed;
      out_.units.insert((*rows)[0].unit);
      return PutId(id, (*rows)[0].unit, (*rows)[0].seq);
    }
    for (const Row& row : *rows) complex_.insert(row.unit);
    if (stored.found) complex_.insert(stored.unit);
    // A row naming another unit than the one its id is stored under moves it only
    // when the check allows it.
    if (stored.found && check_) {
      std::vector<Row> kept;
      for (Row& row : *rows) {
        if (row.unit != stored.unit) {
          absl::Status allowed = check_(stored.unit);
          if (absl::IsAborted(allowed)) {  // every unknown unit is asked for
            if (unknown_.ok()) unknown_ = std::move(allowed);
            continue;
          }
          if (!allowed.ok()) {
            out_.refused.push_back({row.line, std::move(allowed)});
            RETURN_IF_ERROR(Delete(import_id_, row.seq));
            continue;
          }
        }
        kept.push_back(std::move(row));
      }
      rows->swap(kept);
    }
    // Nothing is written once a unit is unknown: the caller looks the units up and
    // merges again (this transaction is rolled back).
    if (!unknown_.ok() || rows->empty()) return absl::OkStatus();
    bool differ = false;
    for (const Row& row : *rows) differ = differ || row.body != (*rows)[0].body;
    // Each row meets the data before it: the stored row's, then the rows before it.
    bool exists = stored.found, conflict = false;
    int64_t by = stored.import_id;  // the import that gave the current data
    std::string current;
    if (stored.found) {
      current = stored.body;
      conflict = stored.conflict;
      // An id this import gives with other data conflicts even when its first row is
      // what was stored: the stored data counts as this import's.
      if (differ) by = import_id_;
    }
    const std::string stored_body = current;
    const bool stored_conflict = conflict;
    int winner = -1;  // the row kept, or -1: the stored row stays as it is
    int64_t changed = 0, unchanged = 0;
    for (size_t i = 0; i < rows->size(); ++i) {
      const bool clears = conflict && by != import_id_;  // an earlier import's conflict
      if (exists && (*rows)[i].body == current && !clears) {
        ++unchanged;
        continue;
      }
      ++changed;
      conflict = exists && by == import_id_;
      exists = true;
      current = (*rows)[i].body;
      by = import_id_;
      winner = static_cast<int>(i);
    }
    // Rows that leave the dossier as it is stored, its conflict mark too (the same file
    // again, conflicting rows and all), change nothing: the stored row stays.
    if (stored.found && winner >= 0 && current == stored_body &&
        conflict == stored_conflict) {
      unchanged += changed;
      changed = 0;
      winner = -1;
    }
    out_.changed += changed;
    out_.unchanged += unchanged;
    for (size_t i = 0; i < rows->size(); ++i) {
      if (static_cast<int>(i) != winner)
        RETURN_IF_ERROR(Delete(import_id_, (*rows)[i].seq));
    }
    if (winner < 0) return absl::OkStatus();
    const Row& kept = (*rows)[winner];
    if (conflict) {
      RETURN_IF_ERROR(Stmt(db_,
                           "UPDATE dossier_rows SET conflict = 1 WHERE round_id = ? AND "
                           "import_id = ? AND seq = ?")
                          .Bind(1, round_)
                          .Bind(2, import_id_)
                          .Bind(3, kept.seq)
                          .Run());
    }
    if (stored.found) {
      RETURN_IF_ERROR(Delete(stored.import_id, stored.seq));
      if (stored.unit != kept.unit) out_.units.insert(stored.unit);
    }
    out_.units.insert(kept.unit);
    return PutId(id, kept.unit, kept.seq);
  }

  // Rows are deleted kDeletesAtOnce at a time in the order of their key, not one by
  // one in the ids' order.
  static constexpr size_t kDeletesAtOnce = 100000;
  absl::Status Delete(int64_t import_id, int64_t seq) {
    deletes_.push_back({import_id, seq});
    return deletes_.size() == kDeletesAtOnce ? FlushDeletes() : absl::OkStatus();
  }
  absl::Status FlushDeletes() {
    std::sort(deletes_.begin(), deletes_.end());
    for (const auto& [import_id, seq] : deletes_) {
      RETURN_IF_ERROR(Stmt(db_,
                           "DELETE FROM dossier_rows WHERE round_id = ? AND import_id = "
                           "? AND seq = ?")
                          .Bind(1, round_)
                          .Bind(2, import_id)
                          .Bind(3, seq)
                          .Run());
    }
    deletes_.clear();
    return absl::OkStatus();
  }

  // The order by id: written kRowsPerInsert ids at a time, in the id's order.
  absl::Status PutId(const std::string& id, const std::string& unit, int64_t seq) {
    ids_.push_back({id, unit, seq});
    return ids_.size() == kRowsPerInsert ? FlushIds() : absl::OkStatus();
  }
  absl::Status FlushIds() {
    static const auto* many = new std::string(PutIdsSql(kRowsPerInsert));
    static const auto* one = new std::string(PutIdsSql(1));
    for (size_t at = 0, n = 0; at < ids_.size(); at += n) {
      n = ids_.size() - at == kRowsPerInsert ? kRowsPerInsert : 1;
      Stmt put(db_, n == 1 ? *one : *many);
      RETURN_IF_ERROR(put.status());
      for (size_t i = 0; i < n; ++i) {
        const PendingId& p = ids_[at + i];
        const int k = static_cast<int>(i) * 5;
        put.Bind(k + 1, round_)
            .Bind(k + 2, p.id)
            .Bind(k + 3, p.unit)
            .Bind(k + 4, import_id_)
            .Bind(k + 5, p.seq);
      }
      RETURN_IF_ERROR(put.Run());
    }
    ids_.clear();
    return absl::OkStatus();
  }

  struct PendingId {
    std::string id, unit;
    int64_t seq;
  };
  Conn* db_;
  const std::string round_;
  const int64_t import_id_;
  const StoredUnitCheck& check_;
  std::vector<PendingId> ids_;
  std::vector<std::pair<int64_t, int64_t>> deletes_;  // (import, seq) of rows to delete
  bool all_new_ = false;                              // PutAllIds wrote every id
  // The units of an id stored before or given again: not fresh.
  std::set<std::string> complex_;
  absl::Status unknown_;  // the first unit not looked up yet: ABORTED
  DossierWrite out_;
};

// A stored dossier from a row whose columns, from `at` on, are body, import_id, line
// and conflict.
absl::StatusOr<v1::Dossier> ReadDossier(const Stmt& q, int at) {
  ASSIGN_OR_RETURN(v1::Dossier d, Parse<v1::Dossier>(q.Blob(at), "dossier"));
  d.set_import_id(q.Int(at + 1));
  d.set_line(static_cast<int32_t>(q.Int(at + 2)));
  d.set_conflicting_duplicate(q.Int(at + 3) != 0);
  return d;
}

}  // namespace

absl::Status SqlStore::AppendDossiers(const WriteContext& ctx, absl::string_view round,
                                      int64_t import_id,
                                      std::vector<v1::Dossier> dossiers) {
  if (dossiers.empty()) return absl::OkStatus();
  // The batch grouped by unit, each unit's rows in the file's order: a unit's rows of
  // the batch are numbered one after another, one run (dossier_runs). Each row's id,
  // unit and body are laid out in that order in one buffer, in two passes over the
  // dossiers in the file's order (read in any other order, they cost a cache miss a
  // field). A row's body is its data; where it came from is kept in columns (so that
  // the same data compares equal, byte for byte, whatever file and line gave it).
  struct Group {
    absl::string_view unit;
    size_t rows = 0, bytes = 0;
    size_t next_row = 0, next_byte = 0;  // where its next row goes
  };
  std::vector<Group> groups;
  absl::flat_hash_map<absl::string_view, uint32_t> group_of;
  std::vector<uint32_t> row_group(dossiers.size());
  std::vector<int64_t> lines(dossiers.size());
  for (size_t i = 0; i < dossiers.size(); ++i) {
    v1::Dossier& d = dossiers[i];
    lines[i] = d.line();
    d.clear_line();
    d.clear_import_id();
    d.clear_conflicting_duplicate();
    auto [it, added] =
        group_of.try_emplace(d.unit(), static_cast<uint32_t>(groups.size()));
    if (added) groups.push_back({d.unit()});
    Group& g = groups[it->second];
    row_group[i] = it->second;
    ++g.rows;
    g.bytes += d.id().size() + d.unit().size() + d.ByteSizeLong();
  }
  std::vector<uint32_t> by_code(groups.size());
  for (uint32_t g = 0; g < by_code.size(); ++g) by_code[g] = g;
  std::sort(by_code.begin(), by_code.end(),
            [&](uint32_t a, uint32_t b) { return groups[a].unit < groups[b].unit; });
  size_t total_rows = 0, total_bytes = 0;
  for (uint32_t g : by_code) {
    groups[g].next_row = total_rows;
    groups[g].next_byte = total_bytes;
    total_rows += groups[g].rows;
    total_bytes += groups[g].bytes;
  }
  struct Slot {
    absl::string_view id, unit, body;
    int64_t line;
  };
  std::string bytes(total_bytes, '\0');
  std::vector<Slot> slots(total_rows);
  for (size_t i = 0; i < dossiers.size(); ++i) {
    const v1::Dossier& d = dossiers[i];
    Group& g = groups[row_group[i]];
    char* at = bytes.data() + g.next_byte;
    Slot& slot = slots[g.next_row++];
    std::memcpy(at, d.id().data(), d.id().size());
    slot.id = absl::string_view(at, d.id().size());
    at += d.id().size();
    std::memcpy(at, d.unit().data(), d.unit().size());
    slot.unit = absl::string_view(at, d.unit().size());
    at += d.unit().size();
    char* end = reinterpret_cast<char*>(
        d.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(at)));
    slot.body = absl::string_view(at, static_cast<size_t>(end - at));
    slot.line = lines[i];
    g.next_byte = static_cast<size_t>(end - bytes.data());
  }
  return Submit(
             ctx, "AppendDossiers",
             [&](Tx& tx) -> absl::StatusOr<v1::WriteAck> {
               Stmt count(tx.db(),
                          "UPDATE record_imports SET appended = appended + ? WHERE "
                          "round_id = ? AND number = ? RETURNING appended");
               count.Bind(1, static_cast<int64_t>(slots.size()))
                   .Bind(2, round)
                   .Bind(3, import_id);
               ASSIGN_OR_RETURN(const bool found, count.Step());
               if (!found) {
                 return absl::NotFoundError(
                     absl::StrCat("rounds/", round, "/imports/", import_id));
               }
               const int64_t first =
                   count.Int(0) - static_cast<int64_t>(slots.size()) + 1;
               RETURN_IF_ERROR(count.Run());  // finishes the statement
               static const auto* many = new std::string(AppendSql(kRowsPerInsert));
               static const auto* one = new std::string(AppendSql(1));
               for (size_t at = 0, n = 0; at < slots.size(); at += n) {
                 n = slots.size() - at >= kRowsPerInsert ? kRowsPerInsert : 1;
                 Stmt insert(tx.db(), n == 1 ? *one : *many);
                 RETURN_IF_ERROR(insert.status());
                 for (size_t k = at; k < at + n; ++k) {
                   const Slot& row = slots[k];
                   const int p = static_cast<int>(k - at) * 7;
                   insert.BindKept(p + 1, round)
                       .Bind(p + 2, import_id)
                       .Bind(p + 3, first + static_cast<int64_t>(k))
                       .BindKept(p + 4, row.id)
                       .BindKept(p + 5, row.unit)
                       .Bind(p + 6, row.line)
                       .BindKeptBlob(p + 7, row.body);
                 }
                 RETURN_IF_ERROR(insert.Run());
               }
               int64_t seq = first;
               for (uint32_t g : by_code) {
                 const int64_t n = static_cast<int64_t>(groups[g].rows);
                 RETURN_IF_ERROR(Stmt(tx.db(),
                                      "INSERT INTO dossier_runs (round_id, unit_code, "
                                      "import_id, first_seq, last_seq) VALUES (?, ?, ?, "
                                      "?, ?)")
                                     .Bind(1, round)
                                     .Bind(2, groups[g].unit)
                                     .Bind(3, import_id)
                                     .Bind(4, seq)
                                     .Bind(5, seq + n - 1)
                                     .Run());
                 seq += n;
               }
               return v1::WriteAck();
             })
      .status();
}

absl::StatusOr<DossierWrite> SqlStore::MergeDossiers(const WriteContext& ctx,
                                                     absl::string_view round,
                                                     int64_t import_id,
                                                     const StoredUnitCheck& check) {
  DossierWrite out;
  // Runs on the writer thread while this one waits for it, so `out` may be written.
  RETURN_IF_ERROR(Submit(ctx, "MergeDossiers",
                         [&out, &check, r = std::string(round),
                          import_id](Tx& tx) -> absl::StatusOr<v1::WriteAck> {
                           ASSIGN_OR_RETURN(
                               out, ImportMerge(tx.db(), r, import_id, check).Run());
                           return v1::WriteAck();
                         })
                      .status());
  return out;
}

absl::StatusOr<v1::WriteAck> SqlStore::FinishRecordImport(
    const WriteContext& ctx, const RecordImport& import,
    const std::vector<std::pair<std::string, FormUpdate>>& units, int64_t merged_as) {
  return Submit(
      ctx, "FinishRecordImport",
      [this, import, units, merged_as](Tx& tx) -> absl::StatusOr<v1::WriteAck> {
        if (merged_as > 0) {
          Stmt last(tx.db(), "SELECT MAX(merged) FROM record_imports WHERE round_id = ?");
          last.Bind(1, import.round);
          ASSIGN_OR_RETURN(const bool row, last.Step());
          if (row && last.Int(0) != merged_as) {
            return absl::AbortedError(absl::StrCat(
                "rounds/", import.round,
                ": another import merged since this one; its figures are read again"));
          }
        }
        RETURN_IF_ERROR(
            Stmt(tx.db(),
                 "UPDATE record_imports SET sha256 = ?, finished_at = ?, rows_read = ?, "
                 "rows_refused = ?, rows_changed = ?, rows_unchanged = ?, complete = ? "
                 "WHERE round_id = ? AND number = ?")
                .Bind(1, import.sha256)
                .Bind(2, tx.now())
                .Bind(3, import.rows_read)
                .Bind(4, import.rows_refused)
                .Bind(5, import.rows_changed)
                .Bind(6, import.rows_unchanged)
                .Bind(7, static_cast<int64_t>(import.complete ? 1 : 0))
                .Bind(8, import.round)
                .Bind(9, import.id)
                .Run());
        const std::string after =
            absl::StrCat("{\"file_name\":\"", absl::CEscape(import.file_name),
                         "\",\"format\":\"", import.format, "\",\"sha256\":\"",
                         import.sha256, "\",\"rows_read\":", import.rows_read,
                         ",\"rows_refused\":", import.rows_refused,
                         ",\"rows_changed\":", import.rows_changed,
                         ",\"rows_unchanged\":", import.rows_unchanged,
                         ",\"complete\":", import.complete ? "true" : "false", "}");
        RETURN_IF_ERROR(
            tx.Audit(import.complete ? "records.import" : "records.import_incomplete",
                     ImportName(import), "", after));
        v1::WriteAck all;
        for (const auto& [unit, update] : units) {
          ASSIGN_OR_RETURN(v1::WriteAck ack, WriteForm(tx, import.round, unit, update));
          for (int64_t v : ack.versions()) all.add_versions(v);
        }
        all.set_id(absl::StrCat(import.id));
        return all;
      });
}

namespace {

// A unit's rows, run by run, of the imports merged (the rows of a run are all the unit's
// when written; the unit is compared again all the same).
constexpr char kUnitRowsSql[] =
    "FROM dossier_runs n JOIN dossier_rows r ON r.round_id = n.round_id AND r.import_id "
    "= n.import_id AND r.seq BETWEEN n.first_seq AND n.last_seq WHERE n.round_id = ?1 "
    "AND n.unit_code = ?2 AND r.unit_code = ?2 AND n.import_id NOT IN (SELECT number "
    "FROM record_imports WHERE round_id = ?1 AND merged = 0)";

}  // namespace

absl::StatusOr<std::vector<v1::Dossier>> SqlStore::ListDossiers(absl::string_view round,
                                                                absl::string_view unit) {
  return Read<std::vector<v1::Dossier>>(
      [&](Conn* db) -> absl::StatusOr<std::vector<v1::Dossier>> {
        Stmt q(db, absl::StrCat("SELECT r.body, r.import_id, r.line, r.conflict ",
                                kUnitRowsSql));
        q.Bind(1, round).Bind(2, unit);
        std::vector<v1::Dossier> out;
        while (true) {
          ASSIGN_OR_RETURN(bool row, q.Step());
          if (!row) break;
          ASSIGN_OR_RETURN(v1::Dossier d, ReadDossier(q, 0));
          out.push_back(std::move(d));
        }
        std::sort(out.begin(), out.end(), [](const v1::Dossier& a, const v1::Dossier& b) {
          return a.id() < b.id();
        });
        return out;
      });
}

absl::Status SqlStore::ScanDossiers(absl::string_view round, const DossierVisitor& each) {
  // PostgreSQL's client library takes a statement's whole result at once: there the
  // round is read unit by unit, so that what is held is a unit's dossiers.
  if (dialect_ == Dialect::kPostgres) {
    ASSIGN_OR_RETURN(std::vector<std::string> units, ListDossierUnits(round));
    for (const std::string& unit : units) {
      ASSIGN_OR_RETURN(std::vector<v1::Dossier> dossiers, ListDossiers(round, unit));
      for (const v1::Dossier& d : dossiers) each(unit, d);
    }
    return absl::OkStatus();
  }
  return Read<bool>([&](Conn* db) -> absl::StatusOr<bool> {
           // The rows of an import not merged yet are left out: they are not the round's.
           Stmt q(db,
                  "SELECT unit_code, body, import_id, line, conflict FROM dossier_rows "
                  "WHERE round_id = ?1 AND import_id NOT IN (SELECT number FROM "
                  "record_imports WHERE round_id = ?1 AND merged = 0)");
           q.Bind(1, round);
           while (true) {
             ASSIGN_OR_RETURN(bool row, q.Step());
             if (!row) break;
             ASSIGN_OR_RETURN(const v1::Dossier d, ReadDossier(q, 1));
             each(q.Text(0), d);
           }
           return true;
         })
      .status();
}

absl::StatusOr<std::vector<std::string>> SqlStore::ListDossierUnits(
    absl::string_view round) {
  return Read<std::vector<std::string>>(
      [&](Conn* db) -> absl::StatusOr<std::vector<std::string>> {
        // A unit whose rows all went (its dossiers moved to another) is left out.
        Stmt q(db,
               absl::StrCat(kRunUnitsSql,
                            "SELECT code FROM u WHERE code IS NOT NULL AND EXISTS "
                            "(SELECT 1 ",
                            absl::StrReplaceAll(kUnitRowsSql, {{"?2", "u.code"}}), ")"));
        q.Bind(1, round);
        std::vector<std::string> out;
        while (true) {
          ASSIGN_OR_RETURN(bool row, q.Step());
          if (!row) break;
          out.push_back(q.Text(0));
        }
        return out;
      });
}

absl::StatusOr<std::map<std::string, std::string>> SqlStore::StoredDossierUnits(
    absl::string_view round, const std::vector<std::string>& ids) {
  return Read<std::map<std::string, std::string>>(
      [&](Conn* db) -> absl::StatusOr<std::map<std::string, std::string>> {
        Stmt q(db,
               "SELECT unit_code FROM dossiers WHERE round_id = ? AND dossier_id = ?");
        std::map<std::string, std::string> out;
        for (const std::string& id : ids) {
          q.Reset();
          q.Bind(1, round);
          q.Bind(2, id);
          ASSIGN_OR_RETURN(bool row, q.Step());
          if (row) out[id] = q.Text(0);
        }
        return out;
      });
}

absl::StatusOr<std::vector<RecordImport>> SqlStore::ListRecordImports(
    absl::string_view round) {
  return Read<std::vector<RecordImport>>(
      [&](Conn* db) -> absl::StatusOr<std::vector<RecordImport>> {
        Stmt q(db,
               "SELECT number, round_id, file_name, format, sha256, scope, actor, "
               "started_at, finished_at, rows_read, rows_refused, rows_changed, "
               "rows_unchanged, complete FROM record_imports WHERE round_id = ? "
               "ORDER BY number");
        q.Bind(1, round);
        std::vector<RecordImport> out;
        while (true) {
          ASSIGN_OR_RETURN(bool row, q.Step());
          if (!row) break;
          out.push_back(ReadImport(q));
        }
        return out;
      });
}

// ---- plan tasks ----

namespace {

std::string TaskName(absl::string_view round, absl::string_view plan, int64_t number) {
  return absl::StrCat("rounds/", round, "/plans/", plan, "/tasks/", number);
}

// The assignments of one task, by unit.
absl::StatusOr<std::map<std::string, v1::TaskAssignment>> ReadTaskAssignments(
    Conn* db, const std::string& round, const std::string& plan, int64_t number) {
  Stmt q(db,
         "SELECT unit_code, version, body FROM task_assignments WHERE round_id = ? AND "
         "plan_id = ? AND task_no = ?");
  q.Bind(1, round).Bind(2, plan).Bind(3, number);
  std::map<std::string, v1::TaskAssignment> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(v1::TaskAssignment a,
                     Parse<v1::TaskAssignment>(q.Blob(2), "task assignment"));
    a.set_version(q.Int(1));
    out[q.Text(0)] = std::move(a);
  }
  return out;
}

absl::Status WriteTaskAssignment(Conn* db, const std::string& round,
                                 const std::string& plan, int64_t number,
                                 const v1::TaskAssignment& a, bool exists) {
  v1::TaskAssignment body = a;
  body.clear_version();
  if (exists) {
    return Stmt(db,
                "UPDATE task_assignments SET version = ?, body = ? WHERE round_id = ? "
                "AND plan_id = ? AND task_no = ? AND unit_code = ?")
        .Bind(1, a.version())
        .BindBlob(2, body.SerializeAsString())
        .Bind(3, round)
        .Bind(4, plan)
        .Bind(5, number)
        .Bind(6, a.unit())
        .Run();
  }
  return Stmt(db,
              "INSERT INTO task_assignments (round_id, plan_id, task_no, unit_code, "
              "version, body) VALUES (?, ?, ?, ?, ?, ?)")
      .Bind(1, round)
      .Bind(2, plan)
      .Bind(3, number)
      .Bind(4, a.unit())
      .Bind(5, a.version())
      .BindBlob(6, body.SerializeAsString())
      .Run();
}

// The units of a task's assignments with their roles, as the audit trail keeps them.
std::string AssignedJson(const std::map<std::string, v1::TaskAssignment>& by_unit) {
  std::vector<std::string> parts;
  for (const auto& [unit, a] : by_unit) {
    parts.push_back(AssignedUnitJson(unit, v1::TaskRole_Name(a.role())));
  }
  return AssignedListJson(parts);
}

}  // namespace

absl::StatusOr<v1::WriteAck> SqlStore::AssignTask(
    const WriteContext& ctx, absl::string_view round, absl::string_view plan,
    int64_t number, const std::vector<v1::TaskAssignment>& assignments,
    const std::vector<std::pair<std::string, FormUpdate>>& forms) {
  return Submit(
      ctx, "AssignTask",
      [this, r = std::string(round), p = std::string(plan), number, assignments,
       forms](Tx& tx) -> absl::StatusOr<v1::WriteAck> {
        ASSIGN_OR_RETURN(auto before, ReadTaskAssignments(tx.db(), r, p, number));
        std::map<std::string, v1::TaskAssignment> after;
        v1::WriteAck ack;
        for (const v1::TaskAssignment& given : assignments) {
          auto it = before.find(given.unit());
          const bool exists = it != before.end();
          v1::TaskAssignment a = exists ? it->second : v1::TaskAssignment();
          if (!exists) {
            a.set_task(TaskName(r, p, number));
            a.set_unit(given.unit());
            a.set_state(v1::TASK_NOT_STARTED);
          }
          if (!exists || a.role() != given.role()) {
            a.set_role(given.role());
            a.set_version(a.version() + 1);
            a.set_updated_at(tx.now());
            a.set_updated_by(tx.ctx().actor.id);
            RETURN_IF_ERROR(WriteTaskAssignment(tx.db(), r, p, number, a, exists));
          }
          ack.add_versions(a.version());
          after[a.unit()] = a;
        }
        for (const auto& [unit, a] : before) {
          if (after.count(unit) > 0) continue;
          if (a.state() != v1::TASK_NOT_STARTED &&
              a.state() != v1::TASK_STATE_UNSPECIFIED) {
            return absl::FailedPreconditionError(absl::StrCat(
                "units: unit ", unit, " has reported progress on ",
                TaskName(r, p, number), " (", v1::TaskState_Name(a.state()),
                "); it stays assigned (give it again, as coordinating if it no longer "
                "leads)"));
          }
          RETURN_IF_ERROR(Stmt(tx.db(),
                               "DELETE FROM task_assignments WHERE round_id = ? AND "
                               "plan_id = ? AND task_no = ? AND unit_code = ?")
                              .Bind(1, r)
                              .Bind(2, p)
                              .Bind(3, number)
                              .Bind(4, unit)
                              .Run());
        }
        RETURN_IF_ERROR(tx.Audit("task.assign", TaskName(r, p, number),
                                 AssignedJson(before), AssignedJson(after)));
        for (const auto& [unit, update] : forms) {
          RETURN_IF_ERROR(WriteForm(tx, r, unit, update).status());
        }
        return ack;
      });
}

absl::StatusOr<v1::WriteAck> SqlStore::UpdateTaskProgress(
    const WriteContext& ctx, absl::string_view round, absl::string_view plan,
    int64_t number, const v1::TaskAssignment& progress, int64_t expected_version,
    const FormUpdate& form) {
  return Submit(ctx, "UpdateTaskProgress",
                [this, r = std::string(round), p = std::string(plan), number, progress,
                 expected_version, form](Tx& tx) -> absl::StatusOr<v1::WriteAck> {
                  ASSIGN_OR_RETURN(auto all, ReadTaskAssignments(tx.db(), r, p, number));
                  const std::string name = TaskName(r, p, number);
                  auto it = all.find(progress.unit());
                  if (it == all.end()) {
                    return absl::NotFoundError(
                        absl::StrCat(name, " is not assigned to unit ", progress.unit()));
                  }
                  const v1::TaskAssignment before = it->second;
                  if (before.version() != expected_version) {
                    return Stale(absl::StrCat(name, "/units/", progress.unit()),
                                 before.version(), expected_version);
                  }
                  v1::TaskAssignment a = before;
                  a.set_state(progress.state());
                  *a.mutable_done_on() = progress.done_on();
                  if (!progress.has_done_on()) a.clear_done_on();
                  a.set_note(progress.note());
                  a.set_evidence(progress.evidence());
                  a.set_version(before.version() + 1);
                  a.set_updated_at(tx.now());
                  a.set_updated_by(tx.ctx().actor.id);
                  RETURN_IF_ERROR(WriteTaskAssignment(tx.db(), r, p, number, a, true));
                  RETURN_IF_ERROR(tx.Audit("task.progress",
                                           absl::StrCat(name, "/units/", progress.unit()),
                                           Json(before), Json(a)));
                  if (!form.values.empty() || !form.entries.empty()) {
                    RETURN_IF_ERROR(WriteForm(tx, r, progress.unit(), form).status());
                  }
                  v1::WriteAck ack;
                  ack.set_version(a.version());
                  return ack;
                });
}

absl::StatusOr<std::vector<v1::TaskAssignment>> SqlStore::ListTaskAssignments(
    absl::string_view round, absl::string_view unit) {
  return Read<std::vector<v1::TaskAssignment>>(
      [&](Conn* db) -> absl::StatusOr<std::vector<v1::TaskAssignment>> {
        Stmt q(db, unit.empty()
                       ? "SELECT version, body FROM task_assignments WHERE round_id = ? "
                         "ORDER BY plan_id, task_no, unit_code"
                       : "SELECT version, body FROM task_assignments WHERE round_id = ? "
                         "AND unit_code = ? ORDER BY plan_id, task_no, unit_code");
        q.Bind(1, round);
        if (!unit.empty()) q.Bind(2, unit);
        std::vector<v1::TaskAssignment> out;
        while (true) {
          ASSIGN_OR_RETURN(bool row, q.Step());
          if (!row) break;
          ASSIGN_OR_RETURN(v1::TaskAssignment a,
                           Parse<v1::TaskAssignment>(q.Blob(1), "task assignment"));
          a.set_version(q.Int(0));
          out.push_back(std::move(a));
        }
        return out;
      });
}

}  // namespace parindex::store
