// Figures as CSV.
#include "criteria/figures_csv.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "engine/fixed_point.h"
#include "engine/plan.h"

namespace parindex::criteria {

absl::StatusOr<v1::Assessment> ParseFiguresCsv(absl::string_view text,
                                               absl::string_view file) {
  v1::Assessment assessment;
  std::map<std::string, int> index;  // criterion -> entry
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line);
    if (number == 1) absl::ConsumePrefix(&line, "\xEF\xBB\xBF");  // a spreadsheet's BOM
    if (line.empty() || (number == 1 && absl::StartsWith(line, "criterion"))) continue;
    auto error = [&](absl::string_view message) {
      return absl::InvalidArgumentError(absl::StrCat(file, ":", number, ": ", message));
    };
    std::vector<std::string> cells = absl::StrSplit(line, absl::MaxSplits(',', 2));
    if (cells.size() != 3) return error("expected criterion,field,value");
    for (std::string& cell : cells) cell = std::string(absl::StripAsciiWhitespace(cell));
    // A value a spreadsheet quoted ("có, kèm QĐ"): unquote it.
    if (cells[2].size() >= 2 && cells[2].front() == '"' && cells[2].back() == '"') {
      cells[2] =
          absl::StrReplaceAll(cells[2].substr(1, cells[2].size() - 2), {{"\"\"", "\""}});
    }
    const std::string& criterion = cells[0];
    const std::string& field = cells[1];
    const std::string& value = cells[2];
    if (criterion.empty() || field.empty())
      return error("criterion and field are required");
    auto [it, inserted] = index.emplace(criterion, assessment.entries_size());
    if (inserted) assessment.add_entries()->set_criterion(criterion);
    v1::Entry* entry = assessment.mutable_entries(it->second);
    v1::EntryValues* self = entry->mutable_self();
    if (field == "done") {
      const std::string v = absl::AsciiStrToLower(value);
      if (v == "yes" || v == "true" || v == "có" || v == "1") {
        self->set_done(true);
      } else if (v == "no" || v == "false" || v == "không" || v == "0") {
        self->set_done(false);
      } else {
        return error(absl::StrCat("done: '", value, "' is not yes or no"));
      }
    } else if (field == "issued") {
      std::vector<std::string> parts = absl::StrSplit(value, absl::ByAnyChar("-/"));
      int a = 0, b = 0, c = 0;
      const bool parsed = parts.size() == 3 && absl::SimpleAtoi(parts[0], &a) &&
                          absl::SimpleAtoi(parts[1], &b) &&
                          absl::SimpleAtoi(parts[2], &c);
      v1::Date* date = self->mutable_issued();
      const bool iso = value.find('-') != std::string::npos;
      date->set_year(iso ? a : c);
      date->set_month(b);
      date->set_day(iso ? c : a);
      if (!parsed || !engine::IsValidDate(*date)) {
        return error(absl::StrCat("issued: '", value,
                                  "' is not a date (use 2023-02-10 or 10/02/2023)"));
      }
    } else if (field == "score") {
      absl::StatusOr<int64_t> score = engine::ParseMilli(value);
      if (!score.ok()) return error(absl::StrCat("score: ", score.status().message()));
      self->set_score_milli(*score);
    } else if (field == "comment") {
      entry->set_comment(value);
    } else {
      int64_t count = 0;
      if (!absl::SimpleAtoi(value, &count)) {
        return error(absl::StrCat(field, ": '", value, "' is not a whole number"));
      }
      (*self->mutable_figures())[field] = count;
    }
  }
  return assessment;
}

}  // namespace parindex::criteria
