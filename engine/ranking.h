// Ranking within blocks: equal indices share a rank (1, 1, 3).
#ifndef PARINDEX_ENGINE_RANKING_H_
#define PARINDEX_ENGINE_RANKING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "parindex/v1/score.pb.h"

namespace parindex::engine {

struct RankKey {
  absl::string_view block;
  int64_t index_hundredths = 0;
  bool applicable = true;  // false: not ranked (rank 0)
};

// The 1-based rank of each key within its block, by index descending; equal indices
// share a rank and the next rank skips (1, 1, 3).
std::vector<int> RankInBlocks(const std::vector<RankKey>& keys);

// Sets UnitScore.rank on each score, by block and published index.
void RankUnitScores(std::vector<v1::UnitScore>* scores);

}  // namespace parindex::engine

#endif  // PARINDEX_ENGINE_RANKING_H_
