// `parindex eval`.
#include "client/eval_command.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "criteria/yaml_reader.h"
#include "engine/ranking.h"
#include "engine/scorer.h"

namespace parindex::client {

absl::StatusOr<v1::Evaluation> Evaluate(const EvalOptions& options,
                                        BlockSizes* block_sizes) {
  ASSIGN_OR_RETURN(auto set, criteria::LoadCriteriaSet(options.criteria_path));
  std::shared_ptr<const engine::CompiledPlan> plan;
  if (!options.plan_path.empty()) {
    ASSIGN_OR_RETURN(plan, criteria::LoadPlan(options.plan_path));
  }
  ASSIGN_OR_RETURN(criteria::Parsed<criteria::FiguresFile> figures,
                   criteria::ReadFigures(options.figures_path));
  RETURN_IF_ERROR(criteria::RequireUnitDetails(figures));
  const criteria::FiguresFile& file = figures.proto;
  if (!file.criteria_set.empty() && file.criteria_set != set->proto().id()) {
    return absl::InvalidArgumentError(
        absl::StrCat(figures.source.Locate("criteria_set"),
                     ": figures are for criteria set '", file.criteria_set, "' but ",
                     options.criteria_path, " is '", set->proto().id(), "'"));
  }
  if (!file.plan.empty() && plan != nullptr && file.plan != plan->proto().id()) {
    return absl::InvalidArgumentError(
        absl::StrCat(figures.source.Locate("plan"), ": figures are for plan '", file.plan,
                     "' but ", options.plan_path, " is '", plan->proto().id(), "'"));
  }

  v1::Evaluation evaluation;
  evaluation.set_criteria_set(set->proto().id());
  if (plan != nullptr) evaluation.set_plan(plan->proto().id());
  evaluation.set_column(options.column);
  std::vector<v1::UnitScore> scores;
  engine::ScoreSheet sheet;
  for (size_t i = 0; i < file.units.size(); ++i) {
    const criteria::UnitFigures& u = file.units[i];
    absl::Status status =
        engine::Score(*set, plan.get(), u.unit, u.assessment, options.column, &sheet);
    if (!status.ok()) {
      return figures.source.Annotate(status, absl::StrCat("units[", i, "]."));
    }
    scores.push_back(
        engine::Explain(*set, plan.get(), u.unit, u.assessment, options.column, sheet));
  }
  engine::RankUnitScores(&scores);
  if (block_sizes != nullptr) {
    block_sizes->clear();
    for (const v1::UnitScore& score : scores) ++(*block_sizes)[score.block()];
  }
  for (v1::UnitScore& score : scores) {
    if (!options.unit.empty() && score.unit() != options.unit) continue;
    *evaluation.add_units() = std::move(score);
  }
  if (!options.unit.empty() && evaluation.units().empty()) {
    return absl::NotFoundError(
        absl::StrCat(options.figures_path, ": no unit with code '", options.unit, "'"));
  }
  return evaluation;
}

}  // namespace parindex::client
