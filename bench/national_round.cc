// A seeded national-size round (bench/national_round.h).
#include "bench/national_round.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "criteria/yaml_reader.h"
#include "engine/criteria_set.h"
#include "engine/errors.h"
#include "engine/plan.h"
#include "engine/scorer.h"

namespace parindex::bench {
namespace {

constexpr int kProvinces = 34;
constexpr char kSet[] = "commune-2025";
constexpr char kPlan[] = "hungyen-2023";

// A count drawn around `count`: 70–100 % of it.
int64_t Around(int64_t count, std::mt19937& rng) {
  if (count <= 0) return count;
  std::uniform_int_distribution<int> percent(70, 100);
  return count * percent(rng) / 100;
}

// The template's values with the appraiser's side drawn around the unit's (counts
// 70–100 %, one yes in ten turned to no); `draw` false: the appraiser confirms them.
v1::Assessment Draw(const v1::Assessment& templ, bool draw, std::mt19937& rng) {
  v1::Assessment out;
  out.set_unit(templ.unit());
  std::uniform_int_distribution<int> tenth(0, 9);
  for (const v1::DataValue& v : templ.values()) {
    if (!v.has_self()) continue;
    v1::DataValue* value = out.add_values();
    value->set_element(v.element());
    *value->mutable_self() = v.self();
    *value->mutable_appraised() = v.self();
    if (!draw) continue;
    if (v.self().value_case() == v1::ElementValue::kCount) {
      value->mutable_self()->set_count(Around(v.self().count(), rng));
      value->mutable_appraised()->set_count(Around(value->self().count(), rng));
    } else if (v.self().value_case() == v1::ElementValue::kYes && v.self().yes()) {
      value->mutable_appraised()->set_yes(tenth(rng) != 0);
    }
  }
  for (const v1::Entry& e : templ.entries()) {
    v1::Entry* entry = out.add_entries();
    entry->set_criterion(e.criterion());
    *entry->mutable_self() = e.self();
    *entry->mutable_appraised() = e.self();
    if (draw && e.self().has_score_milli()) {
      // Judgements: the appraiser gives a quarter-step of the unit's own score.
      std::uniform_int_distribution<int> quarters(0, 4);
      entry->mutable_appraised()->set_score_milli(e.self().score_milli() / 250 *
                                                  quarters(rng) / 4 * 250);
    }
  }
  return out;
}

}  // namespace

std::string ProvinceCode(int province) { return absl::StrFormat("T%02d", province + 1); }
std::string NationalUnitCode(int unit) { return absl::StrFormat("N%04d", unit + 1); }

absl::StatusOr<NationalRound> AddNationalRound(server::Core& core, store::Store& store,
                                               const std::string& criteria_dir,
                                               const NationalOptions& options) {
  const server::Caller admin{v1::ROLE_ADMIN, "bench", ""};
  const server::Caller appraiser{v1::ROLE_APPRAISER, "bench", ""};
  ASSIGN_OR_RETURN(auto figures, criteria::ReadFigures(absl::StrCat(
                                     criteria_dir, "/rounds/hungyen-2023/figures.yaml")));
  ASSIGN_OR_RETURN(v1::CriteriaSet set_proto, store.GetCriteriaSet(kSet, 0));
  ASSIGN_OR_RETURN(auto set, engine::CompiledCriteriaSet::Compile(set_proto));
  ASSIGN_OR_RETURN(v1::Plan plan_proto, store.GetPlan(kPlan));
  ASSIGN_OR_RETURN(auto plan, engine::CompiledPlan::Compile(plan_proto));

  for (int p = 0; p < kProvinces; ++p) {
    v1::PutUnitRequest put;
    put.mutable_unit()->set_code(ProvinceCode(p));
    put.mutable_unit()->set_name(absl::StrCat("Tỉnh ", p + 1));
    put.mutable_unit()->set_kind(v1::PROVINCE);
    RETURN_IF_ERROR(core.catalog().PutUnit(admin, put).status());
  }
  v1::CreateRoundRequest create;
  v1::Round* round = create.mutable_round();
  round->set_id(options.round);
  round->set_title(absl::StrCat("Chỉ số CCHC toàn quốc (", options.units, " đơn vị)"));
  round->set_year(2025);
  round->set_criteria_set(kSet);
  round->set_criteria_set_version(set_proto.version());
  round->add_plans(kPlan);
  std::mt19937 rng(options.seed);
  NationalRound result;
  result.round = options.round;
  result.units = options.units;
  std::vector<std::pair<std::string, store::FormUpdate>> forms;
  std::vector<v1::PutUnitRequest> puts(options.units);
  engine::ScoreSheet sheet;
  for (int i = 0; i < options.units; ++i) {
    const criteria::UnitFigures& templ =
        figures.proto.units[rng() % figures.proto.units.size()];
    v1::Unit* unit = puts[i].mutable_unit();
    unit->set_code(NationalUnitCode(i));
    unit->set_name(absl::StrCat(templ.unit.name(), " ", i + 1));
    unit->set_kind(templ.unit.kind());
    unit->set_parent(ProvinceCode(i % kProvinces));
    unit->set_block(templ.unit.block());
    round->add_units(unit->code());
    // A drawn count may break a rule between elements: the value the engine names
    // (values[i]) goes back to the template's until both columns score, or, past a
    // bound, the whole template is kept.
    v1::Assessment drawn = Draw(templ.assessment, true, rng);
    const v1::Assessment kept = Draw(templ.assessment, false, rng);
    drawn.set_unit(unit->code());
    bool ok = false;
    for (int repair = 0; repair < 200 && !ok; ++repair) {
      absl::Status scored =
          engine::Score(*set, plan.get(), *unit, drawn, v1::SELF, &sheet);
      if (scored.ok())
        scored = engine::Score(*set, plan.get(), *unit, drawn, v1::APPRAISED, &sheet);
      ok = scored.ok();
      if (ok) break;
      const std::optional<std::string> path = engine::ErrorPath(scored);
      int index = -1;
      if (!path.has_value() || std::sscanf(path->c_str(), "values[%d]", &index) != 1 ||
          index < 0 || index >= drawn.values_size() || index >= kept.values_size())
        break;
      // The value, and every value of the rules it takes part in, as the template has
      // them (the rule's other side may be the drawn one).
      const int element = set->FindElement(drawn.values(index).element());
      std::set<std::string> revert = {drawn.values(index).element()};
      for (const engine::Check& check : set->checks()) {
        const bool in = std::count(check.left.begin(), check.left.end(), element) +
                        std::count(check.right.begin(), check.right.end(), element);
        if (!in) continue;
        for (const std::vector<int>* side : {&check.left, &check.right}) {
          for (int e : *side) revert.insert(set->elements()[e].code);
        }
      }
      for (int v = 0; v < drawn.values_size() && v < kept.values_size(); ++v) {
        if (revert.count(drawn.values(v).element()))
          *drawn.mutable_values(v) = kept.values(v);
      }
    }
    if (!ok) {
      drawn = kept;
      ++result.templates_kept;
    }
    drawn.set_unit(unit->code());
    store::FormUpdate form;
    for (const v1::Entry& e : drawn.entries()) form.entries.push_back({e, 0});
    for (const v1::DataValue& v : drawn.values()) form.values.push_back({v, 0});
    forms.emplace_back(unit->code(), std::move(form));
  }
  // The units, then (below) the states, from 16 threads so that their writes share
  // commits.
  constexpr int kThreads = 16;
  auto in_threads = [&](const std::function<absl::Status(int)>& fn) -> absl::Status {
    std::vector<absl::Status> failed(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = t; i < options.units && failed[t].ok(); i += kThreads)
          failed[t] = fn(i);
      });
    }
    for (std::thread& t : threads) t.join();
    for (const absl::Status& s : failed) RETURN_IF_ERROR(s);
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(
      in_threads([&](int i) { return core.catalog().PutUnit(admin, puts[i]).status(); }));
  RETURN_IF_ERROR(core.rounds().CreateRound(appraiser, create).status());
  v1::AdvanceRoundRequest advance;
  advance.set_name(absl::StrCat("rounds/", options.round));
  advance.set_to_phase(v1::PHASE_SELF_ASSESSMENT);
  advance.set_etag(1);
  RETURN_IF_ERROR(core.rounds().AdvanceRound(appraiser, advance).status());

  // The forms, 100 units to a transaction; then every unit submits.
  store::WriteContext ctx;
  ctx.actor = {"bench", "appraiser", ""};
  for (size_t from = 0; from < forms.size(); from += 100) {
    std::vector<std::pair<std::string, store::FormUpdate>> chunk(
        forms.begin() + from, forms.begin() + std::min(forms.size(), from + 100));
    RETURN_IF_ERROR(store.UpdateUnitsEntries(ctx, options.round, chunk).status());
  }
  RETURN_IF_ERROR(in_threads([&](int i) {
    return store
        .SetAssessmentState(ctx, options.round, NationalUnitCode(i), v1::STATE_SUBMITTED,
                            1, false)
        .status();
  }));
  advance.set_to_phase(v1::PHASE_APPRAISAL);
  advance.set_etag(2);
  RETURN_IF_ERROR(core.rounds().AdvanceRound(appraiser, advance).status());
  return result;
}

}  // namespace parindex::bench
