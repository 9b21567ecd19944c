// Reads criteria sets, plans and figures from YAML into protos. Every error names the
// place: "criteria/demo/set.yaml:214:9: criterion II.3.1: band thresholds overlap".
#ifndef PARINDEX_CRITERIA_YAML_READER_H_
#define PARINDEX_CRITERIA_YAML_READER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/criteria_set.h"
#include "engine/plan.h"
#include "parindex/v1/assessment.pb.h"
#include "parindex/v1/criteria.pb.h"
#include "parindex/v1/plan.pb.h"
#include "parindex/v1/unit.pb.h"

namespace parindex::criteria {

// Where each field path of a proto read from YAML stands in its file.
class SourceMap {
 public:
  explicit SourceMap(std::string file = "") : file_(std::move(file)) {}

  const std::string& file() const { return file_; }
  // `column` 0: a place known to its line only (a CSV row), located as "file:line".
  void Record(std::string path, int line, int column);
  // "file:line:col" (or "file:line") of `path`, or of its nearest recorded ancestor;
  // "file" if none.
  std::string Locate(absl::string_view path) const;
  // `status` with its message prefixed by the place its field path points to
  // (engine/errors.h), with `prefix` put before that path ("units[2]."). Statuses
  // without a path get the file name alone.
  absl::Status Annotate(const absl::Status& status, absl::string_view prefix = "") const;

 private:
  std::string file_;
  absl::flat_hash_map<std::string, std::pair<int, int>> places_;
};

template <typename T>
struct Parsed {
  T proto;
  SourceMap source;
};

// One unit's figures: the unit and its assessment.
struct UnitFigures {
  v1::Unit unit;
  v1::Assessment assessment;
};

struct FiguresFile {
  std::string criteria_set;  // id the figures were written for; may be empty
  std::string plan;          // likewise
  std::vector<UnitFigures> units;
};

// Parse `text` (named `file` in errors). Syntax and shape only; see Compile* below.
absl::StatusOr<Parsed<v1::CriteriaSet>> ParseCriteriaSet(absl::string_view text,
                                                         absl::string_view file);
absl::StatusOr<Parsed<v1::Plan>> ParsePlan(absl::string_view text,
                                           absl::string_view file);
absl::StatusOr<Parsed<FiguresFile>> ParseFigures(absl::string_view text,
                                                 absl::string_view file);

// Read a file and parse it. NOT_FOUND when it cannot be read.
absl::StatusOr<Parsed<v1::CriteriaSet>> ReadCriteriaSet(const std::string& path);
absl::StatusOr<Parsed<v1::Plan>> ReadPlan(const std::string& path);
absl::StatusOr<Parsed<FiguresFile>> ReadFigures(const std::string& path);
// Each unit of `figures` has a name and a kind (scoring needs the kind); else
// INVALID_ARGUMENT at the unit's place in the file.
absl::Status RequireUnitDetails(const Parsed<FiguresFile>& figures);

enum class FileKind { kCriteriaSet, kPlan, kFigures };

// What the YAML file at `path` holds, from its top-level keys (`areas`: a criteria set;
// `units`: figures; `year`: a plan). INVALID_ARGUMENT when it cannot tell.
absl::StatusOr<FileKind> DetectFileKind(const std::string& path);

// Read, parse and validate with the engine; engine errors come back as file:line:col.
absl::StatusOr<std::shared_ptr<const engine::CompiledCriteriaSet>> LoadCriteriaSet(
    const std::string& path);
absl::StatusOr<std::shared_ptr<const engine::CompiledPlan>> LoadPlan(
    const std::string& path);

}  // namespace parindex::criteria

#endif  // PARINDEX_CRITERIA_YAML_READER_H_
