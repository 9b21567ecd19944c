// The data sheet: values per element, their types, and validation rules.
#include "engine/data_sheet.h"

#include <array>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/display.h"
#include "engine/errors.h"
#include "engine/fixed_point.h"
#include "engine/plan.h"
#include "engine/shapes/common.h"

namespace parindex::engine {
namespace {

bool HasValue(const v1::ElementValue& side) {
  return side.value_case() != v1::ElementValue::VALUE_NOT_SET;
}

// "resolved (Số hồ sơ đã giải quyết)", or the code alone when it is its own label.
std::string Named(const Element& element) {
  if (element.label() == element.code) return element.code;
  return absl::StrCat(element.code, " (", element.label(), ")");
}

// `side` of values[index] (`side_name`: "self" or "appraised"); the path is built only
// for an error (a national round checks hundreds of thousands of values).
absl::Status CheckSide(const Element& element, const v1::ElementValue& side, int index,
                       const char* side_name) {
  auto wrong = [&](absl::string_view what) {
    const std::string path = absl::StrCat("values[", index, "].", side_name);
    return InvalidAt(path, absl::StrCat(path, ": ", Named(element), ": ", what));
  };
  using V = v1::ElementValue;
  switch (side.value_case()) {
    case V::VALUE_NOT_SET:
      return absl::OkStatus();
    case V::kCount:
      if (element.type == v1::ELEMENT_DATE || element.type == v1::ELEMENT_YES_NO) break;
      if (side.count() < 0) {
        return wrong(absl::StrCat("negative count (", side.count(), ")"));
      }
      if (element.type == v1::ELEMENT_PERCENT && side.count() > 100) {
        return wrong(absl::StrCat(side.count(), "% is more than 100%"));
      }
      if (side.count() > kMaxCount) {
        return wrong(absl::StrCat("count too large (", side.count(), ")"));
      }
      return absl::OkStatus();
    case V::kMilli:
      if (!element.milli()) {
        if (element.type != v1::ELEMENT_COUNT) break;
        if (side.milli() % 1000 == 0) {  // whole, but sent as thousandths
          return wrong(absl::StrCat(FormatMilliShort(side.milli()),
                                    " is given as milli (thousandths); a number of items "
                                    "is given as count"));
        }
        return wrong(absl::StrCat(FormatMilliShort(side.milli()),
                                  " is not a whole number of items"));
      }
      if (side.milli() < 0) {
        return wrong(
            absl::StrCat("negative value (", FormatMilliShort(side.milli()), ")"));
      }
      if (element.type == v1::ELEMENT_PERCENT && side.milli() > 100000) {
        return wrong(absl::StrCat(FormatMilliShort(side.milli()), "% is more than 100%"));
      }
      if (side.milli() > kMaxCount) {
        return wrong(
            absl::StrCat("value too large (", FormatMilliShort(side.milli()), ")"));
      }
      return absl::OkStatus();
    case V::kDate:
      if (element.type != v1::ELEMENT_DATE) break;
      if (!IsValidDate(side.date())) return wrong("not a valid date");
      return absl::OkStatus();
    case V::kNotIssued:
      if (element.type != v1::ELEMENT_DATE) break;
      if (!side.not_issued()) return wrong("not_issued is given as false; give a date");
      return absl::OkStatus();
    case V::kYes:
      if (element.type != v1::ELEMENT_YES_NO) break;
      return absl::OkStatus();
  }
  static constexpr const char* kExpected[] = {
      "a whole number of items", "a whole number of items",
      "a date, or not issued",   "yes or no",
      "a percent from 0 to 100", "a number"};
  return wrong(absl::StrCat("expects ", kExpected[element.type]));
}

// True for what most sides are, none, a valid count of a count element or a yes/no of
// a yes/no element: what CheckSide() accepts without a word, decided without calling it.
inline bool PlainSide(const Element& element, const v1::ElementValue& side) {
  switch (side.value_case()) {
    case v1::ElementValue::VALUE_NOT_SET:
      return true;
    case v1::ElementValue::kCount:
      return element.type == v1::ELEMENT_COUNT && side.count() >= 0 &&
             side.count() <= kMaxCount;
    case v1::ElementValue::kYes:
      return element.type == v1::ELEMENT_YES_NO;
    default:
      return false;
  }
}

// Sets `n` numbers to kNoNumber, copying them by blocks (memcpy is vectorised, while a
// fill loop stores one number at a time).
void FillNoNumber(int64_t* numbers, size_t n) {
  static constexpr size_t kBlock = 64;
  static constexpr auto kNone = [] {
    std::array<int64_t, kBlock> none{};
    for (int64_t& number : none) number = kNoNumber;
    return none;
  }();
  while (n > 0) {
    const size_t k = n < kBlock ? n : kBlock;
    std::memcpy(numbers, kNone.data(), k * sizeof(int64_t));
    numbers += k;
    n -= k;
  }
}

}  // namespace

const v1::ElementValue* ColumnValue(const v1::DataValue& value, v1::Column column) {
  if (column == v1::APPRAISED && HasValue(value.appraised())) return &value.appraised();
  if (HasValue(value.self())) return &value.self();
  return nullptr;
}

const char* SideOf(const v1::DataValue& value, const v1::ElementValue* side) {
  return side == &value.appraised() ? "appraised" : "self";
}

namespace {

// IndexValues(), with the numbers (kNumbers) or without: two loops rather than a test of
// `numbers` for every value.
template <bool kNumbers>
absl::Status IndexValuesOf(const CompiledCriteriaSet& set,
                           const v1::Assessment& assessment, std::vector<int>* value_of,
                           ColumnNumbers* numbers) {
  const int elements = static_cast<int>(set.elements().size());
  const int values = assessment.values_size();
  // -1 for every element, by memset (all bytes 0xff): std::fill is a scalar loop at -O2.
  value_of->resize(elements);
  if (elements > 0) std::memset(value_of->data(), 0xff, elements * sizeof(int));
  // Raw pointers and locals: a store through an int* could otherwise alias the sizes
  // and pointers the loop reads, and the compiler would load them again for each value.
  int* const index_of = value_of->data();
  int64_t* number_of = nullptr;
  int* element_at = nullptr;
  v1::Column column = v1::SELF;
  if constexpr (kNumbers) {
    numbers->number_of.resize(elements);
    FillNoNumber(numbers->number_of.data(), elements);
    number_of = numbers->number_of.data();
    if (static_cast<int>(numbers->element_at.size()) < values)
      numbers->element_at.resize(values, -1);
    element_at = numbers->element_at.data();
    column = numbers->column;
  }
  const Element* const all = set.elements().data();
  const CodeKey* const keys = set.element_keys().data();
  int previous = -1;
  for (int i = 0; i < values; ++i) {
    const v1::DataValue& value = assessment.values(i);
    const std::string& code = value.element();
    // The element the same position had in the last assessment indexed, when the codes
    // match (an unsigned compare also refuses -1).
    int e = -1;
    if constexpr (kNumbers) e = element_at[i];
    if (static_cast<unsigned>(e) >= static_cast<unsigned>(elements) ||
        !MatchesKey(keys[e], all[e].code, code)) {
      e = set.FindElementAfter(code, previous);
      if constexpr (kNumbers) element_at[i] = e;
      if (e < 0) {
        const std::string path = absl::StrCat("values[", i, "].element");
        return InvalidAt(path,
                         absl::StrCat(path, ": '", code, "' is not a data element of ",
                                      set.proto().id()));
      }
    }
    previous = e;
    if (index_of[e] >= 0) {
      const std::string path = absl::StrCat("values[", i, "].element");
      return InvalidAt(path, absl::StrCat(path, ": ", code, " also given in values[",
                                          index_of[e], "]"));
    }
    index_of[e] = i;
    // A side not given reads as the default instance, which holds no value.
    const v1::ElementValue& self = value.self();
    // Most values: a unit's valid count of a count element, not appraised; its number
    // is the count in either column.
    if (keys[e].type == v1::ELEMENT_COUNT &&
        self.value_case() == v1::ElementValue::kCount && !value.has_appraised()) {
      const int64_t count = self.count();
      if (static_cast<uint64_t>(count) <= static_cast<uint64_t>(kMaxCount)) {
        if constexpr (kNumbers) number_of[e] = count;
        continue;
      }
    }
    const Element& element = all[e];
    const v1::ElementValue& appraised = value.appraised();
    if (!PlainSide(element, self)) {
      absl::Status s = CheckSide(element, self, i, "self");
      if (!s.ok()) return s;
    }
    if (!PlainSide(element, appraised)) {
      absl::Status s = CheckSide(element, appraised, i, "appraised");
      if (!s.ok()) return s;
    }
    if constexpr (kNumbers) {
      const v1::ElementValue* side = nullptr;
      if (column == v1::APPRAISED && HasValue(appraised)) {
        side = &appraised;
      } else if (HasValue(self)) {
        side = &self;
      }
      if (side != nullptr) number_of[e] = NumberOf(element, *side);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status IndexValues(const CompiledCriteriaSet& set, const v1::Assessment& assessment,
                         std::vector<int>* value_of, ColumnNumbers* numbers) {
  if (numbers != nullptr) return IndexValuesOf<true>(set, assessment, value_of, numbers);
  return IndexValuesOf<false>(set, assessment, value_of, nullptr);
}

std::string FigureRead::path() const {
  if (from_entry) return absl::StrCat("entries[", index, "].", side, ".figures.", *code);
  return absl::StrCat("values[", index, "].", side);
}

FigureRead ReadFigure(const CompiledCriteriaSet& set, const v1::Assessment& assessment,
                      const std::vector<int>& value_of, const v1::Entry* entry,
                      int entry_index, v1::Column column, int element) {
  const Element& el = set.elements()[element];
  FigureRead out;
  auto from_entry = [&](const v1::EntryValues& values, const char* side) {
    auto it = values.figures().find(el.code);
    if (it == values.figures().end()) return false;
    out.found = true;
    out.from_entry = true;
    out.value = it->second;
    out.index = entry_index;
    out.side = side;
    out.code = &el.code;
    return true;
  };
  const v1::DataValue* value =
      value_of[element] < 0 ? nullptr : &assessment.values(value_of[element]);
  auto from_sheet = [&](const v1::ElementValue& side, const char* name) {
    if (!HasValue(side)) return false;
    out.found = true;
    out.value = NumberOf(el, side);
    out.index = value_of[element];
    out.side = name;
    return true;
  };
  if (column == v1::APPRAISED) {
    if (entry != nullptr && entry->has_appraised() &&
        from_entry(entry->appraised(), "appraised")) {
      return out;
    }
    if (value != nullptr && from_sheet(value->appraised(), "appraised")) return out;
  }
  if (entry != nullptr && from_entry(entry->self(), "self")) return out;
  if (value != nullptr) from_sheet(value->self(), "self");
  return out;
}

absl::Status CheckRules(const CompiledCriteriaSet& set, const v1::Assessment& assessment,
                        const std::vector<int>& value_of,
                        const std::vector<int64_t>& number_of, v1::Column column,
                        std::vector<Finding>* warnings) {
  const std::vector<Check>& checks = set.checks();
  const FlatCheck* const flat = set.flat_checks().data();
  const int64_t* numbers = number_of.data();
  const int count = static_cast<int>(checks.size());
  for (int c = 0; c < count; ++c) {
    int128 left = 0;
    int128 right = 0;
    const FlatCheck& f = flat[c];
    if (f.lo >= 0) {  // most rules: one element a side, held as lo ≤ hi (or <)
      const int64_t lo = numbers[f.lo];
      const int64_t hi = numbers[f.hi];
      if (lo == kNoNumber || hi == kNoNumber) continue;
      if (f.strict ? lo < hi : lo <= hi) continue;
    }
    const Check& check = checks[c];
    if (f.lo >= 0) {
      left = numbers[check.left[0]];
      right = numbers[check.right[0]];
    } else {
      bool complete = true;
      auto sum = [&](const std::vector<int>& side) {
        int128 total = 0;
        for (int e : side) {
          const int64_t number = numbers[e];
          if (number == kNoNumber) {
            complete = false;
            continue;
          }
          total += number;
        }
        return total;
      };
      left = sum(check.left);
      right = sum(check.right);
      if (!complete || shapes::Compares(check.rule->comparator(), left, right)) continue;
    }
    // Each side is at most 20 values of at most kMaxCount thousandths: far in 64 bits.
    const Finding finding{c, static_cast<int64_t>(left), static_cast<int64_t>(right)};
    if (check.rule->warning()) {
      warnings->push_back(finding);
      continue;
    }
    // The error names the first given value of the left side (of the right side when
    // the left has none).
    int first = -1;
    for (const std::vector<int>* side : {&check.left, &check.right}) {
      for (int e : *side) {
        if (first < 0 && number_of[e] != kNoNumber) first = e;
      }
    }
    const v1::DataValue& value = assessment.values(value_of[first]);
    const std::string path = absl::StrCat("values[", value_of[first], "].",
                                          SideOf(value, ColumnValue(value, column)));
    return InvalidAt(path, absl::StrCat(path, ": ", FindingText(set, finding)));
  }
  return absl::OkStatus();
}

std::string FindingText(const CompiledCriteriaSet& set, const Finding& finding) {
  const Check& check = set.checks()[finding.check];
  auto side = [&](const std::vector<int>& elements, int64_t total) {
    std::vector<std::string> names;
    bool milli = false;
    for (int e : elements) {
      names.push_back(Named(set.elements()[e]));
      milli = set.elements()[e].milli();
    }
    return absl::StrCat(absl::StrJoin(names, " + "), " = ",
                        milli ? FormatMilliShort(total) : absl::StrCat(total));
  };
  return absl::StrCat("rule ", check.rule->id(), ": ", check.rule->message(), ": ",
                      side(check.left, finding.left), ", not ",
                      ComparatorSymbol(check.rule->comparator()), " ",
                      side(check.right, finding.right));
}

v1::ValidationFinding FindingProto(const CompiledCriteriaSet& set,
                                   const Finding& finding) {
  const Check& check = set.checks()[finding.check];
  v1::ValidationFinding out;
  out.set_rule(check.rule->id());
  out.set_message(FindingText(set, finding));
  for (int e : check.left) out.add_elements(set.elements()[e].code);
  for (int e : check.right) out.add_elements(set.elements()[e].code);
  out.set_warning(check.rule->warning());
  return out;
}

}  // namespace parindex::engine
