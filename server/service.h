// The gRPC services: each method authenticates, authorises, reads the request and
// checks it against the API's limits (server/request_check.h), calls one Core method
// and translates the result. No rule of the domain lives here.
#ifndef PARINDEX_SERVER_SERVICE_H_
#define PARINDEX_SERVER_SERVICE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/codegen/service_type.h"
#include "server/core.h"
#include "server/metrics.h"
#include "server/oidc.h"

namespace parindex::server {

struct ServiceOptions {
  bool log_rpcs = true;        // one line per call on stderr
  Metrics* metrics = nullptr;  // counts and times every call when set
  // Single sign-on: a bearer JWT is verified by it and names an account; none: a JWT
  // is refused.
  OidcVerifier* oidc = nullptr;
};

// All the services over one Core, ready to register with a grpc::ServerBuilder.
std::vector<std::unique_ptr<grpc::Service>> MakeServices(Core* core,
                                                         ServiceOptions options = {});

// An error message cut to at most `limit` bytes (at a UTF-8 boundary) with its length
// noted: "…'XXXX… (100042 bytes in all)".
std::string ShortenMessage(absl::string_view message, size_t limit);
inline constexpr size_t kMaxMessageBytes = 1024;

// An error message as it may be shown and logged: a control character (but \n and \t)
// is written \xNN, a direction or invisible character \uNNNN (FindTextFault,
// server/request_check.h), and a byte that is not UTF-8 \xNN, so that a name quoted
// back ("rounds/a\x00b: not found") cannot cut a header, a log line or what the page
// shows. A backslash stays as it is.
std::string EscapeMessage(absl::string_view message);

// The largest piece of a file StreamExportRound sends in one message (1 MiB: far under
// any client's message limit).
inline constexpr size_t kExportChunkBytes = 1 << 20;

// `text` as a quoted logfmt value: backslash and quote escaped, control characters as
// \n, \r, \t or \xHH (a NUL or an escape sequence in a request must not cut or colour
// the log line).
std::string LogfmtQuote(absl::string_view text);

// The client's address from a call's peer ("ipv4:203.0.113.7:41234" → "203.0.113.7",
// "ipv6:[2001:db8::1]:443" → "2001:db8::1", "unix:…" → "unix"); for a call on the
// in-process channel (peer "unknown": the gateway's), the address the gateway sent in
// `gateway_address` (kClientAddressKey), else "".
std::string ClientAddress(absl::string_view peer, absl::string_view gateway_address);

// absl::Status -> grpc::Status, keeping the code and the message.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_SERVICE_H_
