// Validation and indexing of criteria sets.
#include "engine/criteria_set.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/errors.h"
#include "engine/fixed_point.h"
#include "engine/plan.h"
#include "engine/rule_shape.h"

namespace parindex::engine {
namespace {

const char* TypeName(v1::ElementType type) {
  switch (type) {
    case v1::ELEMENT_DATE:
      return "date";
    case v1::ELEMENT_YES_NO:
      return "yes/no";
    case v1::ELEMENT_PERCENT:
      return "percent";
    case v1::ELEMENT_SCORE:
      return "score";
    default:
      return "count";
  }
}

// Codes are what files, URLs and formulas name: letters, digits, '_', '.', '-'.
bool IsElementCode(absl::string_view code) {
  if (code.empty() || code.size() > 128) return false;
  for (char ch : code) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '.' &&
        ch != '-') {
      return false;
    }
  }
  return true;
}

// True for a leaf whose points are added outside the scale (bonus and penalty).
bool OutsideScale(const Node& node) {
  return node.rule_shape != nullptr &&
         node.rule_shape->share() == RuleShape::Share::kAdjustment;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const CompiledCriteriaSet>> CompiledCriteriaSet::Compile(
    v1::CriteriaSet set) {
  std::shared_ptr<CompiledCriteriaSet> compiled(new CompiledCriteriaSet());
  compiled->set_ = std::move(set);
  RETURN_IF_ERROR(compiled->Build());
  compiled->BuildFlat();
  compiled->serial_ = NextSerial();
  // The elements in code order, for FindElementAfter.
  std::vector<int>& by_code = compiled->elements_by_code_;
  by_code.resize(compiled->elements_.size());
  std::iota(by_code.begin(), by_code.end(), 0);
  std::sort(by_code.begin(), by_code.end(), [&](int a, int b) {
    return compiled->elements_[a].code < compiled->elements_[b].code;
  });
  compiled->code_order_.resize(by_code.size());
  for (size_t i = 0; i < by_code.size(); ++i)
    compiled->code_order_[by_code[i]] = static_cast<int>(i);
  return std::shared_ptr<const CompiledCriteriaSet>(std::move(compiled));
}

namespace {

CodeKey KeyOf(const std::string& code) {
  CodeKey key;
  const size_t n = code.size();
  key.size = static_cast<uint32_t>(n);
  const char* p = code.data();
  if (n >= 8 && n <= 16) {
    std::memcpy(&key.head, p, 8);
    std::memcpy(&key.tail, p + n - 8, 8);
  } else if (n >= 4 && n < 8) {
    uint32_t head = 0;
    uint32_t tail = 0;
    std::memcpy(&head, p, 4);
    std::memcpy(&tail, p + n - 4, 4);
    key.head = head;
    key.tail = tail;
  }
  return key;
}

}  // namespace

void CompiledCriteriaSet::BuildFlat() {
  element_keys_.clear();
  for (const Element& element : elements_) {
    element_keys_.push_back(KeyOf(element.code));
    element_keys_.back().type = element.type;
  }
  node_keys_.clear();
  for (const Node& node : nodes_) node_keys_.push_back(KeyOf(node.criterion->code()));
  flat_leaves_.assign(nodes_.size(), FlatLeaf());
  for (size_t n = 0; n < nodes_.size(); ++n) {
    const Node& node = nodes_[n];
    FlatLeaf& flat = flat_leaves_[n];
    flat.top_area = node.parent < 0 ? node.area : -1;
    flat.leaf = node.leaf();
    if (!node.leaf()) continue;
    const v1::Rule& rule = node.criterion->rule();
    flat.max_milli = node.criterion->max_milli();
    if (node.shape == v1::Rule::kBoolean) {
      if (node.element < 0) continue;  // the entry's own `done`
      flat.op = FlatLeaf::Op::kBoolean;
      flat.element = node.element;
      flat.yes_milli = rule.boolean().yes_points_milli();
      flat.otherwise_milli = rule.boolean().no_points_milli();
      continue;
    }
    if (node.indicator < 0) continue;
    const IndicatorElements& elements = indicator_elements_[node.indicator];
    if (elements.numerator.size() != 1 || elements.denominator.size() > 1) continue;
    flat.num = elements.numerator[0];
    flat.den = elements.denominator.empty() ? -1 : elements.denominator[0];
    flat.percent = elements.percent;
    flat.complement = elements.complement;
    flat.milli = elements.milli;
    flat.unit = set_.indicators(node.indicator).unit();
    flat.indicator = node.indicator;
    auto bands = [&](const google::protobuf::RepeatedPtrField<v1::Band>& list,
                     int64_t otherwise) {
      flat.op = FlatLeaf::Op::kBands;
      flat.first_band = static_cast<int>(flat_bands_.size());
      flat.bands = list.size();
      flat.otherwise_milli = otherwise;
      for (const v1::Band& band : list) {
        flat_bands_.push_back(
            FlatBand{band.comparator(), band.threshold_milli(), band.points_milli()});
      }
    };
    switch (node.shape) {
      case v1::Rule::kBands:
        bands(rule.bands().bands(), rule.bands().otherwise_points_milli());
        break;
      case v1::Rule::kInverse:
        bands(rule.inverse().bands(), rule.inverse().otherwise_points_milli());
        break;
      case v1::Rule::kLinear:
        flat.op = FlatLeaf::Op::kLinear;
        break;
      case v1::Rule::kTarget:
        flat.op = FlatLeaf::Op::kTarget;
        flat.proportional = rule.target().mode() == v1::TargetRule::PROPORTIONAL;
        break;
      default:
        break;
    }
  }
  flat_checks_.assign(checks_.size(), FlatCheck());
  for (size_t c = 0; c < checks_.size(); ++c) {
    const Check& check = checks_[c];
    if (check.left.size() != 1 || check.right.size() != 1) continue;
    FlatCheck& flat = flat_checks_[c];
    const v1::Comparator comparator = check.rule->comparator();
    const bool swapped = comparator == v1::GREATER || comparator == v1::AT_LEAST;
    flat.lo = swapped ? check.right[0] : check.left[0];
    flat.hi = swapped ? check.left[0] : check.right[0];
    flat.strict = comparator == v1::GREATER || comparator == v1::LESS;
  }
}

int CompiledCriteriaSet::FindElementAfter(absl::string_view code, int previous) const {
  const int size = static_cast<int>(elements_.size());
  const int next = previous + 1;  // in the set's order
  if (next < size && elements_[next].code == code) return next;
  const int ranked = previous < 0 ? 0 : code_order_[previous] + 1;  // in code order
  if (ranked < size && elements_[elements_by_code_[ranked]].code == code)
    return elements_by_code_[ranked];
  return FindElement(code);
}

int CompiledCriteriaSet::FindNode(absl::string_view code) const {
  auto it = node_by_code_.find(code);
  return it == node_by_code_.end() ? -1 : it->second;
}

int CompiledCriteriaSet::FindIndicator(absl::string_view id) const {
  auto it = indicator_by_id_.find(id);
  return it == indicator_by_id_.end() ? -1 : it->second;
}

int CompiledCriteriaSet::FindElement(absl::string_view code) const {
  auto it = element_by_code_.find(code);
  return it == element_by_code_.end() ? -1 : it->second;
}

absl::Status CompiledCriteriaSet::BuildElements() {
  elements_.reserve(set_.elements_size());
  for (int i = 0; i < set_.elements_size(); ++i) {
    const v1::DataElement& e = set_.elements(i);
    const std::string path = absl::StrCat("elements[", i, "]");
    if (!IsElementCode(e.code())) {
      return InvalidAt(absl::StrCat(path, ".code"),
                       absl::StrCat(path, ".code: '", e.code(),
                                    "' is not an element code (1 to 128 letters, digits, "
                                    "'_', '.' or '-')"));
    }
    if (e.label().empty()) {
      return InvalidAt(absl::StrCat(path, ".label"),
                       absl::StrCat("element ", e.code(),
                                    ": label is required (the Vietnamese name a ward "
                                    "reads where it types the value)"));
    }
    if (!v1::ElementType_IsValid(e.type())) {
      return InvalidAt(absl::StrCat(path, ".type"),
                       absl::StrCat("element ", e.code(), ": unknown type ", e.type()));
    }
    if (!element_by_code_.emplace(e.code(), i).second) {
      return InvalidAt(path, absl::StrCat("element ", e.code(), ": declared twice"));
    }
    if (e.has_from_tasks()) {
      const std::string where = absl::StrCat(path, ".from_tasks");
      if (e.has_from_records()) {
        return InvalidAt(where, absl::StrCat("element ", e.code(),
                                             ": computed from records or from tasks, "
                                             "not both"));
      }
      if (e.type() != v1::ELEMENT_TYPE_UNSPECIFIED && e.type() != v1::ELEMENT_COUNT) {
        return InvalidAt(where, absl::StrCat("element ", e.code(),
                                             ": from_tasks computes a count; the "
                                             "element's type must be count"));
      }
      if (e.from_tasks().basis() == v1::TaskCount::BASIS_UNSPECIFIED ||
          !v1::TaskCount::Basis_IsValid(e.from_tasks().basis())) {
        return InvalidAt(absl::StrCat(where, ".count"),
                         absl::StrCat("element ", e.code(),
                                      ": from_tasks needs count: due, done_on_time, "
                                      "done_late or overdue"));
      }
    }
    if (e.has_from_records()) {
      const v1::RecordCount& count = e.from_records();
      const std::string where = absl::StrCat(path, ".from_records");
      if (e.type() != v1::ELEMENT_TYPE_UNSPECIFIED && e.type() != v1::ELEMENT_COUNT) {
        return InvalidAt(where, absl::StrCat("element ", e.code(),
                                             ": from_records computes a count; the "
                                             "element's type must be count"));
      }
      if (count.basis() == v1::RecordCount::BASIS_UNSPECIFIED) {
        return InvalidAt(absl::StrCat(where, ".count"),
                         absl::StrCat("element ", e.code(),
                                      ": from_records needs count: received, resolved, "
                                      "in_process or due"));
      }
      const bool resolved_timing = count.timing() == v1::RecordCount::ON_TIME ||
                                   count.timing() == v1::RecordCount::EARLY ||
                                   count.timing() == v1::RecordCount::LATE;
      if (resolved_timing && count.basis() == v1::RecordCount::IN_PROCESS) {
        return InvalidAt(absl::StrCat(where, ".timing"),
                         absl::StrCat("element ", e.code(),
                                      ": a dossier in process has no on-time, early or "
                                      "late resolution; use timing: past_due"));
      }
    }
    Element element;
    element.code = e.code();
    element.type =
        e.type() == v1::ELEMENT_TYPE_UNSPECIFIED ? v1::ELEMENT_COUNT : e.type();
    element.declared = &e;
    element.path = path;
    elements_.push_back(std::move(element));
  }
  return absl::OkStatus();
}

absl::Status CompiledCriteriaSet::BuildIndicatorElements(int index,
                                                         const std::string& path) {
  const v1::Indicator& ind = set_.indicators(index);
  IndicatorElements out;
  auto resolve = [&](const google::protobuf::RepeatedPtrField<std::string>& names,
                     const char* side, std::vector<int>* into) -> absl::Status {
    for (int j = 0; j < names.size(); ++j) {
      const std::string field = absl::StrCat(path, ".", side, "[", j, "]");
      int e = FindElement(names[j]);
      if (e < 0 && declares_elements()) {
        return InvalidAt(field,
                         absl::StrCat("indicator ", ind.id(), ": ", side, " '", names[j],
                                      "' is not a data element of this set"));
      }
      if (e < 0) {  // a set without a data sheet: the name is a count
        e = static_cast<int>(elements_.size());
        element_by_code_.emplace(names[j], e);
        Element element;
        element.code = names[j];
        element.path = field;
        elements_.push_back(std::move(element));
      }
      const Element& element = elements_[e];
      if (element.type == v1::ELEMENT_DATE || element.type == v1::ELEMENT_YES_NO) {
        return InvalidAt(field, absl::StrCat("indicator ", ind.id(), ": ", side, " '",
                                             names[j], "' is a ", TypeName(element.type),
                                             " element; indicators add numbers"));
      }
      if (element.milli()) out.milli = true;
      into->push_back(e);
    }
    return absl::OkStatus();
  };
  out.percent = ind.unit() == v1::PERCENT;
  out.complement = ind.complement();
  RETURN_IF_ERROR(resolve(ind.numerator(), "numerator", &out.numerator));
  RETURN_IF_ERROR(resolve(ind.denominator(), "denominator", &out.denominator));
  if (out.milli && (out.numerator.size() != 1 || !out.denominator.empty())) {
    return InvalidAt(path, absl::StrCat("indicator ", ind.id(),
                                        ": a percent or score element is read alone, "
                                        "as the numerator without a denominator"));
  }
  indicator_elements_.push_back(std::move(out));
  return absl::OkStatus();
}

absl::Status CompiledCriteriaSet::BuildChecks() {
  absl::flat_hash_map<std::string, int> ids;
  for (int i = 0; i < set_.validation_size(); ++i) {
    const v1::ValidationRule& rule = set_.validation(i);
    const std::string path = absl::StrCat("validation[", i, "]");
    if (!IsElementCode(rule.id())) {
      return InvalidAt(
          absl::StrCat(path, ".id"),
          absl::StrCat(path, ".id: '", rule.id(),
                       "' is not a rule id (letters, digits, '_', '.', '-')"));
    }
    const std::string name = absl::StrCat("validation rule ", rule.id());
    if (!ids.emplace(rule.id(), i).second) {
      return InvalidAt(path, absl::StrCat(name, ": id used twice"));
    }
    if (rule.message().empty()) {
      return InvalidAt(absl::StrCat(path, ".message"),
                       absl::StrCat(name,
                                    ": message is required (what a ward reads when "
                                    "the rule is broken)"));
    }
    if (rule.comparator() == v1::COMPARATOR_UNSPECIFIED ||
        !v1::Comparator_IsValid(rule.comparator())) {
      return InvalidAt(absl::StrCat(path, ".comparator"),
                       absl::StrCat(name, ": comparator is required"));
    }
    Check check;
    check.rule = &rule;
    int milli = -1;  // whether the sides hold thousandths; both sides must agree
    auto resolve = [&](const google::protobuf::RepeatedPtrField<std::string>& names,
                       const char* side, std::vector<int>* into) -> absl::Status {
      if (names.empty()) {
        return InvalidAt(absl::StrCat(path, ".", side),
                         absl::StrCat(name, ": ", side, " names no element"));
      }
      for (int j = 0; j < names.size(); ++j) {
        const std::string field = absl::StrCat(path, ".", side, "[", j, "]");
        const int e = FindElement(names[j]);
        if (e < 0) {
          return InvalidAt(field, absl::StrCat(name, ": ", side, " '", names[j],
                                               "' is not a data element of this set"));
        }
        const Element& element = elements_[e];
        if (element.type == v1::ELEMENT_DATE || element.type == v1::ELEMENT_YES_NO) {
          return InvalidAt(field, absl::StrCat(name, ": '", names[j], "' is a ",
                                               TypeName(element.type),
                                               " element; rules compare numbers"));
        }
        if (milli >= 0 && milli != static_cast<int>(element.milli())) {
          return InvalidAt(
              field,
              absl::StrCat(name, ": '", names[j], "' is a ", TypeName(element.type),
                           " element and cannot be compared with a ",
                           element.milli() ? "count" : "percent or score"));
        }
        milli = element.milli();
        into->push_back(e);
      }
      return absl::OkStatus();
    };
    RETURN_IF_ERROR(resolve(rule.left(), "left", &check.left));
    RETURN_IF_ERROR(resolve(rule.right(), "right", &check.right));
    checks_.push_back(std::move(check));
  }
  return absl::OkStatus();
}

absl::Status CompiledCriteriaSet::Build() {
  if (set_.id().empty()) return InvalidAt("id", "criteria set: id is required");
  if (set_.total_milli() <= 0) {
    return InvalidAt("total_milli", "criteria set: total must be positive");
  }
  RETURN_IF_ERROR(BuildElements());
  for (int i = 0; i < set_.indicators_size(); ++i) {
    const v1::Indicator& ind = set_.indicators(i);
    const std::string path = absl::StrCat("indicators[", i, "]");
    const std::string name =
        absl::StrCat("indicator ", ind.id().empty() ? "?" : ind.id());
    if (ind.id().empty()) return InvalidAt(path, absl::StrCat(path, ": id is required"));
    if (!indicator_by_id_.emplace(ind.id(), i).second) {
      return InvalidAt(path, absl::StrCat(name, ": defined twice"));
    }
    if (ind.numerator().empty()) {
      return InvalidAt(path, absl::StrCat(name, ": numerator names no figure"));
    }
    if (ind.unit() == v1::MEASURE_UNIT_UNSPECIFIED) {
      return InvalidAt(path, absl::StrCat(name, ": unit is required"));
    }
    if (ind.complement() && ind.unit() != v1::PERCENT) {
      return InvalidAt(path, absl::StrCat(name, ": complement applies to percents only"));
    }
    RETURN_IF_ERROR(BuildIndicatorElements(i, path));
    // A percent element (a survey's result) is a percent by itself.
    if (ind.unit() == v1::PERCENT && ind.denominator().empty() &&
        elements_[indicator_elements_[i].numerator[0]].type != v1::ELEMENT_PERCENT) {
      return InvalidAt(path, absl::StrCat(name, ": a percent needs a denominator"));
    }
  }
  RETURN_IF_ERROR(BuildChecks());

  area_nodes_.resize(set_.areas_size());
  absl::flat_hash_map<std::string, int> area_codes;
  int64_t total = 0;
  int64_t survey = 0;
  for (int a = 0; a < set_.areas_size(); ++a) {
    const v1::Area& area = set_.areas(a);
    const std::string path = absl::StrCat("areas[", a, "]");
    if (area.code().empty())
      return InvalidAt(path, absl::StrCat(path, ": code is required"));
    if (!area_codes.emplace(area.code(), a).second) {
      return InvalidAt(path, absl::StrCat("area ", area.code(), ": code used twice"));
    }
    int64_t sum = 0;
    bool only_adjustments = area.criteria_size() > 0;
    for (int c = 0; c < area.criteria_size(); ++c) {
      const int index = static_cast<int>(nodes_.size());
      RETURN_IF_ERROR(AddCriterion(area.criteria(c), a, -1, 0,
                                   absl::StrCat(path, ".criteria[", c, "]")));
      area_nodes_[a].push_back(index);
      only_adjustments = only_adjustments && OutsideScale(nodes_[index]);
      sum += area.criteria(c).max_milli();
    }
    // An area of bonus and penalty points only (Hà Nội's 9th content) has max 0.
    if (area.max_milli() < 0 || (area.max_milli() == 0 && !only_adjustments)) {
      return InvalidAt(path,
                       absl::StrCat("area ", area.code(), ": max must be positive"));
    }
    if (sum != area.max_milli()) {
      return InvalidAt(
          path,
          absl::StrCat("area ", area.code(), ": max ", FormatMilliShort(area.max_milli()),
                       " but its criteria add up to ", FormatMilliShort(sum)));
    }
    total += area.max_milli();
  }
  if (total != set_.total_milli()) {
    return InvalidAt(
        "total_milli",
        absl::StrCat("criteria set: total ", FormatMilliShort(set_.total_milli()),
                     " but the areas add up to ", FormatMilliShort(total)));
  }
  for (Node& node : nodes_) {
    if (node.leaf()) {
      RETURN_IF_ERROR(CheckRule(node));
      if (node.rule_shape->share() == RuleShape::Share::kSurvey) {
        survey += node.criterion->max_milli();
      }
    }
  }
  if (survey != set_.survey_milli()) {
    return InvalidAt(
        "survey_milli",
        absl::StrCat("criteria set: survey share ", FormatMilliShort(set_.survey_milli()),
                     " but the survey criteria add up to ", FormatMilliShort(survey)));
  }
  return CheckClassification();
}

absl::Status CompiledCriteriaSet::AddCriterion(const v1::Criterion& criterion, int area,
                                               int parent, int depth, std::string path) {
  const std::string& code = criterion.code();
  if (code.empty()) return InvalidAt(path, absl::StrCat(path, ": code is required"));
  const int index = static_cast<int>(nodes_.size());
  if (!node_by_code_.emplace(code, index).second) {
    return InvalidAt(path, absl::StrCat("criterion ", code, ": code used twice"));
  }
  Node node;
  node.criterion = &criterion;
  node.area = area;
  node.parent = parent;
  node.depth = depth;
  node.shape = criterion.rule().shape_case();
  node.rule_shape = FindShape(node.shape);
  node.path = path;
  nodes_.push_back(std::move(node));

  if (criterion.criteria_size() == 0) {
    ++leaf_count_;
    if (nodes_[index].shape == v1::Rule::SHAPE_NOT_SET) {
      return InvalidAt(path,
                       absl::StrCat("criterion ", code,
                                    ": rule is required (a leaf needs a scoring rule)"));
    }
    if (OutsideScale(nodes_[index])) {
      if (criterion.max_milli() != 0) {
        return InvalidAt(path, absl::StrCat("criterion ", code,
                                            ": max must be 0 for a bonus or penalty; its "
                                            "cap goes in the rule"));
      }
    } else if (criterion.max_milli() <= 0) {
      return InvalidAt(path, absl::StrCat("criterion ", code, ": max must be positive"));
    }
    return absl::OkStatus();
  }

  if (nodes_[index].shape != v1::Rule::SHAPE_NOT_SET) {
    return InvalidAt(path, absl::StrCat("criterion ", code,
                                        ": a criterion with sub-criteria takes no rule"));
  }
  if (criterion.max_milli() <= 0) {
    return InvalidAt(path, absl::StrCat("criterion ", code, ": max must be positive"));
  }
  int64_t sum = 0;
  for (int c = 0; c < criterion.criteria_size(); ++c) {
    const int child = static_cast<int>(nodes_.size());
    RETURN_IF_ERROR(AddCriterion(criterion.criteria(c), area, index, depth + 1,
                                 absl::StrCat(path, ".criteria[", c, "]")));
    nodes_[index].children.push_back(child);
    sum += criterion.criteria(c).max_milli();
  }
  if (sum != criterion.max_milli()) {
    return InvalidAt(
        path, absl::StrCat("criterion ", code, ": max ",
                           FormatMilliShort(criterion.max_milli()),
                           " but its sub-criteria add up to ", FormatMilliShort(sum)));
  }
  return absl::OkStatus();
}

absl::Status CompiledCriteriaSet::CheckRule(Node& node) const {
  const RuleShape* shape = node.rule_shape;
  if (shape == nullptr) {
    return InvalidAt(
        absl::StrCat(node.path, ".rule"),
        absl::StrCat("criterion ", node.criterion->code(), ": rule is required"));
  }
  RuleCheck check(*this, node, shape->name());
  return shape->Check(check);
}

absl::Status CompiledCriteriaSet::CheckClassification() const {
  const auto& bands = set_.classification();
  for (int i = 0; i < bands.size(); ++i) {
    const v1::ClassificationBand& band = bands[i];
    const std::string path = absl::StrCat("classification[", i, "]");
    const std::string name = absl::StrCat("classification ", band.label());
    if (band.label().empty())
      return InvalidAt(path, absl::StrCat(path, ": label is required"));
    if (i == 0) {
      if (band.below_hundredths() != 0) {
        return InvalidAt(path, absl::StrCat(name, ": the top band has no upper bound"));
      }
    } else {
      const v1::ClassificationBand& upper = bands[i - 1];
      if (band.below_hundredths() <= band.min_hundredths()) {
        return InvalidAt(
            path,
            absl::StrCat(name, ": from ", FormatHundredths(band.min_hundredths()),
                         " must be below ", FormatHundredths(band.below_hundredths())));
      }
      if (band.below_hundredths() < upper.min_hundredths()) {
        return InvalidAt(path,
                         absl::StrCat(name, ": indices from ",
                                      FormatHundredths(band.below_hundredths()), " to ",
                                      FormatHundredths(upper.min_hundredths()),
                                      " have no class (gap below ", upper.label(), ")"));
      }
      if (band.below_hundredths() > upper.min_hundredths()) {
        return InvalidAt(path, absl::StrCat(name, ": overlaps ", upper.label(), " from ",
                                            FormatHundredths(upper.min_hundredths())));
      }
    }
    if (i + 1 == bands.size() && band.min_hundredths() != 0) {
      return InvalidAt(
          path,
          absl::StrCat(name, ": indices below ", FormatHundredths(band.min_hundredths()),
                       " have no class (the lowest band must start at 0)"));
    }
  }
  return absl::OkStatus();
}

RuleCheck::RuleCheck(const CompiledCriteriaSet& set, Node& node, absl::string_view shape)
    : set_(set),
      node_(node),
      shape_(shape),
      path_(absl::StrCat(node.path, ".rule.", shape)) {}

absl::Status RuleCheck::ResolveIndicator(const std::string& id) {
  const int index = set_.FindIndicator(id);
  if (index < 0) {
    return InvalidAt(
        path_, absl::StrCat("criterion ", code(), ": rule.", shape_, ".indicator: '", id,
                            "' is not an indicator of this set"));
  }
  node_.indicator = index;
  return absl::OkStatus();
}

const v1::Indicator& RuleCheck::indicator() const {
  return set_.indicator(node_.indicator);
}

const IndicatorElements& RuleCheck::indicator_elements() const {
  return set_.indicator_elements(node_.indicator);
}

absl::Status RuleCheck::ResolveElement(const std::string& code, v1::ElementType type) {
  if (code.empty()) return absl::OkStatus();
  const std::string path = absl::StrCat(path_, ".element");
  const std::string where = absl::StrCat("criterion ", this->code(), ": rule.", shape_,
                                         ".element: '", code, "'");
  const int e = set_.declares_elements() ? set_.FindElement(code) : -1;
  if (e < 0) {
    return InvalidAt(path, absl::StrCat(where, " is not a data element of this set"));
  }
  const Element& element = set_.elements()[e];
  if (element.type != type) {
    return InvalidAt(
        path, absl::StrCat(where, " is a ", TypeName(element.type),
                           " element; this rule reads a ", TypeName(type), " element"));
  }
  node_.element = e;
  return absl::OkStatus();
}

absl::Status RuleCheck::Fail(absl::string_view message) const {
  return InvalidAt(path_,
                   absl::StrCat("criterion ", code(), ": rule.", shape_, ".", message));
}

}  // namespace parindex::engine
