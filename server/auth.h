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

// Methods that need no authorization at all (SignIn): not in the table.
bool IsPublic(const std::string& method);

// PERMISSION_DENIED when `caller` may not call `method` at all; FAILED_PRECONDITION
// "change the one-time password first" for a session still on a one-time password,
// except for ChangePassword, SignOut and GetMe.
absl::Status Authorize(const Caller& caller, const std::string& method);

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_AUTH_H_
