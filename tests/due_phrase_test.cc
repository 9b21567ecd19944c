// The due-phrase parser on every phrase that occurs in the five seed plans.
#include "criteria/due_phrase.h"

#include <string>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace parindex::criteria {
namespace {

// "RANGE 2023-01-01..2023-03-31", "DATE ..2023-05-09", "ONGOING", ...
std::string Describe(const v1::DueRange& r) {
  auto date = [](const v1::Date& d) {
    return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
  };
  switch (r.kind()) {
    case v1::DueRange::DATE:
      return "DATE .." + date(r.end());
    case v1::DueRange::RANGE:
      return "RANGE " + date(r.start()) + ".." + date(r.end());
    default:
      return v1::DueRange::Kind_Name(r.kind());
  }
}

struct Phrase {
  const char* text;
  const char* expected;
};

class DuePhraseTest : public ::testing::TestWithParam<Phrase> {};

TEST_P(DuePhraseTest, Parses) {
  EXPECT_EQ(Describe(ParseDuePhrase(GetParam().text, 2023)), GetParam().expected)
      << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    SeedPhrases, DuePhraseTest,
    ::testing::Values(
        Phrase{"Thường xuyên", "ONGOING"},
        Phrase{"- Thực hiện thường xuyên; - Báo cáo theo thời điểm báo cáo CCHC",
               "ONGOING"},
        Phrase{"Trong năm 2023", "RANGE 2023-01-01..2023-12-31"},
        Phrase{"Năm 2023", "RANGE 2023-01-01..2023-12-31"},
        Phrase{"Trong năm 2024", "RANGE 2024-01-01..2024-12-31"},
        Phrase{"Trong năm", "RANGE 2023-01-01..2023-12-31"},
        Phrase{"Quý I/2023", "RANGE 2023-01-01..2023-03-31"},
        Phrase{"Quý I năm 2023", "RANGE 2023-01-01..2023-03-31"},
        Phrase{"Quý II năm 2023", "RANGE 2023-04-01..2023-06-30"},
        Phrase{"Quý III/2023", "RANGE 2023-07-01..2023-09-30"},
        Phrase{"Quý IV năm 2023", "RANGE 2023-10-01..2023-12-31"},
        Phrase{"Quý IV/2023", "RANGE 2023-10-01..2023-12-31"},
        Phrase{"Quý I/2024", "RANGE 2024-01-01..2024-03-31"},
        Phrase{"Quý III và Quý IV năm 2023", "RANGE 2023-07-01..2023-12-31"},
        Phrase{"Quý II, III/2023", "RANGE 2023-04-01..2023-09-30"},
        Phrase{"Quý IV/2023 - Quý I/2024", "RANGE 2023-10-01..2024-03-31"},
        Phrase{"Tháng 01 năm 2023", "RANGE 2023-01-01..2023-01-31"},
        Phrase{"Tháng 02/2023", "RANGE 2023-02-01..2023-02-28"},
        Phrase{"Hoàn thành trong tháng 4 năm 2023", "RANGE 2023-04-01..2023-04-30"},
        Phrase{"Trong 12/2024", "RANGE 2024-12-01..2024-12-31"},
        Phrase{"- Trong tháng 01/2024 - Hàng quý, năm 2024",
               "RANGE 2024-01-01..2024-12-31"},
        Phrase{"Hàng quý và năm 2024", "RANGE 2024-01-01..2024-12-31"},
        Phrase{"Từ quý I/2023 đến hết năm 2025", "RANGE 2023-01-01..2025-12-31"},
        Phrase{"Từ năm 2021 đến hết năm 2025 và các năm tiếp theo",
               "RANGE 2021-01-01..2025-12-31"},
        Phrase{"Hoàn thành trước ngày 10/5/2023", "DATE ..2023-05-09"},
        Phrase{"Trước 01/01/2023", "DATE ..2022-12-31"},
        Phrase{"Khi có văn bản hướng dẫn của bộ, ngành Trung ương", "EVENT"},
        Phrase{"Khi có sự thay đổi nhân sự", "EVENT"},
        Phrase{"Khi phát sinh vấn đề", "EVENT"},
        Phrase{"Sau khi có kết quả đánh giá các chỉ số", "EVENT"},
        Phrase{"theo Kế hoạch được phê duyệt", "EVENT"},
        Phrase{"Theo thời hạn tại Kế hoạch của UBND thành phố", "EVENT"},
        Phrase{"Theo lộ trình, kế hoạch", "EVENT"},
        Phrase{"Lồng ghép báo cáo CCHC", "EVENT"},
        Phrase{"- Thực hiện theo kế hoạch; - Báo cáo theo thời điểm báo cáo CCHC",
               "EVENT"},
        Phrase{"Đầu nhiệm kỳ", "UNPARSED"}, Phrase{"Trước ngày 31/02/2023", "UNPARSED"},
        Phrase{"Tháng 13/2023", "UNPARSED"}, Phrase{"", "KIND_UNSPECIFIED"},
        // Separators only (libFuzzer's first find: front() of no clauses).
        Phrase{";", "KIND_UNSPECIFIED"}, Phrase{" ; - ;", "KIND_UNSPECIFIED"}));

}  // namespace
}  // namespace parindex::criteria
