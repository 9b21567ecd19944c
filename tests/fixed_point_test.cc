// Fixed-point parsing, rounding and formatting.
#include "engine/fixed_point.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace parindex::engine {
namespace {

TEST(ParseMilli, ParsesDecimals) {
  EXPECT_EQ(*ParseMilli("1.5"), 1500);
  EXPECT_EQ(*ParseMilli("0.25"), 250);
  EXPECT_EQ(*ParseMilli("-0.25"), -250);
  EXPECT_EQ(*ParseMilli("95"), 95000);
  EXPECT_EQ(*ParseMilli(" 2.125 "), 2125);
  EXPECT_EQ(*ParseMilli("0"), 0);
}

TEST(ParseMilli, RejectsBadText) {
  EXPECT_EQ(std::string(ParseMilli("0.2505").status().message()),
            "'0.2505' has more than 3 decimals");
  EXPECT_EQ(std::string(ParseMilli("1,5").status().message()),
            "'1,5' is not a decimal number");
  EXPECT_EQ(std::string(ParseMilli("").status().message()), "'' is not a decimal number");
  EXPECT_EQ(std::string(ParseMilli("-").status().message()),
            "'-' is not a decimal number");
  EXPECT_EQ(std::string(ParseMilli("1.2.3").status().message()),
            "'1.2.3' is not a decimal number");
  EXPECT_EQ(std::string(ParseMilli("9999999999999999").status().message()),
            "'9999999999999999' is too large");
}

TEST(DivRoundHalfUp, RoundsHalvesAwayFromZero) {
  EXPECT_EQ(DivRoundHalfUp(1000, 3), 333);  // 1/3 of a point
  EXPECT_EQ(DivRoundHalfUp(2000, 3), 667);  // 2/3
  EXPECT_EQ(DivRoundHalfUp(5, 2), 3);
  EXPECT_EQ(DivRoundHalfUp(-5, 2), -3);
  EXPECT_EQ(DivRoundHalfUp(4, 2), 2);
  EXPECT_EQ(DivRoundHalfUp(0, 7), 0);
}

// Below 2^62 the division is done in 64 bits; at and above it in 128. Both give the
// same quotient on either side of the limit, for either sign.
TEST(DivRoundHalfUp, SameQuotientEitherSideOfTheSixtyFourBitPath) {
  const int128 limit = int128{1} << 62;
  for (const int128 num : {limit - 1, limit, limit + 1, limit * 3 + 7, int128{12345}}) {
    for (const int128 den :
         {int128{1}, int128{2}, int128{3}, int128{1000}, limit - 1, limit, limit + 1}) {
      for (const int128 n : {num, -num}) {
        SCOPED_TRACE(static_cast<double>(n));
        SCOPED_TRACE(static_cast<double>(den));
        const int128 quotient = n / den;  // the wide path's result, when it fits 64 bits
        if (quotient > INT64_MAX / 2 || quotient < INT64_MIN / 2) continue;
        EXPECT_EQ(DivRoundHalfUp(n, den), DivRoundHalfUpWide(n, den));
      }
    }
  }
  EXPECT_EQ(DivRoundHalfUp(limit - 1, limit - 1), 1);
  EXPECT_EQ(DivRoundHalfUp(limit - 1, 2), limit / 2);  // 2^61 - 0.5 rounds away from 0
  EXPECT_EQ(DivRoundHalfUp(-(limit - 1), 2), -(limit / 2));
  EXPECT_EQ(DivRoundHalfUp(3, limit - 1), 0);
  EXPECT_EQ(DivRoundHalfUp(limit, 3), (limit + 1) / 3);  // via 128 bits
}

TEST(FormatMilli, RoundsToTwoDecimalsHalfUp) {
  EXPECT_EQ(FormatMilli(1666), "1.67");
  EXPECT_EQ(FormatMilli(333), "0.33");
  EXPECT_EQ(FormatMilli(2625), "2.63");
  EXPECT_EQ(FormatMilli(2624), "2.62");
  EXPECT_EQ(FormatMilli(-250), "-0.25");
  EXPECT_EQ(FormatMilli(-2625), "-2.63");
  EXPECT_EQ(FormatMilli(0), "0.00");
  EXPECT_EQ(FormatMilli(100000), "100.00");
  EXPECT_EQ(FormatMilli(5), "0.01");
  EXPECT_EQ(FormatMilli(4), "0.00");
}

TEST(FormatMilliShort, DropsTrailingZeros) {
  EXPECT_EQ(FormatMilliShort(95000), "95");
  EXPECT_EQ(FormatMilliShort(2500), "2.5");
  EXPECT_EQ(FormatMilliShort(250), "0.25");
  EXPECT_EQ(FormatMilliShort(-1000), "-1");
  EXPECT_EQ(FormatMilliShort(0), "0");
}

TEST(FormatHundredths, PadsDecimals) {
  EXPECT_EQ(FormatHundredths(9617), "96.17");
  EXPECT_EQ(FormatHundredths(9005), "90.05");
  EXPECT_EQ(FormatHundredths(5), "0.05");
  EXPECT_EQ(FormatHundredths(-5), "-0.05");
}

TEST(CompareFractions, ComparesExactly) {
  // 412/430 x 100 against 95: 412 x 100 x 1 > 95 x 430.
  EXPECT_GT(CompareFractions({412 * 100, 430}, {95000, 1000}), 0);
  EXPECT_EQ(CompareFractions({380 * 100, 400}, {95000, 1000}), 0);
  EXPECT_GT(CompareFractions({1, 3}, {333, 1000}), 0);  // 1/3 > 0.333
}

}  // namespace
}  // namespace parindex::engine
