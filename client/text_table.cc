// Text rendering of scores.
#include "client/text_table.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/fixed_point.h"

namespace parindex::client {
namespace {

// Decodes the code point starting at text[*i] and advances *i (invalid bytes count as
// one).
char32_t NextCodePoint(absl::string_view text, size_t* i) {
  const unsigned char c = static_cast<unsigned char>(text[*i]);
  int length = c < 0x80           ? 1
               : (c >> 5) == 0x6  ? 2
               : (c >> 4) == 0xE  ? 3
               : (c >> 3) == 0x1E ? 4
                                  : 1;
  if (*i + length > text.size()) length = 1;
  char32_t cp = length == 1 ? c : c & (0x7F >> length);
  for (int k = 1; k < length; ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(text[*i + k]) & 0x3F);
  *i += length;
  return cp;
}

bool IsCombining(char32_t cp) { return cp >= 0x300 && cp <= 0x36F; }

std::string Pad(absl::string_view text, int width) {
  std::string out(text);
  const int w = DisplayWidth(text);
  if (w < width) out.append(width - w, ' ');
  return out;
}

std::string PadLeft(absl::string_view text, int width) {
  const int w = DisplayWidth(text);
  return w < width ? absl::StrCat(std::string(width - w, ' '), text) : std::string(text);
}

std::string KindName(v1::UnitKind kind) {
  return absl::AsciiStrToLower(v1::UnitKind_Name(kind));
}

}  // namespace

int DisplayWidth(absl::string_view text) {
  int width = 0;
  for (size_t i = 0; i < text.size();) {
    if (!IsCombining(NextCodePoint(text, &i))) ++width;
  }
  return width;
}

std::string Fit(absl::string_view text, int width) {
  if (DisplayWidth(text) <= width) return Pad(text, width);
  std::string out;
  int w = 0;
  for (size_t i = 0; i < text.size();) {
    const size_t start = i;
    const char32_t cp = NextCodePoint(text, &i);
    if (!IsCombining(cp)) {
      if (w == width - 1) break;
      ++w;
    }
    absl::StrAppend(&out, text.substr(start, i - start));
  }
  return absl::StrCat(out, "…");
}

std::string RenderEvaluation(const v1::Evaluation& evaluation,
                             const BlockSizes& block_sizes) {
  return RenderUnitScores(evaluation, block_sizes) + RenderRanking(evaluation.units());
}

std::string RenderUnitScores(const v1::Evaluation& evaluation,
                             const BlockSizes& block_sizes) {
  using engine::FormatHundredths;
  using engine::FormatMilli;
  constexpr int kCode = 9;
  constexpr int kTitle = 56;
  std::string out;
  const char* column =
      evaluation.column() == v1::APPRAISED ? "appraised" : "self-assessed";

  for (const v1::UnitScore& unit : evaluation.units()) {
    absl::StrAppend(&out, unit.unit_name(), " (", unit.unit(), ", ",
                    KindName(unit.kind()), ")\n");
    absl::StrAppend(&out, "  criteria set ", unit.criteria_set(), " v",
                    unit.criteria_set_version(), ", plan ",
                    unit.plan().empty() ? "none" : unit.plan(), ", ", column,
                    " figures\n");
    if (unit.index_applicable()) {
      std::string rank;
      if (unit.rank() > 0) {
        const auto size = block_sizes.find(unit.block());
        rank = absl::StrCat(
            ", rank ", unit.rank(),
            size == block_sizes.end() ? "" : absl::StrCat(" of ", size->second),
            " in block ", unit.block());
      }
      absl::StrAppend(&out, "  index ", FormatHundredths(unit.index_hundredths()),
                      unit.classification().empty()
                          ? ""
                          : absl::StrCat(", class ", unit.classification()),
                      rank, "\n\n");
    } else {
      absl::StrAppend(&out, "  index not applicable: no criterion could be scored\n\n");
    }
    int next_criterion = 0;
    for (const v1::AreaScore& area : unit.areas()) {
      absl::StrAppend(&out, "  ", Pad(absl::StrCat(area.code(), " "), kCode),
                      Fit(area.title(), kTitle), " ",
                      PadLeft(FormatMilli(area.points_milli()), 7), " / ",
                      PadLeft(FormatMilli(area.applicable_max_milli()), 6), "\n");
      for (; next_criterion < unit.criteria_size() &&
             unit.criteria(next_criterion).area() == area.code();
           ++next_criterion) {
        const v1::CriterionScore& c = unit.criteria(next_criterion);
        const std::string indent(2 + 2 * (c.depth() + 1), ' ');
        const int title_width = kTitle - 2 * (c.depth() + 1) + 2;
        const bool dropped =
            c.status() == v1::NOT_APPLICABLE && c.applicable_max_milli() == 0;
        absl::StrAppend(&out, indent, Pad(absl::StrCat(c.code(), " "), kCode - 2),
                        Fit(c.title(), title_width), " ",
                        PadLeft(dropped ? "n/a" : FormatMilli(c.points_milli()), 7),
                        " / ", PadLeft(FormatMilli(c.max_milli()), 6), "\n");
        if (c.status() != v1::GROUP) {
          absl::StrAppend(&out, indent, std::string(kCode - 2, ' '), c.trace().reason(),
                          "\n");
        }
      }
    }
    absl::StrAppend(&out, "\n  total ", FormatMilli(unit.achieved_milli()), " of ",
                    FormatMilli(unit.applicable_max_milli()), " applicable (set total ",
                    FormatMilli(unit.max_milli()), "); survey ",
                    FormatMilli(unit.survey_milli()), ", bonus/penalty ",
                    FormatMilli(unit.adjustment_milli()), "\n");
    for (const v1::ValidationFinding& w : unit.warnings()) {
      absl::StrAppend(&out, "  warning: ", w.message(), "\n");
    }
    absl::StrAppend(&out, "\n");
  }

  return out;
}

std::string RenderRanking(
    const google::protobuf::RepeatedPtrField<v1::UnitScore>& units) {
  using engine::FormatHundredths;
  std::string out;
  // Rankings per block, best first; ties keep code order.
  std::vector<const v1::UnitScore*> order;
  for (const v1::UnitScore& unit : units) order.push_back(&unit);
  std::stable_sort(order.begin(), order.end(),
                   [](const v1::UnitScore* a, const v1::UnitScore* b) {
                     if (a->block() != b->block()) return a->block() < b->block();
                     // Units the office has not appraised, or that never started
                     // their self-assessment, come after the ranked ones.
                     const bool a_none = a->not_appraised() || a->not_started();
                     const bool b_none = b->not_appraised() || b->not_started();
                     if (a_none != b_none) return b_none;
                     if (a->index_applicable() != b->index_applicable())
                       return a->index_applicable();
                     if (a->index_hundredths() != b->index_hundredths()) {
                       return a->index_hundredths() > b->index_hundredths();
                     }
                     return a->unit() < b->unit();
                   });
  std::string block;
  for (const v1::UnitScore* unit : order) {
    if (unit->block() != block) {
      block = unit->block();
      absl::StrAppend(&out, "Ranking, block ", block, "\n");
    }
    absl::StrAppend(
        &out, "  ", PadLeft(unit->rank() > 0 ? absl::StrCat(unit->rank()) : "-", 3), "  ",
        Fit(unit->unit_name(), 30), " ",
        unit->not_appraised() ? "not appraised"
        : unit->not_started()
            ? "not self-assessed"
            : absl::StrCat(PadLeft(unit->index_applicable()
                                       ? FormatHundredths(unit->index_hundredths())
                                       : "n/a",
                                   7),
                           "  ", unit->classification()),
        "\n");
  }
  return out;
}

}  // namespace parindex::client
