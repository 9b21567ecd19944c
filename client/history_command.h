// `parindex history UNIT [--with-predecessors]`: a unit's index, rank and area scores
// in every round the caller may see (ScoreService.GetUnitHistory).
#ifndef PARINDEX_CLIENT_HISTORY_COMMAND_H_
#define PARINDEX_CLIENT_HISTORY_COMMAND_H_

#include <string>

#include "absl/status/statusor.h"
#include "client/api.h"
#include "parindex/v1/service.pb.h"

namespace parindex::client {

// The history as a text table: a row per (round, unit), oldest first, the areas as
// columns by their codes.
std::string RenderHistory(const v1::UnitHistory& history);

absl::StatusOr<std::string> History(Api& api, const std::string& unit,
                                    bool with_predecessors, const std::string& column,
                                    bool json);

}  // namespace parindex::client

#endif  // PARINDEX_CLIENT_HISTORY_COMMAND_H_
