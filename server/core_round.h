// RoundCore: rounds (creation, deadlines, phases: the workflow's kAdvance row) and the
// assessments of a round as a list, as each caller may see them.
#ifndef PARINDEX_SERVER_CORE_ROUND_H_
#define PARINDEX_SERVER_CORE_ROUND_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "parindex/v1/service.pb.h"
#include "server/core_base.h"

namespace parindex::server {

class RoundCore : private CoreBase {
 public:
  using CoreBase::CoreBase;

  absl::StatusOr<v1::Round> CreateRound(const Caller& c, const v1::CreateRoundRequest& r);
  absl::StatusOr<v1::Round> GetRound(const Caller& c, const v1::GetByNameRequest& r);
  absl::StatusOr<v1::ListRoundsResponse> ListRounds(const Caller& c,
                                                    const v1::ListRequest& r);
  absl::StatusOr<v1::Round> UpdateRound(const Caller& c, const v1::UpdateRoundRequest& r);
  absl::StatusOr<v1::Round> AdvanceRound(const Caller& c,
                                         const v1::AdvanceRoundRequest& r);
  absl::StatusOr<v1::ListAssessmentsResponse> ListAssessments(
      const Caller& c, const v1::ListAssessmentsRequest& r);
  absl::StatusOr<v1::WorkQueue> GetWorkQueue(const Caller& c,
                                             const v1::GetByNameRequest& r);

  // Every round's phase and how many of its units are in each state, for /metrics.
  struct RoundGauge {
    std::string round;
    v1::RoundPhase phase = v1::ROUND_PHASE_UNSPECIFIED;
    std::map<v1::AssessmentState, int> states;
  };
  absl::StatusOr<std::vector<RoundGauge>> RoundGauges();

 private:
  // The round's units when CanSee needs them for `c` (policy.h: NeedsUnits).
  UnitsByCode UnitsFor(const Caller& c, const v1::Round& round);
  // Stores `round` (etag: the version read) and answers it as stored.
  absl::StatusOr<v1::Round> WriteRound(store::WriteContext ctx, const v1::Round& round,
                                       int64_t etag);
};

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_CORE_ROUND_H_
