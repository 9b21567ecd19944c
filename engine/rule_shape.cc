// The table of rule shapes. A shape registers itself with one row in AllShapes(): a
// static registrar would be dropped by the linker from the static engine library.
#include "engine/rule_shape.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/fixed_point.h"
#include "engine/shapes/shapes.h"

namespace parindex::engine {

std::string RuleShape::Result(const v1::Criterion& criterion, int64_t points_milli,
                              bool vietnamese) const {
  if (vietnamese) {
    return absl::StrCat(" → ", FormatMilli(points_milli), "/",
                        FormatMilli(criterion.max_milli()), " điểm");
  }
  return absl::StrCat(" → ", FormatMilli(points_milli), " of ",
                      FormatMilli(criterion.max_milli()));
}

absl::Span<const RuleShape* const> AllShapes() {
  static const auto* const all = new std::vector<const RuleShape*>{
      &shapes::Bands(),   &shapes::Inverse(),    &shapes::Linear(), &shapes::Target(),
      &shapes::Boolean(), &shapes::Deadline(),   &shapes::Count(),  &shapes::Judgement(),
      &shapes::Survey(),  &shapes::Adjustment(),
  };
  return *all;
}

const RuleShape* FindShape(v1::Rule::ShapeCase shape_case) {
  // Indexed by the oneof's field number, which is the case's value.
  static const auto* const by_case = [] {
    auto* table = new std::vector<const RuleShape*>();
    for (const RuleShape* shape : AllShapes()) {
      const size_t index = static_cast<size_t>(shape->shape_case());
      if (table->size() <= index) table->resize(index + 1, nullptr);
      (*table)[index] = shape;
    }
    return table;
  }();
  const size_t index = static_cast<size_t>(shape_case);
  return index < by_case->size() ? (*by_case)[index] : nullptr;
}

const RuleShape& ShapeOf(v1::Rule::ShapeCase shape_case) {
  return *FindShape(shape_case);
}

const RuleShape* ShapeNamed(absl::string_view name) {
  const absl::Span<const RuleShape* const> shapes = AllShapes();
  const auto it = std::find_if(shapes.begin(), shapes.end(), [&](const RuleShape* shape) {
    return shape->name() == name;
  });
  return it == shapes.end() ? nullptr : *it;
}

}  // namespace parindex::engine
