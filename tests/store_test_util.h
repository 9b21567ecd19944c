// Helpers for store tests: a temporary directory and a store with one round.
#ifndef PARINDEX_TESTS_STORE_TEST_UTIL_H_
#define PARINDEX_TESTS_STORE_TEST_UTIL_H_

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/store/sql_store.h"

namespace parindex::testing {

// A fresh directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    // A parameterized test's name ("X/postgresql") as one folder.
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(name.begin(), name.end(), '/', '_');
    path_ = std::filesystem::temp_directory_path() /
            absl::StrCat("parindex-", name, "-", getpid());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline store::WriteContext Admin(const std::string& request_id = "") {
  store::WriteContext ctx;
  ctx.actor = {"tok_admin", "admin", ""};
  ctx.request_id = request_id;
  ctx.reason = "test";
  return ctx;
}

// A criteria set "s" v1, units U1 and U2, and round "r" over both.
inline void AddRoundFixture(store::Store& s) {
  v1::CriteriaSet set;
  set.set_id("s");
  set.set_title("set");
  ASSERT_TRUE(s.AddCriteriaSet(Admin(), set).ok());
  for (const char* code : {"U1", "U2"}) {
    v1::Unit unit;
    unit.set_code(code);
    unit.set_name(absl::StrCat("Phường ", code));
    unit.set_kind(v1::WARD);
    ASSERT_TRUE(s.PutUnit(Admin(), unit).ok());
  }
  v1::Round round;
  round.set_id("r");
  round.set_criteria_set("s");
  round.set_criteria_set_version(1);
  round.add_units("U1");
  round.add_units("U2");
  round.set_phase(v1::PHASE_SELF_ASSESSMENT);
  ASSERT_TRUE(s.CreateRound(Admin(), round).ok());
}

inline store::EntryUpdate Figure(const std::string& criterion, int64_t value,
                                 int64_t expected_version) {
  store::EntryUpdate update;
  update.entry.set_criterion(criterion);
  (*update.entry.mutable_self()->mutable_figures())["x"] = value;
  update.expected_version = expected_version;
  return update;
}

}  // namespace parindex::testing

#endif  // PARINDEX_TESTS_STORE_TEST_UTIL_H_
