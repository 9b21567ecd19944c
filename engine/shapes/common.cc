// What several rule shapes share.
#include "engine/shapes/common.h"

namespace parindex::engine::shapes {

bool Holds(v1::Comparator comparator, const Fraction& value, int64_t threshold_milli) {
  const int c = CompareFractions(value, Fraction{threshold_milli, 1000});
  switch (comparator) {
    case v1::GREATER:
      return c > 0;
    case v1::AT_LEAST:
      return c >= 0;
    case v1::AT_MOST:
      return c <= 0;
    case v1::LESS:
      return c < 0;
    default:
      return false;
  }
}

absl::Status CheckCountsItems(const RuleCheck& check) {
  if (!check.indicator().denominator().empty()) {
    return check.Fail("indicator: must count items (an indicator with no denominator)");
  }
  if (check.indicator_elements().milli) {
    return check.Fail("indicator: must count items (it reads a percent or score)");
  }
  return absl::OkStatus();
}

}  // namespace parindex::engine::shapes
