// The gRPC services: thin translation over Core.
#include "server/service.h"

#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "parindex/v1/service.grpc.pb.h"
#include "server/auth.h"
#include "server/gateway.h"
#include "server/log_buffer.h"
#include "server/request_check.h"

namespace parindex::server {

std::string LogfmtQuote(absl::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20 || u == 0x7f) {
          absl::StrAppend(&out, "\\x", absl::Hex(u, absl::kZeroPad2));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string ClientAddress(absl::string_view peer, absl::string_view gateway_address) {
  if (peer == "unknown" || absl::StartsWith(peer, "inproc")) {
    return std::string(gateway_address.substr(0, 64));
  }
  if (absl::StartsWith(peer, "unix:")) return "unix";
  absl::string_view rest = peer;
  if (!absl::ConsumePrefix(&rest, "ipv4:") && !absl::ConsumePrefix(&rest, "ipv6:")) {
    return std::string(peer.substr(0, 64));
  }
  for (const auto& [open, close] :
       {std::pair<absl::string_view, absl::string_view>{"[", "]"}, {"%5B", "%5D"}}) {
    if (absl::ConsumePrefix(&rest, open))
      return std::string(rest.substr(0, rest.find(close)));
  }
  return std::string(rest.substr(0, rest.rfind(':')));
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

std::string ShortenMessage(absl::string_view message, size_t limit) {
  if (message.size() <= limit) return std::string(message);
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) --cut;
  return absl::StrCat(message.substr(0, cut), "… (", message.size(), " bytes in all)");
}

std::string EscapeMessage(absl::string_view message) {
  std::string out;
  size_t done = 0;  // message[done, i) is copied as it is
  for (size_t i = 0; i < message.size();) {
    const auto byte = static_cast<unsigned char>(message[i]);
    size_t length = byte < 0x80                    ? 1
                    : byte >= 0xc2 && byte <= 0xdf ? 2
                    : byte >= 0xe0 && byte <= 0xef ? 3
                    : byte >= 0xf0 && byte <= 0xf4 ? 4
                                                   : 0;
    for (size_t k = 1; k < length; ++k) {
      if (i + k >= message.size() ||
          (static_cast<unsigned char>(message[i + k]) & 0xc0) != 0x80)
        length = 0;
    }
    const absl::string_view one = message.substr(i, std::max<size_t>(length, 1));
    std::string escaped;
    if (length == 0) {
      escaped = absl::StrFormat("\\x%02X", byte);
    } else if (std::optional<TextFault> fault = FindTextFault(one, true)) {
      escaped = fault->code_point < 0x80 ? absl::StrFormat("\\x%02X", fault->code_point)
                                         : absl::StrFormat("\\u%04X", fault->code_point);
    }
    if (!escaped.empty()) {
      if (out.empty()) out.reserve(message.size() + 16);
      absl::StrAppend(&out, message.substr(done, i - done), escaped);
      done = i + one.size();
    }
    i += one.size();
  }
  if (done == 0) return std::string(message);
  absl::StrAppend(&out, message.substr(done));
  return out;
}

namespace {

class Handler {
 public:
  Handler(Core* core, ServiceOptions options) : core_(core), options_(options) {}

  // Authenticates from the bearer token, authorises `method`, reads the request
  // (`read(request)` is false for bytes that do not parse), checks it against the
  // API's limits (server/request_check.h), then runs `fn(caller)`.
  template <typename Context, typename Request, typename Read, typename Response,
            typename Fn>
  grpc::Status Run(Context* context, const char* method, Request* request, Read read,
                   Response* response, Fn fn) {
    const absl::Time start = absl::Now();
    Caller caller;
    const bool open = IsPublic(method);
    if (open) caller.address = Address(context);
    absl::Status status = open ? absl::OkStatus() : Authenticate(context, &caller);
    if (status.ok() && !open) status = Authorize(caller, method);
    if (status.ok() && !read(request)) {
      status = absl::InvalidArgumentError(
          absl::StrCat("request: not a valid ", request->GetDescriptor()->full_name(),
                       " (malformed protobuf or invalid UTF-8 in a string)"));
    }
    if (status.ok()) status = CheckRequest(*request);
    if (status.ok()) {
      absl::StatusOr<Response> result = fn(caller);
      status = result.status();
      if (result.ok()) *response = std::move(*result);
    }
    // Messages quote what was sent ("'X.9' is not a criterion"): a NUL or a direction
    // override quoted back is escaped, and a huge value must not make a huge answer
    // (gRPC carries the message in a header of at most 8 KiB).
    if (!status.ok())
      status = absl::Status(status.code(), EscapeMessage(status.message()));
    if (status.message().size() > kMaxMessageBytes) {
      status =
          absl::Status(status.code(), ShortenMessage(status.message(), kMaxMessageBytes));
    }
    const absl::Duration latency = absl::Now() - start;
    if (options_.metrics != nullptr)
      options_.metrics->RecordRpc(method, status.code(), latency);
    if (options_.log_rpcs) Log(method, status, latency, caller);
    return ToGrpcStatus(status);
  }

  Core* core() const { return core_; }

 private:
  absl::Status Authenticate(grpc::ServerContextBase* context, Caller* caller) {
    const auto& metadata = context->client_metadata();
    auto it = metadata.find("authorization");
    if (it == metadata.end()) {
      return absl::UnauthenticatedError(
          "missing 'authorization: Bearer <token>' metadata");
    }
    absl::string_view value(it->second.data(), it->second.size());
    // The scheme is case-insensitive (RFC 9110 §11.1): "bearer" and "BEARER" too.
    if (!absl::StartsWithIgnoreCase(value, "Bearer ")) {
      return absl::UnauthenticatedError(
          "authorization metadata must be 'Bearer <token>'");
    }
    value.remove_prefix(7);
    absl::StatusOr<Caller> found =
        absl::StartsWith(value, kSessionPrefix) ? core_->accounts().Authenticate(value)
        : IsJwtShaped(value)                    ? SignOn(value)
                                                : core_->access().Authenticate(value);
    if (!found.ok()) return found.status();
    *caller = *found;
    return absl::OkStatus();
  }

  // A bearer JWT from the province's identity server: the account its claim names.
  absl::StatusOr<Caller> SignOn(absl::string_view jwt) {
    if (options_.oidc == nullptr) {
      return absl::UnauthenticatedError(
          "bearer JWT: this server accepts no single sign-on (see --oidc-issuer)");
    }
    absl::StatusOr<std::string> username = options_.oidc->Verify(jwt);
    if (!username.ok()) return username.status();
    return core_->accounts().CallerForSignOn(*username);
  }

  static std::string Address(grpc::ServerContextBase* context) {
    const auto& metadata = context->client_metadata();
    auto it = metadata.find(kClientAddressKey);
    return ClientAddress(context->peer(),
                         it == metadata.end()
                             ? absl::string_view()
                             : absl::string_view(it->second.data(), it->second.size()));
  }

  // One line per call in logfmt (key=value, quoted where needed), for grep and for log
  // collectors alike; every call, written by the log's thread (LogBuffer).
  void Log(const char* method, const absl::Status& status, absl::Duration latency,
           const Caller& caller) {
    std::string line;
    line.reserve(160);
    log_.Timestamp(&line);
    absl::StrAppend(&line, " event=rpc method=", method,
                    " code=", absl::StatusCodeToString(status.code()),
                    " latency_us=", absl::ToInt64Microseconds(latency),
                    " role=", RoleName(caller.role));
    if (!caller.token_id.empty()) absl::StrAppend(&line, " token=", caller.token_id);
    if (!caller.unit.empty()) absl::StrAppend(&line, " unit=", caller.unit);
    if (!status.ok()) absl::StrAppend(&line, " message=", LogfmtQuote(status.message()));
    line.push_back('\n');
    // A successful read's line may be dropped when the log falls behind (LogBuffer).
    log_.Add(line, status.ok() && IsReadMethod(method));
  }

  Core* core_;
  ServiceOptions options_;
  LogBuffer log_;
};

// Declares a handler method that calls the method of the same name of the Core's
// `Part` (catalog, rounds, assessments, scores, reports, access: server/core.h), on the
// streamed-unary form of the sync API: the handler reads the request itself, so a
// request that does not parse is answered INVALID_ARGUMENT (the plain sync API answers
// INTERNAL with an empty message before any of our code runs). The answer is written
// as the last message, sent together with the status as a plain unary call would.
#define PARINDEX_RPC(Service, Part, Method, Request, Response)                   \
  grpc::Status Streamed##Method(                                                 \
      grpc::ServerContext* context,                                              \
      grpc::ServerUnaryStreamer<v1::Request, v1::Response>* stream) override {   \
    v1::Request request;                                                         \
    v1::Response response;                                                       \
    const grpc::Status status = h_->Run(                                         \
        context, "/parindex.v1." #Service "/" #Method, &request,                 \
        [stream](v1::Request* r) { return stream->Read(r); }, &response,         \
        [&](const Caller& c) { return h_->core()->Part().Method(c, request); }); \
    if (status.ok()) stream->WriteLast(response, grpc::WriteOptions());          \
    return status;                                                               \
  }

// Parses a raw callback method's request; false if it is not a `message`.
bool ParseBuffer(const grpc::ByteBuffer* buffer, google::protobuf::Message* message) {
  std::vector<grpc::Slice> slices;
  if (!buffer->Dump(&slices).ok()) return false;
  if (slices.size() == 1)
    return message->ParseFromArray(slices[0].begin(), slices[0].size());
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return message->ParseFromString(bytes);
}

class CriteriaServiceImpl final : public v1::CriteriaService::StreamedUnaryService {
 public:
  explicit CriteriaServiceImpl(std::shared_ptr<Handler> h) : h_(std::move(h)) {}
  PARINDEX_RPC(CriteriaService, catalog, CreateCriteriaSet, CreateCriteriaSetRequest,
               CriteriaSet)
  PARINDEX_RPC(CriteriaService, catalog, GetCriteriaSet, GetCriteriaSetRequest,
               CriteriaSet)
  PARINDEX_RPC(CriteriaService, catalog, ListCriteriaSets, ListRequest,
               ListCriteriaSetsResponse)
 private:
  std::shared_ptr<Handler> h_;
};

class PlanServiceImpl final : public v1::PlanService::StreamedUnaryService {
 public:
  explicit PlanServiceImpl(std::shared_ptr<Handler> h) : h_(std::move(h)) {}
  PARINDEX_RPC(PlanService, catalog, PutPlan, PutPlanRequest, Plan)
  PARINDEX_RPC(PlanService, catalog, GetPlan, GetByNameRequest, Plan)
  PARINDEX_RPC(PlanService, catalog, ListPlans, ListRequest, ListPlansResponse)
 private:
  std::shared_ptr<Handler> h_;
};

class UnitServiceImpl final : public v1::UnitService::StreamedUnaryService {
 public:
  explicit UnitServiceImpl(std::shared_ptr<Handler> h) : h_(std::move(h)) {}
  PARINDEX_RPC(UnitService, catalog, PutUnit, PutUnitRequest, Unit)
  PARINDEX_RPC(UnitService, catalog, GetUnit, GetByNameRequest, Unit)
  PARINDEX_RPC(UnitService, catalog, ListUnits, ListRequest, ListUnitsResponse)
 private:
  std::shared_ptr<Handler> h_;
};

class RoundServiceImpl final : public v1::RoundService::StreamedUnaryService {
 public:
  explicit RoundServiceImpl(std::shared_ptr<Handler> h) : h_(std::move(h)) {}
  PARINDEX_RPC(RoundService, rounds, CreateRound, CreateRoundRequest, Round)
  PARINDEX_RPC(RoundService, rounds, GetRound, GetByNameRequest, Round)
  PARINDEX_RPC(RoundService, rounds, ListRounds, ListRequest, ListRoundsResponse)
  PARINDEX_RPC(RoundService, rounds, UpdateRound, UpdateRoundRequest, Round)
  PARINDEX_RPC(RoundService, rounds, AdvanceRound, AdvanceRoundRequest, Round)
  PARINDEX_RPC(RoundService, assessments, ReopenAssessment, ReopenAssessmentRequest,
               Assessment)
  PARINDEX_RPC(RoundService, rounds, ListAssessments, ListAssessmentsRequest,
               ListAssessmentsResponse)
  PARINDEX_RPC(RoundService, rounds, GetWorkQueue, GetByNameRequest, WorkQueue)
 private:
  std::shared_ptr<Handler> h_;
};

class AssessmentServiceImpl final : public v1::AssessmentService::StreamedUnaryService {
 public:
  explicit AssessmentServiceImpl(std::shared_ptr<Handler> h) : h_(std::move(h)) {}
  PARINDEX_RPC(AssessmentService, assessments, GetAssessment, GetByNameRequest,
               Assessment)
  PARINDEX_RPC(AssessmentService, assessments, BatchUpdateEntries,
               BatchUpdateEntriesRequest, BatchUpdateEntriesResponse)
  PARINDEX_RPC(AssessmentService, assessments, UpdateDataSheet, UpdateDataSheetRequest,
               DataSheet)
  PARINDEX_RPC(AssessmentService, assessments, UploadEvidence, UploadEvidenceRequest,
               Evidence)
  PARINDEX_RPC(AssessmentService, assessments, GetEvidenceFile, GetByNameRequest,
               EvidenceFile)
  PARINDEX_RPC(AssessmentService, assessments, DeleteEvidence, DeleteEvidenceRequest,
               Evidence)
  PARINDEX_RPC(AssessmentService, assessments, SubmitAssessment, AssessmentActionRequest,
               Assessment)
  PARINDEX_RPC(AssessmentService, assessments, RequestExplanation,
               RequestExplanationRequest, Assessment)
  PARINDEX_RPC(AssessmentService, assessments, SubmitExplanation, AssessmentActionRequest,
               Assessment)
  PARINDEX_RPC(AssessmentService, assessments, FinaliseAssessment,
               AssessmentActionRequest, Assessment)
  PARINDEX_RPC(AssessmentService, assessments, ReviewExplanation,
               AssessmentActionRequest, Assessment)
  PARINDEX_RPC(AssessmentService, assessments, ImportSurvey, ImportSurveyRequest,
               ImportSurveyResponse)
 private:
  std::shared_ptr<Handler> h_;
};

// ImportDossiers is client streaming: the handler reads the first message as any
// request, and the Core reads the rest, each checked against the API's limits too.
class RecordServiceImpl final : public v1::RecordService::StreamedUnaryService {
 public:
  explicit RecordServiceImpl(std::shared_ptr<Handler> h) : h_(std::move(h)) {}
  grpc::Status ImportDossiers(grpc::ServerContext* context,
                              grpc::ServerReader<v1::ImportDossiersRequest>* reader,
                              v1::ImportDossiersResponse* response) override {
    v1::ImportDossiersRequest first;
    return h_->Run(
        context, "/parindex.v1.RecordService/ImportDossiers", &first,
        [reader](v1::ImportDossiersRequest* r) { return reader->Read(r); }, response,
        [&](const Caller& c) {
          return h_->core()->records().ImportDossiers(
              c, first, [&](v1::ImportDossiersRequest* next) -> absl::StatusOr<bool> {
                if (!reader->Read(next)) {
                  if (context->IsCancelled())
                    return absl::CancelledError("the import's stream broke off");
                  return false;
                }
                RETURN_IF_ERROR(CheckRequest(*next));
                return true;
              });
        });
  }
  PARINDEX_RPC(RecordService, records, ExplainFigure, ExplainFigureRequest,
               FigureDossiers)
  PARINDEX_RPC(RecordService, records, ListRecordFindings, ListRecordFindingsRequest,
               ListRecordFindingsResponse)
 private:
  std::shared_ptr<Handler> h_;
};

class TaskServiceImpl final : public v1::TaskService::StreamedUnaryService {
 public:
  explicit TaskServiceImpl(std::shared_ptr<Handler> h) : h_(std::move(h)) {}
  PARINDEX_RPC(TaskService, tasks, ListTasks, ListTasksRequest, ListTasksResponse)
  PARINDEX_RPC(TaskService, tasks, AssignTask, AssignTaskRequest, AssignTaskResponse)
  PARINDEX_RPC(TaskService, tasks, ReportTaskProgress, ReportTaskProgressRequest,
               TaskAssignment)
  PARINDEX_RPC(TaskService, tasks, GetTaskReport, GetTaskReportRequest, TaskReport)
 private:
  std::shared_ptr<Handler> h_;
};

// A slice over cached bytes that keeps them alive until gRPC has sent them (no copy).
grpc::Slice SharedSlice(std::shared_ptr<const std::string> bytes) {
  auto* owned = new std::shared_ptr<const std::string>(std::move(bytes));
  grpc_slice slice = grpc_slice_new_with_user_data(
      const_cast<char*>((*owned)->data()), (*owned)->size(),
      [](void* p) { delete static_cast<std::shared_ptr<const std::string>*>(p); }, owned);
  return grpc::Slice(slice, grpc::Slice::STEAL_REF);
}

// Declares a raw callback method answering `Core::scores().Method` with the bytes it
// returns (cached bytes: a shared_ptr, or SplitBytes): the reads served from
// cached bytes, parsed here as every call is.
#define PARINDEX_BYTES_RPC(Method, Request, CoreMethod)                               \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* context,              \
                                   const grpc::ByteBuffer* request,                   \
                                   grpc::ByteBuffer* response) override {             \
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();                    \
    v1::Request parsed;                                                               \
    using Bytes =                                                                     \
        decltype(h_->core()->scores().CoreMethod(Caller(), parsed))::value_type;      \
    Bytes out{};                                                                      \
    const grpc::Status status = h_->Run(                                              \
        context, "/parindex.v1.ScoreService/" #Method, &parsed,                       \
        [request](v1::Request* r) { return ParseBuffer(request, r); }, &out,          \
        [&](const Caller& c) { return h_->core()->scores().CoreMethod(c, parsed); }); \
    if (status.ok()) *response = ToBuffer(std::move(out));                            \
    reactor->Finish(status);                                                          \
    return reactor;                                                                   \
  }

grpc::ByteBuffer ToBuffer(std::shared_ptr<const std::string> bytes) {
  grpc::Slice slice = SharedSlice(std::move(bytes));
  return grpc::ByteBuffer(&slice, 1);
}
grpc::ByteBuffer ToBuffer(SplitBytes bytes) {
  if (bytes.tail.empty()) return ToBuffer(std::move(bytes.cached));
  grpc::Slice slices[] = {SharedSlice(std::move(bytes.cached)),
                          grpc::Slice(std::move(bytes.tail))};
  return grpc::ByteBuffer(slices, 2);
}

// The reads of scores are served on the callback API from cached bytes: GetUnitScore
// (the hot read), GetRanking and SummariseRound (dashboards polling a whole round).
class ScoreServiceImpl final
    : public v1::ScoreService::WithRawCallbackMethod_GetUnitScore<
          v1::ScoreService::WithStreamedUnaryMethod_PreviewScore<
              v1::ScoreService::WithRawCallbackMethod_GetRanking<
                  v1::ScoreService::WithRawCallbackMethod_SummariseRound<
                      v1::ScoreService::WithStreamedUnaryMethod_GetUnitHistory<
                          v1::ScoreService::Service>>>>> {
 public:
  explicit ScoreServiceImpl(std::shared_ptr<Handler> h) : h_(std::move(h)) {}
  PARINDEX_BYTES_RPC(GetUnitScore, GetUnitScoreRequest, GetUnitScoreBytes)
  PARINDEX_BYTES_RPC(GetRanking, GetRankingRequest, GetRankingBytes)
  PARINDEX_BYTES_RPC(SummariseRound, GetByNameRequest, SummariseRoundBytes)
  PARINDEX_RPC(ScoreService, scores, PreviewScore, PreviewScoreRequest, UnitScore)
  PARINDEX_RPC(ScoreService, scores, GetUnitHistory, GetUnitHistoryRequest, UnitHistory)
 private:
  std::shared_ptr<Handler> h_;
};

#undef PARINDEX_BYTES_RPC

class ReportServiceImpl final : public v1::ReportService::StreamedService {
 public:
  explicit ReportServiceImpl(std::shared_ptr<Handler> h) : h_(std::move(h)) {}
  PARINDEX_RPC(ReportService, reports, ExportRound, ExportRoundRequest,
               ExportRoundResponse)
  // The file of ExportRound in pieces of kExportChunkBytes, the name and type on the
  // first; the whole file is made first, so an error comes before any piece.
  grpc::Status StreamedStreamExportRound(
      grpc::ServerContext* context,
      grpc::ServerSplitStreamer<v1::ExportRoundRequest, v1::ExportRoundResponse>* stream)
      override {
    const grpc::Status status = StreamExport(context, stream);
    // A national export's tables and file were hundreds of MB, now freed: give the
    // pages back to the system (glibc keeps freed memory in its arenas otherwise, and
    // the server's RSS stayed at its peak for good).
    malloc_trim(0);
    return status;
  }

 private:
  grpc::Status StreamExport(grpc::ServerContext* context,
                            grpc::ServerSplitStreamer<v1::ExportRoundRequest,
                                                      v1::ExportRoundResponse>* stream) {
    v1::ExportRoundRequest request;
    v1::ExportRoundResponse file;
    const grpc::Status status = h_->Run(
        context, "/parindex.v1.ReportService/StreamExportRound", &request,
        [stream](v1::ExportRoundRequest* r) { return stream->Read(r); }, &file,
        [&](const Caller& c) { return h_->core()->reports().ExportRound(c, request); });
    if (!status.ok()) return status;
    const std::string& content = file.content();
    size_t at = 0;
    do {
      v1::ExportRoundResponse piece;
      if (at == 0) {
        piece.set_file_name(file.file_name());
        piece.set_content_type(file.content_type());
      }
      const size_t n = std::min(kExportChunkBytes, content.size() - at);
      piece.set_content(content.substr(at, n));
      at += n;
      if (!stream->Write(piece)) {
        return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
      }
    } while (at < content.size());
    return grpc::Status::OK;
  }

  std::shared_ptr<Handler> h_;
};

class AuditServiceImpl final : public v1::AuditService::StreamedUnaryService {
 public:
  explicit AuditServiceImpl(std::shared_ptr<Handler> h) : h_(std::move(h)) {}
  PARINDEX_RPC(AuditService, access, ListAuditEvents, ListRequest,
               ListAuditEventsResponse)
 private:
  std::shared_ptr<Handler> h_;
};

class AccountServiceImpl final : public v1::AccountService::StreamedUnaryService {
 public:
  explicit AccountServiceImpl(std::shared_ptr<Handler> h) : h_(std::move(h)) {}
  PARINDEX_RPC(AccountService, accounts, CreateAccount, CreateAccountRequest,
               CreateAccountResponse)
  PARINDEX_RPC(AccountService, accounts, ListAccounts, ListRequest, ListAccountsResponse)
  PARINDEX_RPC(AccountService, accounts, DisableAccount, GetByNameRequest, Account)
  PARINDEX_RPC(AccountService, accounts, ResetPassword, GetByNameRequest,
               ResetPasswordResponse)
  PARINDEX_RPC(AccountService, accounts, ChangePassword, ChangePasswordRequest, Account)
  PARINDEX_RPC(AccountService, accounts, SignIn, SignInRequest, SignInResponse)
  PARINDEX_RPC(AccountService, accounts, SignOut, SignOutRequest, SignOutResponse)
  PARINDEX_RPC(AccountService, accounts, GetMe, GetMeRequest, Account)
 private:
  std::shared_ptr<Handler> h_;
};

class TokenServiceImpl final : public v1::TokenService::StreamedUnaryService {
 public:
  explicit TokenServiceImpl(std::shared_ptr<Handler> h) : h_(std::move(h)) {}
  PARINDEX_RPC(TokenService, access, CreateToken, CreateTokenRequest, CreateTokenResponse)
  PARINDEX_RPC(TokenService, access, RevokeToken, GetByNameRequest, Token)
  PARINDEX_RPC(TokenService, access, ListTokens, ListRequest, ListTokensResponse)
  PARINDEX_RPC(TokenService, access, GetCallerToken, GetCallerTokenRequest, Token)
 private:
  std::shared_ptr<Handler> h_;
};

// The benchmarks' baseline: the same authentication, checks and logging as every
// call, on the same (raw callback) API as GetUnitScore, and nothing else.
class EchoServiceImpl final
    : public v1::EchoService::WithRawCallbackMethod_Echo<v1::EchoService::Service> {
 public:
  explicit EchoServiceImpl(std::shared_ptr<Handler> h) : h_(std::move(h)) {}
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const grpc::ByteBuffer* request,
                                 grpc::ByteBuffer* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    v1::EchoMessage parsed;
    std::string out;
    const grpc::Status status = h_->Run(
        context, "/parindex.v1.EchoService/Echo", &parsed,
        [request](v1::EchoMessage* r) { return ParseBuffer(request, r); }, &out,
        [&](const Caller&) {
          return absl::StatusOr<std::string>(parsed.SerializeAsString());
        });
    if (status.ok()) {
      grpc::Slice slice(out);
      *response = grpc::ByteBuffer(&slice, 1);
    }
    reactor->Finish(status);
    return reactor;
  }

 private:
  std::shared_ptr<Handler> h_;
};

#undef PARINDEX_RPC

}  // namespace

std::vector<std::unique_ptr<grpc::Service>> MakeServices(Core* core,
                                                         ServiceOptions options) {
  auto h = std::make_shared<Handler>(core, options);
  std::vector<std::unique_ptr<grpc::Service>> services;
  services.push_back(std::make_unique<CriteriaServiceImpl>(h));
  services.push_back(std::make_unique<PlanServiceImpl>(h));
  services.push_back(std::make_unique<UnitServiceImpl>(h));
  services.push_back(std::make_unique<RoundServiceImpl>(h));
  services.push_back(std::make_unique<AssessmentServiceImpl>(h));
  services.push_back(std::make_unique<ScoreServiceImpl>(h));
  services.push_back(std::make_unique<ReportServiceImpl>(h));
  services.push_back(std::make_unique<AuditServiceImpl>(h));
  services.push_back(std::make_unique<TokenServiceImpl>(h));
  services.push_back(std::make_unique<AccountServiceImpl>(h));
  services.push_back(std::make_unique<EchoServiceImpl>(h));
  services.push_back(std::make_unique<RecordServiceImpl>(h));
  services.push_back(std::make_unique<TaskServiceImpl>(h));
  return services;
}

}  // namespace parindex::server
