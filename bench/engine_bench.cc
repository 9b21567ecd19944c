// Engine benchmarks: one 120-criterion assessment, and a national round of 3,321 units
// x 120 criteria scored and ranked. Results and commands are in bench/README.md.
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "engine/criteria_set.h"
#include "engine/plan.h"
#include "engine/ranking.h"
#include "engine/scorer.h"

namespace parindex::engine {
namespace {

constexpr int kAreas = 8;
constexpr int kLeavesPerArea = 15;  // 120 leaves
constexpr int kNationalUnits = 3321;

// A set of 8 areas x 15 leaves cycling through the rule shapes, each leaf reading its
// own indicator (as real sets do), 1 point each.
v1::CriteriaSet SyntheticSet() {
  v1::CriteriaSet set;
  set.set_id("bench");
  set.set_total_milli(kAreas * kLeavesPerArea * 1000);
  auto* a = set.add_classification();
  a->set_label("A");
  a->set_min_hundredths(9000);
  auto* b = set.add_classification();
  b->set_label("B");
  b->set_min_hundredths(0);
  b->set_below_hundredths(9000);
  for (int area = 0; area < kAreas; ++area) {
    v1::Area* ar = set.add_areas();
    ar->set_code(absl::StrCat(area + 1));
    ar->set_title("area");
    ar->set_max_milli(kLeavesPerArea * 1000);
    for (int leaf = 0; leaf < kLeavesPerArea; ++leaf) {
      const std::string code = absl::StrCat(area + 1, ".", leaf + 1);
      v1::Criterion* c = ar->add_criteria();
      c->set_code(code);
      c->set_title("criterion");
      c->set_max_milli(1000);
      v1::Indicator* ind = set.add_indicators();
      ind->set_id(code);
      ind->add_numerator("num");
      ind->add_denominator("den");
      ind->set_unit(v1::PERCENT);
      v1::Rule* rule = c->mutable_rule();
      switch (leaf % 6) {
        case 0: {
          auto* bands = rule->mutable_bands();
          bands->set_indicator(code);
          auto* b1 = bands->add_bands();
          b1->set_comparator(v1::GREATER);
          b1->set_threshold_milli(90000);
          b1->set_points_milli(1000);
          auto* b2 = bands->add_bands();
          b2->set_comparator(v1::AT_LEAST);
          b2->set_threshold_milli(70000);
          b2->set_points_milli(500);
          break;
        }
        case 1:
          rule->mutable_linear()->set_indicator(code);
          break;
        case 2:
          rule->mutable_target()->set_indicator(code);
          rule->mutable_target()->set_mode(v1::TargetRule::PROPORTIONAL);
          break;
        case 3:
          rule->mutable_target()->set_indicator(code);
          break;
        case 4:
          set.mutable_indicators()->RemoveLast();
          rule->mutable_boolean()->set_yes_points_milli(1000);
          break;
        case 5:
          set.mutable_indicators()->RemoveLast();
          rule->mutable_judgement();
          break;
      }
    }
  }
  return set;
}

// The same set as a data sheet declares it: each indicator reads its own two count
// elements ("1.1_num" of "1.1_den"), each yes/no criterion its own element, and a
// validation rule holds each numerator within its denominator (80 rules).
v1::CriteriaSet SyntheticSheetSet() {
  v1::CriteriaSet set = SyntheticSet();
  for (v1::Indicator& ind : *set.mutable_indicators()) {
    for (const char* side : {"num", "den"}) {
      v1::DataElement* e = set.add_elements();
      e->set_code(absl::StrCat(ind.id(), "_", side));
      e->set_label("Số liệu");
    }
    ind.set_numerator(0, absl::StrCat(ind.id(), "_num"));
    ind.set_denominator(0, absl::StrCat(ind.id(), "_den"));
    v1::ValidationRule* rule = set.add_validation();
    rule->set_id(absl::StrCat(ind.id(), "_within"));
    rule->add_left(ind.numerator(0));
    rule->set_comparator(v1::AT_MOST);
    rule->add_right(ind.denominator(0));
    rule->set_message("Tử số không vượt quá mẫu số");
  }
  for (v1::Area& area : *set.mutable_areas()) {
    for (v1::Criterion& c : *area.mutable_criteria()) {
      if (!c.rule().has_boolean()) continue;
      v1::DataElement* e = set.add_elements();
      e->set_code(absl::StrCat(c.code(), "_done"));
      e->set_label("Đã thực hiện");
      e->set_type(v1::ELEMENT_YES_NO);
      c.mutable_rule()->mutable_boolean()->set_element(e->code());
    }
  }
  return set;
}

v1::Plan SyntheticPlan(const v1::CriteriaSet& set) {
  v1::Plan plan;
  plan.set_id("bench-plan");
  for (const v1::Indicator& ind : set.indicators()) {
    v1::Target* t = plan.add_targets();
    t->set_indicator(ind.id());
    t->set_comparator(v1::GREATER);
    t->set_value_milli(95000);
    t->set_unit(v1::PERCENT);
  }
  return plan;
}

v1::Assessment SyntheticAssessment(const CompiledCriteriaSet& set, std::mt19937* rng) {
  v1::Assessment assessment;
  std::uniform_int_distribution<int> den(100, 1000);
  for (const Node& node : set.nodes()) {
    v1::Entry* e = assessment.add_entries();
    e->set_criterion(node.criterion->code());
    switch (node.shape) {
      case v1::Rule::kBoolean:
        e->mutable_self()->set_done((*rng)() % 2 == 0);
        break;
      case v1::Rule::kJudgement:
        e->mutable_self()->set_score_milli((*rng)() % 1001);
        break;
      default: {
        const int d = den(*rng);
        (*e->mutable_self()->mutable_figures())["den"] = d;
        (*e->mutable_self()->mutable_figures())["num"] =
            d - static_cast<int>((*rng)() % (d / 5));
      }
    }
  }
  return assessment;
}

// The same figures on the data sheet: one value per element, entries only for the
// judgement criteria's self scores.
v1::Assessment SheetAssessment(const CompiledCriteriaSet& set, std::mt19937* rng) {
  v1::Assessment assessment;
  std::uniform_int_distribution<int> den(100, 1000);
  auto count = [&](const std::string& element, int64_t n) {
    v1::DataValue* v = assessment.add_values();
    v->set_element(element);
    v->mutable_self()->set_count(n);
  };
  for (const Node& node : set.nodes()) {
    const std::string& code = node.criterion->code();
    switch (node.shape) {
      case v1::Rule::kBoolean: {
        v1::DataValue* v = assessment.add_values();
        v->set_element(absl::StrCat(code, "_done"));
        v->mutable_self()->set_yes((*rng)() % 2 == 0);
        break;
      }
      case v1::Rule::kJudgement: {
        v1::Entry* e = assessment.add_entries();
        e->set_criterion(code);
        e->mutable_self()->set_score_milli((*rng)() % 1001);
        break;
      }
      default: {
        const int d = den(*rng);
        count(absl::StrCat(code, "_den"), d);
        count(absl::StrCat(code, "_num"), d - static_cast<int>((*rng)() % (d / 5)));
      }
    }
  }
  return assessment;
}

struct Fixture {
  std::shared_ptr<const CompiledCriteriaSet> set;
  std::shared_ptr<const CompiledPlan> plan;
  std::vector<v1::Unit> units;
  std::vector<v1::Assessment> assessments;
};

// `sheet`: the data-sheet form of the same country (SyntheticSheetSet).
const Fixture& GetFixture(bool sheet = false) {
  static const Fixture* fixtures[2] = {nullptr, nullptr};
  const Fixture*& fixture = fixtures[sheet ? 1 : 0];
  if (fixture == nullptr)
    fixture = [sheet] {
      auto* f = new Fixture;
      v1::CriteriaSet set = sheet ? SyntheticSheetSet() : SyntheticSet();
      f->plan = *CompiledPlan::Compile(SyntheticPlan(set));
      f->set = *CompiledCriteriaSet::Compile(std::move(set));
      std::mt19937 rng(20231231);
      for (int i = 0; i < kNationalUnits; ++i) {
        v1::Unit unit;
        unit.set_code(absl::StrCat("U", i));
        unit.set_kind(i % 3 == 0 ? v1::WARD : v1::COMMUNE);
        f->units.push_back(unit);
        f->assessments.push_back(sheet ? SheetAssessment(*f->set, &rng)
                                       : SyntheticAssessment(*f->set, &rng));
      }
      return f;
    }();
  return *fixture;
}

// Scoring only: points, totals, index and class into a reused sheet. Argument 1: the
// figures on the data sheet (and its 80 validation rules checked) rather than on each
// criterion's entry.
void BM_ScoreAssessment(benchmark::State& state) {
  const Fixture& f = GetFixture(state.range(0) == 1);
  ScoreSheet sheet;
  if (const absl::Status status =
          Score(*f.set, f.plan.get(), f.units[0], f.assessments[0], v1::SELF, &sheet);
      !status.ok()) {
    state.SkipWithError(std::string(status.message()).c_str());
  }
  for (auto _ : state) {
    const absl::Status status =
        Score(*f.set, f.plan.get(), f.units[0], f.assessments[0], v1::SELF, &sheet);
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(sheet.index_hundredths);
  }
  state.counters["criteria"] = f.set->leaf_count();
}
BENCHMARK(BM_ScoreAssessment)->ArgName("sheet")->Arg(0)->Arg(1);

// Scoring plus rendering the UnitScore message with a trace line per criterion.
void BM_ScoreAndExplain(benchmark::State& state) {
  const Fixture& f = GetFixture();
  for (auto _ : state) {
    auto score = ScoreUnit(*f.set, f.plan.get(), f.units[0], f.assessments[0], v1::SELF);
    benchmark::DoNotOptimize(score);
  }
}
BENCHMARK(BM_ScoreAndExplain);

// The whole country: every unit scored, then ranked per block.
void BM_NationalRound(benchmark::State& state) {
  const Fixture& f = GetFixture(state.range(0) == 1);
  ScoreSheet sheet;
  std::vector<RankKey> keys(f.units.size());
  for (auto _ : state) {
    for (size_t i = 0; i < f.units.size(); ++i) {
      const absl::Status status =
          Score(*f.set, f.plan.get(), f.units[i], f.assessments[i], v1::SELF, &sheet);
      benchmark::DoNotOptimize(status);
      keys[i] = RankKey{f.units[i].kind() == v1::WARD ? "ward" : "commune",
                        sheet.index_hundredths, sheet.index_applicable};
    }
    std::vector<int> ranks = RankInBlocks(keys);
    benchmark::DoNotOptimize(ranks);
  }
  state.counters["units"] = static_cast<double>(f.units.size());
}
BENCHMARK(BM_NationalRound)
    ->ArgName("sheet")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace parindex::engine

BENCHMARK_MAIN();
