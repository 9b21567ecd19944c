// Schema step 5: the copies of a figure that each criterion held become one value on
// the assessment's data sheet; copies that disagreed stay as their criterion's own.
#include "server/store/data_sheet_upgrade.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "parindex/v1/assessment.pb.h"
#include "server/store/sql.h"

namespace parindex::store {
namespace {

constexpr char kConflictReason[] =
    "schema 5: copies of a count disagreed; each criterion keeps its value until the "
    "element is written again";

constexpr int kSides = 2;
constexpr const char* kSideNames[kSides] = {"self", "appraised"};

struct StoredEntry {
  std::string criterion;
  v1::Entry entry;
  std::string updated_at;  // the row's: what "most recently updated" compares
  std::string updated_by;
  bool changed = false;
};

// The side `side` (0 self, 1 appraised) of an entry, null when the entry has none.
v1::EntryValues* SideOf(v1::Entry& entry, int side) {
  if (side == 0) return entry.has_self() ? entry.mutable_self() : nullptr;
  return entry.has_appraised() ? entry.mutable_appraised() : nullptr;
}

// One element's value on one side of the sheet, and the copies that differ from it.
struct SheetFigure {
  size_t from = 0;  // the entry it was taken from
  int64_t value = 0;
  std::vector<std::pair<std::string, int64_t>> others;  // criterion, its own value
  // Appraised side only: the value stays off the sheet and every appraised copy on its
  // criterion, because a criterion not appraised for it (`unappraised`) would read the
  // sheet's appraised value before its own self figure.
  std::string unappraised;
};

// `text` as a JSON string (codes and element names are short, mostly ASCII).
std::string JsonString(absl::string_view text) {
  constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += "\\u00";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

// The prepared statements of the conversion, used once per assessment.
struct Statements {
  explicit Statements(Conn* db)
      : read(db,
             "SELECT criterion, body, updated_at, updated_by FROM entries "
             "WHERE round_id = ? AND unit_code = ? ORDER BY criterion"),
        rewrite(db,
                "UPDATE entries SET body = ? WHERE round_id = ? AND unit_code = ? "
                "AND criterion = ?"),
        insert(db,
               "INSERT INTO data_values (round_id, unit_code, element, version, body, "
               "updated_at, updated_by) VALUES (?, ?, ?, 1, ?, ?, ?)"),
        audit(db,
              "INSERT INTO audit (at, actor, role, actor_unit, action, resource, before, "
              "after, reason, request_id) VALUES (?, 'system', 'system', '', "
              "'upgrade.figure_conflict', ?, '', ?, ?, '')") {}
  Stmt read, rewrite, insert, audit;
};

absl::Status ConvertAssessment(Statements& sql, const std::string& round,
                               const std::string& unit, Upgrade* upgrade) {
  std::vector<StoredEntry> entries;
  sql.read.Reset();
  sql.read.Bind(1, round).Bind(2, unit);
  while (true) {
    ASSIGN_OR_RETURN(bool row, sql.read.Step());
    if (!row) break;
    StoredEntry& e = entries.emplace_back();
    e.criterion = sql.read.Text(0);
    if (!e.entry.ParseFromString(sql.read.Blob(1))) {
      return absl::DataLossError(absl::StrCat("rounds/", round, "/assessments/", unit,
                                              "/entries/", e.criterion,
                                              ": stored entry cannot be parsed"));
    }
    e.updated_at = sql.read.Text(2);
    e.updated_by = sql.read.Text(3);
  }

  // Entries come in criterion order, so a later entry wins only when strictly newer:
  // on a tie the smallest code keeps the sheet.
  std::map<std::string, SheetFigure> sheet[kSides];
  for (int side = 0; side < kSides; ++side) {
    for (size_t i = 0; i < entries.size(); ++i) {
      const v1::EntryValues* values = SideOf(entries[i].entry, side);
      if (values == nullptr) continue;
      for (const auto& [element, value] : values->figures()) {
        auto [it, first] = sheet[side].try_emplace(element, SheetFigure{i, value, {}});
        if (!first && entries[i].updated_at > entries[it->second.from].updated_at) {
          it->second.from = i;
          it->second.value = value;
        }
      }
    }
  }
  if (sheet[0].empty() && sheet[1].empty()) return absl::OkStatus();
  for (auto& [element, figure] : sheet[1]) {
    for (StoredEntry& e : entries) {
      const v1::EntryValues* self = SideOf(e.entry, 0);
      const v1::EntryValues* appraised = SideOf(e.entry, 1);
      if (self != nullptr && self->figures().contains(element) &&
          (appraised == nullptr || !appraised->figures().contains(element))) {
        figure.unappraised = e.criterion;
        break;
      }
    }
  }

  // A copy equal to the sheet's value is the sheet's from now on; one that differs stays
  // on its criterion, which scoring reads before the sheet, so that no score moves.
  for (int side = 0; side < kSides; ++side) {
    for (StoredEntry& e : entries) {
      v1::EntryValues* values = SideOf(e.entry, side);
      if (values == nullptr) continue;
      auto* figures = values->mutable_figures();
      for (auto it = figures->begin(); it != figures->end();) {
        SheetFigure& figure = sheet[side].at(it->first);
        if (it->second == figure.value && figure.unappraised.empty()) {
          it = figures->erase(it);
          e.changed = true;
        } else {
          figure.others.emplace_back(e.criterion, it->second);
          ++it;
        }
      }
    }
  }
  // The entries keep their versions (etags): a rewritten body scores as it did (its
  // figures are on the sheet, or still its own), so what a client read is not stale in
  // meaning, and a client that read an entry before the upgrade may still write it
  // back. An entry not yet appraised reads, in the APPRAISED column, the sheet's
  // appraised value before its own self figure: where another criterion's appraisal
  // would give one, that appraisal stays on its criterion (SheetFigure::unappraised).
  for (const StoredEntry& e : entries) {
    if (!e.changed) continue;
    sql.rewrite.Reset();
    RETURN_IF_ERROR(sql.rewrite.BindBlob(1, e.entry.SerializeAsString())
                        .Bind(2, round)
                        .Bind(3, unit)
                        .Bind(4, e.criterion)
                        .Run());
  }

  std::map<std::string, v1::DataValue> values;
  std::map<std::string, const StoredEntry*> latest;  // the row's time and author
  for (int side = 0; side < kSides; ++side) {
    for (const auto& [element, figure] : sheet[side]) {
      if (!figure.unappraised.empty()) continue;
      const StoredEntry& from = entries[figure.from];
      v1::DataValue& value = values[element];
      value.set_element(element);
      value.set_version(1);
      v1::ElementValue* v = side == 0 ? value.mutable_self() : value.mutable_appraised();
      v->set_count(figure.value);
      v->set_updated_by(from.updated_by);
      v->set_updated_at(from.updated_at);
      const StoredEntry*& row = latest[element];
      if (row == nullptr || from.updated_at > row->updated_at) row = &from;
    }
  }
  for (const auto& [element, value] : values) {
    sql.insert.Reset();
    RETURN_IF_ERROR(sql.insert.Bind(1, round)
                        .Bind(2, unit)
                        .Bind(3, element)
                        .BindBlob(4, value.SerializeAsString())
                        .Bind(5, latest[element]->updated_at)
                        .Bind(6, latest[element]->updated_by)
                        .Run());
  }

  std::vector<std::string> json, text;
  for (int side = 0; side < kSides; ++side) {
    for (const auto& [element, figure] : sheet[side]) {
      if (figure.others.empty()) continue;
      std::vector<std::string> others_json, others_text;
      for (const auto& [criterion, value] : figure.others) {
        others_json.push_back(absl::StrCat("{\"criterion\":", JsonString(criterion),
                                           ",\"value\":", value, "}"));
        others_text.push_back(absl::StrCat(criterion, " keeps ", value));
      }
      if (!figure.unappraised.empty()) {
        json.push_back(absl::StrCat(
            "{\"element\":", JsonString(element), ",\"side\":\"", kSideNames[side],
            "\",\"sheet\":null,\"not_appraised\":", JsonString(figure.unappraised),
            ",\"overrides\":[", absl::StrJoin(others_json, ","), "]}"));
        text.push_back(absl::StrCat(
            element, " (", kSideNames[side], "): not on the sheet while ",
            figure.unappraised, " is not appraised, ", absl::StrJoin(others_text, ", ")));
        continue;
      }
      const std::string& from = entries[figure.from].criterion;
      json.push_back(absl::StrCat("{\"element\":", JsonString(element), ",\"side\":\"",
                                  kSideNames[side], "\",\"sheet\":", figure.value,
                                  ",\"from\":", JsonString(from), ",\"overrides\":[",
                                  absl::StrJoin(others_json, ","), "]}"));
      text.push_back(absl::StrCat(element, " (", kSideNames[side], "): the sheet holds ",
                                  figure.value, " (from ", from, "), ",
                                  absl::StrJoin(others_text, ", ")));
    }
  }
  if (json.empty()) return absl::OkStatus();
  const std::string resource = absl::StrCat("rounds/", round, "/assessments/", unit);
  sql.audit.Reset();
  RETURN_IF_ERROR(
      sql.audit.Bind(1, upgrade->now)
          .Bind(2, resource)
          .Bind(3, absl::StrCat("{\"conflicts\":[", absl::StrJoin(json, ","), "]}"))
          .Bind(4, kConflictReason)
          .Run());
  upgrade->notes.push_back(
      absl::StrCat("schema 5: ", resource,
                   ": copies of a count disagreed: ", absl::StrJoin(text, "; ")));
  return absl::OkStatus();
}

}  // namespace

absl::Status MoveFiguresToDataSheets(Conn* db, Upgrade* upgrade) {
  // The keys first, so that no cursor is open on a table being rewritten.
  std::vector<std::pair<std::string, std::string>> assessments;
  {
    Stmt list(db,
              "SELECT DISTINCT round_id, unit_code FROM entries "
              "ORDER BY round_id, unit_code");
    while (true) {
      ASSIGN_OR_RETURN(bool row, list.Step());
      if (!row) break;
      assessments.emplace_back(list.Text(0), list.Text(1));
    }
  }
  Statements sql(db);
  for (const auto& [round, unit] : assessments)
    RETURN_IF_ERROR(ConvertAssessment(sql, round, unit, upgrade));
  return Exec(db, R"sql(
UPDATE assessments SET form_bytes =
  (SELECT COALESCE(SUM(length(body)), 0) FROM entries e
   WHERE e.round_id = assessments.round_id AND e.unit_code = assessments.unit_code) +
  (SELECT COALESCE(SUM(length(meta)), 0) FROM evidence v
   WHERE v.round_id = assessments.round_id AND v.unit_code = assessments.unit_code) +
  (SELECT COALESCE(SUM(length(body)), 0) FROM data_values d
   WHERE d.round_id = assessments.round_id AND d.unit_code = assessments.unit_code);
)sql");
}

}  // namespace parindex::store
