// AssessmentCore: assessments — the forms wards fill and appraisers appraise, and their
// states.
#include "server/core_assessment.h"

#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "criteria/csv.h"
#include "engine/errors.h"
#include "engine/fixed_point.h"
#include "engine/scorer.h"
#include "google/protobuf/util/field_mask_util.h"
#include "server/core_util.h"
#include "server/data_sheet_write.h"
#include "server/policy.h"

namespace parindex::server {
namespace {

using google::protobuf::util::FieldMaskUtil;

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

// Rewrites an engine error about entries[i] of `form` (the stored entries) into one
// about the entry's resource name: "rounds/r/assessments/U/entries/III.2.1.self…".
absl::Status NameStoredEntry(const absl::Status& status, const v1::Assessment& form,
                             absl::string_view parent) {
  absl::string_view message = status.message();
  if (!absl::ConsumePrefix(&message, "entries[")) return status;
  const size_t close = message.find(']');
  int index = -1;
  if (close == absl::string_view::npos ||
      !absl::SimpleAtoi(message.substr(0, close), &index) || index < 0 ||
      index >= form.entries_size()) {
    return status;
  }
  return absl::Status(status.code(),
                      absl::StrCat(parent, "/entries/", form.entries(index).criterion(),
                                   message.substr(close + 1)));
}

// A file name as stored: its last path part, without control characters (C0, DEL,
// C1); INVALID_ARGUMENT when nothing is left.
absl::StatusOr<std::string> BaseName(absl::string_view name, absl::string_view field) {
  const size_t slash = name.find_last_of("/\\");
  absl::string_view base =
      slash == absl::string_view::npos ? name : name.substr(slash + 1);
  std::string out;
  for (size_t i = 0; i < base.size(); ++i) {
    const auto byte = static_cast<unsigned char>(base[i]);
    if (byte < 0x20 || byte == 0x7f) continue;
    if (byte == 0xc2 && i + 1 < base.size() &&
        static_cast<unsigned char>(base[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(base[i + 1]) <= 0x9f) {
      ++i;  // a C1 control character
      continue;
    }
    if (i + 2 < base.size() && (byte == 0xe2 || byte == 0xef)) {
      // Invisible and direction-changing characters, which can disguise a name
      // ("\u202Efdp.exe" shows as "exe.pdf"): U+200B–U+200F, U+2028–U+202E,
      // U+2066–U+2069, U+FEFF.
      const auto b1 = static_cast<unsigned char>(base[i + 1]);
      const auto b2 = static_cast<unsigned char>(base[i + 2]);
      if ((byte == 0xe2 && b1 == 0x80 &&
           ((b2 >= 0x8b && b2 <= 0x8f) || (b2 >= 0xa8 && b2 <= 0xae))) ||
          (byte == 0xe2 && b1 == 0x81 && b2 >= 0xa6 && b2 <= 0xa9) ||
          (byte == 0xef && b1 == 0xbb && b2 == 0xbf)) {
        i += 2;
        continue;
      }
    }
    out.push_back(base[i]);
  }
  // Spaces and dots at either end name nothing a file system keeps apart.
  while (!out.empty() && (out.back() == ' ' || out.back() == '.')) out.pop_back();
  while (!out.empty() && out.front() == ' ') out.erase(out.begin());
  if (out.empty() || out.find_first_not_of('.') == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": '", name, "' names no file"));
  }
  return out;
}

// A unit's own self-assessment fills three quarters of a form at most (the office's
// appraisal, requests and surveys have the rest); explanations may use the whole.
bool UnitShare(const WorkflowRule& rule) {
  return rule.role == v1::ROLE_WARD && rule.deadline == Deadline::kSelfAssessment;
}

// The assessment `a` after a stored state change (its ack), as a reader sees it.
v1::Assessment Moved(const v1::Round& round, v1::Assessment a, v1::AssessmentState state,
                     bool reopened, const v1::WriteAck& ack) {
  a.set_state(state);
  a.set_version(ack.version());
  a.set_reopened(reopened);
  a.set_updated_at(ack.at());
  a.set_state(EffectiveState(round, a));
  return a;
}

const v1::Entry* FindEntry(const v1::Assessment& a, absl::string_view criterion) {
  for (const v1::Entry& e : a.entries()) {
    if (e.criterion() == criterion) return &e;
  }
  return nullptr;
}

}  // namespace

// ---- reading ----

absl::StatusOr<v1::Assessment> AssessmentCore::LoadAssessment(const RoundContext& round,
                                                              const std::string& unit) {
  ASSIGN_OR_RETURN(v1::Assessment a, store_->GetAssessment(round.round.id(), unit));
  a.set_state(EffectiveState(round.round, a));
  return a;
}

absl::StatusOr<AssessmentCore::ActionTarget> AssessmentCore::PrepareAction(
    const Caller& c, const std::string& name) {
  ActionTarget t;
  ASSIGN_OR_RETURN(auto parsed, ParseAssessmentName(name));
  t.round_id = parsed.first;
  t.unit = parsed.second;
  ASSIGN_OR_RETURN(t.round, cache_->LoadRound(t.round_id));
  RETURN_IF_ERROR(CheckUnit(c, *t.round, t.unit, Subject::kForm));
  ASSIGN_OR_RETURN(t.a, LoadAssessment(*t.round, t.unit));
  return t;
}

absl::StatusOr<const WorkflowRule*> AssessmentCore::AllowOn(const Caller& c, Verb verb,
                                                            const ActionTarget& t) const {
  const UnitStanding standing{t.unit, t.a.state(), t.a.reopened()};
  return Allow(verb, c.role, t.round->round, &standing, Now());
}

absl::StatusOr<v1::Assessment> AssessmentCore::MoveTo(const Caller& c,
                                                      const ActionTarget& t,
                                                      const WorkflowRule& rule,
                                                      store::WriteContext ctx,
                                                      int64_t etag) {
  const bool reopened = rule.reopens;
  // Who submits, as a read will say it (Assessment.submitted_by).
  v1::Assessment submitter;
  if (rule.stores == v1::STATE_SUBMITTED) {
    submitter.set_submitted_by(c.name.empty() ? c.token_id : c.name);
    RETURN_IF_ERROR(NameSubmitters({&submitter}));
  }
  auto build = [&](const v1::WriteAck& ack) {
    v1::Assessment a = Moved(t.round->round, t.a, rule.stores, reopened, ack);
    if (rule.stores == v1::STATE_SUBMITTED) {
      a.set_submitted_at(ack.at());
      a.set_submitted_by(submitter.submitted_by());
    }
    ShowForm(c, &a);
    return a;
  };
  ASSIGN_OR_RETURN(v1::Assessment answer,
                   Respond<v1::Assessment>(
                       ctx,
                       [&](const store::WriteContext& x) {
                         return store_->SetAssessmentState(
                             x, t.round_id, t.unit,
                             store::StateChange{rule.stores, etag, reopened,
                                                /*shown_before=*/t.a.state()});
                       },
                       build));
  cache_->Changed(t.round_id, t.unit);
  return answer;
}

absl::StatusOr<v1::Assessment> AssessmentCore::WriteEntriesAndMove(
    const Caller& c, const ActionTarget& t, const WorkflowRule& rule,
    const store::WriteContext& ctx, const std::vector<store::EntryUpdate>& updates,
    int64_t etag, const std::function<void(const v1::WriteAck&, v1::Assessment*)>& edit) {
  // Neither explanation action reopens: a reopened form is closed by it.
  store::StateChange change{rule.stores, etag, /*reopened=*/false,
                            /*shown_before=*/t.a.state()};
  auto build = [&](const v1::WriteAck& ack) {
    v1::Assessment after = t.a;
    edit(ack, &after);
    v1::Assessment a =
        Moved(t.round->round, std::move(after), rule.stores, /*reopened=*/false, ack);
    ShowForm(c, &a);
    return a;
  };
  ASSIGN_OR_RETURN(v1::Assessment answer, Respond<v1::Assessment>(
                                              ctx,
                                              [&](const store::WriteContext& x) {
                                                return store_->UpdateEntries(
                                                    x, t.round_id, t.unit, updates,
                                                    &change);
                                              },
                                              build));
  cache_->Changed(t.round_id, t.unit);
  return answer;
}

absl::StatusOr<v1::Assessment> AssessmentCore::GetAssessment(
    const Caller& c, const v1::GetByNameRequest& r) {
  ASSIGN_OR_RETURN(auto name, ParseAssessmentName(r.name()));
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(name.first));
  RETURN_IF_ERROR(CheckUnit(c, *round, name.second, Subject::kForm));
  ASSIGN_OR_RETURN(v1::Assessment a, LoadAssessment(*round, name.second));
  ShowForm(c, &a);
  RETURN_IF_ERROR(NameSubmitters({&a}));
  // What the caller may do now, by the rules the calls apply (policy.cc).
  CheckActions(c, round->round, UnitStanding{name.second, a.state(), a.reopened()}, Now(),
               a.mutable_actions());
  return a;
}

// ---- entries ----

absl::StatusOr<v1::BatchUpdateEntriesResponse> AssessmentCore::BatchUpdateEntries(
    const Caller& c, const v1::BatchUpdateEntriesRequest& r) {
  ASSIGN_OR_RETURN(auto name, ParseAssessmentName(r.parent(), "parent"));
  const std::string& unit_code = name.second;
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(name.first));
  RETURN_IF_ERROR(CheckUnit(c, *round, unit_code, Subject::kForm));
  store::WriteContext ctx =
      Ctx(c, r, "BatchUpdateEntries", r.parent(), r.request_id(), r.reason(), &*round);
  ASSIGN_OR_RETURN(auto prior, Replayed<v1::BatchUpdateEntriesResponse>(ctx));
  if (prior.has_value()) return *std::move(prior);
  if (r.updates().empty())
    return absl::InvalidArgumentError("updates: nothing to update");
  // Only the entries this call touches are read: the workflow's rows allow the states
  // derived from other entries alike (NOT_STARTED and DRAFT, SUBMITTED and APPRAISED).
  std::vector<std::string> touched;
  for (const v1::EntryUpdate& u : r.updates()) touched.push_back(u.entry().criterion());
  ASSIGN_OR_RETURN(v1::Assessment stored,
                   store_->GetAssessmentEntries(name.first, unit_code, touched));
  const Verb verb = r.correction() ? Verb::kCorrectEntries : Verb::kUpdateEntries;
  UnitStanding standing{unit_code, EffectiveState(round->round, stored),
                        stored.reopened()};
  absl::StatusOr<const WorkflowRule*> allowed =
      Allow(verb, c.role, round->round, &standing, Now());
  if (!allowed.ok() && allowed.status().code() == absl::StatusCode::kFailedPrecondition) {
    // Said with the state every reader sees, derived from the whole form.
    ASSIGN_OR_RETURN(v1::Assessment whole, LoadAssessment(*round, unit_code));
    standing.state = whole.state();
    allowed = Allow(verb, c.role, round->round, &standing, Now());
  }
  if (!allowed.ok()) return allowed.status();
  const WorkflowRule& rule = **allowed;
  if (rule.needs_reason && Blank(r.reason())) {
    return absl::InvalidArgumentError(
        absl::StrCat("reason: ", rule.action, " after finalisation needs a reason"));
  }
  const v1::Column column = c.role == v1::ROLE_WARD ? v1::SELF : v1::APPRAISED;
  ctx.action = verb == Verb::kCorrectEntries ? "entry.correct" : "entry.update";
  ctx.unit_share = UnitShare(rule);

  std::map<std::string, const v1::Entry*> existing;
  for (const v1::Entry& e : stored.entries()) existing[e.criterion()] = &e;
  std::vector<store::EntryUpdate> updates;
  std::set<std::string> seen;
  std::vector<SheetWrite> moved;  // figures given per criterion, for the data sheet
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
    if (set.nodes()[node].shape == v1::Rule::kSurvey) {
      return absl::InvalidArgumentError(absl::StrCat(
          at, ".entry.criterion: ", code, " is a survey criterion; its answers are ",
          c.role == v1::ROLE_WARD ? "imported by the Home Affairs office"
                                  : "imported with ImportSurvey"));
    }
    std::vector<std::string> paths(u.update_mask().paths().begin(),
                                   u.update_mask().paths().end());
    if (paths.empty()) {
      // Without a mask every field the action writes is written, and a field it does
      // not write must not be given (it would be dropped without a word).
      paths = rule.fields;
      std::vector<const google::protobuf::FieldDescriptor*> given;
      u.entry().GetReflection()->ListFields(u.entry(), &given);
      for (const google::protobuf::FieldDescriptor* f : given) {
        // Set by the server: a form written back as it was read carries them.
        static const std::set<std::string> kIdentity = {
            "criterion",  "version",          "updated_at",
            "updated_by", "explanation_sent", "explanation_sent_at"};
        if (kIdentity.count(f->name())) continue;
        if (f->name() == "evidence" && c.role != v1::ROLE_WARD) continue;  // files listed
        RETURN_IF_ERROR(CheckFields(rule, round->round, standing,
                                    absl::StrCat(at, ".entry"), f->name()));
      }
    }
    for (const std::string& path : paths) {
      if (!FieldMaskUtil::GetFieldDescriptors(v1::Entry::descriptor(), path, nullptr)) {
        return absl::InvalidArgumentError(
            absl::StrCat(at, ".update_mask: '", path, "' is not a field of Entry"));
      }
      RETURN_IF_ERROR(CheckFields(rule, round->round, standing,
                                  absl::StrCat(at, ".update_mask"), path));
    }
    const v1::Entry* before = existing.count(code) ? existing[code] : nullptr;
    if (rule.requested_only &&
        (before == nullptr || before->explanation_request().empty())) {
      return absl::FailedPreconditionError(
          absl::StrCat(at, ": ", Where(round->round, &standing),
                       ": no explanation was requested for ", code));
    }
    const int64_t stored_version = before == nullptr ? 0 : before->version();
    if (u.etag() != stored_version) {
      // The same request may have been stored since it was looked up above (by another
      // server, or another attempt on this one): then it is a replay, not stale.
      ASSIGN_OR_RETURN(auto stored_since, Replayed<v1::BatchUpdateEntriesResponse>(ctx));
      if (stored_since.has_value()) return *std::move(stored_since);
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
    RETURN_IF_ERROR(CheckEntryDatesInRound(u.entry(), round->round.year(),
                                           absl::StrCat(at, ".entry")));
    for (v1::Evidence& e : *merged.mutable_evidence()) {
      // A typed reference: what the server sets for uploaded files is not the
      // client's to say (a file listed back on read is dropped by the store as before).
      if (e.id() == 0) {
        e.clear_sha256();
        e.clear_size_bytes();
        e.clear_uploaded_by();
        e.clear_by_office();
        e.clear_for_explanation();
      }
      if (e.file_name().empty()) continue;
      ASSIGN_OR_RETURN(
          *e.mutable_file_name(),
          BaseName(e.file_name(), absl::StrCat(at, ".entry.evidence.file_name")));
    }
    // Counts given for the criterion go to the data sheet: a figure is typed once, and
    // every criterion reading it moves with it.
    const std::string side = column == v1::SELF ? "self" : "appraised";
    const bool side_written =
        std::any_of(paths.begin(), paths.end(), [&](const std::string& p) {
          return p == side || absl::StartsWith(p, side + ".");
        });
    for (const auto& [element, etag] : u.figure_etags()) {
      // A version for a figure the update does not write would check nothing.
      const v1::EntryValues& given =
          column == v1::SELF ? u.entry().self() : u.entry().appraised();
      if (!side_written || !given.figures().contains(element)) {
        return absl::InvalidArgumentError(
            absl::StrCat(at, ".figure_etags[", element, "]: ", at, ".entry.", side,
                         ".figures gives no figure '", element, "' to write"));
      }
    }
    if (side_written) {
      RETURN_IF_ERROR(MoveFigures(set, column, absl::StrCat(at, ".entry.", side), &merged,
                                  u.figure_etags(), absl::StrCat(at, ".figure_etags"),
                                  &moved));
    }
    merged.clear_version();
    merged.clear_updated_at();
    merged.clear_updated_by();
    updates.push_back({std::move(merged), stored_version});
  }
  store::FormUpdate form;
  v1::Assessment check;  // the merged entries, in request order, and the sheet
  *check.mutable_values() = stored.values();
  std::optional<LaidSheet> laid;
  RETURN_IF_ERROR(CheckComputedWrites(c.role, set, moved, !Blank(r.reason())));
  RETURN_IF_ERROR(CheckDatesInRound(set, round->round.year(), moved));
  if (!moved.empty()) {
    // The other criteria's own copies of a moved figure go: it is on the sheet now.
    ASSIGN_OR_RETURN(v1::Assessment whole, store_->GetAssessment(name.first, unit_code));
    const std::string now =
        absl::FormatTime(absl::RFC3339_sec, Now(), absl::UTCTimeZone());
    absl::StatusOr<LaidSheet> laid_now =
        LaySheet(set, whole, column, moved, c.token_id, now, r.parent());
    if (laid_now.status().code() == absl::StatusCode::kAborted) {
      // As for an entry's etag: the same request stored since is a replay, not stale.
      ASSIGN_OR_RETURN(auto stored_since, Replayed<v1::BatchUpdateEntriesResponse>(ctx));
      if (stored_since.has_value()) return *std::move(stored_since);
    }
    if (!laid_now.ok()) return laid_now.status();
    laid = *std::move(laid_now);
    form.values = laid->values;
    *check.mutable_values() = laid->merged;
    for (store::EntryUpdate& u : updates) DropObsoleteCopies(*laid, column, &u.entry);
    for (const v1::Entry& e : whole.entries()) {
      if (seen.count(e.criterion())) continue;
      v1::Entry entry = e;
      if (!DropObsoleteCopies(*laid, column, &entry)) continue;
      const int64_t version = entry.version();
      entry.clear_version();
      entry.clear_updated_at();
      entry.clear_updated_by();
      form.entries.push_back({entry, version});  // after the request's own entries
    }
  }
  for (const store::EntryUpdate& u : updates) *check.add_entries() = u.entry;
  // Figures are checked by the engine itself: the same rules that will score them.
  engine::ScoreSheet sheet;
  const v1::Unit& unit = round->units.at(unit_code);
  absl::Status valid =
      engine::Score(set, round->PlanFor(unit), unit, check, column, &sheet);
  if (!valid.ok()) {
    return RenameEntryPath(laid.has_value() ? RenameValuePath(valid, *laid) : valid,
                           "updates");
  }
  if (laid.has_value() && !laid->overwrite.ok()) {
    // A figure sent without its version over another value (checked once the values
    // are good): a replay stored since is not refused.
    ASSIGN_OR_RETURN(auto stored_since, Replayed<v1::BatchUpdateEntriesResponse>(ctx));
    if (stored_since.has_value()) return *std::move(stored_since);
    return laid->overwrite;
  }
  form.entries.insert(form.entries.begin(), updates.begin(), updates.end());

  // The stored entries are what was merged, with the versions and time of the commit.
  auto build = [&](const v1::WriteAck& ack) {
    v1::BatchUpdateEntriesResponse response;
    for (size_t i = 0; i < updates.size(); ++i) {
      v1::Entry* e = response.add_entries();
      *e = updates[i].entry;
      e->set_version(i < static_cast<size_t>(ack.versions_size()) ? ack.versions(i) : 0);
      e->set_updated_at(ack.at());
      e->set_updated_by(c.token_id);
      ShowEntry(c, standing.state, e);
    }
    return response;
  };
  return StoreForm<v1::BatchUpdateEntriesResponse>(ctx, name.first, unit_code, form,
                                                   build);
}

absl::StatusOr<v1::DataSheet> AssessmentCore::UpdateDataSheet(
    const Caller& c, const v1::UpdateDataSheetRequest& r) {
  ASSIGN_OR_RETURN(auto name, ParseAssessmentName(r.parent(), "parent"));
  const std::string& unit_code = name.second;
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(name.first));
  RETURN_IF_ERROR(CheckUnit(c, *round, unit_code, Subject::kForm));
  store::WriteContext ctx =
      Ctx(c, r, "UpdateDataSheet", r.parent(), r.request_id(), r.reason(), &*round);
  ASSIGN_OR_RETURN(auto prior, Replayed<v1::DataSheet>(ctx));
  if (prior.has_value()) return *std::move(prior);
  if (r.updates().empty())
    return absl::InvalidArgumentError("updates: nothing to update");
  // The whole form: the set's rules are checked across the sheet, and the criteria's
  // own copies of a written figure go with it.
  ASSIGN_OR_RETURN(v1::Assessment stored, LoadAssessment(*round, unit_code));
  const Verb verb = r.correction() ? Verb::kCorrectEntries : Verb::kUpdateEntries;
  const UnitStanding standing{unit_code, stored.state(), stored.reopened()};
  ASSIGN_OR_RETURN(const WorkflowRule* rule,
                   Allow(verb, c.role, round->round, &standing, Now()));
  if (rule->needs_reason && Blank(r.reason())) {
    return absl::InvalidArgumentError(
        absl::StrCat("reason: ", rule->action, " after finalisation needs a reason"));
  }
  const v1::Column side = c.role == v1::ROLE_WARD ? v1::SELF : v1::APPRAISED;
  const char* side_field = side == v1::SELF ? "self" : "appraised";
  RETURN_IF_ERROR(CheckFields(*rule, round->round, standing, "updates", side_field));
  ctx.action = verb == Verb::kCorrectEntries ? "data.correct" : "data.update";
  ctx.unit_share = UnitShare(*rule);

  std::vector<SheetWrite> writes;
  for (int i = 0; i < r.updates_size(); ++i) {
    const v1::DataValueUpdate& u = r.updates(i);
    writes.push_back(
        {u.element(), u.value(), u.etag(), absl::StrCat("updates[", i, "].value")});
  }
  const std::string now = absl::FormatTime(absl::RFC3339_sec, Now(), absl::UTCTimeZone());
  const engine::CompiledCriteriaSet& set = *round->set;
  RETURN_IF_ERROR(CheckComputedWrites(c.role, set, writes, !Blank(r.reason())));
  RETURN_IF_ERROR(CheckDatesInRound(set, round->round.year(), writes));
  ASSIGN_OR_RETURN(LaidSheet laid,
                   LaySheet(set, stored, side, writes, c.token_id, now, r.parent()));
  store::FormUpdate form;
  form.values = laid.values;
  v1::Assessment check;  // the form as it would be stored, for the engine
  for (const v1::Entry& e : stored.entries()) {
    v1::Entry entry = e;
    if (DropObsoleteCopies(laid, side, &entry)) {
      const int64_t version = entry.version();
      entry.clear_version();
      entry.clear_updated_at();
      entry.clear_updated_by();
      form.entries.push_back({entry, version});  // listed files are dropped by the store
    }
    *check.add_entries() = std::move(entry);
  }
  *check.mutable_values() = laid.merged;
  // Values are checked by the engine itself: the same rules that will score them.
  engine::ScoreSheet sheet;
  const v1::Unit& unit = round->units.at(unit_code);
  absl::Status valid =
      engine::Score(set, round->PlanFor(unit), unit, check, side, &sheet);
  if (!valid.ok())
    return NameStoredEntry(RenameValuePath(valid, laid), check, r.parent());

  v1::DataSheet answer;
  answer.set_name(absl::StrCat(r.parent(), "/dataSheet"));
  for (const engine::Finding& f : sheet.warnings) {
    *answer.add_warnings() = engine::FindingProto(set, f);
  }
  auto build = [&](const v1::WriteAck& ack) {
    v1::DataSheet response = answer;
    // The values' new versions follow the entries' in the ack.
    std::map<std::string, int64_t> versions;
    for (size_t i = 0; i < form.values.size(); ++i) {
      const size_t at = form.entries.size() + i;
      versions[form.values[i].value.element()] =
          at < static_cast<size_t>(ack.versions_size()) ? ack.versions(at) : 0;
    }
    for (int i = 0; i < laid.merged.size(); ++i) {
      const v1::DataValue& v = laid.merged[i];
      v1::DataValue* out = response.add_values();
      *out = v;
      auto it = versions.find(v.element());
      if (it != versions.end()) out->set_version(it->second);
      if (laid.stamped[i]) {  // as the store stamped it, as a read will show it
        (side == v1::APPRAISED ? out->mutable_appraised() : out->mutable_self())
            ->set_updated_at(ack.at());
      }
    }
    return response;
  };
  return StoreForm<v1::DataSheet>(ctx, name.first, unit_code, form, build);
}

absl::StatusOr<v1::Evidence> AssessmentCore::UploadEvidence(
    const Caller& c, const v1::UploadEvidenceRequest& r) {
  ASSIGN_OR_RETURN(ActionTarget t, PrepareAction(c, r.parent()));
  store::WriteContext ctx =
      Ctx(c, r, "UploadEvidence", r.parent(), r.request_id(), "", &*t.round);
  ASSIGN_OR_RETURN(auto prior, Replayed<v1::Evidence>(ctx));
  if (prior.has_value()) return *std::move(prior);
  const int node = t.round->set->FindNode(r.criterion());
  if (node < 0 || !t.round->set->nodes()[node].leaf()) {
    return absl::InvalidArgumentError(
        absl::StrCat("criterion: '", r.criterion(), "' is not a criterion to fill in"));
  }
  if (c.role == v1::ROLE_WARD && t.round->set->nodes()[node].shape == v1::Rule::kSurvey) {
    return absl::InvalidArgumentError(
        absl::StrCat("criterion: ", r.criterion(),
                     " is a survey criterion; its results are imported by the Home "
                     "Affairs office"));
  }
  if (r.evidence().file_name().empty())
    return absl::InvalidArgumentError("evidence.file_name: is required");
  if (r.content().empty())
    return absl::InvalidArgumentError("content: the file is empty");
  ASSIGN_OR_RETURN(const WorkflowRule* rule, AllowOn(c, Verb::kUploadEvidence, t));
  ctx.unit_share = UnitShare(*rule);
  if (rule->requested_only) {
    const v1::Entry* entry = FindEntry(t.a, r.criterion());
    if (entry == nullptr || entry->explanation_request().empty()) {
      const UnitStanding standing{t.unit, t.a.state(), t.a.reopened()};
      return absl::FailedPreconditionError(
          absl::StrCat("criterion: ", Where(t.round->round, &standing),
                       ": no explanation was requested for ", r.criterion(),
                       "; files go with the criteria asked about"));
    }
  }
  v1::Evidence meta = r.evidence();
  ASSIGN_OR_RETURN(*meta.mutable_file_name(),
                   BaseName(meta.file_name(), "evidence.file_name"));
  meta.set_uploaded_by(c.token_id);
  meta.set_by_office(c.role != v1::ROLE_WARD);
  meta.set_for_explanation(c.role == v1::ROLE_WARD && rule->requested_only);
  meta.set_sha256(Sha256Hex(r.content()));
  meta.set_size_bytes(static_cast<int64_t>(r.content().size()));
  meta.clear_id();
  auto build = [&](const v1::WriteAck& ack) {
    v1::Evidence stored = meta;
    int64_t id = 0;
    if (absl::SimpleAtoi(ack.id(), &id)) stored.set_id(id);
    return stored;
  };
  ASSIGN_OR_RETURN(v1::Evidence answer, Respond<v1::Evidence>(
                                            ctx,
                                            [&](const store::WriteContext& x) {
                                              return store_->AddEvidence(
                                                  x, t.round_id, t.unit, r.criterion(),
                                                  meta, r.content());
                                            },
                                            build));
  cache_->Changed(t.round_id, t.unit);
  return answer;
}

namespace {

// rounds/{id}/assessments/{unit}/evidence/{n}: the assessment's name and the file's id.
absl::StatusOr<std::pair<std::string, int64_t>> ParseEvidenceName(
    const std::string& name) {
  const size_t at = name.rfind("/evidence/");
  int64_t id = 0;
  const std::string number = at == std::string::npos ? "" : name.substr(at + 10);
  if (number.empty() || number.size() > 18 || number[0] == '0' ||
      number.find_first_not_of("0123456789") != std::string::npos ||
      !absl::SimpleAtoi(number, &id)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "name: expected rounds/{id}/assessments/{unit}/evidence/{n}, got '", name, "'"));
  }
  return std::make_pair(name.substr(0, at), id);
}

}  // namespace

absl::StatusOr<v1::EvidenceFile> AssessmentCore::GetEvidenceFile(
    const Caller& c, const v1::GetByNameRequest& r) {
  ASSIGN_OR_RETURN(auto evidence, ParseEvidenceName(r.name()));
  const int64_t id = evidence.second;
  ASSIGN_OR_RETURN(auto name, ParseAssessmentName(evidence.first));
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(name.first));
  RETURN_IF_ERROR(CheckUnit(c, *round, name.second, Subject::kFile));
  absl::StatusOr<store::EvidenceFile> file = store_->GetEvidence(id);
  if (!file.ok() || file->round != name.first || file->unit != name.second) {
    return absl::NotFoundError(absl::StrCat(r.name(), ": not found"));
  }
  v1::EvidenceFile out;
  *out.mutable_evidence() = std::move(file->meta);
  *out.mutable_content() = std::move(file->content);
  return out;
}

absl::StatusOr<v1::Evidence> AssessmentCore::DeleteEvidence(
    const Caller& c, const v1::DeleteEvidenceRequest& r) {
  ASSIGN_OR_RETURN(auto evidence, ParseEvidenceName(r.name()));
  const int64_t id = evidence.second;
  // The unit's sight first: a retry is answered only to whom the form is shown.
  ASSIGN_OR_RETURN(ActionTarget t, PrepareAction(c, evidence.first));
  store::WriteContext ctx =
      Ctx(c, r, "DeleteEvidence", r.name(), r.request_id(), "", &*t.round);
  ASSIGN_OR_RETURN(auto prior, Replayed<v1::Evidence>(ctx));
  if (prior.has_value()) return *std::move(prior);
  absl::StatusOr<store::EvidenceFile> file = store_->GetEvidence(id);
  if (!file.ok() || file->round != t.round_id || file->unit != t.unit) {
    if (!file.ok() && file.status().code() != absl::StatusCode::kNotFound)
      return file.status();
    return absl::NotFoundError(absl::StrCat(r.name(), ": not found"));
  }
  ASSIGN_OR_RETURN(const WorkflowRule* rule, AllowOn(c, Verb::kRemoveEvidence, t));
  const UnitStanding standing{t.unit, t.a.state(), t.a.reopened()};
  RETURN_IF_ERROR(CanRemoveFile(*rule, t.round->round, standing, file->criterion,
                                FindEntry(t.a, file->criterion), file->meta));
  const v1::Evidence removed = file->meta;
  ASSIGN_OR_RETURN(v1::Evidence answer,
                   Respond<v1::Evidence>(
                       ctx,
                       [&](const store::WriteContext& x) {
                         return store_->DeleteEvidence(x, t.round_id, t.unit, id,
                                                       r.etag());
                       },
                       [&](const v1::WriteAck&) { return removed; }));
  cache_->Changed(t.round_id, t.unit);
  return answer;
}

// ---- state changes ----

absl::StatusOr<v1::Assessment> AssessmentCore::StateAction(
    const Caller& c, Verb verb, const std::string& name, std::optional<int64_t> etag,
    const google::protobuf::Message& request, absl::string_view method,
    const std::string& request_id, const std::string& reason) {
  ASSIGN_OR_RETURN(ActionTarget t, PrepareAction(c, name));
  store::WriteContext ctx = Ctx(c, request, method, name, request_id, reason, &*t.round);
  ASSIGN_OR_RETURN(auto prior, Replayed<v1::Assessment>(ctx));
  if (prior.has_value()) return *std::move(prior);
  ASSIGN_OR_RETURN(const WorkflowRule* rule, AllowOn(c, verb, t));
  if (rule->needs_reason && Blank(reason)) {
    return absl::InvalidArgumentError(
        absl::StrCat("reason: say why (", rule->action, " needs a reason)"));
  }
  return MoveTo(c, t, *rule, std::move(ctx), etag.value_or(t.a.version()));
}

absl::StatusOr<v1::Assessment> AssessmentCore::SubmitAssessment(
    const Caller& c, const v1::AssessmentActionRequest& r) {
  return StateAction(c, Verb::kSubmit, r.name(), r.etag(), r, "SubmitAssessment",
                     r.request_id());
}

absl::StatusOr<v1::Assessment> AssessmentCore::SubmitExplanation(
    const Caller& c, const v1::AssessmentActionRequest& r) {
  ASSIGN_OR_RETURN(ActionTarget t, PrepareAction(c, r.name()));
  store::WriteContext ctx =
      Ctx(c, r, "SubmitExplanation", r.name(), r.request_id(), "", &*t.round);
  ASSIGN_OR_RETURN(auto prior, Replayed<v1::Assessment>(ctx));
  if (prior.has_value()) return *std::move(prior);
  ASSIGN_OR_RETURN(const WorkflowRule* rule, AllowOn(c, Verb::kSubmitExplanation, t));
  // What the office reads is the explanation as sent (Entry.explanation_sent): the
  // unit's drafts, and what it types after a reopen, stay the unit's until it sends.
  const std::string now = absl::FormatTime(absl::RFC3339_sec, Now(), absl::UTCTimeZone());
  std::vector<store::EntryUpdate> updates;
  for (const v1::Entry& e : t.a.entries()) {
    if (e.explanation_request().empty()) continue;
    v1::Entry entry = e;
    entry.set_explanation_sent(e.explanation());
    entry.set_explanation_sent_at(now);
    updates.push_back({std::move(entry), e.version()});
  }
  return WriteEntriesAndMove(c, t, *rule, ctx, updates, r.etag(),
                             [&](const v1::WriteAck& ack, v1::Assessment* after) {
                               size_t i = 0;
                               for (v1::Entry& e : *after->mutable_entries()) {
                                 if (e.explanation_request().empty()) continue;
                                 e.set_explanation_sent(e.explanation());
                                 e.set_explanation_sent_at(now);
                                 if (i < static_cast<size_t>(ack.versions_size()))
                                   e.set_version(ack.versions(i));
                                 e.set_updated_at(ack.at());
                                 e.set_updated_by(c.token_id);
                                 ++i;
                               }
                             });
}

absl::StatusOr<v1::Assessment> AssessmentCore::FinaliseAssessment(
    const Caller& c, const v1::AssessmentActionRequest& r) {
  return StateAction(c, Verb::kFinalise, r.name(), r.etag(), r, "FinaliseAssessment",
                     r.request_id());
}

absl::StatusOr<v1::Assessment> AssessmentCore::ReviewExplanation(
    const Caller& c, const v1::AssessmentActionRequest& r) {
  ASSIGN_OR_RETURN(ActionTarget t, PrepareAction(c, r.name()));
  store::WriteContext ctx =
      Ctx(c, r, "ReviewExplanation", r.name(), r.request_id(), "", &*t.round);
  // The trail's own row: not a change of state, and the work queue reads it as the
  // office having seen what the unit sent (store::FormActivity::office_review).
  ctx.action = "explanation.review";
  ASSIGN_OR_RETURN(auto prior, Replayed<v1::Assessment>(ctx));
  if (prior.has_value()) return *std::move(prior);
  ASSIGN_OR_RETURN(const WorkflowRule* rule, AllowOn(c, Verb::kReviewExplanation, t));
  return MoveTo(c, t, *rule, std::move(ctx), r.etag());
}

absl::StatusOr<v1::Assessment> AssessmentCore::ReopenAssessment(
    const Caller& c, const v1::ReopenAssessmentRequest& r) {
  // The reopen applies to the assessment as it is now: no etag to give.
  return StateAction(c, Verb::kReopen, r.name(), std::nullopt, r, "ReopenAssessment",
                     r.request_id(), r.reason());
}

absl::StatusOr<v1::Assessment> AssessmentCore::RequestExplanation(
    const Caller& c, const v1::RequestExplanationRequest& r) {
  ASSIGN_OR_RETURN(ActionTarget t, PrepareAction(c, r.name()));
  store::WriteContext ctx =
      Ctx(c, r, "RequestExplanation", r.name(), r.request_id(), "", &*t.round);
  ASSIGN_OR_RETURN(auto prior, Replayed<v1::Assessment>(ctx));
  if (prior.has_value()) return *std::move(prior);
  ASSIGN_OR_RETURN(const WorkflowRule* rule, AllowOn(c, Verb::kRequestExplanation, t));
  if (r.messages().empty())
    return absl::InvalidArgumentError("messages: name the criteria to explain");
  std::map<std::string, const v1::Entry*> existing;
  for (const v1::Entry& e : t.a.entries()) existing[e.criterion()] = &e;
  for (const auto& [code, reason] : r.reasons()) {
    if (!r.messages().contains(code)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "reasons[", code, "]: no message for this criterion (say what to explain)"));
    }
  }
  std::vector<store::EntryUpdate> updates;
  std::map<std::string, std::string> ordered(r.messages().begin(), r.messages().end());
  for (const auto& [code, message] : ordered) {
    const int node = t.round->set->FindNode(code);
    if (node < 0 || !t.round->set->nodes()[node].leaf()) {
      return absl::InvalidArgumentError(
          absl::StrCat("messages[", code, "]: not a criterion to fill in"));
    }
    if (t.round->set->nodes()[node].shape == v1::Rule::kSurvey) {
      return absl::InvalidArgumentError(
          absl::StrCat("messages[", code,
                       "]: a survey criterion; its results are imported, not "
                       "explained by the unit"));
    }
    if (Blank(message))  // spaces alone ask nothing
      return absl::InvalidArgumentError(
          absl::StrCat("messages[", code, "]: say what to explain"));
    // The reason is what the unit reads first ("thiếu tài liệu kiểm chứng"): a request
    // without one cannot be filed or counted by the office.
    auto reason = r.reasons().find(code);
    if (reason == r.reasons().end() ||
        reason->second == v1::EXPLANATION_REASON_UNSPECIFIED) {
      return absl::InvalidArgumentError(
          absl::StrCat("reasons[", code,
                       "]: give the reason for asking (REASON_MISSING_EVIDENCE, "
                       "REASON_FIGURES_MISMATCH, REASON_WRONG_PERIOD or REASON_OTHER)"));
    }
    v1::Entry entry;
    if (existing.count(code)) entry = *existing[code];
    entry.set_criterion(code);
    entry.set_explanation_request(message);
    entry.set_explanation_reason(reason->second);
    const int64_t version = existing.count(code) ? existing[code]->version() : 0;
    updates.push_back({std::move(entry), version});
  }
  if (r.validate_only()) {
    ShowForm(c, &t.a);
    return t.a;
  }
  // A new request starts under the explanation deadline: an earlier reopen was for
  // the self-assessment (WriteEntriesAndMove clears `reopened`).
  return WriteEntriesAndMove(
      c, t, *rule, ctx, updates, r.etag(),
      [&](const v1::WriteAck& ack, v1::Assessment* after) {
        for (size_t i = 0; i < updates.size(); ++i) {
          v1::Entry* e = nullptr;
          for (v1::Entry& x : *after->mutable_entries()) {
            if (x.criterion() == updates[i].entry.criterion()) e = &x;
          }
          if (e == nullptr) {
            e = after->add_entries();
            e->set_criterion(updates[i].entry.criterion());
          }
          e->set_explanation_request(updates[i].entry.explanation_request());
          e->set_explanation_reason(updates[i].entry.explanation_reason());
          e->set_version(i < static_cast<size_t>(ack.versions_size()) ? ack.versions(i)
                                                                      : 0);
          e->set_updated_at(ack.at());
          e->set_updated_by(c.token_id);
        }
      });
}

// ---- survey ----

namespace {

// The rows of an ImportSurvey request, and where each came from ("rows[3]" or "csv
// line 4") for errors.
absl::Status ReadSurveyRows(const v1::ImportSurveyRequest& r,
                            std::vector<v1::SurveyRow>* rows,
                            std::vector<std::string>* where) {
  for (int i = 0; i < r.rows_size(); ++i) {
    rows->push_back(r.rows(i));
    where->push_back(absl::StrCat("rows[", i, "]"));
  }
  if (r.csv().empty()) return absl::OkStatus();
  absl::StatusOr<std::vector<criteria::CsvRow>> csv = criteria::ReadCsv(r.csv());
  if (!csv.ok())
    return absl::InvalidArgumentError(absl::StrCat("csv ", csv.status().message()));
  // Columns by the header's names when there is one (unit,criterion and percent, or
  // a,b,c,d in any order); else by position: unit,criterion,percent or
  // unit,criterion,a,b,c,d.
  std::map<std::string, size_t> column;
  size_t first = 0;
  if (!csv->empty() && !(*csv)[0].cells.empty() &&
      absl::AsciiStrToLower((*csv)[0].cells[0]) == "unit") {
    first = 1;
    const criteria::CsvRow& header = (*csv)[0];
    for (size_t i = 0; i < header.cells.size(); ++i) {
      const std::string name = absl::AsciiStrToLower(header.cells[i]);
      static const std::set<std::string> kKnown = {"unit", "criterion", "percent", "a",
                                                   "b",    "c",         "d"};
      if (!kKnown.count(name) || !column.emplace(name, i).second) {
        return absl::InvalidArgumentError(absl::StrCat(
            "csv line ", header.line, ": column '", header.cells[i],
            "' is unknown or repeated (unit, criterion, then percent or a, b, c, d)"));
      }
    }
    const bool answers =
        column.count("a") && column.count("b") && column.count("c") && column.count("d");
    if (!column.count("criterion") || (!answers && !column.count("percent"))) {
      return absl::InvalidArgumentError(
          absl::StrCat("csv line ", header.line,
                       ": the header needs unit, criterion, and percent or a, b, c, d"));
    }
  }
  for (size_t k = first; k < csv->size(); ++k) {
    const criteria::CsvRow& line = (*csv)[k];
    const std::string at = absl::StrCat("csv line ", line.line);
    std::map<std::string, size_t> by_name = column;
    if (first == 0) {
      if (line.cells.size() == 3) {
        by_name = {{"unit", 0}, {"criterion", 1}, {"percent", 2}};
      } else if (line.cells.size() == 6) {
        by_name = {{"unit", 0}, {"criterion", 1}, {"a", 2}, {"b", 3}, {"c", 4}, {"d", 5}};
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            at, ": expected unit,criterion,a,b,c,d (answers) or unit,criterion,percent"));
      }
    } else if (line.cells.size() != (*csv)[0].cells.size()) {
      return absl::InvalidArgumentError(absl::StrCat(at, ": ", line.cells.size(),
                                                     " cells under a header of ",
                                                     (*csv)[0].cells.size()));
    }
    auto cell = [&](const std::string& name) -> std::string {
      auto it = by_name.find(name);
      return it == by_name.end() ? "" : line.cells[it->second];
    };
    v1::SurveyRow row;
    row.set_unit(cell("unit"));
    row.set_criterion(cell("criterion"));
    if (cell("percent").empty() && by_name.count("a") == 0) {
      return absl::InvalidArgumentError(absl::StrCat(at, ": percent: is empty"));
    }
    if (!cell("percent").empty()) {  // an aggregated result
      absl::StatusOr<int64_t> percent = engine::ParseMilli(cell("percent"));
      if (!percent.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(at, ": percent: ", percent.status().message()));
      }
      row.mutable_answers()->set_percent_milli(*percent);
    } else {
      int64_t n[4];
      const char* const kNames[4] = {"a", "b", "c", "d"};
      for (int i = 0; i < 4; ++i) {
        if (!absl::SimpleAtoi(cell(kNames[i]), &n[i])) {
          return absl::InvalidArgumentError(absl::StrCat(
              at, ": ", kNames[i], ": '", cell(kNames[i]), "' is not a whole number"));
        }
      }
      row.mutable_answers()->set_a(n[0]);
      row.mutable_answers()->set_b(n[1]);
      row.mutable_answers()->set_c(n[2]);
      row.mutable_answers()->set_d(n[3]);
    }
    rows->push_back(std::move(row));
    where->push_back(at);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::ImportSurveyResponse> AssessmentCore::ImportSurvey(
    const Caller& c, const v1::ImportSurveyRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.parent(), "rounds", "parent"));
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(id));
  store::WriteContext ctx =
      Ctx(c, r, "ImportSurvey", r.parent(), r.request_id(), "survey import", &*round);
  // On the trail as an import, not as the office's appraisal (WorkItem.appraised_at).
  ctx.action = "survey.import";
  ASSIGN_OR_RETURN(auto prior, Replayed<v1::ImportSurveyResponse>(ctx));
  if (prior.has_value()) return *std::move(prior);
  RETURN_IF_ERROR(CanSee(c, round->round, round->units, "", Subject::kRound));
  std::vector<v1::SurveyRow> rows;
  std::vector<std::string> where;
  RETURN_IF_ERROR(ReadSurveyRows(r, &rows, &where));
  if (rows.empty()) return absl::InvalidArgumentError("rows: nothing to import");
  // Whose rows they are first: another scope's unit is refused in any phase.
  for (size_t i = 0; i < rows.size(); ++i) {
    const v1::SurveyRow& row = rows[i];
    if (round->units.count(row.unit()) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where[i], ".unit: ", row.unit(), " is not in round ", id));
    }
    if (absl::Status in =
            CanSee(c, round->round, round->units, row.unit(), Subject::kForm);
        !in.ok()) {
      return absl::Status(in.code(), absl::StrCat(where[i], ".unit: ", in.message()));
    }
  }
  RETURN_IF_ERROR(
      Allow(Verb::kImportSurvey, c.role, round->round, nullptr, Now()).status());
  // Check every row before storing any: the criterion, each (unit, criterion) once,
  // then the answers by the engine itself, as they will be scored.
  std::map<std::string, std::vector<size_t>> by_unit;
  std::map<std::pair<std::string, std::string>, size_t> first;
  for (size_t i = 0; i < rows.size(); ++i) {
    const v1::SurveyRow& row = rows[i];
    const int node = round->set->FindNode(row.criterion());
    if (node < 0 || round->set->nodes()[node].shape != v1::Rule::kSurvey) {
      return absl::InvalidArgumentError(absl::StrCat(
          where[i], ".criterion: '", row.criterion(), "' is not a survey criterion"));
    }
    const v1::SurveyAnswers& s = row.answers();
    if (!s.has_percent_milli() && s.a() == 0 && s.b() == 0 && s.c() == 0 && s.d() == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where[i], ".answers: no answers (give a, b, c, d or a percent)"));
    }
    auto [it, inserted] = first.insert({{row.unit(), row.criterion()}, i});
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat(where[i], ": ", row.unit(), " ", row.criterion(),
                       " is also given in ", where[it->second], "; give each once"));
    }
    by_unit[row.unit()].push_back(i);
  }
  std::vector<std::pair<std::string, std::vector<store::EntryUpdate>>> writes;
  int imported = 0;
  for (const auto& [unit, indices] : by_unit) {
    ASSIGN_OR_RETURN(v1::Assessment a, LoadAssessment(*round, unit));
    const UnitStanding standing{unit, a.state(), a.reopened()};
    RETURN_IF_ERROR(
        Allow(Verb::kImportSurvey, c.role, round->round, &standing, Now()).status());
    std::vector<store::EntryUpdate> updates;
    v1::Assessment check;  // this unit's rows first, so engine errors name them
    for (size_t i : indices) {
      v1::Entry entry;
      int64_t version = 0;
      if (const v1::Entry* e = FindEntry(a, rows[i].criterion()); e != nullptr) {
        entry = *e;
        version = e->version();
      }
      entry.set_criterion(rows[i].criterion());
      *entry.mutable_self()->mutable_survey() = rows[i].answers();
      *check.add_entries() = entry;
      updates.push_back({std::move(entry), version});
    }
    const v1::Unit& u = round->units.at(unit);
    engine::ScoreSheet sheet;
    absl::Status valid =
        engine::Score(*round->set, round->PlanFor(u), u, check, v1::SELF, &sheet);
    if (!valid.ok()) {
      // "entries[k].self.survey.a: …" names the k-th row of this unit.
      absl::string_view message = valid.message();
      size_t k = 0;
      if (absl::ConsumePrefix(&message, "entries[")) {
        const size_t close = message.find(']');
        if (close != absl::string_view::npos &&
            absl::SimpleAtoi(message.substr(0, close), &k) && k < indices.size()) {
          message.remove_prefix(close + 1);
          absl::ConsumePrefix(&message, ".self.survey");
          return absl::InvalidArgumentError(
              absl::StrCat(where[indices[k]], ".answers", message));
        }
      }
      return absl::InvalidArgumentError(absl::StrCat(unit, ": ", valid.message()));
    }
    imported += static_cast<int>(updates.size());
    writes.emplace_back(unit, std::move(updates));
  }
  auto build = [&](const v1::WriteAck&) {
    v1::ImportSurveyResponse response;
    response.set_imported(imported);
    return response;
  };
  ASSIGN_OR_RETURN(auto response, Respond<v1::ImportSurveyResponse>(
                                      ctx,
                                      [&](const store::WriteContext& x) {
                                        return store_->UpdateUnitsEntries(x, id, writes);
                                      },
                                      build));
  for (const auto& [unit, updates] : writes) cache_->Changed(id, unit);
  return response;
}

}  // namespace parindex::server
