// Errors with a field path payload.
#include "engine/errors.h"

#include "absl/strings/cord.h"

namespace parindex::engine {
namespace {
constexpr absl::string_view kPathPayload = "type.parindex/field-path";
}  // namespace

absl::Status InvalidAt(absl::string_view path, absl::string_view message) {
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kPathPayload, absl::Cord(path));
  return status;
}

std::optional<std::string> ErrorPath(const absl::Status& status) {
  auto path = status.GetPayload(kPathPayload);
  if (!path.has_value()) return std::nullopt;
  return std::string(*path);
}

}  // namespace parindex::engine
