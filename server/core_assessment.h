// AssessmentCore: one unit's assessment — its entries, evidence files, explanations,
// survey answers, and every change of its state (submit, request and submit an
// explanation, finalise, reopen), each by the workflow's row (server/policy.h).
#ifndef PARINDEX_SERVER_CORE_ASSESSMENT_H_
#define PARINDEX_SERVER_CORE_ASSESSMENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/status_macros.h"
#include "parindex/v1/service.pb.h"
#include "server/core_base.h"

namespace parindex::server {

class AssessmentCore : private CoreBase {
 public:
  using CoreBase::CoreBase;

  absl::StatusOr<v1::Assessment> GetAssessment(const Caller& c,
                                               const v1::GetByNameRequest& r);
  absl::StatusOr<v1::BatchUpdateEntriesResponse> BatchUpdateEntries(
      const Caller& c, const v1::BatchUpdateEntriesRequest& r);
  absl::StatusOr<v1::DataSheet> UpdateDataSheet(const Caller& c,
                                                const v1::UpdateDataSheetRequest& r);
  absl::StatusOr<v1::Evidence> UploadEvidence(const Caller& c,
                                              const v1::UploadEvidenceRequest& r);
  absl::StatusOr<v1::EvidenceFile> GetEvidenceFile(const Caller& c,
                                                   const v1::GetByNameRequest& r);
  absl::StatusOr<v1::Evidence> DeleteEvidence(const Caller& c,
                                              const v1::DeleteEvidenceRequest& r);
  absl::StatusOr<v1::Assessment> SubmitAssessment(const Caller& c,
                                                  const v1::AssessmentActionRequest& r);
  absl::StatusOr<v1::Assessment> RequestExplanation(
      const Caller& c, const v1::RequestExplanationRequest& r);
  absl::StatusOr<v1::Assessment> SubmitExplanation(const Caller& c,
                                                   const v1::AssessmentActionRequest& r);
  absl::StatusOr<v1::Assessment> FinaliseAssessment(const Caller& c,
                                                    const v1::AssessmentActionRequest& r);
  // The office has read an EXPLAINED unit's explanations: audited, nothing changes.
  absl::StatusOr<v1::Assessment> ReviewExplanation(const Caller& c,
                                                   const v1::AssessmentActionRequest& r);
  // RoundService's method, a state change like the others.
  absl::StatusOr<v1::Assessment> ReopenAssessment(const Caller& c,
                                                  const v1::ReopenAssessmentRequest& r);
  absl::StatusOr<v1::ImportSurveyResponse> ImportSurvey(const Caller& c,
                                                        const v1::ImportSurveyRequest& r);

 private:
  // The assessment with its effective state (server/policy.h).
  absl::StatusOr<v1::Assessment> LoadAssessment(const RoundContext& round,
                                                const std::string& unit);
  // What every action on one assessment starts with: the name parsed, the round and
  // the assessment loaded (with its effective state), the caller's sight checked.
  struct ActionTarget {
    std::string round_id, unit;
    std::shared_ptr<const RoundContext> round;
    v1::Assessment a;
  };
  absl::StatusOr<ActionTarget> PrepareAction(const Caller& c, const std::string& name);
  // Stores a unit's form (entries and values, all or none) under ctx, answering with
  // build(ack) (stored with its request id), and drops the unit's cached scores.
  template <typename Response, typename Build>
  absl::StatusOr<Response> StoreForm(const store::WriteContext& ctx,
                                     const std::string& round, const std::string& unit,
                                     const store::FormUpdate& form, Build build) {
    ASSIGN_OR_RETURN(Response response, Respond<Response>(
                                            ctx,
                                            [&](const store::WriteContext& x) {
                                              return store_->UpdateForm(x, round, unit,
                                                                        form, nullptr);
                                            },
                                            build));
    cache_->Changed(round, unit);
    return response;
  }
  // The workflow's row for `verb` on the target now (server/policy.h), or why not.
  absl::StatusOr<const WorkflowRule*> AllowOn(const Caller& c, Verb verb,
                                              const ActionTarget& t) const;
  // Submit, explain, finalise, reopen: a state change by the workflow's row for `verb`,
  // answered with the assessment after it. `etag` nullopt: the version just read.
  absl::StatusOr<v1::Assessment> StateAction(
      const Caller& c, Verb verb, const std::string& name, std::optional<int64_t> etag,
      const google::protobuf::Message& request, absl::string_view method,
      const std::string& request_id, const std::string& reason = "");
  absl::StatusOr<v1::Assessment> MoveTo(const Caller& c, const ActionTarget& t,
                                        const WorkflowRule& rule, store::WriteContext ctx,
                                        int64_t etag);
  // Writes `updates` and moves the assessment to rule.stores (the assessment's version
  // expected: `etag`) in one transaction, answering with t.a as `edit(ack, &form)`
  // leaves it, moved and shown as the caller may read it; drops the unit's cached
  // scores. The explanation actions (RequestExplanation, SubmitExplanation).
  absl::StatusOr<v1::Assessment> WriteEntriesAndMove(
      const Caller& c, const ActionTarget& t, const WorkflowRule& rule,
      const store::WriteContext& ctx, const std::vector<store::EntryUpdate>& updates,
      int64_t etag,
      const std::function<void(const v1::WriteAck&, v1::Assessment*)>& edit);
};

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_CORE_ASSESSMENT_H_
