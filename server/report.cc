// XLSX and CSV writers for report tables.
#include "server/report.h"

#include <unistd.h>
#include <xlsxwriter.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "engine/fixed_point.h"

namespace parindex::server {

std::string SheetName(absl::string_view name, std::set<std::string>* used) {
  // Excel forbids []:*?/\ in sheet names, an apostrophe at either end, and more
  // than 31 characters (not bytes); names differing only in case collide.
  std::string clean;
  for (char ch : name)
    clean.push_back(
        absl::string_view("[]:*?/\\").find(ch) == absl::string_view::npos ? ch : '-');
  while (!clean.empty() && clean.front() == '\'') clean.erase(clean.begin());
  while (!clean.empty() && clean.back() == '\'') clean.pop_back();
  if (clean.empty()) clean = "Sheet";
  auto cut = [](const std::string& text, size_t characters) {
    size_t count = 0, i = 0;
    for (; i < text.size(); ++i) {
      if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && count++ == characters)
        break;
    }
    return std::string(absl::StripTrailingAsciiWhitespace(text.substr(0, i)));
  };
  std::string candidate = cut(clean, 31);
  for (int n = 2; !used->insert(absl::AsciiStrToLower(candidate)).second; ++n) {
    const std::string suffix = absl::StrCat(" (", n, ")");
    candidate = cut(clean, 31 - suffix.size()) + suffix;
  }
  return candidate;
}

absl::StatusOr<std::string> WriteXlsx(const std::vector<Table>& tables) {
  // libxlsxwriter 1.1.4 writes files only: a private temporary file, read back.
  char path[] = "/tmp/parindex-report-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return absl::InternalError("cannot create a temporary file for the report");
  close(fd);
  lxw_workbook_options options = {};
  options.constant_memory =
      LXW_TRUE;  // rows are written in order: large rounds stay small
  lxw_workbook* workbook = workbook_new_opt(path, &options);
  if (workbook == nullptr) return absl::InternalError("cannot start the workbook");
  lxw_format* bold = workbook_add_format(workbook);
  format_set_bold(bold);
  format_set_text_wrap(bold);
  lxw_format* decimals = workbook_add_format(workbook);
  format_set_num_format(decimals, "0.00");
  std::set<std::string> used;
  for (const Table& table : tables) {
    const std::string name = SheetName(table.name, &used);
    lxw_worksheet* sheet = workbook_add_worksheet(workbook, name.c_str());
    if (sheet == nullptr) {
      workbook_close(workbook);
      std::filesystem::remove(path);
      return absl::InternalError(absl::StrCat("cannot add the sheet '", name, "'"));
    }
    for (size_t c = 0; c < table.header.size(); ++c) {
      worksheet_write_string(sheet, 0, static_cast<lxw_col_t>(c), table.header[c].c_str(),
                             bold);
    }
    for (size_t r = 0; r < table.rows.size(); ++r) {
      const auto row = static_cast<lxw_row_t>(r + 1);
      for (size_t c = 0; c < table.rows[r].size(); ++c) {
        const auto col = static_cast<lxw_col_t>(c);
        const Cell& cell = table.rows[r][c];
        if (const auto* text = std::get_if<std::string>(&cell)) {
          worksheet_write_string(sheet, row, col, text->c_str(), nullptr);
        } else if (const auto* points = std::get_if<Points>(&cell)) {
          // The spreadsheet holds the exact thousandths; it shows two decimals.
          worksheet_write_number(sheet, row, col,
                                 static_cast<double>(points->milli) / 1000, decimals);
        } else if (const auto* index = std::get_if<Index>(&cell)) {
          worksheet_write_number(sheet, row, col,
                                 static_cast<double>(index->hundredths) / 100, decimals);
        } else {
          worksheet_write_number(sheet, row, col,
                                 static_cast<double>(std::get<int64_t>(cell)), nullptr);
        }
      }
    }
    worksheet_freeze_panes(sheet, 1, 0);
  }
  const lxw_error error = workbook_close(workbook);
  if (error != LXW_NO_ERROR) {
    std::filesystem::remove(path);
    return absl::InternalError(
        absl::StrCat("writing the workbook: ", lxw_strerror(error)));
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  std::filesystem::remove(path);
  return bytes.str();
}

namespace {

std::string CsvField(const Cell& cell) {
  std::string text;
  if (const auto* s = std::get_if<std::string>(&cell)) {
    text = *s;
  } else if (const auto* points = std::get_if<Points>(&cell)) {
    text = engine::FormatMilli(points->milli);  // half up, as everywhere else
  } else if (const auto* index = std::get_if<Index>(&cell)) {
    text = engine::FormatHundredths(index->hundredths);
  } else {
    text = absl::StrCat(std::get<int64_t>(cell));
  }
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  return absl::StrCat("\"", absl::StrReplaceAll(text, {{"\"", "\"\""}}), "\"");
}

}  // namespace

std::string WriteCsv(const Table& table) {
  std::string out = "\xEF\xBB\xBF";
  for (size_t c = 0; c < table.header.size(); ++c) {
    absl::StrAppend(&out, c ? "," : "", CsvField(table.header[c]));
  }
  absl::StrAppend(&out, "\r\n");
  for (const auto& row : table.rows) {
    for (size_t c = 0; c < row.size(); ++c)
      absl::StrAppend(&out, c ? "," : "", CsvField(row[c]));
    absl::StrAppend(&out, "\r\n");
  }
  return out;
}

}  // namespace parindex::server
