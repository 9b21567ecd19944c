// The request limits of proto/parindex/v1 (the `(parindex.v1.limit)` field option and
// its documented defaults), checked on every request before the Core sees it. The
// checker knows nothing of the domain: sizes, item counts and declared enum values only.
#ifndef PARINDEX_SERVER_REQUEST_CHECK_H_
#define PARINDEX_SERVER_REQUEST_CHECK_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/text_fault.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace parindex::server {

// For fields without an annotation (documented on parindex.v1.Limit in common.proto and
// in README.md, "Limits").
inline constexpr int64_t kDefaultMaxBytes = 256;    // each string (or bytes) value
inline constexpr int32_t kDefaultMaxItems = 1000;   // items of a repeated field or map
inline constexpr int64_t kDefaultMaxKeyBytes = 64;  // each string key of a map

// The limits in force for one field, for the dimensions that apply to its kind (0 where
// one does not apply): max_bytes for string and bytes values (each item of a repeated
// field, each value of a map), max_items for repeated fields and maps, max_key_bytes for
// maps with string keys. `explicit_*` tell an annotation from a default.
struct FieldLimits {
  int64_t max_bytes = 0;
  int32_t max_items = 0;
  int64_t max_key_bytes = 0;
  bool explicit_bytes = false;
  bool explicit_items = false;
  bool explicit_key_bytes = false;
  bool text = false;  // a person's text (Limit.text): see FindTextFault
};

// FindTextFault and TextFault: common/text_fault.h.
using ::parindex::FindTextFault;
using ::parindex::TextFault;

// `field`'s limits: its annotation, else the defaults.
FieldLimits LimitsOf(const google::protobuf::FieldDescriptor* field);

// OK, or INVALID_ARGUMENT naming the first field (in declaration order, depth first)
// over a limit or holding an undeclared enum value, in the API's path style:
//   "updates[3].entry.comment: 10485760 bytes, more than the 2000 allowed"
//   "updates: 301 items, more than the 300 allowed"
//   "column: 99 is not a value of parindex.v1.Column"
//   "messages[I.1.1]: 2001 bytes, more than the 2000 allowed"
//   "updates[0].entry.self.figures[xxxx…]: key of 200 bytes, more than the 128 allowed"
//   "messages[I.5]: holds U+202E (a direction or invisible character) at byte 12"
// Map entries are named by key: `.key` when the key is an identifier
// (`figures.resolved_on_time`), `[key]` otherwise (`messages[I.1.1]`).
// Thread-safe; each message type's field limits are looked up once and cached.
absl::Status CheckRequest(const google::protobuf::Message& request);

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_REQUEST_CHECK_H_
