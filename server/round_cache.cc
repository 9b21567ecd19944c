// RoundCache: the Core's caches over the store (server/round_cache.h).
//
// A unit's rendered score (with its trace) is kept until that unit changes; ranks are
// kept per round until any unit of the round changes, and are computed with the
// engine's compact ScoreSheet (no trace), so a write costs one unit's render plus a
// round of cheap scoring, not a round of renders.
#include "server/round_cache.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/ranking.h"
#include "engine/scorer.h"

namespace parindex::server {

absl::StatusOr<std::shared_ptr<const engine::CompiledCriteriaSet>>
RoundCache::CompiledSet(const std::string& id, int32_t version) {
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

absl::StatusOr<std::shared_ptr<const RoundContext>> RoundCache::LoadRound(
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
  // A finalised round scores with the units and plans it was finalised with.
  ASSIGN_OR_RETURN(store::Store::RoundInputs pinned, store_->GetRoundInputs(id));
  if (!pinned.units.empty()) {
    for (v1::Unit& unit : pinned.units) context->units[unit.code()] = std::move(unit);
    for (v1::Plan& plan : pinned.plans) {
      const std::string plan_id = plan.id();
      ASSIGN_OR_RETURN(context->plans[plan_id],
                       engine::CompiledPlan::Compile(std::move(plan)));
    }
  } else {
    for (const std::string& code : context->round.units()) {
      ASSIGN_OR_RETURN(context->units[code], store_->GetUnit(code));
    }
    for (const std::string& plan_id : context->round.plans()) {
      ASSIGN_OR_RETURN(v1::Plan plan, store_->GetPlan(plan_id));
      ASSIGN_OR_RETURN(context->plans[plan_id],
                       engine::CompiledPlan::Compile(std::move(plan)));
    }
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

void RoundCache::Changed(const std::string& round, const std::string& unit) {
  std::lock_guard<std::mutex> lock(mu_);
  ++unit_generation_[{round, unit}];
  ++round_generation_[round];
}

void RoundCache::RoundChanged(const std::string& round) {
  std::lock_guard<std::mutex> lock(mu_);
  rounds_.erase(round);
}

void RoundCache::EverythingChanged() {
  std::lock_guard<std::mutex> lock(mu_);
  rounds_.clear();
  scores_.clear();
  ranks_.clear();
}

absl::StatusOr<std::shared_ptr<const ScoreEntry>> RoundCache::CachedScore(
    const RoundContext& round, const std::string& unit, v1::Column column,
    v1::Language language) {
  if (language != v1::VIETNAMESE) language = v1::ENGLISH;
  const auto key = std::make_tuple(
      round.round.id(), unit, static_cast<int>(column) * 4 + static_cast<int>(language));
  int64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    generation = unit_generation_[{round.round.id(), unit}];
    auto it = scores_.find(key);
    if (it != scores_.end() && it->second->generation == generation) return it->second;
  }
  ASSIGN_OR_RETURN(v1::Assessment assessment,
                   store_->GetAssessment(round.round.id(), unit));
  const v1::Unit& u = round.units.at(unit);
  absl::StatusOr<v1::UnitScore> score =
      engine::ScoreUnit(*round.set, round.PlanFor(u), u, assessment, column, language);
  if (!score.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the stored figures of ", unit, " cannot be scored: ", score.status().message()));
  }
  auto entry = std::make_shared<ScoreEntry>();
  entry->generation = generation;
  entry->score = *std::move(score);
  entry->serialized = entry->score.SerializeAsString();
  std::lock_guard<std::mutex> lock(mu_);
  scores_[key] = entry;
  return std::shared_ptr<const ScoreEntry>(entry);
}

absl::StatusOr<v1::UnitScore> RoundCache::ScoreOf(const RoundContext& round,
                                                  const std::string& unit,
                                                  v1::Column column,
                                                  v1::Language language) {
  ASSIGN_OR_RETURN(auto entry, CachedScore(round, unit, column, language));
  return entry->score;
}

absl::StatusOr<v1::UnitScore> RoundCache::ScoreOrError(const RoundContext& round,
                                                       const std::string& unit,
                                                       v1::Column column,
                                                       v1::Language language) {
  absl::StatusOr<v1::UnitScore> score = ScoreOf(round, unit, column, language);
  if (score.ok() || score.status().code() != absl::StatusCode::kFailedPrecondition)
    return score;
  const v1::Unit& u = round.units.at(unit);
  v1::UnitScore error;
  error.set_unit(unit);
  error.set_unit_name(u.name());
  error.set_kind(u.kind());
  error.set_block(engine::BlockOf(u));
  error.set_column(column);
  error.set_error(std::string(score.status().message()));
  return error;
}

absl::StatusOr<std::shared_ptr<const std::map<std::string, RankEntry>>>
RoundCache::RanksOf(const RoundContext& round, v1::Column column) {
  const auto key = std::make_pair(round.round.id(), static_cast<int>(column));
  int64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    generation = round_generation_[round.round.id()];
    auto it = ranks_.find(key);
    if (it != ranks_.end() && it->second.first == generation) return it->second.second;
  }
  ASSIGN_OR_RETURN(std::vector<v1::Assessment> assessments,
                   store_->ListAssessments(round.round.id(), /*with_files=*/false));
  std::vector<std::string> blocks;
  std::vector<engine::RankKey> keys;
  std::vector<std::string> units;
  blocks.reserve(assessments.size());
  engine::ScoreSheet sheet;
  for (const v1::Assessment& a : assessments) {
    const v1::Unit& u = round.units.at(a.unit());
    // A unit whose stored data cannot be scored has no rank; it never stops the
    // ranking of the others (GetRanking shows its error).
    if (!engine::Score(*round.set, round.PlanFor(u), u, a, column, &sheet).ok()) continue;
    blocks.push_back(engine::BlockOf(u));
    keys.push_back({"", sheet.index_hundredths, sheet.index_applicable});
    units.push_back(a.unit());
  }
  for (size_t i = 0; i < keys.size(); ++i) keys[i].block = blocks[i];
  const std::vector<int> ranks = engine::RankInBlocks(keys);
  auto result = std::make_shared<Ranks>();
  for (size_t i = 0; i < units.size(); ++i) {
    (*result)[units[i]] = {ranks[i], blocks[i], keys[i].index_hundredths,
                           keys[i].applicable};
  }
  std::lock_guard<std::mutex> lock(mu_);
  ranks_[key] = {generation, result};
  return std::shared_ptr<const Ranks>(result);
}

absl::StatusOr<std::shared_ptr<const Ranks>> RoundCache::RanksAmong(
    const RoundContext& round, v1::Column column, const std::vector<std::string>& units) {
  ASSIGN_OR_RETURN(std::shared_ptr<const Ranks> all, RanksOf(round, column));
  if (units.size() == static_cast<size_t>(round.round.units_size())) return all;
  std::vector<const std::string*> ranked;
  std::vector<engine::RankKey> keys;
  for (const std::string& u : units) {
    auto it = all->find(u);
    if (it == all->end()) continue;  // cannot be scored: no rank
    ranked.push_back(&u);
    keys.push_back(
        {it->second.block, it->second.index_hundredths, it->second.applicable});
  }
  const std::vector<int> ranks = engine::RankInBlocks(keys);
  auto result = std::make_shared<Ranks>();
  for (size_t i = 0; i < ranked.size(); ++i) {
    RankEntry entry = all->at(*ranked[i]);
    entry.rank = ranks[i];
    (*result)[*ranked[i]] = std::move(entry);
  }
  return std::shared_ptr<const Ranks>(result);
}

absl::StatusOr<store::StoredAccount> RoundCache::Account(const std::string& id) {
  if (!cache_accounts_) return store_->GetAccount(id);
  int64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(accounts_mu_);
    auto it = accounts_.find(id);
    if (it != accounts_.end()) return it->second;
    generation = account_generation_[id];
  }
  ASSIGN_OR_RETURN(store::StoredAccount stored, store_->GetAccount(id));
  std::lock_guard<std::mutex> lock(accounts_mu_);
  // Changed while the store was read: what was read may be from before the change.
  if (account_generation_[id] == generation) accounts_[id] = stored;
  return stored;
}

void RoundCache::AccountChanged(const std::string& id) {
  std::lock_guard<std::mutex> lock(accounts_mu_);
  ++account_generation_[id];
  accounts_.erase(id);
}

}  // namespace parindex::server
