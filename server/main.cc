// parindex-server: the service binary. Today it maintains the database (backup,
// restore, migrate); the gRPC service (`serve`) comes with the service issue.
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "server/store/schema.h"
#include "server/store/sqlite_store.h"

namespace {

int Report(const absl::Status& status, const std::string& done) {
  if (!status.ok()) {
    std::cerr << "parindex-server: " << absl::StatusCodeToString(status.code()) << ": "
              << status.message() << "\n";
    return 1;
  }
  std::cout << done << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"parindex-server: the PAR Index service"};
  app.require_subcommand(1);

  std::string db, to, from;
  CLI::App* backup = app.add_subcommand(
      "backup", "Copy the database to a new file, consistently, while the server runs");
  backup->add_option("--db", db, "The live database")->required();
  backup->add_option("--to", to, "The copy to create (must not exist)")->required();

  CLI::App* restore = app.add_subcommand(
      "restore", "Replace a database by a backup; refused while a server holds it");
  restore->add_option("--from", from, "The backup")->required()->check(CLI::ExistingFile);
  restore->add_option("--db", db, "The database to replace")->required();

  CLI::App* migrate = app.add_subcommand(
      "migrate", "Open the database (creating it if absent), check it and bring its schema "
                 "up to this binary's");
  migrate->add_option("--db", db, "The database")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (backup->parsed()) {
    return Report(parindex::store::BackupDatabase(db, to), "backed up " + db + " to " + to);
  }
  if (restore->parsed()) {
    return Report(parindex::store::RestoreDatabase(from, db), "restored " + db + " from " + from);
  }
  parindex::store::SqliteOptions options;
  options.path = db;
  auto store = parindex::store::SqliteStore::Open(options);
  return Report(store.status(),
                db + " is at schema version " +
                    std::to_string(parindex::store::LatestSchemaVersion()) + " and passes quick_check");
}
