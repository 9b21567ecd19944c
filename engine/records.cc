// Counting dossiers by a set's definitions, and what cannot be right in them.
#include "engine/records.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace parindex::engine {
namespace {

const absl::TimeZone& Vietnam() {
  static const absl::TimeZone* zone = new absl::TimeZone(absl::FixedTimeZone(7 * 3600));
  return *zone;
}

std::string Shown(int64_t t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixSeconds(t), Vietnam());
}

absl::CivilDay DayOf(int64_t t) {
  return absl::ToCivilDay(absl::FromUnixSeconds(t), Vietnam());
}

v1::RecordFinding Finding(const v1::Dossier& d, v1::RecordFinding::Kind kind,
                          std::string message) {
  v1::RecordFinding f;
  f.set_unit(d.unit());
  f.set_dossier(d.id());
  f.set_kind(kind);
  f.set_message(std::move(message));
  f.set_import_id(d.import_id());
  f.set_line(d.line());
  return f;
}

bool HasFlag(const v1::Dossier& d, v1::RecordCount::Flag flag) {
  switch (flag) {
    case v1::RecordCount::VIA_NATIONAL_PORTAL:
      return d.via_national_portal();
    case v1::RecordCount::RESULT_DIGITISED:
      return d.result_digitised();
    case v1::RecordCount::DIGITALLY_SIGNED:
      return d.digitally_signed();
    case v1::RecordCount::PAID_ONLINE:
      return d.paid_online();
    case v1::RecordCount::APOLOGY_ISSUED:
      return d.apology_issued();
    case v1::RecordCount::SATISFACTION_ANSWERED:
      return d.satisfaction() != v1::SATISFACTION_UNSPECIFIED;
    case v1::RecordCount::SATISFIED_OR_BETTER:
      return d.satisfaction() == v1::SATISFIED_VERY || d.satisfaction() == v1::SATISFIED;
    case v1::RecordCount::ONLINE:
      return d.channel() == v1::CHANNEL_ONLINE_PARTIAL ||
             d.channel() == v1::CHANNEL_FULLY_ONLINE;
    default:
      return false;
  }
}

bool Within(int64_t t, const RecordPeriod& p) {
  return t != 0 && t >= p.start && t < p.end;
}

}  // namespace

RecordPeriod PeriodOfYear(int year) {
  RecordPeriod p;
  p.year = year;
  p.start =
      absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(year, 1, 1), Vietnam()));
  p.end =
      absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(year + 1, 1, 1), Vietnam()));
  return p;
}

std::vector<v1::RecordFinding> FindingsOf(const v1::Dossier& d, const RecordPeriod& p,
                                          bool unit_in_round) {
  std::vector<v1::RecordFinding> out;
  if (d.resolved_at() != 0 && d.resolved_at() < d.received_at()) {
    out.push_back(
        Finding(d, v1::RecordFinding::RESOLVED_BEFORE_RECEIVED,
                absl::StrCat("resolved ", Shown(d.resolved_at()),
                             " before it was received ", Shown(d.received_at()))));
  }
  if (d.due_at() == 0) {
    out.push_back(Finding(d, v1::RecordFinding::NO_DUE_DATE, "no due date"));
  } else if (d.due_at() < d.received_at()) {
    out.push_back(
        Finding(d, v1::RecordFinding::DUE_BEFORE_RECEIVED,
                absl::StrCat("due ", Shown(d.due_at()), " before it was received ",
                             Shown(d.received_at()))));
  }
  if (d.conflicting_duplicate()) {
    out.push_back(Finding(d, v1::RecordFinding::CONFLICTING_DUPLICATE,
                          absl::StrCat("import ", d.import_id(),
                                       " gave this dossier id more than once with "
                                       "different data (the last is kept, line ",
                                       d.line(), ")")));
  }
  if (d.received_at() >= p.end) {
    out.push_back(
        Finding(d, v1::RecordFinding::OUTSIDE_PERIOD,
                absl::StrCat("received ", Shown(d.received_at()), ", after ", p.year)));
  } else if (d.resolved_at() != 0 && d.resolved_at() < p.start) {
    out.push_back(
        Finding(d, v1::RecordFinding::OUTSIDE_PERIOD,
                absl::StrCat("resolved ", Shown(d.resolved_at()), ", before ", p.year)));
  }
  if (!unit_in_round) {
    out.push_back(
        Finding(d, v1::RecordFinding::UNIT_NOT_IN_ROUND,
                absl::StrCat("unit ", d.unit(), " is not a unit of the round")));
  }
  return out;
}

bool Selects(const v1::RecordCount& count, const v1::Dossier& d, const RecordPeriod& p) {
  if (d.result() == v1::RESULT_WITHDRAWN && !count.include_withdrawn()) return false;
  const bool resolved_by_end = d.resolved_at() != 0 && d.resolved_at() < p.end;
  switch (count.basis()) {
    case v1::RecordCount::RECEIVED:
      if (!Within(d.received_at(), p)) return false;
      break;
    case v1::RecordCount::RESOLVED:
      if (!Within(d.resolved_at(), p)) return false;
      break;
    case v1::RecordCount::IN_PROCESS:
      if (d.received_at() >= p.end || resolved_by_end) return false;
      break;
    case v1::RecordCount::DUE:
      if (!Within(d.due_at(), p)) return false;
      break;
    default:
      return false;
  }
  switch (count.timing()) {
    case v1::RecordCount::ON_TIME:
      if (d.resolved_at() == 0 || d.resolved_at() > d.due_at()) return false;
      break;
    case v1::RecordCount::EARLY:
      if (d.resolved_at() == 0 || DayOf(d.resolved_at()) >= DayOf(d.due_at()))
        return false;
      break;
    case v1::RecordCount::LATE:
      if (d.resolved_at() == 0 || d.resolved_at() <= d.due_at()) return false;
      break;
    case v1::RecordCount::PAST_DUE:
      if (resolved_by_end || d.due_at() >= p.end) return false;
      break;
    default:
      break;
  }
  if (!count.channels().empty() &&
      std::find(count.channels().begin(), count.channels().end(), d.channel()) ==
          count.channels().end()) {
    return false;
  }
  if (!count.results().empty() &&
      std::find(count.results().begin(), count.results().end(), d.result()) ==
          count.results().end()) {
    return false;
  }
  for (int flag : count.flags()) {
    if (!HasFlag(d, static_cast<v1::RecordCount::Flag>(flag))) return false;
  }
  return true;
}

std::string DescribeCount(const v1::RecordCount& count, const RecordPeriod& p) {
  std::vector<std::string> parts;
  switch (count.basis()) {
    case v1::RecordCount::RECEIVED:
      parts.push_back(absl::StrCat("received in ", p.year));
      break;
    case v1::RecordCount::RESOLVED:
      parts.push_back(absl::StrCat("resolved in ", p.year));
      break;
    case v1::RecordCount::IN_PROCESS:
      parts.push_back(absl::StrCat("in process at the end of ", p.year));
      break;
    case v1::RecordCount::DUE:
      parts.push_back(absl::StrCat("due in ", p.year));
      break;
    default:
      break;
  }
  switch (count.timing()) {
    case v1::RecordCount::ON_TIME:
      parts.push_back("on time (resolved_at <= due_at)");
      break;
    case v1::RecordCount::EARLY:
      parts.push_back("early (resolved on a day before the due day)");
      break;
    case v1::RecordCount::LATE:
      parts.push_back("late (resolved_at > due_at)");
      break;
    case v1::RecordCount::PAST_DUE:
      parts.push_back(absl::StrCat("past due (due before the end of ", p.year, ")"));
      break;
    default:
      break;
  }
  if (!count.channels().empty()) {
    std::vector<std::string> names;
    for (int c : count.channels())
      names.push_back(v1::DossierChannel_Name(static_cast<v1::DossierChannel>(c)));
    parts.push_back(absl::StrCat("channel ", absl::StrJoin(names, " or ")));
  }
  if (!count.results().empty()) {
    std::vector<std::string> names;
    for (int r : count.results())
      names.push_back(v1::DossierResult_Name(static_cast<v1::DossierResult>(r)));
    parts.push_back(absl::StrCat("result ", absl::StrJoin(names, " or ")));
  }
  for (int flag : count.flags()) {
    parts.push_back(v1::RecordCount::Flag_Name(static_cast<v1::RecordCount::Flag>(flag)));
  }
  parts.push_back(count.include_withdrawn() ? "withdrawn counted" : "withdrawn left out");
  return absl::StrJoin(parts, ", ");
}

bool ComputesFromRecords(const CompiledCriteriaSet& set) {
  for (const Element& e : set.elements()) {
    if (e.declared != nullptr && e.declared->has_from_records()) return true;
  }
  return false;
}

UnitRecordsBuilder::UnitRecordsBuilder(const CompiledCriteriaSet& set,
                                       const RecordPeriod& p, bool unit_in_round,
                                       bool with_ids)
    : period_(&p), unit_in_round_(unit_in_round), with_ids_(with_ids) {
  for (size_t i = 0; i < set.elements().size(); ++i) {
    const Element& e = set.elements()[i];
    if (e.declared == nullptr || !e.declared->has_from_records()) continue;
    ComputedValue v;
    v.element = static_cast<int>(i);
    out_.values.push_back(std::move(v));
    counts_.push_back(&e.declared->from_records());
  }
}

void UnitRecordsBuilder::Add(const v1::Dossier& d) {
  out_.latest_import = std::max(out_.latest_import, d.import_id());
  std::vector<v1::RecordFinding> findings = FindingsOf(d, *period_, unit_in_round_);
  if (!findings.empty()) {
    for (v1::RecordFinding& f : findings) out_.findings.push_back(std::move(f));
    return;
  }
  ++out_.dossiers_read;
  for (size_t k = 0; k < counts_.size(); ++k) {
    if (!Selects(*counts_[k], d, *period_)) continue;
    ++out_.values[k].count;
    if (with_ids_) out_.values[k].dossier_ids.push_back(d.id());
  }
}

UnitRecords UnitRecordsBuilder::Finish() && {
  for (ComputedValue& v : out_.values)
    std::sort(v.dossier_ids.begin(), v.dossier_ids.end());
  std::stable_sort(out_.findings.begin(), out_.findings.end(),
                   [](const v1::RecordFinding& a, const v1::RecordFinding& b) {
                     return a.dossier() < b.dossier();
                   });
  return std::move(out_);
}

UnitRecords ComputeUnitRecords(const CompiledCriteriaSet& set,
                               const std::vector<v1::Dossier>& dossiers,
                               const RecordPeriod& p, bool unit_in_round, bool with_ids) {
  UnitRecordsBuilder builder(set, p, unit_in_round, with_ids);
  for (const v1::Dossier& d : dossiers) builder.Add(d);
  return std::move(builder).Finish();
}

}  // namespace parindex::engine
