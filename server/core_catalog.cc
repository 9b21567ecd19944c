// CatalogCore: criteria sets, plans and units (server/core_catalog.h).
#include "server/core_catalog.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "criteria/yaml_reader.h"
#include "engine/scorer.h"
#include "server/core_util.h"

namespace parindex::server {

// ---- criteria sets, plans, units ----

absl::StatusOr<v1::CriteriaSet> CatalogCore::CreateCriteriaSet(
    const Caller& c, const v1::CreateCriteriaSetRequest& r) {
  v1::CriteriaSet set;
  if (r.has_criteria_set()) {
    set = r.criteria_set();
    auto compiled = engine::CompiledCriteriaSet::Compile(set);
    if (!compiled.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("criteria_set: ", compiled.status().message()));
    }
  } else if (!r.yaml().empty()) {
    ASSIGN_OR_RETURN(auto parsed, criteria::ParseCriteriaSet(r.yaml(), "yaml"));
    auto compiled = engine::CompiledCriteriaSet::Compile(parsed.proto);
    if (!compiled.ok()) return parsed.source.Annotate(compiled.status());
    set = std::move(parsed.proto);
  } else {
    return absl::InvalidArgumentError("source: give criteria_set or yaml");
  }
  RETURN_IF_ERROR(CheckId(set.id(), "criteria_set.id"));
  return Respond<v1::CriteriaSet>(
      Ctx(c, r, "CreateCriteriaSet", absl::StrCat("criteriaSets/", set.id()),
          r.request_id()),
      [&](const store::WriteContext& x) { return store_->AddCriteriaSet(x, set); },
      [&](const v1::WriteAck& ack) {
        v1::CriteriaSet stored = set;
        stored.set_version(static_cast<int32_t>(ack.version()));
        return stored;
      });
}

absl::StatusOr<v1::CriteriaSet> CatalogCore::GetCriteriaSet(
    const Caller& c, const v1::GetCriteriaSetRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.name(), "criteriaSets"));
  if (r.version() < 0)
    return absl::InvalidArgumentError("version: 0 (the latest) or a version number");
  return store_->GetCriteriaSet(id, r.version());
}

absl::StatusOr<v1::ListCriteriaSetsResponse> CatalogCore::ListCriteriaSets(
    const Caller& c, const v1::ListRequest& r) {
  std::vector<v1::CriteriaSet> sets;
  if (r.filter().empty()) {
    ASSIGN_OR_RETURN(sets, store_->ListCriteriaSets());
  } else {
    // "id=commune-2025": every version of one set, oldest first.
    std::vector<std::string> kv = absl::StrSplit(r.filter(), absl::MaxSplits('=', 1));
    if (kv.size() != 2 || kv[0] != "id")
      return absl::InvalidArgumentError("filter: use id=…");
    for (int32_t version = 1;; ++version) {
      absl::StatusOr<v1::CriteriaSet> set = store_->GetCriteriaSet(kv[1], version);
      if (!set.ok()) break;
      sets.push_back(*std::move(set));
    }
    if (sets.empty())
      return absl::NotFoundError(absl::StrCat("criteriaSets/", kv[1], ": not found"));
  }
  v1::ListCriteriaSetsResponse response;
  RETURN_IF_ERROR(Page(sets, r, response.mutable_criteria_sets(),
                       response.mutable_next_page_token()));
  return response;
}

absl::StatusOr<v1::Plan> CatalogCore::PutPlan(const Caller& c,
                                              const v1::PutPlanRequest& r) {
  v1::Plan plan;
  if (r.has_plan()) {
    plan = r.plan();
    auto compiled = engine::CompiledPlan::Compile(plan);
    if (!compiled.ok())
      return absl::InvalidArgumentError(
          absl::StrCat("plan: ", compiled.status().message()));
  } else if (!r.yaml().empty()) {
    ASSIGN_OR_RETURN(auto parsed, criteria::ParsePlan(r.yaml(), "yaml"));
    auto compiled = engine::CompiledPlan::Compile(parsed.proto);
    if (!compiled.ok()) return parsed.source.Annotate(compiled.status());
    plan = std::move(parsed.proto);
  } else {
    return absl::InvalidArgumentError("source: give plan or yaml");
  }
  RETURN_IF_ERROR(CheckId(plan.id(), "plan.id"));
  ASSIGN_OR_RETURN(
      v1::Plan stored,
      Respond<v1::Plan>(
          Ctx(c, r, "PutPlan", absl::StrCat("plans/", plan.id()), r.request_id()),
          [&](const store::WriteContext& x) { return store_->PutPlan(x, plan); },
          [&](const v1::WriteAck&) { return plan; }));
  cache_->EverythingChanged();
  return stored;
}

absl::StatusOr<v1::Plan> CatalogCore::GetPlan(const Caller& c,
                                              const v1::GetByNameRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.name(), "plans"));
  return store_->GetPlan(id);
}

absl::StatusOr<v1::ListPlansResponse> CatalogCore::ListPlans(const Caller& c,
                                                             const v1::ListRequest& r) {
  RETURN_IF_ERROR(NoFilter(r));
  ASSIGN_OR_RETURN(std::vector<v1::Plan> plans, store_->ListPlans());
  v1::ListPlansResponse response;
  RETURN_IF_ERROR(
      Page(plans, r, response.mutable_plans(), response.mutable_next_page_token()));
  return response;
}

absl::Status CatalogCore::CheckFormedFrom(const v1::Unit& unit) {
  std::set<std::string> listed;
  for (int i = 0; i < unit.formed_from_size(); ++i) {
    const std::string& from = unit.formed_from(i);
    const std::string field = absl::StrCat("unit.formed_from[", i, "]");
    RETURN_IF_ERROR(CheckId(from, field));
    if (from == unit.code()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ", from, " cannot be formed from itself"));
    }
    if (!listed.insert(from).second)
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ", from, " is listed twice"));
    // A known unit, and not (through the units it was formed from, and theirs) formed
    // from this one.
    std::vector<std::string> next = {from};
    std::set<std::string> seen = {from};
    while (!next.empty()) {
      const std::string code = next.back();
      next.pop_back();
      absl::StatusOr<v1::Unit> earlier = store_->GetUnit(code);
      if (!earlier.ok()) {
        if (earlier.status().code() != absl::StatusCode::kNotFound)
          return earlier.status();
        if (code == from) {
          return absl::InvalidArgumentError(
              absl::StrCat(field, ": unit ", from, " does not exist"));
        }
        continue;
      }
      for (const std::string& f : earlier->formed_from()) {
        if (f == unit.code()) {
          return absl::InvalidArgumentError(
              absl::StrCat(field, ": ", from, " was formed from ", unit.code(),
                           code == from ? "" : " (through other units)", ", so ",
                           unit.code(), " cannot be formed from ", from));
        }
        if (seen.insert(f).second) next.push_back(f);
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Unit> CatalogCore::PutUnit(const Caller& c,
                                              const v1::PutUnitRequest& r) {
  const v1::Unit& unit = r.unit();
  RETURN_IF_ERROR(CheckId(unit.code(), "unit.code"));
  if (Blank(unit.name())) return absl::InvalidArgumentError("unit.name: is required");
  RETURN_IF_ERROR(CheckText(unit.name(), "unit.name"));
  RETURN_IF_ERROR(CheckText(unit.block(), "unit.block"));
  if (!unit.block().empty() && Blank(unit.block()))
    return absl::InvalidArgumentError(
        "unit.block: blank (leave it empty for the kind's block)");
  if (!unit.parent().empty()) {
    // The parent (a registered unit or only a code, such as the city whose plan its
    // wards follow) is an id, and the unit is not its own ancestor.
    RETURN_IF_ERROR(CheckId(unit.parent(), "unit.parent"));
    std::string parent = unit.parent();
    for (int depth = 0; !parent.empty(); ++depth) {
      if (parent == unit.code() || depth > 8) {
        return absl::InvalidArgumentError(absl::StrCat("unit.parent: ", unit.parent(),
                                                       " would make ", unit.code(),
                                                       " its own parent"));
      }
      absl::StatusOr<v1::Unit> up = store_->GetUnit(parent);
      if (!up.ok()) {
        if (up.status().code() != absl::StatusCode::kNotFound) return up.status();
        break;
      }
      parent = up->parent();
    }
  }
  if (unit.kind() == v1::UNIT_KIND_UNSPECIFIED)
    return absl::InvalidArgumentError("unit.kind: is required");
  RETURN_IF_ERROR(CheckFormedFrom(unit));
  ASSIGN_OR_RETURN(
      v1::Unit stored,
      Respond<v1::Unit>(
          Ctx(c, r, "PutUnit", absl::StrCat("units/", unit.code()), r.request_id()),
          [&](const store::WriteContext& x) { return store_->PutUnit(x, unit); },
          [&](const v1::WriteAck&) { return unit; }));
  cache_->EverythingChanged();
  return stored;
}

absl::StatusOr<v1::Unit> CatalogCore::GetUnit(const Caller& c,
                                              const v1::GetByNameRequest& r) {
  ASSIGN_OR_RETURN(std::string code, ParseName(r.name(), "units"));
  ASSIGN_OR_RETURN(v1::Unit unit, store_->GetUnit(code));
  RETURN_IF_ERROR(CanSeeUnit(c, unit));
  return unit;
}

absl::StatusOr<v1::ListUnitsResponse> CatalogCore::ListUnits(const Caller& c,
                                                             const v1::ListRequest& r) {
  ASSIGN_OR_RETURN(std::vector<v1::Unit> units, store_->ListUnits());
  units.erase(std::remove_if(units.begin(), units.end(),
                             [&](const v1::Unit& u) { return !CanSeeUnit(c, u).ok(); }),
              units.end());
  if (!r.filter().empty()) {
    std::vector<std::string> parts = absl::StrSplit(r.filter(), absl::MaxSplits('=', 1));
    if (parts.size() != 2 ||
        (parts[0] != "kind" && parts[0] != "parent" && parts[0] != "block")) {
      return absl::InvalidArgumentError("filter: use kind=…, parent=… or block=…");
    }
    // One condition with a value that can match: not "kind=ward OR kind=commune", not
    // a kind there is none of, not empty.
    v1::UnitKind kind;
    if (parts[1].empty() || parts[1].find_first_of(" \t") != std::string::npos ||
        (parts[0] == "kind" &&
         (!v1::UnitKind_Parse(absl::AsciiStrToUpper(parts[1]), &kind) ||
          kind == v1::UNIT_KIND_UNSPECIFIED ||
          absl::AsciiStrToLower(parts[1]) != parts[1]))) {
      std::vector<std::string> kinds;
      const google::protobuf::EnumDescriptor* kinds_enum = v1::UnitKind_descriptor();
      for (int i = 1; i < kinds_enum->value_count(); ++i)
        kinds.push_back(absl::AsciiStrToLower(kinds_enum->value(i)->name()));
      return absl::InvalidArgumentError(absl::StrCat(
          "filter: '", r.filter(), "' is not one condition that can match: kind= one of ",
          absl::StrJoin(kinds, ", "), "; parent= or block= a code (no OR)"));
    }
    std::vector<v1::Unit> kept;
    for (const v1::Unit& u : units) {
      const std::string value = parts[0] == "kind"
                                    ? absl::AsciiStrToLower(v1::UnitKind_Name(u.kind()))
                                : parts[0] == "parent" ? u.parent()
                                                       : engine::BlockOf(u);
      if (value == parts[1]) kept.push_back(u);
    }
    units = std::move(kept);
  }
  v1::ListUnitsResponse response;
  RETURN_IF_ERROR(
      Page(units, r, response.mutable_units(), response.mutable_next_page_token()));
  return response;
}

}  // namespace parindex::server
