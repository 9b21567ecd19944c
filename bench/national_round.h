// A national-size round for the benchmarks and the scale tests: 3,321 units (the
// communes and wards after the 2025 merger, under 34 provinces) on commune-2025 with
// the Hưng Yên plan, every unit's data sheet and judgements entered and appraised, the
// round in appraisal. Generated from a seed: the same seed gives the same round.
#ifndef PARINDEX_BENCH_NATIONAL_ROUND_H_
#define PARINDEX_BENCH_NATIONAL_ROUND_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "server/core.h"
#include "server/store/store.h"

namespace parindex::bench {

struct NationalOptions {
  std::string round = "national-2025";
  int units = 3321;
  uint32_t seed = 1;
};

// What was generated: the round's units are N0001… under provinces T01…T34.
struct NationalRound {
  std::string round;
  int units = 0;
  int templates_kept = 0;  // units whose drawn figures broke a rule: the demo's kept
};

// The provinces' codes, and a unit's code.
std::string ProvinceCode(int province);  // 0-based: "T01"
std::string NationalUnitCode(int unit);  // 0-based: "N0001"

// Adds the round to the database behind `core` and `store` (the same one), which must
// hold the bundled sets and plans (server::LoadDemo); the demo round's figures
// (criteria_dir/rounds/hungyen-2023/figures.yaml) are the templates, each count,
// judgement and yes/no drawn around them and kept only if the engine accepts the
// whole sheet. The forms are written to the store directly, many units to a
// transaction: run it before the Core has read the round's scores.
absl::StatusOr<NationalRound> AddNationalRound(server::Core& core, store::Store& store,
                                               const std::string& criteria_dir,
                                               const NationalOptions& options = {});

}  // namespace parindex::bench

#endif  // PARINDEX_BENCH_NATIONAL_ROUND_H_
