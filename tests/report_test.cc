// Report writers: sheet names Excel accepts, whatever a unit's block is called.
#include "server/report.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

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
  auto xlsx = WriteXlsx(tables);
  ASSERT_TRUE(xlsx.ok()) << xlsx.status();
  EXPECT_EQ(xlsx->substr(0, 2), "PK");
}

}  // namespace
}  // namespace parindex::server
