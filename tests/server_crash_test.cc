// The whole server killed with SIGKILL in the middle of a burst of uploads from eight
// clients, five times over: after each restart every acknowledged upload is there,
// byte for byte, and the database passes PRAGMA integrity_check.
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "parindex/v1/service.grpc.pb.h"
#include "tests/server_process.h"
#include "tests/store_test_util.h"

namespace {

using parindex::testing::Server;
using parindex::testing::Start;

constexpr int kClients = 8;
constexpr int kRestarts = 5;

std::string IntegrityCheck(const std::string& db) {
  sqlite3* handle = nullptr;
  std::string result = "cannot open";
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(handle, "PRAGMA integrity_check", -1, &stmt, nullptr);
    if (sqlite3_step(stmt) == SQLITE_ROW)
      result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
  }
  sqlite3_close(handle);
  return result;
}

TEST(ServerCrash, EveryAcknowledgedUploadSurvivesSigkill) {
  parindex::testing::TempDir dir;
  const std::string db = dir.File("crash.db");
  std::mt19937 random(20261123);
  std::map<int64_t, std::string> acked;  // evidence id -> content, across restarts
  std::string ward;
  for (int round = 0; round < kRestarts; ++round) {
    SCOPED_TRACE(absl::StrCat("restart ", round));
    Server server = Start(db, {"--quiet"});
    ASSERT_GT(server.pid, 0);
    if (ward.empty()) ward = server.tokens["ward XTH"];  // stored: valid after restarts
    auto channel =
        grpc::CreateChannel(server.address, grpc::InsecureChannelCredentials());
    // What survived the previous kill: every acknowledged file, byte for byte.
    auto stub = parindex::v1::AssessmentService::NewStub(channel);
    for (const auto& [id, content] : acked) {
      grpc::ClientContext context;
      context.AddMetadata("authorization", absl::StrCat("Bearer ", ward));
      parindex::v1::GetByNameRequest get;
      get.set_name(absl::StrCat("rounds/hungyen-2023/assessments/XTH/evidence/", id));
      parindex::v1::EvidenceFile file;
      const grpc::Status status = stub->GetEvidenceFile(&context, get, &file);
      ASSERT_TRUE(status.ok()) << id << ": " << status.error_message();
      ASSERT_EQ(file.content(), content) << id;
    }
    // A burst: eight clients upload until the server dies under them.
    const int kill_after = std::uniform_int_distribution<int>(20, 150)(random);
    int acks = 0, finished = 0;
    std::mutex mu;
    std::condition_variable progress;
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        for (int k = 0;; ++k) {
          grpc::ClientContext context;
          context.AddMetadata("authorization", absl::StrCat("Bearer ", ward));
          context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(10));
          parindex::v1::UploadEvidenceRequest upload;
          upload.set_parent("rounds/hungyen-2023/assessments/XTH");
          // Spread over criteria: one criterion holds at most 20 files, and the test
          // makes at most 5 × (150 + 8) uploads.
          static const char* const kCriteria[] = {
              "I.1.1",   "I.1.2",   "I.1.3",   "I.2.1",   "I.2.2",   "I.2.3",   "I.2.4",
              "I.3.1",   "I.3.2",   "I.4",     "I.5",     "I.6",     "II.1",    "II.2",
              "II.3",    "II.4",    "II.5",    "II.6",    "III.1.1", "III.1.2", "III.1.3",
              "III.2.1", "III.2.2", "III.2.3", "III.2.4", "III.2.5", "III.3.1", "III.3.2",
              "III.4.1", "III.4.2", "III.5.1", "III.5.2", "IV.1",    "IV.2",    "IV.3",
              "IV.4",    "IV.5",    "V.1",     "V.2",     "V.3",     "V.4",     "V.5",
              "V.6",     "V.7",     "VI.1",    "VI.2",    "VI.3",    "VI.4",    "VI.5"};
          static std::atomic<int> uploads{0};
          upload.set_criterion(kCriteria[uploads++ % std::size(kCriteria)]);
          upload.mutable_evidence()->set_file_name(absl::StrCat("c", c, "-", k, ".pdf"));
          upload.set_content(
              absl::StrCat("restart ", round, " client ", c, " upload ", k));
          parindex::v1::Evidence stored;
          const grpc::Status status = stub->UploadEvidence(&context, upload, &stored);
          const bool ok = status.ok();
          std::lock_guard<std::mutex> lock(mu);
          if (!ok) {  // the server is gone
            if (status.error_code() != grpc::StatusCode::UNAVAILABLE)
              ADD_FAILURE() << status.error_code() << " " << status.error_message();
            ++finished;
            progress.notify_one();
            return;
          }
          acked[stored.id()] = upload.content();
          ++acks;
          progress.notify_one();
        }
      });
    }
    {
      std::unique_lock<std::mutex> lock(mu);
      progress.wait(lock, [&] { return acks >= kill_after || finished == kClients; });
      EXPECT_EQ(finished, 0) << "uploads failed before the kill";
    }
    kill(server.pid, SIGKILL);
    waitpid(server.pid, nullptr, 0);
    fclose(server.out);
    for (std::thread& t : clients) t.join();
    EXPECT_EQ(IntegrityCheck(db), "ok");
  }
  EXPECT_GE(acked.size(), static_cast<size_t>(kRestarts * 20));
  // A last start checks the uploads acknowledged before the fifth kill.
  Server server = Start(db, {"--quiet"});
  auto stub = parindex::v1::AssessmentService::NewStub(
      grpc::CreateChannel(server.address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", ward));
  parindex::v1::GetByNameRequest get;
  get.set_name("rounds/hungyen-2023/assessments/XTH");
  parindex::v1::Assessment form;
  ASSERT_TRUE(stub->GetAssessment(&context, get, &form).ok());
  std::map<int64_t, std::string> listed;
  for (const parindex::v1::Entry& e : form.entries()) {
    for (const parindex::v1::Evidence& ev : e.evidence())
      listed[ev.id()] = ev.file_name();
  }
  for (const auto& [id, content] : acked) EXPECT_EQ(listed.count(id), 1u) << id;
  EXPECT_EQ(parindex::testing::Stop(server), 0);
}

}  // namespace
