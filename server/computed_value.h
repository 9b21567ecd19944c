// A data-sheet value the server computes in place of one a unit would type (from
// dossier records, server/core_records.cc; from plan tasks, server/core_tasks.cc): the
// steps both sources share.
#ifndef PARINDEX_SERVER_COMPUTED_VALUE_H_
#define PARINDEX_SERVER_COMPUTED_VALUE_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "parindex/v1/service.pb.h"
#include "server/store/store.h"

namespace parindex::server {

// The stored value of `element` on `form`, or null.
const v1::DataValue* FindValue(const v1::Assessment& form, absl::string_view element);

// Adds to `update` the value of `element` computed as `count`, in place of `stored`
// (null when the form holds none): the office's side stays, the unit's side becomes
// the count, and the write is checked against the version of `stored`. Answers the
// unit's side so that the caller sets its provenance; the pointer lives until the next
// value is added to `update`.
v1::ElementValue* PutComputedCount(const v1::DataValue* stored, absl::string_view element,
                                   int64_t count, store::FormUpdate* update);

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_COMPUTED_VALUE_H_
