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
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/criteria_set.h"
#include "engine/plan.h"
#include "engine/scorer.h"
#include "parindex/v1/service.pb.h"
#include "server/policy.h"
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
  // When the secret's token was revoked, nothing is imported and the answer says so
  // (for the log: the server starts all the same); otherwise the answer is empty.
  absl::StatusOr<std::string> ImportToken(const std::string& secret, v1::Role role,
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
  // CanSee (server/policy.h) for one unit of the round, then NOT_FOUND when the unit
  // is not in it.
  absl::Status CheckUnit(const Caller& c, const RoundContext& round,
                         const std::string& unit, Subject what) const;
  absl::StatusOr<v1::Assessment> LoadAssessment(const RoundContext& round,
                                                const std::string& unit);
  // What every action on one assessment starts with: the name parsed, the round and
  // the assessment loaded (with its effective state), the caller's sight checked.
  struct ActionTarget {
    std::string round_id, unit;
    std::shared_ptr<const RoundContext> round;
    v1::Assessment a;
  };
  absl::StatusOr<ActionTarget> PrepareAction(const Caller& c, const std::string& name);
  // The workflow's row for `verb` on the target now (server/policy.h), or why not.
  absl::StatusOr<const WorkflowRule*> AllowOn(const Caller& c, Verb verb,
                                              const ActionTarget& t) const;
  // Submit, explain, finalise, reopen: a state change by the workflow's row for `verb`,
  // answered with the assessment after it.
  absl::StatusOr<v1::Assessment> StateAction(const Caller& c, Verb verb,
                                             const std::string& name, int64_t etag,
                                             const google::protobuf::Message& request,
                                             absl::string_view method,
                                             const std::string& request_id,
                                             const std::string& reason = "");
  // Stores `round` (etag: the version read) and answers it as stored.
  absl::StatusOr<v1::Round> WriteRound(store::WriteContext ctx, const v1::Round& round,
                                       int64_t etag);
  absl::StatusOr<v1::Assessment> MoveTo(const Caller& c, const ActionTarget& t,
                                        const WorkflowRule& rule, store::WriteContext ctx,
                                        int64_t etag);
  // The context of a write: who, why, and its request id keyed to (caller, `method`,
  // `resource`) and bound to a digest of `request` (README: Request ids).
  store::WriteContext Ctx(const Caller& c, const google::protobuf::Message& request,
                          absl::string_view method, absl::string_view resource,
                          const std::string& request_id,
                          const std::string& reason = "") const;
  // The stored answer when ctx's request id was already applied to this request.
  template <typename Response>
  absl::StatusOr<std::optional<Response>> Replayed(const store::WriteContext& ctx);
  // Runs `write` with ctx, storing the answer `build(ack)` with its request id; a retry
  // that reaches the store first (two at once) gets the stored answer.
  template <typename Response, typename Write, typename Build>
  absl::StatusOr<Response> Respond(store::WriteContext ctx, Write write, Build build);
  absl::StatusOr<std::shared_ptr<const ScoreEntry>> CachedScore(const RoundContext& round,
                                                                const std::string& unit,
                                                                v1::Column column);
  absl::StatusOr<v1::UnitScore> ScoreOf(const RoundContext& round,
                                        const std::string& unit, v1::Column column);
  // The score, or (when the unit's stored data cannot be scored) a UnitScore naming
  // the unit with its error: a round's reads never fail for one unit's data.
  absl::StatusOr<v1::UnitScore> ScoreOrError(const RoundContext& round,
                                             const std::string& unit, v1::Column column);
  absl::StatusOr<std::shared_ptr<const std::map<std::string, RankEntry>>> RanksOf(
      const RoundContext& round, v1::Column column);
  void Changed(const std::string& round, const std::string& unit);  // invalidates caches
  void RoundChanged(const std::string& round);
  void EverythingChanged();  // units or plans changed: drop every cached round and score
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
