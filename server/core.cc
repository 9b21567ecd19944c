// Core: the parts over one RoundCache (server/core.h).
#include "server/core.h"

namespace parindex::server {

Core::Core(store::Store* store, const store::Clock* clock, bool cache_accounts)
    : cache_(store, cache_accounts),
      catalog_(store, clock, &cache_),
      rounds_(store, clock, &cache_),
      assessments_(store, clock, &cache_),
      scores_(store, clock, &cache_),
      reports_(store, clock, &cache_),
      access_(store, clock, &cache_),
      accounts_(store, clock, &cache_),
      records_(store, clock, &cache_) {}

}  // namespace parindex::server
