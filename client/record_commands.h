// `parindex records …`: import dossier records, the dossiers behind a computed
// figure, and the findings of records that cannot be right. Each returns what to print.
#ifndef PARINDEX_CLIENT_RECORD_COMMANDS_H_
#define PARINDEX_CLIENT_RECORD_COMMANDS_H_

#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "client/api.h"

namespace parindex::client {

// Streams `path` to ImportDossiers in chunks of `chunk_bytes`. `format`: "csv",
// "jsonl", or "" (from the file's extension: .jsonl/.ndjson → JSON Lines, else CSV).
absl::StatusOr<std::string> ImportRecords(Api& api, const std::string& round,
                                          const std::string& path,
                                          const std::string& format, bool json,
                                          size_t chunk_bytes = 1 << 20);

// Every dossier id behind `element` of `unit`, all pages: as text, written to `out`
// page by page as they arrive (answers ""); as JSON, answered whole.
absl::StatusOr<std::string> WhyFigure(Api& api, const std::string& round,
                                      const std::string& unit, const std::string& element,
                                      bool json, std::ostream* out);

// The findings of the round's records (of `unit` only when given), all pages.
absl::StatusOr<std::string> RecordGaps(Api& api, const std::string& round,
                                       const std::string& unit, bool json);

}  // namespace parindex::client

#endif  // PARINDEX_CLIENT_RECORD_COMMANDS_H_
