// The /metrics text: exact Prometheus exposition for known observations.
#include "server/metrics.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace parindex::server {
namespace {

TEST(Metrics, RendersCountersAndCumulativeHistograms) {
  Metrics metrics({"/p.v1.S/A", "/p.v1.S/B"});
  metrics.RecordRpc("/p.v1.S/A", absl::StatusCode::kOk, absl::Microseconds(400));
  metrics.RecordRpc("/p.v1.S/A", absl::StatusCode::kOk, absl::Milliseconds(3));
  metrics.RecordRpc("/p.v1.S/A", absl::StatusCode::kNotFound, absl::Seconds(20));
  metrics.RecordRpc("/p.v1.S/Unknown", absl::StatusCode::kOk, absl::Seconds(1));
  metrics.RecordCommit(absl::Milliseconds(2), 5);
  metrics.AddCollector([](std::string* out) {
    AppendFamily(out, "g", "gauge", "A gauge.");
    AppendSample(out, "g", "k=\"v\"", 7);
  });
  const std::string buckets_a =
      "parindex_rpc_duration_seconds_bucket{method=\"/p.v1.S/A\",le=\"0.0005\"} 1\n"
      "parindex_rpc_duration_seconds_bucket{method=\"/p.v1.S/A\",le=\"0.001\"} 1\n"
      "parindex_rpc_duration_seconds_bucket{method=\"/p.v1.S/A\",le=\"0.0025\"} 1\n"
      "parindex_rpc_duration_seconds_bucket{method=\"/p.v1.S/A\",le=\"0.005\"} 2\n"
      "parindex_rpc_duration_seconds_bucket{method=\"/p.v1.S/A\",le=\"0.01\"} 2\n"
      "parindex_rpc_duration_seconds_bucket{method=\"/p.v1.S/A\",le=\"0.025\"} 2\n"
      "parindex_rpc_duration_seconds_bucket{method=\"/p.v1.S/A\",le=\"0.05\"} 2\n"
      "parindex_rpc_duration_seconds_bucket{method=\"/p.v1.S/A\",le=\"0.1\"} 2\n"
      "parindex_rpc_duration_seconds_bucket{method=\"/p.v1.S/A\",le=\"0.25\"} 2\n"
      "parindex_rpc_duration_seconds_bucket{method=\"/p.v1.S/A\",le=\"0.5\"} 2\n"
      "parindex_rpc_duration_seconds_bucket{method=\"/p.v1.S/A\",le=\"1\"} 2\n"
      "parindex_rpc_duration_seconds_bucket{method=\"/p.v1.S/A\",le=\"2.5\"} 2\n"
      "parindex_rpc_duration_seconds_bucket{method=\"/p.v1.S/A\",le=\"5\"} 2\n"
      "parindex_rpc_duration_seconds_bucket{method=\"/p.v1.S/A\",le=\"10\"} 2\n"
      "parindex_rpc_duration_seconds_bucket{method=\"/p.v1.S/A\",le=\"+Inf\"} 3\n"
      "parindex_rpc_duration_seconds_sum{method=\"/p.v1.S/A\"} 20.003400\n"
      "parindex_rpc_duration_seconds_count{method=\"/p.v1.S/A\"} 3\n";
  const std::string text = metrics.Render();
  EXPECT_NE(text.find("# TYPE parindex_rpc_total counter\n"
                      "parindex_rpc_total{method=\"/p.v1.S/A\",code=\"OK\"} 2\n"
                      "parindex_rpc_total{method=\"/p.v1.S/A\",code=\"NOT_FOUND\"} 1\n"
                      "# HELP parindex_rpc_duration_seconds"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE parindex_rpc_duration_seconds histogram\n" + buckets_a +
                      "# HELP parindex_store_commit_duration_seconds"),
            std::string::npos)
      << text;
  // B was never called; an unknown method is not counted.
  EXPECT_EQ(text.find("/p.v1.S/B"), std::string::npos);
  EXPECT_EQ(text.find("Unknown"), std::string::npos);
  EXPECT_NE(text.find("parindex_store_commit_duration_seconds_bucket{le=\"0.0025\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("parindex_store_commit_duration_seconds_count 1\n"
                      "# HELP parindex_store_writes_total"),
            std::string::npos);
  EXPECT_NE(text.find("parindex_store_writes_total 5\n"), std::string::npos);
  EXPECT_TRUE(text.ends_with("# HELP g A gauge.\n# TYPE g gauge\ng{k=\"v\"} 7\n"))
      << text;
}

}  // namespace
}  // namespace parindex::server
