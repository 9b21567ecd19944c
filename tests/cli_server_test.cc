// The real `parindex` against the real parindex-server (the demo round): what a new user
// meets, each case with its exact output and exit status (issue 17's command line), and
// signing in on the command line (issue 15).
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "parindex/v1/score.pb.h"
#include "parindex/v1/service.pb.h"
#include "tests/server_process.h"
#include "tests/store_test_util.h"

namespace {

using parindex::testing::Server;

struct Result {
  int code = -1;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

template <typename Message>
Message FromJson(const std::string& json) {
  Message message;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &message).ok()) << json;
  return message;
}

class CliServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = parindex::testing::Start(dir_.File("cli.db"), {"--http", "127.0.0.1:0"});
    ASSERT_FALSE(server_.address.empty());
    ASSERT_FALSE(server_.http.empty());
  }
  void TearDown() override { EXPECT_EQ(parindex::testing::Stop(server_), 0); }

  // `parindex ARGS` (shell-quoted) from the source directory with none of the user's
  // settings: no PARINDEX_* variables, the config directory in the test's directory;
  // `env` ("A=b") before it, `input` on its stdin.
  Result Parindex(const std::string& args, const std::string& env = "",
                  const std::string& input = "") {
    std::ofstream(dir_.File("in")) << input;
    const std::string cmd = absl::StrCat(
        "cd '", PARINDEX_SOURCE_DIR,
        "' && env -u PARINDEX_SERVER -u PARINDEX_TOKEN -u PARINDEX_CA -u PARINDEX_CONFIG "
        "XDG_CONFIG_HOME='",
        ConfigHome(), "' ", env, " '", PARINDEX_CLI, "' ", args, " <'", dir_.File("in"),
        "' >'", dir_.File("out"), "' 2>'", dir_.File("err"), "'");
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(dir_.File("out")),
            Slurp(dir_.File("err"))};
  }
  // The flags that call as the demo's token `who` ("appraiser", "ward XTH").
  std::string As(const std::string& who) {
    return absl::StrCat("--server ", server_.address, " --token '", server_.tokens[who],
                        "' ");
  }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.File(name)) << text;
    return dir_.File(name);
  }
  std::string ConfigHome() const { return dir_.File("config"); }
  std::string SessionFile() const { return dir_.File("config/parindex/session"); }

  parindex::testing::TempDir dir_;
  Server server_;
};

constexpr char kDemoFiles[] =
    "--criteria criteria/sets/commune-2025.yaml --plan criteria/plans/hungyen-2023.yaml "
    "--figures criteria/rounds/hungyen-2023/figures.yaml";

// A unit's rank is among its block's units: out of the block's size where the files
// give it, without it where the server's score does not; a preview has none.
TEST_F(CliServerTest, RanksAreAmongTheBlocksUnitsAndAPreviewHasNone) {
  const Result offline = Parindex(absl::StrCat("eval ", kDemoFiles, " --unit XTH"));
  ASSERT_EQ(offline.code, 0) << offline.err;
  EXPECT_NE(
      offline.out.find("\n  index 88.88, class B, rank 3 of 10 in block communes\n"),
      std::string::npos)
      << offline.out;
  const Result score =
      Parindex(absl::StrCat(As("appraiser"), "score hungyen-2023 XTH --column self"));
  ASSERT_EQ(score.code, 0) << score.err;
  EXPECT_NE(score.out.find("\n  index 88.88, class B, rank 3 in block communes\n"),
            std::string::npos)
      << score.out;
  // The ward itself gets no rank before the round is published.
  const Result own =
      Parindex(absl::StrCat(As("ward XTH"), "score hungyen-2023 XTH --column self"));
  ASSERT_EQ(own.code, 0) << own.err;
  EXPECT_NE(own.out.find("\n  index 88.88, class B\n"), std::string::npos) << own.out;
  const std::string sheet = Write("xth.csv", "unit,element,value\nXTH,resolved,784\n");
  const Result preview = Parindex(absl::StrCat(
      As("ward XTH"), "submit hungyen-2023 XTH --figures '", sheet, "' --dry-run"));
  ASSERT_EQ(preview.code, 0) << preview.err;
  EXPECT_NE(preview.out.find("\n  index 88.88, class B\n\n"), std::string::npos)
      << preview.out;
  EXPECT_EQ(preview.out.find("rank"), std::string::npos) << preview.out;
}

// `make eval` scores the round `make run` serves: the same figures, the same totals.
// `call` makes unary calls: a streaming method is named with the command that streams
// it, at once (it waited for its deadline when the answer came in pieces).
TEST_F(CliServerTest, CallNamesTheCommandForAStreamingMethod) {
  Result run = Parindex(absl::StrCat(As("appraiser"),
                                     "call /parindex.v1.ReportService/StreamExportRound ",
                                     "'{\"name\": \"rounds/hungyen-2023\", \"format\": "
                                     "\"CSV\", \"table\": \"ranking\"}'"));
  EXPECT_NE(run.code, 0);
  EXPECT_NE(
      run.err.find("/parindex.v1.ReportService/StreamExportRound: answers a stream, "
                   "and `parindex call` makes unary calls only; use parindex export"),
      std::string::npos)
      << run.err;
  run = Parindex(absl::StrCat(As("appraiser"),
                              "call /parindex.v1.RecordService/ImportDossiers '{}'"));
  EXPECT_NE(run.code, 0);
  EXPECT_NE(run.err.find("takes a stream, and `parindex call` makes unary calls only; "
                         "use parindex records import"),
            std::string::npos)
      << run.err;
}

TEST_F(CliServerTest, TheOfflineDemoIsTheServersRound) {
  const Result offline = Parindex(absl::StrCat("eval ", kDemoFiles, " --json"));
  ASSERT_EQ(offline.code, 0) << offline.err;
  const auto evaluation = FromJson<parindex::v1::Evaluation>(offline.out);
  const Result online = Parindex(
      absl::StrCat(As("appraiser"), "call /parindex.v1.ScoreService/GetRanking ",
                   "'{\"name\": \"rounds/hungyen-2023\", \"column\": \"SELF\"}'"));
  ASSERT_EQ(online.code, 0) << online.err;
  const auto ranking = FromJson<parindex::v1::Ranking>(online.out);
  ASSERT_EQ(evaluation.units_size(), 17);
  ASSERT_EQ(ranking.units_size(), 17);
  for (const parindex::v1::UnitScore& want : evaluation.units()) {
    int found = 0;
    for (const parindex::v1::UnitScore& got : ranking.units()) {
      if (got.unit() != want.unit()) continue;
      ++found;
      EXPECT_EQ(got.achieved_milli(), want.achieved_milli()) << want.unit();
      EXPECT_EQ(got.index_hundredths(), want.index_hundredths()) << want.unit();
      EXPECT_EQ(got.rank(), want.rank()) << want.unit();
      if (want.unit() == "XTH") {
        EXPECT_EQ(got.index_hundredths(), 8888);
      }
    }
    EXPECT_EQ(found, 1) << want.unit();
  }
}

// Flags, else PARINDEX_* variables, else the config file (--config or PARINDEX_CONFIG).
TEST_F(CliServerTest, ConnectionSettingsComeFromFlagsEnvironmentAndConfigInThatOrder) {
  const std::string config =
      Write("parindex.toml",
            absl::StrCat("# the appraiser's\nserver = \"", server_.address,
                         "\"\ntoken = \"", server_.tokens["appraiser"], "\"\n"));
  const Result from_env = Parindex("ranking hungyen-2023 --block wards",
                                   absl::StrCat("PARINDEX_CONFIG='", config, "'"));
  ASSERT_EQ(from_env.code, 0) << from_env.err;
  EXPECT_EQ(from_env.out.substr(0, from_env.out.find('\n')), "Ranking, block wards");
  // PARINDEX_TOKEN before the file's token.
  const Result token_first = Parindex(
      "ranking hungyen-2023 --block wards",
      absl::StrCat("PARINDEX_CONFIG='", config, "' PARINDEX_TOKEN=pi_not_a_token"));
  EXPECT_EQ(token_first.code, 1);
  EXPECT_EQ(token_first.out, "");
  EXPECT_EQ(token_first.err, "parindex: UNAUTHENTICATED: unknown or revoked token\n");
  const Result missing =
      Parindex("ranking hungyen-2023", "PARINDEX_CONFIG=/nonexistent/parindex.toml");
  EXPECT_EQ(missing.code, 1);
  EXPECT_EQ(missing.err,
            "parindex: NOT_FOUND: PARINDEX_CONFIG=/nonexistent/parindex.toml: cannot "
            "open the file\n");
  const std::string typo = Write("typo.toml", "server = \"x\"\ntokn = \"pi_x\"\n");
  const Result unknown = Parindex(absl::StrCat("--config '", typo, "' ranking r"));
  EXPECT_EQ(unknown.code, 1);
  EXPECT_EQ(unknown.err, absl::StrCat("parindex: INVALID_ARGUMENT: ", typo,
                                      ":2: unknown key 'tokn' (server, token, ca)\n"));
}

// More events than one page (the server's pages hold 1,000): all of them.
TEST_F(CliServerTest, AuditListsEveryEvent) {
  const Result page = Parindex(absl::StrCat(
      As("appraiser"),
      "call /parindex.v1.AuditService/ListAuditEvents '{\"page_size\": 1000}'"));
  ASSERT_EQ(page.code, 0) << page.err;
  const auto first = FromJson<parindex::v1::ListAuditEventsResponse>(page.out);
  ASSERT_EQ(first.events_size(), 1000);
  ASSERT_FALSE(first.next_page_token().empty());
  const Result second = Parindex(absl::StrCat(
      As("appraiser"), "call /parindex.v1.AuditService/ListAuditEvents '{\"page_size\": ",
      "1000, \"page_token\": \"", first.next_page_token(), "\"}'"));
  ASSERT_EQ(second.code, 0) << second.err;
  const auto rest = FromJson<parindex::v1::ListAuditEventsResponse>(second.out);
  ASSERT_TRUE(rest.next_page_token().empty());
  const int total = 1000 + rest.events_size();

  const Result table = Parindex(absl::StrCat(As("appraiser"), "audit"));
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_EQ(std::count(table.out.begin(), table.out.end(), '\n'), total);
  const Result json = Parindex(absl::StrCat(As("appraiser"), "audit --json"));
  ASSERT_EQ(json.code, 0) << json.err;
  const auto all = FromJson<parindex::v1::ListAuditEventsResponse>(json.out);
  ASSERT_EQ(all.events_size(), total);
  EXPECT_EQ(all.events(1000).id(), rest.events(0).id());
  // The table is for people: the time in Vietnam time (UTC+7), the actor by name
  // ("setup" loads the demo); --json keeps RFC 3339 UTC.
  absl::Time at;
  std::string error;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, all.events(0).at(), &at, &error));
  EXPECT_EQ(table.out.substr(0, table.out.find('\n')),
            absl::StrCat(absl::FormatTime("%d/%m/%Y %H:%M:%S", at,
                                          absl::FixedTimeZone(7 * 60 * 60)),
                         "  setup                    criteria_set.add   "
                         "criteriaSets/commune-2025/versions/1"));
}

TEST_F(CliServerTest, AnUnknownBlockIsAnErrorNamingTheKnownOnes) {
  const Result run =
      Parindex(absl::StrCat(As("appraiser"), "ranking hungyen-2023 --block nope"));
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err,
            "parindex: NOT_FOUND: block: 'nope' is not a block of round hungyen-2023 "
            "(its blocks: communes, wards)\n");
}

// A ward's token cannot appraise, not even its own form while it may edit it (the
// appraised values would have gone to its own side): refused before anything is sent.
TEST_F(CliServerTest, AWardCannotAppraiseItsOwnForm) {
  auto form = [&]() {
    const Result got = Parindex(absl::StrCat(
        As("appraiser"), "call /parindex.v1.AssessmentService/GetAssessment ",
        "'{\"name\": \"rounds/hungyen-2023/assessments/XTH\"}'"));
    EXPECT_EQ(got.code, 0) << got.err;
    auto a = FromJson<parindex::v1::Assessment>(got.out);
    a.clear_actions();
    return a.SerializeAsString();
  };
  const std::string before = form();
  const std::string figures = Write(
      "xth.yaml",
      "units:\n  - code: XTH\n    values:\n      resolved_on_time: {appraised: 381}\n"
      "    entries:\n      I.5: {appraised: {score: 0.5}}\n");
  const Result refused = Parindex(absl::StrCat(
      As("ward XTH"), "appraise hungyen-2023 XTH --figures '", figures, "'"));
  EXPECT_EQ(refused.code, 1);
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(
      refused.err,
      "parindex: PERMISSION_DENIED: round hungyen-2023 is in phase SELF_ASSESSMENT "
      "and the assessment of XTH is DRAFT: --figures: a ward token may not appraise "
      "(the appraised side is the Home Affairs office's); nothing was done\n");
  EXPECT_EQ(form(), before);
}

// A unit asked already may be asked about more criteria until the explanation phase
// (the server's rule; the CLI once refused it with a rule of its own).
TEST_F(CliServerTest, AppraiseAsksAnAskedUnitAboutMoreCriteria) {
  const Result advanced =
      Parindex(absl::StrCat(As("appraiser"), "round advance hungyen-2023 APPRAISAL"));
  ASSERT_EQ(advanced.code, 0) << advanced.err;
  for (const char* ask : {"I.5=Bổ sung văn bản", "III.2.1=Giải trình tỷ lệ đúng hạn"}) {
    const Result asked =
        Parindex(absl::StrCat(As("appraiser"), "appraise hungyen-2023 PLS --ask '", ask,
                              "' --why missing_evidence"));
    EXPECT_EQ(asked.code, 0) << asked.err;
    EXPECT_EQ(asked.out, "asked PLS to explain 1 criteria\n");
  }
  const Result got = Parindex(
      absl::StrCat(As("appraiser"), "call /parindex.v1.AssessmentService/GetAssessment ",
                   "'{\"name\": \"rounds/hungyen-2023/assessments/PLS\"}'"));
  ASSERT_EQ(got.code, 0) << got.err;
  const auto form = FromJson<parindex::v1::Assessment>(got.out);
  EXPECT_EQ(form.state(), parindex::v1::STATE_EXPLANATION_REQUESTED);
  std::map<std::string, std::string> asked;
  for (const auto& e : form.entries()) {
    if (!e.explanation_request().empty()) asked[e.criterion()] = e.explanation_request();
  }
  EXPECT_EQ(asked,
            (std::map<std::string, std::string>{
                {"I.5", "Bổ sung văn bản"}, {"III.2.1", "Giải trình tỷ lệ đúng hạn"}}));
  // The form says what the caller may do now, by the server's rules: asking and
  // appraising, not finalising (FINAL_APPRAISAL) nor submitting (a ward's).
  std::map<std::string, std::string> checks;
  for (const auto& a : form.actions()) {
    checks[a.action()] = a.allowed() ? "yes" : absl::StrCat(a.code(), " ", a.refusal());
  }
  EXPECT_EQ(checks["RequestExplanation"], "yes");
  EXPECT_EQ(checks["BatchUpdateEntries"], "yes");
  EXPECT_EQ(checks["FinaliseAssessment"],
            "9 finalising a unit is allowed in FINAL_APPRAISAL");
  EXPECT_EQ(checks["SubmitAssessment"],
            "7 an appraiser token may not call "
            "/parindex.v1.AssessmentService/SubmitAssessment");
  EXPECT_EQ(checks["AppraiseEntries"], "yes");
  EXPECT_EQ(checks.size(), 11u);

  // Questions the server would refuse stop the command before any figure is stored;
  // a criterion asked twice on the command line is a mistake, not the last one kept.
  const std::string figures =
      Write("pls.yaml",
            "units:\n  - code: PLS\n    entries:\n      I.5: {appraised: "
            "{score: 0.5}}\n");
  Result refused =
      Parindex(absl::StrCat(As("appraiser"), "appraise hungyen-2023 PLS ", "--figures '",
                            figures, "' --ask 'X.9=Giải trình' --why other"));
  EXPECT_EQ(refused.code, 1);
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(refused.err,
            "parindex: INVALID_ARGUMENT: --ask: messages[X.9]: not a criterion to fill "
            "in; nothing was done\n");
  refused =
      Parindex(absl::StrCat(As("appraiser"), "appraise hungyen-2023 PLS --figures '",
                            figures, "' --ask 'I.5=   ' --why other"));
  EXPECT_EQ(refused.err,
            "parindex: INVALID_ARGUMENT: --ask: messages[I.5]: say what to explain; "
            "nothing was done\n");
  refused = Parindex(absl::StrCat(As("appraiser"),
                                  "appraise hungyen-2023 PLS --ask I.5=x --ask I.5=y "
                                  "--why other"));
  EXPECT_EQ(refused.code, 1);
  EXPECT_EQ(refused.err, "parindex: INVALID_ARGUMENT: --ask: I.5 is given twice\n");
  const Result after = Parindex(
      absl::StrCat(As("appraiser"), "call /parindex.v1.AssessmentService/GetAssessment ",
                   "'{\"name\": \"rounds/hungyen-2023/assessments/PLS\"}'"));
  ASSERT_EQ(after.code, 0) << after.err;
  int i5 = 0;
  const auto stored = FromJson<parindex::v1::Assessment>(after.out);
  for (const auto& e : stored.entries()) {
    if (e.criterion() != "I.5") continue;
    ++i5;
    EXPECT_FALSE(e.has_appraised());
    EXPECT_EQ(e.explanation_request(), "Bổ sung văn bản");
  }
  EXPECT_EQ(i5, 1);
}

// `appraise --figures … --ask …` where asking is refused stores nothing; the unit's
// name and kind need not be repeated in the file.
TEST_F(CliServerTest, AppraiseDoesNothingWhenAnyPartWouldBeRefused) {
  for (const char* phase : {"APPRAISAL", "EXPLANATION"}) {
    const Result advanced =
        Parindex(absl::StrCat(As("appraiser"), "round advance hungyen-2023 ", phase));
    ASSERT_EQ(advanced.code, 0) << advanced.err;
  }
  const std::string figures =
      Write("appraised.yaml",
            "units:\n  - code: PLS\n    entries:\n      I.5: {appraised: {score: 1}}\n");
  Result refused =
      Parindex(absl::StrCat(As("appraiser"), "appraise hungyen-2023 PLS --figures '",
                            figures, "' --ask 'III.2.1=Giải trình tỷ lệ đúng hạn'"));
  EXPECT_EQ(refused.code, 1);
  EXPECT_EQ(refused.err,  // an explanation request carries its reason
            "parindex: INVALID_ARGUMENT: --why: give the reason for --ask: "
            "missing_evidence, figures_mismatch, wrong_period or other\n");
  refused = Parindex(
      absl::StrCat(As("appraiser"), "appraise hungyen-2023 PLS --figures '", figures,
                   "' --ask 'III.2.1=Giải trình tỷ lệ đúng hạn' --why often"));
  EXPECT_EQ(refused.err,
            "parindex: INVALID_ARGUMENT: --why: 'often' is not: missing_evidence, "
            "figures_mismatch, wrong_period or other\n");
  refused = Parindex(absl::StrCat(As("appraiser"),
                                  "appraise hungyen-2023 PLS --figures '", figures,
                                  "' --ask 'III.2.1=Giải trình tỷ lệ đúng hạn' "
                                  "--why figures_mismatch"));
  EXPECT_EQ(refused.code, 1);
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(refused.err,
            "parindex: FAILED_PRECONDITION: round hungyen-2023 is in phase EXPLANATION "
            "and the assessment of PLS is SUBMITTED: --ask: requesting explanations is "
            "allowed in APPRAISAL; nothing was done\n");
  // Explanations read are those of an EXPLAINED unit: PLS never was asked.
  refused = Parindex(absl::StrCat(
      As("appraiser"), "appraise hungyen-2023 PLS --figures '", figures, "' --reviewed"));
  EXPECT_EQ(refused.code, 1);
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(refused.err,
            "parindex: FAILED_PRECONDITION: round hungyen-2023 is in phase EXPLANATION "
            "and the assessment of PLS is SUBMITTED: --reviewed: marking explanations as "
            "read needs it to be EXPLAINED; nothing was done\n");
  // Another role's action: the server's answer, PERMISSION_DENIED, before its phase.
  refused =
      Parindex(absl::StrCat(As("ward XTH"), "appraise hungyen-2023 XTH --reviewed"));
  EXPECT_EQ(refused.code, 1);
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(refused.err,
            "parindex: PERMISSION_DENIED: round hungyen-2023 is in phase EXPLANATION and "
            "the assessment of XTH is DRAFT: --reviewed: a ward token may not call "
            "/parindex.v1.AssessmentService/ReviewExplanation; nothing was done\n");
  auto appraised_i5 = [&]() {
    const Result got = Parindex(absl::StrCat(
        As("appraiser"), "call /parindex.v1.AssessmentService/GetAssessment ",
        "'{\"name\": \"rounds/hungyen-2023/assessments/PLS\"}'"));
    EXPECT_EQ(got.code, 0) << got.err;
    const auto assessment = FromJson<parindex::v1::Assessment>(got.out);
    for (const auto& e : assessment.entries()) {
      if (e.criterion() == "I.5" && e.has_appraised()) return true;
    }
    return false;
  };
  EXPECT_FALSE(appraised_i5());
  const Result alone = Parindex(absl::StrCat(
      As("appraiser"), "appraise hungyen-2023 PLS --figures '", figures, "'"));
  EXPECT_EQ(alone.code, 0) << alone.err;
  EXPECT_EQ(alone.out, "appraised 1 entries of PLS\n");
  EXPECT_TRUE(appraised_i5());
  // A data-sheet value the office appraises (`values: x: {appraised: …}`) is stored on
  // its side, with the entries of the same file.
  const std::string values =
      Write("values.yaml",
            "units:\n  - code: PLS\n    values:\n      visits: {appraised: 800}\n"
            "    entries:\n      I.5: {appraisal_comment: Đã đối chiếu sổ}\n");
  const Result both = Parindex(absl::StrCat(
      As("appraiser"), "appraise hungyen-2023 PLS --figures '", values, "'"));
  EXPECT_EQ(both.code, 0) << both.err;
  EXPECT_EQ(both.out,
            "appraised 1 data sheet values of PLS\nappraised 1 entries of PLS\n");
  {
    const Result got = Parindex(absl::StrCat(
        As("appraiser"), "call /parindex.v1.AssessmentService/GetAssessment ",
        "'{\"name\": \"rounds/hungyen-2023/assessments/PLS\"}'"));
    ASSERT_EQ(got.code, 0) << got.err;
    int64_t visits = -1;
    const auto assessment = FromJson<parindex::v1::Assessment>(got.out);
    for (const auto& v : assessment.values()) {
      if (v.element() == "visits") visits = v.appraised().count();
    }
    EXPECT_EQ(visits, 800);
  }
  // The server refusing the entries after the values were stored says what was done.
  const std::string half =
      Write("half.yaml",
            "units:\n  - code: PLS\n    values:\n      visits: {appraised: 801}\n"
            "    entries:\n      I.5: {appraised: {score: 9}}\n");
  const Result refused_entries = Parindex(
      absl::StrCat(As("appraiser"), "appraise hungyen-2023 PLS --figures '", half, "'"));
  EXPECT_EQ(refused_entries.code, 1);
  EXPECT_EQ(refused_entries.out, "");
  EXPECT_EQ(refused_entries.err,
            "parindex: INVALID_ARGUMENT: updates[0].entry.appraised.score: 9 is outside "
            "0..1.5 for criterion I.5 (already done: appraised 1 data sheet values of "
            "PLS)\n");
  // Offline scoring needs the unit's kind: said at the unit.
  const Result offline = Parindex(absl::StrCat(
      "eval --criteria criteria/sets/commune-2025.yaml --figures '", figures, "'"));
  EXPECT_EQ(offline.code, 1);
  EXPECT_EQ(offline.err,
            absl::StrCat("parindex: INVALID_ARGUMENT: ", figures,
                         ":2:5: unit PLS: name: needed to score offline (a server knows "
                         "its units: submit and appraise do without)\n"));
}

// An entry the server refuses is named as the file's entry, at its line and column,
// with its criterion (survey entries, left to the office, are not sent: the file's
// index is not the request's).
TEST_F(CliServerTest, SubmitErrorsNameTheFilesEntryAndCriterion) {
  const std::string figures = Write("xth.yaml",
                                    "units:\n  - code: XTH\n    entries:\n"
                                    "      VIII.1: {survey: {percent: 80}}\n"
                                    "      I.4: {comment: Đã kiện toàn}\n"
                                    "      I.5: {score: 1, explanation: Vì sao}\n");
  const Result run = Parindex(
      absl::StrCat(As("ward XTH"), "submit hungyen-2023 XTH --figures '", figures, "'"));
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(
      run.err,
      absl::StrCat("parindex: FAILED_PRECONDITION: ", figures,
                   ":6:12: entries[2]: criterion I.5: round hungyen-2023 is in phase "
                   "SELF_ASSESSMENT and the assessment of XTH is DRAFT: editing the "
                   "self-assessment writes self, comment, evidence, not "
                   "'explanation'\n"));
  const std::string unknown = Write("unknown.yaml",
                                    "units:\n  - code: XTH\n    entries:\n"
                                    "      VIII.1: {survey: {percent: 80}}\n"
                                    "      Z.9: {score: 1}\n");
  const Result preview = Parindex(absl::StrCat(
      As("ward XTH"), "submit hungyen-2023 XTH --figures '", unknown, "' --dry-run"));
  EXPECT_EQ(preview.code, 1);
  EXPECT_EQ(preview.err, absl::StrCat("parindex: INVALID_ARGUMENT: ", unknown,
                                      ":5:12: entries[1].criterion: criterion Z.9: "
                                      "unknown criterion 'Z.9'\n"));
}

// The same set again is the version stored; `version:` is the version asked for.
TEST_F(CliServerTest, ACriteriaSetUploadedAgainIsTheStoredVersion) {
  const std::string set =
      Slurp(std::string(PARINDEX_SOURCE_DIR) + "/criteria/sets/commune-2025.yaml");
  const Result same = Parindex(
      absl::StrCat(As("admin"), "criteria upload criteria/sets/commune-2025.yaml"));
  EXPECT_EQ(same.code, 0) << same.err;
  EXPECT_EQ(same.out,
            "criteria set commune-2025 version 1 is already stored with the same "
            "content: nothing changed\n");
  std::string edited = set;
  edited.replace(edited.find("\ntitle: "), 8, "\ntitle: Sửa đổi – ");
  const std::string v1 = Write("v1.yaml", edited);
  const Result taken = Parindex(absl::StrCat(As("admin"), "criteria upload '", v1, "'"));
  EXPECT_EQ(taken.code, 1);
  EXPECT_EQ(taken.err,
            "parindex: ALREADY_EXISTS: version: criteria set commune-2025 version 1 is "
            "stored with other content (a stored version never changes): give version: 2 "
            "for the new one\n");
  edited.replace(edited.find("\nversion: 1\n"), 12, "\nversion: 2\n");
  const std::string v2 = Write("v2.yaml", edited);
  const Result stored = Parindex(absl::StrCat(As("admin"), "criteria upload '", v2, "'"));
  EXPECT_EQ(stored.code, 0) << stored.err;
  EXPECT_EQ(stored.out, "stored criteria set commune-2025 version 2\n");
  const Result again = Parindex(absl::StrCat(As("admin"), "criteria upload '", v2, "'"));
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(again.out,
            "criteria set commune-2025 version 2 is already stored with the same "
            "content: nothing changed\n");
  edited.replace(edited.find("\nversion: 2\n"), 12, "\nversion: 5\n");
  const std::string v5 = Write("v5.yaml", edited);
  const Result skipped =
      Parindex(absl::StrCat(As("admin"), "criteria upload '", v5, "'"));
  EXPECT_EQ(skipped.code, 1);
  EXPECT_EQ(
      skipped.err,
      "parindex: INVALID_ARGUMENT: version: 5 would skip versions: the next version "
      "of criteria set commune-2025 is 3\n");
  const Result list =
      Parindex(absl::StrCat(As("admin"),
                            "call /parindex.v1.CriteriaService/ListCriteriaSets "
                            "'{\"filter\": \"id=commune-2025\"}'"));
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_EQ(
      FromJson<parindex::v1::ListCriteriaSetsResponse>(list.out).criteria_sets_size(), 2);
}

TEST_F(CliServerTest, AGetOnAnApiPathIsMethodNotAllowed) {
  const auto [status, body] = parindex::testing::Curl(
      absl::StrCat(server_.http, "/parindex.v1.ScoreService/GetRanking"),
      server_.tokens["appraiser"], "", dir_.File("body"));
  EXPECT_EQ(status, 405);
  EXPECT_EQ(
      body,
      "{\"code\": \"UNIMPLEMENTED\", \"message\": "
      "\"/parindex.v1.ScoreService/GetRanking: API methods are called with POST and "
      "a JSON body\", \"details\": []}\n");
}

// login, passwd after a one-time password, whoami, an ended session, logout; the
// session file is its owner's only.
TEST_F(CliServerTest, LoginKeepsASessionOnlyItsOwnerCanRead) {
  const Result created = Parindex(absl::StrCat(
      As("admin"), "call /parindex.v1.AccountService/CreateAccount '{\"username\": ",
      "\"hoa.tran\", \"full_name\": \"Trần Thị Hoa\", \"role\": \"ROLE_APPRAISER\", "
      "\"scope\": \"*\"}'"));
  ASSERT_EQ(created.code, 0) << created.err;
  const std::string otp =
      FromJson<parindex::v1::CreateAccountResponse>(created.out).one_time_password();
  const std::string at = absl::StrCat("--server ", server_.address, " ");

  // A wrong password leaves nothing behind.
  const Result wrong = Parindex(absl::StrCat(at, "login hoa.tran"), "", "not it\n");
  EXPECT_EQ(wrong.code, 1);
  EXPECT_EQ(wrong.err,
            "parindex: UNAUTHENTICATED: wrong username or password, or too many failed "
            "attempts: wait 15 minutes\n");
  EXPECT_FALSE(std::filesystem::exists(SessionFile()));

  const Result login = Parindex(absl::StrCat(at, "login hoa.tran"), "", otp + "\n");
  ASSERT_EQ(login.code, 0) << login.err;
  EXPECT_TRUE(absl::StartsWith(
      login.out,
      absl::StrCat("signed in to ", server_.address,
                   " as hoa.tran (Trần Thị Hoa, appraiser, scope *); the session "
                   "is in ",
                   SessionFile(), " until ")))
      << login.out;
  EXPECT_TRUE(
      absl::EndsWith(login.out,
                     " (or 30 minutes unused)\nthis is a one-time password: choose "
                     "your own with `parindex passwd` before anything else\n"))
      << login.out;
  struct stat file_mode, dir;
  ASSERT_EQ(stat(SessionFile().c_str(), &file_mode), 0);
  ASSERT_EQ(stat((ConfigHome() + "/parindex").c_str(), &dir), 0);
  EXPECT_EQ(file_mode.st_mode & 07777, 0600u);
  EXPECT_EQ(dir.st_mode & 07777, 0700u);

  // Later commands use the session: first the password must change.
  const Result blocked = Parindex("round status hungyen-2023");
  EXPECT_EQ(blocked.code, 1);
  EXPECT_EQ(blocked.err,
            "parindex: FAILED_PRECONDITION: change the one-time password first: run "
            "parindex passwd\n");
  const Result changed = Parindex("passwd", "", otp + "\nHưng Yên 2025 mới\n");
  EXPECT_EQ(changed.code, 0) << changed.err;
  EXPECT_EQ(changed.out, "changed the password of hoa.tran\n");
  const Result me = Parindex("whoami");
  EXPECT_EQ(me.code, 0) << me.err;
  EXPECT_EQ(me.out, absl::StrCat("hoa.tran (Trần Thị Hoa, appraiser, scope *) on ",
                                 server_.address, " (the saved session)\n"));
  const Result board = Parindex("round status hungyen-2023");
  EXPECT_EQ(board.code, 0) << board.err;
  EXPECT_EQ(board.out.substr(0, board.out.find('\n')),
            "unit     state                    reopened  updated");
  // The session goes to its own server only.
  const Result elsewhere = Parindex("whoami --server 127.0.0.1:1");
  EXPECT_EQ(elsewhere.code, 1);
  EXPECT_EQ(
      elsewhere.err,
      "parindex: UNAUTHENTICATED: no credential: run parindex login, or give --token "
      "or PARINDEX_TOKEN\n");
  // A token given is used instead.
  const Result token = Parindex(absl::StrCat(As("reader"), "whoami"));
  EXPECT_EQ(token.code, 0) << token.err;
  EXPECT_TRUE(absl::StartsWith(token.out, "token tok_")) << token.out;
  EXPECT_TRUE(absl::EndsWith(
      token.out, absl::StrCat(" (make run: reader, reader) on ", server_.address, "\n")))
      << token.out;

  // A session file others could read is refused.
  ASSERT_EQ(chmod(SessionFile().c_str(), 0644), 0);
  const Result exposed = Parindex("whoami");
  EXPECT_EQ(exposed.code, 1);
  EXPECT_EQ(exposed.err,
            absl::StrCat("parindex: FAILED_PRECONDITION: ", SessionFile(),
                         ": the session file must be yours and readable by you only (it "
                         "has mode 0644): delete it and run parindex login\n"));
  ASSERT_EQ(chmod(SessionFile().c_str(), 0600), 0);

  // The session ends on the server (here: signed out behind the CLI's back).
  const std::string file = Slurp(SessionFile());
  const size_t ps = file.find("ps_");
  ASSERT_NE(ps, std::string::npos);
  const std::string session = file.substr(ps, file.find('"', ps) - ps);
  const Result ended = Parindex(absl::StrCat(
      at, "--token '", session, "' call /parindex.v1.AccountService/SignOut"));
  ASSERT_EQ(ended.code, 0) << ended.err;
  const Result expired = Parindex("round status hungyen-2023");
  EXPECT_EQ(expired.code, 1);
  EXPECT_EQ(expired.err,
            "parindex: UNAUTHENTICATED: session expired: run parindex login\n");
  const Result gone = Parindex("logout");
  EXPECT_EQ(gone.code, 0) << gone.err;
  EXPECT_EQ(gone.out,
            absl::StrCat("the session had already ended on ", server_.address, "\n"));
  EXPECT_FALSE(std::filesystem::exists(SessionFile()));

  // Signed in again with the new password; logout ends the session on the server.
  ASSERT_EQ(Parindex(absl::StrCat(at, "login hoa.tran"), "", "Hưng Yên 2025 mới\n").code,
            0);
  const std::string second = Slurp(SessionFile());
  const Result out = Parindex("logout");
  EXPECT_EQ(out.code, 0) << out.err;
  EXPECT_EQ(out.out, absl::StrCat("signed out of ", server_.address, "\n"));
  EXPECT_FALSE(std::filesystem::exists(SessionFile()));
  const size_t at_ps = second.find("ps_");
  const Result dead = Parindex(
      absl::StrCat(at, "--token '", second.substr(at_ps, second.find('"', at_ps) - at_ps),
                   "' whoami"));
  EXPECT_EQ(dead.code, 1);
  EXPECT_EQ(
      dead.err,
      "parindex: UNAUTHENTICATED: unknown, ended or expired session: sign in again\n");
  const Result nobody = Parindex("whoami");
  EXPECT_EQ(nobody.code, 1);
  EXPECT_EQ(
      nobody.err,
      "parindex: UNAUTHENTICATED: no credential: run parindex login, or give --token "
      "or PARINDEX_TOKEN\n");
}

// `export`'s options on the command line (--language, --decimal-comma, --table,
// --format html) and the same as the gateway download's query parameters.
TEST_F(CliServerTest, ExportTakesLanguageDecimalCommaAndTableOnCliAndGateway) {
  const std::string bom = "\xEF\xBB\xBF";
  const std::string comma = dir_.File("ranking.csv");
  Result run = Parindex(absl::StrCat(As("appraiser"),
                                     "export hungyen-2023 --format csv --table ranking "
                                     "--column self --decimal-comma --out '",
                                     comma, "'"));
  ASSERT_EQ(run.code, 0) << run.err;
  const std::string ranking = Slurp(comma);
  EXPECT_EQ(run.out, absl::StrCat("wrote ", comma, " (", ranking.size(), " bytes)\n"));
  EXPECT_EQ(ranking.substr(0, ranking.find("\r\n")),
            bom +
                "Khối;Hạng;Mã đơn vị;Tên đơn vị;Chỉ số;Xếp loại;Điểm đạt;Điểm tối đa "
                "áp dụng;Điểm khảo sát;Điểm thưởng, trừ");
  EXPECT_NE(ranking.find(";PQT;Phường Quang Trung;91,71;A;"), std::string::npos);
  // `--out -`: the same file on standard output (no file named "-"), the summary on
  // standard error.
  run = Parindex(absl::StrCat(As("appraiser"),
                              "export hungyen-2023 --format csv --table ranking "
                              "--column self --decimal-comma --out -"));
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, ranking);
  EXPECT_EQ(run.err, absl::StrCat("wrote hungyen-2023-ranking.csv to standard output (",
                                  ranking.size(), " bytes)\n"));
  EXPECT_FALSE(std::filesystem::exists("-"));

  // Bonus and penalty points (area IX, no maximum) apply to every unit: averaged over
  // all of them, with no share of a maximum.
  run = Parindex(absl::StrCat(As("appraiser"),
                              "export hungyen-2023 --format csv --table areas "
                              "--column self --out -"));
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("\r\nIX,\"Điểm thưởng, điểm trừ\",0.00,17,0.22\r\n"),
            std::string::npos)
      << run.out;

  const std::string en = dir_.File("en.csv"), vi = dir_.File("vi.csv");
  for (const auto& [language, path] : {std::pair<std::string, std::string>{"en", en},
                                       std::pair<std::string, std::string>{"vi", vi}}) {
    run = Parindex(absl::StrCat(As("appraiser"), "export hungyen-2023 --format csv ",
                                "--table criteria --column self --language ", language,
                                " --out '", path, "'"));
    ASSERT_EQ(run.code, 0) << run.err;
  }
  EXPECT_NE(Slurp(en).find(" of 1.00\r\n"), std::string::npos);
  EXPECT_EQ(Slurp(en).find(" điểm\r\n"), std::string::npos);
  EXPECT_NE(Slurp(vi).find("/1.00 điểm\r\n"), std::string::npos);

  const std::string html = dir_.File("report.html");
  run = Parindex(absl::StrCat(As("appraiser"),
                              "export hungyen-2023 --format html --out '", html, "'"));
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(Slurp(html).substr(0, 32), "<!DOCTYPE html>\n<html lang=\"vi\">");
  EXPECT_NE(Slurp(html).find("<h1>Kết quả Chỉ số CCHC năm 2023</h1>"), std::string::npos);

  run = Parindex(absl::StrCat(As("appraiser"), "export hungyen-2023 --format csv"));
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(run.err,
            "parindex: INVALID_ARGUMENT: --table: a CSV holds one table: ranking, "
            "matrix, areas, years, criteria, datasheet or audit (an office's)\n");

  // The gateway's download: the same options as query parameters.
  const std::string token = server_.tokens["appraiser"];
  auto [code, body] =
      parindex::testing::Curl(server_.http +
                                  "/v1/rounds/hungyen-2023/export.csv?"
                                  "table=ranking&decimal_comma=1&column=SELF",
                              token, "", dir_.File("download"));
  EXPECT_EQ(code, 200);
  EXPECT_EQ(body, ranking);
  std::tie(code, body) = parindex::testing::Curl(
      server_.http +
          "/v1/rounds/hungyen-2023/export.csv?table=criteria&language=en&column=SELF",
      token, "", dir_.File("download"));
  EXPECT_EQ(code, 200);
  EXPECT_EQ(body, Slurp(en));
  std::tie(code, body) =
      parindex::testing::Curl(server_.http + "/v1/rounds/hungyen-2023/export.html", token,
                              "", dir_.File("download"));
  EXPECT_EQ(code, 200);
  EXPECT_EQ(body.substr(0, 32), "<!DOCTYPE html>\n<html lang=\"vi\">");
  // Options refused by name (400), nothing sent: a bad value, a misspelt or repeated
  // option (refused, not ignored), a CSV's option asked of a workbook, a table the
  // export does not have.
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"export.csv?language=fr", "language: 'fr' is not vi or en"},
      {"export.csv?decimal_comma=yes",
       "decimal_comma: 'yes' is not 1 or 0 (true or false)"},
      {"export.xlsx?decimal_comma=1",
       "decimal_comma: is for CSV (an XLSX file holds numbers, shown as the spreadsheet "
       "program's language says)"},
      {"export.csv?TABLE=matrix",
       "'TABLE' is not an option of a download (table, language, decimal_comma, column)"},
      {"export.csv?table=ranking&table=matrix", "table: given 2 times; give it once"},
      {"export.xlsx?table=criteria",
       "table: is for CSV (an XLSX workbook holds every table; leave it empty)"},
      {"export.csv?table=nope",
       "table: 'nope' is not a table of this export (ranking, matrix, areas, years, "
       "criteria, datasheet, audit)"},
  };
  for (const auto& [query, message] : refused) {
    std::tie(code, body) =
        parindex::testing::Curl(server_.http + "/v1/rounds/hungyen-2023/" + query, token,
                                "", dir_.File("download"));
    EXPECT_EQ(code, 400) << query;
    EXPECT_EQ(body, absl::StrCat("{\"code\": \"INVALID_ARGUMENT\", \"message\": \"",
                                 message, "\", \"details\": []}\n"))
        << query;
  }
  // A part of the file cannot be asked for: the whole of it comes, as a whole.
  std::tie(code, body) = parindex::testing::Curl(
      server_.http + "/v1/rounds/hungyen-2023/export.csv?table=ranking", token, "",
      dir_.File("download"), {"Range: bytes=100-"});
  EXPECT_EQ(code, 200);
  EXPECT_EQ(body.substr(0, 3), "\xEF\xBB\xBF");  // the CSV's start, its byte-order mark
  // Without a token: refused before anything is made.
  std::tie(code, body) =
      parindex::testing::Curl(server_.http + "/v1/rounds/hungyen-2023/export.html", "",
                              "", dir_.File("download"));
  EXPECT_EQ(code, 401);
}

// Commands that would do nothing, or match nothing, say so and fail (outside testers'
// findings on issue 17).
TEST_F(CliServerTest, NothingToDoAndFiltersThatCannotMatchAreErrors) {
  Result run = Parindex(absl::StrCat(As("appraiser"), "appraise hungyen-2023 PLS"));
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err,
            "parindex: INVALID_ARGUMENT: nothing to appraise for PLS: give --figures "
            "FILE, --ask CRITERION=MESSAGE, --reviewed or --finalise\n");

  run = Parindex(absl::StrCat(
      As("appraiser"),
      "audit --filter 'resource=rounds/hungyen-2023 OR resource=criteriaSets'"));
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err,
            "parindex: INVALID_ARGUMENT: filter: 'resource=rounds/hungyen-2023 OR "
            "resource=criteriaSets' is not one condition: use resource=…, actor=…, "
            "joined by ' AND ' (there is no OR: list each separately)\n");
  // An empty value would match every resource (a prefix of all): refused too, and so
  // is a key there is none of.
  run = Parindex(absl::StrCat(As("appraiser"), "audit --filter 'resource='"));
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(run.err,
            "parindex: INVALID_ARGUMENT: filter: 'resource=' is not one condition: use "
            "resource=…, actor=…, joined by ' AND ' (there is no OR: list each "
            "separately)\n");
  run = Parindex(absl::StrCat(As("appraiser"), "audit --filter 'foo=bar'"));
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(
      run.err,
      "parindex: INVALID_ARGUMENT: filter: use resource=…, actor=…, joined by ' AND "
      "'\n");

  run = Parindex(absl::StrCat(
      As("appraiser"), "call /parindex.v1.RoundService/CreateRound ",
      "'{\"round\": {\"id\": \"r-no-year\", \"criteria_set\": \"commune-2025\", "
      "\"units\": [\"PLS\"]}}'"));
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(run.err,
            "parindex: INVALID_ARGUMENT: round.year: is required (the year the round "
            "assesses, e.g. 2025)\n");
}

// A province's appraiser ranks its part of a mixed round: the ranking says whose part.
TEST_F(CliServerTest, ARankingOfPartOfARoundSaysWhosePart) {
  for (
      const char* unit :
      {R"({"unit": {"code": "TBP", "name": "Tỉnh Thái Bình", "kind": "PROVINCE"}})",
       R"({"unit": {"code": "TBW", "name": "Phường Kỳ Bá", "kind": "WARD", "parent": "TBP"}})"}) {
    const Result put = Parindex(
        absl::StrCat(As("admin"), "call /parindex.v1.UnitService/PutUnit '", unit, "'"));
    ASSERT_EQ(put.code, 0) << put.err;
  }
  Result run =
      Parindex(absl::StrCat(As("appraiser"),
                            "round create mixed --year 2023 --set commune-2025 "
                            "--plan hungyen-2023 --unit PLS --unit PHN --unit TBW"));
  ASSERT_EQ(run.code, 0) << run.err;
  run = Parindex(absl::StrCat(
      As("admin"), "call /parindex.v1.AccountService/CreateAccount ",
      "'{\"username\": \"an.nguyen\", \"full_name\": \"Nguyễn Văn An\", \"role\": "
      "\"ROLE_APPRAISER\", \"scope\": \"parent/HYC\"}'"));
  ASSERT_EQ(run.code, 0) << run.err;
  const auto account = FromJson<parindex::v1::CreateAccountResponse>(run.out);
  run = Parindex(absl::StrCat(As("admin"), "call /parindex.v1.TokenService/CreateToken ",
                              "'{\"account\": \"accounts/", account.account().id(),
                              "\"}'"));
  ASSERT_EQ(run.code, 0) << run.err;
  const auto token = FromJson<parindex::v1::CreateTokenResponse>(run.out);
  const std::string as_province =
      absl::StrCat("--server ", server_.address, " --token '", token.secret(), "' ");
  run = Parindex(absl::StrCat(as_province, "ranking mixed"));
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out.substr(0, run.out.find('\n')),
            "scope parent/HYC: only its units, ranked among themselves");
  EXPECT_EQ(run.out.find("Kỳ Bá"), std::string::npos) << run.out;
  // The whole round's ranking says nothing of a scope.
  run = Parindex(absl::StrCat(As("appraiser"), "ranking mixed"));
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out.find("scope"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Kỳ Bá"), std::string::npos) << run.out;
}

// An export larger than a gRPC message (4 MB) arrives whole through the real CLI, in
// pieces (StreamExportRound), and through the gateway's chunked download: a round of
// 500 wards, its criteria table as CSV (5.6 MB). The SELF column: in the appraised one
// units nothing is appraised of have no criteria rows.
TEST_F(CliServerTest, AnExportLargerThanAMessageArrivesWhole) {
  constexpr int kUnits = 500;
  std::string csv = "code,name,kind,parent\n";
  std::string units;
  for (int i = 0; i < kUnits; ++i) {
    absl::StrAppend(&csv, "W", i, ",Phường số ", i, ",ward,HYC\n");
    absl::StrAppend(&units, " --unit W", i);
  }
  Result run =
      Parindex(absl::StrCat(As("admin"), "unit import '", Write("units.csv", csv), "'"));
  ASSERT_EQ(run.code, 0) << run.err;
  run = Parindex(absl::StrCat(As("appraiser"),
                              "round create big --year 2025 --set commune-2025 "
                              "--plan hungyen-2023",
                              units));
  ASSERT_EQ(run.code, 0) << run.err;
  // Past gRPC's default 4 MiB for one received message: the CLI takes it whole even
  // as one unary answer (it once stopped at the default).
  const Result unary = Parindex(absl::StrCat(
      As("appraiser"), "call /parindex.v1.ReportService/ExportRound ",
      "'{\"name\": \"rounds/big\", \"format\": \"CSV\", \"table\": \"criteria\", "
      "\"column\": \"SELF\"}'"));
  EXPECT_EQ(unary.code, 0) << unary.err;
  EXPECT_GT(unary.out.size(), size_t{4} << 20);

  const std::string out = dir_.File("big.csv");
  run = Parindex(absl::StrCat(
      As("appraiser"), "export big --format csv --table criteria --column self --out '",
      out, "'"));
  ASSERT_EQ(run.code, 0) << run.err;
  const std::string file = Slurp(out);
  EXPECT_GT(file.size(), size_t{4} << 20);
  EXPECT_EQ(run.out, absl::StrCat("wrote ", out, " (", file.size(), " bytes)\n"));
  // Whole: a header and every criterion of every unit, the last unit's last row last.
  const size_t rows = std::count(file.begin(), file.end(), '\n');
  EXPECT_EQ(rows % kUnits, 1u) << rows;
  EXPECT_EQ(file.substr(file.rfind("\r\n", file.size() - 3) + 2, 3), "W99");
  auto [code, body] = parindex::testing::Curl(
      server_.http + "/v1/rounds/big/export.csv?table=criteria&column=SELF",
      server_.tokens["appraiser"], "", dir_.File("download"));
  EXPECT_EQ(code, 200);
  EXPECT_TRUE(body == file) << body.size() << " bytes, not " << file.size();
}

}  // namespace
