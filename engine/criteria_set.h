// CompiledCriteriaSet: a validated, indexed, immutable criteria set.
#ifndef PARINDEX_ENGINE_CRITERIA_SET_H_
#define PARINDEX_ENGINE_CRITERIA_SET_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "parindex/v1/criteria.pb.h"

namespace parindex::engine {

class RuleShape;  // engine/rule_shape.h

// A data element: a figure a unit reports once and every criterion reading it shares.
// Declared by the set, or, in a set that declares none, implied by a name an indicator
// reads (a count labelled with its code).
struct Element {
  std::string code;
  v1::ElementType type = v1::ELEMENT_COUNT;
  const v1::DataElement* declared = nullptr;  // null when implied
  std::string path;  // "elements[3]", or the indicator field that implied it

  // The Vietnamese label, or the code for an implied element.
  const std::string& label() const {
    return declared != nullptr && !declared->label().empty() ? declared->label() : code;
  }
  // PERCENT and SCORE values are thousandths; counts are whole items.
  bool milli() const { return type == v1::ELEMENT_PERCENT || type == v1::ELEMENT_SCORE; }
};

// An indicator's numerator and denominator as element indices.
struct IndicatorElements {
  std::vector<int> numerator;
  std::vector<int> denominator;
  bool milli = false;  // it reads one PERCENT or SCORE element: value in thousandths
  // The indicator's unit is PERCENT, and whether it is a complement (1 − num/den):
  // copied from the indicator, which a score would otherwise read for every leaf.
  bool percent = false;
  bool complement = false;
};

// A validation rule with its sides as element indices.
struct Check {
  const v1::ValidationRule* rule = nullptr;
  std::vector<int> left;
  std::vector<int> right;
};

// A node of the criteria tree, in pre-order (a group comes before its children).
struct Node {
  const v1::Criterion* criterion = nullptr;
  int area = 0;     // index into CriteriaSet.areas
  int parent = -1;  // node index of the enclosing group, -1 directly under an area
  int depth = 0;
  std::vector<int> children;                            // node indices; empty for a leaf
  v1::Rule::ShapeCase shape = v1::Rule::SHAPE_NOT_SET;  // leaves only
  const RuleShape* rule_shape = nullptr;  // leaves only: the shape of its rule
  int indicator = -1;  // index into CriteriaSet.indicators, -1 when the rule reads none
  int element = -1;    // the element a boolean or deadline rule reads, -1: its entry
  std::string path;    // "areas[1].criteria[0].criteria[2]", for error messages

  bool leaf() const { return children.empty(); }
};

// A code (an element's, a criterion's) as words to compare a string with: for codes of
// 4 to 16 bytes, the first and last 8 bytes (4 below 8 bytes) as integers, so that a
// score compares the code it reads with the one it expects without a pointer chase or
// memcmp (MatchesKey). Other lengths compare the strings.
struct CodeKey {
  uint64_t head = 0;
  uint64_t tail = 0;
  uint32_t size = 0;
  // The element's type, for element keys (what IndexValues() checks a value against).
  v1::ElementType type = v1::ELEMENT_COUNT;
};

// True when `code` is the code `key` was made of, `expected` (compared as strings for
// the lengths the key does not hold).
inline bool MatchesKey(const CodeKey& key, const std::string& expected,
                       const std::string& code) {
  const size_t n = code.size();
  if (n != key.size) return false;
  const char* p = code.data();
  if (n - 4 <= 12) {  // 4 to 16 bytes: two words
    if (n >= 8) {
      uint64_t head;
      uint64_t tail;
      std::memcpy(&head, p, 8);
      std::memcpy(&tail, p + n - 8, 8);
      return head == key.head && tail == key.tail;
    }
    uint32_t head;
    uint32_t tail;
    std::memcpy(&head, p, 4);
    std::memcpy(&tail, p + n - 4, 4);
    return head == key.head && tail == key.tail;
  }
  return code == expected;
}

// A leaf as Score() scores it without its shape (engine/scorer.cc), built once when the
// set is compiled: the numbers its rule reads, as indices and copies, so that a score
// reads no proto and makes no virtual call for it. It covers the common case only: a
// leaf whose unit gave no entry of its own and whose figures are all on the sheet, the
// indicator reading one numerator element and at most one denominator element. Anything
// else (an entry, a missing figure, a zero or exceeded denominator, no plan target)
// goes to the shape, which gives the same result by the same arithmetic.
struct FlatLeaf {
  enum class Op : uint8_t {
    kShape,    // the shape scores it (and every group)
    kBands,    // bands and inverse: the first band that holds
    kLinear,   // rate x max
    kTarget,   // the plan's target for the unit's kind
    kBoolean,  // a yes/no element of the sheet
  };
  Op op = Op::kShape;
  bool leaf = false;          // Node::leaf()
  bool percent = false;       // IndicatorElements::percent
  bool complement = false;    // IndicatorElements::complement
  bool milli = false;         // IndicatorElements::milli
  bool proportional = false;  // kTarget: TargetRule::PROPORTIONAL
  // kTarget: the indicator's unit, which the plan's target must share.
  v1::MeasureUnit unit = v1::MEASURE_UNIT_UNSPECIFIED;
  int num = -1;        // the numerator's element
  int den = -1;        // the denominator's element, -1 when the indicator has none
  int element = -1;    // kBoolean: the element read
  int indicator = -1;  // kTarget: Node::indicator
  int top_area = -1;   // Node::area for a node directly under its area, else -1
  int first_band = 0;  // kBands: into CompiledCriteriaSet::flat_bands()
  int bands = 0;
  int64_t max_milli = 0;
  int64_t otherwise_milli = 0;  // kBands: otherwise; kBoolean: no
  int64_t yes_milli = 0;        // kBoolean: yes
};

// A band of a kBands FlatLeaf.
struct FlatBand {
  v1::Comparator comparator = v1::COMPARATOR_UNSPECIFIED;
  int64_t threshold_milli = 0;
  int64_t points_milli = 0;
};

// A validation rule as CheckRules() reads it: a rule with one element a side (most) is
// held as `lo` ≤ `hi` (`strict`: <), its sides swapped for > and ≥; `lo` is -1 for
// the others, read from the Check.
struct FlatCheck {
  int lo = -1;
  int hi = -1;
  bool strict = false;
};

class CompiledCriteriaSet {
 public:
  // Validates `set` and indexes it. Errors are INVALID_ARGUMENT naming the criterion
  // code and the field, with the field's path attached (see engine/errors.h):
  // duplicate codes, non-positive maxima, totals that do not add up, unordered or
  // overlapping bands, rules reading undefined indicators, classification gaps.
  static absl::StatusOr<std::shared_ptr<const CompiledCriteriaSet>> Compile(
      v1::CriteriaSet set);

  const v1::CriteriaSet& proto() const { return set_; }
  // Unique to this compiled set in the process (scratch kept by callers is keyed by it).
  uint64_t serial() const { return serial_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  // Node indices of each area's top-level criteria.
  const std::vector<std::vector<int>>& area_nodes() const { return area_nodes_; }
  // Index of the node with `code`, or -1.
  int FindNode(absl::string_view code) const;
  // Index of the indicator with `id`, or -1.
  int FindIndicator(absl::string_view id) const;
  const v1::Indicator& indicator(int index) const { return set_.indicators(index); }
  const IndicatorElements& indicator_elements(int index) const {
    return indicator_elements_[index];
  }
  // Declared elements in the set's order, then implied ones in the order first read.
  const std::vector<Element>& elements() const { return elements_; }
  // Index of the element with `code`, or -1.
  int FindElement(absl::string_view code) const;
  // The same, trying first the element after `previous` (an element index, -1 for
  // none) in the set's order and then in code order: an assessment's values come in one
  // of those orders, and comparing one code is much cheaper than hashing it.
  int FindElementAfter(absl::string_view code, int previous) const;
  // True when the set declares its data elements (none are implied).
  bool declares_elements() const { return set_.elements_size() > 0; }
  const std::vector<Check>& checks() const { return checks_; }
  int leaf_count() const { return leaf_count_; }
  // Aligned with nodes() and checks(): what Score() and CheckRules() read (see FlatLeaf).
  const std::vector<FlatLeaf>& flat_leaves() const { return flat_leaves_; }
  const std::vector<FlatBand>& flat_bands() const { return flat_bands_; }
  const std::vector<FlatCheck>& flat_checks() const { return flat_checks_; }
  // Aligned with elements() and nodes(): their codes as CodeKeys.
  const std::vector<CodeKey>& element_keys() const { return element_keys_; }
  const std::vector<CodeKey>& node_keys() const { return node_keys_; }

 private:
  CompiledCriteriaSet() = default;
  absl::Status Build();
  absl::Status AddCriterion(const v1::Criterion& criterion, int area, int parent,
                            int depth, std::string path);
  absl::Status CheckRule(Node& node) const;
  absl::Status CheckClassification() const;
  absl::Status BuildElements();
  absl::Status BuildIndicatorElements(int index, const std::string& path);
  absl::Status BuildChecks();
  void BuildFlat();

  v1::CriteriaSet set_;
  std::vector<Node> nodes_;
  std::vector<std::vector<int>> area_nodes_;
  absl::flat_hash_map<std::string, int> node_by_code_;
  absl::flat_hash_map<std::string, int> indicator_by_id_;
  std::vector<IndicatorElements> indicator_elements_;
  std::vector<Element> elements_;
  absl::flat_hash_map<std::string, int> element_by_code_;
  std::vector<int> elements_by_code_;  // element indices in code order
  std::vector<int> code_order_;        // each element's place in elements_by_code_
  std::vector<Check> checks_;
  std::vector<FlatLeaf> flat_leaves_;
  std::vector<FlatBand> flat_bands_;
  std::vector<FlatCheck> flat_checks_;
  std::vector<CodeKey> element_keys_;
  std::vector<CodeKey> node_keys_;
  int leaf_count_ = 0;
  uint64_t serial_ = 0;
};

}  // namespace parindex::engine

#endif  // PARINDEX_ENGINE_CRITERIA_SET_H_
