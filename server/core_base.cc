// CoreBase: Caller, role names, Vietnam time, and the helpers every part shares.
#include "server/core_base.h"

#include <algorithm>

#include "common/sha256.h"
#include "common/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace parindex::server {

std::string RoleName(v1::Role role) {
  switch (role) {
    case v1::ROLE_WARD:
      return "ward";
    case v1::ROLE_APPRAISER:
      return "appraiser";
    case v1::ROLE_ADMIN:
      return "admin";
    case v1::ROLE_READER:
      return "reader";
    default:
      return "none";
  }
}

store::Actor Caller::actor() const { return {token_id, RoleName(role), unit, name}; }

absl::TimeZone VietnamTime() { return absl::FixedTimeZone(7 * 3600); }

store::WriteContext CoreBase::Ctx(const Caller& c,
                                  const google::protobuf::Message& request,
                                  absl::string_view method, absl::string_view resource,
                                  const std::string& request_id,
                                  const std::string& reason,
                                  const RoundContext* checked_under) const {
  store::WriteContext ctx;
  ctx.actor = c.actor();
  ctx.reason = reason;
  if (checked_under != nullptr) {
    ctx.round = checked_under->round.id();
    ctx.round_version = checked_under->round.version();
  }
  if (!request_id.empty()) {
    ctx.request_id = request_id;
    ctx.request_method = std::string(method);
    ctx.request_resource = std::string(resource);
    // The id is part of the bytes, which is harmless: requests are compared under
    // the same id. Deterministic, so that maps hash the same way every time.
    std::string bytes;
    {
      google::protobuf::io::StringOutputStream out(&bytes);
      google::protobuf::io::CodedOutputStream coded(&out);
      coded.SetSerializationDeterministic(true);
      request.SerializeToCodedStream(&coded);
    }
    ctx.request_digest = Sha256Hex(bytes);
  }
  return ctx;
}

absl::Status CoreBase::CheckUnit(const Caller& c, const RoundContext& round,
                                 const std::string& unit, Subject what) {
  const absl::Status not_in_round =
      absl::NotFoundError(absl::StrCat("rounds/", round.round.id(), "/assessments/", unit,
                                       ": the unit is not in this round"));
  absl::Status seen = CanSee(c, round.round, round.units, unit, what);
  // A province's own unit that the round does not have is not in the round, as for the
  // national office; its scope is read from the registry, the round knowing nothing of
  // it. Another province's unit stays outside the scope (it does not say whether the
  // round has it).
  if (absl::IsPermissionDenied(seen) && round.units.count(unit) == 0 &&
      c.role != v1::ROLE_WARD && NeedsUnits(c)) {
    absl::StatusOr<v1::Unit> registered = store_->GetUnit(unit);
    if (!registered.ok() && !absl::IsNotFound(registered.status()))
      return registered.status();
    if (registered.ok() && CanSeeUnit(c, *registered).ok()) seen = not_in_round;
  }
  RETURN_IF_ERROR(seen);
  if (round.units.count(unit) == 0) return not_in_round;
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, std::string>> CoreBase::ActorNames() {
  std::map<std::string, std::string> names;
  ASSIGN_OR_RETURN(std::vector<v1::Account> accounts, store_->ListAccounts());
  for (const v1::Account& a : accounts) names[a.id()] = a.full_name();
  ASSIGN_OR_RETURN(std::vector<v1::Token> tokens, store_->ListTokens());
  for (const v1::Token& t : tokens) {
    auto person = names.find(t.account().substr(t.account().find('/') + 1));
    if (!t.account().empty() && person != names.end()) {
      names[t.id()] = person->second;
    } else if (!t.label().empty()) {
      names[t.id()] = t.label();
    }
  }
  return names;
}

std::string CoreBase::ActorDisplay(const std::map<std::string, std::string>& names,
                                   const v1::AuditEvent& event) {
  if (!event.actor_name().empty()) return event.actor_name();
  auto it = names.find(event.actor());
  return it != names.end() ? it->second : event.actor();
}

absl::Status CoreBase::NameSubmitters(std::vector<v1::Assessment*> forms) {
  std::optional<std::map<std::string, std::string>> names;
  for (v1::Assessment* a : forms) {
    // An id (tok_…, acc_…) has no space; a person's name read as one is harmless.
    if (a->submitted_by().empty() || a->submitted_by().find(' ') != std::string::npos)
      continue;
    if (!names.has_value()) {
      ASSIGN_OR_RETURN(names, ActorNames());
    }
    auto it = names->find(a->submitted_by());
    if (it != names->end()) a->set_submitted_by(it->second);
  }
  return absl::OkStatus();
}

absl::StatusOr<CoreBase::Results> CoreBase::ResultsFor(const Caller& c,
                                                       const RoundContext& round,
                                                       v1::Column column) {
  RETURN_IF_ERROR(CanSee(c, round.round, round.units, "", Subject::kResults));
  Results results;
  results.units = ResultUnits(c, round.round, round.units);
  std::sort(results.units.begin(), results.units.end());
  ASSIGN_OR_RETURN(results.ranks, cache_->RanksAmong(round, column, results.units));
  if (results.units.size() != static_cast<size_t>(round.round.units_size()))
    results.scope = c.scope;
  return results;
}

absl::StatusOr<std::shared_ptr<const Ranks>> CoreBase::RanksFor(const Caller& c,
                                                                const RoundContext& round,
                                                                v1::Column column) {
  // A rank tells how the other units stand: a caller who may not see the round's
  // results yet (a ward before publication) gets none.
  if (!CanSee(c, round.round, round.units, "", Subject::kResults).ok())
    return std::make_shared<const Ranks>();
  // The hot read (GetUnitScore): the round's ranks unless the caller sees part of it.
  if (!NeedsUnits(c)) return cache_->RanksOf(round, column);
  ASSIGN_OR_RETURN(Results results, ResultsFor(c, round, column));
  return results.ranks;
}

absl::StatusOr<int> CoreBase::RankFor(const Caller& c, const RoundContext& round,
                                      v1::Column column, const std::string& unit) {
  // As RanksFor: no rank for a caller who may not see the round's results yet.
  if (!CanSee(c, round.round, round.units, "", Subject::kResults).ok()) return 0;
  if (!NeedsUnits(c)) return cache_->RankOf(round, column, unit);
  const std::vector<std::string> units = ResultUnits(c, round.round, round.units);
  int rank = 0;
  RETURN_IF_ERROR(cache_->WithTable(round, column, [&](const RoundTable& t) {
    auto at = t.position.find(unit);
    if (at == t.position.end()) return absl::OkStatus();
    std::vector<int> among;
    among.reserve(units.size());
    for (const std::string& u : units) {
      auto it = t.position.find(u);
      if (it != t.position.end()) among.push_back(it->second);
    }
    rank = t.RankAmong(at->second, among);
    return absl::OkStatus();
  }));
  return rank;
}

}  // namespace parindex::server
