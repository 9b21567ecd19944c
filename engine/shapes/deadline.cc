// The deadline shape: a document's date against a fixed due date or one of the plan's
// deadlines; on time, late or missing. The date comes from a DATE data element or the
// criterion's own `issued`.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "common/status_macros.h"
#include "engine/fixed_point.h"
#include "engine/plan.h"
#include "engine/rule_shape.h"
#include "engine/shapes/shapes.h"

namespace parindex::engine::shapes {
namespace {

constexpr ShapeKey kKeys[] = {
    {"due", "due", ShapeKey::Kind::kDate, ShapeKey::Absent::kUnset},
    {"plan_deadline", "plan_deadline", ShapeKey::Kind::kName, ShapeKey::Absent::kUnset},
    {"strictly_before", "strictly_before", ShapeKey::Kind::kBool,
     ShapeKey::Absent::kUnset},
    {"on_time", "on_time_points_milli", ShapeKey::Kind::kMilli, ShapeKey::Absent::kMax},
    {"late", "late_points_milli", ShapeKey::Kind::kMilli, ShapeKey::Absent::kUnset},
    {"missing", "missing_points_milli", ShapeKey::Kind::kMilli, ShapeKey::Absent::kUnset},
    {"element", "element", ShapeKey::Kind::kElement, ShapeKey::Absent::kUnset},
};

// "2023-02-10", as traces write dates.
std::string TraceDate(const v1::Date& d) {
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

// "10/02/2023", as `criteria show` writes dates; empty for no date.
std::string ShowDate(const v1::Date& d) {
  if (d.year() == 0) return "";
  return absl::StrFormat("%02d/%02d/%04d", d.day(), d.month(), d.year());
}

// "before 2023-02-10" or "by 2023-02-10"; in Vietnamese "trước 10/02/2023".
std::string DueText(const v1::DeadlineRule& rule, const v1::Date& due, bool vietnamese) {
  if (vietnamese) {
    return absl::StrCat(rule.strictly_before() ? "trước " : "đến hết ", ShowDate(due));
  }
  return absl::StrCat(rule.strictly_before() ? "before " : "by ", TraceDate(due));
}

class DeadlineShape final : public RuleShape {
 public:
  DeadlineShape()
      : RuleShape(v1::Rule::kDeadline, "deadline", kKeys, Share::kScale,
                  OwnValue::kIssued) {}

  absl::Status Check(RuleCheck& check) const override {
    const v1::DeadlineRule& d = check.rule().deadline();
    RETURN_IF_ERROR(check.ResolveElement(d.element(), v1::ELEMENT_DATE));
    const bool has_date = d.has_due();
    if (has_date == !d.plan_deadline().empty()) {
      return check.Fail("due: give either a due date or a plan deadline");
    }
    if (has_date && !IsValidDate(d.due())) return check.Fail("due: not a valid date");
    if (d.on_time_points_milli() <= 0 || d.on_time_points_milli() > check.max()) {
      return check.Fail(absl::StrCat("on_time: must be above 0 and at most the maximum ",
                                     FormatMilliShort(check.max())));
    }
    if (d.late_points_milli() > d.on_time_points_milli() ||
        d.missing_points_milli() > d.late_points_milli()) {
      return check.Fail("late: points must not increase from on time to late to missing");
    }
    return absl::OkStatus();
  }

  absl::Status Score(LeafScoring& leaf) const override {
    const v1::DeadlineRule& d = leaf.rule().deadline();
    NodeScore& out = leaf.out();
    if (!d.plan_deadline().empty()) {
      const v1::Deadline* deadline =
          leaf.plan() == nullptr ? nullptr : leaf.plan()->FindDeadline(d.plan_deadline());
      if (deadline == nullptr) {
        return leaf.NotApplicable(Why::kNoDeadline, /*full_marks_allowed=*/false);
      }
      out.due = &deadline->due();
    } else {
      out.due = &d.due();
    }
    const v1::Date* date = nullptr;
    if (leaf.node().element >= 0) {
      const v1::ElementValue* value = leaf.ElementValue();
      if (value == nullptr) return leaf.NotReported(d.missing_points_milli());
      if (value->not_issued()) {
        out.why = Why::kNotIssued;
        out.points_milli = d.missing_points_milli();
        return absl::OkStatus();
      }
      date = &value->date();  // checked by IndexValues
    } else {
      const v1::EntryValues* values = leaf.values();
      if (values == nullptr || !values->has_issued()) {
        return leaf.NotReported(d.missing_points_milli());
      }
      if (!IsValidDate(values->issued())) {
        return leaf.EntryError("issued", "not a valid date");
      }
      date = &values->issued();
    }
    out.issued = date;
    const absl::CivilDay issued(date->year(), date->month(), date->day());
    const absl::CivilDay due(out.due->year(), out.due->month(), out.due->day());
    const bool on_time = d.strictly_before() ? issued < due : issued <= due;
    out.why = on_time ? Why::kOnTime : Why::kLate;
    out.points_milli = on_time ? d.on_time_points_milli() : d.late_points_milli();
    return absl::OkStatus();
  }

  void Explain(const LeafTrace& leaf, v1::Trace* trace,
               std::string* reason) const override {
    const v1::DeadlineRule& d = leaf.rule().deadline();
    const NodeScore& score = leaf.score();
    if (score.why == Why::kNoDeadline) {
      *reason = absl::StrCat(
          leaf.Say("not applicable: ", "không áp dụng: "),
          leaf.plan() == nullptr
              ? leaf.Say("no plan, so no deadline ",
                         "không có kế hoạch nên không có hạn ")
              : leaf.Say("the plan sets no deadline ", "kế hoạch không đặt hạn "),
          d.plan_deadline());
      return;
    }
    const std::string due = DueText(d, *score.due, leaf.vietnamese());
    trace->set_applied(absl::StrCat(leaf.Say("due ", "hạn "), due));
    if (score.why == Why::kNotIssued) {
      *reason = absl::StrCat(leaf.Say("stated not issued (", "báo cáo chưa ban hành ("),
                             leaf.set().elements()[leaf.node().element].code,
                             leaf.Say("), due ", "), hạn "), due, leaf.result());
      return;
    }
    *reason = absl::StrCat(leaf.Say("issued ", "ban hành "),
                           leaf.vietnamese() ? ShowDate(*score.issued)
                                             : TraceDate(*score.issued),
                           leaf.Say(", due ", ", hạn "), due, ": ",
                           score.why == Why::kOnTime ? leaf.Say("on time", "đúng hạn")
                                                     : leaf.Say("late", "trễ hạn"),
                           leaf.result());
  }

  absl::string_view NotReportedNote(bool vietnamese) const override {
    return vietnamese ? ": không có ngày ban hành văn bản" : ": no document date";
  }

  std::string Describe(const v1::Rule& rule) const override {
    const v1::DeadlineRule& d = rule.deadline();
    return d.plan_deadline().empty() ? absl::StrCat("deadline ", ShowDate(d.due()))
                                     : absl::StrCat("deadline plan:", d.plan_deadline());
  }
};

}  // namespace

const RuleShape& Deadline() {
  static const auto* const shape = new DeadlineShape();
  return *shape;
}

}  // namespace parindex::engine::shapes
