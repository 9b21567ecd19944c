// Report tables: what an export contains, independent of the file format, and the
// writers that turn them into XLSX (libxlsxwriter) or CSV.
#ifndef PARINDEX_SERVER_REPORT_H_
#define PARINDEX_SERVER_REPORT_H_

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace parindex::server {

// Exact fixed-point values, shown with two decimals.
struct Points {
  int64_t milli;
};
struct Index {
  int64_t hundredths;
};
// An exact value in thousandths as it was given (a data sheet's percent or score),
// shown with the decimals it has and no more: 96275 -> "96.275", 12000 -> "12"; a
// number in a workbook, with the decimal comma in a CSV that asks for it.
struct Decimal {
  int64_t milli;
};
// A moment, shown in Vietnam time (UTC+7): "20/11/2023 09:00:00"; an XLSX date-time.
struct When {
  absl::Time time;
};
// A cell: text, a whole number, points, an index, a decimal or a moment.
using Cell = std::variant<std::string, int64_t, Points, Index, Decimal, When>;

// `rfc3339` ("2023-11-20T02:00:00.000Z") as a When; the text itself when it is not a
// time (an empty field stays empty).
Cell WhenCell(const std::string& rfc3339);

// A native chart drawn under a table from two of its columns, one bar per row.
struct Chart {
  enum class Kind { kBar, kColumn };  // bars: horizontal, for many units
  Kind kind = Kind::kBar;
  std::string title;  // "Chỉ số CCHC – Khối phường"
  int category_column = 0;
  int value_column = 0;
  std::string value_axis;  // "Chỉ số"
};

struct Table {
  std::string name;  // sheet name, at most 31 characters ("Xếp hạng Khối phường")
  std::string key;   // for CSV: "ranking", "matrix", "areas", "criteria", "audit"
  std::string title;  // what the sheet shows, under the report's heading
  std::vector<std::string> header;
  std::vector<std::vector<Cell>> rows;
  // Rows made as they are written, after `rows`, instead of held (a national round's
  // criteria and data sheets are hundreds of thousands of rows, most of an export's
  // memory when held): calls its argument with each row in order; a row is valid during
  // that call only. It may be called more than once (WriteXlsx measures the columns,
  // then writes) and must give the same rows each time; what it reads must outlive the
  // table.
  using RowSink = std::function<void(const std::vector<Cell>&)>;
  std::function<void(const RowSink&)> make_rows;
  int frozen_columns = 0;  // kept in view when scrolling right (code and name)
  std::string legend;      // HTML: printed under the table (what short headers stand for)
  std::optional<Chart> chart;
};

// The most characters a workbook's cell holds (Excel's limit; libxlsxwriter leaves a
// longer text out).
inline constexpr size_t kMaxCellCharacters = 32767;

// `text` as a workbook must hold it to show it as it is: U+FFFE and U+FFFF, which XML
// does not allow (the workbook could not be opened), as U+FFFD; a literal "_x0041_",
// which a spreadsheet reads as the character U+0041, with its underscore written
// "_x005F_"; a text over kMaxCellCharacters cut to them, its last one "…". `text`
// itself when none applies (nearly always), else `*scratch`.
const std::string& XlsxText(const std::string& text, std::string* scratch);
std::string XlsxText(const std::string& text);

// Calls `sink` with each row of `table`: `rows`, then those of `make_rows`.
void ForEachRow(const Table& table, const Table::RowSink& sink);

// What heads every sheet: the issuing office, the heading, the round, the date.
struct Heading {
  std::string issuer;    // "SỞ NỘI VỤ TỈNH HƯNG YÊN"; empty: left out
  std::string heading;   // "Kết quả Chỉ số CCHC năm 2023"
  std::string subtitle;  // the round's title
  std::string note;      // "Số liệu: sau thẩm định"
  absl::Time made;       // the date written under the heading and above the signatures
  std::string place;     // where it is signed ("Hưng Yên"); empty: the date alone
};

// The name of a ranking block as the page and reports show it: "Khối phường" for
// "ward" or "wards", "Khối xã" for "commune" or "communes"; "Khối <block>" otherwise.
std::string BlockTitle(absl::string_view block);

// Upper case of Vietnamese text ("Hưng Yên" -> "HƯNG YÊN"): ASCII and the precomposed
// Vietnamese letters; other characters unchanged.
std::string VietnameseUpper(absl::string_view text);

// `name` as a sheet name Excel accepts: forbidden characters replaced, at most 31
// characters, unique among `used` (case-insensitively; " (2)" and so on appended).
std::string SheetName(absl::string_view name, std::set<std::string>* used);

// Where WriteXlsx puts a table on its sheet (0-based rows): the heading above, the
// header row, the data, then the signature rows.
inline constexpr int kHeaderRow = 6;

// An XLSX workbook with one sheet per table (named by SheetName), ready to print and
// sign: the heading on each sheet, the header row frozen and repeated on each printed
// page, an autofilter, column widths that fit, A4 landscape fitted to the page width,
// page numbers, the signature rows ("Người lập biểu", "Lãnh đạo") and the table's chart.
absl::StatusOr<std::string> WriteXlsx(const std::vector<Table>& tables,
                                      const Heading& heading);

// How the parts of every XLSX file written from now on are deflated: by ISA-L (igzip,
// level 1) unless SetXlsxDeflateLevel chose zlib at `level` (zlib's and libxlsxwriter's
// own default is 6). For the benchmark that compares them; the parts unzip to the same
// bytes either way.
void SetXlsxDeflateLevel(int level);
void SetXlsxIsalDeflate();

// Whether WriteXlsx writes a table's data rows straight into the sheet (the default)
// or cell by cell through libxlsxwriter's calls: the same bytes, the first several
// times faster. For the test and the benchmark that compare them.
void SetXlsxDirectRows(bool direct);

// Where, with ISA-L, each sheet's rows go as they are written: deflated on a thread of
// the workbook's own (the default), deflated by the thread that writes them, or kept as
// libxlsxwriter keeps them, in a temporary file that is copied into the sheet and
// deflated at the end. The same workbook each way; the first two do not copy the
// sheets' XML twice. For the test and the benchmark that compare them.
enum class XlsxRowFiles { kDeflatedAside, kDeflated, kLibrary };
void SetXlsxRowFiles(XlsxRowFiles mode);

struct HtmlOptions {
  // Decimals as Vietnamese write them (94,39); else with a point (94.39).
  bool decimal_comma = true;
  std::string language = "vi";  // the page's lang attribute
};

// The printable round report: one HTML page (no script, no outside resource) with the
// title block (the issuing office beside the national motto, the place and date, the
// heading), one section per table (each from a new printed page, its header row
// repeated on every page), then the signature rows ("Người lập biểu", "Lãnh đạo").
// Print CSS: A4 landscape. Cells are escaped; numbers right-aligned.
std::string WriteHtml(const std::vector<Table>& tables, const Heading& heading,
                      const HtmlOptions& options = {});

struct CsvOptions {
  // Decimals with a comma and fields separated by ';' (spreadsheets set to Vietnamese).
  bool decimal_comma = false;
};

// One table as CSV (RFC 4180, UTF-8 with a byte order mark so that spreadsheet programs
// read the Vietnamese text right). Moments in Vietnam time: "20/11/2023 09:00:00". A text
// that begins as a formula would (=, +, -, @, tab, carriage return) begins with an
// apostrophe, so that a spreadsheet shows it rather than runs it.
std::string WriteCsv(const Table& table, const CsvOptions& options = {});

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_REPORT_H_
