// RoundCore: rounds, their phases, and the assessments of a round as a list
// (server/core_round.h).
#include "server/core_round.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/core_util.h"

namespace parindex::server {

// ---- rounds ----

namespace {

// Normalises an RFC 3339 deadline to Vietnam time; empty stays empty.
absl::Status NormaliseDeadline(std::string* deadline, absl::string_view field) {
  if (deadline->empty()) return absl::OkStatus();
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, *deadline, &t, &error)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": '", *deadline,
                                                   "' is not an RFC 3339 time (e.g. "
                                                   "2023-12-05T17:00:00+07:00)"));
  }
  if (t < absl::FromCivil(absl::CivilDay(2000, 1, 1), VietnamTime()) ||
      t >= absl::FromCivil(absl::CivilDay(2101, 1, 1), VietnamTime())) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": '", *deadline, "' is not in the years 2000 to 2100"));
  }
  *deadline = absl::FormatTime(absl::RFC3339_sec, t, VietnamTime());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Round> RoundCore::CreateRound(const Caller& c,
                                                 const v1::CreateRoundRequest& r) {
  v1::Round round = r.round();
  RETURN_IF_ERROR(CheckId(round.id(), "round.id"));
  RETURN_IF_ERROR(CheckText(round.title(), "round.title"));
  if (!round.issuer().empty()) RETURN_IF_ERROR(CheckText(round.issuer(), "round.issuer"));
  // The year names the results ("Kết quả Chỉ số CCHC năm 2025") and orders a unit's
  // history: a round without one cannot be reported.
  if (round.year() == 0) {
    return absl::InvalidArgumentError(
        "round.year: is required (the year the round assesses, e.g. 2025)");
  }
  if (round.year() < 2000 || round.year() > 2100) {
    return absl::InvalidArgumentError(
        absl::StrCat("round.year: ", round.year(), " is not a year of this century"));
  }
  if (round.criteria_set().empty())
    return absl::InvalidArgumentError("round.criteria_set: is required");
  if (round.units().empty())
    return absl::InvalidArgumentError("round.units: name the units taking part");
  for (int i = 0; i < round.units_size(); ++i) {
    for (int j = 0; j < i; ++j) {
      if (round.units(i) == round.units(j)) {
        return absl::InvalidArgumentError(
            absl::StrCat("round.units[", i, "]: ", round.units(i), " is listed twice"));
      }
    }
  }
  if (round.criteria_set_version() == 0) {
    ASSIGN_OR_RETURN(v1::CriteriaSet latest,
                     store_->GetCriteriaSet(round.criteria_set(), 0));
    round.set_criteria_set_version(latest.version());
  }
  RETURN_IF_ERROR(NormaliseDeadline(round.mutable_self_assessment_deadline(),
                                    "round.self_assessment_deadline"));
  RETURN_IF_ERROR(NormaliseDeadline(round.mutable_explanation_deadline(),
                                    "round.explanation_deadline"));
  for (int i = 0; i < round.plans_size(); ++i) {
    if (!store_->GetPlan(round.plans(i)).ok()) {
      return absl::NotFoundError(
          absl::StrCat("round.plans[", i, "]: plans/", round.plans(i), " not found"));
    }
  }
  round.set_phase(v1::PHASE_DRAFT);
  if (NeedsUnits(c)) {  // a province's appraiser runs rounds of its own units only
    UnitsByCode units;
    for (const std::string& code : round.units()) {
      absl::StatusOr<v1::Unit> unit = store_->GetUnit(code);
      if (unit.ok()) units[code] = *std::move(unit);
    }
    RETURN_IF_ERROR(CanSee(c, round, units, "", Subject::kRunRound));
  }
  return Respond<v1::Round>(
      Ctx(c, r, "CreateRound", absl::StrCat("rounds/", round.id()), r.request_id()),
      [&](const store::WriteContext& x) { return store_->CreateRound(x, round); },
      [&](const v1::WriteAck& ack) {
        v1::Round stored = round;
        stored.set_version(ack.version());
        stored.set_created_at(ack.at());
        stored.set_updated_at(ack.at());
        return stored;
      });
}

UnitsByCode RoundCore::UnitsFor(const Caller& c, const v1::Round& round) {
  if (!NeedsUnits(c)) return {};
  absl::StatusOr<std::shared_ptr<const RoundContext>> context =
      cache_->LoadRound(round.id());
  if (!context.ok()) return {};  // none of its units are in the caller's scope
  return (*context)->units;
}

absl::StatusOr<v1::Round> RoundCore::GetRound(const Caller& c,
                                              const v1::GetByNameRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.name(), "rounds"));
  ASSIGN_OR_RETURN(v1::Round round, store_->GetRound(id));
  RETURN_IF_ERROR(CanSee(c, round, UnitsFor(c, round), "", Subject::kRound));
  return round;
}

absl::StatusOr<v1::ListRoundsResponse> RoundCore::ListRounds(const Caller& c,
                                                             const v1::ListRequest& r) {
  RETURN_IF_ERROR(NoFilter(r));
  ASSIGN_OR_RETURN(std::vector<v1::Round> rounds, store_->ListRounds());
  rounds.erase(
      std::remove_if(rounds.begin(), rounds.end(),
                     [&](const v1::Round& x) {
                       return !CanSee(c, x, UnitsFor(c, x), "", Subject::kRound).ok();
                     }),
      rounds.end());
  v1::ListRoundsResponse response;
  RETURN_IF_ERROR(
      Page(rounds, r, response.mutable_rounds(), response.mutable_next_page_token()));
  return response;
}

absl::StatusOr<v1::Round> RoundCore::UpdateRound(const Caller& c,
                                                 const v1::UpdateRoundRequest& r) {
  const std::string resource = absl::StrCat("rounds/", r.round().id());
  store::WriteContext ctx = Ctx(c, r, "UpdateRound", resource, r.request_id());
  ASSIGN_OR_RETURN(auto prior, Replayed<v1::Round>(ctx));
  if (prior.has_value()) return *std::move(prior);
  ASSIGN_OR_RETURN(v1::Round round, store_->GetRound(r.round().id()));
  RETURN_IF_ERROR(CanSee(c, round, UnitsFor(c, round), "", Subject::kRunRound));
  for (const std::string& path : r.update_mask().paths()) {
    if (path != "title" && path != "issuer" && round.phase() >= v1::PHASE_FINALISED) {
      return absl::FailedPreconditionError(absl::StrCat(
          "round ", round.id(), " is in phase ", PhaseName(round.phase()), ": its ", path,
          " is history now (only the title and issuer may change)"));
    }
    if (path == "title") {
      if (Blank(r.round().title()))
        return absl::InvalidArgumentError("round.title: is required");
      RETURN_IF_ERROR(CheckText(r.round().title(), "round.title"));
      round.set_title(r.round().title());
    } else if (path == "issuer") {  // empty: named after the units' province again
      if (!r.round().issuer().empty())
        RETURN_IF_ERROR(CheckText(r.round().issuer(), "round.issuer"));
      round.set_issuer(r.round().issuer());
    } else if (path == "self_assessment_deadline") {
      round.set_self_assessment_deadline(r.round().self_assessment_deadline());
      RETURN_IF_ERROR(NormaliseDeadline(round.mutable_self_assessment_deadline(),
                                        "round.self_assessment_deadline"));
    } else if (path == "explanation_deadline") {
      round.set_explanation_deadline(r.round().explanation_deadline());
      RETURN_IF_ERROR(NormaliseDeadline(round.mutable_explanation_deadline(),
                                        "round.explanation_deadline"));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("update_mask: '", path,
                       "' cannot be updated (title, issuer, self_assessment_deadline, "
                       "explanation_deadline)"));
    }
  }
  if (r.update_mask().paths().empty())
    return absl::InvalidArgumentError("update_mask: name the fields to update");
  ASSIGN_OR_RETURN(v1::Round stored, WriteRound(std::move(ctx), round, r.etag()));
  cache_->RoundChanged(round.id());
  return stored;
}

absl::StatusOr<v1::Round> RoundCore::WriteRound(store::WriteContext ctx,
                                                const v1::Round& round, int64_t etag) {
  return Respond<v1::Round>(
      std::move(ctx),
      [&](const store::WriteContext& x) { return store_->UpdateRound(x, round, etag); },
      [&](const v1::WriteAck& ack) {
        v1::Round stored = round;
        stored.set_version(ack.version());
        stored.set_updated_at(ack.at());
        return stored;
      });
}

absl::StatusOr<v1::Round> RoundCore::AdvanceRound(const Caller& c,
                                                  const v1::AdvanceRoundRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.name(), "rounds"));
  store::WriteContext ctx = Ctx(c, r, "AdvanceRound", r.name(), r.request_id());
  ASSIGN_OR_RETURN(auto prior, Replayed<v1::Round>(ctx));
  if (prior.has_value()) return *std::move(prior);
  ASSIGN_OR_RETURN(v1::Round round, store_->GetRound(id));
  RETURN_IF_ERROR(CanSee(c, round, UnitsFor(c, round), "", Subject::kRunRound));
  RETURN_IF_ERROR(Allow(Verb::kAdvance, c.role, round, nullptr, Now()).status());
  const auto next = static_cast<v1::RoundPhase>(round.phase() + 1);
  if (r.to_phase() != next) {
    return absl::FailedPreconditionError(
        absl::StrCat("round ", id, " is in phase ", PhaseName(round.phase()),
                     ": it can only move to ", PhaseName(next)));
  }
  if (next == v1::PHASE_SELF_ASSESSMENT && !round.self_assessment_deadline().empty()) {
    // Opened with its deadline past, the round would refuse every ward's first write.
    absl::Time due;
    std::string error;
    if (absl::ParseTime(absl::RFC3339_full, round.self_assessment_deadline(), &due,
                        &error) &&
        Now() > due) {
      return absl::InvalidArgumentError(absl::StrCat(
          "round.self_assessment_deadline: ", round.self_assessment_deadline(),
          " has passed: the self-assessment cannot open with its deadline behind it "
          "(move the deadline with UpdateRound, then open the round)"));
    }
  }
  round.set_phase(next);
  ASSIGN_OR_RETURN(v1::Round stored, WriteRound(std::move(ctx), round, r.etag()));
  cache_->RoundChanged(id);
  return stored;
}

// ---- the assessments of a round ----

absl::StatusOr<v1::ListAssessmentsResponse> RoundCore::ListAssessments(
    const Caller& c, const v1::ListAssessmentsRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.parent(), "rounds", "parent"));
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(id));
  RETURN_IF_ERROR(CanSee(c, round->round, round->units, "", Subject::kRound));
  if (r.page_size() < 0)
    return absl::InvalidArgumentError("page_size: must not be negative");
  size_t offset = 0;
  if (!r.page_token().empty() && !absl::SimpleAtoi(r.page_token(), &offset)) {
    return absl::InvalidArgumentError("page_token: not a token from this list");
  }
  ASSIGN_OR_RETURN(std::vector<v1::Assessment> all,
                   store_->ListAssessments(id, /*with_files=*/true));
  std::vector<v1::Assessment> visible;
  for (v1::Assessment& a : all) {
    if (!CanSee(c, round->round, round->units, a.unit(), Subject::kForm).ok()) continue;
    a.set_state(EffectiveState(round->round, a));
    if (!r.with_entries()) a.clear_entries();
    ShowForm(c, &a);
    visible.push_back(std::move(a));
  }
  if (offset > visible.size())
    return absl::InvalidArgumentError("page_token: not a token from this list");
  // A page ends at page_size units or before the answer passes 3 MiB: every form fits
  // (the store bounds one form to 2 MiB), so a page holds at least one.
  constexpr size_t kPageBytes = 3 << 20;
  v1::ListAssessmentsResponse response;
  size_t bytes = 0;
  size_t i = offset;
  for (; i < visible.size(); ++i) {
    if (r.page_size() > 0 && i - offset >= static_cast<size_t>(r.page_size())) break;
    const size_t size = visible[i].ByteSizeLong() + 8;
    if (i > offset && bytes + size > kPageBytes) break;
    bytes += size;
    *response.add_assessments() = std::move(visible[i]);
  }
  if (i < visible.size()) response.set_next_page_token(absl::StrCat(i));
  std::vector<v1::Assessment*> page;
  for (v1::Assessment& a : *response.mutable_assessments()) page.push_back(&a);
  RETURN_IF_ERROR(NameSubmitters(std::move(page)));
  return response;
}

namespace {

// The deadline `a` works to now and whether it has passed (WorkItem.deadline, overdue).
void SetDeadline(const v1::Round& round, v1::AssessmentState state, bool reopened,
                 absl::Time now, v1::WorkItem* item) {
  std::string deadline;
  if (round.phase() == v1::PHASE_SELF_ASSESSMENT &&
      (state == v1::STATE_NOT_STARTED || state == v1::STATE_DRAFT)) {
    deadline = round.self_assessment_deadline();
  } else if (round.phase() == v1::PHASE_EXPLANATION &&
             state == v1::STATE_EXPLANATION_REQUESTED) {
    deadline = round.explanation_deadline();
  }
  item->set_deadline(deadline);
  absl::Time due;
  std::string error;
  item->set_overdue(!deadline.empty() && !reopened &&
                    absl::ParseTime(absl::RFC3339_full, deadline, &due, &error) &&
                    now > due);
}

// Criteria appraised (WorkItem.criteria_appraised) and the total the office appraises.
void SetProgress(const engine::CompiledCriteriaSet& set, const v1::Assessment& a,
                 v1::WorkItem* item) {
  std::set<int> appraised_elements;
  for (const v1::DataValue& v : a.values()) {
    if (v.has_appraised()) appraised_elements.insert(set.FindElement(v.element()));
  }
  std::set<std::string> appraised_entries;
  for (const v1::Entry& e : a.entries()) {
    if (e.has_appraised() || !e.appraisal_comment().empty())
      appraised_entries.insert(e.criterion());
  }
  int total = 0, done = 0;
  for (const engine::Node& node : set.nodes()) {
    if (!node.leaf() || node.shape == v1::Rule::kSurvey) continue;
    ++total;
    bool appraised = appraised_entries.count(node.criterion->code()) > 0 ||
                     (node.element >= 0 && appraised_elements.count(node.element) > 0);
    if (!appraised && node.indicator >= 0) {
      const engine::IndicatorElements& reads = set.indicator_elements(node.indicator);
      for (const std::vector<int>* side : {&reads.numerator, &reads.denominator}) {
        for (int element : *side)
          appraised = appraised || appraised_elements.count(element);
      }
    }
    done += appraised ? 1 : 0;
  }
  item->set_criteria_total(total);
  item->set_criteria_appraised(done);
}

}  // namespace

absl::StatusOr<v1::WorkQueue> RoundCore::GetWorkQueue(const Caller& c,
                                                      const v1::GetByNameRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.name(), "rounds"));
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(id));
  RETURN_IF_ERROR(CanSee(c, round->round, round->units, "", Subject::kRound));
  ASSIGN_OR_RETURN(std::vector<v1::Assessment> all,
                   store_->ListAssessments(id, /*with_files=*/false));
  ASSIGN_OR_RETURN(auto activity, store_->ListFormActivity(id));
  std::map<std::string, const v1::Assessment*> by_unit;
  for (const v1::Assessment& a : all) by_unit[a.unit()] = &a;
  const absl::Time now = Now();
  v1::WorkQueue queue;
  queue.set_round(absl::StrCat("rounds/", id));
  queue.set_phase(round->round.phase());
  std::map<v1::AssessmentState, int> counts;
  for (const std::string& unit : round->round.units()) {
    if (!CanSee(c, round->round, round->units, unit, Subject::kForm).ok()) continue;
    auto found = by_unit.find(unit);
    if (found == by_unit.end()) continue;
    const v1::Assessment& a = *found->second;
    v1::WorkItem* item = queue.add_units();
    item->set_unit(unit);
    auto known = round->units.find(unit);
    if (known != round->units.end()) {
      item->set_unit_name(known->second.name());
      item->set_block(known->second.block());
    }
    const v1::AssessmentState state = EffectiveState(round->round, a);
    item->set_state(state);
    ++counts[state];
    item->set_reopened(a.reopened());
    SetDeadline(round->round, state, a.reopened(), now, item);
    SetProgress(*round->set, a, item);
    int asked = 0;
    for (const v1::Entry& e : a.entries())
      asked += e.explanation_request().empty() ? 0 : 1;
    item->set_explanations_requested(asked);
    const store::FormActivity& act = activity[unit];
    item->set_submitted_at(act.unit_submit.at);
    item->set_explained_at(act.unit_explain.at);
    item->set_appraised_at(act.office_write.at);
    const int64_t office = act.office_write.id;
    // What the office has seen: its last write, or its marking the explanations read.
    const int64_t seen = std::max(office, act.office_review.id);
    // Only what the unit has sent counts: a draft it is still typing (a reopened form,
    // an explanation not yet sent) is not the office's to look at.
    item->set_changed_since_appraisal(office > 0 && act.unit_state.id > seen);
    item->set_explanation_waiting(state == v1::STATE_EXPLAINED &&
                                  act.unit_state.id > seen);
  }
  for (const auto& [state, units] : counts) {
    v1::StateCount* count = queue.add_counts();
    count->set_state(state);
    count->set_units(units);
  }
  return queue;
}

absl::StatusOr<std::vector<RoundCore::RoundGauge>> RoundCore::RoundGauges() {
  ASSIGN_OR_RETURN(std::vector<v1::Round> rounds, store_->ListRounds());
  std::vector<RoundGauge> gauges;
  for (const v1::Round& round : rounds) {
    RoundGauge& g = gauges.emplace_back();
    g.round = round.id();
    g.phase = round.phase();
    if (round.phase() >= v1::PHASE_FINALISED) {  // every unit is final: no need to read
      g.states[v1::STATE_FINAL] = round.units_size();
      continue;
    }
    ASSIGN_OR_RETURN(std::vector<v1::Assessment> all,
                     store_->ListAssessments(round.id(), /*with_files=*/true));
    for (const v1::Assessment& a : all) ++g.states[EffectiveState(round, a)];
  }
  return gauges;
}

}  // namespace parindex::server
