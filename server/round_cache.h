// RoundCache: every cache the Core keeps over the store, behind one mutex locked only
// in here (and one lock per round table). Compiled criteria sets by (id, version)
// (immutable, never dropped); rounds with what scoring them needs (RoundContext), until
// the round changes; a generation per (round, unit), bumped by every write to it;
// rendered scores (ScoreEntry) per (round, unit, column, language), kept while their
// generation is current; a RoundTable per (round, column): one compact row per unit
// (index, block, totals, the points a summary adds up) that a write re-scores for its
// unit alone, with the bytes built from it (GetRanking, SummariseRound) kept until a
// row changes; and accounts by id (read on every call of a session or of a token made
// for a person) until AccountChanged. Reads only from the store: the parts of the Core
// write, then say what changed (Changed, RoundChanged, EverythingChanged,
// AccountChanged).
#ifndef PARINDEX_SERVER_ROUND_CACHE_H_
#define PARINDEX_SERVER_ROUND_CACHE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/status_macros.h"
#include "engine/criteria_set.h"
#include "engine/plan.h"
#include "engine/scorer.h"
#include "parindex/v1/round.pb.h"
#include "parindex/v1/score.pb.h"
#include "parindex/v1/unit.pb.h"
#include "server/store/store.h"

namespace parindex::server {

// `score`, of `assessment` in `column`, as every reader sees it (GetRanking,
// GetUnitScore, PreviewScore, GetUnitHistory, the exports): in the APPRAISED column of a
// unit the office has not appraised (HasAppraisal) its figures are only its own, so it
// gets not_appraised and loses its index, class and rank; in the SELF column a unit
// that never started (NeverStarted) gets not_started and loses them alike. Returns
// whether the column is ranked: the office's word, or the unit's own.
bool MarkAppraisal(const v1::Round& round, const v1::Assessment& assessment,
                   v1::Column column, v1::UnitScore* score);

// A round with what scoring it needs, loaded once and shared until the round changes.
struct RoundContext {
  int64_t serial = 0;  // unique per load: a table built on an older load is rebuilt
  v1::Round round;
  std::shared_ptr<const engine::CompiledCriteriaSet> set;
  std::map<std::string, v1::Unit> units;                                     // by code
  std::map<std::string, std::shared_ptr<const engine::CompiledPlan>> plans;  // by id

  // The plan that sets a unit's targets: its parent's, else its own, else the only one.
  const engine::CompiledPlan* PlanFor(const v1::Unit& unit) const;
};

struct ScoreEntry {
  int64_t generation = 0;
  int64_t round_serial = 0;  // RoundContext::serial: FINALISED makes a unit appraised
  v1::UnitScore score;       // with trace, without rank
  std::string serialized;    // the same, serialized once
};

struct RankEntry {
  int rank = 0;
  // What the rank was computed from, so that a part of the round can be ranked again.
  std::string block;
  int64_t index_hundredths = 0;
  bool applicable = true;
};

using Ranks = std::map<std::string, RankEntry>;  // by unit code

// One unit's line in a RoundTable.
struct UnitRow {
  static constexpr int64_t kNotApplicable = INT64_MIN;
  int block = 0;            // index into RoundTable::blocks
  bool scored = false;      // false: its stored data cannot be scored (`row` says why)
  bool applicable = false;  // the index applies
  // False in the APPRAISED column for a unit the office has not appraised
  // (HasAppraisal): its figures are only its own, so it is not ranked; and in the SELF
  // column for a unit that never started (NeverStarted): it has assessed nothing.
  bool appraised = true;
  int64_t index_hundredths = 0;
  // The serialized UnitScore without criteria and without rank (GetRanking's row), or
  // the unit's error as ScoreOrError gives it.
  std::string row;
  // Per area of the set, then per node: the points, or kNotApplicable (SummariseRound).
  std::vector<int64_t> points;

  // Ranked in its block: scored, its index applicable, and appraised.
  bool Ranked() const { return scored && applicable && appraised; }
};

// A round's scores in one column, one compact row per unit, kept current one unit at a
// time: a write re-scores its unit alone (engine::Score and the totals, no trace) and
// moves it within its block's order. Read under its lock (RoundCache::WithTable).
struct RoundTable {
  int64_t serial = 0;   // RoundContext::serial it was built with
  int64_t version = 0;  // bumped whenever a row changes: keys what is built from it
  std::vector<std::string> blocks;      // sorted
  std::vector<std::string> codes;       // the round's units, sorted
  std::map<std::string, int> position;  // code -> index into codes and rows
  std::vector<UnitRow> rows;
  // Per block, the index of every ranked unit (UnitRow::Ranked), best first.
  std::vector<std::vector<int64_t>> order;

  // 1 + the ranked units of its block with a higher index (1, 1, 3); 0 when unranked.
  int RankOf(int position) const;
  // The same among `among` (positions) only.
  int RankAmong(int position, const std::vector<int>& among) const;
};

class RoundCache {
 public:
  // `cache_accounts` false reads every account from the store (bench/: the cost it
  // saves).
  explicit RoundCache(store::Store* store, bool cache_accounts = true)
      : store_(store), cache_accounts_(cache_accounts) {}
  RoundCache(const RoundCache&) = delete;
  RoundCache& operator=(const RoundCache&) = delete;

  absl::StatusOr<std::shared_ptr<const RoundContext>> LoadRound(const std::string& id);
  absl::StatusOr<std::shared_ptr<const engine::CompiledCriteriaSet>> CompiledSet(
      const std::string& id, int32_t version);

  // A unit's rendered score (with its trace, without rank), kept until the unit changes;
  // the trace's words in `language` (engine::Explain), kept apart per language.
  absl::StatusOr<std::shared_ptr<const ScoreEntry>> CachedScore(
      const RoundContext& round, const std::string& unit, v1::Column column,
      v1::Language language = v1::ENGLISH);
  absl::StatusOr<v1::UnitScore> ScoreOf(const RoundContext& round,
                                        const std::string& unit, v1::Column column,
                                        v1::Language language = v1::ENGLISH);
  // The score, or (when the unit's stored data cannot be scored) a UnitScore naming
  // the unit with its error: a round's reads never fail for one unit's data.
  absl::StatusOr<v1::UnitScore> ScoreOrError(const RoundContext& round,
                                             const std::string& unit, v1::Column column,
                                             v1::Language language = v1::ENGLISH);
  // What ScoreOrError gives for the unit of `assessment` (its stored form, read by the
  // caller), rendered into `*score` and not kept: an export renders every unit once in
  // the reports' language (onto an arena, freed at once), and keeping those traces
  // would hold them until the units change.
  void RenderScoreOrError(const RoundContext& round, const v1::Assessment& assessment,
                          v1::Column column, v1::Language language,
                          engine::ScoreSheet* sheet, v1::UnitScore* score);
  // The ranks of a round's units in their blocks, kept until any unit of it changes;
  // computed with the engine's compact ScoreSheet (no trace).
  absl::StatusOr<std::shared_ptr<const Ranks>> RanksOf(const RoundContext& round,
                                                       v1::Column column);
  // The ranks of `units` (some of the round's) among themselves, in their blocks: the
  // round's own ranks when they are all of its units.
  absl::StatusOr<std::shared_ptr<const Ranks>> RanksAmong(
      const RoundContext& round, v1::Column column,
      const std::vector<std::string>& units);

  // The round's table in `column`, brought up to date (the units written since it was
  // last read re-scored, or all of them on first use or after the round was loaded
  // again), and `fn(table)` run under its lock.
  template <typename Fn>
  absl::Status WithTable(const RoundContext& round, v1::Column column, Fn fn) {
    ASSIGN_OR_RETURN(std::shared_ptr<Table> table, CurrentTable(round, column));
    std::lock_guard<std::mutex> lock(table->mu);
    return fn(static_cast<const RoundTable&>(table->data));
  }
  // The round's rank of `unit` in its block (0: unranked), from the table.
  absl::StatusOr<int> RankOf(const RoundContext& round, v1::Column column,
                             const std::string& unit);
  // Bytes built by `build(table)` from the round's table in `column`, kept under `key`
  // until a row of the table changes (GetRanking, SummariseRound). An error is not kept.
  absl::StatusOr<std::shared_ptr<const std::string>> TableBytes(
      const RoundContext& round, v1::Column column, const std::string& key,
      const std::function<absl::StatusOr<std::string>(const RoundTable&)>& build);

  void Changed(const std::string& round, const std::string& unit);  // a unit's data
  void RoundChanged(const std::string& round);  // the round itself (phase, deadlines)
  void EverythingChanged();  // units or plans changed: drop every cached round and score

  // An account by id (as store::Store::GetAccount), kept until AccountChanged(id). A
  // read of the store that overlapped a change keeps nothing, so once AccountChanged
  // has returned no lookup answers the account as it was before (a disabled account's
  // next call is refused).
  absl::StatusOr<store::StoredAccount> Account(const std::string& id);
  void AccountChanged(const std::string& id);  // after the store's write
  void AllAccountsChanged();                   // another server's, unknown which

 private:
  struct Table {
    std::mutex mu;  // guards data and bytes; taken before mu_, never after
    RoundTable data;
    std::set<std::string> pending;  // units written since: guarded by RoundCache::mu_
    bool stale = false;             // guarded by mu_: rebuild whole (EverythingChanged)
    std::map<std::string, std::pair<int64_t, std::shared_ptr<const std::string>>> bytes;
  };
  // The table, brought up to date; the caller locks it to read.
  absl::StatusOr<std::shared_ptr<Table>> CurrentTable(const RoundContext& round,
                                                      v1::Column column);
  // Builds every row from the store (first use, or the round loaded again).
  absl::Status Rebuild(const RoundContext& round, v1::Column column, RoundTable* table);
  // Re-scores one unit's row from its stored assessment, keeping `order` sorted.
  absl::Status Rescore(const RoundContext& round, v1::Column column,
                       const std::string& unit, RoundTable* table);
  void ScoreRow(const RoundContext& round, v1::Column column,
                const v1::Assessment& assessment, engine::ScoreSheet* sheet,
                UnitRow* row);

  store::Store* store_;  // read only
  const bool cache_accounts_;

  std::mutex mu_;
  std::map<std::pair<std::string, int32_t>,
           std::shared_ptr<const engine::CompiledCriteriaSet>>
      sets_;
  std::map<std::string, std::shared_ptr<const RoundContext>> rounds_;
  std::map<std::pair<std::string, std::string>, int64_t> unit_generation_;
  std::map<std::tuple<std::string, std::string, int>, std::shared_ptr<const ScoreEntry>>
      scores_;
  std::map<std::pair<std::string, int>,
           std::pair<int64_t, std::shared_ptr<const std::map<std::string, RankEntry>>>>
      ranks_;

  std::map<std::pair<std::string, int>, std::shared_ptr<Table>> tables_;
  int64_t next_serial_ = 0;

  std::mutex accounts_mu_;  // the accounts' own: a call's lookup never waits on scoring
  std::map<std::string, store::StoredAccount> accounts_;
  std::map<std::string, int64_t> account_generation_;
};

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_ROUND_CACHE_H_
