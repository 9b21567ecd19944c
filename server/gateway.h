// The HTTP/JSON gateway: every unary RPC answers POST /parindex.v1.<Service>/<Method>
// with protobuf's JSON mapping (snake_case field names; both spellings accepted).
//
// Requests are translated and sent to the gRPC server's own in-process channel, so an
// HTTP call goes through exactly the handlers of a gRPC call: the same token check,
// authorisation table, Core and log line. There is no second implementation.
#ifndef PARINDEX_SERVER_GATEWAY_H_
#define PARINDEX_SERVER_GATEWAY_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/grpcpp.h"

namespace httplib {
class Server;
}

namespace parindex::server {

// The JSON of large answers by their exact bytes. A unit's score is the same bytes until
// it changes (the server caches them), and printing 28 KB of JSON costs more than the
// call itself; the JSON is a function of the bytes, so it is never stale.
class JsonCache {
 public:
  static constexpr size_t kMinBytes = 4096;      // smaller answers print quickly
  static constexpr size_t kMaxBytes = 64 << 20;  // then it starts again, empty

  // The JSON (with a final newline) of `bytes`, an answer of `method`; INTERNAL when the
  // bytes are not such an answer or cannot be written as JSON.
  absl::StatusOr<std::string> Get(const google::protobuf::MethodDescriptor* method,
                                  const std::string& bytes);

 private:
  std::mutex mu_;
  absl::flat_hash_map<std::string, std::string> json_;
  size_t held_ = 0;
};

// The metadata key by which the gateway tells the server its client's address. The
// server believes it only on the in-process channel (ClientAddress in service.cc): a
// caller over the network is known by its own peer address, whatever it sends.
inline constexpr char kClientAddressKey[] = "x-parindex-client-address";

struct GatewayOptions {
  // Request bodies over this are refused with 413 before they are read whole.
  size_t max_body_bytes = 1 << 20;
  // The text of GET /metrics (Prometheus); no such route when empty.
  std::function<std::string()> metrics;
  // The session cookie is marked Secure (sent over HTTPS only): for a gateway behind a
  // TLS proxy (parindex-server serve --secure-cookies, on with --tls-cert).
  bool secure_cookies = false;
  // The client's address is the last one in X-Forwarded-For (the one the proxy in
  // front appended) when present; else the connection's peer.
  bool trust_forwarded_for = false;
};

// The page's session (README: "The web page"). POST /v1/session signs in and sets the
// cookie below; GET /v1/session answers the signed-in account; DELETE /v1/session
// signs out. A request with the cookie and no Authorization header acts as that
// session; a POST or DELETE so authenticated must carry kCsrfHeader with
// CsrfToken(session), which page script gets from /v1/session (the session id itself
// never appears in a body).
inline constexpr char kSessionCookie[] = "parindex_session";
inline constexpr char kCsrfHeader[] = "X-CSRF-Token";

// Hex SHA-256 of a fixed label and the session id: cannot be made without the cookie.
std::string CsrfToken(absl::string_view session);

class HttpGateway {
 public:
  HttpGateway(std::shared_ptr<grpc::Channel> channel, GatewayOptions options);
  ~HttpGateway();

  // Listens on host:port (port 0 picks a free one) in a background thread; returns the
  // port. Also serves the web page, file downloads, GET /healthz (the process is up),
  // GET /readyz (the gRPC health service answers SERVING) and GET /metrics.
  absl::StatusOr<int> Start(const std::string& host, int port);
  void Stop();

 private:
  void AddSessionRoutes();

  std::shared_ptr<grpc::Channel> channel_;
  GatewayOptions options_;
  std::unique_ptr<JsonCache> json_cache_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

// The HTTP status for a gRPC status code (Google's mapping: NOT_FOUND 404, …).
int HttpStatusFor(grpc::StatusCode code);

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_GATEWAY_H_
