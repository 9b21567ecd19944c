// Data sheets: elements typed once and read by every criterion, formulas with sums,
// validation rules between elements, "not issued" against "not reported", and the
// criterion copies kept by the schema 5 upgrade. Exact points, statuses and messages.
#include "engine/data_sheet.h"

#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/errors.h"
#include "engine/plan.h"
#include "engine/scorer.h"
#include "gtest/gtest.h"
#include "tests/engine_test_util.h"

namespace parindex::engine {
namespace {

using testing::ParseText;

// A commune set in miniature: three criteria share `resolved`, one reads a sum over a
// sum, one a date element, one a yes/no element, one a survey-style percent element.
constexpr char kSheetSet[] = R"pb(
  id: "sheet"
  title: "sheet"
  version: 1
  total_milli: 9000
  elements { code: "received" label: "Số hồ sơ tiếp nhận" }
  elements { code: "resolved" label: "Số hồ sơ đã giải quyết" help: "Báo cáo thống kê" }
  elements { code: "resolved_on_time" label: "Số hồ sơ giải quyết đúng hạn" }
  elements { code: "resolved_early" label: "Số hồ sơ giải quyết trước hạn" }
  elements { code: "late_in_process" label: "Số hồ sơ đang giải quyết quá hạn" }
  elements { code: "late_completed" label: "Số hồ sơ đã giải quyết quá hạn" }
  elements { code: "in_process_past_due" label: "Số hồ sơ đang giải quyết đã đến hạn" }
  elements { code: "plan_date" label: "Ngày ban hành kế hoạch" type: ELEMENT_DATE }
  elements { code: "regulation" label: "Đã ban hành quy chế" type: ELEMENT_YES_NO }
  elements { code: "satisfaction" label: "Mức độ hài lòng" type: ELEMENT_PERCENT }
  indicators {
    id: "on_time_rate"
    numerator: "resolved_on_time"
    denominator: "resolved"
    unit: PERCENT
  }
  indicators {
    id: "early_rate"
    numerator: "resolved_early"
    denominator: "resolved"
    unit: PERCENT
  }
  indicators {
    id: "late_rate"
    numerator: [ "late_in_process", "late_completed" ]
    denominator: [ "resolved", "in_process_past_due" ]
    unit: PERCENT
  }
  indicators { id: "satisfaction_rate" numerator: "satisfaction" unit: PERCENT }
  validation {
    id: "on_time_within_resolved"
    left: "resolved_on_time"
    comparator: AT_MOST
    right: "resolved"
    message: "Hồ sơ đúng hạn không vượt quá hồ sơ đã giải quyết"
  }
  validation {
    id: "resolved_within_received"
    left: "resolved"
    comparator: AT_MOST
    right: "received"
    message: "Hồ sơ đã giải quyết thường không vượt quá hồ sơ tiếp nhận"
    warning: true
  }
  areas {
    code: "A"
    title: "A"
    max_milli: 9000
    criteria {
      code: "A.1"
      title: "on time"
      max_milli: 1000
      rule { linear { indicator: "on_time_rate" } }
    }
    criteria {
      code: "A.2"
      title: "early"
      max_milli: 1000
      rule { linear { indicator: "early_rate" } }
    }
    criteria {
      code: "A.3"
      title: "late"
      max_milli: 2000
      rule {
        inverse {
          indicator: "late_rate"
          bands { comparator: AT_MOST threshold_milli: 1000 points_milli: 2000 }
          bands { comparator: AT_MOST threshold_milli: 3000 points_milli: 1000 }
        }
      }
    }
    criteria {
      code: "A.4"
      title: "plan"
      max_milli: 1000
      rule {
        deadline {
          element: "plan_date"
          due { year: 2023 month: 2 day: 10 }
          strictly_before: true
          on_time_points_milli: 1000
          late_points_milli: 500
          missing_points_milli: 0
        }
      }
    }
    criteria {
      code: "A.5"
      title: "regulation"
      max_milli: 2000
      rule { boolean { element: "regulation" yes_points_milli: 2000 no_points_milli: 0 } }
    }
    criteria {
      code: "A.6"
      title: "satisfaction"
      max_milli: 2000
      rule {
        bands {
          indicator: "satisfaction_rate"
          bands { comparator: AT_LEAST threshold_milli: 80000 points_milli: 2000 }
          bands { comparator: AT_LEAST threshold_milli: 60000 points_milli: 1000 }
        }
      }
    }
  }
)pb";

std::shared_ptr<const CompiledCriteriaSet> SheetSet() {
  auto set = CompiledCriteriaSet::Compile(ParseText<v1::CriteriaSet>(kSheetSet));
  EXPECT_TRUE(set.ok()) << set.status();
  return set.ok() ? *set : nullptr;
}

// A consistent ward: 430 resolved, 412 on time, 350 early, 2 + 4 late of 436 due.
constexpr char kWard[] = R"pb(
  values {
    element: "received"
    self { count: 440 }
  }
  values {
    element: "resolved"
    self { count: 430 }
  }
  values {
    element: "resolved_on_time"
    self { count: 412 }
  }
  values {
    element: "resolved_early"
    self { count: 350 }
  }
  values {
    element: "late_in_process"
    self { count: 2 }
  }
  values {
    element: "late_completed"
    self { count: 4 }
  }
  values {
    element: "in_process_past_due"
    self { count: 6 }
  }
  values {
    element: "plan_date"
    self { date { year: 2023 month: 2 day: 8 } }
  }
  values {
    element: "regulation"
    self { yes: true }
  }
  values {
    element: "satisfaction"
    self { milli: 87350 }
  }
)pb";

absl::StatusOr<v1::UnitScore> ScoreText(const std::string& assessment,
                                        v1::Column column = v1::SELF) {
  auto set = SheetSet();
  v1::Unit unit;
  unit.set_code("U1");
  unit.set_kind(v1::WARD);
  return ScoreUnit(*set, nullptr, unit, ParseText<v1::Assessment>(assessment), column);
}

const v1::CriterionScore& Criterion(const v1::UnitScore& score, const std::string& code) {
  for (const v1::CriterionScore& c : score.criteria()) {
    if (c.code() == code) return c;
  }
  static const v1::CriterionScore kNone;
  ADD_FAILURE() << "no " << code;
  return kNone;
}

TEST(DataSheet, EveryCriterionReadsTheOneValue) {
  auto score = ScoreText(kWard);
  ASSERT_TRUE(score.ok()) << score.status();
  EXPECT_EQ(Criterion(*score, "A.1").trace().reason(),
            "on_time_rate 412/430 = 95.81% × 1.00 → 0.96 of 1.00");
  EXPECT_EQ(Criterion(*score, "A.2").trace().reason(),
            "early_rate 350/430 = 81.40% × 1.00 → 0.81 of 1.00");
  // Sums on both sides: (2 + 4) / (430 + 6) = 1.38%.
  EXPECT_EQ(Criterion(*score, "A.3").trace().reason(),
            "late_rate 6/436 = 1.38% ≤ 3% → 1.00 of 2.00");
  EXPECT_EQ(Criterion(*score, "A.4").trace().reason(),
            "issued 2023-02-08, due before 2023-02-10: on time → 1.00 of 1.00");
  EXPECT_EQ(Criterion(*score, "A.5").trace().reason(), "yes → 2.00 of 2.00");
  EXPECT_EQ(Criterion(*score, "A.6").trace().reason(),
            "satisfaction_rate 87.35% ≥ 80% → 2.00 of 2.00");
  // The trace names each figure with its label.
  const v1::Trace& trace = Criterion(*score, "A.1").trace();
  ASSERT_EQ(trace.inputs_size(), 2);
  EXPECT_EQ(trace.inputs(1).name(), "resolved");
  EXPECT_EQ(trace.inputs(1).label(), "Số hồ sơ đã giải quyết");
  EXPECT_EQ(trace.inputs(1).value(), 430);
  EXPECT_FALSE(trace.inputs(1).from_entry());
  EXPECT_EQ(score->achieved_milli(), 958 + 814 + 1000 + 1000 + 2000 + 2000);
  EXPECT_EQ(score->warnings_size(), 0);
}

// One count, three criteria: changing `resolved` moves all three together.
TEST(DataSheet, ASharedCountMovesEveryCriterionReadingIt) {
  std::string changed = kWard;
  changed.replace(changed.find("count: 430"), 10, "count: 700");
  auto before = ScoreText(kWard);
  auto after = ScoreText(changed);
  ASSERT_TRUE(before.ok() && after.ok());
  struct Moved {
    std::string code;
    int64_t before, after;
  };
  for (const Moved& m : std::vector<Moved>{{"A.1", 958, 589},       // 412/430, 412/700
                                           {"A.2", 814, 500},       // 350/430, 350/700
                                           {"A.3", 1000, 2000}}) {  // 6/436, 6/706
    EXPECT_EQ(Criterion(*before, m.code).points_milli(), m.before) << m.code;
    EXPECT_EQ(Criterion(*after, m.code).points_milli(), m.after) << m.code;
  }
  EXPECT_EQ(Criterion(*after, "A.3").trace().reason(),
            "late_rate 6/706 = 0.85% ≤ 1% → 2.00 of 2.00");
  // 700 resolved of 440 received breaks a rule that only warns: scored, and said.
  ASSERT_EQ(after->warnings_size(), 1);
  EXPECT_EQ(after->warnings(0).rule(), "resolved_within_received");
  EXPECT_TRUE(after->warnings(0).warning());
  EXPECT_EQ(after->warnings(0).message(),
            "rule resolved_within_received: Hồ sơ đã giải quyết thường không vượt quá hồ "
            "sơ tiếp nhận: resolved (Số hồ sơ đã giải quyết) = 700, not ≤ received (Số "
            "hồ sơ tiếp nhận) = 440");
  EXPECT_EQ(std::vector<std::string>(after->warnings(0).elements().begin(),
                                     after->warnings(0).elements().end()),
            (std::vector<std::string>{"resolved", "received"}));
}

// Replaces `element`'s value in kWard with `value` (text of an ElementValue's fields),
// or removes it when `value` is empty.
std::string WardWith(const std::string& element, const std::string& value) {
  v1::Assessment a = ParseText<v1::Assessment>(kWard);
  v1::Assessment out;
  for (const v1::DataValue& v : a.values()) {
    if (v.element() != element) {
      *out.add_values() = v;
    } else if (!value.empty()) {
      v1::DataValue* changed = out.add_values();
      changed->set_element(element);
      *changed->mutable_self() = ParseText<v1::ElementValue>(value);
    }
  }
  return out.DebugString();
}

TEST(DataSheet, NotIssuedIsScoredAndNotReportedIsNot) {
  auto not_issued = ScoreText(WardWith("plan_date", "not_issued: true"));
  auto not_reported = ScoreText(WardWith("plan_date", ""));
  auto late = ScoreText(WardWith("plan_date", "date { year: 2023 month: 2 day: 10 }"));
  ASSERT_TRUE(not_issued.ok() && not_reported.ok() && late.ok());
  const v1::CriterionScore& a = Criterion(*not_issued, "A.4");
  EXPECT_EQ(a.status(), v1::SCORED);
  EXPECT_EQ(a.points_milli(), 0);
  EXPECT_EQ(a.trace().reason(),
            "stated not issued (plan_date), due before 2023-02-10 → 0.00 of 1.00");
  const v1::CriterionScore& b = Criterion(*not_reported, "A.4");
  EXPECT_EQ(b.status(), v1::NOT_REPORTED);
  EXPECT_EQ(b.points_milli(), 0);
  EXPECT_EQ(b.trace().reason(),
            "not reported: plan_date: no document date → 0.00 of 1.00");
  // Strictly before the 10th: the 10th itself is late.
  EXPECT_EQ(Criterion(*late, "A.4").points_milli(), 500);
  // A yes/no element: no is scored, missing is not reported.
  auto no = ScoreText(WardWith("regulation", "yes: false"));
  auto missing = ScoreText(WardWith("regulation", ""));
  ASSERT_TRUE(no.ok() && missing.ok());
  EXPECT_EQ(Criterion(*no, "A.5").status(), v1::SCORED);
  EXPECT_EQ(Criterion(*no, "A.5").trace().reason(), "no → 0.00 of 2.00");
  EXPECT_EQ(Criterion(*missing, "A.5").status(), v1::NOT_REPORTED);
  EXPECT_EQ(Criterion(*missing, "A.5").trace().reason(),
            "not reported: regulation → 0.00 of 2.00");
}

TEST(DataSheet, ABrokenRuleIsRefusedNamingBothSides) {
  auto score = ScoreText(WardWith("resolved_on_time", "count: 431"));
  ASSERT_FALSE(score.ok());
  EXPECT_EQ(score.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(score.status().message()),
            "values[2].self: rule on_time_within_resolved: Hồ sơ đúng hạn không vượt quá "
            "hồ sơ đã giải quyết: resolved_on_time (Số hồ sơ giải quyết đúng hạn) = 431, "
            "not ≤ resolved (Số hồ sơ đã giải quyết) = 430");
  EXPECT_EQ(ErrorPath(score.status()).value_or(""), "values[2].self");
  // A rule with a side not given yet is not checked: a form is filled bit by bit.
  auto partial = ScoreText(R"pb(values {
                                  element: "resolved_on_time"
                                  self { count: 431 }
                                })pb");
  EXPECT_TRUE(partial.ok()) << partial.status();
}

// The appraised column reads the appraiser's value where given, else the unit's; the
// rules are checked on what the column reads.
TEST(DataSheet, TheAppraisedColumnReadsTheAppraisersValuesOverTheUnits) {
  std::string appraised = kWard;
  appraised.replace(appraised.find("self { count: 412 }"), 19,
                    "self { count: 412 } appraised { count: 400 }");
  auto self = ScoreText(appraised, v1::SELF);
  auto column = ScoreText(appraised, v1::APPRAISED);
  ASSERT_TRUE(self.ok() && column.ok());
  EXPECT_EQ(Criterion(*self, "A.1").trace().reason(),
            "on_time_rate 412/430 = 95.81% × 1.00 → 0.96 of 1.00");
  EXPECT_EQ(Criterion(*column, "A.1").trace().reason(),
            "on_time_rate 400/430 = 93.02% × 1.00 → 0.93 of 1.00");
  // An appraised value above the unit's resolved breaks the rule in that column only.
  std::string broken = kWard;
  broken.replace(broken.find("self { count: 412 }"), 19,
                 "self { count: 412 } appraised { count: 440 }");
  EXPECT_TRUE(ScoreText(broken, v1::SELF).ok());
  auto refused = ScoreText(broken, v1::APPRAISED);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(ErrorPath(refused.status()).value_or(""), "values[2].appraised");
}

// A criterion's own figure (kept by the schema 5 upgrade where copies disagreed)
// overrides the sheet for that criterion alone.
TEST(DataSheet, ACriterionsOwnFigureOverridesTheSheetForItAlone) {
  std::string text = kWard;
  text += R"pb(entries {
                 criterion: "A.2"
                 self { figures { key: "resolved" value: 400 } }
               })pb";
  auto score = ScoreText(text);
  ASSERT_TRUE(score.ok()) << score.status();
  EXPECT_EQ(Criterion(*score, "A.1").trace().reason(),
            "on_time_rate 412/430 = 95.81% × 1.00 → 0.96 of 1.00");
  EXPECT_EQ(Criterion(*score, "A.2").trace().reason(),
            "early_rate 350/400 = 87.50% × 1.00 → 0.88 of 1.00");
  EXPECT_TRUE(Criterion(*score, "A.2").trace().inputs(1).from_entry());
  EXPECT_FALSE(Criterion(*score, "A.2").trace().inputs(0).from_entry());
}

struct BadValue {
  std::string name;
  std::string values;  // text of Assessment values
  std::string message;
  std::string path;
};

void PrintTo(const BadValue& c, std::ostream* os) { *os << c.name; }

class BadValueTest : public ::testing::TestWithParam<BadValue> {};

TEST_P(BadValueTest, IsRefusedNamingTheElement) {
  const BadValue& c = GetParam();
  auto score = ScoreText(c.values);
  ASSERT_FALSE(score.ok());
  EXPECT_EQ(score.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(score.status().message()), c.message);
  EXPECT_EQ(ErrorPath(score.status()).value_or(""), c.path);
}

INSTANTIATE_TEST_SUITE_P(
    Values, BadValueTest,
    ::testing::Values(
        BadValue{"Unknown", "values { element: 'resolvd' self { count: 1 } }",
                 "values[0].element: 'resolvd' is not a data element of sheet",
                 "values[0].element"},
        BadValue{"Twice",
                 "values { element: 'resolved' self { count: 1 } } "
                 "values { element: 'resolved' self { count: 2 } }",
                 "values[1].element: resolved also given in values[0]",
                 "values[1].element"},
        BadValue{"Negative", "values { element: 'resolved' self { count: -1 } }",
                 "values[0].self: resolved (Số hồ sơ đã giải quyết): negative count (-1)",
                 "values[0].self"},
        BadValue{
            "TooLarge",
            "values { element: 'resolved' appraised { count: 1000000000001 } }",
            "values[0].appraised: resolved (Số hồ sơ đã giải quyết): count too large "
            "(1000000000001)",
            "values[0].appraised"},
        BadValue{"FractionOfACount",
                 "values { element: 'resolved' self { milli: 1500 } }",
                 "values[0].self: resolved (Số hồ sơ đã giải quyết): 1.5 is not a whole "
                 "number of items",
                 "values[0].self"},
        BadValue{"WholeCountAsMilli",
                 "values { element: 'resolved' self { milli: 1000 } }",
                 "values[0].self: resolved (Số hồ sơ đã giải quyết): 1 is given as milli "
                 "(thousandths); a number of items is given as count",
                 "values[0].self"},
        BadValue{
            "DateForACount",
            "values { element: 'resolved' self { date { year: 2023 month: 1 day: 1 } } }",
            "values[0].self: resolved (Số hồ sơ đã giải quyết): expects a whole number "
            "of items",
            "values[0].self"},
        BadValue{
            "NotIssuedCount", "values { element: 'resolved' self { not_issued: true } }",
            "values[0].self: resolved (Số hồ sơ đã giải quyết): expects a whole number "
            "of items",
            "values[0].self"},
        BadValue{"CountForADate", "values { element: 'plan_date' self { count: 3 } }",
                 "values[0].self: plan_date (Ngày ban hành kế hoạch): expects a date, or "
                 "not issued",
                 "values[0].self"},
        BadValue{"BadDate",
                 "values { element: 'plan_date' self { date { year: 2023 month: 2 day: "
                 "30 } } }",
                 "values[0].self: plan_date (Ngày ban hành kế hoạch): not a valid date",
                 "values[0].self"},
        BadValue{
            "NotIssuedFalse",
            "values { element: 'plan_date' self { not_issued: false } }",
            "values[0].self: plan_date (Ngày ban hành kế hoạch): not_issued is given "
            "as false; give a date",
            "values[0].self"},
        BadValue{"CountForYesNo", "values { element: 'regulation' self { count: 1 } }",
                 "values[0].self: regulation (Đã ban hành quy chế): expects yes or no",
                 "values[0].self"},
        BadValue{"PercentAbove100",
                 "values { element: 'satisfaction' self { milli: 100001 } }",
                 "values[0].self: satisfaction (Mức độ hài lòng): 100.001% is more than "
                 "100%",
                 "values[0].self"},
        BadValue{"WholePercentAbove100",
                 "values { element: 'satisfaction' self { count: 101 } }",
                 "values[0].self: satisfaction (Mức độ hài lòng): 101% is more than 100%",
                 "values[0].self"},
        BadValue{
            "NumeratorAboveDenominatorAcrossTheSheet",
            "values { element: 'resolved' self { count: 10 } } "
            "values { element: 'resolved_early' self { count: 11 } }",
            "values[1].self: resolved_early (Số hồ sơ giải quyết trước hạn) = 11 "
            "exceeds resolved (Số hồ sơ đã giải quyết) = 10 (indicator early_rate of "
            "criterion A.2)",
            "values[1].self"},
        BadValue{"DoneOnACriterionReadingAnElement",
                 "entries { criterion: 'A.5' self { done: true } }",
                 "entries[0].self.done: criterion A.5 reads its yes/no from the data "
                 "sheet: give it as regulation (Đã ban hành quy chế)",
                 "entries[0].self.done"}),
    [](const ::testing::TestParamInfo<BadValue>& info) { return info.param.name; });

// A whole percent given as a count is that many percent.
TEST(DataSheet, AWholePercentIsThatManyPercent) {
  auto score = ScoreText(WardWith("satisfaction", "count: 60"));
  ASSERT_TRUE(score.ok()) << score.status();
  EXPECT_EQ(Criterion(*score, "A.6").trace().reason(),
            "satisfaction_rate 60% ≥ 60% → 1.00 of 2.00");
}

struct BadSet {
  std::string name;
  std::string from, to;  // replace `from` in kSheetSet by `to`
  std::string message;
  std::string path;
};

void PrintTo(const BadSet& c, std::ostream* os) { *os << c.name; }

class BadSheetSetTest : public ::testing::TestWithParam<BadSet> {};

TEST_P(BadSheetSetTest, IsRejectedWithThePath) {
  const BadSet& c = GetParam();
  std::string text = kSheetSet;
  const size_t at = text.find(c.from);
  ASSERT_NE(at, std::string::npos) << c.from;
  text.replace(at, c.from.size(), c.to);
  auto set = CompiledCriteriaSet::Compile(ParseText<v1::CriteriaSet>(text));
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(std::string(set.status().message()), c.message);
  EXPECT_EQ(ErrorPath(set.status()).value_or(""), c.path);
}

INSTANTIATE_TEST_SUITE_P(
    Sets, BadSheetSetTest,
    ::testing::Values(
        BadSet{"UndeclaredFigure", R"(numerator: "resolved_early")",
               R"(numerator: "resolved_erly")",
               "indicator early_rate: numerator 'resolved_erly' is not a data element of "
               "this set",
               "indicators[1].numerator[0]"},
        BadSet{"ElementTwice", R"(elements { code: "received")",
               R"(elements { code: "resolved" label: "x" } elements { code: "received")",
               "element resolved: declared twice", "elements[2]"},
        BadSet{"NoLabel", R"(label: "Số hồ sơ tiếp nhận")", "",
               "element received: label is required (the Vietnamese name a ward reads "
               "where it types the value)",
               "elements[0].label"},
        BadSet{"BadCode", R"(code: "received")", R"(code: "số hồ sơ")",
               "elements[0].code: 'số hồ sơ' is not an element code (1 to 128 letters, "
               "digits, '_', '.' or '-')",
               "elements[0].code"},
        BadSet{
            "DateInAFormula", R"(numerator: "resolved_early")",
            R"(numerator: "plan_date")",
            "indicator early_rate: numerator 'plan_date' is a date element; indicators "
            "add numbers",
            "indicators[1].numerator[0]"},
        BadSet{"BooleanReadsADate", R"(element: "regulation")", R"(element: "plan_date")",
               "criterion A.5: rule.boolean.element: 'plan_date' is a date element; this "
               "rule reads a yes/no element",
               "areas[0].criteria[4].rule.boolean.element"},
        BadSet{
            "DeadlineReadsNothingDeclared", R"(element: "plan_date")",
            R"(element: "plan_dat")",
            "criterion A.4: rule.deadline.element: 'plan_dat' is not a data element of "
            "this set",
            "areas[0].criteria[3].rule.deadline.element"},
        BadSet{"RuleOnUnknownElement", R"(right: "received")", R"(right: "recieved")",
               "validation rule resolved_within_received: right 'recieved' is not a data "
               "element of this set",
               "validation[1].right[0]"},
        BadSet{
            "RuleWithoutMessage",
            R"(message: "Hồ sơ đúng hạn không vượt quá hồ sơ đã giải quyết")", "",
            "validation rule on_time_within_resolved: message is required (what a ward "
            "reads when the rule is broken)",
            "validation[0].message"},
        BadSet{"RuleIdTwice", R"(id: "resolved_within_received")",
               R"(id: "on_time_within_resolved")",
               "validation rule on_time_within_resolved: id used twice", "validation[1]"},
        BadSet{"RuleComparesAPercentWithACount", R"(right: "received")",
               R"(right: "satisfaction")",
               "validation rule resolved_within_received: 'satisfaction' is a percent "
               "element and cannot be compared with a count",
               "validation[1].right[0]"},
        BadSet{
            "PercentElementInASum", R"(numerator: "satisfaction")",
            R"(numerator: ["satisfaction", "resolved"])",
            "indicator satisfaction_rate: a percent or score element is read alone, as "
            "the numerator without a denominator",
            "indicators[3]"}),
    [](const ::testing::TestParamInfo<BadSet>& info) { return info.param.name; });

// A set written before data sheets: every name its indicators read is a count.
TEST(DataSheet, ASetWithoutElementsImpliesThemFromItsIndicators) {
  auto set = CompiledCriteriaSet::Compile(
      testing::OneLeafSet(R"pb(linear { indicator: "rate" })pb", 1000));
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_FALSE((*set)->declares_elements());
  ASSERT_GE((*set)->elements().size(), 2u);
  EXPECT_EQ((*set)->elements()[0].code, "done");
  EXPECT_EQ((*set)->elements()[0].label(), "done");
  v1::Unit unit;
  unit.set_kind(v1::WARD);
  auto score = ScoreUnit(**set, nullptr, unit, ParseText<v1::Assessment>(R"pb(
    values {
      element: "done"
      self { count: 9 }
    }
    values {
      element: "total"
      self { count: 10 }
    })pb"),
                         v1::SELF);
  ASSERT_TRUE(score.ok()) << score.status();
  EXPECT_EQ(Criterion(*score, "A.1").trace().reason(),
            "rate 9/10 = 90.00% × 1.00 → 0.90 of 1.00");
}

// Every leaf that Score() can score from its flat form (FlatLeaf, engine/criteria_set.h)
// next to the same leaf read through its shape: an empty entry of its own sends a leaf
// to its shape, which reads the same sheet. Seeded random sheets, with values missing,
// zero, equal, above their denominators and appraised.
constexpr char kFlatSet[] = R"pb(
  id: "flat"
  title: "flat"
  version: 1
  total_milli: 14500
  elements { code: "due" label: "Số hồ sơ đến hạn" }
  elements { code: "done" label: "Số hồ sơ đúng hạn" }
  elements { code: "late" label: "Số hồ sơ trễ hạn" }
  elements { code: "minutes" label: "Số phút chờ" }
  elements { code: "visits" label: "Số lượt" }
  elements { code: "items" label: "Số văn bản" }
  elements { code: "satisfaction" label: "Mức độ hài lòng" type: ELEMENT_PERCENT }
  elements { code: "regulation" label: "Đã ban hành quy chế" type: ELEMENT_YES_NO }
  indicators { id: "rate" numerator: "done" denominator: "due" unit: PERCENT }
  indicators {
    id: "on_time"
    numerator: "late"
    denominator: "due"
    unit: PERCENT
    complement: true
  }
  indicators { id: "wait" numerator: "minutes" denominator: "visits" unit: MINUTES }
  indicators { id: "count" numerator: "items" unit: COUNT }
  indicators { id: "happy" numerator: "satisfaction" unit: PERCENT }
  areas {
    code: "A"
    title: "A"
    max_milli: 14500
    criteria {
      code: "A.1"
      title: "bands"
      max_milli: 1000
      rule {
        bands {
          indicator: "rate"
          bands { comparator: GREATER threshold_milli: 90000 points_milli: 1000 }
          bands { comparator: AT_LEAST threshold_milli: 50000 points_milli: 500 }
          otherwise_points_milli: 100
        }
      }
    }
    criteria {
      code: "A.2"
      title: "inverse"
      max_milli: 1000
      rule {
        inverse {
          indicator: "wait"
          bands { comparator: LESS threshold_milli: 2000 points_milli: 1000 }
          bands { comparator: AT_MOST threshold_milli: 5500 points_milli: 250 }
        }
      }
    }
    criteria {
      code: "A.3"
      title: "linear"
      max_milli: 1500
      rule { linear { indicator: "on_time" } }
    }
    criteria {
      code: "A.4"
      title: "linear alone"
      max_milli: 1000
      rule { linear { indicator: "happy" } }
    }
    criteria {
      code: "A.5"
      title: "target"
      max_milli: 2000
      rule { target { indicator: "rate" mode: ALL_OR_NOTHING } }
    }
    criteria {
      code: "A.6"
      title: "target, proportional"
      max_milli: 2000
      rule { target { indicator: "on_time" mode: PROPORTIONAL } }
    }
    criteria {
      code: "A.7"
      title: "target, lower is better"
      max_milli: 2000
      rule { target { indicator: "wait" mode: PROPORTIONAL } }
    }
    criteria {
      code: "A.8"
      title: "count target"
      max_milli: 1000
      rule { target { indicator: "count" mode: PROPORTIONAL } }
    }
    criteria {
      code: "A.9"
      title: "count bands"
      max_milli: 1000
      rule {
        bands {
          indicator: "count"
          bands { comparator: AT_LEAST threshold_milli: 3000 points_milli: 1000 }
        }
      }
    }
    criteria {
      code: "A.10"
      title: "yes/no"
      max_milli: 2000
      rule {
        boolean { element: "regulation" yes_points_milli: 2000 no_points_milli: 500 }
      }
    }
  }
)pb";

constexpr char kFlatPlan[] = R"pb(
  id: "plan"
  targets { indicator: "rate" comparator: GREATER value_milli: 80000 unit: PERCENT }
  targets { indicator: "on_time" comparator: AT_LEAST value_milli: 95000 unit: PERCENT }
  targets {
    indicator: "wait"
    comparator: AT_MOST
    value_milli: 3500
    unit: MINUTES
    applies_to: WARD
  }
  targets { indicator: "count" comparator: AT_LEAST value_milli: 4000 unit: COUNT }
)pb";

TEST(DataSheet, AFlatLeafScoresAsItsShapeDoes) {
  auto set = CompiledCriteriaSet::Compile(ParseText<v1::CriteriaSet>(kFlatSet));
  ASSERT_TRUE(set.ok()) << set.status();
  auto plan = CompiledPlan::Compile(ParseText<v1::Plan>(kFlatPlan));
  ASSERT_TRUE(plan.ok()) << plan.status();
  std::mt19937 rng(20261127);
  auto number = [&](int64_t high) {
    switch (rng() % 8) {
      case 0:
        return int64_t{-1};  // missing
      case 1:
        return int64_t{0};
      default:
        return static_cast<int64_t>(rng() % (high + 1));
    }
  };
  ScoreSheet flat;
  ScoreSheet shaped;
  int scored = 0;
  for (int round = 0; round < 3000; ++round) {
    v1::Assessment sheet;
    auto count = [&](const char* element, int64_t n, int64_t appraised) {
      if (n < 0 && appraised < 0) return;
      v1::DataValue* value = sheet.add_values();
      value->set_element(element);
      if (n >= 0) value->mutable_self()->set_count(n);
      if (appraised >= 0) value->mutable_appraised()->set_count(appraised);
    };
    const int64_t due = number(400);
    // Within `due` but now and then (a numerator above it is refused).
    const int64_t part = due < 0 ? 420 : due + (rng() % 16 == 0 ? 3 : 0);
    count("due", due, rng() % 4 == 0 ? number(400) : -1);
    count("done", number(part), rng() % 4 == 0 ? number(part) : -1);
    count("late", number(part), rng() % 4 == 0 ? number(part) : -1);
    for (const char* element : {"minutes", "visits", "items"}) {
      count(element, number(420), rng() % 4 == 0 ? number(420) : -1);
    }
    if (const int64_t happy = number(100); happy >= 0) {
      v1::DataValue* value = sheet.add_values();
      value->set_element("satisfaction");
      value->mutable_self()->set_milli(happy * 1000 - (happy > 0 ? rng() % 1000 : 0));
    }
    if (rng() % 5 != 0) {
      v1::DataValue* value = sheet.add_values();
      value->set_element("regulation");
      value->mutable_self()->set_yes(rng() % 2 == 0);
      if (rng() % 3 == 0) value->mutable_appraised()->set_yes(rng() % 2 == 0);
    }
    v1::Assessment entries = sheet;
    for (const Node& node : (*set)->nodes()) {
      v1::Entry* entry = entries.add_entries();
      entry->set_criterion(node.criterion->code());
      entry->mutable_self();
    }
    v1::Unit unit;
    unit.set_code("U");
    unit.set_kind(round % 2 == 0 ? v1::WARD : v1::COMMUNE);
    const v1::Column column = round % 3 == 0 ? v1::APPRAISED : v1::SELF;
    const CompiledPlan* p = round % 7 == 0 ? nullptr : plan->get();
    const absl::Status a = Score(**set, p, unit, sheet, column, &flat);
    const absl::Status b = Score(**set, p, unit, entries, column, &shaped);
    ASSERT_EQ(a.ok(), b.ok()) << a << " / " << b << "\n" << sheet.DebugString();
    if (!a.ok()) continue;
    ++scored;
    ASSERT_EQ(flat.nodes.size(), shaped.nodes.size());
    for (size_t n = 0; n < flat.nodes.size(); ++n) {
      const NodeScore& x = flat.nodes[n];
      const NodeScore& y = shaped.nodes[n];
      SCOPED_TRACE(absl::StrCat("round ", round, ", ",
                                (*set)->nodes()[n].criterion->code(), "\n",
                                sheet.DebugString()));
      EXPECT_EQ(x.status, y.status);
      EXPECT_EQ(x.why, y.why);
      EXPECT_EQ(x.points_milli, y.points_milli);
      EXPECT_EQ(x.applicable_max_milli, y.applicable_max_milli);
      EXPECT_EQ(x.entry, -1);
      EXPECT_EQ(x.num, y.num);
      EXPECT_EQ(x.den, y.den);
      EXPECT_EQ(x.band, y.band);
      EXPECT_EQ(x.target, y.target);
      EXPECT_EQ(x.missing, y.missing);
    }
    EXPECT_EQ(flat.achieved_milli, shaped.achieved_milli);
    EXPECT_EQ(flat.applicable_max_milli, shaped.applicable_max_milli);
    EXPECT_EQ(flat.index_hundredths, shaped.index_hundredths);
    EXPECT_EQ(flat.classification, shaped.classification);
  }
  // Most sheets score (a numerator above its percent's denominator is refused).
  EXPECT_GT(scored, 1000);
}

}  // namespace
}  // namespace parindex::engine
