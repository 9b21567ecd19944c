// The YAML readers on arbitrary text: a criteria set, a plan or figures, then the
// engine's validation of what parsed. Any crash, leak or undefined behaviour is a bug;
// errors are expected.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "criteria/yaml_reader.h"
#include "engine/criteria_set.h"
#include "engine/plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto set = parindex::criteria::ParseCriteriaSet(text, "fuzz.yaml"); set.ok()) {
    (void)parindex::engine::CompiledCriteriaSet::Compile(set->proto);
  }
  if (auto plan = parindex::criteria::ParsePlan(text, "fuzz.yaml"); plan.ok()) {
    (void)parindex::engine::CompiledPlan::Compile(plan->proto);
  }
  (void)parindex::criteria::ParseFigures(text, "fuzz.yaml");
  return 0;
}
