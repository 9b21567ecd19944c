// The CLI's API client.
#include "client/api.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace parindex::client {

std::string ToJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the file"));
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::string AssessmentName(const std::string& round, const std::string& unit) {
  return absl::StrCat("rounds/", round, "/assessments/", unit);
}

absl::StatusOr<v1::Assessment> GetAssessment(Api& api, const std::string& round,
                                             const std::string& unit) {
  v1::GetByNameRequest get;
  get.set_name(AssessmentName(round, unit));
  return api.Call(api.assessments(), &v1::AssessmentService::Stub::GetAssessment, get);
}

std::shared_ptr<grpc::ChannelCredentials> Credentials(const CallOptions& options) {
  if (options.ca.empty()) return grpc::InsecureChannelCredentials();
  std::ifstream in(options.ca);
  std::stringstream pem;
  pem << in.rdbuf();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = pem.str();
  return grpc::SslCredentials(ssl);
}

std::shared_ptr<grpc::Channel> Connect(const CallOptions& options) {
  // Whatever the server sends: an evidence file up to its limit (20 MiB by default),
  // past gRPC's default of 4 MiB for a received message.
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  return grpc::CreateCustomChannel(options.server, Credentials(options), args);
}

Api::Api(const CallOptions& options) : options_(options), channel_(Connect(options)) {
  criteria_ = v1::CriteriaService::NewStub(channel_);
  plans_ = v1::PlanService::NewStub(channel_);
  units_ = v1::UnitService::NewStub(channel_);
  audit_ = v1::AuditService::NewStub(channel_);
  tokens_ = v1::TokenService::NewStub(channel_);
  rounds_ = v1::RoundService::NewStub(channel_);
  assessments_ = v1::AssessmentService::NewStub(channel_);
  scores_ = v1::ScoreService::NewStub(channel_);
  reports_ = v1::ReportService::NewStub(channel_);
  accounts_ = v1::AccountService::NewStub(channel_);
  records_ = v1::RecordService::NewStub(channel_);
  tasks_ = v1::TaskService::NewStub(channel_);
}

void Api::Prepare(grpc::ClientContext* context) const {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(options_.timeout_seconds));
  if (!options_.token.empty())
    context->AddMetadata("authorization", absl::StrCat("Bearer ", options_.token));
}

}  // namespace parindex::client
