// Exact fixed-point arithmetic for scores.
#include "engine/fixed_point.h"

#include <cstdlib>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace parindex::engine {

int64_t DivRoundHalfUpWide(int128 num, int128 den) {
  const bool negative = num < 0;
  const int128 magnitude = negative ? -num : num;
  const int128 rounded = (2 * magnitude + den) / (2 * den);
  return static_cast<int64_t>(negative ? -rounded : rounded);
}

absl::StatusOr<int64_t> ParseMilli(absl::string_view text) {
  absl::string_view s = absl::StripAsciiWhitespace(text);
  const absl::string_view original = s;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  int128 value = 0;
  int digits = 0;
  int decimals = -1;  // -1 until the decimal point
  for (char c : s) {
    if (c == '.' && decimals < 0) {
      decimals = 0;
      continue;
    }
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", original, "' is not a decimal number"));
    }
    if (decimals >= 0 && ++decimals > 3) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", original, "' has more than 3 decimals"));
    }
    value = value * 10 + (c - '0');
    if (++digits > 15) {
      return absl::InvalidArgumentError(absl::StrCat("'", original, "' is too large"));
    }
  }
  if (digits == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", original, "' is not a decimal number"));
  }
  for (int i = decimals < 0 ? 0 : decimals; i < 3; ++i) value *= 10;
  return static_cast<int64_t>(negative ? -value : value);
}

namespace {

// value / scale with `decimals` digits after the point, written right to left into a
// stack buffer (this runs once per number of every rendered trace).
std::string FormatScaled(int64_t value, int decimals) {
  const bool negative = value < 0;
  uint64_t magnitude =
      negative ? static_cast<uint64_t>(-(value + 1)) + 1 : static_cast<uint64_t>(value);
  char buffer[32];
  char* p = buffer + sizeof(buffer);
  for (int i = 0; i < decimals; ++i) {
    *--p = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  }
  *--p = '.';
  do {
    *--p = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude > 0);
  if (negative) *--p = '-';
  return std::string(p, buffer + sizeof(buffer) - p);
}

}  // namespace

std::string FormatMilli(int64_t milli) {
  return FormatHundredths(DivRoundHalfUp(milli, 10));
}

std::string FormatMilliShort(int64_t milli) {
  std::string s = FormatScaled(milli, 3);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string FormatHundredths(int64_t hundredths) { return FormatScaled(hundredths, 2); }

}  // namespace parindex::engine
