// Errors that carry the path of the offending field ("areas[1].criteria[0].rule"), so
// that readers of text files can turn it into file:line:col.
#ifndef PARINDEX_ENGINE_ERRORS_H_
#define PARINDEX_ENGINE_ERRORS_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace parindex::engine {

// INVALID_ARGUMENT with `message`, and `path` attached as a payload.
absl::Status InvalidAt(absl::string_view path, absl::string_view message);

// The path attached by InvalidAt, if any.
std::optional<std::string> ErrorPath(const absl::Status& status);

}  // namespace parindex::engine

#endif  // PARINDEX_ENGINE_ERRORS_H_
