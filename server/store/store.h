// Store: what the server keeps, behind an interface. SqlStore (sql_store.h) implements
// it on an embedded SQLite file (the default) or on PostgreSQL (several replicas).
//
// Every mutation takes a WriteContext (who, why, and a request id that makes a retry
// apply once), is acknowledged only after its transaction commits, and writes its audit
// event in that same transaction. Versions are the API's etags: an update naming a
// version other than the stored one is refused with ABORTED.
#ifndef PARINDEX_SERVER_STORE_STORE_H_
#define PARINDEX_SERVER_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "parindex/v1/assessment.pb.h"
#include "parindex/v1/audit.pb.h"
#include "parindex/v1/criteria.pb.h"
#include "parindex/v1/plan.pb.h"
#include "parindex/v1/records.pb.h"
#include "parindex/v1/round.pb.h"
#include "parindex/v1/tasks.pb.h"
#include "parindex/v1/token.pb.h"
#include "parindex/v1/unit.pb.h"

namespace parindex::store {

// Who acts. `role` is a lower-case role name ("ward", "appraiser", "admin", "system").
struct Actor {
  Actor() = default;
  Actor(std::string i, std::string r, std::string u, std::string n = "")
      : id(std::move(i)), role(std::move(r)), unit(std::move(u)), name(std::move(n)) {}

  std::string id;
  std::string role;
  std::string unit;
  std::string name;  // a person's full name (accounts), kept on their audit rows
};

struct WriteContext {
  Actor actor;
  // Optional. A request id belongs to (actor, method, resource) and is bound to the
  // request's digest: the same request again gets the stored answer back and changes
  // nothing; a different request under the same key is INVALID_ARGUMENT naming
  // `request_id`. `request_method` defaults to the store's method name.
  std::string request_id;
  std::string request_method;    // the API method ("BatchUpdateEntries")
  std::string request_resource;  // the resource it names ("rounds/r/assessments/U1")
  std::string request_digest;    // of the whole request (hex SHA-256)
  // Makes the answer that a replay gets, from the write's ack, inside its transaction;
  // stored with the request id. Unset: the ack itself.
  std::function<std::string(const v1::WriteAck&)> response;
  // A unit's own self-assessment: it may fill three quarters of the form, so that the
  // office can always still appraise, ask for explanations and import surveys.
  bool unit_share = false;
  std::string reason;  // kept in the audit trail
  std::string action;  // names the change in the audit trail when the method's own
                       // name is not precise enough ("entry.correct")
  // Optional: the round at the version the caller's checks read (its phase, deadline
  // and units decided that the write may happen). The write is ABORTED, storing
  // nothing, when the round has changed since: another server, or this one a moment
  // ago, advanced it or moved its deadline after the check.
  std::string round;
  int64_t round_version = 0;
};

// What was stored for an applied request id.
struct StoredRequest {
  v1::WriteAck ack;
  std::string response;  // the answer's bytes (WriteContext::response), else the ack's
};

// One entry to store. expected_version is the version the caller read (0 when it did
// not exist); the stored entry gets version expected_version + 1.
struct EntryUpdate {
  v1::Entry entry;
  int64_t expected_version = 0;
};

// One data sheet value to store: `value.element` names it, and it is stored whole (both
// sides). A side with none of its value fields set is cleared; with neither side left
// the value is deleted. A side whose value changed is stamped with the writer and the
// time (ElementValue.updated_by, updated_at); an unchanged side keeps its stamps.
// expected_version as for entries (0 when it did not exist).
struct ValueUpdate {
  v1::DataValue value;
  int64_t expected_version = 0;
};

// What one write stores on a unit's form: entries and data sheet values together.
struct FormUpdate {
  std::vector<EntryUpdate> entries;
  std::vector<ValueUpdate> values;
};

// A state change made in the same transaction as an entry update.
struct StateChange {
  v1::AssessmentState state = v1::ASSESSMENT_STATE_UNSPECIFIED;
  int64_t expected_version = 0;  // of the assessment
  bool reopened = false;
  // The state the audit trail gives as the change's before: the effective state the
  // action saw (server/policy.h: a NOT_STARTED form with the unit's figures is DRAFT,
  // a SUBMITTED one the office wrote on APPRAISED), so that the unit's history reads
  // as the form stood. Unspecified: the stored state.
  v1::AssessmentState shown_before = v1::ASSESSMENT_STATE_UNSPECIFIED;
};

struct EvidenceFile {
  v1::Evidence meta;  // with id, sha256 and size_bytes filled by the store
  std::string content;
  std::string round, unit, criterion;  // whose file it is
};

// The last events on one unit's form, each as its audit id (0: none; ids increase,
// so they order events of the same second) and time (RFC 3339 UTC).
struct FormActivity {
  struct Event {
    int64_t id = 0;
    std::string at;
  };
  Event unit_write;    // the unit's last write on its form (values, entries, files)
  Event unit_state;    // the unit's last state change (a submission or an explanation)
  Event unit_submit;   // the unit's last submission (its state to SUBMITTED)
  Event unit_explain;  // the unit's last sending of its explanations (to EXPLAINED)
  // The office's last appraisal write on the form (appraiser or admin: values,
  // entries, files, explanation requests); not a state change, nor an import of
  // survey results, dossier records or plan tasks.
  Event office_write;
  // The office's last "explanation.review" (ReviewExplanation): it read what the unit
  // sent and changed nothing.
  Event office_review;
};

struct AuditFilter {
  std::string resource_prefix;  // "rounds/r1/assessments/P1"
  std::string actor;
  int64_t after_id = 0;  // paging: events with a larger id
  int limit = 100;
  // False: each event without its before and after (left empty), for a reader that
  // shows neither (the export's sheet: a national round's bodies are most of its bytes).
  bool bodies = true;
};

// An account with its password hash (an argon2id string; never the password).
struct StoredAccount {
  v1::Account account;
  std::string password_hash;
};

// A session, found by the SHA-256 of its id. Times are Unix seconds of the store's
// clock.
struct StoredSession {
  std::string account_id;
  int64_t created = 0;
  int64_t seen = 0;  // the last call, as last written (TouchSession)
  bool ended = false;
};

// One import of dossier records (README: "Dossier records").
struct RecordImport {
  int64_t id = 0;
  std::string round;
  std::string file_name;
  std::string format;  // "csv", "jsonl"
  std::string sha256;  // of the file's bytes, once read
  std::string scope;   // the importer's ("*", "parent/HY")
  std::string actor;
  std::string started_at, finished_at;  // RFC 3339 UTC; finished_at empty: running
  int64_t rows_read = 0, rows_refused = 0, rows_changed = 0, rows_unchanged = 0;
  bool complete = false;  // the whole file was read (false: the stream broke off)
};

// What storing a batch of dossiers did.
struct DossierWrite {
  int64_t changed = 0;    // new, or other data than stored
  int64_t unchanged = 0;  // the same data as stored: nothing written
  // The units whose dossiers changed: each changed dossier's unit, and the unit it was
  // stored under before when that was another.
  std::set<std::string> units;
  // The rows left out because the StoredUnitCheck refused the unit their id is stored
  // under: their line, and why, in line order.
  std::vector<std::pair<int64_t, absl::Status>> refused;
  // The units whose dossiers are now exactly this import's rows of them: each row new
  // to the round and given once, and no row of another import under the unit (their
  // figures may be counted from the rows as they were sent).
  std::set<std::string> fresh;
  // The merge's place among the round's merges (FinishRecordImport's `merged_as`).
  int64_t merged_as = 0;
};

// Whether an import may replace or move a dossier stored under `unit`, another unit
// than its row names: OK; a refusal (the dossier is left as it is and named in
// DossierWrite::refused); or ABORTED when the caller has not looked the unit up yet
// (nothing is merged: look every unit asked up and merge again). Called inside the
// merge's transaction, so it must not call the store.
using StoredUnitCheck = std::function<absl::Status(const std::string& unit)>;

// Wall time, injectable in tests.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  static const Clock& Real();
};

class Store {
 public:
  virtual ~Store() = default;

  // Criteria sets are immutable versions. `set.version()` 0 asks for the next one; a
  // set with the same content as the version asked for (else the latest) is answered
  // with that version and nothing is stored. ALREADY_EXISTS for a stored version with
  // other content, INVALID_ARGUMENT for a version past the next.
  virtual absl::StatusOr<v1::WriteAck> AddCriteriaSet(const WriteContext& ctx,
                                                      v1::CriteriaSet set) = 0;
  // version 0 means the latest. NOT_FOUND when absent.
  virtual absl::StatusOr<v1::CriteriaSet> GetCriteriaSet(absl::string_view id,
                                                         int32_t version) = 0;
  // The latest version of every set.
  virtual absl::StatusOr<std::vector<v1::CriteriaSet>> ListCriteriaSets() = 0;

  // Plans and units are replaced whole; the ack carries the new version.
  virtual absl::StatusOr<v1::WriteAck> PutPlan(const WriteContext& ctx,
                                               const v1::Plan& plan) = 0;
  virtual absl::StatusOr<v1::Plan> GetPlan(absl::string_view id) = 0;
  virtual absl::StatusOr<std::vector<v1::Plan>> ListPlans() = 0;
  virtual absl::StatusOr<v1::WriteAck> PutUnit(const WriteContext& ctx,
                                               const v1::Unit& unit) = 0;
  virtual absl::StatusOr<v1::Unit> GetUnit(absl::string_view code) = 0;
  virtual absl::StatusOr<std::vector<v1::Unit>> ListUnits() = 0;

  // Tokens: only the SHA-256 of the secret is stored. FindToken answers NOT_FOUND for
  // an unknown or revoked secret.
  virtual absl::StatusOr<v1::WriteAck> AddToken(const WriteContext& ctx,
                                                const v1::Token& token,
                                                absl::string_view secret_sha256) = 0;
  virtual absl::StatusOr<v1::Token> FindToken(absl::string_view secret_sha256) = 0;
  virtual absl::StatusOr<v1::WriteAck> RevokeToken(const WriteContext& ctx,
                                                   absl::string_view id) = 0;
  virtual absl::StatusOr<std::vector<v1::Token>> ListTokens() = 0;
  // Accounts: ALREADY_EXISTS for a taken username; NOT_FOUND for an unknown one.
  virtual absl::StatusOr<v1::WriteAck> AddAccount(const WriteContext& ctx,
                                                  const v1::Account& account,
                                                  absl::string_view password_hash) = 0;
  virtual absl::StatusOr<StoredAccount> FindAccount(absl::string_view username) = 0;
  virtual absl::StatusOr<StoredAccount> GetAccount(absl::string_view id) = 0;
  virtual absl::StatusOr<std::vector<v1::Account>> ListAccounts() = 0;
  // Replaces the account's body (audited as ctx.action); a non-empty password_hash
  // replaces the hash too. end_sessions ends all of its sessions in the same
  // transaction.
  virtual absl::StatusOr<v1::WriteAck> UpdateAccount(const WriteContext& ctx,
                                                     const v1::Account& account,
                                                     absl::string_view password_hash,
                                                     bool end_sessions) = 0;
  // Sessions: a successful sign-in adds one (audited "session.start") and forgets the
  // username's failed sign-ins.
  virtual absl::StatusOr<v1::WriteAck> AddSession(const WriteContext& ctx,
                                                  absl::string_view id_sha256,
                                                  const v1::Account& account,
                                                  int64_t now) = 0;
  virtual absl::StatusOr<StoredSession> FindSession(absl::string_view id_sha256) = 0;
  // Moves a session's last call (not audited).
  virtual absl::Status TouchSession(absl::string_view id_sha256, int64_t now) = 0;
  virtual absl::StatusOr<v1::WriteAck> EndSession(const WriteContext& ctx,
                                                  absl::string_view id_sha256,
                                                  int64_t now) = 0;
  // A failed sign-in for `username` (known or not), audited "signin.fail". When it
  // makes `threshold` failures within `window` seconds, the username is locked until
  // now + lock_seconds (audited "signin.lock"); the ack's version is then 1, else 0.
  virtual absl::StatusOr<v1::WriteAck> AddSignInFailure(const WriteContext& ctx,
                                                        absl::string_view username,
                                                        int64_t now, int64_t window,
                                                        int threshold,
                                                        int64_t lock_seconds) = 0;
  // Until when (Unix seconds) sign-ins for `username` are refused; 0 when not locked.
  virtual absl::StatusOr<int64_t> SignInLockedUntil(absl::string_view username) = 0;
  // A failed sign-in from the client address `address` (its username's failure is
  // audited by AddSignInFailure; this is not). When it makes `threshold` failures
  // within `window` seconds, the address is locked until now + lock_seconds (audited
  // "signin.address_lock" on signInAddresses/{address}); the ack's version is then 1,
  // else 0. The address's failures older than the window are forgotten.
  virtual absl::StatusOr<v1::WriteAck> AddSignInAddressFailure(
      const WriteContext& ctx, absl::string_view address, int64_t now, int64_t window,
      int threshold, int64_t lock_seconds) = 0;
  // Until when (Unix seconds) sign-ins from `address` are refused; 0 when not locked.
  virtual absl::StatusOr<int64_t> SignInAddressLockedUntil(absl::string_view address) = 0;

  // Rounds pin a criteria set version; creating one creates an assessment in state
  // NOT_STARTED for each of its units.
  virtual absl::StatusOr<v1::WriteAck> CreateRound(const WriteContext& ctx,
                                                   const v1::Round& round) = 0;
  virtual absl::StatusOr<v1::Round> GetRound(absl::string_view id) = 0;
  virtual absl::StatusOr<std::vector<v1::Round>> ListRounds() = 0;
  virtual absl::StatusOr<v1::WriteAck> UpdateRound(const WriteContext& ctx,
                                                   const v1::Round& round,
                                                   int64_t expected_version) = 0;

  // The units and plans a round was finalised with (kept when it moves to FINALISED,
  // in that transaction); both empty before. Rounds always score with these once kept.
  struct RoundInputs {
    std::vector<v1::Unit> units;
    std::vector<v1::Plan> plans;
  };
  virtual absl::StatusOr<RoundInputs> GetRoundInputs(absl::string_view round) = 0;

  // A unit's assessment with its entries, data sheet values (by element code), state
  // and versions.
  virtual absl::StatusOr<v1::Assessment> GetAssessment(absl::string_view round,
                                                       absl::string_view unit) = 0;
  // Every assessment of a round with its entries and values, in unit order, added to
  // `out` (on its arena when it has one: a national round's forms are about 1.5 million
  // messages, then made and freed at once); with_files lists the uploaded files on
  // their entries as GetAssessment does (a criterion with files only gets an entry).
  virtual absl::Status ListAssessmentsInto(
      absl::string_view round, bool with_files,
      google::protobuf::RepeatedPtrField<v1::Assessment>* out) = 0;
  // The same, each form on its own.
  absl::StatusOr<std::vector<v1::Assessment>> ListAssessments(absl::string_view round,
                                                              bool with_files) {
    google::protobuf::RepeatedPtrField<v1::Assessment> read;
    if (absl::Status status = ListAssessmentsInto(round, with_files, &read); !status.ok())
      return status;
    std::vector<v1::Assessment> out;
    out.reserve(read.size());
    for (v1::Assessment& a : read) out.push_back(std::move(a));
    return out;
  }
  // The assessment with only the entries of `criteria` (those that exist), and all of
  // its values.
  virtual absl::StatusOr<v1::Assessment> GetAssessmentEntries(
      absl::string_view round, absl::string_view unit,
      const std::vector<std::string>& criteria) = 0;
  // Stores a unit's entries and values, all or none: ABORTED naming the first stale
  // entry (rounds/r/assessments/u/entries/c) or value (…/dataSheet/element);
  // FAILED_PRECONDITION when the form would outgrow its limit. The ack lists the new
  // version of each entry, then of each value (0 for a deleted one), in request order.
  // Each change is audited (entries as ctx.action or "entry.update", values as
  // "value.update", or ctx.action with "entry." read as "value.").
  // With a StateChange, the assessment's state changes in the same transaction (or
  // nothing is stored) and the ack's version is the assessment's new version.
  virtual absl::StatusOr<v1::WriteAck> UpdateForm(const WriteContext& ctx,
                                                  absl::string_view round,
                                                  absl::string_view unit,
                                                  const FormUpdate& update,
                                                  const StateChange* state_change) = 0;
  // UpdateForm with entries only.
  virtual absl::StatusOr<v1::WriteAck> UpdateEntries(
      const WriteContext& ctx, absl::string_view round, absl::string_view unit,
      const std::vector<EntryUpdate>& updates, const StateChange* state_change) = 0;
  absl::StatusOr<v1::WriteAck> UpdateEntries(const WriteContext& ctx,
                                             absl::string_view round,
                                             absl::string_view unit,
                                             const std::vector<EntryUpdate>& updates) {
    return UpdateEntries(ctx, round, unit, updates, nullptr);
  }
  // The forms of several units in one transaction: all or none. The ack lists every
  // unit's versions in turn.
  virtual absl::StatusOr<v1::WriteAck> UpdateUnitsEntries(
      const WriteContext& ctx, absl::string_view round,
      const std::vector<std::pair<std::string, FormUpdate>>& units) = 0;
  absl::StatusOr<v1::WriteAck> UpdateUnitsEntries(
      const WriteContext& ctx, absl::string_view round,
      const std::vector<std::pair<std::string, std::vector<EntryUpdate>>>& units) {
    std::vector<std::pair<std::string, FormUpdate>> forms;
    forms.reserve(units.size());
    for (const auto& [unit, entries] : units) forms.push_back({unit, {entries, {}}});
    return UpdateUnitsEntries(ctx, round, forms);
  }
  virtual absl::StatusOr<v1::WriteAck> SetAssessmentState(const WriteContext& ctx,
                                                          absl::string_view round,
                                                          absl::string_view unit,
                                                          const StateChange& change) = 0;
  absl::StatusOr<v1::WriteAck> SetAssessmentState(
      const WriteContext& ctx, absl::string_view round, absl::string_view unit,
      v1::AssessmentState state, int64_t expected_version, bool reopened) {
    return SetAssessmentState(ctx, round, unit,
                              StateChange{state, expected_version, reopened});
  }

  // Evidence files: stored as BLOBs with their SHA-256 (meta.sha256 when the caller
  // has computed it, else computed here); INVALID_ARGUMENT above the store's size
  // limit, FAILED_PRECONDITION when the criterion already has the most files allowed.
  // The ack's id is the evidence id.
  virtual absl::StatusOr<v1::WriteAck> AddEvidence(
      const WriteContext& ctx, absl::string_view round, absl::string_view unit,
      absl::string_view criterion, v1::Evidence meta, std::string content) = 0;
  virtual absl::StatusOr<EvidenceFile> GetEvidence(int64_t id) = 0;
  // Removes file `id` of (round, unit), audited as evidence.delete with the file's
  // details as the event's before (its name, size and SHA-256 stay in the trail);
  // NOT_FOUND when the form has no such file, ABORTED when the file's entry is not at
  // `entry_version` (0: never written). The ack's id is the evidence id.
  virtual absl::StatusOr<v1::WriteAck> DeleteEvidence(const WriteContext& ctx,
                                                      absl::string_view round,
                                                      absl::string_view unit, int64_t id,
                                                      int64_t entry_version) = 0;

  virtual absl::StatusOr<std::vector<v1::AuditEvent>> ListAudit(
      const AuditFilter& filter) = 0;
  // What happened last on each form of a round, from its audit trail: unit code ->
  // activity (units with no event are absent).
  virtual absl::StatusOr<std::map<std::string, FormActivity>> ListFormActivity(
      absl::string_view round) = 0;

  // ---- dossier records ----
  // Starts an import (not audited until it finishes); answers its number, counted per
  // round from 1.
  virtual absl::StatusOr<int64_t> BeginRecordImport(const WriteContext& ctx,
                                                    const RecordImport& import) = 0;
  // Appends dossiers to an import (import_id: its number), in one transaction; each
  // keeps its line, and its data without import, line and conflict marks. A unit's
  // rows of one call are kept together. They are not read until MergeDossiers has
  // merged them.
  virtual absl::Status AppendDossiers(const WriteContext& ctx, absl::string_view round,
                                      int64_t import_id,
                                      std::vector<v1::Dossier> dossiers) = 0;
  // Merges the rows an import appended into the round's dossiers, in one transaction:
  // by (round, id), each row meets the one stored before it in the order of their
  // lines (rows of the same line: in the order they were appended in). The
  // same data leaves the stored row as it is (import and line too), as do rows that
  // end where it is, its conflict mark included (the same file again); other data
  // replaces it, marked conflicting_duplicate when this import gave the id with other
  // data before. With `check`, a row whose id is stored under another unit than the
  // row's is merged only when check(that unit) allows it (refused: left out, named by
  // its line in DossierWrite::refused). The import is then read (merged). Merging
  // again merges the rows appended since.
  virtual absl::StatusOr<DossierWrite> MergeDossiers(const WriteContext& ctx,
                                                     absl::string_view round,
                                                     int64_t import_id,
                                                     const StoredUnitCheck& check) = 0;
  // AppendDossiers then MergeDossiers (a small import in one call; tests).
  absl::StatusOr<DossierWrite> UpsertDossiers(const WriteContext& ctx,
                                              absl::string_view round, int64_t import_id,
                                              const std::vector<v1::Dossier>& dossiers,
                                              const StoredUnitCheck& check = nullptr) {
    absl::Status appended = AppendDossiers(ctx, round, import_id, dossiers);
    if (!appended.ok()) return appended;
    return MergeDossiers(ctx, round, import_id, check);
  }
  // Ends an import: its counts and SHA-256 stored and audited ("records.import" on
  // rounds/{round}/imports/{id}, with the counts as JSON), and the computed values of
  // `units` stored as UpdateUnitsEntries does, all in one transaction. `merged_as`
  // (non-zero: values computed from the rows as sent, DossierWrite::fresh): ABORTED,
  // nothing stored, when another import has merged into the round since that merge.
  virtual absl::StatusOr<v1::WriteAck> FinishRecordImport(
      const WriteContext& ctx, const RecordImport& import,
      const std::vector<std::pair<std::string, FormUpdate>>& units,
      int64_t merged_as) = 0;
  // A unit's dossiers in a round, by id.
  virtual absl::StatusOr<std::vector<v1::Dossier>> ListDossiers(
      absl::string_view round, absl::string_view unit) = 0;
  // Every dossier of a round, each with its unit, import by import: one read of the
  // round, for the figures of many units at once.
  using DossierVisitor = std::function<void(const std::string& unit, const v1::Dossier&)>;
  virtual absl::Status ScanDossiers(absl::string_view round,
                                    const DossierVisitor& each) = 0;
  // The units that have dossiers in a round, in code order.
  virtual absl::StatusOr<std::vector<std::string>> ListDossierUnits(
      absl::string_view round) = 0;
  // The unit each of `ids` is stored under in a round (ids not stored are left out).
  virtual absl::StatusOr<std::map<std::string, std::string>> StoredDossierUnits(
      absl::string_view round, const std::vector<std::string>& ids) = 0;
  virtual absl::StatusOr<std::vector<RecordImport>> ListRecordImports(
      absl::string_view round) = 0;

  // ---- plan tasks (README: "Plan tasks") ----
  // Replaces the units task `number` of `plan` in `round` is assigned to with
  // `assignments` (TaskAssignment.unit and role; the rest is kept for a unit that
  // stays, empty for a new one): a unit whose role changes or that is new gets a new
  // version; a unit left out is removed unless it reported progress (state past
  // NOT_STARTED): then FAILED_PRECONDITION naming it and nothing is stored. Audited
  // "task.assign" on `task_name` with the units before and after; `forms` stored as
  // UpdateUnitsEntries does, in the same transaction. The ack lists each assignment's
  // version in the order given.
  virtual absl::StatusOr<v1::WriteAck> AssignTask(
      const WriteContext& ctx, absl::string_view round, absl::string_view plan,
      int64_t number, const std::vector<v1::TaskAssignment>& assignments,
      const std::vector<std::pair<std::string, FormUpdate>>& forms) = 0;
  // Stores a unit's progress on a task it is assigned to (`progress`: task, unit,
  // state, done_on, note, evidence; its role is kept): NOT_FOUND when not assigned,
  // ABORTED when the stored version is not `expected_version`. Audited
  // "task.progress"; `form` (the unit's computed values) stored in the same
  // transaction. The ack's version is the assignment's new one.
  virtual absl::StatusOr<v1::WriteAck> UpdateTaskProgress(
      const WriteContext& ctx, absl::string_view round, absl::string_view plan,
      int64_t number, const v1::TaskAssignment& progress, int64_t expected_version,
      const FormUpdate& form) = 0;
  // A round's assignments (of one unit, or all for an empty `unit`), by plan, task
  // number and unit, with their versions.
  virtual absl::StatusOr<std::vector<v1::TaskAssignment>> ListTaskAssignments(
      absl::string_view round, absl::string_view unit) = 0;

  // What was stored for ctx's request id (actor, method, resource): NOT_FOUND when
  // none was applied (or it was forgotten after the retention time); INVALID_ARGUMENT
  // naming `request_id` when it was applied to a different request. Lets the service
  // answer a retry before re-checking what the first attempt changed (its etags).
  virtual absl::StatusOr<StoredRequest> FindRequest(const WriteContext& ctx) = 0;

  // Another server sharing the database committed changes to these resources (the
  // names of their audit rows, "rounds/r/assessments/U1/entries/I.1"); "*" means
  // anything may have changed (notifications were missed). Called on a thread of the
  // store's, after the commit, so that caches can forget what they kept. Only a store
  // shared by several servers calls it (PostgreSQL: LISTEN/NOTIFY); at most one
  // listener, set before the server serves; an empty one ends the calls (when it
  // returns, the old listener is not running and will not be called).
  using ChangeListener = std::function<void(const std::vector<std::string>& resources)>;
  virtual void ListenForChanges(ChangeListener listener) { (void)listener; }
};

}  // namespace parindex::store

#endif  // PARINDEX_SERVER_STORE_STORE_H_
