// `parindex history`: see history_command.h.
#include "client/history_command.h"

#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "client/text_table.h"
#include "common/status_macros.h"
#include "engine/fixed_point.h"

namespace parindex::client {

std::string RenderHistory(const v1::UnitHistory& history) {
  // The areas' codes in the order they first appear (the sets' order: I, II, …).
  std::vector<std::string> areas;
  std::set<std::string> seen;
  for (const auto& row : history.rows()) {
    for (const v1::AreaScore& a : row.areas()) {
      if (seen.insert(a.code()).second) areas.push_back(a.code());
    }
  }
  std::string out = absl::StrCat("History of ", history.unit());
  if (!history.formed_from().empty()) {
    absl::StrAppend(&out, " (formed from ", absl::StrJoin(history.formed_from(), ", "),
                    ")");
  }
  absl::StrAppend(&out, "\n");
  if (history.rows().empty()) {
    absl::StrAppend(&out, "no round of this unit is visible to this account\n");
    return out;
  }
  // Each line without the padding after its last column.
  auto line = [&out](std::string text) {
    absl::StrAppend(&out, absl::StripTrailingAsciiWhitespace(text), "\n");
  };
  std::string header = absl::StrCat(
      Fit("year", 5), " ", Fit("round", 14), " ", Fit("unit", 8), " ", Fit("block", 10),
      " ", Fit("index", 7), " ", Fit("rank", 9), " ", Fit("class", 12));
  for (const std::string& a : areas) absl::StrAppend(&header, " ", Fit(a, 7));
  line(header);
  for (const auto& row : history.rows()) {
    std::string text = absl::StrCat(Fit(row.year() ? absl::StrCat(row.year()) : "-", 5),
                                    " ", Fit(row.round(), 14), " ", Fit(row.unit(), 8),
                                    " ", Fit(row.block(), 10), " ");
    if (!row.error().empty()) {
      line(absl::StrCat(text, "cannot be scored: ", row.error()));
      continue;
    }
    if (row.not_appraised()) {  // the office's column holds nothing of the office yet
      line(absl::StrCat(text, "not appraised"));
      continue;
    }
    if (row.not_started()) {  // the unit's own column holds nothing of its own
      line(absl::StrCat(text, "not self-assessed"));
      continue;
    }
    absl::StrAppend(
        &text,
        Fit(row.index_applicable() ? engine::FormatHundredths(row.index_hundredths())
                                   : "-",
            7),
        " ", Fit(row.rank() ? absl::StrCat(row.rank(), "/", row.block_size()) : "-", 9),
        " ", Fit(row.classification(), 12));
    for (const std::string& code : areas) {
      std::string points = "-";
      for (const v1::AreaScore& a : row.areas()) {
        if (a.code() == code) points = engine::FormatMilli(a.points_milli());
      }
      absl::StrAppend(&text, " ", Fit(points, 7));
    }
    line(text);
  }
  return out;
}

absl::StatusOr<std::string> History(Api& api, const std::string& unit,
                                    bool with_predecessors, const std::string& column,
                                    bool json) {
  v1::GetUnitHistoryRequest request;
  request.set_unit(absl::StrCat("units/", unit));
  request.set_include_predecessors(with_predecessors);
  request.set_column(column == "self" ? v1::SELF : v1::APPRAISED);
  ASSIGN_OR_RETURN(
      v1::UnitHistory history,
      api.Call(api.scores(), &v1::ScoreService::Stub::GetUnitHistory, request));
  if (json) return ToJson(history);
  return RenderHistory(history);
}

}  // namespace parindex::client
