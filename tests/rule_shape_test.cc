// Rule shapes: every oneof field of v1::Rule has one registered shape named as the
// field, whose reading spec names fields of its message, and whose one-line text is
// what `parindex criteria show` printed before shapes had a home. A new shape is a file
// under engine/shapes/, a row in AllShapes() and a row in kShapes below.
#include "engine/rule_shape.h"

#include <algorithm>
#include <set>
#include <string>

#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "parindex/v1/common.pb.h"
#include "tests/engine_test_util.h"

namespace parindex::engine {
namespace {

using google::protobuf::FieldDescriptor;
using testing::ParseText;
using Share = RuleShape::Share;
using OwnValue = RuleShape::OwnValue;

struct ShapeRow {
  v1::Rule::ShapeCase shape_case;
  const char* name;  // the oneof field of v1::Rule
  Share share;
  OwnValue own_value;
  const char* rule;      // a sample v1::Rule, as protobuf text
  const char* describe;  // what `parindex criteria show` printed for it
};

void PrintTo(const ShapeRow& row, std::ostream* os) { *os << row.name; }

const ShapeRow kShapes[] = {
    {v1::Rule::kBands, "bands", Share::kScale, OwnValue::kNone,
     R"pb(bands {
            indicator: "task_completion_rate"
            bands { comparator: GREATER threshold_milli: 90000 points_milli: 2000 }
          })pb",
     "bands task_completion_rate"},
    {v1::Rule::kInverse, "inverse", Share::kScale, OwnValue::kNone,
     R"pb(inverse {
            indicator: "late_rate"
            bands { comparator: AT_MOST threshold_milli: 1000 points_milli: 1000 }
          })pb",
     "inverse late_rate"},
    {v1::Rule::kLinear, "linear", Share::kScale, OwnValue::kNone,
     R"pb(linear { indicator: "apology_rate" })pb", "linear apology_rate"},
    {v1::Rule::kTarget, "target", Share::kScale, OwnValue::kNone,
     R"pb(target { indicator: "on_time_rate" })pb", "target on_time_rate"},
    {v1::Rule::kBoolean, "boolean", Share::kScale, OwnValue::kDone,
     R"pb(boolean { yes_points_milli: 1000 element: "regulation" })pb", "yes/no"},
    {v1::Rule::kDeadline, "deadline", Share::kScale, OwnValue::kIssued,
     R"pb(deadline {
            plan_deadline: "report_q1"
            strictly_before: true
            on_time_points_milli: 500
            late_points_milli: 250
          })pb",
     "deadline plan:report_q1"},
    {v1::Rule::kCount, "count", Share::kScale, OwnValue::kNone,
     R"pb(count {
            indicator: "articles_published"
            points_per_item_milli: 250
            cap_milli: 1000
          })pb",
     "count articles_published × 0.25"},
    {v1::Rule::kJudgement, "judgement", Share::kScale, OwnValue::kScore,
     R"pb(judgement {})pb", "judgement"},
    {v1::Rule::kSurvey, "survey", Share::kSurvey, OwnValue::kSurvey,
     R"pb(survey { answer_percent: [ 100, 50, 20, 0 ] })pb", "survey"},
    {v1::Rule::kAdjustment, "adjustment", Share::kAdjustment, OwnValue::kNone,
     R"pb(adjustment {
            indicator: "violations"
            points_per_item_milli: -1000
            cap_milli: -3000
          })pb",
     "penalty violations × -1, cap -3"},
};

class ShapeHomeTest : public ::testing::TestWithParam<ShapeRow> {};

TEST_P(ShapeHomeTest, IsRegisteredUnderItsOneofField) {
  const ShapeRow& row = GetParam();
  const FieldDescriptor* field =
      v1::Rule::descriptor()->FindFieldByNumber(row.shape_case);
  ASSERT_NE(field, nullptr);
  EXPECT_EQ(field->name(), row.name);
  const RuleShape* shape = FindShape(row.shape_case);
  ASSERT_NE(shape, nullptr);
  EXPECT_EQ(&ShapeOf(row.shape_case), shape);
  EXPECT_EQ(shape->shape_case(), row.shape_case);
  EXPECT_EQ(shape->name(), row.name);
  EXPECT_EQ(ShapeNamed(row.name), shape);
  EXPECT_EQ(shape->share(), row.share);
  EXPECT_EQ(shape->own_value(), row.own_value);
}

TEST_P(ShapeHomeTest, DescribesItsRuleAsCriteriaShowDid) {
  const ShapeRow& row = GetParam();
  const v1::Rule rule = ParseText<v1::Rule>(row.rule);
  ASSERT_EQ(rule.shape_case(), row.shape_case);
  EXPECT_EQ(ShapeOf(row.shape_case).Describe(rule), row.describe);
}

// The reader fills fields by name through reflection: each key must name a field of
// the shape's message, of the type its kind reads, with a default its kind allows.
TEST_P(ShapeHomeTest, ReadingSpecNamesFieldsOfItsMessage) {
  using Kind = ShapeKey::Kind;
  using Absent = ShapeKey::Absent;
  const RuleShape& shape = ShapeOf(GetParam().shape_case);
  const google::protobuf::Descriptor* message =
      v1::Rule::descriptor()->FindFieldByNumber(GetParam().shape_case)->message_type();
  ASSERT_NE(message, nullptr);
  std::set<std::string> keys;
  std::set<std::string> fields;
  for (const ShapeKey& key : shape.keys()) {
    SCOPED_TRACE(key.key);
    EXPECT_TRUE(keys.insert(key.key).second) << "key read twice";
    EXPECT_TRUE(fields.insert(key.field).second) << "field filled twice";
    const FieldDescriptor* field = message->FindFieldByName(key.field);
    ASSERT_NE(field, nullptr) << message->full_name() << " has no field " << key.field;
    const bool list = key.kind == Kind::kBands || key.kind == Kind::kPercents;
    EXPECT_EQ(field->is_repeated(), list);
    switch (key.kind) {
      case Kind::kIndicator:
      case Kind::kElement:
      case Kind::kName:
        EXPECT_EQ(field->cpp_type(), FieldDescriptor::CPPTYPE_STRING);
        break;
      case Kind::kMilli:
        EXPECT_EQ(field->cpp_type(), FieldDescriptor::CPPTYPE_INT64);
        break;
      case Kind::kBands:
        EXPECT_EQ(field->message_type(), v1::Band::descriptor());
        break;
      case Kind::kEnum:
        ASSERT_EQ(field->cpp_type(), FieldDescriptor::CPPTYPE_ENUM);
        EXPECT_FALSE(key.words.empty());
        for (const KeyWord& word : key.words) {
          EXPECT_NE(field->enum_type()->FindValueByNumber(word.value), nullptr)
              << word.word;
        }
        break;
      case Kind::kDate:
        EXPECT_EQ(field->message_type(), v1::Date::descriptor());
        break;
      case Kind::kBool:
        EXPECT_EQ(field->cpp_type(), FieldDescriptor::CPPTYPE_BOOL);
        break;
      case Kind::kPercents:
        EXPECT_EQ(field->cpp_type(), FieldDescriptor::CPPTYPE_INT32);
        break;
    }
    if (key.absent == Absent::kMax) {
      EXPECT_EQ(key.kind, Kind::kMilli);
    }
    if (key.absent == Absent::kFirstWord) {
      EXPECT_EQ(key.kind, Kind::kEnum);
    }
    if (key.absent == Absent::kRequired) {
      EXPECT_FALSE(list || key.kind == Kind::kBool) << "the reader cannot require it";
    }
    if (key.kind != Kind::kEnum) {
      EXPECT_TRUE(key.words.empty());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, ShapeHomeTest, ::testing::ValuesIn(kShapes),
                         [](const ::testing::TestParamInfo<ShapeRow>& info) {
                           return info.param.name;
                         });

// A shape without a home fails here: walk the oneof, not the list of shapes.
TEST(RuleShapes, EveryOneofFieldHasAShapeAndARow) {
  const google::protobuf::OneofDescriptor* oneof =
      v1::Rule::descriptor()->FindOneofByName("shape");
  ASSERT_NE(oneof, nullptr);
  EXPECT_EQ(static_cast<int>(AllShapes().size()), oneof->field_count());
  for (int i = 0; i < oneof->field_count(); ++i) {
    const FieldDescriptor* field = oneof->field(i);
    const auto shape_case = static_cast<v1::Rule::ShapeCase>(field->number());
    const RuleShape* shape = FindShape(shape_case);
    ASSERT_NE(shape, nullptr) << "Rule." << field->name()
                              << " has no RuleShape: add engine/shapes/" << field->name()
                              << ".cc and its row in AllShapes()";
    EXPECT_EQ(shape->name(), field->name());
    EXPECT_TRUE(
        std::any_of(std::begin(kShapes), std::end(kShapes),
                    [&](const ShapeRow& row) { return row.shape_case == shape_case; }))
        << "add a row for " << field->name() << " to kShapes";
  }
  EXPECT_EQ(FindShape(v1::Rule::SHAPE_NOT_SET), nullptr);
  EXPECT_EQ(ShapeNamed("jugdement"), nullptr);
}

// The other texts of `criteria show`, as it printed them before.
TEST(RuleShapes, DescribesEachVariant) {
  struct Variant {
    const char* rule;
    const char* describe;
  };
  const Variant kVariants[] = {
      {R"pb(target { indicator: "on_time_rate" mode: PROPORTIONAL })pb",
       "target on_time_rate (proportional)"},
      {R"pb(target { indicator: "on_time_rate" mode: ALL_OR_NOTHING })pb",
       "target on_time_rate"},
      {R"pb(deadline {
              due { year: 2023 month: 2 day: 10 }
              on_time_points_milli: 1000
            })pb",
       "deadline 10/02/2023"},
      {R"pb(boolean { yes_points_milli: 1000 })pb", "yes/no"},
      {R"pb(adjustment {
              indicator: "initiatives"
              points_per_item_milli: 500
              cap_milli: 1000
            })pb",
       "bonus initiatives × 0.5, cap 1"},
      {R"pb(count { indicator: "dialogues_held" points_per_item_milli: 500 })pb",
       "count dialogues_held × 0.5"},
  };
  for (const Variant& variant : kVariants) {
    const v1::Rule rule = ParseText<v1::Rule>(variant.rule);
    EXPECT_EQ(ShapeOf(rule.shape_case()).Describe(rule), variant.describe);
  }
}

}  // namespace
}  // namespace parindex::engine
