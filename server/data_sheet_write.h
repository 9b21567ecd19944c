// Laying writes over an assessment's data sheet: which values to store, which
// criterion copies (kept by the schema 5 upgrade) the writes make obsolete, and the
// whole form as it would be stored, for the engine to check.
#ifndef PARINDEX_SERVER_DATA_SHEET_WRITE_H_
#define PARINDEX_SERVER_DATA_SHEET_WRITE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/criteria_set.h"
#include "parindex/v1/assessment.pb.h"
#include "parindex/v1/score.pb.h"
#include "server/store/store.h"

namespace parindex::server {

// One value written to the caller's side of an element.
struct SheetWrite {
  std::string element;
  v1::ElementValue value;       // no value set: clears the side
  std::optional<int64_t> etag;  // the version read; nullopt: see `unread`
  std::string field;  // where the request gave the value, for errors: "updates[2].value"
  // Without an etag: the caller did not say which version it read (a figure given per
  // criterion without figure_etags), so the write may only fill a side holding no
  // value or repeat the stored one; else ABORTED, saying to give the version read in
  // `etag_field`. False: not checked.
  bool unread = false;
  std::string etag_field;  // "updates[2].figure_etags"
};

// Writes to elements computed from dossier records, by the policy's rule for each
// (server/policy.h, CheckComputedWrite): a ward never writes one; the office with a
// reason. The same check for a preview as for the write.
absl::Status CheckComputedWrites(v1::Role role, const engine::CompiledCriteriaSet& set,
                                 const std::vector<SheetWrite>& writes, bool has_reason);

// A date written for a round of `year` lies from 1 October of the year before (a plan
// issued ahead of its year) to 31 March of the year after (reports due in January, sent
// late); else INVALID_ARGUMENT naming `field` ("updates[0].value: report_q1_date (Ngày
// …): 1990-03-11 is outside the round's year 2025 (a date from 2024-10-01 to
// 2026-03-31)"). A date the engine calls invalid is left to it; a year of 0 checks
// nothing. `what` goes before the date ("code (label): ").
absl::Status CheckDateInRound(const v1::Date& date, int year, absl::string_view field,
                              absl::string_view what);
// CheckDateInRound for each date of `writes`, named by its element.
absl::Status CheckDatesInRound(const engine::CompiledCriteriaSet& set, int year,
                               const std::vector<SheetWrite>& writes);
// CheckDateInRound for the documents' dates an entry gives (self.issued,
// appraised.issued), named "<field>.self.issued".
absl::Status CheckEntryDatesInRound(const v1::Entry& entry, int year,
                                    absl::string_view field);

struct LaidSheet {
  // The values to store (whole DataValues, with the other side kept).
  std::vector<store::ValueUpdate> values;
  // Per criterion, the elements whose own copies (EntryValues.figures of `side`) the
  // writes replace: "typed once" means a written count moves every criterion.
  std::map<std::string, std::vector<std::string>> obsolete_copies;
  // The stored values with the writes laid over, in the set's element order.
  google::protobuf::RepeatedPtrField<v1::DataValue> merged;
  // For each merged value, the request field that wrote it ("" when untouched).
  std::vector<std::string> field_of;
  // For each merged value, whether the writes changed the caller's side (stamped with
  // `actor` and `now` here; the store stamps its own time, which answers should show).
  std::vector<bool> stamped;
  // ABORTED for the first `unread` write over another value, else OK: the caller says
  // it once the values are known good (a bad figure is told as bad first).
  absl::Status overwrite;
};

// Lays `writes` on `side` (SELF for a unit, APPRAISED for the office) of the stored
// sheet. Errors are INVALID_ARGUMENT naming the write's field: an element the set does
// not declare, one written twice with different values; ABORTED for a stale etag. An
// `unread` write that would overwrite another value is said in `overwrite`.
// `actor` and `now` stamp each written side.
absl::StatusOr<LaidSheet> LaySheet(const engine::CompiledCriteriaSet& set,
                                   const v1::Assessment& stored, v1::Column side,
                                   const std::vector<SheetWrite>& writes,
                                   const std::string& actor, const std::string& now,
                                   const std::string& parent);

// `status` (an engine error about the merged form) with "values[i].self" replaced by
// the request field that wrote value i. For a value the request did not touch, the
// field of a written value the message names (a rule across elements broken by that
// write), else "dataSheet.<element>".
absl::Status RenameValuePath(const absl::Status& status, const LaidSheet& laid);

// Takes the figures `entry` gives on `side` (per-criterion counts, as older clients
// send them) off the entry and appends them to `writes` in name order, each named
// "<field>.figures.<name>" (`field`: "updates[2].entry.self"). A figure the criterion's
// indicator does not read is INVALID_ARGUMENT naming it and what the criterion reads.
// Each write carries the version `etags` gives for its element (the request's
// figure_etags, named `etags_field`), else it is `unread` (not with an empty
// `etags_field`: a preview stores nothing, so checks no version).
absl::Status MoveFigures(const engine::CompiledCriteriaSet& set, v1::Column side,
                         const std::string& field, v1::Entry* entry,
                         const google::protobuf::Map<std::string, int64_t>& etags,
                         const std::string& etags_field, std::vector<SheetWrite>* writes);

// Drops the copies `laid` makes obsolete from `entry` (on `side`); true if any went.
bool DropObsoleteCopies(const LaidSheet& laid, v1::Column side, v1::Entry* entry);

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_DATA_SHEET_WRITE_H_
