// Core: the parts over one RoundCache (server/core.h).
#include "server/core.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"

namespace parindex::server {

Core::Core(store::Store* store, const store::Clock* clock, bool cache_accounts)
    : store_(store),
      cache_(store, cache_accounts),
      catalog_(store, clock, &cache_),
      rounds_(store, clock, &cache_),
      assessments_(store, clock, &cache_),
      scores_(store, clock, &cache_),
      reports_(store, clock, &cache_),
      access_(store, clock, &cache_),
      accounts_(store, clock, &cache_),
      records_(store, clock, &cache_),
      tasks_(store, clock, &cache_) {
  store_->ListenForChanges(
      [this](const std::vector<std::string>& resources) { OnStoreChanges(resources); });
}

Core::~Core() { store_->ListenForChanges(nullptr); }

void Core::OnStoreChanges(const std::vector<std::string>& resources) {
  for (const std::string& resource : resources) {
    const std::vector<std::string> part = absl::StrSplit(resource, '/');
    if (resource == "*") {
      cache_.EverythingChanged();
      cache_.AllAccountsChanged();
      access_.TokensChanged();
    } else if (part[0] == "rounds" && part.size() >= 4 && part[2] == "assessments") {
      cache_.Changed(part[1], part[3]);  // a form, its values, files or state
    } else if (part[0] == "rounds" && part.size() == 2) {
      cache_.RoundChanged(part[1]);
    } else if (part[0] == "units" || part[0] == "plans" || part[0] == "criteriaSets") {
      cache_.EverythingChanged();
    } else if (part[0] == "accounts" && part.size() >= 2) {
      cache_.AccountChanged(part[1]);  // the account, or one of its sessions
    } else if (part[0] == "tokens") {
      access_.TokensChanged();
    }
    // signIns/…, signInAddresses/…, rounds/r/imports/…: nothing cached.
  }
}

}  // namespace parindex::server
