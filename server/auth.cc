// The method × role table.
#include "server/auth.h"

#include "absl/strings/str_cat.h"
#include "server/policy.h"

namespace parindex::server {

const std::map<std::string, std::set<v1::Role>>& MethodRoles() {
  using R = std::set<v1::Role>;
  static const R kAll = {v1::ROLE_WARD, v1::ROLE_APPRAISER, v1::ROLE_ADMIN,
                         v1::ROLE_READER};
  static const R kAdmin = {v1::ROLE_ADMIN};
  static const R kAppraiser = {v1::ROLE_APPRAISER};
  static const R kWard = {v1::ROLE_WARD};
  static const R kWardAppraiser = {v1::ROLE_WARD, v1::ROLE_APPRAISER};
  static const R kOffice = {v1::ROLE_WARD, v1::ROLE_APPRAISER, v1::ROLE_ADMIN};
  static const R kStaff = {v1::ROLE_APPRAISER, v1::ROLE_ADMIN};
  static const auto* table = new std::map<std::string, std::set<v1::Role>>{
      {"/parindex.v1.CriteriaService/CreateCriteriaSet", kAdmin},
      {"/parindex.v1.CriteriaService/GetCriteriaSet", kAll},
      {"/parindex.v1.CriteriaService/ListCriteriaSets", kAll},
      {"/parindex.v1.PlanService/PutPlan", kAdmin},
      {"/parindex.v1.PlanService/GetPlan", kAll},
      {"/parindex.v1.PlanService/ListPlans", kAll},
      {"/parindex.v1.UnitService/PutUnit", kAdmin},
      {"/parindex.v1.UnitService/GetUnit", kAll},
      {"/parindex.v1.UnitService/ListUnits", kAll},
      {"/parindex.v1.RoundService/CreateRound", kAppraiser},
      {"/parindex.v1.RoundService/GetRound", kAll},
      {"/parindex.v1.RoundService/ListRounds", kAll},
      {"/parindex.v1.RoundService/UpdateRound", kAppraiser},
      {"/parindex.v1.RoundService/AdvanceRound", kAppraiser},
      {"/parindex.v1.RoundService/ReopenAssessment", kAppraiser},
      {"/parindex.v1.RoundService/ListAssessments", kOffice},
      {"/parindex.v1.RoundService/GetWorkQueue", kStaff},
      {"/parindex.v1.AssessmentService/GetAssessment", kOffice},
      {"/parindex.v1.AssessmentService/BatchUpdateEntries", kWardAppraiser},
      {"/parindex.v1.AssessmentService/UpdateDataSheet", kWardAppraiser},
      {"/parindex.v1.AssessmentService/UploadEvidence", kWardAppraiser},
      {"/parindex.v1.AssessmentService/GetEvidenceFile", kOffice},
      {"/parindex.v1.AssessmentService/DeleteEvidence", kWardAppraiser},
      {"/parindex.v1.AssessmentService/SubmitAssessment", kWard},
      {"/parindex.v1.AssessmentService/RequestExplanation", kAppraiser},
      {"/parindex.v1.AssessmentService/SubmitExplanation", kWard},
      {"/parindex.v1.AssessmentService/FinaliseAssessment", kAppraiser},
      {"/parindex.v1.AssessmentService/ReviewExplanation", kAppraiser},
      {"/parindex.v1.AssessmentService/ImportSurvey", kAppraiser},
      {"/parindex.v1.RecordService/ImportDossiers", kAppraiser},
      {"/parindex.v1.RecordService/ExplainFigure", kOffice},
      {"/parindex.v1.RecordService/ListRecordFindings", kOffice},
      {"/parindex.v1.TaskService/ListTasks", kOffice},
      {"/parindex.v1.TaskService/AssignTask", kAppraiser},
      {"/parindex.v1.TaskService/ReportTaskProgress", kWard},
      {"/parindex.v1.TaskService/GetTaskReport", kOffice},
      {"/parindex.v1.ScoreService/PreviewScore", kWardAppraiser},
      {"/parindex.v1.ScoreService/GetUnitScore", kAll},
      {"/parindex.v1.ScoreService/GetRanking", kAll},
      {"/parindex.v1.ScoreService/SummariseRound", kAll},
      {"/parindex.v1.ScoreService/GetUnitHistory", kAll},
      {"/parindex.v1.ReportService/ExportRound", kAll},
      {"/parindex.v1.ReportService/StreamExportRound", kAll},
      {"/parindex.v1.AuditService/ListAuditEvents", kStaff},
      {"/parindex.v1.TokenService/CreateToken", kAdmin},
      {"/parindex.v1.TokenService/RevokeToken", kAdmin},
      {"/parindex.v1.TokenService/ListTokens", kAdmin},
      {"/parindex.v1.TokenService/GetCallerToken", kAll},
      {"/parindex.v1.EchoService/Echo", kAll},
      {"/parindex.v1.AccountService/CreateAccount", kAdmin},
      {"/parindex.v1.AccountService/ListAccounts", kAdmin},
      {"/parindex.v1.AccountService/DisableAccount", kAdmin},
      {"/parindex.v1.AccountService/ResetPassword", kAdmin},
      {"/parindex.v1.AccountService/ChangePassword", kAll},
      {"/parindex.v1.AccountService/SignOut", kAll},
      {"/parindex.v1.AccountService/GetMe", kAll},
  };
  return *table;
}

bool IsPublic(const std::string& method) {
  return method == "/parindex.v1.AccountService/SignIn";
}

absl::Status Authorize(const Caller& caller, const std::string& method) {
  const auto& table = MethodRoles();
  auto it = table.find(method);
  if (it == table.end())
    return absl::PermissionDeniedError(
        absl::StrCat(method, " is not in the authorisation table"));
  if (it->second.count(caller.role) == 0) {
    return absl::PermissionDeniedError(
        absl::StrCat(Article(RoleName(caller.role)), " token may not call ", method));
  }
  if (caller.must_change_password &&
      method != "/parindex.v1.AccountService/ChangePassword" &&
      method != "/parindex.v1.AccountService/SignOut" &&
      method != "/parindex.v1.AccountService/GetMe") {
    return absl::FailedPreconditionError("change the one-time password first");
  }
  return absl::OkStatus();
}

}  // namespace parindex::server
