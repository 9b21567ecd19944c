// Two real parindex-server processes on one PostgreSQL (the test's own,
// tests/pg_server.h): a client that alternates between them sees one database; two
// writers of one entry on two servers get one success and one ABORTED, never a lost
// update; a request id retried on the other server lands once; deploy/postgres's nginx
// in front of them keeps answering when one of them stops.
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
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
    if (i > 0) {
      EXPECT_EQ(entry.comment(), absl::StrCat("write ", i - 1));
    }
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

parindex::v1::UnitScore SelfScore(const Server& server, const std::string& token) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  parindex::v1::GetUnitScoreRequest request;
  request.set_name(kForm);
  request.set_column(parindex::v1::SELF);
  parindex::v1::UnitScore score;
  const grpc::Status status =
      parindex::v1::ScoreService::NewStub(
          grpc::CreateChannel(server.address, grpc::InsecureChannelCredentials()))
          ->GetUnitScore(&context, request, &score);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return score;
}

// XTH's points in the self-assessed ranking as `server` gives it (-1: not there).
int64_t RankedSelfPoints(const Server& server, const std::string& token) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  parindex::v1::GetRankingRequest request;
  request.set_name("rounds/hungyen-2023");
  request.set_column(parindex::v1::SELF);
  parindex::v1::Ranking ranking;
  const grpc::Status status =
      parindex::v1::ScoreService::NewStub(
          grpc::CreateChannel(server.address, grpc::InsecureChannelCredentials()))
          ->GetRanking(&context, request, &ranking);
  EXPECT_TRUE(status.ok()) << status.error_message();
  for (const parindex::v1::UnitScore& row : ranking.units())
    if (row.unit() == "XTH") return row.achieved_milli();
  return -1;
}

TEST(Replicas, ACachedScoreAndRankingFollowAWriteOnTheOtherServer) {
  Replicas r = StartReplicas();
  ASSERT_FALSE(r.b.address.empty());
  // B has computed (and cached) the ward's score and the ranking.
  const int64_t before = SelfScore(r.b, r.ward).achieved_milli();
  ASSERT_EQ(RankedSelfPoints(r.b, r.appraiser), before);
  // A stores the other answer to a yes/no worth one point (I.1.2).
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", r.ward));
  parindex::v1::BatchUpdateEntriesRequest request;
  request.set_parent(kForm);
  parindex::v1::EntryUpdate* update = request.add_updates();
  const parindex::v1::Entry stored = ReadEntry(r.a, r.ward, "I.1.2");
  const bool done = !stored.self().done();  // the other answer than the demo's
  update->mutable_entry()->set_criterion("I.1.2");
  update->mutable_entry()->mutable_self()->set_done(done);
  update->set_etag(stored.version());
  parindex::v1::BatchUpdateEntriesResponse out;
  const grpc::Status written = Stub(r.a)->BatchUpdateEntries(&context, request, &out);
  ASSERT_TRUE(written.ok()) << written.error_message();
  const int64_t after = SelfScore(r.a, r.ward).achieved_milli();
  ASSERT_EQ(after, before + (done ? 1000 : -1000));
  // B hears of it after A's commit: its old answer until then, A's from then on
  // (bounded: 2,000 calls, a few seconds).
  int calls = 0;
  while (SelfScore(r.b, r.ward).achieved_milli() != after && ++calls < 2000) {
  }
  EXPECT_EQ(SelfScore(r.b, r.ward).achieved_milli(), after) << calls << " calls";
  EXPECT_EQ(RankedSelfPoints(r.b, r.appraiser), after);
}

// A loopback port free now (nginx is told to listen on it).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// `text` with `from` replaced by `to`, which must occur exactly once (the deploy file
// changed shape otherwise, and this test must be told).
std::string ReplaceOnce(std::string text, const std::string& from,
                        const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at == std::string::npos) return text;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

std::string HostPort(const std::string& url) {
  return absl::StrReplaceAll(url, {{"http://", ""}});
}

// deploy/postgres/nginx.conf as shipped, with the compose file's host names and ports
// replaced by the replicas' loopback addresses, run by Debian's nginx in the foreground.
struct Nginx {
  ~Nginx() {  // SIGTERM: the master takes its workers down with it (SIGKILL would not)
    if (guard.pid <= 0) return;
    kill(guard.pid, SIGTERM);
    waitpid(guard.pid, nullptr, 0);
    guard.pid = -1;
  }
  parindex::testing::TempDir dir;
  parindex::testing::ProcessGuard guard;
  std::string grpc, http;  // where clients connect
};

void StartNginx(const Replicas& r, Nginx* nginx) {
  std::ifstream in(PARINDEX_SOURCE_DIR "/deploy/postgres/nginx.conf");
  std::string conf((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  nginx->grpc = absl::StrCat("127.0.0.1:", FreePort());
  nginx->http = absl::StrCat("127.0.0.1:", FreePort());
  conf = ReplaceOnce(conf, "server-a:50051", r.a.address);
  conf = ReplaceOnce(conf, "server-b:50051", r.b.address);
  conf = ReplaceOnce(conf, "server-a:8080", HostPort(r.a.http));
  conf = ReplaceOnce(conf, "server-b:8080", HostPort(r.b.http));
  conf = ReplaceOnce(conf, "listen 50051 http2;",
                     absl::StrCat("listen ", nginx->grpc, " http2;"));
  conf = ReplaceOnce(conf, "listen 8080;", absl::StrCat("listen ", nginx->http, ";"));
  const std::string d = nginx->dir.File("");
  std::filesystem::permissions(d,
                               std::filesystem::perms::all);  // the workers' temp files
  std::ofstream(nginx->dir.File("parindex.conf")) << conf;
  std::ofstream(nginx->dir.File("nginx.conf"))
      << "pid " << d << "nginx.pid;\nerror_log " << d << "error.log;\nevents {}\n"
      << "http {\n  access_log off;\n  client_body_temp_path " << d << "body;\n"
      << "  proxy_temp_path " << d << "proxy;\n  fastcgi_temp_path " << d << "fcgi;\n"
      << "  uwsgi_temp_path " << d << "uwsgi;\n  scgi_temp_path " << d << "scgi;\n"
      << "  include " << d << "parindex.conf;\n}\n";
  nginx->guard.pid = fork();
  if (nginx->guard.pid == 0) {
    const std::string conf_file = nginx->dir.File("nginx.conf");
    const std::string error_log = nginx->dir.File("error.log");
    execl(PARINDEX_NGINX, "nginx", "-p", d.c_str(), "-e", error_log.c_str(), "-c",
          conf_file.c_str(), "-g", "daemon off;", static_cast<char*>(nullptr));
    _exit(127);
  }
}

TEST(Replicas, NginxInFrontOfTwoServersKeepsAnsweringWhenOneStops) {
  Replicas r;
  {
    auto pg = parindex::testing::PostgresServer::Get();
    ASSERT_TRUE(pg.ok()) << pg.status();
    auto db = (*pg)->NewDatabase();
    ASSERT_TRUE(db.ok()) << db.status();
    r.a = Start(*db, {"--http", "127.0.0.1:0"});
    r.b = Start(*db, {"--http", "127.0.0.1:0"});
    r.ward = r.a.tokens["ward XTH"];
  }
  ASSERT_FALSE(r.b.http.empty());
  Nginx nginx;
  StartNginx(r, &nginx);
  Server proxy;  // a client's view: one address
  proxy.address = nginx.grpc;
  auto channel = grpc::CreateChannel(proxy.address, grpc::InsecureChannelCredentials());
  ASSERT_TRUE(
      channel->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(20))))
      << "nginx did not listen; its log:\n"
      << std::ifstream(nginx.dir.File("error.log")).rdbuf();
  // Writes through the proxy go to both servers in turn, and read back as one database.
  for (int i = 0; i < 6; ++i) {
    parindex::v1::BatchUpdateEntriesResponse out;
    const grpc::Status status =
        WriteComment(proxy, r.ward, "I.3.1", i, absl::StrCat("via nginx ", i), "", &out);
    ASSERT_TRUE(status.ok()) << i << ": " << status.error_message();
  }
  EXPECT_EQ(ReadEntry(r.a, r.ward, "I.3.1").version(), 6);
  // The page and the JSON gateway through the proxy's second port.
  const std::string body = nginx.dir.File("ready.txt");
  EXPECT_EQ(parindex::testing::Curl(absl::StrCat("http://", nginx.http, "/readyz"), "",
                                    "", body)
                .first,
            200);
  // One server stops: every call still answers, from the other.
  ASSERT_EQ(parindex::testing::Stop(r.a), 0);
  for (int i = 6; i < 12; ++i) {
    parindex::v1::BatchUpdateEntriesResponse out;
    const grpc::Status status =
        WriteComment(proxy, r.ward, "I.3.1", i, absl::StrCat("via nginx ", i), "", &out);
    ASSERT_TRUE(status.ok()) << i << ": " << status.error_message();
    EXPECT_EQ(out.entries(0).version(), i + 1);
    EXPECT_EQ(parindex::testing::Curl(absl::StrCat("http://", nginx.http, "/readyz"), "",
                                      "", body)
                  .first,
              200);
  }
  const parindex::v1::Entry entry = ReadEntry(proxy, r.ward, "I.3.1");
  EXPECT_EQ(entry.version(), 12);
  EXPECT_EQ(entry.comment(), "via nginx 11");
}

grpc::Status WhoAmI(const Server& server, const std::string& token,
                    parindex::v1::Token* out) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  return parindex::v1::TokenService::NewStub(
             grpc::CreateChannel(server.address, grpc::InsecureChannelCredentials()))
      ->GetCallerToken(&context, parindex::v1::GetCallerTokenRequest(), out);
}

TEST(Replicas, ATokenRevokedOnOneServerStopsWorkingOnTheOther) {
  Replicas r = StartReplicas();
  ASSERT_FALSE(r.b.address.empty());
  const std::string pls = r.a.tokens["ward PLS"];
  const std::string admin = r.a.tokens["admin"];
  parindex::v1::Token token;
  ASSERT_TRUE(WhoAmI(r.b, pls, &token).ok());  // B has it cached now
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", admin));
  parindex::v1::GetByNameRequest revoke;
  revoke.set_name(absl::StrCat("tokens/", token.id()));
  parindex::v1::Token revoked;
  ASSERT_TRUE(parindex::v1::TokenService::NewStub(
                  grpc::CreateChannel(r.a.address, grpc::InsecureChannelCredentials()))
                  ->RevokeToken(&context, revoke, &revoked)
                  .ok());
  // B hears of it after A's commit, not with it: it answers as before until then, and
  // UNAUTHENTICATED from then on (bounded: 2,000 calls, a few seconds).
  grpc::Status status;
  int calls = 0;
  do {
    status = WhoAmI(r.b, pls, &token);
  } while (status.ok() && ++calls < 2000);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << status.error_message() << " after " << calls << " calls";
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(WhoAmI(r.b, pls, &token).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

// One client's writes, each its own request id, retried with that id until answered.
struct Writer {
  std::mutex* mu = nullptr;
  std::condition_variable* progress = nullptr;
  int acked = 0;        // guarded by *mu
  int unavailable = 0;  // UNAVAILABLE answers seen, guarded by *mu
  std::string last;     // the last acknowledged comment
  int64_t version = 0;  // the entry's version after it
};

TEST(Replicas, PostgresqlRestartedUnderLoadLosesNothingAcknowledged) {
  Replicas r = StartReplicas();
  ASSERT_FALSE(r.b.address.empty());
  auto pg = parindex::testing::PostgresServer::Get();
  ASSERT_TRUE(pg.ok());
  static const char* const kCriteria[] = {"I.2.1", "I.2.2", "I.2.3", "I.2.4"};
  std::mutex mu;
  std::condition_variable progress;
  Writer writer;
  writer.mu = &mu;
  writer.progress = &progress;
  std::vector<Writer> writers(std::size(kCriteria), writer);
  bool stop = false;
  std::vector<std::thread> threads;
  for (size_t c = 0; c < writers.size(); ++c) {
    threads.emplace_back([&, c] {
      Writer& w = writers[c];
      for (int k = 0;; ++k) {
        {
          std::lock_guard<std::mutex> lock(mu);
          if (stop) return;
        }
        const std::string comment = absl::StrCat("client ", c, " write ", k);
        // Until this write is answered: UNAVAILABLE means "not known": the same id
        // again is applied once or answered from the first attempt.
        for (int attempt = 0;; ++attempt) {
          const Server& server = (k + attempt) % 2 == 0 ? r.a : r.b;
          parindex::v1::BatchUpdateEntriesResponse out;
          const grpc::Status status =
              WriteComment(server, r.ward, kCriteria[c], k, comment,
                           absl::StrCat("c", c, "-", k), &out);
          std::lock_guard<std::mutex> lock(mu);
          if (status.ok()) {
            ++w.acked;
            w.last = comment;
            w.version = out.entries(0).version();
            progress.notify_all();
            break;
          }
          if (status.error_code() != grpc::StatusCode::UNAVAILABLE) {
            ADD_FAILURE() << status.error_code() << " " << status.error_message();
            return;
          }
          ++w.unavailable;
          progress.notify_all();
          if (attempt > 100000) {
            ADD_FAILURE() << "no answer after PostgreSQL came back";
            return;
          }
        }
      }
    });
  }
  auto wait_until = [&](auto done) {
    std::unique_lock<std::mutex> lock(mu);
    return progress.wait_for(lock, std::chrono::seconds(60), done);
  };
  ASSERT_TRUE(wait_until([&] {
    for (const Writer& w : writers)
      if (w.acked < 5) return false;
    return true;
  }));
  ASSERT_TRUE((*pg)->Stop().ok());
  const bool refused = wait_until([&] {
    for (const Writer& w : writers)
      if (w.unavailable == 0) return false;
    return true;
  });
  std::map<size_t, int> acked_before;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (size_t c = 0; c < writers.size(); ++c) acked_before[c] = writers[c].acked;
  }
  ASSERT_TRUE((*pg)->Start().ok());
  EXPECT_TRUE(refused) << "the servers did not answer UNAVAILABLE";
  const bool recovered = wait_until([&] {
    for (size_t c = 0; c < writers.size(); ++c)
      if (writers[c].acked < acked_before[c] + 5) return false;
    return true;
  });
  {
    std::lock_guard<std::mutex> lock(mu);
    stop = true;
  }
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(recovered) << "the servers did not recover by themselves";
  // Every acknowledged write is there, each once: write k was made on version k.
  for (size_t c = 0; c < writers.size(); ++c) {
    const parindex::v1::Entry entry = ReadEntry(r.a, r.ward, kCriteria[c]);
    EXPECT_EQ(entry.version(), writers[c].acked) << kCriteria[c];
    EXPECT_EQ(entry.version(), writers[c].version) << kCriteria[c];
    EXPECT_EQ(entry.comment(), writers[c].last) << kCriteria[c];
  }
}

}  // namespace
