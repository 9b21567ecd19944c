// `parindex eval`: score figures offline against a criteria set and a plan.
#ifndef PARINDEX_CLIENT_EVAL_COMMAND_H_
#define PARINDEX_CLIENT_EVAL_COMMAND_H_

#include <string>

#include "absl/status/statusor.h"
#include "parindex/v1/score.pb.h"

namespace parindex::client {

struct EvalOptions {
  std::string criteria_path;
  std::string plan_path;  // optional
  std::string figures_path;
  v1::Column column = v1::SELF;
  std::string unit;  // only this unit, when set
};

// Reads the three files and scores every unit in them, ranked within blocks.
// Errors carry file:line:col.
absl::StatusOr<v1::Evaluation> Evaluate(const EvalOptions& options);

}  // namespace parindex::client

#endif  // PARINDEX_CLIENT_EVAL_COMMAND_H_
