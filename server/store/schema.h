// The schema and its migrations, for both backends: each step is written once in
// portable DDL (sql.h's SchemaSql reads it for each dialect) and versioned (SQLite's
// PRAGMA user_version, PostgreSQL's parindex_schema table).
#ifndef PARINDEX_SERVER_STORE_SCHEMA_H_
#define PARINDEX_SERVER_STORE_SCHEMA_H_

#include <sqlite3.h>  // the SQLite-only overloads

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "server/store/sql.h"

namespace parindex::store {

// What the steps that convert data in C++ need, and what they report.
struct Upgrade {
  // Stamped on the audit rows a conversion writes: "2025-11-20T02:00:00.000Z".
  std::string now;
  // Appended to: one line per thing an operator should read (copies of a figure that
  // disagreed). Lines of steps that were rolled back are removed again.
  std::vector<std::string> notes;
};

// The schema version this binary writes.
int LatestSchemaVersion();

// Brings the database to `target` (at most LatestSchemaVersion()), each step in its own
// transaction (its SQL and its conversion together). FAILED_PRECONDITION when the file
// is newer than the binary.
// On PostgreSQL the whole migration holds an advisory lock (one server migrates).
absl::Status Migrate(Conn* db, int target, Upgrade* upgrade);
// As above, stamped with the real clock, the notes dropped.
absl::Status Migrate(Conn* db, int target);
// On a SQLite connection (tests that write a file of an earlier schema).
absl::Status Migrate(sqlite3* db, int target);

// The file's PRAGMA user_version.
int SchemaVersion(sqlite3* db);

}  // namespace parindex::store

#endif  // PARINDEX_SERVER_STORE_SCHEMA_H_
