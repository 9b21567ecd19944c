// Export of a national-size round: 3,321 units × 68 criteria on commune-2025, exported
// twice as XLSX (every sheet; each export scores and renders every unit, keeping nothing)
// and once as the criteria CSV. In-process over a real SQLite file; wall and CPU time per
// export, and the process's RSS before and after. Results in bench/README.md.
//
// Usage: report_bench CRITERIA_DIR [UNITS|national[:UNITS] [OUT.xlsx]] (OUT: where to
// keep the workbook). `national`: the seeded national round of bench/national_round.h,
// every unit appraised (issue 20's workload: ~225k criterion rows); a number: that many
// units with the demo round's figures cycled, entered but not appraised (so their
// criteria are not in the export: the rule of a unit not appraised).
// REPORT_BENCH_DEFLATE=6 (or 1...) deflates the XLSX with zlib at that level instead of
// the server's ISA-L (server::SetXlsxDeflateLevel), for the comparison.
// REPORT_BENCH_CHECK=1 with OUT: a third export with every cell through libxlsxwriter's
// calls (server::SetXlsxDirectRows(false)) kept as OUT.library.xlsx, to compare.
// REPORT_BENCH_ROUNDS=N: then N rounds of three XLSX exports, one for each way of
// keeping the sheets' rows (server::SetXlsxRowFiles), the order rotating each round:
// the three in one process, on the same machine at the same moment.
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "bench/national_round.h"
#include "criteria/yaml_reader.h"
#include "server/core.h"
#include "server/demo.h"
#include "server/report.h"
#include "server/store/sql_store.h"

namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The resident set of this process, MB (/proc/self/statm's second field, in pages).
double RssMb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * sysconf(_SC_PAGESIZE) / 1e6;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// This process's CPU time (user and system, every thread), seconds: on a shared machine
// it moves far less than the wall clock.
double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace parindex;
  setvbuf(stdout, nullptr, _IOLBF, 0);  // lines show as they come, also through a pipe
  if (argc < 2) {
    std::fprintf(
        stderr, "usage: report_bench CRITERIA_DIR [UNITS|national[:UNITS] [OUT.xlsx]]\n");
    return 2;
  }
  if (const char* level = std::getenv("REPORT_BENCH_DEFLATE"); level != nullptr) {
    server::SetXlsxDeflateLevel(std::atoi(level));
    std::printf("XLSX deflated by zlib at level %d\n", std::atoi(level));
  }
  const std::string dir = argv[1];
  // "national" (or "national:N" for its first N units) or a number of units.
  const std::string mode = argc > 2 ? argv[2] : "3300";
  const bool national = mode.rfind("national", 0) == 0;
  const int national_units =
      national && mode.size() > 9 ? std::atoi(mode.c_str() + 9) : 0;
  const auto tmp = std::filesystem::temp_directory_path() /
                   absl::StrCat("parindex-report-bench-", getpid());
  std::filesystem::create_directories(tmp);
  store::StoreOptions options;
  options.path = (tmp / "report.db").string();
  auto store = store::SqlStore::Open(options).value();
  // Ended before the store it listens to (its destructor unsubscribes).
  auto core_owner = std::make_unique<server::Core>(store.get(), &store::Clock::Real());
  server::Core& core = *core_owner;
  const server::Caller admin{v1::ROLE_ADMIN, "bench", ""},
      appraiser{v1::ROLE_APPRAISER, "bench", ""};

  std::string round_id = "national";
  int units = 0;
  auto start = std::chrono::steady_clock::now();
  if (national) {
    // The seeded national round of bench/national_round.h: every unit appraised, so
    // every criterion row is in the export (issue 20's workload).
    server::LoadDemo(core, dir).value();
    bench::NationalOptions national_options;
    if (national_units > 0) national_options.units = national_units;
    const bench::NationalRound round =
        bench::AddNationalRound(core, *store, dir, national_options).value();
    round_id = round.round;
    units = round.units;
  } else {
    units = argc > 2 ? std::atoi(argv[2]) : 3300;
    v1::CreateCriteriaSetRequest set;
    set.set_yaml(Read(dir + "/sets/commune-2025.yaml"));
    core.catalog().CreateCriteriaSet(admin, set).value();
    v1::PutPlanRequest plan;
    plan.set_yaml(Read(dir + "/plans/hungyen-2023.yaml"));
    core.catalog().PutPlan(admin, plan).value();
    auto figures =
        criteria::ReadFigures(dir + "/rounds/hungyen-2023/figures.yaml").value();
    v1::PutUnitRequest city;
    city.mutable_unit()->set_code("HYC");
    city.mutable_unit()->set_name("Thành phố");
    city.mutable_unit()->set_kind(v1::CITY);
    core.catalog().PutUnit(admin, city).value();
    v1::CreateRoundRequest create;
    create.mutable_round()->set_id("national");
    create.mutable_round()->set_year(2025);
    create.mutable_round()->set_criteria_set("commune-2025");
    create.mutable_round()->add_plans("hungyen-2023");
    for (int i = 0; i < units; ++i) {
      v1::PutUnitRequest put;
      v1::Unit* u = put.mutable_unit();
      *u = figures.proto.units[i % figures.proto.units.size()].unit;
      u->set_code(absl::StrCat("U", i));
      u->set_name(absl::StrCat(u->name(), " ", i));
      core.catalog().PutUnit(admin, put).value();
      create.mutable_round()->add_units(u->code());
    }
    core.rounds().CreateRound(appraiser, create).value();
    store::WriteContext ctx;
    ctx.actor = {"bench", "ward", ""};
    for (int i = 0; i < units; ++i) {
      std::vector<store::EntryUpdate> updates;
      for (const v1::Entry& e :
           figures.proto.units[i % figures.proto.units.size()].assessment.entries()) {
        updates.push_back({e, 0});
      }
      store->UpdateEntries(ctx, "national", absl::StrCat("U", i), updates).value();
    }
  }
  std::printf("set up %d units with their figures in %.1f s\n", units, Seconds(start));

  v1::ExportRoundRequest xlsx;
  xlsx.set_name(absl::StrCat("rounds/", round_id));
  // The server's state before an export: the round scored and ranked in its cache (as
  // after the first GetRanking), freed memory given back.
  v1::GetRankingRequest ranking;
  ranking.set_name(absl::StrCat("rounds/", round_id));
  core.scores().GetRanking(appraiser, ranking).value();
  malloc_trim(0);
  const double before = RssMb();
  std::printf("RSS with the round cached, before any export: %.0f MB\n", before);
  start = std::chrono::steady_clock::now();
  double cpu = CpuSeconds();
  auto file = core.reports().ExportRound(appraiser, xlsx).value();
  std::printf(
      "XLSX, first (score + render %d units, 8 sheets): %.2f s (CPU %.2f s), %.1f MB\n",
      units, Seconds(start), CpuSeconds() - cpu, file.content().size() / 1e6);
  // After the first export the cache also holds every unit's Vietnamese reasons (the
  // reports' language), kept for the next export: the steady state.
  file.Clear();
  file.mutable_content()->shrink_to_fit();
  malloc_trim(0);
  const double steady = RssMb();
  std::printf("RSS after the first export, trimmed: %.0f MB\n", steady);
  start = std::chrono::steady_clock::now();
  cpu = CpuSeconds();
  file = core.reports().ExportRound(appraiser, xlsx).value();
  std::printf("XLSX, second: %.2f s (CPU %.2f s)\n", Seconds(start), CpuSeconds() - cpu);
  {
    v1::ExportRoundResponse kept = file;
    file.Clear();
    file.mutable_content()->shrink_to_fit();
    malloc_trim(0);
    std::printf("RSS after the second export, trimmed: %.0f MB (%+.1f %% of the first)\n",
                RssMb(), 100 * (RssMb() / steady - 1));
    file = std::move(kept);
  }
  if (argc > 3) std::ofstream(argv[3], std::ios::binary) << file.content();
  if (argc > 3 && std::getenv("REPORT_BENCH_CHECK") != nullptr) {
    // The same export with every cell through libxlsxwriter's calls, beside OUT: its
    // parts unzip to the same bytes as OUT's (but the run's times in docProps/core.xml).
    server::SetXlsxDirectRows(false);
    start = std::chrono::steady_clock::now();
    cpu = CpuSeconds();
    auto library = core.reports().ExportRound(appraiser, xlsx).value();
    std::printf("XLSX, cells through libxlsxwriter's calls: %.2f s (CPU %.2f s)\n",
                Seconds(start), CpuSeconds() - cpu);
    std::ofstream(absl::StrCat(argv[3], ".library.xlsx"), std::ios::binary)
        << library.content();
    server::SetXlsxDirectRows(true);
  }
  if (const char* rounds = std::getenv("REPORT_BENCH_ROUNDS"); rounds != nullptr) {
    // Each way of keeping the sheets' rows, in turn, the order rotating each round.
    const server::XlsxRowFiles modes[] = {server::XlsxRowFiles::kDeflatedAside,
                                          server::XlsxRowFiles::kDeflated,
                                          server::XlsxRowFiles::kLibrary};
    const char* names[] = {"deflated on a second thread", "deflated as written",
                           "libxlsxwriter's row files"};
    double sum[3] = {0, 0, 0};
    const int n = std::atoi(rounds);
    for (int i = 0; i < 3 * n; ++i) {
      const int m = (i + i / 3) % 3;
      server::SetXlsxRowFiles(modes[m]);
      file.Clear();
      malloc_trim(0);
      start = std::chrono::steady_clock::now();
      cpu = CpuSeconds();
      file = core.reports().ExportRound(appraiser, xlsx).value();
      const double wall = Seconds(start);
      sum[m] += wall;
      std::printf("XLSX, rows %s: %.2f s (CPU %.2f s), %.1f MB\n", names[m], wall,
                  CpuSeconds() - cpu, file.content().size() / 1e6);
    }
    server::SetXlsxRowFiles(server::XlsxRowFiles::kDeflatedAside);
    for (int m = 0; n > 0 && m < 3; ++m)
      std::printf("mean of %d, rows %s: %.2f s\n", n, names[m], sum[m] / n);
  }
  file.Clear();
  file.mutable_content()->shrink_to_fit();
  std::printf("RSS after the exports, their file freed: %.0f MB (%+.0f %%)\n", RssMb(),
              100 * (RssMb() / before - 1));
  // What StreamExportRound does once its file is sent (server/service.cc).
  malloc_trim(0);
  std::printf(
      "RSS after malloc_trim, as the server after StreamExportRound: %.0f MB "
      "(%+.0f %%)\n",
      RssMb(), 100 * (RssMb() / before - 1));
  v1::ExportRoundRequest csv = xlsx;
  csv.set_format(v1::ExportRoundRequest::CSV);
  csv.set_table("criteria");
  start = std::chrono::steady_clock::now();
  cpu = CpuSeconds();
  file = core.reports().ExportRound(appraiser, csv).value();
  std::printf("CSV of every criterion: %.2f s (CPU %.2f s), %.1f MB\n", Seconds(start),
              CpuSeconds() - cpu, file.content().size() / 1e6);
  core_owner.reset();
  store.reset();
  std::filesystem::remove_all(tmp);
  return 0;
}
