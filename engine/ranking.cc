// Ranking within blocks.
#include "engine/ranking.h"

#include <algorithm>
#include <numeric>

namespace parindex::engine {

std::vector<int> RankInBlocks(const std::vector<RankKey>& keys) {
  std::vector<int> order(keys.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    if (keys[a].block != keys[b].block) return keys[a].block < keys[b].block;
    return keys[a].index_hundredths > keys[b].index_hundredths;
  });
  std::vector<int> rank(keys.size(), 0);
  int position = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    const RankKey& key = keys[order[i]];
    if (i == 0 || key.block != keys[order[i - 1]].block) position = 0;
    if (!key.applicable) continue;
    ++position;
    const bool tie = i > 0 && rank[order[i - 1]] > 0 &&
                     key.block == keys[order[i - 1]].block &&
                     key.index_hundredths == keys[order[i - 1]].index_hundredths;
    rank[order[i]] = tie ? rank[order[i - 1]] : position;
  }
  return rank;
}

void RankUnitScores(std::vector<v1::UnitScore>* scores) {
  std::vector<RankKey> keys;
  keys.reserve(scores->size());
  for (const v1::UnitScore& s : *scores) {
    keys.push_back(RankKey{s.block(), s.index_hundredths(), s.index_applicable()});
  }
  const std::vector<int> rank = RankInBlocks(keys);
  for (size_t i = 0; i < scores->size(); ++i) (*scores)[i].set_rank(rank[i]);
}

}  // namespace parindex::engine
