// Report writers: sheet names Excel accepts, whatever a unit's block is called; a
// workbook ready to print and sign, read back by openpyxl; CSV as one table, with a
// decimal comma when asked.
#include "server/report.h"

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
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
  // Excel compares Vietnamese letters in any case too, and counts a character past
  // U+FFFF as two of its 31.
  EXPECT_EQ(SheetName("Khối XÃ", &used), "Khối XÃ");
  EXPECT_EQ(SheetName("Khối Xã", &used), "Khối Xã (2)");
  EXPECT_EQ(SheetName("abcdefghijklmnopqrstuvwxyz0123😀", &used),
            "abcdefghijklmnopqrstuvwxyz0123");
  EXPECT_EQ(SheetName("abcdefghijklmnopqrstuvwxyz012😀", &used),
            "abcdefghijklmnopqrstuvwxyz012😀");
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

// What python3 `script` prints, run with the workbook `xlsx` (in a file) and `arg` as
// its arguments; empty when it fails.
std::string OnWorkbook(const std::string& xlsx, const std::string& script,
                       const std::string& arg) {
  testing::TempDir dir;
  const std::string path = dir.File("book.xlsx"), out = dir.File("out.txt");
  const std::string program = dir.File("script.py");
  std::ofstream(path, std::ios::binary) << xlsx;
  std::ofstream(program) << script;
  const std::string command = absl::StrCat("/usr/bin/python3 '", program, "' '", path,
                                           "' '", arg, "' >'", out, "'");
  if (std::system(command.c_str()) != 0) return "";
  std::ifstream in(out, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every part of `xlsx` unzipped (python3's zipfile), as "== name" and its bytes, but
// docProps/core.xml (the moment the file was made). `as_library`: as libxlsxwriter's
// constant-memory calls would write it: each cell that refers to the shared strings
// holds its text inline instead, the shared strings' part and its two references are
// left out, and each cell's number is written as the double it stands for (Python's
// repr): the library writes %.16G of the double, the direct way the exact decimal.
std::string Parts(const std::string& xlsx, bool as_library = false) {
  return OnWorkbook(
      xlsx,
      "import re, sys, zipfile\n"
      "z = zipfile.ZipFile(sys.argv[1])\n"
      "assert z.testzip() is None\n"
      "inline = sys.argv[2] == \"inline\"\n"
      "shared = []\n"
      "if inline and \"xl/sharedStrings.xml\" in z.namelist():\n"
      "    shared = re.findall(rb\"<si>(.*?)</si>\", z.read(\"xl/sharedStrings.xml\"), "
      "re.S)\n"
      "def part(n):\n"
      "    b = z.read(n)\n"
      "    if not inline: return b\n"
      "    if n.startswith(\"xl/worksheets/sheet\"):\n"
      "        b = re.sub(rb\" t=\\\"s\\\"><v>([0-9]+)</v></c>\", lambda m: b\" "
      "t=\\\"inlineStr\\\"><is>\" + shared[int(m.group(1))] + b\"</is></c>\", b)\n"
      "        b = re.sub(rb\"<v>([^<]*)</v>\", lambda m: b\"<v>\" + "
      "repr(float(m.group(1))).encode() + b\"</v>\", b)\n"
      "    if n in (\"[Content_Types].xml\", \"xl/_rels/workbook.xml.rels\"):\n"
      "        b = re.sub(rb\"<[^<]*sharedStrings[^>]*>\", b\"\", b)\n"
      "    return b\n"
      "for n in sorted(z.namelist()):\n"
      "    if n != \"docProps/core.xml\" and not (inline and n == "
      "\"xl/sharedStrings.xml\"):\n"
      "        sys.stdout.buffer.write(b\"== \" + n.encode() + b\"\\n\" + part(n) + "
      "b\"\\n\")\n",
      as_library ? "inline" : "as-is");
}

// How many full flushes (empty stored blocks, 00 00 FF FF) the deflated part `name`
// holds, as stored in the zip: a sheet whose rows were deflated apart and put in has two
// (before its rows and at their end); one deflated in one go has none.
int FullFlushes(const std::string& xlsx, const std::string& name) {
  const std::string count = OnWorkbook(
      xlsx,
      "import struct, sys, zipfile\n"
      "z = zipfile.ZipFile(sys.argv[1])\n"
      "i = z.getinfo(sys.argv[2])\n"
      "raw = open(sys.argv[1], \"rb\").read()\n"
      "n, e = struct.unpack(\"<HH\", raw[i.header_offset + 26:i.header_offset + 30])\n"
      "start = i.header_offset + 30 + n + e\n"
      "print(raw[start:start + i.compress_size].count(b\"\\x00\\x00\\xff\\xff\"))\n",
      name);
  int flushes = -1;
  return absl::SimpleAtoi(absl::StripAsciiWhitespace(count), &flushes) ? flushes : -1;
}

// WriteXlsx writes a table's rows straight into the sheet (SetXlsxDirectRows), deflates
// them as they are written (SetXlsxRowFiles: on a second thread, or by the writer) and
// deflates every part by ISA-L: every part unzips to the bytes libxlsxwriter's own
// calls, its row files and zlib give, whatever the cells hold.
TEST(WriteXlsx, DirectRowsAndIsalGiveTheLibrarysBytes) {
  std::vector<Table> tables(2);
  Table& t = tables[0];
  t.name = "Bảng";
  t.header = {"Chữ", "Số", "Điểm", "Chỉ số", "Lúc", "Dài"};
  const absl::Time at = absl::FromCivil(absl::CivilSecond(2025, 11, 26, 9, 30, 15),
                                        absl::FixedTimeZone(7 * 3600));
  const std::vector<std::string> texts = {
      "Hưng Yên",
      " leading space",
      "trailing tab\t",
      "\nnewline first",
      "a & b < c > d \"quoted\" 'apos'",
      std::string("bell\x07 and cr\r and esc\x1b and \x0b\x0c"),
      std::string("before\0after", 12),  // a C string ends at its NUL
      std::string("\0starts with NUL", 16),
      "_x0041_ looks escaped",
      std::string(40000, 'x'),  // over 32,767 characters: the library leaves it out
      // Over 32,767 bytes, under 32,767 characters: kept.
      [] {
        std::string many;
        for (int i = 0; i < 20000; ++i) many += "Đ";
        return many;
      }(),
      "\rstarts with a carriage return, ends with a vertical tab\v",  // escaped: no
                                                                      // preserve
      "&<>",
      std::string(30, ' '),
      "a wrapped text that is longer than the column it sits in, so it wraps, "
      "with Vietnamese: Điểm đạt được theo từng tiêu chí thành phần",
  };
  const std::vector<int64_t> numbers = {0,
                                        1,
                                        -1,
                                        42,
                                        999999,
                                        -123456789,
                                        1LL << 40,
                                        999999999999999LL,
                                        1000000000000000LL,
                                        -1000000000000001LL,
                                        1LL << 62};
  const std::vector<int64_t> scaled = {0,    1,     -1,    5,     250,         1000,
                                       1234, 9200,  92000, 99999, 12345678901, -250,
                                       3,    96275, 8796};  // whose doubles' %.16G is
                                                            // "96.27500000000001",
                                                            // "87.95999999999999"
  for (size_t i = 0; i < 40; ++i) {
    std::vector<Cell> row;
    row.push_back(texts[i % texts.size()]);
    row.push_back(numbers[i % numbers.size()]);
    row.push_back(Points{scaled[i % scaled.size()]});
    row.push_back(Index{scaled[(i + 3) % scaled.size()]});
    row.push_back(
        When{at + absl::Seconds(37 * i) + absl::Milliseconds(i % 3 == 0 ? 0 : 250)});
    if (i % 4 == 0) row.push_back(std::string("x"));
    if (i % 7 == 0) row = {std::string(), std::string()};  // a row with nothing written
    if (i % 9 == 0) row.resize(2);                         // a short row
    t.rows.push_back(std::move(row));
  }
  // Rows made while written, after the held ones.
  t.make_rows = [](const Table::RowSink& sink) {
    std::vector<Cell> row = {std::string("made"), int64_t{7}, Points{1500}};
    for (int i = 0; i < 3; ++i) sink(row);
  };
  t.chart = Chart{Chart::Kind::kBar, "Chỉ số", 0, 3, "Chỉ số"};
  tables[1].name = "Trống";  // no rows at all
  tables[1].header = {"Mã", "Tên", "Khối", "Điểm"};
  // A column whose texts do not repeat is shared for its first 256 only; one whose
  // texts do, throughout.
  Table& many = tables.emplace_back();
  many.name = "Nhiều";
  many.header = {"Mã", "Khối"};
  for (int i = 0; i < 6000; ++i)  // more pieces than the deflating thread holds
    many.rows.push_back({absl::StrCat("id-", i), std::string(i % 2 ? "xã" : "phường")});
  Heading heading;
  heading.issuer = "SỞ NỘI VỤ TỈNH HƯNG YÊN";
  heading.heading = "Kết quả";
  heading.made = at;

  SetXlsxDirectRows(false);
  SetXlsxDeflateLevel(6);
  auto library = WriteXlsx(tables, heading);
  SetXlsxDirectRows(true);
  SetXlsxIsalDeflate();
  SetXlsxRowFiles(XlsxRowFiles::kLibrary);
  auto row_files = WriteXlsx(tables, heading);
  SetXlsxRowFiles(XlsxRowFiles::kDeflated);
  auto deflated = WriteXlsx(tables, heading);
  SetXlsxRowFiles(XlsxRowFiles::kDeflatedAside);
  auto direct = WriteXlsx(tables, heading);
  ASSERT_TRUE(library.ok()) << library.status();
  ASSERT_TRUE(row_files.ok()) << row_files.status();
  ASSERT_TRUE(deflated.ok()) << deflated.status();
  ASSERT_TRUE(direct.ok()) << direct.status();
  // The rows were deflated apart and put into each sheet, or not.
  for (const char* sheet : {"xl/worksheets/sheet1.xml", "xl/worksheets/sheet3.xml"}) {
    EXPECT_EQ(FullFlushes(*direct, sheet), 2) << sheet;
    EXPECT_EQ(FullFlushes(*deflated, sheet), 2) << sheet;
    EXPECT_EQ(FullFlushes(*row_files, sheet), 0) << sheet;
  }
  EXPECT_EQ(Parts(*deflated), Parts(*direct));
  EXPECT_EQ(Parts(*row_files), Parts(*direct));
  const std::string library_parts = Parts(*library, /*as_library=*/true),
                    direct_parts = Parts(*direct, /*as_library=*/true);
  // The texts that repeat are shared; the library's calls write every text inline.
  EXPECT_THAT(Parts(*direct), ::testing::HasSubstr("== xl/sharedStrings.xml"));
  EXPECT_THAT(Parts(*direct), ::testing::HasSubstr(" t=\"s\"><v>0</v></c>"));
  EXPECT_THAT(library_parts, ::testing::Not(::testing::HasSubstr("sharedStrings")));
  EXPECT_THAT(Parts(*direct), ::testing::HasSubstr("<si><t>id-255</t></si>"));
  EXPECT_THAT(Parts(*direct), ::testing::HasSubstr("<is><t>id-256</t></is>"));
  EXPECT_THAT(Parts(*direct), ::testing::HasSubstr("<si><t>phường</t></si>"));
  EXPECT_THAT(Parts(*direct), ::testing::Not(::testing::HasSubstr("<is><t>xã</t></is>")));
  // Numbers are the exact decimals of the values (the library's %.16G is not).
  const std::string as_written = Parts(*direct);
  for (const char* exact : {"<v>96.275</v>", "<v>962.75</v>", "<v>87.96</v>",
                            "<v>8.796</v>", "<v>12345678.901</v>", "<v>-0.25</v>",
                            "<v>0.003</v>", "<v>4611686018427387904</v>"}) {
    EXPECT_TRUE(absl::StrContains(as_written, exact)) << exact;
  }
  for (const char* noise : {"96.27500000000001", "87.95999999999999", "E+"}) {
    EXPECT_FALSE(absl::StrContains(as_written, noise)) << noise;
  }
  ASSERT_THAT(library_parts, ::testing::HasSubstr("== xl/worksheets/sheet1.xml"));
  EXPECT_THAT(direct_parts, ::testing::HasSubstr("xml:space=\"preserve\""));
  EXPECT_THAT(direct_parts, ::testing::HasSubstr("_x0007_"));
  EXPECT_EQ(direct_parts, library_parts);
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

TEST(XlsxText, KeepsWhatAWorkbookWouldShowOtherwise) {
  std::string scratch;
  const std::string plain = "Hưng Yên _x 100_ _x12_";
  EXPECT_EQ(&XlsxText(plain, &scratch), &plain);  // nothing to change: not copied
  EXPECT_EQ(XlsxText("a\xEF\xBF\xBF"
                     "b\xEF\xBF\xBE"
                     "c\xEF\xBF\xBD"),
            "a�b�c�");
  EXPECT_EQ(XlsxText("_x0041_ _X00e9_ _x004G_ __x0041__"),
            "_x005F_x0041_ _x005F_X00e9_ _x004G_ __x005F_x0041__");
  const std::string cut = XlsxText(std::string(40000, 'x'));
  EXPECT_EQ(cut, std::string(kMaxCellCharacters - 1, 'x') + "…");
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "Đ";  // 40,000 bytes, 20,000 characters
  EXPECT_EQ(&XlsxText(many, &scratch), &many);
}

// What a person reads back is what was written: a text that looks like a workbook's
// escape, characters XML does not allow (the workbook could not be opened at all), an
// over-long text (left out by libxlsxwriter), in cells, headers, headings and names.
TEST(WriteXlsx, ATextIsReadBackAsItWasWhateverItHolds) {
  Table t;
  t.name = "Khối \xEF\xBF\xBF";
  t.header = {"Mã _x0041_", "Tên"};
  t.rows = {{std::string("_x0041_ looks escaped"), std::string("a\xEF\xBF\xBE"
                                                               "b")},
            {std::string(40000, 'y'), std::string("_x00")}};
  Heading heading;
  heading.heading = "Kết quả \xEF\xBF\xBF _xD83D_";
  auto xlsx = WriteXlsx({t}, heading);
  ASSERT_TRUE(xlsx.ok()) << xlsx.status();
  const std::vector<std::string> facts = testing::XlsxFacts(*xlsx);
  ASSERT_FALSE(facts.empty());  // openpyxl could read it, its properties too
  EXPECT_EQ(facts[0], "sheets: Khối �");
  const std::vector<std::string> sheet = testing::SheetFacts(facts, "Khối �");
  EXPECT_THAT(sheet, ::testing::Contains("row1: _x0041_ looks escaped|a�b"));
  // Written inline, which openpyxl reads without decoding: the escape, as Excel reads.
  const std::string parts = Parts(*xlsx);
  EXPECT_THAT(parts, ::testing::HasSubstr("<t>Kết quả � _x005F_xD83D_</t>"));
  EXPECT_THAT(parts, ::testing::HasSubstr("<t>Mã _x005F_x0041_</t>"));
  EXPECT_THAT(sheet, ::testing::Contains(absl::StrCat(
                         "row2: ", std::string(kMaxCellCharacters - 1, 'y'), "…|_x00")));
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

// A data sheet's decimal value (a percent, a score) is the number it was given: in a
// CSV with the decimals it has (a comma when asked), in a workbook a number that
// shows them (General), neither rounded to two places nor written as text.
TEST(Decimal, IsTheValueGivenInACsvAndANumberInAWorkbook) {
  Table t;
  t.name = "Bảng số liệu";
  t.header = {"Mã số liệu", "Tự đánh giá"};
  t.rows = {{std::string("online_rate"), Decimal{96275}},
            {std::string("digitised_rate"), Decimal{12000}},
            {std::string("score"), Decimal{-250}},
            {std::string("share"), Decimal{7}},
            {std::string("budget"), Decimal{-1234567891}}};
  EXPECT_EQ(WriteCsv(t),
            "\xEF\xBB\xBFMã số liệu,Tự đánh giá\r\n"
            "online_rate,96.275\r\ndigitised_rate,12\r\nscore,-0.25\r\nshare,0.007\r\n"
            "budget,-1234567.891\r\n");
  CsvOptions comma;
  comma.decimal_comma = true;
  EXPECT_EQ(WriteCsv(t, comma),
            "\xEF\xBB\xBFMã số liệu;Tự đánh giá\r\n"
            "online_rate;96,275\r\ndigitised_rate;12\r\nscore;-0,25\r\nshare;0,007\r\n"
            "budget;-1234567,891\r\n");
  auto xlsx = WriteXlsx({t}, Heading{});
  ASSERT_TRUE(xlsx.ok()) << xlsx.status();
  // Each value cell's type, its value as Python reads it and its number format.
  EXPECT_EQ(OnWorkbook(*xlsx,
                       "import sys, openpyxl\n"
                       "sheet = openpyxl.load_workbook(sys.argv[1]).worksheets[0]\n"
                       "for row in sheet.iter_rows(min_row=8, max_row=12, min_col=2, "
                       "max_col=2):\n"
                       "    c = row[0]\n"
                       "    print(c.data_type, repr(c.value), c.number_format)\n",
                       ""),
            "n 96.275 General\nn 12 General\nn -0.25 General\nn 0.007 General\n"
            "n -1234567.891 General\n");
  // Its column is as wide as its widest value needs ("-1234567.891": 12 characters,
  // and the cell's padding), wider than its header alone would make it (13).
  const std::vector<std::string> facts = testing::XlsxFacts(*xlsx);
  EXPECT_THAT(testing::SheetFacts(facts, "Bảng số liệu"),
              ::testing::Contains("widths: A=16 B=14"));
}

// Texts a spreadsheet would run as formulas are written after an apostrophe; numbers,
// negative ones included (cells of their own, or a value written as text), and texts
// with such a sign only inside are as they were.
TEST(WriteCsv, ATextThatLooksLikeAFormulaIsNotOne) {
  Table t;
  t.header = {"=Tên", "Điểm", "Ghi chú"};
  t.rows = {{std::string("=HYPERLINK(\"http://x\",\"Xem\")"), Points{-250},
             std::string("+1+cmd|' /C calc'!A0")},
            {std::string("@SUM(A1)"), int64_t{-3}, std::string("-2 hồ sơ")},
            {std::string("\t=1"), Index{-1}, std::string("\r=1")},
            {std::string("Xã A = B"), Points{0}, std::string("a-b+c@d")},
            {std::string("-2.5"), std::string("+3"), std::string("-1.")}};
  EXPECT_EQ(WriteCsv(t),
            "\xEF\xBB\xBF'=Tên,Điểm,Ghi chú\r\n"
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"Xem\"\")\",-0.25,'+1+cmd|' /C "
            "calc'!A0\r\n"
            "'@SUM(A1),-3,'-2 hồ sơ\r\n"
            "'\t=1,-0.01,\"'\r=1\"\r\n"
            "Xã A = B,0.00,a-b+c@d\r\n"
            "-2.5,+3,'-1.\r\n");
}

}  // namespace
}  // namespace parindex::server
