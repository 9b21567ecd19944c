// A small client of the parindex API for the CLI: one channel, the bearer token on
// every call, gRPC errors as absl::Status (code and message kept).
#ifndef PARINDEX_CLIENT_API_H_
#define PARINDEX_CLIENT_API_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "client/call_command.h"
#include "grpcpp/grpcpp.h"
#include "parindex/v1/service.grpc.pb.h"

namespace parindex::client {

class Api {
 public:
  explicit Api(const CallOptions& options);

  // Calls `method` of `stub`, e.g. Call(&v1::ScoreService::Stub::GetUnitScore, request).
  template <typename Stub, typename Request, typename Response>
  absl::StatusOr<Response> Call(Stub* stub,
                                grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                             const Request&, Response*),
                                const Request& request) {
    grpc::ClientContext context;
    Prepare(&context);
    Response response;
    const grpc::Status status = (stub->*method)(&context, request, &response);
    if (!status.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          status.error_message());
    }
    return response;
  }

  // The deadline and the bearer token of a call: for the streaming calls, which
  // Call does not make.
  void Prepare(grpc::ClientContext* context) const;

  v1::CriteriaService::Stub* criteria() { return criteria_.get(); }
  v1::PlanService::Stub* plans() { return plans_.get(); }
  v1::UnitService::Stub* units() { return units_.get(); }
  v1::AuditService::Stub* audit() { return audit_.get(); }
  v1::TokenService::Stub* tokens() { return tokens_.get(); }
  v1::RoundService::Stub* rounds() { return rounds_.get(); }
  v1::AssessmentService::Stub* assessments() { return assessments_.get(); }
  v1::ScoreService::Stub* scores() { return scores_.get(); }
  v1::ReportService::Stub* reports() { return reports_.get(); }
  v1::AccountService::Stub* accounts() { return accounts_.get(); }
  v1::RecordService::Stub* records() { return records_.get(); }
  v1::TaskService::Stub* tasks() { return tasks_.get(); }

 private:
  CallOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::CriteriaService::Stub> criteria_;
  std::unique_ptr<v1::PlanService::Stub> plans_;
  std::unique_ptr<v1::UnitService::Stub> units_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
  std::unique_ptr<v1::TokenService::Stub> tokens_;
  std::unique_ptr<v1::RoundService::Stub> rounds_;
  std::unique_ptr<v1::AssessmentService::Stub> assessments_;
  std::unique_ptr<v1::ScoreService::Stub> scores_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
  std::unique_ptr<v1::AccountService::Stub> accounts_;
  std::unique_ptr<v1::RecordService::Stub> records_;
  std::unique_ptr<v1::TaskService::Stub> tasks_;
};

// Helpers shared by the commands.
std::string ToJson(const google::protobuf::Message& message);  // protobuf's JSON mapping
absl::StatusOr<std::string> ReadFile(
    const std::string& path);  // NOT_FOUND naming the path
std::string AssessmentName(const std::string& round, const std::string& unit);
// A unit's assessment in a round (its form, state and etag).
absl::StatusOr<v1::Assessment> GetAssessment(Api& api, const std::string& round,
                                             const std::string& unit);

// Channel credentials for the options: TLS with the CA when given, else plaintext.
std::shared_ptr<grpc::ChannelCredentials> Credentials(const CallOptions& options);
// A channel to options.server with those credentials that receives messages of any
// size (evidence files, exports).
std::shared_ptr<grpc::Channel> Connect(const CallOptions& options);

}  // namespace parindex::client

#endif  // PARINDEX_CLIENT_API_H_
