// Exact fixed-point arithmetic for scores: milli-points, hundredths, exact fractions.
// No floating point is used anywhere in scoring.
#ifndef PARINDEX_ENGINE_FIXED_POINT_H_
#define PARINDEX_ENGINE_FIXED_POINT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parindex::engine {

__extension__ typedef __int128 int128;

// An exact non-negative rational value num / den, den > 0.
struct Fraction {
  int128 num = 0;
  int128 den = 1;
};

// Compares a / b with c / d exactly. REQUIRES: b > 0, d > 0. Returns <0, 0, >0.
inline int CompareFractions(const Fraction& a, const Fraction& b) {
  // Operands stay far below 2^63 x 10^5, so the products fit in 128 bits.
  const int128 left = a.num * b.den;
  const int128 right = b.num * a.den;
  return left < right ? -1 : (left > right ? 1 : 0);
}

// DivRoundHalfUp() in 128-bit arithmetic, for operands beyond 62 bits.
int64_t DivRoundHalfUpWide(int128 num, int128 den);

// num / den rounded to the nearest integer, halves away from zero. REQUIRES: den > 0.
inline int64_t DivRoundHalfUp(int128 num, int128 den) {
  // Below 2^62, 2 × |num| + den and 2 × den fit in 64 unsigned bits: a 64-bit division
  // gives the same quotient as the 128-bit one, without calling __divti3.
  constexpr int128 kLimit = int128{1} << 62;
  const int128 magnitude = num < 0 ? -num : num;
  if (magnitude < kLimit && den < kLimit) {
    const uint64_t m = static_cast<uint64_t>(magnitude);
    const uint64_t d = static_cast<uint64_t>(den);
    const int64_t rounded = static_cast<int64_t>((2 * m + d) / (2 * d));
    return num < 0 ? -rounded : rounded;
  }
  return DivRoundHalfUpWide(num, den);
}

// Parses a decimal with at most three decimals ("1.5", "-0.25", "95") into thousandths.
// Errors name what is wrong ("more than 3 decimals", "not a number").
absl::StatusOr<int64_t> ParseMilli(absl::string_view text);

// Formats thousandths rounded half up to two decimals: 1666 -> "1.67", -250 -> "-0.25".
std::string FormatMilli(int64_t milli);

// Formats thousandths with as few decimals as needed: 95000 -> "95", 2500 -> "2.5".
std::string FormatMilliShort(int64_t milli);

// Formats hundredths with two decimals: 9617 -> "96.17".
std::string FormatHundredths(int64_t hundredths);

}  // namespace parindex::engine

#endif  // PARINDEX_ENGINE_FIXED_POINT_H_
