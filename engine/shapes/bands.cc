// The bands and inverse shapes: the first band whose comparison holds gives its points.
// Bands are higher-is-better (> or ≥, decreasing thresholds); inverse bands
// lower-is-better (≤ or <, increasing thresholds). Both list the best band first.
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/display.h"
#include "engine/errors.h"
#include "engine/fixed_point.h"
#include "engine/rule_shape.h"
#include "engine/shapes/common.h"
#include "engine/shapes/shapes.h"

namespace parindex::engine::shapes {
namespace {

constexpr ShapeKey kKeys[] = {
    {"indicator", "indicator", ShapeKey::Kind::kIndicator, ShapeKey::Absent::kRequired},
    {"bands", "bands", ShapeKey::Kind::kBands, ShapeKey::Absent::kUnset},
    {"otherwise", "otherwise_points_milli", ShapeKey::Kind::kMilli,
     ShapeKey::Absent::kUnset},
};

using BandList = google::protobuf::RepeatedPtrField<v1::Band>;

// Checks the order, direction and points of the bands, best first.
absl::Status CheckBands(const RuleCheck& check, const BandList& bands, int64_t otherwise,
                        bool higher_is_better) {
  const std::string& code = check.code();
  const std::string& path = check.path();
  const int64_t max = check.max();
  if (bands.empty()) {
    return InvalidAt(path, absl::StrCat("criterion ", code, ": rule has no bands"));
  }
  for (int i = 0; i < bands.size(); ++i) {
    const v1::Band& band = bands[i];
    const std::string band_path = absl::StrCat(path, ".bands[", i, "]");
    const bool direction_ok = higher_is_better ? HigherIsBetter(band.comparator())
                                               : LowerIsBetter(band.comparator());
    if (!direction_ok) {
      return InvalidAt(
          band_path,
          absl::StrCat("criterion ", code, ": bands[", i, "].comparator: ",
                       higher_is_better ? "bands take > or >=; use inverse for <= or <"
                                        : "inverse bands take <= or <"));
    }
    if (band.points_milli() > max) {
      return InvalidAt(band_path,
                       absl::StrCat("criterion ", code, ": bands[", i,
                                    "].points: ", FormatMilliShort(band.points_milli()),
                                    " exceeds the maximum ", FormatMilliShort(max)));
    }
    if (i == 0) continue;
    const v1::Band& prev = bands[i - 1];
    const bool ordered = higher_is_better
                             ? band.threshold_milli() < prev.threshold_milli()
                             : band.threshold_milli() > prev.threshold_milli();
    if (band.threshold_milli() == prev.threshold_milli()) {
      return InvalidAt(
          band_path,
          absl::StrCat("criterion ", code, ": bands[", i, "].threshold: overlaps bands[",
                       i - 1, "] at ", FormatMilliShort(band.threshold_milli())));
    }
    if (!ordered) {
      return InvalidAt(
          band_path,
          absl::StrCat("criterion ", code, ": bands[", i,
                       "].threshold: bands must be listed "
                       "best first with ",
                       higher_is_better ? "decreasing" : "increasing", " thresholds (",
                       FormatMilliShort(band.threshold_milli()), " after ",
                       FormatMilliShort(prev.threshold_milli()), ")"));
    }
    if (band.points_milli() > prev.points_milli()) {
      return InvalidAt(band_path,
                       absl::StrCat("criterion ", code, ": bands[", i,
                                    "].points: a worse band gives more points (",
                                    FormatMilliShort(band.points_milli()), " after ",
                                    FormatMilliShort(prev.points_milli()), ")"));
    }
  }
  if (otherwise > bands[bands.size() - 1].points_milli()) {
    return InvalidAt(path,
                     absl::StrCat("criterion ", code,
                                  ": otherwise: gives more points than the last band"));
  }
  return absl::OkStatus();
}

// BandsRule and InverseRule have the same fields; `Message` is one of them.
template <typename Message>
class BandsShape final : public RuleShape {
 public:
  using Get = const Message& (v1::Rule::*)() const;

  BandsShape(v1::Rule::ShapeCase shape_case, const char* name, Get get,
             bool higher_is_better)
      : RuleShape(shape_case, name, kKeys),
        get_(get),
        higher_is_better_(higher_is_better) {}

  absl::Status Check(RuleCheck& check) const override {
    const Message& rule = (check.rule().*get_)();
    RETURN_IF_ERROR(check.ResolveIndicator(rule.indicator()));
    return CheckBands(check, rule.bands(), rule.otherwise_points_milli(),
                      higher_is_better_);
  }

  absl::Status Score(LeafScoring& leaf) const override {
    Fraction value;
    ASSIGN_OR_RETURN(const bool measured, leaf.Measure(&value));
    if (!measured) return absl::OkStatus();
    const Message& rule = (leaf.rule().*get_)();
    NodeScore& out = leaf.out();
    for (int i = 0; i < rule.bands_size(); ++i) {
      const v1::Band& band = rule.bands(i);
      if (Holds(band.comparator(), value, band.threshold_milli())) {
        out.why = Why::kBand;
        out.band = i;
        out.points_milli = band.points_milli();
        return absl::OkStatus();
      }
    }
    out.why = Why::kOtherwise;
    out.points_milli = rule.otherwise_points_milli();
    return absl::OkStatus();
  }

  void Explain(const LeafTrace& leaf, v1::Trace* trace,
               std::string* reason) const override {
    const BandList& bands = (leaf.rule().*get_)().bands();
    const v1::MeasureUnit unit = leaf.indicator().unit();
    if (leaf.score().why == Why::kBand) {
      const v1::Band& band = bands[leaf.score().band];
      const std::string threshold =
          ThresholdText(band.comparator(), band.threshold_milli(), unit);
      trace->set_applied(absl::StrCat(leaf.Say("band ", "mức "), threshold));
      *reason = absl::StrCat(leaf.Measured(), " ", threshold, leaf.result());
      return;
    }
    const v1::Band& last = bands[bands.size() - 1];
    trace->set_applied(leaf.Say("otherwise", "các trường hợp còn lại"));
    *reason = absl::StrCat(leaf.Measured(), leaf.Say(", not ", ", không đạt "),
                           ThresholdText(last.comparator(), last.threshold_milli(), unit),
                           leaf.result());
  }

  std::string Describe(const v1::Rule& rule) const override {
    return absl::StrCat(name(), " ", (rule.*get_)().indicator());
  }

 private:
  Get get_;
  bool higher_is_better_;
};

}  // namespace

const RuleShape& Bands() {
  static const auto* const shape = new BandsShape<v1::BandsRule>(
      v1::Rule::kBands, "bands", &v1::Rule::bands, /*higher_is_better=*/true);
  return *shape;
}

const RuleShape& Inverse() {
  static const auto* const shape = new BandsShape<v1::InverseRule>(
      v1::Rule::kInverse, "inverse", &v1::Rule::inverse, /*higher_is_better=*/false);
  return *shape;
}

}  // namespace parindex::engine::shapes
