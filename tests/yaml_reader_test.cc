// The YAML reader: shapes it accepts, and file:line:col on every error.
#include "criteria/yaml_reader.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/rule_shape.h"
#include "engine/scorer.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace parindex::criteria {
namespace {

constexpr char kSet[] = R"(id: s
title: Bộ tiêu chí thử
level: commune
total: 3
indicators:
  - {id: rate, numerator: done, denominator: total, unit: percent}
classification:
  - {label: A, from: 90}
  - {label: B, from: 0, below: 90}
areas:
  - code: I
    title: Chỉ đạo, điều hành
    max: 3
    criteria:
      - code: I.1
        title: Tỷ lệ
        max: 2
        evidence: [Báo cáo quý, {type: Kế hoạch CCHC năm, note: bản ký số}]
        rule:
          bands:
            indicator: rate
            bands:
              - {when: "> 90", points: 2}
              - {when: ">= 70", points: 1.5}
      - code: I.2
        title: Đánh giá
        max: 1
        rule:
          judgement:
)";

TEST(ParseCriteriaSet, ReadsEveryField) {
  auto parsed = ParseCriteriaSet(kSet, "set.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const v1::CriteriaSet& set = parsed->proto;
  EXPECT_EQ(set.id(), "s");
  EXPECT_EQ(set.level(), v1::COMMUNE_LEVEL);
  EXPECT_EQ(set.version(), 1);
  EXPECT_EQ(set.total_milli(), 3000);
  EXPECT_EQ(set.classification(1).below_hundredths(), 9000);
  const v1::Criterion& c = set.areas(0).criteria(0);
  EXPECT_EQ(c.title(), "Tỷ lệ");
  ASSERT_EQ(c.evidence_size(), 2);
  EXPECT_EQ(c.evidence(1).document_type(), "Kế hoạch CCHC năm");
  EXPECT_EQ(c.rule().bands().bands(0).comparator(), v1::GREATER);
  EXPECT_EQ(c.rule().bands().bands(0).threshold_milli(), 90000);
  EXPECT_EQ(c.rule().bands().bands(1).comparator(), v1::AT_LEAST);
  EXPECT_EQ(c.rule().bands().bands(1).points_milli(), 1500);
  EXPECT_TRUE(set.areas(0).criteria(1).rule().has_judgement());
  EXPECT_EQ(parsed->source.Locate("areas[0].criteria[1]"), "set.yaml:25:9");
}

// Replaces the first `from` in kSet with `to`.
std::string Broken(const std::string& from, const std::string& to) {
  std::string text = kSet;
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

struct BrokenSet {
  std::string name;
  std::string from;
  std::string to;
  std::string message;
};

void PrintTo(const BrokenSet& c, std::ostream* os) { *os << c.name; }

class BrokenSetTest : public ::testing::TestWithParam<BrokenSet> {};

// Parse and compile, as `parindex criteria check` does.
absl::Status Check(const std::string& text) {
  auto parsed = ParseCriteriaSet(text, "set.yaml");
  if (!parsed.ok()) return parsed.status();
  auto compiled = engine::CompiledCriteriaSet::Compile(parsed->proto);
  return compiled.ok() ? absl::OkStatus() : parsed->source.Annotate(compiled.status());
}

TEST_P(BrokenSetTest, NamesTheLine) {
  const absl::Status status = Check(Broken(GetParam().from, GetParam().to));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(status.message()), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Sets, BrokenSetTest,
    ::testing::Values(
        BrokenSet{"Syntax", "  - {label: A, from: 90}", "  - {label: A, from: 90",
                  "set.yaml:11:3: illegal block entry"},
        BrokenSet{
            "UnknownField", "    max: 3\n", "    maxx: 3\n",
            "set.yaml:11:5: area I: max: is required (is 'maxx' on line 13 a typo?)"},
        BrokenSet{"UnknownFieldBesideKnown", "        max: 1\n",
                  "        max: 1\n        wieght: 2\n",
                  "set.yaml:28:9: criterion I.2: unknown field 'wieght'"},
        BrokenSet{"DuplicateKey", "        max: 1\n", "        max: 1\n        max: 2\n",
                  "set.yaml:28:9: criterion I.2: duplicate key 'max' (first at line 27)"},
        BrokenSet{"NotANumber", "        max: 2\n", "        max: two\n",
                  "set.yaml:17:14: criterion I.1: max: 'two' is not a decimal number"},
        BrokenSet{"TooManyDecimals", "points: 1.5}", "points: 1.5005}",
                  "set.yaml:24:41: criterion I.1: rule.bands: band: points: '1.5005' has "
                  "more than 3 decimals"},
        BrokenSet{"BadComparator", "when: \">= 70\"", "when: \"70+\"",
                  "set.yaml:24:24: criterion I.1: rule.bands: band: when: '70+' must "
                  "start with >, >=, <= or < (e.g. \"> 95\")"},
        BrokenSet{"UnknownShape", "          judgement:\n", "          jugdement:\n",
                  "set.yaml:29:11: criterion I.2: rule: jugdement: is not a rule shape "
                  "(bands, inverse, linear, target, boolean, deadline, count, judgement, "
                  "survey, adjustment)"},
        // What a person will read holds no control, direction or invisible character.
        BrokenSet{"ControlCharacter", "title: Tỷ lệ", "title: \"Tỷ\\0lệ\"",
                  "set.yaml:16:16: criterion I.1: title: holds a control character "
                  "(U+0000) at byte 4"},
        BrokenSet{"DirectionCharacter", "title: Đánh giá", "title: \"\\u202Elệ\"",
                  "set.yaml:26:16: criterion I.2: title: holds a direction, invisible or "
                  "non-character (U+202E) at byte 0"},
        BrokenSet{"NotACharacter", "label: B", "label: \"B\\uFFFE\"",
                  "set.yaml:9:13: classification band: label: holds a direction, "
                  "invisible or non-character (U+FFFE) at byte 1"},
        BrokenSet{"BadLevel", "level: commune", "level: village",
                  "set.yaml:3:8: criteria set s: level: 'village' is not one of commune, "
                  "district, province, agency"},
        // Semantic errors found by the engine come back with the line of the element.
        BrokenSet{
            "OverlappingBands", "when: \">= 70\"", "when: \">= 90\"",
            "set.yaml:24:17: criterion I.1: bands[1].threshold: overlaps bands[0] at 90"},
        BrokenSet{"AreaTotal", "        max: 2\n", "        max: 2.5\n",
                  "set.yaml:11:5: area I: max 3 but its criteria add up to 3.5"},
        BrokenSet{"UndefinedIndicator", "indicator: rate", "indicator: rat",
                  "set.yaml:21:13: criterion I.1: rule.bands.indicator: 'rat' is not an "
                  "indicator of this set"},
        BrokenSet{"ClassificationGap", "{label: B, from: 0, below: 90}",
                  "{label: B, from: 0, below: 80}",
                  "set.yaml:9:5: classification B: indices from 80.00 to 90.00 have no "
                  "class (gap below A)"}),
    [](const ::testing::TestParamInfo<BrokenSet>& info) { return info.param.name; });

// Every rule shape read from YAML with each of its keys, and the defaults of the keys
// left out (a criterion of max 2).
struct ShapeYaml {
  std::string name;
  std::string rule;  // the value of `rule:`
  std::string want;  // the v1::Rule read, as protobuf text
};

void PrintTo(const ShapeYaml& c, std::ostream* os) { *os << c.name; }

class ShapeYamlTest : public ::testing::TestWithParam<ShapeYaml> {};

TEST_P(ShapeYamlTest, ReadsEveryKey) {
  const std::string text = absl::StrCat(
      "id: s\ntitle: s\nlevel: commune\ntotal: 2\nareas:\n  - code: I\n    title: I\n"
      "    max: 2\n    criteria:\n      - {code: I.1, title: t, max: 2, rule: ",
      GetParam().rule, "}\n");
  auto parsed = ParseCriteriaSet(text, "set.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  v1::Rule want;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(GetParam().want, &want));
  const v1::Rule& got = parsed->proto.areas(0).criteria(0).rule();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(got, want))
      << got.ShortDebugString();
}

const ShapeYaml kShapeYamls[] =
    {
        {"Bands",
         R"({bands: {indicator: rate, bands: [{when: "> 90", points: 2}, )"
         R"({when: ">= 70%", points: 1.5}], otherwise: 0.5}})",
         R"pb(bands {
                indicator: "rate"
                bands { comparator: GREATER threshold_milli: 90000 points_milli: 2000 }
                bands { comparator: AT_LEAST threshold_milli: 70000 points_milli: 1500 }
                otherwise_points_milli: 500
              })pb"},
        {"Inverse",
         R"({inverse: {indicator: rate, bands: [{when: "≤ 1", points: 2}, )"
         R"({when: "< 3", points: 1}]}})",
         R"pb(inverse {
                indicator: "rate"
                bands { comparator: AT_MOST threshold_milli: 1000 points_milli: 2000 }
                bands { comparator: LESS threshold_milli: 3000 points_milli: 1000 }
              })pb"},
        {"Linear", "{linear: {indicator: rate}}", R"pb(linear { indicator: "rate" })pb"},
        {"Target", "{target: {indicator: rate, mode: Proportional}}",
         R"pb(target { indicator: "rate" mode: PROPORTIONAL })pb"},
        {"TargetAllOrNothingByDefault", "{target: {indicator: rate}}",
         R"pb(target { indicator: "rate" mode: ALL_OR_NOTHING })pb"},
        {"Boolean", "{boolean: {yes: 1.5, no: -0.25, element: regulation}}",
         R"pb(boolean {
                yes_points_milli: 1500
                no_points_milli: -250
                element: "regulation"
              })pb"},
        {"BooleanMaxByDefault", "{boolean: {}}",
         R"pb(boolean { yes_points_milli: 2000 })pb"},
        {"Deadline",
         "{deadline: {due: 10/02/2023, strictly_before: yes, on_time: 1, late: 0.5, "
         "missing: -0.25, element: plan_date}}",
         R"pb(deadline {
                due { year: 2023 month: 2 day: 10 }
                strictly_before: true
                on_time_points_milli: 1000
                late_points_milli: 500
                missing_points_milli: -250
                element: "plan_date"
              })pb"},
        {"DeadlineOfThePlan", "{deadline: {plan_deadline: unit_plan}}",
         R"pb(deadline { plan_deadline: "unit_plan" on_time_points_milli: 2000 })pb"},
        {"Count", "{count: {indicator: rate, per_item: 0.25, cap: 1}}",
         R"pb(count { indicator: "rate" points_per_item_milli: 250 cap_milli: 1000 })pb"},
        {"CountCappedAtTheMaxByDefault", "{count: {indicator: rate, per_item: 0.25}}",
         R"pb(count { indicator: "rate" points_per_item_milli: 250 cap_milli: 2000 })pb"},
        {"Judgement", "{judgement: }", R"pb(judgement {})pb"},
        {"Survey", "{survey: {answers: [100, 50, 20, 0]}}",
         R"pb(survey { answer_percent: [ 100, 50, 20, 0 ] })pb"},
        {"SurveyUsualPercents", "{survey: {}}", R"pb(survey {})pb"},
        {"Adjustment", "{adjustment: {indicator: rate, per_item: -1, cap: -3}}",
         R"pb(adjustment {
                indicator: "rate"
                points_per_item_milli: -1000
                cap_milli: -3000
              })pb"},
};

INSTANTIATE_TEST_SUITE_P(Shapes, ShapeYamlTest, ::testing::ValuesIn(kShapeYamls),
                         [](const ::testing::TestParamInfo<ShapeYaml>& info) {
                           return info.param.name;
                         });

TEST(ShapeYaml, EveryShapeHasARow) {
  for (const engine::RuleShape* shape : engine::AllShapes()) {
    bool found = false;
    for (const ShapeYaml& row : kShapeYamls) {
      found = found || absl::StartsWith(row.rule, absl::StrCat("{", shape->name(), ":"));
    }
    EXPECT_TRUE(found) << "add a row for " << shape->name() << " to kShapeYamls";
  }
}

constexpr char kPlan[] = R"(id: p
title: Kế hoạch
year: 2023
source: {number: 08/KH-UBND, date: 03/02/2023, issuer: UBND thành phố Trà Vinh}
targets:
  - {indicator: digitised_rate, when: ">= 40", unit: percent, for: [city, department]}
  - {indicator: digitised_rate, when: ">= 30", unit: percent, for: commune_level}
  - {indicator: wait_minutes, when: "<= 30", unit: minutes}
deadlines:
  - {key: unit_plan, due: 2023-02-10}
tasks:
  - {area: I, number: "1", text: Triển khai Kế hoạch, due: Tháng 02/2023}
)";

TEST(ParsePlan, ReadsTargetsDeadlinesAndTasks) {
  auto parsed = ParsePlan(kPlan, "plan.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const v1::Plan& plan = parsed->proto;
  EXPECT_EQ(plan.source().date().day(), 3);
  EXPECT_EQ(plan.source().date().month(), 2);
  ASSERT_EQ(plan.targets_size(), 3);
  EXPECT_EQ(plan.targets(1).applies_to_size(),
            4);  // ward, commune, township, special zone
  EXPECT_EQ(plan.targets(2).comparator(), v1::AT_MOST);
  EXPECT_EQ(plan.targets(2).unit(), v1::MINUTES);
  EXPECT_EQ(plan.deadlines(0).due().year(), 2023);
  EXPECT_EQ(plan.tasks(0).due_text(), "Tháng 02/2023");
}

TEST(ParsePlan, ErrorsNameTheLine) {
  std::string text = kPlan;
  text.replace(text.find("for: commune_level"), 18, "for: hamlet");
  EXPECT_EQ(
      std::string(ParsePlan(text, "plan.yaml").status().message()),
      "plan.yaml:7:68: target digitised_rate: for: 'hamlet' is not a unit kind (ward, "
      "commune, township, special_zone, city, town, district, department, province, "
      "commune_level, district_level)");
  text = kPlan;
  text.replace(text.find("2023-02-10"), 10, "2023-02-30");
  EXPECT_EQ(std::string(ParsePlan(text, "plan.yaml").status().message()),
            "plan.yaml:10:27: deadline unit_plan: due: '2023-02-30' is not a date (use "
            "2023-02-10 or 10/02/2023)");
  // A semantic error from the engine, mapped back to the target's line.
  text = kPlan;
  text.replace(text.find("for: commune_level"), 18, "for: [ward, city]");
  auto parsed = ParsePlan(text, "plan.yaml");
  ASSERT_TRUE(parsed.ok());
  auto compiled = engine::CompiledPlan::Compile(parsed->proto);
  EXPECT_EQ(std::string(parsed->source.Annotate(compiled.status()).message()),
            "plan.yaml:7:5: targets[1] (digitised_rate).applies_to: another target of "
            "digitised_rate already applies to the same kind of unit");
}

constexpr char kFigures[] = R"(criteria_set: s
units:
  - code: P1
    name: Phường 1
    kind: ward
    entries:
      I.1: {figures: {done: 9, total: 10}}
      I.2:
        score: 0.5
        appraised: {score: 0.25}
        evidence:
          - {type: Báo cáo quý, number: 12/BC-UBND, date: 14/03/2023}
)";

TEST(ParseFigures, ReadsUnitsAndEntries) {
  auto parsed = ParseFigures(kFigures, "figures.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->proto.units.size(), 1u);
  const UnitFigures& u = parsed->proto.units[0];
  EXPECT_EQ(u.unit.name(), "Phường 1");
  EXPECT_EQ(u.unit.kind(), v1::WARD);
  ASSERT_EQ(u.assessment.entries_size(), 2);
  EXPECT_EQ(u.assessment.entries(0).self().figures().at("done"), 9);
  EXPECT_EQ(u.assessment.entries(1).self().score_milli(), 500);
  EXPECT_EQ(u.assessment.entries(1).appraised().score_milli(), 250);
  EXPECT_EQ(u.assessment.entries(1).evidence(0).number(), "12/BC-UBND");
}

TEST(ParseFigures, EngineErrorsNameTheFigureLine) {
  std::string text = kFigures;
  text.replace(text.find("done: 9"), 7, "done: 11");
  auto parsed = ParseFigures(text, "figures.yaml");
  ASSERT_TRUE(parsed.ok());
  auto set_parsed = ParseCriteriaSet(kSet, "set.yaml");
  auto set = engine::CompiledCriteriaSet::Compile(set_parsed->proto);
  ASSERT_TRUE(set.ok());
  engine::ScoreSheet sheet;
  const UnitFigures& u = parsed->proto.units[0];
  const absl::Status status =
      engine::Score(**set, nullptr, u.unit, u.assessment, v1::SELF, &sheet);
  EXPECT_EQ(std::string(parsed->source.Annotate(status, "units[0].").message()),
            "figures.yaml:7:29: entries[0].self.figures.done: 11 exceeds total (10)");
}

TEST(ParseFigures, RejectsDuplicateEntriesAndBadCounts) {
  std::string text = kFigures;
  text.replace(text.find("      I.2:"), 10, "      I.1:");
  EXPECT_EQ(std::string(ParseFigures(text, "figures.yaml").status().message()),
            "figures.yaml:8:7: unit P1: entries: duplicate key 'I.1' (first at line 7)");
  text = kFigures;
  text.replace(text.find("done: 9"), 7, "done: 9.5");
  EXPECT_EQ(std::string(ParseFigures(text, "figures.yaml").status().message()),
            "figures.yaml:7:29: entry I.1: figures: done: '9.5' is not a whole number");
}

// ---- data sheets: elements, validation rules, values ----

constexpr char kSheetSet[] = R"(id: s
title: Bộ tiêu chí thử
level: commune
total: 4
elements:
  - {code: done, label: Số nhiệm vụ hoàn thành}
  - code: total
    label: Số nhiệm vụ phải hoàn thành
    help: Theo Kế hoạch CCHC năm
    type: count
    period: Từ 01/01 đến 31/12 năm đánh giá
    label_en: Tasks due
  - {code: carried, label: Số nhiệm vụ năm trước chuyển sang}
  - {code: plan_date, label: Ngày ban hành Kế hoạch CCHC năm, type: date}
  - {code: staffed, label: Bộ phận Một cửa bố trí đủ công chức, type: yes_no}
  - {code: survey, label: Kết quả khảo sát, type: percent}
  - {code: award, label: Điểm khen thưởng, type: score}
validation:
  - {id: done_within_total, check: "done <= total", message: Số nhiệm vụ hoàn thành không vượt quá số nhiệm vụ phải hoàn thành}
  - id: done_within_carried
    check: done ≤ total + carried
    message: Số nhiệm vụ hoàn thành vượt số nhiệm vụ của năm cộng năm trước chuyển sang
    warning: true
indicators:
  - {id: rate, numerator: done, denominator: [total, carried], unit: percent}
classification:
  - {label: A, from: 0}
areas:
  - code: I
    title: Chỉ đạo, điều hành
    max: 4
    criteria:
      - code: I.1
        title: Tỷ lệ
        max: 2
        rule: {linear: {indicator: rate}}
      - code: I.2
        title: Bộ phận Một cửa
        max: 1
        rule:
          boolean: {element: staffed, no: -0.25}
      - code: I.3
        title: Kế hoạch CCHC năm
        max: 1
        rule:
          deadline: {due: 2023-02-10, element: plan_date, late: 0.5}
)";

TEST(ParseCriteriaSet, ReadsElementsValidationAndRuleElements) {
  auto parsed = ParseCriteriaSet(kSheetSet, "set.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const v1::CriteriaSet& set = parsed->proto;
  ASSERT_EQ(set.elements_size(), 7);
  EXPECT_EQ(set.elements(0).code(), "done");
  EXPECT_EQ(set.elements(0).label(), "Số nhiệm vụ hoàn thành");
  EXPECT_EQ(set.elements(0).type(), v1::ELEMENT_COUNT);  // the default
  EXPECT_EQ(set.elements(1).help(), "Theo Kế hoạch CCHC năm");
  EXPECT_EQ(set.elements(1).period(), "Từ 01/01 đến 31/12 năm đánh giá");
  EXPECT_EQ(set.elements(1).label_en(), "Tasks due");
  EXPECT_EQ(set.elements(3).type(), v1::ELEMENT_DATE);
  EXPECT_EQ(set.elements(4).type(), v1::ELEMENT_YES_NO);
  EXPECT_EQ(set.elements(5).type(), v1::ELEMENT_PERCENT);
  EXPECT_EQ(set.elements(6).type(), v1::ELEMENT_SCORE);
  ASSERT_EQ(set.validation_size(), 2);
  const v1::ValidationRule& first = set.validation(0);
  EXPECT_EQ(first.id(), "done_within_total");
  EXPECT_EQ(std::vector<std::string>(first.left().begin(), first.left().end()),
            std::vector<std::string>{"done"});
  EXPECT_EQ(first.comparator(), v1::AT_MOST);
  EXPECT_EQ(std::vector<std::string>(first.right().begin(), first.right().end()),
            std::vector<std::string>{"total"});
  EXPECT_FALSE(first.warning());
  const v1::ValidationRule& second = set.validation(1);
  EXPECT_EQ(second.comparator(), v1::AT_MOST);  // ≤
  EXPECT_EQ(std::vector<std::string>(second.right().begin(), second.right().end()),
            (std::vector<std::string>{"total", "carried"}));
  EXPECT_TRUE(second.warning());
  EXPECT_EQ(second.message(),
            "Số nhiệm vụ hoàn thành vượt số nhiệm vụ của năm cộng năm trước chuyển sang");
  EXPECT_EQ(set.areas(0).criteria(1).rule().boolean().element(), "staffed");
  EXPECT_EQ(set.areas(0).criteria(1).rule().boolean().no_points_milli(), -250);
  EXPECT_EQ(set.areas(0).criteria(2).rule().deadline().element(), "plan_date");

  // Where each path stands, for the engine's errors.
  const SourceMap& at = parsed->source;
  EXPECT_EQ(at.Locate("elements[0]"), "set.yaml:6:5");
  EXPECT_EQ(at.Locate("elements[0].code"), "set.yaml:6:12");
  EXPECT_EQ(at.Locate("elements[1].label"), "set.yaml:8:12");
  EXPECT_EQ(at.Locate("elements[3].type"), "set.yaml:14:76");
  EXPECT_EQ(at.Locate("validation[0]"), "set.yaml:19:5");
  EXPECT_EQ(at.Locate("validation[0].id"), "set.yaml:19:10");
  // Inside a quoted check: the names and the comparator.
  EXPECT_EQ(at.Locate("validation[0].left"), "set.yaml:19:37");
  EXPECT_EQ(at.Locate("validation[0].left[0]"), "set.yaml:19:37");
  EXPECT_EQ(at.Locate("validation[0].comparator"), "set.yaml:19:42");
  EXPECT_EQ(at.Locate("validation[0].right[0]"), "set.yaml:19:45");
  EXPECT_EQ(at.Locate("validation[0].message"), "set.yaml:19:62");
  // A plain check: columns count bytes, as yaml-cpp does (≤ takes three).
  EXPECT_EQ(at.Locate("validation[1].left[0]"), "set.yaml:21:12");
  EXPECT_EQ(at.Locate("validation[1].right[0]"), "set.yaml:21:21");
  EXPECT_EQ(at.Locate("validation[1].right[1]"), "set.yaml:21:29");
  EXPECT_EQ(at.Locate("validation[1].warning"), "set.yaml:23:14");
  EXPECT_EQ(at.Locate("indicators[0].numerator[0]"), "set.yaml:25:27");
  EXPECT_EQ(at.Locate("indicators[0].denominator[1]"), "set.yaml:25:54");
  EXPECT_EQ(at.Locate("areas[0].criteria[1].rule.boolean.element"), "set.yaml:41:30");
  EXPECT_EQ(at.Locate("areas[0].criteria[2].rule.deadline.element"), "set.yaml:46:48");
}

struct BrokenCheck {
  std::string name;
  std::string check;  // replaces "done <= total" (with its quotes)
  std::string message;
};

void PrintTo(const BrokenCheck& c, std::ostream* os) { *os << c.name; }

class BrokenCheckTest : public ::testing::TestWithParam<BrokenCheck> {};

TEST_P(BrokenCheckTest, NamesTheLineAndColumn) {
  std::string text = kSheetSet;
  const std::string from = "\"done <= total\"";
  text.replace(text.find(from), from.size(), GetParam().check);
  const auto parsed = ParseCriteriaSet(text, "set.yaml");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(parsed.status().message()), GetParam().message);
}

// The hint every check error ends with.
#define HINT                                                                        \
  " (write it as \"resolved_on_time <= resolved\": element codes joined by +, one " \
  "comparator <=, <, >=, >, ≤ or ≥)"

INSTANTIATE_TEST_SUITE_P(
    Checks, BrokenCheckTest,
    ::testing::Values(
        BrokenCheck{"Equality", "\"done = total\"",
                    "set.yaml:19:42: validation rule done_within_total: check: 'done = "
                    "total': equality is not a comparator; write two rules, with <= and "
                    ">=" HINT},
        BrokenCheck{"PlainArrow", "done => total",
                    "set.yaml:19:41: validation rule done_within_total: check: 'done => "
                    "total': equality is not a comparator; write two rules, with <= and "
                    ">=" HINT},
        BrokenCheck{"NoComparator", "\"done total\"",
                    "set.yaml:19:42: validation rule done_within_total: check: 'done "
                    "total': expected + or a comparator before 'total'" HINT},
        BrokenCheck{
            "OnlyOneSide", "\"done\"",
            "set.yaml:19:41: validation rule done_within_total: check: 'done': no "
            "comparator" HINT},
        BrokenCheck{
            "EmptyRight", "\"done <= \"",
            "set.yaml:19:45: validation rule done_within_total: check: 'done <= ': "
            "expected an element code at the end" HINT},
        BrokenCheck{
            "EmptyLeft", "\"<= total\"",
            "set.yaml:19:37: validation rule done_within_total: check: '<= total': "
            "expected an element code before '<='" HINT},
        BrokenCheck{
            "DanglingPlus", "\"done + <= total\"",
            "set.yaml:19:44: validation rule done_within_total: check: 'done + <= "
            "total': expected an element code before '<='" HINT},
        BrokenCheck{"TwoComparators", "\"done <= total < carried\"",
                    "set.yaml:19:51: validation rule done_within_total: check: 'done <= "
                    "total < carried': a check has one comparator" HINT},
        BrokenCheck{"Subtraction", "\"total - carried >= done\"",
                    "set.yaml:19:43: validation rule done_within_total: check: 'total - "
                    "carried >= done': elements are added with +; there is no "
                    "subtraction" HINT},
        BrokenCheck{"Percent", "\"done ≤ total%\"",
                    "set.yaml:19:51: validation rule done_within_total: check: 'done ≤ "
                    "total%': unexpected '%'" HINT},
        BrokenCheck{
            "NotAScalar", "[done, total]",
            "set.yaml:19:36: validation rule done_within_total: check: expected a "
            "single value"},
        BrokenCheck{"Missing", "\"\"",
                    "set.yaml:19:36: validation rule done_within_total: check: is "
                    "required"}),
    [](const ::testing::TestParamInfo<BrokenCheck>& info) { return info.param.name; });

#undef HINT

TEST(ParseCriteriaSet, ElementAndRuleErrorsNameTheLine) {
  auto message = [](const std::string& from, const std::string& to) {
    std::string text = kSheetSet;
    text.replace(text.find(from), from.size(), to);
    return std::string(ParseCriteriaSet(text, "set.yaml").status().message());
  };
  EXPECT_EQ(message("type: yes_no", "type: boolean"),
            "set.yaml:15:88: element staffed: type: 'boolean' is not one of count, date, "
            "yes_no, percent, score");
  EXPECT_EQ(
      message("    label_en: Tasks due\n", "    label_en: Tasks due\n    unit: x\n"),
      "set.yaml:13:5: element total: unknown field 'unit'");
  EXPECT_EQ(
      message("    warning: true", "    warning: sometimes"),
      "set.yaml:23:14: validation rule done_within_carried: warning: 'sometimes' is "
      "not true or false");
  EXPECT_EQ(message("element: staffed,", "elemnt: staffed,"),
            "set.yaml:41:21: criterion I.2: rule.boolean: unknown field 'elemnt'");
}

constexpr char kSheetFigures[] = R"(criteria_set: s
units:
  - code: P1
    name: Phường 1
    kind: ward
    values:
      done: 9
      total: {self: 10, appraised: 12}
      carried: {appraised: 1}
      plan_date: 08/02/2023
      staffed: có
      survey: 87.35
      award: 2
  - code: P2
    name: Phường 2
    kind: ward
    entries:
      I.1: {comment: Không phát sinh nhiệm vụ}
    values:
      plan_date: chưa ban hành
      staffed: Không
      done: 0
      total: 0
  - code: P3
    name: Phường 3
    kind: ward
    values:
      plan_date: {self: not issued, appraised: 2023-02-12}
      staffed: {self: yes, appraised: false}
      done: -1
)";

std::string Text(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  printer.PrintToString(m, &out);
  return out;
}

TEST(ParseFigures, ReadsValuesOfEveryType) {
  auto parsed = ParseFigures(kSheetFigures, "figures.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->proto.units.size(), 3u);
  const v1::Assessment& p1 = parsed->proto.units[0].assessment;
  ASSERT_EQ(p1.values_size(), 7);  // in file order
  EXPECT_EQ(Text(p1.values(0)), "element: \"done\" self { count: 9 } ");
  EXPECT_EQ(Text(p1.values(1)),
            "element: \"total\" self { count: 10 } appraised { count: 12 } ");
  EXPECT_EQ(Text(p1.values(2)), "element: \"carried\" appraised { count: 1 } ");
  EXPECT_EQ(Text(p1.values(3)),
            "element: \"plan_date\" self { date { year: 2023 month: 2 day: 8 } } ");
  EXPECT_EQ(Text(p1.values(4)), "element: \"staffed\" self { yes: true } ");
  EXPECT_EQ(Text(p1.values(5)), "element: \"survey\" self { milli: 87350 } ");
  EXPECT_EQ(Text(p1.values(6)), "element: \"award\" self { count: 2 } ");
  const v1::Assessment& p2 = parsed->proto.units[1].assessment;
  ASSERT_EQ(p2.values_size(), 4);
  EXPECT_EQ(Text(p2.values(0)), "element: \"plan_date\" self { not_issued: true } ");
  EXPECT_EQ(Text(p2.values(1)), "element: \"staffed\" self { yes: false } ");
  ASSERT_EQ(p2.entries_size(), 1);  // entries and values side by side
  EXPECT_EQ(p2.entries(0).comment(), "Không phát sinh nhiệm vụ");
  const v1::Assessment& p3 = parsed->proto.units[2].assessment;
  EXPECT_EQ(
      Text(p3.values(0)),
      "element: \"plan_date\" self { not_issued: true } appraised { date { year: 2023 "
      "month: 2 day: 12 } } ");
  EXPECT_EQ(Text(p3.values(1)),
            "element: \"staffed\" self { yes: true } appraised { yes: false } ");
  EXPECT_EQ(Text(p3.values(2)),
            "element: \"done\" self { count: -1 } ");  // the engine refuses it

  // The engine names values[i].self, prefixed with the unit: each maps to its line.
  const SourceMap& at = parsed->source;
  EXPECT_EQ(at.Locate("units[0].values[0]"), "figures.yaml:7:7");
  EXPECT_EQ(at.Locate("units[0].values[0].element"), "figures.yaml:7:7");
  EXPECT_EQ(at.Locate("units[0].values[0].self"), "figures.yaml:7:13");
  EXPECT_EQ(at.Locate("units[0].values[1].self"), "figures.yaml:8:21");
  EXPECT_EQ(at.Locate("units[0].values[1].appraised"), "figures.yaml:8:36");
  EXPECT_EQ(at.Locate("units[0].values[2].self"), "figures.yaml:9:7");  // none: the key
  EXPECT_EQ(at.Locate("units[1].values[1].self"), "figures.yaml:21:16");
  EXPECT_EQ(at.Locate("units[2].values[0].appraised"), "figures.yaml:28:48");
}

TEST(ParseFigures, BadValuesNameTheLineAndTheElement) {
  auto message = [](const std::string& from, const std::string& to) {
    std::string text = kSheetFigures;
    text.replace(text.find(from), from.size(), to);
    return std::string(ParseFigures(text, "figures.yaml").status().message());
  };
  EXPECT_EQ(message("done: 9", "done: 9x"),
            "figures.yaml:7:13: unit P1: values: done: '9x' is not a value: give a count "
            "(412), a decimal (87.5), a date (08/02/2023), yes or no (có, không) or not "
            "issued (chưa ban hành)");
  EXPECT_EQ(message("survey: 87.35", "survey: 87.3456"),
            "figures.yaml:12:15: unit P1: values: survey: '87.3456' has more than 3 "
            "decimals");
  EXPECT_EQ(message("plan_date: 08/02/2023", "plan_date: 30/02/2023"),
            "figures.yaml:10:18: unit P1: values: plan_date: '30/02/2023' is not a valid "
            "date (use 08/02/2023 or 2023-02-08)");
  EXPECT_EQ(message("done: 9", "done:"),
            "figures.yaml:7:7: unit P1: values: done: give a value, or leave the element "
            "out when it is not reported");
  EXPECT_EQ(message("done: 9", "done: [9]"),
            "figures.yaml:7:13: unit P1: values: done: expected a value (a count, a "
            "decimal, a date, yes/no, not issued)");
  EXPECT_EQ(message("appraised: 12}", "apraised: 12}"),
            "figures.yaml:8:25: unit P1: values: total: unknown field 'apraised'");
  EXPECT_EQ(message("{appraised: 1}", "{}"),
            "figures.yaml:9:16: unit P1: values: carried: give self, appraised or both");
  EXPECT_EQ(message("staffed: có\n", "staffed: có\n      done: 10\n"),
            "figures.yaml:12:7: unit P1: values: duplicate key 'done' (first at line 7)");
}

// The engine's checks of data sheets, mapped back to the line (these need the engine
// that compiles elements and validation rules and scores Assessment.values).
TEST(DataSheetWithEngine, CompileErrorsNameTheLine) {
  auto message = [](const std::string& from, const std::string& to) {
    std::string text = kSheetSet;
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    return std::string(Check(text).message());
  };
  EXPECT_EQ(message("", ""), "");  // the set as given compiles
  EXPECT_EQ(message("numerator: done,", "numerator: dnoe,"),
            "set.yaml:25:27: indicator rate: numerator 'dnoe' is not a data element of "
            "this set");
  EXPECT_EQ(
      message("denominator: [total, carried]", "denominator: [total, carry]"),
      "set.yaml:25:54: indicator rate: denominator 'carry' is not a data element of this "
      "set");
  EXPECT_EQ(message("element: staffed,", "element: plan_date,"),
            "set.yaml:41:30: criterion I.2: rule.boolean.element: 'plan_date' is a date "
            "element; this rule reads a yes/no element");
  EXPECT_EQ(message("element: plan_date,", "element: plan,"),
            "set.yaml:46:48: criterion I.3: rule.deadline.element: 'plan' is not a data "
            "element "
            "of this set");
  EXPECT_EQ(
      message("\"done <= total\"", "\"done <= totl\""),
      "set.yaml:19:45: validation rule done_within_total: right 'totl' is not a data "
      "element of this set");
  EXPECT_EQ(
      message("\"done <= total\"", "\"done <= plan_date\""),
      "set.yaml:19:45: validation rule done_within_total: 'plan_date' is a date element; "
      "rules compare numbers");
  EXPECT_EQ(message("{code: carried,", "{code: done,"),
            "set.yaml:13:5: element done: declared twice");
  EXPECT_EQ(
      message("{code: carried,", "{code: \"carried over\","),
      "set.yaml:13:12: elements[2].code: 'carried over' is not an element code (1 to 128 "
      "letters, digits, '_', '.' or '-')");
  EXPECT_EQ(
      message("{code: award, label: Điểm khen thưởng,", "{code: award,"),
      "set.yaml:17:5: element award: label is required (the Vietnamese name a ward reads "
      "where it types the value)");
  EXPECT_EQ(message("id: done_within_carried", "id: done_within_total"),
            "set.yaml:20:5: validation rule done_within_total: id used twice");
  EXPECT_EQ(message(", message: Số nhiệm vụ hoàn thành không vượt quá số nhiệm vụ phải "
                    "hoàn thành}",
                    "}"),
            "set.yaml:19:5: validation rule done_within_total: message is required (what "
            "a ward "
            "reads when the rule is broken)");
}

TEST(DataSheetWithEngine, ValueErrorsNameTheLine) {
  auto set_parsed = ParseCriteriaSet(kSheetSet, "set.yaml");
  ASSERT_TRUE(set_parsed.ok()) << set_parsed.status();
  auto set = engine::CompiledCriteriaSet::Compile(set_parsed->proto);
  ASSERT_TRUE(set.ok()) << set.status();
  auto score = [&](const std::string& from, const std::string& to, int unit,
                   v1::Column column) {
    std::string text = kSheetFigures;
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    auto parsed = ParseFigures(text, "figures.yaml");
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    if (!parsed.ok()) return std::string("unparsed");
    engine::ScoreSheet sheet;
    const UnitFigures& u = parsed->proto.units[unit];
    const absl::Status status =
        engine::Score(**set, nullptr, u.unit, u.assessment, column, &sheet);
    return std::string(
        parsed->source.Annotate(status, absl::StrCat("units[", unit, "].")).message());
  };
  EXPECT_EQ(score("", "", 0, v1::SELF), "");
  EXPECT_EQ(score("", "", 0, v1::APPRAISED), "");
  EXPECT_EQ(score("", "", 1, v1::SELF), "");
  EXPECT_EQ(
      score("done: 9", "done: 11", 0, v1::SELF),
      "figures.yaml:7:13: values[0].self: rule done_within_total: Số nhiệm vụ hoàn thành "
      "không vượt quá số nhiệm vụ phải hoàn thành: done (Số nhiệm vụ hoàn thành) = 11, "
      "not ≤ total (Số nhiệm vụ phải hoàn thành) = 10");
  EXPECT_EQ(
      score("{self: 10, appraised: 12}", "{self: 10, appraised: 8}", 0, v1::APPRAISED),
      "figures.yaml:7:13: values[0].self: rule done_within_total: Số nhiệm vụ hoàn thành "
      "không vượt quá số nhiệm vụ phải hoàn thành: done (Số nhiệm vụ hoàn thành) = 9, "
      "not ≤ total (Số nhiệm vụ phải hoàn thành) = 8");
  EXPECT_EQ(score("", "", 2, v1::SELF),
            "figures.yaml:30:13: values[2].self: done (Số nhiệm vụ hoàn thành): negative "
            "count (-1)");  // done: -1
  EXPECT_EQ(score("staffed: có", "staffed: 12", 0, v1::SELF),
            "figures.yaml:11:16: values[4].self: staffed (Bộ phận Một cửa bố trí đủ công "
            "chức): "
            "expects yes or no");
  EXPECT_EQ(
      score("plan_date: 08/02/2023", "plan_date: yes", 0, v1::SELF),
      "figures.yaml:10:18: values[3].self: plan_date (Ngày ban hành Kế hoạch CCHC năm): "
      "expects a date, or not issued");
  EXPECT_EQ(score("done: 9", "done: 9.5", 0, v1::SELF),
            "figures.yaml:7:13: values[0].self: done (Số nhiệm vụ hoàn thành): 9.5 is "
            "not a whole number of items");
  EXPECT_EQ(score("award: 2", "awards: 2", 0, v1::SELF),
            "figures.yaml:13:7: values[6].element: 'awards' is not a data element of s");
}

TEST(ReadFiles, MissingFileIsNotFound) {
  auto parsed = ReadCriteriaSet("/nonexistent/set.yaml");
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(std::string(parsed.status().message()),
            "/nonexistent/set.yaml: cannot open the file");
}

TEST(ReadFiles, EmptyFile) {
  EXPECT_EQ(std::string(ParseCriteriaSet("", "empty.yaml").status().message()),
            "empty.yaml: the file is empty");
}

}  // namespace
}  // namespace parindex::criteria
