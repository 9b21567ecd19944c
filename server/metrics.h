// Counters and histograms exposed at /metrics in Prometheus' text format (0.0.4).
// Debian packages no Prometheus client for C++; this is the small part the server
// needs: lock-free counters and fixed-bucket latency histograms, rendered on scrape.
#ifndef PARINDEX_SERVER_METRICS_H_
#define PARINDEX_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace parindex::server {

// Latencies in fixed buckets from 0.5 ms to 10 s.
class Histogram {
 public:
  static constexpr std::array<int64_t, 14> kBoundsMicros = {
      500,    1000,   2500,   5000,    10000,   25000,   50000,
      100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};

  void Observe(absl::Duration d);
  // Appends NAME_bucket{LABELS,le="…"} (cumulative), NAME_sum and NAME_count.
  void Render(absl::string_view name, absl::string_view labels, std::string* out) const;
  uint64_t count() const;

 private:
  std::array<std::atomic<uint64_t>, kBoundsMicros.size() + 1> counts_{};
  std::atomic<int64_t> sum_micros_{0};
};

// "# HELP" and "# TYPE" lines of one metric family.
void AppendFamily(std::string* out, absl::string_view name, absl::string_view type,
                  absl::string_view help);
// One sample: NAME{LABELS} VALUE. `labels` is `key="value",…` (may be empty).
void AppendSample(std::string* out, absl::string_view name, absl::string_view labels,
                  double value);

class Metrics {
 public:
  // The RPC methods are known up front (the authorisation table), so recording needs
  // no lock: each has its own counters.
  explicit Metrics(const std::vector<std::string>& methods);

  void RecordRpc(absl::string_view method, absl::StatusCode code, absl::Duration latency);
  // One store transaction (a group of `writes` acknowledged together).
  void RecordCommit(absl::Duration latency, int writes);
  // Lines computed when scraped (gauges of the store and the rounds).
  void AddCollector(std::function<void(std::string*)> collector);

  std::string Render() const;

 private:
  struct Rpc {
    std::array<std::atomic<uint64_t>, 17> codes{};  // by absl::StatusCode
    Histogram latency;
  };
  absl::flat_hash_map<std::string, std::unique_ptr<Rpc>> rpcs_;  // fixed after ctor
  Histogram commit_latency_;
  std::atomic<uint64_t> committed_writes_{0};
  std::vector<std::function<void(std::string*)>> collectors_;
};

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_METRICS_H_
