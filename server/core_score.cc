// Core: scores from stored data, cached until a write changes them.
//
// A unit's rendered score (with its trace) is kept until that unit changes; ranks are
// kept per round until any unit of the round changes, and are computed with the
// engine's compact ScoreSheet (no trace), so a write costs one unit's render plus a
// round of cheap scoring, not a round of renders.
#include "server/core.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/fixed_point.h"
#include "engine/ranking.h"
#include "server/core_internal.h"
#include "server/core_util.h"
#include "server/policy.h"

namespace parindex::server {
namespace {

v1::Column ColumnOr(v1::Column column) {
  return column == v1::COLUMN_UNSPECIFIED ? v1::APPRAISED : column;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const ScoreEntry>> Core::CachedScore(
    const RoundContext& round, const std::string& unit, v1::Column column) {
  const auto key = std::make_tuple(round.round.id(), unit, static_cast<int>(column));
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
      engine::ScoreUnit(*round.set, round.PlanFor(u), u, assessment, column);
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

absl::StatusOr<v1::UnitScore> Core::ScoreOf(const RoundContext& round,
                                            const std::string& unit, v1::Column column) {
  ASSIGN_OR_RETURN(auto entry, CachedScore(round, unit, column));
  return entry->score;
}

absl::StatusOr<v1::UnitScore> Core::ScoreOrError(const RoundContext& round,
                                                 const std::string& unit,
                                                 v1::Column column) {
  absl::StatusOr<v1::UnitScore> score = ScoreOf(round, unit, column);
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

absl::StatusOr<std::shared_ptr<const std::map<std::string, RankEntry>>> Core::RanksOf(
    const RoundContext& round, v1::Column column) {
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
  auto result = std::make_shared<std::map<std::string, RankEntry>>();
  for (size_t i = 0; i < units.size(); ++i) (*result)[units[i]].rank = ranks[i];
  std::lock_guard<std::mutex> lock(mu_);
  ranks_[key] = {generation, result};
  return std::shared_ptr<const std::map<std::string, RankEntry>>(result);
}

absl::StatusOr<v1::UnitScore> Core::GetUnitScore(const Caller& c,
                                                 const v1::GetUnitScoreRequest& r) {
  ASSIGN_OR_RETURN(auto name, ParseAssessmentName(r.name()));
  ASSIGN_OR_RETURN(auto round, LoadRound(name.first));
  RETURN_IF_ERROR(CheckUnit(c, *round, name.second, Subject::kScore));
  const v1::Column column = ColumnOr(r.column());
  ASSIGN_OR_RETURN(v1::UnitScore score, ScoreOf(*round, name.second, column));
  ASSIGN_OR_RETURN(auto ranks, RanksOf(*round, column));
  auto it = ranks->find(name.second);
  if (it != ranks->end()) score.set_rank(it->second.rank);
  return score;
}

absl::StatusOr<std::string> Core::GetUnitScoreBytes(const Caller& c,
                                                    const v1::GetUnitScoreRequest& r) {
  ASSIGN_OR_RETURN(auto name, ParseAssessmentName(r.name()));
  ASSIGN_OR_RETURN(auto round, LoadRound(name.first));
  RETURN_IF_ERROR(CheckUnit(c, *round, name.second, Subject::kScore));
  const v1::Column column = ColumnOr(r.column());
  ASSIGN_OR_RETURN(auto entry, CachedScore(*round, name.second, column));
  ASSIGN_OR_RETURN(auto ranks, RanksOf(*round, column));
  std::string bytes = entry->serialized;
  auto it = ranks->find(name.second);
  if (it != ranks->end() && it->second.rank != 0) {
    // A field appended to a serialized message is merged into it: this sets rank.
    v1::UnitScore rank_only;
    rank_only.set_rank(it->second.rank);
    rank_only.AppendToString(&bytes);
  }
  return bytes;
}

absl::StatusOr<v1::Ranking> Core::GetRanking(const Caller& c,
                                             const v1::GetRankingRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.name(), "rounds"));
  ASSIGN_OR_RETURN(auto round, LoadRound(id));
  RETURN_IF_ERROR(CanSee(c, round->round, "", Subject::kResults));
  const v1::Column column = ColumnOr(r.column());
  ASSIGN_OR_RETURN(auto ranks, RanksOf(*round, column));
  v1::Ranking ranking;
  ranking.set_round(id);
  ranking.set_column(column);
  for (const auto& [code, unit] : round->units) {
    if (!r.block().empty() && engine::BlockOf(unit) != r.block()) continue;
    ASSIGN_OR_RETURN(v1::UnitScore score, ScoreOrError(*round, code, column));
    score.clear_criteria();
    auto it = ranks->find(code);
    score.set_rank(it == ranks->end() ? 0 : it->second.rank);
    *ranking.add_units() = std::move(score);
  }
  std::sort(ranking.mutable_units()->begin(), ranking.mutable_units()->end(),
            [](const v1::UnitScore& a, const v1::UnitScore& b) {
              if (a.block() != b.block()) return a.block() < b.block();
              const int ra = a.rank() == 0 ? 1 << 30 : a.rank();
              const int rb = b.rank() == 0 ? 1 << 30 : b.rank();
              if (ra != rb) return ra < rb;
              return a.unit() < b.unit();
            });
  return ranking;
}

absl::StatusOr<v1::RoundSummary> Core::SummariseRound(const Caller& c,
                                                      const v1::GetByNameRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.name(), "rounds"));
  ASSIGN_OR_RETURN(auto round, LoadRound(id));
  RETURN_IF_ERROR(CanSee(c, round->round, "", Subject::kResults));
  v1::RoundSummary summary;
  struct Sum {
    std::string title;
    int64_t max = 0, points = 0;
    int units = 0;
  };
  std::vector<std::string> area_order, criterion_order;
  std::map<std::string, Sum> areas, criteria;
  int64_t index_sum = 0;
  int indexed = 0;
  for (const auto& [code, unit] : round->units) {
    ASSIGN_OR_RETURN(v1::UnitScore score, ScoreOrError(*round, code, v1::APPRAISED));
    if (!score.error().empty()) {
      *summary.add_unscored() = std::move(score);
      continue;
    }
    if (score.index_applicable()) {
      index_sum += score.index_hundredths();
      ++indexed;
    }
    auto add = [](std::map<std::string, Sum>& sums, std::vector<std::string>& order,
                  const std::string& key, const std::string& title, int64_t max,
                  int64_t points, bool applicable) {
      if (!sums.count(key)) order.push_back(key);
      Sum& s = sums[key];
      s.title = title;
      s.max = max;
      if (applicable) {
        s.points += points;
        ++s.units;
      }
    };
    for (const v1::AreaScore& a : score.areas()) {
      add(areas, area_order, a.code(), a.title(), a.max_milli(), a.points_milli(),
          a.applicable_max_milli() > 0);
    }
    for (const v1::CriterionScore& cs : score.criteria()) {
      add(criteria, criterion_order, cs.code(), cs.title(), cs.max_milli(),
          cs.points_milli(), cs.applicable_max_milli() > 0);
    }
  }
  summary.set_round(id);
  if (indexed > 0)
    summary.set_average_index_hundredths(engine::DivRoundHalfUp(index_sum, indexed));
  auto emit = [](const std::map<std::string, Sum>& sums,
                 const std::vector<std::string>& order,
                 google::protobuf::RepeatedPtrField<v1::RoundSummary::Item>* out) {
    for (const std::string& key : order) {
      const Sum& s = sums.at(key);
      v1::RoundSummary::Item* item = out->Add();
      item->set_code(key);
      item->set_title(s.title);
      item->set_max_milli(s.max);
      item->set_applicable_units(s.units);
      if (s.units > 0)
        item->set_average_points_milli(engine::DivRoundHalfUp(s.points, s.units));
    }
  };
  emit(areas, area_order, summary.mutable_areas());
  emit(criteria, criterion_order, summary.mutable_criteria());
  return summary;
}

absl::StatusOr<v1::UnitScore> Core::PreviewScore(const Caller& c,
                                                 const v1::PreviewScoreRequest& r) {
  ASSIGN_OR_RETURN(auto name, ParseAssessmentName(r.parent(), "parent"));
  ASSIGN_OR_RETURN(auto round, LoadRound(name.first));
  RETURN_IF_ERROR(CheckUnit(c, *round, name.second, Subject::kForm));
  ASSIGN_OR_RETURN(v1::Assessment stored, store_->GetAssessment(name.first, name.second));
  // The request's entries first, so that engine errors name entries[i] of the request.
  v1::Assessment merged;
  merged.set_unit(name.second);
  for (const v1::Entry& e : r.entries()) *merged.add_entries() = e;
  for (const v1::Entry& e : stored.entries()) {
    const bool replaced =
        std::any_of(r.entries().begin(), r.entries().end(),
                    [&](const v1::Entry& x) { return x.criterion() == e.criterion(); });
    if (!replaced) *merged.add_entries() = e;
  }
  const v1::Unit& unit = round->units.at(name.second);
  return engine::ScoreUnit(*round->set, round->PlanFor(unit), unit, merged,
                           r.column() == v1::COLUMN_UNSPECIFIED ? v1::SELF : r.column());
}

}  // namespace parindex::server
