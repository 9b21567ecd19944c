// The due-phrase parser ("Trước ngày 15/12/2023", "Hằng quý") on arbitrary text.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "criteria/due_phrase.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  (void)parindex::criteria::ParseDuePhrase(text, 2023);
  return 0;
}
