// Load against the real parindex-server: it starts the binary on a free loopback port
// over a fresh database with the demo round, then drives it with an async client that
// keeps N calls in flight for a fixed time per workload, in one run:
//   echo (the baseline), GetUnitScore, GetRanking, GetCallerToken (a small call on the
//   sync API), and acknowledged appraisal writes (BatchUpdateEntries, each durable
//   before it is answered); then the HTTP/JSON gateway against gRPC at the same
//   concurrency (kHttpClients calls in flight each).
// Every call's status is counted; a workload with any error is reported as failed.
// Results and the command that produced them go in bench/README.md.
//
// Usage: server_bench SERVER_BINARY CRITERIA_DIR [SECONDS] [IN_FLIGHT]
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "bench/load.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "parindex/v1/service.grpc.pb.h"

namespace {

using parindex::bench::Clock;
using parindex::bench::Percentile;
using parindex::bench::Raw;
using parindex::bench::Result;
using parindex::bench::Run;
using parindex::bench::Server;
using parindex::bench::Slot;
using parindex::bench::Start;
namespace v1 = parindex::v1;

// httplib's server answers with a pool of max(8, cores - 1) threads; the HTTP clients
// match it, and gRPC is measured at the same number of calls in flight for the ratio.
constexpr int kHttpClients = 8;

// kHttpClients threads, each with its own keep-alive connection, POST the same JSON
// body for `seconds`; a call counts as done when its 200 response is read.
Result RunHttp(const std::string& name, const std::string& address,
               const std::string& path, const std::string& token, const std::string& body,
               double seconds) {
  Result result;
  result.name = name;
  std::mutex mu;
  const size_t colon = address.rfind(':');
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int t = 0; t < kHttpClients; ++t) {
    threads.emplace_back([&] {
      httplib::Client client(address.substr(0, colon),
                             std::stoi(address.substr(colon + 1)));
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      const httplib::Headers headers = {{"Authorization", "Bearer " + token}};
      Result mine;
      while (Clock::now() < end) {
        const auto started = Clock::now();
        auto response = client.Post(path.c_str(), headers, body, "application/json");
        if (response && response->status == 200) {
          ++mine.ok;
          mine.latencies_ms.push_back(
              std::chrono::duration<double, std::milli>(Clock::now() - started).count());
        } else if (mine.failed++ == 0) {
          mine.first_error = response
                                 ? absl::StrCat(response->status, ": ", response->body)
                                 : httplib::to_string(response.error());
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      result.ok += mine.ok;
      if (result.failed == 0) result.first_error = mine.first_error;
      result.failed += mine.failed;
      result.latencies_ms.insert(result.latencies_ms.end(), mine.latencies_ms.begin(),
                                 mine.latencies_ms.end());
    });
  }
  for (std::thread& t : threads) t.join();
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

// CPU seconds (user + system) `pid` has used so far, from /proc (10 ms resolution).
double CpuSeconds(pid_t pid) {
  std::FILE* f = std::fopen(absl::StrCat("/proc/", pid, "/stat").c_str(), "r");
  if (f == nullptr) return 0;
  char buffer[1024];
  const size_t n = std::fread(buffer, 1, sizeof(buffer) - 1, f);
  std::fclose(f);
  buffer[n] = 0;
  // After "pid (comm) ": state is field 3; utime and stime are fields 14 and 15.
  const char* p = std::strrchr(buffer, ')');
  if (p == nullptr) return 0;
  unsigned long utime = 0, stime = 0;
  if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
                  &stime) != 2)
    return 0;
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(
        stderr, "usage: server_bench SERVER_BINARY CRITERIA_DIR [SECONDS] [IN_FLIGHT]\n");
    return 2;
  }
  const double seconds = argc > 3 ? std::atof(argv[3]) : 5;
  const int in_flight = argc > 4 ? std::atoi(argv[4]) : 64;
  const auto dir = std::filesystem::temp_directory_path() /
                   absl::StrCat("parindex-server-bench-", getpid());
  std::filesystem::create_directories(dir);
  Server server = Start(argv[1], argv[2], (dir / "bench.db").string());
  if (server.address.empty()) {
    std::fprintf(stderr, "the server did not start\n");
    return 1;
  }
  auto channel = grpc::CreateChannel(server.address, grpc::InsecureChannelCredentials());
  grpc::GenericStub generic(channel);
  auto rounds = v1::RoundService::NewStub(channel);
  auto assessments = v1::AssessmentService::NewStub(channel);
  const std::string appraiser = server.tokens["appraiser"];
  std::vector<Result> results;
  // The server's CPU time per answered call, per result: unlike calls/s it hardly
  // moves when other work shares the machine, so it compares builds run at different
  // times.
  std::vector<double> server_cpu_us;
  auto measure = [&](const std::function<Result()>& run) {
    const double before = CpuSeconds(server.pid);
    Result r = run();
    const double cpu = CpuSeconds(server.pid) - before;
    server_cpu_us.push_back(r.ok > 0 ? cpu * 1e6 / r.ok : 0);
    results.push_back(std::move(r));
  };

  auto run_reads = [&](const std::string& name,
                       const std::function<std::unique_ptr<Slot>()>& make) {
    std::vector<std::unique_ptr<Slot>> slots;
    for (int i = 0; i < in_flight; ++i) slots.push_back(make());
    Run(name, slots, 0.5);  // warm up: caches, connections
    measure([&] { return Run(name, slots, seconds); });
  };
  v1::EchoMessage hello;
  hello.set_text("xin chào");
  run_reads("Echo", [&] {
    return std::make_unique<Raw>(&generic, "/parindex.v1.EchoService/Echo", appraiser,
                                 hello);
  });
  v1::GetUnitScoreRequest unit_score;
  unit_score.set_name("rounds/hungyen-2023/assessments/PLS");
  run_reads("GetUnitScore", [&] {
    return std::make_unique<Raw>(&generic, "/parindex.v1.ScoreService/GetUnitScore",
                                 appraiser, unit_score);
  });
  v1::GetRankingRequest ranking;
  ranking.set_name("rounds/hungyen-2023");
  run_reads("GetRanking", [&] {
    return std::make_unique<Raw>(&generic, "/parindex.v1.ScoreService/GetRanking",
                                 appraiser, ranking);
  });
  // A small call on the sync API (streamed-unary since 2026-11-25): its dispatch
  // against echo's callback API. It reads the token table (a few rows) from SQLite.
  run_reads("GetCallerToken (sync API)", [&] {
    return std::make_unique<Raw>(&generic, "/parindex.v1.TokenService/GetCallerToken",
                                 appraiser, v1::GetCallerTokenRequest());
  });

  // The gateway against gRPC, both with kHttpClients calls in flight.
  {
    std::vector<std::unique_ptr<Slot>> slots;
    for (int i = 0; i < kHttpClients; ++i) {
      slots.push_back(std::make_unique<Raw>(
          &generic, "/parindex.v1.ScoreService/GetUnitScore", appraiser, unit_score));
    }
    Run("warm-up", slots, 0.5);
    measure([&] {
      return Run(absl::StrCat("GetUnitScore, gRPC, ", kHttpClients, " in flight"), slots,
                 seconds);
    });
    RunHttp("warm-up", server.http, "/parindex.v1.ScoreService/GetUnitScore", appraiser,
            R"({"name": "rounds/hungyen-2023/assessments/PLS"})", 0.5);
    measure([&] {
      return RunHttp(absl::StrCat("GetUnitScore, HTTP/JSON, ", kHttpClients, " clients"),
                     server.http, "/parindex.v1.ScoreService/GetUnitScore", appraiser,
                     R"({"name": "rounds/hungyen-2023/assessments/PLS"})", seconds);
    });
    measure([&] {
      return RunHttp(absl::StrCat("Echo, HTTP/JSON, ", kHttpClients, " clients"),
                     server.http, "/parindex.v1.EchoService/Echo", appraiser,
                     R"({"text": "xin chào"})", seconds);
    });
  }

  // Writes: the round moves to appraisal; each slot appraises its own (unit, judgement
  // criterion) pair, tracking its etag.
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + appraiser);
    v1::AdvanceRoundRequest advance;
    advance.set_name("rounds/hungyen-2023");
    advance.set_to_phase(v1::PHASE_APPRAISAL);
    advance.set_etag(2);
    v1::Round round;
    grpc::Status s = rounds->AdvanceRound(&context, advance, &round);
    if (!s.ok()) std::fprintf(stderr, "advance: %s\n", s.error_message().c_str());
  }
  // Each writer keeps its request to bump the etag after every acknowledgement.
  struct Appraise : Raw {
    Appraise(grpc::GenericStub* stub, const std::string& token,
             v1::BatchUpdateEntriesRequest r)
        : Raw(stub, "/parindex.v1.AssessmentService/BatchUpdateEntries", token, r),
          request(std::move(r)) {}
    void Done() override {
      v1::BatchUpdateEntriesResponse parsed;
      parsed.ParseFromString(ResponseBytes());
      request.mutable_updates(0)->set_etag(parsed.entries(0).version());
      bytes = request.SerializeAsString();
    }
    v1::BatchUpdateEntriesRequest request;
  };
  std::vector<std::unique_ptr<Slot>> writers;
  const char* units[] = {"PLS", "PHN", "PAT", "PLL", "PMK",  "PQT", "PHC", "XBK", "XTN",
                         "XLP", "XHN", "XQC", "XHH", "XPCH", "XTH", "XHC", "XPCU"};
  const char* judged[] = {"I.5", "IV.1", "V.5", "VI.3"};
  for (int i = 0; i < in_flight; ++i) {
    const std::string unit = units[i % 17];
    const std::string criterion = judged[(i / 17) % 4];
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + appraiser);
    v1::GetByNameRequest get;
    get.set_name(absl::StrCat("rounds/hungyen-2023/assessments/", unit));
    v1::Assessment a;
    assessments->GetAssessment(&context, get, &a);
    v1::BatchUpdateEntriesRequest request;
    request.set_parent(get.name());
    v1::EntryUpdate* u = request.add_updates();
    u->mutable_entry()->set_criterion(criterion);
    u->mutable_entry()->mutable_appraised()->set_score_milli(1000);
    for (const v1::Entry& e : a.entries()) {
      if (e.criterion() == criterion) u->set_etag(e.version());
    }
    writers.push_back(std::make_unique<Appraise>(&generic, appraiser, request));
  }
  measure(
      [&] { return Run("BatchUpdateEntries (acknowledged writes)", writers, seconds); });

  kill(server.pid, SIGTERM);
  int status = 0;
  waitpid(server.pid, &status, 0);
  fclose(server.out);
  std::filesystem::remove_all(dir);

  std::printf(
      "%d calls in flight, %.1f s per workload, server and client on the same 2 cores\n",
      in_flight, seconds);
  std::printf("%-42s %10s %8s %10s %10s %10s %14s\n", "workload", "calls/s", "errors",
              "p50 ms", "p99 ms", "vs echo", "server us/call");
  const double echo_rate = results[0].ok / results[0].seconds;
  bool failed = false;
  for (size_t i = 0; i < results.size(); ++i) {
    const Result& r = results[i];
    const double rate = r.ok / r.seconds;
    std::printf("%-42s %10.0f %8lld %10.2f %10.2f %9.2fx %14.1f\n", r.name.c_str(), rate,
                static_cast<long long>(r.failed), Percentile(r.latencies_ms, 0.5),
                Percentile(r.latencies_ms, 0.99), rate / echo_rate, server_cpu_us[i]);
    if (r.failed > 0) {
      std::printf("  first error: %s\n", r.first_error.c_str());
      failed = true;
    }
  }
  return failed ? 1 : 0;
}
