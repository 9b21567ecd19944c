// What every part of the Core shares: who calls (Caller), and CoreBase, the store, the
// clock and the RoundCache with the helpers of every write (request ids: Ctx, Replayed,
// Respond) and of every read of one unit (CheckUnit).
#ifndef PARINDEX_SERVER_CORE_BASE_H_
#define PARINDEX_SERVER_CORE_BASE_H_

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "parindex/v1/service.pb.h"
#include "server/policy.h"
#include "server/round_cache.h"
#include "server/store/store.h"

namespace parindex::server {

// Who calls, from their token or their session.
struct Caller {
  Caller() = default;
  Caller(v1::Role r, std::string token, std::string u)
      : role(r), token_id(std::move(token)), unit(std::move(u)) {}

  v1::Role role = v1::ROLE_UNSPECIFIED;
  std::string token_id;  // the token's id, or the account's id for a session
  std::string unit;      // wards only: the unit they act for
  // What the caller acts on (README: Accounts): "units/{code}", "parent/{code}" or
  // "*"; empty is "*" (a ward acts for `unit` all the same). Only policy reads it.
  std::string scope;
  std::string name;             // a person's full name (sessions and account tokens)
  std::string session_sha256;   // the session's, when signed in
  bool single_sign_on = false;  // signed in at the province's identity server (a JWT)
  bool must_change_password = false;
  // The client's address ("203.0.113.7"), for the methods that need no authorization
  // (SignIn): the peer's, or the gateway's client's (server/service.cc); empty when
  // unknown.
  std::string address;

  store::Actor actor() const;
};

// Lower-case role name: "ward", "appraiser", "admin", "reader".
std::string RoleName(v1::Role role);

// Vietnam time (UTC+7), in which deadlines are given and shown.
absl::TimeZone VietnamTime();

// The base of each part of the Core (core_catalog.h, core_round.h, core_assessment.h,
// core_score.h, core_report.h, core_access.h): what they all use, owned by Core.
class CoreBase {
 public:
  CoreBase(store::Store* store, const store::Clock* clock, RoundCache* cache)
      : store_(store), clock_(clock), cache_(cache) {}

 protected:
  // The context of a write: who, why, and its request id keyed to (caller, `method`,
  // `resource`) and bound to a digest of `request` (README: Request ids). With
  // `checked_under`, the round whose phase, deadline and units allowed the write: the
  // store refuses it (ABORTED) if the round changed before it is written.
  store::WriteContext Ctx(const Caller& c, const google::protobuf::Message& request,
                          absl::string_view method, absl::string_view resource,
                          const std::string& request_id, const std::string& reason = "",
                          const RoundContext* checked_under = nullptr) const;
  // The stored answer when ctx's request id was already applied to this request.
  template <typename Response>
  absl::StatusOr<std::optional<Response>> Replayed(const store::WriteContext& ctx);
  // Runs `write` with ctx, storing the answer `build(ack)` with its request id; a retry
  // that reaches the store first (two at once) gets the stored answer.
  template <typename Response, typename Write, typename Build>
  absl::StatusOr<Response> Respond(store::WriteContext ctx, Write write, Build build);
  // CanSee (server/policy.h) for one unit of the round, then NOT_FOUND when the unit
  // is not in it; NOT_FOUND too for a unit the round does not have that the caller's
  // scope covers (read from the registry).
  absl::Status CheckUnit(const Caller& c, const RoundContext& round,
                         const std::string& unit, Subject what);
  // What a results read (ranking, summary, export) shows `c` of a round: CanSee
  // (kResults) first, then the units of ResultUnits with their ranks among themselves.
  struct Results {
    std::vector<std::string> units;  // the round's order
    std::shared_ptr<const Ranks> ranks;
    std::string scope;  // the caller's, when `units` are not all of the round's
  };
  absl::StatusOr<Results> ResultsFor(const Caller& c, const RoundContext& round,
                                     v1::Column column);
  // The ranks a caller is shown on one unit's score: among the units of its results
  // when it may see them, else the round's.
  absl::StatusOr<std::shared_ptr<const Ranks>> RanksFor(const Caller& c,
                                                        const RoundContext& round,
                                                        v1::Column column);
  // The rank of one unit as RanksFor would give it, without building the ranks of the
  // round (a binary search in its block, or a count among the caller's units).
  absl::StatusOr<int> RankFor(const Caller& c, const RoundContext& round,
                              v1::Column column, const std::string& unit);
  absl::Time Now() const { return clock_->Now(); }
  // Who each actor is, as people read it: an account's id and each token made for it
  // give the person's full name, another token its label (README: the audit trail).
  absl::StatusOr<std::map<std::string, std::string>> ActorNames();
  // Who did it, as people read it: the event's actor_name, else the actor's name in
  // `names` (ActorNames), else the actor id.
  static std::string ActorDisplay(const std::map<std::string, std::string>& names,
                                  const v1::AuditEvent& event);
  // Assessment.submitted_by as people read it: the store gives the name kept on the
  // audit row, or the actor's id for a token without a person (looked up here).
  absl::Status NameSubmitters(std::vector<v1::Assessment*> forms);

  store::Store* store_;
  const store::Clock* clock_;
  RoundCache* cache_;
};

template <typename Response>
absl::StatusOr<std::optional<Response>> CoreBase::Replayed(
    const store::WriteContext& ctx) {
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
absl::StatusOr<Response> CoreBase::Respond(store::WriteContext ctx, Write write,
                                           Build build) {
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

#endif  // PARINDEX_SERVER_CORE_BASE_H_
