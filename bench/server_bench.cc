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
// With --national, the server holds a national-size round as well (3,321 units, all
// appraised: bench/national_round.h, generated in-process before it starts) and every
// workload reads and writes that round. Echo is measured twice: the server's own
// (token check, parsing, log) and a bare gRPC callback echo (bench/echo_server.cc, the
// same client and settings), so that every ratio has gRPC's own cost as its peer. At
// the end, one write after another, the latency of the next GetUnitScore, GetRanking
// and SummariseRound (each a cache that the write made stale), the server's RSS, and
// three national XLSX exports as a caller gets them (StreamExportRound to the last
// piece: wall time, the server's CPU and the memory it faulted in, its RSS before and
// after).
//
// With --log FILE the server logs every call (to FILE) instead of running --quiet.
//
// With --soak MINUTES, the workloads above are followed by a mixed load for MINUTES
// (64 calls in flight: 16 appraisers writing, 40 readers of unit scores, 16 of them
// of the units being written, 4 GetRanking, 4 SummariseRound), the server's RSS read
// every 30 s.
//
// Usage: server_bench SERVER_BINARY CRITERIA_DIR [SECONDS] [IN_FLIGHT] [--national]
//        [--log FILE] [--soak MINUTES]
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
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "bench/load.h"
#include "bench/national_round.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "parindex/v1/service.grpc.pb.h"
#include "server/core.h"
#include "server/demo.h"
#include "server/store/sql_store.h"

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

// What /proc/PID/stat says of `pid` so far: CPU seconds (user + system, 10 ms
// resolution) and minor page faults (pages the kernel handed it).
struct ProcStat {
  double cpu_seconds = 0;
  unsigned long minor_faults = 0;
};
ProcStat ReadProcStat(pid_t pid) {
  ProcStat out;
  std::FILE* f = std::fopen(absl::StrCat("/proc/", pid, "/stat").c_str(), "r");
  if (f == nullptr) return out;
  char buffer[1024];
  const size_t n = std::fread(buffer, 1, sizeof(buffer) - 1, f);
  std::fclose(f);
  buffer[n] = 0;
  // After "pid (comm) ": state is field 3, minflt field 10, utime and stime 14 and 15.
  const char* p = std::strrchr(buffer, ')');
  if (p == nullptr) return out;
  unsigned long faults = 0, utime = 0, stime = 0;
  if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %lu %*u %*u %*u %lu %lu", &faults,
                  &utime, &stime) != 3)
    return out;
  out.cpu_seconds = static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
  out.minor_faults = faults;
  return out;
}

double CpuSeconds(pid_t pid) { return ReadProcStat(pid).cpu_seconds; }

// Resident memory of `pid` in MiB, from /proc.
double RssMiB(pid_t pid) {
  std::FILE* f = std::fopen(absl::StrCat("/proc/", pid, "/status").c_str(), "r");
  if (f == nullptr) return 0;
  char line[256];
  double kb = 0;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    if (std::sscanf(line, "VmRSS: %lf kB", &kb) == 1) break;
  }
  std::fclose(f);
  return kb / 1024;
}

// The bare echo (bench/echo_server.cc), started from the directory of this program.
struct Bare {
  pid_t pid = -1;
  std::string address;
};

Bare StartBare(const std::string& self) {
  const std::string binary =
      (std::filesystem::path(self).parent_path() / "echo_server").string();
  int fds[2];
  if (pipe(fds) != 0) std::abort();
  Bare b;
  b.pid = fork();
  if (b.pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execl(binary.c_str(), binary.c_str(), "127.0.0.1:0", nullptr);
    _exit(127);
  }
  close(fds[1]);
  FILE* out = fdopen(fds[0], "r");
  char line[256];
  if (std::fgets(line, sizeof(line), out) != nullptr) {
    absl::string_view l = absl::StripTrailingAsciiWhitespace(line);
    if (absl::ConsumePrefix(&l, "listening on ")) b.address = std::string(l);
  }
  fclose(out);
  return b;
}

// A national-size round in a fresh database (with the demo, so that the server's
// --demo only issues tokens), written in-process before the server opens it.
bool MakeNational(const std::string& db, const std::string& criteria) {
  using namespace parindex;
  const auto start = Clock::now();
  store::StoreOptions options;
  options.path = db;
  auto opened = store::SqlStore::Open(options);
  if (!opened.ok()) return false;
  std::unique_ptr<store::SqlStore> store = *std::move(opened);
  server::Core core(store.get(), &store::Clock::Real());
  if (!server::LoadDemo(core, criteria).ok()) return false;
  absl::StatusOr<bench::NationalRound> round =
      bench::AddNationalRound(core, *store, criteria);
  if (!round.ok()) {
    std::fprintf(stderr, "national round: %s\n", round.status().ToString().c_str());
    return false;
  }
  std::printf("national round: %d units (%d with the template's figures) in %.1f s\n",
              round->units, round->templates_kept,
              std::chrono::duration<double>(Clock::now() - start).count());
  return true;
}

// One blocking call of `method` with the request's bytes; the answer's bytes in *out.
grpc::Status CallBytes(grpc::GenericStub* stub, const std::string& method,
                       const std::string& token, const std::string& request,
                       std::string* out) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + token);
  grpc::CompletionQueue cq;
  grpc::Slice slice(request);
  grpc::ByteBuffer send(&slice, 1), response;
  grpc::Status status;
  auto reader = stub->PrepareUnaryCall(&context, method, send, &cq);
  reader->StartCall();
  reader->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  cq.Next(&tag, &ok);
  if (out != nullptr) {
    std::vector<grpc::Slice> slices;
    response.Dump(&slices);
    out->clear();
    for (const grpc::Slice& s : slices)
      out->append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  bool national = false;
  int soak_minutes = 0;
  std::string log;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--national") {
      national = true;
    } else if (std::string(argv[i]) == "--log" && i + 1 < argc) {
      log = argv[++i];
    } else if (std::string(argv[i]) == "--soak" && i + 1 < argc) {
      soak_minutes = std::atoi(argv[++i]);
    } else {
      args.push_back(argv[i]);
    }
  }
  if (args.size() < 2) {
    std::fprintf(stderr,
                 "usage: server_bench SERVER_BINARY CRITERIA_DIR [SECONDS] [IN_FLIGHT] "
                 "[--national] [--log FILE] [--soak MINUTES]\n");
    return 2;
  }
  const double seconds = args.size() > 2 ? std::atof(args[2].c_str()) : 5;
  const int in_flight = args.size() > 3 ? std::atoi(args[3].c_str()) : 64;
  const auto dir = std::filesystem::temp_directory_path() /
                   absl::StrCat("parindex-server-bench-", getpid());
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "bench.db").string();
  if (national && !MakeNational(db, args[1])) {
    std::fprintf(stderr, "the national round could not be made\n");
    return 1;
  }
  const std::string round_name =
      national ? "rounds/national-2025" : "rounds/hungyen-2023";
  const std::string read_unit = national ? "N0100" : "PLS";
  Server server = Start(args[0], args[1], db, log);
  Bare bare = StartBare(argv[0]);
  if (bare.address.empty()) {
    std::fprintf(stderr, "the bare echo did not start\n");
    return 1;
  }
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
  bool failed_export = false;  // a served export that did not end OK
  // The server's CPU time per answered call, per result: unlike calls/s it hardly
  // moves when other work shares the machine, so it compares builds run at different
  // times.
  std::vector<double> server_cpu_us;
  pid_t measured = bare.pid;  // the bare echo's CPU for the first workload, then ours
  auto measure = [&](const std::function<Result()>& run) {
    const double before = CpuSeconds(measured);
    Result r = run();
    const double cpu = CpuSeconds(measured) - before;
    measured = server.pid;
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
  auto bare_channel =
      grpc::CreateChannel(bare.address, grpc::InsecureChannelCredentials());
  grpc::GenericStub bare_stub(bare_channel);
  run_reads("bare gRPC callback echo (peer)", [&] {
    return std::make_unique<Raw>(&bare_stub, "/parindex.v1.EchoService/Echo", appraiser,
                                 hello);
  });
  run_reads("Echo", [&] {
    return std::make_unique<Raw>(&generic, "/parindex.v1.EchoService/Echo", appraiser,
                                 hello);
  });
  v1::GetUnitScoreRequest unit_score;
  unit_score.set_name(absl::StrCat(round_name, "/assessments/", read_unit));
  run_reads("GetUnitScore", [&] {
    return std::make_unique<Raw>(&generic, "/parindex.v1.ScoreService/GetUnitScore",
                                 appraiser, unit_score);
  });
  v1::GetRankingRequest ranking;
  ranking.set_name(round_name);
  run_reads("GetRanking", [&] {
    return std::make_unique<Raw>(&generic, "/parindex.v1.ScoreService/GetRanking",
                                 appraiser, ranking);
  });
  v1::GetByNameRequest summary;
  summary.set_name(round_name);
  run_reads("SummariseRound", [&] {
    return std::make_unique<Raw>(&generic, "/parindex.v1.ScoreService/SummariseRound",
                                 appraiser, summary);
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
    const std::string json = absl::StrCat(R"({"name": ")", unit_score.name(), R"("})");
    RunHttp("warm-up", server.http, "/parindex.v1.ScoreService/GetUnitScore", appraiser,
            json, 0.5);
    measure([&] {
      return RunHttp(absl::StrCat("GetUnitScore, HTTP/JSON, ", kHttpClients, " clients"),
                     server.http, "/parindex.v1.ScoreService/GetUnitScore", appraiser,
                     json, seconds);
    });
    measure([&] {
      return RunHttp(absl::StrCat("Echo, HTTP/JSON, ", kHttpClients, " clients"),
                     server.http, "/parindex.v1.EchoService/Echo", appraiser,
                     R"({"text": "xin chào"})", seconds);
    });
  }

  // Writes: the round moves to appraisal (the national round is there already); each
  // slot appraises its own (unit, judgement criterion) pair, tracking its etag.
  if (!national) {
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
    const std::string unit =
        national ? parindex::bench::NationalUnitCode(i) : std::string(units[i % 17]);
    const std::string criterion = national ? "I.5" : judged[(i / 17) % 4];
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + appraiser);
    v1::GetByNameRequest get;
    get.set_name(absl::StrCat(round_name, "/assessments/", unit));
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

  // One write after another, each followed by the reads it made stale: the latency a
  // caller sees of the next GetUnitScore of that unit, GetRanking and SummariseRound.
  std::vector<double> after_write[3];
  size_t answer_bytes[3] = {0, 0, 0};
  {
    Appraise& writer = static_cast<Appraise&>(*writers[0]);
    const std::string unit_name = writer.request.parent();
    v1::GetUnitScoreRequest read;
    read.set_name(unit_name);
    std::string answer;
    for (int i = 0; i < 50; ++i) {
      writer.request.mutable_updates(0)
          ->mutable_entry()
          ->mutable_appraised()
          ->set_score_milli(i % 2 == 0 ? 0 : 1000);
      grpc::Status s = CallBytes(&generic, writer.method, appraiser,
                                 writer.request.SerializeAsString(), &answer);
      if (!s.ok()) {
        std::fprintf(stderr, "write: %s\n", s.error_message().c_str());
        break;
      }
      v1::BatchUpdateEntriesResponse parsed;
      parsed.ParseFromString(answer);
      writer.request.mutable_updates(0)->set_etag(parsed.entries(0).version());
      writer.bytes = writer.request.SerializeAsString();  // what the slot sends next
      const std::pair<std::string, std::string> reads[3] = {
          {"/parindex.v1.ScoreService/GetUnitScore", read.SerializeAsString()},
          {"/parindex.v1.ScoreService/GetRanking", ranking.SerializeAsString()},
          {"/parindex.v1.ScoreService/SummariseRound", summary.SerializeAsString()}};
      for (int k = 0; k < 3; ++k) {
        const auto started = Clock::now();
        s = CallBytes(&generic, reads[k].first, appraiser, reads[k].second, &answer);
        after_write[k].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - started).count());
        if (!s.ok()) std::fprintf(stderr, "read: %s\n", s.error_message().c_str());
        answer_bytes[k] = answer.size();
      }
    }
  }
  const double rss = RssMiB(server.pid);

  // The national round's workbook as a caller gets it (StreamExportRound, every piece
  // received, as `parindex export` does), three times: the wall time from the call to
  // its last piece, and the server's RSS before the first and after the last.
  std::vector<std::string> export_lines;
  if (national) {
    auto reports = v1::ReportService::NewStub(channel);
    v1::ExportRoundRequest request;
    request.set_name(round_name);
    request.set_format(v1::ExportRoundRequest::XLSX);
    export_lines.push_back(absl::StrFormat(
        "StreamExportRound, XLSX of the national round; server RSS before: %.1f MiB",
        RssMiB(server.pid)));
    for (int i = 0; i < 3; ++i) {
      grpc::ClientContext context;
      context.AddMetadata("authorization", "Bearer " + appraiser);
      const auto started = Clock::now();
      const ProcStat before = ReadProcStat(server.pid);
      auto reader = reports->StreamExportRound(&context, request);
      v1::ExportRoundResponse piece;
      size_t bytes = 0, pieces = 0;
      while (reader->Read(&piece)) {
        bytes += piece.content().size();
        ++pieces;
      }
      const grpc::Status s = reader->Finish();
      const double wall = std::chrono::duration<double>(Clock::now() - started).count();
      const ProcStat after = ReadProcStat(server.pid);
      export_lines.push_back(absl::StrFormat(
          "  export %d: %.2f s wall, server CPU %.2f s, %lu MiB faulted in, %zu bytes in "
          "%zu pieces, %s",
          i + 1, wall, after.cpu_seconds - before.cpu_seconds,
          (after.minor_faults - before.minor_faults) * sysconf(_SC_PAGESIZE) >> 20, bytes,
          pieces, s.ok() ? "OK" : s.error_message()));
      if (!s.ok()) failed_export = true;
    }
    export_lines.push_back(
        absl::StrFormat("  server RSS after the three: %.1f MiB", RssMiB(server.pid)));
  }

  // The soak: a mixed load, the server's RSS every 30 s.
  std::vector<std::string> soak_lines;
  if (soak_minutes > 0) {
    std::vector<Slot*> mix;
    for (size_t i = 0; i < 16 && i < writers.size(); ++i) mix.push_back(writers[i].get());
    std::vector<std::unique_ptr<Slot>> readers;
    for (int i = 0; i < 40; ++i) {
      v1::GetUnitScoreRequest r;
      r.set_name(absl::StrCat(
          round_name, "/assessments/",
          national ? parindex::bench::NationalUnitCode(i) : std::string(units[i % 17])));
      readers.push_back(std::make_unique<Raw>(
          &generic, "/parindex.v1.ScoreService/GetUnitScore", appraiser, r));
    }
    for (int i = 0; i < 4; ++i) {
      readers.push_back(std::make_unique<Raw>(
          &generic, "/parindex.v1.ScoreService/GetRanking", appraiser, ranking));
      readers.push_back(std::make_unique<Raw>(
          &generic, "/parindex.v1.ScoreService/SummariseRound", appraiser, summary));
    }
    for (auto& r : readers) mix.push_back(r.get());
    soak_lines.push_back(
        absl::StrFormat("soak: %d minutes, %zu calls in flight; server RSS "
                        "before it %.1f MiB",
                        soak_minutes, mix.size(), RssMiB(server.pid)));
    for (int k = 1; k <= 2 * soak_minutes; ++k) {
      const Result r = Run("soak", mix, 30);
      soak_lines.push_back(absl::StrFormat(
          "  %4.1f min: %7.0f calls/s, %lld errors, p50 %.2f ms, p99 %.2f ms, server RSS "
          "%.1f MiB",
          k / 2.0, r.ok / r.seconds, static_cast<long long>(r.failed),
          Percentile(r.latencies_ms, 0.5), Percentile(r.latencies_ms, 0.99),
          RssMiB(server.pid)));
      if (r.failed > 0) soak_lines.back() += "; first error: " + r.first_error;
      std::fprintf(stderr, "%s\n", soak_lines.back().c_str());
    }
  }

  kill(bare.pid, SIGTERM);
  waitpid(bare.pid, nullptr, 0);
  kill(server.pid, SIGTERM);
  int status = 0;
  waitpid(server.pid, &status, 0);
  fclose(server.out);
  std::filesystem::remove_all(dir);

  std::printf(
      "%s; %d calls in flight, %.1f s per workload, server and client on the same 2 "
      "cores\n",
      national ? "national round (3,321 units)" : "demo round (17 units)", in_flight,
      seconds);
  std::printf("%-42s %10s %8s %10s %10s %10s %14s\n", "workload", "calls/s", "errors",
              "p50 ms", "p99 ms", "vs bare", "server us/call");
  // Ratios against the bare echo (results[0]), measured in this run.
  const double echo_rate = results[0].ok / results[0].seconds;
  bool failed = failed_export;
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
  const char* names[3] = {"GetUnitScore", "GetRanking", "SummariseRound"};
  std::printf(
      "\nthe next read after each of %zu writes (client-side latency, loopback):\n",
      after_write[0].size());
  for (int k = 0; k < 3; ++k) {
    std::printf("  %-16s p50 %.2f ms, p99 %.2f ms, max %.2f ms (%zu bytes)\n", names[k],
                Percentile(after_write[k], 0.5), Percentile(after_write[k], 0.99),
                Percentile(after_write[k], 1.0), answer_bytes[k]);
  }
  std::printf("server RSS at the end: %.1f MiB\n", rss);
  for (const std::string& line : export_lines) std::printf("%s\n", line.c_str());
  for (const std::string& line : soak_lines) std::printf("%s\n", line.c_str());
  return failed ? 1 : 0;
}
