// Types shared by the Core's files (not part of its interface).
#ifndef PARINDEX_SERVER_CORE_INTERNAL_H_
#define PARINDEX_SERVER_CORE_INTERNAL_H_

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/criteria_set.h"
#include "engine/plan.h"
#include "parindex/v1/round.pb.h"
#include "parindex/v1/score.pb.h"
#include "parindex/v1/unit.pb.h"
#include "server/core.h"

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

template <typename Response>
absl::StatusOr<std::optional<Response>> Core::Replayed(const store::WriteContext& ctx) {
  if (ctx.request_id.empty()) return std::nullopt;
  absl::StatusOr<store::StoredRequest> stored = store_->FindRequest(ctx);
  if (!stored.ok()) {
    if (stored.status().code() == absl::StatusCode::kNotFound) return std::nullopt;
    return stored.status();
  }
  Response response;
  if (!response.ParseFromString(stored->response)) {
    return absl::DataLossError(absl::StrCat("the stored answer to request_id '",
                                            ctx.request_id, "' cannot be read"));
  }
  return response;
}

template <typename Response, typename Write, typename Build>
absl::StatusOr<Response> Core::Respond(store::WriteContext ctx, Write write, Build build) {
  std::optional<Response> answer;
  if (!ctx.request_id.empty()) {
    // Runs inside the write's transaction (the writer thread, while this one waits).
    ctx.response = [&](const v1::WriteAck& ack) {
      answer = build(ack);
      return answer->SerializeAsString();
    };
  }
  absl::StatusOr<v1::WriteAck> ack = write(ctx);
  if (!ack.ok()) return ack.status();
  if (ack->replayed()) {
    absl::StatusOr<std::optional<Response>> prior = Replayed<Response>(ctx);
    if (!prior.ok()) return prior.status();
    if (prior->has_value()) return **prior;
  }
  if (!answer.has_value()) answer = build(*ack);
  return *std::move(answer);
}

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_CORE_INTERNAL_H_
