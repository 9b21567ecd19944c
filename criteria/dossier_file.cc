// Reading dossier record files: CSV through libcsv a line at a time (so that rows know
// their line), JSON Lines through protobuf's JSON parser; both fill the same columns.
#include "criteria/dossier_file.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace parindex::criteria {
namespace {

enum Field {
  kId,
  kProcedureCode,
  kProcedureLevel,
  kUnit,
  kReceivedAt,
  kDueAt,
  kResolvedAt,
  kResult,
  kChannel,
  kViaNationalPortal,
  kResultDigitised,
  kDigitallySigned,
  kPaidOnline,
  kSatisfaction,
  kApologyIssued,
  kFieldCount
};

constexpr Field kRequired[] = {kId,         kUnit,   kReceivedAt, kDueAt,
                               kResolvedAt, kResult, kChannel};

int FieldOf(absl::string_view name) {
  const std::vector<std::string>& names = DossierColumns();
  auto it = std::find(names.begin(), names.end(), name);
  return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

using Names = std::vector<std::pair<absl::string_view, int>>;

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code points
// past U+10FFFF).
bool IsUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    // ASCII, eight bytes at a time (nearly every cell of a file).
    uint64_t eight;
    if (i + 8 <= text.size() &&
        (std::memcpy(&eight, text.data() + i, 8), (eight & 0x8080808080808080ULL) == 0)) {
      i += 8;
      continue;
    }
    const auto b = static_cast<unsigned char>(text[i]);
    size_t n = 0;
    uint32_t cp = 0, min = 0;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xe0) == 0xc0) {
      n = 1, cp = b & 0x1f, min = 0x80;
    } else if ((b & 0xf0) == 0xe0) {
      n = 2, cp = b & 0x0f, min = 0x800;
    } else if ((b & 0xf8) == 0xf0) {
      n = 3, cp = b & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + n >= text.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      const auto c = static_cast<unsigned char>(text[i + k]);
      if ((c & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

// `text` for an error message: quoted, bytes outside printable ASCII escaped (\xNN),
// at most 80 bytes of it, so that a message never carries what a file's bytes say.
std::string Quoted(absl::string_view text) {
  const bool cut = text.size() > 80;
  return absl::StrCat("'", absl::CHexEscape(text.substr(0, 80)), cut ? "…'" : "'");
}

// One of `names` (lower case), or "" when `allow_empty`.
absl::Status NameOf(absl::string_view field, absl::string_view text, const Names& names,
                    bool allow_empty, int* out) {
  if (text.empty() && allow_empty) {
    *out = 0;
    return absl::OkStatus();
  }
  for (const auto& [name, value] : names) {
    if (absl::EqualsIgnoreCase(name, text)) {
      *out = value;
      return absl::OkStatus();
    }
  }
  std::vector<absl::string_view> choices;
  for (const auto& [name, value] : names) choices.push_back(name);
  return absl::InvalidArgumentError(absl::StrCat(
      field, ": ", Quoted(text), " is not one of ", absl::StrJoin(choices, ", "),
      text.empty() ? " (it is required)" : ""));
}

absl::Status YesNo(absl::string_view field, absl::string_view text, bool* out) {
  int value = 0;
  static const Names* names =
      new Names{{"yes", 1}, {"no", 0}, {"true", 1}, {"false", 0}, {"1", 1}, {"0", 0}};
  absl::Status s = NameOf(field, text, *names, true, &value);
  *out = value == 1;
  return s;
}

// The characters of a code (README "Dossier records"): a unit's code is an id (A–Z a–z
// 0–9 . _ -); a dossier id or a procedure code may also hold '/', as real systems'
// numbers do. Nothing else: no spaces, control or direction characters, no letters
// outside ASCII.
absl::Status Code(absl::string_view field, absl::string_view text, size_t max,
                  bool required, bool slash, std::string* out) {
  if (text.empty()) {
    return required ? absl::InvalidArgumentError(absl::StrCat(field, ": is required"))
                    : absl::OkStatus();
  }
  if (text.size() > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": longer than ", max, " bytes"));
  }
  for (const char c : text) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '-' &&
        !(slash && c == '/')) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": ", Quoted(text), " holds a character other than A-Z a-z 0-9 . _ -",
          slash ? " /" : ""));
    }
  }
  *out = std::string(text);
  return absl::OkStatus();
}

absl::Status Time(absl::string_view field, absl::string_view text, bool required,
                  int64_t* out) {
  if (text.empty()) {
    *out = 0;
    return required ? absl::InvalidArgumentError(absl::StrCat(field, ": is required"))
                    : absl::OkStatus();
  }
  absl::StatusOr<int64_t> t = ParseRecordTime(text);
  if (!t.ok())
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", t.status().message()));
  *out = *t;
  return absl::OkStatus();
}

// The names of the file's values (built once: a row is read in microseconds).
const Names* const kLevels = new Names{{"commune", v1::PROCEDURE_COMMUNE},
                                       {"district", v1::PROCEDURE_DISTRICT},
                                       {"province", v1::PROCEDURE_PROVINCE},
                                       {"central", v1::PROCEDURE_CENTRAL}};
const Names* const kResults = new Names{{"approved", v1::RESULT_APPROVED},
                                        {"refused", v1::RESULT_REFUSED},
                                        {"withdrawn", v1::RESULT_WITHDRAWN}};
const Names* const kChannels = new Names{{"in_person", v1::CHANNEL_IN_PERSON},
                                         {"online_partial", v1::CHANNEL_ONLINE_PARTIAL},
                                         {"fully_online", v1::CHANNEL_FULLY_ONLINE}};
const Names* const kSatisfactions = new Names{{"very_satisfied", v1::SATISFIED_VERY},
                                              {"satisfied", v1::SATISFIED},
                                              {"neutral", v1::SATISFACTION_NEUTRAL},
                                              {"dissatisfied", v1::DISSATISFIED}};

// The cells of a row, by Field (a column the file does not have: empty).
using Cells = std::array<absl::string_view, kFieldCount>;

// Fills `*out` with the dossier `cells` give, or answers why not.
absl::Status ToDossier(const Cells& cells, v1::Dossier* out) {
  const std::vector<std::string>& names = DossierColumns();
  v1::Dossier& d = *out;
  auto cell = [&](Field f) -> absl::string_view { return cells[f]; };
  for (int f = 0; f < kFieldCount; ++f) {
    if (!IsUtf8(cells[f]))
      return absl::InvalidArgumentError(absl::StrCat(names[f], ": not UTF-8"));
  }
  absl::Status s = Code(names[kId], cell(kId), 100, true, true, d.mutable_id());
  if (s.ok())
    s = Code(names[kProcedureCode], cell(kProcedureCode), 64, false, true,
             d.mutable_procedure_code());
  if (s.ok()) s = Code(names[kUnit], cell(kUnit), 64, true, false, d.mutable_unit());
  int v = 0;
  if (s.ok()) {
    s = NameOf(names[kProcedureLevel], cell(kProcedureLevel), *kLevels, true, &v);
    d.set_procedure_level(static_cast<v1::ProcedureLevel>(v));
  }
  int64_t t = 0;
  if (s.ok()) s = Time(names[kReceivedAt], cell(kReceivedAt), true, &t);
  d.set_received_at(t);
  if (s.ok()) s = Time(names[kDueAt], cell(kDueAt), false, &t);
  d.set_due_at(t);
  if (s.ok()) s = Time(names[kResolvedAt], cell(kResolvedAt), false, &t);
  d.set_resolved_at(t);
  if (s.ok()) {
    s = NameOf(names[kResult], cell(kResult), *kResults, true, &v);
    d.set_result(static_cast<v1::DossierResult>(v));
  }
  if (s.ok()) {
    s = NameOf(names[kChannel], cell(kChannel), *kChannels, false, &v);
    d.set_channel(static_cast<v1::DossierChannel>(v));
  }
  bool yes = false;
  if (s.ok()) s = YesNo(names[kViaNationalPortal], cell(kViaNationalPortal), &yes);
  d.set_via_national_portal(yes);
  if (s.ok()) s = YesNo(names[kResultDigitised], cell(kResultDigitised), &yes);
  d.set_result_digitised(yes);
  if (s.ok()) s = YesNo(names[kDigitallySigned], cell(kDigitallySigned), &yes);
  d.set_digitally_signed(yes);
  if (s.ok()) s = YesNo(names[kPaidOnline], cell(kPaidOnline), &yes);
  d.set_paid_online(yes);
  if (s.ok()) s = YesNo(names[kApologyIssued], cell(kApologyIssued), &yes);
  d.set_apology_issued(yes);
  if (s.ok()) {
    s = NameOf(names[kSatisfaction], cell(kSatisfaction), *kSatisfactions, true, &v);
    d.set_satisfaction(static_cast<v1::Satisfaction>(v));
  }
  if (!s.ok()) return s;
  // A decision has a time and a time has a decision: either alone is a broken row.
  if (d.resolved_at() != 0 && d.result() == v1::DOSSIER_RESULT_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        "result: a resolved dossier (resolved_at given) needs its result: approved, "
        "refused or withdrawn");
  }
  if (d.resolved_at() == 0 && d.result() != v1::DOSSIER_RESULT_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        "resolved_at: a dossier with a result needs the time it was resolved (empty "
        "only while in process)");
  }
  return absl::OkStatus();
}

// The row `cells` give, at the end of `rows`: its dossier, or why not.
void AddRow(const Cells& cells, int64_t line, std::vector<DossierRow>* rows) {
  DossierRow& row = rows->emplace_back();
  row.line = line;
  v1::Dossier& d = row.dossier.emplace();
  absl::Status s = ToDossier(cells, &d);
  if (s.ok()) {
    d.set_line(static_cast<int32_t>(line));
  } else {
    row.dossier.reset();
    row.error = std::string(s.message());
  }
}

int DigitsAt(absl::string_view text, size_t at, size_t n) {
  if (at + n > text.size()) return -1;
  int value = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = text[at + i];
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

const std::vector<std::string>& DossierColumns() {
  static const auto* names =
      new std::vector<std::string>{"dossier_id",       "procedure_code",
                                   "procedure_level",  "unit",
                                   "received_at",      "due_at",
                                   "resolved_at",      "result",
                                   "channel",          "via_national_portal",
                                   "result_digitised", "digitally_signed",
                                   "paid_online",      "satisfaction",
                                   "apology_issued"};
  return *names;
}

absl::StatusOr<int64_t> ParseRecordTime(absl::string_view text) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        Quoted(text), " is not a time (", why,
        "; write 2023-12-31T23:59:00+07:00, or 2023-12-31 23:59 in Vietnam time)"));
  };
  const int year = DigitsAt(text, 0, 4), month = DigitsAt(text, 5, 2),
            day = DigitsAt(text, 8, 2), hour = DigitsAt(text, 11, 2),
            minute = DigitsAt(text, 14, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || text[4] != '-' ||
      text[7] != '-' || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
      text[13] != ':') {
    return bad("expected a date and a time");
  }
  // RFC 3339 ('T'): seconds, an optional fraction and an offset are required. A
  // spreadsheet's time (a space) may leave out the seconds and the offset: Vietnam time.
  const bool rfc3339 = text[10] != ' ';
  size_t at = 16;
  int second = 0;
  if (at < text.size() && text[at] == ':') {
    second = DigitsAt(text, at + 1, 2);
    if (second < 0) return bad("expected seconds after ':'");
    at += 3;
    if (at < text.size() && text[at] == '.') {  // a fraction of a second: dropped
      const size_t digits = at + 1;
      for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9';) ++at;
      if (at == digits) return bad("expected digits after '.'");
    }
  } else if (rfc3339) {
    return bad("RFC 3339 needs the seconds");
  }
  int64_t offset = 7 * 3600;  // Vietnam time unless the text says otherwise
  if (at < text.size()) {
    if ((text[at] == 'Z' || text[at] == 'z') && at + 1 == text.size()) {
      offset = 0;
    } else if ((text[at] == '+' || text[at] == '-') && at + 6 == text.size() &&
               text[at + 3] == ':') {
      const int oh = DigitsAt(text, at + 1, 2), om = DigitsAt(text, at + 4, 2);
      if (oh < 0 || om < 0 || oh > 23 || om > 59) return bad("a bad offset");
      offset = (text[at] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    } else {
      return bad("unexpected text after the time");
    }
  } else if (rfc3339) {
    return bad("RFC 3339 needs an offset: Z or +07:00");
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month < 1 || month > 12) return bad("no such month");
  if (day < 1 || day > kDays[month - 1] + (month == 2 && leap ? 1 : 0))
    return bad("no such day");
  if (hour > 23 || minute > 59 || second > 59) return bad("no such time of day");
  const int64_t at_utc = DaysFromCivil(year, month, day) * 86400 + hour * 3600 +
                         minute * 60 + second - offset;
  // The year of the instant in Vietnam time, not the year written beside an offset.
  if (at_utc < DaysFromCivil(2000, 1, 1) * 86400 - 7 * 3600 ||
      at_utc >= DaysFromCivil(2101, 1, 1) * 86400 - 7 * 3600) {
    return bad("the year in Vietnam time is outside 2000-2100");
  }
  return at_utc;
}

// libcsv's state, and the records of the line being fed.
struct DossierFileReader::Csv {
  csv_parser parser;
  std::vector<std::string> cells;
  std::vector<std::pair<std::vector<std::string>, int64_t>> records;
  int64_t start = 0;  // the line where the current record started; 0 between records
  int64_t line = 0;
  // While a record spans lines (a quoted cell holds a line break, or its quote was
  // never closed): the line it began on; 0 between records.
  int64_t open_since = 0;

  static void OnField(void* data, size_t size, void* out) {
    auto* c = static_cast<Csv*>(out);
    if (c->start == 0) c->start = c->line;
    c->cells.emplace_back(static_cast<const char*>(data), size);
  }
  static void OnRow(int, void* out) {
    auto* c = static_cast<Csv*>(out);
    c->records.push_back({std::move(c->cells), c->start == 0 ? c->line : c->start});
    c->cells.clear();
    c->start = 0;
  }
};

DossierFileReader::DossierFileReader(DossierFormat format, std::string file_name)
    : format_(format), file_name_(std::move(file_name)) {
  if (format_ == DossierFormat::kCsv) {
    csv_ = std::make_unique<Csv>();
    csv_init(&csv_->parser, CSV_STRICT | CSV_STRICT_FINI);
  }
}

DossierFileReader::~DossierFileReader() {
  if (csv_ != nullptr) csv_free(&csv_->parser);
}

absl::Status DossierFileReader::Feed(absl::string_view bytes,
                                     std::vector<DossierRow>* rows) {
  while (!bytes.empty()) {
    const size_t nl = bytes.find('\n');
    if (nl == absl::string_view::npos) {
      pending_.append(bytes.data(), bytes.size());
      break;
    }
    absl::Status s;
    if (pending_.empty()) {
      s = Line(bytes.substr(0, nl), rows);
    } else {
      pending_.append(bytes.data(), nl);
      s = Line(pending_, rows);
      pending_.clear();
    }
    if (!s.ok()) return s;
    bytes.remove_prefix(nl + 1);
  }
  return absl::OkStatus();
}

absl::Status DossierFileReader::Finish(std::vector<DossierRow>* rows) {
  if (!pending_.empty()) {
    const std::string last = std::move(pending_);
    pending_.clear();
    RETURN_IF_ERROR(Line(last, rows));
  }
  if (csv_ != nullptr) {
    if (csv_fini(&csv_->parser, Csv::OnField, Csv::OnRow, csv_.get()) != 0) {
      const int64_t at = csv_->open_since != 0 ? csv_->open_since : csv_->line;
      return absl::InvalidArgumentError(absl::StrCat(
          file_name_, ":", at, ": ",
          csv_->open_since != 0
              ? "a quoted cell that begins on this line is never closed (a quote "
                "inside a quoted cell is written twice: \"\")"
              : csv_strerror(csv_error(&csv_->parser))));
    }
    auto records = std::move(csv_->records);
    csv_->records.clear();
    for (auto& [cells, line] : records) RETURN_IF_ERROR(CsvRecord(cells, line, rows));
  }
  if (!started_ && format_ == DossierFormat::kCsv) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_name_, ": the file is empty (expected a header row: ",
                     absl::StrJoin(DossierColumns(), ","), ")"));
  }
  return absl::OkStatus();
}

absl::Status DossierFileReader::Line(absl::string_view line,
                                     std::vector<DossierRow>* rows) {
  ++line_;
  if (line_ == 1) absl::ConsumePrefix(&line, "\xEF\xBB\xBF");
  if (format_ == DossierFormat::kCsv) {
    csv_->line = line_;
    const int64_t begins = csv_->open_since != 0 ? csv_->open_since : line_;
    if (csv_parse(&csv_->parser, line.data(), line.size(), Csv::OnField, Csv::OnRow,
                  csv_.get()) != line.size() ||
        csv_parse(&csv_->parser, "\n", 1, Csv::OnField, Csv::OnRow, csv_.get()) != 1) {
      // In strict mode libcsv stops at a quote where a cell may not have one.
      return absl::InvalidArgumentError(absl::StrCat(
          file_name_, ":", begins, ": ",
          csv_error(&csv_->parser) == CSV_EPARSE
              ? "a quote in the middle of a cell, or text after a cell's closing quote "
                "(quote the whole cell, and write a quote inside it twice: \"\")"
              : csv_strerror(csv_error(&csv_->parser))));
    }
    // Each line fed ends a record unless a quoted cell is still open (a blank line
    // between records makes none).
    if (!csv_->records.empty()) {
      csv_->open_since = 0;
    } else if (csv_->open_since != 0 || !absl::StripAsciiWhitespace(line).empty()) {
      csv_->open_since = begins;
    }
    auto records = std::move(csv_->records);
    csv_->records.clear();
    for (auto& [cells, at] : records) RETURN_IF_ERROR(CsvRecord(cells, at, rows));
    return absl::OkStatus();
  }
  // JSON Lines: an object per line; blank lines are skipped.
  absl::ConsumeSuffix(&line, "\r");
  if (absl::StripAsciiWhitespace(line).empty()) return absl::OkStatus();
  DossierRow row;
  row.line = line_;
  google::protobuf::Struct object;
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(line.data(), line.size()), &object);
  if (!parsed.ok()) {
    // The parser's message quotes the line over three lines with a caret: its first
    // line alone keeps an error to one line.
    const std::string why = parsed.message().ToString();
    row.error =
        IsUtf8(line)
            ? absl::StrCat("not a JSON object: ",
                           absl::StripAsciiWhitespace(why.substr(0, why.find('\n'))))
            : "not UTF-8";
    rows->push_back(std::move(row));
    return absl::OkStatus();
  }
  std::vector<std::string> cells(kFieldCount);
  for (const auto& [key, value] : object.fields()) {
    const int f = FieldOf(key);
    if (f < 0) {
      row.error =
          absl::StrCat(absl::CHexEscape(key), ": not a field of format version 1 (",
                       absl::StrJoin(DossierColumns(), ", "), ")");
      break;
    }
    switch (value.kind_case()) {
      case google::protobuf::Value::kStringValue:
        cells[f] = value.string_value();
        break;
      case google::protobuf::Value::kBoolValue:
        cells[f] = value.bool_value() ? "true" : "false";
        break;
      case google::protobuf::Value::kNullValue:
        break;
      default:
        row.error = absl::StrCat(key, ": expected a string, true, false or null");
    }
    if (!row.error.empty()) break;
  }
  // A required column is a required key (null for an empty cell), as a CSV header must
  // name it.
  for (Field f : kRequired) {
    if (!row.error.empty()) break;
    if (object.fields().count(DossierColumns()[f]) == 0) {
      row.error = absl::StrCat(DossierColumns()[f], ": the key is required",
                               f == kDueAt || f == kResolvedAt || f == kResult
                                   ? " (null when there is none)"
                                   : "");
    }
  }
  if (row.error.empty()) {
    Cells views;
    for (int f = 0; f < kFieldCount; ++f) views[f] = cells[f];
    AddRow(views, row.line, rows);
    return absl::OkStatus();
  }
  rows->push_back(std::move(row));
  return absl::OkStatus();
}

absl::Status DossierFileReader::CsvRecord(std::vector<std::string>& cells, int64_t line,
                                          std::vector<DossierRow>* rows) {
  if (!started_) {  // the header: read once it is one (header_read)
    std::vector<bool> seen(kFieldCount, false);
    for (const std::string& name : cells) {
      const int f = FieldOf(absl::AsciiStrToLower(name));
      if (f < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(file_name_, ":", line, ": header: ", Quoted(name),
                         " is not a column of format version 1 (",
                         absl::StrJoin(DossierColumns(), ","), ")"));
      }
      if (seen[f]) {
        return absl::InvalidArgumentError(absl::StrCat(
            file_name_, ":", line, ": header: ", Quoted(name), " is given twice"));
      }
      seen[f] = true;
      columns_.push_back(f);
    }
    for (Field f : kRequired) {
      if (!seen[f]) {
        return absl::InvalidArgumentError(
            absl::StrCat(file_name_, ":", line, ": header: the column ",
                         DossierColumns()[f], " is required"));
      }
    }
    started_ = true;
    return absl::OkStatus();
  }
  if (cells.size() != columns_.size()) {
    DossierRow& row = rows->emplace_back();
    row.line = line;
    row.error = absl::StrCat("expected ", columns_.size(),
                             " cells as in the header, got ", cells.size());
    return absl::OkStatus();
  }
  Cells by_field;
  for (size_t i = 0; i < cells.size(); ++i) by_field[columns_[i]] = cells[i];
  AddRow(by_field, line, rows);
  return absl::OkStatus();
}

}  // namespace parindex::criteria
