// Child process for the crash test: writes entries to the store and prints the number
// of each write on stdout only after the store acknowledged it. The parent kills it
// with SIGKILL at a random moment and checks every printed write is in the file.
//
// Usage: store_crash_child DB PREFIX
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "server/store/sql_store.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: store_crash_child DB PREFIX\n");
    return 2;
  }
  parindex::store::StoreOptions options;
  options.path = argv[1];
  auto store = parindex::store::SqlStore::Open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", std::string(store.status().message()).c_str());
    return 1;
  }
  parindex::store::WriteContext ctx;
  ctx.actor = {"crash-child", "system", ""};
  for (long i = 0;; ++i) {
    parindex::store::EntryUpdate update;
    update.entry.set_criterion(absl::StrCat(argv[2], ".", i));
    (*update.entry.mutable_self()->mutable_figures())["value"] = i;
    auto ack = (*store)->UpdateEntries(ctx, "r", "U1", {update});
    if (!ack.ok()) {
      std::fprintf(stderr, "%s\n", std::string(ack.status().message()).c_str());
      return 1;
    }
    std::printf("%ld\n", i);
    std::fflush(stdout);
  }
}
