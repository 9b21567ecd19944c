// CheckRequest (server/request_check.h) on what the server really receives: the hot
// read's request (a name and a column), one unit's whole form from the demo round as a
// batch, and a whole criteria set and plan. Results and commands are in bench/README.md.
//
// Usage: check_bench CRITERIA_DIR [Google Benchmark flags]
#include <string>

#include "benchmark/benchmark.h"
#include "criteria/yaml_reader.h"
#include "parindex/v1/service.pb.h"
#include "server/request_check.h"

namespace parindex::server {
namespace {

std::string criteria_dir = "criteria";

void Check(benchmark::State& state, const google::protobuf::Message& request) {
  if (!CheckRequest(request).ok()) state.SkipWithError("refused");
  for (auto _ : state) {
    benchmark::DoNotOptimize(CheckRequest(request));
  }
}

void BM_GetUnitScoreRequest(benchmark::State& state) {
  v1::GetUnitScoreRequest r;
  r.set_name("rounds/hungyen-2023/assessments/PLS");
  r.set_column(v1::SELF);
  Check(state, r);
}
BENCHMARK(BM_GetUnitScoreRequest);

// PLS's 68 entries of the demo round, as `parindex submit` sends them.
void BM_BatchOfOneUnitsForm(benchmark::State& state) {
  auto figures =
      criteria::ReadFigures(criteria_dir + "/rounds/hungyen-2023/figures.yaml").value();
  v1::BatchUpdateEntriesRequest r;
  r.set_parent("rounds/hungyen-2023/assessments/PLS");
  for (const v1::Entry& e : figures.proto.units[0].assessment.entries())
    *r.add_updates()->mutable_entry() = e;
  state.counters["entries"] = r.updates_size();
  Check(state, r);
}
BENCHMARK(BM_BatchOfOneUnitsForm);

void BM_CreateCriteriaSet(benchmark::State& state) {
  v1::CreateCriteriaSetRequest r;
  *r.mutable_criteria_set() =
      criteria::ReadCriteriaSet(criteria_dir + "/sets/commune-2025.yaml").value().proto;
  Check(state, r);
}
BENCHMARK(BM_CreateCriteriaSet);

void BM_PutPlan(benchmark::State& state) {
  v1::PutPlanRequest r;
  *r.mutable_plan() =
      criteria::ReadPlan(criteria_dir + "/plans/hungyen-2023.yaml").value().proto;
  state.counters["tasks"] = r.plan().tasks_size();
  Check(state, r);
}
BENCHMARK(BM_PutPlan);

}  // namespace
}  // namespace parindex::server

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (argc > 1) parindex::server::criteria_dir = argv[1];
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
