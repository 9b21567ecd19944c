// CompiledPlan: a validated reform plan whose targets are looked up by indicator and
// unit kind.
#ifndef PARINDEX_ENGINE_PLAN_H_
#define PARINDEX_ENGINE_PLAN_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "parindex/v1/plan.pb.h"

namespace parindex::engine {

class CompiledPlan {
 public:
  // Validates `plan`: every target names an indicator, a comparator and a unit; two
  // targets of one indicator never apply to the same unit kind; deadline keys are unique
  // and dates valid. Errors are INVALID_ARGUMENT with the field path attached.
  static absl::StatusOr<std::shared_ptr<const CompiledPlan>> Compile(v1::Plan plan);

  const v1::Plan& proto() const { return plan_; }
  // Unique to this compiled plan in the process (scratch kept by callers is keyed by it).
  uint64_t serial() const { return serial_; }

  // The target for `indicator` that applies to units of `kind`, or nullptr.
  const v1::Target* FindTarget(absl::string_view indicator, v1::UnitKind kind) const;
  // The deadline with `key`, or nullptr.
  const v1::Deadline* FindDeadline(absl::string_view key) const;

 private:
  CompiledPlan() = default;
  absl::Status Build();

  v1::Plan plan_;
  absl::flat_hash_map<std::string, std::vector<const v1::Target*>> targets_;
  absl::flat_hash_map<std::string, const v1::Deadline*> deadlines_;
  uint64_t serial_ = 0;
};

// A number no other call in the process gets (from 1): what serial() returns.
uint64_t NextSerial();

// True when `target` applies to units of `kind` (an empty applies_to covers all).
bool TargetAppliesTo(const v1::Target& target, v1::UnitKind kind);

// True when the date is a real calendar day.
bool IsValidDate(const v1::Date& date);

}  // namespace parindex::engine

#endif  // PARINDEX_ENGINE_PLAN_H_
