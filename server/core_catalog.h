// CatalogCore: criteria sets (immutable versions), plans and units. A new plan or unit
// drops every cached round and score.
#ifndef PARINDEX_SERVER_CORE_CATALOG_H_
#define PARINDEX_SERVER_CORE_CATALOG_H_

#include "absl/status/statusor.h"
#include "parindex/v1/service.pb.h"
#include "server/core_base.h"

namespace parindex::server {

class CatalogCore : private CoreBase {
 public:
  using CoreBase::CoreBase;

  absl::StatusOr<v1::CriteriaSet> CreateCriteriaSet(
      const Caller& c, const v1::CreateCriteriaSetRequest& r);
  absl::StatusOr<v1::CriteriaSet> GetCriteriaSet(const Caller& c,
                                                 const v1::GetCriteriaSetRequest& r);
  absl::StatusOr<v1::ListCriteriaSetsResponse> ListCriteriaSets(const Caller& c,
                                                                const v1::ListRequest& r);
  absl::StatusOr<v1::Plan> PutPlan(const Caller& c, const v1::PutPlanRequest& r);
  absl::StatusOr<v1::Plan> GetPlan(const Caller& c, const v1::GetByNameRequest& r);
  absl::StatusOr<v1::ListPlansResponse> ListPlans(const Caller& c,
                                                  const v1::ListRequest& r);
  absl::StatusOr<v1::Unit> PutUnit(const Caller& c, const v1::PutUnitRequest& r);
  absl::StatusOr<v1::Unit> GetUnit(const Caller& c, const v1::GetByNameRequest& r);
  absl::StatusOr<v1::ListUnitsResponse> ListUnits(const Caller& c,
                                                  const v1::ListRequest& r);

 private:
  // INVALID_ARGUMENT naming unit.formed_from[i] unless each code is a known unit, not
  // the unit itself, listed once, and not (through the units it was formed from, and
  // theirs) formed from this unit.
  absl::Status CheckFormedFrom(const v1::Unit& unit);
};

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_CORE_CATALOG_H_
