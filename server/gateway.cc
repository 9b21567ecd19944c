// The HTTP/JSON gateway over the in-process gRPC channel.
#include "server/gateway.h"

#include <httplib.h>
#include <openssl/crypto.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/export_tables.h"
#include "common/sha256.h"
#include "common/unary_bytes.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/generic/generic_stub.h"
#include "parindex/v1/service.grpc.pb.h"
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

// Who a request is from: its Authorization header as sent, else the session of its
// cookie as a bearer; and the client's address.
struct Credentials {
  std::string authorization;
  std::string cookie_session;  // set when the cookie is what authenticates
  std::string address;
};

// The value of the session cookie, "" when there is none.
std::string SessionCookie(const httplib::Request& req) {
  for (size_t i = 0; i < req.get_header_value_count("Cookie"); ++i) {
    for (absl::string_view pair :
         absl::StrSplit(req.get_header_value("Cookie", i), ';', absl::SkipWhitespace())) {
      pair = absl::StripAsciiWhitespace(pair);
      if (absl::ConsumePrefix(&pair, kSessionCookie) && absl::ConsumePrefix(&pair, "=")) {
        return std::string(pair);
      }
    }
  }
  return "";
}

std::string ClientAddressOf(const httplib::Request& req, bool trust_forwarded_for) {
  if (trust_forwarded_for && req.has_header("X-Forwarded-For")) {
    const std::string forwarded = req.get_header_value("X-Forwarded-For");
    return std::string(absl::StripAsciiWhitespace(
        absl::string_view(forwarded).substr(forwarded.rfind(',') + 1)));
  }
  return req.remote_addr;
}

Credentials CredentialsOf(const httplib::Request& req, const GatewayOptions& options) {
  Credentials c;
  c.address = ClientAddressOf(req, options.trust_forwarded_for);
  c.authorization = req.get_header_value("Authorization");
  if (c.authorization.empty()) {
    c.cookie_session = SessionCookie(req);
    if (!c.cookie_session.empty()) c.authorization = "Bearer " + c.cookie_session;
  }
  return c;
}

// One unary call through the in-process channel, as the named method.
grpc::Status CallBytes(grpc::Channel* channel, const std::string& method,
                       const Credentials& from, const std::string& request,
                       std::string* response) {
  grpc::GenericStub stub(channel->shared_from_this());
  grpc::ClientContext context;
  if (!from.authorization.empty())
    context.AddMetadata("authorization", from.authorization);
  if (!from.address.empty()) context.AddMetadata(kClientAddressKey, from.address);
  return UnaryCallBytes(stub, &context, method, request, response);
}

// The metadata of a call on behalf of `from`.
void Prepare(grpc::ClientContext* context, const Credentials& from) {
  if (!from.authorization.empty())
    context->AddMetadata("authorization", from.authorization);
  if (!from.address.empty()) context->AddMetadata(kClientAddressKey, from.address);
}

// The export a download asks for: /v1/rounds/{id}/export.{xlsx,csv,html} with
// ?table= (CSV: the ranking unless named), ?language=vi|en, ?decimal_comma=1|0 (or
// true|false) and
// ?column=self|appraised; INVALID_ARGUMENT naming a parameter it cannot read.
absl::StatusOr<v1::ExportRoundRequest> ExportRequestOf(const httplib::Request& req) {
  // Each option at most once, and no other: a misspelt or repeated one is refused, not
  // ignored (the first of two was taken).
  for (const auto& [key, value] : req.params) {
    if (key != "table" && key != "language" && key != "decimal_comma" &&
        key != "column") {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", absl::CHexEscape(key),
          "' is not an option of a download (table, language, decimal_comma, column)"));
    }
    if (const size_t count = req.get_param_value_count(key); count > 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(key, ": given ", count, " times; give it once"));
    }
  }
  v1::ExportRoundRequest request;
  request.set_name(absl::StrCat("rounds/", std::string(req.matches[1])));
  const std::string format = req.matches[2];
  request.set_format(format == "csv"    ? v1::ExportRoundRequest::CSV
                     : format == "html" ? v1::ExportRoundRequest::HTML
                                        : v1::ExportRoundRequest::XLSX);
  request.set_table(req.has_param("table")
                        ? req.get_param_value("table")
                        : std::string(format == "csv" ? export_table::kRanking : ""));
  if (req.has_param("language")) {
    const std::string language = absl::AsciiStrToLower(req.get_param_value("language"));
    if (language == "vi") {
      request.set_language(v1::VIETNAMESE);
    } else if (language == "en") {
      request.set_language(v1::ENGLISH);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("language: '", absl::CHexEscape(language), "' is not vi or en"));
    }
  }
  if (req.has_param("decimal_comma")) {
    const std::string comma = absl::AsciiStrToLower(req.get_param_value("decimal_comma"));
    if (comma == "1" || comma == "true") {
      request.set_decimal_comma(true);
    } else if (comma != "0" && comma != "false") {
      return absl::InvalidArgumentError(absl::StrCat("decimal_comma: '",
                                                     absl::CHexEscape(comma),
                                                     "' is not 1 or 0 (true or false)"));
    }
  }
  if (req.has_param("column")) {
    const std::string column = absl::AsciiStrToLower(req.get_param_value("column"));
    if (column == "self") {
      request.set_column(v1::SELF);
    } else if (column == "appraised") {
      request.set_column(v1::APPRAISED);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "column: '", absl::CHexEscape(column), "' is not self or appraised"));
    }
  }
  return request;
}

// A download in progress: StreamExportRound's reader, alive until the last chunk is
// sent (the chunked content provider runs after the handler returns).
struct Download {
  explicit Download(grpc::Channel* channel)
      : stub(v1::ReportService::NewStub(channel->shared_from_this())) {}
  // A download the client left midway: the call is cancelled and finished (a reader
  // must be finished before it goes).
  ~Download() {
    if (reader == nullptr || finished) return;
    context.TryCancel();
    v1::ExportRoundResponse rest;
    while (reader->Read(&rest)) {
    }
    (void)reader->Finish();
  }

  // Sends the piece in hand and reads the next; done after the last. False (the
  // connection closed) when the stream fails midway: the client sees a cut download.
  bool Next(httplib::DataSink& sink) {
    if (!piece.empty() && !sink.write(piece.data(), piece.size())) return false;
    piece.clear();
    v1::ExportRoundResponse next;
    if (reader->Read(&next)) {
      piece = std::move(*next.mutable_content());
      return true;
    }
    finished = true;
    if (!reader->Finish().ok()) return false;
    sink.done();
    return true;
  }

  std::unique_ptr<v1::ReportService::Stub> stub;
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<v1::ExportRoundResponse>> reader;
  std::string piece;
  bool finished = false;
};

// A state-changing request authenticated by the cookie must carry the session's CSRF
// token; false (with 403 sent) when it does not.
bool CsrfChecked(const httplib::Request& req, httplib::Response& res,
                 const Credentials& from) {
  if (from.cookie_session.empty()) return true;
  if (!req.has_header(kCsrfHeader)) {
    SendError(res, grpc::StatusCode::PERMISSION_DENIED,
              absl::StrCat("missing ", kCsrfHeader,
                           " header: a request authenticated by "
                           "the ",
                           kSessionCookie,
                           " cookie must send the session's CSRF "
                           "token (csrf_token of POST or GET /v1/session)"));
    return false;
  }
  const std::string sent = req.get_header_value(kCsrfHeader);
  const std::string want = CsrfToken(from.cookie_session);
  if (sent.size() != want.size() ||
      CRYPTO_memcmp(sent.data(), want.data(), want.size()) != 0) {
    SendError(res, grpc::StatusCode::PERMISSION_DENIED,
              absl::StrCat(kCsrfHeader,
                           " header: not this session's CSRF token "
                           "(csrf_token of POST or GET /v1/session)"));
    return false;
  }
  return true;
}

std::string SessionCookieHeader(const std::string& value, bool secure, bool clear) {
  return absl::StrCat(kSessionCookie, "=", value, "; HttpOnly; SameSite=Strict; Path=/",
                      clear ? "; Max-Age=0" : "", secure ? "; Secure" : "");
}

// `message` as JSON with proto field names, with "csrf_token" first.
std::string SessionJson(const google::protobuf::Message& message,
                        const std::string& session) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  const std::string csrf = absl::StrCat(R"({"csrf_token":")", CsrfToken(session), R"(")");
  return absl::StrCat(csrf, json.size() > 2 ? "," : "", json.substr(1), "\n");
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

std::string CsrfToken(absl::string_view session) {
  return Sha256Hex(absl::StrCat("parindex csrf v1\n", session));
}

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
  // A body must say its length: cpp-httplib 0.11 holds the payload limit to
  // Content-Length only and reads a chunked body whole, however large, before any
  // handler (or the token check) runs. Refused before a byte of it is read.
  server_->set_pre_routing_handler(
      [](const httplib::Request& req, httplib::Response& res) {
        if (!req.has_header("Transfer-Encoding"))
          return httplib::Server::HandlerResponse::Unhandled;
        SendError(res, grpc::StatusCode::INVALID_ARGUMENT,
                  "the request body is sent in chunks (Transfer-Encoding: " +
                      req.get_header_value("Transfer-Encoding") +
                      "); send it whole, with Content-Length");
        res.status = 411;                       // Length Required
        res.set_header("Connection", "close");  // the unread body ends the connection
        return httplib::Server::HandlerResponse::Handled;
      });
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
  const GatewayOptions* options = &options_;
  server_->Post(R"(/(parindex\.v1\.\w+)/(\w+))", [channel, json_cache, options](
                                                     const httplib::Request& req,
                                                     httplib::Response& res) {
    const Credentials from = CredentialsOf(req, *options);
    if (!CsrfChecked(req, res, from)) return;
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
                                          from, request->SerializeAsString(), &bytes);
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
  // The session is signed in (POST), read (GET) and ended (DELETE); nothing else.
  const auto session_method_not_allowed = [](const httplib::Request& req,
                                             httplib::Response& res) {
    SendError(res, grpc::StatusCode::UNIMPLEMENTED,
              absl::StrCat(req.method, " ", req.path,
                           ": the session is signed in with POST, read with GET and "
                           "ended with DELETE"));
    res.status = 405;
    res.set_header("Allow", "GET, POST, DELETE");
  };
  server_->Put("/v1/session", session_method_not_allowed);
  server_->Patch("/v1/session", session_method_not_allowed);
  // Report download: the file itself rather than base64 inside JSON, sent in chunks as
  // StreamExportRound answers it (no message limit met whatever its size). The HTML
  // report opens in the browser (to print); the files are attachments.
  server_->Get(
      R"(/v1/rounds/([\w.-]+)/export\.(xlsx|csv|html))",
      [channel, options](const httplib::Request& req, httplib::Response& res) {
        absl::StatusOr<v1::ExportRoundRequest> request = ExportRequestOf(req);
        if (!request.ok()) {
          return SendError(res, grpc::StatusCode::INVALID_ARGUMENT,
                           std::string(request.status().message()));
        }
        auto download = std::make_shared<Download>(channel);
        Prepare(&download->context, CredentialsOf(req, *options));
        download->reader =
            download->stub->StreamExportRound(&download->context, *request);
        v1::ExportRoundResponse first;
        if (!download->reader->Read(&first)) {
          download->finished = true;
          const grpc::Status status = download->reader->Finish();
          return SendError(
              res, status.ok() ? grpc::StatusCode::INTERNAL : status.error_code(),
              status.ok() ? "the export sent no file" : status.error_message());
        }
        const bool html = std::string(req.matches[2]) == "html";
        res.set_header("Content-Disposition",
                       html ? absl::StrCat("inline; filename=\"", first.file_name(), "\"")
                            : Attachment(first.file_name()));
        download->piece = std::move(*first.mutable_content());
        // The whole file, made as it is sent: no part of it can be asked for (left
        // unset, cpp-httplib answers a Range request 206 with the whole file).
        res.status = 200;
        res.set_header("Accept-Ranges", "none");
        res.set_chunked_content_provider(
            first.content_type(),
            [download](size_t, httplib::DataSink& sink) { return download->Next(sink); });
      });
  // An evidence file, by the name its entry lists.
  server_->Get(
      R"(/v1/(rounds/[\w.-]+/assessments/[\w.-]+/evidence/\d+))",
      [channel, options](const httplib::Request& req, httplib::Response& res) {
        v1::GetByNameRequest request;
        request.set_name(std::string(req.matches[1]));
        std::string bytes;
        const grpc::Status status =
            CallBytes(channel, "/parindex.v1.AssessmentService/GetEvidenceFile",
                      CredentialsOf(req, *options), request.SerializeAsString(), &bytes);
        if (!status.ok())
          return SendError(res, status.error_code(), status.error_message());
        v1::EvidenceFile file;
        file.ParseFromString(bytes);
        res.set_header("Content-Disposition", Attachment(file.evidence().file_name()));
        res.set_content(file.content(), ContentTypeOf(file.evidence().file_name()));
      });
  AddSessionRoutes();
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
        CallBytes(channel, "/grpc.health.v1.Health/Check", Credentials(), "", &bytes);
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

void HttpGateway::AddSessionRoutes() {
  grpc::Channel* channel = channel_.get();
  const GatewayOptions* options = &options_;
  // Sign in: the session goes into the cookie only; the body has the account and the
  // CSRF token. JSON only, so that a form on another site cannot post it.
  server_->Post("/v1/session", [channel, options](const httplib::Request& req,
                                                  httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    if (!absl::StartsWith(req.get_header_value("Content-Type"), "application/json")) {
      SendError(res, grpc::StatusCode::INVALID_ARGUMENT,
                "Content-Type: send {\"username\", \"password\"} as application/json");
      res.status = 415;
      return;
    }
    v1::SignInRequest request;
    const auto parsed = google::protobuf::util::JsonStringToMessage(req.body, &request);
    if (!parsed.ok()) {
      return SendError(res, grpc::StatusCode::INVALID_ARGUMENT,
                       absl::StrCat("body: not a JSON parindex.v1.SignInRequest: ",
                                    FirstLine(std::string(parsed.message()))));
    }
    Credentials from;
    from.address = ClientAddressOf(req, options->trust_forwarded_for);
    std::string bytes;
    const grpc::Status status = CallBytes(channel, "/parindex.v1.AccountService/SignIn",
                                          from, request.SerializeAsString(), &bytes);
    if (!status.ok()) return SendError(res, status.error_code(), status.error_message());
    v1::SignInResponse signed_in;
    if (!signed_in.ParseFromString(bytes)) {
      return SendError(res, grpc::StatusCode::INTERNAL,
                       "SignIn answered no SignInResponse");
    }
    const std::string session = signed_in.session();
    signed_in.clear_session();
    res.set_header("Set-Cookie", SessionCookieHeader(session, options->secure_cookies,
                                                     /*clear=*/false));
    res.set_content(SessionJson(signed_in, session), "application/json");
  });
  // Who is signed in (a reload of the page asks): the account and the CSRF token.
  server_->Get("/v1/session", [channel, options](const httplib::Request& req,
                                                 httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    const std::string session = SessionCookie(req);
    if (session.empty()) {
      return SendError(res, grpc::StatusCode::UNAUTHENTICATED,
                       absl::StrCat("not signed in: no ", kSessionCookie,
                                    " cookie (POST /v1/session signs in)"));
    }
    Credentials from;
    from.authorization = "Bearer " + session;
    std::string bytes;
    const grpc::Status status =
        CallBytes(channel, "/parindex.v1.AccountService/GetMe", from, "", &bytes);
    if (!status.ok()) {
      if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
        res.set_header("Set-Cookie",
                       SessionCookieHeader("", options->secure_cookies, /*clear=*/true));
      }
      return SendError(res, status.error_code(), status.error_message());
    }
    v1::SignInResponse answer;  // the account, without session or expiry
    if (!answer.mutable_account()->ParseFromString(bytes)) {
      return SendError(res, grpc::StatusCode::INTERNAL, "GetMe answered no Account");
    }
    res.set_content(SessionJson(answer, session), "application/json");
  });
  // Sign out: the session ends on the server and the cookie is cleared.
  server_->Delete("/v1/session", [channel, options](const httplib::Request& req,
                                                    httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    Credentials from;
    from.cookie_session = SessionCookie(req);
    if (from.cookie_session.empty()) {
      return SendError(res, grpc::StatusCode::UNAUTHENTICATED,
                       absl::StrCat("not signed in: no ", kSessionCookie, " cookie"));
    }
    if (!CsrfChecked(req, res, from)) return;
    from.authorization = "Bearer " + from.cookie_session;
    std::string bytes;
    const grpc::Status status =
        CallBytes(channel, "/parindex.v1.AccountService/SignOut", from, "", &bytes);
    if (status.ok() || status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
      res.set_header("Set-Cookie",
                     SessionCookieHeader("", options->secure_cookies, /*clear=*/true));
    }
    if (!status.ok()) return SendError(res, status.error_code(), status.error_message());
    res.set_content("{}\n", "application/json");
  });
}

void HttpGateway::Stop() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace parindex::server
