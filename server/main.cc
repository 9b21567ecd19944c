// parindex-server: the PAR Index service, and the database's maintenance commands.
#include <arpa/inet.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "server/auth.h"
#include "server/demo.h"
#include "server/gateway.h"
#include "server/metrics.h"
#include "server/service.h"
#include "server/store/pg_conn.h"
#include "server/store/schema.h"
#include "server/store/sql_store.h"

namespace {

// The database as a log line may show it: a PostgreSQL URI without its password.
std::string ShownDb(const std::string& db) {
  if (!parindex::store::IsPostgresUri(db)) return db;
  const size_t scheme = db.find("://") + 3;
  const size_t at = db.find('@', scheme);
  const size_t colon = db.find(':', scheme);
  if (at == std::string::npos || colon == std::string::npos || colon > at) return db;
  return db.substr(0, colon + 1) + "***" + db.substr(at);
}

int shutdown_pipe[2] = {-1, -1};

int Fail(const absl::Status& status) {
  std::cerr << "parindex-server: " << absl::StatusCodeToString(status.code()) << ": "
            << status.message() << "\n";
  return 1;
}

int Report(const absl::Status& status, const std::string& done) {
  if (!status.ok()) return Fail(status);
  std::cout << done << "\n";
  return 0;
}

// True when `address` ("host:port") names a loopback host: an IPv4 address in
// 127.0.0.0/8, [::1], or localhost. A name that only begins like one ("127.0.0.1.nip.io")
// is not: it resolves wherever its DNS says.
bool IsLoopback(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  const std::string host = address.substr(0, colon);
  if (host == "localhost" || host == "[::1]") return true;
  in_addr ip4;
  return inet_pton(AF_INET, host.c_str(), &ip4) == 1 && (ntohl(ip4.s_addr) >> 24) == 127;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct ServeOptions {
  std::string db = "parindex.db";
  std::string listen = "127.0.0.1:50051";
  std::string tls_cert, tls_key;
  bool insecure = false;
  std::string demo;            // criteria directory to load the demo round from
  bool demo_province = false;  // and the province's round of 104 units
  std::string http;            // address of the HTTP/JSON gateway; empty: none
  bool quiet = false;
  int64_t max_evidence_mb = 20;
  std::string admin_token_file;  // a secret to accept as an admin token
  // Single sign-on (server/oidc.h): all three, or none.
  std::string oidc_issuer, oidc_audience, oidc_jwks;
  std::string oidc_claim = "preferred_username";
  bool secure_cookies = false;  // default: on with --tls-cert
  bool trust_forwarded_for = false;
};

// Resident set size from /proc/self/statm (pages), for /metrics; 0 if unreadable.
int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  if (!(statm >> size >> resident)) return 0;
  return resident * sysconf(_SC_PAGESIZE);
}

int Serve(const ServeOptions& options) {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (!options.tls_cert.empty() || !options.tls_key.empty()) {
    auto cert = ReadFile(options.tls_cert);
    auto key = ReadFile(options.tls_key);
    if (!cert.ok()) return Fail(cert.status());
    if (!key.ok()) return Fail(key.status());
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    credentials = grpc::SslServerCredentials(ssl);
  } else if (IsLoopback(options.listen) || options.insecure) {
    credentials = grpc::InsecureServerCredentials();
  } else {
    return Fail(absl::FailedPreconditionError(
        absl::StrCat("--listen ", options.listen,
                     " is not a loopback address: give --tls-cert and "
                     "--tls-key, or --insecure to serve plaintext anyway")));
  }

  // A client that goes away, or a closed stdout, must not kill the server.
  signal(SIGPIPE, SIG_IGN);
  // SIGTERM and SIGINT write to a pipe (whichever thread gets them); a thread reading
  // the pipe shuts the server down gracefully.
  if (pipe(shutdown_pipe) != 0) return Fail(absl::InternalError("pipe"));
  struct sigaction action = {};
  action.sa_handler = [](int signal) {
    const char byte = static_cast<char>(signal);
    [[maybe_unused]] ssize_t n = write(shutdown_pipe[1], &byte, 1);
  };
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);

  parindex::server::Metrics metrics([] {
    std::vector<std::string> methods;
    for (const auto& [method, roles] : parindex::server::MethodRoles())
      methods.push_back(method);
    return methods;
  }());
  parindex::store::StoreOptions store_options;
  store_options.path = options.db;
  store_options.on_commit = [&metrics](absl::Duration latency, int writes) {
    metrics.RecordCommit(latency, writes);
  };
  store_options.max_evidence_bytes = options.max_evidence_mb << 20;
  auto store = parindex::store::SqlStore::Open(store_options);
  if (!store.ok()) return Fail(store.status());
  parindex::server::Core core(store->get(), &parindex::store::Clock::Real());

  if (!options.admin_token_file.empty()) {
    absl::StatusOr<std::string> secret = ReadFile(options.admin_token_file);
    if (!secret.ok()) return Fail(secret.status());
    absl::StatusOr<std::string> imported = core.access().ImportToken(
        std::string(absl::StripAsciiWhitespace(*secret)), parindex::v1::ROLE_ADMIN,
        absl::StrCat("--admin-token-file ", options.admin_token_file));
    if (!imported.ok()) return Fail(imported.status());
    if (!imported->empty()) {
      std::fprintf(stderr, "ts=%s event=admin_token_revoked message=\"%s\"\n",
                   absl::FormatTime("%Y-%m-%dT%H:%M:%E3S%Ez", absl::Now(),
                                    parindex::server::VietnamTime())
                       .c_str(),
                   imported->c_str());
    }
  }
  std::unique_ptr<parindex::server::OidcVerifier> oidc;
  if (!options.oidc_issuer.empty() || !options.oidc_audience.empty() ||
      !options.oidc_jwks.empty()) {
    if (options.oidc_jwks.empty()) {
      return Fail(absl::InvalidArgumentError(
          "--oidc-jwks: is required with --oidc-issuer (a file or a URL)"));
    }
    auto fetch = parindex::server::JwksFetcher(options.oidc_jwks);
    if (!fetch.ok()) return Fail(fetch.status());
    parindex::server::OidcOptions oidc_options;
    oidc_options.issuer = options.oidc_issuer;
    oidc_options.audience = options.oidc_audience;
    oidc_options.claim = options.oidc_claim;
    auto verifier = parindex::server::OidcVerifier::Create(
        oidc_options, *std::move(fetch), &parindex::store::Clock::Real());
    if (!verifier.ok()) return Fail(verifier.status());
    oidc = *std::move(verifier);
  }
  std::vector<std::pair<std::string, std::string>> tokens;
  std::vector<parindex::server::DemoAccount> accounts;
  if (!options.demo.empty()) {
    auto demo = parindex::server::LoadDemo(core, options.demo);
    if (!demo.ok()) return Fail(demo.status());
    tokens = *demo;
    if (options.demo_province) {
      absl::Status province = parindex::server::LoadProvinceDemo(core, options.demo);
      if (!province.ok()) return Fail(province);
    }
    auto people = parindex::server::LoadDemoAccounts(core, options.demo_province);
    if (!people.ok()) return Fail(people.status());
    accounts = *people;
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen, credentials, &port);
  builder.SetMaxReceiveMessageSize(static_cast<int>((options.max_evidence_mb + 4) << 20));
  parindex::server::ServiceOptions service_options;
  service_options.log_rpcs = !options.quiet;
  service_options.metrics = &metrics;
  service_options.oidc = oidc.get();
  auto services = parindex::server::MakeServices(&core, service_options);
  for (auto& service : services) builder.RegisterService(service.get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return Fail(
        absl::UnavailableError(absl::StrCat("cannot listen on ", options.listen)));
  }
  const std::string host = options.listen.substr(0, options.listen.rfind(':'));
  const std::string address = absl::StrCat(host, ":", port);
  std::cout << "parindex-server listening on " << address << " (database "
            << ShownDb(options.db) << ")\n";
  std::unique_ptr<parindex::server::HttpGateway> gateway;
  std::string http_url;
  if (!options.http.empty()) {
    if (!IsLoopback(options.http) && !options.insecure) {
      return Fail(absl::FailedPreconditionError(
          absl::StrCat("--http ", options.http,
                       " is not a loopback address: the gateway serves plaintext; put it "
                       "behind a TLS proxy and give --insecure")));
    }
    const size_t colon = options.http.rfind(':');
    int http_port = 0;
    if (colon == std::string::npos ||
        !absl::SimpleAtoi(options.http.substr(colon + 1), &http_port)) {
      return Fail(absl::InvalidArgumentError("--http: expected host:port"));
    }
    parindex::server::GatewayOptions gateway_options;
    // An evidence file travels as base64 (4/3 of its size) inside JSON.
    gateway_options.max_body_bytes =
        static_cast<size_t>(options.max_evidence_mb) * (1 << 20) / 3 * 4 + (1 << 20);
    gateway_options.metrics = [&metrics] { return metrics.Render(); };
    gateway_options.secure_cookies = options.secure_cookies;
    gateway_options.trust_forwarded_for = options.trust_forwarded_for;
    // The gateway takes what the server sends: an evidence file up to the limit (gRPC's
    // default of 4 MiB refused a larger one on its way back, after the server had
    // answered OK).
    grpc::ChannelArguments gateway_channel;
    gateway_channel.SetMaxReceiveMessageSize(-1);
    gateway = std::make_unique<parindex::server::HttpGateway>(
        server->InProcessChannel(gateway_channel), gateway_options);
    auto bound = gateway->Start(options.http.substr(0, colon), http_port);
    if (!bound.ok()) return Fail(bound.status());
    http_url = absl::StrCat("http://", options.http.substr(0, colon), ":", *bound);
    std::cout << "http gateway on " << http_url << "\n";
  }
  if (!tokens.empty()) {
    std::cout << "tokens (each shown once):\n";
    for (const auto& [label, secret] : tokens)
      std::cout << "  " << label << ": " << secret << "\n";
    std::cout << "accounts for the web page (a one-time password, changed at first "
                 "sign-in):\n";
    for (const auto& a : accounts) {
      std::cout << "  " << a.label << ": user " << a.username << ", one-time password "
                << a.one_time_password << "\n";
    }
    const std::string appraiser = tokens[1].second;
    std::cout
        << "try:\n"
        << "  build/client/parindex call --server " << address << " --token " << appraiser
        << " /parindex.v1.ScoreService/GetRanking '{\"name\": \"rounds/hungyen-2023\"}'\n"
        << "  build/client/parindex call --server " << address << " --token "
        << tokens[3].second
        << " /parindex.v1.ScoreService/GetUnitScore "
           "'{\"name\": \"rounds/hungyen-2023/assessments/PLS\", \"column\": "
           "\"SELF\"}'\n";
    if (!http_url.empty()) {
      std::cout << "  curl -H 'Authorization: Bearer " << appraiser
                << "' -d '{\"name\": \"rounds/hungyen-2023\"}' " << http_url
                << "/parindex.v1.ScoreService/GetRanking\n"
                << "  the web page: open " << http_url
                << "/ and sign in with an account above (ward XTH: its form; appraiser: "
                   "the board)\n";
    }
  }
  std::cout.flush();

  metrics.AddCollector([&core, &store](std::string* out) {
    parindex::server::AppendFamily(out, "parindex_store_write_queue_depth", "gauge",
                                   "Writes waiting for the store's writer thread.");
    parindex::server::AppendSample(out, "parindex_store_write_queue_depth", "",
                                   static_cast<double>((*store)->queue_depth()));
    parindex::server::AppendFamily(out, "process_resident_memory_bytes", "gauge",
                                   "Resident memory of the server process.");
    parindex::server::AppendSample(out, "process_resident_memory_bytes", "",
                                   static_cast<double>(ResidentBytes()));
    auto rounds = core.rounds().RoundGauges();
    if (!rounds.ok()) return;
    parindex::server::AppendFamily(out, "parindex_round_phase", "gauge",
                                   "1 for the phase each round is in.");
    for (const auto& r : *rounds) {
      parindex::server::AppendSample(
          out, "parindex_round_phase",
          absl::StrCat("round=\"", r.round, "\",phase=\"",
                       parindex::v1::RoundPhase_Name(r.phase), "\""),
          1);
    }
    parindex::server::AppendFamily(
        out, "parindex_round_units", "gauge",
        "Units of each round by the state of their assessment.");
    for (const auto& r : *rounds) {
      for (const auto& [state, n] : r.states) {
        parindex::server::AppendSample(
            out, "parindex_round_units",
            absl::StrCat("round=\"", r.round, "\",state=\"",
                         parindex::v1::AssessmentState_Name(state), "\""),
            n);
      }
    }
  });

  std::thread waiter([&] {
    char signal = 0;
    while (read(shutdown_pipe[0], &signal, 1) < 0 && errno == EINTR) {
    }
    std::cerr << "parindex-server: shutting down (signal " << int{signal} << ")\n";
    server->GetHealthCheckService()->Shutdown();  // NOT_SERVING: /readyz answers 503
    if (gateway != nullptr) gateway->Stop();  // its calls finish before the server stops
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  });
  server->Wait();
  waiter.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil is built without NDEBUG, so every absl::Mutex (gRPC takes several on
  // every call) records its lock order in one global graph to find deadlocks, under a
  // global lock: a few percent of a read's CPU (perf: GraphCycles::GetId, InsertEdge,
  // RemoveNode). The tests keep the check; the server does not need it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{"parindex-server: the PAR Index service"};
  app.require_subcommand(1);

  ServeOptions serve;
  CLI::App* serve_cmd = app.add_subcommand("serve", "Serve the gRPC API");
  serve_cmd
      ->add_option("--db", serve.db,
                   "The database: a SQLite file (created if absent), or PostgreSQL's "
                   "postgresql://user@host/db (several servers may share it)")
      ->envname("PARINDEX_DB")
      ->capture_default_str();
  serve_cmd->add_option("--listen", serve.listen,
                        "Address to listen on; port 0 picks a free one");
  serve_cmd->add_option("--tls-cert", serve.tls_cert, "PEM certificate chain");
  serve_cmd->add_option("--tls-key", serve.tls_key, "PEM private key");
  serve_cmd->add_flag("--insecure", serve.insecure,
                      "Allow plaintext on a non-loopback address");
  serve_cmd->add_option(
      "--demo", serve.demo,
      "Load the bundled criteria, plans and demo round from this directory "
      "(once), and print a token per role");
  serve_cmd->add_flag(
      "--demo-province", serve.demo_province,
      "With --demo: also the province's round (hungyen-2025, 104 communes "
      "and wards in every state, in explanation)");
  serve_cmd->add_flag("--quiet", serve.quiet, "No log line per call");
  CLI::Option* secure_cookies = serve_cmd->add_flag(
      "--secure-cookies,!--no-secure-cookies", serve.secure_cookies,
      "Mark the page's session cookie Secure (HTTPS only): for a gateway behind a TLS "
      "proxy; on by default with --tls-cert");
  serve_cmd->add_flag("--trust-forwarded-for", serve.trust_forwarded_for,
                      "Count failed sign-ins by the last address of X-Forwarded-For (set "
                      "by the proxy in front of --http) instead of the connection's");
  serve_cmd->add_option("--http", serve.http,
                        "Also serve HTTP/JSON on host:port (port 0: a free one)");
  serve_cmd->add_option("--max-evidence-mb", serve.max_evidence_mb,
                        "Evidence file size limit");
  serve_cmd->add_option(
      "--admin-token-file", serve.admin_token_file,
      "A file holding a secret (32+ characters) to accept as an admin token: the first "
      "token of a new deployment, e.g. from a Kubernetes secret");
  serve_cmd->add_option("--oidc-issuer", serve.oidc_issuer,
                        "Single sign-on: accept bearer JWTs whose iss is this (the "
                        "province's OpenID Connect issuer)");
  serve_cmd->add_option("--oidc-audience", serve.oidc_audience,
                        "Single sign-on: the aud the JWTs must name (this service's "
                        "client id at the issuer)");
  serve_cmd->add_option("--oidc-jwks", serve.oidc_jwks,
                        "Single sign-on: the issuer's keys, a JWKS file or an https:// "
                        "URL (fetched at start, again for an unknown kid)");
  serve_cmd
      ->add_option("--oidc-claim", serve.oidc_claim,
                   "Single sign-on: the claim holding the account's username")
      ->capture_default_str();

  std::string db, to, from;
  CLI::App* backup = app.add_subcommand(
      "backup", "Copy the database to a new file, consistently, while the server runs");
  backup->add_option("--db", db, "The live database (a file or postgresql://…)")
      ->required()
      ->envname("PARINDEX_DB");
  backup->add_option("--to", to, "The copy to create (must not exist)")->required();
  CLI::App* restore = app.add_subcommand(
      "restore", "Replace a database by a backup; refused while a server holds it");
  restore->add_option("--from", from, "The backup")->required()->check(CLI::ExistingFile);
  restore
      ->add_option("--db", db,
                   "The database to replace (postgresql://…: a new, empty database)")
      ->required()
      ->envname("PARINDEX_DB");
  CLI::App* migrate = app.add_subcommand(
      "migrate",
      "Open the database (creating it if absent), check it and bring its schema "
      "up to this binary's");
  migrate->add_option("--db", db, "The database (a file or postgresql://…)")
      ->required()
      ->envname("PARINDEX_DB");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (serve_cmd->parsed()) {
    if (secure_cookies->count() == 0) serve.secure_cookies = !serve.tls_cert.empty();
    return Serve(serve);
  }
  if (backup->parsed()) {
    return Report(parindex::store::BackupDatabase(db, to),
                  "backed up " + ShownDb(db) + " to " + to);
  }
  if (restore->parsed()) {
    return Report(parindex::store::RestoreDatabase(from, db),
                  "restored " + ShownDb(db) + " from " + from);
  }
  parindex::store::StoreOptions options;
  options.path = db;
  auto store = parindex::store::SqlStore::Open(options);
  const bool sqlite = !parindex::store::IsPostgresUri(db);
  return Report(store.status(),
                ShownDb(db) + " is at schema version " +
                    std::to_string(parindex::store::LatestSchemaVersion()) +
                    (sqlite ? " and passes quick_check" : ""));
}
