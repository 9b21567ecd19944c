// The HTTP/JSON gateway over the in-process gRPC channel.
#include "server/gateway.h"

#include <httplib.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/unary_bytes.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/generic/generic_stub.h"
#include "parindex/v1/service.pb.h"
#include "server/web_assets.h"

namespace parindex::server {

int HttpStatusFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    default:
      return 500;
  }
}

namespace {

void SendError(httplib::Response& res, grpc::StatusCode code,
               const std::string& message) {
  google::protobuf::Value text;
  text.set_string_value(message);
  std::string quoted;
  (void)google::protobuf::util::MessageToJsonString(text, &quoted);
  res.status = HttpStatusFor(code);
  res.set_content(
      absl::StrCat(R"({"code": ")",
                   absl::StatusCodeToString(static_cast<absl::StatusCode>(code)),
                   R"(", "message": )", quoted, R"(, "details": []})", "\n"),
      "application/json");
}

std::string FirstLine(const std::string& text) {
  return std::string(absl::StripAsciiWhitespace(text.substr(0, text.find('\n'))));
}

// One unary call through the in-process channel, as the named method.
grpc::Status CallBytes(grpc::Channel* channel, const std::string& method,
                       const std::string& authorization, const std::string& request,
                       std::string* response) {
  grpc::GenericStub stub(channel->shared_from_this());
  grpc::ClientContext context;
  if (!authorization.empty()) context.AddMetadata("authorization", authorization);
  return UnaryCallBytes(stub, &context, method, request, response);
}

// Content-Disposition for a download: an ASCII name for old clients and the UTF-8 name
// (RFC 6266, RFC 8187) for the rest, so "báo-cáo.pdf" arrives as named.
std::string Attachment(absl::string_view file_name) {
  std::string ascii, encoded;
  for (unsigned char ch : file_name) {
    ascii.push_back(ch < 0x80 && ch >= 0x20 && ch != '"' && ch != '\\' ? ch : '_');
    if (absl::ascii_isalnum(ch) || ch == '.' || ch == '-' || ch == '_') {
      encoded.push_back(ch);
    } else {
      absl::StrAppendFormat(&encoded, "%%%02X", ch);
    }
  }
  return absl::StrCat("attachment; filename=\"", ascii, "\"; filename*=UTF-8''", encoded);
}

const char* ContentTypeOf(absl::string_view file_name) {
  static constexpr std::pair<const char*, const char*> kTypes[] = {
      {".pdf", "application/pdf"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".docx",
       "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
  };
  const std::string lower = absl::AsciiStrToLower(file_name);
  for (const auto& [suffix, type] : kTypes) {
    if (absl::EndsWith(lower, suffix)) return type;
  }
  return "application/octet-stream";
}

}  // namespace

absl::StatusOr<std::string> JsonCache::Get(
    const google::protobuf::MethodDescriptor* method, const std::string& bytes) {
  const bool cached = bytes.size() >= kMinBytes;
  std::string key;
  if (cached) {
    key = absl::StrCat(method->full_name(), "\n", bytes);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = json_.find(key);
    if (it != json_.end()) return it->second;
  }
  std::unique_ptr<google::protobuf::Message> response(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(method->output_type())
          ->New());
  if (!response->ParseFromString(bytes)) {
    return absl::InternalError(
        absl::StrCat("the answer is not a ", method->output_type()->full_name()));
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  const auto printed =
      google::protobuf::util::MessageToJsonString(*response, &json, options);
  if (!printed.ok()) {
    return absl::InternalError(absl::StrCat("the answer cannot be written as JSON: ",
                                            std::string(printed.message())));
  }
  json.push_back('\n');
  if (cached) {
    std::lock_guard<std::mutex> lock(mu_);
    if (held_ + key.size() + json.size() > kMaxBytes) {  // full: start again
      json_.clear();
      held_ = 0;
    }
    held_ += key.size() + json.size();
    json_.emplace(std::move(key), json);
  }
  return json;
}

HttpGateway::HttpGateway(std::shared_ptr<grpc::Channel> channel, GatewayOptions options)
    : channel_(std::move(channel)),
      options_(std::move(options)),
      json_cache_(std::make_unique<JsonCache>()) {
  v1::EchoMessage::descriptor();  // the API's descriptors are registered
}

HttpGateway::~HttpGateway() { Stop(); }

absl::StatusOr<int> HttpGateway::Start(const std::string& host, int port) {
  server_ = std::make_unique<httplib::Server>();
  server_->set_payload_max_length(options_.max_body_bytes);
  server_->set_tcp_nodelay(true);  // else small answers wait for delayed ACKs (40 ms)
  // Refusals httplib makes itself (no handler ran) are answered in the same JSON shape
  // as every other error, with the status httplib chose.
  server_->set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const int status = res.status;
    switch (status) {
      case 400:
        SendError(res, grpc::StatusCode::INVALID_ARGUMENT,
                  "the request could not be read (a POST needs a JSON body, or "
                  "Content-Length: 0)");
        break;
      case 404:
        SendError(res, grpc::StatusCode::NOT_FOUND,
                  absl::StrCat("no such path: ", req.path));
        break;
      case 413:
        // Debian's shared cpp-httplib caps form-encoded bodies at 8 KiB whatever the
        // server's limit; curl -d sends that content type unless told otherwise.
        SendError(res, grpc::StatusCode::RESOURCE_EXHAUSTED,
                  absl::StartsWith(req.get_header_value("Content-Type"),
                                   "application/x-www-form-urlencoded")
                      ? "the request body is larger than 8 KiB and sent as "
                        "application/x-www-form-urlencoded (curl -d does that); send "
                        "it with Content-Type: application/json"
                      : "the request body is larger than this server accepts");
        break;
      default:
        SendError(res, grpc::StatusCode::UNKNOWN, absl::StrCat("HTTP status ", status));
    }
    res.status = status;
  });
  grpc::Channel* channel = channel_.get();
  JsonCache* json_cache = json_cache_.get();
  server_->Post(R"(/(parindex\.v1\.\w+)/(\w+))", [channel, json_cache](
                                                     const httplib::Request& req,
                                                     httplib::Response& res) {
    const std::string service = req.matches[1], name = req.matches[2];
    const google::protobuf::MethodDescriptor* method =
        google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
            absl::StrCat(service, ".", name));
    if (method == nullptr || method->client_streaming() || method->server_streaming()) {
      return SendError(res, grpc::StatusCode::NOT_FOUND,
                       absl::StrCat("no method /", service, "/", name));
    }
    // The generated classes: the descriptors come from the generated pool.
    google::protobuf::MessageFactory* factory =
        google::protobuf::MessageFactory::generated_factory();
    std::unique_ptr<google::protobuf::Message> request(
        factory->GetPrototype(method->input_type())->New());
    const auto parsed = google::protobuf::util::JsonStringToMessage(
        req.body.empty() ? "{}" : req.body, request.get());
    if (!parsed.ok()) {
      return SendError(
          res, grpc::StatusCode::INVALID_ARGUMENT,
          absl::StrCat("body: not a JSON ", method->input_type()->full_name(), ": ",
                       FirstLine(std::string(parsed.message()))));
    }
    std::string bytes;
    const grpc::Status status = CallBytes(channel, absl::StrCat("/", service, "/", name),
                                          req.get_header_value("Authorization"),
                                          request->SerializeAsString(), &bytes);
    if (!status.ok()) return SendError(res, status.error_code(), status.error_message());
    absl::StatusOr<std::string> json = json_cache->Get(method, bytes);
    if (!json.ok()) {
      return SendError(res, grpc::StatusCode::INTERNAL,
                       std::string(json.status().message()));
    }
    res.set_content(*json, "application/json");
  });
  // The API is POST only: a GET of a method's path says so (405) in the usual shape.
  server_->Get(R"(/(parindex\.v1\.\w+)/(\w+))",
               [](const httplib::Request& req, httplib::Response& res) {
                 SendError(res, grpc::StatusCode::UNIMPLEMENTED,
                           absl::StrCat(req.path,
                                        ": API methods are called with POST and "
                                        "a JSON body"));
                 res.status = 405;
                 res.set_header("Allow", "POST");
               });
  // Report download: the file itself rather than base64 inside JSON.
  server_->Get(R"(/v1/rounds/([\w.-]+)/export\.(xlsx|csv))",
               [channel](const httplib::Request& req, httplib::Response& res) {
                 v1::ExportRoundRequest request;
                 request.set_name(absl::StrCat("rounds/", std::string(req.matches[1])));
                 request.set_format(std::string(req.matches[2]) == "csv"
                                        ? v1::ExportRoundRequest::CSV
                                        : v1::ExportRoundRequest::XLSX);
                 // A CSV holds one table; the ranking unless ?table= names another.
                 const bool csv = std::string(req.matches[2]) == "csv";
                 request.set_table(req.has_param("table") ? req.get_param_value("table")
                                                          : (csv ? "ranking" : ""));
                 std::string bytes;
                 const grpc::Status status =
                     CallBytes(channel, "/parindex.v1.ReportService/ExportRound",
                               req.get_header_value("Authorization"),
                               request.SerializeAsString(), &bytes);
                 if (!status.ok())
                   return SendError(res, status.error_code(), status.error_message());
                 v1::ExportRoundResponse file;
                 file.ParseFromString(bytes);
                 res.set_header("Content-Disposition", Attachment(file.file_name()));
                 res.set_content(file.content(), file.content_type().c_str());
               });
  // An evidence file, by the name its entry lists.
  server_->Get(
      R"(/v1/(rounds/[\w.-]+/assessments/[\w.-]+/evidence/\d+))",
      [channel](const httplib::Request& req, httplib::Response& res) {
        v1::GetByNameRequest request;
        request.set_name(std::string(req.matches[1]));
        std::string bytes;
        const grpc::Status status = CallBytes(
            channel, "/parindex.v1.AssessmentService/GetEvidenceFile",
            req.get_header_value("Authorization"), request.SerializeAsString(), &bytes);
        if (!status.ok())
          return SendError(res, status.error_code(), status.error_message());
        v1::EvidenceFile file;
        file.ParseFromString(bytes);
        res.set_header("Content-Disposition", Attachment(file.evidence().file_name()));
        res.set_content(file.content(), ContentTypeOf(file.evidence().file_name()));
      });
  // The web page, same origin as the API it calls.
  for (const WebAsset& asset : WebAssets()) {
    const char* type = asset.path.ends_with(".js")    ? "text/javascript; charset=utf-8"
                       : asset.path.ends_with(".css") ? "text/css; charset=utf-8"
                                                      : "text/html; charset=utf-8";
    const std::string path = asset.path == "/index.html" ? "/" : std::string(asset.path);
    server_->Get(path, [asset, type](const httplib::Request&, httplib::Response& res) {
      res.set_content(asset.content.data(), asset.content.size(), type);
    });
  }
  // Liveness: the process answers. Readiness: the gRPC server's health service says
  // SERVING (it stops saying so when shutting down).
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  server_->Get("/readyz", [channel](const httplib::Request&, httplib::Response& res) {
    // Debian ships no generated health.pb.h. The request (service "", the whole server)
    // is empty on the wire; the answer SERVING is field 1 = 1: bytes 08 01.
    std::string bytes;
    const grpc::Status status =
        CallBytes(channel, "/grpc.health.v1.Health/Check", "", "", &bytes);
    if (status.ok() && bytes == std::string("\x08\x01", 2)) {
      return res.set_content("ready\n", "text/plain");
    }
    res.status = 503;
    res.set_content(status.ok() ? "not serving\n" : status.error_message() + "\n",
                    "text/plain");
  });
  if (options_.metrics) {
    server_->Get("/metrics", [metrics = options_.metrics](const httplib::Request&,
                                                          httplib::Response& res) {
      res.set_content(metrics(), "text/plain; version=0.0.4; charset=utf-8");
    });
  }
  const int bound = port == 0 ? server_->bind_to_any_port(host)
                              : (server_->bind_to_port(host, port) ? port : -1);
  if (bound <= 0)
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", host, ":", port, " for HTTP"));
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return bound;
}

void HttpGateway::Stop() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace parindex::server
