// The characters text people read may not hold (control, direction and invisible
// ones): one rule for the service's requests, the names it checks, and the criteria
// files it reads.
#ifndef PARINDEX_COMMON_TEXT_FAULT_H_
#define PARINDEX_COMMON_TEXT_FAULT_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"

namespace parindex {

// A character that text people read may not hold, where it is.
struct TextFault {
  size_t at = 0;            // byte offset
  uint32_t code_point = 0;  // the character
  bool control = false;     // a control character (else a direction or invisible one)
};

// The first character of `text` (valid UTF-8) that would make what a person reads lie
// or break a line of a log, a sheet or a list: a control character (C0, DEL, C1) but
// \n and \t where `line_breaks`; a direction or invisible format character (U+061C,
// U+200B, U+200E, U+200F, U+2028–U+202E, U+2060–U+2064, U+2066–U+2069, U+FEFF), and
// U+FFFE and U+FFFF, which are not characters (a workbook holding one cannot be
// opened). Zero-width (non-)joiners (U+200C, U+200D) are letters' business and allowed.
// The one home of that rule: Limit.text fields (line breaks allowed), names (CheckText
// in server/core_util.h, no line breaks) and the criteria files' values
// (criteria/yaml_reader.cc) all ask it.
inline std::optional<TextFault> FindTextFault(absl::string_view text, bool line_breaks) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      if ((byte < 0x20 || byte == 0x7f) &&
          !(line_breaks && (byte == '\n' || byte == '\t')))
        return TextFault{i, byte, true};
      continue;
    }
    // Decode one UTF-8 sequence (the caller has checked it is valid).
    const int length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
    if (i + length > text.size()) return std::nullopt;
    uint32_t cp = byte & (length == 2 ? 0x1f : length == 3 ? 0x0f : 0x07);
    for (int k = 1; k < length; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
    const bool control = cp >= 0x80 && cp <= 0x9f;
    const bool format =
        cp == 0x061c || cp == 0x200b || cp == 0x200e || cp == 0x200f ||
        (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) ||
        (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff || cp == 0xfffe || cp == 0xffff;
    if (control || format) return TextFault{i, cp, control};
    i += length - 1;
  }
  return std::nullopt;
}

}  // namespace parindex

#endif  // PARINDEX_COMMON_TEXT_FAULT_H_
