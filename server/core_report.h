// ReportCore: a round's results as report tables (XLSX or CSV), with the audit trail
// for the office.
#ifndef PARINDEX_SERVER_CORE_REPORT_H_
#define PARINDEX_SERVER_CORE_REPORT_H_

#include "absl/status/statusor.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "parindex/v1/service.pb.h"
#include "server/core_base.h"
#include "server/report.h"

namespace parindex::server {

// The units' scores a report is made of (on an arena: see ExportRound).
using UnitScores = google::protobuf::RepeatedPtrField<v1::UnitScore>;

class ReportCore : private CoreBase {
 public:
  using CoreBase::CoreBase;

  absl::StatusOr<v1::ExportRoundResponse> ExportRound(const Caller& c,
                                                      const v1::ExportRoundRequest& r);

 private:
  // Year over year: each unit of `scores` (and the units it was formed from) with its
  // index and rank in every round of the same family (criteria sets of the same level)
  // up to this round's year that the caller may see, ranked as GetUnitHistory ranks.
  absl::StatusOr<Table> YearsTable(const Caller& c, const RoundContext& round,
                                   const UnitScores& scores, v1::Column column);
};

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_CORE_REPORT_H_
