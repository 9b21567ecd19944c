// One argon2id password hash and one verification (server/core_account.h: libsodium,
// OPSLIMIT_INTERACTIVE, MEMLIMIT_INTERACTIVE), the cost of every CreateAccount,
// ResetPassword, ChangePassword and SignIn. Results and commands are in bench/README.md.
#include <string>

#include "benchmark/benchmark.h"
#include "server/core_account.h"

namespace parindex::server {
namespace {

void BM_HashPassword(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(HashPassword("mật khẩu mới 2025"));
  }
}
BENCHMARK(BM_HashPassword)->Unit(benchmark::kMillisecond);

void BM_VerifyPassword(benchmark::State& state) {
  const std::string hash = *HashPassword("mật khẩu mới 2025");
  for (auto _ : state) {
    benchmark::DoNotOptimize(VerifyPassword(hash, "mật khẩu mới 2025"));
  }
}
BENCHMARK(BM_VerifyPassword)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace parindex::server

BENCHMARK_MAIN();
