// ExportRound as a Home Affairs office hands it on: the workbook read back by openpyxl
// (heading with the issuing office, Vietnamese sheet and block names, print setup,
// charts, signatures, audit times in Vietnam time with people's names), the ranking CSV
// as one table across blocks, the decimal comma, and the reasons in either language.
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/service_fixture.h"
#include "tests/xlsx_facts.h"

namespace parindex::server {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class ReportServiceTest : public ServiceTest {
 protected:
  void PutUnit(const std::string& code, const std::string& name, v1::UnitKind kind,
               const std::string& parent, const std::string& block = "") {
    v1::PutUnitRequest put;
    put.mutable_unit()->set_code(code);
    put.mutable_unit()->set_name(name);
    put.mutable_unit()->set_kind(kind);
    put.mutable_unit()->set_parent(parent);
    put.mutable_unit()->set_block(block);
    v1::Unit unit;
    ASSERT_TRUE(
        Call(units_.get(), &v1::UnitService::Stub::PutUnit, admin_, put, &unit).ok());
  }

  // A person with an account, signed in with a password of their own: the session.
  std::string Person(const std::string& username, const std::string& full_name,
                     v1::Role role, const std::string& scope) {
    const v1::CreateAccountResponse created =
        CreateAccount(username, role, scope, full_name);
    v1::SignInRequest sign_in;
    sign_in.set_username(username);
    sign_in.set_password(created.one_time_password());
    v1::SignInResponse in;
    EXPECT_TRUE(
        Call(accounts_.get(), &v1::AccountService::Stub::SignIn, "", sign_in, &in).ok());
    v1::ChangePasswordRequest change;
    change.set_old_password(created.one_time_password());
    change.set_new_password("mật khẩu mới 2025");
    v1::Account account;
    EXPECT_TRUE(Call(accounts_.get(), &v1::AccountService::Stub::ChangePassword,
                     in.session(), change, &account)
                    .ok());
    return in.session();
  }

  // The demo round with Minh Khai moved to the block "communes", the wards' city under
  // the province of Hưng Yên, and Hiến Nam's figures entered by its officer in person.
  void TwoBlocks() {
    CreateDemoRound();
    PutUnit("HYT", "Tỉnh Hưng Yên", v1::PROVINCE, "");
    PutUnit("HY", "Thành phố Hưng Yên", v1::CITY, "HYT");
    for (const criteria::UnitFigures& u : figures_.units) {
      if (u.unit.code() == "MK")
        PutUnit("MK", u.unit.name(), u.unit.kind(), u.unit.parent(), "communes");
    }
    const std::string officer =
        Person("binh.tran", "Trần Văn Bình", v1::ROLE_WARD, "units/HN");
    ASSERT_TRUE(UpdateSheet(officer, SelfSheet("HN")).ok());
    ASSERT_TRUE(Update(officer, SelfEntries("HN")).ok());
    ASSERT_TRUE(EnterSelf("LS").ok());
    ASSERT_TRUE(EnterSelf("MK").ok());
  }

  v1::ExportRoundResponse Export(const v1::ExportRoundRequest& r) {
    v1::ExportRoundResponse file;
    grpc::Status s =
        Call(reports_.get(), &v1::ReportService::Stub::ExportRound, appraiser_, r, &file);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return file;
  }
};

TEST_F(ReportServiceTest, TheWorkbookIsReadyToHandToLeadership) {
  TwoBlocks();
  v1::ExportRoundRequest r;
  r.set_name("rounds/r");
  r.set_column(v1::SELF);
  const std::vector<std::string> facts = testing::XlsxFacts(Export(r).content());
  ASSERT_FALSE(facts.empty());
  EXPECT_EQ(facts[0],
            "sheets: Xếp hạng Khối xã|Xếp hạng Khối phường|Điểm theo lĩnh vực|Bình quân "
            "theo lĩnh vực|Qua các năm|Chi tiết tiêu chí|Bảng số liệu|Nhật ký thay đổi");
  const std::vector<std::string> wards =
      testing::SheetFacts(facts, "Xếp hạng Khối phường");
  EXPECT_THAT(wards, Contains("A1: SỞ NỘI VỤ TỈNH HƯNG YÊN"));
  EXPECT_THAT(wards, Contains("A3: Kết quả Chỉ số CCHC năm 2023"));
  // The fixture's clock: 20/11/2023 09:00 in Vietnam.
  EXPECT_THAT(wards, Contains("A5: Bảng xếp hạng Chỉ số CCHC – Khối phường – Số liệu tự "
                              "đánh giá – Lập ngày 20 tháng 11 năm 2023"));
  EXPECT_THAT(wards,
              Contains("header: Khối|Hạng|Mã đơn vị|Tên đơn vị|Chỉ số|Xếp loại|Điểm "
                       "đạt|Điểm tối đa áp dụng|Điểm khảo sát|Điểm thưởng, trừ"));
  // Exact numbers (XLSX holds them, openpyxl reads 79.0 as 79).
  EXPECT_THAT(wards,
              Contains("row1: Khối phường|1|HN|Phường Hiến Nam|93.42|A|73.80|79|0|0.50"));
  EXPECT_THAT(wards,
              Contains("row2: Khối phường|2|LS|Phường Lam Sơn|61.26|D|48.39|79|0|-1"));
  EXPECT_THAT(wards, Contains("widths: A=13 B=8 C=11 D=17 E=8 F=10 G=10 H=21 I=15 J=18"));
  // Empty cells are not written; the table's grid reaches them through one rule.
  EXPECT_THAT(wards, Contains("grid: A8:J9"));
  EXPECT_THAT(wards, Contains("freeze: E8"));
  EXPECT_THAT(wards, Contains("filter: A7:J9"));
  EXPECT_THAT(wards, Contains("print area: $A$1:$J$34"));
  EXPECT_THAT(wards, Contains("page: landscape paper 9 fit 1x0 fitToPage True"));
  EXPECT_THAT(wards, Contains("repeat rows: $7:$7"));
  EXPECT_THAT(wards, Contains("footer: Trang &P/&N"));
  EXPECT_THAT(wards, Contains("sign: A12 Người lập biểu"));
  EXPECT_THAT(wards, Contains("sign: F12 Lãnh đạo"));
  EXPECT_THAT(wards, Contains("chart: barChart bar Chỉ số CCHC – Khối phường"));
  EXPECT_THAT(testing::SheetFacts(facts, "Xếp hạng Khối xã"),
              Contains("row1: Khối xã|1|MK|Phường Minh Khai|83.67|B|63.59|76|0|0.50"));
  const std::vector<std::string> matrix =
      testing::SheetFacts(facts, "Điểm theo lĩnh vực");
  EXPECT_THAT(matrix, Contains("row1: MK|Phường Minh Khai|Khối xã|7.50|8|14.42|5.50|5.50|"
                               "5.50|16.67|0|0.50|63.59|83.67"));
  EXPECT_THAT(matrix, Contains("header height: 33.0"));  // long area titles on two lines
  // Each area's average over the units it applied to: (11 + 7.5 + 6.75) / 3 = 8.42.
  const std::vector<std::string> areas =
      testing::SheetFacts(facts, "Bình quân theo lĩnh vực");
  EXPECT_THAT(areas, Contains("row1: I|Công tác chỉ đạo, điều hành cải cách hành "
                              "chính|12|3|8.42|76.51"));
  EXPECT_THAT(areas, Contains("row8: VIII|Tác động của CCHC đến người dân, tổ chức (khảo "
                              "sát)|20|0||"));
  EXPECT_THAT(areas,
              Contains("chart: barChart col Tỷ lệ đạt bình quân theo lĩnh vực (%)"));
  EXPECT_THAT(
      testing::SheetFacts(facts, "Chi tiết tiêu chí"),
      Contains("row1: MK|Phường Minh Khai|I.1.1|Ban hành kế hoạch CCHC năm đúng "
               "thời hạn|||hạn trước 10/02/2023|1|1|ban hành 01/02/2023, hạn trước "
               "10/02/2023: đúng hạn → 1.00/1.00 điểm"));
  // Who entered each figure, by name, and when in Vietnam time (02:00 UTC).
  const std::vector<std::string> sheet = testing::SheetFacts(facts, "Bảng số liệu");
  EXPECT_THAT(sheet, Contains("header: Mã đơn vị|Tên đơn vị|Mã số liệu|Số liệu|Kỳ số "
                              "liệu|Tự đánh giá|Người nhập|Lúc nhập (giờ Việt Nam)|Thẩm "
                              "định|Người thẩm định|Lúc thẩm định (giờ Việt Nam)"));
  EXPECT_THAT(sheet, Contains("row37: HN|Phường Hiến Nam|unit_plan_date|Ngày ban hành Kế "
                              "hoạch CCHC năm|Trong năm đánh giá|08/02/2023|Trần Văn "
                              "Bình|20/11/2023 09:00:00|||"));
  EXPECT_THAT(sheet, Contains("grid: A8:K115"));  // the rows of the filter, A7:K115
  const std::vector<std::string> audit = testing::SheetFacts(facts, "Nhật ký thay đổi");
  EXPECT_THAT(
      audit,
      Contains("header: Thời gian (giờ Việt Nam)|Người thực hiện|Vai trò|Đơn vị|Thao "
               "tác|Đối tượng|Lý do"));
  EXPECT_THAT(audit,
              Contains("row3: 20/11/2023 09:00:00|Trần Văn Bình|Đơn vị|HN|data."
                       "update|rounds/r/assessments/HN/dataSheet/unit_plan_date|"));

  // The round's own issuer comes first.
  v1::GetByNameRequest get;
  get.set_name("rounds/r");
  v1::Round round;
  ASSERT_TRUE(
      Call(rounds_.get(), &v1::RoundService::Stub::GetRound, appraiser_, get, &round)
          .ok());
  v1::UpdateRoundRequest update;
  update.mutable_round()->set_id("r");
  update.mutable_round()->set_issuer("PHÒNG NỘI VỤ THÀNH PHỐ HƯNG YÊN");
  update.mutable_update_mask()->add_paths("issuer");
  update.set_etag(round.version());
  ASSERT_TRUE(Call(rounds_.get(), &v1::RoundService::Stub::UpdateRound, appraiser_,
                   update, &round)
                  .ok());
  EXPECT_THAT(
      testing::SheetFacts(testing::XlsxFacts(Export(r).content()), "Bảng số liệu"),
      Contains("A1: PHÒNG NỘI VỤ THÀNH PHỐ HƯNG YÊN"));
}

TEST_F(ReportServiceTest, TheRankingCsvIsOneTableAcrossBlocks) {
  TwoBlocks();
  v1::ExportRoundRequest r;
  r.set_name("rounds/r");
  r.set_column(v1::SELF);
  r.set_format(v1::ExportRoundRequest::CSV);
  r.set_table("ranking");
  const std::string csv = Export(r).content();
  const std::vector<std::string> lines = absl::StrSplit(csv, "\r\n");
  const std::string bom = "\xEF\xBB\xBF";
  // One byte order mark, one header, a row per unit with its block, nothing glued on.
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], bom +
                          "Khối,Hạng,Mã đơn vị,Tên đơn vị,Chỉ số,Xếp loại,Điểm đạt,Điểm "
                          "tối đa áp dụng,Điểm khảo sát,\"Điểm thưởng, trừ\"");
  EXPECT_THAT(lines[1], StartsWith("Khối xã,1,MK,Phường Minh Khai,"));
  EXPECT_THAT(lines[2], StartsWith("Khối phường,1,HN,Phường Hiến Nam,"));
  EXPECT_THAT(lines[3], StartsWith("Khối phường,2,LS,Phường Lam Sơn,"));
  EXPECT_EQ(lines[4], "");
  EXPECT_EQ(csv.find(bom, 1), std::string::npos);

  r.set_decimal_comma(true);
  const std::vector<std::string> comma = absl::StrSplit(Export(r).content(), "\r\n");
  ASSERT_EQ(comma.size(), 5u);
  EXPECT_EQ(comma[0], bom +
                          "Khối;Hạng;Mã đơn vị;Tên đơn vị;Chỉ số;Xếp loại;Điểm đạt;Điểm "
                          "tối đa áp dụng;Điểm khảo sát;Điểm thưởng, trừ");
  EXPECT_EQ(comma[2], "Khối phường;1;HN;Phường Hiến Nam;93,42;A;73,80;79,00;0,00;0,50");

  r.set_format(v1::ExportRoundRequest::XLSX);
  r.clear_table();  // a workbook holds every table
  v1::ExportRoundResponse file;
  EXPECT_EQ(
      Call(reports_.get(), &v1::ReportService::Stub::ExportRound, appraiser_, r, &file)
          .error_message(),
      "decimal_comma: is for CSV (an XLSX file holds numbers, shown as the spreadsheet "
      "program's language says)");
}

TEST_F(ReportServiceTest, ReasonsInVietnameseForReportsAndInEitherOnAsking) {
  TwoBlocks();
  v1::ExportRoundRequest r;
  r.set_name("rounds/r");
  r.set_column(v1::SELF);
  r.set_format(v1::ExportRoundRequest::CSV);
  r.set_table("criteria");
  const std::vector<std::string> vietnamese = absl::StrSplit(Export(r).content(), "\r\n");
  EXPECT_EQ(
      vietnamese[1],
      "MK,Phường Minh Khai,I.1.1,Ban hành kế hoạch CCHC năm đúng thời hạn,,,hạn "
      "trước 10/02/2023,1.00,1.00,\"ban hành 01/02/2023, hạn trước 10/02/2023: đúng "
      "hạn → 1.00/1.00 điểm\"");
  EXPECT_EQ(
      vietnamese[2],
      "MK,Phường Minh Khai,I.1.2,Mức độ hoàn thành kế hoạch CCHC,tasks_done_on_time "
      "= 22; tasks_due = 25,88.00%,mức ≥ 70%,1.50,3.00,task_completion_rate 22/25 = "
      "88.00% ≥ 70% → 1.50/3.00 điểm");
  r.set_language(v1::ENGLISH);
  const std::vector<std::string> english = absl::StrSplit(Export(r).content(), "\r\n");
  EXPECT_EQ(english[1],
            "MK,Phường Minh Khai,I.1.1,Ban hành kế hoạch CCHC năm đúng thời hạn,,,due "
            "before 2023-02-10,1.00,1.00,\"issued 2023-02-01, due before 2023-02-10: on "
            "time → 1.00 of 1.00\"");
  EXPECT_EQ(
      english[2],
      "MK,Phường Minh Khai,I.1.2,Mức độ hoàn thành kế hoạch CCHC,tasks_done_on_time "
      "= 22; tasks_due = 25,88.00%,band ≥ 70%,1.50,3.00,task_completion_rate 22/25 = "
      "88.00% ≥ 70% → 1.50 of 3.00");

  // The API: English unless Vietnamese is asked for.
  v1::GetUnitScoreRequest get;
  get.set_name("rounds/r/assessments/HN");
  get.set_column(v1::SELF);
  v1::UnitScore en, vi;
  ASSERT_TRUE(
      Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, appraiser_, get, &en)
          .ok());
  get.set_language(v1::VIETNAMESE);
  ASSERT_TRUE(
      Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, appraiser_, get, &vi)
          .ok());
  ASSERT_EQ(en.criteria_size(), vi.criteria_size());
  EXPECT_EQ(en.criteria(0).trace().reason(), "sum of 3 sub-criteria → 6.00 of 6.00");
  EXPECT_EQ(vi.criteria(0).trace().reason(),
            "tổng 3 tiêu chí thành phần → 6.00/6.00 điểm");
  EXPECT_EQ(en.criteria(1).trace().reason(),
            "issued 2023-02-08, due before 2023-02-10: on time → 1.00 of 1.00");
  EXPECT_EQ(vi.criteria(1).trace().reason(),
            "ban hành 08/02/2023, hạn trước 10/02/2023: đúng hạn → 1.00/1.00 điểm");
  EXPECT_EQ(vi.rank(), en.rank());
  // Only the words differ: every number and figure is the same.
  for (int i = 0; i < en.criteria_size(); ++i) {
    EXPECT_EQ(en.criteria(i).points_milli(), vi.criteria(i).points_milli());
    EXPECT_EQ(en.criteria(i).trace().value_text(), vi.criteria(i).trace().value_text());
    EXPECT_EQ(en.criteria(i).trace().inputs_size(), vi.criteria(i).trace().inputs_size());
  }
}

// The printable round report (HTML): the title block with the place, a section per
// block (without the block column), the matrix, the classes per block, the signatures;
// Vietnamese decimals unless English is asked for; every text escaped.
TEST_F(ReportServiceTest, TheRoundReportIsOnePrintablePageWithEveryBlockAndTheClasses) {
  TwoBlocks();
  // A name that is markup must print as text.
  PutUnit("LS", "Phường <Lam> & \"Sơn\"", v1::WARD, "HY");
  v1::ExportRoundRequest r;
  r.set_name("rounds/r");
  r.set_column(v1::SELF);
  r.set_format(v1::ExportRoundRequest::HTML);
  const v1::ExportRoundResponse file = Export(r);
  EXPECT_EQ(file.file_name(), "r.html");
  EXPECT_EQ(file.content_type(), "text/html; charset=utf-8");
  const std::string& html = file.content();
  EXPECT_THAT(html, StartsWith("<!DOCTYPE html>\n<html lang=\"vi\">\n"));
  EXPECT_THAT(html, HasSubstr("@page { size: A4 landscape;"));
  EXPECT_THAT(html, HasSubstr("thead { display: table-header-group; }"));
  EXPECT_THAT(html, HasSubstr("section.table + section.table { break-before: page; }"));
  EXPECT_THAT(html, HasSubstr("<div class=\"issuer\">SỞ NỘI VỤ TỈNH HƯNG YÊN</div>\n"
                              "<div class=\"motto\">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT "
                              "NAM<br>Độc lập - Tự do - Hạnh phúc</div>"));
  EXPECT_THAT(html, HasSubstr("<p class=\"place\">Hưng Yên, ngày 20 tháng 11 năm "
                              "2023</p>\n<h1>Kết quả Chỉ số CCHC năm 2023</h1>"));
  EXPECT_THAT(html, HasSubstr("<p class=\"note\">Số liệu tự đánh giá</p>"));
  // The sections in order: the blocks, the matrix, the classes.
  std::vector<std::string> sections;
  for (size_t at = html.find("<h2>"); at != std::string::npos;
       at = html.find("<h2>", at + 1)) {
    sections.push_back(html.substr(at + 4, html.find("</h2>", at) - at - 4));
  }
  EXPECT_EQ(sections, (std::vector<std::string>{"Bảng xếp hạng Chỉ số CCHC – Khối xã",
                                                "Bảng xếp hạng Chỉ số CCHC – Khối phường",
                                                "Điểm của từng đơn vị theo lĩnh vực",
                                                "Số đơn vị theo xếp loại"}));
  EXPECT_THAT(html, HasSubstr("<thead><tr><th>Hạng</th><th>Mã đơn vị</th><th>Tên đơn "
                              "vị</th><th>Chỉ số</th>"));
  EXPECT_THAT(html, HasSubstr("<tr><td class=\"n\">1</td><td>HN</td><td>Phường Hiến "
                              "Nam</td><td class=\"n\">93,42</td><td>A</td><td "
                              "class=\"n\">73,80</td><td class=\"n\">79,00</td><td "
                              "class=\"n\">0,00</td><td class=\"n\">0,50</td></tr>"));
  EXPECT_THAT(html, HasSubstr("<td>Phường &lt;Lam&gt; &amp; &quot;Sơn&quot;</td>"));
  EXPECT_EQ(html.find("<Lam>"), std::string::npos);
  // Classes per block: MK is B; HN A and LS D; none that never started; then the
  // totals.
  EXPECT_THAT(html, HasSubstr("<th>Khối</th><th>A (Tốt)</th><th>B (Khá)</th><th>C "
                              "(Trung bình)</th><th>D (Yếu)</th><th>Chưa tự đánh "
                              "giá</th><th>Không chấm được</th><th>Tổng số</th>"));
  EXPECT_THAT(html, HasSubstr("<tr><td>Khối xã</td><td class=\"n\">0</td><td "
                              "class=\"n\">1</td><td class=\"n\">0</td><td "
                              "class=\"n\">0</td><td class=\"n\">0</td><td "
                              "class=\"n\">0</td><td class=\"n\">1</td></tr>"));
  EXPECT_THAT(html, HasSubstr("<tr><td>Tổng cộng</td><td class=\"n\">1</td><td "
                              "class=\"n\">1</td><td class=\"n\">0</td><td "
                              "class=\"n\">1</td><td class=\"n\">0</td><td "
                              "class=\"n\">0</td><td class=\"n\">3</td></tr>"));
  EXPECT_THAT(html, HasSubstr("<p class=\"role\">Người lập biểu</p>"));
  EXPECT_THAT(html, HasSubstr("<p class=\"role\">Lãnh đạo</p>"));
  EXPECT_EQ(html.find("<script"), std::string::npos);

  r.set_language(v1::ENGLISH);
  const std::string english = Export(r).content();
  EXPECT_THAT(english, StartsWith("<!DOCTYPE html>\n<html lang=\"en\">\n"));
  EXPECT_THAT(english, HasSubstr("<td class=\"n\">93.42</td>"));
  // The decimal comma is the CSV's option; the report's decimals follow its language.
  r.set_decimal_comma(true);
  v1::ExportRoundResponse refused;
  const grpc::Status s = Call(reports_.get(), &v1::ReportService::Stub::ExportRound,
                              appraiser_, r, &refused);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "decimal_comma: is for CSV (the HTML report writes decimals as its language "
            "does: VIETNAMESE 94,39, ENGLISH 94.39)");
}

// An option the format does not take, or a format or table that is none, is refused
// by its field before the round is read: even for a round that does not exist.
TEST_F(ReportServiceTest, OptionsAFormatDoesNotTakeAreRefusedByTheirField) {
  TwoBlocks();
  struct Case {
    std::string round;
    int format;
    std::string table;
    bool decimal_comma;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"r", v1::ExportRoundRequest::XLSX, "criteria", false,
       "table: is for CSV (an XLSX workbook holds every table; leave it empty)"},
      {"nowhere", v1::ExportRoundRequest::FORMAT_UNSPECIFIED, "ranking", false,
       "table: is for CSV (an XLSX workbook holds every table; leave it empty)"},
      {"r", v1::ExportRoundRequest::HTML, "matrix", false,
       "table: is for CSV (the HTML report holds every table; leave it empty)"},
      {"r", 9, "", false,
       "format: 9 is not a value of parindex.v1.ExportRoundRequest.Format"},
      {"r", v1::ExportRoundRequest::CSV, "", false,
       "table: '' is not a table of this export (ranking, matrix, areas, years, "
       "criteria, datasheet, audit)"},
      {"nowhere", v1::ExportRoundRequest::CSV, "Ranking\n", true,
       "table: 'Ranking\\n' is not a table of this export (ranking, matrix, areas, "
       "years, criteria, datasheet, audit)"},
  };
  for (const Case& c : cases) {
    v1::ExportRoundRequest r;
    r.set_name("rounds/" + c.round);
    r.set_format(static_cast<v1::ExportRoundRequest::Format>(c.format));
    r.set_table(c.table);
    r.set_decimal_comma(c.decimal_comma);
    v1::ExportRoundResponse refused;
    const grpc::Status s = Call(reports_.get(), &v1::ReportService::Stub::ExportRound,
                                appraiser_, r, &refused);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.message;
    EXPECT_EQ(s.error_message(), c.message);
    EXPECT_TRUE(refused.content().empty());
  }
}

// The appraised column of a unit the office has not appraised is only the unit's own
// figures: every export says "Chưa thẩm định" where its index would be, gives it no
// rank, class, points or criteria, counts it apart in the classes, and leaves it out
// of the areas' averages. HN is appraised (one score); LS (wards) and MK (communes)
// are submitted and not appraised.
TEST_F(ReportServiceTest, AUnitNotAppraisedHasNoAppraisedFiguresInAnyExport) {
  TwoBlocks();
  for (const char* unit : {"HN", "LS", "MK"}) {
    ASSERT_TRUE(Submit(unit).ok()) << unit;
  }
  Advance(v1::PHASE_APPRAISAL);
  v1::BatchUpdateEntriesRequest appraise;
  appraise.set_parent("rounds/r/assessments/HN");
  v1::EntryUpdate* u = appraise.add_updates();
  u->mutable_entry()->set_criterion("I.5");
  u->mutable_entry()->mutable_appraised()->set_score_milli(1500);
  const v1::Assessment hn_form = Assessment("HN");
  for (const v1::Entry& e : hn_form.entries()) {
    if (e.criterion() == "I.5") u->set_etag(e.version());
  }
  ASSERT_TRUE(Update(appraiser_, appraise).ok());

  v1::ExportRoundRequest r;
  r.set_name("rounds/r");  // the APPRAISED column, the default
  r.set_format(v1::ExportRoundRequest::CSV);
  r.set_table("ranking");
  std::vector<std::string> lines = absl::StrSplit(Export(r).content(), "\r\n");
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[1], "Khối xã,,MK,Phường Minh Khai,Chưa thẩm định");
  // HN's self-assessment (93.42, 73.80 points) with I.5 appraised at 1.5.
  EXPECT_THAT(lines[2], StartsWith("Khối phường,1,HN,Phường Hiến Nam,"));
  EXPECT_THAT(lines[2], Not(HasSubstr("Chưa thẩm định")));
  EXPECT_EQ(lines[3], "Khối phường,,LS,Phường Lam Sơn,Chưa thẩm định");

  r.set_table("matrix");
  lines = absl::StrSplit(Export(r).content(), "\r\n");
  ASSERT_EQ(lines.size(), 5u);
  // The nine areas and the total empty, then the index column.
  EXPECT_EQ(lines[1], "MK,Phường Minh Khai,Khối xã,,,,,,,,,,,Chưa thẩm định");
  EXPECT_THAT(lines[2], StartsWith("HN,Phường Hiến Nam,Khối phường,"));
  EXPECT_EQ(lines[3], "LS,Phường Lam Sơn,Khối phường,,,,,,,,,,,Chưa thẩm định");

  r.set_table("criteria");
  lines = absl::StrSplit(Export(r).content(), "\r\n", absl::SkipEmpty());
  ASSERT_GT(lines.size(), 1u);
  for (size_t i = 1; i < lines.size(); ++i)
    EXPECT_THAT(lines[i], StartsWith("HN,Phường Hiến Nam,")) << lines[i];
  // I.4 does not apply to a ward (no plan target): no points, its maximum, and why.
  EXPECT_THAT(lines, Contains("HN,Phường Hiến Nam,I.4,Kiểm tra CCHC thực hiện qua môi "
                              "trường mạng,inspections_online = 2; inspections = 4,,,,"
                              "1.00,không áp dụng: kế hoạch demo-hungyen-2023 không đặt "
                              "chỉ tiêu inspections_online_rate cho phường"));

  // Area I over HN alone: 11 self-assessed with I.5 appraised 1.5 instead of 2, of the
  // 11 points that apply to it (the SELF export averages all 3 units).
  r.set_table("areas");
  lines = absl::StrSplit(Export(r).content(), "\r\n");
  EXPECT_EQ(lines[1],
            "I,\"Công tác chỉ đạo, điều hành cải cách hành chính\",12.00,1,10.50,95.45");

  // The workbook: the same rows.
  r.set_format(v1::ExportRoundRequest::XLSX);
  r.clear_table();
  const std::vector<std::string> facts = testing::XlsxFacts(Export(r).content());
  EXPECT_THAT(testing::SheetFacts(facts, "Xếp hạng Khối xã"),
              Contains("row1: Khối xã||MK|Phường Minh Khai|Chưa thẩm định|||||"));
  EXPECT_THAT(testing::SheetFacts(facts, "Xếp hạng Khối phường"),
              Contains("row2: Khối phường||LS|Phường Lam Sơn|Chưa thẩm định|||||"));

  // The printed report: the classes count the two apart, the rows say it.
  r.set_format(v1::ExportRoundRequest::HTML);
  const std::string html = Export(r).content();
  EXPECT_THAT(html, HasSubstr("<p class=\"note\">Số liệu sau thẩm định</p>"));
  EXPECT_THAT(html, HasSubstr("<tr><td></td><td>LS</td><td>Phường Lam Sơn</td><td>Chưa "
                              "thẩm định</td><td></td><td></td><td></td><td></td><td>"
                              "</td></tr>"));
  EXPECT_THAT(html, HasSubstr("<th>D (Yếu)</th><th>Chưa thẩm định</th><th>Không chấm "
                              "được</th><th>Tổng số</th>"));
  EXPECT_THAT(html, HasSubstr("<tr><td>Khối xã</td><td class=\"n\">0</td><td "
                              "class=\"n\">0</td><td class=\"n\">0</td><td "
                              "class=\"n\">0</td><td class=\"n\">1</td><td "
                              "class=\"n\">0</td><td class=\"n\">1</td></tr>"));
  EXPECT_THAT(html, HasSubstr("<tr><td>Tổng cộng</td><td class=\"n\">1</td><td "
                              "class=\"n\">0</td><td class=\"n\">0</td><td "
                              "class=\"n\">0</td><td class=\"n\">2</td><td "
                              "class=\"n\">0</td><td class=\"n\">3</td></tr>"));

  // Finalised, every unit is FINAL, but FINAL alone is not an appraisal: MK and LS,
  // never appraised, stay unranked; HN is ranked with its appraised index.
  for (v1::RoundPhase phase :
       {v1::PHASE_EXPLANATION, v1::PHASE_FINAL_APPRAISAL, v1::PHASE_FINALISED}) {
    Advance(phase);
  }
  r.set_format(v1::ExportRoundRequest::CSV);
  r.set_table("ranking");
  EXPECT_EQ(Export(r).content(),
            "\xEF\xBB\xBFKhối,Hạng,Mã đơn vị,Tên đơn vị,Chỉ số,Xếp loại,Điểm đạt,"
            "Điểm tối đa áp dụng,Điểm khảo sát,\"Điểm thưởng, trừ\"\r\n"
            "Khối xã,,MK,Phường Minh Khai,Chưa thẩm định\r\n"
            "Khối phường,1,HN,Phường Hiến Nam,92.78,A,73.30,79.00,0.00,0.50\r\n"
            "Khối phường,,LS,Phường Lam Sơn,Chưa thẩm định\r\n");
}

// Found by an outside tester (issue 16): the SELF ranking gave a place to a unit that
// never started its self-assessment. It has assessed nothing: no index, class or rank,
// after the ranked units, "Chưa tự đánh giá" in every export and counted apart in the
// classes, as an unappraised unit is in the APPRAISED column. A survey imported by the
// office or a file it attached does not start the unit's form.
TEST_F(ReportServiceTest, AUnitThatNeverStartedIsNotRankedInTheSelfColumn) {
  CreateDemoRound();  // HN, LS and MK, one block
  ASSERT_TRUE(EnterSelf("HN").ok());
  ASSERT_TRUE(EnterSelf("LS").ok());
  v1::GetRankingRequest get;
  get.set_name("rounds/r");
  get.set_column(v1::SELF);
  v1::Ranking ranking;
  grpc::Status s =
      Call(scores_.get(), &v1::ScoreService::Stub::GetRanking, appraiser_, get, &ranking);
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::vector<std::string> rows;
  for (const v1::UnitScore& u : ranking.units()) {
    rows.push_back(absl::StrCat(u.unit(), " ", u.rank(), " ", u.index_hundredths() > 0,
                                " ", u.classification().empty() ? "-" : "class",
                                u.not_started() ? " not started" : ""));
  }
  EXPECT_THAT(rows, ::testing::ElementsAre("HN 1 1 class", "LS 2 1 class",
                                           "MK 0 0 - not started"));
  // Its own score says so too, and its history.
  v1::GetUnitScoreRequest one;
  one.set_name("rounds/r/assessments/MK");
  one.set_column(v1::SELF);
  v1::UnitScore mk;
  s = Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, appraiser_, one, &mk);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(mk.not_started());
  EXPECT_EQ(mk.rank(), 0);
  EXPECT_EQ(mk.index_hundredths(), 0);
  EXPECT_EQ(mk.classification(), "");

  v1::ExportRoundRequest r;
  r.set_name("rounds/r");
  r.set_column(v1::SELF);
  r.set_format(v1::ExportRoundRequest::CSV);
  r.set_table("ranking");
  std::vector<std::string> lines =
      absl::StrSplit(Export(r).content(), "\r\n", absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_THAT(lines[1], StartsWith("Khối phường,1,HN,"));
  EXPECT_THAT(lines[2], StartsWith("Khối phường,2,LS,"));
  EXPECT_EQ(lines[3], "Khối phường,,MK,Phường Minh Khai,Chưa tự đánh giá");
  r.set_table("matrix");
  lines = absl::StrSplit(Export(r).content(), "\r\n", absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[3], "MK,Phường Minh Khai,Khối phường,,,,,,,,,,,Chưa tự đánh giá");
  // The printed report's classes count it apart: HN A, LS D, MK not started.
  r.set_format(v1::ExportRoundRequest::HTML);
  r.clear_table();
  const std::string html = Export(r).content();
  EXPECT_THAT(html, HasSubstr("<th>D (Yếu)</th><th>Chưa tự đánh giá</th><th>Không chấm "
                              "được</th><th>Tổng số</th>"));
  EXPECT_THAT(html, HasSubstr("<tr><td>Tổng cộng</td><td class=\"n\">1</td><td "
                              "class=\"n\">0</td><td class=\"n\">0</td><td "
                              "class=\"n\">1</td><td class=\"n\">1</td><td "
                              "class=\"n\">0</td><td class=\"n\">3</td></tr>"));
  EXPECT_THAT(html, HasSubstr("<tr><td></td><td>MK</td><td>Phường Minh Khai</td><td>Chưa "
                              "tự đánh giá</td>"));

  // The office's file on MK's form is not MK's self-assessment: still not started.
  v1::UploadEvidenceRequest upload;
  upload.set_parent("rounds/r/assessments/MK");
  upload.set_criterion("I.1.1");
  upload.mutable_evidence()->set_file_name("bien-ban.pdf");
  upload.set_content("biên bản");
  ASSERT_TRUE(Submit("HN").ok());
  Advance(v1::PHASE_APPRAISAL);
  v1::Evidence file;
  s = Call(assessments_.get(), &v1::AssessmentService::Stub::UploadEvidence, appraiser_,
           upload, &file);
  ASSERT_TRUE(s.ok()) << s.error_message();
  s = Call(scores_.get(), &v1::ScoreService::Stub::GetUnitScore, appraiser_, one, &mk);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(mk.not_started());
}

// StreamExportRound: the same file as ExportRound, named on its first piece; its errors
// before any piece; refused to whom ExportRound refuses.
TEST_F(ReportServiceTest, TheStreamedExportIsTheSameFile) {
  TwoBlocks();
  v1::ExportRoundRequest r;
  r.set_name("rounds/r");
  r.set_column(v1::SELF);
  for (const auto format : {v1::ExportRoundRequest::CSV, v1::ExportRoundRequest::HTML}) {
    r.set_format(format);
    r.set_table(format == v1::ExportRoundRequest::CSV ? "criteria" : "");
    const v1::ExportRoundResponse whole = Export(r);
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", appraiser_));
    auto reader = reports_->StreamExportRound(&context, r);
    v1::ExportRoundResponse piece;
    std::string content;
    int pieces = 0;
    while (reader->Read(&piece)) {
      if (pieces++ == 0) {
        EXPECT_EQ(piece.file_name(), whole.file_name());
        EXPECT_EQ(piece.content_type(), whole.content_type());
      } else {
        EXPECT_EQ(piece.file_name(), "");
      }
      EXPECT_LE(piece.content().size(), size_t{1} << 20);
      content += piece.content();
    }
    EXPECT_TRUE(reader->Finish().ok());
    EXPECT_EQ(pieces, 1);
    EXPECT_EQ(content, whole.content());
  }
  r.set_name("rounds/nope");
  for (const std::string& token : {appraiser_, std::string("pi_not-a-token")}) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    auto reader = reports_->StreamExportRound(&context, r);
    v1::ExportRoundResponse piece;
    EXPECT_FALSE(reader->Read(&piece));
    EXPECT_EQ(reader->Finish().error_code(), token == appraiser_
                                                 ? grpc::StatusCode::NOT_FOUND
                                                 : grpc::StatusCode::UNAUTHENTICATED);
  }
}

// A round names its year: the reports' heading says it ("năm 2025").
TEST_F(ReportServiceTest, ARoundWithoutAYearIsRefusedNamingTheField) {
  CreateDemoRound();
  v1::CreateRoundRequest create;
  create.mutable_round()->set_id("no-year");
  create.mutable_round()->set_criteria_set("demo-ward-2023");
  create.mutable_round()->add_units("HN");
  v1::Round round;
  const grpc::Status s = Call(rounds_.get(), &v1::RoundService::Stub::CreateRound,
                              appraiser_, create, &round);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "round.year: is required (the year the round assesses, e.g. 2025)");
  v1::GetByNameRequest get;
  get.set_name("rounds/no-year");
  EXPECT_EQ(
      Call(rounds_.get(), &v1::RoundService::Stub::GetRound, appraiser_, get, &round)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace parindex::server
