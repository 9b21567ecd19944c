// Store benchmarks: acknowledged entry updates per second with 1, 8 and 64 concurrent
// writers, and in the same run the anchor: single-row inserts, each in its own
// transaction, on a bare SQLite connection with WAL and synchronous=FULL. Every
// acknowledged update is durable (fsync'd) before its caller hears back; the store's
// group commit is what lets many writers share one fsync.
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "server/store/sql_store.h"

namespace parindex::store {
namespace {

std::string BenchDir() {
  static const std::string dir = [] {
    const auto path = std::filesystem::temp_directory_path() /
                      absl::StrCat("parindex-bench-", getpid());
    std::filesystem::create_directories(path);
    return path.string();
  }();
  return dir;
}

WriteContext Ctx() {
  WriteContext ctx;
  ctx.actor = {"bench", "ward", "U1"};
  return ctx;
}

SqlStore& SharedStore() {
  static SqlStore* store = [] {
    StoreOptions options;
    options.path = BenchDir() + "/store.db";
    SqlStore* s = SqlStore::Open(options).value().release();
    v1::CriteriaSet set;
    set.set_id("s");
    s->AddCriteriaSet(Ctx(), set).value();
    v1::Unit unit;
    unit.set_code("U1");
    s->PutUnit(Ctx(), unit).value();
    v1::Round round;
    round.set_id("r");
    round.set_criteria_set("s");
    round.set_criteria_set_version(1);
    round.add_units("U1");
    s->CreateRound(Ctx(), round).value();
    return s;
  }();
  return *store;
}

// Each benchmark thread updates its own entry, knowing its version.
void BM_AcknowledgedUpdates(benchmark::State& state) {
  static std::vector<int64_t> versions(256, 0);
  SqlStore& store = SharedStore();
  const int t = state.thread_index();
  const int64_t commits_before = store.commits();
  for (auto _ : state) {
    EntryUpdate update;
    update.entry.set_criterion(absl::StrCat("B", t));
    (*update.entry.mutable_self()->mutable_figures())["x"] = versions[t];
    update.expected_version = versions[t];
    auto ack = store.UpdateEntries(Ctx(), "r", "U1", {update});
    if (!ack.ok()) {
      state.SkipWithError(std::string(ack.status().message()).c_str());
      break;
    }
    versions[t] = ack->versions(0);
  }
  state.SetItemsProcessed(state.iterations());
  if (t == 0) {
    state.counters["commits"] = static_cast<double>(store.commits() - commits_before);
  }
}
BENCHMARK(BM_AcknowledgedUpdates)
    ->Threads(1)
    ->Threads(8)
    ->Threads(64)
    ->UseRealTime()
    ->MinTime(2);

// The anchor: what one fsync'd transaction per row costs on this disk.
void BM_RawInsertPerTransaction(benchmark::State& state) {
  sqlite3* db = nullptr;
  const std::string path = BenchDir() + "/raw.db";
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
               "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v BLOB) STRICT;",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO t (v) VALUES (?)", -1, &insert, nullptr);
  const std::string payload(120, 'x');  // about one serialized entry
  for (auto _ : state) {
    sqlite3_bind_blob(insert, 1, payload.data(), static_cast<int>(payload.size()),
                      SQLITE_STATIC);
    if (sqlite3_step(insert) != SQLITE_DONE) state.SkipWithError(sqlite3_errmsg(db));
    sqlite3_reset(insert);
  }
  state.SetItemsProcessed(state.iterations());
  sqlite3_finalize(insert);
  sqlite3_close(db);
}
BENCHMARK(BM_RawInsertPerTransaction)->UseRealTime()->MinTime(2);

}  // namespace
}  // namespace parindex::store

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::filesystem::remove_all(parindex::store::BenchDir());
  return 0;
}
