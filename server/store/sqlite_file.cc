// A SQLite file: its connections (pragmas, quick_check, WAL), its lock file, backup
// and restore with SQLite's online backup API.
#include "server/store/sqlite_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/store/sqlite_conn.h"

namespace parindex::store {
namespace {

constexpr int kBusyTimeoutMs = 10000;

// Opens one connection with the project's pragmas.
absl::StatusOr<sqlite3*> OpenConnection(const std::string& path, const std::string& vfs,
                                        bool create) {
  sqlite3* db = nullptr;
  const int flags =
      SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db, flags, vfs.empty() ? nullptr : vfs.c_str());
  if (rc != SQLITE_OK) {
    absl::Status status = SqliteError(db, rc, absl::StrCat("opening ", path));
    sqlite3_close(db);
    return status;
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  sqlite3_extended_result_codes(db, 1);
  absl::Status status = Exec(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;");
  if (!status.ok()) {
    sqlite3_close(db);
    return status;
  }
  return db;
}

// PRAGMA quick_check, as a clear error when the file is damaged.
absl::Status QuickCheck(sqlite3* db, const std::string& path) {
  SqliteConn conn(db, /*owned=*/false);
  Stmt check(&conn, "PRAGMA quick_check");
  std::string problems;
  while (true) {
    absl::StatusOr<bool> row = check.Step();
    if (!row.ok()) {
      return absl::DataLossError(absl::StrCat("database ", path, " is damaged (",
                                              row.status().message(),
                                              "); restore it from a backup with "
                                              "`parindex-server restore`"));
    }
    if (!*row) break;
    if (check.Text(0) != "ok")
      absl::StrAppend(&problems, problems.empty() ? "" : "; ", check.Text(0));
  }
  if (!problems.empty()) {
    return absl::DataLossError(absl::StrCat("database ", path, " is damaged (", problems,
                                            "); restore it from a backup with "
                                            "`parindex-server restore`"));
  }
  return absl::OkStatus();
}

absl::Status CopyDatabase(sqlite3* from, sqlite3* to, const std::string& what) {
  sqlite3_backup* backup = sqlite3_backup_init(to, "main", from, "main");
  if (backup == nullptr) return SqliteError(to, sqlite3_errcode(to), what);
  int rc = SQLITE_OK;
  do {
    rc = sqlite3_backup_step(backup,
                             -1);  // all pages in one step: one consistent snapshot
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(20);
  } while (rc == SQLITE_BUSY || rc == SQLITE_LOCKED || rc == SQLITE_OK);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return SqliteError(to, rc, what);
  return absl::OkStatus();
}

bool FileExists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

}  // namespace

absl::StatusOr<int> LockSqliteFile(const std::string& path) {
  const std::string lock_path = path + ".lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot open ", lock_path, ": ", std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat("database ", path, " is in use by another parindex-server (",
                     lock_path, " is locked)"));
  }
  return fd;
}

absl::StatusOr<std::unique_ptr<Conn>> OpenSqliteWriter(const std::string& path,
                                                       const std::string& vfs,
                                                       int cache_mib) {
  ASSIGN_OR_RETURN(sqlite3 * db, OpenConnection(path, vfs, /*create=*/true));
  auto conn = std::make_unique<SqliteConn>(db, /*owned=*/true);
  RETURN_IF_ERROR(QuickCheck(db, path));
  RETURN_IF_ERROR(Exec(db, "PRAGMA journal_mode = WAL"));
  RETURN_IF_ERROR(
      Exec(db, absl::StrCat("PRAGMA cache_size = -", int64_t{cache_mib} * 1024)));
  // The sorter of an import's merge (bench/README) sorts on a second thread.
  RETURN_IF_ERROR(Exec(db, "PRAGMA threads = 2"));
  return conn;
}

absl::StatusOr<std::unique_ptr<Conn>> OpenSqliteReader(const std::string& path,
                                                       const std::string& vfs) {
  ASSIGN_OR_RETURN(sqlite3 * db, OpenConnection(path, vfs, /*create=*/false));
  auto conn = std::make_unique<SqliteConn>(db, /*owned=*/true);
  RETURN_IF_ERROR(Exec(db, "PRAGMA query_only = ON"));
  return conn;
}

absl::StatusOr<std::unique_ptr<SqliteCheckpointer>> SqliteCheckpointer::Start(
    Conn* writer, const std::string& path, const std::string& vfs, int pages) {
  ASSIGN_OR_RETURN(sqlite3 * own, OpenConnection(path, vfs, /*create=*/false));
  sqlite3* db = static_cast<SqliteConn*>(writer)->db();
  std::unique_ptr<SqliteCheckpointer> checkpointer(
      new SqliteCheckpointer(db, own, pages));
  checkpointer->thread_ = std::thread([self = checkpointer.get()] { self->Loop(); });
  sqlite3_wal_hook(db, &SqliteCheckpointer::OnWal, checkpointer.get());
  return checkpointer;
}

SqliteCheckpointer::~SqliteCheckpointer() {
  sqlite3_wal_autocheckpoint(writer_, 1000);  // SQLite's own again (removes the hook)
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  sqlite3_close(own_);
}

int SqliteCheckpointer::OnWal(void* self, sqlite3* db, const char* name, int pages) {
  auto* checkpointer = static_cast<SqliteCheckpointer*>(self);
  if (pages >= 4 * checkpointer->pages_) {
    // The checkpointer has fallen behind (or readers kept it from finishing): this
    // commit copies what it can, as SQLite's own autocheckpoint would.
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (pages >= checkpointer->pages_) {
    std::lock_guard<std::mutex> lock(checkpointer->mu_);
    checkpointer->due_ = true;
    checkpointer->cv_.notify_one();
  }
  return SQLITE_OK;
}

void SqliteCheckpointer::Loop() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return due_ || stop_; });
      if (stop_) return;
      due_ = false;
    }
    // A failed checkpoint leaves the frames in the WAL for the next one.
    sqlite3_wal_checkpoint_v2(own_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }
}

absl::Status BackupSqlite(const std::string& db, const std::string& to) {
  if (!FileExists(db)) return absl::NotFoundError(absl::StrCat(db, ": no such database"));
  if (FileExists(to)) {
    return absl::AlreadyExistsError(absl::StrCat(to, " exists; back up to a new file"));
  }
  sqlite3* source = nullptr;
  sqlite3* target = nullptr;
  absl::Status status;
  if (sqlite3_open_v2(db.c_str(), &source, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    status = SqliteError(source, sqlite3_errcode(source), absl::StrCat("opening ", db));
  } else if (sqlite3_open_v2(to.c_str(), &target,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                             nullptr) != SQLITE_OK) {
    status = SqliteError(target, sqlite3_errcode(target), absl::StrCat("creating ", to));
  } else {
    sqlite3_busy_timeout(source, kBusyTimeoutMs);
    status = CopyDatabase(source, target, absl::StrCat("backing up ", db, " to ", to));
    if (status.ok()) status = QuickCheck(target, to);
  }
  sqlite3_close(source);
  sqlite3_close(target);
  if (!status.ok()) ::unlink(to.c_str());
  return status;
}

absl::Status RestoreSqlite(const std::string& from, const std::string& db) {
  if (!FileExists(from))
    return absl::NotFoundError(absl::StrCat(from, ": no such backup"));
  const std::string lock_path = db + ".lock";
  const int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) return absl::UnavailableError(absl::StrCat("cannot open ", lock_path));
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd);
    return absl::FailedPreconditionError(absl::StrCat(
        db, " is in use by a running parindex-server; stop it before restoring"));
  }
  sqlite3* source = nullptr;
  sqlite3* target = nullptr;
  absl::Status status;
  if (sqlite3_open_v2(from.c_str(), &source, SQLITE_OPEN_READONLY, nullptr) !=
      SQLITE_OK) {
    status = SqliteError(source, sqlite3_errcode(source), absl::StrCat("opening ", from));
  } else {
    SqliteConn conn(source, /*owned=*/false);
    Stmt check(&conn, "PRAGMA integrity_check");
    absl::StatusOr<bool> row = check.Step();
    if (!row.ok() || !*row || check.Text(0) != "ok") {
      status = absl::DataLossError(
          absl::StrCat(from, " fails its integrity check; not restored"));
    } else if (sqlite3_open_v2(db.c_str(), &target,
                               SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                               nullptr) != SQLITE_OK) {
      status = SqliteError(target, sqlite3_errcode(target), absl::StrCat("opening ", db));
    } else {
      status =
          CopyDatabase(source, target, absl::StrCat("restoring ", from, " into ", db));
    }
  }
  sqlite3_close(source);
  sqlite3_close(target);
  ::close(lock_fd);
  return status;
}

}  // namespace parindex::store
