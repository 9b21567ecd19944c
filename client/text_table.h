// Renders scores as text tables for terminals (UTF-8 aware column widths).
#ifndef PARINDEX_CLIENT_TEXT_TABLE_H_
#define PARINDEX_CLIENT_TEXT_TABLE_H_

#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "parindex/v1/score.pb.h"

namespace parindex::client {

// Columns `text` takes on a terminal: code points, less combining marks.
int DisplayWidth(absl::string_view text);

// `text` cut or padded with spaces to exactly `width` columns ("…" marks a cut).
std::string Fit(absl::string_view text, int width);

// The number of units in each block, for "rank 2 of 10 in block wards".
using BlockSizes = std::map<std::string, int>;

// A whole evaluation: each unit's areas and criteria with traces, then the rankings.
std::string RenderEvaluation(const v1::Evaluation& evaluation,
                             const BlockSizes& block_sizes = {});

// Each unit's areas and criteria with traces, then the warnings its values raise
// ("  warning: rule resolved_within_received: …"). Its rank in its block, out of the
// block's size when `block_sizes` has it ("rank 3 in block communes" when not); an
// unranked score (a preview) shows none.
std::string RenderUnitScores(const v1::Evaluation& evaluation,
                             const BlockSizes& block_sizes = {});

// The rankings per block, best first.
std::string RenderRanking(const google::protobuf::RepeatedPtrField<v1::UnitScore>& units);

}  // namespace parindex::client

#endif  // PARINDEX_CLIENT_TEXT_TABLE_H_
