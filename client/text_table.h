// Renders scores as text tables for terminals (UTF-8 aware column widths).
#ifndef PARINDEX_CLIENT_TEXT_TABLE_H_
#define PARINDEX_CLIENT_TEXT_TABLE_H_

#include <string>

#include "absl/strings/string_view.h"
#include "parindex/v1/score.pb.h"

namespace parindex::client {

// Columns `text` takes on a terminal: code points, less combining marks.
int DisplayWidth(absl::string_view text);

// `text` cut or padded with spaces to exactly `width` columns ("…" marks a cut).
std::string Fit(absl::string_view text, int width);

// A whole evaluation: each unit's areas and criteria with traces, then the rankings.
std::string RenderEvaluation(const v1::Evaluation& evaluation);

// Each unit's areas and criteria with traces (rank out of `block_size` when known).
std::string RenderUnitScores(const v1::Evaluation& evaluation);

// The rankings per block, best first.
std::string RenderRanking(const google::protobuf::RepeatedPtrField<v1::UnitScore>& units);

}  // namespace parindex::client

#endif  // PARINDEX_CLIENT_TEXT_TABLE_H_
