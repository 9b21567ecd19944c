// The web page in Debian's headless chromium, driven over W3C WebDriver by Debian's
// chromedriver, against the real parindex-server over a fresh database: the ranking,
// and a whole round clicked through by a ward office and an appraiser. Screenshots go
// to build/artifacts/.
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "criteria/yaml_reader.h"
#include "engine/fixed_point.h"
#include "engine/ranking.h"
#include "engine/scorer.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "parindex/v1/score.pb.h"
#include "parindex/v1/service.pb.h"
#include "tests/server_process.h"
#include "tests/store_test_util.h"

namespace {

using parindex::testing::Curl;
using parindex::testing::Server;
using parindex::testing::Start;
using parindex::testing::Stop;

// A WebDriver session on Debian's chromedriver and headless chromium, spoken to over
// HTTP (W3C WebDriver) with cpp-httplib's client. Element lookups use WebDriver's
// implicit wait: the driver polls the page until the element exists (10 s at most).
class Browser {
 public:
  Browser() {
    int out[2];
    EXPECT_EQ(pipe(out), 0);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      execlp("chromedriver", "chromedriver", "--port=0", nullptr);
      _exit(127);
    }
    close(out[1]);
    out_ = fdopen(out[0], "r");
    char line[512];
    int port = 0;
    while (port == 0 && std::fgets(line, sizeof(line), out_) != nullptr) {
      absl::string_view l = absl::StripTrailingAsciiWhitespace(line);
      if (absl::ConsumePrefix(&l, "ChromeDriver was started successfully on port ")) {
        port = std::atoi(std::string(l).c_str());
      }
    }
    driver_ = std::make_unique<httplib::Client>("127.0.0.1", port);
    driver_->set_read_timeout(60);
    const auto session = Send("POST", "/session", R"({"capabilities": {"alwaysMatch": {
        "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": ["--headless=new",
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,900"]}}}})");
    if (session.has_struct_value())
      session_ = session.struct_value().fields().at("sessionId").string_value();
    // Scripts get 50 s (under the client's 60 s read timeout): axe-core over the whole
    // ward form takes several seconds alone, far more on a machine busy with builds.
    Send("POST", Path("/timeouts"), R"({"implicit": 10000, "script": 50000})");
  }
  ~Browser() {
    if (!session_.empty()) Send("DELETE", Path(""), "");
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    fclose(out_);
  }
  bool ok() const { return !session_.empty(); }

  // The address of the page commands go to.
  std::string Url() { return Send("GET", Path("/url"), "").string_value(); }
  void Go(const std::string& url) { Send("POST", Path("/url"), Json("url", url)); }
  // The ids of the elements matching a CSS selector (waiting for at least one).
  std::vector<std::string> Find(const std::string& css) {
    const auto found =
        Send("POST", Path("/elements"),
             absl::StrCat(R"({"using": "css selector", "value": )", Quote(css), "}"));
    std::vector<std::string> ids;
    for (const auto& e : found.list_value().values()) {
      ids.push_back(e.struct_value().fields().begin()->second.string_value());
    }
    return ids;
  }
  void Type(const std::string& element, const std::string& text) {
    Send("POST", Path("/element/" + element + "/value"), Json("text", text));
  }
  void Clear(const std::string& element) {
    Send("POST", Path("/element/" + element + "/clear"), "{}");
  }
  // Replaces what an input holds.
  void Retype(const std::string& css, const std::string& text) {
    const std::string input = Find(css).at(0);
    Clear(input);
    Type(input, text);
  }
  void Click(const std::string& element) {
    Send("POST", Path("/element/" + element + "/click"), "{}");
  }
  std::string Text(const std::string& element) {
    return Send("GET", Path("/element/" + element + "/text"), "").string_value();
  }
  // Clicks the first element matching `css`. A view that renders again between the
  // find and the click replaces the element ("stale element reference"): find it again.
  // One not shown yet (a dialog the page opens once the server has answered: "element
  // not interactable") is clicked once the page shows it.
  void ClickOn(const std::string& css) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      const std::vector<std::string> found = Find(css);
      if (found.empty()) {
        ADD_FAILURE() << "click: no element " << css;
        return;
      }
      httplib::Result r = driver_->Post(Path("/element/" + found[0] + "/click").c_str(),
                                        "{}", "application/json");
      if (r && r->status == 200) return;
      if (r && r->body.find("stale element reference") != std::string::npos) continue;
      if (r && r->body.find("element not interactable") != std::string::npos &&
          WaitInteractable(css) == "ready")
        continue;
      ADD_FAILURE() << "click " << css << ": "
                    << (r ? r->body : httplib::to_string(r.error()));
      return;
    }
    ADD_FAILURE() << "click " << css << ": the element was replaced five times";
  }
  // A first sign-in, with the one-time password `one_time`, which the page asks to
  // change at once: to `password`.
  void FirstSignIn(const std::string& username, const std::string& one_time,
                   const std::string& password) {
    EXPECT_EQ(WaitShown("signin"), "shown");
    Retype("#username", username);
    Retype("#password", one_time);
    ClickOn("#signin-button");
    EXPECT_EQ(WaitText("#change-title", "Đổi mật khẩu"), "Đổi mật khẩu");
    Retype("#new-password", password);
    Retype("#new-password-again", password);
    ClickOn("#change-button");
  }
  void AcceptAlert() { Send("POST", Path("/alert/accept"), "{}"); }
  void DismissAlert() { Send("POST", Path("/alert/dismiss"), "{}"); }
  // The text of the open alert or confirm dialog.
  std::string AlertText() { return Send("GET", Path("/alert/text"), "").string_value(); }
  // Waits, by a MutationObserver in the page, until `probe` (a JavaScript function of
  // `args` answering [met, text]) is met; answers its text then, or after 15 s.
  std::string WaitFor(absl::string_view probe, const std::vector<std::string>& args) {
    return ExecuteAsync(absl::StrCat(R"js(
      const done = arguments[arguments.length - 1];
      const args = Array.prototype.slice.call(arguments, 0, -1);
      const probe = )js",
                                     probe, R"js(;
      const [met, text] = probe(...args);
      if (met) return done(text);
      const observer = new MutationObserver(() => {
        const [met, text] = probe(...args);
        if (met) { observer.disconnect(); done(text); }
      });
      observer.observe(document.documentElement,
                       {subtree: true, childList: true, characterData: true, attributes: true});
      setTimeout(() => { observer.disconnect(); done(probe(...args)[1]); }, 15000);)js"),
                        args);
  }
  // Waits until the first element matching `css` shows `want` (whitespace runs read as
  // one space); answers the text it has then, or after 15 s.
  std::string WaitText(const std::string& css, const std::string& want) {
    return WaitFor(R"js((css, want) => {
      const e = document.querySelector(css);
      const text = e ? e.innerText.replace(/\s+/g, ' ').trim() : '(no element ' + css + ')';
      return [text === want, text];
    })js",
                   {css, want});
  }
  // Waits until the element with id `id` is not hidden (the page shows its sign-in form
  // once it knows nobody is signed in); "shown", or "hidden" after 15 s.
  std::string WaitShown(const std::string& id) {
    return WaitFor(R"js((id) => {
      const e = document.getElementById(id);
      const shown = e && !e.hidden;
      return [shown, shown ? 'shown' : 'hidden'];
    })js",
                   {id});
  }
  // Waits until the first element matching `css` is laid out on the page and not
  // disabled: "ready", or "not ready" after 15 s.
  std::string WaitInteractable(const std::string& css) {
    return WaitFor(R"js((css) => {
      const e = document.querySelector(css);
      const ready = e && e.getClientRects().length > 0 && !e.disabled;
      return [ready, ready ? 'ready' : 'not ready'];
    })js",
                   {css});
  }
  // The browser's cookies for the page, HttpOnly ones too (WebDriver sees them all).
  google::protobuf::ListValue Cookies() {
    return Send("GET", Path("/cookie"), "").list_value();
  }
  // Runs `script` in the page with `args`; answers what it passes to its callback (the
  // last argument), a string.
  std::string ExecuteAsync(const std::string& script,
                           const std::vector<std::string>& args) {
    std::vector<std::string> quoted;
    for (const std::string& a : args) quoted.push_back(Quote(a));
    return Send("POST", Path("/execute/async"),
                absl::StrCat(R"({"script": )", Quote(script), R"(, "args": [)",
                             absl::StrJoin(quoted, ", "), "]}"))
        .string_value();
  }
  // Sets the window's size in CSS pixels.
  void Resize(int width, int height) {
    Send("POST", Path("/window/rect"),
         absl::StrCat(R"({"width": )", width, R"(, "height": )", height, "}"));
  }
  // Runs `script` (a function body) in the page; answers its return value as a string.
  std::string Execute(const std::string& script) {
    return Send("POST", Path("/execute/sync"),
                absl::StrCat(R"({"script": )", Quote(script), R"(, "args": []})"))
        .string_value();
  }
  // Keys sent to the element that has the focus (WebDriver key codes: "\uE004" Tab,
  // "\uE007" Enter).
  void Keys(const std::string& keys) {
    const auto active = Send("GET", Path("/element/active"), "");
    Type(active.struct_value().fields().begin()->second.string_value(), keys);
  }
  // The open windows (tabs), and the one commands go to.
  std::vector<std::string> Windows() {
    std::vector<std::string> handles;
    const google::protobuf::Value answer = Send("GET", Path("/window/handles"), "");
    for (const auto& h : answer.list_value().values())
      handles.push_back(h.string_value());
    return handles;
  }
  std::string Window() { return Send("GET", Path("/window"), "").string_value(); }
  void SwitchTo(const std::string& window) {
    Send("POST", Path("/window"), Json("handle", window));
  }
  // The current page printed to PDF by the browser (W3C WebDriver "Print Page"): A4,
  // backgrounds, portrait or landscape.
  enum Orientation { kPortrait, kLandscape };
  std::string PrintPdf(Orientation orientation = kPortrait) {
    std::string pdf;
    EXPECT_TRUE(absl::Base64Unescape(
        Send("POST", Path("/print"),
             absl::StrCat(
                 R"({"orientation": ")",
                 orientation == kLandscape ? "landscape" : "portrait",
                 R"(", "background": true, "page": {"width": 21.0, "height": 29.7},
                 "shrinkToFit": true})"))
            .string_value(),
        &pdf));
    return pdf;
  }
  void Screenshot(const std::string& file) {
    std::string png;
    ASSERT_TRUE(
        absl::Base64Unescape(Send("GET", Path("/screenshot"), "").string_value(), &png));
    std::ofstream(file, std::ios::binary) << png;
  }

 private:
  std::string Path(const std::string& rest) {
    return absl::StrCat("/session/", session_, rest);
  }
  static std::string Quote(const std::string& text) {
    google::protobuf::Value v;
    v.set_string_value(text);
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(v, &json);
    return json;
  }
  static std::string Json(const std::string& key, const std::string& value) {
    return absl::StrCat("{", Quote(key), ": ", Quote(value), "}");
  }
  // The "value" of the driver's answer; a failure fails the test with the driver's words.
  google::protobuf::Value Send(const std::string& verb, const std::string& path,
                               const std::string& body) {
    httplib::Result r = verb == "GET" ? driver_->Get(path.c_str())
                        : verb == "POST"
                            ? driver_->Post(path.c_str(), body, "application/json")
                            : driver_->Delete(path.c_str());
    google::protobuf::Struct answer;
    if (!r) {
      ADD_FAILURE() << verb << " " << path << ": " << httplib::to_string(r.error());
      return {};
    }
    EXPECT_EQ(r->status, 200) << verb << " " << path << ": " << r->body;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r->body, &answer).ok())
        << r->body;
    return answer.fields().contains("value") ? answer.fields().at("value")
                                             : google::protobuf::Value();
  }

  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  std::unique_ptr<httplib::Client> driver_;
  std::string session_;
};

TEST(WebPage, ShowsTheRankingInHeadlessChromium) {
  parindex::testing::TempDir dir;
  Server server = Start(dir.File("web.db"), {"--http", "127.0.0.1:0"});
  ASSERT_FALSE(server.http.empty());
  // The numbers the page must show: the API's own ranking (the units' own figures:
  // nothing is appraised yet).
  auto [code, json] = Curl(
      server.http + "/parindex.v1.ScoreService/GetRanking", server.tokens["appraiser"],
      R"({"name": "rounds/hungyen-2023", "block": "wards", "column": "SELF"})",
      dir.File("ranking"));
  ASSERT_EQ(code, 200) << json;
  parindex::v1::Ranking ranking;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &ranking).ok());
  ASSERT_EQ(ranking.units_size(), 7);

  Browser browser;
  ASSERT_TRUE(browser.ok());
  browser.Go(server.http + "/");
  // A script's token still signs in, the secondary way under the account form.
  ASSERT_EQ(browser.WaitShown("token-signin"), "shown");
  browser.ClickOn("#use-token");
  const auto token = browser.Find("#token");
  ASSERT_EQ(token.size(), 1u);
  // A wrong token: told so in Vietnamese, with the server's words.
  browser.Type(token[0], "pi_not-a-token");
  browser.Click(browser.Find("#token-button").at(0));
  EXPECT_EQ(browser.WaitText(
                "#token-error",
                "Mã truy cập không đúng hoặc đã bị thu hồi. unknown or revoked token"),
            "Mã truy cập không đúng hoặc đã bị thu hồi. unknown or revoked token");
  // The server's words are the secondary line, not the message.
  EXPECT_EQ(browser.Text(browser.Find("#token-error .server-words").at(0)),
            "unknown or revoked token");
  browser.Retype("#token", server.tokens["appraiser"]);
  browser.Click(browser.Find("#token-button").at(0));
  // An appraiser lands on the status board; the ranking is one click away.
  EXPECT_EQ(browser.WaitText("#board-phase", "Tự đánh giá"), "Tự đánh giá");
  browser.ClickOn("#show-results");
  // In the appraised column no unit has an index or a rank before any appraisal.
  ASSERT_EQ(browser.Find("#ranking-wards tbody tr").size(), 7u);
  EXPECT_EQ(browser.Text(browser.Find("#ranking-wards tbody tr").at(0)),
            "PAT Phường An Tảo Chưa thẩm định");
  EXPECT_EQ(browser.ExecuteAsync(R"js(
      const rows = [...document.querySelectorAll('#ranking-wards tbody tr')];
      arguments[0](rows.filter((r) => r.cells[0].textContent === '' &&
          r.cells[3].textContent === 'Chưa thẩm định').length + '');)js",
                                 {}),
            "7");
  // Opened, such a unit shows its own figures and says so.
  browser.ClickOn("#ranking-wards tbody tr[data-unit='PQT']");
  EXPECT_EQ(browser.WaitText("#breakdown-title",
                             "Phường Quang Trung: chưa thẩm định (điểm dưới đây theo số "
                             "liệu đơn vị tự đánh giá)"),
            "Phường Quang Trung: chưa thẩm định (điểm dưới đây theo số liệu đơn vị tự "
            "đánh giá)");
  browser.ClickOn("#column option[value='SELF']");
  EXPECT_EQ(browser.WaitText("#ranking-wards tbody tr:first-child td:first-child", "1"),
            "1");
  const auto rows = browser.Find("#ranking-wards tbody tr");
  ASSERT_EQ(rows.size(), 7u);
  for (int i = 0; i < 7; ++i) {
    const parindex::v1::UnitScore& u = ranking.units(i);
    const int64_t index = u.index_hundredths();
    EXPECT_EQ(
        browser.Text(rows[i]),
        absl::StrCat(u.rank(), " ", u.unit(), " ", u.unit_name(), " ", index / 100, ",",
                     absl::StrFormat("%02d", index % 100), " ", u.classification()));
  }
  EXPECT_EQ(browser.Text(rows[0]), "1 PQT Phường Quang Trung 91,71 A");

  // A click on a unit shows its points per area, as GetUnitScore has them.
  browser.Click(rows[0]);
  EXPECT_EQ(browser.WaitText("#breakdown-title", "Phường Quang Trung: 91,71 điểm chỉ số"),
            "Phường Quang Trung: 91,71 điểm chỉ số");
  const auto areas = browser.Find("#areas tbody tr");
  ASSERT_EQ(areas.size(), 9u);
  // GetUnitScore of PQT: I 9250/10000 milli (9250 hundredths), III 10436/11000 (9487),
  // IX a bonus of 1000 with no maximum.
  EXPECT_EQ(browser.Text(areas[0]),
            "I. Công tác chỉ đạo, điều hành cải cách hành chính 9,25 10,00 92,50 %");
  EXPECT_EQ(browser.Text(areas[2]),
            "III. Cải cách thủ tục hành chính 10,44 11,00 94,87 %");
  EXPECT_EQ(browser.Text(areas[8]), "IX. Điểm thưởng, điểm trừ 1,00 0,00");
  EXPECT_EQ(browser.Text(browser.Find("#breakdown-title").at(0)),
            "Phường Quang Trung: 91,71 điểm chỉ số");
  std::filesystem::create_directories(PARINDEX_ARTIFACTS);
  browser.Screenshot(std::string(PARINDEX_ARTIFACTS) + "/web-ranking.png");

  EXPECT_EQ(Stop(server), 0);
}

// The non-empty lines pdftotext reads from `pdf` (its layout kept when `layout`, runs
// of spaces as one), with "\f" as a line of its own where a page ends.
std::vector<std::string> PdfLines(const std::string& pdf, const std::string& dir,
                                  bool layout = true) {
  const std::string in = dir + "/report.pdf", out = dir + "/report.txt";
  std::ofstream(in, std::ios::binary) << pdf;
  const std::string command = absl::StrCat("pdftotext ", layout ? "-layout " : "",
                                           "-enc UTF-8 '", in, "' '", out, "'");
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream text(out);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(text, line)) {
    for (size_t page = line.find('\f'); page != std::string::npos;
         page = line.find('\f')) {
      lines.push_back("\f");
      line.erase(page, 1);
    }
    std::string collapsed;
    for (char c : line) {
      if (c == ' ' && (collapsed.empty() || collapsed.back() == ' ')) continue;
      collapsed.push_back(c);
    }
    while (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
    if (!collapsed.empty()) lines.push_back(collapsed);
  }
  return lines;
}

// "91,71": a number as the Vietnamese report prints it.
std::string Comma(std::string number) {
  std::replace(number.begin(), number.end(), '.', ',');
  return number;
}

// "9,24" for 9236 thousandths: rounded half away from zero to hundredths, as the page
// and the server's tables print points.
std::string Milli(int64_t milli) { return Comma(parindex::engine::FormatMilli(milli)); }

// The printable round report, opened from the results view ("In báo cáo") and printed
// to PDF by headless Chromium: read back with pdftotext, the title block, each block
// from its own page with its units' ranks and indices as the API gives them, the
// classification counts and the signature rows.
TEST(WebPage, PrintsTheRoundReportInHeadlessChromium) {
  parindex::testing::TempDir dir;
  Server server = Start(dir.File("print.db"), {"--http", "127.0.0.1:0"});
  ASSERT_FALSE(server.http.empty());
  // The self-assessment column: nothing is appraised yet.
  auto [code, json] = Curl(
      server.http + "/parindex.v1.ScoreService/GetRanking", server.tokens["appraiser"],
      R"({"name": "rounds/hungyen-2023", "column": "SELF"})", dir.File("ranking"));
  ASSERT_EQ(code, 200) << json;
  parindex::v1::Ranking ranking;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &ranking).ok());
  ASSERT_EQ(ranking.units_size(), 17);

  Browser browser;
  ASSERT_TRUE(browser.ok());
  browser.Go(server.http + "/");
  ASSERT_EQ(browser.WaitShown("token-signin"), "shown");
  browser.ClickOn("#use-token");
  browser.Retype("#token", server.tokens["appraiser"]);
  browser.ClickOn("#token-button");
  EXPECT_EQ(browser.WaitText("#board-phase", "Tự đánh giá"), "Tự đánh giá");
  browser.ClickOn("#show-results");
  ASSERT_EQ(browser.Find("#ranking-wards tbody tr").size(), 7u);
  browser.ClickOn("#column option[value='SELF']");
  EXPECT_EQ(browser.WaitText("#ranking-wards tbody tr:first-child td:first-child", "1"),
            "1");
  const std::string page = browser.Window();
  browser.ClickOn("#print-report");
  // The report opens in a tab of its own, on the click itself (window.open); the
  // browser may list the tab a moment after the click returns, so ask until it does.
  std::string report;
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (report.empty() && absl::Now() < give_up) {
    for (const std::string& w : browser.Windows()) {
      if (w != page) report = w;
    }
  }
  ASSERT_FALSE(report.empty());
  browser.SwitchTo(report);
  // The tab opens blank and is sent to the report once it has arrived: a script run in
  // the blank page is cut off by that navigation, so wait for the report's address.
  std::string url;
  while (!absl::StartsWith(url, "blob:") && absl::Now() < give_up) {
    url = browser.Url();
  }
  ASSERT_TRUE(absl::StartsWith(url, "blob:")) << url;
  ASSERT_EQ(browser.WaitText("h1", "Kết quả Chỉ số CCHC năm 2023"),
            "Kết quả Chỉ số CCHC năm 2023");
  const std::vector<std::string> lines =
      PdfLines(browser.PrintPdf(Browser::kLandscape), dir.File(""));
  ASSERT_GT(lines.size(), 10u);
  std::filesystem::create_directories(PARINDEX_ARTIFACTS);
  std::ofstream(std::string(PARINDEX_ARTIFACTS) + "/round-report.txt")
      << absl::StrJoin(lines, "\n") << "\n";

  // The title block: the office beside the national motto, the place and the date.
  EXPECT_EQ(lines[0], "SỞ NỘI VỤ TỈNH HƯNG YÊN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
  EXPECT_EQ(lines[1], "Độc lập - Tự do - Hạnh phúc");
  const absl::CivilDay today =
      absl::ToCivilDay(absl::Now(), absl::FixedTimeZone(7 * 60 * 60));
  EXPECT_EQ(lines[2], absl::StrFormat("Hưng Yên, ngày %02d tháng %02d năm %04d",
                                      today.day(), today.month(), today.year()));
  EXPECT_EQ(lines[3], "Kết quả Chỉ số CCHC năm 2023");
  // Each block's ranking from a page of its own, the communes' first.
  auto page_starting = [&](const std::string& heading) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (lines[i] == heading) return i > 0 && lines[i - 1] == "\f";
    }
    return false;
  };
  EXPECT_TRUE(page_starting("Bảng xếp hạng Chỉ số CCHC – Khối phường"));
  EXPECT_TRUE(page_starting("Điểm của từng đơn vị theo lĩnh vực"));
  EXPECT_THAT(lines, ::testing::Contains("Bảng xếp hạng Chỉ số CCHC – Khối xã"));
  // Every unit's row: rank, code, name, index and class, points, as the API has them.
  for (const parindex::v1::UnitScore& u : ranking.units()) {
    const std::string row =
        absl::StrCat(u.rank(), " ", u.unit(), " ", u.unit_name(), " ",
                     Comma(parindex::engine::FormatHundredths(u.index_hundredths())), " ",
                     u.classification(), " ", Milli(u.achieved_milli()), " ",
                     Milli(u.applicable_max_milli()), " ", Milli(u.survey_milli()), " ",
                     Milli(u.adjustment_milli()));
    EXPECT_THAT(lines, ::testing::Contains(row)) << u.unit();
  }
  EXPECT_THAT(lines, ::testing::Contains("1 PQT Phường Quang Trung 91,71 A 55,48 60,50 "
                                         "0,00 1,00"));
  // The matrix's areas by code and maximum, named under the table.
  EXPECT_THAT(lines, ::testing::Contains(::testing::StartsWith(
                         "Mã đơn vị Tên đơn vị Khối I (12) II (8) III (16)")));
  // The classes, then the signatures side by side.
  EXPECT_THAT(lines, ::testing::Contains("Số đơn vị theo xếp loại"));
  const auto signatures =
      std::find(lines.begin(), lines.end(), "Người lập biểu Lãnh đạo");
  ASSERT_NE(signatures, lines.end());
  ASSERT_NE(signatures + 1, lines.end());
  EXPECT_EQ(*(signatures + 1), "(Ký, ghi rõ họ tên) (Ký, ghi rõ họ tên, đóng dấu)");
  EXPECT_EQ(Stop(server), 0);
}

// The ranking rows of one block as the page prints them, from the engine itself over
// the demo figures with `change` applied: what the published round must show.
// The results view's rows of `block`: the units of `unranked` (not appraised, or never
// submitted: HasAppraisal) after the ranked ones, by code, with no rank nor index.
std::vector<std::string> ExpectedRows(
    const std::string& block,
    const std::function<void(const std::string&, parindex::v1::Assessment*)>& change,
    const std::set<std::string>& unranked = {}) {
  namespace criteria = parindex::criteria;
  const std::string dir = PARINDEX_SOURCE_DIR "/criteria/";
  auto set = criteria::LoadCriteriaSet(dir + "sets/commune-2025.yaml");
  auto plan = criteria::LoadPlan(dir + "plans/hungyen-2023.yaml");
  auto figures = criteria::ReadFigures(dir + "rounds/hungyen-2023/figures.yaml");
  EXPECT_TRUE(set.ok() && plan.ok() && figures.ok());
  if (!set.ok() || !plan.ok() || !figures.ok()) return {};
  std::vector<parindex::v1::UnitScore> scores;
  std::vector<std::string> last;
  for (criteria::UnitFigures& u : figures->proto.units) {
    if (unranked.count(u.unit.code())) {
      if (u.unit.block() == block) last.push_back(u.unit.code() + " " + u.unit.name());
      continue;
    }
    // As the demo loads them: survey answers are the office's, not the ward's.
    parindex::v1::Assessment entered;
    for (const parindex::v1::Entry& e : u.assessment.entries()) {
      if (!e.self().has_survey()) *entered.add_entries() = e;
    }
    *entered.mutable_values() = u.assessment.values();
    change(u.unit.code(), &entered);
    scores.push_back(*parindex::engine::ScoreUnit(**set, plan->get(), u.unit, entered,
                                                  parindex::v1::APPRAISED));
  }
  parindex::engine::RankUnitScores(&scores);
  std::sort(scores.begin(), scores.end(), [](const auto& a, const auto& b) {
    return a.rank() != b.rank() ? a.rank() < b.rank() : a.unit() < b.unit();
  });
  std::vector<std::string> rows;
  for (const parindex::v1::UnitScore& u : scores) {
    if (u.block() != block) continue;
    rows.push_back(absl::StrCat(
        u.rank(), " ", u.unit(), " ", u.unit_name(), " ", u.index_hundredths() / 100, ",",
        absl::StrFormat("%02d", u.index_hundredths() % 100), " ", u.classification()));
  }
  std::sort(last.begin(), last.end());
  for (const std::string& unit : last) rows.push_back(unit + " Chưa thẩm định");
  return rows;
}

parindex::v1::Entry* EntryFor(parindex::v1::Assessment* a, const std::string& code) {
  for (parindex::v1::Entry& e : *a->mutable_entries()) {
    if (e.criterion() == code) return &e;
  }
  return nullptr;
}

// The data sheet's value of `element`, added when missing.
parindex::v1::DataValue* ValueFor(parindex::v1::Assessment* a,
                                  const std::string& element) {
  for (parindex::v1::DataValue& v : *a->mutable_values()) {
    if (v.element() == element) return &v;
  }
  parindex::v1::DataValue* v = a->add_values();
  v->set_element(element);
  return v;
}

// A whole round in the browser: Xã Tân Hưng (XTH, not yet submitted in the demo) fills
// its form with a mistake shown next to the field, uploads evidence and submits; the
// appraiser moves the round on, appraises two criteria, asks for an explanation; the
// ward explains; the appraiser finalises and publishes; the ranking shows the engine's
// numbers for the same inputs.
TEST(WebPage, AWardSubmitsAndAnAppraiserPublishesInHeadlessChromium) {
  parindex::testing::TempDir dir;
  Server server = Start(dir.File("flow.db"), {"--http", "127.0.0.1:0"});
  ASSERT_FALSE(server.http.empty());
  const std::string api = server.http + "/parindex.v1.";
  const std::string appraiser = server.tokens["appraiser"];
  // The people: the demo's ward officer of XTH and the city's appraiser, by account.
  const auto [ward, ward_otp] = server.accounts["ward XTH"];
  const auto [office, office_otp] = server.accounts["appraiser"];
  ASSERT_EQ(ward, "canbo.xth");
  ASSERT_EQ(office, "thamdinh.hyc");
  auto [code, json] = Curl(api + "RoundService/GetRound", appraiser,
                           R"({"name": "rounds/hungyen-2023"})", dir.File("round"));
  parindex::v1::Round round;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &round).ok()) << json;
  absl::Time deadline;
  std::string error;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, round.self_assessment_deadline(),
                              &deadline, &error))
      << error;
  const std::string artifacts = PARINDEX_ARTIFACTS;
  std::filesystem::create_directories(artifacts);

  Browser browser;
  ASSERT_TRUE(browser.ok());
  browser.Go(server.http + "/");
  auto expect_text = [&](const std::string& css, const std::string& want) {
    EXPECT_EQ(browser.WaitText(css, want), want) << css;
  };
  auto sign_in = [&](const std::string& username) {
    ASSERT_EQ(browser.WaitShown("signin"), "shown");
    browser.Retype("#username", username);
    browser.Retype("#password", "mật khẩu mới của " + username);
    browser.ClickOn("#signin-button");
  };
  // The first time, with the one-time password, which the page has changed at once.
  auto first_sign_in = [&](const std::string& username, const std::string& otp) {
    browser.FirstSignIn(username, otp, "mật khẩu mới của " + username);
  };
  auto sign_out = [&] {
    browser.ClickOn("#signout");
    expect_text("#signin-message", "Đã đăng xuất.");
  };

  // The ward's form: its state, deadline and live preview.
  first_sign_in(ward, ward_otp);
  expect_text("#who", "Nguyễn Văn An – Đơn vị Xã Tân Hưng");
  expect_text("#form-title", "Tự đánh giá – Xã Tân Hưng");
  expect_text("#form-state", "Đang nhập");
  expect_text("#form-deadline", absl::FormatTime("%d/%m/%Y %H:%M", deadline,
                                                 absl::FixedTimeZone(7 * 3600)));
  // What waits for the ward: its submission, by the deadline.
  expect_text("#ward-waiting-list",
              absl::StrCat("Nộp tự đánh giá trước ",
                           absl::FormatTime("%d/%m/%Y %H:%M", deadline,
                                            absl::FixedTimeZone(7 * 3600))));
  expect_text("[id='w-value-III.2.1']", "100,00 %");
  expect_text("[id='w-points-III.2.1']", "2,00 / 2,00");
  // The data sheet: each element once, in the area of the first criterion that reads
  // it, under its Vietnamese label with its help text and period; III.2.2 reads the
  // count of dossiers resolved typed at III.2.1.
  expect_text("label[for='w-el-resolved_on_time']",
              "Số hồ sơ giải quyết đúng hạn (kể cả trước hạn)");
  expect_text(
      "[id='w-el-resolved_on_time-help']",
      "Trong số hồ sơ đã giải quyết, hồ sơ trả kết quả đúng hoặc trước hạn; Báo "
      "cáo thống kê từ Hệ thống thông tin giải quyết TTHC của tỉnh Kỳ số liệu: Từ "
      "01/01 đến 31/12 năm đánh giá");
  EXPECT_EQ(browser.ExecuteAsync(R"js(
      const done = arguments[0];
      const all = document.querySelectorAll("[id='w-el-resolved']");
      const home = document.querySelector("[id='w-row-III.2.1'] [id='w-el-resolved']");
      done(all.length + ' ' + (home !== null));)js",
                                 {}),
            "1 true");
  expect_text("[id='w-row-III.2.2'] .shared",
              "Số hồ sơ TTHC đã giải quyết: 784 (đã nhập ở mục III.2.1)");
  // A negative count: the engine's message next to the field, nothing stored.
  browser.Retype("[id='w-el-resolved_on_time']", "-5");
  expect_text("[id='w-el-resolved_on_time-err']", "số liệu không được âm (-5)");
  // More on time than resolved: the set's rule, in its words, with both values.
  browser.Retype("[id='w-el-resolved_on_time']", "800");
  expect_text("[id='w-el-resolved_on_time-err']",
              "Số hồ sơ giải quyết đúng hạn không vượt quá số hồ sơ đã giải quyết: Số hồ "
              "sơ giải quyết đúng hạn (kể cả trước hạn) = 800, lớn hơn Số hồ sơ TTHC đã "
              "giải quyết = 784");
  EXPECT_EQ(browser.ExecuteAsync(R"js(
      arguments[0](document.getElementById('w-el-resolved_on_time')
          .getAttribute('aria-invalid'));)js",
                                 {}),
            "true");
  browser.Retype("[id='w-el-resolved_on_time']", "740");
  expect_text("[id='w-el-resolved_on_time-err']", "");
  expect_text("[id='w-value-III.2.1']", "94,39 %");
  expect_text("[id='w-target-III.2.1']", "> 95 % (chỉ tiêu kế hoạch cho xã)");
  expect_text("[id='w-points-III.2.1']", "0,00 / 2,00");
  // Fewer resolved than on time: the rule is shown at both of its fields.
  browser.Retype("[id='w-el-resolved']", "700");
  const std::string broken =
      "Số hồ sơ giải quyết đúng hạn không vượt quá số hồ sơ đã giải quyết: Số hồ sơ giải "
      "quyết đúng hạn (kể cả trước hạn) = 740, lớn hơn Số hồ sơ TTHC đã giải quyết = 700";
  expect_text("[id='w-el-resolved-err']", broken);
  expect_text("[id='w-el-resolved_on_time-err']", broken);
  // More resolved than received breaks a warning rule: shown, and stored when saved.
  browser.Retype("[id='w-el-resolved']", "830");
  const std::string warning =
      "Cảnh báo: số liệu có thể chưa khớp nhau (vẫn được lưu), đề nghị kiểm tra lại Số "
      "hồ sơ đã giải quyết vượt số hồ sơ tiếp nhận trong năm: chỉ hợp lý khi có nhiều hồ "
      "sơ năm trước chuyển sang; đề nghị kiểm tra lại: Số hồ sơ TTHC đã giải quyết = "
      "830, lớn hơn Số hồ sơ TTHC đã tiếp nhận = 823";
  expect_text("#form-warnings", warning);
  expect_text("[id='w-el-resolved-err']", "");
  expect_text("[id='w-row-III.2.2'] .shared",
              "Số hồ sơ TTHC đã giải quyết: 830 (đã nhập ở mục III.2.1)");
  expect_text("[id='w-value-III.2.1']", "89,16 %");
  browser.ClickOn("#save");
  expect_text("#form-message", "Đã lưu 2 số liệu");
  expect_text("#form-warnings", warning);
  EXPECT_EQ(browser.ExecuteAsync("window.scrollTo(0, 0); arguments[0]('top');", {}),
            "top");
  browser.Screenshot(artifacts + "/web-ward-warning.png");
  // Put back, and saved again over the versions the first save returned.
  browser.Retype("[id='w-el-resolved']", "784");
  expect_text("#form-warnings", "");
  expect_text("[id='w-value-III.2.1']", "94,39 %");
  browser.ClickOn("#save");
  expect_text("#form-message", "Đã lưu 1 số liệu");
  // The Q3 report was never sent: stated as not issued, scored as missing.
  expect_text("[id='w-points-I.2.3']", "0,50 / 0,50");
  expect_text("[id='w-value-I.2.3']", "11/09/2023");
  browser.ClickOn("[id='w-el-report_q3_date-not-issued']");
  expect_text("[id='w-points-I.2.3']", "0,00 / 0,50");
  expect_text("[id='w-value-I.2.3']", "Chưa ban hành");
  EXPECT_EQ(browser.ExecuteAsync(R"js(
      arguments[0](String(document.getElementById('w-el-report_q3_date').disabled));)js",
                                 {}),
            "true");
  // A yes/no element: a select, scored live.
  browser.ClickOn("[id='w-el-one_stop_staffed'] option[value='false']");
  expect_text("[id='w-points-III.3.1']", "-0,25 / 1,00");
  browser.ClickOn("[id='w-el-one_stop_staffed'] option[value='true']");
  expect_text("[id='w-points-III.3.1']", "1,00 / 1,00");
  // A yes/no the criterion keeps itself (its rule reads no element): on its entry.
  browser.ClickOn("[id='w-IV.4-done'] option[value='false']");
  expect_text("[id='w-points-IV.4']", "0,00 / 1,00");
  // An empty file: said in Vietnamese, nothing sent.
  const std::string empty_file = dir.File("rong.pdf");
  std::ofstream{empty_file};
  browser.Type(browser.Find("[id='upload-III.2.1']").at(0), empty_file);
  expect_text("#form-error",
              "Tệp rong.pdf không có nội dung (0 byte): hãy chọn đúng tệp.");
  // A value typed next is previewed; the preview clears the error line only of errors
  // about typed values: the refused file's words stay until the next action (the
  // preview used to clear them, sometimes before they could be read).
  browser.Retype("[id='w-I.5-score']", "1,5");
  expect_text("[id='w-points-I.5']", "1,50 / 1,50");
  EXPECT_EQ(browser.Execute("return document.getElementById('form-error').textContent;"),
            "Tệp rong.pdf không có nội dung (0 byte): hãy chọn đúng tệp.");
  // A judgement criterion keeps its self-score (a Vietnamese decimal), and every
  // criterion its comment: both go with BatchUpdateEntries when the form is stored.
  browser.Retype("[id='w-I.5-score']", "1,25");
  expect_text("[id='w-points-I.5']", "1,25 / 1,50");
  browser.Type(browser.Find("[id='w-comment-III.2.1']").at(0),
               "Theo Hệ thống một cửa điện tử đến 31/12");
  // Numbers are read the Vietnamese way: a decimal comma, dots between thousands.
  EXPECT_EQ(
      browser.ExecuteAsync(R"js(
      arguments[0]([parseNumber('87,5', true).value, parseNumber('1.234', false).value,
                    parseNumber('0,125', true).value, parseNumber('12,3456', true).error,
                    parseNumber('7,5', false).error].join(' | '));)js",
                           {}),
      "87500 | 1234 | 125 | phải là số, tối đa 3 chữ số thập phân (ví dụ 87,5) | phải "
      "là số nguyên (ví dụ 784)");
  const std::string pdf = dir.File("bao-cao-mot-cua.pdf");
  std::ofstream(pdf) << "%PDF-1.4\n";
  browser.Type(browser.Find("[id='upload-III.2.1']").at(0), pdf);
  expect_text("[id='w-evidence-III.2.1'] ul.evidence", "bao-cao-mot-cua.pdf (9 B) Xóa");
  // The printed report lists the file at once (it used to wait for a reload).
  EXPECT_THAT(browser.Execute("return document.getElementById('report').textContent;"),
              ::testing::HasSubstr("bao-cao-mot-cua.pdf"));
  browser.Screenshot(artifacts + "/web-ward-form.png");
  // On a phone (390 CSS pixels) the form fits the width: no sideways scrolling.
  browser.Resize(390, 844);
  EXPECT_EQ(browser.ExecuteAsync(R"js(
      const done = arguments[0];
      const fits = () => window.innerWidth <= 390 &&
          document.documentElement.scrollWidth <= document.documentElement.clientWidth;
      const answer = () => done(window.innerWidth + ' ' +
          document.documentElement.scrollWidth + ' ' + document.documentElement.clientWidth + ' ' +
          [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > 376)
              .slice(0, 8).map((e) => e.tagName + '#' + e.id + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right)).join(' | '));
      if (fits()) { done('fits'); } else {
        window.addEventListener('resize', () => { if (fits()) done('fits'); });
        setTimeout(() => { if (fits()) done('fits'); else answer(); }, 5000);
      })js",
                                 {}),
            "fits");
  browser.Screenshot(artifacts + "/web-ward-form-390.png");
  // By keyboard alone on the phone: each field Tab reaches shows above the sticky
  // «Lưu»/«Nộp» bar, never under it (the outside tester's keyboard walk).
  browser.Execute("window.scrollTo(0, 0); document.querySelector('#form-areas input').focus();");
  const char* covered_by_bar = R"js(
      const bar = document.querySelector('#form .actions').getBoundingClientRect();
      const a = document.activeElement;
      if (a.closest('.actions')) return 'bar';
      const r = a.getBoundingClientRect();
      return r.bottom > bar.top + 1 ? a.id + ' ' + Math.round(r.bottom) + ' > ' +
          Math.round(bar.top) : 'clear';)js";
  int fields_walked = 0;
  for (int tab = 0; tab < 60; ++tab) {
    const std::string where = browser.Execute(covered_by_bar);
    if (where == "bar") break;
    EXPECT_EQ(where, "clear") << "after " << tab << " Tab presses";
    ++fields_walked;
    browser.Keys("\uE004");
  }
  EXPECT_GT(fields_walked, 20);
  browser.Resize(1200, 900);
  // Submitting asks first (what it means, the inputs still empty); then it is done.
  browser.ClickOn("#submit");
  browser.ClickOn("#submit-confirm-send");
  expect_text("#form-state", "Đã nộp");
  expect_text("#form-message", "Đã nộp tự đánh giá");
  // Stored as typed, on the data sheet, with the file.
  std::tie(code, json) =
      Curl(api + "AssessmentService/GetAssessment", appraiser,
           R"({"name": "rounds/hungyen-2023/assessments/XTH"})", dir.File("a"));
  parindex::v1::Assessment stored;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &stored).ok()) << json;
  EXPECT_EQ(stored.state(), parindex::v1::STATE_SUBMITTED);
  EXPECT_EQ(ValueFor(&stored, "resolved_on_time")->self().count(), 740);
  EXPECT_EQ(ValueFor(&stored, "resolved")->self().count(), 784);
  EXPECT_TRUE(ValueFor(&stored, "report_q3_date")->self().not_issued());
  ASSERT_NE(EntryFor(&stored, "III.2.1"), nullptr);
  EXPECT_TRUE(EntryFor(&stored, "III.2.1")->self().figures().empty());
  EXPECT_EQ(EntryFor(&stored, "III.2.1")->comment(),
            "Theo Hệ thống một cửa điện tử đến 31/12");
  ASSERT_NE(EntryFor(&stored, "I.5"), nullptr);
  EXPECT_EQ(EntryFor(&stored, "I.5")->self().score_milli(), 1250);
  ASSERT_NE(EntryFor(&stored, "IV.4"), nullptr);
  EXPECT_TRUE(EntryFor(&stored, "IV.4")->self().has_done());
  EXPECT_FALSE(EntryFor(&stored, "IV.4")->self().done());
  ASSERT_EQ(EntryFor(&stored, "III.2.1")->evidence_size(), 1);
  EXPECT_EQ(EntryFor(&stored, "III.2.1")->evidence(0).sha256(),
            "e5c62df5dab5c87b6a015ef3d43597074d1eec433b15f51aec63b8582d0e4ab4");
  sign_out();

  // The appraiser: the board, the round moved to appraisal, XTH appraised.
  first_sign_in(office, office_otp);
  expect_text("#who", "Trần Thị Hoa – Phòng Nội vụ (thẩm định)");
  expect_text("#state-XTH", "Đã nộp");
  expect_text("#board-summary", "17 (Đang nhập: 2, Đã nộp: 15)");
  // Reloads keep the appraiser on the board, every time: the board is assess.js's, and
  // the session's answer can come back before that script has run.
  for (int reload = 0; reload < 4; ++reload) {
    browser.Go(server.http + "/");
    expect_text("#who", "Trần Thị Hoa – Phòng Nội vụ (thẩm định)");
    expect_text("#board-summary", "17 (Đang nhập: 2, Đã nộp: 15)");
    EXPECT_EQ(
        browser.ExecuteAsync(
            "arguments[0](document.getElementById('signin-error').textContent);", {}),
        "");
  }
  // Moving on warns of the two units that never submitted, and says what happens.
  browser.ClickOn("#advance");
  expect_text("#advance-summary", "2 đơn vị chưa sẵn sàng:");
  expect_text("#not-ready-XHC",
              "XHC Xã Hùng Cường (Đang nhập): chưa nộp tự đánh giá: không nộp được nữa "
              "(trừ khi được mở lại trước khi chuyển); Phòng Nội vụ thẩm định theo số "
              "liệu đang có");
  // The board drawn again while the panel is open (a second load of the page racing
  // the first did this under load) keeps the panel, for the same phase, to confirm.
  EXPECT_EQ(browser.ExecuteAsync("showBoard().then(() => arguments[0](String("
                                 "document.getElementById('advance-panel').hidden)));",
                                 {}),
            "false");
  browser.ClickOn("#advance-confirm");
  expect_text("#board-phase", "Thẩm định");
  // Before any appraisal no unit has an appraised index (a draft is not ranked).
  expect_text("#index-XHC", "Chưa thẩm định");
  expect_text("#index-XTH", "Chưa thẩm định");
  // The office appraises every other unit as it stands (an appraisal comment): ranked
  // once published, on their own figures; but not XHC and XPCU, which never submitted.
  for (const char* unit : {"PLS", "PHN", "PAT", "PLL", "PMK", "PQT", "PHC", "XBK", "XTN",
                           "XLP", "XHN", "XQC", "XHH", "XPCH", "XHC", "XPCU"}) {
    std::tie(code, json) =
        Curl(api + "AssessmentService/BatchUpdateEntries", appraiser,
             absl::StrCat(
                 R"({"parent": "rounds/hungyen-2023/assessments/)", unit,
                 R"(", "updates": [{"entry": {"criterion": "I.1.1", )",
                 R"("appraisal_comment": "Đã đối chiếu, giữ nguyên"}, )",
                 R"("update_mask": "appraisal_comment", "etag": ")",
                 [&] {
                   auto [c, j] = Curl(api + "AssessmentService/GetAssessment", appraiser,
                                      absl::StrCat(R"({"name": "rounds/hungyen-2023/)",
                                                   R"(assessments/)", unit, R"("})"),
                                      dir.File("a"));
                   parindex::v1::Assessment a;
                   EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(j, &a).ok());
                   const parindex::v1::Entry* e = EntryFor(&a, "I.1.1");
                   return e == nullptr ? int64_t{0} : e->version();
                 }(),
                 R"("}]})"),
             dir.File("appraise"));
    EXPECT_EQ(code, 200) << unit << ": " << json;
  }
  browser.Screenshot(artifacts + "/web-board.png");
  browser.ClickOn("#appraise-XTH");
  expect_text("#appraisal-title", "Thẩm định – Xã Tân Hưng");
  // Nothing appraised yet: no appraised index (the server's not_appraised), the ward's
  // own beside it.
  expect_text("#appraisal-total", "Chưa thẩm định");
  const std::string self_iii_2_1 =
      "Số hồ sơ giải quyết đúng hạn (kể cả trước hạn): 740; Số hồ sơ TTHC đã giải "
      "quyết: 784 Tự chấm: 0,00 Theo Hệ thống một cửa điện tử đến 31/12 "
      "bao-cao-mot-cua.pdf (9 B)";
  expect_text("[id='self-III.2.1']", self_iii_2_1);
  expect_text("[id='self-I.2.3']",
              "Ngày gửi Báo cáo CCHC quý III: Chưa ban hành Tự chấm: 0,00");
  expect_text("[id='self-el-resolved_on_time']", "Đơn vị báo cáo: 740");
  expect_text("#appraisal-changes-summary",
              "Đây là lần nộp đầu tiên: chưa có lần nộp trước để so sánh.");
  // The ward's file opens from the appraisal, with the appraiser's session cookie.
  EXPECT_EQ(browser.ExecuteAsync(R"js(
      const [css, done] = arguments;
      const link = document.querySelector(css);
      fetch(link.href)
          .then((r) => r.text()).then((t) => done(link.getAttribute('href') + ' ' + t));)js",
                                 {"[id='self-III.2.1'] a"}),
            "/v1/rounds/hungyen-2023/assessments/XTH/evidence/1 %PDF-1.4\n");
  const std::string leaving = R"js(
      const e = new Event('beforeunload', {cancelable: true});
      window.dispatchEvent(e);
      return String(e.defaultPrevented);)js";
  EXPECT_EQ(browser.Execute(leaving), "false");
  browser.Retype("[id='a-el-resolved_on_time']", "760");
  expect_text("[id='a-points-III.2.1']", "2,00 / 2,00");
  // An appraised figure typed: the preview is the office's word, with its index.
  expect_text("#appraisal-total", "86,40 (52,27 / 60,50 điểm)");
  // The appraiser's typing not yet saved: leaving the page asks first.
  EXPECT_EQ(browser.Execute(leaving), "true");
  browser.Retype("[id='a-I.5-score']", "1");
  expect_text("[id='a-points-I.5']", "1,00 / 1,50");
  browser.Type(browser.Find("[id='comment-III.2.1']").at(0),
               "Đối chiếu Hệ thống một cửa điện tử: 760 hồ sơ đúng hạn");
  // Nothing to ask yet: said in Vietnamese, nothing sent.
  browser.ClickOn("#request-explanation");
  expect_text("#appraisal-error",
              "Hãy chọn lý do và ghi nội dung cần giải trình ở ít nhất một tiêu chí.");
  // A question typed before saving is kept until it is sent.
  browser.ClickOn("[id='ask-reason-III.2.1'] option[value='REASON_FIGURES_MISMATCH']");
  browser.Type(browser.Find("[id='ask-III.2.1']").at(0),
               "Giải trình chênh lệch 20 hồ sơ so với Hệ thống một cửa");
  browser.ClickOn("#save-appraisal");
  expect_text("#appraisal-message", "Đã lưu thẩm định: 1 số liệu, 2 tiêu chí");
  // Saved; the question is still only typed (kept until sent): leaving asks.
  EXPECT_EQ(browser.Execute(leaving), "true");
  EXPECT_EQ(
      browser.ExecuteAsync(R"js(arguments[0](
      document.getElementById('ask-reason-III.2.1').value + ' ' +
      document.getElementById('ask-III.2.1').value);)js",
                           {}),
      "REASON_FIGURES_MISMATCH Giải trình chênh lệch 20 hồ sơ so với Hệ thống một cửa");
  expect_text("[id='self-el-resolved_on_time']",
              "Đơn vị báo cáo: 740 đã điều chỉnh khi thẩm định");
  EXPECT_EQ(browser.ExecuteAsync(R"js(
      arguments[0](document.getElementById('a-el-resolved_on_time').value);)js",
                                 {}),
            "760");
  // The appraised column of the data sheet, beside the ward's value.
  std::tie(code, json) =
      Curl(api + "AssessmentService/GetAssessment", appraiser,
           R"({"name": "rounds/hungyen-2023/assessments/XTH"})", dir.File("a"));
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &stored).ok()) << json;
  EXPECT_EQ(ValueFor(&stored, "resolved_on_time")->self().count(), 740);
  EXPECT_EQ(ValueFor(&stored, "resolved_on_time")->appraised().count(), 760);
  EXPECT_FALSE(ValueFor(&stored, "resolved")->has_appraised());
  EXPECT_EQ(EntryFor(&stored, "I.5")->appraised().score_milli(), 1000);
  browser.ClickOn("#request-explanation");
  expect_text("#appraisal-state", "Được yêu cầu giải trình");
  expect_text("#appraisal-message", "Đã yêu cầu giải trình 1 tiêu chí");
  EXPECT_EQ(browser.Execute(leaving), "false");
  expect_text(
      "[id='a-row-III.2.1'] .request",
      "Đã yêu cầu: [Số liệu không khớp báo cáo] Giải trình chênh lệch 20 hồ sơ so "
      "với Hệ thống một cửa");
  expect_text("[id='self-III.2.1']", self_iii_2_1);
  expect_text("[id='a-points-III.2.1']", "2,00 / 2,00");
  browser.Screenshot(artifacts + "/web-appraisal.png");
  // Typed appraisal work and the header's buttons: asked first; kept when declined.
  browser.Retype("[id='a-el-resolved_on_time']", "765");
  browser.ClickOn("#show-results");
  EXPECT_EQ(browser.AlertText(),
            "Có số liệu thẩm định đã nhập nhưng chưa lưu (bản nháp vẫn được giữ trên "
            "máy này). Rời đơn vị này?");
  browser.DismissAlert();
  EXPECT_EQ(
      browser.Execute("return document.getElementById('a-el-resolved_on_time').value + "
                      "'|' + document.getElementById('appraisal').hidden;"),
      "765|false");
  browser.ClickOn("#show-board");
  EXPECT_EQ(browser.AlertText(),
            "Có số liệu thẩm định đã nhập nhưng chưa lưu (bản nháp vẫn được giữ trên "
            "máy này). Rời đơn vị này?");
  browser.AcceptAlert();
  expect_text("#state-XTH", "Được yêu cầu giải trình");
  // Asked once, the office can still add criteria to the request while the round is
  // in appraisal: the first question stays, the message is this click's alone.
  browser.ClickOn("#appraise-PLS");
  expect_text("#appraisal-state", "Đã nộp");  // a comment alone is no appraised value
  browser.ClickOn("[id='ask-reason-I.5'] option[value='REASON_MISSING_EVIDENCE']");
  browser.Type(browser.Find("[id='ask-I.5']").at(0), "Bổ sung quyết định công nhận");
  browser.ClickOn("#request-explanation");
  expect_text("#appraisal-state", "Được yêu cầu giải trình");
  browser.ClickOn("[id='ask-reason-I.1.1'] option[value='REASON_WRONG_PERIOD']");
  browser.Type(browser.Find("[id='ask-I.1.1']").at(0), "Kế hoạch ban hành cho năm nào?");
  browser.ClickOn("#request-explanation");
  expect_text("[id='a-row-I.1.1'] .request",
              "Đã yêu cầu: [Sai kỳ số liệu] Kế hoạch ban hành cho năm nào?");
  expect_text("[id='a-row-I.5'] .request",
              "Đã yêu cầu: [Thiếu tài liệu kiểm chứng] Bổ sung quyết định công nhận");
  expect_text("#appraisal-message", "Đã yêu cầu giải trình 1 tiêu chí");
  expect_text("#appraisal-error", "");
  browser.ClickOn("#back-to-board");
  expect_text("#state-PLS", "Được yêu cầu giải trình");
  expect_text("#state-XTH", "Được yêu cầu giải trình");
  browser.ClickOn("#advance");
  browser.ClickOn("#advance-confirm");
  expect_text("#board-phase", "Giải trình");
  sign_out();

  // The ward answers the request.
  sign_in(ward);
  expect_text("#form-state", "Được yêu cầu giải trình");
  expect_text(
      "[id='w-row-III.2.1'] .request",
      "Yêu cầu giải trình: Giải trình chênh lệch 20 hồ sơ so với Hệ thống một cửa");
  // Its own boxes are greyed out, and the card says why.
  expect_text("[id='w-ask-note-III.2.1']",
              "Trong giai đoạn giải trình, số liệu và điểm tự chấm của tiêu chí này giữ như "
              "đã nộp nên không sửa được: hãy trả lời ở ô giải trình trên và đính kèm tài "
              "liệu bổ sung (nếu có).");
  EXPECT_EQ(browser.Execute("return String(document.getElementById('w-comment-III.2.1')"
                            ".disabled);"),
            "true");
  // An answer holding a direction mark is not saved, and «Lưu giải trình» says «lưu».
  auto set_answer = [&](const std::string& js_text) {
    browser.Execute("const t = document.getElementById('explain-III.2.1'); t.value = '" +
                    js_text + "'; t.dispatchEvent(new Event('input', {bubbles: true})); "
                    "return '';");
  };
  set_answer("Đã \\u202Ebổ sung");
  browser.ClickOn("#save-explanation");
  expect_text("#form-error",
              "Chưa lưu được: một ô văn bản còn lỗi, xem dòng báo lỗi ngay dưới ô đó.");
  set_answer("");
  browser.Execute("document.getElementById('explain-III.2.1').removeAttribute('data-dirty'); "
                  "return '';");
  // What waits for the ward: the round sets no explanation deadline, and says so.
  expect_text(
      "#ward-waiting-explain",
      "Gửi giải trình 1 tiêu chí (không đặt hạn): Tiêu chí III.2.1 (Số liệu không "
      "khớp báo cáo): Giải trình chênh lệch 20 hồ sơ so với Hệ thống một cửa");
  // Sending with the question unanswered asks first, naming it; going back leads to
  // its box, nothing sent.
  browser.ClickOn("#submit-explanation");
  EXPECT_EQ(browser.WaitShown("explain-confirm"), "shown");
  expect_text("#explain-confirm-title",
              "Gửi giải trình 1 tiêu chí cho Phòng Nội vụ? Sau khi gửi, đơn vị không sửa "
              "được giải trình nữa.");
  expect_text("#explain-confirm-unanswered",
              "Còn 1 tiêu chí chưa có nội dung giải trình:");
  expect_text("#explain-confirm-list",
              "Tiêu chí III.2.1: Giải trình chênh lệch 20 hồ sơ so với Hệ thống một cửa");
  expect_text("#explain-confirm-send", "Vẫn gửi khi còn tiêu chí chưa trả lời");
  EXPECT_EQ(browser.Execute("return document.activeElement.id;"),
            "explain-confirm-cancel");
  browser.Keys("\uE007");
  EXPECT_EQ(browser.Execute("return document.getElementById('explain-confirm').hidden + "
                            "' ' + document.activeElement.id;"),
            "true explain-III.2.1");
  expect_text("#form-state", "Được yêu cầu giải trình");
  // An answer is saved without being sent: stored, the unit still owes it.
  browser.Keys("20 hồ sơ nhập muộn trên hệ thống");
  browser.ClickOn("#save-explanation");
  expect_text("#form-message",
              "Đã lưu giải trình 1 tiêu chí (chưa gửi cho Phòng Nội vụ).");
  std::tie(code, json) =
      Curl(api + "AssessmentService/GetAssessment", appraiser,
           R"({"name": "rounds/hungyen-2023/assessments/XTH"})", dir.File("a"));
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &stored).ok()) << json;
  // The office reads explanations only as sent: nothing yet.
  EXPECT_EQ(EntryFor(&stored, "III.2.1")->explanation(), "");
  EXPECT_EQ(stored.state(), parindex::v1::STATE_EXPLANATION_REQUESTED);
  // More typed, and the page closed without saving: restored on return, and the
  // message names a button this phase shows.
  browser.Type(browser.Find("[id='explain-III.2.1']").at(0), ", đã bổ sung ngày 05/01");
  browser.Execute(
      "form.dirty.clear(); form.dirtyValues.clear(); "
      "document.getElementById('explain-III.2.1').removeAttribute('data-dirty'); "
      "return '';");
  browser.Go(server.http + "/");
  expect_text(
      "#form-message",
      "Đã khôi phục 1 ô đã nhập nhưng chưa lưu (bản nháp trên máy này). Bấm «Lưu "
      "giải trình (chưa gửi)» để lưu lên hệ thống, hoặc «Gửi giải trình» để gửi cho "
      "Phòng Nội vụ.");
  EXPECT_EQ(browser.Execute("const b = document.getElementById('save-explanation'); "
                            "return b.hidden + ' ' + (b.offsetParent !== null) + ' ' + "
                            "b.textContent;"),
            "false true Lưu giải trình (chưa gửi)");
  // Everything answered: the confirmation says so, and sends on the click.
  browser.ClickOn("#submit-explanation");
  expect_text("#explain-confirm-unanswered",
              "Mọi tiêu chí được yêu cầu đều đã có nội dung giải trình.");
  EXPECT_EQ(
      browser.Execute("return document.getElementById('explain-confirm-list').hidden + "
                      "' ' + document.activeElement.id;"),
      "true explain-confirm-send");
  browser.ClickOn("#explain-confirm-send");
  expect_text("#form-state", "Đã giải trình");
  expect_text("#form-locked-why", "Đơn vị đã gửi giải trình: biểu mẫu chỉ xem được.");
  expect_text(
      "#form-locked-what",
      "Cần sửa giải trình? Hãy đề nghị Phòng Nội vụ mở lại giải trình cho đơn vị.");
  sign_out();

  // The appraiser reads it, finalises and publishes.
  sign_in(office);
  expect_text("#state-XTH", "Đã giải trình");
  browser.ClickOn("#advance");
  browser.ClickOn("#advance-confirm");
  expect_text("#board-phase", "Thẩm định lại");
  browser.ClickOn("#appraise-XTH");
  expect_text(
      "[id='explanation-III.2.1']",
      "Đơn vị giải trình: 20 hồ sơ nhập muộn trên hệ thống, đã bổ sung ngày 05/01");
  // What the ward changed between its submission and its explanation, from the audit
  // trail.
  expect_text("#appraisal-changes-list",
              "III.2.1 – giải trình: 20 hồ sơ nhập muộn trên hệ thống, đã bổ sung ngày "
              "05/01");
  browser.ClickOn("#finalise");
  expect_text("#appraisal-state", "Hoàn thành");
  browser.ClickOn("#back-to-board");
  for (const char* phase : {"Đã chốt điểm", "Đã công bố"}) {
    browser.ClickOn("#advance");
    browser.ClickOn("#advance-confirm");
    expect_text("#board-phase", phase);
  }

  // The published ranking: the engine's, with the appraised values laid over XTH's.
  const std::vector<std::string> want = ExpectedRows(
      "communes",
      [](const std::string& unit, parindex::v1::Assessment* a) {
        if (unit != "XTH") return;
        parindex::v1::DataValue* on_time = ValueFor(a, "resolved_on_time");
        on_time->mutable_self()->set_count(740);
        on_time->mutable_appraised()->set_count(760);
        ValueFor(a, "report_q3_date")->mutable_self()->set_not_issued(true);
        EntryFor(a, "I.5")->mutable_self()->set_score_milli(1250);
        EntryFor(a, "IV.4")->mutable_self()->set_done(false);
        EntryFor(a, "I.5")->mutable_appraised()->set_score_milli(1000);
      },
      {"XHC", "XPCU"});  // never submitted: not ranked, though the office commented
  ASSERT_EQ(want.size(), 10u);
  browser.ClickOn("#show-results");
  for (size_t i = 0; i < want.size(); ++i) {
    expect_text(absl::StrCat("#ranking-communes tbody tr:nth-child(", i + 1, ")"),
                want[i]);
  }
  browser.Screenshot(artifacts + "/web-published.png");
  EXPECT_EQ(Stop(server), 0);
}

// People sign in with accounts: the one-time password is changed first; a reload keeps
// the session (an HttpOnly, SameSite=Strict cookie script cannot read); signing out ends
// it on the server; five wrong passwords lock the username, after which even the right
// one gets the same answer as an unknown username.
TEST(WebPage, SignsInKeepsTheSessionOnReloadSignsOutAndLocksInHeadlessChromium) {
  parindex::testing::TempDir dir;
  Server server = Start(dir.File("signin.db"), {"--http", "127.0.0.1:0"});
  ASSERT_FALSE(server.http.empty());
  const auto [admin, admin_otp] = server.accounts["admin"];
  const auto [ward, ward_otp] = server.accounts["ward XTH"];
  ASSERT_EQ(admin, "quantri");
  ASSERT_EQ(admin_otp.size(), 20u);
  const std::string api = server.http + "/parindex.v1.";
  const std::string artifacts = PARINDEX_ARTIFACTS;
  std::filesystem::create_directories(artifacts);
  Browser browser;
  ASSERT_TRUE(browser.ok());
  auto expect_text = [&](const std::string& css, const std::string& want) {
    EXPECT_EQ(browser.WaitText(css, want), want) << css;
  };
  auto script = [&](const std::string& expression) {
    return browser.ExecuteAsync("arguments[0](String(" + expression + "));", {});
  };

  browser.Go(server.http + "/");
  ASSERT_EQ(browser.WaitShown("signin"), "shown");
  // Signed out, the menu is not shown (hidden wins over the header's flex layout).
  EXPECT_EQ(script("getComputedStyle(document.getElementById('nav')).display"), "none");
  EXPECT_EQ(script("document.getElementById('show-results').getClientRects().length"),
            "0");
  EXPECT_EQ(browser.Text(browser.Find("label[for='username']").at(0)), "Tên đăng nhập");
  EXPECT_EQ(browser.Text(browser.Find("label[for='password']").at(0)), "Mật khẩu");

  // First sign-in: the one-time password must be changed before anything else.
  browser.Retype("#username", admin);
  browser.Retype("#password", admin_otp);
  browser.ClickOn("#signin-button");
  EXPECT_EQ(browser.WaitShown("change-password"), "shown");
  EXPECT_EQ(script("document.getElementById('nav').hidden"), "true");
  // The one-time password was just typed: it is not asked again (a hidden field holding
  // it was typed into a second time), and the new password has the focus.
  EXPECT_EQ(script("document.getElementById('old-password').getClientRects().length"),
            "0");
  EXPECT_EQ(script("document.activeElement.id"), "new-password");
  browser.Retype("#new-password", "mật khẩu mới 2025");
  browser.Retype("#new-password-again", "mật khẩu khác");
  browser.ClickOn("#change-button");
  expect_text("#change-error", "Hai lần nhập mật khẩu mới không giống nhau.");
  browser.Retype("#new-password", "ngắn");
  browser.Retype("#new-password-again", "ngắn");
  browser.ClickOn("#change-button");
  expect_text("#change-error",
              "Mật khẩu mới phải có ít nhất 10 ký tự, không tính dấu cách và ký tự vô hình.");
  browser.Retype("#new-password", "mật khẩu mới 2025");
  browser.Retype("#new-password-again", "mật khẩu mới 2025");
  browser.ClickOn("#change-button");
  expect_text("#who", "Lê Minh Quân – Quản trị");
  expect_text("#ranking-wards caption", "Khối phường");

  // The cookie: HttpOnly (page script cannot read it), SameSite=Strict, for the path /.
  const google::protobuf::ListValue cookies = browser.Cookies();
  ASSERT_EQ(cookies.values_size(), 1);
  const auto& cookie = cookies.values(0).struct_value().fields();
  EXPECT_EQ(cookie.at("name").string_value(), "parindex_session");
  EXPECT_TRUE(cookie.at("httpOnly").bool_value());
  EXPECT_EQ(cookie.at("sameSite").string_value(), "Strict");
  EXPECT_EQ(cookie.at("path").string_value(), "/");
  EXPECT_FALSE(cookie.at("secure").bool_value());
  const std::string session = cookie.at("value").string_value();
  ASSERT_EQ(session.substr(0, 3), "ps_");
  EXPECT_EQ(script("document.cookie"), "");
  EXPECT_EQ(script("JSON.stringify(session).includes('ps_')"), "false");

  // Reloads: still signed in, straight to the page, every time (the session's answer
  // can come back before the page's second script has run).
  for (int reload = 0; reload < 4; ++reload) {
    browser.Go(server.http + "/");
    expect_text("#who", "Lê Minh Quân – Quản trị");
    expect_text("#ranking-wards caption", "Khối phường");
    EXPECT_EQ(script("document.getElementById('signin').hidden"), "true");
    EXPECT_EQ(script("document.getElementById('signin-error').textContent"), "");
  }
  auto [code, json] = Curl(api + "AccountService/GetMe", session, "{}", dir.File("me"));
  EXPECT_EQ(code, 200) << json;

  // Sign-out ends the session on the server, not only in the browser.
  browser.ClickOn("#signout");
  expect_text("#signin-message", "Đã đăng xuất.");
  EXPECT_EQ(script("getComputedStyle(document.getElementById('nav')).display"), "none");
  // The next person at this computer starts from an empty form.
  EXPECT_EQ(script("document.getElementById('username').value"), "");
  EXPECT_EQ(browser.Cookies().values_size(), 0);
  std::tie(code, json) =
      Curl(api + "AccountService/GetMe", session, "{}", dir.File("me"));
  EXPECT_EQ(code, 401);
  EXPECT_EQ(
      json,
      "{\"code\": \"UNAUTHENTICATED\", \"message\": \"unknown, ended or expired session: "
      "sign in again\", \"details\": []}\n");
  browser.Go(server.http + "/");
  ASSERT_EQ(browser.WaitShown("signin"), "shown");

  // Five wrong passwords: each refused; then the right one is refused the same way, and
  // so is a username that does not exist.
  const std::string refused =
      "Sai tên đăng nhập hoặc mật khẩu, hoặc đã nhập sai quá nhiều lần: hãy đợi 15 phút "
      "rồi thử lại.";
  auto attempt = [&](const std::string& username, const std::string& password) {
    browser.Retype("#username", username);
    browser.Retype("#password", password);
    browser.ClickOn("#signin-button");
    expect_text("#signin-error", refused);
  };
  for (int i = 0; i < 5; ++i) attempt(ward, absl::StrCat("sai mật khẩu ", i));
  attempt(ward, ward_otp);
  attempt("khong.co.ai", ward_otp);
  EXPECT_EQ(script("document.getElementById('change-password').hidden"), "true");
  EXPECT_EQ(browser.Cookies().values_size(), 0);
  browser.Screenshot(artifacts + "/web-signin-locked.png");
  // The server agrees: locked, audited (five failures, then the lock).
  std::tie(code, json) = Curl(
      server.http + "/v1/session", "",
      absl::StrCat(R"({"username": ")", ward, R"(", "password": ")", ward_otp, R"("})"),
      dir.File("in"));
  EXPECT_EQ(code, 401);
  std::tie(code, json) =
      Curl(api + "AuditService/ListAuditEvents", server.tokens["admin"],
           R"({"filter": "resource=signIns/canbo.xth"})", dir.File("audit"));
  ASSERT_EQ(code, 200) << json;
  parindex::v1::ListAuditEventsResponse events;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &events).ok()) << json;
  ASSERT_EQ(events.events_size(), 6);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(events.events(i).action(), "signin.fail");
  EXPECT_EQ(events.events(5).action(), "signin.lock");
  EXPECT_EQ(events.events(0).reason(), "from 127.0.0.1");
  EXPECT_EQ(Stop(server), 0);
}

// The province's appraisal team (make run's province demo: 104 communes and wards in
// every state, the round in explanation): the queue with its counts, what waits,
// search, filters and sorting; the warning before moving on; a unit's history; an
// explained unit with its request's reason and the answer.
TEST(WebPage, TheProvinceAppraiserWorksThroughAQueueOf104UnitsInHeadlessChromium) {
  parindex::testing::TempDir dir;
  Server server =
      Start(dir.File("queue.db"), {"--http", "127.0.0.1:0", "--demo-province"});
  ASSERT_FALSE(server.http.empty());
  const auto [office, otp] = server.accounts["province appraiser"];
  ASSERT_EQ(office, "thamdinh.hy");
  const std::string artifacts = PARINDEX_ARTIFACTS;
  std::filesystem::create_directories(artifacts);
  Browser browser;
  ASSERT_TRUE(browser.ok());
  browser.Resize(1400, 900);
  browser.Go(server.http + "/");
  auto expect_text = [&](const std::string& css, const std::string& want) {
    EXPECT_EQ(browser.WaitText(css, want), want) << css;
  };
  browser.FirstSignIn(office, otp, "mật khẩu mới của thẩm định");

  // The queue: every unit, the counts per state, what waits for the appraiser.
  expect_text("#who", "Phạm Thu Hà – Phòng Nội vụ (thẩm định)");
  expect_text("#board-phase", "Giải trình");
  expect_text("#board-summary",
              "104 (Chưa nhập: 6, Đang nhập: 11, Đã nộp: 29, Đã thẩm định: 23, Được yêu "
              "cầu giải trình: 18, Đã giải trình: 17)");
  expect_text("#queue-shown", "Đang hiện 104/104 đơn vị");
  expect_text("#count-STATE_SUBMITTED", "Đã nộp: 29");
  expect_text(
      "#waiting-list",
      "29 đơn vị đã nộp, chưa thẩm định 17 đơn vị đã giải trình, chờ xem 17 đơn vị "
      "thay đổi sau lần thẩm định gần nhất");
  EXPECT_EQ(browser.Find("#board-table tbody tr").size(), 104u);
  browser.Screenshot(artifacts + "/web-queue-1400.png");
  browser.Resize(390, 844);
  browser.Screenshot(artifacts + "/web-queue-390.png");
  browser.Resize(1400, 900);

  // A line of "waiting for me" is a filter.
  browser.ClickOn("#waiting_explained");
  expect_text("#queue-shown", "Đang hiện 17/104 đơn vị");
  expect_text("#flags-HY-PDH", "Giải trình chờ xem Thay đổi sau thẩm định");
  browser.ClickOn("#queue-flag option[value='']");
  // Search by name without the marks, or by code.
  browser.Retype("#queue-search", "tien lu");
  expect_text("#queue-shown", "Đang hiện 1/104 đơn vị");
  expect_text("#state-HY-XTL", "Được yêu cầu giải trình");
  expect_text("#deadline-HY-XTL", "còn 2 ngày");
  expect_text("#flags-HY-XTL", "");
  browser.Retype("#queue-search", "HY-PPH");
  expect_text("#queue-shown", "Đang hiện 1/104 đơn vị");
  expect_text("#state-HY-PPH", "Đã nộp");
  expect_text("#progress-HY-PPH", "0/62 tiêu chí");
  expect_text("#index-HY-PPH", "Chưa thẩm định");
  browser.Retype("#queue-search", " ");
  // Filters by state (the counts are buttons), by block; sorting.
  browser.ClickOn("#count-STATE_DRAFT");
  expect_text("#queue-shown", "Đang hiện 11/104 đơn vị");
  expect_text("#index-HY-PTL", "Chưa thẩm định");  // a draft is not ranked
  browser.ClickOn("#count-ALL");
  browser.ClickOn("#queue-block option[value='wards']");
  expect_text("#queue-shown", "Đang hiện 11/104 đơn vị");
  browser.ClickOn("#queue-block option[value='']");
  expect_text("#queue-shown", "Đang hiện 104/104 đơn vị");
  browser.ClickOn("#queue-sort option[value='deadline']");
  expect_text("#board-table tbody tr:first-child td:nth-child(4)",
              "Được yêu cầu giải trình");
  expect_text("#board-table tbody tr:first-child td:nth-child(6)", "còn 2 ngày");

  // Moving on names the 18 units still owing an explanation and what happens to them;
  // cancelled, nothing moves.
  browser.ClickOn("#advance");
  expect_text("#advance-panel-title", "Chuyển sang giai đoạn: Thẩm định lại");
  expect_text("#advance-summary", "18 đơn vị chưa sẵn sàng:");
  expect_text(
      "#not-ready-HY-XTL",
      "HY-XTL Xã Tiên Lữ (Được yêu cầu giải trình): chưa gửi giải trình: không gửi "
      "được nữa; điểm thẩm định giữ nguyên");
  EXPECT_EQ(browser.Find("#advance-units li").size(), 18u);
  // The safe choice has the focus; the explanation deadline has not passed: said.
  EXPECT_EQ(browser.Execute("return document.activeElement.id;"), "advance-cancel");
  EXPECT_THAT(browser.Text(browser.Find("#advance-deadline").at(0)),
              ::testing::MatchesRegex(
                  "Hạn gửi giải trình \\([0-9/]+ [0-9:]+\\) chưa đến \\(còn 2 ngày\\): "
                  "chuyển giai đoạn bây giờ thì các đơn vị không gửi giải trình được "
                  "nữa\\."));
  browser.Screenshot(artifacts + "/web-queue-advance.png");
  browser.ClickOn("#advance-cancel");
  expect_text("#board-phase", "Giải trình");

  // A unit's history, the latest first, by name, with the request's words.
  browser.ClickOn("#history-HY-XTL");
  expect_text("#history-title", "Lịch sử – Xã Tiên Lữ");
  expect_text("#history-table tbody tr:first-child td:nth-child(2)", "Phạm Thu Hà");
  // From the state the form stood in: the office had appraised it (it used to read
  // "Đã nộp", the state stored).
  expect_text("#history-table tbody tr:first-child td:nth-child(3)",
              "Chuyển trạng thái: Đã thẩm định → Được yêu cầu giải trình");
  expect_text(
      "#history-table tbody tr:nth-child(2) td:nth-child(4)",
      "Yêu cầu giải trình – lý do: Số liệu không khớp báo cáo; nội dung: Số hồ sơ giải "
      "quyết đúng hạn không khớp báo cáo năm trên Hệ thống thông tin giải quyết TTHC "
      "của tỉnh: đề nghị đối chiếu và giải trình.");
  expect_text("#history-table tbody tr:last-child td:nth-child(2)",
              "Văn phòng UBND Xã Tiên Lữ");
  browser.Screenshot(artifacts + "/web-history.png");
  browser.ClickOn("#history-back");

  // A unit reopened and submitted again: the count it changed between its two
  // submissions, and the reopening with its reason in its history.
  browser.ClickOn("#appraise-HY-PPH");
  expect_text("#appraisal-title", "Thẩm định – Phường Phố Hiến");
  expect_text("#appraisal-changes-list",
              "Số hồ sơ giải quyết đúng hạn (kể cả trước hạn): 228 → 216");
  browser.ClickOn("#back-to-board");
  browser.ClickOn("#history-HY-PPH");
  expect_text("#history-title", "Lịch sử – Phường Phố Hiến");
  expect_text(
      "#history-table tbody tr:nth-child(2)",
      absl::StrCat(
          browser.Text(
              browser.Find("#history-table tbody tr:nth-child(2) td:first-child").at(0)),
          " Văn phòng UBND Phường Phố Hiến Cập nhật số liệu Số hồ sơ giải "
          "quyết đúng hạn (kể cả trước hạn) 228 → 216"));
  expect_text("#history-table tbody tr:nth-child(3) td:nth-child(3)",
              "Chuyển trạng thái: Đã nộp → Đang nhập");
  expect_text(
      "#history-table tbody tr:nth-child(3) td:nth-child(4)",
      "Lý do: Đơn vị đề nghị sửa số hồ sơ giải quyết đúng hạn theo báo cáo năm (Công "
      "văn 15/UBND)");
  expect_text("#history-table tbody tr:nth-child(3) td:nth-child(2)", "Phạm Thu Hà");
  browser.ClickOn("#history-back");

  // An explained unit: the request with its reason, and the answer.
  browser.ClickOn("#appraise-HY-PDH");
  expect_text("#appraisal-title", "Thẩm định – Phường Đường Hào");
  expect_text("#appraisal-state", "Đã giải trình");
  expect_text("[id='a-row-I.1.1'] .request",
              "Đã yêu cầu: [Thiếu tài liệu kiểm chứng] Chưa có kế hoạch CCHC năm kèm "
              "theo: đề nghị bổ sung văn bản.");
  expect_text("[id='explanation-I.1.1']",
              "Đơn vị giải trình: Bổ sung Kế hoạch CCHC năm của UBND xã (đã đính kèm).");
  expect_text("#appraisal-changes-list",
              "I.1.1 – giải trình: Bổ sung Kế hoạch CCHC năm của UBND xã (đã đính kèm).");
  browser.Screenshot(artifacts + "/web-queue-explained.png");

  // The results in the appraised column: a unit the office has appraised nothing of
  // (the queue's criteria_appraised 0, not final) has no appraised index and no rank;
  // it says so, after the ranked units of its block, whose ranks count only each other.
  auto [queue_code, queue_json] =
      Curl(server.http + "/parindex.v1.RoundService/GetWorkQueue", server.tokens["admin"],
           R"({"name": "rounds/hungyen-2025"})", dir.File("queue"));
  ASSERT_EQ(queue_code, 200) << queue_json;
  parindex::v1::WorkQueue queue;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(queue_json, &queue).ok());
  std::set<std::string> unappraised;
  for (const parindex::v1::WorkItem& item : queue.units()) {
    if (item.criteria_appraised() == 0 && item.state() != parindex::v1::STATE_FINAL)
      unappraised.insert(item.unit());
  }
  EXPECT_EQ(unappraised.size(), 46u);  // 6 not started, 11 drafts, 29 submitted
  browser.ClickOn("#show-results");
  ASSERT_FALSE(browser.Find("#ranking-communes tbody tr").empty());
  const std::vector<std::string> rows = absl::StrSplit(browser.Execute(R"js(
      return [...document.querySelectorAll('#blocks tbody tr')].map((r) =>
          [r.closest('table').id, r.dataset.unit, r.cells[0].textContent,
           r.cells[3].textContent].join('|')).join('\n');)js"),
                                                       '\n');
  ASSERT_EQ(rows.size(), 104u);
  std::map<std::string, std::vector<std::pair<int, int64_t>>> ranked;  // by table
  std::map<std::string, bool> unranked_seen;
  for (const std::string& line : rows) {
    const std::vector<std::string> f = absl::StrSplit(line, '|');
    ASSERT_EQ(f.size(), 4u) << line;
    if (unappraised.count(f[1])) {
      EXPECT_EQ(f[2] + "|" + f[3], "|Chưa thẩm định") << line;
      unranked_seen[f[0]] = true;
      continue;
    }
    EXPECT_FALSE(unranked_seen[f[0]]) << "ranked after an unranked unit: " << line;
    int rank = 0;
    int64_t index = 0;
    ASSERT_TRUE(absl::SimpleAtoi(f[2], &rank)) << line;
    ASSERT_TRUE(absl::SimpleAtoi(absl::StrReplaceAll(f[3], {{",", ""}}), &index)) << line;
    ranked[f[0]].push_back({rank, index});
  }
  int ranked_units = 0;
  for (const auto& [table, units] : ranked) {
    for (const auto& [rank, index] : units) {
      const int above = std::count_if(units.begin(), units.end(),
                                      [&](const auto& u) { return u.second > index; });
      EXPECT_EQ(rank, above + 1) << table << " " << index;
      ++ranked_units;
    }
  }
  EXPECT_EQ(ranked_units, 104 - 46);
  browser.Screenshot(artifacts + "/web-queue-results.png");
  browser.ClickOn("#signout");
  expect_text("#signin-message", "Đã đăng xuất.");

  // The ward asked to explain sees what waits for it: the request, its reason, the
  // deadline.
  const auto [ward, ward_otp] = server.accounts["ward HY-XTL"];
  ASSERT_EQ(ward, "canbo.tienlu");
  auto [code, json] =
      Curl(server.http + "/parindex.v1.RoundService/GetRound", server.tokens["appraiser"],
           R"({"name": "rounds/hungyen-2025"})", dir.File("round"));
  parindex::v1::Round round;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &round).ok()) << json;
  absl::Time due;
  std::string error;
  ASSERT_TRUE(
      absl::ParseTime(absl::RFC3339_full, round.explanation_deadline(), &due, &error));
  browser.FirstSignIn(ward, ward_otp, "mật khẩu mới của xã Tiên Lữ");
  expect_text("#form-state", "Được yêu cầu giải trình");
  expect_text(
      "#ward-waiting-list",
      absl::StrCat("Gửi giải trình 1 tiêu chí trước ",
                   absl::FormatTime("%d/%m/%Y %H:%M", due, absl::FixedTimeZone(7 * 3600)),
                   ": Tiêu chí III.2.1 (Số liệu không khớp báo cáo): Số hồ sơ giải quyết "
                   "đúng hạn không khớp báo cáo năm trên Hệ thống thông tin giải "
                   "quyết TTHC của tỉnh: đề nghị đối chiếu và giải trình."));
  browser.Screenshot(artifacts + "/web-ward-waiting.png");

  // The administrator opens the same unit's appraisal: the server allows an admin no
  // appraising (Assessment.actions), so the page offers none and says why.
  browser.ClickOn("#signout");
  const auto [admin, admin_otp] = server.accounts["admin"];
  browser.FirstSignIn(admin, admin_otp, "mật khẩu mới của quản trị");
  expect_text("#who", "Lê Minh Quân – Quản trị");
  expect_text("#board-phase", "Giải trình");  // landed: nothing else is loading
  EXPECT_EQ(browser.ExecuteAsync(
                "document.getElementById('round').value = 'hungyen-2025';"
                "showAppraisal('HY-XTL', true).then(() => arguments[0]('opened'));",
                {}),
            "opened");
  expect_text("#appraisal-title", "Thẩm định – Xã Tiên Lữ");
  expect_text("#appraisal-locked",
              "Chỉ xem được lúc này (máy chủ trả lời: an admin token may not call "
              "/parindex.v1.AssessmentService/BatchUpdateEntries).");
  EXPECT_EQ(
      browser.ExecuteAsync(
          "arguments[0](['save-appraisal', 'request-explanation', 'finalise', "
          "'review-explanation'].filter((id) => !document.getElementById(id).hidden)"
          ".join());",
          {}),
      "");
  EXPECT_EQ(Stop(server), 0);
}

// Finalising the demo province's round with 46 units unappraised: the panel says which
// stay unranked and why (17 never submitted, 29 submitted and never appraised) before
// the office confirms, and after it they are still «Chưa thẩm định» with no rank.
TEST(WebPage, FinalisingARoundLeavesUnappraisedUnitsUnrankedInHeadlessChromium) {
  parindex::testing::TempDir dir;
  Server server =
      Start(dir.File("final.db"), {"--http", "127.0.0.1:0", "--demo-province"});
  ASSERT_FALSE(server.http.empty());
  const std::string api = server.http + "/parindex.v1.";
  auto [code, json] = Curl(api + "RoundService/GetRound", server.tokens["appraiser"],
                           R"({"name": "rounds/hungyen-2025"})", dir.File("round"));
  parindex::v1::Round round;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &round).ok()) << json;
  std::tie(code, json) =
      Curl(api + "RoundService/AdvanceRound", server.tokens["appraiser"],
           absl::StrCat(
               R"({"name": "rounds/hungyen-2025", "to_phase": "PHASE_FINAL_APPRAISAL", )",
               R"("etag": )", round.version(), "}"),
           dir.File("advance"));
  ASSERT_EQ(code, 200) << json;
  const auto [office, otp] = server.accounts["province appraiser"];
  Browser browser;
  ASSERT_TRUE(browser.ok());
  browser.Resize(1400, 900);
  browser.Go(server.http + "/");
  auto expect_text = [&](const std::string& css, const std::string& want) {
    EXPECT_EQ(browser.WaitText(css, want), want) << css;
  };
  ASSERT_EQ(browser.WaitShown("signin"), "shown");
  browser.Retype("#username", office);
  browser.Retype("#password", otp);
  browser.ClickOn("#signin-button");
  expect_text("#change-title", "Đổi mật khẩu");
  browser.Retype("#new-password", "mật khẩu mới của thẩm định");
  browser.Retype("#new-password-again", "mật khẩu mới của thẩm định");
  browser.ClickOn("#change-button");
  expect_text("#board-phase", "Thẩm định lại");

  browser.ClickOn("#advance");
  expect_text("#advance-panel-title", "Chuyển sang giai đoạn: Đã chốt điểm");
  expect_text("#advance-unranked",
              "Sau khi chốt, 46 đơn vị không được xếp hạng: 17 chưa nộp tự đánh giá, 29 "
              "chưa được thẩm định. Chốt kết quả không tính số liệu tự đánh giá là điểm "
              "thẩm định.");
  expect_text(
      "#not-ready-HY-PPH",
      "HY-PPH Phường Phố Hiến (Đã nộp): chưa được thẩm định: không được xếp hạng, "
      "kết quả ghi «Chưa thẩm định» (muốn xếp hạng, hãy thẩm định trước khi chốt)");
  expect_text("#not-ready-HY-PTL",
              "HY-PTL " + browser.Execute(R"js(
                  return document.querySelector('#not-ready-HY-PTL [data-v]')
                      .textContent.slice(7);)js") +
                  " (Đang nhập): chưa nộp tự đánh giá: không được xếp hạng, kết quả ghi "
                  "«Chưa thẩm định»");
  std::filesystem::create_directories(PARINDEX_ARTIFACTS);
  EXPECT_EQ(browser.Execute("return document.activeElement.id;"), "advance-cancel");
  EXPECT_EQ(browser.Execute(
                "return String(document.getElementById('advance-deadline').hidden);"),
            "true");
  browser.Screenshot(PARINDEX_ARTIFACTS "/web-finalise-advance.png");
  browser.ClickOn("#advance-confirm");
  expect_text("#board-phase", "Đã chốt điểm");
  expect_text("#index-HY-PPH", "Chưa thẩm định");
  expect_text("#index-HY-PTL", "Chưa thẩm định");
  browser.ClickOn("#show-results");
  ASSERT_FALSE(browser.Find("#ranking-communes tbody tr").empty());
  expect_text("#blocks tr[data-unit='HY-PPH'] td:nth-child(4)", "Chưa thẩm định");
  expect_text("#blocks tr[data-unit='HY-PTL'] td:nth-child(4)", "Chưa thẩm định");
  EXPECT_EQ(browser.Execute(R"js(
      return String([...document.querySelectorAll('#blocks tbody tr')]
          .filter((r) => r.cells[0].textContent !== '').length);)js"),
            "58");
  EXPECT_EQ(Stop(server), 0);
}

// ---- every view: Vietnamese only, a phone's width, axe-core, screenshots ----

// Run in the page: every visible text (text nodes, the options of visible selects, and
// the aria-label, placeholder, title and alt of visible elements) must be the page's own
// words, from the message table (MESSAGES in web/messages.js: a text matches a message
// with its {places} filled), or data the page marks as such (data-v: a name, a title
// from the criteria set), or numbers and signs alone; no text may carry English words
// or enum names, except the server's own words in their secondary line (.server-words).
// Answers "" or one line per offending text.
constexpr char kNoEnglish[] = R"js(
  const done = arguments[arguments.length - 1];
  const esc = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const templates = Object.values(MESSAGES).map((t) => t.trim()).map((t) => ({
    re: new RegExp('^' + esc(t).replace(/\\\{\w+\\\}/g, '([\\s\\S]+?)') + '$'),
    lettered: /\p{L}/u.test(t.replace(/\{\w+\}/g, '')),
  }));
  const english = /\b(the|of|for|is|not|expected|got|must|and|with|invalid|unknown|error|missing|required|value|name|round|rounds|state|phase|unit|deadline|sub-criteria|plan|target|due|band|before|sum|reported|applicable|rate|otherwise|yes|none|capped|late|issued|survey|answers|score|undefined|null|NaN)\b|[A-Z]{2,}_[A-Z]|rounds\//;
  const signs = /^[\d\s.,:;%\/()\-–—+<>=≤≥✓○…·|«»"'?!]*$/;
  const code = /^[A-Z0-9][A-Za-z0-9._-]*$/;
  const squeeze = (t) => t.replace(/\s+/g, ' ').trim();
  const trim = (t) => squeeze(t).replace(/^[\s(\[:;,.–—-]+|[\s)\]:;,.–—-]+$/g, '');
  const known = (t, depth) => {
    if (signs.test(t) || (depth > 0 && code.test(t))) return true;
    for (const {re, lettered} of templates) {
      const m = re.exec(t);
      if (!m) continue;
      if (lettered || m.slice(1).every((g) => known(trim(g), depth + 1))) return true;
    }
    return false;
  };
  const visible = (e) => e.getClientRects().length > 0 &&
      getComputedStyle(e).visibility !== 'hidden';
  const bad = [];
  const check = (text, where, e) => {
    const t = squeeze(text);
    if (!t) return;
    if (e.closest('.server-words')) return;
    if (english.test(t)) bad.push('english: ' + where + ': ' + t);
    else if (!e.closest('[data-v]') && !known(t, 0) && !known(trim(t), 0)) {
      bad.push('not in the table: ' + where + ': ' + t);
    }
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const e = n.parentElement;
    if (!e || ['SCRIPT', 'STYLE', 'OPTION'].includes(e.tagName) || !visible(e)) continue;
    check(n.textContent, e.tagName + '#' + e.id, e);
  }
  for (const e of document.querySelectorAll('body *')) {
    if (!visible(e)) continue;
    for (const a of ['aria-label', 'placeholder', 'title', 'alt']) {
      if (e.hasAttribute(a)) check(e.getAttribute(a), e.tagName + '#' + e.id + '@' + a, e);
    }
    if (e.tagName === 'SELECT' && e.id !== 'round') {
      for (const o of e.options) check(o.text, 'SELECT#' + e.id + ' option', e);
    }
  }
  done([...new Set(bad)].join('\n'));)js";

// Run in the page (axe-core injected): the serious and critical violations, one line
// each with the first elements it names; "" when there are none.
constexpr char kAxe[] = R"js(
  const done = arguments[arguments.length - 1];
  axe.run(document, {resultTypes: ['violations']}).then((r) => done(r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.impact + ' ' + v.id + ': ' + v.nodes.slice(0, 3)
          .map((n) => n.target.join(' ')).join(', ')).join('\n')),
      (e) => done('axe failed: ' + e));)js";

// Run in the page after the window is made 390 CSS pixels wide: waits for the resize,
// then answers "fits" when the document is at most 390 px wide (nothing scrolls
// sideways), else its width and the elements that stick out.
constexpr char kWidth[] = R"js(
  const done = arguments[arguments.length - 1];
  const answer = () => {
    const width = document.documentElement.scrollWidth;
    const out = width <= window.innerWidth ? '' : ' ' + [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth)
        .slice(0, 6).map((e) => e.tagName + '#' + e.id + '.' + e.className).join(' | ');
    done(width <= 390 ? 'fits' : String(width) + out);
  };
  if (window.innerWidth <= 390) answer();
  else window.addEventListener('resize', () => { if (window.innerWidth <= 390) answer(); });)js";

// Run in the page at 390 px: the words of table cells that a line break cuts in two
// (a Vietnamese word of letters only, as "thẩm" broken into "thẩ" / "m"), the first few;
// empty when every word is whole. overflow-wrap: anywhere on a narrow column did that.
constexpr char kBrokenWords[] = R"js(
  const broken = [];
  const cells = [...document.querySelectorAll('main td, main th')]
      .filter((c) => c.getClientRects().length > 0);
  for (const cell of cells) {
    const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode()) {
      for (const m of node.data.matchAll(/\p{L}{2,}/gu)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken.slice(0, 8).join(' ');)js";

// The axe-core script the tests inject: scripts/install-deps.sh installs it with npm at
// a pinned version; PARINDEX_AXE_JS names another copy.
std::string AxeSource() {
  const char* env = std::getenv("PARINDEX_AXE_JS");
  const std::string path =
      env != nullptr
          ? env
          : "/usr/local/lib/parindex-web-test/node_modules/axe-core/axe.min.js";
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Checks the view on screen: no English, axe-core's serious and critical violations
// none, screenshots at 1,400 px and 390 px, and no sideways scrolling at 390 px.
void CheckView(Browser& browser, const std::string& axe, const std::string& name) {
  SCOPED_TRACE(name);
  browser.Resize(1400, 900);
  EXPECT_EQ(browser.ExecuteAsync(kNoEnglish, {}), "");
  if (browser.Execute("return String(typeof axe);") != "object") browser.Execute(axe);
  EXPECT_EQ(browser.ExecuteAsync(kAxe, {}), "");
  const std::string artifacts = PARINDEX_ARTIFACTS "/views";
  std::filesystem::create_directories(artifacts);
  browser.Execute("window.scrollTo(0, 0); return '';");
  browser.Screenshot(absl::StrCat(artifacts, "/", name, "-1400.png"));
  browser.Resize(390, 844);
  EXPECT_EQ(browser.ExecuteAsync(kWidth, {}), "fits");
  EXPECT_EQ(browser.ExecuteAsync(kNoEnglish, {}), "");
  EXPECT_EQ(browser.Execute(kBrokenWords), "");
  browser.Execute("window.scrollTo(0, 0); return '';");
  browser.Screenshot(absl::StrCat(artifacts, "/", name, "-390.png"));
  browser.Resize(1400, 900);
}

// Every view, as each person sees it: signed out; the ward's open form; the same form
// read-only once submitted, and in the appraisal phase; the explanation phase; the
// office's board and one unit's appraisal; the results; a reader with no published
// round. Each in Vietnamese only, fitting 390 px, passing axe-core, photographed.
TEST(WebPage, EveryViewIsVietnameseFitsAPhoneAndPassesAxeInHeadlessChromium) {
  const std::string axe = AxeSource();
  ASSERT_GT(axe.size(), 100000u) << "axe-core not found: run scripts/install-deps.sh";
  parindex::testing::TempDir dir;
  Server server = Start(dir.File("views.db"), {"--http", "127.0.0.1:0"});
  ASSERT_FALSE(server.http.empty());
  const std::string api = server.http + "/parindex.v1.";
  const std::string appraiser = server.tokens["appraiser"];
  Browser browser;
  ASSERT_TRUE(browser.ok());
  auto expect_text = [&](const std::string& css, const std::string& want) {
    EXPECT_EQ(browser.WaitText(css, want), want) << css;
  };
  auto token_sign_in = [&](const std::string& token) {
    browser.Go(server.http + "/");
    ASSERT_EQ(browser.WaitShown("token-signin"), "shown");
    browser.ClickOn("#use-token");
    browser.Retype("#token", token);
    browser.ClickOn("#token-button");
  };
  auto sign_out = [&] {
    browser.ClickOn("#signout");
    expect_text("#signin-message", "Đã đăng xuất.");
  };

  // Signed out: the sign-in form alone, the menu hidden.
  browser.Go(server.http + "/");
  ASSERT_EQ(browser.WaitShown("signin"), "shown");
  EXPECT_EQ(
      browser.Execute("return getComputedStyle(document.getElementById('nav')).display;"),
      "none");
  CheckView(browser, axe, "signin");

  // By keyboard alone: the ward's one-time password, the new one, into the form.
  const auto [ward, ward_otp] = server.accounts["ward XTH"];
  browser.Execute("document.getElementById('username').focus(); return '';");
  browser.Keys(ward + "\uE004" + ward_otp + "\uE007");
  EXPECT_EQ(browser.WaitShown("change-password"), "shown");
  browser.Execute("document.getElementById('new-password').focus(); return '';");
  browser.Keys("mật khẩu mới của xã\uE004mật khẩu mới của xã\uE007");
  expect_text("#form-title", "Tự đánh giá – Xã Tân Hưng");
  expect_text("[id='w-points-III.2.1']", "2,00 / 2,00");
  EXPECT_EQ(
      browser.Execute("return String(document.getElementById('form-locked').hidden);"),
      "true");
  CheckView(browser, axe, "ward-form");
  // «Nộp tự đánh giá» asks first, naming the empty inputs.
  browser.ClickOn("#submit");
  EXPECT_EQ(browser.WaitShown("submit-confirm"), "shown");
  CheckView(browser, axe, "ward-submit-confirm");
  browser.ClickOn("#submit-confirm-cancel");
  sign_out();

  // Submitted: read-only, saying since when and what can be done.
  token_sign_in(server.tokens["ward PLS"]);
  expect_text("#form-state", "Đã nộp");
  EXPECT_EQ(browser.WaitText("#form-locked-what",
                             "Cần sửa số liệu? Hãy đề nghị Phòng Nội vụ mở lại biểu mẫu "
                             "cho đơn vị."),
            "Cần sửa số liệu? Hãy đề nghị Phòng Nội vụ mở lại biểu mẫu cho đơn vị.");
  const std::string why = browser.Text(browser.Find("#form-locked-why").at(0));
  // When and by whom (Assessment.submitted_at, submitted_by: a ward cannot read the
  // trail); the demo's clerk of PLS submitted it.
  EXPECT_TRUE(absl::StartsWith(why, "Đơn vị đã nộp tự đánh giá lúc ")) << why;
  EXPECT_TRUE(absl::EndsWith(why,
                             ", người nộp: Văn phòng UBND Phường Lam Sơn. Biểu mẫu "
                             "chỉ xem được."))
      << why;
  EXPECT_EQ(browser.Execute("return String(document.getElementById('save').hidden);"),
            "true");
  CheckView(browser, axe, "ward-submitted");
  sign_out();

  // The self-assessment deadline moved into the past: the open form of XTH says since
  // when it is closed, and what to do.
  auto [code, json] = Curl(api + "RoundService/GetRound", appraiser,
                           R"({"name": "rounds/hungyen-2023"})", dir.File("round"));
  parindex::v1::Round round;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &round).ok()) << json;
  const std::string deadline = round.self_assessment_deadline();
  auto set_deadline = [&](const std::string& when) {
    std::tie(code, json) = Curl(
        api + "RoundService/UpdateRound", appraiser,
        absl::StrCat(R"({"round": {"id": "hungyen-2023", "self_assessment_deadline": ")",
                     when, R"("}, "update_mask": "self_assessment_deadline", "etag": )",
                     round.version(), "}"),
        dir.File("update"));
    ASSERT_EQ(code, 200) << json;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &round).ok()) << json;
  };
  set_deadline("2023-12-15T17:00:00+07:00");
  token_sign_in(server.tokens["ward XTH"]);
  expect_text(
      "#form-locked-why",
      "Đã hết hạn tự đánh giá lúc 15/12/2023 17:00: biểu mẫu chỉ xem được, không sửa "
      "được.");
  expect_text("#form-locked-what",
              "Cần sửa số liệu? Hãy đề nghị Phòng Nội vụ mở lại biểu mẫu cho đơn vị.");
  expect_text("#form-deadline", "15/12/2023 17:00 (đã hết hạn)");
  EXPECT_EQ(browser.Execute(
                "return String(document.getElementById('w-el-resolved').disabled);"),
            "true");
  CheckView(browser, axe, "ward-deadline-passed");
  sign_out();
  set_deadline(deadline);

  // The office: the work queue with what waits for it, the panel before moving the
  // round on, the queue filtered from "Việc chờ tôi", a unit's history, then PLS asked
  // to explain III.2.1 (its changes line: submitted once).
  token_sign_in(appraiser);
  expect_text("#board-phase", "Tự đánh giá");
  expect_text("#waiting-list", "14 đơn vị đã nộp, chưa thẩm định");
  CheckView(browser, axe, "board");
  // A unit opened before the appraisal phase: its inputs are locked, and it says why
  // and when they open.
  browser.ClickOn("#appraise-PLS");
  absl::Time due;
  std::string error;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, deadline, &due, &error)) << error;
  expect_text(
      "#appraisal-locked",
      absl::StrCat("Kỳ đánh giá đang ở giai đoạn «Tự đánh giá»: các ô thẩm định chỉ "
                   "xem được. Ô thẩm định mở khi kỳ đánh giá chuyển sang giai đoạn "
                   "«Thẩm định» (sau hạn tự đánh giá ",
                   absl::FormatTime("%d/%m/%Y %H:%M", due, absl::FixedTimeZone(7 * 3600)),
                   "; nút chuyển giai đoạn ở bảng theo dõi)."));
  EXPECT_EQ(
      browser.Execute("return document.getElementById('a-el-resolved').disabled + ' ' + "
                      "document.getElementById('save-appraisal').hidden;"),
      "true true");
  CheckView(browser, axe, "appraisal-locked");
  browser.ClickOn("#back-to-board");
  browser.ClickOn("#advance");
  expect_text("#advance-panel-title", "Chuyển sang giai đoạn: Thẩm định");
  EXPECT_EQ(browser.WaitShown("advance-panel"), "shown");
  // What the next phase no longer allows (the workflow table), and no way back.
  expect_text("#advance-after li:first-child",
              "Đơn vị không thể sửa, đính kèm tệp hay nộp tự đánh giá nữa, kể cả đơn vị "
              "đã được mở lại.");
  expect_text("#advance-after li:last-child", "Không thể quay lại giai đoạn trước.");
  CheckView(browser, axe, "board-advance");
  browser.ClickOn("#advance-confirm");
  expect_text("#board-phase", "Thẩm định");
  browser.ClickOn("#waiting_submitted");
  expect_text("#queue-shown", "Đang hiện 14/17 đơn vị");
  CheckView(browser, axe, "board-filtered");
  browser.ClickOn("#history-PLS");
  expect_text("#history-table tbody tr:first-child td:nth-child(3)",
              "Chuyển trạng thái: Đang nhập → Đã nộp");
  expect_text("#history-table tbody tr:first-child td:nth-child(2)",
              "Văn phòng UBND Phường Lam Sơn");  // the person, never "setup"
  // A criterion's own value, from before to after, as a figure's row shows it.
  EXPECT_EQ(browser.Execute(
                "const row = [...document.querySelectorAll('#history-table tbody tr')]"
                ".find((r) => r.cells[2].textContent === 'Cập nhật tiêu chí I.5'); "
                "return row ? row.cells[3].textContent : 'no row';"),
            "(trống) → 1,00");  // PLS typed 1.0 (hungyen-2023/figures.yaml)
  CheckView(browser, axe, "history");
  // On a phone the history is a list: each event a block, no table to scroll.
  browser.Resize(390, 844);
  EXPECT_EQ(browser.Execute("return getComputedStyle(document.querySelector("
                            "'#history-table tbody tr')).display + ' ' + "
                            "getComputedStyle(document.querySelector("
                            "'#history-table thead')).display;"),
            "block none");
  browser.Resize(1400, 900);
  browser.ClickOn("#history-back");
  browser.ClickOn("#appraise-PLS");
  expect_text("#appraisal-state", "Đã nộp");
  expect_text("#appraisal-changes-summary",
              "Đây là lần nộp đầu tiên: chưa có lần nộp trước để so sánh.");
  CheckView(browser, axe, "appraisal");
  browser.Type(browser.Find("[id='ask-III.2.1']").at(0),
               "Đề nghị gửi báo cáo thống kê quý IV");
  browser.ClickOn("#request-explanation");  // no reason chosen: said at the field
  expect_text("#appraisal-error",
              "Hãy chọn lý do yêu cầu giải trình cho tiêu chí III.2.1.");
  EXPECT_EQ(browser.Execute("return document.activeElement.id"), "ask-reason-III.2.1");
  browser.ClickOn("[id='ask-reason-III.2.1'] option[value='REASON_MISSING_EVIDENCE']");
  browser.ClickOn("#request-explanation");
  expect_text("#appraisal-state", "Được yêu cầu giải trình");
  browser.ClickOn("#back-to-board");
  sign_out();
  // The ward asked during appraisal: told it answers in the explanation phase (not
  // that the office will let it know).
  token_sign_in(server.tokens["ward PLS"]);
  expect_text(
      "#form-locked-what",
      "Phòng Nội vụ đã yêu cầu giải trình 1 tiêu chí (xem bên dưới). Đơn vị nhập và "
      "gửi giải trình khi kỳ đánh giá chuyển sang giai đoạn «Giải trình».");
  sign_out();
  token_sign_in(appraiser);
  expect_text("#board-phase", "Thẩm định");
  browser.ClickOn("#advance");
  expect_text("#advance-after li:first-child",
              "Không thể yêu cầu đơn vị giải trình thêm: chỉ các yêu cầu đã gửi còn hiệu "
              "lực.");
  browser.ClickOn("#advance-confirm");
  expect_text("#board-phase", "Giải trình");
  browser.ClickOn("#show-results");
  expect_text("#ranking-wards caption", "Khối phường");
  CheckView(browser, axe, "results");
  sign_out();

  // The ward in the explanation phase: the criterion asked about first, the question,
  // the office's values and points beside the ward's, a text box and files.
  token_sign_in(server.tokens["ward PLS"]);
  expect_text("#form-state", "Được yêu cầu giải trình");
  expect_text("#w-requested [id='w-row-III.2.1'] .request",
              "Yêu cầu giải trình: Đề nghị gửi báo cáo thống kê quý IV");
  EXPECT_EQ(
      browser.Execute("return document.querySelector('#form-areas > section').id + ' ' + "
                      "document.getElementById('explain-III.2.1').tagName + ' ' + "
                      "String(!!document.getElementById('upload-III.2.1'));"),
      "w-requested TEXTAREA true");
  expect_text("[id='w-compare-III.2.1'] thead",
              "Đơn vị tự đánh giá Phòng Nội vụ thẩm định");
  // Nothing was changed in appraisal: the office's values and points are the ward's.
  expect_text(
      "[id='w-compare-III.2.1'] tbody",
      "Số liệu Số hồ sơ giải quyết đúng hạn (kể cả trước hạn): 380; Số hồ sơ TTHC đã "
      "giải quyết: 400 Số hồ sơ giải quyết đúng hạn (kể cả trước hạn): 380; Số hồ sơ "
      "TTHC đã giải quyết: 400 Điểm 0,00 / 2,00 0,00 / 2,00");
  CheckView(browser, axe, "ward-explanation");
  // The comparison on a phone, its words whole (kBrokenWords in CheckView checks it).
  browser.Resize(390, 844);
  EXPECT_EQ(browser.ExecuteAsync(kWidth, {}), "fits");
  browser.Execute("document.getElementById('w-compare-III.2.1').scrollIntoView(); return '';");
  browser.Screenshot(PARINDEX_ARTIFACTS "/views/ward-explanation-compare-390.png");
  browser.Resize(1400, 900);
  // Sending asks first (the question is unanswered); Escape goes back to its box.
  browser.ClickOn("#submit-explanation");
  EXPECT_EQ(browser.WaitShown("explain-confirm"), "shown");
  CheckView(browser, axe, "ward-explanation-confirm");
  browser.Keys("\uE00C");
  EXPECT_EQ(browser.Execute("return document.getElementById('explain-confirm').hidden + "
                            "' ' + document.activeElement.id;"),
            "true explain-III.2.1");
  sign_out();

  // The other ward, whose form was never submitted: the round is past self-assessment.
  token_sign_in(server.tokens["ward XTH"]);
  // It is told that it never submitted, and whom to ask (the outside tester read only
  // the phase, and a deadline still counting down).
  expect_text("#form-locked-why",
              "Kỳ đánh giá đã sang giai đoạn «Giải trình» mà đơn vị chưa nộp tự đánh giá: "
              "biểu mẫu chỉ xem được.");
  expect_text("#form-locked-what",
              "Cần nộp bổ sung? Hãy liên hệ Phòng Nội vụ để được mở lại biểu mẫu.");
  EXPECT_THAT(browser.Text(browser.Find("#form-deadline").at(0)),
              ::testing::EndsWith(" (đã kết thúc giai đoạn tự đánh giá)"));
  CheckView(browser, axe, "ward-locked");
  // Typing this browser kept from when the form was open is said, not dropped unseen.
  browser.Execute("localStorage.setItem(draftKey(), JSON.stringify({inputs: "
                  "{'w-el-resolved': '911', 'w-comment-I.1.3': 'chưa lưu'}})); return '';");
  browser.Execute("document.getElementById('form-state').textContent = ''; return '';");
  browser.ClickOn("#show-form");
  expect_text("#form-message",
              "Trình duyệt này còn giữ 2 ô đã nhập nhưng chưa lưu; biểu mẫu không còn sửa "
              "được nên các ô đó không được gửi.");
  browser.Execute("localStorage.removeItem(draftKey()); return '';");
  // The results before publication: said so in Vietnamese, not a refusal.
  browser.ClickOn("#show-results");
  expect_text(
      "#results-error",
      "Kết quả xếp hạng xem được sau khi kỳ đánh giá được công bố (giai đoạn hiện "
      "tại: «Giải trình»).");
  EXPECT_EQ(browser.ExecuteAsync(kNoEnglish, {}), "");
  sign_out();

  // A reader before anything is published: told so, in Vietnamese.
  token_sign_in(server.tokens["reader"]);
  expect_text("#results-error",
              "Chưa có kỳ đánh giá nào được công bố hoặc mở cho tài khoản này.");
  EXPECT_EQ(browser.Execute("const s = document.getElementById('round'); return s.disabled + "
                            "'|' + s.value + '|' + s.options[0].text;"),
            "true||Chưa có kỳ đánh giá");
  CheckView(browser, axe, "reader-no-round");
  sign_out();

  // A ward whose unit is in no round: why, and no buttons that would do nothing.
  {
    auto [code, json] = Curl(api + "UnitService/PutUnit", server.tokens["admin"],
                             R"({"unit": {"code": "TEST1", "name": "Xã Thử", "kind": )"
                             R"("COMMUNE", "parent": "HYC"}})",
                             dir.File("unit"));
    ASSERT_EQ(code, 200) << json;
    std::tie(code, json) =
        Curl(api + "TokenService/CreateToken", server.tokens["admin"],
             R"({"role": "ROLE_WARD", "unit": "TEST1", "label": "thử"})", dir.File("tok"));
    ASSERT_EQ(code, 200) << json;
    parindex::v1::CreateTokenResponse created;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &created).ok()) << json;
    token_sign_in(created.secret());
  }
  expect_text("#form-error", "Chưa có kỳ đánh giá nào được công bố hoặc mở cho tài khoản này.");
  EXPECT_EQ(browser.Execute(
                "return ['form-facts', 'form-tools', 'form-intro', 'ward-waiting', 'save', "
                "'submit', 'save-explanation', 'submit-explanation'].map((id) => "
                "document.getElementById(id).offsetParent === null).join(' ');"),
            "true true true true true true true true");
  CheckView(browser, axe, "ward-no-round");
  EXPECT_EQ(Stop(server), 0);
}

// The ward's typing survives a closed page (a draft in the browser, per person, round
// and unit) and leaving with it unsaved asks first; another person at the same computer
// never sees it, and signing out forgets it; a save that cannot happen says why and goes
// to the field; the self-assessment report prints as offices send it, of the saved form
// only (PDF read back).
TEST(WebPage, AWardsDraftSurvivesAReloadAndItsReportPrintsInHeadlessChromium) {
  parindex::testing::TempDir dir;
  Server server = Start(dir.File("draft.db"), {"--http", "127.0.0.1:0"});
  ASSERT_FALSE(server.http.empty());
  const std::string api = server.http + "/parindex.v1.";
  const std::string token = server.tokens["ward XTH"];
  auto [code, json] =
      Curl(api + "TokenService/GetCallerToken", token, "{}", dir.File("token"));
  parindex::v1::Token caller;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &caller).ok()) << json;
  ASSERT_TRUE(absl::StartsWith(caller.id(), "tok_")) << caller.id();
  // The self-assessment score as stored (what the printed report must show).
  auto saved_total = [&] {
    std::tie(code, json) =
        Curl(api + "ScoreService/GetUnitScore", token,
             R"({"name": "rounds/hungyen-2023/assessments/XTH", "column": "SELF"})",
             dir.File("score"));
    parindex::v1::UnitScore score;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &score).ok()) << json;
    return score;
  };
  auto total_line = [](const parindex::v1::UnitScore& score) {
    using parindex::engine::FormatHundredths;
    return absl::StrCat("Tổng điểm tự đánh giá: ", Milli(score.achieved_milli()), " / ",
                        Milli(score.applicable_max_milli()), " điểm; chỉ số ",
                        Comma(FormatHundredths(score.index_hundredths())));
  };
  Browser browser;
  ASSERT_TRUE(browser.ok());
  auto expect_text = [&](const std::string& css, const std::string& want) {
    EXPECT_EQ(browser.WaitText(css, want), want) << css;
  };
  auto sign_in = [&] {
    browser.Go(server.http + "/");
    ASSERT_EQ(browser.WaitShown("token-signin"), "shown");
    browser.ClickOn("#use-token");
    browser.Retype("#token", token);
    browser.ClickOn("#token-button");
    expect_text("#form-title", "Tự đánh giá – Xã Tân Hưng");
  };
  const std::string leaving = R"js(
      const e = new Event('beforeunload', {cancelable: true});
      window.dispatchEvent(e);
      return String(e.defaultPrevented);)js";
  // Every draft this browser keeps, by key.
  const std::string drafts = R"js(
      const out = {};
      for (const k of Object.keys(localStorage).sort()) {
        if (k.startsWith('parindex.draft.')) out[k] = JSON.parse(localStorage.getItem(k));
      }
      return JSON.stringify(out);)js";
  const std::string key = "parindex.draft." + caller.id() + ".hungyen-2023.XTH";

  sign_in();
  expect_text("#w-progress-III", "Đã nhập 25/25 Điểm: 10,46 / 11,00");
  EXPECT_EQ(browser.Execute(leaving), "false");
  browser.Retype("[id='w-el-resolved_on_time']", "741");
  expect_text("[id='w-value-III.2.1']", "94,52 %");
  EXPECT_EQ(browser.Execute(leaving), "true");
  EXPECT_EQ(browser.Execute(drafts),
            absl::StrCat(R"({")", key,
                         R"(":{"values":["resolved_on_time"],"entries":[],)"
                         R"("inputs":{"w-el-resolved_on_time":"741"},)"
                         // The version typed over: a newer save meets the draft.
                         R"("base":{"resolved_on_time":)",
                         browser.Execute("return String(form.values.get("
                                         "'resolved_on_time').version);"),
                         "}}}"));
  // The page closes without saving (as a crash would: no question asked).
  browser.Execute("form.dirty.clear(); form.dirtyValues.clear(); return '';");

  // Another person at the same computer, the unit's officer by account: the token's
  // draft is not theirs to see (nor to forget when they sign out).
  const auto [officer, otp] = server.accounts["ward XTH"];
  browser.Go(server.http + "/");
  ASSERT_EQ(browser.WaitShown("signin"), "shown");
  browser.Retype("#username", officer);
  browser.Retype("#password", otp);
  browser.ClickOn("#signin-button");
  expect_text("#change-title", "Đổi mật khẩu");
  browser.Retype("#new-password", "mật khẩu mới của xã");
  browser.Retype("#new-password-again", "mật khẩu mới của xã");
  browser.ClickOn("#change-button");
  expect_text("#form-title", "Tự đánh giá – Xã Tân Hưng");
  expect_text("[id='w-value-III.2.1']", "100,00 %");
  EXPECT_EQ(
      browser.Execute("return document.getElementById('w-el-resolved_on_time').value + "
                      "'|' + document.getElementById('form-message').textContent;"),
      "784|");
  browser.ClickOn("#signout");
  expect_text("#signin-message", "Đã đăng xuất.");
  EXPECT_THAT(browser.Execute(drafts), ::testing::HasSubstr(key));

  // The token's person again: the draft is back.
  sign_in();
  expect_text(
      "#form-message",
      "Đã khôi phục 1 ô đã nhập nhưng chưa lưu (bản nháp trên máy này). Bấm «Lưu» "
      "để lưu lên hệ thống.");
  EXPECT_EQ(
      browser.Execute("return document.getElementById('w-el-resolved_on_time').value;"),
      "741");
  expect_text("[id='w-value-III.2.1']", "94,52 %");
  EXPECT_EQ(browser.Execute(leaving), "true");

  // A value that cannot be read: said at the field, and Lưu says why and goes there.
  browser.Retype("[id='w-el-resolved']", "784 hồ sơ");
  expect_text("[id='w-el-resolved-err']", "phải là số nguyên (ví dụ 784)");
  browser.ClickOn("#save");
  expect_text("#form-error",
              "Chưa lưu được: 1 ô còn lỗi, xem dòng báo lỗi màu đỏ ngay dưới ô đó.");
  EXPECT_EQ(browser.Execute("return document.activeElement.id;"), "w-el-resolved");
  // A value the set's rule refuses (more on time than resolved): the server's refusal
  // at the field, in Vietnamese, nothing stored.
  browser.Retype("[id='w-el-resolved']", "700");
  browser.ClickOn("#save");
  expect_text("#form-error",
              "Chưa lưu được: 1 ô còn lỗi, xem dòng báo lỗi màu đỏ ngay dưới ô đó.");
  expect_text(
      "[id='w-el-resolved-err']",
      "Số hồ sơ giải quyết đúng hạn không vượt quá số hồ sơ đã giải quyết: Số hồ sơ "
      "giải quyết đúng hạn (kể cả trước hạn) = 741, lớn hơn Số hồ sơ TTHC đã giải "
      "quyết = 700");
  // Refusals and their fields are Vietnamese too (the server's words only in their line).
  EXPECT_EQ(browser.ExecuteAsync(kNoEnglish, {}), "");
  browser.Retype("[id='w-el-resolved']", "784");
  expect_text("[id='w-el-resolved-err']", "");
  // A double click on Lưu saves once (a second save over the versions the first
  // replaced would be refused as someone else's change).
  browser.Execute(R"js(
      window.sheetWrites = 0;
      const fetched = window.fetch;
      window.fetch = (url, options) => {
        if (String(url).endsWith('/UpdateDataSheet')) window.sheetWrites += 1;
        return fetched(url, options);
      };
      const save = document.getElementById('save');
      save.click();
      save.click();
      return '';)js");
  // 741 on time; the resolved count typed back to its stored 784 is not sent.
  expect_text("#form-message", "Đã lưu 1 số liệu");
  expect_text("#form-error", "");
  EXPECT_EQ(browser.Execute("return String(window.sheetWrites);"), "1");
  EXPECT_EQ(browser.Execute(drafts), "{}");
  EXPECT_EQ(browser.Execute(leaving), "false");

  // The report is of the saved form. With a change typed and not saved (760 on time:
  // III.2.1 reaches its target, the preview's total moves), «In» asks for «Lưu» first,
  // and a report printed anyway shows the stored figures and says what it leaves out.
  const parindex::v1::UnitScore stored = saved_total();
  browser.Retype("[id='w-el-resolved_on_time']", "760");
  expect_text("[id='w-points-III.2.1']", "2,00 / 2,00");
  browser.Execute(
      "window.printed = 0; window.print = () => { window.printed += 1; }; "
      "return '';");
  browser.ClickOn("#print");
  expect_text("#form-error",
              "Có thay đổi chưa lưu: bấm «Lưu» trước khi in, để báo cáo in ra đúng số "
              "liệu đã lưu trên hệ thống.");
  EXPECT_EQ(browser.Execute("return window.printed + ' ' + document.activeElement.id;"),
            "0 save");
  auto printed = [&](const std::string& name) {
    const std::string pdf = browser.PrintPdf();
    std::filesystem::create_directories(PARINDEX_ARTIFACTS);
    std::ofstream(absl::StrCat(PARINDEX_ARTIFACTS, "/", name), std::ios::binary) << pdf;
    return PdfLines(pdf, dir.File(""), /*layout=*/false);
  };
  const std::string unsaved =
      "Lưu ý: báo cáo in theo số liệu đã lưu trên hệ thống; 1 mục đã nhập trên màn hình "
      "nhưng chưa lưu không có trong báo cáo.";
  std::vector<std::string> lines = printed("web-report-unsaved.pdf");
  EXPECT_NE(std::find(lines.begin(), lines.end(), total_line(stored)), lines.end())
      << total_line(stored) << "\n---\n"
      << absl::StrJoin(lines, "\n");
  EXPECT_THAT(absl::StrJoin(lines, " "), ::testing::HasSubstr(unsaved));
  browser.ClickOn("#save");
  expect_text("#form-message", "Đã lưu 1 số liệu");
  const parindex::v1::UnitScore after = saved_total();
  ASSERT_EQ(after.achieved_milli(), stored.achieved_milli() + 2000);
  browser.ClickOn("#print");
  EXPECT_EQ(browser.Execute("return window.printed + ' ' + "
                            "document.getElementById('form-error').textContent;"),
            "1 ");

  // The report, printed by the browser to PDF and read back by pdftotext.
  lines = printed("web-report.pdf");
  EXPECT_THAT(absl::StrJoin(lines, " "), ::testing::Not(::testing::HasSubstr("Lưu ý:")));
  const absl::TimeZone vietnam = absl::FixedTimeZone(7 * 3600);
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), vietnam);
  const std::vector<std::string> want = {
      "XÃ TÂN HƯNG",
      "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
      "Độc lập - Tự do - Hạnh phúc",
      "Đơn vị: Xã Tân Hưng",
      total_line(after),
      absl::StrFormat("Tân Hưng, ngày %02d tháng %02d năm %d", today.day(), today.month(),
                      today.year()),
      "NGƯỜI LẬP BIỂU",
      "THỦ TRƯỞNG ĐƠN VỊ",
      "(Ký, ghi rõ họ tên)",
      "(Ký, ghi rõ họ tên và đóng dấu)",
      "Cộng lĩnh vực III",
      "III.2.1",
  };
  for (const std::string& line : want) {
    EXPECT_NE(std::find(lines.begin(), lines.end(), line), lines.end())
        << line << "\n---\n"
        << absl::StrJoin(lines, "\n");
  }
  // A criterion the score drops as not applicable prints so, not the set's maximum
  // (the rows add up to the area's total); each area's total once, not again on
  // every page the table runs over.
  int dropped = 0;
  for (int i = 0; i < after.criteria_size(); ++i) {
    const bool leaf = i + 1 == after.criteria_size() ||
                      after.criteria(i + 1).depth() <= after.criteria(i).depth();
    dropped += leaf && after.criteria(i).applicable_max_milli() == 0 &&
               after.criteria(i).status() == parindex::v1::NOT_APPLICABLE;
  }
  EXPECT_GT(dropped, 0);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "Không áp dụng"), dropped)
      << absl::StrJoin(lines, "\n");
  // A bonus or a penalty counts no maximum, and its points are in the area's total:
  // printed as scored, so that area IX's rows add up to its total (the outside tester
  // read "Không áp dụng" on rows whose +0,50 and -1,00 made the total).
  std::string bonus_rows;
  int64_t bonus_milli = 0;
  for (const auto& c : after.criteria()) {
    if (!absl::StartsWith(c.code(), "IX.") || c.status() != parindex::v1::SCORED) continue;
    bonus_milli += c.points_milli();
    absl::StrAppend(&bonus_rows, bonus_rows.empty() ? "" : "|",
                    browser.Execute(absl::StrCat(
                        "const row = [...document.querySelectorAll('#report-area-IX tr')]"
                        ".find((r) => r.cells[0].textContent === '",
                        c.code(), "'); return [...row.cells].slice(3, 5).map((x) => "
                                  "x.textContent).join(' ');")));
  }
  ASSERT_FALSE(bonus_rows.empty());
  EXPECT_THAT(bonus_rows, ::testing::Not(::testing::HasSubstr("Không áp dụng")));
  EXPECT_EQ(browser.Execute("const rows = [...document.querySelectorAll('#report-area-IX "
                            "tr')]; return rows[rows.length - 1].cells[2].textContent;"),
            Milli(bonus_milli));
  for (const auto& area : after.areas()) {
    if (area.code() == "IX") EXPECT_EQ(area.points_milli(), bonus_milli);
  }
  for (const auto& area : after.areas()) {
    EXPECT_EQ(std::count(lines.begin(), lines.end(), "Cộng lĩnh vực " + area.code()), 1)
        << area.code();
  }

  // Signing out with a change not saved asks first; once accepted, nothing of the
  // draft stays in this browser for the next person.
  browser.Retype("[id='w-el-resolved_on_time']", "750");
  EXPECT_THAT(browser.Execute(drafts), ::testing::HasSubstr(key));
  browser.ClickOn("#signout");
  browser.AcceptAlert();
  expect_text("#signin-message", "Đã đăng xuất.");
  EXPECT_EQ(browser.Execute(drafts), "{}");
  EXPECT_EQ(Stop(server), 0);
}

}  // namespace

namespace {

// `parindex` with `args` against `server` as `token`: its exit code and output.
std::pair<int, std::string> Cli(const Server& server, const std::string& token,
                                const std::string& args) {
  const std::string cmd =
      absl::StrCat("cd " PARINDEX_SOURCE_DIR " && " PARINDEX_CLI " --server ",
                   server.address, " --token ", token, " ", args, " 2>&1");
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// "Why this number" on the page (web/records.js): a figure computed from dossier
// records says where it came from, the ward cannot type over it, and a click lists the
// dossier ids behind it, as ExplainFigure answers them.
TEST(WebPage, AComputedFigureShowsTheDossiersBehindItInHeadlessChromium) {
  parindex::testing::TempDir dir;
  Server server = Start(dir.File("records.db"), {"--http", "127.0.0.1:0"});
  ASSERT_FALSE(server.http.empty());
  const std::string office = server.tokens["appraiser"];
  for (const auto& [token, args] : std::vector<std::pair<std::string, std::string>>{
           {server.tokens["admin"], "criteria upload criteria/records/records-2023.yaml"},
           {office,
            "round create rec-2023 --set records-demo --year 2023 --unit PLS --unit XTH "
            "--deadline 2099-01-15T17:00:00+07:00"},
           {office, "round open rec-2023"},
           {office, "records import rec-2023 criteria/records/dossiers-2023.csv"}}) {
    const auto [code, out] = Cli(server, token, args);
    ASSERT_EQ(code, 0) << args << ": " << out;
  }

  Browser browser;
  ASSERT_TRUE(browser.ok());
  auto expect_text = [&](const std::string& css, const std::string& want) {
    EXPECT_EQ(browser.WaitText(css, want), want) << css;
  };
  // Signs in with `token`, waits for the first view (`css` showing `first`), then opens
  // rec-2023 and, when the office, `unit`'s appraisal.
  auto open_round = [&](const std::string& token, const std::string& css,
                        const std::string& first, const std::string& unit) {
    browser.Go(server.http + "/");
    ASSERT_EQ(browser.WaitShown("token-signin"), "shown");
    browser.ClickOn("#use-token");
    browser.Retype("#token", token);
    browser.ClickOn("#token-button");
    expect_text(css, first);
    browser.Execute(absl::StrCat(
        "document.getElementById('round').value = 'rec-2023'; showHome()",
        unit.empty() ? "" : absl::StrCat(".then(() => showAppraisal('", unit, "'))"),
        "; return '';"));
  };
  // The sticky action bar covers the foot of the page: the button comes to the middle.
  auto click = [&](const std::string& id) {
    ASSERT_FALSE(browser.Find(absl::StrCat("[id='", id, "']")).empty()) << id;
    browser.Execute(absl::StrCat("document.getElementById('", id,
                                 "').scrollIntoView({block: 'center'}); return '';"));
    browser.ClickOn(absl::StrCat("[id='", id, "']"));
  };
  open_round(server.tokens["ward XTH"], "#form-title", "Tự đánh giá – Xã Tân Hưng", "");
  expect_text("[id='w-el-resolved_on_time-records']",
              "Tính từ dữ liệu hồ sơ: 1 hồ sơ, lần nhập số 1, kỳ kết thúc 01/01/2024 "
              "00:00. Đơn vị không sửa được số này; nếu thấy chưa đúng, hãy trao đổi "
              "với Phòng Nội vụ (ý kiến hoặc giải trình).");
  EXPECT_EQ(browser.Execute("const e = document.getElementById('w-el-resolved_on_time');"
                            "return e.value + ' ' + e.readOnly;"),
            "1 true");
  // A typed element of the same set stays the ward's.
  EXPECT_EQ(browser.Execute("return String(document.getElementById('w-el-visits')."
                            "readOnly);"),
            "false");
  click("w-el-resolved_on_time-why");
  expect_text("[id='w-el-resolved_on_time-ids'] .records-count",
              "Các hồ sơ được tính (1):");
  expect_text("[id='w-el-resolved_on_time-ids'] li", "E01");

  // The office sees the same in the appraisal, for the unit with four.
  open_round(office, "#board-phase", "Tự đánh giá", "PLS");
  click("a-el-resolved_on_time-why");
  const std::string ids = "[id='a-el-resolved_on_time-ids'] li";
  expect_text(ids + ":nth-child(4)", "D15");
  std::vector<std::string> shown;
  for (const std::string& e : browser.Find(ids)) shown.push_back(browser.Text(e));
  EXPECT_EQ(shown, (std::vector<std::string>{"D01", "D02", "D07", "D15"}));
  // Its history says the figure was computed, and from what to what.
  browser.Execute("showHistory('PLS', 'Phường Lam Sơn'); return '';");
  EXPECT_EQ(browser.WaitText("#history-title", "Lịch sử – Phường Lam Sơn"),
            "Lịch sử – Phường Lam Sơn");
  // The rows come after the title: waited for by what the row says.
  EXPECT_EQ(browser.ExecuteAsync(R"js(
      const [what, done] = arguments;
      const find = () => [...document.querySelectorAll('#history-table tbody tr')]
          .find((r) => r.cells[2] && r.cells[2].textContent === what);
      const answer = () => { const row = find(); return row && row.cells[3].textContent; };
      if (answer()) return done(answer());
      const observer = new MutationObserver(() => {
        if (answer()) { observer.disconnect(); done(answer()); }
      });
      observer.observe(document.documentElement, {subtree: true, childList: true});
      setTimeout(() => { observer.disconnect(); done('no row'); }, 15000);)js",
                                 {"Tính lại từ dữ liệu hồ sơ: Số hồ sơ giải quyết đúng "
                                  "hạn (kể cả trước hạn)"}),
            "(trống) → 4");
  EXPECT_EQ(Stop(server), 0);
}

// Plan tasks on the page (web/tasks.js): the ward reports its progress in its task's
// row, the figure computed from tasks says so on its form and is read-only, and the
// office sees the overdue task marked and the quarterly report; the view is Vietnamese,
// passes axe and fits a phone.
TEST(WebPage, PlanTasksWardReportsAndOfficeSeesOverdueInHeadlessChromium) {
  parindex::testing::TempDir dir;
  Server server = Start(dir.File("tasks.db"), {"--http", "127.0.0.1:0"});
  ASSERT_FALSE(server.http.empty());
  const std::string office = server.tokens["appraiser"];
  const std::string admin = server.tokens["admin"];
  for (const auto& [token, args] : std::vector<std::pair<std::string, std::string>>{
           {admin, "criteria upload criteria/records/tasks-2023.yaml"},
           {admin, "plan upload criteria/records/tasks-plan-2023.yaml"},
           {office,
            "round create rt --set tasks-demo --year 2023 --plan tasks-plan-2023 --unit "
            "PLS --unit XTH --deadline 2099-01-15T17:00:00+07:00"},
           {office, "round open rt"},
           {office, "tasks assign rt tasks-plan-2023 1 --lead XTH"},
           {office, "tasks assign rt tasks-plan-2023 3 --lead XTH"}}) {
    const auto [code, out] = Cli(server, token, args);
    ASSERT_EQ(code, 0) << args << ": " << out;
  }
  Browser browser;
  ASSERT_TRUE(browser.ok());
  const std::string axe = AxeSource();
  auto expect_text = [&](const std::string& css, const std::string& want) {
    EXPECT_EQ(browser.WaitText(css, want), want) << css;
  };
  auto open_tasks = [&](const std::string& token, const std::string& css,
                        const std::string& first) {
    browser.Go(server.http + "/");
    ASSERT_EQ(browser.WaitShown("token-signin"), "shown");
    browser.ClickOn("#use-token");
    browser.Retype("#token", token);
    browser.ClickOn("#token-button");
    expect_text(css, first);
    browser.Execute(
        "document.getElementById('round').value = 'rt'; showTasks(); return '';");
  };
  open_tasks(server.tokens["ward XTH"], "#form-title", "Tự đánh giá – Xã Tân Hưng");
  const std::string done = "[id='task-1-XTH-done']";
  ASSERT_EQ(browser.WaitShown("tasks"), "shown");
  expect_text("#tasks-table tbody tr:nth-child(1) td:nth-child(1)", "1");
  CheckView(browser, axe, "tasks-ward");
  browser.Execute(
      "document.getElementById('task-1-XTH-state').value = 'TASK_DONE';"
      "document.getElementById('task-1-XTH-done').value = '2023-05-09'; return '';");
  browser.ClickOn("[id='task-1-XTH-save']");
  expect_text("#tasks-message", "Đã lưu tiến độ nhiệm vụ 1.");
  EXPECT_EQ(browser.Execute("return document.getElementById('task-1-XTH-done').value;"),
            "2023-05-09");
  // On the form: 1 of 2 due tasks done on time, read-only for the ward.
  browser.Execute("showForm(); return '';");
  expect_text("[id='w-el-tasks_done_on_time-tasks']",
              "Tính từ tiến độ nhiệm vụ: 1 trên 2 nhiệm vụ đến hạn được hoàn thành đúng "
              "hạn, kỳ kết thúc ngày 31/12/2023. Đơn vị không sửa được số này; hãy cập "
              "nhật tiến độ ở mục «Nhiệm vụ kế hoạch», hoặc trao đổi với Phòng Nội vụ.");
  EXPECT_EQ(browser.Execute("const e = document.getElementById('w-el-tasks_done_on_time');"
                            "return e.value + ' ' + e.readOnly;"),
            "1 true");

  // The office: task 3 overdue (not done, due 28/2/2023), the second quarter's report.
  open_tasks(office, "#board-phase", "Tự đánh giá");
  browser.ClickOn("#tasks-overdue");
  expect_text("#tasks-table tbody tr:nth-child(1) td:nth-child(1)", "3");
  EXPECT_EQ(browser.Execute("return String(document.querySelectorAll("
                            "'#tasks-table tbody tr').length);"),
            "1");
  browser.Execute("document.getElementById('tasks-quarter').value = '2'; return '';");
  browser.ClickOn("#tasks-report-show");
  expect_text("#tasks-report-period", "Nhiệm vụ đến hạn từ ngày 15/03/2023 đến ngày 14/06/2023.");
  expect_text("#tasks-report-table tbody tr:nth-child(2) td:nth-child(7)", "3");
  CheckView(browser, axe, "tasks-office");
  EXPECT_EQ(Stop(server), 0);
}

// The ward's form says at the field what the server would refuse, before sending: a
// number past any count, a date outside the round's year, a comment past its limit or
// holding a hidden direction mark; numbers in its messages Vietnamese style; a draft
// restored over a value someone saved since asks which to keep; leaving it by the
// header's buttons asks first; submitting names the empty inputs first.
TEST(WebPage, TheWardsFormSaysAtTheFieldWhatTheServerWouldRefuseInHeadlessChromium) {
  parindex::testing::TempDir dir;
  Server server = Start(dir.File("fields.db"), {"--http", "127.0.0.1:0"});
  ASSERT_FALSE(server.http.empty());
  const std::string api = server.http + "/parindex.v1.";
  const std::string token = server.tokens["ward XTH"];
  Browser browser;
  ASSERT_TRUE(browser.ok());
  auto expect_text = [&](const std::string& css, const std::string& want) {
    EXPECT_EQ(browser.WaitText(css, want), want) << css;
  };
  auto sign_in = [&] {
    browser.Go(server.http + "/");
    ASSERT_EQ(browser.WaitShown("token-signin"), "shown");
    browser.ClickOn("#use-token");
    browser.Retype("#token", token);
    browser.ClickOn("#token-button");
    expect_text("#form-title", "Tự đánh giá – Xã Tân Hưng");
  };
  // Sets an input's value as a person's typing would (date inputs and characters
  // WebDriver cannot type), with its input and change events.
  auto set_value = [&](const std::string& id, const std::string& value) {
    browser.ExecuteAsync(R"js(
        const [id, value, done] = arguments;
        const e = document.getElementById(id);
        e.value = value;
        e.dispatchEvent(new Event('input'));
        e.dispatchEvent(new Event('change'));
        done('');)js",
                         {id, value});
  };
  sign_in();
  expect_text("#who", "Đơn vị Xã Tân Hưng");

  // A count past 64 bits: said at the field by the page itself, and «Lưu» goes there.
  browser.Retype("[id='w-el-resolved']", "99999999999999999999");
  expect_text("[id='w-el-resolved-err']", "số quá lớn (99.999.999.999.999.999.999)");
  browser.ClickOn("#save");
  expect_text("#form-error",
              "Chưa lưu được: 1 ô còn lỗi, xem dòng báo lỗi màu đỏ ngay dưới ô đó.");
  EXPECT_EQ(browser.Execute("return document.activeElement.id;"), "w-el-resolved");
  browser.Retype("[id='w-el-resolved']", "784");
  expect_text("[id='w-el-resolved-err']", "");

  // A report's date in 1990 for the 2023 round: at the field; the picker opens in the
  // round's window.
  EXPECT_EQ(browser.Execute("const e = document.getElementById('w-el-report_q1_date');"
                            "return e.min + ' ' + e.max;"),
            "2022-10-01 2024-03-31");
  const std::string q1 =
      browser.Execute("return document.getElementById('w-el-report_q1_date').value;");
  set_value("w-el-report_q1_date", "1990-03-11");
  expect_text("[id='w-el-report_q1_date-err']",
              "ngày 11/03/1990 nằm ngoài năm đánh giá 2023 (chỉ nhận từ 01/10 năm trước "
              "đến 31/03 năm sau)");
  set_value("w-el-report_q1_date", q1);
  expect_text("[id='w-el-report_q1_date-err']", "");

  // A rule's numbers, Vietnamese style.
  browser.Retype("[id='w-el-resolved_on_time']", "1234");
  browser.ClickOn("#save");
  expect_text(
      "[id='w-el-resolved_on_time-err']",
      "Số hồ sơ giải quyết đúng hạn không vượt quá số hồ sơ đã giải quyết: Số hồ sơ "
      "giải quyết đúng hạn (kể cả trước hạn) = 1.234, lớn hơn Số hồ sơ TTHC đã giải "
      "quyết = 784");
  browser.Retype("[id='w-el-resolved_on_time']", "784");

  // A comment past its limit (2,000 bytes: 700 letters with marks), or holding a
  // direction mark: the counter says so at the field, «Lưu» stores nothing of it.
  std::string long_comment;
  for (int i = 0; i < 700; ++i) long_comment += "ệ";
  set_value("w-comment-I.5", long_comment);
  expect_text("[id='w-comment-I.5-count']",
              "Quá dài (105% độ dài cho phép): hãy rút gọn");
  browser.ClickOn("#save");
  expect_text("#form-error",
              "Chưa lưu được: 1 ô còn lỗi, xem dòng báo lỗi màu đỏ ngay dưới ô đó.");
  expect_text("[id='w-err-I.5']", "Quá dài (105% độ dài cho phép): hãy rút gọn");
  EXPECT_EQ(browser.Execute("return document.activeElement.id;"), "w-comment-I.5");
  set_value("w-comment-I.5", "Đã ban hành \u202Equyết định");
  expect_text("[id='w-comment-I.5-count']",
              "Có ký tự ẩn hoặc ký tự đổi chiều chữ (thường do dán từ nơi khác): hãy xóa "
              "rồi gõ lại đoạn này");
  set_value("w-comment-I.5", std::string(1700, 'a'));
  expect_text("[id='w-comment-I.5-count']", "Đã dùng 85% độ dài cho phép");
  set_value("w-comment-I.5", "");
  expect_text("[id='w-comment-I.5-count']", "");
  browser.ClickOn("#save");
  expect_text("#form-message", "Không có thay đổi cần lưu");

  // Typed back to the stored value: nothing to save, and it says so.
  browser.Retype("[id='w-el-articles_published']", "7");
  const std::string stored_articles =
      browser.Execute("return String(form.values.get('articles_published').self.count);");
  browser.Retype("[id='w-el-articles_published']", stored_articles);
  browser.ClickOn("#save");
  expect_text("#form-message", "Không có thay đổi cần lưu");

  // Header buttons ask before leaving typed work (the ward's draft stays).
  browser.Retype("[id='w-el-articles_published']", "9");
  browser.ClickOn("#show-results");
  EXPECT_EQ(browser.AlertText(),
            "Có số liệu đã nhập nhưng chưa lưu (bản nháp vẫn được giữ trên máy này). Rời "
            "biểu mẫu?");
  browser.DismissAlert();
  EXPECT_EQ(browser.Execute("return String(document.getElementById('form').hidden);"),
            "false");

  // Someone saves 8 meanwhile (another tab); the draft's 9 comes back over it: the
  // field says what is stored, and «Lưu» waits for a choice.
  auto [code, json] =
      Curl(api + "AssessmentService/UpdateDataSheet", token,
           absl::StrCat(R"({"parent": "rounds/hungyen-2023/assessments/XTH", )",
                        R"("updates": [{"element": "articles_published", )",
                        R"("value": {"count": "8"}, "etag": ")",
                        browser.Execute("return String(form.values.get("
                                        "'articles_published').version);"),
                        R"("}]})"),
           dir.File("sheet"));
  ASSERT_EQ(code, 200) << json;
  // The page closes without asking (as a crash would); the draft stays in the browser.
  browser.Execute("form.dirty.clear(); form.dirtyValues.clear(); return '';");
  sign_in();
  const std::string conflict = browser.WaitText(
      "[id='w-el-articles_published-conflict-text']", "(waiting for the conflict)");
  EXPECT_THAT(conflict,
              ::testing::MatchesRegex(
                  "Đã có người lưu 8 lúc [0-9/]+ [0-9:]+; bản nháp trên máy này là "
                  "9\\. Giữ số nào\\?"));
  browser.ClickOn("#save");
  expect_text("[id='w-el-articles_published-err']",
              "Hãy chọn giữ số của bản nháp hay số đã lưu trước khi lưu.");
  browser.ClickOn("[id='w-el-articles_published-keep-stored']");
  expect_text("[id='w-el-articles_published-conflict-text']",
              "(no element [id='w-el-articles_published-conflict-text'])");
  EXPECT_EQ(browser.Execute(
                "return document.getElementById('w-el-articles_published').value + "
                "'|' + !!document.getElementById('w-el-articles_published-conflict');"),
            "8|false");
  EXPECT_EQ(browser.ExecuteAsync(kNoEnglish, {}), "");

  // Before publication the ward's results view says when it can see them, and offers
  // no file it could not have.
  browser.ClickOn("#show-results");
  expect_text(
      "#results-error",
      "Kết quả xếp hạng xem được sau khi kỳ đánh giá được công bố (giai đoạn hiện "
      "tại: «Tự đánh giá»).");
  EXPECT_EQ(browser.Execute("return document.getElementById('download').getClientRects()"
                            ".length + '|' + document.getElementById('print-report')"
                            ".getClientRects().length;"),
            "0|0");
  // Back to the form, drawn afresh (its state is written with the data).
  browser.Execute("document.getElementById('form-state').textContent = ''; return '';");
  browser.ClickOn("#show-form");
  expect_text("#form-state", "Đang nhập");

  // «Nộp tự đánh giá» names the empty inputs first; the safe choice has the focus and
  // leads to the first of them.
  browser.ClickOn("#submit");
  expect_text("#submit-confirm-title",
              "Nộp tự đánh giá cho Phòng Nội vụ? Sau khi nộp, đơn vị không sửa được nữa, "
              "trừ khi Phòng Nội vụ mở lại.");
  const std::string empty = browser.WaitText("#submit-confirm-empty", "");
  EXPECT_THAT(empty, ::testing::MatchesRegex(
                         "Còn [0-9]+ ô chưa nhập \\(nộp như vậy thì các ô này không được "
                         "tính điểm\\):"));
  EXPECT_EQ(browser.Execute("return document.activeElement.id;"),
            "submit-confirm-cancel");
  EXPECT_EQ(browser.ExecuteAsync(kNoEnglish, {}), "");
  browser.ClickOn("#submit-confirm-cancel");
  EXPECT_EQ(
      browser.Execute("return String(document.getElementById('submit-confirm').hidden);"),
      "true");
  EXPECT_EQ(
      browser.Execute("return document.activeElement.dataset.fill ? 'empty input' : "
                      "document.activeElement.id;"),
      "empty input");
  expect_text("#form-state", "Đang nhập");
  browser.ClickOn("#submit");
  browser.ClickOn("#submit-confirm-send");
  expect_text("#form-state", "Đã nộp");
  EXPECT_EQ(Stop(server), 0);
}

// A file attached by mistake: «Xóa» beside it, asking first in Vietnamese; gone from
// the list, the checklist and the history's files, kept in the history's words (name,
// size, SHA-256); refused in Vietnamese beside the file once the form is closed; the
// office removes its own file in appraisal, never the unit's. The file button and the
// date inputs speak Vietnamese; the results' workbook and print buttons appear only
// to whom may use them.
TEST(WebPage,
     AFileAttachedByMistakeIsRemovedAndTheFileButtonIsVietnameseInHeadlessChromium) {
  const std::string axe = AxeSource();
  ASSERT_GT(axe.size(), 100000u) << "axe-core not found: run scripts/install-deps.sh";
  parindex::testing::TempDir dir;
  Server server = Start(dir.File("files.db"), {"--http", "127.0.0.1:0"});
  ASSERT_FALSE(server.http.empty());
  const std::string api = server.http + "/parindex.v1.";
  const std::string appraiser = server.tokens["appraiser"];
  Browser browser;
  ASSERT_TRUE(browser.ok());
  auto expect_text = [&](const std::string& css, const std::string& want) {
    EXPECT_EQ(browser.WaitText(css, want), want) << css;
  };
  auto token_sign_in = [&](const std::string& token) {
    browser.Go(server.http + "/");
    ASSERT_EQ(browser.WaitShown("token-signin"), "shown");
    browser.ClickOn("#use-token");
    browser.Retype("#token", token);
    browser.ClickOn("#token-button");
  };
  auto sign_out = [&] {
    browser.ClickOn("#signout");
    expect_text("#signin-message", "Đã đăng xuất.");
  };
  auto api_call = [&](const std::string& method, const std::string& body) {
    auto [code, json] = Curl(api + method, appraiser, body, dir.File("answer"));
    EXPECT_EQ(code, 200) << method << ": " << json;
    return json;
  };
  // The sticky action bar covers the foot of the page: the button comes to the middle.
  auto click = [&](const std::string& css) {
    ASSERT_FALSE(browser.Find(css).empty()) << css;
    browser.Execute(absl::StrCat("document.querySelector(", "\"", css, "\"",
                                 ").scrollIntoView({block: 'center'}); return '';"));
    browser.ClickOn(css);
  };
  const std::string kSha =
      "e5c62df5dab5c87b6a015ef3d43597074d1eec433b15f51aec63b8582d0e4ab4";

  token_sign_in(server.tokens["ward XTH"]);
  expect_text("#form-title", "Tự đánh giá – Xã Tân Hưng");
  // The file button and what is chosen, in Vietnamese; the browser's own input is out
  // of sight and out of the tab order, the button in it.
  expect_text("[id='choose-III.2.1']", "Chọn tệp…");
  expect_text("[id='chosen-III.2.1']", "Chưa chọn tệp nào");
  EXPECT_EQ(browser.Execute("const b = document.getElementById('choose-III.2.1');"
                            "const i = document.getElementById('upload-III.2.1');"
                            "return [b.tagName, b.type, b.tabIndex, i.tabIndex, "
                            "getComputedStyle(i).opacity].join(' ');"),
            "BUTTON button 0 -1 0");
  // Every date input says how a date is written, in its label.
  EXPECT_EQ(
      browser.Execute("const dates = [...document.querySelectorAll('#form-areas "
                      "input[type=date]')];"
                      "const bad = dates.filter((d) => !document.querySelector("
                      "'label[for=\"' + d.id + '\"] .date-hint'));"
                      "return dates.length > 0 ? String(bad.length) : 'no date input';"),
      "0");
  expect_text("label[for='w-el-report_q3_date']",
              "Ngày gửi Báo cáo CCHC quý III (ngày/tháng/năm)");

  // A file attached by mistake.
  const std::string checklist = "[id='w-checklist-III.2.1']";
  const std::string missing =
      "○ Báo cáo thống kê từ Hệ thống thông tin giải quyết TTHC (chưa có)";
  expect_text(checklist, missing);
  const std::string wrong = dir.File("nham.pdf");
  std::ofstream(wrong) << "%PDF-1.4\n";
  browser.Type(browser.Find("[id='upload-III.2.1']").at(0), wrong);
  expect_text("[id='chosen-III.2.1']", "Tệp đã chọn: nham.pdf");
  expect_text("[id='w-evidence-III.2.1'] ul.evidence", "nham.pdf (9 B) Xóa");
  expect_text(checklist,
              "✓ Báo cáo thống kê từ Hệ thống thông tin giải quyết TTHC (đã có)");
  // «Xóa» asks first, in the file's line; the safe answer has the focus.
  click("[id='w-evidence-III.2.1'] button.remove-file");
  expect_text("[id='w-evidence-III.2.1'] .remove-confirm p",
              "Xóa tệp nham.pdf khỏi tiêu chí III.2.1? Lịch sử của đơn vị vẫn ghi tên, "
              "dung lượng và mã SHA-256 của tệp đã xóa.");
  EXPECT_EQ(browser.Execute("return document.activeElement.textContent;"), "Không xóa");
  CheckView(browser, axe, "ward-remove-file");
  click("[id='w-evidence-III.2.1'] .remove-confirm button:first-of-type");
  expect_text("#form-message", "Đã xóa tệp nham.pdf khỏi tiêu chí III.2.1.");
  expect_text("[id='w-evidence-III.2.1'] ul.evidence", "");
  expect_text(checklist, missing);
  EXPECT_THAT(browser.Execute("return document.getElementById('report').textContent;"),
              ::testing::Not(::testing::HasSubstr("nham.pdf")));
  // The server agrees: no file on the entry.
  EXPECT_THAT(api_call("AssessmentService/GetAssessment",
                       R"({"name": "rounds/hungyen-2023/assessments/XTH"})"),
              ::testing::Not(::testing::HasSubstr("nham.pdf")));

  // A file attached through the API without a document type: the checklist counts it
  // for the type it lacks, as a file to look at, not as nothing and not as the type.
  {
    auto [code, json] =
        Curl(api + "AssessmentService/UploadEvidence", server.tokens["ward XTH"],
             R"({"parent": "rounds/hungyen-2023/assessments/XTH", "criterion": "III.2.1",
                 "evidence": {"file_name": "quet.pdf"}, "content": "JVBERi0xLjQK"})",
             dir.File("upload"));
    ASSERT_EQ(code, 200) << json;
  }
  token_sign_in(server.tokens["ward XTH"]);
  expect_text("[id='w-evidence-III.2.1'] ul.evidence", "quet.pdf (9 B) Xóa");
  expect_text(checklist,
              "? Báo cáo thống kê từ Hệ thống thông tin giải quyết TTHC (có tệp quet.pdf "
              "chưa ghi loại giấy tờ, cần xem lại)");
  click("[id='w-evidence-III.2.1'] button.remove-file");
  click("[id='w-evidence-III.2.1'] .remove-confirm button:first-of-type");
  expect_text("#form-message", "Đã xóa tệp quet.pdf khỏi tiêu chí III.2.1.");
  expect_text(checklist, missing);

  // A file the form can no longer lose: the deadline has passed behind the page's
  // back; the refusal is said beside the file, with the server's words under it.
  const std::string keep = dir.File("giu.pdf");
  std::ofstream(keep) << "%PDF-1.4\n";
  browser.Type(browser.Find("[id='upload-III.2.1']").at(0), keep);
  expect_text("[id='w-evidence-III.2.1'] ul.evidence", "giu.pdf (9 B) Xóa");
  parindex::v1::Round round;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(
          api_call("RoundService/GetRound", R"({"name": "rounds/hungyen-2023"})"), &round)
          .ok());
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  api_call("RoundService/UpdateRound",
                           absl::StrCat(R"({"round": {"id": "hungyen-2023", )",
                                        R"("self_assessment_deadline": )",
                                        R"("2023-12-15T17:00:00+07:00"}, )",
                                        R"("update_mask": "self_assessment_deadline", )",
                                        R"("etag": )", round.version(), "}")),
                  &round)
                  .ok());
  click("[id='w-evidence-III.2.1'] button.remove-file");
  click("[id='w-evidence-III.2.1'] .remove-confirm button:first-of-type");
  expect_text("[id='w-evidence-III.2.1'] .file-error",
              "Không xóa được tệp giu.pdf: ở giai đoạn, trạng thái hiện tại, tệp này "
              "không còn xóa được. round hungyen-2023 is in phase SELF_ASSESSMENT and "
              "the assessment of XTH is DRAFT: the self-assessment deadline "
              "2023-12-15T17:00:00+07:00 has passed; ask the Home Affairs office to "
              "reopen the assessment");
  expect_text("[id='w-evidence-III.2.1'] ul.evidence a", "giu.pdf");
  CheckView(browser, axe, "ward-remove-refused");

  // The results before publication: the workbook and print buttons never appear (they
  // used to show until the round was read, then be refused).
  browser.Execute(
      "window.offered = false;"
      "const see = () => { if (!document.getElementById('results').hidden && "
      "(!document.getElementById('download').hidden || "
      "!document.getElementById('print-report').hidden)) window.offered = true; };"
      "new MutationObserver(see).observe(document.body, {subtree: true, attributes: "
      "true, childList: true}); return '';");
  browser.ClickOn("#show-results");
  expect_text("#results-error",
              "Kết quả xếp hạng xem được sau khi kỳ đánh giá được công bố (giai đoạn "
              "hiện tại: «Tự đánh giá»).");
  EXPECT_EQ(browser.Execute("return [window.offered, "
                            "document.getElementById('download').hidden, "
                            "document.getElementById('print-report').hidden].join(' ');"),
            "false true true");
  sign_out();

  // The office, in appraisal: «Xóa» beside the file it attached, not the unit's.
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  api_call("RoundService/AdvanceRound",
                           absl::StrCat(R"({"name": "rounds/hungyen-2023", )",
                                        R"("to_phase": "PHASE_APPRAISAL", "etag": )",
                                        round.version(), "}")),
                  &round)
                  .ok());
  api_call("AssessmentService/UploadEvidence",
           absl::StrCat(R"({"parent": "rounds/hungyen-2023/assessments/XTH", )",
                        R"("criterion": "III.2.1", "evidence": {"file_name": )",
                        R"("bien-ban.pdf"}, "content": ")",
                        absl::Base64Escape("%PDF-1.4\n"), R"("})"));
  token_sign_in(appraiser);
  expect_text("#board-phase", "Thẩm định");
  // The office sees the results: both buttons, once the ranking is there.
  browser.ClickOn("#show-results");
  EXPECT_EQ(browser.WaitShown("download"), "shown");
  EXPECT_EQ(browser.WaitShown("print-report"), "shown");
  browser.ClickOn("#show-board");
  browser.ClickOn("#appraise-XTH");
  expect_text("[id='self-III.2.1'] ul.evidence", "giu.pdf (9 B) bien-ban.pdf (9 B) Xóa");
  EXPECT_EQ(browser.Execute("return String(document.querySelectorAll("
                            "\"[id='self-III.2.1'] button.remove-file\").length);"),
            "1");
  click("[id='self-III.2.1'] button.remove-file");
  expect_text("[id='self-III.2.1'] .remove-confirm p",
              "Xóa tệp bien-ban.pdf khỏi tiêu chí III.2.1? Lịch sử của đơn vị vẫn ghi "
              "tên, dung lượng và mã SHA-256 của tệp đã xóa.");
  CheckView(browser, axe, "appraisal-remove-file");
  click("[id='self-III.2.1'] .remove-confirm button:first-of-type");
  expect_text("#appraisal-message", "Đã xóa tệp bien-ban.pdf khỏi tiêu chí III.2.1.");
  expect_text("[id='self-III.2.1'] ul.evidence", "giu.pdf (9 B)");

  // The unit's history keeps what each removal took away.
  browser.ClickOn("#back-to-board");
  browser.ClickOn("#history-XTH");
  expect_text("#history-table tbody tr:first-child td:nth-child(3)", "Xóa tệp (III.2.1)");
  expect_text("#history-table tbody tr:first-child td:nth-child(4)",
              absl::StrCat("bien-ban.pdf (9 byte; SHA-256: ", kSha, ")"));
  EXPECT_THAT(
      browser.Execute("return document.getElementById('history-table')."
                      "innerText;"),
      ::testing::HasSubstr(absl::StrCat("nham.pdf (9 byte; SHA-256: ", kSha, ")")));
  EXPECT_EQ(Stop(server), 0);
}

// A box emptied is an edit like any other, however it is emptied (here by WebDriver's
// Element Clear, which fires only «change», no «input»): the live score follows at once,
// «Lưu» clears the stored figure and self-score, and the form read again keeps the boxes
// empty. A count in error that is emptied loses its error (outside tester).
TEST(WebPage, AnEmptiedBoxIsPreviewedAndSavedAsClearedInHeadlessChromium) {
  parindex::testing::TempDir dir;
  Server server = Start(dir.File("empty.db"), {"--http", "127.0.0.1:0"});
  ASSERT_FALSE(server.http.empty());
  const std::string api = server.http + "/parindex.v1.";
  const std::string token = server.tokens["ward XTH"];
  Browser browser;
  ASSERT_TRUE(browser.ok());
  auto expect_text = [&](const std::string& css, const std::string& want) {
    EXPECT_EQ(browser.WaitText(css, want), want) << css;
  };
  auto sign_in = [&] {
    browser.Go(server.http + "/");
    ASSERT_EQ(browser.WaitShown("token-signin"), "shown");
    browser.ClickOn("#use-token");
    browser.Retype("#token", token);
    browser.ClickOn("#token-button");
    expect_text("#form-title", "Tự đánh giá – Xã Tân Hưng");
  };
  auto clear = [&](const std::string& css) { browser.Clear(browser.Find(css).at(0)); };
  auto assessment = [&] {
    auto [code, json] =
        Curl(api + "AssessmentService/GetAssessment", token,
             R"({"name": "rounds/hungyen-2023/assessments/XTH"})", dir.File("a"));
    EXPECT_EQ(code, 200) << json;
    parindex::v1::Assessment a;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &a).ok()) << json;
    return a;
  };
  auto value_of = [](const parindex::v1::Assessment& a, const std::string& element) {
    for (const auto& v : a.values()) {
      if (v.element() == element) return v;
    }
    return parindex::v1::DataValue();
  };
  auto entry_of = [](const parindex::v1::Assessment& a, const std::string& criterion) {
    for (const auto& e : a.entries()) {
      if (e.criterion() == criterion) return e;
    }
    return parindex::v1::Entry();
  };
  sign_in();
  expect_text("[id='w-points-I.5']", "1,25 / 1,50");
  expect_text("[id='w-points-I.1.3']", "2,00 / 2,00");
  // What does not apply says why, in the page's words (the engine's reasons): the plan
  // has no target for a commune (I.3.1) or no deadline (I.1.1), no survey (VIII.1).
  expect_text("[id='w-target-I.3.1']",
              "Không áp dụng vì Kế hoạch CCHC không đặt chỉ tiêu «Tỷ lệ cuộc kiểm tra CCHC "
              "thực hiện qua môi trường mạng» cho loại đơn vị này: không tính vào điểm tối "
              "đa");
  expect_text("[id='w-target-I.1.1']",
              "Không áp dụng vì Kế hoạch CCHC không đặt thời hạn cho việc này: không tính "
              "vào điểm tối đa");
  expect_text("[id='w-target-VIII.1']",
              "Không áp dụng vì chưa có kết quả khảo sát: không tính vào điểm tối đa");
  EXPECT_EQ(browser.Execute("return document.getElementById('w-el-tasks_due').value;"), "894");
  expect_text("#form-total", "88,88 (53,77 / 60,50 điểm)");

  // I.5's self-score typed, then emptied: the card, the header and the bar follow both.
  browser.Retype("[id='w-I.5-score']", "0,5");
  expect_text("[id='w-points-I.5']", "0,50 / 1,50");
  expect_text("#form-total", "87,64 (53,02 / 60,50 điểm)");
  expect_text("#form-running", "Đã nhập 86/89 ô; điểm tạm tính 87,64");
  clear("[id='w-I.5-score']");
  expect_text("[id='w-points-I.5']", "Chưa báo cáo: 0,00 / 1,50");
  expect_text("#form-total", "86,81 (52,52 / 60,50 điểm)");
  expect_text("#form-running", "Đã nhập 85/89 ô; điểm tạm tính 86,81");

  // A stored figure emptied (never typed over in this page): previewed, then saved as
  // cleared.
  clear("[id='w-el-tasks_due']");
  expect_text("[id='w-points-I.1.3']", "Chưa báo cáo: 0,00 / 2,00");
  expect_text("[id='w-value-I.1.3']", "");
  expect_text("#form-total", "83,51 (50,52 / 60,50 điểm)");
  expect_text("#form-running", "Đã nhập 84/89 ô; điểm tạm tính 83,51");
  browser.ClickOn("#save");
  expect_text("#form-message", "Đã lưu 1 số liệu, 1 tiêu chí");
  {
    const parindex::v1::Assessment a = assessment();
    const parindex::v1::DataValue due = value_of(a, "tasks_due");
    EXPECT_EQ(due.version(), 2);
    EXPECT_EQ(due.self().value_case(), parindex::v1::ElementValue::VALUE_NOT_SET);
    EXPECT_FALSE(entry_of(a, "I.5").self().has_score_milli());
  }
  // Read again: the boxes stay empty, the saved score is the previewed one.
  sign_in();
  expect_text("[id='w-points-I.1.3']", "Chưa báo cáo: 0,00 / 2,00");
  expect_text("[id='w-points-I.5']", "Chưa báo cáo: 0,00 / 1,50");
  expect_text("#form-total", "83,51 (50,52 / 60,50 điểm)");
  EXPECT_EQ(browser.Execute("return document.getElementById('w-el-tasks_due').value + '|' + "
                            "document.getElementById('w-I.5-score').value;"),
            "|");

  // A criterion that does not apply says why at its «Chỉ tiêu, mức áp dụng»: its
  // indicator's denominator is 0, and the set drops it from the maximum (I.1.3) or gives
  // it full marks (I.3.2, not_applicable: full_marks).
  browser.Retype("[id='w-el-tasks_due']", "0");
  browser.Retype("[id='w-el-tasks_done_on_time']", "0");
  browser.Retype("[id='w-el-findings']", "0");
  browser.Retype("[id='w-el-findings_handled']", "0");
  expect_text("[id='w-target-I.1.3']",
              "Không áp dụng vì Số nhiệm vụ của Kế hoạch CCHC năm đến hạn hoàn thành bằng 0: "
              "không tính vào điểm tối đa");
  expect_text("[id='w-target-I.3.2']",
              "Không áp dụng vì Số vấn đề phát hiện qua kiểm tra phải xử lý bằng 0: đạt "
              "điểm tối đa theo bộ tiêu chí");
  expect_text("[id='w-points-I.3.2']", "Không áp dụng: 1,00 / 1,00");

  // A count in error: «Nộp tự đánh giá» says so first (at once, before any preview),
  // goes to the field and opens no confirmation; nothing is sent.
  browser.Retype("[id='w-el-resolved']", "abc");
  browser.ClickOn("#submit");
  expect_text("#form-error",
              "Chưa nộp được: 1 ô còn lỗi, xem dòng báo lỗi màu đỏ ngay dưới ô đó. Hãy "
              "sửa (hoặc xóa trống) ô đó rồi nộp.");
  expect_text("[id='w-el-resolved-err']", "phải là số nguyên (ví dụ 784)");
  EXPECT_EQ(browser.Execute("return document.activeElement.id + '|' + "
                            "document.getElementById('submit-confirm').hidden;"),
            "w-el-resolved|true");
  {
    const parindex::v1::Assessment a = assessment();
    EXPECT_EQ(a.state(), parindex::v1::STATE_DRAFT);
    EXPECT_EQ(value_of(a, "resolved").self().count(), 784);
  }
  // Emptied, its error goes; «Nộp» now asks, naming the boxes left empty.
  clear("[id='w-el-resolved']");
  expect_text("[id='w-el-resolved-err']", "");
  expect_text("#form-error", "");
  browser.ClickOn("#submit");
  expect_text("#submit-confirm-empty",
              "Còn 5 ô chưa nhập (nộp như vậy thì các ô này không được tính điểm):");
  EXPECT_EQ(Stop(server), 0);
}

// The appraisal team (outside tester): what an appraiser types and has not saved is a
// draft in this browser, per account, round and unit, as the ward's is; when the
// session ends under it (the admin resets the account's password), signing in again
// returns to the unit with the typing back, and «Lưu thẩm định» saves it. «Đã xem giải
// trình» closes an explained unit's «Giải trình chờ xem» without changing anything.
TEST(WebPage, AnAppraisalTypedSurvivesTheEndOfTheSessionInHeadlessChromium) {
  parindex::testing::TempDir dir;
  Server server =
      Start(dir.File("resume.db"), {"--http", "127.0.0.1:0", "--demo-province"});
  ASSERT_FALSE(server.http.empty());
  const auto [office, otp] = server.accounts["province appraiser"];
  ASSERT_EQ(office, "thamdinh.hy");
  const std::string api = server.http + "/parindex.v1.";
  const std::string artifacts = PARINDEX_ARTIFACTS;
  std::filesystem::create_directories(artifacts);
  Browser browser;
  ASSERT_TRUE(browser.ok());
  browser.Resize(1400, 900);
  auto expect_text = [&](const std::string& css, const std::string& want) {
    EXPECT_EQ(browser.WaitText(css, want), want) << css;
  };
  auto sign_in = [&](const std::string& password, const std::string& next) {
    browser.FirstSignIn(office, password, next);
  };
  auto work_queue = [&]() {
    auto [code, json] = Curl(api + "RoundService/GetWorkQueue", server.tokens["admin"],
                             R"({"name": "rounds/hungyen-2025"})", dir.File("queue"));
    EXPECT_EQ(code, 200) << json;
    parindex::v1::WorkQueue queue;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &queue).ok()) << json;
    return queue;
  };
  auto tasks_due = [&]() {  // HY-PDH's appraised "tasks_due", as stored
    auto [code, json] =
        Curl(api + "AssessmentService/GetAssessment", server.tokens["admin"],
             R"({"name": "rounds/hungyen-2025/assessments/HY-PDH"})", dir.File("a"));
    EXPECT_EQ(code, 200) << json;
    parindex::v1::Assessment a;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &a).ok()) << json;
    for (const parindex::v1::DataValue& v : a.values()) {
      if (v.element() == "tasks_due")
        return absl::StrCat(v.self().count(), "|",
                            v.has_appraised() ? absl::StrCat(v.appraised().count()) : "-");
    }
    return std::string("none");
  };
  const std::string drafts = R"js(
      const out = [];
      for (let i = 0; i < localStorage.length; i++) {
        if (localStorage.key(i).startsWith('parindex.draft.')) out.push(localStorage.key(i));
      }
      return out.join(' ');)js";
  browser.Go(server.http + "/");
  sign_in(otp, "mật khẩu mới của thẩm định");
  expect_text("#board-phase", "Giải trình");

  // «Đã xem giải trình»: an explained unit waiting to be read, other than HY-PDH.
  std::string read;
  const parindex::v1::WorkQueue before = work_queue();
  for (const parindex::v1::WorkItem& item : before.units()) {
    if (item.explanation_waiting() && item.unit() != "HY-PDH" && read.empty())
      read = item.unit();
  }
  ASSERT_FALSE(read.empty());
  expect_text("#flags-" + read, "Giải trình chờ xem Thay đổi sau thẩm định");
  browser.ClickOn("#appraise-" + read);
  expect_text("#appraisal-state", "Đã giải trình");
  browser.ClickOn("#review-explanation");
  expect_text("#appraisal-message",
              "Đã ghi nhận Phòng Nội vụ đã xem giải trình của đơn vị (số liệu không thay "
              "đổi).");
  expect_text("#appraisal-state", "Đã giải trình");
  browser.ClickOn("#back-to-board");
  expect_text("#flags-" + read, "");
  // Its history says who read it, in the page's words.
  browser.ClickOn("#history-" + read);
  expect_text("#history-table tbody tr:first-child td:nth-child(2)", "Phạm Thu Hà");
  expect_text("#history-table tbody tr:first-child td:nth-child(3)",
              "Đã xem giải trình của đơn vị (không thay đổi số liệu)");
  browser.ClickOn("#history-back");
  expect_text("#flags-" + read, "");
  const parindex::v1::WorkQueue after = work_queue();
  int submitted = 0, waiting = 0, changed = 0, overdue = 0;
  for (const parindex::v1::WorkItem& item : after.units()) {
    submitted += item.state() == parindex::v1::STATE_SUBMITTED;
    waiting += item.explanation_waiting();
    changed += item.changed_since_appraisal();
    overdue += item.overdue();
    if (item.unit() == read) {
      EXPECT_FALSE(item.explanation_waiting());
      EXPECT_FALSE(item.changed_since_appraisal());
      EXPECT_EQ(item.state(), parindex::v1::STATE_EXPLAINED);
    }
  }
  EXPECT_EQ(waiting, 16);
  expect_text("#waiting-list",
              absl::StrCat(submitted, " đơn vị đã nộp, chưa thẩm định ", waiting,
                           " đơn vị đã giải trình, chờ xem ", changed,
                           " đơn vị thay đổi sau lần thẩm định gần nhất",
                           overdue ? absl::StrCat(" ", overdue, " đơn vị quá hạn") : ""));

  // HY-PDH: 130 typed over the 126 the unit reported, not saved.
  const std::string stored = tasks_due();
  ASSERT_EQ(stored.substr(0, 4), "126|");
  browser.ClickOn("#appraise-HY-PDH");
  expect_text("#appraisal-title", "Thẩm định – Phường Đường Hào");
  expect_text("[id='self-el-tasks_due']", "Đơn vị báo cáo: 126");
  browser.Retype("[id='a-el-tasks_due']", "130");
  // The session ends: the admin resets the account's password.
  std::string account;
  std::string page;
  do {
    auto [code, json] = Curl(api + "AccountService/ListAccounts", server.tokens["admin"],
                             absl::StrCat(R"({"page_token": ")", page, R"("})"),
                             dir.File("accounts"));
    ASSERT_EQ(code, 200) << json;
    parindex::v1::ListAccountsResponse list;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &list).ok()) << json;
    for (const auto& a : list.accounts())
      if (a.username() == office) account = a.id();
    page = list.next_page_token();
  } while (!page.empty() && account.empty());
  ASSERT_FALSE(account.empty());
  auto [code, json] = Curl(api + "AccountService/ResetPassword", server.tokens["admin"],
                           absl::StrCat(R"({"name": "accounts/)", account, R"("})"),
                           dir.File("reset"));
  ASSERT_EQ(code, 200) << json;
  parindex::v1::ResetPasswordResponse reset;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &reset).ok()) << json;
  // «Lưu thẩm định», by script: the preview of the typed 130 may already have met the
  // ended session and shown the sign-in form (either way, the same page follows).
  browser.Execute("document.getElementById('save-appraisal').click(); return '';");
  expect_text("#signin-message",
              "Phiên đăng nhập đã hết hạn hoặc đã kết thúc: hãy đăng nhập lại.");
  EXPECT_EQ(tasks_due(), stored);  // nothing was saved
  // The typing is this browser's draft, under the account, the round and the unit.
  EXPECT_EQ(browser.Execute(drafts),
            absl::StrCat("parindex.draft.", account, ".hungyen-2025.HY-PDH.appraisal"));

  // Signed in again: back at HY-PDH, the 130 in its field, and said so.
  auto expect_back_at_hy_pdh = [&]() {
    expect_text("#appraisal-title", "Thẩm định – Phường Đường Hào");
    expect_text("#appraisal-message",
                "Đã khôi phục 1 ô thẩm định đã nhập nhưng chưa lưu (bản nháp trên máy "
                "này). Bấm «Lưu thẩm định» để lưu lên hệ thống.");
    EXPECT_EQ(browser.Execute("return document.getElementById('a-el-tasks_due').value;"),
              "130");
  };
  sign_in(reset.one_time_password(), "mật khẩu thứ hai của thẩm định");
  expect_back_at_hy_pdh();
  browser.Screenshot(artifacts + "/web-appraisal-draft.png");
  // The page reloaded (F5; its "leave?" question answered by script): back at HY-PDH
  // rather than the queue, the 130 restored.
  browser.Execute("form.dirty.clear(); form.dirtyValues.clear(); return '';");
  browser.Go(server.http + "/");
  expect_back_at_hy_pdh();
  // Left for the queue and opened again: still there, said again.
  browser.ClickOn("#back-to-board");
  EXPECT_EQ(browser.AlertText(),
            "Có số liệu thẩm định đã nhập nhưng chưa lưu (bản nháp vẫn được giữ trên "
            "máy này). Rời đơn vị này?");
  browser.AcceptAlert();
  expect_text("#board-phase", "Giải trình");
  browser.ClickOn("#appraise-HY-PDH");
  expect_back_at_hy_pdh();
  // «Lưu thẩm định» saves it, and the draft goes.
  browser.ClickOn("#save-appraisal");
  expect_text("#appraisal-message", "Đã lưu thẩm định: 1 số liệu");
  EXPECT_EQ(tasks_due(), "126|130");
  EXPECT_EQ(browser.Execute(drafts), "");
  EXPECT_EQ(browser.Execute("return document.getElementById('a-el-tasks_due').value;"),
            "130");
  EXPECT_EQ(Stop(server), 0);
}

}  // namespace
