// Report writers: sheet names Excel accepts, whatever a unit's block is called; a
// workbook ready to print and sign, read back by openpyxl; CSV as one table, with a
// decimal comma when asked.
#include "server/report.h"

#include <set>
#include <string>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/xlsx_facts.h"

namespace parindex::server {
namespace {

TEST(SheetName, ReplacesForbiddenCharactersCutsAtCharactersAndStaysUnique) {
  std::set<std::string> used;
  EXPECT_EQ(SheetName("Xếp hạng - Khối: [a]/b*?\\", &used), "Xếp hạng - Khối- -a--b---");
  EXPECT_EQ(SheetName("'quoted'", &used), "quoted");
  EXPECT_EQ(SheetName("''", &used), "Sheet");
  // 31 characters, not bytes: "ố" is three bytes and counts once.
  const std::string long_name = "Xếp hạng - Khối các phường nội thành";
  const std::string first = SheetName(long_name, &used);
  EXPECT_EQ(first, "Xếp hạng - Khối các phường nội");  // and no trailing space
  // The same first 31 characters, or the same name in another case: a new sheet.
  EXPECT_EQ(SheetName("Xếp hạng - Khối các phường nội thị", &used),
            "Xếp hạng - Khối các phường (2)");
  EXPECT_EQ(SheetName("SHEET", &used), "SHEET (2)");
}

TEST(WriteXlsx, WritesAWorkbookWhateverTheTableNames) {
  std::vector<Table> tables(2);
  tables[0].name = "Khối: [a]/b*?";
  tables[0].header = {"Mã"};
  tables[0].rows = {{std::string("HN")}};
  tables[1].name = "khối: [a]/b*?";
  auto xlsx = WriteXlsx(tables, Heading{});
  ASSERT_TRUE(xlsx.ok()) << xlsx.status();
  EXPECT_EQ(xlsx->substr(0, 2), "PK");
}

TEST(BlockTitle, NamesBlocksAsThePageDoes) {
  EXPECT_EQ(BlockTitle("communes"), "Khối xã");
  EXPECT_EQ(BlockTitle("commune"), "Khối xã");
  EXPECT_EQ(BlockTitle("wards"), "Khối phường");
  EXPECT_EQ(BlockTitle("ward"), "Khối phường");
  EXPECT_EQ(BlockTitle("vùng cao"), "Khối vùng cao");
}

TEST(VietnameseUpper, UpperCasesEveryVietnameseLetter) {
  EXPECT_EQ(VietnameseUpper("Tỉnh Hưng Yên"), "TỈNH HƯNG YÊN");
  EXPECT_EQ(VietnameseUpper("đắk lắk, ữ ự ơ ư ă â ê ô ý ỹ à ạ"),
            "ĐẮK LẮK, Ữ Ự Ơ Ư Ă Â Ê Ô Ý Ỹ À Ạ");
  EXPECT_EQ(VietnameseUpper("SỞ 12 ÷ x"), "SỞ 12 ÷ X");
}

Table Ranking() {
  Table t;
  t.name = "Xếp hạng Khối xã";
  t.key = "ranking";
  t.title = "Bảng xếp hạng Chỉ số CCHC – Khối xã";
  t.frozen_columns = 2;
  t.header = {"Hạng",
              "Tên đơn vị",
              "Chỉ số",
              "Điểm thưởng, trừ",
              "Tỷ lệ hồ sơ giải quyết đúng hạn trên tổng số hồ sơ đã giải quyết",
              "Lúc thẩm định"};
  t.rows = {
      {int64_t{1}, std::string("Xã Long Đức"), Index{9030}, Points{500}, Points{95812},
       When{absl::FromCivil(absl::CivilSecond(2023, 11, 20, 2, 0, 0),
                            absl::UTCTimeZone())}},
      {int64_t{2}, std::string("Xã Đông \"Hưng\", mới"), Index{8517}, Points{-250},
       Points{0}, std::string()}};
  t.chart = Chart{Chart::Kind::kBar, "Chỉ số CCHC – Khối xã", 1, 2, "Chỉ số"};
  return t;
}

TEST(WriteXlsx, EachSheetIsReadyToPrintAndSign) {
  Heading heading;
  heading.issuer = "SỞ NỘI VỤ TỈNH HƯNG YÊN";
  heading.heading = "Kết quả Chỉ số CCHC năm 2023";
  heading.subtitle = "Chấm điểm Chỉ số CCHC năm 2023";
  heading.note = "Số liệu sau thẩm định";
  // 23:30 UTC is the next morning in Vietnam: the date is Vietnam's.
  heading.made =
      absl::FromCivil(absl::CivilSecond(2023, 12, 1, 23, 30, 0), absl::UTCTimeZone());
  auto xlsx = WriteXlsx({Ranking()}, heading);
  ASSERT_TRUE(xlsx.ok()) << xlsx.status();
  const std::vector<std::string> facts = testing::XlsxFacts(*xlsx);
  ASSERT_FALSE(facts.empty());
  EXPECT_EQ(facts[0], "sheets: Xếp hạng Khối xã");
  EXPECT_THAT(
      testing::SheetFacts(facts, "Xếp hạng Khối xã"),
      ::testing::ElementsAre(
          "A1: SỞ NỘI VỤ TỈNH HƯNG YÊN", "D1: CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
          "D2: Độc lập - Tự do - Hạnh phúc", "A3: Kết quả Chỉ số CCHC năm 2023",
          "A4: Chấm điểm Chỉ số CCHC năm 2023",
          "A5: Bảng xếp hạng Chỉ số CCHC – Khối xã – Số liệu sau thẩm định – Lập "
          "ngày 02 tháng 12 năm 2023",
          "header: Hạng|Tên đơn vị|Chỉ số|Điểm thưởng, trừ|Tỷ lệ hồ sơ giải quyết "
          "đúng hạn trên tổng số hồ sơ đã giải quyết|Lúc thẩm định",
          // The exact values; the time in Vietnam (UTC+7).
          "row1: 1|Xã Long Đức|90.30|0.50|95.81|20/11/2023 09:00:00",
          "row2: 2|Xã Đông \"Hưng\", mới|85.17|-0.25|0|",
          // Long headers on two lines at most.
          "widths: A=8 B=21 C=8 D=18 E=35 F=21", "header height: 33.0",
          // row2's empty time is not written; the grid's rule borders it.
          "grid: A8:F9", "freeze: C8", "filter: A7:F9", "print area: $A$1:$F$34",
          "page: landscape paper 9 fit 1x0 fitToPage True", "repeat rows: $7:$7",
          "footer: Trang &P/&N", "sign: A12 Người lập biểu", "sign: D12 Lãnh đạo",
          "chart: barChart bar Chỉ số CCHC – Khối xã", ""));
}

TEST(WriteCsv, OneTableWithADecimalCommaWhenAsked) {
  const Table t = Ranking();
  EXPECT_EQ(WriteCsv(t),
            "\xEF\xBB\xBFHạng,Tên đơn vị,Chỉ số,\"Điểm thưởng, trừ\",Tỷ lệ hồ sơ giải "
            "quyết đúng hạn trên tổng số hồ sơ đã giải quyết,Lúc thẩm định\r\n"
            "1,Xã Long Đức,90.30,0.50,95.81,20/11/2023 09:00:00\r\n"
            "2,\"Xã Đông \"\"Hưng\"\", mới\",85.17,-0.25,0.00,\r\n");
  CsvOptions comma;
  comma.decimal_comma = true;
  EXPECT_EQ(WriteCsv(t, comma),
            "\xEF\xBB\xBFHạng;Tên đơn vị;Chỉ số;Điểm thưởng, trừ;Tỷ lệ hồ sơ giải "
            "quyết đúng hạn trên tổng số hồ sơ đã giải quyết;Lúc thẩm định\r\n"
            "1;Xã Long Đức;90,30;0,50;95,81;20/11/2023 09:00:00\r\n"
            "2;\"Xã Đông \"\"Hưng\"\", mới\";85,17;-0,25;0,00;\r\n");
}

}  // namespace
}  // namespace parindex::server
