// The SQLite schema and its migrations, applied by PRAGMA user_version.
#ifndef PARINDEX_SERVER_STORE_SCHEMA_H_
#define PARINDEX_SERVER_STORE_SCHEMA_H_

#include <sqlite3.h>

#include "absl/status/status.h"

namespace parindex::store {

// The schema version this binary writes.
int LatestSchemaVersion();

// Brings the database to `target` (at most LatestSchemaVersion()), each step in its own
// transaction. FAILED_PRECONDITION when the file is newer than the binary.
absl::Status Migrate(sqlite3* db, int target);

// The file's PRAGMA user_version.
int SchemaVersion(sqlite3* db);

}  // namespace parindex::store

#endif  // PARINDEX_SERVER_STORE_SCHEMA_H_
