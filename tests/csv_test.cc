// CSV as spreadsheets write it, and figures read from it.
#include "criteria/csv.h"

#include "criteria/figures_csv.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace parindex::criteria {
namespace {

TEST(ReadCsv, ReadsWhatSpreadsheetsWrite) {
  auto rows = ReadCsv(
      "\xEF\xBB\xBFunit,criterion,percent\r\n"
      "\"HN\",VIII.1,\"87,5\"\r\n"
      "\r\n"
      "LS,\"a \"\"quoted\"\" name\",\"two\nlines\"\n"
      "MK, spaced ,\n");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ((*rows)[0].line, 1);
  EXPECT_EQ((*rows)[0].cells, (std::vector<std::string>{"unit", "criterion", "percent"}));
  EXPECT_EQ((*rows)[1].line, 2);
  EXPECT_EQ((*rows)[1].cells, (std::vector<std::string>{"HN", "VIII.1", "87,5"}));
  EXPECT_EQ((*rows)[2].line, 4);
  EXPECT_EQ((*rows)[2].cells,
            (std::vector<std::string>{"LS", "a \"quoted\" name", "two\nlines"}));
  EXPECT_EQ((*rows)[3].line, 6);
  EXPECT_EQ((*rows)[3].cells, (std::vector<std::string>{"MK", "spaced", ""}));  // trimmed
}

TEST(ReadCsv, NamesTheLineOfBadQuoting) {
  auto rows = ReadCsv("unit,criterion\nHN,\"VIII.1\"x\n");
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rows.status().message(),
            "line 2: error parsing data while strict checking enabled");
  auto open = ReadCsv("unit,criterion\nHN,\"VIII.1\n");
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.status().message(),
            "line 2: error parsing data while strict checking enabled");
}

// The proto in text format, one line, for exact comparisons.
std::string Text(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  printer.PrintToString(m, &out);
  return out;
}

TEST(FiguresCsv, CriterionFieldValueFiguresGoToTheDataSheet) {
  auto a = ParseFiguresCsv(
      "\xEF\xBB\xBF"
      "criterion,field,value\nIII.2.1,resolved_on_time,412\nIII.2.1,resolved,430\n"
      "III.2.2,resolved,430\nIII.2.2,resolved_early,350\n"
      "III.6,done,không\nI.1.1,issued,08/02/2023\nI.5,score,1.5\nI.5,comment,\"Đã ban "
      "hành, \"\"QĐ 12\"\"\"\nIV.1,comment,Đã kiện toàn, chưa đủ\n",
      "pls.csv");
  ASSERT_TRUE(a.ok()) << a.status();
  // A count is typed once: resolved, under two criteria, is one value.
  ASSERT_EQ(a->values_size(), 3);
  EXPECT_EQ(Text(a->values(0)), "element: \"resolved_on_time\" self { count: 412 } ");
  EXPECT_EQ(Text(a->values(1)), "element: \"resolved\" self { count: 430 } ");
  EXPECT_EQ(Text(a->values(2)), "element: \"resolved_early\" self { count: 350 } ");
  ASSERT_EQ(a->entries_size(), 4);  // no entry for criteria that gave figures only
  EXPECT_EQ(a->entries(0).criterion(), "III.6");
  EXPECT_FALSE(a->entries(0).self().done());
  EXPECT_TRUE(a->entries(0).self().has_done());
  EXPECT_EQ(a->entries(1).self().issued().month(), 2);
  EXPECT_EQ(a->entries(2).self().score_milli(), 1500);
  EXPECT_EQ(a->entries(2).comment(), "Đã ban hành, \"QĐ 12\"");
  EXPECT_EQ(a->entries(3).comment(), "Đã kiện toàn, chưa đủ");  // commas left unquoted
  EXPECT_TRUE(a->unit().empty());
}

TEST(FiguresCsv, CriterionFieldValueErrorsNameTheLine) {
  auto message = [](const char* text) {
    return std::string(ParseFiguresCsv(text, "f.csv").status().message());
  };
  EXPECT_EQ(message("criterion,field,value\nIII.2.1,resolved,4x\n"),
            "f.csv:2: resolved: '4x' is not a value: give a count (412), a decimal "
            "(87.5), a date (08/02/2023), yes or no (có, không) or not issued (chưa ban "
            "hành)");
  EXPECT_EQ(message("III.2.1,resolved,784\nIII.2.2,resolved_early,300\n"
                    "III.2.2,resolved,1180\n"),
            "f.csv:3: resolved: 1180 here but 784 on line 1 (a figure is typed once, for "
            "every criterion)");
  EXPECT_EQ(message("III.6,done,maybe\n"), "f.csv:1: done: 'maybe' is not yes or no");
  EXPECT_EQ(message("I.1.1,issued,30/02/2023\n"),
            "f.csv:1: issued: '30/02/2023' is not a date (use 2023-02-10 or 10/02/2023)");
  EXPECT_EQ(message("I.5;score;1\n"), "f.csv:1: expected criterion,field,value");
  EXPECT_EQ(message("I.5,score,1,5\n"), "f.csv:1: expected criterion,field,value");
  EXPECT_EQ(message("I.5,comment,\"open\n"),
            "f.csv:1: error parsing data while strict checking enabled");
}

TEST(FiguresCsv, UnitElementValueReadsEveryKindOfValue) {
  auto units = ParseFiguresCsvUnits(
      "unit,element,value,column\r\n"
      "PLS,resolved,430\r\n"
      "PLS,resolved,425,appraised\r\n"
      "PLS,survey_result,87.35\r\n"
      "PLS,unit_plan_date,08/02/2023\r\n"
      "PHN,unit_plan_date,chưa ban hành\r\n"
      "PHN,report_q1_date,2023-03-13,self\r\n"
      "PHN,report_q3_date,Not issued\r\n"
      "PHN,one_stop_staffed,có\r\n"
      "PHN,budget_published,Không\r\n"
      "PHN,rules_issued,yes\r\n"
      "PHN,iso_applied,false\r\n"
      "PHN,received,,\r\n"
      "PLS,staff,20\r\n",
      "sheet.csv");
  ASSERT_TRUE(units.ok()) << units.status();
  ASSERT_EQ(units->size(), 2u);
  const v1::Assessment& pls = (*units)[0];
  EXPECT_EQ(pls.unit(), "PLS");
  ASSERT_EQ(pls.values_size(), 4);
  EXPECT_EQ(Text(pls.values(0)),
            "element: \"resolved\" self { count: 430 } appraised { count: 425 } ");
  EXPECT_EQ(Text(pls.values(1)), "element: \"survey_result\" self { milli: 87350 } ");
  EXPECT_EQ(Text(pls.values(2)),
            "element: \"unit_plan_date\" self { date { year: 2023 month: 2 day: 8 } } ");
  EXPECT_EQ(Text(pls.values(3)), "element: \"staff\" self { count: 20 } ");
  const v1::Assessment& phn = (*units)[1];
  EXPECT_EQ(phn.unit(), "PHN");
  ASSERT_EQ(phn.values_size(), 7);  // a blank value is not reported
  EXPECT_EQ(Text(phn.values(0)),
            "element: \"unit_plan_date\" self { not_issued: true } ");
  EXPECT_EQ(Text(phn.values(1)),
            "element: \"report_q1_date\" self { date { year: 2023 month: 3 day: 13 } } ");
  EXPECT_EQ(Text(phn.values(2)),
            "element: \"report_q3_date\" self { not_issued: true } ");
  EXPECT_EQ(Text(phn.values(3)), "element: \"one_stop_staffed\" self { yes: true } ");
  EXPECT_EQ(Text(phn.values(4)), "element: \"budget_published\" self { yes: false } ");
  EXPECT_EQ(Text(phn.values(5)), "element: \"rules_issued\" self { yes: true } ");
  EXPECT_EQ(Text(phn.values(6)), "element: \"iso_applied\" self { yes: false } ");

  // One unit of the sheet.
  auto one = ParseFiguresCsv("unit,element,value\nPLS,resolved,430\nPHN,resolved,12\n",
                             "sheet.csv", "PHN");
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(Text(*one),
            "unit: \"PHN\" values { element: \"resolved\" self { count: 12 } } ");
  auto absent =
      ParseFiguresCsv("unit,element,value\nPLS,resolved,430\n", "sheet.csv", "XX");
  EXPECT_EQ(absent.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(absent.status().message(), "sheet.csv: no row of unit 'XX'");
  auto unnamed = ParseFiguresCsv(
      "unit,element,value\nPLS,resolved,430\nPHN,resolved,12\n", "sheet.csv");
  EXPECT_EQ(unnamed.status().message(),
            "sheet.csv: holds 2 units; name the unit to read");
}

TEST(FiguresCsv, SheetRowsAreLocatedByLine) {
  SourceMap at;
  auto one = ParseFiguresCsv(
      "unit,element,value,column\nPLS,staff,20\nXTH,resolved,500\n"
      "XTH,resolved_on_time,510\nXTH,resolved,480,appraised\n",
      "bad1.csv", "XTH", &at);
  ASSERT_TRUE(one.ok()) << one.status();
  ASSERT_EQ(one->values_size(), 2);
  EXPECT_EQ(at.file(), "bad1.csv");
  EXPECT_EQ(at.Locate("values[0].self"), "bad1.csv:3");
  EXPECT_EQ(at.Locate("values[0].appraised"), "bad1.csv:5");
  EXPECT_EQ(at.Locate("values[1].self"), "bad1.csv:4");
  EXPECT_EQ(at.Locate("values[1].value"), "bad1.csv:4");  // the row of the value
  EXPECT_EQ(at.Locate("values[7].self"), "bad1.csv");

  // Every unit's own map, its paths those of its assessment.
  std::vector<SourceMap> sources;
  auto units = ParseFiguresCsvUnits("unit,element,value\nPLS,staff,20\nXTH,staff,3\n",
                                    "sheet.csv", &sources);
  ASSERT_TRUE(units.ok()) << units.status();
  ASSERT_EQ(sources.size(), 2u);
  EXPECT_EQ(sources[0].Locate("values[0].self"), "sheet.csv:2");
  EXPECT_EQ(sources[1].Locate("values[0].self"), "sheet.csv:3");
}

TEST(FiguresCsv, EntryRowsAreLocatedByLine) {
  SourceMap at;
  auto a = ParseFiguresCsv(
      "criterion,field,value\nIII.2.1,resolved,500\nIII.2.1,resolved_on_time,510\n"
      "I.5,comment,Đã ban hành\nI.5,score,99\nIII.6,done,có\nIII.2.2,resolved,500\n",
      "pls.csv", "", &at);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_EQ(a->values_size(), 2);  // resolved is typed once
  ASSERT_EQ(a->entries_size(), 2);
  EXPECT_EQ(at.Locate("values[0].self"), "pls.csv:2");
  EXPECT_EQ(at.Locate("values[1].value"), "pls.csv:3");
  EXPECT_EQ(at.Locate("entries[0]"), "pls.csv:4");  // I.5, from its first row
  EXPECT_EQ(at.Locate("entries[0].comment"), "pls.csv:4");
  EXPECT_EQ(at.Locate("entries[0].self.score"), "pls.csv:5");
  EXPECT_EQ(at.Locate("entries[0].self.done"), "pls.csv:4");
  EXPECT_EQ(at.Locate("entries[1].self.done"), "pls.csv:6");
}

struct BadSheet {
  std::string name;
  std::string text;
  std::string message;
};

void PrintTo(const BadSheet& c, std::ostream* os) { *os << c.name; }

class BadSheetTest : public ::testing::TestWithParam<BadSheet> {};

TEST_P(BadSheetTest, NamesTheLineAndTheElement) {
  auto units = ParseFiguresCsvUnits(GetParam().text, "sheet.csv");
  ASSERT_FALSE(units.ok());
  EXPECT_EQ(units.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(units.status().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Sheets, BadSheetTest,
    ::testing::Values(
        BadSheet{"NotAValue", "unit,element,value\nPLS,resolved,430\nPLS,staff,2O\n",
                 "sheet.csv:3: unit PLS: staff: '2O' is not a value: give a count (412), "
                 "a decimal (87.5), a date (08/02/2023), yes or no (có, không) or not "
                 "issued (chưa ban hành)"},
        BadSheet{
            "NotADate", "unit,element,value\nPLS,unit_plan_date,30/02/2023\n",
            "sheet.csv:2: unit PLS: unit_plan_date: '30/02/2023' is not a valid date "
            "(use 08/02/2023 or 2023-02-08)"},
        BadSheet{"TooManyDecimals", "unit,element,value\nPLS,survey_result,87.3456\n",
                 "sheet.csv:2: unit PLS: survey_result: '87.3456' has more than 3 "
                 "decimals"},
        BadSheet{"BadColumn", "unit,element,value,column\nPLS,resolved,430,thẩm định\n",
                 "sheet.csv:2: unit PLS: resolved: column 'thẩm định' is not self or "
                 "appraised"},
        BadSheet{
            "GivenTwice",
            "unit,element,value,column\nPLS,resolved,430\nPLS,resolved,425,appraised\n"
            "PLS,resolved,431,self\n",
            "sheet.csv:4: unit PLS: resolved: self value given twice (also on line "
            "2)"},
        BadSheet{"BadHeader", "unit,criterion,value\nPLS,resolved,430\n",
                 "sheet.csv:1: the header must be unit,element,value or "
                 "unit,element,value,column"},
        BadSheet{"TooFewCells", "unit,element,value\nPLS,resolved\n",
                 "sheet.csv:2: expected unit,element,value[,column]"},
        BadSheet{"NoUnit", "unit,element,value\n,resolved,430\n",
                 "sheet.csv:2: unit and element are required"},
        BadSheet{"BadQuoting", "unit,element,value\nPLS,\"resolved\"x,430\n",
                 "sheet.csv:2: error parsing data while strict checking enabled"}),
    [](const ::testing::TestParamInfo<BadSheet>& info) { return info.param.name; });

}  // namespace
}  // namespace parindex::criteria
