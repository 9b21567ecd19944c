// The generic client: descriptors of the generated API, gRPC's generic stub.
#include "client/call_command.h"

#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "client/api.h"
#include "common/unary_bytes.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "parindex/v1/service.grpc.pb.h"

namespace parindex::client {

absl::StatusOr<std::string> Call(const CallOptions& options, const std::string& method,
                                 const std::string& json_request) {
  // Make sure the API's descriptors are linked in and registered.
  v1::EchoMessage::descriptor();
  absl::string_view name = method;
  absl::ConsumePrefix(&name, "/");
  const std::string dotted = absl::StrReplaceAll(name, {{"/", "."}});
  const google::protobuf::MethodDescriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(dotted);
  if (descriptor == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no method ", method, " in the parindex API"));
  }
  // A stream is not one request and one answer: its own command sends or reads it
  // (the unary call would wait for an answer that comes in pieces until its deadline).
  if (descriptor->client_streaming() || descriptor->server_streaming()) {
    const std::string command =
        descriptor->name() == "StreamExportRound" ? "parindex export"
        : descriptor->name() == "ImportDossiers"  ? "parindex records import"
                                                  : "its own parindex command";
    return absl::InvalidArgumentError(absl::StrCat(
        method, ": ", descriptor->client_streaming() ? "takes" : "answers",
        " a stream, and `parindex call` makes unary calls only; use ", command));
  }
  google::protobuf::DynamicMessageFactory factory;
  std::unique_ptr<google::protobuf::Message> request(
      factory.GetPrototype(descriptor->input_type())->New());
  std::unique_ptr<google::protobuf::Message> response(
      factory.GetPrototype(descriptor->output_type())->New());
  auto parsed = google::protobuf::util::JsonStringToMessage(
      json_request.empty() ? "{}" : json_request, request.get());
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("request JSON for ",
                                                   descriptor->input_type()->full_name(),
                                                   ": ", std::string(parsed.message())));
  }

  auto channel = Connect(options);
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(options.timeout_seconds));
  if (!options.token.empty())
    context.AddMetadata("authorization", absl::StrCat("Bearer ", options.token));

  std::string out;
  const grpc::Status status = UnaryCallBytes(
      stub, &context,
      absl::StrCat("/", descriptor->service()->full_name(), "/", descriptor->name()),
      request->SerializeAsString(), &out);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  if (!response->ParseFromString(out))
    return absl::InternalError("the response could not be parsed");
  std::string json;
  google::protobuf::util::JsonPrintOptions print;
  print.add_whitespace = true;
  print.preserve_proto_field_names = true;
  auto printed = google::protobuf::util::MessageToJsonString(*response, &json, print);
  if (!printed.ok()) return absl::InternalError(std::string(printed.message()));
  return json;
}

}  // namespace parindex::client
