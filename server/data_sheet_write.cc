// Laying writes over a data sheet.
#include "server/data_sheet_write.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

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
      written;  // element -> value, field
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
      *v = w.value;
      v->set_updated_by(actor);
      v->set_updated_at(now);
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
      if (!v.has_self() && !v.has_appraised()) continue;  // cleared
      *out.merged.Add() = v;
      out.field_of.push_back(it->second.second);
    } else if (before[e] != nullptr) {
      *out.merged.Add() = *before[e];
      out.field_of.push_back("");
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

bool DropObsoleteCopies(const LaidSheet& laid, v1::Column side, v1::Entry* entry) {
  auto it = laid.obsolete_copies.find(entry->criterion());
  if (it == laid.obsolete_copies.end()) return false;
  auto* figures = side == v1::APPRAISED ? entry->mutable_appraised()->mutable_figures()
                                        : entry->mutable_self()->mutable_figures();
  bool dropped = false;
  for (const std::string& element : it->second) dropped |= figures->erase(element) > 0;
  return dropped;
}

}  // namespace parindex::server
