// AccessCore: tokens (created, revoked, imported, looked up on every call through a
// cache of its own) and the audit trail.
#ifndef PARINDEX_SERVER_CORE_ACCESS_H_
#define PARINDEX_SERVER_CORE_ACCESS_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "parindex/v1/service.pb.h"
#include "server/core_base.h"

namespace parindex::server {

class AccessCore : private CoreBase {
 public:
  using CoreBase::CoreBase;

  absl::StatusOr<v1::ListAuditEventsResponse> ListAuditEvents(const Caller& c,
                                                              const v1::ListRequest& r);
  absl::StatusOr<v1::CreateTokenResponse> CreateToken(const Caller& c,
                                                      const v1::CreateTokenRequest& r);
  // CreateToken once `r` has the role and unit (of the account named by `account`'s
  // id, when not empty); `original` is the request as sent (for its request id).
  absl::StatusOr<v1::CreateTokenResponse> CreateTokenFor(
      const Caller& c, const v1::CreateTokenRequest& r,
      const v1::CreateTokenRequest& original, const std::string& account);
  absl::StatusOr<v1::Token> RevokeToken(const Caller& c, const v1::GetByNameRequest& r);
  absl::StatusOr<v1::ListTokensResponse> ListTokens(const Caller& c,
                                                    const v1::ListRequest& r);
  // Accepts `secret` (32+ characters, chosen by the operator) as a token of `role` from
  // now on; nothing happens if it already is one. For the first admin of a deployment.
  // When the secret's token was revoked, nothing is imported and the answer says so
  // (for the log: the server starts all the same); otherwise the answer is empty.
  absl::StatusOr<std::string> ImportToken(const std::string& secret, v1::Role role,
                                          const std::string& label);
  absl::StatusOr<v1::Token> GetCallerToken(const Caller& c,
                                           const v1::GetCallerTokenRequest& r);

  // Tokens are looked up on every call: cached here, dropped when revoked.
  absl::StatusOr<Caller> Authenticate(absl::string_view secret);
  // Another server changed tokens: every cached one is looked up again.
  void TokensChanged();

 private:
  struct CachedToken {
    Caller caller;
    std::string account;  // the account's id, for a token made for a person
  };
  std::mutex mu_;
  std::map<std::string, CachedToken> tokens_;  // by secret hash
  int64_t revocations_ =
      0;  // RevokeToken calls: a lookup that overlapped one keeps nothing
};

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_CORE_ACCESS_H_
