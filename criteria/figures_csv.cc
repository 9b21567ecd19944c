// Figures as CSV: a data sheet of many units, or one unit's entries.
#include "criteria/figures_csv.h"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "criteria/csv.h"
#include "criteria/element_value.h"
#include "engine/fixed_point.h"

namespace parindex::criteria {
namespace {

std::string Lower(const std::string& s) { return absl::AsciiStrToLower(s); }

// "f.csv:3: message".
absl::Status ErrorAt(absl::string_view file, int line, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(file, ":", line, ": ", message));
}

// ReadCsv's "line 2: …" as "f.csv:2: …".
absl::Status Placed(absl::string_view file, const absl::Status& status) {
  absl::string_view message = status.message();
  if (absl::ConsumePrefix(&message, "line ")) {
    return absl::Status(status.code(), absl::StrCat(file, ":", message));
  }
  return absl::Status(status.code(), absl::StrCat(file, ": ", message));
}

// unit,element,value[,column]: one assessment per unit.
absl::StatusOr<std::vector<v1::Assessment>> ReadSheet(const std::vector<CsvRow>& rows,
                                                      absl::string_view file,
                                                      std::vector<SourceMap>* sources) {
  const CsvRow& header = rows[0];
  std::vector<std::string> names;
  for (const std::string& cell : header.cells) names.push_back(Lower(cell));
  if (names != std::vector<std::string>{"unit", "element", "value"} &&
      names != std::vector<std::string>{"unit", "element", "value", "column"}) {
    return ErrorAt(file, header.line,
                   "the header must be unit,element,value or unit,element,value,column");
  }
  std::vector<v1::Assessment> units;
  std::map<std::string, int> unit_index;
  // (unit, element) -> value index; (unit, element, column) -> the line that gave it.
  std::map<std::pair<std::string, std::string>, int> value_index;
  std::map<std::string, int> given_on;
  for (size_t r = 1; r < rows.size(); ++r) {
    const CsvRow& row = rows[r];
    if (row.cells.size() < 3 || row.cells.size() > 4) {
      return ErrorAt(file, row.line, "expected unit,element,value[,column]");
    }
    const std::string& unit = row.cells[0];
    const std::string& element = row.cells[1];
    const std::string& text = row.cells[2];
    if (unit.empty() || element.empty()) {
      return ErrorAt(file, row.line, "unit and element are required");
    }
    const std::string where = absl::StrCat("unit ", unit, ": ", element);
    const std::string column = row.cells.size() == 4 ? Lower(row.cells[3]) : "";
    if (!column.empty() && column != "self" && column != "appraised") {
      return ErrorAt(
          file, row.line,
          absl::StrCat(where, ": column '", row.cells[3], "' is not self or appraised"));
    }
    const bool appraised = column == "appraised";
    auto [u, new_unit] = unit_index.emplace(unit, static_cast<int>(units.size()));
    if (new_unit) {
      units.emplace_back().set_unit(unit);
      sources->emplace_back(std::string(file));
    }
    v1::Assessment& assessment = units[u->second];
    SourceMap& source = (*sources)[u->second];
    if (text.empty()) continue;  // a blank cell: not reported
    absl::StatusOr<v1::ElementValue> value = ParseElementValue(text);
    if (!value.ok()) {
      return ErrorAt(file, row.line, absl::StrCat(where, ": ", value.status().message()));
    }
    const std::string side_key =
        absl::StrCat(unit, "\n", element, "\n", appraised ? "appraised" : "self");
    auto [given, first] = given_on.emplace(side_key, row.line);
    if (!first) {
      return ErrorAt(
          file, row.line,
          absl::StrCat(where, ": ", appraised ? "appraised" : "self",
                       " value given twice (also on line ", given->second, ")"));
    }
    auto [v, new_value] =
        value_index.emplace(std::make_pair(unit, element), assessment.values_size());
    const std::string path = absl::StrCat("values[", v->second, "]");
    if (new_value) {
      assessment.add_values()->set_element(element);
      source.Record(path, row.line, 0);
    }
    source.Record(absl::StrCat(path, appraised ? ".appraised" : ".self"), row.line, 0);
    v1::DataValue* data = assessment.mutable_values(v->second);
    *(appraised ? data->mutable_appraised() : data->mutable_self()) = *std::move(value);
  }
  return units;
}

// criterion,field,value: one unit's entries; figures go to its data sheet.
absl::StatusOr<v1::Assessment> ReadEntries(const std::vector<CsvRow>& rows,
                                           absl::string_view file, SourceMap* source) {
  v1::Assessment assessment;
  std::map<std::string, int> entry_index;                        // criterion -> entry
  std::map<std::string, std::pair<int, std::string>> figure_of;  // element -> line, text
  for (size_t r = 0; r < rows.size(); ++r) {
    const CsvRow& row = rows[r];
    if (r == 0 && !row.cells.empty() && Lower(row.cells[0]) == "criterion") continue;
    auto error = [&](absl::string_view message) {
      return ErrorAt(file, row.line, message);
    };
    if (row.cells.size() < 3) return error("expected criterion,field,value");
    const std::string& criterion = row.cells[0];
    const std::string& field = row.cells[1];
    std::string value = row.cells[2];
    if (row.cells.size() > 3) {
      // A comment with commas the spreadsheet did not quote.
      if (field != "comment") return error("expected criterion,field,value");
      std::vector<std::string> rest(row.cells.begin() + 2, row.cells.end());
      value = absl::StrJoin(rest, ", ");
    }
    if (criterion.empty() || field.empty())
      return error("criterion and field are required");
    // The entry of `criterion`, its `part` ("self.score") placed on this row.
    auto entry = [&](absl::string_view part) -> v1::Entry* {
      auto [it, inserted] = entry_index.emplace(criterion, assessment.entries_size());
      const std::string path = absl::StrCat("entries[", it->second, "]");
      if (inserted) {
        assessment.add_entries()->set_criterion(criterion);
        source->Record(path, row.line, 0);
      }
      source->Record(absl::StrCat(path, ".", part), row.line, 0);
      return assessment.mutable_entries(it->second);
    };
    if (field == "done") {
      const std::string v = Lower(value);
      if (v == "yes" || v == "true" || v == "có" || v == "1") {
        entry("self.done")->mutable_self()->set_done(true);
      } else if (v == "no" || v == "false" || v == "không" || v == "0") {
        entry("self.done")->mutable_self()->set_done(false);
      } else {
        return error(absl::StrCat("done: '", value, "' is not yes or no"));
      }
    } else if (field == "issued") {
      std::optional<v1::Date> date = ParseDate(value);
      if (!date.has_value()) {
        return error(absl::StrCat("issued: '", value,
                                  "' is not a date (use 2023-02-10 or 10/02/2023)"));
      }
      *entry("self.issued")->mutable_self()->mutable_issued() = *date;
    } else if (field == "score") {
      absl::StatusOr<int64_t> score = engine::ParseMilli(value);
      if (!score.ok()) return error(absl::StrCat("score: ", score.status().message()));
      entry("self.score")->mutable_self()->set_score_milli(*score);
    } else if (field == "comment") {
      entry("comment")->set_comment(value);
    } else {
      // A figure: the element of that name, typed once for every criterion reading it.
      absl::StatusOr<v1::ElementValue> parsed = ParseElementValue(value);
      if (!parsed.ok()) {
        return error(absl::StrCat(field, ": ", parsed.status().message()));
      }
      auto [it, first] = figure_of.emplace(field, std::make_pair(row.line, value));
      if (!first) {
        if (it->second.second == value) continue;  // the same figure again
        return error(absl::StrCat(field, ": ", value, " here but ", it->second.second,
                                  " on line ", it->second.first,
                                  " (a figure is typed once, for every criterion)"));
      }
      const std::string path = absl::StrCat("values[", assessment.values_size(), "]");
      source->Record(path, row.line, 0);
      source->Record(absl::StrCat(path, ".self"), row.line, 0);
      v1::DataValue* data = assessment.add_values();
      data->set_element(field);
      *data->mutable_self() = *std::move(parsed);
    }
  }
  return assessment;
}

}  // namespace

absl::StatusOr<std::vector<v1::Assessment>> ParseFiguresCsvUnits(
    absl::string_view text, absl::string_view file, std::vector<SourceMap>* sources) {
  std::vector<SourceMap> unused;
  if (sources == nullptr) sources = &unused;
  sources->clear();
  absl::StatusOr<std::vector<CsvRow>> rows = ReadCsv(text);
  if (!rows.ok()) return Placed(file, rows.status());
  if (!rows->empty() && !(*rows)[0].cells.empty() &&
      Lower((*rows)[0].cells[0]) == "unit") {
    return ReadSheet(*rows, file, sources);
  }
  SourceMap& source = sources->emplace_back(std::string(file));
  absl::StatusOr<v1::Assessment> one = ReadEntries(*rows, file, &source);
  if (!one.ok()) return one.status();
  return std::vector<v1::Assessment>{*std::move(one)};
}

absl::StatusOr<v1::Assessment> ParseFiguresCsv(absl::string_view text,
                                               absl::string_view file,
                                               absl::string_view unit,
                                               SourceMap* source) {
  std::vector<SourceMap> sources;
  absl::StatusOr<std::vector<v1::Assessment>> units =
      ParseFiguresCsvUnits(text, file, &sources);
  if (!units.ok()) return units.status();
  // The k-th unit, with its places.
  auto pick = [&](size_t k) {
    if (source != nullptr) *source = std::move(sources[k]);
    return std::move((*units)[k]);
  };
  if (units->size() == 1 &&
      (unit.empty() || (*units)[0].unit().empty() || (*units)[0].unit() == unit)) {
    return pick(0);
  }
  if (units->empty() && unit.empty()) return v1::Assessment();
  if (unit.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ": holds ", units->size(), " units; name the unit to read"));
  }
  for (size_t k = 0; k < units->size(); ++k) {
    if ((*units)[k].unit() == unit) return pick(k);
  }
  return absl::NotFoundError(absl::StrCat(file, ": no row of unit '", unit, "'"));
}

}  // namespace parindex::criteria
