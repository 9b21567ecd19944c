// What several rule shapes share: comparisons with thresholds, scaling to a maximum,
// and the checks of an indicator that counts items.
#ifndef PARINDEX_ENGINE_SHAPES_COMMON_H_
#define PARINDEX_ENGINE_SHAPES_COMMON_H_

#include <cstdint>

#include "absl/status/status.h"
#include "engine/fixed_point.h"
#include "engine/rule_shape.h"
#include "parindex/v1/common.pb.h"

namespace parindex::engine::shapes {

// True when `left` compares with `right` as `comparator` says (any ordered numbers:
// 64-bit, 128-bit, a comparison's sign against 0).
template <typename Number>
inline bool Compares(v1::Comparator comparator, Number left, Number right) {
  switch (comparator) {
    case v1::GREATER:
      return left > right;
    case v1::AT_LEAST:
      return left >= right;
    case v1::AT_MOST:
      return left <= right;
    case v1::LESS:
      return left < right;
    default:
      return false;
  }
}

// True when `value` compares with `threshold_milli` (thousandths) as `comparator` says.
inline bool Holds(v1::Comparator comparator, const Fraction& value,
                  int64_t threshold_milli) {
  return Compares(comparator, CompareFractions(value, Fraction{threshold_milli, 1000}),
                  0);
}

// True for > and ≥: a higher value is better.
inline bool HigherIsBetter(v1::Comparator comparator) {
  return comparator == v1::GREATER || comparator == v1::AT_LEAST;
}

// True for ≤ and <: a lower value is better.
inline bool LowerIsBetter(v1::Comparator comparator) {
  return comparator == v1::AT_MOST || comparator == v1::LESS;
}

// max × num / den, rounded half up. REQUIRES: den > 0.
inline int64_t Scale(int64_t max, int128 num, int128 den) {
  return DivRoundHalfUp(max * num, den);
}

// Checks that the resolved indicator counts items: no denominator, and not a percent
// or score element read alone (count and adjustment rules).
absl::Status CheckCountsItems(const RuleCheck& check);

}  // namespace parindex::engine::shapes

#endif  // PARINDEX_ENGINE_SHAPES_COMMON_H_
