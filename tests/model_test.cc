// A model-based test of the workflow against the real server. A seeded random walk of
// actions by random identities runs against the `parindex-server` binary over gRPC on
// loopback, and every answer is compared with a small model of the README's section
// "Who may do what, and when", written from the README alone: (1) method × role,
// (2) visibility, (3) the workflow table, (4) request ids.
//
// On a mismatch the walk prints the seed, the step, the call, the expected and the actual
// outcome; it then replays shorter and shorter action lists, each on a fresh round of the
// same server, until it has the shortest prefix that still fails the same way and has
// dropped every action it could, and prints that list. The walk then goes on in a new
// round, so one run reports every kind of mismatch it meets.
//
// Not modelled yet: AccountService and people's sessions and scopes (README: "Accounts
// and sign-in"). Every identity here is a token, whose scope is its unit (wards) or
// everything, so the model's visibility is unchanged by scope; modelling a province's
// appraiser needs units of two parents and identities that sign in, which
// tests/policy_test.cc (ScopeTest: every unit method of another province's unit in
// every phase, a ward on its neighbour, a national reader before and after
// publication, every list) and tests/account_test.cc cover by example instead.
//
// MODEL_SEED and MODEL_STEPS override the walk (`make test-model SEED=7 STEPS=20000`);
// MODEL_SHRINK_SECONDS bounds the search for short lists (default 60 in all);
// MODEL_SKIP=Kind,Kind leaves action kinds out of the walk (e.g. Replay, ImportSurvey),
// to look past a known mismatch; MODEL_VERBOSE=1 prints every step.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/unary_bytes.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "parindex/v1/service.grpc.pb.h"
#include "tests/server_process.h"

namespace {

namespace v1 = parindex::v1;
using grpc::StatusCode;
using Phase = v1::RoundPhase;
using State = v1::AssessmentState;

std::string PhaseName(Phase p) {
  const std::string n = v1::RoundPhase_Name(p);
  return absl::StartsWith(n, "PHASE_") ? n.substr(6) : n;
}
std::string StateName(State s) {
  const std::string n = v1::AssessmentState_Name(s);
  return absl::StartsWith(n, "STATE_") ? n.substr(6) : n;
}
std::string CodeName(StatusCode c) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(c));
}

// ======================================================================================
// The model. Everything from here to "The harness" is the README turned into data and
// one prediction function per action; nothing in it reads the server's code.
// ======================================================================================

enum Role { kNobody, kWard, kAppraiser, kAdmin, kReader };
const char* const kRoleName[] = {"nobody", "ward", "appraiser", "admin", "reader"};

// The units: A and B take part in the round; Z is a unit of the demo outside it.
constexpr int kA = 0, kB = 1, kZ = 2;
const char* const kUnitCode[] = {"PLS", "PHN", "PQT"};

// Who calls: two tokens of ward A (two callers of one unit), ward B, two appraisers, an
// admin, a reader, a revoked token and no token at all.
enum Who {
  kWardA,
  kWardA2,
  kWardB,
  kAppr,
  kAppr2,
  kAdminWho,
  kReaderWho,
  kRevoked,
  kNoToken,
  kNumWho
};
struct Identity {
  const char* name;
  Role role;
  int unit;  // for a ward
};
const Identity kWho[kNumWho] = {
    {"wardA", kWard, kA},           {"wardA2", kWard, kA},
    {"wardB", kWard, kB},           {"appraiser", kAppraiser, -1},
    {"appraiser2", kAppraiser, -1}, {"admin", kAdmin, -1},
    {"reader", kReader, -1},        {"revoked", kNobody, -1},
    {"no-token", kNobody, -1}};

// The criteria the walk fills (commune-2025): a count pair, a yes/no, a survey criterion.
enum Crit { kCount, kYesNo, kSurvey, kNumCrit };
const char* const kCritCode[] = {"III.2.1", "I.1.2", "VIII.1"};

enum Method {
  kAdvanceRound,
  kUpdateRound,
  kReopenAssessment,
  kListAssessments,
  kGetAssessment,
  kBatchUpdateEntries,
  kUploadEvidence,
  kGetEvidenceFile,
  kSubmitAssessment,
  kRequestExplanation,
  kSubmitExplanation,
  kFinaliseAssessment,
  kImportSurvey,
  kGetUnitScore,
  kGetRanking,
  kSummariseRound,
  kExportRound,
  kNumMethods
};

// ---- Table 1: method × role ----
// The README gives each write's role in the workflow table and each read's audience in
// the visibility table. Admin reads everything but is in no row of the workflow table;
// a reader never sees forms, files or the status board. ListAssessments for a ward is
// not settled by the README: see PredictList.
struct MethodRow {
  const char* service;
  const char* name;
  std::set<Role> roles;
  bool write;
};
// clang-format off
const std::vector<MethodRow>& Methods() {
  static const auto* table = new std::vector<MethodRow>{
      {v1::RoundService::service_full_name(), "AdvanceRound", {kAppraiser}, true},
      {v1::RoundService::service_full_name(), "UpdateRound", {kAppraiser}, true},
      {v1::RoundService::service_full_name(), "ReopenAssessment", {kAppraiser}, true},
      {v1::RoundService::service_full_name(), "ListAssessments", {kWard, kAppraiser, kAdmin}, false},
      {v1::AssessmentService::service_full_name(), "GetAssessment", {kWard, kAppraiser, kAdmin}, false},
      {v1::AssessmentService::service_full_name(), "BatchUpdateEntries", {kWard, kAppraiser}, true},
      {v1::AssessmentService::service_full_name(), "UploadEvidence", {kWard, kAppraiser}, true},
      {v1::AssessmentService::service_full_name(), "GetEvidenceFile", {kWard, kAppraiser, kAdmin}, false},
      {v1::AssessmentService::service_full_name(), "SubmitAssessment", {kWard}, true},
      {v1::AssessmentService::service_full_name(), "RequestExplanation", {kAppraiser}, true},
      {v1::AssessmentService::service_full_name(), "SubmitExplanation", {kWard}, true},
      {v1::AssessmentService::service_full_name(), "FinaliseAssessment", {kAppraiser}, true},
      {v1::AssessmentService::service_full_name(), "ImportSurvey", {kAppraiser}, true},
      {v1::ScoreService::service_full_name(), "GetUnitScore", {kWard, kAppraiser, kAdmin, kReader}, false},
      {v1::ScoreService::service_full_name(), "GetRanking", {kWard, kAppraiser, kAdmin, kReader}, false},
      {v1::ScoreService::service_full_name(), "SummariseRound", {kWard, kAppraiser, kAdmin, kReader}, false},
      {v1::ReportService::service_full_name(), "ExportRound", {kWard, kAppraiser, kAdmin, kReader}, false},
  };
  return *table;
}
// clang-format on

// Two answers of `method` are the same message: the same bytes once serialized
// deterministically (protobuf writes map entries, the figures of an entry, in an order
// of its own; the server stores the first answer's bytes and sends that message back).
bool SameAnswer(int method, const std::string& a, const std::string& b) {
  if (a == b) return true;
  const MethodRow& row = Methods()[method];
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  const auto* descriptor =
      pool->FindMethodByName(absl::StrCat(row.service, ".", row.name));
  if (descriptor == nullptr) return false;
  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(
          descriptor->output_type());
  std::unique_ptr<google::protobuf::Message> x(prototype->New()), y(prototype->New());
  if (!x->ParseFromString(a) || !y->ParseFromString(b)) return false;
  auto deterministic = [](const google::protobuf::Message& m) {
    std::string out;
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&coded);
    coded.Trim();
    return out;
  };
  return deterministic(*x) == deterministic(*y);
}

// ---- Table 2: visibility ----
enum What { kForm, kFiles, kScore, kResults };  // results: ranking, summary, exports
struct SeeRow {
  Role role;
  bool own_unit;
  What what;
  bool before_publication, once_published;
};
// Appraisers and admins see everything; what is not listed is never seen.
// clang-format off
const SeeRow kSee[] = {
    // role    own unit  what      before publication  once published
    {kWard,    true,     kForm,    true,               true},
    {kWard,    true,     kFiles,   true,               true},
    {kWard,    true,     kScore,   true,               true},
    {kWard,    false,    kScore,   false,              true},
    {kWard,    false,    kResults, false,              true},
    {kReader,  false,    kScore,   false,              true},
    {kReader,  false,    kResults, false,              true},
};
// clang-format on
bool CanSee(Role role, bool own_unit, What what, Phase phase) {
  if (role == kAppraiser || role == kAdmin) return true;
  for (const SeeRow& r : kSee) {
    if (r.role == role && r.own_unit == own_unit && r.what == what)
      return phase == v1::PHASE_PUBLISHED ? r.once_published : r.before_publication;
  }
  return false;
}

// ---- Table 3: the workflow ----
// clang-format off
enum Act { kEdit, kAttach, kSubmit, kAskExplanations, kSendExplanation, kImport, kFinalise, kCorrect, kReopen };
enum Field { kSelf, kAppraised, kExplanation, kFile, kExplanationRequest, kSurveyAnswers };
const char* const kFieldName[] = {"self", "appraised", "explanation", "file", "explanation_request", "survey"};
enum Deadline { kNoDeadline, kSelfDeadline, kExplanationDeadline };
enum Leaves { kUnchanged, kDraft, kSubmitted, kAppraisedIfSubmitted, kExplanationRequested, kExplained, kFinal, kStillFinal, kDraftLifted, kExplanationRequestedLifted };
// clang-format on

constexpr Phase kSelfPhase = v1::PHASE_SELF_ASSESSMENT, kAppraisal = v1::PHASE_APPRAISAL,
                kExplanationPhase = v1::PHASE_EXPLANATION,
                kFinalAppraisal = v1::PHASE_FINAL_APPRAISAL,
                kFinalised = v1::PHASE_FINALISED, kPublished = v1::PHASE_PUBLISHED;
constexpr State kNotStarted = v1::STATE_NOT_STARTED, kDraftState = v1::STATE_DRAFT,
                kSubmittedState = v1::STATE_SUBMITTED,
                kAppraisedState = v1::STATE_APPRAISED,
                kRequestedState = v1::STATE_EXPLANATION_REQUESTED,
                kExplainedState = v1::STATE_EXPLAINED, kFinalState = v1::STATE_FINAL;

struct WorkflowRow {
  Act act;
  Role role;
  std::vector<Phase> phases;
  std::vector<State> states;
  Deadline deadline;
  std::set<Field> writes;
  bool asked_only;  // only on criteria an explanation was asked about
  Leaves leaves;
};
// clang-format off
const std::vector<WorkflowRow>& WorkflowTable() {
  const std::vector<State> not_final = {kNotStarted, kDraftState, kSubmittedState, kAppraisedState, kRequestedState, kExplainedState};
  const std::vector<Phase> appraising = {kAppraisal, kExplanationPhase, kFinalAppraisal};
  static const auto* table = new std::vector<WorkflowRow>{
      {kEdit, kWard, {kSelfPhase}, {kNotStarted, kDraftState}, kSelfDeadline, {kSelf}, false, kDraft},
      {kAttach, kWard, {kSelfPhase}, {kNotStarted, kDraftState}, kSelfDeadline, {kFile}, false, kDraft},
      {kSubmit, kWard, {kSelfPhase}, {kNotStarted, kDraftState}, kSelfDeadline, {}, false, kSubmitted},
      {kEdit, kAppraiser, appraising, not_final, kNoDeadline, {kAppraised}, false, kAppraisedIfSubmitted},
      {kAttach, kAppraiser, appraising, not_final, kNoDeadline, {kFile}, false, kUnchanged},
      {kAskExplanations, kAppraiser, {kAppraisal}, {kNotStarted, kDraftState, kSubmittedState, kAppraisedState, kRequestedState}, kNoDeadline, {kExplanationRequest}, false, kExplanationRequested},
      {kEdit, kWard, {kExplanationPhase}, {kRequestedState}, kExplanationDeadline, {kExplanation}, true, kUnchanged},
      {kAttach, kWard, {kExplanationPhase}, {kRequestedState}, kExplanationDeadline, {kFile}, true, kUnchanged},
      {kSendExplanation, kWard, {kExplanationPhase}, {kRequestedState}, kExplanationDeadline, {}, false, kExplained},
      {kImport, kAppraiser, appraising, not_final, kNoDeadline, {kSurveyAnswers}, false, kUnchanged},
      {kFinalise, kAppraiser, {kFinalAppraisal}, not_final, kNoDeadline, {}, false, kFinal},
      {kCorrect, kAppraiser, {kFinalised, kPublished}, {kFinalState}, kNoDeadline, {kAppraised}, false, kStillFinal},
      {kReopen, kAppraiser, {kSelfPhase}, {kNotStarted, kDraftState, kSubmittedState}, kNoDeadline, {}, false, kDraftLifted},
      {kReopen, kAppraiser, {kExplanationPhase}, {kRequestedState, kExplainedState}, kNoDeadline, {}, false, kExplanationRequestedLifted},
  };
  return *table;
}
// clang-format on

const WorkflowRow* FindRow(Act act, Role role, Phase phase, State state,
                           const std::set<Field>& fields) {
  for (const WorkflowRow& r : WorkflowTable()) {
    auto has = [](const auto& v, auto x) {
      return std::find(v.begin(), v.end(), x) != v.end();
    };
    if (r.act != act || r.role != role || !has(r.phases, phase) || !has(r.states, state))
      continue;
    if (std::includes(r.writes.begin(), r.writes.end(), fields.begin(), fields.end()))
      return &r;
  }
  return nullptr;
}

// ---- The model's state ----
struct File {
  int crit;
  int64_t id;  // the server's, learnt from the upload's answer
  std::string content;
};
struct UnitModel {
  State stored = kNotStarted;  // only explicit transitions are stored
  bool entered = false;        // the unit entered something (derives DRAFT)
  bool appraised = false;      // an appraiser entered something (derives APPRAISED)
  // The phase of the reopen whose deadline lift lasts (none: UNSPECIFIED).
  Phase lift = v1::ROUND_PHASE_UNSPECIFIED;
  int64_t version[kNumCrit] = {};  // the entries' versions (etags)
  // The data sheet's version of the counts kCount's figures write (resolved and
  // resolved_on_time move together: every write of the figures gives both).
  int64_t figure_version = 0;
  bool requested[kNumCrit] = {};   // an explanation was asked about it
  std::vector<File> files;
  // The assessment's version as last read: the README does not say how it moves.
  int64_t etag = 0;
};
struct IdKey {  // a request id belongs to the caller's token, the method and the resource
  int who, method;
  std::string resource, id;
  bool operator<(const IdKey& o) const {
    return std::tie(who, method, resource, id) <
           std::tie(o.who, o.method, o.resource, o.id);
  }
};
struct FirstAnswer {
  std::string body;    // the request without its id (what the digest is of)
  std::string answer;  // the bytes of the first answer
};
struct Model {
  std::string round;
  Phase phase = v1::PHASE_DRAFT;
  int64_t etag = 0;  // the round's version as last read
  bool self_deadline_passed = false, explanation_deadline_passed = false;
  UnitModel unit[2];
  std::map<IdKey, FirstAnswer> ids;
};

// README: DRAFT is "derived: a unit entered something", and the workflow table leaves a
// unit's state as it was when an appraiser appraises it (unless SUBMITTED), attaches a
// file to it or imports its survey answers. The brief for this test read it as "the unit
// has any entry or uploaded file"; true switches the model to that reading.
constexpr bool kAnyEntryMakesDraft = false;

// What reads show: FINAL once the round is finalised; DRAFT once the unit entered
// something; APPRAISED once an appraiser did on a submitted unit; else what is stored.
State Effective(const Model& m, int u) {
  const UnitModel& x = m.unit[u];
  if (m.phase == kFinalised || m.phase == kPublished) return kFinalState;
  if (x.stored == kNotStarted && x.entered) return kDraftState;
  if (x.stored == kSubmittedState && x.appraised) return kAppraisedState;
  return x.stored;
}

bool DeadlinePassed(const Model& m, int u, Deadline d) {
  if (d == kSelfDeadline) return m.self_deadline_passed && m.unit[u].lift != kSelfPhase;
  if (d == kExplanationDeadline)
    return m.explanation_deadline_passed && m.unit[u].lift != kExplanationPhase;
  return false;
}

// clang-format off
void Leave(Model& m, int u, Leaves leaves) {
  UnitModel& x = m.unit[u];
  switch (leaves) {
    case kUnchanged: break;
    case kDraft: x.entered = true; break;
    case kSubmitted: x.stored = kSubmittedState; x.lift = v1::ROUND_PHASE_UNSPECIFIED; break;
    case kAppraisedIfSubmitted: x.appraised = true; break;
    case kExplanationRequested: x.stored = kRequestedState; x.lift = v1::ROUND_PHASE_UNSPECIFIED; break;
    case kExplained: x.stored = kExplainedState; x.lift = v1::ROUND_PHASE_UNSPECIFIED; break;
    case kFinal: x.stored = kFinalState; break;
    case kStillFinal: break;  // FINAL follows from the round's phase
    case kDraftLifted: x.stored = kDraftState; x.lift = kSelfPhase; break;
    case kExplanationRequestedLifted: x.stored = kRequestedState; x.lift = kExplanationPhase; break;
  }
}
// clang-format on

// ---- One call, as the model sees it ----
struct Update {
  int crit;
  Field field;
  int64_t etag;
  int value;
  bool bad = false;  // more dossiers on time than resolved
  // The version of kCount's figures on the data sheet read (figure_etags), when the
  // update writes them.
  int64_t figure_etag = 0;
};

// Whether `u` writes kCount's figures (to the data sheet, with their versions).
bool WritesFigures(const Update& u) {
  return u.crit == kCount && (u.field == kSelf || u.field == kAppraised);
}
struct Call {
  Method method;
  Who who;
  int unit = kA;
  std::string tag;   // what is special about it, for people
  std::string kind;  // the coarser part of it that tells mismatches apart
  int64_t etag = 0;
  Phase to_phase = v1::ROUND_PHASE_UNSPECIFIED;
  int deadlines = 0;  // UpdateRound: bit 1 self-assessment, bit 2 explanation
  bool self_past = false, explanation_past = false;
  std::vector<Update> updates;
  bool correction = false;
  std::string reason;
  std::vector<int> crits;  // RequestExplanation, UploadEvidence
  std::vector<int> units;  // ImportSurvey rows
  int value = 0;           // survey answers, texts
  std::string content;     // UploadEvidence
  v1::Column column = v1::APPRAISED;
  int64_t file_id = 0;  // GetEvidenceFile
  std::string request_id;
};

Call Simple(Method method, Who who, int unit = kA) {
  Call c;
  c.method = method;
  c.who = who;
  c.unit = unit;
  return c;
}

std::string RoundName(const Model& m) { return "rounds/" + m.round; }
std::string AssessmentName(const Model& m, int u) {
  return absl::StrCat(RoundName(m), "/assessments/", kUnitCode[u]);
}
bool RoundScoped(Method method) {
  return method == kAdvanceRound || method == kUpdateRound || method == kImportSurvey ||
         method == kListAssessments || method == kGetRanking ||
         method == kSummariseRound || method == kExportRound;
}
std::string Resource(const Model& m, const Call& c) {
  return RoundScoped(c.method) ? RoundName(m) : AssessmentName(m, c.unit);
}
std::string Body(const Model& m, const Call& c);  // the request's bytes without its id

// ---- Predictions ----
// What a refusal's message must name: each item by one of its spellings.
struct Named {
  std::string what;                    // "the phase"
  std::vector<std::string> spellings;  // "SELF_ASSESSMENT"
};
using Groups = std::vector<Named>;
Groups PhaseAndState(Phase p, State s) {
  return {{"the phase", {PhaseName(p)}}, {"the state", {StateName(s)}}};
}
struct Expect {
  std::set<StatusCode> codes;
  std::map<StatusCode, Groups> messages;
};
struct Outcome {
  Expect expect;
  Model after;                              // the model once the answer is OK
  std::optional<std::string> first_answer;  // a retry: the answer it repeats
  bool own_unit_only = false;               // ListAssessments by a ward
};

Outcome Only(const Model& m, std::set<StatusCode> codes, Groups groups = {}) {
  Outcome o;
  o.expect.codes = codes;
  if (!groups.empty()) o.expect.messages[*codes.begin()] = groups;
  o.after = m;
  return o;
}

// Collects every refusal that applies to a call; the README does not order refusals of
// different kinds, so any of them may be the answer.
class Judge {
 public:
  void Refuse(StatusCode code, Groups groups = {}) {
    refusals_.push_back({{code}, groups});
  }
  void RefuseWithEither(std::set<StatusCode> codes) { refusals_.push_back({codes, {}}); }
  Outcome Verdict(const Model& before, const Model& after) const {
    if (refusals_.empty()) return Only(after, {StatusCode::OK});
    Outcome o;
    o.after = before;
    std::map<StatusCode, int> count;
    for (const auto& [codes, groups] : refusals_) {
      for (StatusCode c : codes) {
        o.expect.codes.insert(c);
        ++count[c];
      }
    }
    // A message is checked when its refusal is the only one with that code.
    for (const auto& [codes, groups] : refusals_) {
      if (codes.size() == 1 && count[*codes.begin()] == 1 && !groups.empty())
        o.expect.messages[*codes.begin()] = groups;
    }
    return o;
  }

 private:
  std::vector<std::pair<std::set<StatusCode>, Groups>> refusals_;
};

// Before anything is judged: the token, table 1, and a request id seen before.
std::optional<Outcome> Gate(const Model& m, const Call& c) {
  const Role role = kWho[c.who].role;
  if (role == kNobody) return Only(m, {StatusCode::UNAUTHENTICATED});
  if (!Methods()[c.method].roles.count(role))
    return Only(m, {StatusCode::PERMISSION_DENIED});
  if (Methods()[c.method].write && !c.request_id.empty()) {
    auto it = m.ids.find({c.who, c.method, Resource(m, c), c.request_id});
    if (it != m.ids.end()) {
      if (it->second.body != Body(m, c))
        return Only(m, {StatusCode::INVALID_ARGUMENT}, {{"request_id", {"request_id"}}});
      Outcome o = Only(m, {StatusCode::OK});
      o.first_answer = it->second.answer;
      return o;
    }
  }
  return std::nullopt;
}

// Table 2 for a call about one unit.
std::optional<Outcome> Visible(const Model& m, const Call& c, What what) {
  const Identity& id = kWho[c.who];
  const Groups names = {{"the round or unit", {m.round, kUnitCode[c.unit]}}};
  if (c.unit == kZ) {  // not in the round; a caller who could not see it anyway: either
    if (CanSee(id.role, false, what, m.phase)) return Only(m, {StatusCode::NOT_FOUND});
    return Only(m, {StatusCode::PERMISSION_DENIED, StatusCode::NOT_FOUND});
  }
  const bool own = id.role == kWard && id.unit == c.unit;
  if (!CanSee(id.role, own, what, m.phase))
    return Only(m, {StatusCode::PERMISSION_DENIED}, names);
  return std::nullopt;
}

// Table 3: the row that allows this, or FAILED_PRECONDITION naming the phase and state.
const WorkflowRow* Workflow(Judge& j, const Model& m, Act act, const Call& c,
                            const std::set<Field>& fields,
                            const std::vector<int>& crits) {
  const State state = Effective(m, c.unit);
  const Groups names = PhaseAndState(m.phase, state);
  const WorkflowRow* row = FindRow(act, kWho[c.who].role, m.phase, state, fields);
  if (row == nullptr) {
    j.Refuse(StatusCode::FAILED_PRECONDITION, names);
    return nullptr;
  }
  if (DeadlinePassed(m, c.unit, row->deadline))
    j.Refuse(StatusCode::FAILED_PRECONDITION, {{"a reopen", {"reopen"}}});
  const bool all_asked = std::all_of(crits.begin(), crits.end(), [&](int crit) {
    return m.unit[c.unit].requested[crit];
  });
  if (row->asked_only && !all_asked) j.Refuse(StatusCode::FAILED_PRECONDITION, names);
  return row;
}

void CheckEtag(Judge& j, int64_t sent, int64_t current) {
  if (sent != current) j.Refuse(StatusCode::ABORTED);
}

Outcome PredictAdvanceRound(const Model& m, const Call& c) {
  if (auto o = Gate(m, c)) return *o;
  Judge j;
  if (c.to_phase > kPublished) {  // not a phase: refused at the boundary (README: Limits)
    j.Refuse(StatusCode::INVALID_ARGUMENT, {{"the field", {"to_phase"}}});
    return j.Verdict(m, m);
  }
  if (m.phase == kPublished || c.to_phase != m.phase + 1)
    j.Refuse(StatusCode::FAILED_PRECONDITION, {{"the phase", {PhaseName(m.phase)}}});
  // "A round opens its self-assessment only before its deadline."
  if (c.to_phase == kSelfPhase && m.phase + 1 == kSelfPhase && m.self_deadline_passed) {
    j.Refuse(StatusCode::INVALID_ARGUMENT,
             {{"the field", {"round.self_assessment_deadline"}}});
  }
  CheckEtag(j, c.etag, m.etag);
  Model after = m;
  after.phase = c.to_phase;
  return j.Verdict(m, after);
}

Outcome PredictUpdateRound(const Model& m, const Call& c) {
  if (auto o = Gate(m, c)) return *o;
  Judge j;
  if (c.deadlines != 0 && m.phase >= kFinalised)  // "its deadlines are history"
    j.Refuse(StatusCode::FAILED_PRECONDITION, {{"the phase", {PhaseName(m.phase)}}});
  CheckEtag(j, c.etag, m.etag);
  Model after = m;
  if (c.deadlines & 1) after.self_deadline_passed = c.self_past;
  if (c.deadlines & 2) after.explanation_deadline_passed = c.explanation_past;
  return j.Verdict(m, after);
}

Outcome PredictBatchUpdateEntries(const Model& m, const Call& c) {
  if (auto o = Gate(m, c)) return *o;
  if (auto o = Visible(m, c, kForm)) return *o;
  Judge j;
  std::set<Field> fields;
  std::vector<int> crits;
  for (const Update& u : c.updates) {
    fields.insert(u.field);
    crits.push_back(u.crit);
  }
  const WorkflowRow* row =
      Workflow(j, m, c.correction ? kCorrect : kEdit, c, fields, crits);
  if (c.correction && c.reason.empty())  // "correction: true, with a reason"
    j.RefuseWithEither({StatusCode::INVALID_ARGUMENT, StatusCode::FAILED_PRECONDITION});
  for (const Update& u : c.updates) {
    if (u.crit == kSurvey)  // "survey criteria are written by ImportSurvey only"
      j.RefuseWithEither({StatusCode::INVALID_ARGUMENT, StatusCode::FAILED_PRECONDITION});
    if (u.bad)
      j.Refuse(StatusCode::INVALID_ARGUMENT, {{"the field", {"resolved_on_time"}}});
    CheckEtag(j, u.etag, m.unit[c.unit].version[u.crit]);
    // "Such a figure keeps the data sheet's promise": its version read is checked.
    if (WritesFigures(u)) CheckEtag(j, u.figure_etag, m.unit[c.unit].figure_version);
  }
  Model after = m;
  if (row != nullptr) {
    for (const Update& u : c.updates) {
      ++after.unit[c.unit].version[u.crit];
      if (WritesFigures(u)) ++after.unit[c.unit].figure_version;
    }
    Leave(after, c.unit, row->leaves);
    if (kAnyEntryMakesDraft) after.unit[c.unit].entered = true;
  }
  return j.Verdict(m, after);
}

Outcome PredictUploadEvidence(const Model& m, const Call& c) {
  if (auto o = Gate(m, c)) return *o;
  if (auto o = Visible(m, c, kFiles)) return *o;
  Judge j;
  const WorkflowRow* row = Workflow(j, m, kAttach, c, {kFile}, c.crits);
  Model after = m;
  if (row != nullptr) {
    after.unit[c.unit].files.push_back({c.crits[0], 0, c.content});  // the id comes back
    Leave(after, c.unit, row->leaves);
    if (kAnyEntryMakesDraft) after.unit[c.unit].entered = true;
  }
  return j.Verdict(m, after);
}

// Submit, send the explanation, finalise: a transition with the assessment's etag.
Outcome PredictTransition(const Model& m, const Call& c, Act act) {
  if (auto o = Gate(m, c)) return *o;
  if (auto o = Visible(m, c, kForm)) return *o;
  Judge j;
  const WorkflowRow* row = Workflow(j, m, act, c, {}, {});
  CheckEtag(j, c.etag, m.unit[c.unit].etag);
  Model after = m;
  if (row != nullptr) {
    Leave(after, c.unit, row->leaves);
    // Sending keeps each asked criterion's explanation as sent: those entries move on.
    if (act == kSendExplanation) {
      for (int crit = 0; crit < kNumCrit; ++crit) {
        if (m.unit[c.unit].requested[crit]) ++after.unit[c.unit].version[crit];
      }
    }
  }
  return j.Verdict(m, after);
}

Outcome PredictRequestExplanation(const Model& m, const Call& c) {
  if (auto o = Gate(m, c)) return *o;
  if (auto o = Visible(m, c, kForm)) return *o;
  Judge j;
  const WorkflowRow* row =
      Workflow(j, m, kAskExplanations, c, {kExplanationRequest}, c.crits);
  CheckEtag(j, c.etag, m.unit[c.unit].etag);
  Model after = m;
  if (row != nullptr) {
    for (int crit : c.crits) {
      after.unit[c.unit].requested[crit] = true;
      ++after.unit[c.unit].version[crit];
    }
    Leave(after, c.unit, row->leaves);
  }
  return j.Verdict(m, after);
}

Outcome PredictReopenAssessment(const Model& m, const Call& c) {
  if (auto o = Gate(m, c)) return *o;
  if (auto o = Visible(m, c, kForm)) return *o;
  Judge j;
  const WorkflowRow* row = Workflow(j, m, kReopen, c, {}, {});
  if (c.reason.empty())  // "with a reason"
    j.RefuseWithEither({StatusCode::INVALID_ARGUMENT, StatusCode::FAILED_PRECONDITION});
  Model after = m;
  if (row != nullptr) Leave(after, c.unit, row->leaves);
  return j.Verdict(m, after);
}

Outcome PredictImportSurvey(const Model& m, const Call& c) {
  if (auto o = Gate(m, c)) return *o;
  Judge j;
  Model after = m;
  bool phase_allowed = false;  // in some row of the table, whatever the units' states
  for (const WorkflowRow& row : WorkflowTable()) {
    if (row.act == kImport && std::count(row.phases.begin(), row.phases.end(), m.phase))
      phase_allowed = true;
  }
  if (!phase_allowed) {
    j.Refuse(StatusCode::FAILED_PRECONDITION, {{"the phase", {PhaseName(m.phase)}}});
  } else {
    for (int u : c.units) {  // every row is checked before any is stored
      const State state = Effective(m, u);
      if (FindRow(kImport, kWho[c.who].role, m.phase, state, {kSurveyAnswers}) == nullptr)
        j.Refuse(StatusCode::FAILED_PRECONDITION, PhaseAndState(m.phase, state));
      ++after.unit[u].version[kSurvey];
      if (kAnyEntryMakesDraft) after.unit[u].entered = true;
    }
  }
  return j.Verdict(m, after);
}

Outcome PredictGetAssessment(const Model& m, const Call& c) {
  if (auto o = Gate(m, c)) return *o;
  if (auto o = Visible(m, c, kForm)) return *o;
  return Only(m, {StatusCode::OK});
}

Outcome PredictGetUnitScore(const Model& m, const Call& c) {
  if (auto o = Gate(m, c)) return *o;
  if (auto o = Visible(m, c, kScore)) return *o;
  const Identity& id = kWho[c.who];
  const bool own = id.role == kWard && id.unit == c.unit;
  // "both columns of its score" is said of a ward's own unit only: whether others' self
  // column is published is not settled, so either answer is taken.
  if (c.column == v1::SELF && !own && (id.role == kWard || id.role == kReader))
    return Only(m, {StatusCode::OK, StatusCode::PERMISSION_DENIED});
  return Only(m, {StatusCode::OK});
}

Outcome PredictRoundResults(const Model& m, const Call& c) {  // ranking, summary, export
  if (auto o = Gate(m, c)) return *o;
  if (!CanSee(kWho[c.who].role, false, kResults, m.phase))
    return Only(m, {StatusCode::PERMISSION_DENIED}, {{"the round", {m.round}}});
  return Only(m, {StatusCode::OK});
}

Outcome PredictGetEvidenceFile(const Model& m, const Call& c) {
  if (auto o = Gate(m, c)) return *o;
  if (auto o = Visible(m, c, kFiles)) return *o;
  for (const File& f : m.unit[c.unit].files) {
    if (f.id == c.file_id) return Only(m, {StatusCode::OK});
  }
  return Only(m, {StatusCode::NOT_FOUND});
}

Outcome PredictList(const Model& m, const Call& c) {
  if (auto o = Gate(m, c)) return *o;
  if (kWho[c.who].role != kWard) return Only(m, {StatusCode::OK});
  // The status board for a ward: its own unit only, or refused; never another unit.
  Outcome o = Only(m, {StatusCode::OK, StatusCode::PERMISSION_DENIED});
  o.own_unit_only = true;
  return o;
}

Outcome Predict(const Model& m, const Call& c) {
  switch (c.method) {
    case kAdvanceRound:
      return PredictAdvanceRound(m, c);
    case kUpdateRound:
      return PredictUpdateRound(m, c);
    case kReopenAssessment:
      return PredictReopenAssessment(m, c);
    case kListAssessments:
      return PredictList(m, c);
    case kGetAssessment:
      return PredictGetAssessment(m, c);
    case kBatchUpdateEntries:
      return PredictBatchUpdateEntries(m, c);
    case kUploadEvidence:
      return PredictUploadEvidence(m, c);
    case kGetEvidenceFile:
      return PredictGetEvidenceFile(m, c);
    case kSubmitAssessment:
      return PredictTransition(m, c, kSubmit);
    case kRequestExplanation:
      return PredictRequestExplanation(m, c);
    case kSubmitExplanation:
      return PredictTransition(m, c, kSendExplanation);
    case kFinaliseAssessment:
      return PredictTransition(m, c, kFinalise);
    case kImportSurvey:
      return PredictImportSurvey(m, c);
    case kGetUnitScore:
      return PredictGetUnitScore(m, c);
    case kGetRanking:
    case kSummariseRound:
    case kExportRound:
      return PredictRoundResults(m, c);
    case kNumMethods:
      break;
  }
  return Only(m, {StatusCode::INTERNAL});
}

// ======================================================================================
// The harness: requests from calls, the server, the walk, the search for short lists.
// ======================================================================================

const char kPast[] = "2020-01-01T00:00:00+07:00";
const char kFuture[] = "2099-01-01T00:00:00+07:00";

void FillValues(const Update& u, v1::EntryValues* v) {
  switch (u.crit) {
    case kCount:
      (*v->mutable_figures())["resolved"] = 400;
      (*v->mutable_figures())["resolved_on_time"] = u.bad ? 401 : u.value;
      break;
    case kYesNo:
      v->set_done(u.value % 2 == 0);
      break;
    case kSurvey:
      v->mutable_survey()->set_a(u.value % 50);
      v->mutable_survey()->set_b(u.value % 7);
      v->mutable_survey()->set_c(3);
      v->mutable_survey()->set_d(1);
      break;
  }
}

std::unique_ptr<google::protobuf::Message> Build(const Model& m, const Call& c) {
  const std::string round = RoundName(m);
  const std::string name = AssessmentName(m, c.unit);
  switch (c.method) {
    case kAdvanceRound: {
      auto r = std::make_unique<v1::AdvanceRoundRequest>();
      r->set_name(round);
      r->set_to_phase(c.to_phase);
      r->set_etag(c.etag);
      r->set_request_id(c.request_id);
      return r;
    }
    case kUpdateRound: {
      auto r = std::make_unique<v1::UpdateRoundRequest>();
      r->mutable_round()->set_id(m.round);
      if (c.deadlines & 1) {
        r->mutable_round()->set_self_assessment_deadline(c.self_past ? kPast : kFuture);
        r->mutable_update_mask()->add_paths("self_assessment_deadline");
      }
      if (c.deadlines & 2) {
        r->mutable_round()->set_explanation_deadline(c.explanation_past ? kPast
                                                                        : kFuture);
        r->mutable_update_mask()->add_paths("explanation_deadline");
      }
      r->set_etag(c.etag);
      r->set_request_id(c.request_id);
      return r;
    }
    case kReopenAssessment: {
      auto r = std::make_unique<v1::ReopenAssessmentRequest>();
      r->set_name(name);
      r->set_reason(c.reason);
      r->set_request_id(c.request_id);
      return r;
    }
    case kListAssessments: {
      auto r = std::make_unique<v1::ListAssessmentsRequest>();
      r->set_parent(round);
      return r;
    }
    case kGetAssessment: {
      auto r = std::make_unique<v1::GetByNameRequest>();
      r->set_name(name);
      return r;
    }
    case kBatchUpdateEntries: {
      auto r = std::make_unique<v1::BatchUpdateEntriesRequest>();
      r->set_parent(name);
      for (const Update& u : c.updates) {
        v1::EntryUpdate* e = r->add_updates();
        e->mutable_entry()->set_criterion(kCritCode[u.crit]);
        e->set_etag(u.etag);
        if (WritesFigures(u)) {
          (*e->mutable_figure_etags())["resolved"] = u.figure_etag;
          (*e->mutable_figure_etags())["resolved_on_time"] = u.figure_etag;
        }
        switch (u.field) {
          case kSelf:
            FillValues(u, e->mutable_entry()->mutable_self());
            e->mutable_update_mask()->add_paths("self");
            break;
          case kAppraised:
            FillValues(u, e->mutable_entry()->mutable_appraised());
            e->mutable_entry()->set_appraisal_comment(
                absl::StrCat("thẩm định ", u.value));
            e->mutable_update_mask()->add_paths("appraised");
            e->mutable_update_mask()->add_paths("appraisal_comment");
            break;
          default:
            e->mutable_entry()->set_explanation(absl::StrCat("giải trình ", u.value));
            e->mutable_update_mask()->add_paths("explanation");
            break;
        }
      }
      r->set_correction(c.correction);
      r->set_reason(c.reason);
      r->set_request_id(c.request_id);
      return r;
    }
    case kUploadEvidence: {
      auto r = std::make_unique<v1::UploadEvidenceRequest>();
      r->set_parent(name);
      r->set_criterion(kCritCode[c.crits[0]]);
      r->mutable_evidence()->set_file_name(absl::StrCat("bang-chung-", c.value, ".pdf"));
      r->mutable_evidence()->set_document_type("Báo cáo");
      r->set_content(c.content);
      r->set_request_id(c.request_id);
      return r;
    }
    case kGetEvidenceFile: {
      auto r = std::make_unique<v1::GetByNameRequest>();
      r->set_name(absl::StrCat(name, "/evidence/", c.file_id));
      return r;
    }
    case kSubmitAssessment:
    case kSubmitExplanation:
    case kFinaliseAssessment: {
      auto r = std::make_unique<v1::AssessmentActionRequest>();
      r->set_name(name);
      r->set_etag(c.etag);
      r->set_request_id(c.request_id);
      return r;
    }
    case kRequestExplanation: {
      auto r = std::make_unique<v1::RequestExplanationRequest>();
      r->set_name(name);
      r->set_etag(c.etag);
      for (int crit : c.crits) {
        (*r->mutable_messages())[kCritCode[crit]] =
            absl::StrCat("Vì sao? (", c.value, ")");
        (*r->mutable_reasons())[kCritCode[crit]] = v1::REASON_OTHER;
      }
      r->set_request_id(c.request_id);
      return r;
    }
    case kImportSurvey: {
      auto r = std::make_unique<v1::ImportSurveyRequest>();
      r->set_parent(round);
      for (int u : c.units) {
        v1::SurveyRow* row = r->add_rows();
        row->set_unit(kUnitCode[u]);
        row->set_criterion(kCritCode[kSurvey]);
        row->mutable_answers()->set_a(10 + c.value % 40);
        row->mutable_answers()->set_b(5);
        row->mutable_answers()->set_c(2);
        row->mutable_answers()->set_d(c.value % 3);
      }
      r->set_request_id(c.request_id);
      return r;
    }
    case kGetUnitScore: {
      auto r = std::make_unique<v1::GetUnitScoreRequest>();
      r->set_name(name);
      r->set_column(c.column);
      return r;
    }
    case kGetRanking: {
      auto r = std::make_unique<v1::GetRankingRequest>();
      r->set_name(round);
      return r;
    }
    case kSummariseRound: {
      auto r = std::make_unique<v1::GetByNameRequest>();
      r->set_name(round);
      return r;
    }
    case kExportRound: {
      auto r = std::make_unique<v1::ExportRoundRequest>();
      r->set_name(round);
      r->set_format(v1::ExportRoundRequest::CSV);
      r->set_table("ranking");
      return r;
    }
    case kNumMethods:
      break;
  }
  return nullptr;
}

std::string Serialize(const google::protobuf::Message& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

std::string Body(const Model& m, const Call& c) {
  Call without = c;
  without.request_id.clear();
  return Serialize(*Build(m, without));
}

std::string Describe(const Call& c) {
  std::string s = absl::StrCat(kWho[c.who].name, " ", Methods()[c.method].name);
  if (!RoundScoped(c.method)) absl::StrAppend(&s, " ", kUnitCode[c.unit]);
  switch (c.method) {
    case kAdvanceRound:
      absl::StrAppend(&s, " to ", PhaseName(c.to_phase), " etag ", c.etag);
      break;
    case kUpdateRound:
      if (c.deadlines & 1)
        absl::StrAppend(&s, " self_assessment_deadline=", c.self_past ? "2020" : "2099");
      if (c.deadlines & 2)
        absl::StrAppend(&s,
                        " explanation_deadline=", c.explanation_past ? "2020" : "2099");
      absl::StrAppend(&s, " etag ", c.etag);
      break;
    case kBatchUpdateEntries:
      for (const Update& u : c.updates)
        absl::StrAppend(&s, " [", kCritCode[u.crit], " ", kFieldName[u.field], " etag ",
                        u.etag, u.bad ? " on_time>resolved" : "", "]");
      if (c.correction) absl::StrAppend(&s, " correction reason='", c.reason, "'");
      break;
    case kUploadEvidence:
      absl::StrAppend(&s, " on ", kCritCode[c.crits[0]]);
      break;
    case kGetEvidenceFile:
      absl::StrAppend(&s, " file ", c.file_id);
      break;
    case kSubmitAssessment:
    case kSubmitExplanation:
    case kFinaliseAssessment:
      absl::StrAppend(&s, " etag ", c.etag);
      break;
    case kRequestExplanation: {
      std::vector<std::string> codes;
      for (int crit : c.crits) codes.push_back(kCritCode[crit]);
      absl::StrAppend(&s, " on ", absl::StrJoin(codes, ","), " etag ", c.etag);
      break;
    }
    case kReopenAssessment:
      absl::StrAppend(&s, " reason='", c.reason, "'");
      break;
    case kImportSurvey: {
      std::vector<std::string> units;
      for (int u : c.units) units.push_back(kUnitCode[u]);
      absl::StrAppend(&s, " rows for ", absl::StrJoin(units, ","));
      break;
    }
    case kGetUnitScore:
      absl::StrAppend(&s, " ", v1::Column_Name(c.column));
      break;
    default:
      break;
  }
  if (!c.request_id.empty()) absl::StrAppend(&s, " request_id=", c.request_id);
  if (!c.tag.empty()) absl::StrAppend(&s, " (", c.tag, ")");
  return s;
}

std::string Codes(const std::set<StatusCode>& codes) {
  std::vector<std::string> names;
  for (StatusCode c : codes) names.push_back(CodeName(c));
  return absl::StrJoin(names, " or ");
}

// ---- The server and who calls it ----
struct Answer {
  StatusCode code;
  std::string message, bytes;
};

class Harness {
 public:
  void Start() {
    char tmpl[] = "/tmp/parindex-model-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    server_ = parindex::testing::Start(dir_ + "/model.db");
    ASSERT_FALSE(server_.address.empty());
    channel_ = grpc::CreateChannel(server_.address, grpc::InsecureChannelCredentials());
    stub_ = std::make_unique<grpc::GenericStub>(channel_);
    token_[kAppr] = server_.tokens["appraiser"];
    token_[kAdminWho] = server_.tokens["admin"];
    token_[kReaderWho] = server_.tokens["reader"];
    token_[kWardA] = NewToken(v1::ROLE_WARD, kUnitCode[kA], nullptr);
    token_[kWardA2] = NewToken(v1::ROLE_WARD, kUnitCode[kA], nullptr);
    token_[kWardB] = NewToken(v1::ROLE_WARD, kUnitCode[kB], nullptr);
    token_[kAppr2] = NewToken(v1::ROLE_APPRAISER, "", nullptr);
    std::string revoked_id;
    token_[kRevoked] = NewToken(v1::ROLE_APPRAISER, "", &revoked_id);
    v1::GetByNameRequest revoke;
    revoke.set_name("tokens/" + revoked_id);
    Answer a =
        Raw(kAdminWho, v1::TokenService::service_full_name(), "RevokeToken", revoke);
    ASSERT_EQ(a.code, StatusCode::OK) << a.message;
  }

  // Stops the server (SIGTERM) and removes its files; also when a test stops early.
  void Stop() {
    if (server_.pid > 0) parindex::testing::Stop(server_);
    server_.pid = -1;
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    dir_.clear();
  }
  ~Harness() { Stop(); }

  Answer Call(Who who, Method method, const google::protobuf::Message& request) {
    return Raw(who, Methods()[method].service, Methods()[method].name, request);
  }

  // A round of its own for every walk and every replay: A and B on commune-2025.
  Answer CreateRound(const std::string& id) {
    v1::CreateRoundRequest r;
    v1::Round* round = r.mutable_round();
    round->set_id(id);
    round->set_title("model test " + id);
    round->set_year(2023);
    round->set_criteria_set("commune-2025");
    round->add_plans("hungyen-2023");
    round->add_units(kUnitCode[kA]);
    round->add_units(kUnitCode[kB]);
    round->set_self_assessment_deadline(kFuture);
    round->set_explanation_deadline(kFuture);
    return Raw(kAppr, v1::RoundService::service_full_name(), "CreateRound", r);
  }

  Answer GetRound(const std::string& id) {
    v1::GetByNameRequest r;
    r.set_name("rounds/" + id);
    return Raw(kAppr, v1::RoundService::service_full_name(), "GetRound", r);
  }

 private:
  std::string NewToken(v1::Role role, const std::string& unit, std::string* id) {
    v1::CreateTokenRequest r;
    r.set_role(role);
    r.set_unit(unit);
    r.set_label("model test");
    Answer a = Raw(kAdminWho, v1::TokenService::service_full_name(), "CreateToken", r);
    EXPECT_EQ(a.code, StatusCode::OK) << a.message;
    v1::CreateTokenResponse response;
    response.ParseFromString(a.bytes);
    if (id != nullptr) *id = response.token().id();
    return response.secret();
  }

  // The generated messages and service names, sent through the generic stub: the
  // answer's bytes are kept, because a retry must get the first answer byte for byte.
  Answer Raw(Who who, const std::string& service, const std::string& method,
             const google::protobuf::Message& request) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    if (who != kNoToken) context.AddMetadata("authorization", "Bearer " + token_[who]);
    Answer a;
    grpc::Status status = parindex::UnaryCallBytes(
        *stub_, &context, absl::StrCat("/", service, "/", method), Serialize(request),
        &a.bytes);
    a.code = status.error_code();
    a.message = status.error_message();
    return a;
  }

  std::string dir_;
  parindex::testing::Server server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
  std::string token_[kNumWho];
};

// ---- Actions: what the walk picks; turned into calls against the model of the moment
// ----
enum { kReplay = kNumMethods, kNewRound, kNumKinds };
std::string KindName(int kind) {
  if (kind == kReplay) return "Replay";
  if (kind == kNewRound) return "NewRound";
  return Methods()[kind].name;
}

struct Action {
  int kind;
  Who who;
  int unit;
  int variant;  // Edit: 0 the natural field, 1 self, 2 appraised, 3 explanation.
                // AdvanceRound: 0 the next phase, 1 another. Replay: 0 same body, 1
                // another body, 2 another caller, 3 another resource.
  uint32_t seed;
};

class Dice {
 public:
  explicit Dice(uint32_t seed) : r_(seed) {}
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(r_) < p; }
  int Pick(int n) { return static_cast<int>(r_() % static_cast<uint32_t>(n)); }
  uint32_t Next() { return r_(); }
  double Uniform() { return std::uniform_real_distribution<double>(0, 1)(r_); }

 private:
  std::mt19937 r_;
};

int64_t MaybeStale(Dice& d, int64_t current, double p, std::string* tag) {
  if (current >= 1 && d.Chance(p)) {  // an older version (0 is "new" for entries)
    absl::StrAppend(tag, tag->empty() ? "" : ", ", "stale etag");
    return current - 1;
  }
  return current;
}

// The written request for an action now. Replays take a write already sent in this
// round (one with a request id) and send it again: the same, with another body, by
// another caller, or about the other unit.
Call Materialise(const Action& a, const Model& m, const std::vector<Call>& history) {
  Dice d(a.seed);
  Call c;
  c.who = a.who;
  c.unit = a.unit;
  const Role role = kWho[a.who].role;
  if (a.kind == kReplay) {
    if (history.empty()) {
      c.method = kGetRanking;
      c.who = kAppr;
      c.tag = c.kind = "replay with nothing to replay";
      return c;
    }
    // The latest (or the one before) of a write method the seed picks, else of any:
    // dropping unrelated actions while shrinking does not change what is replayed.
    const Method writes[] = {kAdvanceRound,       kUpdateRound,       kReopenAssessment,
                             kBatchUpdateEntries, kUploadEvidence,    kSubmitAssessment,
                             kRequestExplanation, kSubmitExplanation, kFinaliseAssessment,
                             kImportSurvey};
    const Method wanted = writes[d.Pick(10)];
    std::vector<const Call*> candidates;
    for (const Call& h : history)
      if (h.method == wanted) candidates.push_back(&h);
    if (candidates.empty())
      for (const Call& h : history) candidates.push_back(&h);
    c = *candidates[candidates.size() - 1 -
                    (candidates.size() > 1 && d.Chance(0.3) ? 1 : 0)];
    int variant = a.variant;
    if (variant == 3 && RoundScoped(c.method)) variant = 1;
    switch (variant) {
      case 0:
        c.tag = c.kind = "replay: same request";
        break;
      case 1:
        c.tag = c.kind = "replay: another body";
        switch (c.method) {
          case kAdvanceRound:
          case kSubmitAssessment:
          case kSubmitExplanation:
          case kFinaliseAssessment:
          case kRequestExplanation:
            c.etag += 1;
            break;
          case kUpdateRound:
            c.self_past = !c.self_past;
            c.deadlines |= 1;
            break;
          case kReopenAssessment:
            c.reason += " (sửa)";
            break;
          case kBatchUpdateEntries:
            c.updates[0].value += 1;
            break;
          case kUploadEvidence:
            c.content += " v2";
            break;
          case kImportSurvey:
            c.value += 1;
            break;
          default:
            break;
        }
        break;
      case 2: {
        c.tag = c.kind = "replay: another caller";
        const Who other[kNumWho] = {kWardA2, kWardA, kWardA, kAppr2, kAppr,
                                    kAppr,   kAppr,  kAppr,  kAppr};
        c.who = other[c.who];
        break;
      }
      default:
        c.tag = c.kind = "replay: the other unit";
        c.unit = 1 - c.unit;
        break;
    }
    return c;
  }
  c.method = static_cast<Method>(a.kind);
  if (Methods()[c.method].write && d.Chance(0.85))
    c.request_id = absl::StrCat(m.round, "-", a.seed);
  const UnitModel& um = m.unit[a.unit == kZ ? kA : a.unit];
  switch (c.method) {
    case kAdvanceRound:
      c.to_phase = static_cast<Phase>(m.phase + 1);
      if (a.variant == 1) {
        const int options[] = {0, 2, -1, 3};
        c.to_phase = static_cast<Phase>(std::clamp(m.phase + options[d.Pick(4)], 1, 7));
        c.tag = c.kind = "to another phase";
      }
      c.etag = MaybeStale(d, m.etag, 0.1, &c.tag);
      break;
    case kUpdateRound:
      c.deadlines = 1 + d.Pick(3);
      c.self_past = d.Chance(0.5);
      c.explanation_past = d.Chance(0.5);
      c.etag = MaybeStale(d, m.etag, 0.1, &c.tag);
      break;
    case kBatchUpdateEntries: {
      Field field = a.variant == 1 ? kSelf : a.variant == 2 ? kAppraised : kExplanation;
      if (a.variant == 0) {
        field = role == kAppraiser                                ? kAppraised
                : (role == kWard && m.phase == kExplanationPhase) ? kExplanation
                                                                  : kSelf;
      }
      c.correction =
          role == kAppraiser && m.phase >= kFinalised ? d.Chance(0.9) : d.Chance(0.04);
      if (c.correction) c.reason = d.Chance(0.8) ? "sửa sai sót sau khi công bố" : "";
      std::vector<int> pool;
      if (field == kExplanation) {
        for (int k = 0; k < kNumCrit; ++k)
          if (um.requested[k]) pool.push_back(k);
        if (pool.empty() || d.Chance(0.1)) pool = {kCount, kYesNo};
      } else if (role == kWard) {
        pool = {kCount, kYesNo};
        if (d.Chance(0.08)) pool = {kSurvey};
      } else {
        pool = {kCount, kYesNo, kSurvey};
      }
      std::shuffle(pool.begin(), pool.end(), std::mt19937(d.Next()));
      const int n = std::min<int>(pool.size(), d.Chance(0.3) ? 2 : 1);
      std::string tag = kFieldName[field];
      if (c.correction)
        absl::StrAppend(
            &tag, c.reason.empty() ? ", correction without reason" : ", correction");
      c.kind = tag;
      for (int i = 0; i < n; ++i) {
        Update u{pool[i], field, 0, 300 + d.Pick(101)};
        u.etag = MaybeStale(d, um.version[u.crit], 0.08, &tag);
        if (WritesFigures(u))
          u.figure_etag = MaybeStale(d, um.figure_version, 0.04, &tag);
        u.bad = field != kExplanation && u.crit == kCount && d.Chance(0.04);
        if (u.bad) absl::StrAppend(&tag, ", bad figures");
        if (u.crit == kSurvey && role == kWard)
          absl::StrAppend(&tag, ", survey criterion");
        c.updates.push_back(u);
      }
      c.tag = tag;
      break;
    }
    case kUploadEvidence: {
      std::vector<int> pool;
      for (int k = 0; k < kSurvey; ++k)
        if (um.requested[k]) pool.push_back(k);
      if (pool.empty() || d.Chance(0.3)) pool = {kCount, kYesNo};
      c.crits = {pool[d.Pick(pool.size())]};
      c.value = static_cast<int>(a.seed % 100000);
      c.content = absl::StrCat("tệp minh chứng ", a.seed, "\n");
      break;
    }
    case kGetEvidenceFile: {
      c.file_id = 999999;
      const bool other = d.Chance(0.3);
      if (a.unit != kZ) {
        const std::vector<File>& files = m.unit[other ? 1 - a.unit : a.unit].files;
        if (!files.empty()) c.file_id = files[d.Pick(files.size())].id;
        if (other) c.tag = "another unit's file id";
      }
      break;
    }
    case kSubmitAssessment:
    case kSubmitExplanation:
    case kFinaliseAssessment:
      c.etag = MaybeStale(d, um.etag, 0.1, &c.tag);
      break;
    case kRequestExplanation: {
      const int which = d.Pick(3);
      if (which != 1) c.crits.push_back(kCount);
      if (which != 0) c.crits.push_back(kYesNo);
      c.value = d.Pick(1000);
      c.etag = MaybeStale(d, um.etag, 0.1, &c.tag);
      break;
    }
    case kReopenAssessment:
      c.reason = d.Chance(0.85) ? "đơn vị được gia hạn" : "";
      if (c.reason.empty()) c.tag = c.kind = "no reason";
      break;
    case kImportSurvey: {
      const int which = d.Pick(3);
      if (which != 1) c.units.push_back(kA);
      if (which != 0) c.units.push_back(kB);
      c.value = d.Pick(1000);
      break;
    }
    case kGetUnitScore:
      c.column = d.Chance(0.5) ? v1::SELF : v1::APPRAISED;
      break;
    default:
      break;
  }
  return c;
}

// ---- Coverage ----
struct Coverage {
  // (phase, effective state) per unit and step; (method, code) per action.
  std::map<std::pair<int, int>, int64_t> phase_state, method_code;
  int64_t rounds = 0, calls = 0;
};

struct Mismatch {
  int step = 0;  // index in the round's action list
  std::string call, expected, actual, category;
};

// Runs actions on a fresh round, each answer checked against the model.
class Walk {
 public:
  Walk(Harness& h, Coverage* coverage, bool verbose)
      : h_(h), coverage_(coverage), verbose_(verbose) {}

  std::optional<Mismatch> Begin() {
    static int counter = 0;
    m_ = Model();
    history_.clear();
    step_ = 0;
    m_.round = absl::StrCat("model-", getpid(), "-", ++counter);
    if (coverage_) ++coverage_->rounds;
    Answer a = h_.CreateRound(m_.round);
    if (a.code != StatusCode::OK) return Setup("CreateRound", a);
    v1::Round round;
    round.ParseFromString(a.bytes);
    m_.etag = round.version();
    for (int u : {kA, kB}) {
      if (auto mm = CheckAssessment(u, "after CreateRound", nullptr, false)) return mm;
    }
    return std::nullopt;
  }

  // One action and the checks after it. Returns a mismatch after which the model no
  // longer knows what the server holds; the others are kept for TakeNoted().
  std::optional<Mismatch> Step(const Action& a) {
    step_now_ = step_++;
    if (a.kind == kNewRound) {
      log.push_back(absl::StrCat(step_now_, ": a new round"));
      return Begin();
    }
    const Call c = Materialise(a, m_, history_);
    std::optional<Mismatch> mm = Exec(c, true);
    if (!mm && step_ % 20 == 0) mm = CheckAll("periodic check");
    if (mm) mm->step = step_now_;
    if (coverage_) {
      for (int u : {kA, kB}) ++coverage_->phase_state[{m_.phase, Effective(m_, u)}];
    }
    return mm;
  }

  std::vector<Mismatch> TakeNoted() { return std::exchange(noted_, {}); }

  // What every identity may read now, and each unit's form as the appraiser reads it.
  std::optional<Mismatch> CheckAll(const std::string& label) {
    for (int u : {kA, kB}) {
      if (auto mm = CheckAssessment(u, label, nullptr, false)) return mm;
    }
    if (auto mm = CheckRound(label, false, false)) return mm;
    std::vector<Call> probes;
    for (Who who : {kWardA, kWardB, kReaderWho, kAdminWho, kRevoked}) {
      const int other = kWho[who].unit == kA ? kB : kA;
      probes.push_back(Simple(kGetAssessment, who, other));
      probes.push_back(Simple(kGetAssessment, who, kZ));
      Call score = Simple(kGetUnitScore, who, other);
      probes.push_back(score);
      score.column = v1::SELF;
      score.unit = kWho[who].unit == kB ? kB : kA;
      probes.push_back(score);
      probes.push_back(Simple(kGetRanking, who));
      probes.push_back(Simple(kSummariseRound, who));
      probes.push_back(Simple(kExportRound, who));
      probes.push_back(Simple(kListAssessments, who));
      for (int u : {kA, kB}) {
        Call file = Simple(kGetEvidenceFile, who, u);
        file.file_id = m_.unit[u].files.empty() ? 999999 : m_.unit[u].files.back().id;
        probes.push_back(file);
      }
    }
    probes.push_back(Simple(kListAssessments, kAppr));
    for (const Call& c : probes) {
      if (auto mm = Exec(c, false, label)) return mm;
    }
    return std::nullopt;
  }

  const Model& model() const { return m_; }
  std::vector<std::string> log;

 private:
  std::optional<Mismatch> Setup(const std::string& what, const Answer& a) {
    return Mismatch{step_, what, "OK", CodeName(a.code) + ": " + a.message,
                    "setup: " + what};
  }

  // One call, its answer against the prediction. A wrong refusal, a refusal's wrong
  // words, a wrong answer to a read, a retry's other bytes: nothing was stored that the
  // model does not know of, so these are noted and the walk goes on. The rest return.
  std::optional<Mismatch> Exec(const Call& c, bool action,
                               const std::string& label = "") {
    const Outcome o = Predict(m_, c);
    const Answer a = h_.Call(c.who, c.method, *Build(m_, c));
    const std::string where = label.empty() ? "" : label + ": ";
    const std::string text = where + Describe(c);
    const std::string role = kRoleName[kWho[c.who].role];
    const std::string who = absl::StrCat(
        where.empty() ? "" : "check: ", Methods()[c.method].name, " by ", role);
    const std::string what = c.kind.empty() ? who : absl::StrCat(who, " [", c.kind, "]");
    const bool write = Methods()[c.method].write;
    if (coverage_) {
      ++coverage_->calls;
      if (action) ++coverage_->method_code[{c.method, a.code}];
    }
    const std::string got =
        absl::StrCat(CodeName(a.code), a.message.empty() ? "" : ": ", a.message);
    if (action) log.push_back(absl::StrCat(step_now_, ": ", text, " -> ", got));
    if (verbose_ && action) std::printf("%s\n", log.back().c_str());
    auto note = [&](Mismatch mm) {
      mm.step = step_now_;
      noted_.push_back(std::move(mm));
    };
    if (!o.expect.codes.count(a.code)) {
      Mismatch mm{0, text, Codes(o.expect.codes), got,
                  absl::StrCat(what, ": expected ", Codes(o.expect.codes), ", got ",
                               CodeName(a.code))};
      const bool nothing_stored =
          !write || (a.code != StatusCode::OK && !o.expect.codes.count(StatusCode::OK));
      if (!nothing_stored) return mm;
      note(mm);
    } else if (auto groups = o.expect.messages.find(a.code);
               groups != o.expect.messages.end()) {
      for (const Named& named : groups->second) {
        const bool said = std::any_of(
            named.spellings.begin(), named.spellings.end(),
            [&](const std::string& s) { return absl::StrContains(a.message, s); });
        if (!said) {
          note({0, text,
                absl::StrCat(CodeName(a.code), " naming ", named.what, " (",
                             absl::StrJoin(named.spellings, " or "), ")"),
                got,
                absl::StrCat("the ", CodeName(a.code), " message does not name ",
                             named.what)});
        }
      }
    }
    const Model before = m_;
    bool changed = false;
    if (a.code == StatusCode::OK) {
      if (o.first_answer && !SameAnswer(c.method, a.bytes, *o.first_answer)) {
        note({0, text, "the first answer, byte for byte",
              absl::StrCat(a.bytes.size(), " bytes, not the ", o.first_answer->size(),
                           " of the first"),
              what + ": a retry's answer differs from the first"});
      }
      m_ = o.after;
      changed = write && !o.first_answer;
      if (auto mm = CheckAnswer(c, o, a, text, what)) return mm;
      if (changed && !c.request_id.empty()) {
        // Another caller's (or another resource's) use of an id is another request:
        // never answered with the first one's answer. (Two surveys may well both say
        // "imported 1", and a reopen may answer alike twice within a second.)
        for (const auto& [key, first] : m_.ids) {
          if (key.id == c.request_id && key.method == c.method &&
              SameAnswer(c.method, first.answer, a.bytes) && c.method != kImportSurvey &&
              c.method != kReopenAssessment)
            note({0, text, "an answer of its own",
                  "the first request's answer, byte for byte",
                  what + ": answered with another request's answer"});
        }
        m_.ids[{c.who, c.method, Resource(m_, c), c.request_id}] = {Body(m_, c), a.bytes};
      }
    }
    if (write && action) {
      if (!c.request_id.empty()) history_.push_back(c);
      const std::string after =
          absl::StrCat("after ", Methods()[c.method].name, " by ", role);
      for (int u : {kA, kB}) {
        if (auto mm = CheckAssessment(u, after, &before, changed)) {
          mm->call = text + "\n    then " + mm->call;
          return mm;
        }
      }
      if (c.method == kAdvanceRound || c.method == kUpdateRound) {
        if (auto mm = CheckRound(after, true, changed)) {
          mm->call = text + "\n    then " + mm->call;
          return mm;
        }
      }
    }
    return std::nullopt;
  }

  // What an OK answer carries: a new file's id, a file's bytes, a form, the board.
  std::optional<Mismatch> CheckAnswer(const Call& c, const Outcome& o, const Answer& a,
                                      const std::string& text, const std::string& what) {
    auto wrong = [&](const std::string& expected, const std::string& actual,
                     const std::string& kind) {
      return Mismatch{0, text, expected, actual, what + ": " + kind};
    };
    if (c.method == kUploadEvidence && !o.first_answer) {
      v1::Evidence e;
      e.ParseFromString(a.bytes);
      if (e.id() == 0) return wrong("a file id", "0", "no file id");
      m_.unit[c.unit].files.back().id = e.id();
    }
    if (c.method == kGetEvidenceFile) {
      v1::EvidenceFile f;
      f.ParseFromString(a.bytes);
      for (const File& file : m_.unit[c.unit].files) {
        if (file.id == c.file_id && file.content != f.content())
          return wrong("the uploaded bytes", f.content(), "another file's bytes");
      }
    }
    if (c.method == kListAssessments) {
      v1::ListAssessmentsResponse list;
      list.ParseFromString(a.bytes);
      for (const v1::Assessment& x : list.assessments()) {
        if (o.own_unit_only && x.unit() != kUnitCode[kWho[c.who].unit])
          return wrong("its own unit only", x.unit(),
                       "a ward's board lists another unit");
        for (int u : {kA, kB}) {
          if (x.unit() == kUnitCode[u] && x.state() != Effective(m_, u))
            return wrong(StateName(Effective(m_, u)), StateName(x.state()),
                         absl::StrCat("board state of ", kUnitCode[u]));
        }
      }
    }
    if (c.method == kGetAssessment && c.unit != kZ) {
      v1::Assessment x;
      x.ParseFromString(a.bytes);
      if (auto mm = CompareAssessment(c.unit, x, what)) {
        mm->call = text;
        return mm;
      }
    }
    return std::nullopt;
  }

  std::optional<Mismatch> CompareAssessment(int u, const v1::Assessment& x,
                                            const std::string& what) {
    const UnitModel& um = m_.unit[u];
    auto wrong = [&](const std::string& field, const std::string& expected,
                     const std::string& actual, bool with_values) {
      return Mismatch{
          0, "", expected, actual,
          absl::StrCat(
              what, ": ", kUnitCode[u], " ", field,
              with_values ? absl::StrCat(" expected ", expected, ", got ", actual) : "")};
    };
    if (x.state() != Effective(m_, u))
      return wrong("state", StateName(Effective(m_, u)), StateName(x.state()), true);
    std::set<std::pair<int, int64_t>> files, expected_files;
    for (int k = 0; k < kNumCrit; ++k) {
      const v1::Entry* entry = nullptr;
      for (const v1::Entry& e : x.entries())
        if (e.criterion() == kCritCode[k]) entry = &e;
      const int64_t version = entry ? entry->version() : 0;
      if (version != um.version[k])
        return wrong(absl::StrCat("version of ", kCritCode[k]),
                     absl::StrCat(um.version[k]), absl::StrCat(version), false);
      const bool requested = entry && !entry->explanation_request().empty();
      if (requested != um.requested[k])
        return wrong(absl::StrCat("explanation request on ", kCritCode[k]),
                     um.requested[k] ? "asked" : "none", requested ? "asked" : "none",
                     true);
      if (entry)
        for (const v1::Evidence& e : entry->evidence())
          if (e.id() != 0) files.insert({k, e.id()});
    }
    for (const File& f : um.files) expected_files.insert({f.crit, f.id});
    if (files != expected_files)
      return wrong("files", absl::StrCat(expected_files.size(), " listed"),
                   absl::StrCat(files.size(), " listed"), false);
    if (um.lift == m_.phase && !x.reopened())  // while the reopen's lift lasts
      return wrong("reopened", "true", "false", true);
    return std::nullopt;
  }

  // The form as the appraiser reads it; `before`: the model before a write, whose
  // etag must not move unless the write changed the stored state (then it must).
  std::optional<Mismatch> CheckAssessment(int u, const std::string& label,
                                          const Model* before, bool changed) {
    Call c = Simple(kGetAssessment, kAppr, u);
    Answer a = h_.Call(kAppr, kGetAssessment, *Build(m_, c));
    if (coverage_) ++coverage_->calls;
    const std::string what = label + ": GetAssessment";
    if (a.code != StatusCode::OK)
      return Mismatch{0, Describe(c), "OK", CodeName(a.code) + ": " + a.message,
                      what + " refused"};
    v1::Assessment x;
    x.ParseFromString(a.bytes);
    if (auto mm = CompareAssessment(u, x, what)) {
      mm->call = Describe(c);
      return mm;
    }
    if (before != nullptr) {
      const int64_t old = before->unit[u].etag;
      if (!changed && x.version() != old)
        return Mismatch{
            0, Describe(c), absl::StrCat("version ", old),
            absl::StrCat("version ", x.version()),
            what + ": a refused or repeated write moved the assessment's etag"};
      if (changed && before->unit[u].stored != m_.unit[u].stored && x.version() <= old)
        return Mismatch{0, Describe(c), absl::StrCat("a version after ", old),
                        absl::StrCat("version ", x.version()),
                        what + ": a change of state left the assessment's etag"};
    }
    m_.unit[u].etag = x.version();
    return std::nullopt;
  }

  std::optional<Mismatch> CheckRound(const std::string& label, bool after_write,
                                     bool changed) {
    Answer a = h_.GetRound(m_.round);
    if (coverage_) ++coverage_->calls;
    const std::string what = label + ": GetRound";
    if (a.code != StatusCode::OK)
      return Mismatch{0, "appraiser GetRound", "OK", CodeName(a.code) + ": " + a.message,
                      what + " refused"};
    v1::Round round;
    round.ParseFromString(a.bytes);
    if (round.phase() != m_.phase)
      return Mismatch{0, "appraiser GetRound", PhaseName(m_.phase),
                      PhaseName(round.phase()),
                      absl::StrCat(what, ": phase expected ", PhaseName(m_.phase),
                                   ", got ", PhaseName(round.phase()))};
    if (after_write && !changed && round.version() != m_.etag)
      return Mismatch{0, "appraiser GetRound", absl::StrCat("version ", m_.etag),
                      absl::StrCat("version ", round.version()),
                      what + ": a refused or repeated write moved the round's etag"};
    if (after_write && changed && round.version() <= m_.etag)
      return Mismatch{0, "appraiser GetRound", absl::StrCat("a version after ", m_.etag),
                      absl::StrCat("version ", round.version()),
                      what + ": a change left the round's etag"};
    m_.etag = round.version();
    return std::nullopt;
  }

  Harness& h_;
  Coverage* coverage_;
  bool verbose_;
  Model m_;
  std::vector<Call> history_;
  std::vector<Mismatch> noted_;
  int step_ = 0, step_now_ = 0;
};

// ---- Choosing the next action ----
// Mostly what moves the round on in its phase, by who would do it; the rest random
// identity × random action. After enough steps in a phase the appraiser advances it;
// after a while in PUBLISHED the walk starts a new round.
class Chooser {
 public:
  Chooser(uint32_t seed, std::set<int> skip) : d_(seed), skip_(std::move(skip)) {}

  Action Next(const Model& m) {
    if (m.phase != phase_) {
      phase_ = m.phase;
      in_phase_ = 0;
      const int budget[] = {0, 4, 70, 45, 55, 35, 12, 25};
      budget_ = budget[m.phase] / 2 + d_.Pick(budget[m.phase] + 1);
    }
    ++in_phase_;
    for (;;) {
      Action a = Pick(m);
      if (!skip_.count(a.kind)) return a;
    }
  }

 private:
  Who Ward() { return static_cast<Who>(d_.Pick(3)); }
  Who Appraiser() { return d_.Chance(0.8) ? kAppr : kAppr2; }
  Action Make(int kind, Who who, int variant = 0) {
    int unit = d_.Pick(2);
    if (kWho[who].role == kWard)
      unit = d_.Chance(0.9) ? kWho[who].unit : 1 - kWho[who].unit;
    if (kind < kNumMethods && !Methods()[kind].write && d_.Chance(0.08)) unit = kZ;
    return {kind, who, unit, variant, d_.Next()};
  }

  Action Pick(const Model& m) {
    if (in_phase_ > budget_) {
      if (m.phase == kPublished) {
        phase_ = v1::ROUND_PHASE_UNSPECIFIED;
        return {kNewRound, kAppr, kA, 0, d_.Next()};
      }
      if (d_.Chance(0.4)) return Make(kAdvanceRound, kAppr);
    }
    const double r = d_.Uniform();
    if (r < 0.07) return Make(kReplay, kAppr, d_.Pick(4));
    if (r < 0.65) return Useful(m);
    int kind = d_.Pick(kNumMethods);
    return Make(kind, static_cast<Who>(d_.Pick(kNumWho)),
                d_.Pick(4) == 0 ? 1 + d_.Pick(3) : 0);
  }

  Action Useful(const Model& m) {
    struct Choice {
      int kind;
      int weight;
      bool ward;
      int variant;
    };
    std::vector<Choice> choices;
    switch (m.phase) {
      case v1::PHASE_DRAFT:
        choices = {{kAdvanceRound, 2, false, 0},
                   {kUpdateRound, 1, false, 0},
                   {kBatchUpdateEntries, 1, true, 0}};
        break;
      case kSelfPhase:
        choices = {{kBatchUpdateEntries, 5, true, 0}, {kUploadEvidence, 2, true, 0},
                   {kSubmitAssessment, 2, true, 0},   {kReopenAssessment, 1, false, 0},
                   {kUpdateRound, 1, false, 0},       {kGetAssessment, 1, true, 0},
                   {kGetEvidenceFile, 1, true, 0}};
        break;
      case kAppraisal:
        choices = {{kBatchUpdateEntries, 4, false, 0}, {kUploadEvidence, 1, false, 0},
                   {kRequestExplanation, 3, false, 0}, {kImportSurvey, 1, false, 0},
                   {kUpdateRound, 1, false, 0},        {kGetUnitScore, 1, true, 0}};
        break;
      case kExplanationPhase:
        choices = {{kBatchUpdateEntries, 4, true, 0}, {kUploadEvidence, 2, true, 0},
                   {kSubmitExplanation, 2, true, 0},  {kReopenAssessment, 2, false, 0},
                   {kUpdateRound, 1, false, 0},       {kBatchUpdateEntries, 1, false, 0},
                   {kGetEvidenceFile, 1, true, 0}};
        break;
      case kFinalAppraisal:
        choices = {{kBatchUpdateEntries, 3, false, 0},
                   {kFinaliseAssessment, 2, false, 0},
                   {kImportSurvey, 1, false, 0},
                   {kUploadEvidence, 1, false, 0},
                   {kGetAssessment, 1, true, 0}};
        break;
      default:  // FINALISED, PUBLISHED
        choices = {{kBatchUpdateEntries, 3, false, 0}, {kGetUnitScore, 2, true, 0},
                   {kGetRanking, 1, true, 0},          {kExportRound, 1, true, 0},
                   {kSummariseRound, 1, true, 0},      {kGetEvidenceFile, 1, true, 0},
                   {kGetUnitScore, 1, false, 0}};
        break;
    }
    choices.push_back({kAdvanceRound, 1, false, 1});  // to a phase that is not the next
    int total = 0;
    for (const Choice& c : choices) total += c.weight;
    int x = d_.Pick(total);
    for (const Choice& c : choices) {
      if ((x -= c.weight) < 0) {
        Who who = c.ward ? Ward() : Appraiser();
        if (c.ward &&
            (c.kind == kGetUnitScore || c.kind == kGetRanking ||
             c.kind == kExportRound) &&
            d_.Chance(0.4))
          who = kReaderWho;
        return Make(c.kind, who, c.variant);
      }
    }
    return Make(kGetRanking, kAppr);
  }

  Dice d_;
  std::set<int> skip_;
  Phase phase_ = v1::ROUND_PHASE_UNSPECIFIED;
  int in_phase_ = 0, budget_ = 0;
};

// ---- Replays and the search for a short failing list ----
// Replays actions on a fresh round until the first mismatch of `category`; it stops
// early at a mismatch after which the model no longer knows what the server holds.
std::optional<Mismatch> Replay(Harness& h, const std::vector<Action>& actions,
                               const std::string& category,
                               std::vector<std::string>* log = nullptr) {
  Walk w(h, nullptr, false);
  std::optional<Mismatch> found;
  auto stop = [&](const std::optional<Mismatch>& lost) {
    for (Mismatch& mm : w.TakeNoted())
      if (!found && mm.category == category) found = mm;
    if (!found && lost && lost->category == category) found = lost;
    return found.has_value() || lost.has_value();
  };
  bool done = stop(w.Begin());
  for (size_t i = 0; !done && i < actions.size(); ++i) done = stop(w.Step(actions[i]));
  if (!done) stop(w.CheckAll("final check"));
  if (log) *log = w.log;
  return found;
}

std::vector<Action> Shrink(Harness& h, std::vector<Action> actions,
                           const std::string& category,
                           std::chrono::steady_clock::time_point until,
                           bool* reproduced) {
  auto fails = [&](const std::vector<Action>& list) {
    return Replay(h, list, category).has_value();
  };
  *reproduced = fails(actions);
  if (!*reproduced) return actions;
  // The shortest failing prefix, by binary search over its length.
  size_t passes = 0, fails_at = actions.size();
  while (fails_at - passes > 1 && std::chrono::steady_clock::now() < until) {
    const size_t mid = (passes + fails_at) / 2;
    if (fails(std::vector<Action>(actions.begin(), actions.begin() + mid)))
      fails_at = mid;
    else
      passes = mid;
  }
  actions.resize(fails_at);
  // Then drop what it can: halves, quarters, … single actions.
  for (size_t chunk = std::max<size_t>(actions.size() / 2, 1);;
       chunk = std::max<size_t>(chunk / 2, 1)) {
    for (size_t i = 0;
         i + chunk <= actions.size() && std::chrono::steady_clock::now() < until;) {
      std::vector<Action> shorter(actions.begin(), actions.begin() + i);
      shorter.insert(shorter.end(), actions.begin() + i + chunk, actions.end());
      if (fails(shorter))
        actions = std::move(shorter);
      else
        i += chunk;
    }
    if (chunk == 1 || std::chrono::steady_clock::now() >= until) break;
  }
  return actions;
}

int EnvInt(const char* name, int fallback) {
  const char* v = getenv(name);
  return v != nullptr && *v != '\0' ? atoi(v) : fallback;
}

void PrintCoverage(const Coverage& cov) {
  std::printf(
      "rounds %lld, calls %lld\nunit-steps per phase × state (effective, as the model "
      "has it):\n",
      static_cast<long long>(cov.rounds), static_cast<long long>(cov.calls));
  std::printf("%-16s", "");
  for (int s = kNotStarted; s <= kFinalState; ++s)
    std::printf(" %12.12s", StateName(static_cast<State>(s)).c_str());
  std::printf("\n");
  for (int p = v1::PHASE_DRAFT; p <= kPublished; ++p) {
    std::printf("%-16s", PhaseName(static_cast<Phase>(p)).c_str());
    for (int s = kNotStarted; s <= kFinalState; ++s) {
      auto it = cov.phase_state.find({p, s});
      std::printf(" %12lld",
                  it == cov.phase_state.end() ? 0LL : static_cast<long long>(it->second));
    }
    std::printf("\n");
  }
  std::printf("answers per method (actions of the walk):\n");
  for (int method = 0; method < kNumMethods; ++method) {
    std::string line;
    for (const auto& [key, n] : cov.method_code) {
      if (key.first == method)
        absl::StrAppend(&line, " ", CodeName(static_cast<StatusCode>(key.second)), "=",
                        n);
    }
    std::printf("  %-20s%s\n", Methods()[method].name, line.c_str());
  }
}

TEST(ModelTest, RandomWalkMatchesTheTables) {
  const uint32_t seed = static_cast<uint32_t>(EnvInt("MODEL_SEED", 1));
  const int steps = EnvInt("MODEL_STEPS", 4000);
  const int shrink_seconds = EnvInt("MODEL_SHRINK_SECONDS", 60);
  const bool verbose = EnvInt("MODEL_VERBOSE", 0) != 0;
  std::set<int> skip;
  if (const char* s = getenv("MODEL_SKIP")) {
    for (absl::string_view name : absl::StrSplit(s, ',', absl::SkipEmpty())) {
      for (int k = 0; k < kNumKinds; ++k)
        if (KindName(k) == name) skip.insert(k);
    }
  }
  std::printf("model walk: MODEL_SEED=%u MODEL_STEPS=%d\n", seed, steps);
  const auto start = std::chrono::steady_clock::now();

  Harness h;
  h.Start();
  if (::testing::Test::HasFatalFailure()) return;
  Coverage coverage;
  Walk walk(h, &coverage, verbose);
  Chooser chooser(seed, skip);

  struct Found {
    Mismatch mm;
    int global_step;
    std::vector<Action> actions;  // the round's, up to the mismatch
  };
  std::vector<Found> found;
  std::set<std::string> categories;
  std::vector<Action> round_actions;
  auto record = [&](const Mismatch& mm, int step) {
    if (!categories.insert(mm.category).second) return;
    std::printf(
        "\nMISMATCH (seed %u, step %d, step %d of its round): %s\n  call: %s\n  "
        "expected: %s\n  actual:   %s\n",
        seed, step, mm.step, mm.category.c_str(), mm.call.c_str(), mm.expected.c_str(),
        mm.actual.c_str());
    found.push_back({mm, step, round_actions});
  };
  std::optional<Mismatch> lost = walk.Begin();
  ASSERT_FALSE(lost) << lost->category << ": " << lost->actual;
  for (int i = 0; i < steps; ++i) {
    const Action a = chooser.Next(walk.model());
    round_actions.push_back(a);
    if (a.kind == kNewRound) round_actions.clear();
    lost = walk.Step(a);
    for (const Mismatch& mm : walk.TakeNoted()) record(mm, i);
    if (!lost) continue;
    record(*lost, i);  // the model no longer knows what the server holds: a new round
    round_actions.clear();
    lost = walk.Begin();
    ASSERT_FALSE(lost) << lost->category << ": " << lost->actual;
  }
  lost = walk.CheckAll("final check");
  for (const Mismatch& mm : walk.TakeNoted()) record(mm, steps);
  if (lost) record(*lost, steps);
  const double walk_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("\nwalk of %d steps in %.1f s\n", steps, walk_seconds);
  PrintCoverage(coverage);

  // Each kind of mismatch once, with the shortest action list that still shows it.
  const auto shrink_until =
      std::chrono::steady_clock::now() + std::chrono::seconds(shrink_seconds);
  for (size_t f = 0; f < found.size(); ++f) {
    const auto share = std::chrono::steady_clock::now() +
                       (shrink_until - std::chrono::steady_clock::now()) /
                           static_cast<int>(found.size() - f);
    bool reproduced = false;
    std::vector<Action> shortest = Shrink(h, found[f].actions, found[f].mm.category,
                                          std::min(share, shrink_until), &reproduced);
    std::vector<std::string> log;
    std::optional<Mismatch> again = Replay(h, shortest, found[f].mm.category, &log);
    std::string text = absl::StrCat(
        "mismatch ", f + 1, " of ", found.size(), " (MODEL_SEED=", seed, ", step ",
        found[f].global_step, "): ", found[f].mm.category, "\n  call: ", found[f].mm.call,
        "\n  expected: ", found[f].mm.expected, "\n  actual:   ", found[f].mm.actual,
        "\n");
    if (!reproduced) {
      absl::StrAppend(&text, "  (did not happen again when the round's ",
                      found[f].actions.size(),
                      " actions were replayed on a fresh round)\n");
    } else {
      absl::StrAppend(&text, "  shortest list found (", shortest.size(), " of ",
                      found[f].actions.size(), " actions), replayed on a fresh round:\n");
      for (const std::string& line : log) absl::StrAppend(&text, "    ", line, "\n");
      if (again)
        absl::StrAppend(&text, "    => ", again->category, "\n       ", again->call,
                        "\n       expected ", again->expected, "\n       actual   ",
                        again->actual, "\n");
    }
    ADD_FAILURE() << text;
  }
  std::printf(
      "total %.1f s\n",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  h.Stop();
}

}  // namespace
