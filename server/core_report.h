// ReportCore: a round's results as report tables (XLSX or CSV), with the audit trail
// for the office.
#ifndef PARINDEX_SERVER_CORE_REPORT_H_
#define PARINDEX_SERVER_CORE_REPORT_H_

#include "absl/status/statusor.h"
#include "parindex/v1/service.pb.h"
#include "server/core_base.h"

namespace parindex::server {

class ReportCore : private CoreBase {
 public:
  using CoreBase::CoreBase;

  absl::StatusOr<v1::ExportRoundResponse> ExportRound(const Caller& c,
                                                      const v1::ExportRoundRequest& r);
};

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_CORE_REPORT_H_
