// The rules of who may do what to which unit, and when, in one place (README: "Who may
// do what, and when"). Three tables decide every call:
//   - method × role: server/auth.cc;
//   - visibility: CanSee, for every read, list, score, ranking, summary, export and file;
//   - the workflow: WorkflowTable(), for every change to an assessment and to a round's
//     phase: the roles, round phases, unit states, deadline, writable fields and the
//     state it leaves.
// Nothing here reads storage: the Core loads the round and the assessment and asks.
#ifndef PARINDEX_SERVER_POLICY_H_
#define PARINDEX_SERVER_POLICY_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "parindex/v1/assessment.pb.h"
#include "parindex/v1/audit.pb.h"
#include "parindex/v1/round.pb.h"
#include "parindex/v1/token.pb.h"
#include "parindex/v1/unit.pb.h"

namespace parindex::server {

struct Caller;

// ---- scope ----

// Units by code, with their parents: a round's (RoundContext::units).
using UnitsByCode = std::map<std::string, v1::Unit>;

// Whether CanSee needs the round's units for `caller` (a caller whose scope is not
// everything); others may pass an empty map.
bool NeedsUnits(const Caller& caller);

// Whether `unit` (found in `units` for its parent) is in the caller's scope: "*"
// everything, "units/X" unit X only, "parent/X" the units whose parent is X.
bool InScope(const Caller& caller, const UnitsByCode& units, absl::string_view unit);

// The register of units (GetUnit, ListUnits): OK for a caller whose scope is
// everything and for wards (the register is public; a ward's page names its round's
// units); a province's ("parent/X") sees X and the units whose parent is X, and any
// other unit is PERMISSION_DENIED naming it and the scope.
absl::Status CanSeeUnit(const Caller& caller, const v1::Unit& unit);

// Whether a caller sees an event of the audit trail: one whose scope is everything sees
// all of it; another sees the events of the assessments (rounds/R/assessments/U…) and
// units (units/U) of its scope only (round-level events, tokens, accounts and sign-ins
// are the national office's). A task's events are seen as its units': a unit's progress
// (rounds/R/plans/P/tasks/N/units/U) by U's scope, an assignment by the scope of any unit
// it gives or takes the task.
bool CanSeeAuditEvent(const Caller& caller, const UnitsByCode& units,
                      const v1::AuditEvent& event);

// INVALID_ARGUMENT naming `field` unless `scope` is one that `role` may have: a ward
// "units/{code}"; an appraiser or a reader "parent/{code}" or "*"; an admin "*".
absl::Status CheckScope(v1::Role role, absl::string_view scope, absl::string_view field);

// ---- visibility ----

// OK when `caller` may ask for `unit`'s history across rounds (GetUnitHistory): a
// ward for any unit, an appraiser, admin or reader for the units of their scope (found
// in `units`, every unit with its parent); else PERMISSION_DENIED. Each round of the
// history is then shown only where CanSee allows the unit's score: a ward's own unit
// always, another unit once the round is published; a reader published rounds only.
absl::Status CanSeeHistory(const Caller& caller, const UnitsByCode& units,
                           absl::string_view unit);

// What a read shows.
enum class Subject {
  kForm,      // an assessment: entries, comments, explanations (GetAssessment, lists)
  kFile,      // an uploaded evidence file's bytes
  kScore,     // one unit's score (GetUnitScore, PreviewScore)
  kResults,   // the round's results: ranking, summary, exports (unit is empty)
  kRound,     // the round itself: phase, deadlines, units (unit is empty)
  kRunRound,  // changing the round itself: create, update, advance (unit is empty)
};

// OK when `caller` may see `what` of `unit` (empty for the round's results) in `round`
// (whose units are `units`); else PERMISSION_DENIED saying why. Appraisers and admins
// see everything in their scope; a ward sees its own unit always and the round's scores
// and results once it is published, never another unit's form or files; a reader sees
// scores and results of published rounds in their scope. A caller whose scope is not
// everything sees a round that has a unit in the scope and its results (filtered by
// ResultUnits), and changes it (kRunRound) only when all of its units are.
absl::Status CanSee(const Caller& caller, const v1::Round& round,
                    const UnitsByCode& units, absl::string_view unit, Subject what);

// What of a form `caller` reads, once CanSee(…, kForm) is OK: the unit's ward reads its
// entries as stored (its drafts too); anyone else reads each explanation as the unit
// last sent it (Entry.explanation_sent, empty before it sent), never a draft, for an
// explanation is the unit's until it sends it. `state` is the form's (effective): an
// EXPLAINED form's entries never sent under this rule (explanation_sent_at empty: sent
// before the server kept what was sent) show their explanation.
void ShowEntry(const Caller& caller, v1::AssessmentState state, v1::Entry* entry);
void ShowForm(const Caller& caller, v1::Assessment* form);
// The same for an event of the audit trail that `caller` sees (CanSeeAuditEvent): an
// entry's before and after (JSON) show its explanation as sent to anyone but a ward; a
// task's assignment lists only the units the caller sees.
void ShowAuditEvent(const Caller& caller, const UnitsByCode& units,
                    v1::AuditEvent* event);

// The units whose rows a results read (ranking, summary, export) shows `caller`, in the
// round's order: those whose score CanSee lets the caller see. REQUIRES: CanSee(caller,
// round, units, "", kResults) is OK. When these are not all of the round's units (a
// province's appraiser of a round with other provinces' units), the results are those
// units' alone: ranks among them, averages over them (README: "A province's part of a
// round"). For a caller whose scope does not need units (NeedsUnits false) it is every
// unit of the round.
std::vector<std::string> ResultUnits(const Caller& caller, const v1::Round& round,
                                     const UnitsByCode& units);

// ---- dossier records (README: "Dossier records") ----

// Whether `caller` may import dossier records of unit `code` (`unit`: its entry in the
// register, null when the code is not registered): a caller whose scope is everything
// any (a code the register does not know is kept as a finding of its import); a
// province's ("parent/X") the units whose parent is X, not a code the register does
// not know (no province could then say whose it is, and another province's office
// could take it over); else PERMISSION_DENIED naming the unit and the scope.
absl::Status CanImportRecordsOf(const Caller& caller, const v1::Unit* unit,
                                absl::string_view code);

// Whether `caller` sees the findings of records of unit `code`: a unit of the round
// (in `units`) as its form (a ward its own, the office its scope's); a code not in the
// round only for a caller whose scope is everything or the scope that imported it
// (`import_scope`).
bool CanSeeRecordFinding(const Caller& caller, const UnitsByCode& units,
                         absl::string_view code, absl::string_view import_scope);

// A write to a data element computed from records (`from_records`): a ward may not
// (FAILED_PRECONDITION naming the field and the element: wards dispute, they do not
// overwrite); the office accepts or corrects the appraised side with a reason
// (INVALID_ARGUMENT naming `reason` without one). OK for other elements.
// `source` names what it is computed from ("plan tasks" for `from_tasks`).
absl::Status CheckComputedWrite(v1::Role role, const std::string& element,
                                const std::string& label, bool computed, bool has_reason,
                                absl::string_view field,
                                absl::string_view source = "dossier records");

// ---- plan tasks (README: "Plan tasks") ----

// Whether a round's tasks may be assigned and reported on now: in every phase before
// FINALISED, and for a unit (`unit` non-null) whose assessment is not FINAL (its
// computed figures are final); else FAILED_PRECONDITION saying where the round and the
// unit are (Where).
struct UnitStanding;
absl::Status CanChangeTasks(const v1::Round& round, const UnitStanding* unit);

// ---- the workflow ----

// What is asked of an assessment (or of a round, for kAdvance).
enum class Verb {
  kUpdateEntries,       // BatchUpdateEntries
  kCorrectEntries,      // BatchUpdateEntries with correction = true
  kUploadEvidence,      // UploadEvidence
  kRemoveEvidence,      // DeleteEvidence (and CanRemoveFile)
  kSubmit,              // SubmitAssessment
  kRequestExplanation,  // RequestExplanation
  kSubmitExplanation,   // SubmitExplanation
  kFinalise,            // FinaliseAssessment
  kReviewExplanation,   // ReviewExplanation
  kReopen,              // ReopenAssessment
  kImportSurvey,        // ImportSurvey, per unit
  kImportRecords,       // ImportDossiers (no unit)
  kAdvance,             // AdvanceRound (no unit)
};

enum class Deadline { kNone, kSelfAssessment, kExplanation };

// One row of the workflow table.
struct WorkflowRule {
  Verb verb;
  v1::Role role;
  const char* action;  // "editing the self-assessment": what error messages call it
  std::vector<v1::RoundPhase> phases = {};
  std::vector<v1::AssessmentState> states = {};  // effective states; empty: no unit
  Deadline deadline = Deadline::kNone;
  // The Entry fields it may write (BatchUpdateEntries), by their top-level names.
  std::vector<std::string> fields = {};
  bool requested_only = false;  // only criteria an appraiser asked to explain
  bool needs_reason = false;
  // The state it stores; ASSESSMENT_STATE_UNSPECIFIED: the stored state stays.
  v1::AssessmentState stores = v1::ASSESSMENT_STATE_UNSPECIFIED;
  bool reopens = false;  // lifts the deadline of the current phase
};

// Every row; anything not in it is refused.
const std::vector<WorkflowRule>& WorkflowTable();

// Whether the unit itself put something in this entry: values it typed (the office's
// survey answers and appraisals are not the unit's), a comment, an explanation, a
// document reference or a file it uploaded.
bool UnitEntered(const v1::Entry& e);

// The state a reader sees: DRAFT once the unit has entered something (UnitEntered),
// APPRAISED once an appraiser has (of a SUBMITTED unit), FINAL once the round is
// FINALISED; otherwise the stored state.
v1::AssessmentState EffectiveState(const v1::Round& round, const v1::Assessment& a);

// Whether the APPRAISED column is the office's word on the unit: the unit submitted
// (its stored state is past NOT_STARTED and DRAFT) and the office wrote an appraised
// value or entry or an appraisal comment on its form. Otherwise the column is only the
// unit's own figures: no appraised index, no rank (GetRanking, GetUnitScore, the
// exports, the page, the CLI), and it stays so once the round is finalised: FINAL alone
// is not an appraisal.
bool HasAppraisal(const v1::Round& round, const v1::Assessment& a);

// Whether the unit never started its self-assessment: its stored state is NOT_STARTED
// and nothing on the form is its own (EffectiveState would say NOT_STARTED whatever
// the phase). Its SELF column has assessed nothing: no index, no rank.
bool NeverStarted(const v1::Assessment& a);

// Where an assessment stands, for the workflow's checks.
struct UnitStanding {
  std::string unit;
  v1::AssessmentState state = v1::ASSESSMENT_STATE_UNSPECIFIED;  // effective
  bool reopened = false;
};

// The row that lets `role` do `verb` now, or FAILED_PRECONDITION naming the round's
// phase, the unit's state and what the action needs, or the deadline that has passed.
// `unit` is null for round-level verbs.
absl::StatusOr<const WorkflowRule*> Allow(Verb verb, v1::Role role,
                                          const v1::Round& round,
                                          const UnitStanding* unit, absl::Time now);

// Whether the caller may take each of a form's actions now (Assessment.actions): the
// methods its role may call (auth.cc), the office's side for an appraisal, then Allow.
// A refusal is the call's own, without the phase and state that lead it.
void CheckActions(const Caller& caller, const v1::Round& round, const UnitStanding& unit,
                  absl::Time now,
                  google::protobuf::RepeatedPtrField<v1::ActionCheck>* out);

// Whether the caller whose workflow row is `rule` (Allow for kRemoveEvidence) may
// remove `file` from `entry` (null: the entry was never written): a ward its own files,
// not the office's; the office the files it attached, not the unit's, which are what
// the unit sent (PERMISSION_DENIED naming the file); under a requested_only row only on
// a criterion asked about (FAILED_PRECONDITION naming the phase and state).
absl::Status CanRemoveFile(const WorkflowRule& rule, const v1::Round& round,
                           const UnitStanding& unit, const std::string& criterion,
                           const v1::Entry* entry, const v1::Evidence& file);

// "round r is in phase P and the assessment of U is S" (without the unit when null):
// where every refusal of the workflow starts.
std::string Where(const v1::Round& round, const UnitStanding* unit);

// FAILED_PRECONDITION naming `field` (the request's path of the update mask) unless
// `path`, a field of Entry, is one that `rule` writes.
absl::Status CheckFields(const WorkflowRule& rule, const v1::Round& round,
                         const UnitStanding& unit, absl::string_view field,
                         absl::string_view path);

// "a ward", "an appraiser", "an admin".
std::string Article(absl::string_view noun);

// "PHASE_SELF_ASSESSMENT" -> "SELF_ASSESSMENT"; "STATE_DRAFT" -> "DRAFT".
std::string PhaseName(v1::RoundPhase phase);
std::string StateName(v1::AssessmentState state);

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_POLICY_H_
