// The real parindex-server binary's maintenance commands: backup while a store holds
// the database, restore refused while it is live, migrate; on a SQLite file and on
// PostgreSQL.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/store/schema.h"
#include "tests/pg_server.h"
#include "tests/store_test_util.h"

namespace parindex::store {
namespace {

struct Result {
  int exit_code;
  std::string out;
  std::string err;
};

Result Server(const testing::TempDir& dir, const std::string& args) {
  const std::string out = dir.File("out"), err = dir.File("err");
  const int status = std::system(
      absl::StrCat("'", PARINDEX_SERVER, "' ", args, " >'", out, "' 2>'", err, "'")
          .c_str());
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read(out), read(err)};
}

TEST(ServerCli, BackupOfALiveDatabaseAndRestore) {
  testing::TempDir dir;
  const std::string db = dir.File("live.db"), copy = dir.File("copy.db");
  StoreOptions options;
  options.path = db;
  auto store = SqlStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  testing::AddRoundFixture(**store);
  ASSERT_TRUE(
      (*store)
          ->UpdateEntries(testing::Admin(), "r", "U1", {testing::Figure("II.1", 7, 0)})
          .ok());

  Result backup = Server(dir, absl::StrCat("backup --db '", db, "' --to '", copy, "'"));
  EXPECT_EQ(backup.exit_code, 0) << backup.err;
  EXPECT_EQ(backup.out, absl::StrCat("backed up ", db, " to ", copy, "\n"));

  Result refused =
      Server(dir, absl::StrCat("restore --from '", copy, "' --db '", db, "'"));
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.err,
            absl::StrCat("parindex-server: FAILED_PRECONDITION: ", db,
                         " is in use by a running parindex-server; stop it before "
                         "restoring\n"));

  ASSERT_TRUE(
      (*store)
          ->UpdateEntries(testing::Admin(), "r", "U1", {testing::Figure("II.1", 8, 1)})
          .ok());
  store->reset();  // the server stops
  Result restored =
      Server(dir, absl::StrCat("restore --from '", copy, "' --db '", db, "'"));
  EXPECT_EQ(restored.exit_code, 0) << restored.err;
  auto reopened = SqlStore::Open(options);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  // Back to the backup's state: the later write is gone.
  EXPECT_EQ((*reopened)->GetAssessment("r", "U1")->entries(0).self().figures().at("x"),
            7);
}

TEST(ServerCli, MigrateCreatesAndChecks) {
  testing::TempDir dir;
  Result migrate = Server(dir, absl::StrCat("migrate --db '", dir.File("new.db"), "'"));
  EXPECT_EQ(migrate.exit_code, 0) << migrate.err;
  EXPECT_EQ(migrate.out,
            absl::StrCat(dir.File("new.db"), " is at schema version ",
                         LatestSchemaVersion(), " and passes quick_check\n"));
  Result usage = Server(dir, "backup --db x");
  EXPECT_EQ(usage.exit_code, 2);
}

TEST(ServerCli, MigrateBackupAndRestoreOnPostgresql) {
  testing::TempDir dir;
  auto pg = testing::PostgresServer::Get();
  ASSERT_TRUE(pg.ok()) << pg.status();
  auto db = (*pg)->NewDatabase();
  ASSERT_TRUE(db.ok()) << db.status();
  Result migrate = Server(dir, absl::StrCat("migrate --db '", *db, "'"));
  EXPECT_EQ(migrate.exit_code, 0) << migrate.err;
  EXPECT_EQ(migrate.out,
            absl::StrCat(*db, " is at schema version ", LatestSchemaVersion(), "\n"));

  StoreOptions options;
  options.path = *db;
  auto store = SqlStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  testing::AddRoundFixture(**store);
  ASSERT_TRUE(
      (*store)
          ->UpdateEntries(testing::Admin(), "r", "U1", {testing::Figure("II.1", 7, 0)})
          .ok());
  const std::string copy = dir.File("copy.dump");
  Result backup = Server(dir, absl::StrCat("backup --db '", *db, "' --to '", copy, "'"));
  EXPECT_EQ(backup.exit_code, 0) << backup.err;
  EXPECT_EQ(backup.out, absl::StrCat("backed up ", *db, " to ", copy, "\n"));
  ASSERT_TRUE(
      (*store)
          ->UpdateEntries(testing::Admin(), "r", "U1", {testing::Figure("II.1", 8, 1)})
          .ok());

  // Not over a database that holds data (servers may be running on it).
  Result refused =
      Server(dir, absl::StrCat("restore --from '", copy, "' --db '", *db, "'"));
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(
      refused.err,
      absl::StrCat("parindex-server: FAILED_PRECONDITION: the database already holds "
                   "a parindex schema (version ",
                   LatestSchemaVersion(),
                   "); restore into a new, empty database (createdb) and point the "
                   "servers at it\n"));
  auto fresh = (*pg)->NewDatabase();
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  Result restored =
      Server(dir, absl::StrCat("restore --from '", copy, "' --db '", *fresh, "'"));
  EXPECT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_EQ(restored.out, absl::StrCat("restored ", *fresh, " from ", copy, "\n"));
  options.path = *fresh;
  auto from_backup = SqlStore::Open(options);
  ASSERT_TRUE(from_backup.ok()) << from_backup.status();
  // The backup's state: the later write is not in it, and the copy takes writes.
  auto form = (*from_backup)->GetAssessment("r", "U1");
  ASSERT_TRUE(form.ok()) << form.status();
  EXPECT_EQ(form->entries(0).self().figures().at("x"), 7);
  EXPECT_EQ(form->entries(0).version(), 1);
  EXPECT_TRUE(
      (*from_backup)
          ->UpdateEntries(testing::Admin(), "r", "U1", {testing::Figure("II.1", 9, 1)})
          .ok());
  Result missing = Server(
      dir, absl::StrCat("restore --from '", dir.File("none"), "' --db '", *fresh, "'"));
  EXPECT_EQ(missing.exit_code, 2);  // a usage error, named by the flag
  EXPECT_EQ(missing.err, absl::StrCat("--from: File does not exist: ", dir.File("none"),
                                      "\nRun with --help for more information.\n"));
}

}  // namespace
}  // namespace parindex::store
