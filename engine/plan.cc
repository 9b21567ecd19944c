// Validation and indexing of reform plans.
#include "engine/plan.h"

#include <algorithm>
#include <atomic>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/status_macros.h"
#include "engine/errors.h"

namespace parindex::engine {

uint64_t NextSerial() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

bool TargetAppliesTo(const v1::Target& target, v1::UnitKind kind) {
  if (target.applies_to().empty()) return true;
  return std::find(target.applies_to().begin(), target.applies_to().end(), kind) !=
         target.applies_to().end();
}

bool IsValidDate(const v1::Date& date) {
  if (date.year() < 1900 || date.year() > 2999) return false;
  const absl::CivilDay day(date.year(), date.month(), date.day());
  return day.year() == date.year() && day.month() == date.month() &&
         day.day() == date.day();
}

absl::StatusOr<std::shared_ptr<const CompiledPlan>> CompiledPlan::Compile(v1::Plan plan) {
  std::shared_ptr<CompiledPlan> compiled(new CompiledPlan());
  compiled->plan_ = std::move(plan);
  RETURN_IF_ERROR(compiled->Build());
  compiled->serial_ = NextSerial();
  return std::shared_ptr<const CompiledPlan>(std::move(compiled));
}

absl::Status CompiledPlan::Build() {
  if (plan_.id().empty()) return InvalidAt("id", "plan: id is required");
  for (int i = 0; i < plan_.targets_size(); ++i) {
    const v1::Target& target = plan_.targets(i);
    const std::string path = absl::StrCat("targets[", i, "]");
    if (target.indicator().empty()) {
      return InvalidAt(path, absl::StrCat(path, ".indicator: is required"));
    }
    const std::string name = absl::StrCat(path, " (", target.indicator(), ")");
    if (target.comparator() == v1::COMPARATOR_UNSPECIFIED) {
      return InvalidAt(path, absl::StrCat(name, ".comparator: is required"));
    }
    if (target.unit() == v1::MEASURE_UNIT_UNSPECIFIED) {
      return InvalidAt(path, absl::StrCat(name, ".unit: is required"));
    }
    if (target.value_milli() < 0 ||
        (target.unit() == v1::PERCENT && target.value_milli() > 100000)) {
      return InvalidAt(path, absl::StrCat(name, ".value: out of range"));
    }
    std::vector<const v1::Target*>& same = targets_[target.indicator()];
    for (const v1::Target* other : same) {
      const bool overlap =
          other->applies_to().empty() || target.applies_to().empty() ||
          std::any_of(target.applies_to().begin(), target.applies_to().end(),
                      [&](int kind) {
                        return TargetAppliesTo(*other, static_cast<v1::UnitKind>(kind));
                      });
      if (overlap) {
        return InvalidAt(path, absl::StrCat(name, ".applies_to: another target of ",
                                            target.indicator(),
                                            " already applies to the same kind of unit"));
      }
    }
    same.push_back(&target);
  }
  for (int i = 0; i < plan_.deadlines_size(); ++i) {
    const v1::Deadline& deadline = plan_.deadlines(i);
    const std::string path = absl::StrCat("deadlines[", i, "]");
    if (deadline.key().empty())
      return InvalidAt(path, absl::StrCat(path, ".key: is required"));
    if (!IsValidDate(deadline.due())) {
      return InvalidAt(
          path, absl::StrCat(path, " (", deadline.key(), ").due: not a valid date"));
    }
    if (!deadlines_.emplace(deadline.key(), &deadline).second) {
      return InvalidAt(path,
                       absl::StrCat(path, ".key: '", deadline.key(), "' used twice"));
    }
  }
  return absl::OkStatus();
}

const v1::Target* CompiledPlan::FindTarget(absl::string_view indicator,
                                           v1::UnitKind kind) const {
  auto it = targets_.find(indicator);
  if (it == targets_.end()) return nullptr;
  for (const v1::Target* target : it->second) {
    if (TargetAppliesTo(*target, kind)) return target;
  }
  return nullptr;
}

const v1::Deadline* CompiledPlan::FindDeadline(absl::string_view key) const {
  auto it = deadlines_.find(key);
  return it == deadlines_.end() ? nullptr : it->second;
}

}  // namespace parindex::engine
