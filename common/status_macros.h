// RETURN_IF_ERROR and ASSIGN_OR_RETURN: Debian's Abseil (20220623) ships neither.
#ifndef PARINDEX_COMMON_STATUS_MACROS_H_
#define PARINDEX_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PARINDEX_CONCAT_INNER_(a, b) a##b
#define PARINDEX_CONCAT_(a, b) PARINDEX_CONCAT_INNER_(a, b)

// Returns the status of `expr` from the enclosing function when it is not OK.
#define RETURN_IF_ERROR(expr)                            \
  do {                                                   \
    ::absl::Status parindex_status_ = (expr);            \
    if (!parindex_status_.ok()) return parindex_status_; \
  } while (0)

// ASSIGN_OR_RETURN(auto x, StatusOrExpr()): declares/assigns `lhs` from the value, or
// returns the error.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  ASSIGN_OR_RETURN_IMPL_(PARINDEX_CONCAT_(parindex_statusor_, __LINE__), lhs, rexpr)

#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                           \
  if (!statusor.ok()) return statusor.status();      \
  lhs = std::move(statusor).value()

#endif  // PARINDEX_COMMON_STATUS_MACROS_H_
