// Data elements computed from dossier records (DataElement.from_records), and the
// findings of records that cannot be right. Pure: dossiers in, counts, dossier ids and
// findings out (README: "Dossier records").
#ifndef PARINDEX_ENGINE_RECORDS_H_
#define PARINDEX_ENGINE_RECORDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "engine/criteria_set.h"
#include "parindex/v1/records.pb.h"

namespace parindex::engine {

// A round's period: [start, end) in Unix seconds, and how people write it.
struct RecordPeriod {
  int64_t start = 0;
  int64_t end = 0;
  int year = 0;
};

// The year `year` in Vietnam time (UTC+7): 1 January 00:00 to 1 January of the next
// year 00:00.
RecordPeriod PeriodOfYear(int year);

// Why `d` cannot be counted, in a fixed order (an empty list: it can be).
// `unit_in_round`: whether its unit is one of the round's.
std::vector<v1::RecordFinding> FindingsOf(const v1::Dossier& d, const RecordPeriod& p,
                                          bool unit_in_round);

// Whether `count` selects `d`. REQUIRES: FindingsOf(d, …) is empty.
bool Selects(const v1::RecordCount& count, const v1::Dossier& d, const RecordPeriod& p);

// What is counted, in English words: "resolved in 2023, on time (resolved_at <= due_at),
// withdrawn left out".
std::string DescribeCount(const v1::RecordCount& count, const RecordPeriod& p);

// One computed element of one unit.
struct ComputedValue {
  int element = -1;  // index into the set's elements()
  int64_t count = 0;
  std::vector<std::string> dossier_ids;  // sorted; filled only when asked for
};

struct UnitRecords {
  std::vector<ComputedValue> values;  // every from_records element, in the set's order
  std::vector<v1::RecordFinding> findings;  // by dossier id, then kind
  int64_t dossiers_read = 0;                // dossiers without findings
  int64_t latest_import = 0;                // the largest import_id among the dossiers
};

// Computes every from_records element of `set` for one unit from its dossiers (any
// order), and lists their findings. `with_ids`: keep the dossier ids behind each value.
UnitRecords ComputeUnitRecords(const CompiledCriteriaSet& set,
                               const std::vector<v1::Dossier>& dossiers,
                               const RecordPeriod& p, bool unit_in_round, bool with_ids);

// ComputeUnitRecords a dossier at a time, for a unit whose dossiers come among others'
// (one read of a whole round): Add each of its dossiers, in any order, then Finish.
class UnitRecordsBuilder {
 public:
  UnitRecordsBuilder(const CompiledCriteriaSet& set, const RecordPeriod& p,
                     bool unit_in_round, bool with_ids);
  void Add(const v1::Dossier& d);
  UnitRecords Finish() &&;

 private:
  const RecordPeriod* period_;
  bool unit_in_round_, with_ids_;
  std::vector<const v1::RecordCount*> counts_;  // of out_.values, in the same order
  UnitRecords out_;
};

// Whether the set computes any element from records.
bool ComputesFromRecords(const CompiledCriteriaSet& set);

}  // namespace parindex::engine

#endif  // PARINDEX_ENGINE_RECORDS_H_
