// Malformed requests against the real server, over HTTP/JSON (curl) and over gRPC (raw
// request bytes): each gets its documented error, word for word, and nothing is stored
// (the unit's form and its audit trail are unchanged after each). Among them, requests
// over the API's limits (proto annotations, server/request_check.h) and requests that
// are not protobuf at all.
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/unary_bytes.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "parindex/v1/service.pb.h"
#include "tests/server_process.h"
#include "tests/store_test_util.h"

namespace {

using parindex::testing::Curl;
using parindex::testing::Server;
using parindex::testing::Start;

constexpr char kParent[] = R"("parent": "rounds/hungyen-2023/assessments/XTH")";

struct BadRequest {
  std::string what;
  std::string method;      // "AssessmentService/BatchUpdateEntries"
  std::string body;        // JSON (HTTP), or the request's bytes for gRPC when raw
  bool raw = false;        // body is protobuf bytes, sent over gRPC only
  bool json_only = false;  // a JSON-level mistake: there is no gRPC equivalent
  int http_status;
  grpc::StatusCode grpc_code;
  std::string message;
};

// The request's bytes for `method`, from JSON (the test's own parse: the bytes a gRPC
// client would send).
std::string RequestBytes(const std::string& method, const std::string& json) {
  parindex::v1::EchoMessage::descriptor();  // the API's descriptors are registered
  const auto* m = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
      absl::StrCat("parindex.v1.", method.substr(0, method.find('/')), ".",
                   method.substr(method.find('/') + 1)));
  EXPECT_NE(m, nullptr) << method;
  if (m == nullptr) return "";
  std::unique_ptr<google::protobuf::Message> request(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(m->input_type())
          ->New());
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, request.get()).ok())
      << json;
  return request->SerializeAsString();
}

grpc::Status CallGrpc(const Server& server, const std::string& token,
                      const std::string& method, const std::string& bytes) {
  auto channel = grpc::CreateChannel(server.address, grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  std::string response;
  return parindex::UnaryCallBytes(stub, &context, absl::StrCat("/parindex.v1.", method),
                                  bytes, &response);
}

TEST(BadInput, EveryMalformedRequestGetsItsErrorAndNothingIsStored) {
  parindex::testing::TempDir dir;
  // 12 MiB: gRPC then takes messages up to 16 MiB and HTTP bodies up to 17 MiB, so a
  // 10 MiB string reaches the server's own checks.
  Server server =
      Start(dir.File("bad.db"), {"--http", "127.0.0.1:0", "--max-evidence-mb", "12"});
  ASSERT_FALSE(server.http.empty());
  const std::string ward = server.tokens["ward XTH"];
  const std::string out = dir.File("out");
  // The unit's form and its audit trail, parsed (map order in JSON is not stable).
  auto snapshot = [&] {
    auto [a, assessment] =
        Curl(server.http + "/parindex.v1.AssessmentService/GetAssessment", ward,
             R"({"name": "rounds/hungyen-2023/assessments/XTH"})", out);
    auto [b, audit] = Curl(server.http + "/parindex.v1.AuditService/ListAuditEvents",
                           server.tokens["admin"],
                           R"({"filter": "resource=rounds/hungyen-2023/assessments/XTH",)"
                           R"( "page_size": 1000})",
                           out);
    EXPECT_EQ(a, 200);
    EXPECT_EQ(b, 200);
    std::pair<parindex::v1::Assessment, parindex::v1::ListAuditEventsResponse> state;
    EXPECT_TRUE(
        google::protobuf::util::JsonStringToMessage(assessment, &state.first).ok());
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(audit, &state.second).ok());
    return state;
  };
  const auto before = snapshot();

  const std::string update = "AssessmentService/BatchUpdateEntries";
  const std::string sheet = "AssessmentService/UpdateDataSheet";
  auto value = [](const std::string& update) {
    return absl::StrCat("{", kParent, R"(, "updates": [{)", update,
                        R"(, "etag": "1"}]})");
  };
  auto figures = [](const std::string& criterion, const std::string& figures) {
    return absl::StrCat("{", kParent, R"(, "updates": [{"entry": {"criterion": ")",
                        criterion, R"(", "self": {"figures": {)", figures, R"(}}}}]})");
  };
  const std::string huge(100000, 'X');
  const std::string ten_mib(10 << 20, 'x');
  // Invalid UTF-8 inside a string field, as protobuf bytes: field 1 (parent), 3 bytes.
  const std::string bad_utf8 = std::string("\x0a\x03", 2) + "a\xff" + "b";
  // Not protobuf: field 1 says 5 bytes follow, 2 do.
  const std::string truncated = std::string("\x0a\x05", 2) + "ab";
  auto not_valid = [](const std::string& type) {
    return absl::StrCat("request: not a valid parindex.v1.", type,
                        " (malformed protobuf or invalid UTF-8 in a string)");
  };
  // Column 99: proto3 keeps an undeclared enum number, so a client can send it.
  parindex::v1::GetUnitScoreRequest column99;
  column99.set_name("rounds/hungyen-2023/assessments/XTH");
  column99.set_column(static_cast<parindex::v1::Column>(99));
  std::string many_updates = absl::StrCat("{", kParent, R"(, "updates": [)");
  for (int i = 0; i < 301; ++i) {
    absl::StrAppend(&many_updates, i ? ", " : "",
                    R"({"entry": {"criterion": "III.2.1"}})");
  }
  many_updates += "]}";
  const std::vector<BadRequest> cases = {
      {"a count of the wrong type", update, figures("III.2.1", R"("resolved": "abc")"),
       false, true, 400, grpc::StatusCode::INVALID_ARGUMENT,
       "body: not a JSON parindex.v1.BatchUpdateEntriesRequest: "
       "(updates[0].entry.self.figures[0].value): invalid value \"abc\" for type "
       "TYPE_INT64"},
      {"a count beyond int64", update,
       figures("III.2.1", R"("resolved": "9223372036854775808")"), false, true, 400,
       grpc::StatusCode::INVALID_ARGUMENT,
       "body: not a JSON parindex.v1.BatchUpdateEntriesRequest: "
       "(updates[0].entry.self.figures[0].value): invalid value "
       "\"9223372036854775808\" for type TYPE_INT64"},
      {"the largest int64 count", update,
       figures(
           "III.2.1",
           R"("resolved": "9223372036854775807", "resolved_on_time": "9223372036854775807")"),
       false, false, 400, grpc::StatusCode::INVALID_ARGUMENT,
       "updates[0].entry.self.figures.resolved: resolved (Số hồ sơ TTHC đã giải quyết): "
       "count too large (9223372036854775807)"},
      {"a negative count", update,
       figures("III.2.1", R"("resolved": "-1", "resolved_on_time": "0")"), false, false,
       400, grpc::StatusCode::INVALID_ARGUMENT,
       "updates[0].entry.self.figures.resolved: resolved (Số hồ sơ TTHC đã giải quyết): "
       "negative count (-1)"},
      {"more on time than resolved", update,
       figures("III.2.1", R"("resolved": "10", "resolved_on_time": "11")"), false, false,
       400, grpc::StatusCode::INVALID_ARGUMENT,
       "updates[0].entry.self.figures.resolved_on_time: rule on_time_within_resolved: "
       "Số hồ sơ giải quyết đúng hạn không vượt quá số hồ sơ đã giải quyết: "
       "resolved_on_time (Số hồ sơ giải quyết đúng hạn (kể cả trước hạn)) = 11, not ≤ "
       "resolved (Số hồ sơ TTHC đã giải quyết) = 10"},
      // The same count typed once, on the data sheet.
      {"a count beyond the limit on the data sheet", sheet,
       value(R"("element": "resolved", "value": {"count": "9223372036854775807"})"),
       false, false, 400, grpc::StatusCode::INVALID_ARGUMENT,
       "updates[0].value: resolved (Số hồ sơ TTHC đã giải quyết): count too large "
       "(9223372036854775807)"},
      {"a negative count on the data sheet", sheet,
       value(R"("element": "resolved", "value": {"count": "-5"})"), false, false, 400,
       grpc::StatusCode::INVALID_ARGUMENT,
       "updates[0].value: resolved (Số hồ sơ TTHC đã giải quyết): negative count (-5)"},
      {"a count breaking a rule against the stored sheet", sheet,
       value(R"("element": "resolved_on_time", "value": {"count": "100000"})"), false,
       false, 400, grpc::StatusCode::INVALID_ARGUMENT,
       "updates[0].value: rule on_time_within_resolved: Số hồ sơ giải quyết đúng hạn "
       "không "
       "vượt quá số hồ sơ đã giải quyết: resolved_on_time (Số hồ sơ giải quyết đúng hạn "
       "(kể cả trước hạn)) = 100000, not ≤ resolved (Số hồ sơ TTHC đã giải quyết) = 784"},
      {"a date of the wrong type", sheet,
       value(
           R"("element": "resolved", "value": {"date": {"year": 2023, "month": 2, "day": 3}})"),
       false, false, 400, grpc::StatusCode::INVALID_ARGUMENT,
       "updates[0].value: resolved (Số hồ sơ TTHC đã giải quyết): expects a whole number "
       "of items"},
      {"30 February on the data sheet", sheet,
       value(
           R"("element": "report_q1_date", "value": {"date": {"year": 2023, "month": 2, "day": 30}})"),
       false, false, 400, grpc::StatusCode::INVALID_ARGUMENT,
       "updates[0].value: report_q1_date (Ngày gửi Báo cáo CCHC quý I): not a valid "
       "date"},
      {"an element the set does not have", sheet,
       value(R"("element": "bribes", "value": {"count": "1"})"), false, false, 400,
       grpc::StatusCode::INVALID_ARGUMENT,
       "updates[0].element: 'bribes' is not a data element of commune-2025 v1"},
      {"an element given twice", sheet,
       absl::StrCat(
           "{", kParent,
           R"(, "updates": [{"element": "resolved", "value": {"count": "1"}, "etag": "1"}, )"
           R"({"element": "resolved", "value": {"count": "2"}, "etag": "1"}]})"),
       false, false, 400, grpc::StatusCode::INVALID_ARGUMENT,
       "updates[1].value: resolved (Số hồ sơ TTHC đã giải quyết) is given another value "
       "in "
       "updates[0].value; a figure is typed once, on the data sheet"},
      {"not issued for a count", sheet,
       value(R"("element": "resolved", "value": {"not_issued": true})"), false, false,
       400, grpc::StatusCode::INVALID_ARGUMENT,
       "updates[0].value: resolved (Số hồ sơ TTHC đã giải quyết): expects a whole number "
       "of items"},
      {"an unknown criterion", update, figures("X.9", R"("resolved": "1")"), false, false,
       400, grpc::StatusCode::INVALID_ARGUMENT,
       "updates[0].entry.criterion: 'X.9' is not a criterion to fill in commune-2025 v1"},
      {"a huge criterion code", update, figures(huge, R"("resolved": "1")"), false, false,
       400, grpc::StatusCode::INVALID_ARGUMENT,
       "updates[0].entry.criterion: 100000 bytes, more than the 128 allowed"},
      {"a 10 MiB comment", update,
       absl::StrCat("{", kParent,
                    R"(, "updates": [{"entry": {"criterion": "III.2.1", "comment": ")",
                    ten_mib, R"("}}]})"),
       false, false, 400, grpc::StatusCode::INVALID_ARGUMENT,
       "updates[0].entry.comment: 10485760 bytes, more than the 2000 allowed"},
      {"a 10 MiB request id", update,
       absl::StrCat("{", kParent,
                    R"(, "updates": [{"entry": {"criterion": "III.2.1", "self": )"
                    R"({"figures": {"resolved": "10", "resolved_on_time": "9"}}}, )"
                    R"("etag": "1"}], "request_id": ")",
                    ten_mib, R"("})"),
       false, false, 400, grpc::StatusCode::INVALID_ARGUMENT,
       "request_id: 10485760 bytes, more than the 128 allowed"},
      {"a figure name of 129 bytes", update,
       figures("III.2.1", absl::StrCat(R"(")", std::string(129, 'r'), R"(": "1")")),
       false, false, 400, grpc::StatusCode::INVALID_ARGUMENT,
       absl::StrCat("updates[0].entry.self.figures[", std::string(32, 'r'),
                    "…]: key of 129 bytes, more than the 128 allowed")},
      {"301 updates in one batch", update, many_updates, false, false, 400,
       grpc::StatusCode::INVALID_ARGUMENT,
       "updates: 301 items, more than the 300 allowed"},
      // Protobuf's JSON parser takes any number for an enum (proto3 enums are open);
      // the server's check refuses it.
      {"column 99 in JSON", "ScoreService/GetUnitScore",
       R"({"name": "rounds/hungyen-2023/assessments/XTH", "column": 99})", false, true,
       400, grpc::StatusCode::INVALID_ARGUMENT,
       "column: 99 is not a value of parindex.v1.Column"},
      {"column 99 in protobuf", "ScoreService/GetUnitScore", column99.SerializeAsString(),
       true, false, 0, grpc::StatusCode::INVALID_ARGUMENT,
       "column: 99 is not a value of parindex.v1.Column"},
      {"a column name that does not exist", "ScoreService/GetUnitScore",
       R"({"name": "rounds/hungyen-2023/assessments/XTH", "column": "BOTH"})", false,
       true, 400, grpc::StatusCode::INVALID_ARGUMENT,
       "body: not a JSON parindex.v1.GetUnitScoreRequest: (column): invalid value "
       "\"BOTH\" for type type.googleapis.com/parindex.v1.Column"},
      {"a score above the maximum", update,
       absl::StrCat("{", kParent,
                    R"(, "updates": [{"entry": {"criterion": "I.5", "self": )"
                    R"({"score_milli": "99999"}}, "etag": "1"}]})"),
       false, false, 400, grpc::StatusCode::INVALID_ARGUMENT,
       "updates[0].entry.self.score: 99.999 is outside 0..1.5 for criterion I.5"},
      {"30 February", update,
       absl::StrCat(
           "{", kParent,
           R"(, "updates": [{"entry": {"criterion": "I.2.1", "self": {"issued": )"
           R"({"year": 2023, "month": 2, "day": 30}}}}]})"),
       false, false, 400, grpc::StatusCode::INVALID_ARGUMENT,
       "updates[0].entry.self.issued: criterion I.2.1 reads its date from the data "
       "sheet: give it as report_q1_date (Ngày gửi Báo cáo CCHC quý I)"},
      {"no parent", update, R"({"updates": [{"entry": {"criterion": "III.2.1"}}]})",
       false, false, 400, grpc::StatusCode::INVALID_ARGUMENT,
       "parent: expected rounds/{id}/assessments/{unit}, got ''"},
      {"an unknown field", update, absl::StrCat("{", kParent, R"(, "updatez": []})"),
       false, true, 400, grpc::StatusCode::INVALID_ARGUMENT,
       "body: not a JSON parindex.v1.BatchUpdateEntriesRequest: updatez: Cannot find "
       "field."},
      {"invalid UTF-8 in JSON", update,
       absl::StrCat("{", R"("parent": "rounds/hungyen-2023/assessments/XTH)", "\xff",
                    R"(", "updates": []})"),
       false, true, 400, grpc::StatusCode::INVALID_ARGUMENT,
       "body: not a JSON parindex.v1.BatchUpdateEntriesRequest: Encountered non UTF-8 "
       "code points."},
      {"invalid UTF-8 in protobuf", update, bad_utf8, true, false, 0,
       grpc::StatusCode::INVALID_ARGUMENT, not_valid("BatchUpdateEntriesRequest")},
      {"malformed protobuf", update, truncated, true, false, 0,
       grpc::StatusCode::INVALID_ARGUMENT, not_valid("BatchUpdateEntriesRequest")},
      {"malformed protobuf, on the callback API", "ScoreService/GetUnitScore", truncated,
       true, false, 0, grpc::StatusCode::INVALID_ARGUMENT,
       not_valid("GetUnitScoreRequest")},
      {"invalid UTF-8 in protobuf, on the callback API", "ScoreService/GetUnitScore",
       bad_utf8, true, false, 0, grpc::StatusCode::INVALID_ARGUMENT,
       not_valid("GetUnitScoreRequest")},
      {"malformed protobuf to Echo", "EchoService/Echo", truncated, true, false, 0,
       grpc::StatusCode::INVALID_ARGUMENT, not_valid("EchoMessage")},
      {"evidence without a file name", "AssessmentService/UploadEvidence",
       absl::StrCat("{", kParent,
                    R"(, "criterion": "III.2.1", "content": "JVBERi0xLjQ="})"),
       false, false, 400, grpc::StatusCode::INVALID_ARGUMENT,
       "evidence.file_name: is required"},
      {"evidence over the limit", "AssessmentService/UploadEvidence",
       absl::StrCat("{", kParent,
                    R"(, "criterion": "III.2.1", "evidence": {"file_name": "x.pdf"}, )"
                    R"("content": ")",
                    absl::Base64Escape(std::string((12 << 20) + 1, 'x')), R"("})"),
       false, false, 400, grpc::StatusCode::INVALID_ARGUMENT,
       "evidence 'x.pdf': 12582913 bytes exceed the limit of 12582912 bytes"},
  };
  for (const BadRequest& c : cases) {
    SCOPED_TRACE(c.what);
    if (!c.raw) {
      std::ofstream(dir.File("body.json"), std::ios::binary) << c.body;
      auto [code, json] = Curl(absl::StrCat(server.http, "/parindex.v1.", c.method), ward,
                               "@" + dir.File("body.json"), out);
      EXPECT_EQ(code, c.http_status);
      google::protobuf::Value message;
      message.set_string_value(c.message);
      std::string quoted;
      ASSERT_TRUE(google::protobuf::util::MessageToJsonString(message, &quoted).ok());
      EXPECT_EQ(json,
                absl::StrCat(
                    R"({"code": ")",
                    absl::StatusCodeToString(static_cast<absl::StatusCode>(c.grpc_code)),
                    R"(", "message": )", quoted, R"(, "details": []})", "\n"));
    }
    if (!c.json_only) {
      const grpc::Status status = CallGrpc(
          server, ward, c.method, c.raw ? c.body : RequestBytes(c.method, c.body));
      EXPECT_EQ(status.error_code(), c.grpc_code);
      EXPECT_EQ(status.error_message(), c.message);
    }
    const auto after = snapshot();
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equals(after.first, before.first));
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equals(after.second, before.second));
  }
  EXPECT_EQ(before.first.entries_size(),
            9);  // the demo figures: judgements, surveys aside
  EXPECT_EQ(before.first.values_size(), 77);  // its data sheet: 77 of the 80 elements
  EXPECT_EQ(parindex::testing::Stop(server), 0);
}

}  // namespace
