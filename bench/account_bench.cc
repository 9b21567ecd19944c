// What every call of a signed-in person costs before its method runs: finding the
// caller from a session (ps_…) or from a token made for an account (pi_…). Each reads
// the account, so that a disabled account is refused at once; the Core keeps accounts
// in a cache that DisableAccount, ResetPassword and ChangePassword empty
// (server/round_cache.h). Each benchmark runs twice in one process on the same SQLite
// file: `/0` with the cache off (every call reads the account from the store, as
// before the cache), `/1` with it on. Results and commands are in bench/README.md.
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "server/core.h"
#include "server/store/sql_store.h"

namespace parindex::server {
namespace {

// One store on a fresh file, with a national appraiser who has signed in and
// has a token for a script; shared by the benchmarks.
struct Deployment {
  Deployment() {
    dir = std::filesystem::temp_directory_path() /
          absl::StrCat("parindex-account-bench-", ::getpid());
    std::filesystem::create_directories(dir);
    store::StoreOptions options;
    options.path = (dir / "bench.db").string();
    store = std::move(*store::SqlStore::Open(options));
    Core core(store.get(), &store::Clock::Real());
    const Caller admin{v1::ROLE_ADMIN, "bench", ""};
    v1::CreateAccountRequest create;
    create.set_username("hoa.tran");
    create.set_full_name("Trần Thị Hoa");
    create.set_role(v1::ROLE_APPRAISER);
    create.set_scope("*");
    v1::CreateAccountResponse created = *core.accounts().CreateAccount(admin, create);
    v1::SignInRequest in;
    in.set_username("hoa.tran");
    in.set_password(created.one_time_password());
    session = core.accounts().SignIn(Caller(), in)->session();
    v1::CreateTokenRequest token;
    token.set_account(absl::StrCat("accounts/", created.account().id()));
    secret = core.access().CreateToken(admin, token)->secret();
  }
  ~Deployment() {
    store.reset();
    std::filesystem::remove_all(dir);
  }

  std::filesystem::path dir;
  std::unique_ptr<store::SqlStore> store;
  std::string session, secret;
};

Deployment& Shared() {
  static Deployment deployment;  // removed at exit
  return deployment;
}

void BM_SessionCall(benchmark::State& state) {
  Deployment& d = Shared();
  Core core(d.store.get(), &store::Clock::Real(), /*cache_accounts=*/state.range(0) == 1);
  for (auto _ : state) {
    absl::StatusOr<Caller> caller = core.accounts().Authenticate(d.session);
    if (!caller.ok()) state.SkipWithError("refused");
    benchmark::DoNotOptimize(caller);
  }
}
BENCHMARK(BM_SessionCall)->Arg(0)->Arg(1);

void BM_AccountTokenCall(benchmark::State& state) {
  Deployment& d = Shared();
  Core core(d.store.get(), &store::Clock::Real(), /*cache_accounts=*/state.range(0) == 1);
  for (auto _ : state) {
    absl::StatusOr<Caller> caller = core.access().Authenticate(d.secret);
    if (!caller.ok()) state.SkipWithError("refused");
    benchmark::DoNotOptimize(caller);
  }
}
BENCHMARK(BM_AccountTokenCall)->Arg(0)->Arg(1);

}  // namespace
}  // namespace parindex::server

BENCHMARK_MAIN();
