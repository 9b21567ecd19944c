// The gateway's JSON cache: the same bytes give the same JSON, printed once; other bytes
// (the score changed) give their own; small answers are printed every time.
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "parindex/v1/service.pb.h"
#include "server/gateway.h"

namespace parindex::server {
namespace {

const google::protobuf::MethodDescriptor* GetUnitScore() {
  v1::GetUnitScoreRequest::descriptor();  // service.proto is registered
  return google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
      "parindex.v1.ScoreService.GetUnitScore");
}

std::string Json(const v1::UnitScore& score) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(score, &json, options).ok());
  return json + "\n";
}

TEST(JsonCache, AnswersTheJsonOfExactlyTheseBytes) {
  v1::UnitScore score;
  score.set_unit("PLS");
  for (int i = 0; i < 200; ++i) {
    v1::CriterionScore* c = score.add_criteria();
    c->set_code(absl::StrCat("I.", i));
    c->set_points_milli(i * 10);
    c->mutable_trace()->set_reason("on_time_rate 412/430 = 95.81% > 95% → 2.00 of 2.00");
  }
  const std::string bytes = score.SerializeAsString();
  ASSERT_GE(bytes.size(), JsonCache::kMinBytes);
  JsonCache cache;
  EXPECT_EQ(*cache.Get(GetUnitScore(), bytes), Json(score));
  EXPECT_EQ(*cache.Get(GetUnitScore(), bytes), Json(score));  // from the cache
  score.mutable_criteria(7)->set_points_milli(1);
  EXPECT_EQ(*cache.Get(GetUnitScore(), score.SerializeAsString()), Json(score));
  v1::UnitScore small;
  small.set_unit("PLS");
  EXPECT_EQ(*cache.Get(GetUnitScore(), small.SerializeAsString()), Json(small));
  // Bytes that are no UnitScore: an error, not an empty answer.
  EXPECT_EQ(cache.Get(GetUnitScore(), "\xff\xff\xff").status().message(),
            "the answer is not a parindex.v1.UnitScore");
}

}  // namespace
}  // namespace parindex::server
