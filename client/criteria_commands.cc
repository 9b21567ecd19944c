// The criteria library's tools.
#include "client/criteria_commands.h"

#include <map>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/text_table.h"
#include "common/status_macros.h"
#include "criteria/yaml_reader.h"
#include "engine/display.h"
#include "engine/fixed_point.h"
#include "engine/rule_shape.h"
#include "engine/scorer.h"

namespace parindex::client {
namespace {

using engine::ComparatorSymbol;
using engine::FormatMilli;
using engine::FormatMilliShort;
using engine::UnitSuffix;

std::string Lower(const std::string& name) { return absl::AsciiStrToLower(name); }

std::string DateText(const v1::Date& d) {
  if (d.year() == 0) return "";
  return absl::StrFormat("%02d/%02d/%04d", d.day(), d.month(), d.year());
}

// "target on_time_rate", "bands task_completion_rate", "deadline plan:unit_plan".
std::string RuleSummary(const v1::Rule& rule) {
  const engine::RuleShape* shape = engine::FindShape(rule.shape_case());
  return shape == nullptr ? "?" : shape->Describe(rule);
}

void AppendCriterion(const v1::Criterion& c, int depth, std::string* out) {
  const std::string indent(2 * depth, ' ');
  absl::StrAppend(out, indent, Fit(c.code(), 9), Fit(c.title(), 64 - 2 * depth), " ",
                  std::string(7 - FormatMilli(c.max_milli()).size(), ' '),
                  FormatMilli(c.max_milli()));
  if (c.criteria().empty()) absl::StrAppend(out, "  ", RuleSummary(c.rule()));
  absl::StrAppend(out, "\n");
  for (const v1::Criterion& child : c.criteria()) AppendCriterion(child, depth + 1, out);
}

int CountLeaves(const v1::Criterion& c) {
  if (c.criteria().empty()) return 1;
  int n = 0;
  for (const v1::Criterion& child : c.criteria()) n += CountLeaves(child);
  return n;
}

std::string Kinds(const v1::Target& t) {
  if (t.applies_to().empty()) return "all units";
  std::vector<std::string> names;
  for (int kind : t.applies_to()) names.push_back(Lower(v1::UnitKind_Name(kind)));
  return absl::StrJoin(names, ", ");
}

std::string DueRangeText(const v1::DueRange& due) {
  switch (due.kind()) {
    case v1::DueRange::DATE:
      return absl::StrCat("by ", DateText(due.end()));
    case v1::DueRange::RANGE:
      return absl::StrCat(DateText(due.start()), " – ", DateText(due.end()));
    case v1::DueRange::ONGOING:
      return "ongoing";
    case v1::DueRange::EVENT:
      return "when an event occurs";
    case v1::DueRange::UNPARSED:
      return "not parsed";
    default:
      return "no due date";
  }
}

}  // namespace

CheckResult CheckFiles(const std::vector<std::string>& paths) {
  CheckResult result;
  std::map<std::string, std::shared_ptr<const engine::CompiledCriteriaSet>> sets;
  std::map<std::string, std::shared_ptr<const engine::CompiledPlan>> plans;
  std::vector<std::string> figures;
  auto fail = [&](const absl::Status& status) {
    absl::StrAppend(&result.errors, status.message(), "\n");
  };
  for (const std::string& path : paths) {
    auto kind = criteria::DetectFileKind(path);
    if (!kind.ok()) {
      fail(kind.status());
      continue;
    }
    if (*kind == criteria::FileKind::kCriteriaSet) {
      auto set = criteria::LoadCriteriaSet(path);
      if (!set.ok()) {
        fail(set.status());
        continue;
      }
      const v1::CriteriaSet& p = (*set)->proto();
      absl::StrAppend(&result.report, path, ": ok (criteria set ", p.id(), " v",
                      p.version(), ": ", p.areas_size(), " areas, ", (*set)->leaf_count(),
                      " criteria, ", FormatMilliShort(p.total_milli()),
                      " points, survey ", FormatMilliShort(p.survey_milli()), ")\n");
      sets[p.id()] = *set;
    } else if (*kind == criteria::FileKind::kPlan) {
      auto plan = criteria::LoadPlan(path);
      if (!plan.ok()) {
        fail(plan.status());
        continue;
      }
      const v1::Plan& p = (*plan)->proto();
      absl::StrAppend(&result.report, path, ": ok (plan ", p.id(), ": ", p.targets_size(),
                      " targets, ", p.deadlines_size(), " deadlines, ", p.tasks_size(),
                      " tasks)\n");
      plans[p.id()] = *plan;
    } else {
      figures.push_back(path);
    }
  }
  // Figures last, so that the sets and plans they name are known.
  for (const std::string& path : figures) {
    auto parsed = criteria::ReadFigures(path);
    if (!parsed.ok()) {
      fail(parsed.status());
      continue;
    }
    const criteria::FiguresFile& file = parsed->proto;
    auto set = sets.find(file.criteria_set);
    if (set != sets.end()) {
      if (absl::Status details = criteria::RequireUnitDetails(*parsed); !details.ok()) {
        fail(details);
        continue;
      }
    } else {
      absl::StrAppend(&result.report, path, ": ok (", file.units.size(),
                      " units; not scored: give the criteria set '", file.criteria_set,
                      "' too to check the figures against it)\n");
      continue;
    }
    auto plan = plans.find(file.plan);
    const engine::CompiledPlan* compiled_plan =
        plan == plans.end() ? nullptr : plan->second.get();
    engine::ScoreSheet sheet;
    absl::Status status;
    for (size_t i = 0; i < file.units.size() && status.ok(); ++i) {
      status = engine::Score(*set->second, compiled_plan, file.units[i].unit,
                             file.units[i].assessment, v1::APPRAISED, &sheet);
      if (!status.ok())
        status = parsed->source.Annotate(status, absl::StrCat("units[", i, "]."));
    }
    if (!status.ok()) {
      fail(status);
      continue;
    }
    absl::StrAppend(&result.report, path, ": ok (", file.units.size(),
                    " units scored against ", file.criteria_set,
                    compiled_plan != nullptr ? absl::StrCat(" and ", file.plan) : "",
                    ")\n");
  }
  return result;
}

absl::StatusOr<std::string> ShowCriteriaSet(const std::string& path) {
  ASSIGN_OR_RETURN(auto set, criteria::LoadCriteriaSet(path));
  const v1::CriteriaSet& s = set->proto();
  std::string out = absl::StrCat(
      s.title(), "\n", s.id(), " v", s.version(), ", ",
      Lower(v1::SetLevel_Name(s.level())), ", ", FormatMilli(s.total_milli()),
      " points (survey ", FormatMilli(s.survey_milli()), "), ", set->leaf_count(),
      " criteria", s.source().empty() ? "" : absl::StrCat("; ", s.source()), "\n\n");
  for (const v1::Area& area : s.areas()) {
    int leaves = 0;
    for (const v1::Criterion& c : area.criteria()) leaves += CountLeaves(c);
    absl::StrAppend(&out, Fit(area.code(), 9), Fit(area.title(), 64), " ",
                    std::string(7 - FormatMilli(area.max_milli()).size(), ' '),
                    FormatMilli(area.max_milli()), "  ", leaves, " criteria\n");
    for (const v1::Criterion& c : area.criteria()) AppendCriterion(c, 1, &out);
  }
  if (!s.classification().empty()) {
    absl::StrAppend(&out, "\nclassification:");
    for (const v1::ClassificationBand& b : s.classification()) {
      absl::StrAppend(&out, " ", b.label(), " ≥ ",
                      engine::FormatHundredths(b.min_hundredths()), ";");
    }
    out.back() = '\n';
  }
  return out;
}

absl::StatusOr<std::string> ShowPlan(const std::string& path) {
  ASSIGN_OR_RETURN(auto plan, criteria::LoadPlan(path));
  const v1::Plan& p = plan->proto();
  std::string out = absl::StrCat(
      p.title(), "\n", p.id(), ", year ", p.year(), ", unit ", p.unit(),
      "\nsource: ", p.source().number(),
      p.source().has_date() ? absl::StrCat(" of ", DateText(p.source().date())) : "",
      ", ", p.source().issuer(), " (", p.source().file(), ")\n");
  absl::StrAppend(&out, "\ntargets (", p.targets_size(), "):\n");
  for (const v1::Target& t : p.targets()) {
    absl::StrAppend(&out, "  ", Fit(t.indicator(), 44), " ",
                    ComparatorSymbol(t.comparator()), " ",
                    FormatMilliShort(t.value_milli()), UnitSuffix(t.unit()),
                    t.period().empty() ? "" : absl::StrCat(" per ", t.period()), "  (",
                    Kinds(t), ")\n");
  }
  absl::StrAppend(&out, "\ndeadlines (", p.deadlines_size(), "):\n");
  for (const v1::Deadline& d : p.deadlines()) {
    absl::StrAppend(&out, "  ", Fit(d.key(), 14), " ", DateText(d.due()), "  ", d.text(),
                    "\n");
  }
  absl::StrAppend(&out, "\ntasks (", p.tasks_size(), "):\n");
  std::string area;
  for (const v1::Task& t : p.tasks()) {
    if (t.area() != area) {
      area = t.area();
      absl::StrAppend(&out, "  ", area, "\n");
    }
    absl::StrAppend(&out, "    ", Fit(t.number(), 4),
                    Fit(t.activity().empty() ? t.text() : t.activity(), 60), "  ",
                    Fit(t.due_text().empty() ? "—" : t.due_text(), 24), " → ",
                    DueRangeText(t.due()), "\n");
  }
  return out;
}

}  // namespace parindex::client
