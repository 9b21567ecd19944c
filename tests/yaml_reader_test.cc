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
