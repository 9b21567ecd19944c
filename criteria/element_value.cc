// Values of data elements as typed in figure files.
#include "criteria/element_value.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "engine/fixed_point.h"
#include "engine/plan.h"

namespace parindex::criteria {
namespace {

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Lower-case ASCII letters, single spaces: "Chưa  ban hành" -> "chưa ban hành". The
// Vietnamese words are matched as typed in lower case or with a capital first letter.
std::string Normalised(absl::string_view text) {
  std::vector<absl::string_view> words =
      absl::StrSplit(text, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  return absl::AsciiStrToLower(absl::StrJoin(words, " "));
}

}  // namespace

std::optional<v1::Date> ParseDate(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  const bool iso = text.find('-') != absl::string_view::npos;
  std::vector<absl::string_view> parts = absl::StrSplit(text, iso ? '-' : '/');
  if (parts.size() != 3) return std::nullopt;
  for (absl::string_view p : parts) {
    if (!AllDigits(p)) return std::nullopt;
  }
  int a = 0, b = 0, c = 0;
  if (!absl::SimpleAtoi(parts[0], &a) || !absl::SimpleAtoi(parts[1], &b) ||
      !absl::SimpleAtoi(parts[2], &c)) {
    return std::nullopt;
  }
  v1::Date date;
  date.set_year(iso ? a : c);
  date.set_month(b);
  date.set_day(iso ? c : a);
  if (!engine::IsValidDate(date)) return std::nullopt;
  return date;
}

absl::StatusOr<v1::ElementValue> ParseElementValue(absl::string_view text) {
  const absl::string_view s = absl::StripAsciiWhitespace(text);
  v1::ElementValue value;
  const std::string word = Normalised(s);
  if (word == "true" || word == "yes" || word == "có") {
    value.set_yes(true);
    return value;
  }
  if (word == "false" || word == "no" || word == "không") {
    value.set_yes(false);
    return value;
  }
  if (word == "not issued" || word == "chưa ban hành") {
    value.set_not_issued(true);
    return value;
  }
  const absl::string_view digits = s.substr(!s.empty() && s[0] == '-' ? 1 : 0);
  if (AllDigits(digits)) {
    int64_t count = 0;
    if (!absl::SimpleAtoi(s, &count)) {
      return absl::InvalidArgumentError(absl::StrCat("'", s, "' is too large"));
    }
    value.set_count(count);
    return value;
  }
  if (s.find('/') != absl::string_view::npos ||
      (s.size() > 4 && AllDigits(s.substr(0, 4)) && s[4] == '-')) {
    std::optional<v1::Date> date = ParseDate(s);
    if (!date.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", s, "' is not a valid date (use 08/02/2023 or 2023-02-08)"));
    }
    *value.mutable_date() = *date;
    return value;
  }
  if (s.find('.') != absl::string_view::npos) {
    absl::StatusOr<int64_t> milli = engine::ParseMilli(s);
    if (milli.ok()) {
      value.set_milli(*milli);
      return value;
    }
    if (AllDigits(absl::StrReplaceAll(digits, {{".", ""}}))) return milli.status();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "'", s,
      "' is not a value: give a count (412), a decimal (87.5), a date (08/02/2023), "
      "yes or no (có, không) or not issued (chưa ban hành)"));
}

}  // namespace parindex::criteria
