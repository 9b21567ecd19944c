// AccessCore: tokens (and their cache) and the audit trail (server/core_access.h).
#include "server/core_access.h"

#include <openssl/rand.h>

#include <algorithm>
#include <iterator>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "server/core_util.h"

namespace parindex::server {

// ---- tokens ----

absl::StatusOr<Caller> AccessCore::Authenticate(absl::string_view secret) {
  const std::string hash = Sha256Hex(secret);
  CachedToken found;
  bool cached = false;
  int64_t revocations = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tokens_.find(hash);
    if (it != tokens_.end()) {
      found = it->second;
      cached = true;
    }
    revocations = revocations_;
  }
  if (!cached) {
    absl::StatusOr<v1::Token> token = store_->FindToken(hash);
    if (!token.ok()) {
      if (token.status().code() == absl::StatusCode::kNotFound) {
        return absl::UnauthenticatedError("unknown or revoked token");
      }
      return token.status();
    }
    found.caller = Caller{token->role(), token->id(), token->unit()};
    found.caller.scope = token->scope();
    if (!token->account().empty()) found.account = token->account().substr(9);
    std::lock_guard<std::mutex> lock(mu_);
    // A token revoked while the store was read may have been read before: keep nothing.
    if (revocations_ == revocations) tokens_[hash] = found;
  }
  if (found.account.empty()) return found.caller;
  // A person's token: their account on every call (through the account cache, which a
  // disable empties first), so that disabling it stops the token too; their name goes
  // on the audit rows.
  ASSIGN_OR_RETURN(store::StoredAccount account, cache_->Account(found.account));
  if (!account.account.disabled_at().empty()) {
    return absl::UnauthenticatedError("unknown or revoked token");
  }
  found.caller.name = account.account.full_name();
  return found.caller;
}

absl::StatusOr<v1::CreateTokenResponse> AccessCore::CreateToken(
    const Caller& c, const v1::CreateTokenRequest& r) {
  v1::CreateTokenRequest request = r;
  std::string account_name;
  if (!r.account().empty()) {  // a person's token: their role and scope
    if (r.role() != v1::ROLE_UNSPECIFIED || !r.unit().empty()) {
      return absl::InvalidArgumentError(
          "account: a token for an account takes its role and scope: leave role and "
          "unit empty");
    }
    ASSIGN_OR_RETURN(std::string id, ParseName(r.account(), "accounts", "account"));
    ASSIGN_OR_RETURN(store::StoredAccount stored, store_->GetAccount(id));
    if (!stored.account.disabled_at().empty()) {
      return absl::FailedPreconditionError(absl::StrCat(r.account(), ": is disabled"));
    }
    request.set_role(stored.account.role());
    if (stored.account.role() == v1::ROLE_WARD)
      request.set_unit(stored.account.scope().substr(6));
    account_name = stored.account.id();
    request.set_label(r.label().empty() ? stored.account.full_name() : r.label());
  }
  return CreateTokenFor(c, request, r, account_name);
}

absl::StatusOr<v1::CreateTokenResponse> AccessCore::CreateTokenFor(
    const Caller& c, const v1::CreateTokenRequest& r,
    const v1::CreateTokenRequest& original, const std::string& account) {
  if (r.role() == v1::ROLE_UNSPECIFIED)
    return absl::InvalidArgumentError("role: is required");
  if (r.role() == v1::ROLE_WARD && r.unit().empty()) {
    return absl::InvalidArgumentError("unit: a ward token needs the unit it acts for");
  }
  if (r.role() != v1::ROLE_WARD && !r.unit().empty()) {
    return absl::InvalidArgumentError("unit: only ward tokens act for a unit");
  }
  unsigned char random[40];
  if (RAND_bytes(random, sizeof(random)) != 1)
    return absl::InternalError("no randomness");
  const std::string bytes(reinterpret_cast<char*>(random), sizeof(random));
  RETURN_IF_ERROR(CheckText(r.label(), "label"));
  store::WriteContext ctx = Ctx(c, original, "CreateToken", "tokens", r.request_id());
  ASSIGN_OR_RETURN(auto prior, Replayed<v1::CreateTokenResponse>(ctx));
  if (prior.has_value()) return *std::move(prior);  // without the secret: shown once
  v1::CreateTokenResponse response;
  response.set_secret(
      absl::StrCat("pi_", absl::WebSafeBase64Escape(bytes.substr(0, 32))));
  v1::Token* token = response.mutable_token();
  token->set_id(absl::StrCat("tok_", absl::BytesToHexString(bytes.substr(32, 8))));
  token->set_role(r.role());
  token->set_unit(r.unit());
  token->set_label(r.label());
  if (!account.empty()) {
    ASSIGN_OR_RETURN(store::StoredAccount stored, store_->GetAccount(account));
    token->set_account(absl::StrCat("accounts/", account));
    token->set_scope(stored.account.scope());
  }
  // A replay gets the token without its secret, which is stored nowhere.
  ctx.response = [&](const v1::WriteAck& ack) {
    v1::CreateTokenResponse stored;
    *stored.mutable_token() = response.token();
    stored.mutable_token()->set_created_at(ack.at());
    return stored.SerializeAsString();
  };
  ASSIGN_OR_RETURN(v1::WriteAck ack,
                   store_->AddToken(ctx, *token, Sha256Hex(response.secret())));
  if (ack.replayed()) {  // the same request, applied a moment ago by another call
    ASSIGN_OR_RETURN(auto stored, Replayed<v1::CreateTokenResponse>(ctx));
    if (stored.has_value()) return *std::move(stored);
  }
  token->set_created_at(ack.at());
  return response;
}

absl::StatusOr<v1::Token> AccessCore::RevokeToken(const Caller& c,
                                                  const v1::GetByNameRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.name(), "tokens"));
  RETURN_IF_ERROR(
      store_->RevokeToken(Ctx(c, r, "RevokeToken", r.name(), ""), id).status());
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++revocations_;
    for (auto it = tokens_.begin(); it != tokens_.end();) {
      it = it->second.caller.token_id == id ? tokens_.erase(it) : std::next(it);
    }
  }
  ASSIGN_OR_RETURN(std::vector<v1::Token> tokens, store_->ListTokens());
  for (const v1::Token& t : tokens) {
    if (t.id() == id) return t;
  }
  return absl::NotFoundError(absl::StrCat(r.name(), ": not found"));
}

absl::StatusOr<v1::ListTokensResponse> AccessCore::ListTokens(const Caller& c,
                                                              const v1::ListRequest& r) {
  RETURN_IF_ERROR(NoFilter(r));
  ASSIGN_OR_RETURN(std::vector<v1::Token> tokens, store_->ListTokens());
  v1::ListTokensResponse response;
  RETURN_IF_ERROR(
      Page(tokens, r, response.mutable_tokens(), response.mutable_next_page_token()));
  return response;
}

absl::StatusOr<std::string> AccessCore::ImportToken(const std::string& secret,
                                                    v1::Role role,
                                                    const std::string& label) {
  if (secret.size() < 32) {
    return absl::InvalidArgumentError(absl::StrCat(
        label, ": a token secret needs at least 32 characters, got ", secret.size()));
  }
  const std::string hash = Sha256Hex(secret);
  absl::StatusOr<v1::Token> existing = store_->FindToken(hash);
  if (existing.ok()) {
    if (existing->role() != role) {
      return absl::FailedPreconditionError(absl::StrCat(
          label, ": this secret is already a ", RoleName(existing->role()), " token"));
    }
    return std::string();
  }
  if (existing.status().code() != absl::StatusCode::kNotFound) return existing.status();
  v1::Token token;
  token.set_id(absl::StrCat("tok_", hash.substr(0, 16)));
  // Revoked (FindToken knows live tokens only): the server starts without it, and says
  // so, rather than refusing to start in a loop.
  ASSIGN_OR_RETURN(std::vector<v1::Token> tokens, store_->ListTokens());
  for (const v1::Token& t : tokens) {
    if (t.id() == token.id() && !t.revoked_at().empty()) {
      return absl::StrCat(label, ": its token ", t.id(), " was revoked at ",
                          t.revoked_at(), "; not imported (give a new secret)");
    }
  }
  token.set_role(role);
  token.set_label(label);
  const Caller setup{v1::ROLE_ADMIN, "setup", ""};
  RETURN_IF_ERROR(
      store_->AddToken(Ctx(setup, token, "ImportToken", "", ""), token, hash).status());
  return std::string();
}

absl::StatusOr<v1::Token> AccessCore::GetCallerToken(const Caller& c,
                                                     const v1::GetCallerTokenRequest&) {
  ASSIGN_OR_RETURN(std::vector<v1::Token> tokens, store_->ListTokens());
  for (const v1::Token& t : tokens) {
    if (t.id() == c.token_id) return t;
  }
  return absl::NotFoundError(absl::StrCat("tokens/", c.token_id, ": not found"));
}

// ---- audit ----

absl::StatusOr<v1::ListAuditEventsResponse> AccessCore::ListAuditEvents(
    const Caller& c, const v1::ListRequest& r) {
  store::AuditFilter filter;
  filter.limit = 100000;
  if (!r.filter().empty()) {
    for (absl::string_view clause : absl::StrSplit(r.filter(), " AND ")) {
      std::vector<std::string> kv = absl::StrSplit(clause, absl::MaxSplits('=', 1));
      // Names and ids hold no space: one here is another operator ("a OR b"), which
      // must not quietly match nothing.
      if (kv.size() == 2 &&
          (kv[1].empty() || kv[1].find_first_of(" \t") != std::string::npos)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "filter: '", clause,
            "' is not one condition: use resource=…, actor=…, joined by ' AND ' (there "
            "is no OR: list each separately)"));
      }
      if (kv.size() == 2 && kv[0] == "resource") {
        filter.resource_prefix = kv[1];
      } else if (kv.size() == 2 && kv[0] == "actor") {
        filter.actor = kv[1];
      } else {
        return absl::InvalidArgumentError(
            "filter: use resource=…, actor=…, joined by ' AND '");
      }
    }
  }
  ASSIGN_OR_RETURN(std::vector<v1::AuditEvent> events, store_->ListAudit(filter));
  UnitsByCode units;
  if (NeedsUnits(c) || c.role == v1::ROLE_WARD) {
    ASSIGN_OR_RETURN(std::vector<v1::Unit> all, store_->ListUnits());
    for (v1::Unit& u : all) units[u.code()] = std::move(u);
    events.erase(std::remove_if(events.begin(), events.end(),
                                [&](const v1::AuditEvent& e) {
                                  return !CanSeeAuditEvent(c, units, e);
                                }),
                 events.end());
  }
  v1::ListAuditEventsResponse response;
  RETURN_IF_ERROR(
      Page(events, r, response.mutable_events(), response.mutable_next_page_token()));
  ASSIGN_OR_RETURN(auto names, ActorNames());
  for (v1::AuditEvent& e : *response.mutable_events()) {
    e.set_actor_display(ActorDisplay(names, e));
    ShowAuditEvent(c, units, &e);
  }
  return response;
}

void AccessCore::TokensChanged() {
  std::lock_guard<std::mutex> lock(mu_);
  ++revocations_;  // a lookup that overlapped this keeps nothing
  tokens_.clear();
}

}  // namespace parindex::server
