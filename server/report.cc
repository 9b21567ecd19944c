// XLSX and CSV writers for report tables.
#include "server/report.h"

#include <dlfcn.h>
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "engine/fixed_point.h"

namespace parindex::server {
namespace {

const absl::TimeZone& Vietnam() {
  static const absl::TimeZone zone = absl::FixedTimeZone(7 * 60 * 60);
  return zone;
}

// Characters, not bytes, of UTF-8 text.
size_t Characters(absl::string_view text) {
  size_t count = 0;
  for (char ch : text) count += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  return count;
}

// A cell as text: decimals with two places (a comma for `decimal_comma`), moments in
// Vietnam time.
std::string CellText(const Cell& cell, bool decimal_comma) {
  auto decimal = [decimal_comma](std::string text) {
    if (decimal_comma) absl::StrReplaceAll({{".", ","}}, &text);
    return text;
  };
  if (const auto* s = std::get_if<std::string>(&cell)) return *s;
  if (const auto* points = std::get_if<Points>(&cell)) {
    return decimal(engine::FormatMilli(points->milli));  // half up, as everywhere else
  }
  if (const auto* index = std::get_if<Index>(&cell)) {
    return decimal(engine::FormatHundredths(index->hundredths));
  }
  if (const auto* exact = std::get_if<Decimal>(&cell)) {
    return decimal(engine::FormatMilliShort(exact->milli));
  }
  if (const auto* when = std::get_if<When>(&cell)) {
    return absl::FormatTime("%d/%m/%Y %H:%M:%S", when->time, Vietnam());
  }
  return absl::StrCat(std::get<int64_t>(cell));
}

}  // namespace

Cell WhenCell(const std::string& rfc3339) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, rfc3339, &time, &error)) return rfc3339;
  return When{time};
}

void ForEachRow(const Table& table, const Table::RowSink& sink) {
  for (const std::vector<Cell>& row : table.rows) sink(row);
  if (table.make_rows) table.make_rows(sink);
}

std::string BlockTitle(absl::string_view block) {
  static const auto* const kTitles = new std::map<std::string, std::string, std::less<>>{
      {"ward", "Khối phường"},
      {"wards", "Khối phường"},
      {"commune", "Khối xã"},
      {"communes", "Khối xã"},
      {"township", "Khối thị trấn"},
      {"townships", "Khối thị trấn"},
      {"special_zone", "Khối đặc khu"},
      {"special_zones", "Khối đặc khu"},
      {"department", "Khối cơ quan chuyên môn"},
      {"departments", "Khối cơ quan chuyên môn"},
      {"city", "Khối thành phố"},
      {"town", "Khối thị xã"},
      {"district", "Khối quận, huyện"},
      {"province", "Khối tỉnh, thành phố"},
  };
  auto it = kTitles->find(block);
  return it != kTitles->end() ? it->second : absl::StrCat("Khối ", block);
}

std::string VietnameseUpper(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    uint32_t cp = b0;
    size_t len = 1;
    if (b0 >= 0xE0 && b0 < 0xF0 && i + 2 < text.size()) {
      cp = ((b0 & 0x0F) << 12) | ((static_cast<unsigned char>(text[i + 1]) & 0x3F) << 6) |
           (static_cast<unsigned char>(text[i + 2]) & 0x3F);
      len = 3;
    } else if (b0 >= 0xC0 && b0 < 0xE0 && i + 1 < text.size()) {
      cp = ((b0 & 0x1F) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3F);
      len = 2;
    } else if (b0 >= 0x80) {  // another length or a stray byte: copied as it is
      out.push_back(text[i++]);
      continue;
    }
    uint32_t upper = cp;
    if (cp >= 'a' && cp <= 'z') {
      upper = cp - 0x20;
    } else if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) {  // à..þ
      upper = cp - 0x20;
    } else if (cp == 0x103 || cp == 0x111 || cp == 0x129 || cp == 0x169 ||
               cp == 0x1A1) {  // ă đ ĩ ũ ơ
      upper = cp - 1;
    } else if (cp == 0x1B0) {  // ư
      upper = 0x1AF;
    } else if (cp >= 0x1EA0 && cp <= 0x1EF9 && cp % 2 == 1) {  // ạ..ỹ
      upper = cp - 1;
    }
    if (upper == cp) {
      out.append(text.data() + i, len);
    } else if (upper < 0x80) {
      out.push_back(static_cast<char>(upper));
    } else if (upper < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (upper >> 6)));
      out.push_back(static_cast<char>(0x80 | (upper & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xE0 | (upper >> 12)));
      out.push_back(static_cast<char>(0x80 | ((upper >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (upper & 0x3F)));
    }
    i += len;
  }
  return out;
}

const std::string& XlsxText(const std::string& text, std::string* scratch) {
  // Nearly every text has neither an underscore nor the lead byte of U+FFFE/U+FFFF, and
  // fits: it is used as it is.
  const bool fits =
      text.size() <= kMaxCellCharacters || Characters(text) <= kMaxCellCharacters;
  auto may_change = [&text] {
    for (size_t i = text.find('_'); i != std::string::npos; i = text.find('_', i + 1)) {
      if (i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X')) return true;
    }
    return text.find('\xEF') != std::string::npos;
  };
  if (fits && !may_change()) return text;
  scratch->clear();
  bool changed = !fits;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    // U+FFFE, U+FFFF (EF BF BE, EF BF BF): not characters XML 1.0 allows.
    if (ch == '\xEF' && i + 2 < text.size() && text[i + 1] == '\xBF' &&
        (text[i + 2] == '\xBE' || text[i + 2] == '\xBF')) {
      scratch->append("\xEF\xBF\xBD");  // U+FFFD
      i += 2;
      changed = true;
      continue;
    }
    // "_x0041_" is how a workbook writes a character: its own underscore as _x005F_.
    if (ch == '_' && i + 6 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X') &&
        absl::ascii_isxdigit(text[i + 2]) && absl::ascii_isxdigit(text[i + 3]) &&
        absl::ascii_isxdigit(text[i + 4]) && absl::ascii_isxdigit(text[i + 5]) &&
        text[i + 6] == '_') {
      scratch->append("_x005F_");
      changed = true;
      continue;
    }
    scratch->push_back(ch);
  }
  if (!changed) return text;
  if (Characters(*scratch) > kMaxCellCharacters) {
    // Cut at a character, with the mark that says so.
    size_t count = 0, at = 0;
    for (; at < scratch->size(); ++at) {
      if ((static_cast<unsigned char>((*scratch)[at]) & 0xC0) != 0x80 &&
          count++ == kMaxCellCharacters - 1)
        break;
    }
    scratch->resize(at);
    scratch->append("\xE2\x80\xA6");  // …
  }
  return *scratch;
}

namespace {

// A text the workbook holds outside its cells (its properties, a chart's words), where
// "_x0041_" is no escape: only the characters XML does not allow are replaced.
std::string PlainText(const std::string& text) {
  return absl::StrReplaceAll(
      text, {{"\xEF\xBF\xBE", "\xEF\xBF\xBD"}, {"\xEF\xBF\xBF", "\xEF\xBF\xBD"}});
}

}  // namespace

std::string XlsxText(const std::string& text) {
  std::string scratch;
  return XlsxText(text, &scratch);
}

std::string SheetName(absl::string_view name, std::set<std::string>* used) {
  // Excel forbids []:*?/\ in sheet names, an apostrophe at either end, and more
  // than 31 characters (not bytes); names differing only in case collide.
  std::string clean;
  for (char ch : PlainText(std::string(name)))
    clean.push_back(
        absl::string_view("[]:*?/\\").find(ch) == absl::string_view::npos ? ch : '-');
  while (!clean.empty() && clean.front() == '\'') clean.erase(clean.begin());
  while (!clean.empty() && clean.back() == '\'') clean.pop_back();
  if (clean.empty()) clean = "Sheet";
  // Excel counts UTF-16 units: a character past U+FFFF (four bytes in UTF-8) is two.
  auto cut = [](const std::string& text, size_t units) {
    size_t count = 0, i = 0;
    for (; i < text.size(); ++i) {
      const auto byte = static_cast<unsigned char>(text[i]);
      if ((byte & 0xC0) == 0x80) continue;
      count += byte >= 0xF0 ? 2 : 1;
      if (count > units) break;
    }
    return std::string(absl::StripTrailingAsciiWhitespace(text.substr(0, i)));
  };
  std::string candidate = cut(clean, 31);
  // Excel compares names in any case, Vietnamese letters too ("Khối XÃ", "Khối Xã").
  for (int n = 2; !used->insert(VietnameseUpper(candidate)).second; ++n) {
    const std::string suffix = absl::StrCat(" (", n, ")");
    candidate = cut(clean, 31 - suffix.size()) + suffix;
  }
  return candidate;
}

namespace {

constexpr int kMaxWidth = 50;       // characters; longer text wraps
constexpr int kOneLineHeader = 24;  // a header up to this long stays on one line

// How many characters a cell shows, without formatting it (this runs on every cell).
size_t CellWidth(const Cell& cell) {
  // Digits of `n` / `unit` and its sign ("-0.25" has a sign and one digit).
  auto digits = [](int64_t n, int64_t unit) {
    size_t count = n < 0 ? 2 : 1;
    for (int64_t rest = (n < 0 ? -(n / unit) : n / unit) / 10; rest > 0; rest /= 10)
      ++count;
    return count;
  };
  if (const auto* s = std::get_if<std::string>(&cell)) return Characters(*s);
  if (const auto* points = std::get_if<Points>(&cell))
    return digits(points->milli, 1000) + 3;
  if (const auto* index = std::get_if<Index>(&cell))
    return digits(index->hundredths, 100) + 3;
  if (const auto* exact = std::get_if<Decimal>(&cell))  // rare: a data sheet's percent
    return engine::FormatMilliShort(exact->milli).size();
  if (std::holds_alternative<When>(cell)) return 19;  // "20/11/2023 09:00:00"
  return digits(std::get<int64_t>(cell), 1);
}

// The width of each column in characters: its longest cell (up to kMaxWidth), and its
// header on one line when short, else on two. `*rows` gets the number of rows.
std::vector<int> ColumnWidths(const Table& table, size_t* rows) {
  // One pass over the rows, each row's cells in order: a national round's criteria
  // table has 225k rows, and walking them once per column cost 5 % of the export in
  // cache misses (perf, 3,300 units).
  std::vector<int> contents(table.header.size(), 0);
  *rows = 0;
  ForEachRow(table, [&](const std::vector<Cell>& row) {
    ++*rows;
    const size_t n = std::min(row.size(), contents.size());
    for (size_t c = 0; c < n; ++c) {
      // A column already as wide as allowed needs no more measuring.
      if (contents[c] >= kMaxWidth) continue;
      contents[c] = std::max(contents[c], static_cast<int>(CellWidth(row[c])));
    }
  });
  std::vector<int> widths;
  for (size_t c = 0; c < table.header.size(); ++c) {
    const int content = contents[c];
    int width = std::max(std::min(content, kMaxWidth) + 2, 8);
    const int header = static_cast<int>(Characters(table.header[c]));
    if (header + 2 <= std::max(width, kOneLineHeader)) {
      width = std::max(width, header + 2);
    } else {
      int word = 0;
      for (absl::string_view w : absl::StrSplit(table.header[c], ' '))
        word = std::max(word, static_cast<int>(Characters(w)));
      width = std::max({width, word + 2, (header + 1) / 2 + 3});
    }
    widths.push_back(width);
  }
  return widths;
}

struct Formats {
  lxw_format* issuer;    // bold, centred across its half
  lxw_format* motto;     // the national motto: bold, centred across
  lxw_format* heading;   // bold, larger, centred across the table
  lxw_format* subtitle;  // centred across, italic
  lxw_format* line;      // centred across
  lxw_format* header;    // bold, wrapped, bordered, shaded
  lxw_format* text;
  lxw_format* wrapped;
  lxw_format* number;
  lxw_format* decimals;
  lxw_format* moment;
  lxw_format* sign;       // "Người lập biểu": bold, centred across
  lxw_format* sign_note;  // "(Ký, ghi rõ họ tên)": italic, centred across
  lxw_format* blank;      // the border of an empty cell, drawn by a conditional format

  explicit Formats(lxw_workbook* workbook) {
    auto make = [workbook](bool bold, bool italic, bool across) {
      lxw_format* f = workbook_add_format(workbook);
      if (bold) format_set_bold(f);
      if (italic) format_set_italic(f);
      if (across) format_set_align(f, LXW_ALIGN_CENTER_ACROSS);
      return f;
    };
    issuer = make(true, false, true);
    motto = make(true, false, true);
    heading = make(true, false, true);
    format_set_font_size(heading, 14);
    subtitle = make(false, true, true);
    line = make(false, false, true);
    sign = make(true, false, true);
    sign_note = make(false, true, true);
    header = make(true, false, false);
    format_set_text_wrap(header);
    format_set_align(header, LXW_ALIGN_CENTER);
    format_set_align(header, LXW_ALIGN_VERTICAL_CENTER);
    format_set_bg_color(header, 0xD9E1F2);
    auto cell = [workbook]() {
      lxw_format* f = workbook_add_format(workbook);
      format_set_border(f, LXW_BORDER_THIN);
      format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
      return f;
    };
    format_set_border(header, LXW_BORDER_THIN);
    text = cell();
    wrapped = cell();
    format_set_text_wrap(wrapped);
    number = cell();
    decimals = cell();
    format_set_num_format(decimals, "0.00");
    moment = cell();
    format_set_num_format(moment, "dd/mm/yyyy hh:mm:ss");
    blank = workbook_add_format(workbook);
    format_set_border(blank, LXW_BORDER_THIN);
  }
};

// `text` centred across columns [first, last] of `row`: the text in the first cell,
// the others blank with the same format (works row by row, as constant memory needs).
void Across(lxw_worksheet* sheet, lxw_row_t row, lxw_col_t first, lxw_col_t last,
            const std::string& text, lxw_format* format) {
  worksheet_write_string(sheet, row, first, XlsxText(text).c_str(), format);
  for (lxw_col_t c = first + 1; c <= last; ++c)
    worksheet_write_blank(sheet, row, c, format);
}

// "ngày 26 tháng 11 năm 2026" in Vietnam time.
std::string DateWords(absl::Time time) {
  const absl::CivilDay day = absl::ToCivilDay(time, Vietnam());
  return absl::StrFormat("ngày %02d tháng %02d năm %04d", day.day(), day.month(),
                         day.year());
}

std::atomic<bool> direct_rows{true};
std::atomic<bool> xlsx_isal{true};  // parts deflated by ISA-L (below), not zlib
std::atomic<XlsxRowFiles> row_files_mode{XlsxRowFiles::kDeflatedAside};

// Raw deflate by ISA-L (igzip) at level 1, streamed, with the CRC-32 and size of what it
// was given. What comes out goes to `sink(const uint8_t*, size_t)`, which returns false
// on failure.
class IsalDeflater {
 public:
  enum class Flush {
    kNone,  // as much as fits: blocks go on with the next bytes
    kFull,  // every byte given so far out, byte-aligned and without history: blocks
            // deflated elsewhere may follow
    kEnd,   // the final block
  };

  IsalDeflater() {
    isal_deflate_init(&stream_);
    stream_.level = 1;
    stream_.level_buf = level_buf_.data();
    stream_.level_buf_size = static_cast<uint32_t>(level_buf_.size());
    stream_.gzip_flag = IGZIP_DEFLATE;  // raw deflate, as a zip part holds it
  }
  IsalDeflater(const IsalDeflater&) = delete;
  IsalDeflater& operator=(const IsalDeflater&) = delete;

  template <typename Sink>
  bool Deflate(const void* buf, size_t len, Flush flush, Sink&& sink) {
    const auto* bytes = static_cast<const uint8_t*>(buf);
    crc_ = crc32_gzip_refl(crc_, bytes, len);
    size_ += len;
    stream_.next_in = const_cast<uint8_t*>(bytes);
    stream_.avail_in = static_cast<uint32_t>(len);
    stream_.flush = flush == Flush::kFull ? FULL_FLUSH : NO_FLUSH;
    stream_.end_of_stream = flush == Flush::kEnd ? 1 : 0;
    auto done = [&] {
      const auto state = stream_.internal_state.state;
      return flush == Flush::kEnd    ? state == ZSTATE_END
             : flush == Flush::kFull ? state == ZSTATE_NEW_HDR
                                     : true;
    };
    do {
      stream_.next_out = out_.data();
      stream_.avail_out = static_cast<uint32_t>(out_.size());
      if (isal_deflate(&stream_) != COMP_OK) return false;
      const size_t produced = out_.size() - stream_.avail_out;
      if (produced > 0 && !sink(out_.data(), produced)) return false;
    } while (stream_.avail_in > 0 || stream_.avail_out == 0 || !done());
    return true;
  }

  // Counts `len` bytes deflated elsewhere (CRC-32 `crc`) as given after those so far.
  void Append(uint32_t crc, uint64_t len) {
    crc_ = static_cast<uint32_t>(crc32_combine64(crc_, crc, static_cast<z_off64_t>(len)));
    size_ += len;
  }

  uint32_t crc() const { return crc_; }
  uint64_t size() const { return size_; }

 private:
  isal_zstream stream_;
  std::vector<uint8_t> level_buf_ = std::vector<uint8_t>(ISAL_DEF_LVL1_DEFAULT);
  std::vector<uint8_t> out_ = std::vector<uint8_t>(1 << 16);
  uint32_t crc_ = 0;
  uint64_t size_ = 0;
};

// Deflates the workbook's row files on a thread of its own while the rows are made: a
// national round's 305 MB of XML take ISA-L about 0.4 s, which the second core does
// while the first makes the next rows. Pieces are deflated in the order given; at most
// kPieces wait (memory stays flat).
class DeflateThread {
 public:
  DeflateThread() : thread_([this] { Run(); }) {}
  DeflateThread(const DeflateThread&) = delete;
  DeflateThread& operator=(const DeflateThread&) = delete;
  ~DeflateThread() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    thread_.join();
  }

  // Hands `data` to `deflate` on the thread, after every piece given before.
  void Add(std::function<void(const std::string&)> deflate, const char* data,
           size_t size) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &DeflateThread::HasRoom));
    Piece& piece = pieces_.emplace_back();
    piece.deflate = std::move(deflate);
    piece.data.assign(data, size);
  }

  // Returns once every piece given is deflated.
  void Wait() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &DeflateThread::Idle));
  }

 private:
  static constexpr size_t kPieces = 8;
  struct Piece {
    std::function<void(const std::string&)> deflate;
    std::string data;
  };

  bool HasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return pieces_.size() < kPieces;
  }
  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return pieces_.empty() && !busy_;
  }
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !pieces_.empty() || stop_;
  }

  void Run() {
    for (;;) {
      Piece piece;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &DeflateThread::HasWork));
        if (pieces_.empty()) return;
        piece = std::move(pieces_.front());
        pieces_.pop_front();
        busy_ = true;
      }
      piece.deflate(piece.data);
      absl::MutexLock lock(&mu_);
      busy_ = false;
    }
  }

  absl::Mutex mu_;
  std::deque<Piece> pieces_ ABSL_GUARDED_BY(mu_);
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts once the rest is ready
};

// A worksheet's row file, deflated as it is written. In constant-memory mode
// libxlsxwriter writes a sheet's rows to a temporary file (`optimize_tmpfile`); at
// workbook_close it copies that file into the sheet's XML, another temporary file, and
// reads that back to deflate it into the zip: a national round's 305 MB of rows
// written, read, written and read again, most of workbook_close's second. Here the row
// file is a stream (glibc's fopencookie) that deflates what it is given at once, ISA-L
// as every part, into a temporary file of a tenth the size. When the library copies the
// row file into the sheet it reads nothing, so the sheet's XML holds
// `<sheetData></sheetData>`, and the part's deflate (zipWriteInFileInZip, below) puts
// the deflated rows in between: deflate is a sequence of blocks, and blocks ended by a
// full flush (byte-aligned, no history) may be followed by any others. The part's
// CRC-32 and size take the rows' in (crc32_combine). The workbook unzips to the same
// bytes (tests/report_test.cc compares them with the library's own).
class DeflatedRows {
 public:
  // Puts a row file in place of `sheet`'s (still empty); nullptr, and the sheet left as
  // it was, when it cannot.
  // `aside`: deflated there rather than by the thread that writes them.
  static std::unique_ptr<DeflatedRows> Install(lxw_worksheet* sheet,
                                               DeflateThread* aside) {
    if (!sheet->optimize || sheet->optimize_tmpfile == nullptr ||
        sheet->file != sheet->optimize_tmpfile ||
        std::ftell(sheet->optimize_tmpfile) != 0)
      return nullptr;
    std::unique_ptr<DeflatedRows> rows(new DeflatedRows(sheet, aside));
    rows->deflated_ = std::tmpfile();
    if (rows->deflated_ == nullptr) return nullptr;
    static const cookie_io_functions_t kFunctions = {
        &DeflatedRows::Read, &DeflatedRows::Write, &DeflatedRows::Seek,
        &DeflatedRows::Close};
    FILE* file = fopencookie(rows.get(), "w+", kFunctions);
    if (file == nullptr) return nullptr;
    std::fclose(sheet->optimize_tmpfile);
    sheet->optimize_tmpfile = sheet->file = file;
    rows->file_ = file;
    return rows;
  }

  DeflatedRows(const DeflatedRows&) = delete;
  DeflatedRows& operator=(const DeflatedRows&) = delete;
  ~DeflatedRows() {
    if (file_ != nullptr && !closed_) {  // the workbook stopped before its sheets
      abandoned_ = true;
      std::fclose(file_);
    }
    if (deflated_ != nullptr) std::fclose(deflated_);
  }

  // The row file closed last on this thread (the library closes it while it writes the
  // sheet's XML, just before that XML goes into the zip), taken by the part it is for.
  static DeflatedRows* TakeClosed() { return std::exchange(closed_last_, nullptr); }
  static void ForgetClosed() { closed_last_ = nullptr; }

  // Where in the sheet's XML the rows go: after `<sheetData>`.
  uint64_t offset() const { return offset_; }
  uint32_t crc() const { return deflater_.crc(); }
  uint64_t size() const { return deflater_.size(); }

  // Hands the deflated rows to `sink`, in pieces; false when they cannot be read or
  // were not all written.
  template <typename Sink>
  bool CopyTo(Sink&& sink) {
    if (failed_ || !closed_ || std::fflush(deflated_) != 0) return false;
    std::rewind(deflated_);
    std::vector<uint8_t> buffer(1 << 16);
    size_t read = 0;
    while ((read = std::fread(buffer.data(), 1, buffer.size(), deflated_)) > 0)
      if (!sink(buffer.data(), read)) return false;
    return std::ferror(deflated_) == 0;
  }

 private:
  DeflatedRows(lxw_worksheet* sheet, DeflateThread* aside)
      : sheet_(sheet), aside_(aside) {}

  // Deflates `size` bytes into the temporary file; false (and failed_) when it fails.
  bool Deflate(const char* data, size_t size, IsalDeflater::Flush flush) {
    if (failed_) return false;
    auto sink = [this](const uint8_t* out, size_t n) {
      return std::fwrite(out, 1, n, deflated_) == n;
    };
    if (!deflater_.Deflate(data, size, flush, sink)) failed_ = true;
    return !failed_;
  }

  static ssize_t Write(void* cookie, const char* buf, size_t size) {
    auto* self = static_cast<DeflatedRows*>(cookie);
    if (self->aside_ != nullptr) {
      self->aside_->Add(
          [self](const std::string& data) {
            self->Deflate(data.data(), data.size(), IsalDeflater::Flush::kNone);
          },
          buf, size);
      return static_cast<ssize_t>(size);  // a failure shows when the rows are taken
    }
    return self->Deflate(buf, size, IsalDeflater::Flush::kNone)
               ? static_cast<ssize_t>(size)
               : -1;
  }
  // The library reads the row file back to copy it into the sheet: it finds it empty.
  static ssize_t Read(void*, char*, size_t) { return 0; }
  static int Seek(void*, off64_t* position, int whence) {
    if (whence != SEEK_SET || *position != 0) return -1;  // only rewind
    return 0;
  }
  static int Close(void* cookie) {
    auto* self = static_cast<DeflatedRows*>(cookie);
    self->closed_ = true;
    if (self->aside_ != nullptr) self->aside_->Wait();  // every piece given deflated
    if (self->abandoned_) return 0;
    self->Deflate("", 0, IsalDeflater::Flush::kFull);
    const long offset = std::ftell(self->sheet_->file);  // just after <sheetData>
    if (offset < 0) self->failed_ = true;
    self->offset_ = offset < 0 ? 0 : static_cast<uint64_t>(offset);
    closed_last_ = self;
    return 0;
  }

  static thread_local DeflatedRows* closed_last_;

  lxw_worksheet* sheet_;
  DeflateThread* aside_;      // or nullptr: deflated by the writer
  FILE* file_ = nullptr;      // the row file, as the library holds it
  FILE* deflated_ = nullptr;  // what it deflated to
  IsalDeflater deflater_;
  uint64_t offset_ = 0;
  bool failed_ = false, closed_ = false, abandoned_ = false;
};

thread_local DeflatedRows* DeflatedRows::closed_last_ = nullptr;

// The workbook's shared strings (sharedStrings.xml), in front of libxlsxwriter's own
// table: a text written many times (a unit's name on each of its 68 rows, a criterion's
// name on 3,321) is written once there and as its number in each cell, as Excel writes
// it. A national round's sheets hold 441 MB of XML with every text inline, 305 MB with
// the texts that repeat shared. The library's table (`workbook->sst`, which writes the
// part at workbook_close) numbers each new text; the index here finds a text again by
// hashing, not by the library's tree of string comparisons. Its keys are the library's
// own copies, which live until the workbook is freed.
class SharedStrings {
 public:
  explicit SharedStrings(lxw_sst* sst) : sst_(sst) {}
  SharedStrings(const SharedStrings&) = delete;
  SharedStrings& operator=(const SharedStrings&) = delete;

  // The number of `text` (a C string, its bytes `size`), added when new; nullopt when
  // the library cannot add it.
  std::optional<uint32_t> Index(const char* text, size_t size) {
    const auto it = index_.find(absl::string_view(text, size));
    if (it != index_.end()) {
      ++sst_->string_count;  // the part counts every use, as the library's call does
      return it->second;
    }
    const sst_element* added = lxw_get_sst_index(sst_, text, LXW_FALSE);
    if (added == nullptr) return std::nullopt;
    index_.emplace(absl::string_view(added->string, size), added->index);
    return added->index;
  }

 private:
  lxw_sst* sst_;
  absl::flat_hash_map<absl::string_view, uint32_t> index_;
};

// A table's data rows as libxlsxwriter 1.1.4 writes them in constant-memory mode, made
// faster. The library takes each cell through a calloc'ed struct, a strdup'ed and
// twice-escaped copy of its text and an fprintf of its XML with its name made by
// snprintf: about a microsecond a cell, 7 s of a national round's 6.2 million cells.
// Direct (`direct`), the same XML is appended to one buffer and handed to the sheet's
// row file (`optimize_tmpfile`, which workbook_close copies into the sheet) in large
// pieces, and the sheet's dimensions are kept as the library keeps them; otherwise (or
// when the sheet is not in the state this relies on) each cell goes through
// worksheet_write_string, _number and _datetime. Both give the same bytes once each
// text the direct way shared (SharedStrings) is put back inline and each number is
// read as the double it stands for (compared in tests/report_test.cc), the library's
// own rules included: the text up to a NUL, a text over 32,767 characters left out,
// control characters written as _xHHHH_ (the library's check for them finds one in
// every text, its terminating NUL, so every text goes through the escape), &, < and >
// escaped, xml:space="preserve" on a text that starts or ends with white space,
// moments as Excel's serial days (printf's %.16G). Numbers differ in their text only:
// the library writes the double by %.16G ("87.95999999999999"), the direct way the
// exact decimal the value is ("87.96"), as Excel writes it.
class SheetRows {
 public:
  SheetRows(lxw_worksheet* sheet, size_t columns, bool direct, SharedStrings* shared)
      : sheet_(sheet), shared_(shared) {
    direct_ = direct && sheet->optimize && sheet->optimize_tmpfile != nullptr &&
              sheet->file == sheet->optimize_tmpfile && sheet->optimize_row != nullptr &&
              sheet->excel_version != 2010 && columns <= LXW_COL_MAX;
    if (!direct_) return;
    // The row before the data (the header) is still the library's: written now, as the
    // library would when the first data row starts.
    lxw_worksheet_write_single_row(sheet_);
    for (size_t c = 0; c < columns; ++c) {
      char name[LXW_MAX_COL_NAME_LENGTH] = {};
      lxw_col_to_name(name, static_cast<lxw_col_t>(c), 0);
      names_.emplace_back(name);
    }
    buffer_.reserve(kFlushAt + 4096);
    tallies_.resize(columns);
  }
  SheetRows(const SheetRows&) = delete;
  SheetRows& operator=(const SheetRows&) = delete;

  void StartRow(lxw_row_t row) {
    row_ = row;
    if (!direct_) return;
    row_start_ = buffer_.size();
    cells_ = 0;
    number_.clear();
    absl::StrAppend(&number_, row + 1);  // the row's number, in every cell's name
    buffer_.append("<row r=\"").append(number_).append("\">");
  }

  void Text(lxw_col_t col, const std::string& text, lxw_format* format) {
    if (!direct_) {
      worksheet_write_string(sheet_, row_, col, text.c_str(), format);
      return;
    }
    const absl::string_view value(text.c_str());  // up to a NUL, as a C string
    if (value.empty()) {  // the library writes a blank cell with the format
      if (!Counted(col)) return;
      OpenCell(col, format);
      buffer_.append("/>");
      return;
    }
    if (!Counted(col)) return;
    // LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED (bytes bound characters: counted only when
    // the bytes are over).
    if (value.size() > 32767 && Characters(value) > 32767) return;
    if (Share(col)) {
      Tally& tally = tallies_[col];
      const uint32_t before = sst_unique();
      if (const std::optional<uint32_t> index =
              shared_->Index(text.c_str(), value.size())) {
        ++tally.texts;
        if (sst_unique() != before) ++tally.new_texts;
        OpenCell(col, format);
        buffer_.append(" t=\"s\"><v>");
        absl::StrAppend(&buffer_, *index);
        buffer_.append("</v></c>");
        return;
      }
    }
    // White space at either end, after the escape (which turns \v, \f and \r into
    // _x000B_ and so on, and keeps \t and \n).
    auto space = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n'; };
    OpenCell(col, format);
    buffer_.append(" t=\"inlineStr\"><is><t");
    if (space(value.front()) || space(value.back()))
      buffer_.append(" xml:space=\"preserve\"");
    buffer_.push_back('>');
    // Runs of bytes that need no escape (nearly all of them) are appended whole.
    size_t plain = 0;
    for (size_t i = 0; i < value.size(); ++i) {
      const auto byte = static_cast<unsigned char>(value[i]);
      const bool control = byte < 0x20 && byte != '\t' && byte != '\n';
      if (!control && byte != '&' && byte != '<' && byte != '>') continue;
      buffer_.append(value.data() + plain, i - plain);
      plain = i + 1;
      if (control) {
        char code[8];
        std::snprintf(code, sizeof code, "_x%04X_", byte);
        buffer_.append(code);
      } else {
        buffer_.append(byte == '&' ? "&amp;" : byte == '<' ? "&lt;" : "&gt;");
      }
    }
    buffer_.append(value.data() + plain, value.size() - plain);
    buffer_.append("</t></is></c>");
  }

  // `value` / `unit` as a number cell (points: thousandths; an index: hundredths; a
  // whole number: unit 1).
  void Scaled(lxw_col_t col, int64_t value, int64_t unit, lxw_format* format) {
    if (!direct_) {
      worksheet_write_number(sheet_, row_, col,
                             unit == 1
                                 ? static_cast<double>(value)
                                 : static_cast<double>(value) / static_cast<double>(unit),
                             format);
      return;
    }
    if (!Counted(col)) return;
    OpenCell(col, format);
    buffer_.append("><v>");
    // The exact decimal, as Excel writes one ("96.275", "87.96"): libxlsxwriter's
    // %.16G of the double would write "96.27500000000001" and "87.95999999999999",
    // the same doubles but not the values given to anything reading the text.
    if (unit == 1) {
      absl::StrAppend(&buffer_, value);
    } else {
      buffer_.append(Cached(unit == 1000 ? &points_ : &hundredths_, value, unit));
    }
    buffer_.append("</v></c>");
  }

  void Moment(lxw_col_t col, absl::Time time, lxw_format* format) {
    if (!direct_) {
      lxw_datetime datetime = DateTime(time);
      worksheet_write_datetime(sheet_, row_, col, &datetime, format);
      return;
    }
    if (!Counted(col)) return;
    OpenCell(col, format);
    buffer_.append("><v>");
    // Moments repeat (a unit's entries written together): each is converted once.
    const int64_t key = absl::ToUnixMicros(time);
    auto it = moments_.find(key);
    if (it == moments_.end()) {
      if (moments_.size() >= kCacheSize) moments_.clear();
      lxw_datetime datetime = DateTime(time);
      it = moments_.emplace(key, G16(lxw_datetime_to_excel_date_epoch(&datetime, 0)))
               .first;
    }
    buffer_.append(it->second);
    buffer_.append("</v></c>");
  }

  void EndRow() {
    if (!direct_) return;
    if (cells_ == 0) {  // the library writes no row without a cell
      buffer_.resize(row_start_);
      return;
    }
    buffer_.append("</row>");
    last_row_ = row_;
    if (buffer_.size() >= kFlushAt) Flush();
  }

  // After the last row: the library's next row (the signatures) follows this one.
  void Finish() {
    if (!direct_) return;
    Flush();
    if (last_row_.has_value()) sheet_->optimize_row->row_num = *last_row_;
  }

 private:
  static constexpr size_t kFlushAt = 1 << 16;
  static constexpr size_t kCacheSize = 1 << 14;

  static lxw_datetime DateTime(absl::Time time) {
    const absl::CivilSecond s = absl::ToCivilSecond(time, Vietnam());
    return {static_cast<int>(s.year()),     s.month(), s.day(), s.hour(), s.minute(),
            static_cast<double>(s.second())};
  }

  static std::string G16(double number) {
    char text[64];
    std::snprintf(text, sizeof text, "%.16G", number);
    return text;
  }

  const std::string& Cached(absl::flat_hash_map<int64_t, std::string>* cache,
                            int64_t value, int64_t unit) {
    auto it = cache->find(value);
    if (it == cache->end()) {
      if (cache->size() >= kCacheSize) cache->clear();
      // Exactly, without trailing zeros (a hundredth is ten thousandths).
      it = cache->emplace(value, engine::FormatMilliShort(unit == 1000 ? value : value * 10))
               .first;
    }
    return it->second;
  }

  // Whether the column's texts go to the shared strings: while at least every other one
  // written so far was already there (a column of texts that do not repeat, such as the
  // audit trail's resources, stays inline after its first 256: a shared text that is
  // never used again costs more than it saves). Decided by the rows alone, so the same
  // rows give the same workbook.
  bool Share(lxw_col_t col) {
    if (shared_ == nullptr || sheet_->sst == nullptr) return false;
    const Tally& tally = tallies_[col];
    return tally.texts < kTrial || tally.new_texts * 2 <= tally.texts;
  }
  uint32_t sst_unique() const { return sheet_->sst->unique_count; }

  // The library's _check_dimensions: a cell past Excel's last row or column is refused;
  // the others widen the sheet's dimensions.
  bool Counted(lxw_col_t col) {
    if (row_ >= LXW_ROW_MAX || col >= LXW_COL_MAX || col >= names_.size()) return false;
    sheet_->dim_rowmin = std::min(sheet_->dim_rowmin, row_);
    sheet_->dim_rowmax = std::max(sheet_->dim_rowmax, row_);
    sheet_->dim_colmin = std::min(sheet_->dim_colmin, col);
    sheet_->dim_colmax = std::max(sheet_->dim_colmax, col);
    return true;
  }

  // `<c r="B8" s="5"`: the cell's name and style (none for the default style 0).
  void OpenCell(lxw_col_t col, lxw_format* format) {
    ++cells_;
    buffer_.append("<c r=\"").append(names_[col]).append(number_).append("\"");
    const std::string& style = Style(format);
    if (!style.empty()) buffer_.append(" s=\"").append(style).append("\"");
  }

  // The format's style index as text (empty: the default, 0). The library looks it up
  // for every cell, and a format equal to one used before (the whole numbers' format is
  // the texts') is looked up by hashing it every time: here once per format, in the
  // order the library would first look it up (which numbers the styles).
  const std::string& Style(lxw_format* format) {
    for (const auto& [known, style] : styles_)
      if (known == format) return style;
    const int32_t index = format != nullptr ? lxw_format_get_xf_index(format) : 0;
    styles_.emplace_back(format, index != 0 ? absl::StrCat(index) : std::string());
    return styles_.back().second;
  }

  void Flush() {
    if (!buffer_.empty())
      std::fwrite(buffer_.data(), 1, buffer_.size(), sheet_->optimize_tmpfile);
    buffer_.clear();
  }

  struct Tally {
    int64_t texts = 0;      // texts shared in the column
    int64_t new_texts = 0;  // of those, the ones new to the table
  };
  static constexpr int64_t kTrial = 256;

  lxw_worksheet* sheet_;
  SharedStrings* shared_;
  std::vector<Tally> tallies_;  // by column
  bool direct_ = false;
  lxw_row_t row_ = 0;
  std::optional<lxw_row_t> last_row_;
  size_t row_start_ = 0;
  int cells_ = 0;
  std::vector<std::string> names_;  // "A", "B", ... of the table's columns
  std::string number_;              // the current row's number
  std::string buffer_;
  absl::flat_hash_map<int64_t, std::string> points_, hundredths_, moments_;
  std::vector<std::pair<lxw_format*, std::string>> styles_;
};

// Writes one table on its sheet; returns the last row used (for the print area).
lxw_row_t WriteSheet(lxw_workbook* workbook, lxw_worksheet* sheet,
                     const std::string& name, const Table& table, const Heading& heading,
                     const Formats& f, SharedStrings* shared) {
  const size_t columns = std::max<size_t>(table.header.size(), 1);
  const auto last_col = static_cast<lxw_col_t>(columns - 1);
  size_t rows = 0;
  const std::vector<int> widths = ColumnWidths(table, &rows);
  int header_lines = 1;
  for (size_t c = 0; c < table.header.size(); ++c) {
    worksheet_set_column(sheet, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c),
                         widths[c], nullptr);
    const int chars = static_cast<int>(Characters(table.header[c]));
    header_lines = std::max(header_lines, (chars + widths[c] - 3) / (widths[c] - 2));
  }
  // The heading: the office and the national motto side by side, then the title.
  const lxw_col_t mid = columns >= 4 ? static_cast<lxw_col_t>(columns / 2) : last_col + 1;
  if (!heading.issuer.empty()) {
    Across(sheet, 0, 0, mid > last_col ? last_col : mid - 1, heading.issuer, f.issuer);
  }
  if (mid <= last_col) {
    Across(sheet, 0, mid, last_col, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", f.motto);
    Across(sheet, 1, mid, last_col, "Độc lập - Tự do - Hạnh phúc", f.motto);
  }
  Across(sheet, 2, 0, last_col, heading.heading, f.heading);
  Across(sheet, 3, 0, last_col, heading.subtitle, f.subtitle);
  std::string line = table.title;
  if (!heading.note.empty())
    absl::StrAppend(&line, line.empty() ? "" : " – ", heading.note);
  absl::StrAppend(&line, line.empty() ? "" : " – ", "Lập ", DateWords(heading.made));
  Across(sheet, 4, 0, last_col, line, f.line);

  worksheet_set_row(sheet, kHeaderRow, 15.0 * header_lines + 3, nullptr);
  for (size_t c = 0; c < table.header.size(); ++c) {
    worksheet_write_string(sheet, kHeaderRow, static_cast<lxw_col_t>(c),
                           XlsxText(table.header[c]).c_str(), f.header);
  }
  // Rows made by the table (make_rows) are written as they come: libxlsxwriter in
  // constant-memory mode keeps one row, and so does this (SheetRows: straight into the
  // sheet's row file, the bytes libxlsxwriter's calls would write).
  SheetRows out(sheet, columns, direct_rows.load(), shared);
  std::string scratch;  // a cell's text made safe (XlsxText), when it must change
  lxw_row_t row = kHeaderRow;
  ForEachRow(table, [&](const std::vector<Cell>& cells) {
    ++row;
    out.StartRow(row);
    for (size_t c = 0; c < cells.size(); ++c) {
      const auto col = static_cast<lxw_col_t>(c);
      const Cell& cell = cells[c];
      if (const auto* text = std::get_if<std::string>(&cell)) {
        // An empty cell is not written: its border comes from the table's conditional
        // format below. A third to a half of a large round's cells are empty (a unit's
        // data sheet values not entered, a criterion without inputs), and each written
        // cell costs libxlsxwriter an XML element and zlib its bytes.
        if (text->empty()) continue;
        // Bytes bound characters: only text longer in bytes than the column is counted.
        const size_t width = c < widths.size() ? static_cast<size_t>(widths[c]) : 0;
        const bool wrap = c < widths.size() && text->size() + 2 > width &&
                          Characters(*text) + 2 > width;
        out.Text(col, XlsxText(*text, &scratch), wrap ? f.wrapped : f.text);
      } else if (const auto* points = std::get_if<Points>(&cell)) {
        // The spreadsheet holds the exact thousandths; it shows two decimals.
        out.Scaled(col, points->milli, 1000, f.decimals);
      } else if (const auto* index = std::get_if<Index>(&cell)) {
        out.Scaled(col, index->hundredths, 100, f.decimals);
      } else if (const auto* exact = std::get_if<Decimal>(&cell)) {
        // General: the spreadsheet shows the decimals the value has ("96.275", "12").
        out.Scaled(col, exact->milli, 1000, f.number);
      } else if (const auto* when = std::get_if<When>(&cell)) {
        out.Moment(col, when->time, f.moment);
      } else {
        out.Scaled(col, std::get<int64_t>(cell), 1, f.number);
      }
    }
    out.EndRow();
  });
  out.Finish();
  const auto last_data = static_cast<lxw_row_t>(kHeaderRow + rows);
  if (rows > 0) {
    // The grid's lines on the empty cells (and on the columns a short row leaves out):
    // one rule for the whole table instead of a bordered blank per cell.
    // (A rule true everywhere: libxlsxwriter 1.1.4 writes its "blanks" rule against
    // the range's last column, so each cell would follow another cell's emptiness.)
    char always[] = "TRUE";
    lxw_conditional_format borders = {};
    borders.type = LXW_CONDITIONAL_TYPE_FORMULA;
    borders.value_string = always;
    borders.format = f.blank;
    worksheet_conditional_format_range(sheet, kHeaderRow + 1, 0, last_data, last_col,
                                       &borders);
  }
  worksheet_freeze_panes(sheet, kHeaderRow + 1,
                         static_cast<lxw_col_t>(table.frozen_columns));
  if (!table.header.empty())
    worksheet_autofilter(sheet, kHeaderRow, 0, last_data, last_col);

  // The signatures: who made the table on the left, who leads on the right, with room
  // to sign between the title and the name.
  row = last_data + 2;
  const lxw_col_t left_last = mid > last_col ? last_col : mid - 1;
  const lxw_col_t right_first = mid > last_col ? 0 : mid;
  Across(sheet, row++, right_first, last_col,
         absl::StrCat("N", DateWords(heading.made).substr(1)), f.sign_note);
  Across(sheet, row, 0, left_last, "Người lập biểu", f.sign);
  if (right_first > 0) Across(sheet, row, right_first, last_col, "Lãnh đạo", f.sign);
  ++row;
  Across(sheet, row, 0, left_last, "(Ký, ghi rõ họ tên)", f.sign_note);
  if (right_first > 0) {
    Across(sheet, row, right_first, last_col, "(Ký, ghi rõ họ tên, đóng dấu)",
           f.sign_note);
  }
  if (right_first == 0) {  // too narrow for two sides: the leader signs below
    row += 5;
    Across(sheet, row, 0, last_col, "Lãnh đạo", f.sign);
    ++row;
    Across(sheet, row, 0, last_col, "(Ký, ghi rõ họ tên, đóng dấu)", f.sign_note);
  }
  row += 5;  // room to sign
  worksheet_write_blank(sheet, row, 0, nullptr);

  // The chart, under the signatures and inside the print area.
  if (table.chart.has_value() && rows > 0) {
    const Chart& spec = *table.chart;
    lxw_chart* chart = workbook_add_chart(
        workbook, spec.kind == Chart::Kind::kBar ? LXW_CHART_BAR : LXW_CHART_COLUMN);
    lxw_chart_series* series = chart_add_series(chart, nullptr, nullptr);
    chart_series_set_categories(series, name.c_str(), kHeaderRow + 1,
                                static_cast<lxw_col_t>(spec.category_column), last_data,
                                static_cast<lxw_col_t>(spec.category_column));
    chart_series_set_values(series, name.c_str(), kHeaderRow + 1,
                            static_cast<lxw_col_t>(spec.value_column), last_data,
                            static_cast<lxw_col_t>(spec.value_column));
    const std::string axis = PlainText(spec.value_axis), title = PlainText(spec.title);
    chart_series_set_name(series, axis.c_str());
    if (rows <= 40) chart_series_set_labels(series);
    chart_title_set_name(chart, title.c_str());
    chart_legend_set_position(chart, LXW_CHART_LEGEND_NONE);
    // Bars: units top to bottom in the table's order, values along the bottom.
    lxw_chart_axis* values = chart->y_axis;
    if (spec.kind == Chart::Kind::kBar) {
      chart_axis_set_reverse(chart->y_axis);
      values = chart->x_axis;
    }
    chart_axis_set_name(values, axis.c_str());
    chart_axis_set_min(values, 0);
    chart_axis_set_max(values, 100);
    int table_pixels = 0;
    for (int w : widths) table_pixels += w * 7 + 5;
    const int width = std::clamp(table_pixels, 480, 1400);
    // A bar of 22 pixels per unit, up to 4,000 pixels (about 180 units: a larger block's
    // bars get thinner rather than the chart taller than a screen can scroll sensibly).
    const int height = spec.kind == Chart::Kind::kBar
                           ? std::clamp(80 + 22 * static_cast<int>(rows), 288, 4000)
                           : 320;
    lxw_chart_options options = {};
    options.x_scale = width / 480.0;
    options.y_scale = height / 288.0;
    row += 1;
    worksheet_insert_chart_opt(sheet, row, 0, chart, &options);
    row += static_cast<lxw_row_t>(height / 20 + 1);
    worksheet_write_blank(sheet, row, 0, nullptr);
  }

  // Printing: A4 landscape, as wide as one page, the header row on every page.
  worksheet_set_paper(sheet, 9);  // A4
  worksheet_set_landscape(sheet);
  worksheet_set_margins(sheet, 0.4, 0.4, 0.6, 0.6);
  worksheet_center_horizontally(sheet);
  worksheet_fit_to_pages(sheet, 1, 0);
  worksheet_repeat_rows(sheet, kHeaderRow, kHeaderRow);
  worksheet_print_area(sheet, 0, 0, row, last_col);
  worksheet_set_footer(sheet, "&L&8&A&C&8Trang &P/&N");
  return row;
}

}  // namespace

absl::StatusOr<std::string> WriteXlsx(const std::vector<Table>& tables,
                                      const Heading& heading) {
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
  lxw_doc_properties properties = {};
  std::string title = PlainText(heading.heading), subject = PlainText(heading.subtitle),
              company = PlainText(heading.issuer);  // the struct takes char*
  properties.title = title.data();
  properties.subject = subject.data();
  properties.company = company.data();
  workbook_set_properties(workbook, &properties);
  const Formats formats(workbook);
  SharedStrings shared(workbook->sst);
  std::optional<DeflateThread> aside;
  if (row_files_mode == XlsxRowFiles::kDeflatedAside && xlsx_isal) aside.emplace();
  std::vector<std::unique_ptr<DeflatedRows>> row_files;  // until the workbook is closed
  // A row file the zip did not take (the workbook failed) is forgotten with its sheet.
  const absl::Cleanup forget_rows = [] { DeflatedRows::ForgetClosed(); };
  std::set<std::string> used;
  for (const Table& table : tables) {
    const std::string name = SheetName(table.name, &used);
    lxw_worksheet* sheet = workbook_add_worksheet(workbook, name.c_str());
    if (sheet == nullptr) {
      workbook_close(workbook);
      std::filesystem::remove(path);
      return absl::InternalError(absl::StrCat("cannot add the sheet '", name, "'"));
    }
    if (row_files_mode != XlsxRowFiles::kLibrary && xlsx_isal) {
      if (std::unique_ptr<DeflatedRows> rows =
              DeflatedRows::Install(sheet, aside ? &*aside : nullptr))
        row_files.push_back(std::move(rows));
    }
    WriteSheet(workbook, sheet, name, table, heading, formats, &shared);
  }
  const lxw_error error = workbook_close(workbook);
  if (error != LXW_NO_ERROR) {
    std::filesystem::remove(path);
    return absl::InternalError(
        absl::StrCat("writing the workbook: ", lxw_strerror(error)));
  }
  // Read straight into the answer's string (a national round's workbook is tens of MB:
  // no second copy through a stream buffer).
  std::error_code size_error;
  const auto size = std::filesystem::file_size(path, size_error);
  std::string bytes(size_error ? 0 : size, '\0');
  std::ifstream in(path, std::ios::binary);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  const bool read = !size_error && in.gcount() == static_cast<std::streamsize>(size);
  std::filesystem::remove(path);
  if (!read) return absl::InternalError("cannot read the workbook back");
  return bytes;
}

namespace {

std::string HtmlEscape(absl::string_view text) {
  return absl::StrReplaceAll(
      text,
      {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}, {"'", "&#39;"}});
}

// Print CSS: A4 landscape; each section from a new page with its header row repeated
// on every page it spans; rows not split across pages; the signatures kept together.
constexpr char kPrintCss[] = R"css(
@page { size: A4 landscape; margin: 12mm 10mm 14mm 10mm; }
body { font-family: "Times New Roman", "DejaVu Serif", serif; font-size: 11pt;
       color: #000; margin: 0; }
@media screen { body { max-width: 277mm; margin: 8mm auto; } }
.title { display: flex; justify-content: space-between; text-align: center; }
.title > div { width: 48%; font-weight: bold; }
.place { text-align: right; font-style: italic; margin: 6pt 0; }
h1 { text-align: center; font-size: 14pt; margin: 10pt 0 2pt; }
.subtitle, .note { text-align: center; margin: 2pt 0; }
.subtitle { font-style: italic; }
h2 { font-size: 12pt; margin: 10pt 0 4pt; }
section.table + section.table { break-before: page; }
table { border-collapse: collapse; width: 100%; font-size: 10pt; }
thead { display: table-header-group; }
th { background: #d9e1f2; font-weight: bold; }
th, td { border: 1px solid #000; padding: 2pt 4pt; vertical-align: top; }
td.n { text-align: right; white-space: nowrap; }
.legend { font-size: 9pt; font-style: italic; margin: 4pt 0; }
tr { break-inside: avoid; }
.signatures { display: flex; justify-content: space-between; text-align: center;
              margin-top: 14pt; break-inside: avoid; }
.signatures > div { width: 45%; }
.signatures .role { font-weight: bold; }
.signatures .hint { font-style: italic; }
.signatures .room { height: 70pt; }
)css";

}  // namespace

std::string WriteHtml(const std::vector<Table>& tables, const Heading& heading,
                      const HtmlOptions& options) {
  std::string out;
  out.reserve(4096);
  absl::StrAppend(&out, "<!DOCTYPE html>\n<html lang=\"", HtmlEscape(options.language),
                  "\">\n<head>\n<meta charset=\"utf-8\">\n<title>",
                  HtmlEscape(heading.heading), heading.subtitle.empty() ? "" : " – ",
                  HtmlEscape(heading.subtitle), "</title>\n<style>", kPrintCss,
                  "</style>\n</head>\n<body>\n");
  absl::StrAppend(&out, "<header>\n<div class=\"title\">\n<div class=\"issuer\">",
                  HtmlEscape(heading.issuer),
                  "</div>\n<div class=\"motto\">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT "
                  "NAM<br>Độc lập - Tự do - Hạnh phúc</div>\n</div>\n");
  const std::string date = DateWords(heading.made);
  const std::string place_date = heading.place.empty()
                                     ? absl::StrCat("N", date.substr(1))
                                     : absl::StrCat(heading.place, ", ", date);
  absl::StrAppend(&out, "<p class=\"place\">", HtmlEscape(place_date), "</p>\n<h1>",
                  HtmlEscape(heading.heading), "</h1>\n");
  if (!heading.subtitle.empty())
    absl::StrAppend(&out, "<p class=\"subtitle\">", HtmlEscape(heading.subtitle),
                    "</p>\n");
  if (!heading.note.empty())
    absl::StrAppend(&out, "<p class=\"note\">", HtmlEscape(heading.note), "</p>\n");
  absl::StrAppend(&out, "</header>\n");
  for (const Table& table : tables) {
    absl::StrAppend(&out, "<section class=\"table\" data-table=\"", HtmlEscape(table.key),
                    "\">\n<h2>", HtmlEscape(table.title), "</h2>\n<table>\n<thead><tr>");
    for (const std::string& h : table.header)
      absl::StrAppend(&out, "<th>", HtmlEscape(h), "</th>");
    absl::StrAppend(&out, "</tr></thead>\n<tbody>\n");
    ForEachRow(table, [&](const std::vector<Cell>& row) {
      absl::StrAppend(&out, "<tr>");
      for (size_t c = 0; c < table.header.size(); ++c) {
        if (c >= row.size()) {
          absl::StrAppend(&out, "<td></td>");
          continue;
        }
        const bool number = !std::holds_alternative<std::string>(row[c]) &&
                            !std::holds_alternative<When>(row[c]);
        absl::StrAppend(&out, number ? "<td class=\"n\">" : "<td>",
                        HtmlEscape(CellText(row[c], options.decimal_comma)), "</td>");
      }
      absl::StrAppend(&out, "</tr>\n");
    });
    absl::StrAppend(&out, "</tbody>\n</table>\n");
    if (!table.legend.empty())
      absl::StrAppend(&out, "<p class=\"legend\">", HtmlEscape(table.legend), "</p>\n");
    absl::StrAppend(&out, "</section>\n");
  }
  absl::StrAppend(
      &out,
      "<div class=\"signatures\">\n<div><p class=\"role\">Người lập biểu</p><p "
      "class=\"hint\">(Ký, ghi rõ họ tên)</p><div class=\"room\"></div></div>\n"
      "<div><p class=\"role\">Lãnh đạo</p><p class=\"hint\">(Ký, ghi rõ họ tên, đóng "
      "dấu)</p><div class=\"room\"></div></div>\n</div>\n</body>\n</html>\n");
  return out;
}

namespace {

// Whether `text` is a number and nothing else: a sign, digits, and a decimal point or
// comma with more digits ("-2.5", "+3", "-0,25").
bool PlainNumber(absl::string_view text) {
  if (!text.empty() && (text.front() == '-' || text.front() == '+'))
    text.remove_prefix(1);
  const size_t point = text.find_first_of(".,");
  const absl::string_view whole = text.substr(0, point);
  const absl::string_view fraction =
      point == absl::string_view::npos ? absl::string_view() : text.substr(point + 1);
  auto digits = [](absl::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), absl::ascii_isdigit);
  };
  return digits(whole) && (point == absl::string_view::npos || digits(fraction));
}

}  // namespace

std::string WriteCsv(const Table& table, const CsvOptions& options) {
  const char separator = options.decimal_comma ? ';' : ',';
  const std::string special = absl::StrCat(std::string(1, separator), "\"\n\r");
  auto field = [&](const std::string& text) {
    if (text.find_first_of(special) == std::string::npos) return text;
    return absl::StrCat("\"", absl::StrReplaceAll(text, {{"\"", "\"\""}}), "\"");
  };
  // A text that a spreadsheet would take for a formula (=, +, -, @, or a tab or carriage
  // return before one) is written after an apostrophe, which shows it as the text it is
  // (OWASP's advice against CSV injection): a unit's or a person's name, a reason or a
  // note is typed by people, and "=HYPERLINK(...)" must not become a link that runs when
  // an office opens its export. A number is left as it is, whether a cell of its own
  // (-0.25) or a data sheet value written as text (-2.5): a spreadsheet reads it as the
  // number it is.
  auto text_field = [&](const std::string& text) {
    if (!text.empty() &&
        absl::string_view("=+-@\t\r").find(text.front()) != absl::string_view::npos &&
        !PlainNumber(text))
      return field(absl::StrCat("'", text));
    return field(text);
  };
  std::string out = "\xEF\xBB\xBF";
  for (size_t c = 0; c < table.header.size(); ++c) {
    if (c) out.push_back(separator);
    absl::StrAppend(&out, text_field(table.header[c]));
  }
  absl::StrAppend(&out, "\r\n");
  ForEachRow(table, [&](const std::vector<Cell>& row) {
    for (size_t c = 0; c < row.size(); ++c) {
      if (c) out.push_back(separator);
      const std::string text = CellText(row[c], options.decimal_comma);
      absl::StrAppend(&out, std::holds_alternative<std::string>(row[c]) ? text_field(text)
                                                                        : field(text));
    }
    absl::StrAppend(&out, "\r\n");
  });
  return out;
}

}  // namespace parindex::server

// How an XLSX file's parts are deflated. libxlsxwriter 1.1.4 compresses every part
// through minizip with zlib's default level (6) and has no option for it. At level 6
// zlib was a third of a national round's export, and still ~2.7 s of CPU at level 1 for
// the ~440 MB of sheet XML of a national round (bench/README.md, issue 20). So the
// parts are deflated by ISA-L (Intel's igzip, Debian's libisal2) instead: raw deflate,
// streamed (constant memory), about five times zlib level 1's speed for a file within
// a few percent of its size. The parts unzip to the same bytes either way.
//
// minizip's functions that open, write and close a part, as libxlsxwriter calls them
// (zlib's contrib/minizip 1.1: Debian's libminizip1), are defined here. The program's
// definitions come first in the dynamic linker's lookup, so libxlsxwriter's calls
// arrive here and go on to minizip's own (dlsym(RTLD_NEXT, ...)): a part is opened
// "raw" (minizip writes what it is given, its headers as before: same method, same
// level flags), its bytes deflated here, and closed with the size and CRC-32 of what
// was given. With zlib chosen (SetXlsxDeflateLevel's level, for the comparison) every
// call is passed on with the level in place of the default.
namespace {

std::atomic<int> xlsx_deflate_level{1};
using parindex::server::xlsx_isal;

// minizip's functions, as the library defines them.
using OpenPart = int (*)(void*, const char*, const void*, const void*, unsigned,
                         const void*, unsigned, const char*, int, int, int, int, int, int,
                         const char*, unsigned long, unsigned long, unsigned long, int);
using WritePart = int (*)(void*, const void*, unsigned);
using ClosePart = int (*)(void*);
using ClosePartRaw = int (*)(void*, uint64_t, unsigned long);

template <typename F>
F Minizip(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

constexpr int kZipInternalError = -104;  // ZIP_INTERNALERROR: workbook_close reports it
constexpr int kDeflated = 8;             // Z_DEFLATED

// One part being deflated by ISA-L, and a sheet's deflated rows (DeflatedRows) to put
// in it.
struct IsalPart {
  parindex::server::IsalDeflater deflater;
  parindex::server::DeflatedRows* rows = nullptr;
  uint64_t given = 0;  // bytes the library gave
  bool spliced = false;

  // Deflates `len` bytes (the last ones when `end`) and hands what comes out to
  // minizip's write, raw; the deflated rows go in at their offset. Returns minizip's
  // error, or ZIP_OK (0).
  int Deflate(void* file, const void* buf, unsigned len, bool end) {
    static const WritePart write = Minizip<WritePart>("zipWriteInFileInZip");
    if (write == nullptr) return kZipInternalError;
    int error = 0;
    auto sink = [&](const uint8_t* data, size_t size) {
      error = write(file, data, static_cast<unsigned>(size));
      return error == 0;
    };
    using Flush = parindex::server::IsalDeflater::Flush;
    const auto* bytes = static_cast<const uint8_t*>(buf);
    if (rows != nullptr && !spliced && given + len >= rows->offset()) {
      const auto head = static_cast<unsigned>(rows->offset() - given);
      if (!deflater.Deflate(bytes, head, Flush::kFull, sink) || !rows->CopyTo(sink))
        return error != 0 ? error : kZipInternalError;
      deflater.Append(rows->crc(), rows->size());
      spliced = true;
      given += head;
      bytes += head;
      len -= head;
    }
    given += len;
    if (end && rows != nullptr && !spliced) return kZipInternalError;
    if (!deflater.Deflate(bytes, len, end ? Flush::kEnd : Flush::kNone, sink))
      return error != 0 ? error : kZipInternalError;
    return 0;
  }
};

absl::Mutex parts_mutex;
std::map<void*, std::unique_ptr<IsalPart>>& Parts() {
  static auto* const parts = new std::map<void*, std::unique_ptr<IsalPart>>();
  return *parts;
}
IsalPart* PartOf(void* file) {
  absl::MutexLock lock(&parts_mutex);
  auto it = Parts().find(file);
  return it == Parts().end() ? nullptr : it->second.get();
}

}  // namespace

void parindex::server::SetXlsxDeflateLevel(int level) {
  xlsx_deflate_level = level;
  xlsx_isal = false;
}

void parindex::server::SetXlsxIsalDeflate() { xlsx_isal = true; }

void parindex::server::SetXlsxDirectRows(bool direct) { direct_rows = direct; }

void parindex::server::SetXlsxRowFiles(XlsxRowFiles mode) {
  parindex::server::row_files_mode = mode;
}

extern "C" int zipOpenNewFileInZip4_64(
    void* file, const char* filename, const void* zipfi, const void* extrafield_local,
    unsigned size_extrafield_local, const void* extrafield_global,
    unsigned size_extrafield_global, const char* comment, int method, int level, int raw,
    int window_bits, int mem_level, int strategy, const char* password,
    unsigned long crc_for_crypting, unsigned long version_made_by,
    unsigned long flag_base, int zip64) {
  static const OpenPart minizip = Minizip<OpenPart>("zipOpenNewFileInZip4_64");
  if (minizip == nullptr) return kZipInternalError;
  // The level minizip marks in the part's flags: 1 ("fast") with ISA-L as with zlib.
  if (level == -1) level = xlsx_isal ? 1 : xlsx_deflate_level.load();
  // A sheet's rows deflated as they were written: the sheet's part is deflated here
  // too, whatever the setting, to take them in.
  parindex::server::DeflatedRows* rows = parindex::server::DeflatedRows::TakeClosed();
  const bool isal = (xlsx_isal || rows != nullptr) && method == kDeflated && raw == 0 &&
                    password == nullptr;
  if (rows != nullptr && !isal) return kZipInternalError;
  const int error = minizip(
      file, filename, zipfi, extrafield_local, size_extrafield_local, extrafield_global,
      size_extrafield_global, comment, method, level, isal ? 1 : raw, window_bits,
      mem_level, strategy, password, crc_for_crypting, version_made_by, flag_base, zip64);
  absl::MutexLock lock(&parts_mutex);
  if (isal && error == 0) {
    auto part = std::make_unique<IsalPart>();
    part->rows = rows;
    Parts()[file] = std::move(part);
  } else {
    Parts().erase(file);
  }
  return error;
}

extern "C" int zipWriteInFileInZip(void* file, const void* buf, unsigned len) {
  if (IsalPart* part = PartOf(file)) return part->Deflate(file, buf, len, false);
  static const WritePart minizip = Minizip<WritePart>("zipWriteInFileInZip");
  return minizip == nullptr ? kZipInternalError : minizip(file, buf, len);
}

extern "C" int zipCloseFileInZip(void* file) {
  std::unique_ptr<IsalPart> part;
  {
    absl::MutexLock lock(&parts_mutex);
    auto it = Parts().find(file);
    if (it != Parts().end()) {
      part = std::move(it->second);
      Parts().erase(it);
    }
  }
  if (part == nullptr) {
    static const ClosePart minizip = Minizip<ClosePart>("zipCloseFileInZip");
    return minizip == nullptr ? kZipInternalError : minizip(file);
  }
  static const ClosePartRaw close_raw = Minizip<ClosePartRaw>("zipCloseFileInZipRaw64");
  if (close_raw == nullptr) return kZipInternalError;
  const int error = part->Deflate(file, "", 0, true);
  const int closed = close_raw(file, part->deflater.size(), part->deflater.crc());
  return error != 0 ? error : closed;
}
