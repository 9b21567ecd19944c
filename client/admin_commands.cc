// CLI commands for running a round over the API.
#include "client/admin_commands.h"

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
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
  ASSIGN_OR_RETURN(
      v1::CriteriaSet set,
      api.Call(api.criteria(), &v1::CriteriaService::Stub::CreateCriteriaSet, request));
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

absl::StatusOr<std::string> Appraise(Api& api, const std::string& round,
                                     const std::string& unit, const std::string& figures,
                                     const std::map<std::string, std::string>& ask,
                                     bool correction, const std::string& reason,
                                     bool finalise) {
  const std::string name = AssessmentName(round, unit);
  ASSIGN_OR_RETURN(v1::Assessment current, GetAssessment(api, round, unit));
  std::string out;
  if (!figures.empty()) {
    ASSIGN_OR_RETURN(auto parsed, criteria::ReadFigures(figures));
    v1::BatchUpdateEntriesRequest batch;
    batch.set_parent(name);
    batch.set_correction(correction);
    batch.set_reason(reason);
    for (const criteria::UnitFigures& u : parsed.proto.units) {
      if (u.unit.code() != unit) continue;
      for (const v1::Entry& e : u.assessment.entries()) {
        if (!e.has_appraised() && e.appraisal_comment().empty()) continue;
        v1::EntryUpdate* update = batch.add_updates();
        update->mutable_entry()->set_criterion(e.criterion());
        *update->mutable_entry()->mutable_appraised() = e.appraised();
        update->mutable_entry()->set_appraisal_comment(e.appraisal_comment());
        for (const v1::Entry& stored : current.entries()) {
          if (stored.criterion() == e.criterion()) update->set_etag(stored.version());
        }
      }
    }
    if (batch.updates().empty())
      return absl::NotFoundError(
          absl::StrCat(figures, ": no appraised values for ", unit));
    ASSIGN_OR_RETURN(v1::BatchUpdateEntriesResponse stored,
                     api.Call(api.assessments(),
                              &v1::AssessmentService::Stub::BatchUpdateEntries, batch));
    absl::StrAppend(&out, "appraised ", stored.entries_size(), " entries of ", unit,
                    "\n");
    ASSIGN_OR_RETURN(current, GetAssessment(api, round, unit));
  }
  if (!ask.empty()) {
    v1::RequestExplanationRequest request;
    request.set_name(name);
    request.set_etag(current.version());
    for (const auto& [criterion, message] : ask)
      (*request.mutable_messages())[criterion] = message;
    ASSIGN_OR_RETURN(current,
                     api.Call(api.assessments(),
                              &v1::AssessmentService::Stub::RequestExplanation, request));
    absl::StrAppend(&out, "asked ", unit, " to explain ", ask.size(), " criteria\n");
  }
  if (finalise) {
    v1::AssessmentActionRequest request;
    request.set_name(name);
    request.set_etag(current.version());
    ASSIGN_OR_RETURN(current,
                     api.Call(api.assessments(),
                              &v1::AssessmentService::Stub::FinaliseAssessment, request));
    absl::StrAppend(&out, "finalised ", unit, "\n");
  }
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
  v1::ListRequest request;
  request.set_filter(filter);
  request.set_page_size(1000);
  ASSIGN_OR_RETURN(
      v1::ListAuditEventsResponse list,
      api.Call(api.audit(), &v1::AuditService::Stub::ListAuditEvents, request));
  if (json) return ToJson(list);
  std::string out;
  for (const v1::AuditEvent& e : list.events()) {
    absl::StrAppend(&out, e.at(), "  ", Fit(e.actor(), 22), " ", Fit(e.action(), 18), " ",
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
