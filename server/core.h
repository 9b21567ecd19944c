// Core: the service's behaviour, independent of gRPC. Every rule of the workflow
// (design.md) lives here: who may do what to which unit in which phase and state, the
// deadlines, validation of figures through the engine (errors name the field path and
// nothing is stored), etags, and scores computed from stored data and cached until a
// write changes them. Handlers (service.cc) only translate between gRPC and Core.
#ifndef PARINDEX_SERVER_CORE_H_
#define PARINDEX_SERVER_CORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/criteria_set.h"
#include "engine/plan.h"
#include "engine/scorer.h"
#include "parindex/v1/service.pb.h"
#include "server/store/store.h"

namespace parindex::server {

// Who calls, from their token.
struct Caller {
  v1::Role role = v1::ROLE_UNSPECIFIED;
  std::string token_id;
  std::string unit;  // ward tokens only

  store::Actor actor() const;
};

// Lower-case role name: "ward", "appraiser", "admin", "reader".
std::string RoleName(v1::Role role);

// Vietnam time (UTC+7), in which deadlines are given and shown.
absl::TimeZone VietnamTime();

struct RoundContext;
struct ScoreEntry;
struct RankEntry;

class Core {
 public:
  Core(store::Store* store, const store::Clock* clock);

  // Criteria sets, plans, units.
  absl::StatusOr<v1::CriteriaSet> CreateCriteriaSet(
      const Caller& c, const v1::CreateCriteriaSetRequest& r);
  absl::StatusOr<v1::CriteriaSet> GetCriteriaSet(const Caller& c,
                                                 const v1::GetCriteriaSetRequest& r);
  absl::StatusOr<v1::ListCriteriaSetsResponse> ListCriteriaSets(const Caller& c,
                                                                const v1::ListRequest& r);
  absl::StatusOr<v1::Plan> PutPlan(const Caller& c, const v1::PutPlanRequest& r);
  absl::StatusOr<v1::Plan> GetPlan(const Caller& c, const v1::GetByNameRequest& r);
  absl::StatusOr<v1::ListPlansResponse> ListPlans(const Caller& c,
                                                  const v1::ListRequest& r);
  absl::StatusOr<v1::Unit> PutUnit(const Caller& c, const v1::PutUnitRequest& r);
  absl::StatusOr<v1::Unit> GetUnit(const Caller& c, const v1::GetByNameRequest& r);
  absl::StatusOr<v1::ListUnitsResponse> ListUnits(const Caller& c,
                                                  const v1::ListRequest& r);

  // Rounds.
  absl::StatusOr<v1::Round> CreateRound(const Caller& c, const v1::CreateRoundRequest& r);
  absl::StatusOr<v1::Round> GetRound(const Caller& c, const v1::GetByNameRequest& r);
  absl::StatusOr<v1::ListRoundsResponse> ListRounds(const Caller& c,
                                                    const v1::ListRequest& r);
  absl::StatusOr<v1::Round> UpdateRound(const Caller& c, const v1::UpdateRoundRequest& r);
  absl::StatusOr<v1::Round> AdvanceRound(const Caller& c,
                                         const v1::AdvanceRoundRequest& r);
  absl::StatusOr<v1::Assessment> ReopenAssessment(const Caller& c,
                                                  const v1::ReopenAssessmentRequest& r);
  absl::StatusOr<v1::ListAssessmentsResponse> ListAssessments(
      const Caller& c, const v1::ListAssessmentsRequest& r);

  // Assessments.
  absl::StatusOr<v1::Assessment> GetAssessment(const Caller& c,
                                               const v1::GetByNameRequest& r);
  absl::StatusOr<v1::BatchUpdateEntriesResponse> BatchUpdateEntries(
      const Caller& c, const v1::BatchUpdateEntriesRequest& r);
  absl::StatusOr<v1::Evidence> UploadEvidence(const Caller& c,
                                              const v1::UploadEvidenceRequest& r);
  absl::StatusOr<v1::EvidenceFile> GetEvidenceFile(const Caller& c,
                                                   const v1::GetByNameRequest& r);
  absl::StatusOr<v1::Assessment> SubmitAssessment(const Caller& c,
                                                  const v1::AssessmentActionRequest& r);
  absl::StatusOr<v1::Assessment> RequestExplanation(
      const Caller& c, const v1::RequestExplanationRequest& r);
  absl::StatusOr<v1::Assessment> SubmitExplanation(const Caller& c,
                                                   const v1::AssessmentActionRequest& r);
  absl::StatusOr<v1::Assessment> FinaliseAssessment(const Caller& c,
                                                    const v1::AssessmentActionRequest& r);
  absl::StatusOr<v1::ImportSurveyResponse> ImportSurvey(const Caller& c,
                                                        const v1::ImportSurveyRequest& r);

  // Scores.
  absl::StatusOr<v1::UnitScore> PreviewScore(const Caller& c,
                                             const v1::PreviewScoreRequest& r);
  absl::StatusOr<v1::UnitScore> GetUnitScore(const Caller& c,
                                             const v1::GetUnitScoreRequest& r);
  // The same answer as GetUnitScore, already serialized: the hot read path. The
  // rendered score is cached as bytes; the rank is appended as one more field.
  absl::StatusOr<std::string> GetUnitScoreBytes(const Caller& c,
                                                const v1::GetUnitScoreRequest& r);
  absl::StatusOr<v1::Ranking> GetRanking(const Caller& c, const v1::GetRankingRequest& r);
  absl::StatusOr<v1::RoundSummary> SummariseRound(const Caller& c,
                                                  const v1::GetByNameRequest& r);

  // Reports.
  absl::StatusOr<v1::ExportRoundResponse> ExportRound(const Caller& c,
                                                      const v1::ExportRoundRequest& r);

  // Audit and tokens.
  absl::StatusOr<v1::ListAuditEventsResponse> ListAuditEvents(const Caller& c,
                                                              const v1::ListRequest& r);
  absl::StatusOr<v1::CreateTokenResponse> CreateToken(const Caller& c,
                                                      const v1::CreateTokenRequest& r);
  absl::StatusOr<v1::Token> RevokeToken(const Caller& c, const v1::GetByNameRequest& r);
  absl::StatusOr<v1::ListTokensResponse> ListTokens(const Caller& c,
                                                    const v1::ListRequest& r);
  // Accepts `secret` (32+ characters, chosen by the operator) as a token of `role` from
  // now on; nothing happens if it already is one. For the first admin of a deployment.
  absl::Status ImportToken(const std::string& secret, v1::Role role,
                           const std::string& label);
  absl::StatusOr<v1::Token> GetCallerToken(const Caller& c,
                                           const v1::GetCallerTokenRequest& r);

  // Every round's phase and how many of its units are in each state, for /metrics.
  struct RoundGauge {
    std::string round;
    v1::RoundPhase phase = v1::ROUND_PHASE_UNSPECIFIED;
    std::map<v1::AssessmentState, int> states;
  };
  absl::StatusOr<std::vector<RoundGauge>> RoundGauges();

  // Tokens are looked up on every call: cached here, dropped when revoked.
  absl::StatusOr<Caller> Authenticate(absl::string_view secret);

 private:
  absl::StatusOr<std::shared_ptr<const RoundContext>> LoadRound(const std::string& id);
  absl::StatusOr<std::shared_ptr<const engine::CompiledCriteriaSet>> CompiledSet(
      const std::string& id, int32_t version);
  // Reads of a unit's data: a ward only its own unit until the round is published; a
  // reader only published rounds.
  absl::Status CheckCanRead(const Caller& c, const RoundContext& round,
                            const std::string& unit) const;
  absl::StatusOr<v1::Assessment> LoadAssessment(const RoundContext& round,
                                                const std::string& unit);
  // What every action on one assessment starts with: the name parsed, the caller's
  // access checked, the round and assessment loaded, and whether `request_id` was
  // already applied by store method `store_method` (then the caller answers `a` as is).
  struct ActionTarget {
    std::string round_id, unit;
    std::shared_ptr<const RoundContext> round;
    v1::Assessment a;
    bool replayed = false;
  };
  absl::StatusOr<ActionTarget> PrepareAction(const Caller& c, const std::string& name,
                                             const std::string& request_id,
                                             absl::string_view store_method);
  // Stores a new state for the target's assessment and answers the assessment after it.
  absl::StatusOr<v1::Assessment> MoveTo(const Caller& c, const ActionTarget& t,
                                        v1::AssessmentState state, int64_t etag,
                                        bool reopened, const std::string& request_id,
                                        const std::string& reason = "");
  absl::StatusOr<std::shared_ptr<const ScoreEntry>> CachedScore(const RoundContext& round,
                                                                const std::string& unit,
                                                                v1::Column column);
  absl::StatusOr<v1::UnitScore> ScoreOf(const RoundContext& round,
                                        const std::string& unit, v1::Column column);
  absl::StatusOr<std::shared_ptr<const std::map<std::string, RankEntry>>> RanksOf(
      const RoundContext& round, v1::Column column);
  void Changed(const std::string& round, const std::string& unit);  // invalidates caches
  void RoundChanged(const std::string& round);
  void EverythingChanged();  // units or plans changed: drop every cached round and score
  // True when `request_id` was already applied by store method `method`: the caller
  // then answers from the current state instead of applying the request again.
  absl::StatusOr<bool> AlreadyApplied(const std::string& request_id,
                                      absl::string_view method);
  store::WriteContext Ctx(const Caller& c, const std::string& request_id,
                          const std::string& reason = "") const;
  absl::Time Now() const { return clock_->Now(); }

  store::Store* store_;
  const store::Clock* clock_;

  std::mutex mu_;
  std::map<std::pair<std::string, int32_t>,
           std::shared_ptr<const engine::CompiledCriteriaSet>>
      sets_;
  std::map<std::string, std::shared_ptr<const engine::CompiledPlan>> plans_;
  std::map<std::string, std::shared_ptr<const RoundContext>> rounds_;
  std::map<std::string, int64_t> round_generation_;
  std::map<std::pair<std::string, std::string>, int64_t> unit_generation_;
  std::map<std::tuple<std::string, std::string, int>, std::shared_ptr<const ScoreEntry>>
      scores_;
  std::map<std::pair<std::string, int>,
           std::pair<int64_t, std::shared_ptr<const std::map<std::string, RankEntry>>>>
      ranks_;
  std::map<std::string, Caller> tokens_;  // by secret hash
};

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_CORE_H_
