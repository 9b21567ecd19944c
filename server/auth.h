// Authorisation: one table of method × role. Finer rules (a ward's own unit, readers
// and published rounds) are the Core's, because they depend on the data.
#ifndef PARINDEX_SERVER_AUTH_H_
#define PARINDEX_SERVER_AUTH_H_

#include <map>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "parindex/v1/token.pb.h"
#include "server/core.h"

namespace parindex::server {

// Full method name ("/parindex.v1.ScoreService/GetUnitScore") -> roles allowed.
const std::map<std::string, std::set<v1::Role>>& MethodRoles();

// PERMISSION_DENIED when `caller` may not call `method` at all.
absl::Status Authorize(const Caller& caller, const std::string& method);

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_AUTH_H_
