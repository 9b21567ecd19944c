// Helpers for engine tests: sets and plans written as protobuf text.
#ifndef PARINDEX_TESTS_ENGINE_TEST_UTIL_H_
#define PARINDEX_TESTS_ENGINE_TEST_UTIL_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "parindex/v1/assessment.pb.h"
#include "parindex/v1/criteria.pb.h"
#include "parindex/v1/plan.pb.h"

namespace parindex::testing {

template <typename Message>
Message ParseText(const std::string& text) {
  Message message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

// Indicators every test set defines.
inline constexpr char kIndicators[] = R"pb(
  indicators { id: "rate" numerator: "done" denominator: "total" unit: PERCENT }
  indicators {
    id: "late"
    numerator: [ "late_open", "late_closed" ]
    denominator: "due"
    unit: PERCENT
  }
  indicators {
    id: "on_time_portal"
    numerator: [ "late_open", "late_closed" ]
    denominator: "due"
    unit: PERCENT
    complement: true
  }
  indicators { id: "wait" numerator: "wait_minutes" denominator: "visits" unit: MINUTES }
  indicators { id: "items" numerator: "items" unit: COUNT }
)pb";

// A set with one area "A" holding one leaf "A.1" of `max_milli` with `rule` (text of a
// Rule message) and `extra` criterion fields.
inline v1::CriteriaSet OneLeafSet(const std::string& rule, int64_t max_milli,
                                  const std::string& extra = "") {
  const bool adjustment = rule.find("adjustment") != std::string::npos;
  const int64_t area_max = adjustment ? 1000 : max_milli;
  std::string other = adjustment ? R"pb(criteria {
                                          code: "A.0"
                                          title: "filler"
                                          max_milli: 1000
                                          rule { boolean { yes_points_milli: 1000 } }
                                        })pb"
                                 : "";
  const bool survey = rule.find("survey") != std::string::npos;
  return ParseText<v1::CriteriaSet>(absl::StrCat(
      "id: 'test' title: 'test' version: 1 total_milli: ", area_max,
      " survey_milli: ", survey ? max_milli : 0, kIndicators,
      "areas { code: 'A' title: 'Area A' max_milli: ", area_max, " ", other,
      " criteria { code: 'A.1' title: 'Leaf' max_milli: ", adjustment ? 0 : max_milli,
      " rule { ", rule, " } ", extra, " } }"));
}

}  // namespace parindex::testing

#endif  // PARINDEX_TESTS_ENGINE_TEST_UTIL_H_
