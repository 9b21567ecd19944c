// Types shared by the Core's files (not part of its interface).
#ifndef PARINDEX_SERVER_CORE_INTERNAL_H_
#define PARINDEX_SERVER_CORE_INTERNAL_H_

#include <map>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "engine/criteria_set.h"
#include "engine/plan.h"
#include "parindex/v1/round.pb.h"
#include "parindex/v1/score.pb.h"
#include "parindex/v1/unit.pb.h"

namespace parindex::server {

// A round with what scoring it needs, loaded once and shared until the round changes.
struct RoundContext {
  v1::Round round;
  std::shared_ptr<const engine::CompiledCriteriaSet> set;
  std::map<std::string, v1::Unit> units;                                     // by code
  std::map<std::string, std::shared_ptr<const engine::CompiledPlan>> plans;  // by id

  // The plan that sets a unit's targets: its parent's, else its own, else the only one.
  const engine::CompiledPlan* PlanFor(const v1::Unit& unit) const;
};

struct ScoreEntry {
  int64_t generation = 0;
  v1::UnitScore score;     // with trace, without rank
  std::string serialized;  // the same, serialized once
};

struct RankEntry {
  int rank = 0;
};

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_CORE_INTERNAL_H_
