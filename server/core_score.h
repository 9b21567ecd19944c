// ScoreCore: a unit's score (and its preview), the ranking and the summary of a round,
// read through the RoundCache.
#ifndef PARINDEX_SERVER_CORE_SCORE_H_
#define PARINDEX_SERVER_CORE_SCORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "parindex/v1/service.pb.h"
#include "server/core_base.h"

namespace parindex::server {

// A serialized message in two parts, sent one after the other: bytes kept in a cache
// (alive while they are sent, never copied) and fields after them, which a parser
// merges into the message.
struct SplitBytes {
  std::shared_ptr<const std::string> cached;
  std::string tail;

  std::string Joined() const { return absl::StrCat(*cached, tail); }
};

class ScoreCore : private CoreBase {
 public:
  using CoreBase::CoreBase;

  absl::StatusOr<v1::UnitScore> PreviewScore(const Caller& c,
                                             const v1::PreviewScoreRequest& r);
  absl::StatusOr<v1::UnitScore> GetUnitScore(const Caller& c,
                                             const v1::GetUnitScoreRequest& r);
  // The same answer as GetUnitScore, already serialized: the hot read path. The
  // rendered score is cached as bytes, sent as they are; the rank follows them as one
  // more field.
  absl::StatusOr<SplitBytes> GetUnitScoreBytes(const Caller& c,
                                               const v1::GetUnitScoreRequest& r);
  absl::StatusOr<v1::Ranking> GetRanking(const Caller& c, const v1::GetRankingRequest& r);
  absl::StatusOr<v1::RoundSummary> SummariseRound(const Caller& c,
                                                  const v1::GetByNameRequest& r);
  // The same answers, serialized: built from the round's table (server/round_cache.h)
  // and kept per (round, column, block, what the caller sees) until a unit changes.
  absl::StatusOr<std::shared_ptr<const std::string>> GetRankingBytes(
      const Caller& c, const v1::GetRankingRequest& r);
  absl::StatusOr<std::shared_ptr<const std::string>> SummariseRoundBytes(
      const Caller& c, const v1::GetByNameRequest& r);
  // A unit's index, rank and areas in every round the caller may see (CanSeeHistory,
  // then CanSee per round), oldest first; with include_predecessors, the units it was
  // formed from (and theirs) in each round as well.
  absl::StatusOr<v1::UnitHistory> GetUnitHistory(const Caller& c,
                                                 const v1::GetUnitHistoryRequest& r);

 private:
  // The key of what a caller is shown of a round's results (ResultUnits, CanSee).
  static std::string ResultsKey(const Caller& c);
  // ResultUnits as positions in the round's table, in code order.
  static absl::StatusOr<std::vector<int>> ResultRows(const Caller& c,
                                                     const RoundContext& round,
                                                     const RoundTable& t);
};

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_CORE_SCORE_H_
