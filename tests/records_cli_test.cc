// Dossier records from the real `parindex` against the real parindex-server with the
// demo (README: "Dossier records"): the README's commands, their exact output.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/cli_process.h"

namespace parindex::testing {
namespace {

TEST(RecordsCli, ImportWhyAndGapsAsTheReadmeShowsThem) {
  Server server = StartOnNewFile("records_cli.db");
  ASSERT_FALSE(server.address.empty());
  const std::string admin = server.tokens["admin"];
  const std::string office = server.tokens["appraiser"];
  const std::string ward = server.tokens["ward XTH"];
  ASSERT_FALSE(office.empty());

  CliRun r =
      Parindex(server, admin, "criteria upload criteria/records/records-2023.yaml");
  ASSERT_EQ(r.code, 0) << r.out;
  r = Parindex(
      server, office,
      "round create rec-2023 --set records-demo --year 2023 --unit PLS --unit XTH "
      "--deadline 2099-01-15T17:00:00+07:00");
  ASSERT_EQ(r.code, 0) << r.out;
  r = Parindex(server, office, "round open rec-2023");
  ASSERT_EQ(r.code, 0) << r.out;

  r = Parindex(server, ward,
               "records import rec-2023 criteria/records/dossiers-2023.csv");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out,
            "parindex: PERMISSION_DENIED: a ward token may not call "
            "/parindex.v1.RecordService/ImportDossiers\n");

  r = Parindex(server, office,
               "records import rec-2023 criteria/records/dossiers-2023.csv");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(absl::StartsWith(
      r.out,
      "import 1 into rec-2023: 21 rows read, 3 refused, 17 new or changed, 1 "
      "unchanged (sha256 "))
      << r.out;
  EXPECT_NE(r.out.find("  dossiers-2023.csv:21: channel: 'fax' is not one of in_person, "
                       "online_partial, fully_online\n"
                       "computed values changed for PLS, XTH\n"
                       "6 findings in the records of the units it touched: parindex "
                       "records gaps rec-2023\n"),
            std::string::npos)
      << r.out;

  r = Parindex(server, office, "records why rec-2023 PLS resolved_on_time");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(absl::StartsWith(
      r.out,
      "resolved_on_time (Số hồ sơ giải quyết đúng hạn (kể cả trước hạn)) of PLS in "
      "rec-2023: 4 dossiers\ncounted: resolved in 2023, on time (resolved_at <= due_at), "
      "withdrawn left out\nfrom records: 9 dossiers, import #1, computed "))
      << r.out;
  EXPECT_TRUE(absl::EndsWith(
      r.out, ", period ending 2024-01-01T00:00:00+07:00\nD01\nD02\nD07\nD15\n"))
      << r.out;
  r = Parindex(server, ward, "records why rec-2023 XTH resolved_early");  // its own
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(absl::EndsWith(r.out, "\nE01\n")) << r.out;
  EXPECT_NE(r.out.find(") of XTH in rec-2023: 1 dossier\n"), std::string::npos) << r.out;

  r = Parindex(server, office, "records gaps rec-2023");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(absl::StartsWith(
      r.out, "unit PLS\n  D09  NO_DUE_DATE  import #1 line 10: no due date\n"))
      << r.out;
  EXPECT_TRUE(absl::EndsWith(r.out,
                             "unit ZZ\n  D13  UNIT_NOT_IN_ROUND  import #1 line 14: unit "
                             "ZZ is not a unit of the round\n"))
      << r.out;

  // The same file again changes nothing, D14's two conflicting rows neither: 18
  // unchanged (protobuf's JSON leaves rows_changed, 0, out).
  r = Parindex(server, office,
               "records import rec-2023 criteria/records/dossiers-2023.csv --json");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("\"rows_unchanged\": \"18\""), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\"rows_changed\""), std::string::npos) << r.out;
  EXPECT_EQ(Stop(server), 0);
}

}  // namespace
}  // namespace parindex::testing
