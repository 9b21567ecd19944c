// The demo round for `make run`.
#include "server/demo.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "criteria/csv.h"
#include "criteria/yaml_reader.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"

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

// Moves every date in `message` (a plan's deadlines and tasks, a unit's figures) on by
// `years`.
void ShiftDates(google::protobuf::Message* message, int years) {
  if (auto* date = dynamic_cast<v1::Date*>(message)) {
    if (date->year() != 0) date->set_year(date->year() + years);
    return;
  }
  const google::protobuf::Reflection* reflection = message->GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_map()) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(*message, field); ++i)
        ShiftDates(reflection->MutableRepeatedMessage(message, field, i), years);
    } else {
      ShiftDates(reflection->MutableMessage(message, field), years);
    }
  }
}

std::string Rfc3339In(absl::Duration from_now) {
  return absl::FormatTime(absl::RFC3339_sec, absl::Now() + from_now, VietnamTime());
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> LoadDemo(
    Core& core, const std::string& criteria_dir) {
  const Caller admin{v1::ROLE_ADMIN, "setup", ""};
  // People's names on the trail, as a person's session writes them (a unit's history
  // and its form say who did what).
  Caller appraiser{v1::ROLE_APPRAISER, "setup", ""};
  appraiser.name = "Phạm Thu Hà";
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
      Caller ward{v1::ROLE_WARD, "setup", u.unit.code()};
      ward.name = absl::StrCat("Văn phòng UBND ", u.unit.name());
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

namespace {

constexpr char kProvinceRound[] = "hungyen-2025";

// What the province demo makes of its i-th unit (of 104): the states cycle so that
// every block has each of them.
enum class DemoStep { kNotStarted, kDraft, kSubmitted, kAppraised, kAsked, kExplained };

DemoStep StepOf(size_t i) {
  static constexpr DemoStep kCycle[] = {
      DemoStep::kSubmitted,  DemoStep::kAppraised, DemoStep::kAsked,
      DemoStep::kSubmitted,  DemoStep::kExplained, DemoStep::kAppraised,
      DemoStep::kSubmitted,  DemoStep::kDraft,     DemoStep::kAsked,
      DemoStep::kAppraised,  DemoStep::kExplained, DemoStep::kSubmitted,
      DemoStep::kNotStarted, DemoStep::kAsked,     DemoStep::kSubmitted,
      DemoStep::kDraft,      DemoStep::kAppraised, DemoStep::kExplained};
  return kCycle[i % (sizeof(kCycle) / sizeof(kCycle[0]))];
}

// The appraiser's questions, with their reason, cycled over the units asked.
struct DemoQuestion {
  const char* criterion;
  v1::ExplanationReason reason;
  const char* text;
  const char* answer;
};
constexpr DemoQuestion kQuestions[] = {
    {"III.2.1", v1::REASON_FIGURES_MISMATCH,
     "Số hồ sơ giải quyết đúng hạn không khớp báo cáo năm trên Hệ thống thông tin giải "
     "quyết TTHC của tỉnh: đề nghị đối chiếu và giải trình.",
     "Đã đối chiếu: số liệu báo cáo năm gồm cả hồ sơ liên thông; kèm bảng đối chiếu."},
    {"I.1.1", v1::REASON_MISSING_EVIDENCE,
     "Chưa có kế hoạch CCHC năm kèm theo: đề nghị bổ sung văn bản.",
     "Bổ sung Kế hoạch CCHC năm của UBND xã (đã đính kèm)."},
    {"I.5", v1::REASON_OTHER,
     "Sáng kiến đã được cấp có thẩm quyền công nhận chưa? Đề nghị làm rõ.",
     "Sáng kiến được Hội đồng sáng kiến của huyện (cũ) công nhận, quyết định kèm theo."},
    {"V.2", v1::REASON_WRONG_PERIOD,
     "Số liệu cán bộ, công chức là của năm trước: đề nghị cập nhật theo năm đánh giá.",
     "Đã cập nhật số liệu đến 31/12 năm đánh giá."},
};

absl::Status LoadProvinceRound(Core& core, const std::filesystem::path& dir) {
  const Caller admin{v1::ROLE_ADMIN, "setup", ""};
  Caller appraiser{v1::ROLE_APPRAISER, "setup", ""};
  appraiser.name = "Phạm Thu Hà";
  // The plan: the city's 2023 targets, moved to 2025 for the province (a demo's plan).
  ASSIGN_OR_RETURN(auto city_plan,
                   criteria::ReadPlan((dir / "plans" / "hungyen-2023.yaml").string()));
  v1::PutPlanRequest plan;
  *plan.mutable_plan() = city_plan.proto;
  v1::Plan* p = plan.mutable_plan();
  p->set_id(kProvinceRound);
  p->set_title(
      "Kế hoạch cải cách hành chính tỉnh Hưng Yên năm 2025 (trình diễn: các chỉ "
      "tiêu của Kế hoạch 199/KH-UBND)");
  p->set_unit("HY");
  p->set_year(2025);
  for (v1::Deadline& d : *p->mutable_deadlines()) {
    ShiftDates(&d, 2);
    d.set_text(absl::StrReplaceAll(d.text(), {{"2023", "2025"}}));
  }
  for (v1::Task& t : *p->mutable_tasks()) {
    ShiftDates(&t, 2);
    t.set_due_text(absl::StrReplaceAll(t.due_text(), {{"2023", "2025"}}));
  }
  RETURN_IF_ERROR(core.catalog().PutPlan(admin, plan).status());
  // The units: the province and its 104 communes and wards.
  v1::PutUnitRequest province;
  province.mutable_unit()->set_code("HY");
  province.mutable_unit()->set_name("Tỉnh Hưng Yên");
  province.mutable_unit()->set_kind(v1::PROVINCE);
  RETURN_IF_ERROR(core.catalog().PutUnit(admin, province).status());
  ASSIGN_OR_RETURN(std::string units_csv,
                   ReadText(dir / "rounds" / kProvinceRound / "units.csv"));
  ASSIGN_OR_RETURN(std::vector<criteria::CsvRow> rows, criteria::ReadCsv(units_csv));
  v1::CreateRoundRequest create;
  v1::Round* round = create.mutable_round();
  round->set_id(kProvinceRound);
  round->set_title("Chấm điểm Chỉ số CCHC năm 2025 – UBND các xã, phường tỉnh Hưng Yên");
  round->set_year(2025);
  round->set_issuer("SỞ NỘI VỤ TỈNH HƯNG YÊN");
  round->set_criteria_set("commune-2025");
  round->add_plans(kProvinceRound);
  round->set_self_assessment_deadline(Rfc3339In(absl::Hours(24)));
  round->set_explanation_deadline(Rfc3339In(absl::Hours(24 * 3)));
  std::vector<v1::Unit> units;
  for (size_t i = 1; i < rows.size(); ++i) {  // row 0: the header
    const std::vector<std::string>& cells = rows[i].cells;
    if (cells.size() != 5) {
      return absl::InvalidArgumentError(absl::StrCat(
          "units.csv:", rows[i].line, ": expected code,name,kind,parent,block"));
    }
    v1::Unit& unit = units.emplace_back();
    unit.set_code(cells[0]);
    unit.set_name(cells[1]);
    unit.set_kind(cells[2] == "ward" ? v1::WARD : v1::COMMUNE);
    unit.set_parent(cells[3]);
    unit.set_block(cells[4]);
    v1::PutUnitRequest put;
    *put.mutable_unit() = unit;
    RETURN_IF_ERROR(core.catalog().PutUnit(admin, put).status());
    round->add_units(unit.code());
  }
  RETURN_IF_ERROR(core.rounds().CreateRound(appraiser, create).status());
  const std::string round_name = absl::StrCat("rounds/", kProvinceRound);
  auto advance = [&](v1::RoundPhase to) -> absl::Status {
    v1::GetByNameRequest get;
    get.set_name(round_name);
    ASSIGN_OR_RETURN(v1::Round now, core.rounds().GetRound(appraiser, get));
    v1::AdvanceRoundRequest request;
    request.set_name(round_name);
    request.set_to_phase(to);
    request.set_etag(now.version());
    return core.rounds().AdvanceRound(appraiser, request).status();
  };
  auto version = [&](const std::string& name) -> absl::StatusOr<int64_t> {
    v1::GetByNameRequest get;
    get.set_name(name);
    ASSIGN_OR_RETURN(v1::Assessment a, core.assessments().GetAssessment(appraiser, get));
    return a.version();
  };
  RETURN_IF_ERROR(advance(v1::PHASE_SELF_ASSESSMENT));
  // The figures: each unit reports those of a city unit of 2023, scaled to its size
  // and moved to 2025.
  ASSIGN_OR_RETURN(
      auto figures,
      criteria::ReadFigures((dir / "rounds" / "hungyen-2023" / "figures.yaml").string()));
  const auto& sources = figures.proto.units;
  auto ward_of = [&](const v1::Unit& unit) {
    Caller ward{v1::ROLE_WARD, "setup", unit.code()};
    ward.name = absl::StrCat("Văn phòng UBND ", unit.name());
    return ward;
  };
  for (size_t i = 0; i < units.size(); ++i) {
    if (StepOf(i) == DemoStep::kNotStarted) continue;
    const v1::Unit& unit = units[i];
    const Caller ward = ward_of(unit);
    const std::string parent = absl::StrCat(round_name, "/assessments/", unit.code());
    v1::Assessment source = sources[i % sources.size()].assessment;
    ShiftDates(&source, 2);
    const int64_t percent = 60 + static_cast<int64_t>((i * 37) % 121);  // 60..180 %
    v1::UpdateDataSheetRequest sheet;
    sheet.set_parent(parent);
    for (const v1::DataValue& v : source.values()) {
      if (!v.has_self()) continue;
      v1::DataValueUpdate* update = sheet.add_updates();
      update->set_element(v.element());
      *update->mutable_value() = v.self();
      if (v.self().has_count())
        update->mutable_value()->set_count(v.self().count() * percent / 100);
    }
    RETURN_IF_ERROR(core.assessments().UpdateDataSheet(ward, sheet).status());
    v1::BatchUpdateEntriesRequest batch;
    batch.set_parent(parent);
    for (const v1::Entry& e : source.entries()) {
      if (e.self().has_survey()) continue;
      v1::Entry* entry = batch.add_updates()->mutable_entry();
      *entry = e;
      entry->clear_appraised();
      entry->clear_appraisal_comment();
    }
    if (!batch.updates().empty()) {
      RETURN_IF_ERROR(core.assessments().BatchUpdateEntries(ward, batch).status());
    }
    if (StepOf(i) == DemoStep::kDraft) continue;
    v1::AssessmentActionRequest submit;
    submit.set_name(parent);
    ASSIGN_OR_RETURN(int64_t etag, version(parent));
    submit.set_etag(etag);
    RETURN_IF_ERROR(core.assessments().SubmitAssessment(ward, submit).status());
  }
  // Phường Phố Hiến found a wrong count after submitting: the office reopened its form
  // (with the reason), it corrected the count and submitted again.
  {
    const Caller ward = ward_of(units[0]);
    const std::string parent = absl::StrCat(round_name, "/assessments/", units[0].code());
    v1::ReopenAssessmentRequest reopen;
    reopen.set_name(parent);
    reopen.set_reason(
        "Đơn vị đề nghị sửa số hồ sơ giải quyết đúng hạn theo báo cáo năm (Công văn "
        "15/UBND)");
    RETURN_IF_ERROR(core.assessments().ReopenAssessment(appraiser, reopen).status());
    v1::GetByNameRequest get;
    get.set_name(parent);
    ASSIGN_OR_RETURN(v1::Assessment a, core.assessments().GetAssessment(ward, get));
    int64_t resolved = 0;
    for (const v1::DataValue& v : a.values()) {
      if (v.element() == "resolved") resolved = v.self().count();
    }
    v1::UpdateDataSheetRequest sheet;
    sheet.set_parent(parent);
    for (const v1::DataValue& v : a.values()) {
      if (v.element() != "resolved_on_time") continue;
      v1::DataValueUpdate* update = sheet.add_updates();
      update->set_element(v.element());
      update->mutable_value()->set_count(resolved * 9 / 10);
      update->set_etag(v.version());
    }
    RETURN_IF_ERROR(core.assessments().UpdateDataSheet(ward, sheet).status());
    v1::AssessmentActionRequest submit;
    submit.set_name(parent);
    ASSIGN_OR_RETURN(int64_t etag, version(parent));
    submit.set_etag(etag);
    RETURN_IF_ERROR(core.assessments().SubmitAssessment(ward, submit).status());
  }
  RETURN_IF_ERROR(advance(v1::PHASE_APPRAISAL));
  // The office has appraised some of the figures of the units it has reached, and
  // asked some of them to explain.
  size_t asked = 0;
  std::vector<std::pair<size_t, const DemoQuestion*>> questions;
  for (size_t i = 0; i < units.size(); ++i) {
    const DemoStep step = StepOf(i);
    if (step != DemoStep::kAppraised && step != DemoStep::kAsked &&
        step != DemoStep::kExplained) {
      continue;
    }
    const std::string parent = absl::StrCat(round_name, "/assessments/", units[i].code());
    v1::GetByNameRequest get;
    get.set_name(parent);
    ASSIGN_OR_RETURN(v1::Assessment a, core.assessments().GetAssessment(appraiser, get));
    v1::UpdateDataSheetRequest sheet;
    sheet.set_parent(parent);
    const int appraise = 10 + static_cast<int>((i * 13) % 50);
    for (const v1::DataValue& v : a.values()) {
      if (sheet.updates_size() >= appraise) break;
      if (!v.has_self()) continue;
      v1::DataValueUpdate* update = sheet.add_updates();
      update->set_element(v.element());
      *update->mutable_value() = v.self();
      update->mutable_value()->clear_updated_at();
      update->mutable_value()->clear_updated_by();
      update->set_etag(v.version());
    }
    RETURN_IF_ERROR(core.assessments().UpdateDataSheet(appraiser, sheet).status());
    if (step == DemoStep::kAppraised) continue;
    const DemoQuestion& q =
        kQuestions[asked++ % (sizeof(kQuestions) / sizeof(kQuestions[0]))];
    v1::RequestExplanationRequest ask;
    ask.set_name(parent);
    ASSIGN_OR_RETURN(int64_t etag, version(parent));
    ask.set_etag(etag);
    (*ask.mutable_messages())[q.criterion] = q.text;
    (*ask.mutable_reasons())[q.criterion] = q.reason;
    RETURN_IF_ERROR(core.assessments().RequestExplanation(appraiser, ask).status());
    questions.emplace_back(i, &q);
  }
  RETURN_IF_ERROR(advance(v1::PHASE_EXPLANATION));
  // Some of the units asked have explained.
  for (const auto& [i, q] : questions) {
    if (StepOf(i) != DemoStep::kExplained) continue;
    const Caller ward = ward_of(units[i]);
    const std::string parent = absl::StrCat(round_name, "/assessments/", units[i].code());
    v1::GetByNameRequest get;
    get.set_name(parent);
    ASSIGN_OR_RETURN(v1::Assessment a, core.assessments().GetAssessment(ward, get));
    v1::BatchUpdateEntriesRequest batch;
    batch.set_parent(parent);
    v1::EntryUpdate* update = batch.add_updates();
    update->mutable_entry()->set_criterion(q->criterion);
    update->mutable_entry()->set_explanation(q->answer);
    update->mutable_update_mask()->add_paths("explanation");
    for (const v1::Entry& e : a.entries()) {
      if (e.criterion() == q->criterion) update->set_etag(e.version());
    }
    RETURN_IF_ERROR(core.assessments().BatchUpdateEntries(ward, batch).status());
    v1::AssessmentActionRequest explain;
    explain.set_name(parent);
    explain.set_etag(a.version());
    RETURN_IF_ERROR(core.assessments().SubmitExplanation(ward, explain).status());
  }
  // The self-assessment closed a week ago (set now: the units above submitted in time).
  v1::GetByNameRequest get;
  get.set_name(round_name);
  ASSIGN_OR_RETURN(v1::Round now, core.rounds().GetRound(appraiser, get));
  v1::UpdateRoundRequest update;
  update.mutable_round()->set_id(kProvinceRound);
  update.mutable_round()->set_self_assessment_deadline(Rfc3339In(-absl::Hours(24 * 7)));
  update.mutable_update_mask()->add_paths("self_assessment_deadline");
  update.set_etag(now.version());
  return core.rounds().UpdateRound(appraiser, update).status();
}

}  // namespace

absl::Status LoadProvinceDemo(Core& core, const std::string& criteria_dir) {
  const Caller appraiser{v1::ROLE_APPRAISER, "setup", ""};
  v1::GetByNameRequest get_round;
  get_round.set_name(absl::StrCat("rounds/", kProvinceRound));
  if (core.rounds().GetRound(appraiser, get_round).ok()) return absl::OkStatus();
  return LoadProvinceRound(core, std::filesystem::path(criteria_dir));
}

absl::StatusOr<std::vector<DemoAccount>> LoadDemoAccounts(Core& core, bool province) {
  const Caller admin{v1::ROLE_ADMIN, "setup", ""};
  std::vector<DemoAccount> accounts;
  for (const auto& [label, username, name, role, scope] : std::vector<
           std::tuple<std::string, std::string, std::string, v1::Role, std::string>>{
           {"ward XTH", "canbo.xth", "Nguyễn Văn An", v1::ROLE_WARD, "units/XTH"},
           {"appraiser", "thamdinh.hyc", "Trần Thị Hoa", v1::ROLE_APPRAISER,
            "parent/HYC"},
           {"admin", "quantri", "Lê Minh Quân", v1::ROLE_ADMIN, "*"},
           {"province appraiser", "thamdinh.hy", "Phạm Thu Hà", v1::ROLE_APPRAISER,
            "parent/HY"},
           {"ward HY-XTL", "canbo.tienlu", "Đỗ Thị Lan", v1::ROLE_WARD,
            "units/HY-XTL"}}) {
    if (!province && (username == "thamdinh.hy" || username == "canbo.tienlu")) continue;
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
