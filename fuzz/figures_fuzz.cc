// The figure validator and scorer: arbitrary assessments (protobuf bytes) scored
// against the bundled commune set and the Hưng Yên plan, both columns.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "criteria/yaml_reader.h"
#include "engine/scorer.h"
#include "google/protobuf/stubs/logging.h"

namespace {

struct Fixture {
  std::shared_ptr<const parindex::engine::CompiledCriteriaSet> set;
  std::shared_ptr<const parindex::engine::CompiledPlan> plan;
  parindex::v1::Unit unit;
};

const Fixture& Get() {
  static const Fixture* fixture = [] {
    auto* f = new Fixture;
    f->set = *parindex::criteria::LoadCriteriaSet(PARINDEX_SOURCE_DIR
                                                  "/criteria/sets/commune-2025.yaml");
    f->plan = *parindex::criteria::LoadPlan(PARINDEX_SOURCE_DIR
                                            "/criteria/plans/hungyen-2023.yaml");
    f->unit.set_code("U");
    f->unit.set_name("Phường U");
    f->unit.set_kind(parindex::v1::WARD);
    return f;
  }();
  return *fixture;
}

}  // namespace

// Protobuf logs every string with invalid UTF-8 it refuses; that is expected here.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Fixture& f = Get();
  parindex::v1::Assessment assessment;
  if (!assessment.ParseFromArray(data, static_cast<int>(size))) return 0;
  for (parindex::v1::Column column : {parindex::v1::SELF, parindex::v1::APPRAISED}) {
    (void)parindex::engine::ScoreUnit(*f.set, f.plan.get(), f.unit, assessment, column);
  }
  return 0;
}
