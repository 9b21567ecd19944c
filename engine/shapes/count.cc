// The count shape: points per counted item, up to a cap ("0.25 per article, max 1").
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
    {"cap", "cap_milli", ShapeKey::Kind::kMilli, ShapeKey::Absent::kMax},
};

class CountShape final : public RuleShape {
 public:
  CountShape() : RuleShape(v1::Rule::kCount, "count", kKeys) {}

  absl::Status Check(RuleCheck& check) const override {
    const v1::CountRule& c = check.rule().count();
    RETURN_IF_ERROR(check.ResolveIndicator(c.indicator()));
    RETURN_IF_ERROR(CheckCountsItems(check));
    if (c.points_per_item_milli() <= 0 || c.cap_milli() <= 0 ||
        c.cap_milli() > check.max()) {
      return check.Fail(absl::StrCat(
          "cap: per item and cap must be above 0 and the cap at most the maximum ",
          FormatMilliShort(check.max())));
    }
    return absl::OkStatus();
  }

  absl::Status Score(LeafScoring& leaf) const override {
    Fraction value;
    ASSIGN_OR_RETURN(const bool measured, leaf.Measure(&value));
    if (!measured) return absl::OkStatus();
    const v1::CountRule& c = leaf.rule().count();
    NodeScore& out = leaf.out();
    out.why = Why::kCount;
    const int128 points = int128{out.num} * c.points_per_item_milli();
    out.points_milli = static_cast<int64_t>(std::min<int128>(points, c.cap_milli()));
    return absl::OkStatus();
  }

  void Explain(const LeafTrace& leaf, v1::Trace* /*trace*/,
               std::string* reason) const override {
    const v1::CountRule& c = leaf.rule().count();
    const NodeScore& score = leaf.score();
    const int64_t raw = score.num * c.points_per_item_milli();
    *reason = absl::StrCat(
        leaf.indicator().id(), " ", score.num, " × ",
        FormatMilli(c.points_per_item_milli()), " = ", FormatMilli(raw),
        raw > score.points_milli ? absl::StrCat(leaf.Say(", capped at ", ", tối đa "),
                                                FormatMilli(c.cap_milli()))
                                 : "",
        leaf.result());
  }

  std::string Describe(const v1::Rule& rule) const override {
    return absl::StrCat("count ", rule.count().indicator(), " × ",
                        FormatMilliShort(rule.count().points_per_item_milli()));
  }
};

}  // namespace

const RuleShape& Count() {
  static const auto* const shape = new CountShape();
  return *shape;
}

}  // namespace parindex::engine::shapes
