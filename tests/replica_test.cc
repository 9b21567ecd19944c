// Two real parindex-server processes on one PostgreSQL (the test's own,
// tests/pg_server.h): a client that alternates between them sees one database; two
// writers of one entry on two servers get one success and one ABORTED, never a lost
// update; a request id retried on the other server lands once.
#include <grpcpp/grpcpp.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "parindex/v1/service.grpc.pb.h"
#include "tests/pg_server.h"
#include "tests/server_process.h"
#include "tests/store_test_util.h"

namespace {

using parindex::testing::Server;
using parindex::testing::Start;

constexpr char kForm[] = "rounds/hungyen-2023/assessments/XTH";

struct Replicas {
  Server a, b;
  std::string ward, appraiser;
};

// Both servers on a new database: the first loads the demo, the second finds it.
Replicas StartReplicas() {
  Replicas r;
  auto pg = parindex::testing::PostgresServer::Get();
  EXPECT_TRUE(pg.ok()) << pg.status();
  if (!pg.ok()) return r;
  auto db = (*pg)->NewDatabase();
  EXPECT_TRUE(db.ok()) << db.status();
  r.a = Start(*db);
  r.b = Start(*db);
  r.ward = r.a.tokens["ward XTH"];
  r.appraiser = r.a.tokens["appraiser"];
  return r;
}

std::unique_ptr<parindex::v1::AssessmentService::Stub> Stub(const Server& s) {
  return parindex::v1::AssessmentService::NewStub(
      grpc::CreateChannel(s.address, grpc::InsecureChannelCredentials()));
}

// The entry as `server` reads it (version 0 and empty when absent).
parindex::v1::Entry ReadEntry(const Server& server, const std::string& token,
                              const std::string& criterion) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  parindex::v1::GetByNameRequest get;
  get.set_name(kForm);
  parindex::v1::Assessment form;
  const grpc::Status status = Stub(server)->GetAssessment(&context, get, &form);
  EXPECT_TRUE(status.ok()) << status.error_message();
  for (const parindex::v1::Entry& e : form.entries()) {
    if (e.criterion() == criterion) return e;
  }
  return parindex::v1::Entry();
}

grpc::Status WriteComment(const Server& server, const std::string& token,
                          const std::string& criterion, int64_t etag,
                          const std::string& comment, const std::string& request_id,
                          parindex::v1::BatchUpdateEntriesResponse* out) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  parindex::v1::BatchUpdateEntriesRequest request;
  request.set_parent(kForm);
  request.set_request_id(request_id);
  parindex::v1::EntryUpdate* update = request.add_updates();
  update->mutable_entry()->set_criterion(criterion);
  update->mutable_entry()->set_comment(comment);
  update->set_etag(etag);
  return Stub(server)->BatchUpdateEntries(&context, request, out);
}

TEST(Replicas, AClientAlternatingBetweenTwoServersSeesOneDatabase) {
  Replicas r = StartReplicas();
  ASSERT_FALSE(r.a.address.empty());
  ASSERT_FALSE(r.b.address.empty());
  ASSERT_FALSE(r.ward.empty());
  for (int i = 0; i < 10; ++i) {
    const Server& reader = i % 2 == 0 ? r.a : r.b;
    const Server& writer = i % 2 == 0 ? r.b : r.a;
    // What the other server wrote last is what this one reads.
    parindex::v1::Entry entry = ReadEntry(reader, r.ward, "I.1.1");
    EXPECT_EQ(entry.version(), i);
    if (i > 0) EXPECT_EQ(entry.comment(), absl::StrCat("write ", i - 1));
    parindex::v1::BatchUpdateEntriesResponse written;
    const grpc::Status status = WriteComment(writer, r.ward, "I.1.1", entry.version(),
                                             absl::StrCat("write ", i), "", &written);
    ASSERT_TRUE(status.ok()) << i << ": " << status.error_message();
    ASSERT_EQ(written.entries_size(), 1);
    EXPECT_EQ(written.entries(0).version(), i + 1);
  }
}

TEST(Replicas, TwoWritersOfOneEntryOnTwoServersGetOneSuccessAndOneAborted) {
  Replicas r = StartReplicas();
  ASSERT_FALSE(r.b.address.empty());
  for (int attempt = 0; attempt < 5; ++attempt) {
    const int64_t version = ReadEntry(r.a, r.ward, "I.1.2").version();
    ASSERT_EQ(ReadEntry(r.b, r.ward, "I.1.2").version(), version);
    grpc::Status on_a, on_b;
    parindex::v1::BatchUpdateEntriesResponse out_a, out_b;
    std::thread first([&] {
      on_a = WriteComment(r.a, r.ward, "I.1.2", version, "from a", "", &out_a);
    });
    on_b = WriteComment(r.b, r.ward, "I.1.2", version, "from b", "", &out_b);
    first.join();
    // Exactly one of them, whichever came first; the other was told its read is stale.
    ASSERT_NE(on_a.ok(), on_b.ok())
        << on_a.error_message() << " / " << on_b.error_message();
    const grpc::Status& refused = on_a.ok() ? on_b : on_a;
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::ABORTED) << refused.error_message();
    const parindex::v1::Entry stored = ReadEntry(r.b, r.ward, "I.1.2");
    EXPECT_EQ(stored.version(), version + 1);
    EXPECT_EQ(stored.comment(), on_a.ok() ? "from a" : "from b");
  }
}

TEST(Replicas, ARequestIdRetriedOnTheOtherServerLandsOnce) {
  Replicas r = StartReplicas();
  ASSERT_FALSE(r.b.address.empty());
  for (int attempt = 0; attempt < 5; ++attempt) {
    const int64_t version = ReadEntry(r.a, r.ward, "I.1.3").version();
    const std::string id = absl::StrCat("retry-", attempt);
    grpc::Status on_a, on_b;
    parindex::v1::BatchUpdateEntriesResponse out_a, out_b;
    // The same request, sent to both at once (a client that gave up on one server).
    std::thread first(
        [&] { on_a = WriteComment(r.a, r.ward, "I.1.3", version, id, id, &out_a); });
    on_b = WriteComment(r.b, r.ward, "I.1.3", version, id, id, &out_b);
    first.join();
    ASSERT_TRUE(on_a.ok()) << on_a.error_message();
    ASSERT_TRUE(on_b.ok()) << on_b.error_message();
    EXPECT_EQ(out_a.SerializeAsString(), out_b.SerializeAsString());
    ASSERT_EQ(out_a.entries_size(), 1);
    EXPECT_EQ(out_a.entries(0).version(), version + 1);
    EXPECT_EQ(ReadEntry(r.b, r.ward, "I.1.3").version(), version + 1);
  }
}

}  // namespace
