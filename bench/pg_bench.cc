// The PostgreSQL backend's write rate: acknowledged entry updates per second at 64
// concurrent writers through SqlStore on PostgreSQL (all on one unit's form, then each
// on a unit of its own, as 64 clerks of 64 communes), against, in the same run,
// PostgreSQL's own single-row commit rate (64 connections, each INSERT its own
// transaction, synchronous_commit=on, fsync on) and the same store on a SQLite file.
// Then how long after a write's acknowledgement another server sharing the database
// hears of it (LISTEN/NOTIFY: its caches forget the resource). Starts its own
// PostgreSQL 15 (tests/pg_server.h) with fsync on.
//
// Usage: pg_bench [seconds per measurement, default 5]
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/store/sql_store.h"
#include "tests/pg_server.h"

namespace parindex::store {
namespace {

constexpr int kClients = 64;

WriteContext Ctx() {
  WriteContext ctx;
  ctx.actor = {"bench", "ward", "U1"};
  return ctx;
}

// Runs `work(client)` on kClients threads for `seconds`; answers operations per second.
template <typename Work>
double Rate(double seconds, Work work) {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> done{0};
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      while (!stop.load()) {
        if (!work(c)) return;
        ++done;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));  // the window
  stop = true;
  for (std::thread& t : threads) t.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(done.load()) / elapsed;
}

struct StoreRun {
  double rate = 0;      // acknowledged writes per second
  int64_t commits = 0;  // groups committed
  int64_t retries = 0;  // groups run again after a conflict (PostgreSQL)
};

// Acknowledged UpdateEntries per second, each client on its own entry, client c on
// unit c % `units`; `pg_writers`: the store's writer connections on PostgreSQL.
StoreRun StoreRate(const std::string& db, double seconds, int units, int pg_writers = 1) {
  StoreOptions options;
  options.path = db;
  options.pg_writers = pg_writers;
  auto store = SqlStore::Open(options).value();
  v1::CriteriaSet set;
  set.set_id("s");
  store->AddCriteriaSet(Ctx(), set).value();
  v1::Round round;
  round.set_id("r");
  round.set_criteria_set("s");
  round.set_criteria_set_version(1);
  for (int u = 0; u < units; ++u) {
    v1::Unit unit;
    unit.set_code(absl::StrCat("U", u));
    store->PutUnit(Ctx(), unit).value();
    round.add_units(unit.code());
  }
  store->CreateRound(Ctx(), round).value();
  std::vector<int64_t> versions(kClients, 0);
  const int64_t commits_before = store->commits();
  const int64_t retries_before = store->retries();
  StoreRun run;
  run.rate = Rate(seconds, [&](int c) {
    EntryUpdate update;
    update.entry.set_criterion(absl::StrCat("C", c));
    (*update.entry.mutable_self()->mutable_figures())["x"] = versions[c];
    update.expected_version = versions[c];
    auto ack = store->UpdateEntries(Ctx(), "r", absl::StrCat("U", c % units), {update});
    if (!ack.ok()) {
      std::fprintf(stderr, "%s\n", std::string(ack.status().message()).c_str());
      return false;
    }
    ++versions[c];
    return true;
  });
  run.commits = store->commits() - commits_before;
  run.retries = store->retries() - retries_before;
  return run;
}

// PostgreSQL's own: single-row INSERTs, each its own transaction, on kClients
// connections.
double RawPostgresRate(const std::string& uri, double seconds) {
  std::vector<PGconn*> conns;
  for (int c = 0; c < kClients; ++c) conns.push_back(PQconnectdb(uri.c_str()));
  PQclear(PQexec(conns[0],
                 "CREATE TABLE raw (id BIGSERIAL PRIMARY KEY, client BIGINT NOT NULL, "
                 "body BYTEA NOT NULL)"));
  const double rate = Rate(seconds, [&](int c) {
    PGresult* r = PQexec(conns[c], absl::StrCat("INSERT INTO raw (client, body) VALUES (",
                                                c, ", '\\x0a0243311a02')")
                                       .c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) std::fprintf(stderr, "%s", PQresultErrorMessage(r));
    PQclear(r);
    return ok;
  });
  for (PGconn* conn : conns) PQfinish(conn);
  return rate;
}

// How long after a write is acknowledged by one server another server sharing the
// database hears of it (its listener called: when its caches forget the resource):
// `writes` writes one after another, answers the delays in microseconds, sorted.
std::vector<double> NotifyDelays(const std::string& db, int writes) {
  StoreOptions options;
  options.path = db;
  auto a = SqlStore::Open(options).value();
  auto b = SqlStore::Open(options).value();
  v1::CriteriaSet set;
  set.set_id("s");
  a->AddCriteriaSet(Ctx(), set).value();
  v1::Unit unit;
  unit.set_code("U1");
  a->PutUnit(Ctx(), unit).value();
  v1::Round round;
  round.set_id("r");
  round.set_criteria_set("s");
  round.set_criteria_set_version(1);
  round.add_units("U1");
  a->CreateRound(Ctx(), round).value();
  std::mutex mu;
  std::condition_variable heard;
  int notes = 0;
  std::chrono::steady_clock::time_point at;
  b->ListenForChanges([&](const std::vector<std::string>&) {
    std::lock_guard<std::mutex> lock(mu);
    ++notes;
    at = std::chrono::steady_clock::now();
    heard.notify_all();
  });
  std::vector<double> delays;
  constexpr int kWarmUp = 20;  // the setup's own notifications arrive meanwhile
  for (int i = 0; i < writes + kWarmUp; ++i) {
    EntryUpdate update;
    update.entry.set_criterion("C");
    update.expected_version = i;
    int before = 0;
    {
      std::lock_guard<std::mutex> lock(mu);
      before = notes;
    }
    a->UpdateEntries(Ctx(), "r", "U1", {update}).value();
    const auto acked = std::chrono::steady_clock::now();
    std::unique_lock<std::mutex> lock(mu);
    heard.wait(lock, [&] { return notes > before; });
    if (i >= kWarmUp)
      delays.push_back(std::chrono::duration<double, std::micro>(at - acked).count());
  }
  b->ListenForChanges(nullptr);
  std::sort(delays.begin(), delays.end());
  return delays;
}

}  // namespace
}  // namespace parindex::store

int main(int argc, char** argv) {
  using namespace parindex;
  const double seconds = argc > 1 ? std::atof(argv[1]) : 5.0;
  setenv("PARINDEX_PG_FSYNC", "on", 1);  // durable, as a deployment's
  auto pg = testing::PostgresServer::Get();
  if (!pg.ok()) {
    std::fprintf(stderr, "%s\n", std::string(pg.status().message()).c_str());
    return 1;
  }
  const std::string raw_db = (*pg)->NewDatabase().value();
  auto db = [&] { return (*pg)->NewDatabase().value(); };
  const std::string dir =
      (std::filesystem::temp_directory_path() / absl::StrCat("pg-bench-", getpid()))
          .string();
  std::filesystem::create_directories(dir);
  const double raw = store::RawPostgresRate(raw_db, seconds);
  const int kWriters = store::StoreOptions().pg_writers;
  const store::StoreRun pg_one_1 = store::StoreRate(db(), seconds, 1, 1);
  const store::StoreRun pg_one = store::StoreRate(db(), seconds, 1, kWriters);
  const store::StoreRun pg_units_1 = store::StoreRate(db(), seconds, store::kClients, 1);
  const store::StoreRun pg_units =
      store::StoreRate(db(), seconds, store::kClients, kWriters);
  const store::StoreRun sqlite_one = store::StoreRate(dir + "/one.db", seconds, 1);
  const store::StoreRun sqlite_units =
      store::StoreRate(dir + "/units.db", seconds, store::kClients);
  const std::vector<double> delays =
      store::NotifyDelays((*pg)->NewDatabase().value(), 500);
  std::filesystem::remove_all(dir);
  std::printf("%d clients, %.1f s each, fsync on, synchronous_commit=on\n",
              store::kClients, seconds);
  std::printf("PostgreSQL single-row commits/s (raw INSERT)   %10.0f\n", raw);
  auto line = [&](const char* what, const store::StoreRun& run) {
    std::printf(
        "%-42s writes/s %6.0f  %.2fx raw  (%.1f writes/commit, %lld groups retried)\n",
        what, run.rate, run.rate / raw,
        run.rate * seconds / std::max<int64_t>(run.commits, 1),
        static_cast<long long>(run.retries));
  };
  const std::string w = absl::StrCat(kWriters, " writers");
  line("SqlStore on PostgreSQL, 1 unit, 1 writer", pg_one_1);
  line(absl::StrCat("SqlStore on PostgreSQL, 1 unit, ", w).c_str(), pg_one);
  line("SqlStore on PostgreSQL, 64 units, 1 writer", pg_units_1);
  line(absl::StrCat("SqlStore on PostgreSQL, 64 units, ", w).c_str(), pg_units);
  line("SqlStore on SQLite, 1 unit", sqlite_one);
  line("SqlStore on SQLite, 64 units", sqlite_units);
  std::printf(
      "another server hears of a write (after its ack): median %.0f µs, p99 %.0f µs, "
      "max %.0f µs over %zu writes\n",
      delays[delays.size() / 2], delays[delays.size() * 99 / 100], delays.back(),
      delays.size());
  return 0;
}
