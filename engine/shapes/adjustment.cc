// The adjustment shape: bonus or penalty points outside the scale, per recorded
// occurrence, capped (-1 per violation, at most -3). The leaf's max is 0.
#include <algorithm>
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
    {"per_item", "points_per_item_milli", ShapeKey::Kind::kMilli,
     ShapeKey::Absent::kRequired},
    {"cap", "cap_milli", ShapeKey::Kind::kMilli, ShapeKey::Absent::kRequired},
};

class AdjustmentShape final : public RuleShape {
 public:
  AdjustmentShape()
      : RuleShape(v1::Rule::kAdjustment, "adjustment", kKeys, Share::kAdjustment) {}

  absl::Status Check(RuleCheck& check) const override {
    const v1::AdjustmentRule& adj = check.rule().adjustment();
    RETURN_IF_ERROR(check.ResolveIndicator(adj.indicator()));
    RETURN_IF_ERROR(CheckCountsItems(check));
    const int64_t per_item = adj.points_per_item_milli();
    const int64_t cap = adj.cap_milli();
    if (per_item == 0 || cap == 0 || (per_item > 0) != (cap > 0)) {
      return check.Fail(
          "cap: per item and cap must be non-zero with the same sign "
          "(positive for a bonus, negative for a penalty)");
    }
    return absl::OkStatus();
  }

  absl::Status Score(LeafScoring& leaf) const override {
    bool reported = false;
    RETURN_IF_ERROR(leaf.ReadIndicator(&reported));
    NodeScore& out = leaf.out();
    out.why = Why::kAdjustment;
    out.applicable_max_milli = 0;
    if (!reported) {
      // A bonus or penalty is earned by what is recorded; nothing recorded is none.
      out.missing = nullptr;
      out.num = 0;
      return absl::OkStatus();
    }
    const v1::AdjustmentRule& adj = leaf.rule().adjustment();
    const int128 points = int128{out.num} * adj.points_per_item_milli();
    out.points_milli = static_cast<int64_t>(
        adj.cap_milli() > 0 ? std::min<int128>(points, adj.cap_milli())
                            : std::max<int128>(points, adj.cap_milli()));
    return absl::OkStatus();
  }

  void Explain(const LeafTrace& leaf, v1::Trace* trace,
               std::string* reason) const override {
    const v1::AdjustmentRule& adj = leaf.rule().adjustment();
    const NodeScore& score = leaf.score();
    if (trace->inputs().empty()) {
      *reason = absl::StrCat(leaf.Say("none recorded", "không có"), leaf.result());
      return;
    }
    const int64_t raw = score.num * adj.points_per_item_milli();
    *reason = absl::StrCat(
        leaf.indicator().id(), " ", score.num, " × ",
        FormatMilli(adj.points_per_item_milli()), " = ", FormatMilli(raw),
        raw != score.points_milli ? absl::StrCat(leaf.Say(", capped at ", ", tối đa "),
                                                 FormatMilli(adj.cap_milli()))
                                  : "",
        leaf.result());
  }

  std::string Result(const v1::Criterion& criterion, int64_t points_milli,
                     bool vietnamese) const override {
    const bool bonus = criterion.rule().adjustment().cap_milli() > 0;
    return absl::StrCat(" → ", FormatMilli(points_milli),
                        vietnamese ? (bonus ? " điểm thưởng" : " điểm trừ")
                                   : (bonus ? " bonus" : " penalty"));
  }

  std::string Describe(const v1::Rule& rule) const override {
    const v1::AdjustmentRule& adj = rule.adjustment();
    return absl::StrCat(adj.cap_milli() > 0 ? "bonus " : "penalty ", adj.indicator(),
                        " × ", FormatMilliShort(adj.points_per_item_milli()), ", cap ",
                        FormatMilliShort(adj.cap_milli()));
  }
};

}  // namespace

const RuleShape& Adjustment() {
  static const auto* const shape = new AdjustmentShape();
  return *shape;
}

}  // namespace parindex::engine::shapes
