// Parses the due phrases of reform plans ("Quý I/2023", "Thường xuyên", "Trước ngày
// 10/5/2023") into date ranges. The original text is always kept beside the range.
#ifndef PARINDEX_CRITERIA_DUE_PHRASE_H_
#define PARINDEX_CRITERIA_DUE_PHRASE_H_

#include "absl/strings/string_view.h"
#include "parindex/v1/plan.pb.h"

namespace parindex::criteria {

// Returns the range `text` names. `plan_year` fills a phrase without a year ("Trong
// năm"). Recognised:
//   a date        "Trước 01/01/2023", "Hoàn thành trước ngày 10/5/2023"  -> DATE, end is
//                 the day before (the phrase says "before")
//   a month       "Tháng 01 năm 2023", "Tháng 02/2023", "Trong 12/2024"  -> RANGE
//   quarters      "Quý I/2023", "Quý III và Quý IV năm 2023", "Quý II, III/2023",
//                 "Quý IV/2023 - Quý I/2024"                               -> RANGE
//   years         "Trong năm 2023", "Năm 2023", "Từ quý I/2023 đến hết năm 2025"
//   ongoing       "Thường xuyên"                                           -> ONGOING
//   events        "Khi có …", "Sau khi …", "Theo kế hoạch …", "Lồng ghép …" -> EVENT
// Several clauses ("- Trong tháng 01/2024 - Hàng quý, năm 2024") give the span of all
// of them. Anything else is UNPARSED; an empty text gives KIND_UNSPECIFIED.
v1::DueRange ParseDuePhrase(absl::string_view text, int plan_year);

}  // namespace parindex::criteria

#endif  // PARINDEX_CRITERIA_DUE_PHRASE_H_
