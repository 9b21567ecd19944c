// Dossier records over the real service (README: "Dossier records"): hand-written
// files whose figures are computed by hand at every edge, the dossier ids behind each
// figure, findings, re-imports, and who may import and overwrite.
//
// tests/data/records/dossiers.csv, round r (2023: 2023-01-01 00:00 to 2024-01-01 00:00,
// Vietnam time), set criteria/records/records-2023.yaml. Unit P1's rows:
//   D01 resolved exactly at its due time          on time, not early
//   D02 resolved two days before the due day      on time, early
//   D03 resolved one second after its due time   late, apology issued
//   D04 withdrawn                                  counted only by `withdrawn`
//   D05 in process at the year's end, due 28/12    in process past due
//   D06 in process at the year's end, due in 2024  in process, not past due
//   D07 received in 2022, resolved in 2023 on the due day: resolved on time, not received
//   D08 received in 2023, resolved in 2024, due 31/12: in process past due, not resolved
//   D09 no due date; D10 resolved before received; D11 due before received; D12
//   received in 2024; D14 given twice with different data: findings, never counted
//   D15 given twice with the same data: one dossier, on time (same day: not early)
//   lines 19-21 (D16-D18): refused (a 13th month, a resolution without a result, a fax)
// and D13 of ZZ, a unit not in the round (a finding); E01 of P2.
// By hand, P1 (9 dossiers read: D01-D08, D15):
//   received 7 (D01 D02 D03 D05 D06 D08 D15)   received_online 6 (all but D03)
//   resolved 5 (D01 D02 D03 D07 D15)           resolved_on_time 4 (D01 D02 D07 D15)
//   resolved_early 1 (D02)   late_completed 1 (D03)   late_in_process 2 (D05 D08)
//   late_with_apology 1 (D03)   withdrawn 1 (D04)
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "common/sha256.h"
#include "criteria/dossier_file.h"
#include "gmock/gmock.h"
#include "server/core_records.h"
#include "tests/service_fixture.h"

namespace parindex::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

class RecordsTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    records_ = v1::RecordService::NewStub(channel_);
    v1::CreateCriteriaSetRequest create_set;
    create_set.set_yaml(Read("criteria/records/records-2023.yaml"));
    v1::CriteriaSet set;
    ASSERT_TRUE(Call(criteria_.get(), &v1::CriteriaService::Stub::CreateCriteriaSet,
                     admin_, create_set, &set)
                    .ok());
    v1::CreateRoundRequest create;
    v1::Round* round = create.mutable_round();
    round->set_id("r");
    round->set_year(2023);
    round->set_criteria_set("records-demo");
    round->set_self_assessment_deadline("2023-11-27T17:00:00+07:00");
    round->set_explanation_deadline("2023-12-10T17:00:00+07:00");
    for (const auto& [code, parent] : std::vector<std::pair<std::string, std::string>>{
             {"P1", "HY"}, {"P2", "HY"}, {"Q1", "TB"}}) {
      v1::PutUnitRequest put;
      put.mutable_unit()->set_code(code);
      put.mutable_unit()->set_name(absl::StrCat("Phường ", code));
      put.mutable_unit()->set_kind(v1::WARD);
      put.mutable_unit()->set_parent(parent);
      v1::Unit unit;
      ASSERT_TRUE(
          Call(units_.get(), &v1::UnitService::Stub::PutUnit, admin_, put, &unit).ok());
      round->add_units(code);
      wards_[code] = Token(v1::ROLE_WARD, code);
    }
    v1::Round created;
    const grpc::Status status = Call(rounds_.get(), &v1::RoundService::Stub::CreateRound,
                                     appraiser_, create, &created);
    ASSERT_TRUE(status.ok()) << status.error_message();
    Advance(v1::PHASE_SELF_ASSESSMENT);
  }

  // Streams `path` (under tests/data/records) in chunks of `chunk` bytes, so that
  // lines and even times are split between messages.
  grpc::Status Import(const std::string& token, const std::string& name,
                      v1::ImportDossiersResponse* out, size_t chunk = 7) {
    const std::string content = Read(absl::StrCat("tests/data/records/", name));
    EXPECT_FALSE(content.empty()) << name;
    return ImportText(token, name, content, out, chunk);
  }

  // ListRecordFindings as `token`.
  grpc::Status Findings(const std::string& token, const v1::ListRecordFindingsRequest& r,
                        v1::ListRecordFindingsResponse* out) {
    return Call(records_.get(), &v1::RecordService::Stub::ListRecordFindings, token, r,
                out);
  }

  grpc::Status ImportText(const std::string& token, const std::string& name,
                          const std::string& content, v1::ImportDossiersResponse* out,
                          size_t chunk = 7) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    auto writer = records_->ImportDossiers(&context, out);
    for (size_t at = 0; at == 0 || at < content.size(); at += chunk) {
      v1::ImportDossiersRequest message;
      if (at == 0) {
        message.set_parent(absl::StrCat("rounds/", round_));
        message.set_file_name(name);
        message.set_format(absl::EndsWith(name, ".jsonl")
                               ? v1::ImportDossiersRequest::JSON_LINES
                               : v1::ImportDossiersRequest::CSV);
      }
      message.set_content(content.substr(at, chunk));
      if (!writer->Write(message)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }

  // The unit's computed values in round `round_`: element -> count, from the
  // appraiser's read.
  std::map<std::string, int64_t> Computed(const std::string& unit) {
    std::map<std::string, int64_t> out;
    v1::GetByNameRequest get;
    get.set_name(absl::StrCat("rounds/", round_, "/assessments/", unit));
    v1::Assessment a;
    EXPECT_TRUE(Call(assessments_.get(), &v1::AssessmentService::Stub::GetAssessment,
                     appraiser_, get, &a)
                    .ok());
    for (const v1::DataValue& v : a.values()) {
      if (v.self().has_from_records()) out[v.element()] = v.self().count();
    }
    return out;
  }

  grpc::Status Why(const std::string& token, const std::string& unit,
                   const std::string& element, v1::FigureDossiers* out, int page_size = 0,
                   const std::string& page_token = "") {
    v1::ExplainFigureRequest r;
    r.set_parent(absl::StrCat("rounds/r/assessments/", unit));
    r.set_element(element);
    r.set_page_size(page_size);
    r.set_page_token(page_token);
    return Call(records_.get(), &v1::RecordService::Stub::ExplainFigure, token, r, out);
  }

  std::vector<std::string> Ids(const std::string& unit, const std::string& element) {
    v1::FigureDossiers f;
    const grpc::Status s = Why(appraiser_, unit, element, &f);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {f.dossier_ids().begin(), f.dossier_ids().end()};
  }

  // Stores the criteria sets of these files, in this order (as the admin).
  void CreateSets(const std::vector<std::string>& paths) {
    for (const std::string& path : paths) {
      v1::CreateCriteriaSetRequest create_set;
      create_set.set_yaml(Read(path));
      v1::CriteriaSet set;
      const grpc::Status s =
          Call(criteria_.get(), &v1::CriteriaService::Stub::CreateCriteriaSet, admin_,
               create_set, &set);
      ASSERT_TRUE(s.ok()) << path << ": " << s.error_message();
    }
  }

  // Creates round `id` (2023) of `set` with `units` and opens it for self-assessment.
  void OpenRound(const std::string& id, const std::string& set,
                 const std::vector<std::string>& units) {
    v1::CreateRoundRequest create;
    v1::Round* round = create.mutable_round();
    round->set_id(id);
    round->set_year(2023);
    round->set_criteria_set(set);
    round->set_self_assessment_deadline("2023-11-27T17:00:00+07:00");
    for (const std::string& unit : units) round->add_units(unit);
    v1::Round created;
    grpc::Status s = Call(rounds_.get(), &v1::RoundService::Stub::CreateRound, appraiser_,
                          create, &created);
    ASSERT_TRUE(s.ok()) << s.error_message();
    v1::AdvanceRoundRequest open;
    open.set_name(absl::StrCat("rounds/", id));
    open.set_to_phase(v1::PHASE_SELF_ASSESSMENT);
    open.set_etag(created.version());
    s = Call(rounds_.get(), &v1::RoundService::Stub::AdvanceRound, appraiser_, open,
             &created);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  std::unique_ptr<v1::RecordService::Stub> records_;
  std::string round_ = "r";  // the round ImportText imports into
};

const std::map<std::string, int64_t> kP1 = {
    {"received", 7},         {"received_online", 6},   {"resolved", 5},
    {"resolved_on_time", 4}, {"resolved_early", 1},    {"late_completed", 1},
    {"late_in_process", 2},  {"late_with_apology", 1}, {"withdrawn", 1}};

TEST_F(RecordsTest, FiguresComputedByHandAtEveryEdge) {
  v1::ImportDossiersResponse r;
  const grpc::Status s = Import(appraiser_, "dossiers.csv", &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(r.import_id(), 1);
  EXPECT_EQ(r.rows_read(), 21);
  EXPECT_EQ(r.rows_refused(), 3);
  EXPECT_EQ(r.rows_changed(), 17);  // 18 rows stored, D15's second the same as its first
  EXPECT_EQ(r.rows_unchanged(), 1);
  EXPECT_EQ(r.sha256(), Sha256Hex(Read("tests/data/records/dossiers.csv")));
  EXPECT_THAT(
      std::vector<std::string>(r.errors().begin(), r.errors().end()),
      ElementsAre(
          "dossiers.csv:19: received_at: '2023-13-01 08:00' is not a time (no such "
          "month; write 2023-12-31T23:59:00+07:00, or 2023-12-31 23:59 in Vietnam time)",
          "dossiers.csv:20: result: a resolved dossier (resolved_at given) needs its "
          "result: approved, refused or withdrawn",
          "dossiers.csv:21: channel: 'fax' is not one of in_person, online_partial, "
          "fully_online"));
  // Q1 has no dossiers: its figures count zero from the records.
  EXPECT_THAT(
      std::vector<std::string>(r.units_updated().begin(), r.units_updated().end()),
      ElementsAre("P1", "P2", "Q1"));
  EXPECT_EQ(r.findings(), 6);

  EXPECT_EQ(Computed("P1"), kP1);
  EXPECT_EQ(Computed("P2"), (std::map<std::string, int64_t>{{"received", 1},
                                                            {"received_online", 1},
                                                            {"resolved", 1},
                                                            {"resolved_on_time", 1},
                                                            {"resolved_early", 1},
                                                            {"late_completed", 0},
                                                            {"late_in_process", 0},
                                                            {"late_with_apology", 0},
                                                            {"withdrawn", 0}}));
  EXPECT_EQ(Computed("Q1"), (std::map<std::string, int64_t>{{"received", 0},
                                                            {"received_online", 0},
                                                            {"resolved", 0},
                                                            {"resolved_on_time", 0},
                                                            {"resolved_early", 0},
                                                            {"late_completed", 0},
                                                            {"late_in_process", 0},
                                                            {"late_with_apology", 0},
                                                            {"withdrawn", 0}}));

  // Provenance on the value; the unit has typed nothing, so it has not started.
  const v1::Assessment p1 = Assessment("P1");
  EXPECT_EQ(p1.state(), v1::STATE_NOT_STARTED);
  for (const v1::DataValue& v : p1.values()) {
    if (v.element() != "resolved_on_time") continue;
    EXPECT_EQ(v.self().from_records().dossiers(), 9);
    EXPECT_EQ(v.self().from_records().import_id(), 1);
    EXPECT_EQ(v.self().from_records().period_end(), "2024-01-01T00:00:00+07:00");
    EXPECT_EQ(v.self().from_records().computed_at(), "2023-11-20T02:00:00Z");
  }
  // The figures score: on time 4/5 = 80 % of 50, online 6/7 of 50.
  v1::GetUnitScoreRequest score;
  score.set_name("rounds/r/assessments/P1");
  score.set_column(v1::SELF);
  v1::UnitScore unit_score;
  ASSERT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, appraiser_,
                   score, &unit_score)
                  .ok());
  EXPECT_EQ(unit_score.achieved_milli(), 40000 + 42857);

  // The import is audited with the file's SHA-256 and its counts.
  v1::ListRequest audit;
  audit.set_filter("resource=rounds/r/imports/1");
  v1::ListAuditEventsResponse events;
  ASSERT_TRUE(Call(audit_.get(), &v1::AuditService::Stub::ListAuditEvents, appraiser_,
                   audit, &events)
                  .ok());
  ASSERT_EQ(events.events_size(), 1);
  EXPECT_EQ(events.events(0).action(), "records.import");
  EXPECT_THAT(events.events(0).after(),
              HasSubstr(absl::StrCat("\"sha256\":\"", r.sha256())));
  EXPECT_THAT(events.events(0).after(), HasSubstr("\"rows_read\":21,\"rows_refused\":3"));
}

TEST_F(RecordsTest, EveryFigureDrillsDownToExactlyItsDossiers) {
  v1::ImportDossiersResponse r;
  ASSERT_TRUE(Import(appraiser_, "dossiers.csv", &r).ok());
  EXPECT_THAT(Ids("P1", "resolved_on_time"), ElementsAre("D01", "D02", "D07", "D15"));
  EXPECT_THAT(Ids("P1", "resolved_early"), ElementsAre("D02"));
  EXPECT_THAT(Ids("P1", "late_completed"), ElementsAre("D03"));
  EXPECT_THAT(Ids("P1", "late_in_process"), ElementsAre("D05", "D08"));
  EXPECT_THAT(Ids("P1", "resolved"), ElementsAre("D01", "D02", "D03", "D07", "D15"));
  EXPECT_THAT(Ids("P1", "received"),
              ElementsAre("D01", "D02", "D03", "D05", "D06", "D08", "D15"));
  EXPECT_THAT(Ids("P1", "withdrawn"), ElementsAre("D04"));
  EXPECT_THAT(Ids("P1", "late_with_apology"), ElementsAre("D03"));

  // Keyset pages: a page's token is its last id, the next page starts after it.
  v1::FigureDossiers f;
  ASSERT_TRUE(Why(wards_["P1"], "P1", "resolved", &f, 2).ok());  // the ward sees its own
  EXPECT_EQ(f.count(), 5);
  EXPECT_THAT(f.dossier_ids(), ElementsAre("D01", "D02"));
  EXPECT_EQ(f.next_page_token(), "D02");
  EXPECT_EQ(f.definition(), "resolved in 2023, withdrawn left out");
  EXPECT_EQ(f.provenance().dossiers(), 9);
  ASSERT_TRUE(Why(wards_["P1"], "P1", "resolved", &f, 2, "D02").ok());
  EXPECT_THAT(f.dossier_ids(), ElementsAre("D03", "D07"));
  EXPECT_EQ(f.next_page_token(), "D07");
  ASSERT_TRUE(Why(wards_["P1"], "P1", "resolved", &f, 2, "D07").ok());
  EXPECT_THAT(f.dossier_ids(), ElementsAre("D15"));
  EXPECT_EQ(f.next_page_token(), "");

  grpc::Status s = Why(wards_["P1"], "P2", "resolved", &f);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  s = Why(appraiser_, "P1", "visits", &f);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(),
              HasSubstr("element: 'visits' is not computed from dossier records in "
                        "records-demo (those that are: received, received_online,"));
}

TEST_F(RecordsTest, RecordsThatCannotBeRightAreFindingsPerUnit) {
  v1::ImportDossiersResponse r;
  ASSERT_TRUE(Import(appraiser_, "dossiers.csv", &r).ok());
  v1::ListRecordFindingsRequest list;
  list.set_parent("rounds/r");
  v1::ListRecordFindingsResponse found;
  ASSERT_TRUE(Findings(appraiser_, list, &found).ok());
  std::vector<std::string> got;
  for (const v1::RecordFinding& f : found.findings()) {
    got.push_back(absl::StrCat(f.unit(), " ", f.dossier(), " ",
                               v1::RecordFinding::Kind_Name(f.kind()), " line ", f.line(),
                               ": ", f.message()));
  }
  EXPECT_THAT(
      got,
      ElementsAre(
          "P1 D09 NO_DUE_DATE line 10: no due date",
          "P1 D10 RESOLVED_BEFORE_RECEIVED line 11: resolved 2023-08-09 08:00:00 before "
          "it was received 2023-08-10 08:00:00",
          "P1 D11 DUE_BEFORE_RECEIVED line 12: due 2023-09-01 17:00:00 before it was "
          "received 2023-09-10 08:00:00",
          "P1 D12 OUTSIDE_PERIOD line 13: received 2024-02-01 08:00:00, after 2023",
          "P1 D14 CONFLICTING_DUPLICATE line 16: import 1 gave this dossier id more than "
          "once with different data (the last is kept, line 16)",
          "ZZ D13 UNIT_NOT_IN_ROUND line 14: unit ZZ is not a unit of the round"));

  // A ward sees its own unit's; another province's office sees none of them.
  ASSERT_TRUE(Call(records_.get(), &v1::RecordService::Stub::ListRecordFindings,
                   wards_["P2"], list, &found)
                  .ok());
  EXPECT_EQ(found.findings_size(), 0);
  const std::string tb =
      ScopedToken(v1::ROLE_APPRAISER, "parent/TB", "tb.office", "Văn phòng TB");
  ASSERT_TRUE(
      Call(records_.get(), &v1::RecordService::Stub::ListRecordFindings, tb, list, &found)
          .ok());
  EXPECT_EQ(found.findings_size(), 0);
  list.set_unit("P1");
  grpc::Status s = Call(records_.get(), &v1::RecordService::Stub::ListRecordFindings, tb,
                        list, &found);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  // A ward asking for a unit not in the round is refused as for another unit's form.
  list.set_unit("ZZ");
  s = Call(records_.get(), &v1::RecordService::Stub::ListRecordFindings, wards_["P2"],
           list, &found);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_EQ(s.error_message(), "this token acts for unit P2, not ZZ");
}

TEST_F(RecordsTest, ReimportingChangesNothing) {
  v1::ImportDossiersResponse first, again;
  ASSERT_TRUE(Import(appraiser_, "dossiers.csv", &first).ok());
  ASSERT_TRUE(Import(appraiser_, "p2.jsonl", &first).ok());
  const v1::Assessment before = Assessment("P2");
  const int audit_before = AuditCount();
  const grpc::Status s = Import(appraiser_, "p2.jsonl", &again, 3);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(again.rows_read(), 5);
  EXPECT_EQ(again.rows_refused(), 3);
  EXPECT_EQ(again.rows_changed(), 0);
  EXPECT_EQ(again.rows_unchanged(), 2);
  EXPECT_TRUE(again.units_updated().empty());
  EXPECT_EQ(Assessment("P2").SerializeAsString(), before.SerializeAsString());
  EXPECT_EQ(AuditCount(), audit_before + 1);  // the import itself, nothing else

  // The CSV again: its conflicting duplicate too leaves the dossier as it is stored,
  // so nothing is written: the same versions (etags), provenance and audit.
  const v1::Assessment p1 = Assessment("P1");
  const int audit_p1 = AuditCount();
  ASSERT_TRUE(Import(appraiser_, "dossiers.csv", &again, 4096).ok());
  EXPECT_EQ(again.import_id(), 4);
  EXPECT_EQ(again.rows_changed(), 0);  // D14's two rows as well
  EXPECT_TRUE(again.units_updated().empty());
  EXPECT_EQ(Assessment("P1").SerializeAsString(), p1.SerializeAsString());
  EXPECT_EQ(AuditCount(), audit_p1 + 1);
  EXPECT_EQ(Computed("P1"), kP1);
}

TEST_F(RecordsTest, JsonLinesRowsAreReadAndBadOnesNamed) {
  v1::ImportDossiersResponse r;
  ASSERT_TRUE(Import(appraiser_, "p2.jsonl", &r).ok());
  EXPECT_EQ(r.rows_read(), 5);
  EXPECT_EQ(r.rows_refused(), 3);
  ASSERT_EQ(r.errors_size(), 3);
  EXPECT_THAT(r.errors(0),
              HasSubstr("p2.jsonl:4: colour: not a field of format version 1"));
  EXPECT_EQ(r.errors(1),
            "p2.jsonl:5: received_at: expected a string, true, false or null");
  EXPECT_EQ(r.errors(2), "p2.jsonl:6: not a JSON object: Unexpected token.");
  EXPECT_EQ(Computed("P2").at("received"), 2);
  EXPECT_EQ(Computed("P2").at("late_in_process"), 1);  // E02, due 6/2, never resolved
  EXPECT_THAT(Ids("P2", "late_in_process"), ElementsAre("E02"));
}

TEST_F(RecordsTest, AWardCannotOverwriteAComputedFigureAndTheOfficeNeedsAReason) {
  v1::ImportDossiersResponse r;
  ASSERT_TRUE(Import(appraiser_, "dossiers.csv", &r).ok());
  v1::UpdateDataSheetRequest sheet;
  sheet.set_parent("rounds/r/assessments/P1");
  v1::DataValueUpdate* u = sheet.add_updates();
  u->set_element("visits");
  u->mutable_value()->set_count(300);
  u = sheet.add_updates();
  u->set_element("resolved_on_time");
  u->mutable_value()->set_count(5);
  grpc::Status s = UpdateSheet(wards_["P1"], sheet);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(
      s.error_message(),
      "updates[1].value: resolved_on_time (Số hồ sơ giải quyết đúng hạn (kể cả trước "
      "hạn)) is computed from dossier records and cannot be overwritten by the "
      "unit; dispute it with the Home Affairs office (a comment or an explanation)");
  // Nor by the older way (a criterion's figures), nor by clearing it.
  v1::BatchUpdateEntriesRequest entries;
  entries.set_parent("rounds/r/assessments/P1");
  v1::Entry* e = entries.add_updates()->mutable_entry();
  e->set_criterion("V.1");
  (*e->mutable_self()->mutable_figures())["resolved_on_time"] = 5;
  (*e->mutable_self()->mutable_figures())["resolved"] = 5;
  s = Update(wards_["P1"], entries);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  sheet.mutable_updates(1)->clear_value();
  s = UpdateSheet(wards_["P1"], sheet);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Computed("P1"), kP1);
  // The typed element alone is the ward's.
  sheet.mutable_updates()->RemoveLast();
  s = UpdateSheet(wards_["P1"], sheet);
  ASSERT_TRUE(s.ok()) << s.error_message();

  // The office corrects the appraised side, with a reason, audited.
  Advance(v1::PHASE_APPRAISAL);
  v1::UpdateDataSheetRequest correct;
  correct.set_parent("rounds/r/assessments/P1");
  u = correct.add_updates();
  u->set_element("resolved_on_time");
  u->mutable_value()->set_count(3);
  const v1::Assessment computed = Assessment("P1");
  for (const v1::DataValue& v : computed.values()) {
    if (v.element() == "resolved_on_time") u->set_etag(v.version());
  }
  s = UpdateSheet(appraiser_, correct);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "reason: accepting or correcting resolved_on_time, computed from dossier "
            "records, needs a reason");
  correct.set_reason("D07 thuộc kỳ trước");
  s = UpdateSheet(appraiser_, correct);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const v1::Assessment corrected = Assessment("P1");
  for (const v1::DataValue& v : corrected.values()) {
    if (v.element() != "resolved_on_time") continue;
    EXPECT_EQ(v.self().count(), 4);
    EXPECT_EQ(v.appraised().count(), 3);
  }
  v1::ListRequest audit;
  audit.set_filter("resource=rounds/r/assessments/P1/dataSheet/resolved_on_time");
  v1::ListAuditEventsResponse events;
  ASSERT_TRUE(Call(audit_.get(), &v1::AuditService::Stub::ListAuditEvents, appraiser_,
                   audit, &events)
                  .ok());
  ASSERT_EQ(events.events_size(), 2);
  EXPECT_EQ(events.events(0).action(), "value.from_records");
  EXPECT_EQ(events.events(1).reason(), "D07 thuộc kỳ trước");
}

TEST_F(RecordsTest, OnlyTheOfficeOfTheUnitsProvinceImports) {
  v1::ImportDossiersResponse r;
  grpc::Status s = Import(wards_["P1"], "dossiers.csv", &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();

  // TB's office: every row of HY's units is refused, and nothing of theirs changes.
  const std::string tb =
      ScopedToken(v1::ROLE_APPRAISER, "parent/TB", "tb.office", "Văn phòng TB");
  s = Import(tb, "dossiers.csv", &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(r.rows_read(), 21);
  EXPECT_EQ(r.rows_refused(), 21);  // ZZ's too: no register knows whose it is
  EXPECT_EQ(r.errors(0),
            "dossiers.csv:2: unit: unit P1 is outside this account's scope parent/TB");
  EXPECT_EQ(r.errors(12),
            "dossiers.csv:14: unit: unit ZZ is not a unit of the round nor a registered "
            "unit of this account's scope parent/TB");
  EXPECT_THAT(r.units_updated(), ElementsAre("Q1"));  // its own, zero from no records
  EXPECT_TRUE(Computed("P1").empty());

  // HY's office imports HY's.
  const std::string hy =
      ScopedToken(v1::ROLE_APPRAISER, "parent/HY", "hy.office", "Văn phòng HY");
  s = Import(hy, "dossiers.csv", &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(r.rows_refused(), 4);
  EXPECT_EQ(Computed("P1"), kP1);
}

TEST_F(RecordsTest, AFileThatCannotBeReadStoresNothing) {
  v1::ImportDossiersResponse r;
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", appraiser_));
  auto writer = records_->ImportDossiers(&context, &r);
  v1::ImportDossiersRequest m;
  m.set_parent("rounds/r");
  m.set_format(v1::ImportDossiersRequest::CSV);
  m.set_file_name("bad.csv");
  m.set_content("dossier_id,unit,received_at,due_at,resolved_at,result,colour\n");
  writer->Write(m);
  writer->WritesDone();
  const grpc::Status s = writer->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(
      s.error_message(),
      HasSubstr("bad.csv:1: header: 'colour' is not a column of format version 1"));
  EXPECT_TRUE(store_->ListRecordImports("r")->empty());
  // An empty file, in one message or none, is no import either (no number used).
  for (size_t chunk : {size_t{7}, size_t{1000}}) {
    const grpc::Status empty = ImportText(appraiser_, "empty.csv", "", &r, chunk);
    EXPECT_EQ(empty.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(empty.error_message(),
                HasSubstr("empty.csv: the file is empty (expected a header row: "));
    EXPECT_THAT(empty.error_message(), Not(HasSubstr("import")));
  }
  EXPECT_TRUE(store_->ListRecordImports("r")->empty());

  // A quoted cell never closed is named by the line it opens on (not the file's last),
  // a stray quote by its own; the rows before are kept, whether the file came in many
  // messages or in one with its header (which stored nothing, and kept no import).
  const std::string header =
      "dossier_id,unit,received_at,due_at,resolved_at,result,channel\n";
  const std::string good = "D90,P1,2023-03-01 08:00,2023-03-03 17:00,2023-03-02 09:00,";
  grpc::Status quote;
  for (const size_t chunk : {size_t{7}, size_t{100000}}) {
    quote = ImportText(
        appraiser_, "q.csv",
        absl::StrCat(header, good, "approved,in_person\n", "\"D91,P1,2023-03-01 08:00\n",
                     good, "approved,in_person\n", good, "approved,in_person\n"),
        &r, chunk);
    EXPECT_EQ(quote.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(quote.error_message(),
              absl::StrCat("q.csv:3: a quoted cell that begins on this line is never "
                           "closed (a quote inside a quoted cell is written twice: \"\") "
                           "(import ",
                           chunk == 7 ? 1 : 2,
                           " kept the 1 row stored before; run it again to complete it)"))
        << chunk;
  }
  const std::vector<store::RecordImport> broken = *store_->ListRecordImports("r");
  ASSERT_EQ(broken.size(), 2u);
  EXPECT_FALSE(broken[1].complete);  // audited as records.import_incomplete
  EXPECT_EQ(broken[1].rows_read, 1);
  quote = ImportText(appraiser_, "m.csv",
                     absl::StrCat(header, good, "\"appr\"oved,in_person\n", good,
                                  "approved,in_person\n"),
                     &r);
  EXPECT_EQ(quote.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(
      quote.error_message(),
      HasSubstr("m.csv:2: a quote in the middle of a cell, or text after a cell's "
                "closing quote (quote the whole cell, and write a quote inside it "
                "twice: \"\")"));
  // A stray quote in a later message: the rows of that message before it are kept too
  // (the first message holds the header and one row; the second, two rows, then the
  // broken line).
  const std::string first_message =
      absl::StrCat(header, "E1", good.substr(3), "approved,in_person\n");
  const std::string rest = absl::StrCat("E2", good.substr(3), "approved,in_person\n",
                                        "E3", good.substr(3), "approved,in_person\n",
                                        "E4", good.substr(3), "\"appr\"oved,in_person\n");
  ASSERT_LT(rest.size(), first_message.size() * 2);
  quote =
      ImportText(appraiser_, "later.csv", first_message + rest, &r, first_message.size());
  EXPECT_EQ(quote.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(quote.error_message(), HasSubstr("later.csv:5: a quote in the middle"));
  EXPECT_THAT(quote.error_message(), HasSubstr("kept the 3 rows stored before"));
  // A header alone, without a line break, is a file without rows: an import.
  ASSERT_TRUE(ImportText(appraiser_, "header.csv",
                         std::string(absl::StripSuffix(header, "\n")), &r, 1000)
                  .ok());
  EXPECT_EQ(r.rows_read(), 0);
  EXPECT_EQ(r.import_id(), 5);

  // After finalisation records change nothing.
  for (v1::RoundPhase p : {v1::PHASE_APPRAISAL, v1::PHASE_EXPLANATION,
                           v1::PHASE_FINAL_APPRAISAL, v1::PHASE_FINALISED})
    Advance(p);
  const grpc::Status late = Import(appraiser_, "dossiers.csv", &r);
  EXPECT_EQ(late.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(late.error_message(), HasSubstr("importing dossier records is allowed in"));
}

// A row whose text is not UTF-8, or whose codes hold other characters than a code's,
// is refused by field, its bytes never echoed; the unit's records stay readable.
TEST_F(RecordsTest, TextThatIsNotUtf8OrNotACodeIsRefusedByField) {
  const std::string times = "2023-03-01 08:00,2023-03-05 17:00,2023-03-05 17:00";
  auto row = [&](const std::string& id, const std::string& procedure,
                 const std::string& unit, const std::string& satisfaction = "") {
    return absl::StrCat(id, ",", procedure, ",", unit, ",", times,
                        ",approved,fully_online,", satisfaction, "\n");
  };
  const std::string csv = absl::StrCat(
      "dossier_id,procedure_code,unit,received_at,due_at,resolved_at,result,channel,"
      "satisfaction\n",
      row("X1", "1.001", "P1"),  // 2
      row("X\xff"
          "2",
          "1.001", "P1"),                                    // 3
      row("X3", "1.0\xc3", "P1"),                            // 4
      row("X4", "1.001", "P\xe0\x80\x81"),                   // 5: overlong
      row("X5", "1.001", "P1", "satisfied\xfe"),             // 6
      row("000.00.25.H56-231201-0001/2023", "1.001", "P1"),  // 7
      row("X7\xe2\x80\xae", "1.001", "P1"),                  // 8: right-to-left override
      row("X8", "1.001", "P1/x"),                            // 9
      row("\"X9\tA\"", "1.001", "P1"),                       // 10
      row("X10", "1.001", "P1", "r\xc3\xa2t"),               // 11
      // Past the first eight bytes (read eight at a time while ASCII): a cut
      // sequence, and a whole one.
      row("X12ABCDEFGH", "1.001.000\xc3", "P1"),              // 12
      row("X13ABCDEFGH", "1.001", "P1", "neutral\xc3\xa2"));  // 13
  v1::ImportDossiersResponse r;
  grpc::Status s = ImportText(appraiser_, "utf.csv", csv, &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(r.rows_read(), 12);
  EXPECT_EQ(r.rows_refused(), 10);
  EXPECT_EQ(r.rows_changed(), 2);
  EXPECT_THAT(
      r.errors(),
      ElementsAre(
          "utf.csv:3: dossier_id: not UTF-8", "utf.csv:4: procedure_code: not UTF-8",
          "utf.csv:5: unit: not UTF-8", "utf.csv:6: satisfaction: not UTF-8",
          "utf.csv:8: dossier_id: 'X7\\xe2\\x80\\xae' holds a character other than A-Z "
          "a-z 0-9 . _ - /",
          "utf.csv:9: unit: 'P1/x' holds a character other than A-Z a-z 0-9 . _ -",
          "utf.csv:10: dossier_id: 'X9\\tA' holds a character other than A-Z a-z 0-9 . "
          "_ - /",
          "utf.csv:11: satisfaction: 'r\\xc3\\xa2t' is not one of very_satisfied, "
          "satisfied, neutral, dissatisfied",
          "utf.csv:12: procedure_code: not UTF-8",
          "utf.csv:13: satisfaction: 'neutral\\xc3\\xa2' is not one of very_satisfied, "
          "satisfied, neutral, dissatisfied"));

  const std::string jsonl = absl::StrCat(
      R"({"dossier_id":"J1","unit":"P1","received_at":"2023-03-01 08:00",)",
      R"("due_at":"2023-03-05 17:00","resolved_at":null,"result":null,)",
      R"("channel":"in_person"})", "\n", R"({"dossier_id":"J)", "\xff",
      R"(2","unit":"P1","received_at":"2023-03-01 08:00"})", "\n",
      R"({"dossier_id":"J3","unit":"P1","channel":"fax)", "\xc0\xaf", R"("})", "\n",
      R"({"dossier_id":"J4","unit":"P1","col)", "\xed\xa0\x80", R"(":"x"})", "\n");
  s = ImportText(appraiser_, "utf.jsonl", jsonl, &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(r.rows_read(), 4);
  EXPECT_EQ(r.rows_changed(), 1);
  EXPECT_THAT(r.errors(), ElementsAre("utf.jsonl:2: not UTF-8", "utf.jsonl:3: not UTF-8",
                                      "utf.jsonl:4: not UTF-8"));

  // Every stored dossier reads back; the figures count the three.
  absl::StatusOr<std::vector<v1::Dossier>> stored = store_->ListDossiers("r", "P1");
  ASSERT_TRUE(stored.ok()) << stored.status();
  std::vector<std::string> ids;
  for (const v1::Dossier& d : *stored) ids.push_back(d.id());
  EXPECT_THAT(ids, ElementsAre("000.00.25.H56-231201-0001/2023", "J1", "X1"));
  EXPECT_THAT(Ids("P1", "received"),
              ElementsAre("000.00.25.H56-231201-0001/2023", "J1", "X1"));
}

// HY's office cannot move a dossier stored under TB's unit into its own or an unknown
// unit: refused as for a row naming TB's unit, whether or not the data match.
TEST_F(RecordsTest, AProvinceOfficeCannotMoveAnotherProvincesDossier) {
  const std::string header =
      "dossier_id,unit,received_at,due_at,resolved_at,result,channel\n";
  const std::string data =
      "2023-03-01 08:00,2023-03-05 17:00,2023-03-05 17:00,approved,fully_online\n";
  v1::ImportDossiersResponse r;
  grpc::Status s = ImportText(appraiser_, "tb.csv",
                              absl::StrCat(header, "T1,Q1,", data, "T2,Q1,", data), &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(r.rows_changed(), 2);
  const std::vector<v1::Dossier> before = *store_->ListDossiers("r", "Q1");
  const std::map<std::string, int64_t> q1 = Computed("Q1");
  ASSERT_EQ(q1.at("received"), 2);

  const std::string hy =
      ScopedToken(v1::ROLE_APPRAISER, "parent/HY", "hy.office", "Văn phòng HY");
  s = ImportText(
      hy, "hy.csv",
      absl::StrCat(header, "T1,P1,", data,  // the same data, its own unit
                   "T2,ZZ9,2023-04-01 08:00,,,,in_person\n",  // other data, no unit
                   "H1,P1,", data),
      &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(r.rows_read(), 3);
  EXPECT_EQ(r.rows_refused(), 2);
  EXPECT_EQ(r.rows_changed(), 1);
  EXPECT_EQ(r.rows_unchanged(), 0);
  EXPECT_THAT(r.errors(),
              ElementsAre("hy.csv:2: unit: unit Q1 is outside this account's scope "
                          "parent/HY",
                          "hy.csv:3: unit: unit ZZ9 is not a unit of the round nor a "
                          "registered unit of this account's scope parent/HY"));
  EXPECT_THAT(r.units_updated(), ElementsAre("P1"));
  const std::vector<v1::Dossier> after = *store_->ListDossiers("r", "Q1");
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i)
    EXPECT_EQ(after[i].SerializeAsString(), before[i].SerializeAsString()) << i;
  EXPECT_EQ(Computed("Q1"), q1);
  EXPECT_THAT(Ids("P1", "received"), ElementsAre("H1"));
  EXPECT_TRUE(store_->ListDossiers("r", "ZZ9")->empty());
}

// An id given twice in one import with different data is a conflicting duplicate,
// never counted, whatever was stored before: also when its first row is the stored one.
TEST_F(RecordsTest, AnIdGivenTwiceWithDifferentDataConflictsWhateverWasStored) {
  const std::string header =
      "dossier_id,unit,received_at,due_at,resolved_at,result,channel\n";
  const std::string online = "D1,P1,2023-03-01 08:00,2023-03-05 17:00,,,fully_online\n";
  const std::string in_person = "D1,P1,2023-03-01 08:00,2023-03-05 17:00,,,in_person\n";
  v1::ImportDossiersResponse r;
  ASSERT_TRUE(ImportText(appraiser_, "first.csv", header + online, &r).ok());
  ASSERT_EQ(Computed("P1").at("received"), 1);
  ASSERT_TRUE(ImportText(appraiser_, "twice.csv", header + online + in_person, &r).ok());
  EXPECT_EQ(r.rows_read(), 2);
  EXPECT_EQ(r.findings(), 1);
  EXPECT_EQ(Computed("P1").at("received"), 0);
  v1::ListRecordFindingsRequest list;
  list.set_parent("rounds/r");
  v1::ListRecordFindingsResponse found;
  ASSERT_TRUE(Findings(appraiser_, list, &found).ok());
  ASSERT_EQ(found.findings_size(), 1);
  EXPECT_EQ(found.findings(0).dossier(), "D1");
  EXPECT_EQ(found.findings(0).kind(), v1::RecordFinding::CONFLICTING_DUPLICATE);
  EXPECT_EQ(found.findings(0).line(), 3);
  // The same file again changes nothing, its conflicting rows neither: the dossier
  // stays as stored, from the same import, still a finding.
  ASSERT_TRUE(ImportText(appraiser_, "twice.csv", header + online + in_person, &r).ok());
  EXPECT_EQ(r.rows_changed(), 0);
  EXPECT_EQ(r.rows_unchanged(), 2);
  EXPECT_EQ(r.units_updated_size(), 0);
  ASSERT_TRUE(Findings(appraiser_, list, &found).ok());
  ASSERT_EQ(found.findings_size(), 1);
  EXPECT_EQ(found.findings(0).import_id(), 2);
  // The id given once, by a later import, clears the finding: the dossier is counted
  // again, from that import.
  ASSERT_TRUE(ImportText(appraiser_, "once.csv", header + in_person, &r).ok());
  EXPECT_EQ(r.rows_changed(), 1);
  EXPECT_EQ(r.findings(), 0);
  EXPECT_EQ(Computed("P1").at("received"), 1);
  ASSERT_TRUE(Findings(appraiser_, list, &found).ok());
  EXPECT_EQ(found.findings_size(), 0);
}

// A unit of a province that is not in the round: its dossiers are findings. A
// province's import counts the findings it may list (its own imports'), not those of
// dossiers the national office imported for the same unit.
TEST_F(RecordsTest, AProvincesImportCountsTheFindingsItMayList) {
  v1::PutUnitRequest put;
  put.mutable_unit()->set_code("H9");
  put.mutable_unit()->set_name("Phường H9");
  put.mutable_unit()->set_kind(v1::WARD);
  put.mutable_unit()->set_parent("HY");
  v1::Unit unit;
  ASSERT_TRUE(
      Call(units_.get(), &v1::UnitService::Stub::PutUnit, admin_, put, &unit).ok());
  const std::string header =
      "dossier_id,unit,received_at,due_at,resolved_at,result,channel\n";
  const std::string data =
      "2023-03-01 08:00,2023-03-05 17:00,2023-03-05 17:00,approved,fully_online\n";
  v1::ImportDossiersResponse r;
  ASSERT_TRUE(ImportText(appraiser_, "all.csv",
                         absl::StrCat(header, "N1,H9,", data, "N2,H9,", data), &r)
                  .ok());
  EXPECT_EQ(r.findings(), 2);  // N1, N2: H9 is not a unit of the round

  const std::string hy =
      ScopedToken(v1::ROLE_APPRAISER, "parent/HY", "hy.office", "Văn phòng HY");
  grpc::Status s = ImportText(hy, "hy.csv", absl::StrCat(header, "H1,H9,", data), &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(r.rows_changed(), 1);
  EXPECT_EQ(r.findings(), 1);  // H1 only
  v1::ListRecordFindingsRequest list;
  list.set_parent("rounds/r");
  list.set_unit("H9");
  v1::ListRecordFindingsResponse found;
  s = Call(records_.get(), &v1::RecordService::Stub::ListRecordFindings, hy, list,
           &found);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(found.findings_size(), 1);
  EXPECT_EQ(found.findings(0).dossier(), "H1");
  // The national office lists and counts all three.
  s = Call(records_.get(), &v1::RecordService::Stub::ListRecordFindings, appraiser_, list,
           &found);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(found.findings_size(), 3);
  // Its import that touches H9 (N1 resolved a day later) counts all three.
  ASSERT_TRUE(ImportText(appraiser_, "again.csv",
                         absl::StrCat(header,
                                      "N1,H9,2023-03-01 08:00,2023-03-05 17:00,2023-03-06 "
                                      "17:00,approved,fully_online\n"),
                         &r)
                  .ok());
  EXPECT_EQ(r.rows_changed(), 1);
  EXPECT_EQ(r.findings(), 3);
}

// After a unit is FINAL its records no longer change: a row naming it, or moving one of
// its dossiers away, is refused, so its finalised figures and their drill-down stay.
TEST_F(RecordsTest, AFinalUnitsRecordsNoLongerChange) {
  v1::ImportDossiersResponse r;
  ASSERT_TRUE(Import(appraiser_, "dossiers.csv", &r).ok());
  for (v1::RoundPhase p :
       {v1::PHASE_APPRAISAL, v1::PHASE_EXPLANATION, v1::PHASE_FINAL_APPRAISAL})
    Advance(p);
  v1::AssessmentActionRequest finalise;
  finalise.set_name("rounds/r/assessments/P1");
  finalise.set_etag(Assessment("P1").version());
  v1::Assessment final_p1;
  ASSERT_TRUE(Call(assessments_.get(), &v1::AssessmentService::Stub::FinaliseAssessment,
                   appraiser_, finalise, &final_p1)
                  .ok());
  const v1::Assessment before = Assessment("P1");
  const std::vector<std::string> received = Ids("P1", "received");

  const std::string data =
      "2023-03-01 08:00,2023-03-05 17:00,2023-03-05 17:00,approved,fully_online\n";
  const grpc::Status s = ImportText(
      appraiser_, "late.csv",
      absl::StrCat("dossier_id,unit,received_at,due_at,resolved_at,result,channel\n",
                   "D20,P1,", data,   // 2: a new dossier of the final unit
                   "D01,P2,", data,   // 3: one of its dossiers moved away
                   "E05,P2,", data),  // 4: another unit's
      &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(r.rows_refused(), 2);
  EXPECT_EQ(r.rows_changed(), 1);
  EXPECT_THAT(r.errors(),
              ElementsAre("late.csv:2: unit: unit P1 is FINAL: its figures are final and "
                          "its records no longer change",
                          "late.csv:3: unit: unit P1 is FINAL: its figures are final and "
                          "its records no longer change"));
  EXPECT_THAT(r.units_updated(), ElementsAre("P2"));
  EXPECT_EQ(Assessment("P1").SerializeAsString(), before.SerializeAsString());
  EXPECT_EQ(Ids("P1", "received"), received);
  EXPECT_EQ(Computed("P1"), kP1);
}

// A unit with no dossiers counts zero from the records, with provenance, as soon as
// the round has records; its ward cannot type the figures instead.
TEST_F(RecordsTest, AUnitWithoutDossiersCountsZeroFromTheRecords) {
  v1::ImportDossiersResponse r;
  ASSERT_TRUE(Import(appraiser_, "dossiers.csv", &r).ok());
  const v1::Assessment q1 = Assessment("Q1");
  int computed = 0;
  for (const v1::DataValue& v : q1.values()) {
    if (!v.self().has_from_records()) continue;
    ++computed;
    EXPECT_EQ(v.self().count(), 0) << v.element();
    EXPECT_EQ(v.self().from_records().dossiers(), 0);
    EXPECT_EQ(v.self().from_records().import_id(), 1);
  }
  EXPECT_EQ(computed, 9);
  v1::FigureDossiers f;
  ASSERT_TRUE(Why(wards_["Q1"], "Q1", "resolved_on_time", &f).ok());
  EXPECT_EQ(f.count(), 0);
  EXPECT_EQ(f.dossier_ids_size(), 0);
  EXPECT_EQ(f.provenance().dossiers(), 0);

  v1::UpdateDataSheetRequest sheet;
  sheet.set_parent("rounds/r/assessments/Q1");
  v1::DataValueUpdate* u = sheet.add_updates();
  u->set_element("resolved_on_time");
  u->mutable_value()->set_count(12);
  const grpc::Status s = UpdateSheet(wards_["Q1"], sheet);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();

  // A unit whose dossiers all move away counts zero again, from the import that did it.
  ASSERT_TRUE(ImportText(appraiser_, "moved.csv",
                         "dossier_id,unit,received_at,due_at,resolved_at,result,channel\n"
                         "E01,Q1,2023-02-01 08:00,2023-02-03 17:00,2023-02-02 08:00,"
                         "approved,fully_online\n",
                         &r)
                  .ok());
  EXPECT_THAT(r.units_updated(), ElementsAre("P2", "Q1"));
  EXPECT_EQ(Computed("P2").at("received"), 0);
  EXPECT_EQ(Computed("Q1").at("received"), 1);
}

// A unit a dossier moved away from computes its figures again and names the import that
// moved it, not the one its remaining dossiers came from.
TEST_F(RecordsTest, AUnitADossierMovedAwayFromNamesTheImportThatMovedIt) {
  v1::ImportDossiersResponse r;
  ASSERT_TRUE(Import(appraiser_, "dossiers.csv", &r).ok());
  ASSERT_EQ(r.import_id(), 1);
  const int64_t received = Computed("P1").at("received");
  ASSERT_TRUE(ImportText(appraiser_, "move.csv",
                         "dossier_id,unit,received_at,due_at,resolved_at,result,channel\n"
                         "D01,Q1,2023-03-01 08:00,2023-03-05 17:00,2023-03-05 17:00,"
                         "approved,fully_online\n",
                         &r)
                  .ok());
  ASSERT_EQ(r.import_id(), 2);
  EXPECT_THAT(r.units_updated(), ElementsAre("P1", "Q1"));
  EXPECT_EQ(Computed("P1").at("received"), received - 1);
  int computed = 0;
  for (const char* unit : {"P1", "Q1"}) {
    const v1::Assessment form = Assessment(unit);
    for (const v1::DataValue& v : form.values()) {
      if (!v.self().has_from_records()) continue;
      ++computed;
      EXPECT_EQ(v.self().from_records().import_id(), 2) << unit << " " << v.element();
    }
  }
  EXPECT_EQ(computed, 18);
}

// `submit --dry-run` is a PreviewScore: it refuses what the write refuses.
TEST_F(RecordsTest, APreviewRefusesTheComputedFigureTheWriteRefuses) {
  v1::ImportDossiersResponse r;
  ASSERT_TRUE(Import(appraiser_, "dossiers.csv", &r).ok());
  v1::PreviewScoreRequest preview;
  preview.set_parent("rounds/r/assessments/P1");
  v1::DataValueUpdate* u = preview.add_values();
  u->set_element("resolved_on_time");
  u->mutable_value()->set_count(5);
  v1::UnitScore score;
  grpc::Status s = Call(scores_.get(), &v1::ScoreService::Stub::PreviewScore,
                        wards_["P1"], preview, &score);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(
      s.error_message(),
      "values[0].value: resolved_on_time (Số hồ sơ giải quyết đúng hạn (kể cả trước "
      "hạn)) is computed from dossier records and cannot be overwritten by the "
      "unit; dispute it with the Home Affairs office (a comment or an explanation)");
  preview.clear_values();
  v1::Entry* e = preview.add_entries();
  e->set_criterion("V.1");
  (*e->mutable_self()->mutable_figures())["resolved_on_time"] = 5;
  (*e->mutable_self()->mutable_figures())["resolved"] = 5;
  s = Call(scores_.get(), &v1::ScoreService::Stub::PreviewScore, wards_["P1"], preview,
           &score);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  // The typed element alone previews.
  preview.clear_entries();
  u = preview.add_values();
  u->set_element("visits");
  u->mutable_value()->set_count(300);
  s = Call(scores_.get(), &v1::ScoreService::Stub::PreviewScore, wards_["P1"], preview,
           &score);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

// RFC 3339 as written (fractions, 't'/'z', offsets to ±23:59; seconds and offset
// required), a spreadsheet's time with a space in Vietnam time, and the year of the
// instant in Vietnam time.
TEST(RecordTime, Rfc3339AndSpreadsheetTimes) {
  const int64_t t = 1677632400;  // 2023-03-01 08:00 in Vietnam time
  for (const char* text :
       {"2023-03-01T08:00:00+07:00", "2023-03-01T08:00:00.999+07:00",
        "2023-03-01t01:00:00z", "2023-02-28T09:01:00-23:59", "2023-03-01 08:00",
        "2023-03-01 08:00:00.5", "2023-03-01 01:00:00Z"}) {
    absl::StatusOr<int64_t> got = criteria::ParseRecordTime(text);
    ASSERT_TRUE(got.ok()) << text << ": " << got.status();
    EXPECT_EQ(*got, t + (absl::StrContains(text, "-23:59") ? 8 * 3600 : 0)) << text;
  }
  // 1999 beside an offset, 2000 in Vietnam time: 2000-01-01 08:00 +07:00.
  EXPECT_EQ(*criteria::ParseRecordTime("1999-12-31T20:00:00-05:00"), 946688400);
  const std::string write =
      "; write 2023-12-31T23:59:00+07:00, or 2023-12-31 23:59 in Vietnam time)";
  for (const auto& [text, why] : std::vector<std::pair<std::string, std::string>>{
           {"2023-03-01T08:00:00", "RFC 3339 needs an offset: Z or +07:00"},
           {"2023-03-01T08:00+07:00", "RFC 3339 needs the seconds"},
           {"2023-03-01T08:00:00.+07:00", "expected digits after '.'"},
           {"2023-03-01T08:00:00+24:00", "a bad offset"},
           {"2100-12-31T20:00:00-05:00", "the year in Vietnam time is outside 2000-2100"},
           {"2000-01-01T00:30:00+08:00", "the year in Vietnam time is outside 2000-2100"},
       }) {
    EXPECT_EQ(criteria::ParseRecordTime(text).status().message(),
              absl::StrCat("'", text, "' is not a time (", why, write))
        << text;
  }
}

// Imports are numbered per round, from 1.
// What the README promises about case and spaces: names in any case, unquoted cells
// trimmed, a quoted cell's spaces kept (and so refused).
TEST(DossierFile, NamesInAnyCaseUnquotedCellsTrimmed) {
  criteria::DossierFileReader reader(criteria::DossierFormat::kCsv, "case.csv");
  std::vector<criteria::DossierRow> rows;
  ASSERT_TRUE(reader
                  .Feed("Dossier_ID,UNIT,Received_At,due_at,resolved_at,Result,Channel,"
                        "Via_National_Portal\n"
                        "H1, X1 ,2023-03-01 08:00,2023-03-03 17:00,2023-03-02 09:00, "
                        "Approved ,FULLY_ONLINE,Yes\n"
                        "H2,X1,2023-03-01 08:00,2023-03-03 17:00,2023-03-02 09:00,"
                        "\"approved \",in_person,no\n",
                        &rows)
                  .ok());
  ASSERT_TRUE(reader.Finish(&rows).ok());
  ASSERT_EQ(rows.size(), 2u);
  ASSERT_TRUE(rows[0].dossier.has_value()) << rows[0].error;
  EXPECT_EQ(rows[0].dossier->unit(), "X1");
  EXPECT_EQ(rows[0].dossier->result(), v1::RESULT_APPROVED);
  EXPECT_EQ(rows[0].dossier->channel(), v1::CHANNEL_FULLY_ONLINE);
  EXPECT_TRUE(rows[0].dossier->via_national_portal());
  EXPECT_FALSE(rows[1].dossier.has_value());
  EXPECT_EQ(rows[1].line, 3);
  EXPECT_EQ(rows[1].error,
            "result: 'approved ' is not one of approved, refused, withdrawn");
}

TEST_F(RecordsTest, ImportsAreNumberedPerRound) {
  v1::ImportDossiersResponse r;
  ASSERT_TRUE(Import(appraiser_, "dossiers.csv", &r).ok());
  ASSERT_TRUE(Import(appraiser_, "p2.jsonl", &r).ok());
  EXPECT_EQ(r.import_id(), 2);
  OpenRound("r2", "records-demo", {"P2"});
  round_ = "r2";
  ASSERT_TRUE(Import(appraiser_, "p2.jsonl", &r).ok());
  EXPECT_EQ(r.import_id(), 1);
  EXPECT_EQ(store_->ListRecordImports("r2")->size(), 1u);
  round_ = "r";
  ASSERT_TRUE(Import(appraiser_, "p2.jsonl", &r).ok());
  EXPECT_EQ(r.import_id(), 3);
}

// A JSON Lines row must give every required key (null for an empty cell), as a CSV
// header must name every required column; an error is one line.
TEST_F(RecordsTest, AJsonLinesRowWithoutARequiredKeyIsRefusedNamingIt) {
  const std::string jsonl =
      absl::StrCat(R"({"dossier_id":"K1","unit":"P1","received_at":"2023-03-01 08:00",)",
                   R"("due_at":null,"resolved_at":null,"result":null})", "\n",
                   R"({"dossier_id":"K2","unit":"P1","received_at":"2023-03-01 08:00",)",
                   R"("due_at":"2023-03-05 17:00","channel":"in_person"})", "\n",
                   R"({"unit":"P1","received_at":"2023-03-01 08:00","due_at":null,)",
                   R"("resolved_at":null,"result":null,"channel":"in_person"})", "\n",
                   R"({"dossier_id":"K4","unit":"P1","received_at":"2023-03-01 08:00",)",
                   R"("due_at":"2023-03-05 17:00","resolved_at":null,"result":null,)",
                   R"("channel":"in_person"})", "\n", R"({"dossier_id":"K5",)", "\n");
  v1::ImportDossiersResponse r;
  const grpc::Status s = ImportText(appraiser_, "k.jsonl", jsonl, &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(r.rows_read(), 5);
  EXPECT_EQ(r.rows_changed(), 1);
  EXPECT_THAT(
      r.errors(),
      ElementsAre("k.jsonl:1: channel: the key is required",
                  "k.jsonl:2: resolved_at: the key is required (null when there is none)",
                  "k.jsonl:3: dossier_id: the key is required",
                  "k.jsonl:5: not a JSON object: Unexpected end of string. Expected an "
                  "object key or }."));
  EXPECT_THAT(Ids("P1", "received"), ElementsAre("K4"));
}

// The bundled commune set's version 2 (criteria/records/commune-2025-records.yaml)
// takes its one-stop-shop figures from the same records. P1's by hand, from
// tests/data/records/dossiers.csv (D04 withdrawn; D09-D12, D14, D16-D18 findings or
// refused rows, never counted), on top of kP1's:
//   dossiers_on_portal (received, via the national portal) 4: D01 D02 D05 D08
//   dossiers_due (due in 2023, resolved or not) 7: D01 D02 D03 D05 D07 D08 D15
//   results_issued (resolved in 2023, approved) 4: D01 D02 D07 D15
//   results_digitised (and digitised, digitally signed) 2: D01 D07
//   dossiers_fully_online (received fully online) 3: D01 D05 D08
TEST_F(RecordsTest, TheCommuneSetsVersion2CountsItsDossierFiguresFromTheRecords) {
  CreateSets(
      {"criteria/sets/commune-2025.yaml", "criteria/records/commune-2025-records.yaml"});
  OpenRound("c25", "commune-2025", {"P1"});  // the latest version: 2
  round_ = "c25";
  v1::ImportDossiersResponse r;
  ASSERT_TRUE(Import(appraiser_, "dossiers.csv", &r).ok());
  EXPECT_EQ(Computed("P1"),
            (std::map<std::string, int64_t>{{"received", 7},
                                            {"received_online", 6},
                                            {"dossiers_on_portal", 4},
                                            {"resolved", 5},
                                            {"resolved_on_time", 4},
                                            {"resolved_early", 1},
                                            {"dossiers_due", 7},
                                            {"late_in_process", 2},
                                            {"late_completed", 1},
                                            {"results_issued", 4},
                                            {"results_digitised", 2},
                                            {"dossiers_fully_online", 3}}));
  // The ward keeps typing what the records cannot give, not what they give.
  v1::UpdateDataSheetRequest typed;
  typed.set_parent("rounds/c25/assessments/P1");
  v1::DataValueUpdate* u = typed.add_updates();
  u->set_element("late_with_apology");
  u->mutable_value()->set_count(1);
  EXPECT_TRUE(UpdateSheet(wards_["P1"], typed).ok());
  u->set_element("received");
  u->mutable_value()->set_count(9);
  EXPECT_EQ(UpdateSheet(wards_["P1"], typed).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

// The 766 service index as a second set over the same records
// (criteria/records/service-index-766-records.yaml, version 2 of service-index-766):
// tests/data/records/766.csv gives P1 ten dossiers of 2023. By hand, from the records:
//   received 10 (S01-S10)        resolved 8 (S01-S08; S09, S10 in process, due 2024)
//   on time 6 (S02 exactly at its due time)   late 2 (S07; S08 by one second)
//   late with an apology 1 (S07)  e-result (digitised and signed) 4 (S01-S04)
//   online 6 (S01-S06)   paid online 2 (S01, S02)   ratings 4 (S01-S04), satisfied 2
// and the ward types the rest. The groups (linear: max x rate):
//   1 publicity 18: 1.1 6 x 9/10 = 5.4; 1.2 6 x 10/10 = 6; 1.3 6 x 8/8 = 6   -> 17.4
//   2 progress 20: 2.1 10 x 6/8 = 7.5; 2.2 late 2/8 = 25 % > 5 % -> 0;
//                  2.3 4 x 1/2 = 2                                          ->  9.5
//   3 digitisation 22: 3.1 8 x 4/8 = 4; 3.2 8 x 5/10 = 4; 3.3 6 x 2/10 = 1.2 ->  9.2
//   4 online 22: 4.1 6 x 15/20 = 4.5; 4.2 5 x 10/25 = 2; 4.3 6/10 = 60 % -> 6;
//                4.4 5 x 2/4 = 2.5                                          -> 15
//   5 satisfaction 18: 5.1 8 x 3/4 = 6; 5.2 10 x 2/4 = 5                     -> 11
//   total 62.1
TEST_F(RecordsTest, The766GroupsOfASmallUnitByHand) {
  CreateSets({"criteria/sets/service-index-766.yaml",
              "criteria/records/service-index-766-records.yaml"});
  OpenRound("s766", "service-index-766", {"P1"});
  round_ = "s766";
  v1::ImportDossiersResponse r;
  grpc::Status s = Import(appraiser_, "766.csv", &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(r.rows_refused(), 0);
  EXPECT_EQ(r.findings(), 0);

  EXPECT_EQ(Computed("P1"), (std::map<std::string, int64_t>{{"dossiers_received", 10},
                                                            {"dossiers_resolved", 8},
                                                            {"dossiers_on_time", 6},
                                                            {"dossiers_late", 2},
                                                            {"late_with_apology", 1},
                                                            {"dossiers_with_e_result", 4},
                                                            {"dossiers_online", 6},
                                                            {"dossiers_paid_online", 2},
                                                            {"ratings", 4},
                                                            {"ratings_satisfied", 2}}));

  // The ward types what the records cannot give, and cannot type what they give.
  v1::UpdateDataSheetRequest sheet;
  sheet.set_parent("rounds/s766/assessments/P1");
  for (const auto& [element, count] : std::vector<std::pair<std::string, int64_t>>{
           {"procedures_to_publish", 10},
           {"procedures_published_on_time", 9},
           {"dossiers_synced", 10},
           {"dossiers_results_published", 8},
           {"dossiers_digitised", 5},
           {"dossiers_reusing_data", 2},
           {"procedures_eligible", 20},
           {"procedures_fully_online", 15},
           {"procedures_online", 25},
           {"procedures_with_online_dossiers", 10},
           {"dossiers_with_fees", 4},
           {"feedback_within_remit", 4},
           {"feedback_handled_on_time", 3}}) {
    v1::DataValueUpdate* u = sheet.add_updates();
    u->set_element(element);
    u->mutable_value()->set_count(count);
  }
  s = UpdateSheet(wards_["P1"], sheet);
  ASSERT_TRUE(s.ok()) << s.error_message();
  v1::UpdateDataSheetRequest typed_computed;
  typed_computed.set_parent("rounds/s766/assessments/P1");
  v1::DataValueUpdate* u = typed_computed.add_updates();
  u->set_element("dossiers_on_time");
  u->mutable_value()->set_count(8);
  s = UpdateSheet(wards_["P1"], typed_computed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();

  v1::GetUnitScoreRequest score;
  score.set_name("rounds/s766/assessments/P1");
  score.set_column(v1::SELF);
  v1::UnitScore unit_score;
  s = Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, appraiser_, score,
           &unit_score);
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::vector<std::pair<std::string, int64_t>> groups;
  for (const v1::AreaScore& area : unit_score.areas())
    groups.push_back({area.code(), area.points_milli()});
  EXPECT_THAT(groups, ElementsAre(std::pair<std::string, int64_t>{"1", 17400},
                                  std::pair<std::string, int64_t>{"2", 9500},
                                  std::pair<std::string, int64_t>{"3", 9200},
                                  std::pair<std::string, int64_t>{"4", 15000},
                                  std::pair<std::string, int64_t>{"5", 11000}));
  EXPECT_EQ(unit_score.achieved_milli(), 62100);
  EXPECT_EQ(unit_score.criteria_set_version(), 2);
}

// A page token is the last id of the page before: an id of 100 bytes (the most a
// dossier id may be) is a token, through the real service's request checks.
// A round of more units than RecordCore reads one by one: its figures come from one
// read of the round's dossiers (store::ScanDossiers), and they are the figures of each
// unit's own dossiers, as the drill-down computes them, by hand for some.
TEST_F(RecordsTest, ARoundOfManyUnitsIsComputedFromOneReadAsUnitByUnit) {
  constexpr int kUnits = 70;
  static_assert(kUnits > static_cast<int>(server::RecordCore::kUnitsReadOneByOne));
  std::vector<std::string> codes;
  std::string csv = "dossier_id,unit,received_at,due_at,resolved_at,result,channel\n";
  for (int k = 1; k <= kUnits; ++k) {
    const std::string code = absl::StrCat("W", absl::Dec(k, absl::kZeroPad2));
    v1::PutUnitRequest put;
    put.mutable_unit()->set_code(code);
    put.mutable_unit()->set_name(absl::StrCat("Xã ", code));
    put.mutable_unit()->set_kind(v1::COMMUNE);
    put.mutable_unit()->set_parent("HY");
    v1::Unit unit;
    ASSERT_TRUE(
        Call(units_.get(), &v1::UnitService::Stub::PutUnit, admin_, put, &unit).ok());
    codes.push_back(code);
    // Unit k: k dossiers, the first resolved late, every second one fully online.
    for (int j = 1; j <= k; ++j) {
      absl::StrAppend(&csv, code, "-", j, ",", code,
                      ",2023-03-01 08:00,2023-03-10 17:00,",
                      j == 1 ? "2023-03-12 09:00" : "2023-03-05 09:00", ",approved,",
                      j % 2 == 0 ? "fully_online" : "in_person", "\n");
    }
  }
  // Two dossiers of a unit the round does not have: findings, counted for no unit.
  absl::StrAppend(&csv,
                  "X-1,ZZ9,2023-03-01 08:00,2023-03-10 17:00,2023-03-05 09:00,approved,"
                  "in_person\nX-2,ZZ9,2023-03-01 08:00,2023-03-10 17:00,,,in_person\n");
  OpenRound("big", "records-demo", codes);
  round_ = "big";
  v1::ImportDossiersResponse r;
  const grpc::Status s = ImportText(appraiser_, "many.csv", csv, &r, 4096);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(r.rows_changed(), kUnits * (kUnits + 1) / 2 + 2);
  EXPECT_EQ(r.units_updated_size(), kUnits);
  EXPECT_EQ(r.findings(), 2);
  for (int k : {1, 2, 7, 64, 70}) {
    const std::map<std::string, int64_t> computed = Computed(codes[k - 1]);
    EXPECT_EQ(computed.at("received"), k) << k;
    EXPECT_EQ(computed.at("received_online"), k / 2) << k;
    EXPECT_EQ(computed.at("resolved"), k) << k;
    EXPECT_EQ(computed.at("resolved_on_time"), k - 1) << k;
    EXPECT_EQ(computed.at("late_completed"), 1) << k;
  }
  // Every figure of every unit, against the drill-down's own count of the unit's
  // dossiers.
  for (const std::string& code : codes) {
    for (const auto& [element, count] : Computed(code)) {
      v1::ExplainFigureRequest why;
      why.set_parent(absl::StrCat("rounds/big/assessments/", code));
      why.set_element(element);
      v1::FigureDossiers figure;
      ASSERT_TRUE(Call(records_.get(), &v1::RecordService::Stub::ExplainFigure,
                       appraiser_, why, &figure)
                      .ok());
      EXPECT_EQ(figure.count(), count) << code << " " << element;
    }
  }
  // Again: every row the same, nothing written.
  ASSERT_TRUE(ImportText(appraiser_, "many.csv", csv, &r, 4096).ok());
  EXPECT_EQ(r.rows_changed(), 0);
  EXPECT_EQ(r.rows_unchanged(), kUnits * (kUnits + 1) / 2 + 2);
  EXPECT_EQ(r.units_updated_size(), 0);
  EXPECT_EQ(r.findings(), 0);  // counted over the units it changed: none
}

TEST_F(RecordsTest, PagesOfIdsOfTheLongestLength) {
  const std::string data =
      "2023-03-01 08:00,2023-03-05 17:00,2023-03-05 17:00,approved,fully_online\n";
  std::string csv = "dossier_id,unit,received_at,due_at,resolved_at,result,channel\n";
  std::vector<std::string> ids;
  for (char c : {'A', 'B', 'C'}) {
    ids.push_back(std::string(99, c) + "/");
    absl::StrAppend(&csv, ids.back(), ",P2,", data);
  }
  v1::ImportDossiersResponse r;
  ASSERT_TRUE(ImportText(appraiser_, "long.csv", csv, &r).ok());
  ASSERT_EQ(r.rows_changed(), 3);
  std::vector<std::string> got;
  std::string token;
  do {
    v1::FigureDossiers f;
    const grpc::Status s = Why(wards_["P2"], "P2", "received", &f, 1, token);
    ASSERT_TRUE(s.ok()) << s.error_message();
    got.insert(got.end(), f.dossier_ids().begin(), f.dossier_ids().end());
    token = f.next_page_token();
    EXPECT_TRUE(token.empty() || token == got.back());
  } while (!token.empty());
  EXPECT_EQ(got, ids);
}
}  // namespace
}  // namespace parindex::server
