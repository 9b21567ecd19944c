// CompiledCriteriaSet and CompiledPlan validation: each error with its exact message.
#include "engine/criteria_set.h"

#include <string>

#include "engine/errors.h"
#include "engine/plan.h"
#include "gtest/gtest.h"
#include "tests/engine_test_util.h"

namespace parindex::engine {
namespace {

using testing::OneLeafSet;
using testing::ParseText;

struct InvalidSet {
  std::string name;
  std::string set;  // text of a CriteriaSet
  std::string message;
  std::string path;
};

void PrintTo(const InvalidSet& c, std::ostream* os) { *os << c.name; }

class InvalidSetTest : public ::testing::TestWithParam<InvalidSet> {};

TEST_P(InvalidSetTest, IsRejected) {
  const InvalidSet& c = GetParam();
  auto set = CompiledCriteriaSet::Compile(ParseText<v1::CriteriaSet>(c.set));
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(set.status().message()), c.message);
  EXPECT_EQ(ErrorPath(set.status()).value_or(""), c.path);
}

#define HEAD                                                                           \
  "id: 's' total_milli: 2000 indicators { id: 'rate' numerator: 'a' denominator: 'b' " \
  "unit: PERCENT } "
#define LEAF(code, max) \
  "criteria { code: '" code "' title: 't' max_milli: " #max " rule { judgement {} } }"

INSTANTIATE_TEST_SUITE_P(
    Sets, InvalidSetTest,
    ::testing::Values(
        InvalidSet{"MissingId", "total_milli: 1000", "criteria set: id is required",
                   "id"},
        InvalidSet{"DuplicateCode",
                   HEAD "areas { code: 'I' title: 'I' max_milli: 2000 " LEAF("I.1", 1000)
                       LEAF("I.1", 1000) " }",
                   "criterion I.1: code used twice", "areas[0].criteria[1]"},
        InvalidSet{"NonPositiveMax",
                   HEAD "areas { code: 'I' title: 'I' max_milli: 2000 " LEAF("I.1", 2000)
                       LEAF("I.2", 0) " }",
                   "criterion I.2: max must be positive", "areas[0].criteria[1]"},
        InvalidSet{"AreaDoesNotAddUp",
                   HEAD
                   "areas { code: 'I' title: 'I' max_milli: 2000 " LEAF("I.1", 1500) " }",
                   "area I: max 2 but its criteria add up to 1.5", "areas[0]"},
        InvalidSet{"TotalDoesNotAddUp",
                   HEAD
                   "areas { code: 'I' title: 'I' max_milli: 1500 " LEAF("I.1", 1500) " }",
                   "criteria set: total 2 but the areas add up to 1.5", "total_milli"},
        InvalidSet{"GroupDoesNotAddUp",
                   HEAD "areas { code: 'I' title: 'I' max_milli: 2000 criteria { code: "
                        "'I.1' title: 'g' max_milli: 2000 " LEAF("I.1.1", 1000)
                            LEAF("I.1.2", 500) " } }",
                   "criterion I.1: max 2 but its sub-criteria add up to 1.5",
                   "areas[0].criteria[0]"},
        InvalidSet{"LeafWithoutRule",
                   HEAD "areas { code: 'I' title: 'I' max_milli: 2000 criteria { code: "
                        "'I.1' title: 't' max_milli: 2000 } }",
                   "criterion I.1: rule is required (a leaf needs a scoring rule)",
                   "areas[0].criteria[0]"},
        InvalidSet{"UnknownIndicator",
                   HEAD "areas { code: 'I' title: 'I' max_milli: 2000 criteria { code: "
                        "'I.1' title: 't' max_milli: 2000 "
                        "rule { linear { indicator: 'ratee' } } } }",
                   "criterion I.1: rule.linear.indicator: 'ratee' is not an indicator of "
                   "this set",
                   "areas[0].criteria[0].rule.linear"},
        InvalidSet{"OverlappingBands",
                   HEAD "areas { code: 'I' title: 'I' max_milli: 2000 criteria { code: "
                        "'I.1' title: 't' max_milli: 2000 "
                        "rule { bands { indicator: 'rate' bands { comparator: GREATER "
                        "threshold_milli: 90000 points_milli: 2000 } "
                        "bands { comparator: AT_LEAST threshold_milli: 90000 "
                        "points_milli: 1000 } } } } }",
                   "criterion I.1: bands[1].threshold: overlaps bands[0] at 90",
                   "areas[0].criteria[0].rule.bands.bands[1]"},
        InvalidSet{"UnorderedBands",
                   HEAD "areas { code: 'I' title: 'I' max_milli: 2000 criteria { code: "
                        "'I.1' title: 't' max_milli: 2000 "
                        "rule { bands { indicator: 'rate' bands { comparator: AT_LEAST "
                        "threshold_milli: 70000 points_milli: 1000 } "
                        "bands { comparator: GREATER threshold_milli: 90000 "
                        "points_milli: 2000 } } } } }",
                   "criterion I.1: bands[1].threshold: bands must be listed best first "
                   "with decreasing thresholds (90 after 70)",
                   "areas[0].criteria[0].rule.bands.bands[1]"},
        InvalidSet{"BandAboveMax",
                   HEAD "areas { code: 'I' title: 'I' max_milli: 2000 criteria { code: "
                        "'I.1' title: 't' max_milli: 2000 "
                        "rule { bands { indicator: 'rate' bands { comparator: AT_LEAST "
                        "threshold_milli: 70000 points_milli: 3000 } } } } }",
                   "criterion I.1: bands[0].points: 3 exceeds the maximum 2",
                   "areas[0].criteria[0].rule.bands.bands[0]"},
        InvalidSet{"InverseWithWrongComparator",
                   HEAD "areas { code: 'I' title: 'I' max_milli: 2000 criteria { code: "
                        "'I.1' title: 't' max_milli: 2000 "
                        "rule { inverse { indicator: 'rate' bands { comparator: AT_LEAST "
                        "threshold_milli: 1000 points_milli: 2000 } } } } }",
                   "criterion I.1: bands[0].comparator: inverse bands take <= or <",
                   "areas[0].criteria[0].rule.inverse.bands[0]"},
        InvalidSet{"CountOverRatio",
                   HEAD "areas { code: 'I' title: 'I' max_milli: 2000 criteria { code: "
                        "'I.1' title: 't' max_milli: 2000 "
                        "rule { count { indicator: 'rate' points_per_item_milli: 250 "
                        "cap_milli: 1000 } } } }",
                   "criterion I.1: rule.count.indicator: must count items (an indicator "
                   "with no denominator)",
                   "areas[0].criteria[0].rule.count"},
        InvalidSet{
            "BooleanAboveMax",
            HEAD "areas { code: 'I' title: 'I' max_milli: 2000 criteria { code: 'I.1' "
                 "title: 't' max_milli: 2000 "
                 "rule { boolean { yes_points_milli: 2500 } } } }",
            "criterion I.1: rule.boolean.yes: must be above 0 and at most the maximum 2",
            "areas[0].criteria[0].rule.boolean"},
        InvalidSet{
            "SurveyShareMismatch",
            "id: 's' total_milli: 2000 survey_milli: 500 areas { code: 'I' title: 'I' "
            "max_milli: 2000 "
            "criteria { code: 'I.1' title: 't' max_milli: 2000 rule { survey {} } } }",
            "criteria set: survey share 0.5 but the survey criteria add up to 2",
            "survey_milli"},
        InvalidSet{
            "ClassificationGap",
            HEAD "areas { code: 'I' title: 'I' max_milli: 2000 " LEAF(
                "I.1", 2000) " }"
                             "classification { label: 'A' min_hundredths: 9000 }"
                             "classification { label: 'B' min_hundredths: 8000 "
                             "below_hundredths: 8500 }"
                             "classification { label: 'C' min_hundredths: 0 "
                             "below_hundredths: 8000 }",
            "classification B: indices from 85.00 to 90.00 have no class (gap below A)",
            "classification[1]"},
        InvalidSet{"ClassificationNoFloor",
                   HEAD "areas { code: 'I' title: 'I' max_milli: 2000 " LEAF(
                       "I.1", 2000) " }"
                                    "classification { label: 'A' min_hundredths: 9000 }"
                                    "classification { label: 'B' min_hundredths: 7000 "
                                    "below_hundredths: 9000 }",
                   "classification B: indices below 70.00 have no class (the lowest band "
                   "must start at 0)",
                   "classification[1]"},
        InvalidSet{
            "DuplicateIndicator",
            "id: 's' total_milli: 1000 indicators { id: 'x' numerator: 'a' unit: COUNT } "
            "indicators { id: 'x' numerator: 'b' unit: COUNT }",
            "indicator x: defined twice", "indicators[1]"},
        InvalidSet{"PercentWithoutDenominator",
                   "id: 's' total_milli: 1000 indicators { id: 'x' numerator: 'a' unit: "
                   "PERCENT }",
                   "indicator x: a percent needs a denominator", "indicators[0]"},
        InvalidSet{
            "AdjustmentWithMax",
            HEAD "indicators { id: 'n' numerator: 'n' unit: COUNT } areas { code: 'I' "
                 "title: 'I' max_milli: 2000 " LEAF(
                     "I.1", 2000) " criteria { code: 'I.2' title: 't' max_milli: 1000 "
                                  "rule { adjustment { indicator: 'n' "
                                  "points_per_item_milli: -1000 cap_milli: -3000 } } } }",
            "criterion I.2: max must be 0 for a bonus or penalty; its cap goes in the "
            "rule",
            "areas[0].criteria[1]"},
        InvalidSet{
            "PenaltyWithPositiveCap",
            HEAD "indicators { id: 'n' numerator: 'n' unit: COUNT } areas { code: 'I' "
                 "title: 'I' max_milli: 2000 " LEAF(
                     "I.1", 2000) " criteria { code: 'I.2' title: 't' max_milli: 0 "
                                  "rule { adjustment { indicator: 'n' "
                                  "points_per_item_milli: -1000 cap_milli: 3000 } } } }",
            "criterion I.2: rule.adjustment.cap: per item and cap must be non-zero with "
            "the same sign "
            "(positive for a bonus, negative for a penalty)",
            "areas[0].criteria[1].rule.adjustment"}),
    [](const ::testing::TestParamInfo<InvalidSet>& info) { return info.param.name; });

TEST(CompiledCriteriaSet, IndexesNodesInPreOrder) {
  auto set = CompiledCriteriaSet::Compile(ParseText<v1::CriteriaSet>(
      HEAD
      "areas { code: 'I' title: 'I' max_milli: 2000 criteria { code: 'I.1' title: 'g' "
      "max_milli: 2000 " LEAF("I.1.1", 1500) LEAF("I.1.2", 500) " } }"));
  ASSERT_TRUE(set.ok()) << set.status();
  const auto& nodes = (*set)->nodes();
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[0].criterion->code(), "I.1");
  EXPECT_EQ(nodes[0].children, (std::vector<int>{1, 2}));
  EXPECT_EQ(nodes[2].parent, 0);
  EXPECT_EQ(nodes[2].depth, 1);
  EXPECT_EQ((*set)->FindNode("I.1.2"), 2);
  EXPECT_EQ((*set)->FindNode("I.9"), -1);
  EXPECT_EQ((*set)->leaf_count(), 2);
}

struct InvalidPlan {
  std::string name;
  std::string plan;
  std::string message;
};

void PrintTo(const InvalidPlan& c, std::ostream* os) { *os << c.name; }

class InvalidPlanTest : public ::testing::TestWithParam<InvalidPlan> {};

TEST_P(InvalidPlanTest, IsRejected) {
  auto plan = CompiledPlan::Compile(ParseText<v1::Plan>(GetParam().plan));
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(plan.status().message()), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Plans, InvalidPlanTest,
    ::testing::Values(
        InvalidPlan{"MissingId", "year: 2023", "plan: id is required"},
        InvalidPlan{"NoComparator",
                    "id: 'p' targets { indicator: 'x' value_milli: 1 unit: PERCENT }",
                    "targets[0] (x).comparator: is required"},
        InvalidPlan{"PercentAbove100",
                    "id: 'p' targets { indicator: 'x' comparator: AT_LEAST value_milli: "
                    "100001 unit: PERCENT }",
                    "targets[0] (x).value: out of range"},
        InvalidPlan{"OverlappingKinds",
                    "id: 'p' targets { indicator: 'x' comparator: AT_LEAST value_milli: "
                    "1 unit: PERCENT applies_to: [WARD, COMMUNE] }"
                    " targets { indicator: 'x' comparator: AT_LEAST value_milli: 2 unit: "
                    "PERCENT applies_to: [COMMUNE] }",
                    "targets[1] (x).applies_to: another target of x already applies to "
                    "the same kind of unit"},
        InvalidPlan{"TwoForEveryone",
                    "id: 'p' targets { indicator: 'x' comparator: AT_LEAST value_milli: "
                    "1 unit: PERCENT }"
                    " targets { indicator: 'x' comparator: AT_LEAST value_milli: 2 unit: "
                    "PERCENT applies_to: [CITY] }",
                    "targets[1] (x).applies_to: another target of x already applies to "
                    "the same kind of unit"},
        InvalidPlan{"BadDeadline",
                    "id: 'p' deadlines { key: 'k' due { year: 2023 month: 2 day: 29 } }",
                    "deadlines[0] (k).due: not a valid date"},
        InvalidPlan{"DuplicateDeadline",
                    "id: 'p' deadlines { key: 'k' due { year: 2023 month: 2 day: 28 } }"
                    " deadlines { key: 'k' due { year: 2023 month: 3 day: 1 } }",
                    "deadlines[1].key: 'k' used twice"}),
    [](const ::testing::TestParamInfo<InvalidPlan>& info) { return info.param.name; });

TEST(CompiledPlan, FindsTheTargetForTheUnitKind) {
  auto plan = CompiledPlan::Compile(
      ParseText<v1::Plan>("id: 'p' targets { indicator: 'x' comparator: AT_LEAST "
                          "value_milli: 40000 unit: PERCENT applies_to: [CITY] }"
                          " targets { indicator: 'x' comparator: AT_LEAST value_milli: "
                          "30000 unit: PERCENT applies_to: [WARD, COMMUNE] }"));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ((*plan)->FindTarget("x", v1::CITY)->value_milli(), 40000);
  EXPECT_EQ((*plan)->FindTarget("x", v1::WARD)->value_milli(), 30000);
  EXPECT_EQ((*plan)->FindTarget("x", v1::COMMUNE)->value_milli(), 30000);
  EXPECT_EQ((*plan)->FindTarget("x", v1::TOWNSHIP), nullptr);
  EXPECT_EQ((*plan)->FindTarget("y", v1::WARD), nullptr);
}

}  // namespace
}  // namespace parindex::engine
