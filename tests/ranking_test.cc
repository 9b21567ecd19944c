// Ranking within blocks.
#include "engine/ranking.h"

#include "gtest/gtest.h"

namespace parindex::engine {
namespace {

TEST(RankInBlocks, TiesShareARankAndTheNextSkips) {
  const std::vector<RankKey> keys = {
      {"ward", 9000}, {"ward", 9500}, {"ward", 9500}, {"ward", 8000}, {"ward", 9000}};
  EXPECT_EQ(RankInBlocks(keys), (std::vector<int>{3, 1, 1, 5, 3}));
}

TEST(RankInBlocks, BlocksAreRankedSeparately) {
  const std::vector<RankKey> keys = {
      {"commune", 7000}, {"ward", 8000}, {"commune", 9000}, {"ward", 7500}};
  EXPECT_EQ(RankInBlocks(keys), (std::vector<int>{2, 1, 1, 2}));
}

TEST(RankInBlocks, UnitsWithoutAnIndexAreNotRanked) {
  const std::vector<RankKey> keys = {
      {"ward", 0, false}, {"ward", 0}, {"ward", 5000}, {"ward", 0}};
  EXPECT_EQ(RankInBlocks(keys), (std::vector<int>{0, 2, 1, 2}));
}

TEST(RankUnitScores, SetsRankOnEachScore) {
  std::vector<v1::UnitScore> scores(3);
  scores[0].set_block("ward");
  scores[0].set_index_hundredths(8000);
  scores[0].set_index_applicable(true);
  scores[1].set_block("ward");
  scores[1].set_index_hundredths(9000);
  scores[1].set_index_applicable(true);
  scores[2].set_block("ward");
  scores[2].set_index_hundredths(8000);
  scores[2].set_index_applicable(true);
  RankUnitScores(&scores);
  EXPECT_EQ(scores[0].rank(), 2);
  EXPECT_EQ(scores[1].rank(), 1);
  EXPECT_EQ(scores[2].rank(), 2);
}

}  // namespace
}  // namespace parindex::engine
