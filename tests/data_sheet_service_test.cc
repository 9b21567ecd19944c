// UpdateDataSheet through the real services (in-process gRPC, a real SQLite file):
// a count typed once moves every criterion that reads it; rules across elements refuse
// a value naming both sides and store nothing; etags, other units, phases and replays
// are treated as everywhere else.
#include <optional>
#include <string>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/service_fixture.h"

namespace parindex::server {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class DataSheetServiceTest : public ServiceTest {
 protected:
  // One value of HN's sheet.
  v1::UpdateDataSheetRequest One(const std::string& element, int64_t count,
                                 int64_t etag) {
    v1::UpdateDataSheetRequest r;
    r.set_parent("rounds/r/assessments/HN");
    v1::DataValueUpdate* u = r.add_updates();
    u->set_element(element);
    u->mutable_value()->set_count(count);
    u->set_etag(etag);
    return r;
  }

  static std::optional<v1::DataValue> ValueOf(
      const google::protobuf::RepeatedPtrField<v1::DataValue>& values,
      const std::string& element) {
    for (const v1::DataValue& v : values) {
      if (v.element() == element) return v;
    }
    return std::nullopt;
  }
  // A copy: the assessments read are temporaries.
  static std::optional<v1::DataValue> ValueOf(const v1::Assessment& a,
                                              const std::string& element) {
    for (const v1::DataValue& v : a.values()) {
      if (v.element() == element) return v;
    }
    return std::nullopt;
  }

  v1::UnitScore Score(const std::string& unit, v1::Column column) {
    v1::GetUnitScoreRequest r;
    r.set_name(absl::StrCat("rounds/r/assessments/", unit));
    r.set_column(column);
    v1::UnitScore score;
    const grpc::Status status =
        Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, appraiser_, r, &score);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return score;
  }

  static v1::CriterionScore Criterion(const v1::UnitScore& score,
                                      const std::string& code) {
    for (const v1::CriterionScore& c : score.criteria()) {
      if (c.code() == code) return c;
    }
    ADD_FAILURE() << "no criterion " << code;
    return {};
  }

  // "III.1 resolved_on_time=412 resolved=430 95.81%: 4000" for a criterion of `score`:
  // what it read and gave.
  static std::string Line(const v1::UnitScore& score, const std::string& code) {
    for (const v1::CriterionScore& c : score.criteria()) {
      if (c.code() != code) continue;
      std::string inputs;
      for (const v1::Figure& f : c.trace().inputs()) {
        absl::StrAppend(&inputs, inputs.empty() ? "" : " ", f.name(), "=", f.value());
      }
      return absl::StrCat(code, " ", inputs, " ", c.trace().value_text(), ": ",
                          c.points_milli());
    }
    return absl::StrCat(code, " not scored");
  }
};

TEST_F(DataSheetServiceTest, ACountTypedOnceMovesEveryCriterionReadingIt) {
  CreateDemoRound();
  v1::DataSheet sheet;
  ASSERT_TRUE(UpdateSheet(wards_["HN"], SelfSheet("HN"), &sheet).ok());
  EXPECT_EQ(sheet.name(), "rounds/r/assessments/HN/dataSheet");
  const v1::Assessment entered = Assessment("HN");
  ASSERT_EQ(entered.values_size(), SelfSheet("HN").updates_size());
  const std::optional<v1::DataValue> resolved = ValueOf(entered, "resolved");
  ASSERT_TRUE(resolved.has_value());
  EXPECT_EQ(resolved->self().count(), 430);
  EXPECT_EQ(resolved->version(), 1);
  EXPECT_FALSE(resolved->self().updated_by().empty());
  EXPECT_EQ(resolved->self().updated_at(), "2023-11-20T02:00:00.000Z");
  EXPECT_EQ(entered.state(), v1::STATE_DRAFT);  // values count as filling the form

  v1::UnitScore before = Score("HN", v1::SELF);
  EXPECT_EQ(Line(before, "III.1"),
            "III.1 resolved_on_time=412 resolved=430 95.81%: 4000");
  EXPECT_EQ(Line(before, "III.2"), "III.2 resolved_early=350 resolved=430 81.40%: 3000");

  // One count, typed once: both criteria that read it move.
  ASSERT_TRUE(UpdateSheet(wards_["HN"], One("resolved", 500, 1), &sheet).ok());
  // The answer shows the value as a read will: its new version, who and when.
  const std::optional<v1::DataValue> answered = ValueOf(sheet.values(), "resolved");
  ASSERT_TRUE(answered.has_value());
  EXPECT_TRUE(
      MessageDifferencer::Equals(*answered, *ValueOf(Assessment("HN"), "resolved")));
  v1::UnitScore after = Score("HN", v1::SELF);
  EXPECT_EQ(Line(after, "III.1"), "III.1 resolved_on_time=412 resolved=500 82.40%: 0");
  EXPECT_EQ(Line(after, "III.2"), "III.2 resolved_early=350 resolved=500 70.00%: 2625");
  EXPECT_EQ(ValueOf(Assessment("HN"), "resolved")->version(), 2);
}

TEST_F(DataSheetServiceTest, ABrokenRuleIsRefusedNamingBothSidesAndNothingIsStored) {
  CreateDemoRound();
  ASSERT_TRUE(UpdateSheet(wards_["HN"], SelfSheet("HN")).ok());
  const v1::Assessment before = Assessment("HN");
  const int audit = AuditCount();
  // resolved below the stored on-time count breaks the rule from the other side.
  grpc::Status status = UpdateSheet(wards_["HN"], One("resolved", 300, 1));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "updates[0].value: rule on_time_within_resolved: Số hồ sơ giải quyết đúng "
            "hạn không vượt quá số hồ sơ đã giải quyết: resolved_on_time (Số hồ sơ giải "
            "quyết đúng hạn (kể cả trước hạn)) = 412, not ≤ resolved (Số hồ sơ TTHC đã "
            "giải quyết) = 300");
  // Two values in one request, each fine alone, the second breaking a rule with the
  // first: refused whole.
  v1::UpdateDataSheetRequest two = One("resolved_on_time", 420, 1);
  v1::DataValueUpdate* early = two.add_updates();
  early->set_element("resolved_early");
  early->mutable_value()->set_count(421);
  early->set_etag(1);
  status = UpdateSheet(wards_["HN"], two);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("updates[1].value: rule early_within_on_time: "));
  EXPECT_TRUE(MessageDifferencer::Equals(Assessment("HN"), before));
  EXPECT_EQ(AuditCount(), audit);
}

TEST_F(DataSheetServiceTest, AWarningRuleStoresTheValueAndSaysSo) {
  CreateDemoRound();
  ASSERT_TRUE(UpdateSheet(wards_["HN"], SelfSheet("HN")).ok());
  const int64_t received = ValueOf(Assessment("HN"), "received")->self().count();
  v1::DataSheet sheet;
  ASSERT_TRUE(
      UpdateSheet(wards_["HN"], One("received", 429, 1), &sheet).ok());  // < resolved 430
  ASSERT_NE(received, 429);
  ASSERT_EQ(sheet.warnings_size(), 1);
  EXPECT_EQ(sheet.warnings(0).rule(), "resolved_within_received");
  EXPECT_THAT(sheet.warnings(0).message(),
              HasSubstr("resolved (Số hồ sơ TTHC đã giải quyết) = 430, not ≤ received"));
  EXPECT_EQ(ValueOf(Assessment("HN"), "received")->self().count(), 429);
  const v1::UnitScore score = Score("HN", v1::SELF);
  ASSERT_EQ(score.warnings_size(), 1);
  EXPECT_EQ(score.warnings(0).rule(), "resolved_within_received");
}

TEST_F(DataSheetServiceTest, EtagsOtherUnitsAndPhasesAreChecked) {
  CreateDemoRound();
  ASSERT_TRUE(UpdateSheet(wards_["HN"], SelfSheet("HN")).ok());
  const int audit = AuditCount();
  // A stale etag: the value was read before someone else changed it.
  grpc::Status status = UpdateSheet(wards_["HN"], One("resolved", 500, 0));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(status.error_message(),
            "rounds/r/assessments/HN/dataSheet/resolved: stale etag 0; it is at version "
            "1 (read it again, then retry)");
  // Another unit's sheet.
  status = UpdateSheet(wards_["LS"], One("resolved", 500, 1));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(), "this token acts for unit LS, not HN");
  // A reader writes nothing.
  status = UpdateSheet(reader_, One("resolved", 500, 1));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(AuditCount(), audit);
  EXPECT_EQ(ValueOf(Assessment("HN"), "resolved")->self().count(), 430);

  // In appraisal the ward's form is closed; the appraiser writes the appraised column.
  Advance(v1::PHASE_APPRAISAL);
  status = UpdateSheet(wards_["HN"], One("resolved", 500, 1));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(UpdateSheet(appraiser_, One("resolved", 425, 1)).ok());
  const v1::Assessment appraised = Assessment("HN");
  const std::optional<v1::DataValue> resolved = ValueOf(appraised, "resolved");
  ASSERT_TRUE(resolved.has_value());
  EXPECT_EQ(resolved->self().count(), 430);
  EXPECT_EQ(resolved->appraised().count(), 425);
  EXPECT_EQ(resolved->version(), 2);
  EXPECT_EQ(Line(Score("HN", v1::SELF), "III.1"),
            "III.1 resolved_on_time=412 resolved=430 95.81%: 4000");
  EXPECT_EQ(Line(Score("HN", v1::APPRAISED), "III.1"),
            "III.1 resolved_on_time=412 resolved=425 96.94%: 4000");
}

TEST_F(DataSheetServiceTest, AReplayIsOneChangeAndAnIdIsBoundToItsRequest) {
  CreateDemoRound();
  ASSERT_TRUE(UpdateSheet(wards_["HN"], SelfSheet("HN")).ok());
  v1::UpdateDataSheetRequest r = One("resolved", 500, 1);
  r.set_request_id("s1");
  v1::DataSheet first, again;
  ASSERT_TRUE(UpdateSheet(wards_["HN"], r, &first).ok());
  const int audit = AuditCount();
  ASSERT_TRUE(UpdateSheet(wards_["HN"], r, &again).ok());  // the etag is stale by now
  EXPECT_TRUE(MessageDifferencer::Equals(first, again));
  EXPECT_EQ(AuditCount(), audit);
  r.mutable_updates(0)->mutable_value()->set_count(501);
  const grpc::Status changed = UpdateSheet(wards_["HN"], r);
  EXPECT_EQ(changed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(changed.error_message(), HasSubstr("request_id: 's1' was already used"));
  EXPECT_EQ(ValueOf(Assessment("HN"), "resolved")->self().count(), 500);
  // LS's id "s1" is LS's own request: it never answers with HN's sheet.
  ASSERT_TRUE(UpdateSheet(wards_["LS"], SelfSheet("LS")).ok());
  v1::UpdateDataSheetRequest ls = One("resolved", 390, 1);
  ls.set_parent("rounds/r/assessments/LS");
  ls.set_request_id("s1");
  v1::DataSheet ls_answer;
  ASSERT_TRUE(UpdateSheet(wards_["LS"], ls, &ls_answer).ok());
  EXPECT_EQ(ls_answer.name(), "rounds/r/assessments/LS/dataSheet");
  EXPECT_EQ(ValueOf(Assessment("LS"), "resolved")->self().count(), 390);
}

TEST_F(DataSheetServiceTest, NotIssuedIsScoredAndAnEmptyValueIsNotReported) {
  CreateDemoRound();
  ASSERT_TRUE(UpdateSheet(wards_["HN"], SelfSheet("HN")).ok());
  const int64_t version = ValueOf(Assessment("HN"), "unit_plan_date")->version();
  v1::UpdateDataSheetRequest r;
  r.set_parent("rounds/r/assessments/HN");
  v1::DataValueUpdate* u = r.add_updates();
  u->set_element("unit_plan_date");
  u->mutable_value()->set_not_issued(true);
  u->set_etag(version);
  ASSERT_TRUE(UpdateSheet(wards_["HN"], r).ok());
  const v1::CriterionScore not_issued = Criterion(Score("HN", v1::SELF), "I.1.1");
  EXPECT_EQ(not_issued.status(), v1::SCORED);
  EXPECT_EQ(not_issued.points_milli(), 0);
  EXPECT_EQ(not_issued.trace().reason(),
            "stated not issued (unit_plan_date), due before 2023-02-10 → 0.00 of 1.00");
  // An empty value takes the unit's side back: the criterion is not reported.
  r.mutable_updates(0)->clear_value();
  r.mutable_updates(0)->set_etag(version + 1);
  ASSERT_TRUE(UpdateSheet(wards_["HN"], r).ok());
  const std::optional<v1::DataValue> cleared =
      ValueOf(Assessment("HN"), "unit_plan_date");
  ASSERT_TRUE(cleared.has_value());  // no side, but its version goes on
  EXPECT_FALSE(cleared->has_self());
  EXPECT_EQ(cleared->version(), version + 2);
  // A writer holding a version from before the clearing is stale, not lucky.
  v1::DataValueUpdate* late = r.mutable_updates(0);
  late->mutable_value()->set_not_issued(true);
  late->set_etag(version);
  EXPECT_EQ(UpdateSheet(wards_["HN"], r).error_code(), grpc::StatusCode::ABORTED);
  late->set_etag(0);
  EXPECT_EQ(UpdateSheet(wards_["HN"], r).error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(Criterion(Score("HN", v1::SELF), "I.1.1").status(), v1::NOT_REPORTED);
}

TEST_F(DataSheetServiceTest, FiguresGivenPerCriterionGoToTheSheetAndMustAgree) {
  CreateDemoRound();
  v1::BatchUpdateEntriesRequest batch;
  batch.set_parent("rounds/r/assessments/HN");
  v1::EntryUpdate* a = batch.add_updates();
  a->mutable_entry()->set_criterion("III.1");
  (*a->mutable_entry()->mutable_self()->mutable_figures())["resolved"] = 430;
  (*a->mutable_entry()->mutable_self()->mutable_figures())["resolved_on_time"] = 412;
  v1::EntryUpdate* b = batch.add_updates();
  b->mutable_entry()->set_criterion("III.2");
  (*b->mutable_entry()->mutable_self()->mutable_figures())["resolved"] = 431;
  (*b->mutable_entry()->mutable_self()->mutable_figures())["resolved_early"] = 350;
  grpc::Status status = Update(wards_["HN"], batch);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "updates[1].entry.self.figures.resolved: resolved (Số hồ sơ TTHC đã giải "
            "quyết) is given another value in updates[0].entry.self.figures.resolved; a "
            "figure is typed once, on the data sheet");
  EXPECT_EQ(Assessment("HN").values_size(), 0);
  EXPECT_EQ(Assessment("HN").entries_size(), 0);
  // The same count twice is one count: it lands on the sheet, not on the entries.
  (*b->mutable_entry()->mutable_self()->mutable_figures())["resolved"] = 430;
  ASSERT_TRUE(Update(wards_["HN"], batch).ok());
  const v1::Assessment stored = Assessment("HN");
  std::vector<std::string> values;
  for (const v1::DataValue& v : stored.values()) {
    values.push_back(absl::StrCat(v.element(), "=", v.self().count()));
  }
  EXPECT_THAT(values,
              ElementsAre("resolved=430", "resolved_early=350", "resolved_on_time=412"));
  for (const v1::Entry& e : stored.entries()) {
    EXPECT_EQ(e.self().figures_size(), 0) << e.criterion();
  }
}

// Found by an outside tester (issue 16): a figure given per criterion overwrote a data
// sheet value written since the caller read the form; only the entry's etag was
// checked. A figure is written only at the version read (figure_etags), or, without
// one, only where the side holds no other value.
TEST_F(DataSheetServiceTest, AFigurePerCriterionIsCheckedAgainstTheVersionRead) {
  CreateDemoRound();
  v1::DataSheet sheet;
  ASSERT_TRUE(UpdateSheet(wards_["HN"], One("resolved", 430, 0), &sheet).ok());
  ASSERT_EQ(ValueOf(Assessment("HN"), "resolved")->version(), 1);
  // The ward's first tab reads the form (III.1 not written yet, resolved at version 1);
  // its second tab moves resolved on the data sheet.
  ASSERT_TRUE(UpdateSheet(wards_["HN"], One("resolved", 500, 1), &sheet).ok());
  ASSERT_EQ(ValueOf(Assessment("HN"), "resolved")->version(), 2);
  // The first tab writes III.1 with the figures it read: refused, nothing stored.
  v1::BatchUpdateEntriesRequest batch;
  batch.set_parent("rounds/r/assessments/HN");
  v1::EntryUpdate* u = batch.add_updates();
  u->mutable_entry()->set_criterion("III.1");
  (*u->mutable_entry()->mutable_self()->mutable_figures())["resolved"] = 430;
  (*u->mutable_entry()->mutable_self()->mutable_figures())["resolved_on_time"] = 412;
  (*u->mutable_figure_etags())["resolved"] = 1;
  (*u->mutable_figure_etags())["resolved_on_time"] = 0;
  grpc::Status status = Update(wards_["HN"], batch);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(
      status.error_message(),
      "rounds/r/assessments/HN/dataSheet/resolved: stale etag 1; it is at version 2 "
      "(read it again, then retry)");
  // Without the versions read (an older client): the stored 500 is not overwritten.
  u->clear_figure_etags();
  status = Update(wards_["HN"], batch);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(status.error_message(),
            "rounds/r/assessments/HN/dataSheet/resolved: "
            "updates[0].entry.self.figures.resolved would overwrite the value stored at "
            "version 2, which may have changed since it was read; read it again and give "
            "its version in updates[0].figure_etags[resolved], then retry");
  v1::Assessment stored = Assessment("HN");
  EXPECT_EQ(ValueOf(stored, "resolved")->self().count(), 500);
  EXPECT_EQ(ValueOf(stored, "resolved")->version(), 2);
  EXPECT_FALSE(ValueOf(stored, "resolved_on_time").has_value());
  EXPECT_EQ(stored.entries_size(), 0);
  // A version for a figure the update does not give checks nothing: refused.
  (*u->mutable_figure_etags())["resolved_early"] = 0;
  status = Update(wards_["HN"], batch);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(
      status.error_message(),
      "updates[0].figure_etags[resolved_early]: updates[0].entry.self.figures gives "
      "no figure 'resolved_early' to write");
  // Read again: at the versions read, the figures are written.
  u->clear_figure_etags();
  (*u->mutable_figure_etags())["resolved"] = 2;
  (*u->mutable_figure_etags())["resolved_on_time"] = 0;
  ASSERT_TRUE(Update(wards_["HN"], batch).ok());
  stored = Assessment("HN");
  EXPECT_EQ(ValueOf(stored, "resolved")->self().count(), 430);
  EXPECT_EQ(ValueOf(stored, "resolved")->version(), 3);
  EXPECT_EQ(ValueOf(stored, "resolved_on_time")->self().count(), 412);
  // Without versions, the same counts again change nothing and are let through (an
  // older client saving its form as read), as is a figure on a side with no value.
  u->clear_figure_etags();
  (*u->mutable_entry()->mutable_self()->mutable_figures())["resolved_early"] = 350;
  u->mutable_entry()->set_criterion("III.2");
  u->mutable_entry()->mutable_self()->mutable_figures()->erase("resolved_on_time");
  u->set_etag(0);
  ASSERT_TRUE(Update(wards_["HN"], batch).ok());
  stored = Assessment("HN");
  EXPECT_EQ(ValueOf(stored, "resolved")->self().count(), 430);
  EXPECT_EQ(ValueOf(stored, "resolved_early")->self().count(), 350);
}

// Found by an outside tester: a preview scored what a write would refuse, and a write
// stored a count the criterion does not read.
TEST_F(DataSheetServiceTest, APreviewRefusesWhatAWriteWouldAndFiguresMustBeRead) {
  CreateDemoRound();
  ASSERT_TRUE(UpdateSheet(wards_["HN"], SelfSheet("HN")).ok());
  v1::PreviewScoreRequest preview;
  preview.set_parent("rounds/r/assessments/HN");
  v1::Entry* early = preview.add_entries();
  early->set_criterion("III.2");
  (*early->mutable_self()->mutable_figures())["resolved_early"] = 413;  // > on time 412
  v1::UnitScore score;
  grpc::Status status = Call(scores_.get(), &v1::ScoreService::Stub::PreviewScore,
                             wards_["HN"], preview, &score);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("entries[0].self.figures.resolved_early: rule "
                        "early_within_on_time: "));
  // One count, two values: in the entries, or in the values and an entry.
  (*early->mutable_self()->mutable_figures())["resolved_early"] = 350;
  (*early->mutable_self()->mutable_figures())["resolved"] = 431;
  v1::DataValueUpdate* resolved = preview.add_values();
  resolved->set_element("resolved");
  resolved->mutable_value()->set_count(430);
  status = Call(scores_.get(), &v1::ScoreService::Stub::PreviewScore, wards_["HN"],
                preview, &score);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "entries[0].self.figures.resolved: resolved (Số hồ sơ TTHC đã giải quyết) is "
            "given another value in values[0].value; a figure is typed once, on the data "
            "sheet");
  // Agreeing, it scores as the write would.
  (*early->mutable_self()->mutable_figures())["resolved"] = 430;
  ASSERT_TRUE(Call(scores_.get(), &v1::ScoreService::Stub::PreviewScore, wards_["HN"],
                   preview, &score)
                  .ok());
  EXPECT_EQ(Line(score, "III.2"), "III.2 resolved_early=350 resolved=430 81.40%: 3000");

  // A count III.1 does not read is refused, not stored on the sheet.
  v1::BatchUpdateEntriesRequest batch;
  batch.set_parent("rounds/r/assessments/HN");
  v1::EntryUpdate* u = batch.add_updates();
  u->mutable_entry()->set_criterion("III.1");
  (*u->mutable_entry()->mutable_self()->mutable_figures())["visits"] = 10;
  const v1::Assessment before = Assessment("HN");
  status = Update(wards_["HN"], batch);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "updates[0].entry.self.figures.visits: criterion III.1 reads no figure "
            "'visits' (it reads resolved_on_time, resolved)");
  EXPECT_TRUE(MessageDifferencer::Equals(Assessment("HN"), before));
  (*u->mutable_entry()->mutable_self()->mutable_figures()).clear();
  u->mutable_entry()->set_criterion("II.1");  // a yes/no: it reads no figures
  (*u->mutable_entry()->mutable_self()->mutable_figures())["visits"] = 10;
  EXPECT_EQ(Update(wards_["HN"], batch).error_message(),
            "updates[0].entry.self.figures.visits: criterion II.1 reads no figures");
}

// A document's date is within the round's year: from 1 October of the year before to
// 31 March of the year after (round r: 2023). Outside, a write and a preview are
// refused naming the field, and nothing is stored.
TEST_F(DataSheetServiceTest, ADateOutsideTheRoundsYearIsRefusedNamingTheField) {
  CreateDemoRound();
  ASSERT_TRUE(UpdateSheet(wards_["HN"], SelfSheet("HN")).ok());
  auto write = [&](int year, int month, int day) {
    const std::optional<v1::DataValue> before =
        ValueOf(Assessment("HN"), "report_q1_date");
    v1::UpdateDataSheetRequest r;
    r.set_parent("rounds/r/assessments/HN");
    v1::DataValueUpdate* u = r.add_updates();
    u->set_element("report_q1_date");
    v1::Date* date = u->mutable_value()->mutable_date();
    date->set_year(year);
    date->set_month(month);
    date->set_day(day);
    u->set_etag(before.has_value() ? before->version() : 0);
    return UpdateSheet(wards_["HN"], r);
  };
  const std::optional<v1::DataValue> stored = ValueOf(Assessment("HN"), "report_q1_date");
  const int audit_before = AuditCount();
  grpc::Status status = write(1990, 3, 11);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "updates[0].value: report_q1_date (Ngày gửi Báo cáo CCHC quý I): 1990-03-11 "
            "is outside the round's year 2023 (a date from 2022-10-01 to 2024-03-31)");
  EXPECT_EQ(AuditCount(), audit_before);
  const std::optional<v1::DataValue> after = ValueOf(Assessment("HN"), "report_q1_date");
  ASSERT_EQ(after.has_value(), stored.has_value());
  if (stored.has_value()) {
    EXPECT_TRUE(MessageDifferencer::Equals(*after, *stored));
  }
  for (const auto& [y, m, d] : {std::tuple{2100, 1, 1}, std::tuple{2030, 6, 1},
                                std::tuple{2022, 9, 30}, std::tuple{2024, 4, 1}}) {
    EXPECT_EQ(write(y, m, d).error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << y << "-" << m << "-" << d;
  }
  // The window's ends are in it: a plan issued ahead of its year, a report sent late.
  EXPECT_TRUE(write(2022, 10, 1).ok());
  EXPECT_TRUE(write(2024, 3, 31).ok());
  EXPECT_TRUE(write(2023, 3, 11).ok());

  // A preview refuses it as the write would: not scored "on time".
  v1::PreviewScoreRequest preview;
  preview.set_parent("rounds/r/assessments/HN");
  v1::DataValueUpdate* q1 = preview.add_values();
  q1->set_element("report_q1_date");
  q1->mutable_value()->mutable_date()->set_year(1990);
  q1->mutable_value()->mutable_date()->set_month(3);
  q1->mutable_value()->mutable_date()->set_day(11);
  v1::UnitScore score;
  status = Call(scores_.get(), &v1::ScoreService::Stub::PreviewScore, wards_["HN"],
                preview, &score);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "values[0].value: report_q1_date (Ngày gửi Báo cáo CCHC quý I): 1990-03-11 "
            "is outside the round's year 2023 (a date from 2022-10-01 to 2024-03-31)");
}

}  // namespace
// A set whose elements are a percent and a score: their values are thousandths in the
// store and the trace, and every export shows them as the values typed (96.275, 12):
// the criteria table's figures and the data sheet, with the decimal comma when asked.
TEST_F(DataSheetServiceTest, PercentAndScoreValuesAreExportedAsTyped) {
  CreateDemoRound();  // the units and their tokens
  v1::CreateCriteriaSetRequest set;
  set.set_yaml(R"(id: pct-test
title: Bộ thử phần trăm
level: commune
version: 1
source: thử
total: 100
survey: 0
elements:
  - {code: sat, label: Tỷ lệ hài lòng, type: percent, period: Trong năm}
  - {code: quality, label: Điểm chất lượng, type: score, period: Trong năm}
indicators:
  - {id: sat_rate, title: Tỷ lệ hài lòng, numerator: sat, unit: percent}
  - {id: quality_pts, title: Điểm chất lượng, numerator: quality, unit: count}
classification:
  - {label: A, from: 90}
  - {label: B, from: 0, below: 90}
areas:
  - code: I
    title: Khu vực một
    max: 100
    criteria:
      - {code: I.1, title: Hài lòng, max: 50, rule: {linear: {indicator: sat_rate}}}
      - code: I.2
        title: Chất lượng
        max: 50
        rule: {bands: {indicator: quality_pts, bands: [{when: ">= 10", points: 50}]}}
)");
  v1::CriteriaSet created_set;
  grpc::Status status =
      Call(criteria_.get(), &v1::CriteriaService::Stub::CreateCriteriaSet, admin_, set,
           &created_set);
  ASSERT_TRUE(status.ok()) << status.error_message();
  v1::CreateRoundRequest create;
  create.mutable_round()->set_id("p");
  create.mutable_round()->set_year(2023);
  create.mutable_round()->set_criteria_set("pct-test");
  create.mutable_round()->set_self_assessment_deadline("2023-11-27T17:00:00+07:00");
  create.mutable_round()->add_units("HN");
  v1::Round round;
  status = Call(rounds_.get(), &v1::RoundService::Stub::CreateRound, appraiser_, create,
                &round);
  ASSERT_TRUE(status.ok()) << status.error_message();
  v1::AdvanceRoundRequest advance;
  advance.set_name("rounds/p");
  advance.set_to_phase(v1::PHASE_SELF_ASSESSMENT);
  advance.set_etag(round.version());
  status = Call(rounds_.get(), &v1::RoundService::Stub::AdvanceRound, appraiser_, advance,
                &round);
  ASSERT_TRUE(status.ok()) << status.error_message();
  v1::UpdateDataSheetRequest sheet;
  sheet.set_parent("rounds/p/assessments/HN");
  for (const auto& [element, milli] :
       std::vector<std::pair<std::string, int64_t>>{{"sat", 96275}, {"quality", 12000}}) {
    v1::DataValueUpdate* u = sheet.add_updates();
    u->set_element(element);
    u->mutable_value()->set_milli(milli);
  }
  status = UpdateSheet(wards_["HN"], sheet);
  ASSERT_TRUE(status.ok()) << status.error_message();

  v1::ExportRoundRequest csv;
  csv.set_name("rounds/p");
  csv.set_format(v1::ExportRoundRequest::CSV);
  csv.set_column(v1::SELF);
  csv.set_table("criteria");
  v1::ExportRoundResponse file;
  status =
      Call(reports_.get(), &v1::ReportService::Stub::ExportRound, appraiser_, csv, &file);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(file.content(), HasSubstr(",I.1,Hài lòng,sat = 96.275,96.275%,"));
  EXPECT_THAT(file.content(), HasSubstr(",I.2,Chất lượng,quality = 12,12,"));
  csv.set_table("datasheet");
  csv.set_decimal_comma(true);
  status =
      Call(reports_.get(), &v1::ReportService::Stub::ExportRound, appraiser_, csv, &file);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(file.content(), HasSubstr(";sat;Tỷ lệ hài lòng;Trong năm;96,275;"));
  EXPECT_THAT(file.content(), HasSubstr(";quality;Điểm chất lượng;Trong năm;12;"));
}

}  // namespace parindex::server
