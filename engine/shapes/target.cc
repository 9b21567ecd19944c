// The target shape: full points when the indicator meets the plan's target for the
// unit's kind; else nothing, or points in proportion to the target.
#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/display.h"
#include "engine/fixed_point.h"
#include "engine/rule_shape.h"
#include "engine/shapes/common.h"
#include "engine/shapes/shapes.h"

namespace parindex::engine::shapes {
namespace {

constexpr KeyWord kModes[] = {
    {"all_or_nothing", v1::TargetRule::ALL_OR_NOTHING},
    {"proportional", v1::TargetRule::PROPORTIONAL},
};

constexpr ShapeKey kKeys[] = {
    {"indicator", "indicator", ShapeKey::Kind::kIndicator, ShapeKey::Absent::kRequired},
    {"mode", "mode", ShapeKey::Kind::kEnum, ShapeKey::Absent::kFirstWord, kModes},
};

class TargetShape final : public RuleShape {
 public:
  TargetShape() : RuleShape(v1::Rule::kTarget, "target", kKeys) {}

  absl::Status Check(RuleCheck& check) const override {
    return check.ResolveIndicator(check.rule().target().indicator());
  }

  absl::Status Score(LeafScoring& leaf) const override {
    const v1::Indicator& indicator = leaf.indicator();
    NodeScore& out = leaf.out();
    // Without a target there is nothing to meet: not applicable, whatever was
    // reported (figures that were given are still checked).
    const v1::Target* target = leaf.Target();
    if (target == nullptr) {
      bool reported = false;
      RETURN_IF_ERROR(leaf.ReadIndicator(&reported));
      out.missing = nullptr;
      return leaf.NotApplicable(Why::kNoTarget, /*full_marks_allowed=*/false);
    }
    Fraction value;
    ASSIGN_OR_RETURN(const bool measured, leaf.Measure(&value));
    if (!measured) return absl::OkStatus();
    if (target->unit() != indicator.unit()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "plan ", leaf.plan()->proto().id(), ": the target for ", indicator.id(),
          " is in ", absl::AsciiStrToLower(v1::MeasureUnit_Name(target->unit())),
          " but criterion ", leaf.criterion().code(), " reads it in ",
          absl::AsciiStrToLower(v1::MeasureUnit_Name(indicator.unit()))));
    }
    const int64_t max = leaf.max();
    out.target = target;
    if (Holds(target->comparator(), value, target->value_milli())) {
      out.why = Why::kTargetMet;
      out.points_milli = max;
      return absl::OkStatus();
    }
    out.why = Why::kTargetMissed;
    out.points_milli = 0;
    if (leaf.rule().target().mode() == v1::TargetRule::PROPORTIONAL) {
      const int64_t t = target->value_milli();
      int64_t points = 0;
      if (HigherIsBetter(target->comparator())) {
        if (t > 0) points = Scale(max, value.num * 1000, value.den * t);
      } else if (value.num > 0) {
        points = Scale(max, int128{t} * value.den, value.num * 1000);
      }
      out.points_milli = std::min(points, max);
    }
    return absl::OkStatus();
  }

  void Explain(const LeafTrace& leaf, v1::Trace* trace,
               std::string* reason) const override {
    const v1::Indicator& indicator = leaf.indicator();
    const Why why = leaf.score().why;
    if (why == Why::kNoTarget) {
      if (leaf.vietnamese()) {
        *reason = leaf.plan() == nullptr
                      ? absl::StrCat(
                            "không áp dụng: không có kế hoạch nên không có chỉ tiêu cho ",
                            indicator.id())
                      : absl::StrCat("không áp dụng: kế hoạch ",
                                     leaf.plan()->proto().id(), " không đặt chỉ tiêu ",
                                     indicator.id(), " cho ", leaf.kind());
        return;
      }
      *reason =
          leaf.plan() == nullptr
              ? absl::StrCat("not applicable: no plan, so no target for ", indicator.id())
              : absl::StrCat("not applicable: plan ", leaf.plan()->proto().id(),
                             " sets no target for ", indicator.id(), " for ", leaf.kind(),
                             " units");
      return;
    }
    const v1::Target& t = *leaf.score().target;
    const std::string target = absl::StrCat(
        ThresholdText(t.comparator(), t.value_milli(), t.unit()),
        leaf.Say(" (plan target for ", " (chỉ tiêu kế hoạch cho "), leaf.kind(), ")");
    trace->set_applied(target);
    *reason = absl::StrCat(
        leaf.Measured(),
        why == Why::kTargetMet ? " " : leaf.Say(", not ", ", không đạt "), target);
    if (why == Why::kTargetMissed &&
        leaf.rule().target().mode() == v1::TargetRule::PROPORTIONAL) {
      absl::StrAppend(reason, leaf.Say("; proportional to the target",
                                       "; tính theo tỷ lệ so với chỉ tiêu"));
    }
    absl::StrAppend(reason, leaf.result());
  }

  std::string Describe(const v1::Rule& rule) const override {
    return absl::StrCat(
        "target ", rule.target().indicator(),
        rule.target().mode() == v1::TargetRule::PROPORTIONAL ? " (proportional)" : "");
  }
};

}  // namespace

const RuleShape& Target() {
  static const auto* const shape = new TargetShape();
  return *shape;
}

}  // namespace parindex::engine::shapes
