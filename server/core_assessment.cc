// Core: assessments — the forms wards fill and appraisers appraise, and their states.
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "engine/errors.h"
#include "engine/fixed_point.h"
#include "google/protobuf/util/field_mask_util.h"
#include "server/core.h"
#include "server/core_internal.h"
#include "server/core_util.h"

namespace parindex::server {
namespace {

using google::protobuf::util::FieldMaskUtil;

// The states that follow from data are derived, not stored: DRAFT once a unit has
// entered something, APPRAISED once an appraiser has, FINAL once the round is.
v1::AssessmentState EffectiveState(const v1::Round& round, const v1::Assessment& a) {
  if (round.phase() >= v1::PHASE_FINALISED) return v1::STATE_FINAL;
  if (a.state() == v1::STATE_NOT_STARTED && a.entries_size() > 0) return v1::STATE_DRAFT;
  if (a.state() == v1::STATE_SUBMITTED) {
    for (const v1::Entry& e : a.entries()) {
      if (e.has_appraised()) return v1::STATE_APPRAISED;
    }
  }
  return a.state();
}

absl::Status RequireState(const std::string& unit, v1::AssessmentState state,
                          std::vector<v1::AssessmentState> allowed,
                          absl::string_view action) {
  for (v1::AssessmentState s : allowed) {
    if (state == s) return absl::OkStatus();
  }
  std::string names;
  for (v1::AssessmentState s : allowed)
    absl::StrAppend(&names, names.empty() ? "" : " or ", StateName(s));
  return absl::FailedPreconditionError(absl::StrCat("the assessment of ", unit, " is ",
                                                    StateName(state), ": ", action,
                                                    " needs it to be ", names));
}

absl::Status CheckOwnUnit(const Caller& c, const std::string& unit) {
  if (c.role == v1::ROLE_WARD && c.unit != unit) {
    return absl::PermissionDeniedError(
        absl::StrCat("this token acts for unit ", c.unit, ", not ", unit));
  }
  return absl::OkStatus();
}

// FAILED_PRECONDITION once `deadline` (RFC 3339) has passed, unless reopened.
absl::Status CheckDeadline(const std::string& deadline, absl::Time now, bool reopened,
                           absl::string_view what) {
  if (deadline.empty() || reopened) return absl::OkStatus();
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

// Rewrites an engine error about entries[i] into one about `prefix`[i].entry.
absl::Status RenameEntryPath(const absl::Status& status, absl::string_view prefix) {
  absl::string_view message = status.message();
  if (!absl::ConsumePrefix(&message, "entries[")) return status;
  const size_t close = message.find(']');
  if (close == absl::string_view::npos) return status;
  absl::string_view index = message.substr(0, close);
  absl::string_view rest = message.substr(close + 1);
  absl::ConsumePrefix(&rest, ".");
  return absl::Status(status.code(), absl::StrCat(prefix, "[", index, "].entry.", rest));
}

}  // namespace

// ---- reading ----

absl::StatusOr<v1::Assessment> Core::LoadAssessment(const RoundContext& round,
                                                    const std::string& unit) {
  ASSIGN_OR_RETURN(v1::Assessment a, store_->GetAssessment(round.round.id(), unit));
  a.set_state(EffectiveState(round.round, a));
  return a;
}

absl::StatusOr<Core::ActionTarget> Core::PrepareAction(const Caller& c,
                                                       const std::string& name,
                                                       const std::string& request_id,
                                                       absl::string_view store_method) {
  ActionTarget t;
  ASSIGN_OR_RETURN(auto parsed, ParseAssessmentName(name));
  t.round_id = parsed.first;
  t.unit = parsed.second;
  RETURN_IF_ERROR(CheckOwnUnit(c, t.unit));
  ASSIGN_OR_RETURN(t.round, LoadRound(t.round_id));
  RETURN_IF_ERROR(CheckCanRead(c, *t.round, t.unit));
  ASSIGN_OR_RETURN(t.a, LoadAssessment(*t.round, t.unit));
  ASSIGN_OR_RETURN(t.replayed, AlreadyApplied(request_id, store_method));
  return t;
}

absl::StatusOr<v1::Assessment> Core::MoveTo(const Caller& c, const ActionTarget& t,
                                            v1::AssessmentState state, int64_t etag,
                                            bool reopened, const std::string& request_id,
                                            const std::string& reason) {
  RETURN_IF_ERROR(store_
                      ->SetAssessmentState(Ctx(c, request_id, reason), t.round_id, t.unit,
                                           state, etag, reopened)
                      .status());
  Changed(t.round_id, t.unit);
  return LoadAssessment(*t.round, t.unit);
}

absl::StatusOr<v1::Assessment> Core::GetAssessment(const Caller& c,
                                                   const v1::GetByNameRequest& r) {
  ASSIGN_OR_RETURN(auto name, ParseAssessmentName(r.name()));
  ASSIGN_OR_RETURN(auto round, LoadRound(name.first));
  RETURN_IF_ERROR(CheckOwnUnit(c, name.second));
  RETURN_IF_ERROR(CheckCanRead(c, *round, name.second));
  return LoadAssessment(*round, name.second);
}

absl::StatusOr<v1::ListAssessmentsResponse> Core::ListAssessments(
    const Caller& c, const v1::ListAssessmentsRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.parent(), "rounds", "parent"));
  ASSIGN_OR_RETURN(auto round, LoadRound(id));
  ASSIGN_OR_RETURN(std::vector<v1::Assessment> all, store_->ListAssessments(id));
  v1::ListAssessmentsResponse response;
  for (v1::Assessment& a : all) {
    if (c.role == v1::ROLE_WARD && a.unit() != c.unit) continue;
    a.set_state(EffectiveState(round->round, a));
    if (!r.with_entries()) a.clear_entries();
    *response.add_assessments() = std::move(a);
  }
  return response;
}

absl::StatusOr<std::vector<Core::RoundGauge>> Core::RoundGauges() {
  ASSIGN_OR_RETURN(std::vector<v1::Round> rounds, store_->ListRounds());
  std::vector<RoundGauge> gauges;
  for (const v1::Round& round : rounds) {
    RoundGauge& g = gauges.emplace_back();
    g.round = round.id();
    g.phase = round.phase();
    if (round.phase() >= v1::PHASE_FINALISED) {  // every unit is final: no need to read
      g.states[v1::STATE_FINAL] = round.units_size();
      continue;
    }
    ASSIGN_OR_RETURN(std::vector<v1::Assessment> all,
                     store_->ListAssessments(round.id()));
    for (const v1::Assessment& a : all) ++g.states[EffectiveState(round, a)];
  }
  return gauges;
}

// ---- entries ----

absl::StatusOr<v1::BatchUpdateEntriesResponse> Core::BatchUpdateEntries(
    const Caller& c, const v1::BatchUpdateEntriesRequest& r) {
  ASSIGN_OR_RETURN(auto name, ParseAssessmentName(r.parent(), "parent"));
  const std::string& unit_code = name.second;
  RETURN_IF_ERROR(CheckOwnUnit(c, unit_code));
  ASSIGN_OR_RETURN(auto round, LoadRound(name.first));
  RETURN_IF_ERROR(CheckCanRead(c, *round, unit_code));
  // Only the entries this call touches are read: the checks below need the stored
  // state, not the states derived from other entries (NOT_STARTED and DRAFT, or
  // SUBMITTED and APPRAISED, are allowed alike).
  std::vector<std::string> touched;
  for (const v1::EntryUpdate& u : r.updates()) touched.push_back(u.entry().criterion());
  ASSIGN_OR_RETURN(v1::Assessment stored,
                   store_->GetAssessmentEntries(name.first, unit_code, touched));
  if (round->round.phase() >= v1::PHASE_FINALISED) stored.set_state(v1::STATE_FINAL);
  if (r.updates().empty())
    return absl::InvalidArgumentError("updates: nothing to update");
  ASSIGN_OR_RETURN(bool applied, AlreadyApplied(r.request_id(), "UpdateEntries"));
  if (applied) {  // a retry: answer with the entries as they are now
    v1::BatchUpdateEntriesResponse response;
    for (const v1::EntryUpdate& u : r.updates()) {
      for (const v1::Entry& e : stored.entries()) {
        if (e.criterion() == u.entry().criterion()) *response.add_entries() = e;
      }
    }
    return response;
  }

  // Which fields this caller may write now.
  std::vector<std::string> allowed;
  v1::Column column = v1::SELF;
  std::string action = "entry.update";
  const v1::RoundPhase phase = round->round.phase();
  if (c.role == v1::ROLE_WARD) {
    if (phase == v1::PHASE_EXPLANATION) {
      RETURN_IF_ERROR(RequireState(unit_code, stored.state(),
                                   {v1::STATE_EXPLANATION_REQUESTED}, "explaining"));
      RETURN_IF_ERROR(CheckDeadline(round->round.explanation_deadline(), Now(),
                                    stored.reopened(), "explanation"));
      allowed = {"explanation"};
    } else {
      RETURN_IF_ERROR(RequirePhase(round->round,
                                   {v1::PHASE_SELF_ASSESSMENT, v1::PHASE_EXPLANATION},
                                   "editing a self-assessment"));
      RETURN_IF_ERROR(RequireState(unit_code, stored.state(),
                                   {v1::STATE_NOT_STARTED, v1::STATE_DRAFT}, "editing"));
      RETURN_IF_ERROR(CheckDeadline(round->round.self_assessment_deadline(), Now(),
                                    stored.reopened(), "self-assessment"));
      allowed = {"self", "comment", "evidence"};
    }
  } else {  // appraiser
    column = v1::APPRAISED;
    if (r.correction()) {
      RETURN_IF_ERROR(RequirePhase(
          round->round, {v1::PHASE_FINALISED, v1::PHASE_PUBLISHED}, "a correction"));
      if (r.reason().empty()) {
        return absl::InvalidArgumentError(
            "reason: a correction after finalisation needs a reason");
      }
      action = "entry.correct";
    } else {
      if (phase == v1::PHASE_FINALISED || phase == v1::PHASE_PUBLISHED) {
        return absl::FailedPreconditionError(
            absl::StrCat("round ", round->round.id(), " is ", PhaseName(phase),
                         ": scores are locked; a change is a correction (correction = "
                         "true, with a reason)"));
      }
      RETURN_IF_ERROR(RequirePhase(
          round->round,
          {v1::PHASE_APPRAISAL, v1::PHASE_EXPLANATION, v1::PHASE_FINAL_APPRAISAL},
          "appraising"));
      RETURN_IF_ERROR(RequireState(
          unit_code, stored.state(),
          {v1::STATE_NOT_STARTED, v1::STATE_DRAFT, v1::STATE_SUBMITTED,
           v1::STATE_APPRAISED, v1::STATE_EXPLANATION_REQUESTED, v1::STATE_EXPLAINED},
          "appraising"));
    }
    allowed = {"appraised", "appraisal_comment"};
  }

  std::map<std::string, const v1::Entry*> existing;
  for (const v1::Entry& e : stored.entries()) existing[e.criterion()] = &e;
  std::vector<store::EntryUpdate> updates;
  std::set<std::string> seen;
  v1::Assessment check;  // the merged entries, in request order, for the engine
  const engine::CompiledCriteriaSet& set = *round->set;
  for (int i = 0; i < r.updates_size(); ++i) {
    const v1::EntryUpdate& u = r.updates(i);
    const std::string& code = u.entry().criterion();
    const std::string at = absl::StrCat("updates[", i, "]");
    const int node = set.FindNode(code);
    if (node < 0 || !set.nodes()[node].leaf()) {
      return absl::InvalidArgumentError(absl::StrCat(
          at, ".entry.criterion: '", code, "' is not a criterion to fill in ",
          set.proto().id(), " v", set.proto().version()));
    }
    if (!seen.insert(code).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ".entry.criterion: ", code, " is updated twice"));
    }
    if (c.role == v1::ROLE_WARD && set.nodes()[node].shape == v1::Rule::kSurvey) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ".entry.criterion: ", code,
                       " is a survey criterion; its answers are imported by "
                       "the Home Affairs office"));
    }
    std::vector<std::string> paths(u.update_mask().paths().begin(),
                                   u.update_mask().paths().end());
    if (paths.empty()) paths = allowed;
    for (const std::string& path : paths) {
      if (!FieldMaskUtil::GetFieldDescriptors(v1::Entry::descriptor(), path, nullptr)) {
        return absl::InvalidArgumentError(
            absl::StrCat(at, ".update_mask: '", path, "' is not a field of Entry"));
      }
      const std::string top = path.substr(0, path.find('.'));
      if (std::find(allowed.begin(), allowed.end(), top) == allowed.end()) {
        return absl::PermissionDeniedError(
            absl::StrCat(at, ".update_mask: a ", RoleName(c.role), " may not set '", path,
                         "' in phase ", PhaseName(phase)));
      }
    }
    const v1::Entry* before = existing.count(code) ? existing[code] : nullptr;
    if (allowed.front() == "explanation" &&
        (before == nullptr || before->explanation_request().empty())) {
      return absl::FailedPreconditionError(
          absl::StrCat(at, ": no explanation was requested for ", code));
    }
    const int64_t stored_version = before == nullptr ? 0 : before->version();
    if (u.etag() != stored_version) {
      return absl::AbortedError(absl::StrCat(
          r.parent(), "/entries/", code, ": stale etag ", u.etag(), "; it is at version ",
          stored_version, " (read it again, then retry)"));
    }
    v1::Entry merged;
    if (before != nullptr) merged = *before;
    merged.set_criterion(code);
    google::protobuf::FieldMask mask;
    for (const std::string& path : paths) mask.add_paths(path);
    FieldMaskUtil::MergeOptions options;
    options.set_replace_message_fields(true);
    options.set_replace_repeated_fields(true);
    FieldMaskUtil::MergeMessageTo(u.entry(), mask, options, &merged);
    merged.clear_version();
    merged.clear_updated_at();
    merged.clear_updated_by();
    *check.add_entries() = merged;
    updates.push_back({std::move(merged), stored_version});
  }
  // Figures are checked by the engine itself: the same rules that will score them.
  engine::ScoreSheet sheet;
  const v1::Unit& unit = round->units.at(unit_code);
  absl::Status valid =
      engine::Score(set, round->PlanFor(unit), unit, check, column, &sheet);
  if (!valid.ok()) return RenameEntryPath(valid, "updates");

  store::WriteContext ctx = Ctx(c, r.request_id(), r.reason());
  ctx.action = action;
  ASSIGN_OR_RETURN(v1::WriteAck ack,
                   store_->UpdateEntries(ctx, name.first, unit_code, updates));
  Changed(name.first, unit_code);
  // The stored entries are what was merged, with the versions and time of the commit.
  v1::BatchUpdateEntriesResponse response;
  for (size_t i = 0; i < updates.size(); ++i) {
    v1::Entry* e = response.add_entries();
    *e = std::move(updates[i].entry);
    e->set_version(i < static_cast<size_t>(ack.versions_size()) ? ack.versions(i) : 0);
    e->set_updated_at(ack.at());
    e->set_updated_by(c.token_id);
  }
  return response;
}

absl::StatusOr<v1::Evidence> Core::UploadEvidence(const Caller& c,
                                                  const v1::UploadEvidenceRequest& r) {
  ASSIGN_OR_RETURN(auto name, ParseAssessmentName(r.parent(), "parent"));
  RETURN_IF_ERROR(CheckOwnUnit(c, name.second));
  ASSIGN_OR_RETURN(auto round, LoadRound(name.first));
  RETURN_IF_ERROR(CheckCanRead(c, *round, name.second));
  const int node = round->set->FindNode(r.criterion());
  if (node < 0 || !round->set->nodes()[node].leaf()) {
    return absl::InvalidArgumentError(
        absl::StrCat("criterion: '", r.criterion(), "' is not a criterion to fill in"));
  }
  if (r.evidence().file_name().empty())
    return absl::InvalidArgumentError("evidence.file_name: is required");
  if (r.content().empty())
    return absl::InvalidArgumentError("content: the file is empty");
  if (round->round.phase() >= v1::PHASE_FINALISED) {
    return absl::FailedPreconditionError(
        absl::StrCat("round ", name.first, " is ", PhaseName(round->round.phase()),
                     ": evidence can no longer be added"));
  }
  if (!r.request_id().empty()) {
    absl::StatusOr<v1::WriteAck> prior =
        store_->FindRequest(r.request_id(), "AddEvidence");
    if (prior.ok()) {
      int64_t id = 0;
      if (!absl::SimpleAtoi(prior->id(), &id)) return absl::InternalError("evidence id");
      ASSIGN_OR_RETURN(store::EvidenceFile file, store_->GetEvidence(id));
      return file.meta;
    }
    if (prior.status().code() != absl::StatusCode::kNotFound) return prior.status();
  }
  ASSIGN_OR_RETURN(v1::WriteAck ack,
                   store_->AddEvidence(Ctx(c, r.request_id()), name.first, name.second,
                                       r.criterion(), r.evidence(), r.content()));
  int64_t id = 0;
  if (!absl::SimpleAtoi(ack.id(), &id)) return absl::InternalError("evidence id");
  ASSIGN_OR_RETURN(store::EvidenceFile file, store_->GetEvidence(id));
  return file.meta;
}

absl::StatusOr<v1::EvidenceFile> Core::GetEvidenceFile(const Caller& c,
                                                       const v1::GetByNameRequest& r) {
  const size_t at = r.name().rfind("/evidence/");
  int64_t id = 0;
  if (at == std::string::npos || !absl::SimpleAtoi(r.name().substr(at + 10), &id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("name: expected rounds/{id}/assessments/{unit}/evidence/{n}, got '",
                     r.name(), "'"));
  }
  ASSIGN_OR_RETURN(auto name, ParseAssessmentName(r.name().substr(0, at)));
  RETURN_IF_ERROR(CheckOwnUnit(c, name.second));
  ASSIGN_OR_RETURN(auto round, LoadRound(name.first));
  RETURN_IF_ERROR(CheckCanRead(c, *round, name.second));
  absl::StatusOr<store::EvidenceFile> file = store_->GetEvidence(id);
  if (!file.ok() || file->round != name.first || file->unit != name.second) {
    return absl::NotFoundError(absl::StrCat(r.name(), ": not found"));
  }
  v1::EvidenceFile out;
  *out.mutable_evidence() = std::move(file->meta);
  *out.mutable_content() = std::move(file->content);
  return out;
}

// ---- state changes ----

absl::StatusOr<v1::Assessment> Core::SubmitAssessment(
    const Caller& c, const v1::AssessmentActionRequest& r) {
  ASSIGN_OR_RETURN(ActionTarget t,
                   PrepareAction(c, r.name(), r.request_id(), "SetAssessmentState"));
  if (t.replayed) return t.a;
  RETURN_IF_ERROR(
      RequirePhase(t.round->round, {v1::PHASE_SELF_ASSESSMENT}, "submitting"));
  RETURN_IF_ERROR(RequireState(t.unit, t.a.state(),
                               {v1::STATE_NOT_STARTED, v1::STATE_DRAFT}, "submitting"));
  RETURN_IF_ERROR(CheckDeadline(t.round->round.self_assessment_deadline(), Now(),
                                t.a.reopened(), "self-assessment"));
  return MoveTo(c, t, v1::STATE_SUBMITTED, r.etag(), false, r.request_id());
}

absl::StatusOr<v1::Assessment> Core::RequestExplanation(
    const Caller& c, const v1::RequestExplanationRequest& r) {
  ASSIGN_OR_RETURN(ActionTarget t,
                   PrepareAction(c, r.name(), r.request_id(), "UpdateEntries"));
  if (t.replayed) return t.a;
  RETURN_IF_ERROR(
      RequirePhase(t.round->round, {v1::PHASE_APPRAISAL}, "requesting explanations"));
  RETURN_IF_ERROR(RequireState(
      t.unit, t.a.state(),
      {v1::STATE_SUBMITTED, v1::STATE_APPRAISED, v1::STATE_NOT_STARTED, v1::STATE_DRAFT},
      "requesting explanations"));
  if (r.messages().empty())
    return absl::InvalidArgumentError("messages: name the criteria to explain");
  std::map<std::string, const v1::Entry*> existing;
  for (const v1::Entry& e : t.a.entries()) existing[e.criterion()] = &e;
  std::vector<store::EntryUpdate> updates;
  std::map<std::string, std::string> ordered(r.messages().begin(), r.messages().end());
  for (const auto& [code, message] : ordered) {
    const int node = t.round->set->FindNode(code);
    if (node < 0 || !t.round->set->nodes()[node].leaf()) {
      return absl::InvalidArgumentError(
          absl::StrCat("messages[", code, "]: not a criterion to fill in"));
    }
    if (message.empty())
      return absl::InvalidArgumentError(
          absl::StrCat("messages[", code, "]: say what to explain"));
    v1::Entry entry;
    if (existing.count(code)) entry = *existing[code];
    entry.set_criterion(code);
    entry.set_explanation_request(message);
    const int64_t version = existing.count(code) ? existing[code]->version() : 0;
    updates.push_back({std::move(entry), version});
  }
  store::StateChange change{v1::STATE_EXPLANATION_REQUESTED, r.etag(), t.a.reopened()};
  RETURN_IF_ERROR(
      store_->UpdateEntries(Ctx(c, r.request_id()), t.round_id, t.unit, updates, &change)
          .status());
  Changed(t.round_id, t.unit);
  return LoadAssessment(*t.round, t.unit);
}

absl::StatusOr<v1::Assessment> Core::SubmitExplanation(
    const Caller& c, const v1::AssessmentActionRequest& r) {
  ASSIGN_OR_RETURN(ActionTarget t,
                   PrepareAction(c, r.name(), r.request_id(), "SetAssessmentState"));
  if (t.replayed) return t.a;
  RETURN_IF_ERROR(
      RequirePhase(t.round->round, {v1::PHASE_EXPLANATION}, "submitting explanations"));
  RETURN_IF_ERROR(RequireState(t.unit, t.a.state(), {v1::STATE_EXPLANATION_REQUESTED},
                               "submitting explanations"));
  RETURN_IF_ERROR(CheckDeadline(t.round->round.explanation_deadline(), Now(),
                                t.a.reopened(), "explanation"));
  return MoveTo(c, t, v1::STATE_EXPLAINED, r.etag(), false, r.request_id());
}

absl::StatusOr<v1::Assessment> Core::FinaliseAssessment(
    const Caller& c, const v1::AssessmentActionRequest& r) {
  ASSIGN_OR_RETURN(ActionTarget t,
                   PrepareAction(c, r.name(), r.request_id(), "SetAssessmentState"));
  if (t.replayed) return t.a;
  RETURN_IF_ERROR(
      RequirePhase(t.round->round, {v1::PHASE_FINAL_APPRAISAL}, "finalising a unit"));
  if (t.a.state() == v1::STATE_FINAL) {
    return absl::FailedPreconditionError(
        absl::StrCat("the assessment of ", t.unit, " is already FINAL"));
  }
  return MoveTo(c, t, v1::STATE_FINAL, r.etag(), t.a.reopened(), r.request_id());
}

absl::StatusOr<v1::Assessment> Core::ReopenAssessment(
    const Caller& c, const v1::ReopenAssessmentRequest& r) {
  ASSIGN_OR_RETURN(ActionTarget t,
                   PrepareAction(c, r.name(), r.request_id(), "SetAssessmentState"));
  if (t.replayed) return t.a;
  if (r.reason().empty())
    return absl::InvalidArgumentError("reason: say why the unit is reopened");
  RETURN_IF_ERROR(RequirePhase(t.round->round,
                               {v1::PHASE_SELF_ASSESSMENT, v1::PHASE_EXPLANATION},
                               "reopening a unit"));
  const v1::AssessmentState state = t.round->round.phase() == v1::PHASE_EXPLANATION
                                        ? v1::STATE_EXPLANATION_REQUESTED
                                        : v1::STATE_DRAFT;
  return MoveTo(c, t, state, t.a.version(), true, r.request_id(), r.reason());
}

// ---- survey ----

absl::StatusOr<v1::ImportSurveyResponse> Core::ImportSurvey(
    const Caller& c, const v1::ImportSurveyRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.parent(), "rounds", "parent"));
  ASSIGN_OR_RETURN(auto round, LoadRound(id));
  RETURN_IF_ERROR(RequirePhase(
      round->round,
      {v1::PHASE_APPRAISAL, v1::PHASE_EXPLANATION, v1::PHASE_FINAL_APPRAISAL},
      "importing survey results"));
  std::vector<v1::SurveyRow> rows(r.rows().begin(), r.rows().end());
  std::vector<std::string> where;  // "rows[3]" or "csv line 4", for errors
  for (int i = 0; i < r.rows_size(); ++i) where.push_back(absl::StrCat("rows[", i, "]"));
  if (!r.csv().empty()) {
    int line_number = 0;
    for (absl::string_view line : absl::StrSplit(r.csv(), '\n')) {
      ++line_number;
      line = absl::StripAsciiWhitespace(line);
      if (line.empty() || (line_number == 1 && absl::StartsWith(line, "unit"))) continue;
      std::vector<std::string> cells = absl::StrSplit(line, ',');
      const std::string at = absl::StrCat("csv line ", line_number);
      v1::SurveyRow row;
      if (cells.size() == 3) {  // unit,criterion,percent: an aggregated result
        absl::StatusOr<int64_t> percent = engine::ParseMilli(cells[2]);
        if (!percent.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat(at, ": percent: ", percent.status().message()));
        }
        row.mutable_answers()->set_percent_milli(*percent);
      } else {
        int64_t n[4];
        if (cells.size() != 6 || !absl::SimpleAtoi(cells[2], &n[0]) ||
            !absl::SimpleAtoi(cells[3], &n[1]) || !absl::SimpleAtoi(cells[4], &n[2]) ||
            !absl::SimpleAtoi(cells[5], &n[3])) {
          return absl::InvalidArgumentError(absl::StrCat(
              at,
              ": expected unit,criterion,a,b,c,d (answers) or unit,criterion,percent"));
        }
        row.mutable_answers()->set_a(n[0]);
        row.mutable_answers()->set_b(n[1]);
        row.mutable_answers()->set_c(n[2]);
        row.mutable_answers()->set_d(n[3]);
      }
      row.set_unit(std::string(absl::StripAsciiWhitespace(cells[0])));
      row.set_criterion(std::string(absl::StripAsciiWhitespace(cells[1])));
      rows.push_back(row);
      where.push_back(at);
    }
  }
  // Check every row before storing any.
  std::map<std::string, std::vector<std::pair<size_t, v1::SurveyRow>>> by_unit;
  for (size_t i = 0; i < rows.size(); ++i) {
    const v1::SurveyRow& row = rows[i];
    if (round->units.count(row.unit()) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where[i], ".unit: ", row.unit(), " is not in round ", id));
    }
    const int node = round->set->FindNode(row.criterion());
    if (node < 0 || round->set->nodes()[node].shape != v1::Rule::kSurvey) {
      return absl::InvalidArgumentError(absl::StrCat(
          where[i], ".criterion: '", row.criterion(), "' is not a survey criterion"));
    }
    const v1::SurveyAnswers& s = row.answers();
    if (s.a() < 0 || s.b() < 0 || s.c() < 0 || s.d() < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where[i], ".answers: negative count"));
    }
    if (s.has_percent_milli() && (s.percent_milli() < 0 || s.percent_milli() > 100000)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where[i], ".answers.percent: outside 0..100"));
    }
    by_unit[row.unit()].push_back({i, row});
  }
  int imported = 0;
  for (const auto& [unit, unit_rows] : by_unit) {
    ASSIGN_OR_RETURN(v1::Assessment a, store_->GetAssessment(id, unit));
    std::vector<store::EntryUpdate> updates;
    for (const auto& [i, row] : unit_rows) {
      v1::Entry entry;
      int64_t version = 0;
      for (const v1::Entry& e : a.entries()) {
        if (e.criterion() == row.criterion()) {
          entry = e;
          version = e.version();
        }
      }
      entry.set_criterion(row.criterion());
      *entry.mutable_self()->mutable_survey() = row.answers();
      updates.push_back({std::move(entry), version});
    }
    const std::string request_id =
        r.request_id().empty() ? "" : absl::StrCat(r.request_id(), "/", unit);
    RETURN_IF_ERROR(
        store_->UpdateEntries(Ctx(c, request_id, "survey import"), id, unit, updates)
            .status());
    Changed(id, unit);
    imported += static_cast<int>(updates.size());
  }
  v1::ImportSurveyResponse response;
  response.set_imported(imported);
  return response;
}

}  // namespace parindex::server
