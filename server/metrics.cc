#include "server/metrics.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace parindex::server {

void Histogram::Observe(absl::Duration d) {
  const int64_t micros = absl::ToInt64Microseconds(d);
  const auto* bound =
      std::lower_bound(kBoundsMicros.begin(), kBoundsMicros.end(), micros);
  counts_[bound - kBoundsMicros.begin()].fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(micros, std::memory_order_relaxed);
}

uint64_t Histogram::count() const {
  uint64_t n = 0;
  for (const auto& c : counts_) n += c.load(std::memory_order_relaxed);
  return n;
}

void Histogram::Render(absl::string_view name, absl::string_view labels,
                       std::string* out) const {
  const std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= kBoundsMicros.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    const std::string le =
        i < kBoundsMicros.size() ? absl::StrFormat("%g", kBoundsMicros[i] / 1e6) : "+Inf";
    absl::StrAppend(out, name, "_bucket{", labels, sep, "le=\"", le, "\"} ", cumulative,
                    "\n");
  }
  const std::string braces = labels.empty() ? "" : absl::StrCat("{", labels, "}");
  absl::StrAppend(
      out, name, "_sum", braces, " ",
      absl::StrFormat("%.6f", sum_micros_.load(std::memory_order_relaxed) / 1e6), "\n",
      name, "_count", braces, " ", cumulative, "\n");
}

void AppendFamily(std::string* out, absl::string_view name, absl::string_view type,
                  absl::string_view help) {
  absl::StrAppend(out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

void AppendSample(std::string* out, absl::string_view name, absl::string_view labels,
                  double value) {
  absl::StrAppend(out, name, labels.empty() ? "" : "{", labels, labels.empty() ? "" : "}",
                  " ", absl::StrFormat("%.17g", value), "\n");
}

Metrics::Metrics(const std::vector<std::string>& methods) {
  for (const std::string& m : methods) rpcs_[m] = std::make_unique<Rpc>();
}

void Metrics::RecordRpc(absl::string_view method, absl::StatusCode code,
                        absl::Duration latency) {
  auto it = rpcs_.find(method);
  if (it == rpcs_.end()) return;
  const size_t c = static_cast<size_t>(code);
  if (c < it->second->codes.size())
    it->second->codes[c].fetch_add(1, std::memory_order_relaxed);
  it->second->latency.Observe(latency);
}

void Metrics::RecordCommit(absl::Duration latency, int writes) {
  commit_latency_.Observe(latency);
  committed_writes_.fetch_add(writes, std::memory_order_relaxed);
}

void Metrics::AddCollector(std::function<void(std::string*)> collector) {
  collectors_.push_back(std::move(collector));
}

std::string Metrics::Render() const {
  std::map<absl::string_view, const Rpc*> sorted;
  for (const auto& [method, rpc] : rpcs_) sorted[method] = rpc.get();
  std::string out;
  AppendFamily(&out, "parindex_rpc_total", "counter",
               "Finished RPCs (gRPC and HTTP/JSON alike) by method and status code.");
  for (const auto& [method, rpc] : sorted) {
    for (size_t c = 0; c < rpc->codes.size(); ++c) {
      const uint64_t n = rpc->codes[c].load(std::memory_order_relaxed);
      if (n == 0) continue;
      AppendSample(
          &out, "parindex_rpc_total",
          absl::StrCat("method=\"", method, "\",code=\"",
                       absl::StatusCodeToString(static_cast<absl::StatusCode>(c)), "\""),
          static_cast<double>(n));
    }
  }
  AppendFamily(&out, "parindex_rpc_duration_seconds", "histogram",
               "Time from a call's arrival to its answer, by method.");
  for (const auto& [method, rpc] : sorted) {
    if (rpc->latency.count() == 0) continue;
    rpc->latency.Render("parindex_rpc_duration_seconds",
                        absl::StrCat("method=\"", method, "\""), &out);
  }
  AppendFamily(&out, "parindex_store_commit_duration_seconds", "histogram",
               "Time of one store transaction: BEGIN to COMMIT (fsync included).");
  commit_latency_.Render("parindex_store_commit_duration_seconds", "", &out);
  AppendFamily(&out, "parindex_store_writes_total", "counter",
               "Writes acknowledged by the store's commits.");
  AppendSample(&out, "parindex_store_writes_total", "",
               static_cast<double>(committed_writes_.load(std::memory_order_relaxed)));
  for (const auto& collector : collectors_) collector(&out);
  return out;
}

}  // namespace parindex::server
