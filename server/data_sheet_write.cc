// Laying writes over a data sheet.
#include "server/data_sheet_write.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "engine/plan.h"
#include "server/policy.h"

namespace parindex::server {
namespace {

v1::ElementValue* SideOf(v1::DataValue* value, v1::Column side) {
  return side == v1::APPRAISED ? value->mutable_appraised() : value->mutable_self();
}

// The value a write gives, without who and when, to tell two writes apart.
std::string Bare(v1::ElementValue value) {
  value.clear_updated_by();
  value.clear_updated_at();
  return value.SerializeAsString();
}

}  // namespace

absl::StatusOr<LaidSheet> LaySheet(const engine::CompiledCriteriaSet& set,
                                   const v1::Assessment& stored, v1::Column side,
                                   const std::vector<SheetWrite>& writes,
                                   const std::string& actor, const std::string& now,
                                   const std::string& parent) {
  const std::vector<engine::Element>& elements = set.elements();
  std::vector<const v1::DataValue*> before(elements.size(), nullptr);
  for (const v1::DataValue& v : stored.values()) {
    const int e = set.FindElement(v.element());
    if (e >= 0) before[e] = &v;
  }
  LaidSheet out;
  std::map<int, std::pair<v1::DataValue, std::string>>
      written;            // element -> value, field
  std::set<int> stamped;  // elements whose caller's side the writes change
  for (const SheetWrite& w : writes) {
    const int e = set.FindElement(w.element);
    if (e < 0) {
      absl::string_view field =
          w.field;  // "updates[2].value": the element is at ".element"
      const bool of_value = absl::ConsumeSuffix(&field, ".value");
      return absl::InvalidArgumentError(absl::StrCat(
          field, of_value ? ".element" : "", ": '", w.element,
          "' is not a data element of ", set.proto().id(), " v", set.proto().version()));
    }
    auto it = written.find(e);
    if (it != written.end()) {
      const v1::ElementValue& other =
          side == v1::APPRAISED ? it->second.first.appraised() : it->second.first.self();
      if (Bare(other) == Bare(w.value)) continue;  // the same count, given twice
      const engine::Element& element = elements[e];
      return absl::InvalidArgumentError(absl::StrCat(
          w.field, ": ", w.element,
          element.declared != nullptr ? absl::StrCat(" (", element.label(), ")") : "",
          " is given another value in ", it->second.second,
          "; a figure is typed once, on the data sheet"));
    }
    const int64_t version = before[e] == nullptr ? 0 : before[e]->version();
    if (w.etag.has_value() && *w.etag != version) {
      return absl::AbortedError(
          absl::StrCat(parent, "/dataSheet/", w.element, ": stale etag ", *w.etag,
                       "; it is at version ", version, " (read it again, then retry)"));
    }
    if (!w.etag.has_value() && w.unread && before[e] != nullptr) {
      // Given per criterion without the version read: it may not overwrite a value the
      // caller may never have seen (one written on the data sheet since it read).
      const v1::ElementValue& held =
          side == v1::APPRAISED ? before[e]->appraised() : before[e]->self();
      if (held.value_case() != v1::ElementValue::VALUE_NOT_SET &&
          Bare(held) != Bare(w.value)) {
        if (out.overwrite.ok())
          out.overwrite = absl::AbortedError(absl::StrCat(
              parent, "/dataSheet/", w.element, ": ", w.field,
              " would overwrite the value stored at version ", version,
              ", which may have changed since it was read; read it again and give its "
              "version in ",
              w.etag_field, "[", w.element, "], then retry"));
      }
    }
    v1::DataValue value;
    if (before[e] != nullptr) value = *before[e];
    value.set_element(w.element);
    value.clear_version();
    if (w.value.value_case() == v1::ElementValue::VALUE_NOT_SET) {
      if (side == v1::APPRAISED) {
        value.clear_appraised();
      } else {
        value.clear_self();
      }
    } else {
      v1::ElementValue* v = SideOf(&value, side);
      // The same value again keeps who gave it and when (as the store does).
      if (v->value_case() == v1::ElementValue::VALUE_NOT_SET ||
          Bare(*v) != Bare(w.value)) {
        *v = w.value;
        v->set_updated_by(actor);
        v->set_updated_at(now);
        stamped.insert(e);
      }
    }
    out.values.push_back({value, version});
    written[e] = {std::move(value), w.field};
    for (const v1::Entry& entry : stored.entries()) {
      const v1::EntryValues& copies =
          side == v1::APPRAISED ? entry.appraised() : entry.self();
      if (copies.figures().contains(w.element)) {
        out.obsolete_copies[entry.criterion()].push_back(w.element);
      }
    }
  }
  for (int e = 0; e < static_cast<int>(elements.size()); ++e) {
    auto it = written.find(e);
    if (it != written.end()) {
      const v1::DataValue& v = it->second.first;
      // A value left with no side stays, as the store keeps it: its version is the
      // etag of the next write.
      *out.merged.Add() = v;
      out.field_of.push_back(it->second.second);
      out.stamped.push_back(stamped.count(e) > 0);
    } else if (before[e] != nullptr) {
      *out.merged.Add() = *before[e];
      out.field_of.push_back("");
      out.stamped.push_back(false);
    }
  }
  return out;
}

absl::Status RenameValuePath(const absl::Status& status, const LaidSheet& laid) {
  absl::string_view message = status.message();
  if (!absl::ConsumePrefix(&message, "values[")) return status;
  const size_t close = message.find(']');
  int index = -1;
  if (close == absl::string_view::npos ||
      !absl::SimpleAtoi(message.substr(0, close), &index) || index < 0 ||
      index >= laid.merged.size()) {
    return status;
  }
  absl::string_view rest = message.substr(close + 1);
  // ".self: …", ".appraised: …", ".element: …": the field is replaced as a whole.
  const size_t colon = rest.find(':');
  if (colon != absl::string_view::npos) rest = rest.substr(colon);
  std::string field = laid.field_of[index];
  if (field.empty()) {
    // A stored value the request did not touch: a rule across elements broken by a
    // value the request wrote ("resolved" lowered below the stored on-time count) is
    // said at that write, the field the caller can change.
    for (int j = 0; j < laid.merged.size() && field.empty(); ++j) {
      if (laid.field_of[j].empty()) continue;
      const std::string& code = laid.merged[j].element();
      for (const char* after : {" (", " = "}) {
        if (absl::StrContains(rest, absl::StrCat(" ", code, after))) {
          field = laid.field_of[j];
          break;
        }
      }
    }
  }
  return absl::Status(
      status.code(),
      absl::StrCat(field.empty()
                       ? absl::StrCat("dataSheet.", laid.merged[index].element())
                       : field,
                   rest));
}

absl::Status MoveFigures(const engine::CompiledCriteriaSet& set, v1::Column side,
                         const std::string& field, v1::Entry* entry,
                         const google::protobuf::Map<std::string, int64_t>& etags,
                         const std::string& etags_field,
                         std::vector<SheetWrite>* writes) {
  auto* figures =
      (side == v1::APPRAISED ? entry->mutable_appraised() : entry->mutable_self())
          ->mutable_figures();
  if (figures->empty()) return absl::OkStatus();
  const int node = set.FindNode(entry->criterion());
  const int indicator = node < 0 ? -1 : set.nodes()[node].indicator;
  std::vector<std::string> reads;
  if (indicator >= 0) {
    const engine::IndicatorElements& elements = set.indicator_elements(indicator);
    for (const std::vector<int>* part : {&elements.numerator, &elements.denominator}) {
      for (int e : *part) reads.push_back(set.elements()[e].code);
    }
  }
  const std::map<std::string, int64_t> sorted(figures->begin(), figures->end());
  for (const auto& [element, count] : sorted) {
    const std::string at = absl::StrCat(field, ".figures.", element);
    if (std::find(reads.begin(), reads.end(), element) == reads.end()) {
      return absl::InvalidArgumentError(
          reads.empty()
              ? absl::StrCat(at, ": criterion ", entry->criterion(), " reads no figures")
              : absl::StrCat(at, ": criterion ", entry->criterion(), " reads no figure '",
                             element, "' (it reads ", absl::StrJoin(reads, ", "), ")"));
    }
    v1::ElementValue value;
    value.set_count(count);
    SheetWrite write{element, value, std::nullopt, at};
    auto etag = etags.find(element);
    if (etag != etags.end()) {
      write.etag = etag->second;
    } else {
      write.unread = !etags_field.empty();
      write.etag_field = etags_field;
    }
    writes->push_back(std::move(write));
  }
  figures->clear();
  return absl::OkStatus();
}

bool DropObsoleteCopies(const LaidSheet& laid, v1::Column side, v1::Entry* entry) {
  auto it = laid.obsolete_copies.find(entry->criterion());
  if (it == laid.obsolete_copies.end()) return false;
  auto* figures = side == v1::APPRAISED ? entry->mutable_appraised()->mutable_figures()
                                        : entry->mutable_self()->mutable_figures();
  bool dropped = false;
  for (const std::string& element : it->second) dropped |= figures->erase(element) > 0;
  return dropped;
}

// Writes to elements computed from dossier records or plan tasks: the policy's rule for
// each (server/policy.h, CheckComputedWrite).
absl::Status CheckComputedWrites(v1::Role role, const engine::CompiledCriteriaSet& set,
                                 const std::vector<SheetWrite>& writes, bool has_reason) {
  for (const SheetWrite& w : writes) {
    const int e = set.FindElement(w.element);
    if (e < 0) continue;  // LaySheet names an unknown element
    const engine::Element& element = set.elements()[e];
    const bool from_tasks =
        element.declared != nullptr && element.declared->has_from_tasks();
    const bool computed = from_tasks || (element.declared != nullptr &&
                                         element.declared->has_from_records());
    RETURN_IF_ERROR(CheckComputedWrite(role, element.code, element.label(), computed,
                                       has_reason, w.field,
                                       from_tasks ? "plan tasks" : "dossier records"));
  }
  return absl::OkStatus();
}

absl::Status CheckDateInRound(const v1::Date& date, int year, absl::string_view field,
                              absl::string_view what) {
  if (year <= 0 || !engine::IsValidDate(date)) return absl::OkStatus();
  const int64_t at = int64_t{date.year()} * 10000 + date.month() * 100 + date.day();
  if (at >= int64_t{year - 1} * 10000 + 1001 && at <= int64_t{year + 1} * 10000 + 331)
    return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrFormat(
      "%s: %s%04d-%02d-%02d is outside the round's year %d (a date from %04d-10-01 to "
      "%04d-03-31)",
      field, what, date.year(), date.month(), date.day(), year, year - 1, year + 1));
}

absl::Status CheckDatesInRound(const engine::CompiledCriteriaSet& set, int year,
                               const std::vector<SheetWrite>& writes) {
  for (const SheetWrite& w : writes) {
    if (!w.value.has_date()) continue;
    const int e = set.FindElement(w.element);
    std::string what;
    if (e >= 0) {
      const engine::Element& element = set.elements()[e];
      what = element.label() == element.code
                 ? absl::StrCat(element.code, ": ")
                 : absl::StrCat(element.code, " (", element.label(), "): ");
    }
    RETURN_IF_ERROR(CheckDateInRound(w.value.date(), year, w.field, what));
  }
  return absl::OkStatus();
}

absl::Status CheckEntryDatesInRound(const v1::Entry& entry, int year,
                                    absl::string_view field) {
  if (entry.self().has_issued()) {
    RETURN_IF_ERROR(CheckDateInRound(entry.self().issued(), year,
                                     absl::StrCat(field, ".self.issued"), ""));
  }
  if (entry.appraised().has_issued()) {
    RETURN_IF_ERROR(CheckDateInRound(entry.appraised().issued(), year,
                                     absl::StrCat(field, ".appraised.issued"), ""));
  }
  return absl::OkStatus();
}

}  // namespace parindex::server
