// The tables of a round's export, by the name a CSV export asks for
// (ExportRoundRequest.table): one list for the server's tables (their Table::key), its
// check of a request, and the CLI's choices.
#ifndef PARINDEX_COMMON_EXPORT_TABLES_H_
#define PARINDEX_COMMON_EXPORT_TABLES_H_

#include <array>

#include "absl/strings/string_view.h"

namespace parindex::export_table {

inline constexpr absl::string_view kRanking = "ranking";      // a block's ranking
inline constexpr absl::string_view kMatrix = "matrix";        // units × areas
inline constexpr absl::string_view kAreas = "areas";          // each area's average
inline constexpr absl::string_view kYears = "years";          // year over year
inline constexpr absl::string_view kCriteria = "criteria";    // every criterion
inline constexpr absl::string_view kDataSheet = "datasheet";  // every data sheet value
inline constexpr absl::string_view kAudit = "audit";          // the office's only

// In the order the workbook holds them.
inline constexpr std::array<absl::string_view, 7> kAll = {
    kRanking, kMatrix, kAreas, kYears, kCriteria, kDataSheet, kAudit};

// Whether a caller that is not an office may export `table`.
constexpr bool ForEveryone(absl::string_view table) { return table != kAudit; }

}  // namespace parindex::export_table

#endif  // PARINDEX_COMMON_EXPORT_TABLES_H_
