// Loads the bundled criteria sets, plans and the demo round into a fresh database.
#ifndef PARINDEX_SERVER_DEMO_H_
#define PARINDEX_SERVER_DEMO_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core.h"

namespace parindex::server {

// Loads criteria_dir/sets/*.yaml, plans/*.yaml and the Hưng Yên demo round (units and
// figures from rounds/hungyen-2023/figures.yaml) unless the round exists already, then
// issues one token per role (and a ward token for Phường Lam Sơn). Returns
// (label, secret) pairs to print.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> LoadDemo(
    Core& core, const std::string& criteria_dir);

// Loads the province demo unless it exists: Hưng Yên province after the 2025 merger
// (unit HY) and its 104 communes and wards (rounds/hungyen-2025/units.csv), round
// hungyen-2025 in EXPLANATION with units in every state from NOT_STARTED to EXPLAINED.
// REQUIRES: LoadDemo has loaded the criteria sets and plans.
absl::Status LoadProvinceDemo(Core& core, const std::string& criteria_dir);

// A person's account of the demo, for the banner of `make run`.
struct DemoAccount {
  std::string label;  // "ward XTH", "appraiser", "admin"
  std::string username;
  std::string one_time_password;
};

// Creates the demo's accounts unless they exist (a ward officer of Xã Tân Hưng, an
// appraiser of the city's units, an admin; with `province`, the province's appraiser
// and the ward officer of Xã Tiên Lữ, HY-XTL), and gives each a fresh one-time
// password: every run prints passwords that sign in (and ends the accounts' earlier
// sessions).
absl::StatusOr<std::vector<DemoAccount>> LoadDemoAccounts(Core& core,
                                                          bool province = false);

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_DEMO_H_
