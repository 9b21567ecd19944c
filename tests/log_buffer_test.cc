// The per-call log's buffer: lines kept in order, the pending text bounded by dropping
// successful reads' lines only, and the count of those written later.
#include "server/log_buffer.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parindex::server {
namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;

// A buffer without its thread (flushed by the test) that writes into `written`.
LogBuffer::Options Manual(size_t max_pending, std::string* written) {
  LogBuffer::Options options;
  options.max_pending = max_pending;
  options.background = false;
  options.sink = [written](absl::string_view text) { absl::StrAppend(written, text); };
  return options;
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

// 20 bytes with its newline: "read 01 ..........\n".
std::string Line(const char* kind, int n) {
  std::string line = absl::StrCat(kind, " ", n < 10 ? "0" : "", n, " ");
  line.resize(19, '.');
  return line + "\n";
}

TEST(LogBuffer, DropsOnlyReadsPastItsBoundAndCountsThem) {
  std::string written;
  LogBuffer log(Manual(/*max_pending=*/60, &written));
  for (int i = 1; i <= 5; ++i) log.Add(Line("read", i), /*droppable=*/true);
  // The bound is reached: writes and refusals are still kept, past it.
  log.Add(Line("write", 6), /*droppable=*/false);
  log.Add(Line("refused", 7), /*droppable=*/false);
  log.Add(Line("read", 8), /*droppable=*/true);
  EXPECT_EQ(written, "");
  log.Flush();
  const std::vector<std::string> lines = Lines(written);
  ASSERT_EQ(lines.size(), 6u) << written;
  EXPECT_EQ(lines[0], "read 01 ...........");
  EXPECT_EQ(lines[1], "read 02 ...........");
  EXPECT_EQ(lines[2], "read 03 ...........");
  EXPECT_EQ(lines[3], "write 06 ..........");
  EXPECT_EQ(lines[4], "refused 07 ........");
  EXPECT_THAT(lines[5], EndsWith("+07:00 event=log_dropped reads=3"));
  EXPECT_EQ(lines[5].rfind("ts=", 0), 0u) << lines[5];

  // After the flush the bound starts again, and the count is not repeated.
  written.clear();
  log.Add(Line("read", 9), /*droppable=*/true);
  log.Flush();
  EXPECT_THAT(Lines(written), ElementsAre("read 09 ..........."));
  written.clear();
  log.Flush();
  EXPECT_EQ(written, "");
}

TEST(LogBuffer, WritesEverythingKeptBeforeItIsDestroyed) {
  std::string written;
  {
    LogBuffer::Options options = Manual(1 << 20, &written);
    options.background = true;  // its thread, stopped by the destructor
    LogBuffer log(std::move(options));
    for (int i = 1; i <= 3; ++i) log.Add(Line("write", i), /*droppable=*/false);
  }
  EXPECT_THAT(Lines(written), ElementsAre("write 01 ..........", "write 02 ..........",
                                          "write 03 .........."));
}

TEST(LogBuffer, ReadMethodsAreTheOnesThatChangeNothing) {
  for (const char* method :
       {"/parindex.v1.ScoreService/GetUnitScore", "/parindex.v1.ScoreService/GetRanking",
        "/parindex.v1.RoundService/ListRounds", "/parindex.v1.HealthService/Echo",
        "/parindex.v1.ScoreService/SummariseRound",
        "/parindex.v1.ReportService/StreamExportRound"}) {
    EXPECT_TRUE(IsReadMethod(method)) << method;
  }
  for (const char* method :
       {"/parindex.v1.AssessmentService/BatchUpdateEntries",
        "/parindex.v1.AccountService/SignIn", "/parindex.v1.RoundService/AdvanceRound",
        "/parindex.v1.AccessService/CreateToken",
        "/parindex.v1.RecordService/ImportDossiers"}) {
    EXPECT_FALSE(IsReadMethod(method)) << method;
  }
}

}  // namespace
}  // namespace parindex::server
