// A deadline burst against the real parindex-server on loopback: every ward of a fresh
// round writes its figures (acknowledged, durable writes, each ward on its own
// criteria with its etag) while as many readers fetch the wards' scores, at 64 and 256
// calls in flight, each next to the echo baseline at the same concurrency in the same
// run. Afterwards every writer's last acknowledged write is checked in the server's
// own answer (GetAssessment): the version and the value it was acknowledged with.
//
// Soak: the same mixed load at one concurrency for MINUTES, resident memory read from
// /metrics every 30 s; growth after the first minute is reported.
//
// Usage: load_bench SERVER_BINARY CRITERIA_DIR [SECONDS]
//        load_bench SERVER_BINARY CRITERIA_DIR --soak MINUTES [IN_FLIGHT]
#include <httplib.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/load.h"

namespace {

using namespace parindex::bench;  // NOLINT: the load generator's few names

constexpr char kRound[] = "burst-2023";
const char* const kUnits[] = {"PLS", "PHN",  "PAT", "PLL", "PMK", "PQT",
                              "PHC", "XBK",  "XTN", "XLP", "XHN", "XQC",
                              "XHH", "XPCH", "XTH", "XHC", "XPCU"};
// Figure criteria of commune-2025 with their numerator and denominator: 17 × 8 = 136
// (unit, criterion) pairs, one per writer.
struct Figures {
  const char* criterion;
  const char* numerator;
  const char* denominator;
};
const Figures kCriteria[] = {
    {"III.2.1", "resolved_on_time", "resolved"},
    {"III.2.2", "resolved_early", "resolved"},
    {"I.1.3", "tasks_done_on_time", "tasks_due"},
    {"I.3.1", "inspections_online", "inspections"},
    {"I.3.2", "findings_handled", "findings"},
    {"I.6", "assigned_tasks_done", "assigned_tasks"},
    {"III.1.2", "internal_procedures_published", "internal_procedures"},
    {"III.1.3", "dossiers_on_portal", "received"},
};

template <typename Stub, typename Request, typename Response>
grpc::Status Call(Stub* stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                               Response*),
                  const std::string& token, const Request& request, Response* response) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + token);
  return (stub->*method)(&context, request, response);
}

// A ward writing one criterion's figures again and again, tracking its etag; it keeps
// what was acknowledged last.
struct Writer : Raw {
  Writer(grpc::GenericStub* stub, const std::string& token, const std::string& unit,
         const Figures& f)
      : Raw(stub, "/parindex.v1.AssessmentService/BatchUpdateEntries", token,
            v1::EchoMessage()),
        unit(unit),
        figures(f) {
    request.set_parent(absl::StrCat("rounds/", kRound, "/assessments/", unit));
    request.add_updates()->mutable_entry()->set_criterion(f.criterion);
    Next();
  }
  void Next() {
    ++value;
    auto* self = request.mutable_updates(0)->mutable_entry()->mutable_self();
    (*self->mutable_figures())[figures.numerator] = value % 100;
    (*self->mutable_figures())[figures.denominator] = 100;
    bytes = request.SerializeAsString();
  }
  void Done() override {
    v1::BatchUpdateEntriesResponse parsed;
    parsed.ParseFromString(ResponseBytes());
    acked_version = parsed.entries(0).version();
    acked_value = value % 100;
    request.mutable_updates(0)->set_etag(acked_version);
    Next();
  }
  std::string unit;
  Figures figures;
  v1::BatchUpdateEntriesRequest request;
  int64_t value = 0;
  int64_t acked_version = 0, acked_value = -1;
};

struct Mixed {
  Result writes, reads;
  double seconds = 0;
  int verified = 0, lost = 0;
};

class Load {
 public:
  Load(const Server& server) : server_(server) {
    channel_ = grpc::CreateChannel(server.address, grpc::InsecureChannelCredentials());
    generic_ = std::make_unique<grpc::GenericStub>(channel_);
    appraiser_ = server_.tokens.at("appraiser");
  }

  // The burst round: the demo round's units, plan and set, open for self-assessment.
  bool Prepare() {
    auto rounds = v1::RoundService::NewStub(channel_);
    auto tokens = v1::TokenService::NewStub(channel_);
    v1::GetByNameRequest get;
    get.set_name("rounds/hungyen-2023");
    v1::Round demo;
    if (!Call(rounds.get(), &v1::RoundService::Stub::GetRound, appraiser_, get, &demo)
             .ok())
      return false;
    v1::CreateRoundRequest create;
    *create.mutable_round() = demo;
    create.mutable_round()->set_id(kRound);
    create.mutable_round()->set_self_assessment_deadline(absl::FormatTime(
        absl::RFC3339_sec, absl::Now() + absl::Hours(48), absl::FixedTimeZone(7 * 3600)));
    v1::Round round;
    grpc::Status s = Call(rounds.get(), &v1::RoundService::Stub::CreateRound, appraiser_,
                          create, &round);
    if (!s.ok()) return Fail("create round", s);
    v1::AdvanceRoundRequest advance;
    advance.set_name(absl::StrCat("rounds/", kRound));
    advance.set_to_phase(v1::PHASE_SELF_ASSESSMENT);
    advance.set_etag(round.version());
    s = Call(rounds.get(), &v1::RoundService::Stub::AdvanceRound, appraiser_, advance,
             &round);
    if (!s.ok()) return Fail("advance", s);
    for (const char* unit : kUnits) {
      v1::CreateTokenRequest request;
      request.set_role(v1::ROLE_WARD);
      request.set_unit(unit);
      v1::CreateTokenResponse token;
      s = Call(tokens.get(), &v1::TokenService::Stub::CreateToken,
               server_.tokens.at("admin"), request, &token);
      if (!s.ok()) return Fail("token", s);
      wards_[unit] = token.secret();
    }
    return true;
  }

  Result Echo(int in_flight, double seconds) {
    v1::EchoMessage hello;
    hello.set_text("xin chào");
    std::vector<std::unique_ptr<Slot>> slots;
    for (int i = 0; i < in_flight; ++i) {
      slots.push_back(std::make_unique<Raw>(
          generic_.get(), "/parindex.v1.EchoService/Echo", appraiser_, hello));
    }
    Run("warm-up", slots, 0.5);
    return Run(absl::StrCat("Echo, ", in_flight, " in flight"), slots, seconds);
  }

  // Half writers (each its own unit and criterion), half readers of the same units'
  // scores. Writers persist across calls, so a soak keeps its etags.
  Mixed RunMixed(int in_flight, double seconds) {
    const int writers = in_flight / 2;
    while (static_cast<int>(writers_.size()) < writers) {
      const size_t i = writers_.size();
      const std::string unit = kUnits[i % 17];
      writers_.push_back(std::make_unique<Writer>(generic_.get(), wards_[unit], unit,
                                                  kCriteria[(i / 17) % 8]));
    }
    Mixed m;
    m.writes.name = absl::StrCat("BatchUpdateEntries (ward), ", in_flight, " in flight");
    m.reads.name = absl::StrCat("GetUnitScore (same round), ", in_flight, " in flight");
    std::vector<std::unique_ptr<Raw>> readers;
    std::vector<Slot*> slots;
    for (int i = 0; i < writers; ++i) {
      writers_[i]->sink = &m.writes;
      slots.push_back(writers_[i].get());
    }
    for (int i = writers; i < in_flight; ++i) {
      v1::GetUnitScoreRequest score;
      score.set_name(absl::StrCat("rounds/", kRound, "/assessments/", kUnits[i % 17]));
      score.set_column(v1::SELF);
      readers.push_back(std::make_unique<Raw>(
          generic_.get(), "/parindex.v1.ScoreService/GetUnitScore", appraiser_, score));
      readers.back()->sink = &m.reads;
      slots.push_back(readers.back().get());
    }
    m.seconds = Run("mixed", slots, seconds).seconds;
    m.writes.seconds = m.reads.seconds = m.seconds;
    Verify(&m);
    return m;
  }

  // Every writer's last acknowledged write, as the server now reports it.
  void Verify(Mixed* m) {
    auto assessments = v1::AssessmentService::NewStub(channel_);
    std::map<std::string, v1::Assessment> forms;
    for (const char* unit : kUnits) {
      v1::GetByNameRequest get;
      get.set_name(absl::StrCat("rounds/", kRound, "/assessments/", unit));
      Call(assessments.get(), &v1::AssessmentService::Stub::GetAssessment, appraiser_,
           get, &forms[unit]);
    }
    for (const auto& w : writers_) {
      if (w->acked_version == 0) continue;
      bool found = false;
      for (const v1::Entry& e : forms[w->unit].entries()) {
        if (e.criterion() != w->figures.criterion) continue;
        auto it = e.self().figures().find(w->figures.numerator);
        found = e.version() == w->acked_version && it != e.self().figures().end() &&
                it->second == w->acked_value;
      }
      ++(found ? m->verified : m->lost);
    }
  }

  int64_t ResidentBytes() {
    const size_t colon = server_.http.rfind(':');
    httplib::Client client(server_.http.substr(0, colon),
                           std::stoi(server_.http.substr(colon + 1)));
    auto r = client.Get("/metrics");
    if (!r || r->status != 200) return -1;
    const std::string key = "\nprocess_resident_memory_bytes ";
    const size_t at = r->body.find(key);
    return at == std::string::npos ? -1 : std::atoll(r->body.c_str() + at + key.size());
  }

 private:
  static bool Fail(const char* what, const grpc::Status& s) {
    std::fprintf(stderr, "%s: %s\n", what, s.error_message().c_str());
    return false;
  }

  const Server& server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> generic_;
  std::string appraiser_;
  std::map<std::string, std::string> wards_;
  std::vector<std::unique_ptr<Writer>> writers_;
};

void Print(const Result& r, double baseline) {
  const double rate = r.ok / r.seconds;
  std::printf("%-46s %9.0f %7lld %9.2f %9.2f %8.2fx\n", r.name.c_str(), rate,
              static_cast<long long>(r.failed), Percentile(r.latencies_ms, 0.5),
              Percentile(r.latencies_ms, 0.99), rate / baseline);
  if (r.failed > 0) std::printf("  first error: %s\n", r.first_error.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: load_bench SERVER CRITERIA_DIR [SECONDS]\n"
                 "       load_bench SERVER CRITERIA_DIR --soak MINUTES [IN_FLIGHT]\n");
    return 2;
  }
  const bool soak = argc > 3 && std::string(argv[3]) == "--soak";
  const auto dir = std::filesystem::temp_directory_path() /
                   absl::StrCat("parindex-load-bench-", getpid());
  std::filesystem::create_directories(dir);
  Server server = Start(argv[1], argv[2], (dir / "load.db").string());
  if (server.address.empty()) return 1;
  Load load(server);
  if (!load.Prepare()) return 1;
  bool failed = false;
  std::printf("%-46s %9s %7s %9s %9s %9s\n", "workload", "calls/s", "errors", "p50 ms",
              "p99 ms", "vs echo");
  if (!soak) {
    const double seconds = argc > 3 ? std::atof(argv[3]) : 5;
    for (int in_flight : {64, 256}) {
      const Result echo = load.Echo(in_flight, seconds);
      const Mixed m = load.RunMixed(in_flight, seconds);
      Print(echo, echo.ok / echo.seconds);
      Print(m.writes, echo.ok / echo.seconds);
      Print(m.reads, echo.ok / echo.seconds);
      std::printf(
          "  checked in the server: %d writers' last acknowledged writes stored, "
          "%d missing\n",
          m.verified, m.lost);
      failed |= echo.failed + m.writes.failed + m.reads.failed + m.lost > 0;
    }
  } else {
    const double minutes = argc > 4 ? std::atof(argv[4]) : 10;
    const int in_flight = argc > 5 ? std::atoi(argv[5]) : 64;
    const Result echo = load.Echo(in_flight, 5);
    Print(echo, echo.ok / echo.seconds);
    int64_t warm = 0, last = 0;
    int64_t writes = 0, reads = 0, errors = 0, lost = 0;
    for (int chunk = 0; chunk < static_cast<int>(minutes * 2); ++chunk) {
      const Mixed m = load.RunMixed(in_flight, 30);
      writes += m.writes.ok;
      reads += m.reads.ok;
      errors += m.writes.failed + m.reads.failed;
      lost = m.lost;
      last = load.ResidentBytes();
      if (chunk == 1) warm = last;  // after the first minute
      std::printf(
          "  %4.1f min: %6.0f writes/s %6.0f reads/s, p99 %.1f / %.1f ms, "
          "errors %lld, RSS %.1f MiB\n",
          (chunk + 1) / 2.0, m.writes.ok / m.seconds, m.reads.ok / m.seconds,
          Percentile(m.writes.latencies_ms, 0.99), Percentile(m.reads.latencies_ms, 0.99),
          static_cast<long long>(m.writes.failed + m.reads.failed), last / 1048576.0);
      std::fflush(stdout);
    }
    std::printf(
        "soak %.0f min at %d in flight: %lld writes, %lld reads, %lld errors, "
        "%lld last writes missing; RSS %.1f MiB after 1 min, %.1f MiB at the end "
        "(%+.1f%%)\n",
        minutes, in_flight, static_cast<long long>(writes), static_cast<long long>(reads),
        static_cast<long long>(errors), static_cast<long long>(lost), warm / 1048576.0,
        last / 1048576.0, warm > 0 ? 100.0 * (last - warm) / warm : 0.0);
    failed = errors > 0 || lost > 0 || (warm > 0 && last > warm * 11 / 10);
  }
  kill(server.pid, SIGTERM);
  waitpid(server.pid, nullptr, 0);
  fclose(server.out);
  std::filesystem::remove_all(dir);
  return failed ? 1 : 0;
}
