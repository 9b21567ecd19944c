// How comparators and measure units are written in traces and tables.
#ifndef PARINDEX_ENGINE_DISPLAY_H_
#define PARINDEX_ENGINE_DISPLAY_H_

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/fixed_point.h"
#include "parindex/v1/common.pb.h"

namespace parindex::engine {

// ">", "≥", "≤", "<".
inline const char* ComparatorSymbol(v1::Comparator comparator) {
  switch (comparator) {
    case v1::GREATER:
      return ">";
    case v1::AT_LEAST:
      return "≥";
    case v1::AT_MOST:
      return "≤";
    case v1::LESS:
      return "<";
    default:
      return "?";
  }
}

// What follows a value: "%", " min", " days", or nothing for counts.
inline const char* UnitSuffix(v1::MeasureUnit unit) {
  switch (unit) {
    case v1::PERCENT:
      return "%";
    case v1::MINUTES:
      return " min";
    case v1::DAYS:
      return " days";
    default:
      return "";
  }
}

// A threshold as traces write it: "> 90%", "≤ 30 min".
inline std::string ThresholdText(v1::Comparator comparator, int64_t milli,
                                 v1::MeasureUnit unit) {
  return absl::StrCat(ComparatorSymbol(comparator), " ", FormatMilliShort(milli),
                      UnitSuffix(unit));
}

}  // namespace parindex::engine

#endif  // PARINDEX_ENGINE_DISPLAY_H_
