// How the audit trail writes a task's assignment: a JSON list of {"unit", "role"}, one
// per unit given the task. The store writes it (SqlStore::AssignTask); the policy writes
// a list kept to a caller's units the same way (server/policy.cc), so both read alike.
#ifndef PARINDEX_SERVER_STORE_ASSIGNED_JSON_H_
#define PARINDEX_SERVER_STORE_ASSIGNED_JSON_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace parindex::store {

// One unit of the list: {"unit":"…","role":"…"}.
inline std::string AssignedUnitJson(absl::string_view unit, absl::string_view role) {
  return absl::StrCat("{\"unit\":\"", absl::CEscape(unit), "\",\"role\":\"",
                      absl::CEscape(role), "\"}");
}

// The list of units written by AssignedUnitJson.
inline std::string AssignedListJson(const std::vector<std::string>& units) {
  return absl::StrCat("[", absl::StrJoin(units, ","), "]");
}

}  // namespace parindex::store

#endif  // PARINDEX_SERVER_STORE_ASSIGNED_JSON_H_
