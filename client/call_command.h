// `parindex call METHOD JSON`: calls any parindex RPC with a JSON request (protobuf's
// JSON mapping) and prints the JSON response: the generic client of the API.
#ifndef PARINDEX_CLIENT_CALL_COMMAND_H_
#define PARINDEX_CLIENT_CALL_COMMAND_H_

#include <string>

#include "absl/status/statusor.h"

namespace parindex::client {

struct CallOptions {
  std::string server = "127.0.0.1:50051";
  std::string token;
  std::string ca;  // PEM file: use TLS with this root
  int timeout_seconds = 30;
};

// method: "/parindex.v1.ScoreService/GetUnitScore" or
// "parindex.v1.ScoreService.GetUnitScore".
absl::StatusOr<std::string> Call(const CallOptions& options, const std::string& method,
                                 const std::string& json_request);

}  // namespace parindex::client

#endif  // PARINDEX_CLIENT_CALL_COMMAND_H_
