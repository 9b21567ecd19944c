// `parindex eval`: score figures offline against a criteria set and a plan.
#ifndef PARINDEX_CLIENT_EVAL_COMMAND_H_
#define PARINDEX_CLIENT_EVAL_COMMAND_H_

#include <string>

#include "absl/status/statusor.h"
#include "client/text_table.h"
#include "parindex/v1/score.pb.h"

namespace parindex::client {

struct EvalOptions {
  std::string criteria_path;
  std::string plan_path;  // optional
  std::string figures_path;
  v1::Column column = v1::SELF;
  std::string unit;  // only this unit, when set
};

// Reads the three files and scores every unit in them, ranked within blocks; with
// `block_sizes`, also the number of units of each block in the files (all of them, also
// when only one unit is kept). Errors carry file:line:col.
absl::StatusOr<v1::Evaluation> Evaluate(const EvalOptions& options,
                                        BlockSizes* block_sizes = nullptr);

}  // namespace parindex::client

#endif  // PARINDEX_CLIENT_EVAL_COMMAND_H_
