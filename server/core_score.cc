// ScoreCore: scores, rankings and summaries from stored data, through the RoundCache
// (server/round_cache.h keeps them until a write changes them).
#include "server/core_score.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <tuple>
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

void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>(value | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

void AppendTag(int field, int wire_type, std::string* out) {
  AppendVarint(static_cast<uint64_t>(field) << 3 | wire_type, out);
}

void AppendVarintField(int field, int64_t value, std::string* out) {
  AppendTag(field, 0, out);
  AppendVarint(static_cast<uint64_t>(value), out);
}

void AppendBytesField(int field, const std::string& bytes, std::string* out) {
  AppendTag(field, 2, out);
  AppendVarint(bytes.size(), out);
  *out += bytes;
}

// UnitScore.rank as one more field of a serialized UnitScore (merged into it when
// parsed); nothing for 0, as proto3 writes it.
void AppendRank(int rank, std::string* out) {
  if (rank != 0) AppendVarintField(v1::UnitScore::kRankFieldNumber, rank, out);
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
  ASSIGN_OR_RETURN(const int rank, RankFor(c, *round, column, name.second));
  score.set_rank(rank);
  return score;
}

absl::StatusOr<SplitBytes> ScoreCore::GetUnitScoreBytes(
    const Caller& c, const v1::GetUnitScoreRequest& r) {
  ASSIGN_OR_RETURN(auto name, ParseAssessmentName(r.name()));
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(name.first));
  RETURN_IF_ERROR(CheckUnit(c, *round, name.second, Subject::kScore));
  const v1::Column column = ColumnOr(r.column());
  ASSIGN_OR_RETURN(auto entry,
                   cache_->CachedScore(*round, name.second, column, r.language()));
  ASSIGN_OR_RETURN(const int rank, RankFor(c, *round, column, name.second));
  SplitBytes bytes;
  bytes.cached = std::shared_ptr<const std::string>(entry, &entry->serialized);
  // A field appended to a serialized message is merged into it: this sets rank.
  AppendRank(rank, &bytes.tail);
  return bytes;
}

std::string ScoreCore::ResultsKey(const Caller& c) {
  // What ResultUnits and CanSee read of the caller (server/policy.cc); lengths first,
  // so that no two callers' keys are the same string.
  return absl::StrCat(c.role, "|", c.unit.size(), ":", c.unit, "|", c.scope);
}

absl::StatusOr<std::vector<int>> ScoreCore::ResultRows(const Caller& c,
                                                       const RoundContext& round,
                                                       const RoundTable& t) {
  std::vector<std::string> units = ResultUnits(c, round.round, round.units);
  std::sort(units.begin(), units.end());
  std::vector<int> rows;
  rows.reserve(units.size());
  for (const std::string& u : units) {
    auto it = t.position.find(u);
    if (it != t.position.end()) rows.push_back(it->second);
  }
  return rows;
}

absl::StatusOr<std::shared_ptr<const std::string>> ScoreCore::GetRankingBytes(
    const Caller& c, const v1::GetRankingRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.name(), "rounds"));
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(id));
  RETURN_IF_ERROR(CanSee(c, round->round, round->units, "", Subject::kResults));
  const v1::Column column = ColumnOr(r.column());
  return cache_->TableBytes(
      *round, column,
      absl::StrCat("ranking|", r.block().size(), ":", r.block(), "|", ResultsKey(c)),
      [&](const RoundTable& t) -> absl::StatusOr<std::string> {
        ASSIGN_OR_RETURN(std::vector<int> shown, ResultRows(c, *round, t));
        const bool whole = shown.size() == t.rows.size();
        // Ranks among the units shown: the round's, else computed for them alone.
        std::vector<int> ranks(shown.size());
        if (whole) {
          for (size_t i = 0; i < shown.size(); ++i) ranks[i] = t.RankOf(shown[i]);
        } else {
          std::vector<engine::RankKey> keys;
          for (int p : shown) {
            const UnitRow& row = t.rows[p];
            keys.push_back({t.blocks[row.block], row.index_hundredths, row.Ranked()});
          }
          ranks = engine::RankInBlocks(keys);
        }
        std::set<std::string> blocks;
        struct Line {
          int block, rank, row;
        };
        std::vector<Line> lines;
        for (size_t i = 0; i < shown.size(); ++i) {
          const UnitRow& row = t.rows[shown[i]];
          const std::string& block = t.blocks[row.block];
          blocks.insert(block);
          if (!r.block().empty() && block != r.block()) continue;
          lines.push_back({row.block, ranks[i] == 0 ? 1 << 30 : ranks[i], shown[i]});
        }
        if (!r.block().empty() && blocks.count(r.block()) == 0) {
          return absl::NotFoundError(
              absl::StrCat("block: '", r.block(), "' is not a block of round ", id,
                           " (its blocks: ", absl::StrJoin(blocks, ", "), ")"));
        }
        // Per block, best first, then by code (rows are in code order).
        std::sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) {
          return std::tie(a.block, a.rank, a.row) < std::tie(b.block, b.rank, b.row);
        });
        // Ranking, field by field: round (1), column (2), units (3), scope (4); each
        // unit is its cached row with the rank appended (merged into the message).
        std::string out;
        size_t size = id.size() + 16;
        for (const Line& l : lines) size += t.rows[l.row].row.size() + 16;
        out.reserve(size);
        AppendBytesField(1, id, &out);
        if (column != 0) AppendVarintField(2, column, &out);
        std::string rank;
        for (const Line& l : lines) {
          rank.clear();
          AppendRank(l.rank == 1 << 30 ? 0 : l.rank, &rank);
          const std::string& row = t.rows[l.row].row;
          AppendTag(3, 2, &out);
          AppendVarint(row.size() + rank.size(), &out);
          out += row;
          out += rank;
        }
        if (!whole) AppendBytesField(4, c.scope, &out);
        return out;
      });
}

absl::StatusOr<v1::Ranking> ScoreCore::GetRanking(const Caller& c,
                                                  const v1::GetRankingRequest& r) {
  ASSIGN_OR_RETURN(std::shared_ptr<const std::string> bytes, GetRankingBytes(c, r));
  v1::Ranking ranking;
  if (!ranking.ParseFromString(*bytes))
    return absl::InternalError("the cached ranking cannot be read");
  return ranking;
}

absl::StatusOr<std::shared_ptr<const std::string>> ScoreCore::SummariseRoundBytes(
    const Caller& c, const v1::GetByNameRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.name(), "rounds"));
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(id));
  RETURN_IF_ERROR(CanSee(c, round->round, round->units, "", Subject::kResults));
  return cache_->TableBytes(
      *round, v1::APPRAISED, absl::StrCat("summary|", ResultsKey(c)),
      [&](const RoundTable& t) -> absl::StatusOr<std::string> {
        ASSIGN_OR_RETURN(std::vector<int> shown, ResultRows(c, *round, t));
        v1::RoundSummary summary;
        summary.set_round(id);
        if (shown.size() != t.rows.size()) summary.set_scope(c.scope);
        const engine::CompiledCriteriaSet& set = *round->set;
        const int areas = set.proto().areas_size();
        const size_t items = areas + set.nodes().size();
        std::vector<int64_t> points(items, 0);
        std::vector<int> units(items, 0);
        int64_t index_sum = 0;
        int indexed = 0, appraised = 0, not_appraised = 0;
        for (int p : shown) {
          const UnitRow& row = t.rows[p];
          if (!row.scored) {
            if (!summary.add_unscored()->ParseFromString(row.row))
              return absl::InternalError("a cached row cannot be read");
            continue;
          }
          // The averages are the office's figures: a unit it has not appraised
          // (HasAppraisal) has only its own, so it is counted, not averaged in.
          if (!row.appraised) {
            ++not_appraised;
            continue;
          }
          ++appraised;
          if (row.applicable) {
            index_sum += row.index_hundredths;
            ++indexed;
          }
          for (size_t i = 0; i < items && i < row.points.size(); ++i) {
            if (row.points[i] == UnitRow::kNotApplicable) continue;
            points[i] += row.points[i];
            ++units[i];
          }
        }
        summary.set_appraised_units(appraised);
        summary.set_not_appraised_units(not_appraised);
        if (indexed > 0)
          summary.set_average_index_hundredths(
              engine::DivRoundHalfUp(index_sum, indexed));
        // The set's areas, then its nodes, as every appraised unit lists them.
        for (size_t i = 0; appraised > 0 && i < items; ++i) {
          const bool area = static_cast<int>(i) < areas;
          v1::RoundSummary::Item* item =
              area ? summary.add_areas() : summary.add_criteria();
          if (area) {
            const v1::Area& a = set.proto().areas(static_cast<int>(i));
            item->set_code(a.code());
            item->set_title(a.title());
            item->set_max_milli(a.max_milli());
          } else {
            const v1::Criterion& cr = *set.nodes()[i - areas].criterion;
            item->set_code(cr.code());
            item->set_title(cr.title());
            item->set_max_milli(cr.max_milli());
          }
          item->set_applicable_units(units[i]);
          if (units[i] > 0)
            item->set_average_points_milli(engine::DivRoundHalfUp(points[i], units[i]));
        }
        return summary.SerializeAsString();
      });
}

absl::StatusOr<v1::RoundSummary> ScoreCore::SummariseRound(
    const Caller& c, const v1::GetByNameRequest& r) {
  ASSIGN_OR_RETURN(std::shared_ptr<const std::string> bytes, SummariseRoundBytes(c, r));
  v1::RoundSummary summary;
  if (!summary.ParseFromString(*bytes))
    return absl::InternalError("the cached summary cannot be read");
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
    RETURN_IF_ERROR(CheckEntryDatesInRound(*e, round->round.year(),
                                           absl::StrCat("entries[", i, "]")));
    RETURN_IF_ERROR(MoveFigures(
        *round->set, side,
        absl::StrCat("entries[", i, "].", side == v1::SELF ? "self" : "appraised"), e,
        google::protobuf::Map<std::string, int64_t>(), "", &writes));
  }
  for (const v1::Entry& e : stored.entries()) {
    const bool replaced =
        std::any_of(r.entries().begin(), r.entries().end(),
                    [&](const v1::Entry& x) { return x.criterion() == e.criterion(); });
    if (!replaced) *merged.add_entries() = e;
  }
  // A computed figure the write would refuse, the preview refuses (a preview has no
  // reason to give: the write asks the office for one).
  RETURN_IF_ERROR(CheckComputedWrites(c.role, *round->set, writes, /*has_reason=*/true));
  RETURN_IF_ERROR(CheckDatesInRound(*round->set, round->round.year(), writes));
  ASSIGN_OR_RETURN(LaidSheet laid, LaySheet(*round->set, stored, side, writes, c.token_id,
                                            "", r.parent()));
  *merged.mutable_values() = laid.merged;
  for (v1::Entry& e : *merged.mutable_entries()) DropObsoleteCopies(laid, side, &e);
  const v1::Unit& unit = round->units.at(name.second);
  const v1::Column column = r.column() == v1::COLUMN_UNSPECIFIED ? v1::SELF : r.column();
  absl::StatusOr<v1::UnitScore> score = engine::ScoreUnit(
      *round->set, round->PlanFor(unit), unit, merged, column, r.language());
  if (!score.ok()) return RenameValuePath(score.status(), laid);
  // What the form would be once written: appraised as soon as the office has given
  // (or is giving) an appraised figure or comment, as GetUnitScore would say then.
  merged.set_state(stored.state());
  MarkAppraisal(round->round, merged, column, &*score);
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
      if (score.not_appraised()) {
        // The office has not appraised it in this round: no appraised index, class or
        // rank (its areas are its own figures), as GetRanking shows it.
        row->set_not_appraised(true);
        continue;
      }
      if (score.not_started()) {  // it assessed nothing itself: no index, no rank
        row->set_not_started(true);
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
