// ReportCore: the round's results as report tables, written as XLSX or CSV.
#include "server/core_report.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "engine/fixed_point.h"
#include "engine/scorer.h"
#include "server/core_util.h"
#include "server/policy.h"
#include "server/report.h"

namespace parindex::server {
namespace {

std::string Inputs(const v1::Trace& trace) {
  std::vector<std::string> parts;
  for (const v1::Figure& f : trace.inputs())
    parts.push_back(absl::StrCat(f.name(), " = ", f.value()));
  return absl::StrJoin(parts, "; ");
}

// An RFC 3339 time as people in Vietnam read it ("05/12/2023 17:00:00", UTC+7); as
// given when it is not one.
std::string VietnamClock(const std::string& rfc3339) {
  absl::Time t;
  std::string error;
  if (rfc3339.empty() || !absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &error))
    return rfc3339;
  return absl::FormatTime("%d/%m/%Y %H:%M:%S", t, VietnamTime());
}

// One side of a data element's value as a cell: a count as a number, a percent or
// score with its decimals, a date as Vietnamese documents write it.
Cell ValueCell(const engine::Element& element, const v1::ElementValue& v) {
  switch (v.value_case()) {
    case v1::ElementValue::kCount:
      if (element.milli()) return engine::FormatMilliShort(v.count() * 1000);
      return int64_t{v.count()};
    case v1::ElementValue::kMilli:
      return engine::FormatMilliShort(v.milli());
    case v1::ElementValue::kDate:
      return absl::StrFormat("%02d/%02d/%04d", v.date().day(), v.date().month(),
                             v.date().year());
    case v1::ElementValue::kYes:
      return std::string(v.yes() ? "Có" : "Không");
    case v1::ElementValue::kNotIssued:
      return std::string("Chưa ban hành");
    case v1::ElementValue::VALUE_NOT_SET:
      break;
  }
  return std::string();
}

// The data sheet of every unit: one row per element of the set, in the set's order,
// blank where nothing was given, so that each unit's sheet reads whole. Who gave each
// side (by `names`, ActorNames) and when (Vietnam time) is for the office (`office`);
// others see the values.
Table DataSheetTable(const engine::CompiledCriteriaSet& set,
                     const std::vector<v1::UnitScore>& scores,
                     const std::map<std::string, v1::Assessment>& forms, bool office,
                     const std::map<std::string, std::string>& names) {
  Table t;
  t.name = "Bảng số liệu";
  t.key = "datasheet";
  t.header = {"Mã đơn vị", "Tên đơn vị", "Mã số liệu",
              "Số liệu",   "Kỳ số liệu", "Tự đánh giá"};
  if (office) t.header.insert(t.header.end(), {"Người nhập", "Lúc nhập (giờ Việt Nam)"});
  t.header.push_back("Thẩm định");
  if (office) {
    t.header.insert(t.header.end(), {"Người thẩm định", "Lúc thẩm định (giờ Việt Nam)"});
  }
  const std::vector<engine::Element>& elements = set.elements();
  for (const v1::UnitScore& s : scores) {
    std::vector<const v1::DataValue*> value_of(elements.size(), nullptr);
    auto form = forms.find(s.unit());
    if (form != forms.end()) {
      for (const v1::DataValue& v : form->second.values()) {
        const int e = set.FindElement(v.element());
        if (e >= 0) value_of[e] = &v;
      }
    }
    for (size_t e = 0; e < elements.size(); ++e) {
      const engine::Element& element = elements[e];
      std::vector<Cell> row = {
          s.unit(), s.unit_name(), element.code, element.label(),
          element.declared != nullptr ? element.declared->period() : std::string()};
      const v1::DataValue none;
      const v1::DataValue& v = value_of[e] != nullptr ? *value_of[e] : none;
      for (const v1::ElementValue* side : {&v.self(), &v.appraised()}) {
        row.push_back(ValueCell(element, *side));
        if (office) {
          auto who = names.find(side->updated_by());
          row.push_back(who != names.end() ? who->second : side->updated_by());
          row.push_back(VietnamClock(side->updated_at()));
        }
      }
      t.rows.push_back(std::move(row));
    }
  }
  return t;
}

}  // namespace

absl::StatusOr<v1::ExportRoundResponse> ReportCore::ExportRound(
    const Caller& c, const v1::ExportRoundRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.name(), "rounds"));
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(id));
  const bool office = c.role == v1::ROLE_APPRAISER || c.role == v1::ROLE_ADMIN;
  const v1::Column column =
      r.column() == v1::COLUMN_UNSPECIFIED ? v1::APPRAISED : r.column();
  ASSIGN_OR_RETURN(Results results, ResultsFor(c, *round, column));

  std::vector<v1::UnitScore> scores;
  for (const std::string& code : results.units) {
    ASSIGN_OR_RETURN(v1::UnitScore score, cache_->ScoreOrError(*round, code, column));
    auto it = results.ranks->find(code);
    score.set_rank(it == results.ranks->end() ? 0 : it->second.rank);
    scores.push_back(std::move(score));
  }
  std::sort(scores.begin(), scores.end(),
            [](const v1::UnitScore& a, const v1::UnitScore& b) {
              if (a.block() != b.block()) return a.block() < b.block();
              const int ra = a.rank() == 0 ? 1 << 30 : a.rank(),
                        rb = b.rank() == 0 ? 1 << 30 : b.rank();
              return ra != rb ? ra < rb : a.unit() < b.unit();
            });

  std::vector<Table> tables;
  // A ranking per block; a province's part of a round is ranked among its own units.
  const std::string rank_header =
      results.scope.empty()
          ? "Hạng"
          : absl::StrCat("Hạng trong các đơn vị thuộc ",
                         results.scope.substr(results.scope.find('/') + 1));
  for (const v1::UnitScore& s : scores) {
    if (tables.empty() || tables.back().name != absl::StrCat("Xếp hạng - ", s.block())) {
      Table& t = tables.emplace_back();
      t.name = absl::StrCat("Xếp hạng - ", s.block());  // WriteXlsx makes it a sheet name
      t.key = "ranking";
      t.header = {"Khối",          rank_header,       "Mã đơn vị", "Tên đơn vị",
                  "Chỉ số",        "Xếp loại",        "Điểm đạt",  "Điểm tối đa áp dụng",
                  "Điểm khảo sát", "Điểm thưởng, trừ"};
    }
    if (!s.error().empty()) {  // the unit's data cannot be scored: say so in its row
      tables.back().rows.push_back({s.block(), std::string(), s.unit(), s.unit_name(),
                                    std::string(),
                                    absl::StrCat("Không chấm được: ", s.error())});
      continue;
    }
    tables.back().rows.push_back(
        {s.block(), int64_t{s.rank()}, s.unit(), s.unit_name(),
         Index{s.index_hundredths()}, s.classification(), Points{s.achieved_milli()},
         Points{s.applicable_max_milli()}, Points{s.survey_milli()},
         Points{s.adjustment_milli()}});
  }
  // Units × areas.
  Table matrix;
  matrix.name = "Điểm theo lĩnh vực";
  matrix.key = "matrix";
  matrix.header = {"Mã đơn vị", "Tên đơn vị", "Khối"};
  for (const v1::Area& area : round->set->proto().areas()) {
    matrix.header.push_back(absl::StrCat(area.code(), ". ", area.title(), " (",
                                         engine::FormatMilliShort(area.max_milli()),
                                         ")"));
  }
  matrix.header.push_back("Tổng");
  matrix.header.push_back("Chỉ số");
  // Every criterion of every unit.
  Table criteria;
  criteria.name = "Chi tiết tiêu chí";
  criteria.key = "criteria";
  criteria.header = {"Mã đơn vị",
                     "Tên đơn vị",
                     "Mã tiêu chí",
                     "Tiêu chí",
                     "Số liệu",
                     "Giá trị",
                     "Ngưỡng, chỉ tiêu áp dụng",
                     "Điểm",
                     "Điểm tối đa",
                     "Diễn giải"};
  for (const v1::UnitScore& s : scores) {
    if (!s.error().empty()) continue;
    std::vector<Cell> row = {s.unit(), s.unit_name(), s.block()};
    for (const v1::AreaScore& a : s.areas()) row.push_back(Points{a.points_milli()});
    row.push_back(Points{s.achieved_milli()});
    row.push_back(Index{s.index_hundredths()});
    matrix.rows.push_back(std::move(row));
    for (const v1::CriterionScore& cs : s.criteria()) {
      if (cs.status() == v1::GROUP) continue;
      criteria.rows.push_back({s.unit(), s.unit_name(), cs.code(), cs.title(),
                               Inputs(cs.trace()), cs.trace().value_text(),
                               cs.trace().applied(), Points{cs.points_milli()},
                               Points{cs.max_milli()}, cs.trace().reason()});
    }
  }
  tables.push_back(std::move(matrix));
  tables.push_back(std::move(criteria));
  std::map<std::string, std::string> names;
  if (office) {
    ASSIGN_OR_RETURN(names, ActorNames());
  }
  {
    ASSIGN_OR_RETURN(std::vector<v1::Assessment> stored,
                     store_->ListAssessments(id, /*with_files=*/false));
    std::map<std::string, v1::Assessment> forms;
    for (v1::Assessment& a : stored) forms[a.unit()] = std::move(a);
    tables.push_back(DataSheetTable(*round->set, scores, forms, office, names));
  }
  // The audit trail of the round, for the office only.
  if (office) {
    store::AuditFilter filter;
    filter.resource_prefix = absl::StrCat("rounds/", id);
    filter.limit = 1000000;
    ASSIGN_OR_RETURN(std::vector<v1::AuditEvent> events, store_->ListAudit(filter));
    Table& audit = tables.emplace_back();
    audit.name = "Nhật ký thay đổi";
    audit.key = "audit";
    audit.header = {"Thời gian (giờ Việt Nam)",
                    "Người thực hiện",
                    "Vai trò",
                    "Đơn vị",
                    "Thao tác",
                    "Đối tượng",
                    "Lý do"};
    for (const v1::AuditEvent& e : events) {
      // A province's appraiser: the events of its units only (no round-level ones).
      if (!CanSeeAuditEvent(c, round->units, e)) continue;
      audit.rows.push_back({VietnamClock(e.at()), ActorDisplay(names, e), e.role(),
                            e.actor_unit(), e.action(), e.resource(), e.reason()});
    }
  }

  v1::ExportRoundResponse response;
  if (r.format() == v1::ExportRoundRequest::CSV) {
    std::vector<std::string> keys;
    for (const Table& t : tables) {
      if (t.key != r.table()) continue;
      absl::StrAppend(response.mutable_content(), WriteCsv(t));
    }
    if (response.content().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "table: '", r.table(),
          "' is not a table of this export (ranking, matrix, criteria, datasheet",
          office ? ", audit" : "", ")"));
    }
    response.set_file_name(absl::StrCat(id, "-", r.table(), ".csv"));
    response.set_content_type("text/csv; charset=utf-8");
  } else {
    ASSIGN_OR_RETURN(*response.mutable_content(), WriteXlsx(tables));
    response.set_file_name(absl::StrCat(id, ".xlsx"));
    response.set_content_type(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  }
  return response;
}

}  // namespace parindex::server
