// RecordCore: dossier records (README: "Dossier records"): imports as a stream,
// computed data elements written to the data sheets with provenance, the dossier ids
// behind a figure, and the findings of records that cannot be right.
#ifndef PARINDEX_SERVER_CORE_RECORDS_H_
#define PARINDEX_SERVER_CORE_RECORDS_H_

#include <functional>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "engine/records.h"
#include "parindex/v1/service.pb.h"
#include "server/core_base.h"

namespace parindex::server {

class RecordCore : public CoreBase {
 public:
  using CoreBase::CoreBase;

  // The import's next message into `*next`: true, or false at the stream's end; an
  // error for a message that cannot be read or a stream that broke off.
  using NextChunk = std::function<absl::StatusOr<bool>(v1::ImportDossiersRequest* next)>;

  // Reads the file `first` starts, message after message (`next`), appending rows as
  // they come in batches, merges them, then recomputes the units whose dossiers
  // changed. An error after rows were stored (a stream that broke off, malformed
  // quoting) keeps them, records the import as incomplete with what it stored,
  // recomputes, and answers the error.
  absl::StatusOr<v1::ImportDossiersResponse> ImportDossiers(
      const Caller& c, const v1::ImportDossiersRequest& first, const NextChunk& next);
  absl::StatusOr<v1::FigureDossiers> ExplainFigure(const Caller& c,
                                                   const v1::ExplainFigureRequest& r);
  absl::StatusOr<v1::ListRecordFindingsResponse> ListRecordFindings(
      const Caller& c, const v1::ListRecordFindingsRequest& r);

  // Computes the from_records elements of every unit of round `round_id` with
  // dossiers that `c` may import for, from the stored records, and stores the values
  // that differ (audited "value.from_records"); answers how many units changed. What
  // an import does for the units it changed, for all of them (bench/: the cost of
  // recomputing a whole round).
  absl::StatusOr<int> Recompute(const Caller& c, const std::string& round_id);

  // The most units whose figures are computed from their own dossiers, each read
  // apart; more are computed from one read of the whole round.
  static constexpr size_t kUnitsReadOneByOne = 64;
  // Rows appended per write of an import (they are merged once, at its end).
  static constexpr size_t kBatchRows = 100000;

 private:
  // The values of `units` that differ from the stored ones (`findings`: how many
  // findings their records have that `c` may see, as ListRecordFindings lists them;
  // `locked`: the units left alone because FINAL). A value is written again only when
  // its count or the number of dossiers read changes. `import_id`: the provenance of a
  // unit without dossiers. `known` (may be null): units of the round whose dossiers
  // were all given to their builder already (taken from it); the rest are read.
  using Builders = std::map<std::string, engine::UnitRecordsBuilder>;
  absl::StatusOr<std::vector<std::pair<std::string, store::FormUpdate>>> ChangedValues(
      const Caller& c, const RoundContext& round, const std::set<std::string>& units,
      int64_t import_id, int64_t* findings, std::vector<std::string>* locked,
      Builders* known);
  // The scope of each of the round's imports, by its number: who may see the findings
  // of the dossiers it brought of a unit not in the round (CanSeeRecordFinding).
  absl::StatusOr<std::map<int64_t, std::string>> ImportScopes(
      const std::string& round_id);
  // Adds to `units` the units of the round in `c`'s scope that have no dossiers.
  absl::Status AddUnitsWithoutDossiers(const Caller& c, const RoundContext& round,
                                       std::set<std::string>* units);
  // Computes the from_records elements of `units` and stores the values that changed
  // with the import's record (store::FinishRecordImport); answers the units written.
  // `sent`: the import's fresh units (store::DossierWrite::fresh), counted from the rows
  // as they were sent, valid while no other import has merged into the round since its
  // merge (`merged_as`); otherwise every unit is read.
  absl::StatusOr<std::vector<std::string>> FinishImport(
      const Caller& c, const RoundContext& round, store::RecordImport import,
      const std::set<std::string>& units, v1::ImportDossiersResponse* response,
      Builders sent, int64_t merged_as);
};

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_CORE_RECORDS_H_
