// The real parindex-server on a free loopback port over a fresh database, driven by
// the real `parindex call`. Readiness is the server's "listening on" line, read from
// its stdout; it is stopped with SIGTERM and must exit cleanly.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "parindex/v1/score.pb.h"
#include "parindex/v1/service.pb.h"
#include "tests/server_process.h"
#include "tests/store_test_util.h"

namespace {

using parindex::testing::Curl;
using parindex::testing::Server;
using parindex::testing::Start;

std::pair<int, std::string> Call(const Server& s, const std::string& token,
                                 const std::string& method, const std::string& json,
                                 const std::string& out_file,
                                 const std::string& flags = "") {
  const std::string cmd = absl::StrCat("'", PARINDEX_CLI, "' call ", flags, " --server ",
                                       s.address, " --token '", token, "' ", method, " '",
                                       json, "' >'", out_file, "' 2>&1");
  const int status = std::system(cmd.c_str());
  std::ifstream in(out_file);
  std::stringstream text;
  text << in.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.str()};
}

TEST(ServerBinary, ServesTheDemoOnAFreeLoopbackPortAndStopsOnSigterm) {
  parindex::testing::TempDir dir;
  Server server = Start(dir.File("fresh.db"));
  ASSERT_GT(server.pid, 0);
  ASSERT_TRUE(absl::StartsWith(server.address, "127.0.0.1:")) << server.address;
  ASSERT_EQ(server.tokens.size(), 5u);
  const std::string out = dir.File("out.json");

  auto [code, ranking] =
      Call(server, server.tokens["appraiser"], "/parindex.v1.ScoreService/GetRanking",
           R"({"name": "rounds/hungyen-2023", "block": "wards", "column": "SELF"})", out);
  EXPECT_EQ(code, 0) << ranking;
  EXPECT_NE(ranking.find("\"unit_name\": \"Phường Quang Trung\""), std::string::npos)
      << ranking;
  EXPECT_NE(ranking.find("\"rank\": 1"), std::string::npos) << ranking;

  auto [denied, message] =
      Call(server, server.tokens["ward PLS"], "/parindex.v1.ScoreService/GetUnitScore",
           R"({"name": "rounds/hungyen-2023/assessments/PHN"})", out);
  EXPECT_EQ(denied, 1);
  EXPECT_EQ(message,
            "parindex: PERMISSION_DENIED: this token acts for unit PLS, not PHN: another "
            "unit's "
            "data is visible only once the round is published\n");

  auto [unauthenticated, why] =
      Call(server, "pi_wrong", "/parindex.v1.EchoService/Echo", R"({"text": "x"})", out);
  EXPECT_EQ(unauthenticated, 1);
  EXPECT_EQ(why, "parindex: UNAUTHENTICATED: unknown or revoked token\n");

  // Health checking: grpc.health.v1.Health/Check with an empty request (the whole
  // server) answers SERVING, i.e. the bytes of HealthCheckResponse{status: 1}.
  {
    auto channel =
        grpc::CreateChannel(server.address, grpc::InsecureChannelCredentials());
    grpc::GenericStub stub(channel);
    grpc::ClientContext context;
    grpc::Slice empty("");
    grpc::ByteBuffer request(&empty, 1), response;
    grpc::CompletionQueue cq;
    auto call =
        stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check", request, &cq);
    grpc::Status health;
    call->StartCall();
    call->Finish(&response, &health, reinterpret_cast<void*>(1));
    void* tag = nullptr;
    bool ok = false;
    ASSERT_TRUE(cq.Next(&tag, &ok));
    ASSERT_TRUE(health.ok()) << health.error_message();
    std::vector<grpc::Slice> slices;
    ASSERT_TRUE(response.Dump(&slices).ok());
    std::string bytes;
    for (const grpc::Slice& slice : slices)
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    EXPECT_EQ(bytes, std::string("\x08\x01", 2));
  }

  ASSERT_EQ(kill(server.pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(server.pid, &status, 0), server.pid);
  EXPECT_TRUE(WIFEXITED(status)) << "signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  fclose(server.out);

  // Restarting on the same file keeps the data and does not load the demo twice.
  Server again = Start(dir.File("fresh.db"));
  auto [code2, rounds] = Call(again, again.tokens["appraiser"],
                              "/parindex.v1.RoundService/ListRounds", "{}", out);
  EXPECT_EQ(code2, 0) << rounds;
  EXPECT_EQ(std::count(rounds.begin(), rounds.end(), '\n') > 0, true);
  EXPECT_NE(rounds.find("\"id\": \"hungyen-2023\""), std::string::npos);
  EXPECT_EQ(rounds.find("\"id\": \"hungyen-2023\"",
                        rounds.find("\"id\": \"hungyen-2023\"") + 1),
            std::string::npos);
  kill(again.pid, SIGTERM);
  waitpid(again.pid, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  fclose(again.out);
}

// The Python example (examples/python/ranking.py, Debian's python3-grpcio) fetches a
// published round's ranking from the real server.
TEST(ServerBinary, ThePythonExampleReadsAPublishedRanking) {
  parindex::testing::TempDir dir;
  Server server = Start(dir.File("python.db"));
  ASSERT_FALSE(server.address.empty());
  const std::string out = dir.File("out");
  // The appraiser takes the demo round from self-assessment to publication.
  int etag = 2;
  for (const char* phase :
       {"PHASE_APPRAISAL", "PHASE_EXPLANATION", "PHASE_FINAL_APPRAISAL",
        "PHASE_FINALISED", "PHASE_PUBLISHED"}) {
    auto [code, round] =
        Call(server, server.tokens["appraiser"], "/parindex.v1.RoundService/AdvanceRound",
             absl::StrCat(R"({"name": "rounds/hungyen-2023", "to_phase": ")", phase,
                          R"(", "etag": ")", etag++, R"("})"),
             out);
    ASSERT_EQ(code, 0) << round;
  }
  auto ranking_py = [&](const std::string& flags) {
    const std::string cmd = absl::StrCat(
        "PARINDEX_PYTHON='", PARINDEX_PYTHON_OUT, "' /usr/bin/python3 '",
        PARINDEX_SOURCE_DIR, "/examples/python/ranking.py' --server ", server.address,
        " --token '", server.tokens["reader"], "' --round hungyen-2023 --block wards ",
        flags, " >'", out, "' 2>&1");
    const int status = std::system(cmd.c_str());
    std::ifstream in(out);
    std::stringstream stream;
    stream << in.rdbuf();
    EXPECT_EQ(WEXITSTATUS(status), 0) << stream.str();
    return stream.str();
  };
  // Published without an appraisal: the appraised column ranks no ward.
  std::string printed = ranking_py("");
  EXPECT_EQ(printed.substr(0, printed.find('\n')),
            "wards\t-\tPAT\tPhường An Tảo\tnot appraised\t");
  EXPECT_EQ(std::count(printed.begin(), printed.end(), '\n'), 7);
  // Their own figures: ranked.
  printed = ranking_py("--column self");
  EXPECT_EQ(printed.substr(0, printed.find('\n')),
            "wards\t1\tPQT\tPhường Quang Trung\t91.71\tA");
  EXPECT_EQ(std::count(printed.begin(), printed.end(), '\n'), 7);  // the seven wards
  kill(server.pid, SIGTERM);
  waitpid(server.pid, nullptr, 0);
  fclose(server.out);
}

std::pair<int, std::string> Cli(const std::string& args, const std::string& out_file) {
  const int status = std::system(
      absl::StrCat("'", PARINDEX_CLI, "' ", args, " >'", out_file, "' 2>&1").c_str());
  std::ifstream in(out_file);
  std::stringstream text;
  text << in.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.str()};
}

// The CLI's round commands against the real server.
TEST(ServerBinary, TheCliDrivesARound) {
  parindex::testing::TempDir dir;
  Server server = Start(dir.File("cli.db"));
  ASSERT_FALSE(server.address.empty());
  const std::string out = dir.File("out");
  const std::string as_appraiser = absl::StrCat("--server ", server.address, " --token '",
                                                server.tokens["appraiser"], "'");
  const std::string as_ward = absl::StrCat("--server ", server.address, " --token '",
                                           server.tokens["ward PLS"], "'");

  auto [status_code, board] =
      Cli(absl::StrCat(as_appraiser, " round status hungyen-2023"), out);
  EXPECT_EQ(status_code, 0) << board;
  EXPECT_EQ(board.substr(0, board.find('\n')),
            "unit     state                    reopened  updated");
  EXPECT_NE(board.find("PLS      SUBMITTED"), std::string::npos) << board;
  EXPECT_NE(board.find("XPCU     DRAFT"), std::string::npos) << board;
  EXPECT_EQ(std::count(board.begin(), board.end(), '\n'), 18);

  // A dry run previews the score and stores nothing.
  const std::string figures = dir.File("pls.yaml");
  std::ofstream(figures)
      << "units:\n  - code: PLS\n    name: Phường Lam Sơn\n    kind: ward\n"
         "    entries:\n      III.2.1: {figures: {resolved_on_time: 381, resolved: "
         "400}}\n";
  auto [dry_code, preview] =
      Cli(absl::StrCat(as_ward, " submit hungyen-2023 PLS --figures '", figures,
                       "' --dry-run"),
          out);
  EXPECT_EQ(dry_code, 0) << preview;
  EXPECT_EQ(preview.rfind("dry run: nothing was stored\n", 0), 0u) << preview;
  EXPECT_NE(
      preview.find(
          "on_time_rate 381/400 = 95.25% > 95% (plan target for ward) → 2.00 of 2.00"),
      std::string::npos)
      << preview;
  const std::string csv = dir.File("pls.csv");
  std::ofstream(csv)
      << "criterion,field,value\nIII.2.1,resolved_on_time,381\nIII.2.1,resolved,400\n";
  auto [csv_code, csv_preview] = Cli(
      absl::StrCat(as_ward, " submit hungyen-2023 PLS --figures '", csv, "' --dry-run"),
      out);
  EXPECT_EQ(csv_code, 0) << csv_preview;
  EXPECT_NE(csv_preview.find("on_time_rate 381/400 = 95.25% > 95%"), std::string::npos)
      << csv_preview;
  auto [score_code, score] =
      Cli(absl::StrCat(as_ward, " score hungyen-2023 PLS --column self"), out);
  EXPECT_EQ(score_code, 0) << score;
  EXPECT_NE(score.find("on_time_rate 380/400 = 95.00%, not > 95% (plan target for ward) "
                       "→ 0.00 of 2.00"),
            std::string::npos)
      << score;

  // Storing is refused: the unit already submitted.
  auto [refused_code, refused] = Cli(
      absl::StrCat(as_ward, " submit hungyen-2023 PLS --figures '", figures, "'"), out);
  EXPECT_EQ(refused_code, 1);
  EXPECT_EQ(refused,
            "parindex: FAILED_PRECONDITION: round hungyen-2023 is in phase "
            "SELF_ASSESSMENT and the assessment of PLS is SUBMITTED: editing the "
            "self-assessment needs it "
            "to be NOT_STARTED or DRAFT\n");

  // A unit across the rounds the caller may see: here one round, in which nothing is
  // appraised yet: the appraised column has no index, rank or class (its figures would
  // be the unit's own); the self column has them.
  auto [history_code, history] = Cli(absl::StrCat(as_appraiser, " history PLS"), out);
  EXPECT_EQ(history_code, 0) << history;
  EXPECT_EQ(history,
            "History of PLS\n"
            "year  round          unit     block      index   rank      class\n"
            "2023  hungyen-2023   PLS      wards      not appraised\n");
  auto [self_history_code, self_history] =
      Cli(absl::StrCat(as_appraiser, " history PLS --column self"), out);
  EXPECT_EQ(self_history_code, 0) << self_history;
  EXPECT_EQ(self_history,
            "History of PLS\n"
            "year  round          unit     block      index   rank      class        I"
            "       II      III     IV      V       VI      VII     VIII    IX\n"
            "2023  hungyen-2023   PLS      wards      85.28   4/7       B            8.78"
            "    8.00    6.82    5.75    6.63    5.25    10.62   0.00    -0.25\n");
  auto [unknown_code, unknown] = Cli(absl::StrCat(as_appraiser, " history NOPE"), out);
  EXPECT_EQ(unknown_code, 1);
  EXPECT_EQ(unknown, "parindex: NOT_FOUND: unit: units/NOPE does not exist\n");

  // Connection settings from a config file; the ranking; an export.
  const std::string config = dir.File("parindex.toml");
  std::ofstream(config) << "server = \"" << server.address << "\"\ntoken = \""
                        << server.tokens["appraiser"] << "\"\n";
  auto [ranking_code, ranking] = Cli(
      absl::StrCat("--config '", config, "' ranking hungyen-2023 --block wards"), out);
  EXPECT_EQ(ranking_code, 0) << ranking;
  EXPECT_EQ(ranking.substr(0, ranking.find('\n')), "Ranking, block wards");
  // A unit the office has not appraised has no rank and no appraised index; it comes
  // after the ranked ones.
  std::vector<std::string> ranking_lines = absl::StrSplit(ranking, '\n');
  std::string unranked;
  for (const std::string& line : ranking_lines) {
    if (absl::StartsWith(line, "    -  ")) absl::StrAppend(&unranked, line, "\n");
  }
  // No unit is appraised yet: all seven wards, none ranked.
  EXPECT_EQ(unranked,
            "    -  Phường An Tảo                  not appraised\n"
            "    -  Phường Hồng Châu               not appraised\n"
            "    -  Phường Hiến Nam                not appraised\n"
            "    -  Phường Lê Lợi                  not appraised\n"
            "    -  Phường Lam Sơn                 not appraised\n"
            "    -  Phường Minh Khai               not appraised\n"
            "    -  Phường Quang Trung             not appraised\n");
  const std::string xlsx = dir.File("round.xlsx");
  auto [export_code, wrote] =
      Cli(absl::StrCat("--config '", config, "' export hungyen-2023 --out '", xlsx, "'"),
          out);
  EXPECT_EQ(export_code, 0) << wrote;
  EXPECT_EQ(wrote.rfind(absl::StrCat("wrote ", xlsx, " ("), 0), 0u) << wrote;
  std::ifstream file(xlsx, std::ios::binary);
  char magic[2] = {};
  file.read(magic, 2);
  EXPECT_EQ(std::string(magic, 2), "PK");  // a zip: the XLSX container
  // The ranking as CSV: no unit appraised, none with an appraised index or rank.
  const std::string csv_file = dir.File("ranking.csv");
  auto [csv_export_code, csv_wrote] =
      Cli(absl::StrCat("--config '", config,
                       "' export hungyen-2023 --format csv --table ranking --out '",
                       csv_file, "'"),
          out);
  EXPECT_EQ(csv_export_code, 0) << csv_wrote;
  std::stringstream ranking_csv;
  ranking_csv << std::ifstream(csv_file).rdbuf();
  EXPECT_TRUE(absl::StrContains(ranking_csv.str(),
                                "\r\nKhối phường,,PLS,Phường Lam Sơn,Chưa thẩm định\r\n"))
      << ranking_csv.str();
  EXPECT_EQ(ranking_csv.str().find(",B,"), std::string::npos);  // no class
  auto [missing_code, missing] =
      Cli(absl::StrCat("--config '", config, "' round status nope"), out);
  EXPECT_EQ(missing_code, 1);
  EXPECT_EQ(missing, "parindex: NOT_FOUND: rounds/nope: not found\n");

  kill(server.pid, SIGTERM);
  waitpid(server.pid, nullptr, 0);
  fclose(server.out);
}

// `submit` of a file the server refuses: the error is at the refused value's or entry's
// place in the file, and nothing is stored.
TEST(ServerBinary, SubmitNamesThePlaceInTheFileAndStoresNothingOfABadFile) {
  parindex::testing::TempDir dir;
  Server server = Start(dir.File("submit.db"));
  ASSERT_FALSE(server.address.empty());
  const std::string out = dir.File("out");
  const std::string as_xth = absl::StrCat("--server ", server.address, " --token '",
                                          server.tokens["ward XTH"], "'");
  const std::string refused =
      "values[1].value: rule on_time_within_resolved: Số hồ sơ giải quyết đúng hạn "
      "không vượt quá số hồ sơ đã giải quyết: resolved_on_time (Số hồ sơ giải quyết "
      "đúng hạn (kể cả trước hạn)) = 510, not ≤ resolved (Số hồ sơ TTHC đã giải "
      "quyết) = 500\n";

  // CSV, both forms: the line of the value's row.
  const std::string sheet = dir.File("bad1.csv");
  std::ofstream(sheet)
      << "unit,element,value\nXTH,resolved,500\nXTH,resolved_on_time,510\n";
  auto [sheet_code, sheet_error] = Cli(
      absl::StrCat(as_xth, " submit hungyen-2023 XTH --figures '", sheet, "' --dry-run"),
      out);
  EXPECT_EQ(sheet_code, 1);
  EXPECT_EQ(sheet_error,
            absl::StrCat("parindex: INVALID_ARGUMENT: ", sheet, ":3: ", refused));
  const std::string rows = dir.File("bad2.csv");
  std::ofstream(rows) << "criterion,field,value\nI.5,score,1\nIII.2.1,resolved,500\n"
                         "III.2.1,resolved_on_time,510\n";
  auto [rows_code, rows_error] = Cli(
      absl::StrCat(as_xth, " submit hungyen-2023 XTH --figures '", rows, "' --dry-run"),
      out);
  EXPECT_EQ(rows_code, 1);
  EXPECT_EQ(rows_error,
            absl::StrCat("parindex: INVALID_ARGUMENT: ", rows, ":4: ", refused));

  // A good value and a bad entry: refused at the entry, before anything is stored.
  const std::string yaml = dir.File("xth.yaml");
  std::ofstream(yaml)
      << "units:\n  - code: XTH\n    name: Xã Tân Hưng\n    kind: commune\n"
         "    values:\n      resolved: 790\n"
         "    entries:\n      VIII.1: {survey: {percent: 80}}\n"
         "      I.4: {comment: Đã kiện toàn}\n"
         "      I.5: {score: 99}\n";
  auto [yaml_code, yaml_error] =
      Cli(absl::StrCat(as_xth, " submit hungyen-2023 XTH --figures '", yaml, "'"), out);
  EXPECT_EQ(yaml_code, 1);
  EXPECT_EQ(yaml_error, absl::StrCat("parindex: INVALID_ARGUMENT: ", yaml,
                                     ":10:12: entries[2].self.score: 99 is outside "
                                     "0..1.5 for criterion I.5\n"));
  auto [get_code, stored] = Call(
      server, server.tokens["ward XTH"], "/parindex.v1.AssessmentService/GetAssessment",
      R"({"name": "rounds/hungyen-2023/assessments/XTH"})", out);
  ASSERT_EQ(get_code, 0) << stored;
  parindex::v1::Assessment xth;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(stored, &xth).ok()) << stored;
  int resolved = 0;
  for (const parindex::v1::DataValue& v : xth.values()) {
    if (v.element() != "resolved") continue;
    ++resolved;
    EXPECT_EQ(v.self().count(), 784);  // as the demo stored it
  }
  EXPECT_EQ(resolved, 1);

  kill(server.pid, SIGTERM);
  waitpid(server.pid, nullptr, 0);
  fclose(server.out);
}

// The tables of `submit --dry-run` and `score`: the warnings the values raise under the
// unit's total; a rank only where there is one, its block's size only where known.
TEST(ServerBinary, SubmitPreviewShowsWarningsAndNoRank) {
  parindex::testing::TempDir dir;
  Server server = Start(dir.File("preview.db"));
  ASSERT_FALSE(server.address.empty());
  const std::string out = dir.File("out");
  const std::string as_xth = absl::StrCat("--server ", server.address, " --token '",
                                          server.tokens["ward XTH"], "'");
  const std::string warned = dir.File("warned.csv");
  std::ofstream(warned) << "unit,element,value\nXTH,resolved,830\n";
  auto [warned_code, preview] = Cli(
      absl::StrCat(as_xth, " submit hungyen-2023 XTH --figures '", warned, "' --dry-run"),
      out);
  EXPECT_EQ(warned_code, 0) << preview;
  EXPECT_NE(preview.find(
                "\n  warning: rule resolved_within_received: Số hồ sơ đã giải quyết vượt "
                "số hồ sơ tiếp nhận trong năm: chỉ hợp lý khi có nhiều hồ sơ năm trước "
                "chuyển sang; đề nghị kiểm tra lại: resolved (Số hồ sơ TTHC đã giải "
                "quyết) = 830, not ≤ received (Số hồ sơ TTHC đã tiếp nhận) = 823\n\n"),
            std::string::npos)
      << preview;
  EXPECT_NE(preview.find("\n  index 85.57, class B\n\n"), std::string::npos) << preview;
  EXPECT_EQ(preview.find(", rank"), std::string::npos) << preview;
  // A stored score has its rank in its block for the office (the block's size is not
  // known here); the ward gets none before publication: a rank tells how others stand.
  auto [score_code, score] = Cli(
      absl::StrCat("--server ", server.address, " --token '", server.tokens["appraiser"],
                   "' score hungyen-2023 XTH --column self"),
      out);
  EXPECT_EQ(score_code, 0) << score;
  EXPECT_NE(score.find("  index 88.88, class B, rank 3 in block communes\n"),
            std::string::npos)
      << score;
  auto [ward_code, ward] =
      Cli(absl::StrCat(as_xth, " score hungyen-2023 XTH --column self"), out);
  EXPECT_EQ(ward_code, 0) << ward;
  EXPECT_NE(ward.find("  index 88.88, class B\n"), std::string::npos) << ward;

  kill(server.pid, SIGTERM);
  waitpid(server.pid, nullptr, 0);
  fclose(server.out);
}

// A whole round driven only by `parindex` commands; the published ranking equals the
// offline evaluation of the same files.
TEST(ServerBinary, AFullRoundThroughTheCli) {
  parindex::testing::TempDir dir;
  Server server = Start(dir.File("round.db"));
  ASSERT_FALSE(server.address.empty());
  const std::string out = dir.File("out");
  const std::string at = absl::StrCat("--server ", server.address, " --token ");
  auto run = [&](const std::string& token, const std::string& args) {
    auto [code, text] = Cli(absl::StrCat(at, "'", token, "' ", args), out);
    EXPECT_EQ(code, 0) << args << "\n" << text;
    return text;
  };
  const std::string admin = server.tokens["admin"],
                    appraiser = server.tokens["appraiser"];
  const std::string demo = std::string(PARINDEX_SOURCE_DIR) + "/criteria/demo/";
  EXPECT_EQ(run(admin, absl::StrCat("criteria upload ", demo, "set.yaml")),
            "stored criteria set demo-ward-2023 version 1\n");
  EXPECT_EQ(run(admin, absl::StrCat("plan upload ", demo, "plan.yaml")),
            "stored plan demo-hungyen-2023 (9 targets, 1 tasks)\n");
  const std::string units = dir.File("units.csv");
  std::ofstream(units)
      << "code,name,kind,parent\nHY,Thành phố Hưng Yên,city\nHN,Phường Hiến Nam,ward,HY\n"
         "LS,Phường Lam Sơn,ward,HY\nMK,Phường Minh Khai,ward,HY\n";
  EXPECT_EQ(run(admin, absl::StrCat("unit import ", units)), "imported 4 units\n");
  std::map<std::string, std::string> wards;
  for (const char* unit : {"HN", "LS", "MK"}) {
    const std::string created =
        run(admin, absl::StrCat("token create --role ward --unit ", unit));
    wards[unit] =
        created.substr(created.find(' ') + 1, created.size() - created.find(' ') - 2);
  }
  EXPECT_EQ(
      run(appraiser,
          "round create r2 --year 2023 --set demo-ward-2023 --plan demo-hungyen-2023 "
          "--unit HN "
          "--unit LS "
          "--unit MK --deadline 2099-12-05T17:00:00+07:00"),
      "created round r2 on demo-ward-2023 v1 with 3 units\n");
  EXPECT_EQ(run(appraiser, "round open r2"),
            "round r2 is now in phase SELF_ASSESSMENT\n");
  for (const char* unit : {"HN", "LS", "MK"}) {
    const std::string stored =
        run(wards[unit],
            absl::StrCat("submit r2 ", unit, " --figures ", demo, "figures.yaml"));
    EXPECT_NE(stored.find(absl::StrCat("submitted: ", unit, " is SUBMITTED")),
              std::string::npos)
        << stored;
  }
  run(appraiser, "round advance r2 APPRAISAL");
  const std::string survey = dir.File("survey.csv");
  std::ofstream(survey)
      << "unit,criterion,a,b,c,d\nHN,VIII.1,120,40,10,2\nHN,VIII.2,100,60,20,4\n"
         "LS,VIII.1,80,70,30,10\nLS,VIII.2,70,80,30,10\n";
  EXPECT_EQ(run(appraiser, absl::StrCat("survey r2 ", survey)),
            "imported 4 survey results\n");
  EXPECT_EQ(
      run(appraiser, absl::StrCat("appraise r2 HN --figures ", demo, "figures.yaml")),
      "appraised 1 entries of HN\n");
  EXPECT_EQ(run(appraiser,
                "appraise r2 LS --ask 'III.1=Giải trình tỷ lệ đúng hạn' --why other"),
            "asked LS to explain 1 criteria\n");
  run(appraiser, "round advance r2 EXPLANATION");
  EXPECT_EQ(run(wards["LS"],
                "explain r2 LS --text 'III.1=Hệ thống tính cả hồ sơ rút' --submit"),
            "explained 1 criteria\nexplanations of LS submitted\n");
  run(appraiser, "round advance r2 FINAL_APPRAISAL");
  EXPECT_EQ(run(appraiser, "appraise r2 LS --reviewed"),
            "marked the explanations of LS as read\n");
  EXPECT_EQ(run(appraiser, "appraise r2 HN --finalise"), "finalised HN\n");
  run(appraiser, "round advance r2 FINALISED");
  EXPECT_EQ(run(appraiser, "round advance r2 PUBLISHED"),
            "round r2 is now in phase PUBLISHED\n");

  parindex::v1::Ranking ranking;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  run(server.tokens["reader"], "ranking r2 --json"), &ranking)
                  .ok());
  auto [eval_code, eval_json] =
      Cli(absl::StrCat("eval --criteria ", demo, "set.yaml --plan ", demo,
                       "plan.yaml --figures ", demo,
                       "figures.yaml --column appraised --json"),
          out);
  ASSERT_EQ(eval_code, 0) << eval_json;
  parindex::v1::Evaluation offline;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(eval_json, &offline).ok());
  ASSERT_EQ(ranking.units_size(), 3);
  for (const parindex::v1::UnitScore& online : ranking.units()) {
    bool found = false;
    for (const parindex::v1::UnitScore& want : offline.units()) {
      if (want.unit() != online.unit()) continue;
      found = true;
      EXPECT_EQ(online.achieved_milli(), want.achieved_milli()) << online.unit();
      if (online.unit() != "HN") {
        // The office appraised nothing of LS (only asked) or MK: finalised, they are
        // FINAL but not appraised, so unranked, where the offline file ranks them.
        EXPECT_TRUE(online.not_appraised()) << online.unit();
        EXPECT_EQ(online.index_hundredths(), 0) << online.unit();
        EXPECT_EQ(online.rank(), 0) << online.unit();
        continue;
      }
      EXPECT_FALSE(online.not_appraised());
      EXPECT_EQ(online.index_hundredths(), want.index_hundredths()) << online.unit();
      EXPECT_EQ(online.rank(), want.rank()) << online.unit();
    }
    EXPECT_TRUE(found) << online.unit();
  }
  const std::string audit =
      run(appraiser, "audit --filter resource=rounds/r2/assessments/HN/entries/I.5");
  EXPECT_EQ(std::count(audit.begin(), audit.end(), '\n'), 2)
      << audit;  // entered, appraised
  kill(server.pid, SIGTERM);
  waitpid(server.pid, nullptr, 0);
  fclose(server.out);
}

TEST(ServerBinary, ServesTls) {
  parindex::testing::TempDir dir;
  const std::string cert = dir.File("cert.pem"), key = dir.File("key.pem");
  ASSERT_EQ(std::system(absl::StrCat(
                            "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "
                            "/CN=localhost -addext subjectAltName=IP:127.0.0.1 -keyout '",
                            key, "' -out '", cert, "' 2>/dev/null")
                            .c_str()),
            0);
  Server server = Start(dir.File("tls.db"), {"--tls-cert", cert, "--tls-key", key});
  ASSERT_FALSE(server.address.empty());
  const std::string out = dir.File("out");
  auto [code, echo] =
      Call(server, server.tokens["reader"], "/parindex.v1.EchoService/Echo",
           R"({"text": "xin chào"})", out, absl::StrCat("--ca '", cert, "'"));
  EXPECT_EQ(code, 0) << echo;
  EXPECT_EQ(echo, "{\n \"text\": \"xin chào\"\n}\n");
  auto [plain, refused] = Call(server, server.tokens["reader"],
                               "/parindex.v1.EchoService/Echo", R"({"text": "x"})", out);
  EXPECT_EQ(plain, 1);
  EXPECT_EQ(refused.rfind("parindex: UNAVAILABLE", 0), 0u) << refused;
  kill(server.pid, SIGTERM);
  int status = 0;
  waitpid(server.pid, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  fclose(server.out);
}

TEST(ServerBinary, TheHttpGatewayAnswersCurlWithTheSameHandlers) {
  parindex::testing::TempDir dir;
  Server server =
      Start(dir.File("http.db"), {"--http", "127.0.0.1:0", "--max-evidence-mb", "1"});
  ASSERT_TRUE(absl::StartsWith(server.http, "http://127.0.0.1:")) << server.http;
  const std::string out = dir.File("body"), appraiser = server.tokens["appraiser"];
  const std::string ranking = server.http + "/parindex.v1.ScoreService/GetRanking";

  auto [ok, json] = Curl(ranking, appraiser,
                         R"({"name": "rounds/hungyen-2023", "block": "wards"})", out);
  EXPECT_EQ(ok, 200) << json;
  EXPECT_TRUE(
      absl::StartsWith(json, R"({"round":"hungyen-2023","column":"APPRAISED","units":[)"))
      << json;
  EXPECT_NE(json.find(R"("unit_name":"Phường Quang Trung")"), std::string::npos) << json;

  // The same answer as gRPC gives, field for field.
  auto [code, via_grpc] =
      Call(server, appraiser, "/parindex.v1.ScoreService/GetRanking",
           R"({"name": "rounds/hungyen-2023", "block": "wards"})", dir.File("grpc"));
  ASSERT_EQ(code, 0) << via_grpc;
  parindex::v1::Ranking from_http, from_grpc;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &from_http).ok());
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(via_grpc, &from_grpc).ok());
  EXPECT_EQ(from_http.SerializeAsString(), from_grpc.SerializeAsString());

  EXPECT_EQ(
      Curl(ranking, "", R"({"name": "rounds/hungyen-2023"})", out),
      std::make_pair(
          401,
          std::string(
              R"({"code": "UNAUTHENTICATED", "message": )"
              R"("missing 'authorization: Bearer \u003ctoken\u003e' metadata", "details": []})"
              "\n")));
  EXPECT_EQ(Curl(server.http + "/parindex.v1.ScoreService/GetUnitScore",
                 server.tokens["ward PLS"],
                 R"({"name": "rounds/hungyen-2023/assessments/PHN"})", out)
                .first,
            403);
  EXPECT_EQ(
      Curl(ranking, appraiser, R"({"name": )", out),
      std::make_pair(
          400,
          std::string(
              R"({"code": "INVALID_ARGUMENT", "message": "body: not a JSON )"
              R"(parindex.v1.GetRankingRequest: Unexpected end of string. Expected a value.", "details": []})"
              "\n")));
  EXPECT_EQ(Curl(ranking, appraiser, R"({"name": "rounds/nope"})", out).first, 404);
  EXPECT_EQ(
      Curl(server.http + "/parindex.v1.ScoreService/Nope", appraiser, "{}", out),
      std::make_pair(
          404, std::string(R"({"code": "NOT_FOUND", "message": )"
                           R"("no method /parindex.v1.ScoreService/Nope", "details": []})"
                           "\n")));

  // Evidence travels as base64, as protobuf's JSON mapping has bytes; a unit that has
  // submitted can no longer attach files.
  EXPECT_EQ(
      Curl(server.http + "/parindex.v1.AssessmentService/UploadEvidence",
           server.tokens["ward PLS"],
           R"({"parent": "rounds/hungyen-2023/assessments/PLS", "criterion": "I.1.1", )"
           R"("evidence": {"file_name": "ke-hoach.pdf"}, "content": "JVBERi0xLjQ="})",
           out),
      std::make_pair(
          400, std::string(R"({"code": "FAILED_PRECONDITION", "message": "round )"
                           R"(hungyen-2023 is in phase SELF_ASSESSMENT and the )"
                           R"(assessment of PLS is SUBMITTED: attaching a file needs )"
                           R"(it to be NOT_STARTED or DRAFT", "details": []})"
                           "\n")));
  auto [upload_code, uploaded] =
      Curl(server.http + "/parindex.v1.AssessmentService/UploadEvidence",
           server.tokens["ward XTH"],
           R"({"parent": "rounds/hungyen-2023/assessments/XTH", "criterion": "I.1.1", )"
           R"("evidence": {"file_name": "C:\\hồ sơ\\ke-hoach.pdf"}, )"
           R"("content": "JVBERi0xLjQ="})",
           out);
  EXPECT_EQ(upload_code, 200);
  EXPECT_TRUE(absl::StartsWith(
      uploaded, R"({"file_name":"ke-hoach.pdf","sha256":)"
                R"("e16fa5d9b51928755db85b917f0297babaf22c7a47e97d9212adab56e61ba04e",)"
                R"("size_bytes":"8","id":"1","uploaded_by":"tok_)"))
      << uploaded;
  EXPECT_FALSE(absl::StrContains(uploaded, "by_office")) << uploaded;  // a ward's file

  // The file comes back as the bytes uploaded, to the unit and the office only.
  const std::string file_url =
      server.http + "/v1/rounds/hungyen-2023/assessments/XTH/evidence/1";
  EXPECT_EQ(Curl(file_url, appraiser, "", out),
            std::make_pair(200, std::string("%PDF-1.4")));
  EXPECT_EQ(Curl(file_url, server.tokens["ward XTH"], "", out).first, 200);
  EXPECT_EQ(Curl(file_url, server.tokens["ward PLS"], "", out).first, 403);
  EXPECT_EQ(Curl(file_url, server.tokens["reader"], "", out).first, 403);
  EXPECT_EQ(Curl(server.http + "/v1/rounds/hungyen-2023/assessments/PHN/evidence/1",
                 appraiser, "", out),
            std::make_pair(404, std::string(R"({"code": "NOT_FOUND", "message": )"
                                            R"("rounds/hungyen-2023/assessments/PHN/)"
                                            R"(evidence/1: not found", "details": []})"
                                            "\n")));

  // A body beyond what the largest evidence file needs (1 MiB as base64, plus 1 MiB) is
  // refused before it is read whole.
  {
    std::ofstream big(dir.File("big.json"));
    big << std::string(3 << 20, ' ') << "{}";
  }
  EXPECT_EQ(
      Curl(server.http + "/parindex.v1.AssessmentService/UploadEvidence",
           server.tokens["ward PLS"], "@" + dir.File("big.json"), out),
      std::make_pair(413, std::string(R"({"code": "RESOURCE_EXHAUSTED", "message": )"
                                      R"("the request body is larger than this )"
                                      R"(server accepts", "details": []})"
                                      "\n")));
  // curl -d sends a form content type, which the HTTP library cuts at 8 KiB: the
  // error says what to send instead (an outside tester met a bare 413).
  {
    std::ofstream form(dir.File("form.json"));
    form << R"({"name": "rounds/hungyen-2023", "block": ")" << std::string(9000, 'x')
         << R"("})";
  }
  const std::string form_cmd =
      absl::StrCat("curl -s -o '", out, "' -w '%{http_code}' -H 'Authorization: Bearer ",
                   appraiser, "' -d @'", dir.File("form.json"), "' ", server.http,
                   "/parindex.v1.ScoreService/GetRanking");
  FILE* form_pipe = popen(form_cmd.c_str(), "r");
  char form_code[8] = {0};
  ASSERT_GT(std::fread(form_code, 1, sizeof(form_code) - 1, form_pipe), 0u);
  pclose(form_pipe);
  EXPECT_STREQ(form_code, "413");
  {
    std::ifstream in(out);
    std::stringstream got;
    got << in.rdbuf();
    EXPECT_EQ(got.str(),
              R"({"code": "RESOURCE_EXHAUSTED", "message": "the request body is larger )"
              R"(than 8 KiB and sent as application/x-www-form-urlencoded (curl -d does )"
              R"(that); send it with Content-Type: application/json", "details": []})"
              "\n");
  }
  // A POST without a body or its length, and a path that is not there: JSON errors.
  const std::string no_body = absl::StrCat(
      "curl -s -X POST -o '", out, "' -w '%{http_code}' -H 'Authorization: Bearer ",
      appraiser, "' ", server.http, "/parindex.v1.RoundService/ListRounds");
  FILE* pipe = popen(no_body.c_str(), "r");
  char http_code[8] = {0};
  ASSERT_GT(std::fread(http_code, 1, sizeof(http_code) - 1, pipe), 0u);
  pclose(pipe);
  EXPECT_EQ(std::string(http_code), "400");
  std::ifstream body(out);
  std::stringstream text;
  text << body.rdbuf();
  EXPECT_EQ(text.str(), R"j({"code": "INVALID_ARGUMENT", "message": "the request could )j"
                        R"j(not be read (a POST needs a JSON body, or Content-Length: )j"
                        R"j(0)", "details": []})j"
                        "\n");
  EXPECT_EQ(
      Curl(server.http + "/v1/nowhere", appraiser, "", out),
      std::make_pair(404, std::string(R"({"code": "NOT_FOUND", "message": "no such )"
                                      R"(path: /v1/nowhere", "details": []})"
                                      "\n")));

  // Report downloads are the files themselves.
  auto [xlsx_code, xlsx] =
      Curl(server.http + "/v1/rounds/hungyen-2023/export.xlsx", appraiser, "", out);
  EXPECT_EQ(xlsx_code, 200);
  EXPECT_EQ(xlsx.substr(0, 2), "PK");
  auto [csv_code, csv] =
      Curl(server.http + "/v1/rounds/hungyen-2023/export.csv", appraiser, "", out);
  EXPECT_EQ(csv_code, 200);
  EXPECT_TRUE(absl::StartsWith(csv, "\xEF\xBB\xBFKh\xE1\xBB\x91i,H\xE1\xBA\xA1ng,"))
      << csv.substr(0, 80);
  EXPECT_EQ(Curl(server.http + "/healthz", "", "", out),
            std::make_pair(200, std::string("ok\n")));

  kill(server.pid, SIGTERM);
  int status = 0;
  waitpid(server.pid, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  fclose(server.out);
}

// /metrics counts what was called, gRPC and HTTP alike, and the rounds' states;
// /readyz answers while the server serves.
// Output and exit status of a shell command.
std::pair<std::string, int> Shell(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  const int status = pclose(pipe);
  return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

// A file past gRPC's default 4 MiB for a received message (the server accepts up to
// --max-evidence-mb) comes back whole through the HTTP gateway and the CLI; it was
// uploaded, answered OK by the server, and refused on its way out by the receiving
// side's default.
TEST(ServerBinary, AFileLargerThan4MiBComesBackWholeOverHttpAndTheCli) {
  parindex::testing::TempDir dir;
  Server server =
      Start(dir.File("big.db"), {"--http", "127.0.0.1:0", "--max-evidence-mb", "6"});
  ASSERT_FALSE(server.http.empty());
  std::string content(5 << 20, '\0');
  for (size_t i = 0; i < content.size(); ++i)
    content[i] = static_cast<char>(i * 2654435761u >> 24);
  {
    std::ofstream body(dir.File("upload.json"));
    body << R"({"parent": "rounds/hungyen-2023/assessments/XTH", "criterion": "I.1.1", )"
         << R"("evidence": {"file_name": "bien-ban.pdf"}, "content": ")"
         << absl::Base64Escape(content) << R"("})";
  }
  const std::string out = dir.File("out");
  auto [code, uploaded] =
      Curl(server.http + "/parindex.v1.AssessmentService/UploadEvidence",
           server.tokens["ward XTH"], "@" + dir.File("upload.json"), out);
  ASSERT_EQ(code, 200) << uploaded;
  ASSERT_TRUE(absl::StrContains(uploaded, R"("size_bytes":"5242880","id":"1",)"))
      << uploaded;
  const std::string name = "rounds/hungyen-2023/assessments/XTH/evidence/1";
  auto [download_code, downloaded] =
      Curl(server.http + "/v1/" + name, server.tokens["appraiser"], "", out);
  EXPECT_EQ(download_code, 200);
  EXPECT_TRUE(downloaded == content) << downloaded.size() << " bytes";
  auto [cli_out, cli_status] =
      Shell(absl::StrCat("'", PARINDEX_CLI, "' call --server ", server.address,
                         " --token ", server.tokens["appraiser"],
                         " /parindex.v1.AssessmentService/GetEvidenceFile '{\"name\": \"",
                         name, "\"}' 2>&1"));
  EXPECT_EQ(cli_status, 0) << cli_out.substr(0, 300);
  EXPECT_TRUE(absl::StrContains(cli_out, absl::Base64Escape(content)))
      << cli_out.substr(0, 300);
}

// A chunked body says no length, and cpp-httplib would read it whole (past the 413
// limit, before the token check): it is refused before it is read.
TEST(ServerBinary, AChunkedBodyIsRefusedBeforeItIsRead) {
  parindex::testing::TempDir dir;
  Server server = Start(dir.File("chunked.db"), {"--http", "127.0.0.1:0"});
  ASSERT_FALSE(server.http.empty());
  {
    std::ofstream body(dir.File("body.json"));
    body << R"({"name": "rounds/hungyen-2023"})";
  }
  auto [answer, status] = Shell(absl::StrCat(
      "curl -s -w ' %{http_code}' -H 'Content-Type: application/json' "
      "-H 'Transfer-Encoding: chunked' --data-binary @'",
      dir.File("body.json"), "' ", server.http, "/parindex.v1.ScoreService/GetRanking"));
  EXPECT_EQ(status, 0);
  EXPECT_EQ(
      answer,
      R"({"code": "INVALID_ARGUMENT", "message": "the request body is sent in )"
      R"(chunks (Transfer-Encoding: chunked); send it whole, with Content-Length", )"
      R"("details": []})"
      "\n 411");
  // With its length, the same request is read (and asks for a token).
  EXPECT_EQ(Curl(server.http + "/parindex.v1.ScoreService/GetRanking", "",
                 R"({"name": "rounds/hungyen-2023"})", dir.File("out"))
                .first,
            401);
}

TEST(ServerBinary, TheHttpPortServesMetricsAndReadiness) {
  parindex::testing::TempDir dir;
  Server server = Start(dir.File("metrics.db"), {"--http", "127.0.0.1:0"});
  ASSERT_FALSE(server.http.empty());
  const std::string out = dir.File("out");
  EXPECT_EQ(Curl(server.http + "/readyz", "", "", out),
            std::make_pair(200, std::string("ready\n")));
  const std::string ranking = server.http + "/parindex.v1.ScoreService/GetRanking";
  const std::string round = R"({"name": "rounds/hungyen-2023"})";
  EXPECT_EQ(Curl(ranking, server.tokens["appraiser"], round, out).first, 200);
  EXPECT_EQ(Curl(ranking, "", round, out).first, 401);
  EXPECT_EQ(Call(server, server.tokens["appraiser"],
                 "/parindex.v1.ScoreService/GetRanking", round, out)
                .first,
            0);
  auto metrics = [&] {
    auto [code, text] = Curl(server.http + "/metrics", "", "", out);
    EXPECT_EQ(code, 200);
    return text;
  };
  auto value = [](const std::string& text, const std::string& series) {
    const size_t at = text.find("\n" + series + " ");
    if (at == std::string::npos) return std::string("(absent)");
    const size_t start = at + series.size() + 2;
    return text.substr(start, text.find('\n', start) - start);
  };
  std::string text = metrics();
  const std::string method = R"(method="/parindex.v1.ScoreService/GetRanking")";
  EXPECT_EQ(value(text, absl::StrCat("parindex_rpc_total{", method, R"(,code="OK"})")),
            "2");
  EXPECT_EQ(value(text, absl::StrCat("parindex_rpc_total{", method,
                                     R"(,code="UNAUTHENTICATED"})")),
            "1");
  EXPECT_EQ(value(text, absl::StrCat("parindex_rpc_duration_seconds_bucket{", method,
                                     R"(,le="+Inf"})")),
            "3");
  EXPECT_EQ(
      value(
          text,
          R"(parindex_round_phase{round="hungyen-2023",phase="PHASE_SELF_ASSESSMENT"})"),
      "1");
  EXPECT_EQ(
      value(text,
            R"(parindex_round_units{round="hungyen-2023",state="STATE_SUBMITTED"})"),
      "14");
  EXPECT_EQ(
      value(text, R"(parindex_round_units{round="hungyen-2023",state="STATE_DRAFT"})"),
      "3");
  EXPECT_EQ(value(text, "parindex_store_write_queue_depth"), "0");
  // One more acknowledged write: one more in the store's count and in the states.
  const std::string writes = value(text, "parindex_store_writes_total");
  EXPECT_EQ(Curl(server.http + "/parindex.v1.AssessmentService/SubmitAssessment",
                 server.tokens["ward XTH"],
                 R"({"name": "rounds/hungyen-2023/assessments/XTH", "etag": "1"})", out)
                .first,
            200);
  text = metrics();
  EXPECT_EQ(value(text, "parindex_store_writes_total"),
            std::to_string(std::stoll(writes) + 1));
  EXPECT_EQ(
      value(text,
            R"(parindex_round_units{round="hungyen-2023",state="STATE_SUBMITTED"})"),
      "15");
  EXPECT_EQ(parindex::testing::Stop(server), 0);
}

// The first admin of a deployment: a secret from a file (a Kubernetes secret, say) is
// an admin token, once, however often the server restarts.
TEST(ServerBinary, AcceptsAnAdminTokenFromAFile) {
  parindex::testing::TempDir dir;
  const std::string secret = "k8s-secret-0123456789-abcdefghijklmnop";
  std::ofstream(dir.File("admin")) << secret << "\n";
  const std::string out = dir.File("out.json");
  for (int start = 0; start < 2; ++start) {
    Server server = Start(dir.File("boot.db"), {"--admin-token-file", dir.File("admin")});
    auto [code, json] =
        Call(server, secret, "/parindex.v1.TokenService/ListTokens", "{}", out);
    ASSERT_EQ(code, 0) << json;
    int imported = 0;
    for (size_t at = 0; (at = json.find("--admin-token-file", at)) != std::string::npos;
         ++at) {
      ++imported;
    }
    EXPECT_EQ(imported, 1) << json;
    EXPECT_EQ(parindex::testing::Stop(server), 0);
  }
  std::ofstream(dir.File("short")) << "too-short";
  const std::string cmd = absl::StrCat("'", PARINDEX_SERVER, "' serve --db '",
                                       dir.File("short.db"), "' --admin-token-file '",
                                       dir.File("short"), "' 2>'", dir.File("err"), "'");
  EXPECT_EQ(WEXITSTATUS(std::system(cmd.c_str())), 1);
  std::ifstream in(dir.File("err"));
  std::stringstream err;
  err << in.rdbuf();
  EXPECT_EQ(err.str(),
            absl::StrCat("parindex-server: INVALID_ARGUMENT: --admin-token-file ",
                         dir.File("short"),
                         ": a token secret needs at least 32 characters, got 9\n"));
}

TEST(ServerBinary, RefusesPlaintextOffLoopback) {
  // 0.0.0.0 listens everywhere; the others are names that only look like loopback.
  for (const std::string listen :
       {"0.0.0.0:0", "127.0.0.1.nip.io:0", "localhost.example:0", "127.0.0.256:0"}) {
    parindex::testing::TempDir dir;
    const std::string cmd =
        absl::StrCat("'", PARINDEX_SERVER, "' serve --db '", dir.File("x.db"),
                     "' --listen ", listen, " 2>'", dir.File("err"), "'");
    const int status = std::system(cmd.c_str());
    EXPECT_EQ(WEXITSTATUS(status), 1) << listen;
    std::ifstream in(dir.File("err"));
    std::stringstream err;
    err << in.rdbuf();
    EXPECT_EQ(err.str(),
              absl::StrCat("parindex-server: FAILED_PRECONDITION: --listen ", listen,
                           " is not a loopback address: give --tls-cert and "
                           "--tls-key, or --insecure to serve plaintext anyway\n"));
  }
}

}  // namespace