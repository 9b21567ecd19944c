// The bundled criteria sets, the five seed plans and the demo round, as data: they
// validate, they say what the seed documents say, and they score.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "criteria/yaml_reader.h"
#include "engine/scorer.h"
#include "gtest/gtest.h"

namespace parindex::criteria {
namespace {

namespace fs = std::filesystem;

std::string Data(const std::string& relative) {
  return (fs::path(PARINDEX_SOURCE_DIR) / "criteria" / relative).string();
}

std::shared_ptr<const engine::CompiledPlan> Plan(const std::string& name) {
  auto plan = LoadPlan(Data("plans/" + name + ".yaml"));
  EXPECT_TRUE(plan.ok()) << plan.status();
  return plan.ok() ? *plan : nullptr;
}

std::shared_ptr<const engine::CompiledCriteriaSet> Set(const std::string& name) {
  auto set = LoadCriteriaSet(Data("sets/" + name + ".yaml"));
  EXPECT_TRUE(set.ok()) << set.status();
  return set.ok() ? *set : nullptr;
}

TEST(CriteriaData, EverySetAndPlanValidates) {
  int sets = 0, plans = 0;
  for (const char* dir : {"sets", "plans", "demo"}) {
    for (const auto& entry : fs::directory_iterator(Data(dir))) {
      const std::string path = entry.path().string();
      auto kind = DetectFileKind(path);
      ASSERT_TRUE(kind.ok()) << kind.status();
      if (*kind == FileKind::kCriteriaSet) {
        EXPECT_TRUE(LoadCriteriaSet(path).ok()) << LoadCriteriaSet(path).status();
        ++sets;
      } else if (*kind == FileKind::kPlan) {
        EXPECT_TRUE(LoadPlan(path).ok()) << LoadPlan(path).status();
        ++plans;
      }
    }
  }
  EXPECT_EQ(sets, 4);   // commune, district, 766, and the small demo set
  EXPECT_EQ(plans, 6);  // five seed plans and the demo extract
}

// Each required document is one item: "Tin, bài đăng trên trang thông tin điện tử" is
// one kind of document, which a YAML flow list unquoted cuts at its comma into "Tin"
// and "bài đăng …" (the checklist then asked for two). An item that begins in lower
// case is such a cut.
void ExpectWholeDocumentNames(const google::protobuf::RepeatedPtrField<v1::Criterion>& list,
                              const std::string& set) {
  for (const v1::Criterion& c : list) {
    for (const v1::EvidenceRequirement& e : c.evidence()) {
      const std::string& name = e.document_type();
      ASSERT_FALSE(name.empty()) << set << " " << c.code();
      EXPECT_FALSE(std::islower(static_cast<unsigned char>(name[0])) ||
                   absl::StartsWith(name, "đ"))
          << set << " " << c.code() << ": '" << name << "'";
    }
    ExpectWholeDocumentNames(c.criteria(), set);
  }
}

TEST(CriteriaData, EachRequiredDocumentIsOneItem) {
  for (const char* dir : {"sets", "demo"}) {
    for (const auto& entry : fs::directory_iterator(Data(dir))) {
      const std::string path = entry.path().string();
      auto kind = DetectFileKind(path);
      ASSERT_TRUE(kind.ok()) << kind.status();
      if (*kind != FileKind::kCriteriaSet) continue;
      auto set = LoadCriteriaSet(path);
      ASSERT_TRUE(set.ok()) << set.status();
      for (const v1::Area& area : (*set)->proto().areas())
        ExpectWholeDocumentNames(area.criteria(), path);
    }
  }
  auto commune = Set("commune-2025");
  ASSERT_NE(commune, nullptr);
  const v1::Criterion* i4 = nullptr;
  for (const v1::Area& area : commune->proto().areas()) {
    for (const v1::Criterion& c : area.criteria()) {
      if (c.code() == "I.4") i4 = &c;
    }
  }
  ASSERT_NE(i4, nullptr);
  ASSERT_EQ(i4->evidence_size(), 1);
  EXPECT_EQ(i4->evidence(0).document_type(), "Tin, bài đăng trên trang thông tin điện tử");
}

// commune-2025 version 2 (criteria/records/) is version 1 with the figures the
// records and the tasks can supply computed: nothing else differs, so that the two
// copies cannot drift apart, and exactly these elements are computed.
TEST(CriteriaData, CommuneVersion2IsVersion1WithFiguresComputed) {
  auto v1 = ReadCriteriaSet(Data("sets/commune-2025.yaml"));
  auto v2 = ReadCriteriaSet(Data("records/commune-2025-records.yaml"));
  ASSERT_TRUE(v1.ok()) << v1.status();
  ASSERT_TRUE(v2.ok()) << v2.status();
  ASSERT_TRUE(LoadCriteriaSet(Data("records/commune-2025-records.yaml")).ok());
  EXPECT_EQ(v2->proto.id(), "commune-2025");
  EXPECT_EQ(v2->proto.version(), 2);
  std::vector<std::string> from_records, from_tasks;
  v1::CriteriaSet stripped = v2->proto;
  for (v1::DataElement& e : *stripped.mutable_elements()) {
    if (e.has_from_records()) from_records.push_back(e.code());
    if (e.has_from_tasks()) from_tasks.push_back(e.code());
    if (!e.has_from_records() && !e.has_from_tasks()) continue;
    // Its help says where it now comes from; version 1's says which report to copy.
    EXPECT_TRUE(absl::StrContains(e.help(), "tính từ")) << e.code();
    e.clear_from_records();
    e.clear_from_tasks();
    e.clear_help();
  }
  EXPECT_EQ(from_records,
            (std::vector<std::string>{"received", "received_online", "dossiers_on_portal",
                                      "resolved", "resolved_on_time", "resolved_early",
                                      "dossiers_due", "late_in_process", "late_completed",
                                      "results_issued", "results_digitised",
                                      "dossiers_fully_online"}));
  EXPECT_EQ(from_tasks, (std::vector<std::string>{"tasks_due", "tasks_done_on_time"}));
  v1::CriteriaSet base = v1->proto;
  for (v1::DataElement& e : *base.mutable_elements()) {
    if (std::count(from_records.begin(), from_records.end(), e.code()) +
        std::count(from_tasks.begin(), from_tasks.end(), e.code()))
      e.clear_help();
  }
  stripped.clear_title();
  stripped.clear_version();
  base.clear_title();
  base.clear_version();
  EXPECT_EQ(stripped.SerializeAsString(), base.SerializeAsString())
      << "commune-2025 version 2 differs from version 1 beyond its computed elements";
}

TEST(CriteriaData, SetsFollowTheNationalStructure) {
  for (const char* name : {"commune-2025", "district-2025"}) {
    auto set = Set(name);
    ASSERT_NE(set, nullptr);
    EXPECT_GE(set->leaf_count(), 60) << name;
    EXPECT_EQ(set->proto().total_milli(), 100000) << name;
    EXPECT_EQ(set->proto().survey_milli(), 30000) << name;
    // Eight contents plus bonus and penalty; every rule shape is used.
    ASSERT_EQ(set->proto().areas_size(), 9) << name;
    std::map<v1::Rule::ShapeCase, int> shapes;
    for (const engine::Node& node : set->nodes()) {
      if (!node.leaf()) continue;
      ++shapes[node.shape];
      EXPECT_FALSE(node.criterion->title().empty());
      EXPECT_FALSE(node.criterion->evidence().empty())
          << name << " " << node.criterion->code();
    }
    EXPECT_EQ(shapes.size(), 10u) << name;
  }
  auto service = Set("service-index-766");
  ASSERT_NE(service, nullptr);
  std::vector<int64_t> maxima;
  for (const v1::Area& area : service->proto().areas())
    maxima.push_back(area.max_milli());
  EXPECT_EQ(maxima, (std::vector<int64_t>{18000, 20000, 22000, 22000, 18000}));
}

// Every bundled set declares its data sheet: each element labelled in Vietnamese, with
// where the figure comes from and the period it covers, and checks across elements.
TEST(CriteriaData, SetsDeclareTheirDataSheets) {
  struct Expected {
    const char* path;
    int elements;
    int rules;
    int warnings;
    int rules_reading_elements;  // boolean and deadline rules reading an element
  };
  const Expected expected[] = {
      {"sets/commune-2025.yaml", 80, 32, 2, 16},
      {"sets/district-2025.yaml", 85, 35, 2, 16},
      {"sets/service-index-766.yaml", 23, 18, 2, 0},
      {"demo/set.yaml", 36, 14, 1, 5},
  };
  for (const Expected& e : expected) {
    auto set = LoadCriteriaSet(Data(e.path));
    ASSERT_TRUE(set.ok()) << set.status();
    const v1::CriteriaSet& proto = (*set)->proto();
    EXPECT_EQ(proto.elements_size(), e.elements) << e.path;
    for (const v1::DataElement& element : proto.elements()) {
      // Labels are Vietnamese with diacritics: some byte is not ASCII.
      EXPECT_TRUE(
          std::any_of(element.label().begin(), element.label().end(),
                      [](char c) { return static_cast<unsigned char>(c) > 0x7F; }))
          << e.path << " " << element.code();
      EXPECT_FALSE(element.help().empty()) << e.path << " " << element.code();
      EXPECT_FALSE(element.period().empty()) << e.path << " " << element.code();
    }
    EXPECT_EQ(proto.validation_size(), e.rules) << e.path;
    EXPECT_EQ(std::count_if(proto.validation().begin(), proto.validation().end(),
                            [](const v1::ValidationRule& r) { return r.warning(); }),
              e.warnings)
        << e.path;
    int reading = 0;
    for (const engine::Node& node : (*set)->nodes()) {
      if (!node.leaf()) continue;
      const v1::Rule& rule = node.criterion->rule();
      reading += !rule.boolean().element().empty() || !rule.deadline().element().empty();
    }
    EXPECT_EQ(reading, e.rules_reading_elements) << e.path;
  }
}

// Tasks per area, in the plan's order.
std::vector<int> TasksPerArea(const v1::Plan& plan, bool distinct_numbers) {
  std::vector<int> counts;
  std::string area, number;
  for (const v1::Task& t : plan.tasks()) {
    if (t.area() != area) {
      area = t.area();
      number.clear();
      counts.push_back(0);
    }
    if (!distinct_numbers || t.number() != number) ++counts.back();
    number = t.number();
  }
  return counts;
}

TEST(CriteriaData, PlansMatchTheSeedDocuments) {
  struct Expected {
    const char* id;
    const char* seed;
    int targets;
    std::vector<int> tasks_per_area;
  };
  const Expected expected[] = {
      {"travinh-2023", "000_449ee06d8f8bc090.txt", 16, {11, 3, 9, 2, 5, 2, 5}},
      {"trangbang-2022", "001_f6d34bb8bf9afe5c.txt", 0, {5, 3, 6, 3, 4, 1, 4, 1}},
      {"vungtau-2023", "002_8e7b5af213fd01d0.txt", 0, {4, 6, 3, 5, 3, 7, 12}},
      {"hungyen-2023", "003_5b20e4b4810a9c03.txt", 26, {4, 11, 5, 6, 6, 5, 5}},
      {"soctrang-vpubnd-2024", "004_c4c1da0f57cfd92b.txt", 12, {3, 3, 5, 2, 3, 2, 7}},
  };
  for (const Expected& e : expected) {
    auto plan = Plan(e.id);
    ASSERT_NE(plan, nullptr);
    EXPECT_EQ(plan->proto().source().file(), e.seed);
    EXPECT_EQ(plan->proto().targets_size(), e.targets) << e.id;
    EXPECT_EQ(TasksPerArea(plan->proto(), /*distinct_numbers=*/true), e.tasks_per_area)
        << e.id;
  }
  EXPECT_EQ(Plan("travinh-2023")->proto().tasks_size(), 37);
  EXPECT_EQ(Plan("vungtau-2023")->proto().tasks_size(), 40);
  EXPECT_EQ(Plan("hungyen-2023")->proto().tasks_size(), 61);  // 42 tasks, 61 activities
  EXPECT_EQ(Plan("vungtau-2023")->proto().tasks(34).text(),
            "Tự đánh giá, chấm điểm để xác định chỉ số cải cách hành chính năm 2023");
  EXPECT_EQ(Plan("vungtau-2023")->proto().tasks(34).budget(), "NSTP");
  EXPECT_EQ(Plan("vungtau-2023")->proto().tasks(0).budget(), "NSTP");
}

TEST(CriteriaData, TraVinhHasTwoDistinctDigitisationTargets) {
  auto plan = Plan("travinh-2023");
  ASSERT_NE(plan, nullptr);
  const v1::Target* resolved = plan->FindTarget("digitised_rate", v1::WARD);
  const v1::Target* still_valid =
      plan->FindTarget("valid_results_digitised_rate", v1::WARD);
  ASSERT_NE(resolved, nullptr);
  ASSERT_NE(still_valid, nullptr);
  EXPECT_EQ(resolved->value_milli(), 30000);
  EXPECT_EQ(still_valid->value_milli(), 35000);
  EXPECT_EQ(plan->FindTarget("digitised_rate", v1::CITY)->value_milli(), 40000);
  EXPECT_EQ(plan->FindTarget("valid_results_digitised_rate", v1::CITY)->value_milli(),
            40000);
  EXPECT_EQ(plan->FindTarget("wait_minutes", v1::WARD)->comparator(), v1::AT_MOST);
  EXPECT_EQ(plan->FindTarget("wait_minutes", v1::WARD)->unit(), v1::MINUTES);
  EXPECT_EQ(plan->FindDeadline("unit_plan")->due().day(), 10);
}

TEST(CriteriaData, HungYenOnTimeTargetIsStrict) {
  auto plan = Plan("hungyen-2023");
  ASSERT_NE(plan, nullptr);
  const v1::Target* on_time = plan->FindTarget("on_time_rate", v1::COMMUNE);
  ASSERT_NE(on_time, nullptr);
  EXPECT_EQ(on_time->comparator(), v1::GREATER);
  EXPECT_EQ(on_time->value_milli(), 95000);
  EXPECT_EQ(plan->FindTarget("fully_online_dossier_rate", v1::WARD)->comparator(),
            v1::AT_LEAST);
  EXPECT_EQ(plan->FindDeadline("report_q3")->due().month(), 9);
  // Sóc Trăng's "trên 70%" is strict too, and its article targets count per period.
  auto soc_trang = Plan("soctrang-vpubnd-2024");
  EXPECT_EQ(soc_trang->FindTarget("units_inspected_rate", v1::DEPARTMENT)->comparator(),
            v1::GREATER);
  EXPECT_EQ(soc_trang->FindTarget("province_site_articles", v1::DEPARTMENT)->period(),
            "quarter");
}

v1::UnitScore ScoreOne(const engine::CompiledCriteriaSet& set,
                       const engine::CompiledPlan* plan, v1::UnitKind kind,
                       const std::string& entries) {
  v1::Unit unit;
  unit.set_code("U");
  unit.set_kind(kind);
  auto parsed = ParseFigures(entries, "inline.yaml");
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  auto score =
      engine::ScoreUnit(set, plan, unit, parsed->proto.units[0].assessment, v1::SELF);
  EXPECT_TRUE(score.ok()) << score.status();
  return score.ok() ? *score : v1::UnitScore();
}

const v1::CriterionScore& Criterion(const v1::UnitScore& score, const std::string& code) {
  for (const v1::CriterionScore& c : score.criteria()) {
    if (c.code() == code) return c;
  }
  ADD_FAILURE() << "no criterion " << code;
  return score.criteria(0);
}

TEST(CriteriaData, EachUnitGetsItsOwnLevelsTarget) {
  auto set = Set("commune-2025");
  auto plan = Plan("hungyen-2023");
  ASSERT_NE(set, nullptr);
  ASSERT_NE(plan, nullptr);
  const std::string figures =
      "units: [{code: U, name: U, kind: ward, values: {work_files_online: 40, "
      "work_files: 100}}]";
  const v1::UnitScore ward = ScoreOne(*set, plan.get(), v1::WARD, figures);
  const v1::UnitScore commune = ScoreOne(*set, plan.get(), v1::COMMUNE, figures);
  const v1::UnitScore city = ScoreOne(*set, plan.get(), v1::CITY, figures);
  EXPECT_EQ(Criterion(ward, "VII.2").trace().reason(),
            "work_files_online_rate 40/100 = 40.00% ≥ 30% (plan target for ward) → 2.00 "
            "of 2.00");
  EXPECT_EQ(Criterion(commune, "VII.2").trace().reason(),
            "work_files_online_rate 40/100 = 40.00% ≥ 30% (plan target for commune) → "
            "2.00 of 2.00");
  EXPECT_EQ(Criterion(city, "VII.2").trace().reason(),
            "work_files_online_rate 40/100 = 40.00%, not ≥ 50% (plan target for city); "
            "proportional to the target → 1.60 of 2.00");
}

TEST(CriteriaData, APlanWithoutTargetsStillScores) {
  auto set = Set("commune-2025");
  auto plan = Plan("trangbang-2022");
  ASSERT_NE(set, nullptr);
  ASSERT_NE(plan, nullptr);
  const v1::UnitScore score = ScoreOne(*set, plan.get(), v1::WARD,
                                       "units: [{code: U, name: U, kind: ward, values: "
                                       "{resolved_on_time: 99, resolved: 100, "
                                       "procedures_posted: có}}]");
  const v1::CriterionScore& on_time = Criterion(score, "III.2.1");
  EXPECT_EQ(on_time.status(), v1::NOT_APPLICABLE);
  EXPECT_EQ(on_time.applicable_max_milli(), 0);
  EXPECT_EQ(on_time.trace().reason(),
            "not applicable: plan trangbang-2022 sets no target for on_time_rate for "
            "ward units");
  EXPECT_EQ(Criterion(score, "III.1.1").points_milli(), 1000);
  EXPECT_TRUE(score.index_applicable());
}

TEST(CriteriaData, EveryDuePhraseOfTheFivePlans) {
  std::map<std::string, std::map<std::string, int>> kinds;  // plan -> kind -> tasks
  for (const char* id : {"travinh-2023", "trangbang-2022", "vungtau-2023", "hungyen-2023",
                         "soctrang-vpubnd-2024"}) {
    auto plan = Plan(id);
    ASSERT_NE(plan, nullptr);
    for (const v1::Task& t : plan->proto().tasks()) {
      ++kinds[id][v1::DueRange::Kind_Name(t.due().kind())];
      if (t.due().kind() == v1::DueRange::RANGE) {
        EXPECT_LE(t.due().start().year(), t.due().end().year()) << t.due_text();
      }
    }
  }
  using Counts = std::map<std::string, int>;
  EXPECT_EQ(kinds["travinh-2023"], (Counts{{"EVENT", 1}, {"ONGOING", 8}, {"RANGE", 28}}));
  EXPECT_EQ(kinds["trangbang-2022"], (Counts{{"KIND_UNSPECIFIED", 27}}));
  EXPECT_EQ(kinds["vungtau-2023"],
            (Counts{{"DATE", 2}, {"EVENT", 2}, {"ONGOING", 7}, {"RANGE", 29}}));
  EXPECT_EQ(kinds["hungyen-2023"],
            (Counts{{"EVENT", 11}, {"ONGOING", 33}, {"RANGE", 17}}));
  EXPECT_EQ(kinds["soctrang-vpubnd-2024"],
            (Counts{{"EVENT", 2}, {"ONGOING", 8}, {"RANGE", 15}}));
}

// A copy of a bundled file with `from` replaced by `to`, parsed as its kind would be.
absl::Status BreakCopy(const std::string& relative, const std::string& from,
                       const std::string& to) {
  std::ifstream in(Data(relative));
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  s.replace(at, from.size(), to);
  const fs::path copy = fs::temp_directory_path() /
                        ("parindex-broken-" + fs::path(relative).filename().string());
  std::ofstream(copy) << s;
  absl::Status status;
  if (relative.rfind("sets/", 0) == 0)
    status = LoadCriteriaSet(copy.string()).status();
  else if (relative.rfind("plans/", 0) == 0)
    status = LoadPlan(copy.string()).status();
  else
    status = ReadFigures(copy.string()).status();
  fs::remove(copy);
  return absl::Status(
      status.code(),
      std::string(status.message()).replace(0, copy.string().size(), "COPY"));
}

TEST(CriteriaData, BrokenCopiesNameTheLine) {
  EXPECT_EQ(std::string(BreakCopy("sets/commune-2025.yaml",
                                  "        max: 1.5\n        guidance: Hội đồng",
                                  "        max: 2.5\n        guidance: Hội đồng")
                            .message()),
            "COPY:599:5: area I: max 12 but its criteria add up to 13");
  EXPECT_EQ(std::string(
                BreakCopy("plans/travinh-2023.yaml", "when: \">= 35\"", "when: \"≥ 3,5\"")
                    .message()),
            "COPY:75:11: target valid_results_digitised_rate: when: '3,5' is not a "
            "decimal number");
  EXPECT_EQ(std::string(BreakCopy("rounds/hungyen-2023/figures.yaml", "kind: ward",
                                  "kind: hamlet")
                            .message()),
            "COPY:19:9: unit PLS: kind: 'hamlet' is not one of ward, commune, township, "
            "special_zone, "
            "city, town, district, department, province");
}

TEST(DemoRound, ShowsTheCasesUsersMeet) {
  auto set = Set("commune-2025");
  auto plan = Plan("hungyen-2023");
  auto figures = ReadFigures(Data("rounds/hungyen-2023/figures.yaml"));
  ASSERT_TRUE(figures.ok()) << figures.status();
  ASSERT_EQ(figures->proto.units.size(), 17u);
  std::map<std::string, v1::UnitScore> scores;
  int wards = 0;
  for (const UnitFigures& u : figures->proto.units) {
    auto score = engine::ScoreUnit(*set, plan.get(), u.unit, u.assessment, v1::SELF);
    ASSERT_TRUE(score.ok()) << score.status();
    scores[u.unit.name()] = *score;
    wards += u.unit.kind() == v1::WARD;
  }
  EXPECT_EQ(wards, 7);
  // Exactly at the strict target: missed.
  const v1::CriterionScore& strict = Criterion(scores["Phường Lam Sơn"], "III.2.1");
  EXPECT_EQ(strict.points_milli(), 0);
  EXPECT_EQ(strict.trace().value_text(), "95.00%");
  // Zero denominators earn full marks where the set says so.
  const v1::CriterionScore& findings = Criterion(scores["Phường Hồng Châu"], "I.3.2");
  EXPECT_EQ(findings.status(), v1::NOT_APPLICABLE);
  EXPECT_EQ(findings.points_milli(), 1000);
  // Missing figures score 0 "not reported".
  EXPECT_EQ(Criterion(scores["Xã Phú Cường"], "VII.3").status(), v1::NOT_REPORTED);
  // No survey: the maximum excludes the 30 survey points.
  EXPECT_EQ(scores["Xã Hoàng Hanh"].survey_milli(), 0);
  EXPECT_LE(scores["Xã Hoàng Hanh"].applicable_max_milli(), 70000);
  // Warning rules: reported, the values kept.
  auto warnings = [&](const std::string& name) {
    std::vector<std::string> rules;
    for (const v1::ValidationFinding& f : scores[name].warnings())
      rules.push_back(f.rule());
    return rules;
  };
  EXPECT_EQ(warnings("Phường Hồng Châu"),
            std::vector<std::string>{"portal_late_within_late_dossiers"});
  EXPECT_EQ(warnings("Phường Minh Khai"),
            std::vector<std::string>{"resolved_within_received"});
  EXPECT_EQ(warnings("Xã Trung Nghĩa"),
            std::vector<std::string>{"resolved_within_received"});
  int warned = 0;
  for (const auto& [name, score] : scores) warned += score.warnings_size() > 0;
  EXPECT_EQ(warned, 3);
  // A yes/no read from the data sheet.
  EXPECT_EQ(Criterion(scores["Phường Lam Sơn"], "III.3.1").points_milli(), 1000);
  // Targets met and missed both occur.
  int met = 0, missed = 0;
  for (const auto& [name, score] : scores) {
    const v1::CriterionScore& c = Criterion(score, "VII.5");
    met += c.points_milli() == c.max_milli();
    missed += c.points_milli() == 0;
  }
  EXPECT_GT(met, 0);
  EXPECT_GT(missed, 0);
}

}  // namespace
}  // namespace parindex::criteria
