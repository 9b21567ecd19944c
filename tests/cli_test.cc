// The real `parindex` binary on the demo files and on broken ones: exit codes, output,
// and a golden trace of the demo.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "parindex/v1/score.pb.h"

namespace {

namespace fs = std::filesystem;

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           absl::StrCat("parindex-cli-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name(),
                        "-", getpid());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs the binary with `args` (already shell-quoted) from the source directory.
  CommandResult Parindex(const std::string& args) {
    const std::string cmd = absl::StrCat(
        "cd '", PARINDEX_SOURCE_DIR, "' && '", PARINDEX_CLI, "' ", args, " >'",
        (dir_ / "out").string(), "' 2>'", (dir_ / "err").string(), "'");
    const int status = std::system(cmd.c_str());
    CommandResult run;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = ReadFile(dir_ / "out");
    run.err = ReadFile(dir_ / "err");
    return run;
  }

  // Writes `text` to a file in the test's directory and returns its path.
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }

  fs::path dir_;
};

constexpr char kDemo[] =
    "eval --criteria criteria/demo/set.yaml --plan criteria/demo/plan.yaml "
    "--figures criteria/demo/figures.yaml";

TEST_F(CliTest, DemoMatchesTheGoldenTrace) {
  const CommandResult run = Parindex(kDemo);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  const fs::path golden = fs::path(PARINDEX_SOURCE_DIR) / "tests/data/demo_eval.golden";
  if (std::getenv("PARINDEX_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden) << run.out;
    GTEST_SKIP() << "rewrote " << golden << ": read the diff before committing it";
  }
  EXPECT_EQ(run.out, ReadFile(golden));
}

TEST_F(CliTest, JsonCarriesTheSameNumbers) {
  const CommandResult run = Parindex(absl::StrCat(kDemo, " --json"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  parindex::v1::Evaluation evaluation;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(run.out, &evaluation).ok());
  ASSERT_EQ(evaluation.units_size(), 3);
  EXPECT_EQ(evaluation.criteria_set(), "demo-ward-2023");
  EXPECT_EQ(evaluation.plan(), "demo-hungyen-2023");
  EXPECT_EQ(evaluation.units(0).unit(), "HN");
  EXPECT_EQ(evaluation.units(0).achieved_milli(), 89897);  // survey 8.488 + 7.609
  EXPECT_EQ(evaluation.units(0).applicable_max_milli(), 99000);
  EXPECT_EQ(evaluation.units(0).index_hundredths(), 9081);  // 89.897 / 99 = 90.8050…
  EXPECT_EQ(evaluation.units(0).classification(), "A");
  EXPECT_EQ(evaluation.units(0).rank(), 1);
  EXPECT_EQ(evaluation.units(1).unit(), "LS");
  EXPECT_EQ(evaluation.units(1).rank(), 3);
  EXPECT_EQ(evaluation.units(2).unit(), "MK");
  EXPECT_EQ(evaluation.units(2).rank(), 2);
  // Lam Sơn sits exactly at the strict on-time target and misses it.
  for (const auto& c : evaluation.units(1).criteria()) {
    if (c.code() != "III.1") continue;
    EXPECT_EQ(c.points_milli(), 0);
    EXPECT_EQ(c.trace().value_text(), "95.00%");
    EXPECT_EQ(c.trace().applied(), "> 95% (plan target for ward)");
  }
}

TEST_F(CliTest, AppraisedColumnUsesTheAppraisersValues) {
  const CommandResult self = Parindex(absl::StrCat(kDemo, " --unit HN --json"));
  const CommandResult appraised =
      Parindex(absl::StrCat(kDemo, " --unit HN --json --column appraised"));
  ASSERT_EQ(self.exit_code, 0) << self.err;
  ASSERT_EQ(appraised.exit_code, 0) << appraised.err;
  parindex::v1::Evaluation a, b;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(self.out, &a).ok());
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(appraised.out, &b).ok());
  ASSERT_EQ(a.units_size(), 1);
  ASSERT_EQ(b.units_size(), 1);
  // I.5: self score 2, appraised 1.5.
  EXPECT_EQ(a.units(0).achieved_milli() - b.units(0).achieved_milli(), 500);
  EXPECT_EQ(b.column(), parindex::v1::APPRAISED);
}

TEST_F(CliTest, BrokenFiguresFailWithFileLineAndNothingOnStdout) {
  std::string figures =
      ReadFile(fs::path(PARINDEX_SOURCE_DIR) / "criteria/demo/figures.yaml");
  figures.replace(figures.find("resolved_on_time: 412"), 21, "resolved_on_time: 431");
  const std::string path = Write("figures.yaml", figures);
  const CommandResult run = Parindex(absl::StrCat(
      "eval --criteria criteria/demo/set.yaml --plan criteria/demo/plan.yaml --figures '",
      path, "'"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
  // The data sheet's rule on_time_within_resolved refuses it, at the figure's line.
  EXPECT_EQ(
      run.err,
      absl::StrCat("parindex: INVALID_ARGUMENT: ", path,
                   ":28:25: values[12].self: rule on_time_within_resolved: Số hồ sơ "
                   "giải quyết đúng hạn không vượt quá số hồ sơ đã giải quyết: "
                   "resolved_on_time (Số hồ sơ giải quyết đúng hạn (kể cả trước "
                   "hạn)) = 431, not ≤ resolved (Số hồ sơ TTHC đã giải quyết) = 430\n"));
}

TEST_F(CliTest, WarningsAreShownUnderTheUnitsTable) {
  std::string figures =
      ReadFile(fs::path(PARINDEX_SOURCE_DIR) / "criteria/demo/figures.yaml");
  figures.replace(figures.find("received: 430"), 13, "received: 420");
  const std::string path = Write("figures.yaml", figures);
  const CommandResult run = Parindex(absl::StrCat(
      "eval --criteria criteria/demo/set.yaml --plan criteria/demo/plan.yaml --figures '",
      path, "' --unit HN"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // Under the unit's total, as `submit` prints them.
  EXPECT_NE(
      run.out.find(
          "  total 89.96 of 99.00 applicable (set total 100.00); survey 16.10, "
          "bonus/penalty 0.50\n"
          "  warning: rule resolved_within_received: Số hồ sơ đã giải quyết vượt số hồ "
          "sơ "
          "tiếp nhận trong năm: chỉ hợp lý khi có nhiều hồ sơ năm trước chuyển sang; đề "
          "nghị kiểm tra lại: resolved (Số hồ sơ TTHC đã giải quyết) = 430, not ≤ "
          "received (Số hồ sơ TTHC đã tiếp nhận) = 420\n\n"),
      std::string::npos)
      << run.out;
  // Of the three wards in the file, though only HN is shown.
  EXPECT_NE(run.out.find("  index 90.87, class A, rank 1 of 3 in block ward\n"),
            std::string::npos)
      << run.out;
}

TEST_F(CliTest, BrokenSetFailsWithFileLine) {
  std::string set = ReadFile(fs::path(PARINDEX_SOURCE_DIR) / "criteria/demo/set.yaml");
  const std::string band = "{when: \">= 70\", points: 1.5}";
  set.replace(set.find(band), band.size(), "{when: \">= 95\", points: 1.5}");
  const std::string path = Write("set.yaml", set);
  const CommandResult run = Parindex(
      absl::StrCat("eval --criteria '", path, "' --figures criteria/demo/figures.yaml"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err,
            absl::StrCat("parindex: INVALID_ARGUMENT: ", path,
                         ":375:21: criterion I.1.2: bands[1].threshold: bands must be "
                         "listed best first with decreasing thresholds (95 after 90)\n"));
}

TEST_F(CliTest, FiguresForAnotherSetAreRefused) {
  std::string figures =
      ReadFile(fs::path(PARINDEX_SOURCE_DIR) / "criteria/demo/figures.yaml");
  figures.replace(figures.find("criteria_set: demo-ward-2023"), 28,
                  "criteria_set: commune-2025");
  const std::string path = Write("figures.yaml", figures);
  const CommandResult run = Parindex(
      absl::StrCat("eval --criteria criteria/demo/set.yaml --figures '", path, "'"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err,
            absl::StrCat("parindex: INVALID_ARGUMENT: ", path,
                         ":8:15: figures are for criteria set 'commune-2025' but "
                         "criteria/demo/set.yaml is 'demo-ward-2023'\n"));
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Parindex("").exit_code, 2);
  EXPECT_EQ(Parindex("eval --figures criteria/demo/figures.yaml").exit_code, 2);
  const CommandResult run =
      Parindex("eval --criteria /nonexistent.yaml --figures criteria/demo/figures.yaml");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("/nonexistent.yaml"), std::string::npos) << run.err;
}

TEST_F(CliTest, UnknownUnitIsNotFound) {
  const CommandResult run = Parindex(absl::StrCat(kDemo, " --unit XX"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err,
            "parindex: NOT_FOUND: criteria/demo/figures.yaml: no unit with code 'XX'\n");
}

}  // namespace

namespace {

TEST_F(CliTest, CriteriaCheckValidatesEveryBundledFile) {
  const CommandResult run = Parindex(
      "criteria check criteria/sets/*.yaml criteria/plans/*.yaml criteria/demo/*.yaml "
      "criteria/rounds/hungyen-2023/figures.yaml");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_NE(
      run.out.find("criteria/sets/commune-2025.yaml: ok (criteria set commune-2025 v1: "
                   "9 areas, 68 criteria, 100 points, survey 30)\n"),
      std::string::npos)
      << run.out;
  EXPECT_NE(
      run.out.find("criteria/plans/travinh-2023.yaml: ok (plan travinh-2023: 16 targets, "
                   "1 deadlines, 37 tasks)\n"),
      std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find(
                "criteria/rounds/hungyen-2023/figures.yaml: ok (17 units scored against "
                "commune-2025 and hungyen-2023)\n"),
            std::string::npos)
      << run.out;
}

TEST_F(CliTest, CriteriaCheckReportsEachBrokenFileAndFails) {
  std::string plan =
      ReadFile(fs::path(PARINDEX_SOURCE_DIR) / "criteria/plans/hungyen-2023.yaml");
  plan.replace(plan.find("due: 14/06/2023"), 15, "due: 31/06/2023");
  const std::string path = Write("plan.yaml", plan);
  const CommandResult run = Parindex(
      absl::StrCat("criteria check criteria/sets/commune-2025.yaml '", path, "'"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(
      run.out,
      "criteria/sets/commune-2025.yaml: ok (criteria set commune-2025 v1: 9 areas, 68 "
      "criteria, 100 points, survey 30)\n");
  EXPECT_EQ(run.err,
            absl::StrCat(path,
                         ":45:27: deadline report_h1: due: '31/06/2023' is not a "
                         "date (use 2023-02-10 or 10/02/2023)\n"));
}

TEST_F(CliTest, CriteriaShowPrintsTheTree) {
  const CommandResult run =
      Parindex("criteria show criteria/sets/service-index-766.yaml");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("service-index-766 v1, province_level, 100.00 points (survey "
                         "0.00), 15 criteria"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("  2.2      Hồ sơ trễ hạn"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("6.00  inverse late_rate"), std::string::npos) << run.out;
}

TEST_F(CliTest, PlanShowParsesDuePhrases) {
  const CommandResult run = Parindex("plan show criteria/plans/vungtau-2023.yaml");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("tasks (40):"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Trước 01/01/2023         → by 31/12/2022"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("Quý III và Quý IV năm 2… → 01/07/2023 – 31/12/2023"),
            std::string::npos)
      << run.out;
}

TEST_F(CliTest, AFileOfUnknownKindIsRefused) {
  const std::string path = Write("other.yaml", "name: x\n");
  const CommandResult run = Parindex(absl::StrCat("criteria check '", path, "'"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err,
            absl::StrCat(path,
                         ": not a criteria set (no 'areas'), a plan (no 'year') or "
                         "figures (no 'units')\n"));
}

}  // namespace
