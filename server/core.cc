// Core: criteria sets, plans, units, rounds, tokens, audit, and the caches.
#include "server/core.h"

#include <openssl/rand.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "criteria/yaml_reader.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/field_mask_util.h"
#include "server/core_internal.h"
#include "server/core_util.h"
#include "server/policy.h"

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

store::Actor Caller::actor() const { return {token_id, RoleName(role), unit}; }

absl::TimeZone VietnamTime() { return absl::FixedTimeZone(7 * 3600); }

Core::Core(store::Store* store, const store::Clock* clock)
    : store_(store), clock_(clock) {}

store::WriteContext Core::Ctx(const Caller& c, const google::protobuf::Message& request,
                              absl::string_view method, absl::string_view resource,
                              const std::string& request_id,
                              const std::string& reason) const {
  store::WriteContext ctx;
  ctx.actor = c.actor();
  ctx.reason = reason;
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

// ---- caches ----

absl::StatusOr<std::shared_ptr<const engine::CompiledCriteriaSet>> Core::CompiledSet(
    const std::string& id, int32_t version) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sets_.find({id, version});
    if (it != sets_.end()) return it->second;
  }
  ASSIGN_OR_RETURN(v1::CriteriaSet set, store_->GetCriteriaSet(id, version));
  ASSIGN_OR_RETURN(auto compiled, engine::CompiledCriteriaSet::Compile(std::move(set)));
  std::lock_guard<std::mutex> lock(mu_);
  sets_[{id, version}] = compiled;  // immutable versions: never invalidated
  return compiled;
}

absl::StatusOr<std::shared_ptr<const RoundContext>> Core::LoadRound(
    const std::string& id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = rounds_.find(id);
    if (it != rounds_.end()) return it->second;
  }
  auto context = std::make_shared<RoundContext>();
  ASSIGN_OR_RETURN(context->round, store_->GetRound(id));
  ASSIGN_OR_RETURN(context->set, CompiledSet(context->round.criteria_set(),
                                             context->round.criteria_set_version()));
  for (const std::string& code : context->round.units()) {
    ASSIGN_OR_RETURN(context->units[code], store_->GetUnit(code));
  }
  for (const std::string& plan_id : context->round.plans()) {
    ASSIGN_OR_RETURN(v1::Plan plan, store_->GetPlan(plan_id));
    ASSIGN_OR_RETURN(context->plans[plan_id],
                     engine::CompiledPlan::Compile(std::move(plan)));
  }
  std::lock_guard<std::mutex> lock(mu_);
  rounds_[id] = context;
  return std::shared_ptr<const RoundContext>(context);
}

const engine::CompiledPlan* RoundContext::PlanFor(const v1::Unit& unit) const {
  // The plan issued by the unit's parent (the city's plan for its wards), else the
  // unit's own, else the round's only plan.
  for (const auto& [id, plan] : plans) {
    if (!unit.parent().empty() && plan->proto().unit() == unit.parent())
      return plan.get();
  }
  for (const auto& [id, plan] : plans) {
    if (plan->proto().unit() == unit.code()) return plan.get();
  }
  return plans.size() == 1 ? plans.begin()->second.get() : nullptr;
}

void Core::Changed(const std::string& round, const std::string& unit) {
  std::lock_guard<std::mutex> lock(mu_);
  ++unit_generation_[{round, unit}];
  ++round_generation_[round];
}

void Core::RoundChanged(const std::string& round) {
  std::lock_guard<std::mutex> lock(mu_);
  rounds_.erase(round);
}

void Core::EverythingChanged() {
  std::lock_guard<std::mutex> lock(mu_);
  rounds_.clear();
  scores_.clear();
  ranks_.clear();
}

absl::Status Core::CheckUnit(const Caller& c, const RoundContext& round,
                             const std::string& unit, Subject what) const {
  RETURN_IF_ERROR(CanSee(c, round.round, unit, what));
  if (round.units.count(unit) == 0) {
    return absl::NotFoundError(absl::StrCat("rounds/", round.round.id(), "/assessments/",
                                            unit, ": the unit is not in this round"));
  }
  return absl::OkStatus();
}

// ---- tokens ----

absl::StatusOr<Caller> Core::Authenticate(absl::string_view secret) {
  const std::string hash = Sha256Hex(secret);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tokens_.find(hash);
    if (it != tokens_.end()) return it->second;
  }
  absl::StatusOr<v1::Token> token = store_->FindToken(hash);
  if (!token.ok()) {
    if (token.status().code() == absl::StatusCode::kNotFound) {
      return absl::UnauthenticatedError("unknown or revoked token");
    }
    return token.status();
  }
  Caller caller{token->role(), token->id(), token->unit()};
  std::lock_guard<std::mutex> lock(mu_);
  tokens_[hash] = caller;
  return caller;
}

absl::StatusOr<v1::CreateTokenResponse> Core::CreateToken(
    const Caller& c, const v1::CreateTokenRequest& r) {
  if (r.role() == v1::ROLE_UNSPECIFIED)
    return absl::InvalidArgumentError("role: is required");
  if (r.role() == v1::ROLE_WARD && r.unit().empty()) {
    return absl::InvalidArgumentError("unit: a ward token needs the unit it acts for");
  }
  if (r.role() != v1::ROLE_WARD && !r.unit().empty()) {
    return absl::InvalidArgumentError("unit: only ward tokens act for a unit");
  }
  unsigned char random[40];
  if (RAND_bytes(random, sizeof(random)) != 1)
    return absl::InternalError("no randomness");
  const std::string bytes(reinterpret_cast<char*>(random), sizeof(random));
  store::WriteContext ctx = Ctx(c, r, "CreateToken", "tokens", r.request_id());
  ASSIGN_OR_RETURN(auto prior, Replayed<v1::CreateTokenResponse>(ctx));
  if (prior.has_value()) return *std::move(prior);  // without the secret: shown once
  v1::CreateTokenResponse response;
  response.set_secret(
      absl::StrCat("pi_", absl::WebSafeBase64Escape(bytes.substr(0, 32))));
  v1::Token* token = response.mutable_token();
  token->set_id(absl::StrCat("tok_", absl::BytesToHexString(bytes.substr(32, 8))));
  token->set_role(r.role());
  token->set_unit(r.unit());
  token->set_label(r.label());
  // A replay gets the token without its secret, which is stored nowhere.
  ctx.response = [&](const v1::WriteAck& ack) {
    v1::CreateTokenResponse stored;
    *stored.mutable_token() = response.token();
    stored.mutable_token()->set_created_at(ack.at());
    return stored.SerializeAsString();
  };
  ASSIGN_OR_RETURN(v1::WriteAck ack,
                   store_->AddToken(ctx, *token, Sha256Hex(response.secret())));
  if (ack.replayed()) {  // the same request, applied a moment ago by another call
    ASSIGN_OR_RETURN(auto stored, Replayed<v1::CreateTokenResponse>(ctx));
    if (stored.has_value()) return *std::move(stored);
  }
  token->set_created_at(ack.at());
  return response;
}

absl::StatusOr<v1::Token> Core::RevokeToken(const Caller& c,
                                            const v1::GetByNameRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.name(), "tokens"));
  RETURN_IF_ERROR(store_->RevokeToken(Ctx(c, r, "RevokeToken", r.name(), ""), id).status());
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = tokens_.begin(); it != tokens_.end();) {
      it = it->second.token_id == id ? tokens_.erase(it) : std::next(it);
    }
  }
  ASSIGN_OR_RETURN(std::vector<v1::Token> tokens, store_->ListTokens());
  for (const v1::Token& t : tokens) {
    if (t.id() == id) return t;
  }
  return absl::NotFoundError(absl::StrCat(r.name(), ": not found"));
}

absl::StatusOr<v1::ListTokensResponse> Core::ListTokens(const Caller& c,
                                                        const v1::ListRequest& r) {
  ASSIGN_OR_RETURN(std::vector<v1::Token> tokens, store_->ListTokens());
  v1::ListTokensResponse response;
  RETURN_IF_ERROR(
      Page(tokens, r, response.mutable_tokens(), response.mutable_next_page_token()));
  return response;
}

absl::StatusOr<std::string> Core::ImportToken(const std::string& secret, v1::Role role,
                                             const std::string& label) {
  if (secret.size() < 32) {
    return absl::InvalidArgumentError(absl::StrCat(
        label, ": a token secret needs at least 32 characters, got ", secret.size()));
  }
  const std::string hash = Sha256Hex(secret);
  absl::StatusOr<v1::Token> existing = store_->FindToken(hash);
  if (existing.ok()) {
    if (existing->role() != role) {
      return absl::FailedPreconditionError(absl::StrCat(
          label, ": this secret is already a ", RoleName(existing->role()), " token"));
    }
    return std::string();
  }
  if (existing.status().code() != absl::StatusCode::kNotFound) return existing.status();
  v1::Token token;
  token.set_id(absl::StrCat("tok_", hash.substr(0, 16)));
  // Revoked (FindToken knows live tokens only): the server starts without it, and says
  // so, rather than refusing to start in a loop.
  ASSIGN_OR_RETURN(std::vector<v1::Token> tokens, store_->ListTokens());
  for (const v1::Token& t : tokens) {
    if (t.id() == token.id() && !t.revoked_at().empty()) {
      return absl::StrCat(label, ": its token ", t.id(), " was revoked at ",
                          t.revoked_at(), "; not imported (give a new secret)");
    }
  }
  token.set_role(role);
  token.set_label(label);
  const Caller setup{v1::ROLE_ADMIN, "setup", ""};
  RETURN_IF_ERROR(store_->AddToken(Ctx(setup, token, "ImportToken", "", ""), token, hash)
                      .status());
  return std::string();
}

absl::StatusOr<v1::Token> Core::GetCallerToken(const Caller& c,
                                               const v1::GetCallerTokenRequest&) {
  ASSIGN_OR_RETURN(std::vector<v1::Token> tokens, store_->ListTokens());
  for (const v1::Token& t : tokens) {
    if (t.id() == c.token_id) return t;
  }
  return absl::NotFoundError(absl::StrCat("tokens/", c.token_id, ": not found"));
}

// ---- criteria sets, plans, units ----

absl::StatusOr<v1::CriteriaSet> Core::CreateCriteriaSet(
    const Caller& c, const v1::CreateCriteriaSetRequest& r) {
  v1::CriteriaSet set;
  if (r.has_criteria_set()) {
    set = r.criteria_set();
    auto compiled = engine::CompiledCriteriaSet::Compile(set);
    if (!compiled.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("criteria_set: ", compiled.status().message()));
    }
  } else if (!r.yaml().empty()) {
    ASSIGN_OR_RETURN(auto parsed, criteria::ParseCriteriaSet(r.yaml(), "yaml"));
    auto compiled = engine::CompiledCriteriaSet::Compile(parsed.proto);
    if (!compiled.ok()) return parsed.source.Annotate(compiled.status());
    set = std::move(parsed.proto);
  } else {
    return absl::InvalidArgumentError("source: give criteria_set or yaml");
  }
  return Respond<v1::CriteriaSet>(
      Ctx(c, r, "CreateCriteriaSet", absl::StrCat("criteriaSets/", set.id()),
          r.request_id()),
      [&](const store::WriteContext& x) { return store_->AddCriteriaSet(x, set); },
      [&](const v1::WriteAck& ack) {
        v1::CriteriaSet stored = set;
        stored.set_version(static_cast<int32_t>(ack.version()));
        return stored;
      });
}

absl::StatusOr<v1::CriteriaSet> Core::GetCriteriaSet(const Caller& c,
                                                     const v1::GetCriteriaSetRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.name(), "criteriaSets"));
  return store_->GetCriteriaSet(id, r.version());
}

absl::StatusOr<v1::ListCriteriaSetsResponse> Core::ListCriteriaSets(
    const Caller& c, const v1::ListRequest& r) {
  std::vector<v1::CriteriaSet> sets;
  if (r.filter().empty()) {
    ASSIGN_OR_RETURN(sets, store_->ListCriteriaSets());
  } else {
    // "id=commune-2025": every version of one set, oldest first.
    std::vector<std::string> kv = absl::StrSplit(r.filter(), absl::MaxSplits('=', 1));
    if (kv.size() != 2 || kv[0] != "id")
      return absl::InvalidArgumentError("filter: use id=…");
    for (int32_t version = 1;; ++version) {
      absl::StatusOr<v1::CriteriaSet> set = store_->GetCriteriaSet(kv[1], version);
      if (!set.ok()) break;
      sets.push_back(*std::move(set));
    }
    if (sets.empty())
      return absl::NotFoundError(absl::StrCat("criteriaSets/", kv[1], ": not found"));
  }
  v1::ListCriteriaSetsResponse response;
  RETURN_IF_ERROR(Page(sets, r, response.mutable_criteria_sets(),
                       response.mutable_next_page_token()));
  return response;
}

absl::StatusOr<v1::Plan> Core::PutPlan(const Caller& c, const v1::PutPlanRequest& r) {
  v1::Plan plan;
  if (r.has_plan()) {
    plan = r.plan();
    auto compiled = engine::CompiledPlan::Compile(plan);
    if (!compiled.ok())
      return absl::InvalidArgumentError(
          absl::StrCat("plan: ", compiled.status().message()));
  } else if (!r.yaml().empty()) {
    ASSIGN_OR_RETURN(auto parsed, criteria::ParsePlan(r.yaml(), "yaml"));
    auto compiled = engine::CompiledPlan::Compile(parsed.proto);
    if (!compiled.ok()) return parsed.source.Annotate(compiled.status());
    plan = std::move(parsed.proto);
  } else {
    return absl::InvalidArgumentError("source: give plan or yaml");
  }
  ASSIGN_OR_RETURN(v1::Plan stored,
                   Respond<v1::Plan>(
                       Ctx(c, r, "PutPlan", absl::StrCat("plans/", plan.id()),
                           r.request_id()),
                       [&](const store::WriteContext& x) { return store_->PutPlan(x, plan); },
                       [&](const v1::WriteAck&) { return plan; }));
  EverythingChanged();
  return stored;
}

absl::StatusOr<v1::Plan> Core::GetPlan(const Caller& c, const v1::GetByNameRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.name(), "plans"));
  return store_->GetPlan(id);
}

absl::StatusOr<v1::ListPlansResponse> Core::ListPlans(const Caller& c,
                                                      const v1::ListRequest& r) {
  ASSIGN_OR_RETURN(std::vector<v1::Plan> plans, store_->ListPlans());
  v1::ListPlansResponse response;
  RETURN_IF_ERROR(
      Page(plans, r, response.mutable_plans(), response.mutable_next_page_token()));
  return response;
}

absl::StatusOr<v1::Unit> Core::PutUnit(const Caller& c, const v1::PutUnitRequest& r) {
  const v1::Unit& unit = r.unit();
  if (unit.code().empty() || unit.code().find('/') != std::string::npos) {
    return absl::InvalidArgumentError("unit.code: required, without '/'");
  }
  if (unit.name().empty()) return absl::InvalidArgumentError("unit.name: is required");
  if (unit.kind() == v1::UNIT_KIND_UNSPECIFIED)
    return absl::InvalidArgumentError("unit.kind: is required");
  ASSIGN_OR_RETURN(v1::Unit stored,
                   Respond<v1::Unit>(
                       Ctx(c, r, "PutUnit", absl::StrCat("units/", unit.code()),
                           r.request_id()),
                       [&](const store::WriteContext& x) { return store_->PutUnit(x, unit); },
                       [&](const v1::WriteAck&) { return unit; }));
  EverythingChanged();
  return stored;
}

absl::StatusOr<v1::Unit> Core::GetUnit(const Caller& c, const v1::GetByNameRequest& r) {
  ASSIGN_OR_RETURN(std::string code, ParseName(r.name(), "units"));
  return store_->GetUnit(code);
}

absl::StatusOr<v1::ListUnitsResponse> Core::ListUnits(const Caller& c,
                                                      const v1::ListRequest& r) {
  ASSIGN_OR_RETURN(std::vector<v1::Unit> units, store_->ListUnits());
  if (!r.filter().empty()) {
    std::vector<std::string> parts = absl::StrSplit(r.filter(), absl::MaxSplits('=', 1));
    if (parts.size() != 2 ||
        (parts[0] != "kind" && parts[0] != "parent" && parts[0] != "block")) {
      return absl::InvalidArgumentError("filter: use kind=…, parent=… or block=…");
    }
    std::vector<v1::Unit> kept;
    for (const v1::Unit& u : units) {
      const std::string value = parts[0] == "kind"
                                    ? absl::AsciiStrToLower(v1::UnitKind_Name(u.kind()))
                                : parts[0] == "parent" ? u.parent()
                                                       : engine::BlockOf(u);
      if (value == parts[1]) kept.push_back(u);
    }
    units = std::move(kept);
  }
  v1::ListUnitsResponse response;
  RETURN_IF_ERROR(
      Page(units, r, response.mutable_units(), response.mutable_next_page_token()));
  return response;
}

// ---- rounds ----

namespace {

// Normalises an RFC 3339 deadline to Vietnam time; empty stays empty.
absl::Status NormaliseDeadline(std::string* deadline, absl::string_view field) {
  if (deadline->empty()) return absl::OkStatus();
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, *deadline, &t, &error)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": '", *deadline,
                                                   "' is not an RFC 3339 time (e.g. "
                                                   "2023-12-05T17:00:00+07:00)"));
  }
  *deadline = absl::FormatTime(absl::RFC3339_sec, t, VietnamTime());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Round> Core::CreateRound(const Caller& c,
                                            const v1::CreateRoundRequest& r) {
  v1::Round round = r.round();
  if (round.id().empty() || round.id().find('/') != std::string::npos) {
    return absl::InvalidArgumentError("round.id: required, without '/'");
  }
  if (round.criteria_set().empty())
    return absl::InvalidArgumentError("round.criteria_set: is required");
  if (round.units().empty())
    return absl::InvalidArgumentError("round.units: name the units taking part");
  for (int i = 0; i < round.units_size(); ++i) {
    for (int j = 0; j < i; ++j) {
      if (round.units(i) == round.units(j)) {
        return absl::InvalidArgumentError(
            absl::StrCat("round.units[", i, "]: ", round.units(i), " is listed twice"));
      }
    }
  }
  if (round.criteria_set_version() == 0) {
    ASSIGN_OR_RETURN(v1::CriteriaSet latest,
                     store_->GetCriteriaSet(round.criteria_set(), 0));
    round.set_criteria_set_version(latest.version());
  }
  RETURN_IF_ERROR(NormaliseDeadline(round.mutable_self_assessment_deadline(),
                                    "round.self_assessment_deadline"));
  RETURN_IF_ERROR(NormaliseDeadline(round.mutable_explanation_deadline(),
                                    "round.explanation_deadline"));
  for (int i = 0; i < round.plans_size(); ++i) {
    if (!store_->GetPlan(round.plans(i)).ok()) {
      return absl::NotFoundError(
          absl::StrCat("round.plans[", i, "]: plans/", round.plans(i), " not found"));
    }
  }
  round.set_phase(v1::PHASE_DRAFT);
  return Respond<v1::Round>(
      Ctx(c, r, "CreateRound", absl::StrCat("rounds/", round.id()), r.request_id()),
      [&](const store::WriteContext& x) { return store_->CreateRound(x, round); },
      [&](const v1::WriteAck& ack) {
        v1::Round stored = round;
        stored.set_version(ack.version());
        stored.set_created_at(ack.at());
        stored.set_updated_at(ack.at());
        return stored;
      });
}

absl::StatusOr<v1::Round> Core::GetRound(const Caller& c, const v1::GetByNameRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.name(), "rounds"));
  ASSIGN_OR_RETURN(v1::Round round, store_->GetRound(id));
  if (c.role == v1::ROLE_READER && round.phase() != v1::PHASE_PUBLISHED) {
    return absl::PermissionDeniedError(absl::StrCat("round ", id, " is not published"));
  }
  return round;
}

absl::StatusOr<v1::ListRoundsResponse> Core::ListRounds(const Caller& c,
                                                        const v1::ListRequest& r) {
  ASSIGN_OR_RETURN(std::vector<v1::Round> rounds, store_->ListRounds());
  if (c.role == v1::ROLE_READER) {
    rounds.erase(std::remove_if(
                     rounds.begin(), rounds.end(),
                     [](const v1::Round& x) { return x.phase() != v1::PHASE_PUBLISHED; }),
                 rounds.end());
  }
  v1::ListRoundsResponse response;
  RETURN_IF_ERROR(
      Page(rounds, r, response.mutable_rounds(), response.mutable_next_page_token()));
  return response;
}

absl::StatusOr<v1::Round> Core::UpdateRound(const Caller& c,
                                            const v1::UpdateRoundRequest& r) {
  const std::string resource = absl::StrCat("rounds/", r.round().id());
  store::WriteContext ctx = Ctx(c, r, "UpdateRound", resource, r.request_id());
  ASSIGN_OR_RETURN(auto prior, Replayed<v1::Round>(ctx));
  if (prior.has_value()) return *std::move(prior);
  ASSIGN_OR_RETURN(v1::Round round, store_->GetRound(r.round().id()));
  for (const std::string& path : r.update_mask().paths()) {
    if (path == "title") {
      round.set_title(r.round().title());
    } else if (path == "self_assessment_deadline") {
      round.set_self_assessment_deadline(r.round().self_assessment_deadline());
      RETURN_IF_ERROR(NormaliseDeadline(round.mutable_self_assessment_deadline(),
                                        "round.self_assessment_deadline"));
    } else if (path == "explanation_deadline") {
      round.set_explanation_deadline(r.round().explanation_deadline());
      RETURN_IF_ERROR(NormaliseDeadline(round.mutable_explanation_deadline(),
                                        "round.explanation_deadline"));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("update_mask: '", path,
                       "' cannot be updated (title, self_assessment_deadline, "
                       "explanation_deadline)"));
    }
  }
  if (r.update_mask().paths().empty())
    return absl::InvalidArgumentError("update_mask: name the fields to update");
  ASSIGN_OR_RETURN(v1::Round stored, WriteRound(std::move(ctx), round, r.etag()));
  RoundChanged(round.id());
  return stored;
}

absl::StatusOr<v1::Round> Core::WriteRound(store::WriteContext ctx,
                                           const v1::Round& round, int64_t etag) {
  return Respond<v1::Round>(
      std::move(ctx),
      [&](const store::WriteContext& x) { return store_->UpdateRound(x, round, etag); },
      [&](const v1::WriteAck& ack) {
        v1::Round stored = round;
        stored.set_version(ack.version());
        stored.set_updated_at(ack.at());
        return stored;
      });
}

absl::StatusOr<v1::Round> Core::AdvanceRound(const Caller& c,
                                             const v1::AdvanceRoundRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.name(), "rounds"));
  store::WriteContext ctx = Ctx(c, r, "AdvanceRound", r.name(), r.request_id());
  ASSIGN_OR_RETURN(auto prior, Replayed<v1::Round>(ctx));
  if (prior.has_value()) return *std::move(prior);
  ASSIGN_OR_RETURN(v1::Round round, store_->GetRound(id));
  RETURN_IF_ERROR(Allow(Verb::kAdvance, c.role, round, nullptr, Now()).status());
  const auto next = static_cast<v1::RoundPhase>(round.phase() + 1);
  if (r.to_phase() != next) {
    return absl::FailedPreconditionError(
        absl::StrCat("round ", id, " is in phase ", PhaseName(round.phase()),
                     ": it can only move to ", PhaseName(next)));
  }
  round.set_phase(next);
  ASSIGN_OR_RETURN(v1::Round stored, WriteRound(std::move(ctx), round, r.etag()));
  RoundChanged(id);
  return stored;
}

// ---- audit ----

absl::StatusOr<v1::ListAuditEventsResponse> Core::ListAuditEvents(
    const Caller& c, const v1::ListRequest& r) {
  store::AuditFilter filter;
  filter.limit = 100000;
  if (!r.filter().empty()) {
    for (absl::string_view clause : absl::StrSplit(r.filter(), " AND ")) {
      std::vector<std::string> kv = absl::StrSplit(clause, absl::MaxSplits('=', 1));
      if (kv.size() == 2 && kv[0] == "resource") {
        filter.resource_prefix = kv[1];
      } else if (kv.size() == 2 && kv[0] == "actor") {
        filter.actor = kv[1];
      } else {
        return absl::InvalidArgumentError(
            "filter: use resource=…, actor=…, joined by ' AND '");
      }
    }
  }
  ASSIGN_OR_RETURN(std::vector<v1::AuditEvent> events, store_->ListAudit(filter));
  v1::ListAuditEventsResponse response;
  RETURN_IF_ERROR(
      Page(events, r, response.mutable_events(), response.mutable_next_page_token()));
  return response;
}

}  // namespace parindex::server
