// YAML -> protos for criteria sets, plans and figures, with file:line:col errors.
#include "criteria/yaml_reader.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "common/text_fault.h"
#include "criteria/due_phrase.h"
#include "criteria/element_value.h"
#include "engine/errors.h"
#include "engine/fixed_point.h"
#include "engine/rule_shape.h"
#include "google/protobuf/message.h"
#include "yaml-cpp/yaml.h"

namespace parindex::criteria {

void SourceMap::Record(std::string path, int line, int column) {
  places_.emplace(std::move(path), std::make_pair(line, column));
}

std::string SourceMap::Locate(absl::string_view path) const {
  auto place = [&](const std::pair<int, int>& at) {
    return at.second > 0 ? absl::StrCat(file_, ":", at.first, ":", at.second)
                         : absl::StrCat(file_, ":", at.first);
  };
  std::string p(path);
  while (true) {
    auto it = places_.find(p);
    if (it != places_.end()) return place(it->second);
    const size_t cut = p.find_last_of(".[");
    if (cut == std::string::npos || p.empty()) break;
    p.resize(cut);
  }
  auto root = places_.find("");
  if (root != places_.end()) return place(root->second);
  return file_;
}

absl::Status SourceMap::Annotate(const absl::Status& status,
                                 absl::string_view prefix) const {
  if (status.ok()) return status;
  const auto path = engine::ErrorPath(status);
  const std::string place =
      path.has_value() ? Locate(absl::StrCat(prefix, *path)) : file_;
  return absl::Status(status.code(), absl::StrCat(place, ": ", status.message()));
}

namespace {

// A YAML document being read, with the map of where each field came from.
class Reader {
 public:
  explicit Reader(absl::string_view file) : source_(std::string(file)) {}

  SourceMap& source() { return source_; }

  absl::Status ErrorAt(const YAML::Mark& mark, absl::string_view message) const {
    if (mark.is_null())
      return absl::InvalidArgumentError(absl::StrCat(source_.file(), ": ", message));
    return absl::InvalidArgumentError(absl::StrCat(source_.file(), ":", mark.line + 1,
                                                   ":", mark.column + 1, ": ", message));
  }
  void Record(const std::string& path, const YAML::Mark& mark) {
    if (!mark.is_null()) source_.Record(path, mark.line + 1, mark.column + 1);
  }

 private:
  SourceMap source_;
};

// Levenshtein distance, to suggest the key a typo meant.
int EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<int> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    int diagonal = row[0];
    row[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      const int above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "criterion I.2" when the mapping has a scalar `key`, else `kind` alone, so that even
// errors found before the code is read name the element.
std::string NameOf(const YAML::Node& node, const char* key, absl::string_view kind) {
  if (node.IsMap()) {
    const YAML::Node value = node[key];
    if (value.IsDefined() && value.IsScalar())
      return absl::StrCat(kind, " ", value.Scalar());
  }
  return std::string(kind);
}

std::string Join(absl::string_view path, absl::string_view field) {
  return path.empty() ? std::string(field) : absl::StrCat(path, ".", field);
}

// Reads one YAML mapping: finds keys once, refuses duplicate and unknown keys.
class Object {
 public:
  // `what` names the object in errors ("criterion II.3.1", "target").
  static absl::StatusOr<Object> Open(Reader* reader, const YAML::Node& node,
                                     std::string path, std::string what,
                                     const YAML::Mark& fallback) {
    Object object(reader, std::move(path), std::move(what));
    object.mark_ = node.IsDefined() && !node.Mark().is_null() ? node.Mark() : fallback;
    reader->Record(object.path_, object.mark_);
    if (node.IsNull()) return object;  // "judgement:" with nothing after it
    if (!node.IsMap()) {
      return reader->ErrorAt(object.mark_,
                             absl::StrCat(object.what_, ": expected a mapping"));
    }
    for (const auto& pair : node) {
      const YAML::Node& key = pair.first;
      if (!key.IsScalar()) return reader->ErrorAt(key.Mark(), "keys must be plain names");
      for (const Field& f : object.fields_) {
        if (f.key == key.Scalar()) {
          return reader->ErrorAt(
              key.Mark(), absl::StrCat(object.what_, ": duplicate key '", key.Scalar(),
                                       "' (first at line ", f.key_mark.line + 1, ")"));
        }
      }
      object.fields_.push_back(Field{key.Scalar(), key.Mark(), pair.second, false});
    }
    return object;
  }

  const std::string& path() const { return path_; }
  const std::string& what() const { return what_; }
  const YAML::Mark& mark() const { return mark_; }
  Reader* reader() const { return reader_; }
  void Rename(std::string what) { what_ = std::move(what); }

  // The value under `key` (undefined node when absent), recorded as path.`field`.
  YAML::Node Get(absl::string_view key, absl::string_view field = {}) {
    for (Field& f : fields_) {
      if (f.key != key) continue;
      f.used = true;
      reader_->Record(Join(path_, field.empty() ? key : field), ValueMark(f));
      return f.value;
    }
    return YAML::Node(YAML::NodeType::Undefined);
  }
  YAML::Mark MarkOf(absl::string_view key) const {
    for (const Field& f : fields_) {
      if (f.key == key) return ValueMark(f);
    }
    return mark_;
  }
  YAML::Mark KeyMarkOf(absl::string_view key) const {
    for (const Field& f : fields_) {
      if (f.key == key) return f.key_mark;
    }
    return mark_;
  }
  bool Has(absl::string_view key) const {
    for (const Field& f : fields_) {
      if (f.key == key) return true;
    }
    return false;
  }
  const std::vector<std::string> Keys() const {
    std::vector<std::string> keys;
    for (const Field& f : fields_) keys.push_back(f.key);
    return keys;
  }

  absl::Status Error(absl::string_view key, absl::string_view message) const {
    return reader_->ErrorAt(MarkOf(key), absl::StrCat(what_, ": ", key, ": ", message));
  }

  // Refuses keys nobody read: a typo must not be silently ignored.
  absl::Status Finish() const {
    for (const Field& f : fields_) {
      if (!f.used) {
        return reader_->ErrorAt(f.key_mark,
                                absl::StrCat(what_, ": unknown field '", f.key, "'"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Scalar(absl::string_view key, std::string* out, bool required,
                      absl::string_view field = {}) {
    YAML::Node n = Get(key, field);
    if (!n.IsDefined() || n.IsNull()) {
      if (!required) return absl::OkStatus();
      for (const Field& f : fields_) {
        if (!f.used && EditDistance(f.key, key) <= 2) {
          return Error(key, absl::StrCat("is required (is '", f.key, "' on line ",
                                         f.key_mark.line + 1, " a typo?)"));
        }
      }
      return Error(key, "is required");
    }
    if (!n.IsScalar()) return Error(key, "expected a single value");
    *out = n.Scalar();
    // Every value read may end up in front of a person (a label on the page, a sheet
    // of the workbook, a line of the CSV): no control, direction or invisible
    // characters, line breaks and tabs allowed (a description over several lines).
    if (const std::optional<TextFault> fault =
            FindTextFault(*out, /*line_breaks=*/true)) {
      return Error(key, absl::StrFormat("holds a %s (U+%04X) at byte %d",
                                        fault->control ? "control character"
                                                       : "direction, invisible or "
                                                         "non-character",
                                        fault->code_point, fault->at));
    }
    return absl::OkStatus();
  }
  absl::Status String(absl::string_view key, std::string* out, bool required = false,
                      absl::string_view field = {}) {
    return Scalar(key, out, required, field);
  }
  absl::Status Milli(absl::string_view key, int64_t* out, bool required,
                     absl::string_view field = {}) {
    std::string text;
    RETURN_IF_ERROR(Scalar(key, &text, required, field));
    if (text.empty()) return absl::OkStatus();
    auto value = engine::ParseMilli(text);
    if (!value.ok()) return Error(key, value.status().message());
    *out = *value;
    return absl::OkStatus();
  }
  absl::Status Int(absl::string_view key, int64_t* out, bool required,
                   absl::string_view field = {}) {
    std::string text;
    RETURN_IF_ERROR(Scalar(key, &text, required, field));
    if (text.empty()) return absl::OkStatus();
    if (!absl::SimpleAtoi(text, out))
      return Error(key, absl::StrCat("'", text, "' is not a whole number"));
    return absl::OkStatus();
  }
  absl::Status Bool(absl::string_view key, bool* out, bool* present = nullptr,
                    absl::string_view field = {}) {
    std::string text;
    RETURN_IF_ERROR(Scalar(key, &text, false, field));
    if (present != nullptr) *present = !text.empty();
    if (text.empty()) return absl::OkStatus();
    const std::string lower = absl::AsciiStrToLower(text);
    if (lower == "true" || lower == "yes") {
      *out = true;
    } else if (lower == "false" || lower == "no") {
      *out = false;
    } else {
      return Error(key, absl::StrCat("'", text, "' is not true or false"));
    }
    return absl::OkStatus();
  }
  // Dates as 2023-02-10 or 10/02/2023 (day first, as Vietnamese documents write them).
  absl::Status Date(absl::string_view key, v1::Date* out, bool required,
                    absl::string_view field = {}) {
    std::string text;
    RETURN_IF_ERROR(Scalar(key, &text, required, field));
    if (text.empty()) return absl::OkStatus();
    const std::optional<v1::Date> date = ParseDate(text);
    if (!date.has_value()) {
      return Error(
          key, absl::StrCat("'", text, "' is not a date (use 2023-02-10 or 10/02/2023)"));
    }
    *out = *date;
    return absl::OkStatus();
  }
  // A single string or a list of strings.
  absl::Status StringList(absl::string_view key,
                          google::protobuf::RepeatedPtrField<std::string>* out,
                          absl::string_view field = {}) {
    YAML::Node n = Get(key, field);
    if (!n.IsDefined() || n.IsNull()) return absl::OkStatus();
    // Engine paths name each item ("indicators[2].numerator[1]").
    const std::string base = Join(path_, field.empty() ? key : field);
    if (n.IsScalar()) {
      reader_->Record(absl::StrCat(base, "[0]"), n.Mark());
      out->Add(std::string(n.Scalar()));
      return absl::OkStatus();
    }
    if (!n.IsSequence()) return Error(key, "expected a name or a list of names");
    int j = 0;
    for (const YAML::Node& item : n) {
      if (!item.IsScalar())
        return reader_->ErrorAt(item.Mark(),
                                absl::StrCat(what_, ": ", key, ": expected a name"));
      reader_->Record(absl::StrCat(base, "[", j++, "]"), item.Mark());
      out->Add(std::string(item.Scalar()));
    }
    return absl::OkStatus();
  }
  // One of `names`, stored as its value.
  absl::Status Enum(absl::string_view key,
                    const std::vector<std::pair<std::string, int>>& names, int* out,
                    bool required, absl::string_view field = {}) {
    std::string text;
    RETURN_IF_ERROR(Scalar(key, &text, required, field));
    if (text.empty()) return absl::OkStatus();
    const std::string lower = absl::AsciiStrToLower(text);
    std::vector<std::string> choices;
    for (const auto& [name, value] : names) {
      if (name == lower) {
        *out = value;
        return absl::OkStatus();
      }
      choices.push_back(name);
    }
    return Error(
        key, absl::StrCat("'", text, "' is not one of ", absl::StrJoin(choices, ", ")));
  }

  // Calls `read` for each item of the list under `key` with the item's path.
  absl::Status List(
      absl::string_view key, absl::string_view field,
      const std::function<absl::Status(const YAML::Node&, const std::string&,
                                       const YAML::Mark&)>& read) {
    YAML::Node n = Get(key, field);
    if (!n.IsDefined() || n.IsNull()) return absl::OkStatus();
    if (!n.IsSequence()) return Error(key, "expected a list");
    int i = 0;
    for (const YAML::Node& item : n) {
      RETURN_IF_ERROR(
          read(item, absl::StrCat(Join(path_, field), "[", i, "]"), item.Mark()));
      ++i;
    }
    return absl::OkStatus();
  }

 private:
  struct Field {
    std::string key;
    YAML::Mark key_mark;
    YAML::Node value;
    bool used;
  };
  Object(Reader* reader, std::string path, std::string what)
      : reader_(reader), path_(std::move(path)), what_(std::move(what)) {}
  static YAML::Mark ValueMark(const Field& f) {
    return f.value.IsDefined() && !f.value.IsNull() && !f.value.Mark().is_null()
               ? f.value.Mark()
               : f.key_mark;
  }

  Reader* reader_;
  std::string path_;
  std::string what_;
  YAML::Mark mark_;
  std::vector<Field> fields_;
};

const std::vector<std::pair<std::string, int>>& UnitNames() {
  static const auto* names =
      new std::vector<std::pair<std::string, int>>{{"percent", v1::PERCENT},
                                                   {"minutes", v1::MINUTES},
                                                   {"count", v1::COUNT},
                                                   {"days", v1::DAYS}};
  return *names;
}

const std::vector<std::pair<std::string, int>>& KindNames() {
  static const auto* names = new std::vector<std::pair<std::string, int>>{
      {"ward", v1::WARD},         {"commune", v1::COMMUNE},
      {"township", v1::TOWNSHIP}, {"special_zone", v1::SPECIAL_ZONE},
      {"city", v1::CITY},         {"town", v1::TOWN},
      {"district", v1::DISTRICT}, {"department", v1::DEPARTMENT},
      {"province", v1::PROVINCE}};
  return *names;
}

// "> 95", ">= 95%", "≥ 95", "<= 30" -> comparator and thousandths.
absl::Status ParseCondition(Object& object, absl::string_view key,
                            v1::Comparator* comparator, int64_t* threshold,
                            absl::string_view field = {}) {
  std::string text;
  RETURN_IF_ERROR(object.Scalar(key, &text, /*required=*/true, field));
  absl::string_view s = absl::StripAsciiWhitespace(text);
  static const std::pair<absl::string_view, v1::Comparator> kOps[] = {
      {">=", v1::AT_LEAST}, {"≥", v1::AT_LEAST}, {"<=", v1::AT_MOST},
      {"≤", v1::AT_MOST},   {">", v1::GREATER},  {"<", v1::LESS}};
  *comparator = v1::COMPARATOR_UNSPECIFIED;
  for (const auto& [op, value] : kOps) {
    if (absl::ConsumePrefix(&s, op)) {
      *comparator = value;
      break;
    }
  }
  if (*comparator == v1::COMPARATOR_UNSPECIFIED) {
    return object.Error(
        key, absl::StrCat("'", text, "' must start with >, >=, <= or < (e.g. \"> 95\")"));
  }
  s = absl::StripAsciiWhitespace(s);
  absl::ConsumeSuffix(&s, "%");
  auto value = engine::ParseMilli(s);
  if (!value.ok()) return object.Error(key, value.status().message());
  *threshold = *value;
  return absl::OkStatus();
}

absl::Status ParseHundredths(Object& object, absl::string_view key, int64_t* out,
                             absl::string_view field) {
  int64_t milli = 0;
  RETURN_IF_ERROR(object.Milli(key, &milli, false, field));
  if (milli % 10 != 0) return object.Error(key, "at most 2 decimals");
  *out = milli / 10;
  return absl::OkStatus();
}

// An element's `from_tasks:` clause (README: "Plan tasks"): count, by its lower-case
// name.
absl::Status ReadTaskCount(Reader* reader, Object& element, v1::TaskCount* out) {
  ASSIGN_OR_RETURN(
      Object o,
      Object::Open(reader, element.Get("from_tasks"), Join(element.path(), "from_tasks"),
                   absl::StrCat(element.what(), ": from_tasks"), element.mark()));
  int basis = 0;
  RETURN_IF_ERROR(o.Enum("count",
                         {{"due", v1::TaskCount::DUE},
                          {"done_on_time", v1::TaskCount::DONE_ON_TIME},
                          {"done_late", v1::TaskCount::DONE_LATE},
                          {"overdue", v1::TaskCount::OVERDUE}},
                         &basis, true));
  out->set_basis(static_cast<v1::TaskCount::Basis>(basis));
  return o.Finish();
}

// An element's `from_records:` clause (README: "Dossier records"): count, timing,
// channel, result, where (flags) and withdrawn, each by its lower-case name.
absl::Status ReadRecordCount(Reader* reader, Object& element, v1::RecordCount* out) {
  ASSIGN_OR_RETURN(Object o, Object::Open(reader, element.Get("from_records"),
                                          Join(element.path(), "from_records"),
                                          absl::StrCat(element.what(), ": from_records"),
                                          element.mark()));
  int basis = 0, timing = 0;
  RETURN_IF_ERROR(o.Enum("count",
                         {{"received", v1::RecordCount::RECEIVED},
                          {"resolved", v1::RecordCount::RESOLVED},
                          {"in_process", v1::RecordCount::IN_PROCESS},
                          {"due", v1::RecordCount::DUE}},
                         &basis, true));
  RETURN_IF_ERROR(o.Enum("timing",
                         {{"any", v1::RecordCount::TIMING_ANY},
                          {"on_time", v1::RecordCount::ON_TIME},
                          {"early", v1::RecordCount::EARLY},
                          {"late", v1::RecordCount::LATE},
                          {"past_due", v1::RecordCount::PAST_DUE}},
                         &timing, false));
  out->set_basis(static_cast<v1::RecordCount::Basis>(basis));
  out->set_timing(static_cast<v1::RecordCount::Timing>(timing));
  // Each item of a list of names, by its value in `names`.
  auto names_of = [&](absl::string_view key,
                      const std::vector<std::pair<std::string, int>>& names,
                      std::vector<int>* into) -> absl::Status {
    google::protobuf::RepeatedPtrField<std::string> items;
    RETURN_IF_ERROR(o.StringList(key, &items));
    for (const std::string& item : items) {
      const std::string lower = absl::AsciiStrToLower(item);
      auto it = std::find_if(names.begin(), names.end(),
                             [&](const auto& n) { return n.first == lower; });
      if (it == names.end()) {
        std::vector<std::string> choices;
        for (const auto& n : names) choices.push_back(n.first);
        return o.Error(key, absl::StrCat("'", item, "' is not one of ",
                                         absl::StrJoin(choices, ", ")));
      }
      into->push_back(it->second);
    }
    return absl::OkStatus();
  };
  std::vector<int> channels, results, flags;
  RETURN_IF_ERROR(names_of("channel",
                           {{"in_person", v1::CHANNEL_IN_PERSON},
                            {"online_partial", v1::CHANNEL_ONLINE_PARTIAL},
                            {"fully_online", v1::CHANNEL_FULLY_ONLINE}},
                           &channels));
  RETURN_IF_ERROR(names_of("result",
                           {{"approved", v1::RESULT_APPROVED},
                            {"refused", v1::RESULT_REFUSED},
                            {"withdrawn", v1::RESULT_WITHDRAWN}},
                           &results));
  RETURN_IF_ERROR(
      names_of("where",
               {{"via_national_portal", v1::RecordCount::VIA_NATIONAL_PORTAL},
                {"result_digitised", v1::RecordCount::RESULT_DIGITISED},
                {"digitally_signed", v1::RecordCount::DIGITALLY_SIGNED},
                {"paid_online", v1::RecordCount::PAID_ONLINE},
                {"apology_issued", v1::RecordCount::APOLOGY_ISSUED},
                {"satisfaction_answered", v1::RecordCount::SATISFACTION_ANSWERED},
                {"satisfied", v1::RecordCount::SATISFIED_OR_BETTER},
                {"online", v1::RecordCount::ONLINE}},
               &flags));
  for (int c : channels) out->add_channels(static_cast<v1::DossierChannel>(c));
  for (int r : results) out->add_results(static_cast<v1::DossierResult>(r));
  for (int f : flags) out->add_flags(static_cast<v1::RecordCount::Flag>(f));
  int withdrawn = 0;
  RETURN_IF_ERROR(
      o.Enum("withdrawn", {{"left_out", 0}, {"counted", 1}}, &withdrawn, false));
  out->set_include_withdrawn(withdrawn == 1);
  return o.Finish();
}

const std::vector<std::pair<std::string, int>>& ElementTypeNames() {
  static const auto* names =
      new std::vector<std::pair<std::string, int>>{{"count", v1::ELEMENT_COUNT},
                                                   {"date", v1::ELEMENT_DATE},
                                                   {"yes_no", v1::ELEMENT_YES_NO},
                                                   {"percent", v1::ELEMENT_PERCENT},
                                                   {"score", v1::ELEMENT_SCORE}};
  return *names;
}

bool IsCodeStart(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
}
bool IsCodeChar(char c) { return IsCodeStart(c) || c == '.' || c == '-'; }

// A validation rule's `check`: "a + b <= c + d", with <=, <, >=, >, ≤ or ≥. Records
// where each name and the comparator stand, so that the engine's errors on
// validation[i].left[j] point inside the text.
absl::Status ReadCheck(Object& o, v1::ValidationRule* rule) {
  std::string text;
  RETURN_IF_ERROR(o.Scalar("check", &text, /*required=*/true));
  if (absl::StripAsciiWhitespace(text).empty()) return o.Error("check", "is required");
  const YAML::Node node = o.Get("check");
  // The value's first character; a quoted scalar starts one column later. Columns are
  // bytes, as yaml-cpp counts them.
  YAML::Mark start = o.MarkOf("check");
  if (node.Tag() == "!") ++start.column;
  auto at = [&](size_t offset) {
    YAML::Mark mark = start;
    mark.column += static_cast<int>(offset);
    return mark;
  };
  auto fail = [&](size_t offset, absl::string_view problem) {
    return o.reader()->ErrorAt(
        at(offset),
        absl::StrCat(o.what(), ": check: '", text, "': ", problem,
                     " (write it as \"resolved_on_time <= resolved\": element "
                     "codes joined by +, one comparator <=, <, >=, >, ≤ or ≥)"));
  };
  static const std::pair<absl::string_view, v1::Comparator> kOps[] = {
      {"<=", v1::AT_MOST}, {">=", v1::AT_LEAST}, {"≤", v1::AT_MOST},
      {"≥", v1::AT_LEAST}, {"<", v1::LESS},      {">", v1::GREATER}};
  const std::string base = o.path();
  auto* side = rule->mutable_left();
  const char* side_name = "left";
  bool want_code = true;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ' || c == '\t') {
      ++i;
      continue;
    }
    if (IsCodeStart(c)) {
      size_t end = i;
      while (end < text.size() && IsCodeChar(text[end])) ++end;
      const std::string code = text.substr(i, end - i);
      if (!want_code) {
        return fail(i, absl::StrCat("expected + or a comparator before '", code, "'"));
      }
      const std::string path =
          absl::StrCat(Join(base, side_name), "[", side->size(), "]");
      if (side->empty()) o.reader()->Record(Join(base, side_name), at(i));
      o.reader()->Record(path, at(i));
      side->Add(std::string(code));
      want_code = false;
      i = end;
      continue;
    }
    if (c == '+') {
      if (want_code) return fail(i, "expected an element code before '+'");
      want_code = true;
      ++i;
      continue;
    }
    bool op_found = false;
    for (const auto& [op, comparator] : kOps) {
      if (absl::string_view(text).substr(i, op.size()) != op) continue;
      if (rule->comparator() != v1::COMPARATOR_UNSPECIFIED) {
        return fail(i, "a check has one comparator");
      }
      if (want_code) {
        return fail(i, absl::StrCat("expected an element code before '", op, "'"));
      }
      rule->set_comparator(comparator);
      o.reader()->Record(Join(base, "comparator"), at(i));
      side = rule->mutable_right();
      side_name = "right";
      want_code = true;
      i += op.size();
      op_found = true;
      break;
    }
    if (op_found) continue;
    if (c == '=' || c == '!') {
      return fail(i, "equality is not a comparator; write two rules, with <= and >=");
    }
    if (c == '-') return fail(i, "elements are added with +; there is no subtraction");
    // One character, whole even when it takes several bytes in UTF-8.
    size_t len = 1;
    while (i + len < text.size() &&
           (static_cast<unsigned char>(text[i + len]) & 0xC0) == 0x80)
      ++len;
    return fail(i, absl::StrCat("unexpected '", text.substr(i, len), "'"));
  }
  if (rule->comparator() == v1::COMPARATOR_UNSPECIFIED) {
    return fail(text.size(), "no comparator");
  }
  if (want_code) return fail(text.size(), "expected an element code at the end");
  return absl::OkStatus();
}

// Parses a whole document with `read`, turning yaml-cpp exceptions into errors.
template <typename T>
absl::StatusOr<Parsed<T>> ParseDocument(
    absl::string_view text, absl::string_view file,
    const std::function<absl::Status(Reader*, Object&, T*)>& read) {
  Reader reader(file);
  Parsed<T> parsed;
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsDefined() || root.IsNull()) {
      return absl::InvalidArgumentError(absl::StrCat(file, ": the file is empty"));
    }
    ASSIGN_OR_RETURN(Object object,
                     Object::Open(&reader, root, "", "document", root.Mark()));
    RETURN_IF_ERROR(read(&reader, object, &parsed.proto));
    RETURN_IF_ERROR(object.Finish());
  } catch (const YAML::Exception& e) {
    return reader.ErrorAt(e.mark, e.msg);
  }
  parsed.source = std::move(reader.source());
  return parsed;
}

// ---- criteria sets ----

// Bands as a list of {when: "> 90", points: 2}, best first.
absl::Status ReadBands(Object& shape, const engine::ShapeKey& key,
                       google::protobuf::RepeatedPtrField<v1::Band>* bands) {
  return shape.List(
      key.key, key.field,
      [&](const YAML::Node& node, const std::string& path, const YAML::Mark& m) {
        ASSIGN_OR_RETURN(Object b, Object::Open(shape.reader(), node, path,
                                                absl::StrCat(shape.what(), ": band"), m));
        v1::Band* band = bands->Add();
        v1::Comparator comparator;
        int64_t threshold = 0;
        RETURN_IF_ERROR(ParseCondition(b, "when", &comparator, &threshold));
        band->set_comparator(comparator);
        band->set_threshold_milli(threshold);
        int64_t points = 0;
        RETURN_IF_ERROR(b.Milli("points", &points, true, "points_milli"));
        band->set_points_milli(points);
        return b.Finish();
      });
}

// One key of a rule shape's mapping into `message`, the shape's message, as the
// shape's reading spec (engine/rule_shape.h) says. `max` is the criterion's maximum.
absl::Status ReadShapeKey(Object& shape, const engine::ShapeKey& key, int64_t max,
                          google::protobuf::Message* message) {
  using Kind = engine::ShapeKey::Kind;
  using Absent = engine::ShapeKey::Absent;
  const google::protobuf::Reflection* reflection = message->GetReflection();
  const google::protobuf::FieldDescriptor* field =
      message->GetDescriptor()->FindFieldByName(key.field);
  if (field == nullptr) {
    return absl::InternalError(absl::StrCat(shape.what(), ": no field ", key.field));
  }
  const bool required = key.absent == Absent::kRequired;
  switch (key.kind) {
    case Kind::kIndicator:
    case Kind::kElement:
    case Kind::kName: {
      std::string text;
      RETURN_IF_ERROR(shape.String(key.key, &text, required, key.field));
      reflection->SetString(message, field, std::move(text));
      return absl::OkStatus();
    }
    case Kind::kMilli: {
      int64_t value = key.absent == Absent::kMax ? max : 0;
      RETURN_IF_ERROR(shape.Milli(key.key, &value, required, key.field));
      reflection->SetInt64(message, field, value);
      return absl::OkStatus();
    }
    case Kind::kBands: {
      google::protobuf::RepeatedPtrField<v1::Band> bands;
      RETURN_IF_ERROR(ReadBands(shape, key, &bands));
      for (const v1::Band& band : bands)
        reflection->AddMessage(message, field)->CopyFrom(band);
      return absl::OkStatus();
    }
    case Kind::kEnum: {
      std::vector<std::pair<std::string, int>> words;
      for (const engine::KeyWord& word : key.words)
        words.emplace_back(word.word, word.value);
      int value =
          key.absent == Absent::kFirstWord && !words.empty() ? words[0].second : 0;
      RETURN_IF_ERROR(shape.Enum(key.key, words, &value, required, key.field));
      reflection->SetEnumValue(message, field, value);
      return absl::OkStatus();
    }
    case Kind::kDate: {
      if (!required && !shape.Has(key.key)) return absl::OkStatus();
      v1::Date date;
      RETURN_IF_ERROR(shape.Date(key.key, &date, /*required=*/true, key.field));
      reflection->MutableMessage(message, field)->CopyFrom(date);
      return absl::OkStatus();
    }
    case Kind::kBool: {
      bool value = false;
      RETURN_IF_ERROR(shape.Bool(key.key, &value, nullptr, key.field));
      reflection->SetBool(message, field, value);
      return absl::OkStatus();
    }
    case Kind::kPercents: {
      google::protobuf::RepeatedPtrField<std::string> items;
      RETURN_IF_ERROR(shape.StringList(key.key, &items, key.field));
      for (const std::string& item : items) {
        int value = 0;
        if (!absl::SimpleAtoi(item, &value))
          return shape.Error(key.key, "expected whole percents");
        reflection->AddInt32(message, field, value);
      }
      return absl::OkStatus();
    }
  }
  return absl::InternalError(absl::StrCat(shape.what(), ": ", key.key, ": unknown kind"));
}

// The shapes' names joined for errors: "bands, inverse, ..., survey or adjustment".
std::string ShapeNames(absl::string_view last_separator) {
  std::string names;
  const auto shapes = engine::AllShapes();
  for (size_t i = 0; i < shapes.size(); ++i) {
    if (i > 0) absl::StrAppend(&names, i + 1 == shapes.size() ? last_separator : ", ");
    absl::StrAppend(&names, shapes[i]->name());
  }
  return names;
}

// `rule: {<shape>: {...}}`: the shape is found by its key, its keys read as its reading
// spec says (engine/shapes/).
absl::Status ReadRule(Object& criterion, int64_t max, v1::Rule* rule) {
  YAML::Node node = criterion.Get("rule");
  const std::string path = Join(criterion.path(), "rule");
  ASSIGN_OR_RETURN(Object r, Object::Open(criterion.reader(), node, path,
                                          absl::StrCat(criterion.what(), ": rule"),
                                          criterion.MarkOf("rule")));
  const std::vector<std::string> keys = r.Keys();
  if (keys.size() != 1) {
    return criterion.Error("rule",
                           absl::StrCat("give exactly one shape: ", ShapeNames(" or ")));
  }
  const std::string& shape_name = keys[0];
  ASSIGN_OR_RETURN(Object s,
                   Object::Open(r.reader(), r.Get(shape_name), Join(path, shape_name),
                                absl::StrCat(criterion.what(), ": rule.", shape_name),
                                r.MarkOf(shape_name)));
  const engine::RuleShape* shape = engine::ShapeNamed(shape_name);
  if (shape == nullptr) {
    return r.Error(shape_name,
                   absl::StrCat("is not a rule shape (", ShapeNames(", "), ")"));
  }
  const google::protobuf::FieldDescriptor* field =
      v1::Rule::descriptor()->FindFieldByName(std::string(shape->name()));
  if (field == nullptr) {
    return absl::InternalError(absl::StrCat("rule shape ", shape->name(), ": no field"));
  }
  google::protobuf::Message* message = rule->GetReflection()->MutableMessage(rule, field);
  for (const engine::ShapeKey& key : shape->keys()) {
    RETURN_IF_ERROR(ReadShapeKey(s, key, max, message));
  }
  RETURN_IF_ERROR(s.Finish());
  return r.Finish();
}

absl::Status ReadCriterion(Reader* reader, const YAML::Node& node,
                           const std::string& path, const YAML::Mark& mark,
                           v1::Criterion* c) {
  ASSIGN_OR_RETURN(Object o, Object::Open(reader, node, path,
                                          NameOf(node, "code", "criterion"), mark));
  RETURN_IF_ERROR(o.String("code", c->mutable_code(), true));
  o.Rename(absl::StrCat("criterion ", c->code()));
  RETURN_IF_ERROR(o.String("title", c->mutable_title(), true));
  int64_t max = 0;
  RETURN_IF_ERROR(o.Milli("max", &max, true, "max_milli"));
  c->set_max_milli(max);
  RETURN_IF_ERROR(o.String("guidance", c->mutable_guidance()));
  int policy = v1::DROP;
  RETURN_IF_ERROR(o.Enum("not_applicable",
                         {{"drop", v1::DROP}, {"full_marks", v1::FULL_MARKS}}, &policy,
                         false));
  c->set_not_applicable(static_cast<v1::NotApplicablePolicy>(policy));
  RETURN_IF_ERROR(o.List(
      "evidence", "evidence",
      [&](const YAML::Node& item, const std::string& p, const YAML::Mark& m) {
        v1::EvidenceRequirement* e = c->add_evidence();
        if (item.IsScalar()) {
          e->set_document_type(item.Scalar());
          return absl::OkStatus();
        }
        ASSIGN_OR_RETURN(
            Object ev,
            Object::Open(reader, item, p, absl::StrCat(o.what(), ": evidence"), m));
        RETURN_IF_ERROR(ev.String("type", e->mutable_document_type(), true));
        RETURN_IF_ERROR(ev.String("note", e->mutable_note()));
        return ev.Finish();
      }));
  if (o.Has("rule")) RETURN_IF_ERROR(ReadRule(o, max, c->mutable_rule()));
  RETURN_IF_ERROR(
      o.List("criteria", "criteria",
             [&](const YAML::Node& item, const std::string& p, const YAML::Mark& m) {
               return ReadCriterion(reader, item, p, m, c->add_criteria());
             }));
  return o.Finish();
}

absl::Status ReadSet(Reader* reader, Object& doc, v1::CriteriaSet* set) {
  RETURN_IF_ERROR(doc.String("id", set->mutable_id(), true));
  doc.Rename(absl::StrCat("criteria set ", set->id()));
  RETURN_IF_ERROR(doc.String("title", set->mutable_title(), true));
  int level = v1::SET_LEVEL_UNSPECIFIED;
  RETURN_IF_ERROR(doc.Enum("level",
                           {{"commune", v1::COMMUNE_LEVEL},
                            {"district", v1::DISTRICT_LEVEL},
                            {"province", v1::PROVINCE_LEVEL},
                            {"agency", v1::AGENCY_LEVEL}},
                           &level, true));
  set->set_level(static_cast<v1::SetLevel>(level));
  int64_t version = 1;
  RETURN_IF_ERROR(doc.Int("version", &version, false));
  set->set_version(static_cast<int32_t>(version));
  RETURN_IF_ERROR(doc.String("source", set->mutable_source()));
  int64_t total = 0, survey = 0;
  RETURN_IF_ERROR(doc.Milli("total", &total, true, "total_milli"));
  RETURN_IF_ERROR(doc.Milli("survey", &survey, false, "survey_milli"));
  set->set_total_milli(total);
  set->set_survey_milli(survey);
  RETURN_IF_ERROR(doc.List(
      "elements", "elements",
      [&](const YAML::Node& item, const std::string& p, const YAML::Mark& m) {
        ASSIGN_OR_RETURN(
            Object o, Object::Open(reader, item, p, NameOf(item, "code", "element"), m));
        v1::DataElement* e = set->add_elements();
        RETURN_IF_ERROR(o.String("code", e->mutable_code(), true));
        o.Rename(absl::StrCat("element ", e->code()));
        RETURN_IF_ERROR(o.String("label", e->mutable_label()));
        RETURN_IF_ERROR(o.String("help", e->mutable_help()));
        int type = v1::ELEMENT_COUNT;
        RETURN_IF_ERROR(o.Enum("type", ElementTypeNames(), &type, false));
        e->set_type(static_cast<v1::ElementType>(type));
        RETURN_IF_ERROR(o.String("period", e->mutable_period()));
        RETURN_IF_ERROR(o.String("label_en", e->mutable_label_en()));
        if (o.Has("from_records")) {
          RETURN_IF_ERROR(ReadRecordCount(reader, o, e->mutable_from_records()));
        }
        if (o.Has("from_tasks")) {
          RETURN_IF_ERROR(ReadTaskCount(reader, o, e->mutable_from_tasks()));
        }
        return o.Finish();
      }));
  RETURN_IF_ERROR(doc.List(
      "validation", "validation",
      [&](const YAML::Node& item, const std::string& p, const YAML::Mark& m) {
        ASSIGN_OR_RETURN(
            Object o,
            Object::Open(reader, item, p, NameOf(item, "id", "validation rule"), m));
        v1::ValidationRule* rule = set->add_validation();
        RETURN_IF_ERROR(o.String("id", rule->mutable_id(), true));
        o.Rename(absl::StrCat("validation rule ", rule->id()));
        RETURN_IF_ERROR(ReadCheck(o, rule));
        RETURN_IF_ERROR(o.String("message", rule->mutable_message()));
        bool warning = false;
        RETURN_IF_ERROR(o.Bool("warning", &warning));
        rule->set_warning(warning);
        return o.Finish();
      }));
  RETURN_IF_ERROR(doc.List(
      "indicators", "indicators",
      [&](const YAML::Node& item, const std::string& p, const YAML::Mark& m) {
        ASSIGN_OR_RETURN(Object o, Object::Open(reader, item, p, "indicator", m));
        v1::Indicator* ind = set->add_indicators();
        RETURN_IF_ERROR(o.String("id", ind->mutable_id(), true));
        o.Rename(absl::StrCat("indicator ", ind->id()));
        RETURN_IF_ERROR(o.String("title", ind->mutable_title()));
        RETURN_IF_ERROR(o.StringList("numerator", ind->mutable_numerator()));
        RETURN_IF_ERROR(o.StringList("denominator", ind->mutable_denominator()));
        int unit = v1::MEASURE_UNIT_UNSPECIFIED;
        RETURN_IF_ERROR(o.Enum("unit", UnitNames(), &unit, true));
        ind->set_unit(static_cast<v1::MeasureUnit>(unit));
        bool complement = false;
        RETURN_IF_ERROR(o.Bool("complement", &complement));
        ind->set_complement(complement);
        return o.Finish();
      }));
  RETURN_IF_ERROR(
      doc.List("classification", "classification",
               [&](const YAML::Node& item, const std::string& p, const YAML::Mark& m) {
                 ASSIGN_OR_RETURN(
                     Object o, Object::Open(reader, item, p, "classification band", m));
                 v1::ClassificationBand* band = set->add_classification();
                 RETURN_IF_ERROR(o.String("label", band->mutable_label(), true));
                 RETURN_IF_ERROR(o.String("title", band->mutable_title()));
                 int64_t from = 0, below = 0;
                 RETURN_IF_ERROR(ParseHundredths(o, "from", &from, "min_hundredths"));
                 RETURN_IF_ERROR(ParseHundredths(o, "below", &below, "below_hundredths"));
                 band->set_min_hundredths(from);
                 band->set_below_hundredths(below);
                 return o.Finish();
               }));
  return doc.List(
      "areas", "areas",
      [&](const YAML::Node& item, const std::string& p, const YAML::Mark& m) {
        ASSIGN_OR_RETURN(Object o,
                         Object::Open(reader, item, p, NameOf(item, "code", "area"), m));
        v1::Area* area = set->add_areas();
        RETURN_IF_ERROR(o.String("code", area->mutable_code(), true));
        o.Rename(absl::StrCat("area ", area->code()));
        RETURN_IF_ERROR(o.String("title", area->mutable_title(), true));
        int64_t max = 0;
        RETURN_IF_ERROR(o.Milli("max", &max, true, "max_milli"));
        area->set_max_milli(max);
        RETURN_IF_ERROR(
            o.List("criteria", "criteria",
                   [&](const YAML::Node& c, const std::string& cp, const YAML::Mark& cm) {
                     return ReadCriterion(reader, c, cp, cm, area->add_criteria());
                   }));
        return o.Finish();
      });
}

// ---- plans ----

absl::Status ReadKinds(Object& o, absl::string_view key,
                       google::protobuf::RepeatedField<int>* kinds) {
  google::protobuf::RepeatedPtrField<std::string> names;
  RETURN_IF_ERROR(o.StringList(key, &names, "applies_to"));
  for (const std::string& raw : names) {
    const std::string name = absl::AsciiStrToLower(raw);
    if (name == "commune_level") {
      for (int k : {v1::WARD, v1::COMMUNE, v1::TOWNSHIP, v1::SPECIAL_ZONE}) kinds->Add(k);
      continue;
    }
    if (name == "district_level") {
      for (int k : {v1::CITY, v1::TOWN, v1::DISTRICT, v1::DEPARTMENT}) kinds->Add(k);
      continue;
    }
    bool found = false;
    for (const auto& [kind_name, value] : KindNames()) {
      if (kind_name == name) {
        kinds->Add(value);
        found = true;
      }
    }
    if (!found) {
      return o.Error(key, absl::StrCat("'", raw,
                                       "' is not a unit kind (ward, commune, township, "
                                       "special_zone, city, town, district, "
                                       "department, province, commune_level, "
                                       "district_level)"));
    }
  }
  return absl::OkStatus();
}

absl::Status ReadPlanDoc(Reader* reader, Object& doc, v1::Plan* plan) {
  RETURN_IF_ERROR(doc.String("id", plan->mutable_id(), true));
  doc.Rename(absl::StrCat("plan ", plan->id()));
  RETURN_IF_ERROR(doc.String("title", plan->mutable_title(), true));
  RETURN_IF_ERROR(doc.String("unit", plan->mutable_unit()));
  int64_t year = 0;
  RETURN_IF_ERROR(doc.Int("year", &year, true));
  plan->set_year(static_cast<int32_t>(year));
  if (doc.Has("source")) {
    ASSIGN_OR_RETURN(Object s, Object::Open(reader, doc.Get("source"), "source",
                                            "plan source", doc.MarkOf("source")));
    v1::SourceDocument* src = plan->mutable_source();
    RETURN_IF_ERROR(s.String("number", src->mutable_number(), true));
    if (s.Has("date")) RETURN_IF_ERROR(s.Date("date", src->mutable_date(), true));
    RETURN_IF_ERROR(s.String("issuer", src->mutable_issuer()));
    RETURN_IF_ERROR(s.String("file", src->mutable_file()));
    RETURN_IF_ERROR(s.Finish());
  }
  RETURN_IF_ERROR(doc.List(
      "targets", "targets",
      [&](const YAML::Node& item, const std::string& p, const YAML::Mark& m) {
        ASSIGN_OR_RETURN(Object o, Object::Open(reader, item, p, "target", m));
        v1::Target* t = plan->add_targets();
        RETURN_IF_ERROR(o.String("indicator", t->mutable_indicator(), true));
        o.Rename(absl::StrCat("target ", t->indicator()));
        v1::Comparator comparator;
        int64_t value = 0;
        RETURN_IF_ERROR(ParseCondition(o, "when", &comparator, &value, "value_milli"));
        t->set_comparator(comparator);
        t->set_value_milli(value);
        int unit = v1::MEASURE_UNIT_UNSPECIFIED;
        RETURN_IF_ERROR(o.Enum("unit", UnitNames(), &unit, true));
        t->set_unit(static_cast<v1::MeasureUnit>(unit));
        RETURN_IF_ERROR(o.String("period", t->mutable_period()));
        RETURN_IF_ERROR(ReadKinds(o, "for", t->mutable_applies_to()));
        RETURN_IF_ERROR(o.String("text", t->mutable_text()));
        return o.Finish();
      }));
  RETURN_IF_ERROR(
      doc.List("deadlines", "deadlines",
               [&](const YAML::Node& item, const std::string& p, const YAML::Mark& m) {
                 ASSIGN_OR_RETURN(Object o, Object::Open(reader, item, p, "deadline", m));
                 v1::Deadline* d = plan->add_deadlines();
                 RETURN_IF_ERROR(o.String("key", d->mutable_key(), true));
                 o.Rename(absl::StrCat("deadline ", d->key()));
                 RETURN_IF_ERROR(o.Date("due", d->mutable_due(), true));
                 RETURN_IF_ERROR(o.String("text", d->mutable_text()));
                 return o.Finish();
               }));
  return doc.List(
      "tasks", "tasks",
      [&](const YAML::Node& item, const std::string& p, const YAML::Mark& m) {
        ASSIGN_OR_RETURN(Object o, Object::Open(reader, item, p, "task", m));
        v1::Task* t = plan->add_tasks();
        RETURN_IF_ERROR(o.String("area", t->mutable_area()));
        RETURN_IF_ERROR(o.String("number", t->mutable_number()));
        RETURN_IF_ERROR(o.String("text", t->mutable_text(), true));
        RETURN_IF_ERROR(o.String("activity", t->mutable_activity()));
        RETURN_IF_ERROR(o.String("deliverable", t->mutable_deliverable()));
        RETURN_IF_ERROR(o.String("lead", t->mutable_lead()));
        RETURN_IF_ERROR(o.String("coordinating", t->mutable_coordinating()));
        RETURN_IF_ERROR(o.String("due", t->mutable_due_text(), false, "due_text"));
        *t->mutable_due() = ParseDuePhrase(t->due_text(), plan->year());
        RETURN_IF_ERROR(o.String("budget", t->mutable_budget()));
        return o.Finish();
      });
}

// ---- figures ----

absl::Status ReadValues(Object& entry, absl::string_view key, v1::EntryValues* v) {
  // The unit's values sit directly in the entry; the appraiser's under "appraised".
  const std::string side = key.empty() ? entry.path() : Join(entry.path(), key);
  if (entry.Has("figures")) {
    YAML::Node figures = entry.Get("figures");
    const std::string fpath = Join(side, "figures");
    ASSIGN_OR_RETURN(Object f, Object::Open(entry.reader(), figures, fpath,
                                            absl::StrCat(entry.what(), ": figures"),
                                            entry.MarkOf("figures")));
    for (const std::string& name : f.Keys()) {
      int64_t value = 0;
      RETURN_IF_ERROR(f.Int(name, &value, true));
      (*v->mutable_figures())[name] = value;
    }
    RETURN_IF_ERROR(f.Finish());
  }
  bool done = false, has_done = false;
  RETURN_IF_ERROR(entry.Bool("done", &done, &has_done));
  if (has_done) v->set_done(done);
  if (entry.Has("issued"))
    RETURN_IF_ERROR(entry.Date("issued", v->mutable_issued(), true));
  if (entry.Has("score")) {
    int64_t score = 0;
    RETURN_IF_ERROR(entry.Milli("score", &score, true, "score_milli"));
    v->set_score_milli(score);
  }
  if (entry.Has("survey")) {
    ASSIGN_OR_RETURN(
        Object s,
        Object::Open(entry.reader(), entry.Get("survey"), Join(side, "survey"),
                     absl::StrCat(entry.what(), ": survey"), entry.MarkOf("survey")));
    if (s.Has("percent")) {
      int64_t percent = 0;
      RETURN_IF_ERROR(s.Milli("percent", &percent, true, "percent_milli"));
      v->mutable_survey()->set_percent_milli(percent);
    }
    int64_t a = 0, b = 0, c = 0, d = 0;
    RETURN_IF_ERROR(s.Int("a", &a, false));
    RETURN_IF_ERROR(s.Int("b", &b, false));
    RETURN_IF_ERROR(s.Int("c", &c, false));
    RETURN_IF_ERROR(s.Int("d", &d, false));
    v1::SurveyAnswers* answers = v->mutable_survey();
    if (answers->has_percent_milli() && (a || b || c || d)) {
      return s.Error("percent", "give answers or a percent, not both");
    }
    answers->set_a(a);
    answers->set_b(b);
    answers->set_c(c);
    answers->set_d(d);
    RETURN_IF_ERROR(s.Finish());
  }
  return absl::OkStatus();
}

absl::Status ReadEntry(Reader* reader, const std::string& code, const YAML::Node& node,
                       const std::string& path, const YAML::Mark& mark, v1::Entry* e) {
  e->set_criterion(code);
  ASSIGN_OR_RETURN(Object o,
                   Object::Open(reader, node, path, absl::StrCat("entry ", code), mark));
  // Engine paths name the side ("entries[3].self.figures.x"): record both sides here.
  reader->Record(Join(path, "self"), o.mark());
  RETURN_IF_ERROR(ReadValues(o, "self", e->mutable_self()));
  if (o.Has("appraised")) {
    ASSIGN_OR_RETURN(
        Object a,
        Object::Open(reader, o.Get("appraised"), Join(path, "appraised"),
                     absl::StrCat("entry ", code, ": appraised"), o.MarkOf("appraised")));
    RETURN_IF_ERROR(ReadValues(a, "", e->mutable_appraised()));
    RETURN_IF_ERROR(a.Finish());
  }
  RETURN_IF_ERROR(o.String("comment", e->mutable_comment()));
  RETURN_IF_ERROR(o.String("appraisal_comment", e->mutable_appraisal_comment()));
  RETURN_IF_ERROR(o.String("explanation", e->mutable_explanation()));
  RETURN_IF_ERROR(o.List(
      "evidence", "evidence",
      [&](const YAML::Node& item, const std::string& p, const YAML::Mark& m) {
        ASSIGN_OR_RETURN(
            Object ev,
            Object::Open(reader, item, p, absl::StrCat("entry ", code, ": evidence"), m));
        v1::Evidence* evidence = e->add_evidence();
        RETURN_IF_ERROR(ev.String("type", evidence->mutable_document_type(), true));
        RETURN_IF_ERROR(ev.String("number", evidence->mutable_number()));
        if (ev.Has("date"))
          RETURN_IF_ERROR(ev.Date("date", evidence->mutable_date(), true));
        RETURN_IF_ERROR(ev.String("issuer", evidence->mutable_issuer()));
        RETURN_IF_ERROR(ev.String("summary", evidence->mutable_summary()));
        RETURN_IF_ERROR(ev.String("file", evidence->mutable_file_name()));
        return ev.Finish();
      }));
  return o.Finish();
}

// One side of a data value: a scalar as ParseElementValue() reads it.
absl::Status ReadSide(Object& o, absl::string_view key, const YAML::Node& node,
                      const std::string& path, v1::ElementValue* out) {
  o.reader()->Record(path, o.MarkOf(key));
  if (!node.IsDefined() || node.IsNull()) {
    return o.Error(key, "give a value, or leave the element out when it is not reported");
  }
  if (!node.IsScalar()) {
    return o.Error(key,
                   "expected a value (a count, a decimal, a date, yes/no, not issued)");
  }
  absl::StatusOr<v1::ElementValue> value = ParseElementValue(node.Scalar());
  if (!value.ok()) return o.Error(key, value.status().message());
  *out = *std::move(value);
  return absl::OkStatus();
}

// `code: value` or `code: {self: value, appraised: value}` under a unit's `values`.
absl::Status ReadDataValue(Object& values, const std::string& code,
                           const std::string& path, v1::DataValue* out) {
  out->set_element(code);
  Reader* reader = values.reader();
  reader->Record(path, values.KeyMarkOf(code));
  reader->Record(Join(path, "element"), values.KeyMarkOf(code));
  const YAML::Node node = values.Get(code);
  if (!node.IsMap()) {
    return ReadSide(values, code, node, Join(path, "self"), out->mutable_self());
  }
  ASSIGN_OR_RETURN(Object sides, Object::Open(reader, node, path,
                                              absl::StrCat(values.what(), ": ", code),
                                              values.MarkOf(code)));
  if (!sides.Has("self") && !sides.Has("appraised")) {
    return values.Error(code, "give self, appraised or both");
  }
  for (const char* side : {"self", "appraised"}) {
    if (!sides.Has(side)) continue;
    v1::ElementValue* value =
        side[0] == 's' ? out->mutable_self() : out->mutable_appraised();
    RETURN_IF_ERROR(ReadSide(sides, side, sides.Get(side), Join(path, side), value));
  }
  return sides.Finish();
}

absl::Status ReadFiguresDoc(Reader* reader, Object& doc, FiguresFile* out) {
  RETURN_IF_ERROR(doc.String("criteria_set", &out->criteria_set));
  RETURN_IF_ERROR(doc.String("plan", &out->plan));
  return doc.List(
      "units", "units",
      [&](const YAML::Node& item, const std::string& p, const YAML::Mark& m) {
        ASSIGN_OR_RETURN(Object o,
                         Object::Open(reader, item, p, NameOf(item, "code", "unit"), m));
        UnitFigures& u = out->units.emplace_back();
        RETURN_IF_ERROR(o.String("code", u.unit.mutable_code(), true));
        for (size_t i = 0; i + 1 < out->units.size(); ++i) {
          if (out->units[i].unit.code() == u.unit.code()) {
            return o.Error("code", absl::StrCat("'", u.unit.code(),
                                                "' is also the code of units[", i, "]"));
          }
        }
        o.Rename(absl::StrCat("unit ", u.unit.code()));
        // Optional: the server knows its units (submit, appraise); scoring offline
        // needs them (RequireUnitDetails).
        RETURN_IF_ERROR(o.String("name", u.unit.mutable_name()));
        int kind = v1::UNIT_KIND_UNSPECIFIED;
        RETURN_IF_ERROR(o.Enum("kind", KindNames(), &kind, false));
        u.unit.set_kind(static_cast<v1::UnitKind>(kind));
        RETURN_IF_ERROR(o.String("parent", u.unit.mutable_parent()));
        RETURN_IF_ERROR(o.String("block", u.unit.mutable_block()));
        u.assessment.set_unit(u.unit.code());
        if (o.Has("entries")) {
          const std::string epath = Join(p, "entries");
          ASSIGN_OR_RETURN(
              Object entries,
              Object::Open(reader, o.Get("entries"), epath,
                           absl::StrCat(o.what(), ": entries"), o.MarkOf("entries")));
          int i = 0;
          for (const std::string& code : entries.Keys()) {
            const std::string entry_path = absl::StrCat(epath, "[", i++, "]");
            const YAML::Mark mark = entries.MarkOf(code);
            RETURN_IF_ERROR(ReadEntry(reader, code, entries.Get(code), entry_path, mark,
                                      u.assessment.add_entries()));
            reader->Record(Join(entry_path, "criterion"), mark);
          }
          RETURN_IF_ERROR(entries.Finish());
        }
        if (o.Has("values")) {
          // The data sheet, in file order; the engine's paths are "values[i].self".
          const std::string vpath = Join(p, "values");
          ASSIGN_OR_RETURN(Object values, Object::Open(reader, o.Get("values"), vpath,
                                                       absl::StrCat(o.what(), ": values"),
                                                       o.MarkOf("values")));
          int i = 0;
          for (const std::string& code : values.Keys()) {
            RETURN_IF_ERROR(ReadDataValue(values, code,
                                          absl::StrCat(vpath, "[", i++, "]"),
                                          u.assessment.add_values()));
          }
          RETURN_IF_ERROR(values.Finish());
        }
        return o.Finish();
      });
}

absl::StatusOr<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the file"));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

absl::StatusOr<Parsed<v1::CriteriaSet>> ParseCriteriaSet(absl::string_view text,
                                                         absl::string_view file) {
  return ParseDocument<v1::CriteriaSet>(text, file, ReadSet);
}

absl::StatusOr<Parsed<v1::Plan>> ParsePlan(absl::string_view text,
                                           absl::string_view file) {
  return ParseDocument<v1::Plan>(text, file, ReadPlanDoc);
}

absl::StatusOr<Parsed<FiguresFile>> ParseFigures(absl::string_view text,
                                                 absl::string_view file) {
  return ParseDocument<FiguresFile>(text, file, ReadFiguresDoc);
}

absl::StatusOr<Parsed<v1::CriteriaSet>> ReadCriteriaSet(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadText(path));
  return ParseCriteriaSet(text, path);
}

absl::StatusOr<Parsed<v1::Plan>> ReadPlan(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadText(path));
  return ParsePlan(text, path);
}

absl::StatusOr<Parsed<FiguresFile>> ReadFigures(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadText(path));
  return ParseFigures(text, path);
}

absl::Status RequireUnitDetails(const Parsed<FiguresFile>& figures) {
  for (size_t i = 0; i < figures.proto.units.size(); ++i) {
    const v1::Unit& unit = figures.proto.units[i].unit;
    const char* missing = unit.name().empty()                        ? "name"
                          : unit.kind() == v1::UNIT_KIND_UNSPECIFIED ? "kind"
                                                                     : nullptr;
    if (missing == nullptr) continue;
    return absl::InvalidArgumentError(
        absl::StrCat(figures.source.Locate(absl::StrCat("units[", i, "]")), ": unit ",
                     unit.code(), ": ", missing,
                     ": needed to score offline (a server knows its units: submit and "
                     "appraise do without)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<FileKind> DetectFileKind(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadText(path));
  try {
    const YAML::Node root = YAML::Load(text);
    if (root.IsMap()) {
      if (root["areas"]) return FileKind::kCriteriaSet;
      if (root["units"]) return FileKind::kFigures;
      if (root["year"]) return FileKind::kPlan;
    }
  } catch (const YAML::Exception& e) {
    return Reader(path).ErrorAt(e.mark, e.msg);
  }
  return absl::InvalidArgumentError(
      absl::StrCat(path,
                   ": not a criteria set (no 'areas'), a plan (no 'year') or "
                   "figures (no 'units')"));
}

absl::StatusOr<std::shared_ptr<const engine::CompiledCriteriaSet>> LoadCriteriaSet(
    const std::string& path) {
  ASSIGN_OR_RETURN(Parsed<v1::CriteriaSet> parsed, ReadCriteriaSet(path));
  auto compiled = engine::CompiledCriteriaSet::Compile(std::move(parsed.proto));
  if (!compiled.ok()) return parsed.source.Annotate(compiled.status());
  return compiled;
}

absl::StatusOr<std::shared_ptr<const engine::CompiledPlan>> LoadPlan(
    const std::string& path) {
  ASSIGN_OR_RETURN(Parsed<v1::Plan> parsed, ReadPlan(path));
  auto compiled = engine::CompiledPlan::Compile(std::move(parsed.proto));
  if (!compiled.ok()) return parsed.source.Annotate(compiled.status());
  return compiled;
}

}  // namespace parindex::criteria
