// CLI commands for running a round over the API.
#include "client/admin_commands.h"

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "client/text_table.h"
#include "common/status_macros.h"
#include "criteria/yaml_reader.h"
#include "google/protobuf/util/json_util.h"

namespace parindex::client {
namespace {

// "[#####.....] 12/17 units" on a terminal; nothing when stderr is a file or a pipe.
void Progress(int done, int total, absl::string_view what) {
  if (!isatty(STDERR_FILENO) || total == 0) return;
  const int width = 30, filled = done * width / total;
  std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, '.')
            << "] " << done << "/" << total << " " << what << (done == total ? "\n" : "")
            << std::flush;
}

}  // namespace

absl::StatusOr<std::string> UploadCriteriaSet(Api& api, const std::string& path) {
  v1::CreateCriteriaSetRequest request;
  ASSIGN_OR_RETURN(*request.mutable_yaml(), ReadFile(path));
  // The latest version before: the server answers an identical set with the version
  // that holds it rather than storing it again.
  int32_t latest = 0;
  ASSIGN_OR_RETURN(auto parsed, criteria::ParseCriteriaSet(request.yaml(), path));
  v1::GetCriteriaSetRequest get;
  get.set_name(absl::StrCat("criteriaSets/", parsed.proto.id()));
  absl::StatusOr<v1::CriteriaSet> before =
      api.Call(api.criteria(), &v1::CriteriaService::Stub::GetCriteriaSet, get);
  if (before.ok()) latest = before->version();
  ASSIGN_OR_RETURN(
      v1::CriteriaSet set,
      api.Call(api.criteria(), &v1::CriteriaService::Stub::CreateCriteriaSet, request));
  if (set.version() <= latest) {
    return absl::StrCat("criteria set ", set.id(), " version ", set.version(),
                        " is already stored with the same content: nothing changed\n");
  }
  return absl::StrCat("stored criteria set ", set.id(), " version ", set.version(), "\n");
}

absl::StatusOr<std::string> ListCriteriaSets(Api& api, bool json) {
  ASSIGN_OR_RETURN(v1::ListCriteriaSetsResponse list,
                   api.Call(api.criteria(), &v1::CriteriaService::Stub::ListCriteriaSets,
                            v1::ListRequest()));
  if (json) return ToJson(list);
  std::string out;
  for (const v1::CriteriaSet& s : list.criteria_sets()) {
    absl::StrAppend(&out, Fit(s.id(), 22), " v", s.version(), "  ", s.title(), "\n");
  }
  return out;
}

absl::StatusOr<std::string> UploadPlan(Api& api, const std::string& path) {
  v1::PutPlanRequest request;
  ASSIGN_OR_RETURN(*request.mutable_yaml(), ReadFile(path));
  ASSIGN_OR_RETURN(v1::Plan plan,
                   api.Call(api.plans(), &v1::PlanService::Stub::PutPlan, request));
  return absl::StrCat("stored plan ", plan.id(), " (", plan.targets_size(), " targets, ",
                      plan.tasks_size(), " tasks)\n");
}

absl::StatusOr<std::string> ListPlans(Api& api, bool json) {
  ASSIGN_OR_RETURN(
      v1::ListPlansResponse list,
      api.Call(api.plans(), &v1::PlanService::Stub::ListPlans, v1::ListRequest()));
  if (json) return ToJson(list);
  std::string out;
  for (const v1::Plan& p : list.plans())
    absl::StrAppend(&out, Fit(p.id(), 24), " ", p.year(), "  ", p.title(), "\n");
  return out;
}

absl::StatusOr<std::string> ImportUnits(Api& api, const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  std::vector<v1::Unit> units;
  int line = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++line;
    absl::string_view row = absl::StripAsciiWhitespace(raw);
    if (row.empty() || (line == 1 && absl::StartsWith(row, "code"))) continue;
    std::vector<std::string> cells = absl::StrSplit(row, ',');
    if (cells.size() < 3 || cells.size() > 5) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line, ": expected code,name,kind[,parent[,block]]"));
    }
    v1::Unit& unit = units.emplace_back();
    unit.set_code(cells[0]);
    unit.set_name(cells[1]);
    v1::UnitKind kind;
    if (!v1::UnitKind_Parse(absl::AsciiStrToUpper(cells[2]), &kind)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line, ": '", cells[2], "' is not a unit kind"));
    }
    unit.set_kind(kind);
    if (cells.size() > 3) unit.set_parent(cells[3]);
    if (cells.size() > 4) unit.set_block(cells[4]);
  }
  for (size_t i = 0; i < units.size(); ++i) {
    v1::PutUnitRequest put;
    *put.mutable_unit() = units[i];
    RETURN_IF_ERROR(api.Call(api.units(), &v1::UnitService::Stub::PutUnit, put).status());
    Progress(static_cast<int>(i + 1), static_cast<int>(units.size()), "units");
  }
  return absl::StrCat("imported ", units.size(), " units\n");
}

absl::StatusOr<std::string> ListUnits(Api& api, const std::string& filter, bool json) {
  v1::ListRequest request;
  request.set_filter(filter);
  request.set_page_size(1000);
  ASSIGN_OR_RETURN(v1::ListUnitsResponse list,
                   api.Call(api.units(), &v1::UnitService::Stub::ListUnits, request));
  if (json) return ToJson(list);
  std::string out;
  for (const v1::Unit& u : list.units()) {
    absl::StrAppend(&out, Fit(u.code(), 8), " ",
                    Fit(absl::AsciiStrToLower(v1::UnitKind_Name(u.kind())), 10), " ",
                    u.name(), "\n");
  }
  return out;
}

absl::StatusOr<std::string> CreateRound(Api& api, const RoundSpec& spec) {
  v1::CreateRoundRequest request;
  v1::Round* round = request.mutable_round();
  round->set_id(spec.id);
  round->set_title(spec.title);
  round->set_year(spec.year);
  round->set_criteria_set(spec.criteria_set);
  round->set_criteria_set_version(spec.version);
  round->set_self_assessment_deadline(spec.deadline);
  round->set_explanation_deadline(spec.explanation_deadline);
  for (const std::string& p : spec.plans) round->add_plans(p);
  for (const std::string& u : spec.units) round->add_units(u);
  ASSIGN_OR_RETURN(v1::Round created,
                   api.Call(api.rounds(), &v1::RoundService::Stub::CreateRound, request));
  return absl::StrCat("created round ", created.id(), " on ", created.criteria_set(),
                      " v", created.criteria_set_version(), " with ",
                      created.units_size(), " units\n");
}

absl::StatusOr<std::string> AdvanceRound(Api& api, const std::string& id,
                                         const std::string& phase) {
  v1::GetByNameRequest get;
  get.set_name(absl::StrCat("rounds/", id));
  ASSIGN_OR_RETURN(v1::Round round,
                   api.Call(api.rounds(), &v1::RoundService::Stub::GetRound, get));
  v1::RoundPhase to;
  if (!v1::RoundPhase_Parse(absl::StrCat("PHASE_", absl::AsciiStrToUpper(phase)), &to)) {
    return absl::InvalidArgumentError(
        absl::StrCat("phase: '", phase,
                     "' is not a phase (SELF_ASSESSMENT, "
                     "APPRAISAL, EXPLANATION, FINAL_APPRAISAL, FINALISED, PUBLISHED)"));
  }
  v1::AdvanceRoundRequest advance;
  advance.set_name(get.name());
  advance.set_to_phase(to);
  advance.set_etag(round.version());
  ASSIGN_OR_RETURN(
      v1::Round moved,
      api.Call(api.rounds(), &v1::RoundService::Stub::AdvanceRound, advance));
  return absl::StrCat("round ", id, " is now in phase ",
                      v1::RoundPhase_Name(moved.phase()).substr(6), "\n");
}

absl::StatusOr<std::string> ReopenUnit(Api& api, const std::string& round,
                                       const std::string& unit,
                                       const std::string& reason) {
  v1::ReopenAssessmentRequest request;
  request.set_name(AssessmentName(round, unit));
  request.set_reason(reason);
  ASSIGN_OR_RETURN(
      v1::Assessment a,
      api.Call(api.rounds(), &v1::RoundService::Stub::ReopenAssessment, request));
  return absl::StrCat("reopened ", unit, ": it can edit and submit again\n");
}

absl::StatusOr<std::string> Appraise(Api& api, const AppraiseOptions& o) {
  // A command that would do nothing is a mistake on the command line, not a success.
  if (o.figures.empty() && o.ask.empty() && !o.reviewed && !o.finalise) {
    return absl::InvalidArgumentError(absl::StrCat(
        "nothing to appraise for ", o.unit,
        ": give --figures FILE, --ask CRITERION=MESSAGE, --reviewed or --finalise"));
  }
  // An explanation request carries its reason (the server refuses one without).
  v1::ExplanationReason reason = v1::EXPLANATION_REASON_UNSPECIFIED;
  if (!o.ask.empty() &&
      !v1::ExplanationReason_Parse(absl::StrCat("REASON_", absl::AsciiStrToUpper(o.why)),
                                   &reason)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--why: ",
                     o.why.empty() ? "give the reason for --ask"
                                   : absl::StrCat("'", o.why, "' is not"),
                     ": missing_evidence, figures_mismatch, wrong_period or other"));
  }
  const std::string name = AssessmentName(o.round, o.unit);
  // What to send, read before anything is: a bad file changes nothing.
  v1::BatchUpdateEntriesRequest batch;
  // The file's appraised data-sheet values (`values: x: {appraised: …}`).
  v1::UpdateDataSheetRequest sheet;
  if (!o.figures.empty()) {
    ASSIGN_OR_RETURN(auto parsed, criteria::ReadFigures(o.figures));
    batch.set_parent(name);
    batch.set_correction(o.correction);
    batch.set_reason(o.reason);
    sheet.set_parent(name);
    sheet.set_correction(o.correction);
    sheet.set_reason(o.reason);
    for (const criteria::UnitFigures& u : parsed.proto.units) {
      if (u.unit.code() != o.unit) continue;
      for (const v1::DataValue& v : u.assessment.values()) {
        if (!v.has_appraised()) continue;
        v1::DataValueUpdate* update = sheet.add_updates();
        update->set_element(v.element());
        *update->mutable_value() = v.appraised();
      }
      for (const v1::Entry& e : u.assessment.entries()) {
        if (!e.has_appraised() && e.appraisal_comment().empty()) continue;
        v1::EntryUpdate* update = batch.add_updates();
        update->mutable_entry()->set_criterion(e.criterion());
        *update->mutable_entry()->mutable_appraised() = e.appraised();
        update->mutable_entry()->set_appraisal_comment(e.appraisal_comment());
      }
    }
    if (batch.updates().empty() && sheet.updates().empty())
      return absl::NotFoundError(
          absl::StrCat(o.figures, ": no appraised values for ", o.unit));
  }
  v1::GetByNameRequest get_round;
  get_round.set_name(absl::StrCat("rounds/", o.round));
  ASSIGN_OR_RETURN(v1::Round round,
                   api.Call(api.rounds(), &v1::RoundService::Stub::GetRound, get_round));
  ASSIGN_OR_RETURN(v1::Assessment current, GetAssessment(api, o.round, o.unit));
  // Whether each part may be done now, as the server's workflow rules say (its
  // answer's ActionCheck list: the rules have one home, server/policy.cc); it checks
  // them again on each call.
  std::vector<std::string> refused;
  absl::StatusCode code = absl::StatusCode::kOk;
  auto check = [&](const char* flag, absl::string_view action) {
    for (const v1::ActionCheck& a : current.actions()) {
      if (a.action() != action || a.allowed()) continue;
      refused.push_back(absl::StrCat(flag, ": ", a.refusal()));
      // PERMISSION_DENIED (not this account's to do) before FAILED_PRECONDITION.
      const auto why = static_cast<absl::StatusCode>(a.code());
      if (code == absl::StatusCode::kOk || why == absl::StatusCode::kPermissionDenied)
        code = why;
    }
  };
  if (!o.figures.empty())
    check(o.correction ? "--figures --correction" : "--figures",
          o.correction ? "CorrectEntries" : "AppraiseEntries");
  if (!o.ask.empty()) check("--ask", "RequestExplanation");
  if (o.reviewed) check("--reviewed", "ReviewExplanation");
  if (o.finalise) check("--finalise", "FinaliseAssessment");
  if (!refused.empty()) {
    return absl::Status(
        code, absl::StrCat(
                  "round ", o.round, " is in phase ",
                  absl::StripPrefix(v1::RoundPhase_Name(round.phase()), "PHASE_"),
                  " and the assessment of ", o.unit, " is ",
                  absl::StripPrefix(v1::AssessmentState_Name(current.state()), "STATE_"),
                  ": ", absl::StrJoin(refused, "; "), "; nothing was done"));
  }
  // The questions as the server will judge them (criteria, words, reasons), before
  // any figure is stored: it checks and stores nothing (validate_only).
  v1::RequestExplanationRequest ask;
  if (!o.ask.empty()) {
    ask.set_name(name);
    for (const auto& [criterion, message] : o.ask) {
      (*ask.mutable_messages())[criterion] = message;
      (*ask.mutable_reasons())[criterion] = reason;
    }
    v1::RequestExplanationRequest check = ask;
    check.set_etag(current.version());
    check.set_validate_only(true);
    const absl::Status checked =
        api.Call(api.assessments(), &v1::AssessmentService::Stub::RequestExplanation,
                 check)
            .status();
    if (!checked.ok()) {
      return absl::Status(checked.code(), absl::StrCat("--ask: ", checked.message(),
                                                       "; nothing was done"));
    }
  }
  std::string out;
  // The parts in turn. One the server refuses after another was stored (a check no
  // phase or state foresees) says what was already done.
  const absl::Status sent = [&]() -> absl::Status {
    if (!sheet.updates().empty()) {
      // Each value with the version read, so that one changed since is refused.
      for (v1::DataValueUpdate& update : *sheet.mutable_updates()) {
        for (const v1::DataValue& value : current.values()) {
          if (value.element() == update.element()) update.set_etag(value.version());
        }
      }
      RETURN_IF_ERROR(api.Call(api.assessments(),
                               &v1::AssessmentService::Stub::UpdateDataSheet, sheet)
                          .status());
      absl::StrAppend(&out, "appraised ", sheet.updates_size(), " data sheet values of ",
                      o.unit, "\n");
      ASSIGN_OR_RETURN(current, GetAssessment(api, o.round, o.unit));
    }
    if (!batch.updates().empty()) {
      for (v1::EntryUpdate& update : *batch.mutable_updates()) {
        for (const v1::Entry& stored : current.entries()) {
          if (stored.criterion() == update.entry().criterion())
            update.set_etag(stored.version());
        }
        // The figures go to the data sheet: each with the version of its value read, so
        // that one changed since is refused, not overwritten.
        for (const auto& [element, count] : update.entry().appraised().figures()) {
          int64_t version = 0;
          for (const v1::DataValue& value : current.values()) {
            if (value.element() == element) version = value.version();
          }
          (*update.mutable_figure_etags())[element] = version;
        }
      }
      ASSIGN_OR_RETURN(v1::BatchUpdateEntriesResponse stored,
                       api.Call(api.assessments(),
                                &v1::AssessmentService::Stub::BatchUpdateEntries, batch));
      absl::StrAppend(&out, "appraised ", stored.entries_size(), " entries of ", o.unit,
                      "\n");
      ASSIGN_OR_RETURN(current, GetAssessment(api, o.round, o.unit));
    }
    if (!o.ask.empty()) {
      ask.set_etag(current.version());
      ASSIGN_OR_RETURN(current,
                       api.Call(api.assessments(),
                                &v1::AssessmentService::Stub::RequestExplanation, ask));
      absl::StrAppend(&out, "asked ", o.unit, " to explain ", o.ask.size(),
                      " criteria\n");
    }
    // A change of state on the form as last read (its version the etag).
    auto act = [&](auto method, absl::string_view done) -> absl::Status {
      v1::AssessmentActionRequest request;
      request.set_name(name);
      request.set_etag(current.version());
      ASSIGN_OR_RETURN(current, api.Call(api.assessments(), method, request));
      absl::StrAppend(&out, done, "\n");
      return absl::OkStatus();
    };
    if (o.reviewed) {
      RETURN_IF_ERROR(
          act(&v1::AssessmentService::Stub::ReviewExplanation,
              absl::StrCat("marked the explanations of ", o.unit, " as read")));
    }
    if (o.finalise) {
      RETURN_IF_ERROR(act(&v1::AssessmentService::Stub::FinaliseAssessment,
                          absl::StrCat("finalised ", o.unit)));
    }
    return absl::OkStatus();
  }();
  if (!sent.ok() && !out.empty()) {
    return absl::Status(
        sent.code(),
        absl::StrCat(
            sent.message(), " (already done: ",
            absl::StrJoin(absl::StrSplit(absl::StripSuffix(out, "\n"), '\n'), "; "),
            ")"));
  }
  RETURN_IF_ERROR(sent);
  return out;
}

absl::StatusOr<std::string> Explain(Api& api, const std::string& round,
                                    const std::string& unit,
                                    const std::map<std::string, std::string>& texts,
                                    bool submit) {
  const std::string name = AssessmentName(round, unit);
  ASSIGN_OR_RETURN(v1::Assessment current, GetAssessment(api, round, unit));
  std::string out;
  if (!texts.empty()) {
    v1::BatchUpdateEntriesRequest batch;
    batch.set_parent(name);
    for (const auto& [criterion, text] : texts) {
      v1::EntryUpdate* update = batch.add_updates();
      update->mutable_entry()->set_criterion(criterion);
      update->mutable_entry()->set_explanation(text);
      for (const v1::Entry& stored : current.entries()) {
        if (stored.criterion() == criterion) update->set_etag(stored.version());
      }
    }
    RETURN_IF_ERROR(api.Call(api.assessments(),
                             &v1::AssessmentService::Stub::BatchUpdateEntries, batch)
                        .status());
    absl::StrAppend(&out, "explained ", texts.size(), " criteria\n");
    ASSIGN_OR_RETURN(current, GetAssessment(api, round, unit));
  }
  if (submit) {
    v1::AssessmentActionRequest request;
    request.set_name(name);
    request.set_etag(current.version());
    RETURN_IF_ERROR(api.Call(api.assessments(),
                             &v1::AssessmentService::Stub::SubmitExplanation, request)
                        .status());
    absl::StrAppend(&out, "explanations of ", unit, " submitted\n");
  }
  return out;
}

absl::StatusOr<std::string> ImportSurvey(Api& api, const std::string& round,
                                         const std::string& csv_path) {
  v1::ImportSurveyRequest request;
  request.set_parent(absl::StrCat("rounds/", round));
  ASSIGN_OR_RETURN(*request.mutable_csv(), ReadFile(csv_path));
  ASSIGN_OR_RETURN(
      v1::ImportSurveyResponse imported,
      api.Call(api.assessments(), &v1::AssessmentService::Stub::ImportSurvey, request));
  return absl::StrCat("imported ", imported.imported(), " survey results\n");
}

absl::StatusOr<std::string> ListAudit(Api& api, const std::string& filter, bool json) {
  // Every event, a page at a time (the server gives at most 1,000 a page).
  v1::ListAuditEventsResponse all;
  v1::ListRequest request;
  request.set_filter(filter);
  request.set_page_size(1000);
  do {
    ASSIGN_OR_RETURN(
        v1::ListAuditEventsResponse page,
        api.Call(api.audit(), &v1::AuditService::Stub::ListAuditEvents, request));
    for (v1::AuditEvent& e : *page.mutable_events()) *all.add_events() = std::move(e);
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  if (json) return ToJson(all);
  std::string out;
  // People read the time in Vietnam time and the actor by name (the person's, or the
  // token's label); --json keeps RFC 3339 UTC and the ids.
  const absl::TimeZone vietnam = absl::FixedTimeZone(7 * 60 * 60);
  for (const v1::AuditEvent& e : all.events()) {
    absl::Time at;
    std::string error;
    const std::string when = absl::ParseTime(absl::RFC3339_full, e.at(), &at, &error)
                                 ? absl::FormatTime("%d/%m/%Y %H:%M:%S", at, vietnam)
                                 : e.at();
    const std::string& who = e.actor_display().empty() ? e.actor() : e.actor_display();
    absl::StrAppend(&out, when, "  ", Fit(who, 24), " ", Fit(e.action(), 18), " ",
                    e.resource(),
                    e.reason().empty() ? "" : absl::StrCat("  (", e.reason(), ")"), "\n");
  }
  return out;
}

absl::StatusOr<std::string> CreateToken(Api& api, const std::string& role,
                                        const std::string& unit, const std::string& label,
                                        bool json) {
  v1::CreateTokenRequest request;
  v1::Role parsed;
  if (!v1::Role_Parse(absl::StrCat("ROLE_", absl::AsciiStrToUpper(role)), &parsed)) {
    return absl::InvalidArgumentError(
        absl::StrCat("role: '", role, "' is not ward, appraiser, admin or reader"));
  }
  request.set_role(parsed);
  request.set_unit(unit);
  request.set_label(label);
  ASSIGN_OR_RETURN(v1::CreateTokenResponse token,
                   api.Call(api.tokens(), &v1::TokenService::Stub::CreateToken, request));
  if (json) return ToJson(token);
  return absl::StrCat(token.token().id(), " ", token.secret(), "\n");
}

absl::StatusOr<std::string> RevokeToken(Api& api, const std::string& id) {
  v1::GetByNameRequest request;
  request.set_name(absl::StrCat("tokens/", id));
  ASSIGN_OR_RETURN(v1::Token token,
                   api.Call(api.tokens(), &v1::TokenService::Stub::RevokeToken, request));
  return absl::StrCat("revoked ", token.id(), " at ", token.revoked_at(), "\n");
}

absl::StatusOr<std::string> ListTokens(Api& api, bool json) {
  ASSIGN_OR_RETURN(
      v1::ListTokensResponse list,
      api.Call(api.tokens(), &v1::TokenService::Stub::ListTokens, v1::ListRequest()));
  if (json) return ToJson(list);
  std::string out;
  for (const v1::Token& t : list.tokens()) {
    absl::StrAppend(&out, Fit(t.id(), 22), " ",
                    Fit(absl::AsciiStrToLower(v1::Role_Name(t.role()).substr(5)), 10),
                    " ", Fit(t.unit(), 6), " ",
                    t.revoked_at().empty() ? "valid" : "revoked", "  ", t.label(), "\n");
  }
  return out;
}

}  // namespace parindex::client
