// Plan tasks from the real `parindex` against the real parindex-server with the demo
// (README: "Plan tasks"): the README's commands, their exact output.
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/cli_process.h"

namespace parindex::testing {
namespace {

TEST(TasksCli, AssignReportListAndTheQuarterlyReportAsTheReadmeShowsThem) {
  Server server = StartOnNewFile("tasks_cli.db");
  ASSERT_FALSE(server.address.empty());
  const std::string admin = server.tokens["admin"];
  const std::string office = server.tokens["appraiser"];
  const std::string ward = server.tokens["ward PLS"];
  const std::string other = server.tokens["ward XTH"];
  ASSERT_FALSE(office.empty());
  ASSERT_FALSE(ward.empty());

  CliRun r = Parindex(server, admin, "criteria upload criteria/records/tasks-2023.yaml");
  ASSERT_EQ(r.code, 0) << r.out;
  r = Parindex(server, admin, "plan upload criteria/records/tasks-plan-2023.yaml");
  ASSERT_EQ(r.code, 0) << r.out;
  r = Parindex(server, office,
               "round create rt --set tasks-demo --year 2023 --plan tasks-plan-2023 "
               "--unit PLS --unit XTH --deadline 2099-01-15T17:00:00+07:00");
  ASSERT_EQ(r.code, 0) << r.out;
  r = Parindex(server, office, "round open rt");
  ASSERT_EQ(r.code, 0) << r.out;

  r = Parindex(server, ward, "tasks assign rt tasks-plan-2023 1 --lead PLS");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out,
            "parindex: PERMISSION_DENIED: a ward token may not call "
            "/parindex.v1.TaskService/AssignTask\n");
  r = Parindex(server, office,
               "tasks assign rt tasks-plan-2023 1 --lead PLS --coordinating XTH");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out,
            "rounds/rt/plans/tasks-plan-2023/tasks/1: PLS (lead), XTH (coordinating)\n");
  r = Parindex(server, office, "tasks assign rt tasks-plan-2023 3 --lead PLS");
  ASSERT_EQ(r.code, 0) << r.out;

  r = Parindex(server, ward,
               "tasks progress rt tasks-plan-2023 1 --state done --done-on 2023-05-09 "
               "--evidence '12/KH-UBND'");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out,
            "rounds/rt/plans/tasks-plan-2023/tasks/1 PLS: done on 2023-05-09 (etag 2)\n");
  r = Parindex(server, ward,
               "tasks progress rt tasks-plan-2023 3 --state done --done-on 2023-02-30");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out,
            "parindex: INVALID_ARGUMENT: done_on: 2023-02-30 is not a day of the "
            "calendar\n");
  r = Parindex(server, other, "tasks progress rt tasks-plan-2023 3 --state in_progress");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out,
            "parindex: NOT_FOUND: rounds/rt/plans/tasks-plan-2023/tasks/3: not assigned "
            "to your unit\n");

  r = Parindex(server, ward, "tasks list rt --as-of 2023-12-31");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out,
            "tasks of rt on 2023-12-31: 2\n"
            "rounds/rt/plans/tasks-plan-2023/tasks/1  1  due 2023-05-09 (Trước ngày "
            "10/5/2023)  PLS lead: done on 2023-05-09 (etag 2)\n"
            "    Ban hành Kế hoạch tuyên truyền CCHC năm 2023\n"
            "rounds/rt/plans/tasks-plan-2023/tasks/3  3  due 2023-02-28 (Tháng 02/2023)  "
            "PLS lead: not started, OVERDUE (etag 1)\n"
            "    Rà soát, công khai thủ tục hành chính tại Bộ phận Một cửa\n");

  r = Parindex(server, office, "tasks report rt 2");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out,
            "progress report, quarter 2 of rt: tasks due 2023-03-15 to 2023-06-14\n"
            "PLS Phường Lam Sơn: 2 led, 1 due, 1 done on time, 0 done late, 0 open\n"
            "  overdue: 3 due 2023-02-28: Rà soát, công khai thủ tục hành chính tại Bộ "
            "phận Một cửa\n"
            "XTH Xã Tân Hưng: 0 led, 0 due, 0 done on time, 0 done late, 0 open\n");
  EXPECT_EQ(Stop(server), 0);
}

}  // namespace
}  // namespace parindex::testing
