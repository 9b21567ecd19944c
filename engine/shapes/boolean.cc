// The boolean shape: a yes/no fact, from a YES_NO data element or the criterion's own
// `done`.
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/fixed_point.h"
#include "engine/rule_shape.h"
#include "engine/shapes/shapes.h"

namespace parindex::engine::shapes {
namespace {

constexpr ShapeKey kKeys[] = {
    {"yes", "yes_points_milli", ShapeKey::Kind::kMilli, ShapeKey::Absent::kMax},
    {"no", "no_points_milli", ShapeKey::Kind::kMilli, ShapeKey::Absent::kUnset},
    {"element", "element", ShapeKey::Kind::kElement, ShapeKey::Absent::kUnset},
};

class BooleanShape final : public RuleShape {
 public:
  BooleanShape()
      : RuleShape(v1::Rule::kBoolean, "boolean", kKeys, Share::kScale, OwnValue::kDone) {}

  absl::Status Check(RuleCheck& check) const override {
    const v1::BooleanRule& b = check.rule().boolean();
    RETURN_IF_ERROR(check.ResolveElement(b.element(), v1::ELEMENT_YES_NO));
    if (b.yes_points_milli() <= 0 || b.yes_points_milli() > check.max()) {
      return check.Fail(absl::StrCat("yes: must be above 0 and at most the maximum ",
                                     FormatMilliShort(check.max())));
    }
    if (b.no_points_milli() >= b.yes_points_milli()) {
      return check.Fail("no: must give fewer points than yes");
    }
    return absl::OkStatus();
  }

  absl::Status Score(LeafScoring& leaf) const override {
    bool yes = false;
    if (leaf.node().element >= 0) {
      const v1::ElementValue* value = leaf.ElementValue();
      if (value == nullptr) return leaf.NotReported(0);
      yes = value->yes();
    } else {
      const v1::EntryValues* values = leaf.values();
      if (values == nullptr || !values->has_done()) return leaf.NotReported(0);
      yes = values->done();
    }
    const v1::BooleanRule& b = leaf.rule().boolean();
    leaf.out().why = yes ? Why::kYes : Why::kNo;
    leaf.out().points_milli = yes ? b.yes_points_milli() : b.no_points_milli();
    return absl::OkStatus();
  }

  void Explain(const LeafTrace& leaf, v1::Trace* /*trace*/,
               std::string* reason) const override {
    *reason = absl::StrCat(
        leaf.score().why == Why::kYes ? leaf.Say("yes", "có") : leaf.Say("no", "không"),
        leaf.result());
  }

  std::string Describe(const v1::Rule& /*rule*/) const override { return "yes/no"; }
};

}  // namespace

const RuleShape& Boolean() {
  static const auto* const shape = new BooleanShape();
  return *shape;
}

}  // namespace parindex::engine::shapes
