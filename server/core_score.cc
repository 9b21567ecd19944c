// ScoreCore: scores, rankings and summaries from stored data, through the RoundCache
// (server/round_cache.h keeps them until a write changes them).
#include "server/core_score.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "engine/fixed_point.h"
#include "engine/ranking.h"
#include "engine/scorer.h"
#include "server/core_util.h"
#include "server/data_sheet_write.h"
#include "server/policy.h"

namespace parindex::server {
namespace {

v1::Column ColumnOr(v1::Column column) {
  return column == v1::COLUMN_UNSPECIFIED ? v1::APPRAISED : column;
}

}  // namespace

absl::StatusOr<v1::UnitScore> ScoreCore::GetUnitScore(const Caller& c,
                                                      const v1::GetUnitScoreRequest& r) {
  ASSIGN_OR_RETURN(auto name, ParseAssessmentName(r.name()));
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(name.first));
  RETURN_IF_ERROR(CheckUnit(c, *round, name.second, Subject::kScore));
  const v1::Column column = ColumnOr(r.column());
  ASSIGN_OR_RETURN(v1::UnitScore score,
                   cache_->ScoreOf(*round, name.second, column, r.language()));
  ASSIGN_OR_RETURN(auto ranks, RanksFor(c, *round, column));
  auto it = ranks->find(name.second);
  if (it != ranks->end()) score.set_rank(it->second.rank);
  return score;
}

absl::StatusOr<std::string> ScoreCore::GetUnitScoreBytes(
    const Caller& c, const v1::GetUnitScoreRequest& r) {
  ASSIGN_OR_RETURN(auto name, ParseAssessmentName(r.name()));
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(name.first));
  RETURN_IF_ERROR(CheckUnit(c, *round, name.second, Subject::kScore));
  const v1::Column column = ColumnOr(r.column());
  ASSIGN_OR_RETURN(auto entry,
                   cache_->CachedScore(*round, name.second, column, r.language()));
  ASSIGN_OR_RETURN(auto ranks, RanksFor(c, *round, column));
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

absl::StatusOr<v1::Ranking> ScoreCore::GetRanking(const Caller& c,
                                                  const v1::GetRankingRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.name(), "rounds"));
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(id));
  const v1::Column column = ColumnOr(r.column());
  ASSIGN_OR_RETURN(Results results, ResultsFor(c, *round, column));
  v1::Ranking ranking;
  ranking.set_round(id);
  ranking.set_column(column);
  ranking.set_scope(results.scope);
  const Ranks* ranks = results.ranks.get();
  std::set<std::string> blocks;
  for (const std::string& code : results.units) {
    const std::string block = engine::BlockOf(round->units.at(code));
    blocks.insert(block);
    if (!r.block().empty() && block != r.block()) continue;
    ASSIGN_OR_RETURN(v1::UnitScore score, cache_->ScoreOrError(*round, code, column));
    score.clear_criteria();
    auto it = ranks->find(code);
    score.set_rank(it == ranks->end() ? 0 : it->second.rank);
    *ranking.add_units() = std::move(score);
  }
  if (!r.block().empty() && blocks.count(r.block()) == 0) {
    return absl::NotFoundError(
        absl::StrCat("block: '", r.block(), "' is not a block of round ", id,
                     " (its blocks: ", absl::StrJoin(blocks, ", "), ")"));
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

absl::StatusOr<v1::RoundSummary> ScoreCore::SummariseRound(
    const Caller& c, const v1::GetByNameRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.name(), "rounds"));
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(id));
  ASSIGN_OR_RETURN(Results results, ResultsFor(c, *round, v1::APPRAISED));
  v1::RoundSummary summary;
  summary.set_scope(results.scope);
  struct Sum {
    std::string title;
    int64_t max = 0, points = 0;
    int units = 0;
  };
  std::vector<std::string> area_order, criterion_order;
  std::map<std::string, Sum> areas, criteria;
  int64_t index_sum = 0;
  int indexed = 0;
  for (const std::string& code : results.units) {
    ASSIGN_OR_RETURN(v1::UnitScore score,
                     cache_->ScoreOrError(*round, code, v1::APPRAISED));
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

absl::StatusOr<v1::UnitScore> ScoreCore::PreviewScore(const Caller& c,
                                                      const v1::PreviewScoreRequest& r) {
  ASSIGN_OR_RETURN(auto name, ParseAssessmentName(r.parent(), "parent"));
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(name.first));
  RETURN_IF_ERROR(CheckUnit(c, *round, name.second, Subject::kForm));
  ASSIGN_OR_RETURN(v1::Assessment stored, store_->GetAssessment(name.first, name.second));
  const v1::Column side = c.role == v1::ROLE_WARD ? v1::SELF : v1::APPRAISED;
  // Data sheet values laid over the stored ones, on the caller's side; counts given
  // per criterion go there too, as BatchUpdateEntries would put them, so that a preview
  // refuses what a write would (two values for one count, a count the criterion does
  // not read, a rule across elements).
  std::vector<SheetWrite> writes;
  for (int i = 0; i < r.values_size(); ++i) {
    writes.push_back({r.values(i).element(), r.values(i).value(), std::nullopt,
                      absl::StrCat("values[", i, "].value")});
  }
  // The request's entries first, so that engine errors name entries[i] of the request.
  v1::Assessment merged;
  merged.set_unit(name.second);
  for (int i = 0; i < r.entries_size(); ++i) {
    v1::Entry* e = merged.add_entries();
    *e = r.entries(i);
    RETURN_IF_ERROR(MoveFigures(
        *round->set, side,
        absl::StrCat("entries[", i, "].", side == v1::SELF ? "self" : "appraised"), e,
        &writes));
  }
  for (const v1::Entry& e : stored.entries()) {
    const bool replaced =
        std::any_of(r.entries().begin(), r.entries().end(),
                    [&](const v1::Entry& x) { return x.criterion() == e.criterion(); });
    if (!replaced) *merged.add_entries() = e;
  }
  ASSIGN_OR_RETURN(LaidSheet laid, LaySheet(*round->set, stored, side, writes, c.token_id,
                                            "", r.parent()));
  *merged.mutable_values() = laid.merged;
  for (v1::Entry& e : *merged.mutable_entries()) DropObsoleteCopies(laid, side, &e);
  const v1::Unit& unit = round->units.at(name.second);
  absl::StatusOr<v1::UnitScore> score =
      engine::ScoreUnit(*round->set, round->PlanFor(unit), unit, merged,
                        r.column() == v1::COLUMN_UNSPECIFIED ? v1::SELF : r.column());
  if (!score.ok()) return RenameValuePath(score.status(), laid);
  return score;
}

absl::StatusOr<v1::UnitHistory> ScoreCore::GetUnitHistory(
    const Caller& c, const v1::GetUnitHistoryRequest& r) {
  ASSIGN_OR_RETURN(std::string code, ParseName(r.unit(), "units", "unit"));
  ASSIGN_OR_RETURN(std::vector<v1::Unit> all, store_->ListUnits());
  UnitsByCode units;
  for (v1::Unit& u : all) units[u.code()] = std::move(u);
  auto unit = units.find(code);
  if (unit == units.end()) {
    return absl::NotFoundError(absl::StrCat("unit: units/", code, " does not exist"));
  }
  RETURN_IF_ERROR(CanSeeHistory(c, units, code));
  const v1::Column column = ColumnOr(r.column());
  v1::UnitHistory history;
  history.set_unit(code);
  *history.mutable_formed_from() = unit->second.formed_from();
  // The unit, then (when asked) the units it was formed from, and theirs, in order.
  std::vector<std::string> subjects = {code};
  if (r.include_predecessors()) {
    std::set<std::string> seen = {code};
    for (size_t i = 0; i < subjects.size(); ++i) {
      auto it = units.find(subjects[i]);
      if (it == units.end()) continue;
      for (const std::string& from : it->second.formed_from()) {
        if (seen.insert(from).second) subjects.push_back(from);
      }
    }
  }
  ASSIGN_OR_RETURN(std::vector<v1::Round> rounds, store_->ListRounds());
  std::sort(rounds.begin(), rounds.end(), [](const v1::Round& a, const v1::Round& b) {
    return a.year() != b.year() ? a.year() < b.year() : a.id() < b.id();
  });
  for (const v1::Round& listed : rounds) {
    auto in_round = [&listed](const std::string& u) {
      return std::find(listed.units().begin(), listed.units().end(), u) !=
             listed.units().end();
    };
    if (std::none_of(subjects.begin(), subjects.end(), in_round)) continue;
    ASSIGN_OR_RETURN(auto round, cache_->LoadRound(listed.id()));
    std::shared_ptr<const std::map<std::string, RankEntry>> ranks;
    for (const std::string& subject : subjects) {
      if (!in_round(subject)) continue;
      // Visibility is the policy's, as for GetUnitScore: rounds the caller may not see
      // are left out, not refused.
      if (!CanSee(c, round->round, round->units, subject, Subject::kScore).ok()) continue;
      ASSIGN_OR_RETURN(v1::UnitScore score,
                       cache_->ScoreOrError(*round, subject, column));
      // Ranked as GetUnitScore ranks it: among the units the caller sees.
      if (ranks == nullptr) {
        ASSIGN_OR_RETURN(ranks, RanksFor(c, *round, column));
      }
      v1::UnitHistory::Row* row = history.add_rows();
      row->set_unit(subject);
      row->set_unit_name(score.unit_name());
      row->set_round(round->round.id());
      row->set_round_title(round->round.title());
      row->set_year(round->round.year());
      const auto u = round->units.find(subject);
      const std::string block =
          u == round->units.end() ? score.block() : engine::BlockOf(u->second);
      row->set_block(block);
      if (!score.error().empty()) {
        row->set_error(score.error());
        continue;
      }
      row->set_index_hundredths(score.index_hundredths());
      row->set_index_applicable(score.index_applicable());
      row->set_classification(score.classification());
      *row->mutable_areas() = score.areas();
      auto rank = ranks->find(subject);
      row->set_rank(rank == ranks->end() ? 0 : rank->second.rank);
      int size = 0;
      for (const auto& [other, entry] : *ranks) {
        auto o = round->units.find(other);
        size += entry.rank > 0 && o != round->units.end() &&
                engine::BlockOf(o->second) == block;
      }
      row->set_block_size(size);
    }
  }
  return history;
}

}  // namespace parindex::server
