// A national-size round (3,321 units, bench/national_round.h) through the Core: after
// each write, the next reads (the unit's score and rank, the ranking, the summary, a
// province's part) agree with the round scored and ranked afresh from the store.
// Correctness at scale, not speed (speed: bench/README.md).
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/national_round.h"
#include "engine/fixed_point.h"
#include "engine/ranking.h"
#include "engine/scorer.h"
#include "gtest/gtest.h"
#include "server/core.h"
#include "server/demo.h"
#include "server/store/sql_store.h"

namespace parindex::server {
namespace {

constexpr char kRound[] = "national-2025";

struct Fresh {
  int64_t index = 0;
  bool applicable = false;
  std::string block;
  std::string parent;
  int rank = 0;         // in the whole round
  int scoped_rank = 0;  // among its province's units
};

class NationalTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                     absl::StrCat("parindex-national-test-", getpid()));
    std::filesystem::create_directories(*dir_);
    store::StoreOptions options;
    options.path = (*dir_ / "national.db").string();
    store_ = store::SqlStore::Open(options).value().release();
    core_ = new Core(store_, &store::Clock::Real());
    const std::string criteria = PARINDEX_SOURCE_DIR "/criteria";
    ASSERT_TRUE(LoadDemo(*core_, criteria).ok());
    absl::StatusOr<bench::NationalRound> round =
        bench::AddNationalRound(*core_, *store_, criteria);
    ASSERT_TRUE(round.ok()) << round.status();
    ASSERT_EQ(round->units, 3321);
  }
  static void TearDownTestSuite() {
    delete core_;
    delete store_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  // Every unit of the round scored and ranked from what the store holds now, with
  // nothing cached: the engine's Score and RankInBlocks, in the whole round and
  // within each province.
  static std::map<std::string, Fresh> Model() {
    const v1::Round round = store_->GetRound(kRound).value();
    auto set =
        engine::CompiledCriteriaSet::Compile(
            store_->GetCriteriaSet(round.criteria_set(), round.criteria_set_version())
                .value())
            .value();
    auto plan =
        engine::CompiledPlan::Compile(store_->GetPlan(round.plans(0)).value()).value();
    std::map<std::string, Fresh> fresh;
    std::vector<std::string> codes;
    std::vector<engine::RankKey> keys;
    std::map<std::string, std::vector<std::string>> by_province;
    engine::ScoreSheet sheet;
    const std::vector<v1::Assessment> assessments =
        store_->ListAssessments(kRound, false).value();
    for (const v1::Assessment& a : assessments) {
      const v1::Unit unit = store_->GetUnit(a.unit()).value();
      EXPECT_TRUE(engine::Score(*set, plan.get(), unit, a, v1::APPRAISED, &sheet).ok());
      Fresh& f = fresh[a.unit()];
      f.index = sheet.index_hundredths;
      f.applicable = sheet.index_applicable;
      f.block = engine::BlockOf(unit);
      f.parent = unit.parent();
      codes.push_back(a.unit());
      by_province[unit.parent()].push_back(a.unit());
    }
    for (const std::string& c : codes)
      keys.push_back({fresh[c].block, fresh[c].index, fresh[c].applicable});
    const std::vector<int> ranks = engine::RankInBlocks(keys);
    for (size_t i = 0; i < codes.size(); ++i) fresh[codes[i]].rank = ranks[i];
    for (const auto& [province, units] : by_province) {
      std::vector<engine::RankKey> part;
      for (const std::string& c : units)
        part.push_back({fresh[c].block, fresh[c].index, fresh[c].applicable});
      const std::vector<int> r = engine::RankInBlocks(part);
      for (size_t i = 0; i < units.size(); ++i) fresh[units[i]].scoped_rank = r[i];
    }
    return fresh;
  }

  static Caller Appraiser(const std::string& scope = "") {
    Caller c{v1::ROLE_APPRAISER, "national-test", ""};
    c.scope = scope;
    return c;
  }

  // The appraiser's judgements of `unit`: each judged criterion's appraised score set
  // to `milli` (capped at the unit's own), or to the unit's own with -1.
  static void Judge(const std::string& unit, int64_t milli) {
    v1::GetByNameRequest get;
    get.set_name(absl::StrCat("rounds/", kRound, "/assessments/", unit));
    const v1::Assessment a = core_->assessments().GetAssessment(Appraiser(), get).value();
    v1::BatchUpdateEntriesRequest batch;
    batch.set_parent(get.name());
    for (const v1::Entry& e : a.entries()) {
      if (!e.self().has_score_milli()) continue;
      v1::EntryUpdate* u = batch.add_updates();
      u->mutable_entry()->set_criterion(e.criterion());
      u->mutable_entry()->mutable_appraised()->set_score_milli(
          milli < 0 ? e.self().score_milli() : std::min(milli, e.self().score_milli()));
      u->set_etag(e.version());
    }
    ASSERT_GT(batch.updates_size(), 0) << unit;
    auto written = core_->assessments().BatchUpdateEntries(Appraiser(), batch);
    ASSERT_TRUE(written.ok()) << written.status();
  }

  static v1::UnitScore ScoreOf(const std::string& unit, const Caller& c = Appraiser()) {
    v1::GetUnitScoreRequest r;
    r.set_name(absl::StrCat("rounds/", kRound, "/assessments/", unit));
    // The bytes the service sends, parsed as a client would.
    const std::string bytes = core_->scores().GetUnitScoreBytes(c, r).value().Joined();
    v1::UnitScore score;
    EXPECT_TRUE(score.ParseFromString(bytes));
    return score;
  }

  // The ranking and the summary as `c` reads them, against the model.
  static void ExpectResults(const std::map<std::string, Fresh>& model, const Caller& c,
                            const std::string& province) {
    v1::GetRankingRequest get;
    get.set_name(absl::StrCat("rounds/", kRound));
    const v1::Ranking ranking = core_->scores().GetRanking(c, get).value();
    int expected_units = 0;
    int64_t index_sum = 0, indexed = 0;
    for (const auto& [code, f] : model) {
      if (!province.empty() && f.parent != province) continue;
      ++expected_units;
      if (f.applicable) {
        index_sum += f.index;
        ++indexed;
      }
    }
    ASSERT_EQ(ranking.units_size(), expected_units);
    EXPECT_EQ(ranking.scope(), province.empty() ? "" : c.scope);
    for (int i = 0; i < ranking.units_size(); ++i) {
      const v1::UnitScore& u = ranking.units(i);
      const Fresh& f = model.at(u.unit());
      EXPECT_EQ(u.index_hundredths(), f.index) << u.unit();
      EXPECT_EQ(u.rank(), province.empty() ? f.rank : f.scoped_rank) << u.unit();
      EXPECT_EQ(u.criteria_size(), 0);
      if (i > 0) {  // per block, best first
        const v1::UnitScore& p = ranking.units(i - 1);
        EXPECT_TRUE(p.block() < u.block() ||
                    (p.block() == u.block() && p.rank() <= u.rank()))
            << p.unit() << " before " << u.unit();
      }
    }
    v1::GetByNameRequest name;
    name.set_name(get.name());
    const v1::RoundSummary summary = core_->scores().SummariseRound(c, name).value();
    EXPECT_EQ(summary.average_index_hundredths(),
              engine::DivRoundHalfUp(index_sum, indexed));
    EXPECT_EQ(summary.unscored_size(), 0);
  }

  static std::filesystem::path* dir_;
  static store::SqlStore* store_;
  static Core* core_;
};

std::filesystem::path* NationalTest::dir_ = nullptr;
store::SqlStore* NationalTest::store_ = nullptr;
Core* NationalTest::core_ = nullptr;

TEST_F(NationalTest, AWritesNextReadShowsItsNewScoreAndRank) {
  std::map<std::string, Fresh> model = Model();
  ASSERT_EQ(model.size(), 3321u);
  ExpectResults(model, Appraiser(), "");  // the cache is warm before the writes
  const std::string unit = bench::NationalUnitCode(99);
  EXPECT_EQ(ScoreOf(unit).rank(), model[unit].rank);
  // Down (every judgement 0), back up, then another unit of the same block: each
  // time the unit's score and rank, a unit its move passed, and the whole ranking.
  for (const auto& [code, milli] : std::vector<std::pair<std::string, int64_t>>{
           {unit, 0}, {unit, -1}, {bench::NationalUnitCode(2000), 0}}) {
    const Fresh before = model[code];
    Judge(code, milli);
    model = Model();
    const Fresh& after = model[code];
    ASSERT_NE(after.index, before.index) << code << " did not move: a useless step";
    const v1::UnitScore score = ScoreOf(code);
    EXPECT_EQ(score.index_hundredths(), after.index) << code;
    EXPECT_EQ(score.rank(), after.rank) << code;
    for (const auto& [other, f] : model) {
      // The first unit of the block it passed, whose rank the write moved.
      if (other == code || f.block != after.block) continue;
      const bool passed = (f.index > std::min(before.index, after.index) &&
                           f.index < std::max(before.index, after.index));
      if (!passed) continue;
      EXPECT_EQ(ScoreOf(other).rank(), f.rank) << other << " after " << code;
      break;
    }
    ExpectResults(model, Appraiser(), "");
  }
}

TEST_F(NationalTest, BAProvinceIsRankedAmongItsOwnUnits) {
  const std::string province = bench::ProvinceCode(4);
  const Caller scoped = Appraiser(absl::StrCat("parent/", province));
  std::map<std::string, Fresh> model = Model();
  ExpectResults(model, scoped, province);
  std::string unit;
  for (const auto& [code, f] : model) {
    if (f.parent == province) unit = code;
  }
  Judge(unit, 0);
  model = Model();
  EXPECT_EQ(ScoreOf(unit, scoped).rank(), model[unit].scoped_rank);
  EXPECT_EQ(ScoreOf(unit).rank(), model[unit].rank);
  ExpectResults(model, scoped, province);
  ExpectResults(model, Appraiser(), "");
  // Another province's unit is not this caller's to read.
  v1::GetUnitScoreRequest other;
  other.set_name(
      absl::StrCat("rounds/", kRound, "/assessments/", bench::NationalUnitCode(0)));
  EXPECT_EQ(core_->scores().GetUnitScoreBytes(scoped, other).status().code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace parindex::server
