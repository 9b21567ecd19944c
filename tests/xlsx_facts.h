// What a person sees of an XLSX report, read back by openpyxl (tests/xlsx_facts.py).
#ifndef PARINDEX_TESTS_XLSX_FACTS_H_
#define PARINDEX_TESTS_XLSX_FACTS_H_

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/store_test_util.h"

namespace parindex::testing {

// The lines tests/xlsx_facts.py prints for the workbook `xlsx`; empty when it failed.
inline std::vector<std::string> XlsxFacts(const std::string& xlsx) {
  TempDir dir;
  const std::string path = dir.File("report.xlsx"), out = dir.File("facts.txt");
  std::ofstream(path, std::ios::binary) << xlsx;
  // Debian's python3 with python3-openpyxl, whatever python3 comes first in PATH.
  const std::string command =
      absl::StrCat("/usr/bin/python3 '", PARINDEX_SOURCE_DIR, "/tests/xlsx_facts.py' '",
                   path, "' >'", out, "'");
  if (std::system(command.c_str()) != 0) return {};
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  return absl::StrSplit(text.str(), '\n');
}

// The facts of one sheet: from its "== name" line to the next sheet's.
inline std::vector<std::string> SheetFacts(const std::vector<std::string>& facts,
                                           const std::string& sheet) {
  std::vector<std::string> lines;
  bool in = false;
  for (const std::string& line : facts) {
    if (line.rfind("== ", 0) == 0)
      in = line == "== " + sheet;
    else if (in)
      lines.push_back(line);
  }
  return lines;
}

}  // namespace parindex::testing

#endif  // PARINDEX_TESTS_XLSX_FACTS_H_
