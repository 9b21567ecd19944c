// Schema migrations. Append new steps; never edit a released one.
#include "server/store/schema.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "server/store/data_sheet_upgrade.h"
#include "server/store/sqlite_conn.h"

namespace parindex::store {
namespace {

// One step: its SQL, then, when the data must be rewritten in ways SQL cannot say
// (protos inside `body`), a conversion in the same transaction.
struct Step {
  const char* sql;
  absl::Status (*convert)(Conn* db, Upgrade* upgrade);
};

// Protos are stored whole in `body`; key columns exist for lookups, joins and
// constraints, so a new proto field needs no migration.
const std::vector<Step>& Steps() {
  static const auto* steps = new std::vector<Step>{
      // 1: the first schema.
      {R"sql(
CREATE TABLE criteria_sets (
  id TEXT NOT NULL, version INTEGER NOT NULL, body BLOB NOT NULL, created_at TEXT NOT NULL,
  PRIMARY KEY (id, version)) STRICT;
CREATE TABLE plans (
  id TEXT PRIMARY KEY, version INTEGER NOT NULL, body BLOB NOT NULL,
  updated_at TEXT NOT NULL) STRICT;
CREATE TABLE units (
  code TEXT PRIMARY KEY, version INTEGER NOT NULL, body BLOB NOT NULL,
  updated_at TEXT NOT NULL) STRICT;
CREATE TABLE tokens (
  id TEXT PRIMARY KEY, secret_sha256 TEXT NOT NULL UNIQUE, role INTEGER NOT NULL,
  unit TEXT REFERENCES units(code), body BLOB NOT NULL, revoked_at TEXT) STRICT;
CREATE TABLE rounds (
  id TEXT PRIMARY KEY, version INTEGER NOT NULL, criteria_set TEXT NOT NULL,
  criteria_set_version INTEGER NOT NULL, body BLOB NOT NULL,
  FOREIGN KEY (criteria_set, criteria_set_version) REFERENCES criteria_sets(id, version)) STRICT;
CREATE TABLE assessments (
  round_id TEXT NOT NULL REFERENCES rounds(id), unit_code TEXT NOT NULL REFERENCES units(code),
  state INTEGER NOT NULL, version INTEGER NOT NULL, reopened INTEGER NOT NULL,
  updated_at TEXT NOT NULL, PRIMARY KEY (round_id, unit_code)) STRICT;
CREATE TABLE entries ({ROW_ORDER_COLUMN}
  round_id TEXT NOT NULL, unit_code TEXT NOT NULL, criterion TEXT NOT NULL,
  version INTEGER NOT NULL, body BLOB NOT NULL, updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL, PRIMARY KEY (round_id, unit_code, criterion),
  FOREIGN KEY (round_id, unit_code) REFERENCES assessments(round_id, unit_code)) STRICT;
CREATE TABLE evidence (
  id INTEGER PRIMARY KEY, round_id TEXT NOT NULL, unit_code TEXT NOT NULL,
  criterion TEXT NOT NULL, meta BLOB NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
  content BLOB NOT NULL, created_at TEXT NOT NULL,
  FOREIGN KEY (round_id, unit_code) REFERENCES assessments(round_id, unit_code)) STRICT;
CREATE TABLE audit (
  id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL,
  actor_unit TEXT NOT NULL, action TEXT NOT NULL, resource TEXT NOT NULL,
  before TEXT NOT NULL, after TEXT NOT NULL, reason TEXT NOT NULL,
  request_id TEXT NOT NULL) STRICT;
CREATE INDEX audit_by_resource ON audit(resource, id);
CREATE TABLE requests (
  request_id TEXT PRIMARY KEY, method TEXT NOT NULL, response BLOB NOT NULL,
  created_at TEXT NOT NULL) STRICT;
)sql",
       nullptr},
      // 2: audit by actor (AuditService filters by who) and evidence by criterion.
      {R"sql(
CREATE INDEX audit_by_actor ON audit(actor, id);
CREATE INDEX evidence_by_criterion ON evidence(round_id, unit_code, criterion);
)sql",
       nullptr},
      // 3: request ids belong to (actor, method, resource) and are bound to the
      // request's digest; the answer is kept byte for byte. Ids recorded before this
      // step had neither and are forgotten (they live 7 days anyway).
      {R"sql(
DROP TABLE requests;
CREATE TABLE requests (
  actor TEXT NOT NULL, method TEXT NOT NULL, resource TEXT NOT NULL,
  request_id TEXT NOT NULL, digest TEXT NOT NULL, ack BLOB NOT NULL,
  response BLOB NOT NULL, created_at TEXT NOT NULL,
  PRIMARY KEY (actor, method, resource, request_id)) STRICT;
CREATE INDEX requests_by_age ON requests(created_at);
)sql",
       nullptr},
      // 4: a finalised round keeps the units and plans it was scored with, so that a
      // later change to a unit or a plan never moves published results; a form's size
      // (its entries and file details) is kept on its assessment, so that a write need
      // not sum it.
      {R"sql(
CREATE TABLE round_inputs (
  round_id TEXT NOT NULL REFERENCES rounds(id), kind TEXT NOT NULL, key TEXT NOT NULL,
  body BLOB NOT NULL, PRIMARY KEY (round_id, kind, key)) STRICT;
ALTER TABLE assessments ADD COLUMN form_bytes INTEGER NOT NULL DEFAULT 0;
UPDATE assessments SET form_bytes =
  (SELECT COALESCE(SUM(length(body)), 0) FROM entries e
   WHERE e.round_id = assessments.round_id AND e.unit_code = assessments.unit_code) +
  (SELECT COALESCE(SUM(length(meta)), 0) FROM evidence v
   WHERE v.round_id = assessments.round_id AND v.unit_code = assessments.unit_code);
)sql",
       nullptr},
      // 5: data sheets: each figure is typed once, as a value of its data element, in
      // `data_values` (body: a v1::DataValue); the copies that entries held move there
      // (data_sheet_upgrade.h), and a form's size counts its values.
      {R"sql(
CREATE TABLE data_values (
  round_id TEXT NOT NULL, unit_code TEXT NOT NULL, element TEXT NOT NULL,
  version INTEGER NOT NULL, body BLOB NOT NULL, updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL, PRIMARY KEY (round_id, unit_code, element),
  FOREIGN KEY (round_id, unit_code) REFERENCES assessments(round_id, unit_code)) STRICT;
)sql",
       &MoveFiguresToDataSheets},
      // 6: people sign in: accounts (password_hash: argon2id, never the password),
      // sessions (by the SHA-256 of their id; Unix seconds of the server's clock),
      // failed sign-ins and locks by username (known or not), and the person's name on
      // the audit rows they cause.
      {R"sql(
CREATE TABLE accounts (
  id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
  body BLOB NOT NULL) STRICT;
CREATE TABLE sessions (
  id_sha256 TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id),
  created INTEGER NOT NULL, seen INTEGER NOT NULL, ended INTEGER) STRICT;
CREATE INDEX sessions_by_account ON sessions(account_id);
CREATE TABLE sign_in_failures (username TEXT NOT NULL, at INTEGER NOT NULL) STRICT;
CREATE INDEX sign_in_failures_by_username ON sign_in_failures(username, at);
CREATE TABLE sign_in_locks (username TEXT PRIMARY KEY, until INTEGER NOT NULL) STRICT;
ALTER TABLE audit ADD COLUMN actor_name TEXT NOT NULL DEFAULT '';
)sql",
       nullptr},
      // 7: failed sign-ins and locks by the client's address as well (one address
      // trying many usernames).
      {R"sql(
CREATE TABLE sign_in_address_failures (address TEXT NOT NULL, at INTEGER NOT NULL) STRICT;
CREATE INDEX sign_in_address_failures_by_address ON sign_in_address_failures(address, at);
CREATE TABLE sign_in_address_locks (address TEXT PRIMARY KEY, until INTEGER NOT NULL) STRICT;
)sql",
       nullptr},
      // 8: dossier records (README: "Dossier records"). A dossier is kept by (round,
      // id) with its data as a v1::Dossier in `body` (without the import's stamps, so
      // that the same data compares equal); moved_from holds the unit it was stored
      // under before an import moved it, until that import has recomputed both.
      {R"sql(
CREATE TABLE record_imports (
  id INTEGER PRIMARY KEY, round_id TEXT NOT NULL REFERENCES rounds(id),
  file_name TEXT NOT NULL, format TEXT NOT NULL, sha256 TEXT NOT NULL,
  scope TEXT NOT NULL, actor TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
  rows_read INTEGER NOT NULL, rows_refused INTEGER NOT NULL,
  rows_changed INTEGER NOT NULL, rows_unchanged INTEGER NOT NULL,
  complete INTEGER NOT NULL) STRICT;
CREATE TABLE dossiers (
  round_id TEXT NOT NULL, dossier_id TEXT NOT NULL, unit_code TEXT NOT NULL,
  import_id INTEGER NOT NULL, line INTEGER NOT NULL, conflict INTEGER NOT NULL,
  moved_from TEXT, body BLOB NOT NULL,
  PRIMARY KEY (round_id, dossier_id)) STRICT, WITHOUT ROWID;
CREATE INDEX dossiers_by_unit ON dossiers(round_id, unit_code);
CREATE INDEX dossiers_moved ON dossiers(round_id) WHERE moved_from IS NOT NULL;
)sql",
       nullptr},
      // 9: imports numbered per round (import #1 of each round); dossiers kept in the
      // order of their unit (a unit's records are one range of the table: computing a
      // unit's figures reads them in one pass), each id once per round.
      {R"sql(
ALTER TABLE record_imports ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
UPDATE record_imports SET number = id;
CREATE UNIQUE INDEX record_imports_by_number ON record_imports(round_id, number);
CREATE TABLE dossiers_9 (
  round_id TEXT NOT NULL, unit_code TEXT NOT NULL, dossier_id TEXT NOT NULL,
  import_id INTEGER NOT NULL, line INTEGER NOT NULL, conflict INTEGER NOT NULL,
  moved_from TEXT, body BLOB NOT NULL,
  PRIMARY KEY (round_id, unit_code, dossier_id)) STRICT, WITHOUT ROWID;
INSERT INTO dossiers_9 SELECT round_id, unit_code, dossier_id, import_id, line, conflict,
  moved_from, body FROM dossiers;
DROP TABLE dossiers;
ALTER TABLE dossiers_9 RENAME TO dossiers;
CREATE UNIQUE INDEX dossiers_by_id ON dossiers(round_id, dossier_id);
CREATE INDEX dossiers_moved ON dossiers(round_id) WHERE moved_from IS NOT NULL;
)sql",
       nullptr},
      // 10: plan tasks assigned to units, with their progress (README: "Plan tasks"):
      // one row per (round, plan, task number, unit), the v1::TaskAssignment in `body`.
      {R"sql(
CREATE TABLE task_assignments (
  round_id TEXT NOT NULL, plan_id TEXT NOT NULL, task_no INTEGER NOT NULL,
  unit_code TEXT NOT NULL, version INTEGER NOT NULL, body BLOB NOT NULL,
  PRIMARY KEY (round_id, plan_id, task_no, unit_code),
  FOREIGN KEY (round_id, unit_code) REFERENCES assessments(round_id, unit_code)) STRICT;
CREATE INDEX task_assignments_by_unit ON task_assignments(round_id, unit_code);
)sql",
       nullptr},
      // 11: the forms' changes of state, indexed apart from the rest of the trail: a
      // read of every form of a round finds each unit's submission (AttachSubmissions)
      // among those instead of reading its whole trail (a national round: 285k events).
      {R"sql(
CREATE INDEX audit_states ON audit(resource, id) WHERE action = 'assessment.state';
)sql",
       nullptr},
      // 12: dossiers kept in the order they were imported (README: "How an import is
      // stored"). An import appends its rows to `dossier_rows`, numbered by `seq`
      // within the import; at its end one merge decides which row each id keeps and
      // writes the two orders by which rows are found, each in its own order:
      // `dossiers` by id (the unit and the row an id is stored as) and
      // `dossiers_by_unit` (a unit's ids and their rows). An import whose rows are
      // appended but not merged yet (merged = 0) is not read. bench/README: a B-tree
      // kept in the unit's order was written at 3,321 places in every batch.
      {R"sql(
ALTER TABLE record_imports ADD COLUMN merged INTEGER NOT NULL DEFAULT 1;
CREATE TABLE dossier_rows (
  round_id TEXT NOT NULL, import_id INTEGER NOT NULL, seq INTEGER NOT NULL,
  dossier_id TEXT NOT NULL, unit_code TEXT NOT NULL, line INTEGER NOT NULL,
  conflict INTEGER NOT NULL, body BLOB NOT NULL,
  PRIMARY KEY (round_id, import_id, seq)) STRICT, WITHOUT ROWID;
INSERT INTO dossier_rows (round_id, import_id, seq, dossier_id, unit_code, line, conflict,
  body)
  SELECT round_id, import_id, ROW_NUMBER() OVER (PARTITION BY round_id, import_id
    ORDER BY line, dossier_id), dossier_id, unit_code, line, conflict, body
  FROM dossiers;
CREATE TABLE dossiers_by_unit (
  round_id TEXT NOT NULL, unit_code TEXT NOT NULL, dossier_id TEXT NOT NULL,
  import_id INTEGER NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY (round_id, unit_code, dossier_id)) STRICT, WITHOUT ROWID;
INSERT INTO dossiers_by_unit (round_id, unit_code, dossier_id, import_id, seq)
  SELECT round_id, unit_code, dossier_id, import_id, seq FROM dossier_rows
  ORDER BY round_id, unit_code, dossier_id;
CREATE TABLE dossiers_12 (
  round_id TEXT NOT NULL, dossier_id TEXT NOT NULL, unit_code TEXT NOT NULL,
  import_id INTEGER NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY (round_id, dossier_id)) STRICT, WITHOUT ROWID;
INSERT INTO dossiers_12 (round_id, dossier_id, unit_code, import_id, seq)
  SELECT round_id, dossier_id, unit_code, import_id, seq FROM dossier_rows
  ORDER BY round_id, dossier_id;
DROP TABLE dossiers;
ALTER TABLE dossiers_12 RENAME TO dossiers;
)sql",
       nullptr},
      // 13: a unit's rows found by runs instead of a row per id (README: "How an
      // import is stored"). Each batch an import appends is grouped by unit, so that a
      // unit's rows of the batch are one run of seq; `dossier_runs` names each run
      // (first_seq..last_seq of one import), written with the batch. The order by unit
      // (`dossiers_by_unit`), written by one sort of every row at the merge, is gone.
      // The rows kept from before are put in runs of consecutive seq. `appended` counts
      // the rows an import appended, so that a seq is never given twice (a run's key),
      // even after the merge deleted the last rows.
      {R"sql(
ALTER TABLE record_imports ADD COLUMN appended INTEGER NOT NULL DEFAULT 0;
UPDATE record_imports SET appended = COALESCE((SELECT MAX(seq) FROM dossier_rows r
  WHERE r.round_id = record_imports.round_id AND r.import_id = record_imports.number), 0);
CREATE TABLE dossier_runs (
  round_id TEXT NOT NULL, unit_code TEXT NOT NULL, import_id INTEGER NOT NULL,
  first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL,
  PRIMARY KEY (round_id, unit_code, import_id, first_seq)) STRICT, WITHOUT ROWID;
INSERT INTO dossier_runs (round_id, unit_code, import_id, first_seq, last_seq)
  SELECT round_id, unit_code, import_id, MIN(seq), MAX(seq) FROM (
    SELECT round_id, unit_code, import_id, seq, seq - ROW_NUMBER() OVER (
      PARTITION BY round_id, import_id, unit_code ORDER BY seq) AS island
    FROM dossier_rows) AS numbered
  GROUP BY round_id, unit_code, import_id, island;
DROP TABLE dossiers_by_unit;
)sql",
       nullptr},
  };
  return *steps;
}

// Migrate, once the migration lock is held.
absl::Status MigrateLocked(Conn* db, int target, Upgrade* upgrade) {
  ASSIGN_OR_RETURN(const int current, db->SchemaVersion());
  if (current > LatestSchemaVersion()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the database has schema version ", current,
                     " but this binary knows only up to ", LatestSchemaVersion(),
                     ": it was written by a newer parindex-server; upgrade the "
                     "binary (the file was not changed)"));
  }
  for (int version = current; version < target; ++version) {
    const Step& step = Steps()[version];
    const size_t notes_before = upgrade->notes.size();
    RETURN_IF_ERROR(db->BeginWrite());
    absl::Status status = db->Exec(SchemaSql(db->dialect(), step.sql));
    if (status.ok() && step.convert != nullptr) status = step.convert(db, upgrade);
    if (status.ok()) status = db->SetSchemaVersion(version + 1);
    if (status.ok()) status = db->Exec("COMMIT");
    if (!status.ok()) {
      if (db->InTransaction()) db->Exec("ROLLBACK").IgnoreError();
      upgrade->notes.resize(notes_before);  // nothing they tell of was kept
      return absl::Status(status.code(),
                          absl::StrCat("migrating the database to schema version ",
                                       version + 1, ": ", status.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(Steps().size()); }

int SchemaVersion(sqlite3* db) {
  SqliteConn conn(db, /*owned=*/false);
  absl::StatusOr<int> version = conn.SchemaVersion();
  return version.ok() ? *version : -1;
}

absl::Status Migrate(sqlite3* db, int target) {
  SqliteConn conn(db, /*owned=*/false);
  return Migrate(&conn, target);
}

absl::Status Migrate(Conn* db, int target) {
  Upgrade upgrade;
  upgrade.now =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  return Migrate(db, target, &upgrade);
}

absl::Status Migrate(Conn* db, int target, Upgrade* upgrade) {
  RETURN_IF_ERROR(db->LockForMigration());
  absl::Status status = MigrateLocked(db, target, upgrade);
  db->UnlockForMigration();
  return status;
}

}  // namespace parindex::store
