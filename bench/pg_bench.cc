// The PostgreSQL backend's write rate: acknowledged entry updates per second at 64
// concurrent writers through SqlStore on PostgreSQL, against, in the same run,
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

// Acknowledged UpdateEntries per second, each client on its own entry.
double StoreRate(const std::string& db, double seconds, int64_t* commits) {
  StoreOptions options;
  options.path = db;
  auto store = SqlStore::Open(options).value();
  v1::CriteriaSet set;
  set.set_id("s");
  store->AddCriteriaSet(Ctx(), set).value();
  v1::Unit unit;
  unit.set_code("U1");
  store->PutUnit(Ctx(), unit).value();
  v1::Round round;
  round.set_id("r");
  round.set_criteria_set("s");
  round.set_criteria_set_version(1);
  round.add_units("U1");
  store->CreateRound(Ctx(), round).value();
  std::vector<int64_t> versions(kClients, 0);
  const int64_t commits_before = store->commits();
  const double rate = Rate(seconds, [&](int c) {
    EntryUpdate update;
    update.entry.set_criterion(absl::StrCat("C", c));
    (*update.entry.mutable_self()->mutable_figures())["x"] = versions[c];
    update.expected_version = versions[c];
    auto ack = store->UpdateEntries(Ctx(), "r", "U1", {update});
    if (!ack.ok()) {
      std::fprintf(stderr, "%s\n", std::string(ack.status().message()).c_str());
      return false;
    }
    ++versions[c];
    return true;
  });
  *commits = store->commits() - commits_before;
  return rate;
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
  const std::string store_db = (*pg)->NewDatabase().value();
  const std::string dir =
      (std::filesystem::temp_directory_path() / absl::StrCat("pg-bench-", getpid()))
          .string();
  std::filesystem::create_directories(dir);
  int64_t pg_commits = 0, sqlite_commits = 0;
  const double raw = store::RawPostgresRate(raw_db, seconds);
  const double on_pg = store::StoreRate(store_db, seconds, &pg_commits);
  const double on_sqlite = store::StoreRate(dir + "/bench.db", seconds, &sqlite_commits);
  const std::vector<double> delays =
      store::NotifyDelays((*pg)->NewDatabase().value(), 500);
  std::filesystem::remove_all(dir);
  std::printf("%d clients, %.1f s each, fsync on, synchronous_commit=on\n",
              store::kClients, seconds);
  std::printf("PostgreSQL single-row commits/s (raw INSERT)   %10.0f\n", raw);
  std::printf(
      "SqlStore on PostgreSQL, acknowledged writes/s  %10.0f  (%.1f writes/commit)\n",
      on_pg, on_pg * seconds / std::max<int64_t>(pg_commits, 1));
  std::printf(
      "SqlStore on SQLite, acknowledged writes/s      %10.0f  (%.1f writes/commit)\n",
      on_sqlite, on_sqlite * seconds / std::max<int64_t>(sqlite_commits, 1));
  std::printf(
      "another server hears of a write (after its ack): median %.0f µs, p99 %.0f µs, "
      "max %.0f µs over %zu writes\n",
      delays[delays.size() / 2], delays[delays.size() * 99 / 100], delays.back(),
      delays.size());
  return 0;
}
