// What the load programs share: the real parindex-server started on free loopback
// ports over a fresh database with the demo round, and an async gRPC load generator
// that keeps a fixed set of calls in flight for a given time.
#ifndef PARINDEX_BENCH_LOAD_H_
#define PARINDEX_BENCH_LOAD_H_

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "parindex/v1/service.grpc.pb.h"

namespace parindex::bench {

using Clock = std::chrono::steady_clock;
namespace v1 = parindex::v1;

struct Server {
  pid_t pid = -1;
  FILE* out = nullptr;
  std::string address;
  std::string http;  // host:port of the gateway
  std::map<std::string, std::string> tokens;
};

// `log`: empty runs the server with --quiet; else its per-call log lines (stderr) go to
// that file.
inline Server Start(const std::string& binary, const std::string& criteria,
                    const std::string& db, const std::string& log = "") {
  int fds[2];
  if (pipe(fds) != 0) std::abort();
  Server s;
  s.pid = fork();
  if (s.pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    if (!log.empty()) {
      FILE* f = std::fopen(log.c_str(), "w");
      if (f != nullptr) dup2(fileno(f), STDERR_FILENO);
    }
    std::vector<const char*> args = {
        binary.c_str(), "serve",  "--db",        db.c_str(), "--listen",
        "127.0.0.1:0",  "--http", "127.0.0.1:0", "--demo",   criteria.c_str()};
    if (log.empty()) args.push_back("--quiet");
    args.push_back(nullptr);
    execv(binary.c_str(), const_cast<char* const*>(args.data()));
    _exit(127);
  }
  close(fds[1]);
  s.out = fdopen(fds[0], "r");
  char line[512];
  while (std::fgets(line, sizeof(line), s.out) != nullptr) {
    absl::string_view l = absl::StripTrailingAsciiWhitespace(line);
    if (absl::ConsumePrefix(&l, "parindex-server listening on ")) {
      s.address = std::string(l.substr(0, l.find(' ')));
    } else if (absl::ConsumePrefix(&l, "http gateway on http://")) {
      s.http = std::string(l);
    } else if (l.find(": pi_") != absl::string_view::npos) {
      const size_t colon = l.find(": pi_");
      s.tokens[std::string(absl::StripAsciiWhitespace(l.substr(0, colon)))] =
          std::string(l.substr(colon + 2));
    } else if (l == "try:") {
      break;
    }
  }
  return s;
}

struct Result {
  std::string name;
  int64_t ok = 0, failed = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;
  std::string first_error;
};

// One call in flight: Start() issues it, Done() is called with its status.
struct Slot {
  virtual ~Slot() = default;
  virtual void Start(grpc::CompletionQueue* cq, void* tag) = 0;
  virtual grpc::Status* status() = 0;
  virtual void Done() {}
  Clock::time_point started;
  Result* sink = nullptr;  // where its calls are counted; null: Run's own result
  std::unique_ptr<grpc::ClientContext> context;
};

// A call sent and received as bytes: the generator does not parse what it reads.
struct Raw : Slot {
  Raw(grpc::GenericStub* stub, std::string method, std::string token,
      const google::protobuf::Message& request)
      : stub(stub),
        method(std::move(method)),
        token(std::move(token)),
        bytes(request.SerializeAsString()) {}
  void Start(grpc::CompletionQueue* cq, void* tag) override {
    context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization", "Bearer " + token);
    started = Clock::now();
    grpc::Slice slice(bytes);
    grpc::ByteBuffer send(&slice, 1);
    reader = stub->PrepareUnaryCall(context.get(), method, send, cq);
    reader->StartCall();
    reader->Finish(&response, &status_, tag);
  }
  grpc::Status* status() override { return &status_; }
  // The answer's bytes, for the slots that read it.
  std::string ResponseBytes() {
    std::vector<grpc::Slice> slices;
    response.Dump(&slices);
    std::string out;
    for (const grpc::Slice& s : slices)
      out.append(reinterpret_cast<const char*>(s.begin()), s.size());
    return out;
  }
  grpc::GenericStub* stub;
  std::string method;
  std::string token;
  std::string bytes;
  grpc::ByteBuffer response;
  grpc::Status status_;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
};

inline Result Run(const std::string& name, const std::vector<Slot*>& slots,
                  double seconds) {
  grpc::CompletionQueue cq;
  Result result;
  result.name = name;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  for (size_t i = 0; i < slots.size(); ++i)
    slots[i]->Start(&cq, reinterpret_cast<void*>(i));
  size_t in_flight = slots.size();
  void* tag = nullptr;
  bool ok = false;
  while (in_flight > 0 && cq.Next(&tag, &ok)) {
    Slot& slot = *slots[reinterpret_cast<size_t>(tag)];
    Result& counted = slot.sink != nullptr ? *slot.sink : result;
    const auto now = Clock::now();
    if (slot.status()->ok()) {
      ++counted.ok;
      counted.latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(now - slot.started).count());
      slot.Done();
    } else {
      if (counted.failed++ == 0) {
        counted.first_error = absl::StrCat(slot.status()->error_code(), ": ",
                                           slot.status()->error_message());
      }
    }
    if (now < end) {
      slot.Start(&cq, tag);
    } else {
      --in_flight;
    }
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return result;
}

inline Result Run(const std::string& name, std::vector<std::unique_ptr<Slot>>& owned,
                  double seconds) {
  std::vector<Slot*> slots;
  for (auto& s : owned) slots.push_back(s.get());
  return Run(name, slots, seconds);
}

inline double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

}  // namespace parindex::bench

#endif  // PARINDEX_BENCH_LOAD_H_
