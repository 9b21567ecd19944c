// Due phrases -> date ranges.
#include "criteria/due_phrase.h"

#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"

namespace parindex::criteria {
namespace {

using Kind = v1::DueRange::Kind;

struct Span {
  absl::CivilDay start;
  absl::CivilDay end;
};

v1::Date ToDate(absl::CivilDay day) {
  v1::Date date;
  date.set_year(static_cast<int>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

int Quarter(const std::string& roman) {
  if (roman == "i") return 1;
  if (roman == "ii") return 2;
  if (roman == "iii") return 3;
  if (roman == "iv") return 4;
  return 0;
}

Span QuarterSpan(int year, int quarter) {
  const absl::CivilMonth first(year, 3 * (quarter - 1) + 1);
  return Span{absl::CivilDay(first), absl::CivilDay(first + 3) - 1};
}

Span MonthSpan(int year, int month) {
  const absl::CivilMonth m(year, month);
  return Span{absl::CivilDay(m), absl::CivilDay(m + 1) - 1};
}

Span YearSpan(int year) {
  return Span{absl::CivilDay(year, 1, 1), absl::CivilDay(year, 12, 31)};
}

int ToInt(const std::string& s) {
  int value = 0;
  return absl::SimpleAtoi(s, &value) ? value : 0;
}

// One clause, lower-cased. nullopt when it names no period.
std::optional<Span> ParseClause(const std::string& s, int plan_year, Kind* kind) {
  static const std::regex kDate(R"(trước (?:ngày )?(\d{1,2})/(\d{1,2})/(\d{4}))");
  static const std::regex kFromTo(
      R"(từ (?:quý (i|ii|iii|iv)/|năm )(\d{4}) đến (?:hết )?năm (\d{4}))");
  static const std::regex kQuarterToQuarter(
      R"(quý (i|ii|iii|iv)/(\d{4}) - quý (i|ii|iii|iv)/(\d{4}))");
  static const std::regex kQuarters(
      R"(quý (i|ii|iii|iv)((?:(?:,| và) (?:quý )?(?:i|ii|iii|iv))*)(?:/| năm )(\d{4}))");
  static const std::regex kMonth(R"((?:tháng |trong )(\d{1,2})(?:/| năm )(\d{4}))");
  static const std::regex kYear(R"((?:^|trong |hàng quý(?:,| và) )năm (\d{4}))");
  static const std::regex kRoman(R"(\b(i|ii|iii|iv)\b)");
  std::smatch m;
  if (std::regex_search(s, m, kDate)) {
    *kind = v1::DueRange::DATE;
    const absl::CivilDay day(ToInt(m[3]), ToInt(m[2]), ToInt(m[1]));
    if (day.day() != ToInt(m[1]) || day.month() != ToInt(m[2])) return std::nullopt;
    return Span{day - 1, day - 1};
  }
  *kind = v1::DueRange::RANGE;
  if (std::regex_search(s, m, kFromTo)) {
    const int from_year = ToInt(m[2]);
    const Span start = m[1].matched && !m.str(1).empty()
                           ? QuarterSpan(from_year, Quarter(m[1]))
                           : YearSpan(from_year);
    return Span{start.start, YearSpan(ToInt(m[3])).end};
  }
  if (std::regex_search(s, m, kQuarterToQuarter)) {
    return Span{QuarterSpan(ToInt(m[2]), Quarter(m[1])).start,
                QuarterSpan(ToInt(m[4]), Quarter(m[3])).end};
  }
  if (std::regex_search(s, m, kQuarters)) {
    const int year = ToInt(m[3]);
    int first = Quarter(m[1]), last = first;
    const std::string more = m[2];
    for (auto it = std::sregex_iterator(more.begin(), more.end(), kRoman);
         it != std::sregex_iterator(); ++it) {
      const int q = Quarter((*it)[1]);
      first = std::min(first, q);
      last = std::max(last, q);
    }
    return Span{QuarterSpan(year, first).start, QuarterSpan(year, last).end};
  }
  if (std::regex_search(s, m, kMonth)) {
    const int month = ToInt(m[1]);
    if (month < 1 || month > 12) return std::nullopt;
    return MonthSpan(ToInt(m[2]), month);
  }
  if (std::regex_search(s, m, kYear)) return YearSpan(ToInt(m[1]));
  if (s == "trong năm" || s == "cả năm" || s == "hàng quý") return YearSpan(plan_year);
  return std::nullopt;
}

bool IsEvent(const std::string& s) {
  for (const char* prefix :
       {"khi ", "sau khi", "sau ", "theo ", "thực hiện theo ", "lồng ghép", "tùy theo"}) {
    if (absl::StartsWith(s, prefix)) return true;
  }
  return false;
}

}  // namespace

v1::DueRange ParseDuePhrase(absl::string_view text, int plan_year) {
  v1::DueRange range;
  std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  if (lower.empty()) return range;
  // "Quý" and "Tháng" start with ASCII letters, so ASCII lower-casing is enough for
  // every keyword; Vietnamese letters inside words are already lower case.
  absl::string_view rest = lower;
  absl::ConsumePrefix(&rest, "- ");
  absl::ConsumePrefix(&rest, "hoàn thành ");

  std::vector<std::string> clauses;
  for (absl::string_view clause : absl::StrSplit(rest, absl::ByAnyChar(";"))) {
    for (absl::string_view part : absl::StrSplit(clause, " - ")) {
      part = absl::StripAsciiWhitespace(part);
      absl::ConsumePrefix(&part, "- ");
      if (!part.empty()) clauses.emplace_back(part);
    }
  }
  // "Quý IV/2023 - Quý I/2024" is one span, not two clauses.
  if (std::regex_search(std::string(rest),
                        std::regex(R"(quý (i|ii|iii|iv)/\d{4} - quý)"))) {
    clauses = {std::string(rest)};
  }

  if (clauses.empty())
    return range;  // only separators (";", " - ; - "): found by fuzzing
  if (absl::StrContains(clauses.front(), "thường xuyên")) {
    range.set_kind(v1::DueRange::ONGOING);
    return range;
  }
  std::optional<Span> all;
  Kind kind = v1::DueRange::RANGE;
  bool every_clause_dated = true;
  for (const std::string& clause : clauses) {
    Kind clause_kind = v1::DueRange::RANGE;
    const std::optional<Span> span = ParseClause(clause, plan_year, &clause_kind);
    if (!span.has_value()) {
      every_clause_dated = false;
      continue;
    }
    kind = clauses.size() == 1 ? clause_kind : v1::DueRange::RANGE;
    all = all.has_value()
              ? Span{std::min(all->start, span->start), std::max(all->end, span->end)}
              : *span;
  }
  if (all.has_value() && (every_clause_dated || clauses.size() == 1)) {
    range.set_kind(kind);
    if (kind != v1::DueRange::DATE) *range.mutable_start() = ToDate(all->start);
    *range.mutable_end() = ToDate(all->end);
    return range;
  }
  range.set_kind(IsEvent(clauses.front()) ? v1::DueRange::EVENT : v1::DueRange::UNPARSED);
  return range;
}

}  // namespace parindex::criteria
