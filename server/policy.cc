// The visibility function and the workflow table.
#include "server/policy.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "server/auth.h"
#include "server/core.h"
#include "server/store/assigned_json.h"

namespace parindex::server {

std::string PhaseName(v1::RoundPhase phase) {
  std::string name = v1::RoundPhase_Name(phase);
  return name.rfind("PHASE_", 0) == 0 ? name.substr(6) : name;
}

std::string StateName(v1::AssessmentState state) {
  std::string name = v1::AssessmentState_Name(state);
  return name.rfind("STATE_", 0) == 0 ? name.substr(6) : name;
}

// ---- visibility ----

bool NeedsUnits(const Caller& caller) {
  return caller.role != v1::ROLE_WARD && !caller.scope.empty() && caller.scope != "*";
}

bool InScope(const Caller& caller, const UnitsByCode& units, absl::string_view unit) {
  if (caller.role == v1::ROLE_WARD) return unit == caller.unit;
  if (caller.scope.empty() || caller.scope == "*") return true;
  if (absl::StartsWith(caller.scope, "units/")) return caller.scope.substr(6) == unit;
  if (absl::StartsWith(caller.scope, "parent/")) {
    auto it = units.find(std::string(unit));
    return it != units.end() && it->second.parent() == caller.scope.substr(7);
  }
  return false;
}

absl::Status CanSeeUnit(const Caller& caller, const v1::Unit& unit) {
  if (!NeedsUnits(caller)) return absl::OkStatus();
  if (InScope(caller, {{unit.code(), unit}}, unit.code()) ||
      caller.scope == absl::StrCat("parent/", unit.code())) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "unit ", unit.code(), " is outside this account's scope ", caller.scope));
}

absl::Status CanImportRecordsOf(const Caller& caller, const v1::Unit* unit,
                                absl::string_view code) {
  if (caller.role != v1::ROLE_WARD && !NeedsUnits(caller)) return absl::OkStatus();
  if (caller.role != v1::ROLE_WARD && absl::StartsWith(caller.scope, "parent/") &&
      unit != nullptr && unit->parent() == caller.scope.substr(7)) {
    return absl::OkStatus();
  }
  if (unit == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat("unit ", code,
                     " is not a unit of the round nor a registered unit "
                     "of this account's scope ",
                     caller.scope.empty() ? "*" : caller.scope));
  }
  return absl::PermissionDeniedError(
      absl::StrCat("unit ", code, " is outside this account's scope ",
                   caller.scope.empty() ? "*" : caller.scope));
}

bool CanSeeRecordFinding(const Caller& caller, const UnitsByCode& units,
                         absl::string_view code, absl::string_view import_scope) {
  if (units.count(std::string(code)) > 0) return InScope(caller, units, code);
  if (caller.role == v1::ROLE_WARD) return false;
  const std::string scope = caller.scope.empty() ? "*" : caller.scope;
  return scope == "*" || scope == import_scope;
}

absl::Status CheckComputedWrite(v1::Role role, const std::string& element,
                                const std::string& label, bool computed, bool has_reason,
                                absl::string_view field, absl::string_view source) {
  if (!computed) return absl::OkStatus();
  if (role == v1::ROLE_WARD) {
    return absl::FailedPreconditionError(absl::StrCat(
        field, ": ", element, " (", label, ") is computed from ", source,
        " and cannot be overwritten by the unit; "
        "dispute it with the Home Affairs office (a comment or an explanation)"));
  }
  if (!has_reason) {
    return absl::InvalidArgumentError(absl::StrCat("reason: accepting or correcting ",
                                                   element, ", computed from ", source,
                                                   ", needs a reason"));
  }
  return absl::OkStatus();
}

namespace {

// rounds/{r}/plans/{p}/tasks/{n}: a task's assignment, its before and after the units
// given it (JSON lists of {"unit", "role"}, as the store writes them).
bool IsTaskAssignment(const std::vector<absl::string_view>& parts) {
  return parts.size() == 6 && parts[0] == "rounds" && parts[2] == "plans" &&
         parts[4] == "tasks";
}

// A task assignment's list kept to the units `caller` sees; answers how many it keeps.
// Left as it is when it is not such a list.
int KeepAssignedInScope(const Caller& caller, const UnitsByCode& units,
                        std::string* json) {
  google::protobuf::ListValue list;
  if (json->empty() || !google::protobuf::util::JsonStringToMessage(*json, &list).ok()) {
    return 0;
  }
  std::vector<std::string> kept;
  for (const google::protobuf::Value& v : list.values()) {
    const auto& fields = v.struct_value().fields();
    auto unit = fields.find("unit");
    auto role = fields.find("role");
    if (unit == fields.end() || role == fields.end()) continue;
    const std::string& code = unit->second.string_value();
    if (!InScope(caller, units, code)) continue;
    kept.push_back(store::AssignedUnitJson(code, role->second.string_value()));
  }
  if (static_cast<int>(kept.size()) != list.values_size()) {
    *json = store::AssignedListJson(kept);
  }
  return static_cast<int>(kept.size());
}

}  // namespace

bool CanSeeAuditEvent(const Caller& caller, const UnitsByCode& units,
                      const v1::AuditEvent& event) {
  if (caller.role != v1::ROLE_WARD && !NeedsUnits(caller)) return true;
  std::vector<absl::string_view> parts = absl::StrSplit(event.resource(), '/');
  if (parts.size() >= 4 && parts[0] == "rounds" && parts[2] == "assessments")
    return InScope(caller, units, parts[3]);
  if (parts.size() >= 2 && parts[0] == "units") return InScope(caller, units, parts[1]);
  // A unit's progress on a task (rounds/R/plans/P/tasks/N/units/U).
  if (parts.size() == 8 && parts[0] == "rounds" && parts[2] == "plans" &&
      parts[4] == "tasks" && parts[6] == "units") {
    return InScope(caller, units, parts[7]);
  }
  // A task given to or taken from one of the caller's units.
  if (IsTaskAssignment(parts)) {
    std::string before = event.before(), after = event.after();
    return KeepAssignedInScope(caller, units, &before) +
               KeepAssignedInScope(caller, units, &after) >
           0;
  }
  return false;
}

absl::Status CheckScope(v1::Role role, absl::string_view scope, absl::string_view field) {
  const bool all = scope == "*";
  const bool one = absl::StartsWith(scope, "units/") && scope.size() > 6;
  const bool parent = absl::StartsWith(scope, "parent/") && scope.size() > 7;
  if (!all && !one && !parent) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": '", scope, "' is not a scope: use units/{code}, parent/{code} or *"));
  }
  const bool ok = role == v1::ROLE_WARD                                   ? one
                  : role == v1::ROLE_APPRAISER || role == v1::ROLE_READER ? !one
                  : role == v1::ROLE_ADMIN                                ? all
                                                                          : false;
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", Article(RoleName(role)), " may not have scope '", scope,
        "' (a ward: units/{code}; an appraiser or a reader: parent/{code} or *; an "
        "admin: *)"));
  }
  return absl::OkStatus();
}

namespace {

// The scope part of CanSee for callers other than wards.
absl::Status CheckScopeOf(const Caller& caller, const v1::Round& round,
                          const UnitsByCode& units, absl::string_view unit,
                          Subject what) {
  if (!NeedsUnits(caller)) return absl::OkStatus();
  if (!unit.empty()) {
    if (InScope(caller, units, unit)) return absl::OkStatus();
    return absl::PermissionDeniedError(
        absl::StrCat("unit ", unit, " is outside this account's scope ", caller.scope));
  }
  int in = 0;
  for (const std::string& u : round.units()) in += InScope(caller, units, u) ? 1 : 0;
  // Reading the round or its results needs one unit in the scope (the results are then
  // filtered, ResultUnits); changing the round needs all of them.
  const bool whole = what == Subject::kRunRound;
  if (!whole && in > 0) return absl::OkStatus();
  if (whole && in == round.units_size()) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("round ", round.id(),
                   whole ? " has units outside this account's scope "
                         : " has no unit in this account's scope ",
                   caller.scope));
}

}  // namespace

absl::Status CanSeeHistory(const Caller& caller, const UnitsByCode& units,
                           absl::string_view unit) {
  if (caller.role == v1::ROLE_WARD || !NeedsUnits(caller)) return absl::OkStatus();
  if (InScope(caller, units, unit)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("unit ", unit, " is outside this account's scope ", caller.scope));
}

absl::Status CanSee(const Caller& caller, const v1::Round& round,
                    const UnitsByCode& units, absl::string_view unit, Subject what) {
  const bool published = round.phase() == v1::PHASE_PUBLISHED;
  switch (caller.role) {
    case v1::ROLE_APPRAISER:
    case v1::ROLE_ADMIN:
      return CheckScopeOf(caller, round, units, unit, what);
    case v1::ROLE_READER:
      if (what == Subject::kRunRound)
        return absl::PermissionDeniedError("readers do not run rounds");
      if (!published) {
        return absl::PermissionDeniedError(
            absl::StrCat("round ", round.id(),
                         " is not published: readers see published rounds only"));
      }
      if (what == Subject::kForm || what == Subject::kFile) {
        return absl::PermissionDeniedError(
            "readers see scores and results, not the units' forms or files");
      }
      return CheckScopeOf(caller, round, units, unit, what);
    case v1::ROLE_WARD:
      // A ward sees nothing of a round its unit is not in, published or not.
      if (std::find(round.units().begin(), round.units().end(), caller.unit) ==
          round.units().end()) {
        return absl::PermissionDeniedError(absl::StrCat(
            "round ", round.id(), " is not one of unit ", caller.unit, "'s rounds"));
      }
      if (what == Subject::kRound) return absl::OkStatus();
      if (what == Subject::kRunRound)
        return absl::PermissionDeniedError("wards do not run rounds");
      if (!unit.empty() && unit == caller.unit) return absl::OkStatus();
      if (what == Subject::kForm || what == Subject::kFile) {
        return absl::PermissionDeniedError(
            absl::StrCat("this token acts for unit ", caller.unit, ", not ", unit));
      }
      if (!published) {
        if (what == Subject::kResults) {
          return absl::PermissionDeniedError(absl::StrCat(
              "round ", round.id(),
              " is not published: its results are visible to the Home Affairs office "
              "only"));
        }
        return absl::PermissionDeniedError(absl::StrCat(
            "this token acts for unit ", caller.unit, ", not ", unit,
            ": another unit's data is visible only once the round is published"));
      }
      return absl::OkStatus();
    default:
      return absl::PermissionDeniedError("no role");
  }
}

void ShowEntry(const Caller& caller, v1::AssessmentState state, v1::Entry* entry) {
  if (caller.role == v1::ROLE_WARD) return;  // CanSee: its own unit's form only
  if (state == v1::STATE_EXPLAINED && entry->explanation_sent_at().empty()) return;
  if (entry->explanation() != entry->explanation_sent())
    entry->set_explanation(entry->explanation_sent());
}

void ShowForm(const Caller& caller, v1::Assessment* form) {
  if (caller.role == v1::ROLE_WARD) return;
  for (v1::Entry& e : *form->mutable_entries()) ShowEntry(caller, form->state(), &e);
}

namespace {

// An entry's body in the trail (JSON, as the store writes it) with its explanation as
// sent; `json` unchanged when it is not an entry or shows nothing unsent.
void ShowEntryJson(const Caller& caller, std::string* json) {
  if (json->empty() || json->find("\"explanation\"") == std::string::npos) return;
  v1::Entry entry;
  google::protobuf::util::JsonParseOptions parse;
  parse.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(*json, &entry, parse).ok()) return;
  if (entry.explanation() == entry.explanation_sent()) return;
  ShowEntry(caller, v1::ASSESSMENT_STATE_UNSPECIFIED, &entry);
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  std::string out;
  if (google::protobuf::util::MessageToJsonString(entry, &out, print).ok()) *json = out;
}

}  // namespace

void ShowAuditEvent(const Caller& caller, const UnitsByCode& units,
                    v1::AuditEvent* event) {
  const std::vector<absl::string_view> parts = absl::StrSplit(event->resource(), '/');
  // A task's assignment: the units given it that the caller sees, no other.
  if (IsTaskAssignment(parts) && (caller.role == v1::ROLE_WARD || NeedsUnits(caller))) {
    KeepAssignedInScope(caller, units, event->mutable_before());
    KeepAssignedInScope(caller, units, event->mutable_after());
    return;
  }
  if (caller.role == v1::ROLE_WARD) return;
  // rounds/{r}/assessments/{u}/entries/{criterion}
  if (parts.size() != 6 || parts[0] != "rounds" || parts[4] != "entries") return;
  ShowEntryJson(caller, event->mutable_before());
  ShowEntryJson(caller, event->mutable_after());
}

std::vector<std::string> ResultUnits(const Caller& caller, const v1::Round& round,
                                     const UnitsByCode& units) {
  std::vector<std::string> shown;
  for (const std::string& u : round.units()) {
    if (CanSee(caller, round, units, u, Subject::kScore).ok()) shown.push_back(u);
  }
  return shown;
}

// ---- the workflow ----

const std::vector<WorkflowRule>& WorkflowTable() {
  using P = std::vector<v1::RoundPhase>;
  using S = std::vector<v1::AssessmentState>;
  static const P kAppraisal = {v1::PHASE_APPRAISAL, v1::PHASE_EXPLANATION,
                               v1::PHASE_FINAL_APPRAISAL};
  static const S kOpen = {v1::STATE_NOT_STARTED, v1::STATE_DRAFT};
  static const S kNotFinal = {v1::STATE_NOT_STARTED,
                              v1::STATE_DRAFT,
                              v1::STATE_SUBMITTED,
                              v1::STATE_APPRAISED,
                              v1::STATE_EXPLANATION_REQUESTED,
                              v1::STATE_EXPLAINED};
  static const S kAsked = {v1::STATE_EXPLANATION_REQUESTED};
  constexpr v1::Role kWard = v1::ROLE_WARD;
  constexpr v1::Role kAppraiser = v1::ROLE_APPRAISER;
  // Derived states come in pairs (NOT_STARTED/DRAFT, SUBMITTED/APPRAISED): every row
  // allows both or neither, so a check may read only the entries a write touches.
  static const auto* table = new std::vector<WorkflowRule>{
      {.verb = Verb::kUpdateEntries,
       .role = kWard,
       .action = "editing the self-assessment",
       .phases = {v1::PHASE_SELF_ASSESSMENT},
       .states = kOpen,
       .deadline = Deadline::kSelfAssessment,
       .fields = {"self", "comment", "evidence"}},
      {.verb = Verb::kUploadEvidence,
       .role = kWard,
       .action = "attaching a file",
       .phases = {v1::PHASE_SELF_ASSESSMENT},
       .states = kOpen,
       .deadline = Deadline::kSelfAssessment},
      {.verb = Verb::kRemoveEvidence,
       .role = kWard,
       .action = "removing a file",
       .phases = {v1::PHASE_SELF_ASSESSMENT},
       .states = kOpen,
       .deadline = Deadline::kSelfAssessment},
      {.verb = Verb::kSubmit,
       .role = kWard,
       .action = "submitting",
       .phases = {v1::PHASE_SELF_ASSESSMENT},
       .states = kOpen,
       .deadline = Deadline::kSelfAssessment,
       .stores = v1::STATE_SUBMITTED},
      {.verb = Verb::kUpdateEntries,
       .role = kAppraiser,
       .action = "appraising",
       .phases = kAppraisal,
       .states = kNotFinal,
       .fields = {"appraised", "appraisal_comment"}},
      {.verb = Verb::kUploadEvidence,
       .role = kAppraiser,
       .action = "attaching a file",
       .phases = kAppraisal,
       .states = kNotFinal},
      {.verb = Verb::kRemoveEvidence,
       .role = kAppraiser,
       .action = "removing a file",
       .phases = kAppraisal,
       .states = kNotFinal},
      // Asked already: more criteria may join the request until the explanation phase
      // starts (the unit answers none before it).
      {.verb = Verb::kRequestExplanation,
       .role = kAppraiser,
       .action = "requesting explanations",
       .phases = {v1::PHASE_APPRAISAL},
       .states = {v1::STATE_NOT_STARTED, v1::STATE_DRAFT, v1::STATE_SUBMITTED,
                  v1::STATE_APPRAISED, v1::STATE_EXPLANATION_REQUESTED},
       .stores = v1::STATE_EXPLANATION_REQUESTED},
      {.verb = Verb::kUpdateEntries,
       .role = kWard,
       .action = "explaining",
       .phases = {v1::PHASE_EXPLANATION},
       .states = kAsked,
       .deadline = Deadline::kExplanation,
       .fields = {"explanation"},
       .requested_only = true},
      {.verb = Verb::kUploadEvidence,
       .role = kWard,
       .action = "attaching a file to an explanation",
       .phases = {v1::PHASE_EXPLANATION},
       .states = kAsked,
       .deadline = Deadline::kExplanation,
       .requested_only = true},
      {.verb = Verb::kRemoveEvidence,
       .role = kWard,
       .action = "removing a file from an explanation",
       .phases = {v1::PHASE_EXPLANATION},
       .states = kAsked,
       .deadline = Deadline::kExplanation,
       .requested_only = true},
      {.verb = Verb::kSubmitExplanation,
       .role = kWard,
       .action = "submitting explanations",
       .phases = {v1::PHASE_EXPLANATION},
       .states = kAsked,
       .deadline = Deadline::kExplanation,
       .stores = v1::STATE_EXPLAINED},
      {.verb = Verb::kImportSurvey,
       .role = kAppraiser,
       .action = "importing survey results",
       .phases = kAppraisal,
       .states = kNotFinal},
      {.verb = Verb::kImportRecords,
       .role = kAppraiser,
       .action = "importing dossier records",
       .phases = {v1::PHASE_SELF_ASSESSMENT, v1::PHASE_APPRAISAL, v1::PHASE_EXPLANATION,
                  v1::PHASE_FINAL_APPRAISAL}},
      // Read and changing nothing: the stored state stays EXPLAINED.
      {.verb = Verb::kReviewExplanation,
       .role = kAppraiser,
       .action = "marking explanations as read",
       .phases = {v1::PHASE_EXPLANATION, v1::PHASE_FINAL_APPRAISAL},
       .states = {v1::STATE_EXPLAINED},
       .stores = v1::STATE_EXPLAINED},
      {.verb = Verb::kFinalise,
       .role = kAppraiser,
       .action = "finalising a unit",
       .phases = {v1::PHASE_FINAL_APPRAISAL},
       .states = kNotFinal,
       .stores = v1::STATE_FINAL},
      {.verb = Verb::kCorrectEntries,
       .role = kAppraiser,
       .action = "a correction",
       .phases = {v1::PHASE_FINALISED, v1::PHASE_PUBLISHED},
       .states = {v1::STATE_FINAL},
       .fields = {"appraised", "appraisal_comment"},
       .needs_reason = true},
      {.verb = Verb::kReopen,
       .role = kAppraiser,
       .action = "reopening a unit",
       .phases = {v1::PHASE_SELF_ASSESSMENT},
       .states = {v1::STATE_NOT_STARTED, v1::STATE_DRAFT, v1::STATE_SUBMITTED,
                  v1::STATE_APPRAISED},  // APPRAISED cannot happen yet: the pair rule
       .needs_reason = true,
       .stores = v1::STATE_DRAFT,
       .reopens = true},
      {.verb = Verb::kReopen,
       .role = kAppraiser,
       .action = "reopening a unit",
       .phases = {v1::PHASE_EXPLANATION},
       .states = {v1::STATE_EXPLANATION_REQUESTED, v1::STATE_EXPLAINED},
       .needs_reason = true,
       .stores = v1::STATE_EXPLANATION_REQUESTED,
       .reopens = true},
      {.verb = Verb::kAdvance,
       .role = kAppraiser,
       .action = "moving the round on",
       .phases = {v1::PHASE_DRAFT, v1::PHASE_SELF_ASSESSMENT, v1::PHASE_APPRAISAL,
                  v1::PHASE_EXPLANATION, v1::PHASE_FINAL_APPRAISAL, v1::PHASE_FINALISED}},
  };
  return *table;
}

bool UnitEntered(const v1::Entry& e) {
  const v1::EntryValues& self = e.self();
  if (!self.figures().empty() || self.has_done() || self.has_issued() ||
      self.has_score_milli() || !e.comment().empty() || !e.explanation().empty()) {
    return true;
  }
  return std::any_of(e.evidence().begin(), e.evidence().end(),
                     [](const v1::Evidence& f) { return !f.by_office(); });
}

bool NeverStarted(const v1::Assessment& a) {
  // Only a unit writes the self side of its data sheet; the office the appraised one.
  return a.state() == v1::STATE_NOT_STARTED &&
         std::none_of(a.entries().begin(), a.entries().end(), UnitEntered) &&
         std::none_of(a.values().begin(), a.values().end(), [](const v1::DataValue& v) {
           // A value computed from records or tasks is not the unit's typing.
           return v.has_self() && !v.self().has_from_records() &&
                  !v.self().has_from_tasks();
         });
}

v1::AssessmentState EffectiveState(const v1::Round& round, const v1::Assessment& a) {
  if (round.phase() >= v1::PHASE_FINALISED) return v1::STATE_FINAL;
  if (a.state() == v1::STATE_NOT_STARTED && !NeverStarted(a)) return v1::STATE_DRAFT;
  if (a.state() == v1::STATE_SUBMITTED) {
    for (const v1::Entry& e : a.entries()) {
      if (e.has_appraised()) return v1::STATE_APPRAISED;
    }
    for (const v1::DataValue& v : a.values()) {
      if (v.has_appraised()) return v1::STATE_APPRAISED;
    }
  }
  return a.state();
}

bool HasAppraisal(const v1::Round& /*round*/, const v1::Assessment& a) {
  // Never submitted: its figures are a draft the unit did not stand behind, whatever
  // the office wrote on them. Finalising the round changes neither.
  if (a.state() == v1::STATE_NOT_STARTED || a.state() == v1::STATE_DRAFT) return false;
  return std::any_of(a.entries().begin(), a.entries().end(),
                     [](const v1::Entry& e) {
                       return e.has_appraised() || !e.appraisal_comment().empty();
                     }) ||
         std::any_of(a.values().begin(), a.values().end(),
                     [](const v1::DataValue& v) { return v.has_appraised(); });
}

namespace {

template <typename T, typename Name>
std::string Names(const std::vector<T>& values, Name name) {
  std::string out;
  for (const T& v : values) absl::StrAppend(&out, out.empty() ? "" : " or ", name(v));
  return out;
}

// FAILED_PRECONDITION once `deadline` (RFC 3339) has passed.
absl::Status CheckDeadline(const std::string& deadline, absl::Time now,
                           absl::string_view what) {
  if (deadline.empty()) return absl::OkStatus();
  absl::Time due;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, deadline, &due, &error))
    return absl::OkStatus();
  if (now <= due) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("the ", what, " deadline ", deadline,
                   " has passed; ask the Home Affairs office to "
                   "reopen the assessment"));
}

}  // namespace

std::string Where(const v1::Round& round, const UnitStanding* unit) {
  return absl::StrCat("round ", round.id(), " is in phase ", PhaseName(round.phase()),
                      unit == nullptr
                          ? ""
                          : absl::StrCat(" and the assessment of ", unit->unit, " is ",
                                         StateName(unit->state)));
}

absl::Status CanChangeTasks(const v1::Round& round, const UnitStanding* unit) {
  if (round.phase() >= v1::PHASE_FINALISED) {
    return absl::FailedPreconditionError(absl::StrCat(
        Where(round, unit), ": tasks are assigned and reported on before FINALISED"));
  }
  if (unit != nullptr && unit->state == v1::STATE_FINAL) {
    return absl::FailedPreconditionError(absl::StrCat(
        Where(round, unit), ": its figures, those computed from tasks too, are final"));
  }
  return absl::OkStatus();
}

absl::StatusOr<const WorkflowRule*> Allow(Verb verb, v1::Role role,
                                          const v1::Round& round,
                                          const UnitStanding* unit, absl::Time now) {
  const std::string where = Where(round, unit);
  std::vector<const WorkflowRule*> rows, others;
  for (const WorkflowRule& rule : WorkflowTable()) {
    if (rule.verb != verb) continue;
    (rule.role == role ? rows : others).push_back(&rule);
  }
  if (rows.empty()) {  // another role's action
    std::string whose;
    for (const WorkflowRule* r : others) {
      absl::StrAppend(&whose, whose.empty() ? "" : "; ", r->action, " is ",
                      Article(RoleName(r->role)), "'s, in ", Names(r->phases, PhaseName));
    }
    return absl::FailedPreconditionError(
        absl::StrCat(where, ": not ", Article(RoleName(role)), "'s to do (", whose, ")"));
  }
  const WorkflowRule* rule = nullptr;
  for (const WorkflowRule* r : rows) {
    if (std::find(r->phases.begin(), r->phases.end(), round.phase()) != r->phases.end())
      rule = r;
  }
  if (rule == nullptr) {
    if (round.phase() == v1::PHASE_PUBLISHED && verb == Verb::kAdvance) {
      return absl::FailedPreconditionError(absl::StrCat(where, ": it is the last phase"));
    }
    if (verb == Verb::kUpdateEntries && role == v1::ROLE_APPRAISER &&
        round.phase() >= v1::PHASE_FINALISED) {
      return absl::FailedPreconditionError(
          absl::StrCat(where,
                       ": scores are locked; a change is a correction (correction = "
                       "true, with a reason)"));
    }
    std::string allowed;
    for (const WorkflowRule* r : rows) {
      absl::StrAppend(&allowed, allowed.empty() ? "" : "; ", r->action, " is allowed in ",
                      Names(r->phases, PhaseName));
    }
    return absl::FailedPreconditionError(absl::StrCat(where, ": ", allowed));
  }
  if (unit == nullptr) return rule;
  if (std::find(rule->states.begin(), rule->states.end(), unit->state) ==
      rule->states.end()) {
    return absl::FailedPreconditionError(absl::StrCat(
        where, ": ", rule->action, " needs it to be ", Names(rule->states, StateName)));
  }
  if (!unit->reopened) {
    absl::Status due;
    if (rule->deadline == Deadline::kSelfAssessment) {
      due = CheckDeadline(round.self_assessment_deadline(), now, "self-assessment");
    } else if (rule->deadline == Deadline::kExplanation) {
      due = CheckDeadline(round.explanation_deadline(), now, "explanation");
    }
    if (!due.ok())
      return absl::Status(due.code(), absl::StrCat(where, ": ", due.message()));
  }
  return rule;
}

void CheckActions(const Caller& caller, const v1::Round& round, const UnitStanding& unit,
                  absl::Time now,
                  google::protobuf::RepeatedPtrField<v1::ActionCheck>* out) {
  struct Action {
    Verb verb;
    const char* name;    // ActionCheck.action
    const char* method;  // the method called for it
    // A field the action writes (the appraised values): a role none of whose rules
    // for the verb writes it may call the method on its own side only.
    const char* writes = nullptr;
  };
  static const auto* kActions = new std::vector<Action>{
      {Verb::kUpdateEntries, "BatchUpdateEntries",
       "AssessmentService/BatchUpdateEntries"},
      {Verb::kUpdateEntries, "AppraiseEntries", "AssessmentService/BatchUpdateEntries",
       "appraised"},
      {Verb::kCorrectEntries, "CorrectEntries", "AssessmentService/BatchUpdateEntries"},
      {Verb::kUploadEvidence, "UploadEvidence", "AssessmentService/UploadEvidence"},
      {Verb::kRemoveEvidence, "DeleteEvidence", "AssessmentService/DeleteEvidence"},
      {Verb::kSubmit, "SubmitAssessment", "AssessmentService/SubmitAssessment"},
      {Verb::kRequestExplanation, "RequestExplanation",
       "AssessmentService/RequestExplanation"},
      {Verb::kSubmitExplanation, "SubmitExplanation",
       "AssessmentService/SubmitExplanation"},
      {Verb::kReviewExplanation, "ReviewExplanation",
       "AssessmentService/ReviewExplanation"},
      {Verb::kFinalise, "FinaliseAssessment", "AssessmentService/FinaliseAssessment"},
      {Verb::kReopen, "ReopenAssessment", "RoundService/ReopenAssessment"},
  };
  // Whether any of the role's rules for `verb` writes `field` (in any phase).
  auto role_writes = [&caller](Verb verb, const std::string& field) {
    for (const WorkflowRule& rule : WorkflowTable()) {
      if (rule.verb == verb && rule.role == caller.role &&
          std::find(rule.fields.begin(), rule.fields.end(), field) != rule.fields.end())
        return true;
    }
    return false;
  };
  const std::string where = absl::StrCat(Where(round, &unit), ": ");
  for (const Action& action : *kActions) {
    v1::ActionCheck* check = out->Add();
    check->set_action(action.name);
    absl::Status allowed =
        Authorize(caller, absl::StrCat("/parindex.v1.", action.method));
    if (allowed.ok() && action.writes != nullptr &&
        !role_writes(action.verb, action.writes)) {
      allowed = absl::PermissionDeniedError(
          absl::StrCat(Article(RoleName(caller.role)),
                       " token may not appraise (the appraised side is the Home Affairs "
                       "office's)"));
    }
    if (allowed.ok())
      allowed = Allow(action.verb, caller.role, round, &unit, now).status();
    check->set_allowed(allowed.ok());
    if (allowed.ok()) continue;
    check->set_code(static_cast<int32_t>(allowed.code()));
    check->set_refusal(std::string(absl::StripPrefix(allowed.message(), where)));
  }
}

absl::Status CanRemoveFile(const WorkflowRule& rule, const v1::Round& round,
                           const UnitStanding& unit, const std::string& criterion,
                           const v1::Entry* entry, const v1::Evidence& file) {
  // Each side removes only what it attached: the unit's files are what it sent the
  // office, the office's its own working papers.
  if (rule.role == v1::ROLE_WARD && file.by_office()) {
    return absl::PermissionDeniedError(
        absl::StrCat("name: ", file.file_name(),
                     " was attached by the Home Affairs office; only the office may "
                     "remove it"));
  }
  if (rule.role != v1::ROLE_WARD && !file.by_office()) {
    return absl::PermissionDeniedError(absl::StrCat("name: ", file.file_name(),
                                                    " was attached by ", unit.unit,
                                                    "; only the unit may remove it"));
  }
  if (rule.requested_only && (entry == nullptr || entry->explanation_request().empty())) {
    return absl::FailedPreconditionError(
        absl::StrCat("name: ", Where(round, &unit), ": no explanation was requested for ",
                     criterion, "; ", rule.action, " is for the criteria asked about"));
  }
  if (rule.requested_only && rule.role == v1::ROLE_WARD && !file.for_explanation()) {
    // What the unit sent before is what the office appraised: it stays on the record.
    return absl::FailedPreconditionError(absl::StrCat(
        "name: ", Where(round, &unit), ": ", file.file_name(),
        " was attached before the explanation phase and was appraised, so it stays; ",
        rule.action, " is for the files attached to the explanation"));
  }
  return absl::OkStatus();
}

absl::Status CheckFields(const WorkflowRule& rule, const v1::Round& round,
                         const UnitStanding& unit, absl::string_view field,
                         absl::string_view path) {
  const std::string top(path.substr(0, path.find('.')));
  if (std::find(rule.fields.begin(), rule.fields.end(), top) != rule.fields.end())
    return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(field, ": ", Where(round, &unit), ": ", rule.action, " writes ",
                   absl::StrJoin(rule.fields, ", "), ", not '", path, "'"));
}

std::string Article(absl::string_view noun) {
  const bool vowel = !noun.empty() &&
                     absl::string_view("aeiou").find(noun[0]) != absl::string_view::npos;
  return absl::StrCat(vowel ? "an " : "a ", noun);
}

}  // namespace parindex::server
