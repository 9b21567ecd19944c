// RoundCache: the Core's caches over the store (server/round_cache.h).
//
// A unit's rendered score (with its trace) is kept until that unit changes. A round's
// ranks, ranking rows and summary points live in its RoundTable: a write marks its
// unit pending, and the next read re-scores that unit alone with the engine's compact
// ScoreSheet (no trace) and moves its index within its block's sorted order, so a
// write costs one unit's scoring, not a round's; a rank is a binary search.
#include "server/round_cache.h"

#include <algorithm>
#include <functional>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/ranking.h"
#include "engine/scorer.h"
#include "server/policy.h"

namespace parindex::server {

bool MarkAppraisal(const v1::Round& round, const v1::Assessment& assessment,
                   v1::Column column, v1::UnitScore* score) {
  if (column == v1::APPRAISED ? HasAppraisal(round, assessment)
                              : !NeverStarted(assessment)) {
    return true;
  }
  if (column == v1::APPRAISED) {
    score->set_not_appraised(true);
  } else {
    score->set_not_started(true);
  }
  score->clear_index_hundredths();
  score->clear_classification();
  score->clear_rank();
  return false;
}

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
  // Loaded twice at once: everyone shares the first, so that tables are not rebuilt
  // back and forth between two loads.
  auto [it, inserted] = rounds_.emplace(id, context);
  if (inserted) context->serial = ++next_serial_;
  return it->second;
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
  for (auto it = tables_.lower_bound({round, 0});
       it != tables_.end() && it->first.first == round; ++it) {
    it->second->pending.insert(unit);
  }
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
  for (auto& [key, table] : tables_) table->stale = true;
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
    if (it != scores_.end() && it->second->generation == generation &&
        it->second->round_serial == round.serial) {
      return it->second;
    }
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
  MarkAppraisal(round.round, assessment, column, &*score);
  auto entry = std::make_shared<ScoreEntry>();
  entry->generation = generation;
  entry->round_serial = round.serial;
  entry->score = *std::move(score);
  entry->serialized = entry->score.SerializeAsString();
  std::lock_guard<std::mutex> lock(mu_);
  scores_[key] = entry;
  return std::shared_ptr<const ScoreEntry>(entry);
}

namespace {

// A unit's score that says why its stored figures cannot be scored (and nothing else).
v1::UnitScore UnscorableScore(const v1::Unit& u, v1::Column column,
                              absl::string_view why) {
  v1::UnitScore error;
  error.set_unit(u.code());
  error.set_unit_name(u.name());
  error.set_kind(u.kind());
  error.set_block(engine::BlockOf(u));
  error.set_column(column);
  error.set_error(std::string(why));
  return error;
}

std::string CannotBeScored(const v1::Unit& u, const absl::Status& scored) {
  return absl::StrCat("the stored figures of ", u.code(),
                      " cannot be scored: ", scored.message());
}

}  // namespace

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
  return UnscorableScore(round.units.at(unit), column, score.status().message());
}

void RoundCache::RenderScoreOrError(const RoundContext& round,
                                    const v1::Assessment& assessment, v1::Column column,
                                    v1::Language language, engine::ScoreSheet* sheet,
                                    v1::UnitScore* score) {
  if (language != v1::VIETNAMESE) language = v1::ENGLISH;
  const v1::Unit& u = round.units.at(assessment.unit());
  const engine::CompiledPlan* plan = round.PlanFor(u);
  const absl::Status scored =
      engine::Score(*round.set, plan, u, assessment, column, sheet);
  if (scored.ok()) {
    engine::ExplainInto(*round.set, plan, u, assessment, column, *sheet, language, score);
    MarkAppraisal(round.round, assessment, column, score);
    return;
  }
  score->CopyFrom(UnscorableScore(u, column, CannotBeScored(u, scored)));
}

absl::StatusOr<std::shared_ptr<const std::map<std::string, RankEntry>>>
RoundCache::RanksOf(const RoundContext& round, v1::Column column) {
  const auto key = std::make_pair(round.round.id(), static_cast<int>(column));
  ASSIGN_OR_RETURN(std::shared_ptr<Table> table, CurrentTable(round, column));
  std::lock_guard<std::mutex> table_lock(table->mu);
  const RoundTable& t = table->data;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = ranks_.find(key);
    if (it != ranks_.end() && it->second.first == t.version) return it->second.second;
  }
  auto result = std::make_shared<Ranks>();
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const UnitRow& row = t.rows[i];
    // A unit whose stored data cannot be scored has no rank; it never stops the
    // ranking of the others (GetRanking shows its error).
    if (!row.scored) continue;
    result->emplace_hint(result->end(), t.codes[i],
                         RankEntry{t.RankOf(static_cast<int>(i)), t.blocks[row.block],
                                   row.index_hundredths, row.Ranked()});
  }
  std::lock_guard<std::mutex> lock(mu_);
  ranks_[key] = {t.version, result};
  return std::shared_ptr<const Ranks>(result);
}

absl::StatusOr<int> RoundCache::RankOf(const RoundContext& round, v1::Column column,
                                       const std::string& unit) {
  int rank = 0;
  RETURN_IF_ERROR(WithTable(round, column, [&](const RoundTable& t) {
    auto it = t.position.find(unit);
    if (it != t.position.end()) rank = t.RankOf(it->second);
    return absl::OkStatus();
  }));
  return rank;
}

absl::StatusOr<std::shared_ptr<const std::string>> RoundCache::TableBytes(
    const RoundContext& round, v1::Column column, const std::string& key,
    const std::function<absl::StatusOr<std::string>(const RoundTable&)>& build) {
  ASSIGN_OR_RETURN(std::shared_ptr<Table> table, CurrentTable(round, column));
  std::lock_guard<std::mutex> lock(table->mu);
  auto it = table->bytes.find(key);
  if (it != table->bytes.end() && it->second.first == table->data.version)
    return it->second.second;
  ASSIGN_OR_RETURN(std::string bytes, build(table->data));
  auto shared = std::make_shared<const std::string>(std::move(bytes));
  table->bytes[key] = {table->data.version, shared};
  return shared;
}

int RoundTable::RankOf(int position) const {
  const UnitRow& row = rows[position];
  if (!row.Ranked()) return 0;
  const std::vector<int64_t>& ranked = order[row.block];
  // Best first: the units before the first of this index are those above it.
  auto first = std::lower_bound(ranked.begin(), ranked.end(), row.index_hundredths,
                                std::greater<int64_t>());
  return static_cast<int>(first - ranked.begin()) + 1;
}

int RoundTable::RankAmong(int position, const std::vector<int>& among) const {
  const UnitRow& row = rows[position];
  if (!row.Ranked()) return 0;
  int above = 0;
  for (int other : among) {
    const UnitRow& o = rows[other];
    above +=
        o.Ranked() && o.block == row.block && o.index_hundredths > row.index_hundredths;
  }
  return above + 1;
}

absl::StatusOr<std::shared_ptr<RoundCache::Table>> RoundCache::CurrentTable(
    const RoundContext& round, v1::Column column) {
  std::shared_ptr<Table> table;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::shared_ptr<Table>& slot = tables_[{round.round.id(), static_cast<int>(column)}];
    if (slot == nullptr) slot = std::make_shared<Table>();
    table = slot;
  }
  std::lock_guard<std::mutex> table_lock(table->mu);
  std::set<std::string> pending;
  bool rebuild = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending.swap(table->pending);
    rebuild = table->stale || table->data.serial != round.serial;
    table->stale = false;
  }
  if (rebuild) {
    // Every unit is read now: what was pending is in it.
    absl::Status built = Rebuild(round, column, &table->data);
    if (!built.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      table->stale = true;
      return built;
    }
    return table;
  }
  for (const std::string& unit : pending) {
    absl::Status rescored = Rescore(round, column, unit, &table->data);
    if (!rescored.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      table->pending.insert(pending.begin(), pending.end());  // try again next read
      return rescored;
    }
  }
  if (!pending.empty()) ++table->data.version;
  return table;
}

void RoundCache::ScoreRow(const RoundContext& round, v1::Column column,
                          const v1::Assessment& assessment, engine::ScoreSheet* sheet,
                          UnitRow* row) {
  const v1::Unit& u = round.units.at(assessment.unit());
  const engine::CompiledPlan* plan = round.PlanFor(u);
  const absl::Status scored =
      engine::Score(*round.set, plan, u, assessment, column, sheet);
  row->scored = scored.ok();
  row->points.clear();
  if (!scored.ok()) {
    const v1::UnitScore error = UnscorableScore(u, column, CannotBeScored(u, scored));
    row->applicable = false;
    row->index_hundredths = 0;
    row->row = error.SerializeAsString();
    return;
  }
  v1::UnitScore totals = engine::ExplainTotals(*round.set, plan, u, column, *sheet);
  // The appraised column of a unit the office has not appraised is the unit's own
  // figures: not an appraised index, not ranked.
  row->appraised = MarkAppraisal(round.round, assessment, column, &totals);
  row->applicable = sheet->index_applicable;
  row->index_hundredths = sheet->index_hundredths;
  // A ranking's row: the unit, its totals and its areas' points. What every row would
  // repeat (the set, its version, the plan, the column, the areas' titles and maxima)
  // and the warnings' texts are left to GetUnitScore: a national ranking of 3,321 rows
  // was 2.6 MB with them, near a client's default 4 MB limit.
  totals.clear_criteria_set();
  totals.clear_criteria_set_version();
  totals.clear_plan();
  totals.clear_column();
  totals.clear_warnings();
  for (v1::AreaScore& area : *totals.mutable_areas()) {
    area.clear_title();
    area.clear_max_milli();
  }
  row->row = totals.SerializeAsString();
  row->points.reserve(sheet->areas.size() + sheet->nodes.size());
  for (const engine::AreaTotal& a : sheet->areas) {
    row->points.push_back(a.applicable_max_milli > 0 ? a.points_milli
                                                     : UnitRow::kNotApplicable);
  }
  for (const engine::NodeScore& n : sheet->nodes) {
    row->points.push_back(n.applicable_max_milli > 0 ? n.points_milli
                                                     : UnitRow::kNotApplicable);
  }
}

absl::Status RoundCache::Rebuild(const RoundContext& round, v1::Column column,
                                 RoundTable* t) {
  ASSIGN_OR_RETURN(std::vector<v1::Assessment> assessments,
                   store_->ListAssessments(round.round.id(), /*with_files=*/false));
  RoundTable fresh;
  fresh.serial = round.serial;
  fresh.version = t->version + 1;
  std::set<std::string> blocks;
  for (const auto& [code, unit] : round.units) blocks.insert(engine::BlockOf(unit));
  fresh.blocks.assign(blocks.begin(), blocks.end());
  fresh.codes.assign(round.round.units().begin(), round.round.units().end());
  std::sort(fresh.codes.begin(), fresh.codes.end());
  fresh.rows.resize(fresh.codes.size());
  fresh.order.resize(fresh.blocks.size());
  for (size_t i = 0; i < fresh.codes.size(); ++i) {
    fresh.position[fresh.codes[i]] = static_cast<int>(i);
    const std::string block = engine::BlockOf(round.units.at(fresh.codes[i]));
    fresh.rows[i].block = static_cast<int>(
        std::lower_bound(fresh.blocks.begin(), fresh.blocks.end(), block) -
        fresh.blocks.begin());
  }
  engine::ScoreSheet sheet;
  for (const v1::Assessment& a : assessments) {
    auto it = fresh.position.find(a.unit());
    if (it == fresh.position.end()) continue;
    UnitRow& row = fresh.rows[it->second];
    ScoreRow(round, column, a, &sheet, &row);
    if (row.Ranked()) fresh.order[row.block].push_back(row.index_hundredths);
  }
  for (std::vector<int64_t>& ranked : fresh.order)
    std::sort(ranked.begin(), ranked.end(), std::greater<int64_t>());
  *t = std::move(fresh);
  return absl::OkStatus();
}

absl::Status RoundCache::Rescore(const RoundContext& round, v1::Column column,
                                 const std::string& unit, RoundTable* t) {
  auto it = t->position.find(unit);
  if (it == t->position.end()) return absl::OkStatus();  // not in the round
  ASSIGN_OR_RETURN(v1::Assessment assessment,
                   store_->GetAssessment(round.round.id(), unit));
  UnitRow& row = t->rows[it->second];
  std::vector<int64_t>& ranked = t->order[row.block];
  if (row.Ranked()) {
    auto at = std::lower_bound(ranked.begin(), ranked.end(), row.index_hundredths,
                               std::greater<int64_t>());
    ranked.erase(at);
  }
  engine::ScoreSheet sheet;
  ScoreRow(round, column, assessment, &sheet, &row);
  if (row.Ranked()) {
    ranked.insert(std::upper_bound(ranked.begin(), ranked.end(), row.index_hundredths,
                                   std::greater<int64_t>()),
                  row.index_hundredths);
  }
  return absl::OkStatus();
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

void RoundCache::AllAccountsChanged() {
  std::lock_guard<std::mutex> lock(accounts_mu_);
  for (const auto& [id, account] : accounts_) ++account_generation_[id];
  accounts_.clear();
}

void RoundCache::AccountChanged(const std::string& id) {
  std::lock_guard<std::mutex> lock(accounts_mu_);
  ++account_generation_[id];
  accounts_.erase(id);
}

}  // namespace parindex::server
