// What several rule shapes share.
#include "engine/shapes/common.h"

namespace parindex::engine::shapes {

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
