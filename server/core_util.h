// Helpers shared by the Core's files: resource names, paging, phase checks.
#ifndef PARINDEX_SERVER_CORE_UTIL_H_
#define PARINDEX_SERVER_CORE_UTIL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "parindex/v1/service.pb.h"
#include "server/request_check.h"

namespace parindex::server {

// An id the API names resources by (a round, a unit's code, a plan, a criteria set):
// 1 to 64 of A–Z a–z 0–9 . _ -, not starting with a dot, so that it is safe in a
// resource name, a URL, a file name and a log line.
inline absl::Status CheckId(absl::string_view id, absl::string_view field) {
  const bool ok = !id.empty() && id.size() <= 64 && id.front() != '.' &&
                  id.find_first_not_of(
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                      "0123456789._-") == absl::string_view::npos;
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      field, ": '", id,
      "' is not an id (1 to 64 of A-Z a-z 0-9 . _ -, not starting with '.')"));
}

// ListRequest.filter for a list that has none.
inline absl::Status NoFilter(const v1::ListRequest& r) {
  if (r.filter().empty()) return absl::OkStatus();
  return absl::InvalidArgumentError("filter: this list takes no filter");
}

// A code point that shows nothing: white space (ASCII, no-break, Unicode's spaces),
// control characters, and Unicode's default-ignorable ones (zero-width, soft hyphen,
// joiners, fillers, variation selectors, the byte-order mark, tags).
inline bool InvisibleCodePoint(uint32_t cp) {
  static constexpr std::pair<uint32_t, uint32_t> kRanges[] = {
      {0x0000, 0x0020},   {0x007F, 0x00A0},  {0x00AD, 0x00AD}, {0x034F, 0x034F},
      {0x061C, 0x061C},   {0x115F, 0x1160},  {0x1680, 0x1680}, {0x17B4, 0x17B5},
      {0x180B, 0x180F},   {0x2000, 0x200F},  {0x2028, 0x202F}, {0x205F, 0x206F},
      {0x2800, 0x2800},   {0x3000, 0x3000},  {0x3164, 0x3164}, {0xFE00, 0xFE0F},
      {0xFEFF, 0xFEFF},   {0xFFA0, 0xFFA0},  {0xFFF0, 0xFFF8}, {0x1BCA0, 0x1BCA3},
      {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF}};
  for (const auto& [low, high] : kRanges)
    if (cp >= low && cp <= high) return true;
  return false;
}

// How many characters of `text` (UTF-8) show something (InvisibleCodePoint). A byte
// that is not UTF-8 counts as one character.
inline int VisibleCharacters(absl::string_view text) {
  int visible = 0;
  for (size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    const size_t n = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    uint32_t cp = n == 1 ? b : b & (0x7F >> n);
    for (size_t k = 1; k < n && i + k < text.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    if (!InvisibleCodePoint(cp)) ++visible;
    i += n;
  }
  return visible;
}

// Text with nothing to read: only white space, Unicode's spaces (no-break, ideographic,
// the typographic ones) or invisible characters (zero-width, soft hyphen, fillers,
// byte-order mark).
inline bool Blank(absl::string_view text) { return VisibleCharacters(text) == 0; }

// A name people read (a unit's name and block, a round's title, a token's label): no
// control characters (line breaks, tabs, C1) and no direction or invisible format
// characters (FindTextFault, server/request_check.h), which would make a log line, a
// sheet name or a list lie.
inline absl::Status CheckText(absl::string_view text, absl::string_view field) {
  const std::optional<TextFault> fault = FindTextFault(text, /*line_breaks=*/false);
  if (!fault.has_value()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      field, ": holds a control or direction character at byte ", fault->at));
}

// "rounds/r1" -> "r1" for collection "rounds". A name whose id no resource could have
// (CheckId) is INVALID_ARGUMENT, not NOT_FOUND.
inline absl::StatusOr<std::string> ParseName(absl::string_view name,
                                             absl::string_view collection,
                                             absl::string_view field = "name") {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2 || parts[0] != collection || parts[1].empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": expected ", collection, "/{id}, got '", name, "'"));
  }
  RETURN_IF_ERROR(CheckId(parts[1], field));
  return parts[1];
}

// "rounds/r1/assessments/P1" -> {"r1", "P1"}.
inline absl::StatusOr<std::pair<std::string, std::string>> ParseAssessmentName(
    absl::string_view name, absl::string_view field = "name") {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "rounds" || parts[2] != "assessments" ||
      parts[1].empty() || parts[3].empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": expected rounds/{id}/assessments/{unit}, got '", name,
                     "'"));
  }
  RETURN_IF_ERROR(CheckId(parts[1], field));
  RETURN_IF_ERROR(CheckId(parts[3], field));
  return std::make_pair(parts[1], parts[3]);
}

// Copies one page of `all` into `out`. Page tokens are offsets into the list.
template <typename T, typename Field>
absl::Status Page(const std::vector<T>& all, const v1::ListRequest& request, Field* out,
                  std::string* next_page_token) {
  if (request.page_size() < 0)
    return absl::InvalidArgumentError("page_size: must not be negative");
  const size_t size = request.page_size() == 0 ? 50 : std::min(request.page_size(), 1000);
  size_t offset = 0;
  if (!request.page_token().empty() &&
      (!absl::SimpleAtoi(request.page_token(), &offset) || offset > all.size())) {
    return absl::InvalidArgumentError("page_token: not a token from this list");
  }
  for (size_t i = offset; i < all.size() && i < offset + size; ++i) *out->Add() = all[i];
  next_page_token->clear();
  if (offset + size < all.size()) *next_page_token = absl::StrCat(offset + size);
  return absl::OkStatus();
}

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_CORE_UTIL_H_
