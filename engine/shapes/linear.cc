// The linear shape: points = rate × max ("on-time rate × 1.5 points"), for a percent.
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/fixed_point.h"
#include "engine/rule_shape.h"
#include "engine/shapes/common.h"
#include "engine/shapes/shapes.h"

namespace parindex::engine::shapes {
namespace {

constexpr ShapeKey kKeys[] = {
    {"indicator", "indicator", ShapeKey::Kind::kIndicator, ShapeKey::Absent::kRequired},
};

class LinearShape final : public RuleShape {
 public:
  LinearShape() : RuleShape(v1::Rule::kLinear, "linear", kKeys) {}

  absl::Status Check(RuleCheck& check) const override {
    RETURN_IF_ERROR(check.ResolveIndicator(check.rule().linear().indicator()));
    if (check.indicator().unit() != v1::PERCENT) {
      return check.Fail("indicator: linear scoring needs a percent indicator");
    }
    return absl::OkStatus();
  }

  absl::Status Score(LeafScoring& leaf) const override {
    Fraction value;
    ASSIGN_OR_RETURN(const bool measured, leaf.Measure(&value));
    if (!measured) return absl::OkStatus();
    leaf.out().why = Why::kLinear;
    leaf.out().points_milli = Scale(leaf.max(), value.num, value.den * 100);
    return absl::OkStatus();
  }

  void Explain(const LeafTrace& leaf, v1::Trace* trace,
               std::string* reason) const override {
    const std::string max = FormatMilli(leaf.criterion().max_milli());
    trace->set_applied(absl::StrCat(leaf.Say("rate × ", "tỷ lệ × "), max));
    *reason = absl::StrCat(leaf.Measured(), " × ", max, leaf.result());
  }

  std::string Describe(const v1::Rule& rule) const override {
    return absl::StrCat("linear ", rule.linear().indicator());
  }
};

}  // namespace

const RuleShape& Linear() {
  static const auto* const shape = new LinearShape();
  return *shape;
}

}  // namespace parindex::engine::shapes
