// CSV as spreadsheets write it.
#include "criteria/csv.h"

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
  EXPECT_EQ(rows.status().message(), "line 2: error parsing data while strict checking enabled");
  auto open = ReadCsv("unit,criterion\nHN,\"VIII.1\n");
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.status().message(), "line 2: error parsing data while strict checking enabled");
}

}  // namespace
}  // namespace parindex::criteria
