// The demo round for `make run`.
#include "server/demo.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "criteria/yaml_reader.h"

namespace parindex::server {
namespace {

constexpr char kRound[] = "hungyen-2023";

absl::StatusOr<std::string> ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path.string(), ": cannot open"));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::filesystem::path> YamlFiles(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> LoadDemo(
    Core& core, const std::string& criteria_dir) {
  const Caller admin{v1::ROLE_ADMIN, "setup", ""};
  const Caller appraiser{v1::ROLE_APPRAISER, "setup", ""};
  const std::filesystem::path dir(criteria_dir);
  v1::GetByNameRequest get_round;
  get_round.set_name(absl::StrCat("rounds/", kRound));
  if (!core.rounds().GetRound(appraiser, get_round).ok()) {
    for (const auto& path : YamlFiles(dir / "sets")) {
      v1::CreateCriteriaSetRequest request;
      ASSIGN_OR_RETURN(*request.mutable_yaml(), ReadText(path));
      RETURN_IF_ERROR(core.catalog().CreateCriteriaSet(admin, request).status());
    }
    for (const auto& path : YamlFiles(dir / "plans")) {
      v1::PutPlanRequest request;
      ASSIGN_OR_RETURN(*request.mutable_yaml(), ReadText(path));
      RETURN_IF_ERROR(core.catalog().PutPlan(admin, request).status());
    }
    ASSIGN_OR_RETURN(
        auto figures,
        criteria::ReadFigures((dir / "rounds" / kRound / "figures.yaml").string()));
    RETURN_IF_ERROR(criteria::RequireUnitDetails(figures));
    v1::PutUnitRequest city;
    city.mutable_unit()->set_code("HYC");
    city.mutable_unit()->set_name("Thành phố Hưng Yên");
    city.mutable_unit()->set_kind(v1::CITY);
    RETURN_IF_ERROR(core.catalog().PutUnit(admin, city).status());
    v1::CreateRoundRequest create;
    v1::Round* round = create.mutable_round();
    round->set_id(kRound);
    round->set_title(
        "Chấm điểm Chỉ số CCHC năm 2023 – UBND các phường, xã thành phố Hưng Yên");
    round->set_year(2023);
    round->set_issuer("SỞ NỘI VỤ TỈNH HƯNG YÊN");  // the reports' title block
    round->set_criteria_set("commune-2025");
    round->add_plans("hungyen-2023");
    round->set_self_assessment_deadline(absl::FormatTime(
        absl::RFC3339_sec, absl::Now() + absl::Hours(24 * 14), VietnamTime()));
    for (const criteria::UnitFigures& u : figures.proto.units) {
      v1::PutUnitRequest put;
      *put.mutable_unit() = u.unit;
      RETURN_IF_ERROR(core.catalog().PutUnit(admin, put).status());
      round->add_units(u.unit.code());
    }
    RETURN_IF_ERROR(core.rounds().CreateRound(appraiser, create).status());
    v1::AdvanceRoundRequest advance;
    advance.set_name(get_round.name());
    advance.set_to_phase(v1::PHASE_SELF_ASSESSMENT);
    advance.set_etag(1);
    RETURN_IF_ERROR(core.rounds().AdvanceRound(appraiser, advance).status());
    // Every unit enters its figures; all but the last three submit.
    for (size_t i = 0; i < figures.proto.units.size(); ++i) {
      const criteria::UnitFigures& u = figures.proto.units[i];
      const Caller ward{v1::ROLE_WARD, "setup", u.unit.code()};
      const std::string parent =
          absl::StrCat("rounds/", kRound, "/assessments/", u.unit.code());
      v1::UpdateDataSheetRequest sheet;
      sheet.set_parent(parent);
      for (const v1::DataValue& v : u.assessment.values()) {
        if (!v.has_self()) continue;
        v1::DataValueUpdate* update = sheet.add_updates();
        update->set_element(v.element());
        *update->mutable_value() = v.self();
      }
      if (!sheet.updates().empty()) {
        RETURN_IF_ERROR(core.assessments().UpdateDataSheet(ward, sheet).status());
      }
      v1::BatchUpdateEntriesRequest batch;
      batch.set_parent(parent);
      for (const v1::Entry& e : u.assessment.entries()) {
        if (e.self().has_survey())
          continue;  // imported by the office, not entered by wards
        v1::Entry* entry = batch.add_updates()->mutable_entry();
        *entry = e;
        entry->clear_appraised();
        entry->clear_appraisal_comment();
      }
      if (!batch.updates().empty()) {
        RETURN_IF_ERROR(core.assessments().BatchUpdateEntries(ward, batch).status());
      }
      if (i + 3 < figures.proto.units.size()) {
        v1::AssessmentActionRequest submit;
        submit.set_name(parent);
        submit.set_etag(1);
        RETURN_IF_ERROR(core.assessments().SubmitAssessment(ward, submit).status());
      }
    }
  }
  std::vector<std::pair<std::string, std::string>> tokens;
  for (const auto& [label, role, unit] :
       std::vector<std::tuple<std::string, v1::Role, std::string>>{
           {"admin", v1::ROLE_ADMIN, ""},
           {"appraiser", v1::ROLE_APPRAISER, ""},
           {"reader", v1::ROLE_READER, ""},
           {"ward PLS", v1::ROLE_WARD, "PLS"},
           // Xã Tân Hưng has not submitted yet: its form is open in the web page.
           {"ward XTH", v1::ROLE_WARD, "XTH"}}) {
    v1::CreateTokenRequest request;
    request.set_role(role);
    request.set_unit(unit);
    request.set_label(absl::StrCat("make run: ", label));
    ASSIGN_OR_RETURN(v1::CreateTokenResponse token,
                     core.access().CreateToken(admin, request));
    tokens.emplace_back(label, token.secret());
  }
  return tokens;
}

absl::StatusOr<std::vector<DemoAccount>> LoadDemoAccounts(Core& core) {
  const Caller admin{v1::ROLE_ADMIN, "setup", ""};
  std::vector<DemoAccount> accounts;
  for (const auto& [label, username, name, role, scope] : std::vector<
           std::tuple<std::string, std::string, std::string, v1::Role, std::string>>{
           {"ward XTH", "canbo.xth", "Nguyễn Văn An", v1::ROLE_WARD, "units/XTH"},
           {"appraiser", "thamdinh.hyc", "Trần Thị Hoa", v1::ROLE_APPRAISER,
            "parent/HYC"},
           {"admin", "quantri", "Lê Minh Quân", v1::ROLE_ADMIN, "*"}}) {
    v1::CreateAccountRequest create;
    create.set_username(username);
    create.set_full_name(name);
    create.set_role(role);
    create.set_scope(scope);
    absl::StatusOr<v1::CreateAccountResponse> created =
        core.accounts().CreateAccount(admin, create);
    if (created.ok()) {
      accounts.push_back({label, username, created->one_time_password()});
      continue;
    }
    if (created.status().code() != absl::StatusCode::kAlreadyExists) {
      return created.status();
    }
    v1::ListAccountsResponse all;
    v1::ListRequest list;
    list.set_page_size(1000);
    ASSIGN_OR_RETURN(all, core.accounts().ListAccounts(admin, list));
    for (const v1::Account& account : all.accounts()) {
      if (account.username() != username) continue;
      v1::GetByNameRequest reset;
      reset.set_name(absl::StrCat("accounts/", account.id()));
      ASSIGN_OR_RETURN(v1::ResetPasswordResponse again,
                       core.accounts().ResetPassword(admin, reset));
      accounts.push_back({label, username, again.one_time_password()});
    }
  }
  return accounts;
}

}  // namespace parindex::server
