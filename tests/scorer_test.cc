// Every rule shape, table-driven: points, status and the trace's reason, exactly.
#include "engine/scorer.h"

#include <string>
#include <vector>

#include "engine/errors.h"
#include "gtest/gtest.h"
#include "tests/engine_test_util.h"

namespace parindex::engine {
namespace {

using testing::OneLeafSet;
using testing::ParseText;

struct Case {
  std::string name;
  std::string rule;  // text of a Rule
  int64_t max_milli;
  std::string values;  // text of the unit's EntryValues; "-" for no entry at all
  std::string plan;    // text of a Plan's targets/deadlines; "-" for no plan
  v1::ScoreStatus status;
  int64_t points_milli;
  int64_t applicable_max_milli;
  std::string reason;
  std::string extra = "";  // extra criterion fields (not_applicable policy)
  v1::UnitKind kind = v1::WARD;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

v1::CriterionScore ScoreCase(const Case& c) {
  auto set = CompiledCriteriaSet::Compile(OneLeafSet(c.rule, c.max_milli, c.extra));
  if (!set.ok()) {
    ADD_FAILURE() << set.status();
    return {};
  }
  std::shared_ptr<const CompiledPlan> plan;
  if (c.plan != "-") {
    auto compiled = CompiledPlan::Compile(ParseText<v1::Plan>("id: 'plan-1' " + c.plan));
    if (!compiled.ok()) {
      ADD_FAILURE() << compiled.status();
      return {};
    }
    plan = *compiled;
  }
  v1::Unit unit;
  unit.set_code("U1");
  unit.set_kind(c.kind);
  v1::Assessment assessment;
  if (c.values != "-") {
    v1::Entry* entry = assessment.add_entries();
    entry->set_criterion("A.1");
    *entry->mutable_self() = ParseText<v1::EntryValues>(c.values);
  }
  auto score = ScoreUnit(**set, plan.get(), unit, assessment, v1::SELF);
  if (!score.ok()) {
    ADD_FAILURE() << score.status();
    return {};
  }
  for (const v1::CriterionScore& cs : score->criteria()) {
    if (cs.code() == "A.1") return cs;
  }
  ADD_FAILURE() << "no A.1";
  return {};
}

class RuleShapeTest : public ::testing::TestWithParam<Case> {};

TEST_P(RuleShapeTest, ScoresExactly) {
  const Case& c = GetParam();
  const v1::CriterionScore score = ScoreCase(c);
  EXPECT_EQ(score.status(), c.status);
  EXPECT_EQ(score.points_milli(), c.points_milli);
  EXPECT_EQ(score.applicable_max_milli(), c.applicable_max_milli);
  EXPECT_EQ(score.trace().reason(), c.reason);
}

constexpr char kBands[] =
    R"pb(bands {
           indicator: "rate"
           bands { comparator: GREATER threshold_milli: 90000 points_milli: 2000 }
           bands { comparator: AT_LEAST threshold_milli: 70000 points_milli: 1000 }
           otherwise_points_milli: 0
         })pb";
constexpr char kInverse[] =
    R"pb(inverse {
           indicator: "late"
           bands { comparator: AT_MOST threshold_milli: 1000 points_milli: 2000 }
           bands { comparator: AT_MOST threshold_milli: 3000 points_milli: 1000 }
         })pb";
constexpr char kTarget[] = R"pb(target { indicator: "rate" mode: ALL_OR_NOTHING })pb";
constexpr char kProportional[] = R"pb(target { indicator: "rate" mode: PROPORTIONAL })pb";
constexpr char kWaitTarget[] = R"pb(target { indicator: "wait" mode: PROPORTIONAL })pb";
constexpr char kStrict95[] = R"pb(targets {
                                    indicator: "rate"
                                    comparator: GREATER
                                    value_milli: 95000
                                    unit: PERCENT
                                  })pb";
constexpr char kAtLeast95[] = R"pb(targets {
                                     indicator: "rate"
                                     comparator: AT_LEAST
                                     value_milli: 95000
                                     unit: PERCENT
                                   })pb";
constexpr char kByLevel[] = R"pb(
  targets {
    indicator: "rate"
    comparator: AT_LEAST
    value_milli: 40000
    unit: PERCENT
    applies_to: [ CITY ]
  }
  targets {
    indicator: "rate"
    comparator: AT_LEAST
    value_milli: 30000
    unit: PERCENT
    applies_to: [ WARD, COMMUNE ]
  })pb";
constexpr char kWait30[] = R"pb(targets {
                                  indicator: "wait"
                                  comparator: AT_MOST
                                  value_milli: 30000
                                  unit: MINUTES
                                })pb";
constexpr char kDeadline[] = R"pb(deadline {
                                    due { year: 2023 month: 2 day: 10 }
                                    strictly_before: true
                                    on_time_points_milli: 1000
                                    late_points_milli: 500
                                    missing_points_milli: 0
                                  })pb";
constexpr char kPlanDeadline[] = R"pb(deadline {
                                        plan_deadline: "report_q1"
                                        on_time_points_milli: 1000
                                        late_points_milli: 0
                                      })pb";
constexpr char kQ1[] = R"pb(deadlines {
                              key: "report_q1"
                              due { year: 2023 month: 3 day: 14 }
                            })pb";
constexpr char kCount[] =
    R"pb(count { indicator: "items" points_per_item_milli: 250 cap_milli: 1000 })pb";
constexpr char kBonus[] =
    R"pb(adjustment { indicator: "items" points_per_item_milli: 500 cap_milli: 1000 })pb";
constexpr char kPenalty[] = R"pb(adjustment {
                                   indicator: "items"
                                   points_per_item_milli: -1000
                                   cap_milli: -3000
                                 })pb";
constexpr char kBoolean[] =
    R"pb(boolean { yes_points_milli: 2000 no_points_milli: -250 })pb";

INSTANTIATE_TEST_SUITE_P(
    Shapes, RuleShapeTest,
    ::testing::Values(
        // bands
        Case{"BandsTop", kBands, 2000,
             "figures { key: 'done' value: 46 } figures { key: 'total' value: 50 }", "-",
             v1::SCORED, 2000, 2000, "rate 46/50 = 92.00% > 90% → 2.00 of 2.00"},
        Case{"BandsExactly90IsNotAbove90", kBands, 2000,
             "figures { key: 'done' value: 45 } figures { key: 'total' value: 50 }", "-",
             v1::SCORED, 1000, 2000, "rate 45/50 = 90.00% ≥ 70% → 1.00 of 2.00"},
        Case{"BandsExactly70", kBands, 2000,
             "figures { key: 'done' value: 35 } figures { key: 'total' value: 50 }", "-",
             v1::SCORED, 1000, 2000, "rate 35/50 = 70.00% ≥ 70% → 1.00 of 2.00"},
        Case{"BandsOtherwise", kBands, 2000,
             "figures { key: 'done' value: 34 } figures { key: 'total' value: 50 }", "-",
             v1::SCORED, 0, 2000, "rate 34/50 = 68.00%, not ≥ 70% → 0.00 of 2.00"},
        // zero denominators and missing figures
        Case{"ZeroDenominatorDropped", kBands, 2000,
             "figures { key: 'done' value: 0 } figures { key: 'total' value: 0 }", "-",
             v1::NOT_APPLICABLE, 0, 0,
             "not applicable: total is 0 (dropped from the maximum)"},
        Case{"ZeroDenominatorFullMarks", kBands, 2000,
             "figures { key: 'done' value: 0 } figures { key: 'total' value: 0 }", "-",
             v1::NOT_APPLICABLE, 2000, 2000,
             "not applicable: total is 0 (full marks per the set) → 2.00 of 2.00",
             "not_applicable: FULL_MARKS"},
        Case{"MissingFigure", kBands, 2000, "figures { key: 'total' value: 50 }", "-",
             v1::NOT_REPORTED, 0, 2000, "not reported: done → 0.00 of 2.00"},
        Case{"NoEntry", kBands, 2000, "-", "-", v1::NOT_REPORTED, 0, 2000,
             "not reported: done → 0.00 of 2.00"},
        // inverse
        Case{"InverseBest", kInverse, 2000,
             "figures { key: 'late_open' value: 1 } figures { key: 'late_closed' value: "
             "3 } figures { key: 'due' value: 400 }",
             "-", v1::SCORED, 2000, 2000, "late 4/400 = 1.00% ≤ 1% → 2.00 of 2.00"},
        Case{"InverseHalf", kInverse, 2000,
             "figures { key: 'late_open' value: 2 } figures { key: 'late_closed' value: "
             "3 } figures { key: 'due' value: 400 }",
             "-", v1::SCORED, 1000, 2000, "late 5/400 = 1.25% ≤ 3% → 1.00 of 2.00"},
        Case{"InverseWorst", kInverse, 2000,
             "figures { key: 'late_open' value: 13 } figures { key: 'late_closed' value: "
             "0 } figures { key: 'due' value: 400 }",
             "-", v1::SCORED, 0, 2000, "late 13/400 = 3.25%, not ≤ 3% → 0.00 of 2.00"},
        // linear, with the complement definition of the portal
        Case{"LinearThird", "linear { indicator: 'rate' }", 1000,
             "figures { key: 'done' value: 1 } figures { key: 'total' value: 3 }", "-",
             v1::SCORED, 333, 1000, "rate 1/3 = 33.33% × 1.00 → 0.33 of 1.00"},
        Case{"LinearTwoThirds", "linear { indicator: 'rate' }", 1500,
             "figures { key: 'done' value: 2 } figures { key: 'total' value: 3 }", "-",
             v1::SCORED, 1000, 1500, "rate 2/3 = 66.67% × 1.50 → 1.00 of 1.50"},
        Case{"LinearComplement", "linear { indicator: 'on_time_portal' }", 2000,
             "figures { key: 'late_open' value: 5 } figures { key: 'late_closed' value: "
             "5 } figures { key: 'due' value: 200 }",
             "-", v1::SCORED, 1900, 2000,
             "on_time_portal 100% − 10/200 = 95.00% × 2.00 → 1.90 of 2.00"},
        // target: strict and inclusive edges, per level, proportional, inverse, none
        Case{"TargetStrictAbove", kTarget, 2000,
             "figures { key: 'done' value: 412 } figures { key: 'total' value: 430 }",
             kStrict95, v1::SCORED, 2000, 2000,
             "rate 412/430 = 95.81% > 95% (plan target for ward) → 2.00 of 2.00"},
        Case{"TargetStrictExactlyAtIsMissed", kTarget, 2000,
             "figures { key: 'done' value: 380 } figures { key: 'total' value: 400 }",
             kStrict95, v1::SCORED, 0, 2000,
             "rate 380/400 = 95.00%, not > 95% (plan target for ward) → 0.00 of 2.00"},
        Case{"TargetInclusiveExactlyAtIsMet", kTarget, 2000,
             "figures { key: 'done' value: 380 } figures { key: 'total' value: 400 }",
             kAtLeast95, v1::SCORED, 2000, 2000,
             "rate 380/400 = 95.00% ≥ 95% (plan target for ward) → 2.00 of 2.00"},
        Case{"TargetJustBelowInclusive", kTarget, 2000,
             "figures { key: 'done' value: 379 } figures { key: 'total' value: 400 }",
             kAtLeast95, v1::SCORED, 0, 2000,
             "rate 379/400 = 94.75%, not ≥ 95% (plan target for ward) → 0.00 of 2.00"},
        Case{"TargetWardLevel", kTarget, 2000,
             "figures { key: 'done' value: 35 } figures { key: 'total' value: 100 }",
             kByLevel, v1::SCORED, 2000, 2000,
             "rate 35/100 = 35.00% ≥ 30% (plan target for ward) → 2.00 of 2.00"},
        Case{"TargetCityLevel", kTarget, 2000,
             "figures { key: 'done' value: 35 } figures { key: 'total' value: 100 }",
             kByLevel, v1::SCORED, 0, 2000,
             "rate 35/100 = 35.00%, not ≥ 40% (plan target for city) → 0.00 of 2.00", "",
             v1::CITY},
        Case{"TargetNoneForKind", kTarget, 2000,
             "figures { key: 'done' value: 35 } figures { key: 'total' value: 100 }",
             kByLevel, v1::NOT_APPLICABLE, 0, 0,
             "not applicable: plan plan-1 sets no target for rate for township units", "",
             v1::TOWNSHIP},
        Case{"TargetNoPlan", kTarget, 2000, "-", "-", v1::NOT_APPLICABLE, 0, 0,
             "not applicable: no plan, so no target for rate"},
        Case{"TargetProportional", kProportional, 3000,
             "figures { key: 'done' value: 20 } figures { key: 'total' value: 100 }",
             kByLevel, v1::SCORED, 2000, 3000,
             "rate 20/100 = 20.00%, not ≥ 30% (plan target for ward); proportional to "
             "the target → 2.00 of 3.00"},
        Case{"TargetProportionalThird", kProportional, 1000,
             "figures { key: 'done' value: 10 } figures { key: 'total' value: 100 }",
             kByLevel, v1::SCORED, 333, 1000,
             "rate 10/100 = 10.00%, not ≥ 30% (plan target for ward); proportional to "
             "the target → 0.33 of 1.00"},
        Case{"TargetInverseMet", kWaitTarget, 3000,
             "figures { key: 'wait_minutes' value: 2800 } figures { key: 'visits' value: "
             "120 }",
             kWait30, v1::SCORED, 3000, 3000,
             "wait 2800/120 = 23.33 min ≤ 30 min (plan target for ward) → 3.00 of 3.00"},
        Case{"TargetInverseProportional", kWaitTarget, 3000,
             "figures { key: 'wait_minutes' value: 4000 } figures { key: 'visits' value: "
             "100 }",
             kWait30, v1::SCORED, 2250, 3000,
             "wait 4000/100 = 40.00 min, not ≤ 30 min (plan target for ward); "
             "proportional to the target → 2.25 of 3.00"},
        // boolean, with a deduction inside the criterion
        Case{"BooleanYes", kBoolean, 2000, "done: true", "-", v1::SCORED, 2000, 2000,
             "yes → 2.00 of 2.00"},
        Case{"BooleanNoDeducts", kBoolean, 2000, "done: false", "-", v1::SCORED, -250,
             2000, "no → -0.25 of 2.00"},
        Case{"BooleanMissing", kBoolean, 2000, "", "-", v1::NOT_REPORTED, 0, 2000,
             "not reported → 0.00 of 2.00"},
        // deadline: fixed and from the plan
        Case{"DeadlineOnTime", kDeadline, 1000, "issued { year: 2023 month: 2 day: 9 }",
             "-", v1::SCORED, 1000, 1000,
             "issued 2023-02-09, due before 2023-02-10: on time → 1.00 of 1.00"},
        Case{"DeadlineStrictDayIsLate", kDeadline, 1000,
             "issued { year: 2023 month: 2 day: 10 }", "-", v1::SCORED, 500, 1000,
             "issued 2023-02-10, due before 2023-02-10: late → 0.50 of 1.00"},
        Case{"DeadlineMissing", kDeadline, 1000, "-", "-", v1::NOT_REPORTED, 0, 1000,
             "not reported: no document date → 0.00 of 1.00"},
        Case{"DeadlineFromPlanOnTheDay", kPlanDeadline, 1000,
             "issued { year: 2023 month: 3 day: 14 }", kQ1, v1::SCORED, 1000, 1000,
             "issued 2023-03-14, due by 2023-03-14: on time → 1.00 of 1.00"},
        Case{"DeadlineNotInPlan", kPlanDeadline, 1000,
             "issued { year: 2023 month: 3 day: 14 }", "", v1::NOT_APPLICABLE, 0, 0,
             "not applicable: the plan sets no deadline report_q1"},
        // count with cap
        Case{"CountUnderCap", kCount, 1000, "figures { key: 'items' value: 3 }", "-",
             v1::SCORED, 750, 1000, "items 3 × 0.25 = 0.75 → 0.75 of 1.00"},
        Case{"CountCapped", kCount, 1000, "figures { key: 'items' value: 6 }", "-",
             v1::SCORED, 1000, 1000,
             "items 6 × 0.25 = 1.50, capped at 1.00 → 1.00 of 1.00"},
        // judgement
        Case{"Judgement", "judgement {}", 2000, "score_milli: 1500", "-", v1::SCORED,
             1500, 2000, "self score → 1.50 of 2.00"},
        Case{"JudgementMissing", "judgement {}", 2000, "", "-", v1::NOT_REPORTED, 0, 2000,
             "not reported → 0.00 of 2.00"},
        // survey
        Case{"Survey", "survey {}", 10000, "survey { a: 120 b: 40 c: 10 d: 2 }", "-",
             v1::SCORED, 8488, 10000,
             "survey A 120, B 40, C 10, D 2 (172 answers) = 84.88% of the maximum → 8.49 "
             "of 10.00"},
        Case{"SurveyCustomPercents", "survey { answer_percent: [100, 50, 25, 0] }", 1000,
             "survey { a: 1 b: 1 c: 1 d: 1 }", "-", v1::SCORED, 438, 1000,
             "survey A 1, B 1, C 1, D 1 (4 answers) = 43.75% of the maximum → 0.44 of "
             "1.00"},
        Case{"SurveyAggregatedPercent", "survey {}", 10000,
             "survey { percent_milli: 87350 }", "-", v1::SCORED, 8735, 10000,
             "survey result 87.35% of the maximum → 8.74 of 10.00"},
        Case{"SurveyAbsent", "survey {}", 10000, "-", "-", v1::NOT_APPLICABLE, 0, 0,
             "not applicable: no survey answers (dropped from the maximum)"},
        // bonus and penalty
        Case{"Bonus", kBonus, 0, "figures { key: 'items' value: 1 }", "-", v1::SCORED,
             500, 0, "items 1 × 0.50 = 0.50 → 0.50 bonus"},
        Case{"BonusCapped", kBonus, 0, "figures { key: 'items' value: 5 }", "-",
             v1::SCORED, 1000, 0, "items 5 × 0.50 = 2.50, capped at 1.00 → 1.00 bonus"},
        Case{"PenaltyNoneRecorded", kPenalty, 0, "-", "-", v1::SCORED, 0, 0,
             "none recorded → 0.00 penalty"},
        Case{"PenaltyCapped", kPenalty, 0, "figures { key: 'items' value: 4 }", "-",
             v1::SCORED, -3000, 0,
             "items 4 × -1.00 = -4.00, capped at -3.00 → -3.00 penalty"}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

// ---- totals, index, classification ----

constexpr char kTwoAreaSet[] = R"pb(
  id: "two"
  title: "two"
  version: 3
  total_milli: 10000
  survey_milli: 4000
  indicators { id: "items" numerator: "items" unit: COUNT }
  classification { label: "A" min_hundredths: 9000 }
  classification { label: "B" min_hundredths: 8000 below_hundredths: 9000 }
  classification { label: "C" min_hundredths: 0 below_hundredths: 8000 }
  areas {
    code: "I"
    title: "Judged"
    max_milli: 6000
    criteria {
      code: "I.1"
      title: "group"
      max_milli: 6000
      criteria {
        code: "I.1.1"
        title: "a"
        max_milli: 3000
        rule { judgement {} }
      }
      criteria {
        code: "I.1.2"
        title: "b"
        max_milli: 3000
        rule { judgement {} }
      }
    }
  }
  areas {
    code: "S"
    title: "Survey"
    max_milli: 4000
    criteria {
      code: "S.1"
      title: "survey"
      max_milli: 4000
      rule { survey {} }
    }
  }
  areas {
    code: "X"
    title: "Bonus"
    max_milli: 0
    criteria {
      code: "X.1"
      title: "bonus"
      max_milli: 0
      rule {
        adjustment { indicator: "items" points_per_item_milli: 500 cap_milli: 1000 }
      }
    }
  }
)pb";

v1::Assessment Judged(int64_t a, int64_t b, const std::string& survey = "") {
  return ParseText<v1::Assessment>(absl::StrCat(
      "entries { criterion: 'I.1.1' self { score_milli: ", a, " } }",
      "entries { criterion: 'I.1.2' self { score_milli: ", b, " } }",
      survey.empty() ? ""
                     : absl::StrCat("entries { criterion: 'S.1' self { survey { ", survey,
                                    " } } }")));
}

class TotalsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto set = CompiledCriteriaSet::Compile(ParseText<v1::CriteriaSet>(kTwoAreaSet));
    ASSERT_TRUE(set.ok()) << set.status();
    set_ = *set;
    unit_.set_code("U");
    unit_.set_kind(v1::WARD);
  }
  std::shared_ptr<const CompiledCriteriaSet> set_;
  v1::Unit unit_;
};

TEST_F(TotalsTest, SurveyAbsentRescalesTheRestTo100) {
  auto score = ScoreUnit(*set_, nullptr, unit_, Judged(3000, 2000), v1::SELF);
  ASSERT_TRUE(score.ok()) << score.status();
  EXPECT_EQ(score->achieved_milli(), 5000);
  EXPECT_EQ(score->applicable_max_milli(), 6000);
  EXPECT_EQ(score->index_hundredths(), 8333);  // 5 / 6 = 83.33
  EXPECT_EQ(score->classification(), "B");
  EXPECT_EQ(score->survey_milli(), 0);
  ASSERT_EQ(score->criteria_size(), 5);
  EXPECT_EQ(score->criteria(0).code(), "I.1");
  EXPECT_EQ(score->criteria(0).status(), v1::GROUP);
  EXPECT_EQ(score->criteria(0).points_milli(), 5000);
  EXPECT_EQ(score->criteria(0).trace().reason(), "sum of 2 sub-criteria → 5.00 of 6.00");
  EXPECT_EQ(score->areas(0).index_hundredths(), 8333);
  EXPECT_EQ(score->areas(1).applicable_max_milli(), 0);
}

TEST_F(TotalsTest, SurveyPresentIsAdded) {
  auto score =
      ScoreUnit(*set_, nullptr, unit_, Judged(3000, 2000, "a: 1 b: 1"), v1::SELF);
  ASSERT_TRUE(score.ok()) << score.status();
  EXPECT_EQ(score->survey_milli(), 3200);  // (100 + 60) / 2 = 80% of 4
  EXPECT_EQ(score->achieved_milli(), 8200);
  EXPECT_EQ(score->applicable_max_milli(), 10000);
  EXPECT_EQ(score->index_hundredths(), 8200);
  EXPECT_EQ(score->classification(), "B");
  EXPECT_EQ(score->criteria_set_version(), 3);
}

TEST_F(TotalsTest, BonusAddsWithoutRaisingTheMaximum) {
  v1::Assessment a = Judged(3000, 2400);
  *a.add_entries() =
      ParseText<v1::Entry>("criterion: 'X.1' self { figures { key: 'items' value: 2 } }");
  auto score = ScoreUnit(*set_, nullptr, unit_, a, v1::SELF);
  ASSERT_TRUE(score.ok()) << score.status();
  EXPECT_EQ(score->adjustment_milli(), 1000);
  EXPECT_EQ(score->achieved_milli(), 6400);
  EXPECT_EQ(score->applicable_max_milli(), 6000);
  EXPECT_EQ(score->index_hundredths(), 10667);
  EXPECT_EQ(score->classification(), "A");
}

TEST_F(TotalsTest, ClassificationEdgesAreInclusiveBelow) {
  // 5.4 / 6 = 90.00 exactly: class A; 5.399 / 6 = 89.98: class B.
  EXPECT_EQ(
      ScoreUnit(*set_, nullptr, unit_, Judged(3000, 2400), v1::SELF)->classification(),
      "A");
  EXPECT_EQ(
      ScoreUnit(*set_, nullptr, unit_, Judged(3000, 2399), v1::SELF)->index_hundredths(),
      8998);
  EXPECT_EQ(
      ScoreUnit(*set_, nullptr, unit_, Judged(3000, 2399), v1::SELF)->classification(),
      "B");
}

TEST_F(TotalsTest, IndexRoundsHalfUp) {
  // 1 / 6 = 16.666..% -> 16.67
  EXPECT_EQ(
      ScoreUnit(*set_, nullptr, unit_, Judged(1000, 0), v1::SELF)->index_hundredths(),
      1667);
}

TEST_F(TotalsTest, NothingApplicable) {
  v1::Assessment none;
  auto set = CompiledCriteriaSet::Compile(ParseText<v1::CriteriaSet>(R"pb(
    id: "s"
    total_milli: 1000
    survey_milli: 1000
    classification { label: "A" min_hundredths: 0 }
    areas {
      code: "S"
      title: "S"
      max_milli: 1000
      criteria {
        code: "S.1"
        title: "s"
        max_milli: 1000
        rule { survey {} }
      }
    })pb"));
  ASSERT_TRUE(set.ok()) << set.status();
  auto score = ScoreUnit(**set, nullptr, unit_, none, v1::SELF);
  ASSERT_TRUE(score.ok());
  EXPECT_FALSE(score->index_applicable());
  EXPECT_EQ(score->index_hundredths(), 0);
  EXPECT_EQ(score->classification(), "");
}

TEST_F(TotalsTest, AppraisedColumnReplacesSelfValues) {
  v1::Assessment a = Judged(3000, 2000);
  a.mutable_entries(1)->mutable_appraised()->set_score_milli(1000);
  auto self = ScoreUnit(*set_, nullptr, unit_, a, v1::SELF);
  auto appraised = ScoreUnit(*set_, nullptr, unit_, a, v1::APPRAISED);
  ASSERT_TRUE(self.ok() && appraised.ok());
  EXPECT_EQ(self->achieved_milli(), 5000);
  EXPECT_EQ(appraised->achieved_milli(), 4000);
  EXPECT_EQ(appraised->criteria(2).trace().reason(), "appraiser's score → 1.00 of 3.00");
  EXPECT_EQ(appraised->criteria(1).trace().reason(), "self score → 3.00 of 3.00");
}

TEST_F(TotalsTest, SameInputsGiveByteIdenticalOutput) {
  const v1::Assessment a = Judged(2500, 1750, "a: 3 b: 2 c: 1");
  std::string first, second;
  ASSERT_TRUE(ScoreUnit(*set_, nullptr, unit_, a, v1::SELF)->SerializeToString(&first));
  ASSERT_TRUE(ScoreUnit(*set_, nullptr, unit_, a, v1::SELF)->SerializeToString(&second));
  EXPECT_EQ(first, second);
}

// ---- bad figures: INVALID_ARGUMENT naming the field ----

struct BadCase {
  std::string name;
  std::string rule;
  std::string entries;  // text of Assessment entries
  std::string message;
  std::string path;
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class BadFiguresTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadFiguresTest, IsRejectedWithTheField) {
  const BadCase& c = GetParam();
  auto set = CompiledCriteriaSet::Compile(OneLeafSet(c.rule, 2000));
  ASSERT_TRUE(set.ok()) << set.status();
  v1::Unit unit;
  unit.set_kind(v1::WARD);
  auto score =
      ScoreUnit(**set, nullptr, unit, ParseText<v1::Assessment>(c.entries), v1::SELF);
  ASSERT_FALSE(score.ok());
  EXPECT_EQ(score.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(score.status().message()), c.message);
  EXPECT_EQ(ErrorPath(score.status()).value_or(""), c.path);
}

INSTANTIATE_TEST_SUITE_P(
    Figures, BadFiguresTest,
    ::testing::Values(
        BadCase{"NumeratorAboveDenominator", "linear { indicator: 'rate' }",
                "entries { criterion: 'A.1' self { figures { key: 'done' value: 431 } "
                "figures { key: 'total' value: 430 } } }",
                "entries[0].self.figures.done: 431 exceeds total (430)",
                "entries[0].self.figures.done"},
        BadCase{
            "SumAboveDenominator",
            "inverse { indicator: 'late' bands { comparator: AT_MOST threshold_milli: "
            "1000 points_milli: 2000 } }",
            "entries { criterion: 'A.1' self { figures { key: 'late_open' value: 3 } "
            "figures { key: 'late_closed' value: 3 } figures { key: 'due' value: 5 } } }",
            "entries[0].self.figures.late_open: numerator late_open + late_closed (6) "
            "exceeds denominator due (5)",
            "entries[0].self.figures.late_open"},
        BadCase{
            "NegativeCount", "linear { indicator: 'rate' }",
            "entries { criterion: 'A.1' self { figures { key: 'total' value: -3 } } }",
            "entries[0].self.figures.total: negative count (-3)",
            "entries[0].self.figures.total"},
        BadCase{"HugeCount", "linear { indicator: 'rate' }",
                "entries { criterion: 'A.1' self { figures { key: 'total' value: "
                "9000000000000000000 } } }",
                "entries[0].self.figures.total: count too large (9000000000000000000)",
                "entries[0].self.figures.total"},
        BadCase{"UnknownFigure", "linear { indicator: 'rate' }",
                "entries { criterion: 'A.1' self { figures { key: 'totl' value: 3 } } }",
                "entries[0].self.figures.totl: criterion A.1 reads no figure 'totl' (it "
                "reads done, total)",
                "entries[0].self.figures.totl"},
        BadCase{"FiguresOnBoolean", "boolean { yes_points_milli: 2000 }",
                "entries { criterion: 'A.1' self { figures { key: 'x' value: 3 } } }",
                "entries[0].self.figures.x: criterion A.1 reads no figures",
                "entries[0].self.figures.x"},
        BadCase{"DateOnBoolean", "boolean { yes_points_milli: 2000 }",
                "entries { criterion: 'A.1' self { issued { year: 2023 month: 1 day: 1 "
                "} } }",
                "entries[0].self.issued: criterion A.1 reads no date",
                "entries[0].self.issued"},
        BadCase{"YesNoOnJudgement", "judgement {}",
                "entries { criterion: 'A.1' self { done: true } }",
                "entries[0].self.done: criterion A.1 reads no yes/no",
                "entries[0].self.done"},
        BadCase{"ScoreOnBoolean", "boolean { yes_points_milli: 2000 }",
                "entries { criterion: 'A.1' self { score_milli: 1 } }",
                "entries[0].self.score: criterion A.1 reads no score",
                "entries[0].self.score"},
        BadCase{"SurveyOnJudgement", "judgement {}",
                "entries { criterion: 'A.1' self { survey { a: 1 } } }",
                "entries[0].self.survey: criterion A.1 reads no survey answers",
                "entries[0].self.survey"},
        // Checked even when the plan has no such deadline (the criterion does not count
        // today): a later plan must not make stored data unscorable.
        BadCase{"InvalidDateWithoutItsDeadline",
                "deadline { plan_deadline: 'nowhere' on_time_points_milli: 2000 }",
                "entries { criterion: 'A.1' self { issued { year: 2023 month: 13 day: 40 "
                "} } }",
                "entries[0].self.issued: not a valid date", "entries[0].self.issued"},
        BadCase{"JudgementAboveMax", "judgement {}",
                "entries { criterion: 'A.1' self { score_milli: 2500 } }",
                "entries[0].self.score: 2.5 is outside 0..2 for criterion A.1",
                "entries[0].self.score"},
        BadCase{"UnknownCriterion", "judgement {}",
                "entries { criterion: 'Z.9' self { score_milli: 1 } }",
                "entries[0].criterion: unknown criterion 'Z.9'", "entries[0].criterion"},
        BadCase{"GroupCriterion", "judgement {}",
                "entries { criterion: 'A' self { score_milli: 1 } }",
                "entries[0].criterion: unknown criterion 'A'", "entries[0].criterion"},
        BadCase{"RepeatedCriterion", "judgement {}",
                "entries { criterion: 'A.1' self { score_milli: 1 } } entries { "
                "criterion: 'A.1' self { score_milli: 2 } }",
                "entries[1].criterion: A.1 also given in entries[0]",
                "entries[1].criterion"},
        BadCase{"NegativeSurvey", "survey {}",
                "entries { criterion: 'A.1' self { survey { a: 1 c: -2 } } }",
                "entries[0].self.survey.c: answer count out of range (-2)",
                "entries[0].self.survey.c"},
        BadCase{"SurveyPercentAbove100", "survey {}",
                "entries { criterion: 'A.1' self { survey { percent_milli: 100001 } } }",
                "entries[0].self.survey.percent: 100.001 is outside 0..100",
                "entries[0].self.survey.percent"},
        BadCase{
            "BadDate",
            "deadline { due { year: 2023 month: 2 day: 10 } on_time_points_milli: 1000 }",
            "entries { criterion: 'A.1' self { issued { year: 2023 month: 2 day: 30 } } "
            "}",
            "entries[0].self.issued: not a valid date", "entries[0].self.issued"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return info.param.name; });

TEST(BadFigures, AppraisedValuesAreNamedAsSuch) {
  auto set =
      CompiledCriteriaSet::Compile(OneLeafSet("linear { indicator: 'rate' }", 2000));
  ASSERT_TRUE(set.ok());
  v1::Unit unit;
  auto a = ParseText<v1::Assessment>(
      "entries { criterion: 'A.1' self { figures { key: 'done' value: 1 } figures { key: "
      "'total' value: 2 } }"
      " appraised { figures { key: 'done' value: 3 } figures { key: 'total' value: 2 } } "
      "}");
  EXPECT_TRUE(ScoreUnit(**set, nullptr, unit, a, v1::SELF).ok());
  auto score = ScoreUnit(**set, nullptr, unit, a, v1::APPRAISED);
  EXPECT_EQ(std::string(score.status().message()),
            "entries[0].appraised.figures.done: 3 exceeds total (2)");
}

TEST(BadFigures, TargetInAnotherUnitIsRefused) {
  auto set =
      CompiledCriteriaSet::Compile(OneLeafSet("target { indicator: 'rate' }", 2000));
  auto plan = CompiledPlan::Compile(
      ParseText<v1::Plan>("id: 'p' targets { indicator: 'rate' comparator: AT_MOST "
                          "value_milli: 30000 unit: MINUTES }"));
  ASSERT_TRUE(set.ok() && plan.ok());
  v1::Unit unit;
  auto a = ParseText<v1::Assessment>(
      "entries { criterion: 'A.1' self { figures { key: 'done' value: 1 } figures { key: "
      "'total' value: 2 } } }");
  auto score = ScoreUnit(**set, plan->get(), unit, a, v1::SELF);
  EXPECT_EQ(
      std::string(score.status().message()),
      "plan p: the target for rate is in minutes but criterion A.1 reads it in percent");
}

}  // namespace
}  // namespace parindex::engine
