// Kept for code written before the PostgreSQL backend: the store is SqlStore
// (sql_store.h) on either backend; a SQLite file is one StoreOptions::path.
#ifndef PARINDEX_SERVER_STORE_SQLITE_STORE_H_
#define PARINDEX_SERVER_STORE_SQLITE_STORE_H_

#include "server/store/sql_store.h"

namespace parindex::store {

using SqliteStore = SqlStore;
using SqliteOptions = StoreOptions;

}  // namespace parindex::store

#endif  // PARINDEX_SERVER_STORE_SQLITE_STORE_H_
