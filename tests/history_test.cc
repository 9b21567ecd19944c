// A unit's history across rounds (ScoreService.GetUnitHistory) and the units it was
// formed from (Unit.formed_from): exact rows, predecessors, scope and publication.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/service_fixture.h"
#include "tests/xlsx_facts.h"

namespace parindex::server {
namespace {

class HistoryTest : public ServiceTest {
 protected:
  grpc::Status PutUnit(const std::string& code, const std::string& parent,
                       const std::vector<std::string>& formed_from,
                       v1::Unit* out = nullptr) {
    v1::PutUnitRequest put;
    put.mutable_unit()->set_code(code);
    put.mutable_unit()->set_name(absl::StrCat("Phường ", code));
    put.mutable_unit()->set_kind(v1::WARD);
    put.mutable_unit()->set_parent(parent);
    for (const std::string& f : formed_from) put.mutable_unit()->add_formed_from(f);
    v1::Unit ignored;
    return Call(units_.get(), &v1::UnitService::Stub::PutUnit, admin_, put,
                out == nullptr ? &ignored : out);
  }

  // The self-assessment of `from` in the demo figures (2023), entered by the ward for
  // `unit` in `round`, its dates moved into the round's `year` (a date outside the
  // round's year is refused).
  void EnterAs(const std::string& round, const std::string& unit, const std::string& from,
               int year = 2023) {
    const std::string parent = absl::StrCat("rounds/", round, "/assessments/", unit);
    const std::string ward = Token(v1::ROLE_WARD, unit);
    v1::UpdateDataSheetRequest sheet = SelfSheet(from);
    sheet.set_parent(parent);
    for (v1::DataValueUpdate& u : *sheet.mutable_updates()) {
      if (u.value().has_date()) {
        v1::Date* date = u.mutable_value()->mutable_date();
        date->set_year(date->year() + year - 2023);
      }
    }
    grpc::Status s = UpdateSheet(ward, sheet);
    ASSERT_TRUE(s.ok()) << s.error_message();
    v1::BatchUpdateEntriesRequest entries = SelfEntries(from);
    entries.set_parent(parent);
    for (v1::EntryUpdate& u : *entries.mutable_updates()) {
      if (u.entry().self().has_issued()) {
        v1::Date* date = u.mutable_entry()->mutable_self()->mutable_issued();
        date->set_year(date->year() + year - 2023);
      }
    }
    s = Update(ward, entries);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  void NewRound(const std::string& id, int year, const std::vector<std::string>& units) {
    v1::CreateRoundRequest create;
    v1::Round* round = create.mutable_round();
    round->set_id(id);
    round->set_year(year);
    round->set_title(absl::StrCat("Đợt ", year));
    round->set_criteria_set("demo-ward-2023");
    round->add_plans("demo-hungyen-2023");
    round->set_self_assessment_deadline("2023-11-27T17:00:00+07:00");
    round->set_explanation_deadline("2023-12-10T17:00:00+07:00");
    for (const std::string& u : units) round->add_units(u);
    v1::Round created;
    grpc::Status s = Call(rounds_.get(), &v1::RoundService::Stub::CreateRound, appraiser_,
                          create, &created);
    ASSERT_TRUE(s.ok()) << s.error_message();
    AdvanceTo(id, v1::PHASE_SELF_ASSESSMENT);
  }

  void AdvanceTo(const std::string& id, v1::RoundPhase to) {
    v1::GetByNameRequest get;
    get.set_name(absl::StrCat("rounds/", id));
    v1::Round round;
    ASSERT_TRUE(
        Call(rounds_.get(), &v1::RoundService::Stub::GetRound, appraiser_, get, &round)
            .ok());
    for (int p = round.phase() + 1; p <= to; ++p) {
      v1::AdvanceRoundRequest advance;
      advance.set_name(get.name());
      advance.set_to_phase(static_cast<v1::RoundPhase>(p));
      advance.set_etag(round.version());
      grpc::Status s = Call(rounds_.get(), &v1::RoundService::Stub::AdvanceRound,
                            appraiser_, advance, &round);
      ASSERT_TRUE(s.ok()) << s.error_message();
    }
  }

  // Round r (2023): HN, LS and MK with their demo figures. Round r2 (2025): XM, formed
  // from HN and LS, with HN's figures, and MK with LS's.
  void TwoRounds() {
    CreateDemoRound();
    for (const char* unit : {"HN", "LS", "MK"}) EnterAs("r", unit, unit);
    ASSERT_TRUE(PutUnit("XM", "HY", {"HN", "LS"}).ok());
    NewRound("r2", 2025, {"XM", "MK"});
    EnterAs("r2", "XM", "HN", 2025);
    EnterAs("r2", "MK", "LS", 2025);
  }

  // A token for a new account with `role` and `scope`.
  std::string ScopedToken(const std::string& username, v1::Role role,
                          const std::string& scope) {
    const v1::CreateAccountResponse created =
        CreateAccount(username, role, scope, "Nguyễn Văn An");
    v1::CreateTokenRequest for_account;
    for_account.set_account(absl::StrCat("accounts/", created.account().id()));
    v1::CreateTokenResponse token;
    const grpc::Status s = Call(tokens_.get(), &v1::TokenService::Stub::CreateToken,
                                admin_, for_account, &token);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return token.secret();
  }

  grpc::Status History(const std::string& token, const std::string& unit,
                       bool predecessors, v1::UnitHistory* out) {
    v1::GetUnitHistoryRequest r;
    r.set_unit(absl::StrCat("units/", unit));
    r.set_include_predecessors(predecessors);
    r.set_column(v1::SELF);
    return Call(scores_.get(), &v1::ScoreService::Stub::GetUnitHistory, token, r, out);
  }

  // "2023 r MK ward 8367 2/3 B I=7500 …": a row in one line (areas in points_milli).
  static std::string Line(const v1::UnitHistory::Row& row) {
    std::string out =
        absl::StrCat(row.year(), " ", row.round(), " ", row.unit(), " ", row.block(), " ",
                     row.index_hundredths(), " ", row.rank(), "/", row.block_size(), " ",
                     row.classification());
    for (const v1::AreaScore& a : row.areas())
      absl::StrAppend(&out, " ", a.code(), "=", a.points_milli());
    return out;
  }

  static std::vector<std::string> Lines(const v1::UnitHistory& history) {
    std::vector<std::string> lines;
    for (const auto& row : history.rows()) lines.push_back(Line(row));
    return lines;
  }

  // The same unit's score and rank as GetUnitScore gives them.
  v1::UnitScore Score(const std::string& round, const std::string& unit) {
    v1::GetUnitScoreRequest r;
    r.set_name(absl::StrCat("rounds/", round, "/assessments/", unit));
    r.set_column(v1::SELF);
    v1::UnitScore score;
    grpc::Status s =
        Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, appraiser_, r, &score);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return score;
  }
};

TEST_F(HistoryTest, AUnitAcrossTwoRoundsHasOneExactRowPerRound) {
  TwoRounds();
  v1::UnitHistory history;
  grpc::Status s = History(appraiser_, "MK", false, &history);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(history.unit(), "MK");
  EXPECT_TRUE(history.formed_from().empty());
  EXPECT_EQ(Lines(history), (std::vector<std::string>{
                                "2023 r MK ward 8367 2/3 B I=7500 II=8000 III=14419 "
                                "IV=5500 V=5500 VI=5500 VII=16667 "
                                "VIII=0 IX=500",
                                "2025 r2 MK ward 6126 2/2 D I=6750 II=5600 III=10875 "
                                "IV=5000 V=5000 VI=5000 VII=11167 "
                                "VIII=0 IX=-1000",
                            }));
  ASSERT_EQ(history.rows_size(), 2);
  EXPECT_EQ(history.rows(0).round_title(), "");
  EXPECT_EQ(history.rows(1).round_title(), "Đợt 2025");
  EXPECT_EQ(history.rows(0).unit_name(), "Phường Minh Khai");
  // The same numbers as each round's own score of the unit.
  for (int i = 0; i < 2; ++i) {
    const v1::UnitScore score = Score(history.rows(i).round(), "MK");
    EXPECT_EQ(history.rows(i).index_hundredths(), score.index_hundredths());
    EXPECT_EQ(history.rows(i).rank(), score.rank());
    EXPECT_EQ(history.rows(i).classification(), score.classification());
    ASSERT_EQ(history.rows(i).areas_size(), score.areas_size());
    for (int a = 0; a < score.areas_size(); ++a)
      EXPECT_EQ(history.rows(i).areas(a).points_milli(), score.areas(a).points_milli());
  }
}

TEST_F(HistoryTest, AMergedUnitShowsTheRoundsOfTheUnitsItWasFormedFromWhenAsked) {
  TwoRounds();
  v1::UnitHistory history;
  ASSERT_TRUE(History(appraiser_, "XM", false, &history).ok());
  EXPECT_EQ(std::vector<std::string>(history.formed_from().begin(),
                                     history.formed_from().end()),
            (std::vector<std::string>{"HN", "LS"}));
  EXPECT_EQ(Lines(history),
            (std::vector<std::string>{"2025 r2 XM ward 9152 1/2 A I=9500 II=7000 "
                                      "III=19300 IV=6000 V=7500 VI=5500 VII=17000 "
                                      "VIII=0 IX=500"}));
  ASSERT_TRUE(History(appraiser_, "XM", true, &history).ok());
  EXPECT_EQ(Lines(history), (std::vector<std::string>{
                                "2023 r HN ward 9342 1/3 A I=11000 II=7000 III=19300 "
                                "IV=6000 V=7500 VI=5500 VII=17000 "
                                "VIII=0 IX=500",
                                "2023 r LS ward 6126 3/3 D I=6750 II=5600 III=10875 "
                                "IV=5000 V=5000 VI=5000 VII=11167 "
                                "VIII=0 IX=-1000",
                                "2025 r2 XM ward 9152 1/2 A I=9500 II=7000 III=19300 "
                                "IV=6000 V=7500 VI=5500 VII=17000 "
                                "VIII=0 IX=500",
                            }));
  // XM scored with HN's figures moved to 2025: the same but for area I, the unit's plan
  // issued in 2025 being late against the 2023 plan's deadline (1.5 points of 11).
}

TEST_F(HistoryTest, AnotherProvincesUnitIsRefusedAndUnknownUnitsAreNotFound) {
  TwoRounds();
  ASSERT_TRUE(PutUnit("TB1", "TB", {}).ok());
  const std::string hy = ScopedToken("hy.appraiser", v1::ROLE_APPRAISER, "parent/HY");
  v1::UnitHistory history;
  grpc::Status s = History(hy, "TB1", false, &history);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(), "unit TB1 is outside this account's scope parent/HY");
  s = History(hy, "MK", false, &history);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(history.rows_size(), 2);
  const std::string tb = ScopedToken("tb.appraiser", v1::ROLE_APPRAISER, "parent/TB");
  s = History(tb, "XM", true, &history);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(), "unit XM is outside this account's scope parent/TB");
  s = History(appraiser_, "NOPE", false, &history);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "unit: units/NOPE does not exist");
  s = History(appraiser_, "rounds/r", false, &history);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// A province's appraiser sees its units of a round that mixes provinces ranked among
// themselves, as GetRanking and GetUnitScore rank them: never the round-wide rank and
// block size, which would tell how another province's units stand.
TEST_F(HistoryTest, AProvincesPartOfAMixedRoundIsRankedAmongItsOwnUnits) {
  TwoRounds();
  ASSERT_TRUE(PutUnit("TB1", "TB", {}).ok());
  NewRound("r3", 2026, {"MK", "TB1"});
  EnterAs("r3", "MK", "HN", 2026);  // above TB1 round-wide
  EnterAs("r3", "TB1", "LS", 2026);
  v1::UnitHistory history;
  ASSERT_TRUE(History(appraiser_, "TB1", false, &history).ok());
  ASSERT_EQ(history.rows_size(), 1);
  EXPECT_EQ(history.rows(0).rank(), 2);
  EXPECT_EQ(history.rows(0).block_size(), 2);
  const std::string tb = ScopedToken("tb.appraiser", v1::ROLE_APPRAISER, "parent/TB");
  ASSERT_TRUE(History(tb, "TB1", false, &history).ok());
  ASSERT_EQ(history.rows_size(), 1);
  EXPECT_EQ(Line(history.rows(0)).substr(0, 30), "2026 r3 TB1 ward 6126 1/1 D I=");
}

TEST_F(HistoryTest, AnUnpublishedRoundIsHiddenFromReadersAndOtherWards) {
  TwoRounds();
  v1::UnitHistory history;
  // Nothing published yet: a reader sees no round, a ward its own unit's rounds.
  ASSERT_TRUE(History(reader_, "MK", false, &history).ok());
  EXPECT_EQ(history.rows_size(), 0);
  ASSERT_TRUE(History(wards_["MK"], "MK", false, &history).ok());
  EXPECT_EQ(history.rows_size(), 2);
  ASSERT_TRUE(History(wards_["HN"], "MK", false, &history).ok());
  EXPECT_EQ(history.rows_size(), 0);
  // Round r published, r2 not: the reader and another ward see r only.
  AdvanceTo("r", v1::PHASE_PUBLISHED);
  ASSERT_TRUE(History(reader_, "MK", false, &history).ok());
  EXPECT_EQ(Lines(history),
            (std::vector<std::string>{"2023 r MK ward 8367 2/3 B I=7500 II=8000 "
                                      "III=14419 IV=5500 V=5500 VI=5500 VII=16667 "
                                      "VIII=0 IX=500"}));
  ASSERT_TRUE(History(wards_["HN"], "MK", false, &history).ok());
  EXPECT_EQ(Lines(history),
            (std::vector<std::string>{"2023 r MK ward 8367 2/3 B I=7500 II=8000 "
                                      "III=14419 IV=5500 V=5500 VI=5500 VII=16667 "
                                      "VIII=0 IX=500"}));
  ASSERT_TRUE(History(reader_, "XM", true, &history).ok());
  EXPECT_EQ(Lines(history),
            (std::vector<std::string>{"2023 r HN ward 9342 1/3 A I=11000 II=7000 "
                                      "III=19300 IV=6000 V=7500 VI=5500 VII=17000 "
                                      "VIII=0 IX=500",
                                      "2023 r LS ward 6126 3/3 D I=6750 II=5600 "
                                      "III=10875 IV=5000 V=5000 VI=5000 VII=11167 "
                                      "VIII=0 IX=-1000"}));
}

TEST_F(HistoryTest, FormedFromNamesKnownUnitsWithoutSelfOrCycles) {
  CreateDemoRound();
  v1::Unit unit;
  grpc::Status s = PutUnit("XM", "HY", {"HN", "NOPE"});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "unit.formed_from[1]: unit NOPE does not exist");
  s = PutUnit("XM", "HY", {"XM"});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "unit.formed_from[0]: XM cannot be formed from itself");
  s = PutUnit("XM", "HY", {"HN", "HN"});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "unit.formed_from[1]: HN is listed twice");
  s = PutUnit("XM", "HY", {"HN", "bad code"});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(PutUnit("XM", "HY", {"HN", "LS"}, &unit).ok());
  EXPECT_EQ(unit.formed_from_size(), 2);
  // HN formed from XM would make XM formed (through HN) from itself.
  s = PutUnit("HN", "HY", {"XM"});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "unit.formed_from[0]: XM was formed from HN, so HN cannot be formed from XM");
  std::vector<std::string> many;
  for (int i = 0; i < 17; ++i) many.push_back("HN");
  s = PutUnit("XN", "HY", many);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "unit.formed_from: 17 items, more than the 16 allowed");
  // Nothing of the refused units was stored.
  v1::GetByNameRequest get;
  get.set_name("units/XN");
  s = Call(units_.get(), &v1::UnitService::Stub::GetUnit, admin_, get, &unit);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
}

// The workbook's year-over-year sheet ("Qua các năm"): each unit of the round with its
// index and rank in every round of the family up to its year in which one of them was
// ranked, and under a merged unit the units it was formed from, named as they were, in
// the rounds they took part in.
TEST_F(HistoryTest, TheWorkbookFollowsEachUnitAndItsPredecessorsAcrossTheYears) {
  TwoRounds();
  // A round of 2024 in another province, none of these units in it: no column.
  ASSERT_TRUE(PutUnit("TB1", "TB", {}).ok());
  NewRound("r0", 2024, {"TB1"});
  EnterAs("r0", "TB1", "HN", 2024);
  v1::ExportRoundRequest r;
  r.set_name("rounds/r2");
  r.set_column(v1::SELF);
  v1::ExportRoundResponse file;
  grpc::Status s =
      Call(reports_.get(), &v1::ReportService::Stub::ExportRound, appraiser_, r, &file);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const std::vector<std::string> facts = testing::XlsxFacts(file.content());
  ASSERT_FALSE(facts.empty());
  EXPECT_EQ(facts[0],
            "sheets: Xếp hạng Khối phường|Điểm theo lĩnh vực|Bình quân theo lĩnh "
            "vực|Qua các năm|Chi tiết tiêu chí|Bảng số liệu|Nhật ký thay đổi");
  const std::vector<std::string> years = testing::SheetFacts(facts, "Qua các năm");
  EXPECT_THAT(years, ::testing::Contains("A5: Chỉ số CCHC và xếp hạng qua các năm – Số "
                                         "liệu tự đánh giá – Lập ngày 20 tháng 11 năm "
                                         "2023"));
  EXPECT_THAT(years, ::testing::Contains("header: Mã đơn vị|Tên đơn vị|Khối|Chỉ số "
                                         "2023|Hạng 2023|Chỉ số 2025|Hạng 2025"));
  // The ranks are GetUnitHistory's (AUnitAcrossTwoRoundsHasOneExactRowPerRound).
  const std::vector<std::string> rows(
      std::find_if(years.begin(), years.end(),
                   [](const std::string& f) { return f.rfind("row1:", 0) == 0; }),
      std::find_if(years.begin(), years.end(),
                   [](const std::string& f) { return f.rfind("widths:", 0) == 0; }));
  EXPECT_EQ(rows, (std::vector<std::string>{
                      "row1: XM|Phường XM|Khối phường|||91.52|1",
                      "row2: HN|Phường Hiến Nam (nay thuộc Phường XM)|Khối "
                      "phường|93.42|1||",
                      "row3: LS|Phường Lam Sơn (nay thuộc Phường XM)|Khối "
                      "phường|61.26|3||",
                      "row4: MK|Phường Minh Khai|Khối phường|83.67|2|61.26|2",
                  }));
  EXPECT_THAT(years, ::testing::Contains("freeze: C8"));

  // The 2023 round's workbook looks back only: no 2025 column.
  r.set_name("rounds/r");
  s = Call(reports_.get(), &v1::ReportService::Stub::ExportRound, appraiser_, r, &file);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(testing::SheetFacts(testing::XlsxFacts(file.content()), "Qua các năm"),
              ::testing::Contains("header: Mã đơn vị|Tên đơn vị|Khối|Chỉ số 2023|Hạng "
                                  "2023"));
  // As CSV, the table "years".
  r.set_name("rounds/r2");
  r.set_format(v1::ExportRoundRequest::CSV);
  r.set_table("years");
  s = Call(reports_.get(), &v1::ReportService::Stub::ExportRound, appraiser_, r, &file);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(
      file.content(),
      "\xEF\xBB\xBFMã đơn vị,Tên đơn vị,Khối,Chỉ số 2023,Hạng 2023,Chỉ số 2025,Hạng "
      "2025\r\nXM,Phường XM,Khối phường,,,91.52,1\r\nHN,Phường Hiến Nam (nay thuộc "
      "Phường XM),Khối phường,93.42,1,,\r\nLS,Phường Lam Sơn (nay thuộc Phường "
      "XM),Khối phường,61.26,3,,\r\nMK,Phường Minh Khai,Khối "
      "phường,83.67,2,61.26,2\r\n");
}

}  // namespace
}  // namespace parindex::server
