// ReportCore: the round's results as report tables, written as XLSX or CSV.
#include "server/core_report.h"

#include <algorithm>
#include <future>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/export_tables.h"
#include "common/status_macros.h"
#include "engine/fixed_point.h"
#include "engine/scorer.h"
#include "google/protobuf/arena.h"
#include "server/core_util.h"
#include "server/policy.h"
#include "server/report.h"

namespace parindex::server {
namespace {

// What an export shows in the appraised index of a unit the office has not appraised
// (UnitScore.not_appraised), where an appraised unit has its figures.
constexpr char kNotAppraised[] = "Chưa thẩm định";
// And in the self-assessed index of a unit that never started its self-assessment
// (UnitScore.not_started): it has assessed nothing.
constexpr char kNotStarted[] = "Chưa tự đánh giá";

// A unit with no index in this column (not appraised, or never started): no points,
// class or rank of its own, only why.
bool Unassessed(const v1::UnitScore& s) { return s.not_appraised() || s.not_started(); }
std::string UnassessedLabel(const v1::UnitScore& s) {
  return s.not_appraised() ? kNotAppraised : kNotStarted;
}

// "resolved = 430; received = 500" into `out` (its storage reused row after row).
void InputsInto(const engine::CompiledCriteriaSet& set, const v1::Trace& trace,
                std::string* out) {
  out->clear();
  for (const v1::Figure& f : trace.inputs()) {
    if (!out->empty()) out->append("; ");
    // A PERCENT or SCORE element's figure is in thousandths: shown as the value.
    const int e = set.FindElement(f.name());
    if (e >= 0 && set.elements()[e].milli()) {
      absl::StrAppend(out, f.name(), " = ", engine::FormatMilliShort(f.value()));
    } else {
      absl::StrAppend(out, f.name(), " = ", f.value());
    }
  }
}

// `cell` as `text`, reusing the cell's string when it holds one.
void SetText(Cell& cell, absl::string_view text) {
  if (auto* s = std::get_if<std::string>(&cell)) {
    s->assign(text.data(), text.size());
  } else {
    cell = std::string(text);
  }
}

// One side of a data element's value as a cell: a count as a number, a percent or
// score with its decimals, a date as Vietnamese documents write it.
Cell ValueCell(const engine::Element& element, const v1::ElementValue& v) {
  switch (v.value_case()) {
    case v1::ElementValue::kCount:
      if (element.milli()) return Decimal{v.count() * 1000};
      return int64_t{v.count()};
    case v1::ElementValue::kMilli:
      return Decimal{v.milli()};
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

// ValueCell into `cell`, reusing its string when it holds one.
void ValueInto(const engine::Element& element, const v1::ElementValue& v, Cell* cell) {
  switch (v.value_case()) {
    case v1::ElementValue::kCount:
      if (!element.milli()) {
        *cell = int64_t{v.count()};
        return;
      }
      break;
    case v1::ElementValue::kYes:
      SetText(*cell, v.yes() ? "Có" : "Không");
      return;
    case v1::ElementValue::kNotIssued:
      SetText(*cell, "Chưa ban hành");
      return;
    case v1::ElementValue::VALUE_NOT_SET:
      SetText(*cell, std::string());
      return;
    default:
      break;
  }
  *cell = ValueCell(element, v);
}

// The data sheet of every unit: one row per element of the set, in the set's order,
// blank where nothing was given, so that each unit's sheet reads whole. Who gave each
// side (by `names`, ActorNames) and when (Vietnam time) is for the office (`office`);
// others see the values. Its rows are made as they are written (Table::make_rows):
// every argument must outlive the table.
Table DataSheetTable(const engine::CompiledCriteriaSet& set, const UnitScores& scores,
                     const std::map<std::string, const v1::Assessment*>& forms,
                     bool office, const std::map<std::string, std::string>& names) {
  Table t;
  t.name = "Bảng số liệu";
  t.key = std::string(export_table::kDataSheet);
  t.title = "Bảng số liệu của từng đơn vị";
  t.frozen_columns = 2;
  t.header = {"Mã đơn vị", "Tên đơn vị", "Mã số liệu",
              "Số liệu",   "Kỳ số liệu", "Tự đánh giá"};
  if (office) t.header.insert(t.header.end(), {"Người nhập", "Lúc nhập (giờ Việt Nam)"});
  t.header.push_back("Thẩm định");
  if (office) {
    t.header.insert(t.header.end(), {"Người thẩm định", "Lúc thẩm định (giờ Việt Nam)"});
  }
  t.make_rows = [&set, &scores, &forms, office, &names](const Table::RowSink& sink) {
    const std::vector<engine::Element>& elements = set.elements();
    std::vector<const v1::DataValue*> value_of;
    std::vector<Cell> row;
    const v1::DataValue none;
    struct LastMoment {
      bool valid = false;
      std::string text;
      Cell cell;
    };
    LastMoment moments[2];  // self, appraised
    row.resize(office ? 11 : 7);
    for (const v1::UnitScore& s : scores) {
      value_of.assign(elements.size(), nullptr);
      auto form = forms.find(s.unit());
      if (form != forms.end()) {
        for (const v1::DataValue& v : form->second->values()) {
          const int e = set.FindElement(v.element());
          if (e >= 0) value_of[e] = &v;
        }
      }
      for (size_t e = 0; e < elements.size(); ++e) {
        const engine::Element& element = elements[e];
        SetText(row[0], s.unit());
        SetText(row[1], s.unit_name());
        SetText(row[2], element.code);
        SetText(row[3], element.label());
        if (element.declared != nullptr) {
          SetText(row[4], element.declared->period());
        } else {
          SetText(row[4], std::string());
        }
        const v1::DataValue& v = value_of[e] != nullptr ? *value_of[e] : none;
        // Each side's cells in place (their strings reused row after row); a moment
        // parsed once while it repeats (a unit's values are written together).
        size_t c = 5;
        int side_index = 0;
        for (const v1::ElementValue* side : {&v.self(), &v.appraised()}) {
          ValueInto(element, *side, &row[c++]);
          if (office) {
            auto who = names.find(side->updated_by());
            SetText(row[c++], who != names.end() ? who->second : side->updated_by());
            LastMoment& last = moments[side_index];
            if (!last.valid || last.text != side->updated_at()) {
              last.text = side->updated_at();
              last.cell = WhenCell(last.text);
              last.valid = true;
            }
            row[c++] = last.cell;
          }
          ++side_index;
        }
        sink(row);
      }
    }
  };
  return t;
}

// Each area's average over the units it applied to: points and the share of the
// applicable maximum achieved (the area's index), half up.
Table AreaAverages(const v1::CriteriaSet& set, const UnitScores& scores) {
  Table t;
  t.name = "Bình quân theo lĩnh vực";
  t.key = std::string(export_table::kAreas);
  t.title = "Điểm bình quân theo lĩnh vực";
  t.header = {"Mã lĩnh vực",       "Lĩnh vực",       "Điểm tối đa",
              "Số đơn vị áp dụng", "Điểm bình quân", "Tỷ lệ đạt bình quân (%)"};
  for (int a = 0; a < set.areas_size(); ++a) {
    const v1::Area& area = set.areas(a);
    // An area without a maximum (bonus and penalty points) applies to every unit and
    // has points but no share of a maximum.
    const bool bonus = area.max_milli() == 0;
    int64_t units = 0, points = 0, index = 0;
    for (const v1::UnitScore& s : scores) {
      // A unit not appraised has no appraised points: its own are not averaged in.
      if (!s.error().empty() || Unassessed(s) || a >= s.areas_size()) continue;
      if (!bonus && s.areas(a).applicable_max_milli() == 0) continue;
      ++units;
      points += s.areas(a).points_milli();
      index += s.areas(a).index_hundredths();
    }
    if (units == 0) {
      t.rows.push_back({area.code(), area.title(), Points{area.max_milli()}, units});
      continue;
    }
    if (bonus) {
      t.rows.push_back({area.code(), area.title(), Points{area.max_milli()}, units,
                        Points{engine::DivRoundHalfUp(points, units)}});
      continue;
    }
    t.rows.push_back({area.code(), area.title(), Points{area.max_milli()}, units,
                      Points{engine::DivRoundHalfUp(points, units)},
                      Index{engine::DivRoundHalfUp(index, units)}});
  }
  t.chart = Chart{Chart::Kind::kColumn, "Tỷ lệ đạt bình quân theo lĩnh vực (%)", 1, 5,
                  "Tỷ lệ đạt (%)"};
  return t;
}

// Where the round's units belong: the province ("Tỉnh Hưng Yên") when a unit of kind
// PROVINCE is among their parents, and the topmost parent there is (the province, or
// "Thành phố Hưng Yên" when the chain stops at the city).
struct Seat {
  std::string province;
  std::string top;
};
Seat SeatOf(store::Store* store, const RoundContext& round) {
  Seat seat;
  for (const auto& [code, unit] : round.units) {
    std::string parent = unit.parent();
    for (int depth = 0; depth < 8 && !parent.empty(); ++depth) {  // no endless cycle
      absl::StatusOr<v1::Unit> up = store->GetUnit(parent);
      if (!up.ok()) break;
      seat.top = up->name();
      if (up->kind() == v1::PROVINCE) {
        seat.province = up->name();
        break;
      }
      parent = up->parent();
    }
    break;  // a round's units share their province: the first one says it
  }
  return seat;
}

// The Department of Home Affairs of the province, as title blocks write it ("SỞ NỘI
// VỤ TỈNH HƯNG YÊN"); the round's own `issuer` first.
std::string Issuer(const RoundContext& round, const std::string& province) {
  if (!round.round.issuer().empty()) return round.round.issuer();
  if (province.empty()) return "";
  return absl::StrCat("SỞ NỘI VỤ ", VietnameseUpper(province));
}

// Where a report is signed: the province, or the topmost parent, without its kind
// ("Hưng Yên").
std::string Place(const Seat& seat) {
  absl::string_view place = seat.province.empty() ? seat.top : seat.province;
  for (absl::string_view kind : {"Tỉnh ", "tỉnh ", "Thành phố ", "thành phố ", "Thị xã ",
                                 "Quận ", "Huyện ", "Phường ", "Xã "}) {
    if (absl::ConsumePrefix(&place, kind)) break;
  }
  return std::string(place);
}

// How many units of each block fell in each class of the set, then the units with no
// index in the column (APPRAISED: not appraised; SELF: never started), then the units
// whose data cannot be scored, with the total of each column.
Table ClassificationCounts(const v1::CriteriaSet& set, const UnitScores& scores,
                           v1::Column column) {
  Table t;
  t.name = "Xếp loại";
  t.key = "classes";
  t.title = "Số đơn vị theo xếp loại";
  t.header = {"Khối"};
  for (const v1::ClassificationBand& band : set.classification()) {
    t.header.push_back(band.title().empty()
                           ? band.label()
                           : absl::StrCat(band.label(), " (", band.title(), ")"));
  }
  const bool appraised = column == v1::APPRAISED;
  // Units with no index in this column: not appraised yet (APPRAISED), or never started
  // their self-assessment (SELF).
  const size_t unassessed = t.header.size(), unscored = unassessed + 1,
               total = unscored + 1;
  t.header.push_back(appraised ? kNotAppraised : kNotStarted);
  t.header.push_back("Không chấm được");
  t.header.push_back("Tổng số");
  std::vector<std::pair<std::string, std::vector<int64_t>>> blocks;  // in order
  std::vector<int64_t> all(total + 1, 0);
  for (const v1::UnitScore& s : scores) {
    const std::string block = BlockTitle(s.block());
    if (blocks.empty() || blocks.back().first != block)
      blocks.push_back({block, std::vector<int64_t>(total + 1, 0)});
    size_t counted = unscored;
    if (Unassessed(s)) {
      counted = unassessed;
    } else if (s.error().empty()) {
      for (int b = 0; b < set.classification_size(); ++b) {
        if (set.classification(b).label() == s.classification()) counted = b + 1;
      }
    }
    for (std::vector<int64_t>* counts : {&blocks.back().second, &all}) {
      ++(*counts)[counted];
      ++(*counts)[total];
    }
  }
  auto row = [](const std::string& name, const std::vector<int64_t>& counts) {
    std::vector<Cell> cells = {name};
    for (size_t c = 1; c < counts.size(); ++c) cells.push_back(counts[c]);
    return cells;
  };
  for (const auto& [block, counts] : blocks) t.rows.push_back(row(block, counts));
  t.rows.push_back(row("Tổng cộng", all));
  return t;
}

// The audit trail's roles as the office names them.
std::string RoleTitle(const std::string& role) {
  static const auto* const kTitles = new std::map<std::string, std::string>{
      {"ward", "Đơn vị"},    {"appraiser", "Thẩm định"}, {"admin", "Quản trị"},
      {"reader", "Tra cứu"}, {"system", "Hệ thống"},
  };
  auto it = kTitles->find(role);
  return it != kTitles->end() ? it->second : role;
}

}  // namespace

absl::StatusOr<Table> ReportCore::YearsTable(const Caller& c, const RoundContext& round,
                                             const UnitScores& scores,
                                             v1::Column column) {
  ASSIGN_OR_RETURN(std::vector<v1::Round> listed, store_->ListRounds());
  std::sort(listed.begin(), listed.end(), [](const v1::Round& a, const v1::Round& b) {
    return a.year() != b.year() ? a.year() < b.year() : a.id() < b.id();
  });
  struct Past {
    std::shared_ptr<const RoundContext> round;
    std::shared_ptr<const Ranks> ranks;
  };
  std::vector<Past> family;
  std::map<int, int> rounds_in_year;
  for (const v1::Round& other : listed) {
    if (other.year() > round.round.year()) continue;
    ASSIGN_OR_RETURN(std::shared_ptr<const RoundContext> loaded,
                     cache_->LoadRound(other.id()));
    if (loaded->set->proto().level() != round.set->proto().level()) continue;
    // Rounds whose results the caller may not see are left out, not refused.
    absl::StatusOr<Results> results = ResultsFor(c, *loaded, column);
    if (!results.ok()) continue;
    family.push_back({loaded, results->ranks});
    ++rounds_in_year[other.year()];
  }
  // The table's units: each of the round's, and under it those it was formed from.
  struct Subject {
    std::string code, name, block;
  };
  std::vector<Subject> subjects;
  for (const v1::UnitScore& s : scores) {
    subjects.push_back({s.unit(), s.unit_name(), BlockTitle(s.block())});
    auto unit = round.units.find(s.unit());
    if (unit == round.units.end()) continue;
    for (const std::string& from : unit->second.formed_from()) {
      // Named as the rounds it took part in knew it.
      std::string name = from;
      for (const Past& p : family) {
        auto old = p.round->units.find(from);
        if (old != p.round->units.end()) name = old->second.name();
      }
      subjects.push_back({from, absl::StrCat(name, " (nay thuộc ", s.unit_name(), ")"),
                          BlockTitle(s.block())});
    }
  }
  // An earlier round in which none of them was ranked (another province's) has no
  // column: it would be empty from top to bottom. This round's own always has one.
  family.erase(std::remove_if(family.begin(), family.end(),
                              [&](const Past& p) {
                                if (p.round->round.id() == round.round.id()) return false;
                                return std::none_of(subjects.begin(), subjects.end(),
                                                    [&](const Subject& u) {
                                                      auto rank = p.ranks->find(u.code);
                                                      return rank != p.ranks->end() &&
                                                             rank->second.rank != 0;
                                                    });
                              }),
               family.end());
  rounds_in_year.clear();
  for (const Past& p : family) ++rounds_in_year[p.round->round.year()];
  Table t;
  t.name = "Qua các năm";
  t.key = std::string(export_table::kYears);
  t.title = "Chỉ số CCHC và xếp hạng qua các năm";
  t.frozen_columns = 2;
  t.header = {"Mã đơn vị", "Tên đơn vị", "Khối"};
  for (const Past& p : family) {
    const int year = p.round->round.year();
    const std::string when = rounds_in_year[year] > 1
                                 ? absl::StrCat(year, " (", p.round->round.id(), ")")
                                 : absl::StrCat(year);
    t.header.push_back(absl::StrCat("Chỉ số ", when));
    t.header.push_back(absl::StrCat("Hạng ", when));
  }
  // One row for a unit, or one it was formed from, across the family's rounds.
  for (const Subject& u : subjects) {
    std::vector<Cell> row = {u.code, u.name, u.block};
    for (const Past& p : family) {
      auto rank = p.ranks->find(u.code);
      if (rank == p.ranks->end() || rank->second.rank == 0) {
        row.insert(row.end(), {std::string(), std::string()});
        continue;
      }
      row.push_back(Index{rank->second.index_hundredths});
      row.push_back(int64_t{rank->second.rank});
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

namespace {

// The options an export takes, checked before anything is read: `table` names one
// table and is for CSV only (a workbook and the printed report hold every table), as
// is `decimal_comma`; the audit trail is the office's (`office`).
absl::Status CheckExportOptions(const v1::ExportRoundRequest& r, bool office) {
  if (r.format() == v1::ExportRoundRequest::CSV) {
    std::vector<absl::string_view> tables;
    for (absl::string_view t : export_table::kAll)
      if (office || export_table::ForEveryone(t)) tables.push_back(t);
    // A table that is there but not for this caller is refused as such, not as a
    // name no export knows.
    if (!office && !export_table::ForEveryone(r.table())) {
      return absl::PermissionDeniedError(absl::StrCat(
          "table: '", r.table(), "' is the office's (appraisers and admins); this "
          "account may export ", absl::StrJoin(tables, ", ")));
    }
    if (std::find(tables.begin(), tables.end(), r.table()) == tables.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "table: '", absl::CHexEscape(r.table()), "' is not a table of this export (",
          absl::StrJoin(tables, ", "), ")"));
    }
    return absl::OkStatus();
  }
  const bool html = r.format() == v1::ExportRoundRequest::HTML;
  if (!r.table().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("table: is for CSV (", html ? "the HTML report" : "an XLSX workbook",
                     " holds every table; leave it empty)"));
  }
  if (r.decimal_comma()) {
    return absl::InvalidArgumentError(
        html ? "decimal_comma: is for CSV (the HTML report writes decimals as its "
               "language does: VIETNAMESE 94,39, ENGLISH 94.39)"
             : "decimal_comma: is for CSV (an XLSX file holds numbers, shown as the "
               "spreadsheet program's language says)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::ExportRoundResponse> ReportCore::ExportRound(
    const Caller& c, const v1::ExportRoundRequest& r) {
  ASSIGN_OR_RETURN(std::string id, ParseName(r.name(), "rounds"));
  const bool office = c.role == v1::ROLE_APPRAISER || c.role == v1::ROLE_ADMIN;
  RETURN_IF_ERROR(CheckExportOptions(r, office));
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(id));
  const v1::Column column =
      r.column() == v1::COLUMN_UNSPECIFIED ? v1::APPRAISED : r.column();
  // Reports are Vietnamese: the reasons too, unless English is asked for.
  const v1::Language language =
      r.language() == v1::ENGLISH ? v1::ENGLISH : v1::VIETNAMESE;
  ASSIGN_OR_RETURN(Results results, ResultsFor(c, *round, column));

  // The office's workbook names who changed what (the data sheet) and lists the round's
  // audit trail (a national round: ~285k events): both read on a thread of their own
  // while this one reads and scores the forms. The sheet shows neither an event's
  // before nor its after (most of the trail's bytes); a province's appraiser sees a
  // task's assignment by the units in them (CanSeeAuditEvent), so reads them.
  struct OfficeReads {
    std::map<std::string, std::string> names;
    std::vector<v1::AuditEvent> events;
  };
  std::future<absl::StatusOr<OfficeReads>> office_reads;
  if (office && r.format() != v1::ExportRoundRequest::HTML) {
    const bool audit =
        r.format() != v1::ExportRoundRequest::CSV || r.table() == export_table::kAudit;
    office_reads = std::async(std::launch::async,
                              [this, &c, &id, audit]() -> absl::StatusOr<OfficeReads> {
                                OfficeReads reads;
                                ASSIGN_OR_RETURN(reads.names, ActorNames());
                                if (!audit) return reads;
                                store::AuditFilter filter;
                                filter.resource_prefix = absl::StrCat("rounds/", id);
                                filter.limit = 1000000;
                                filter.bodies = NeedsUnits(c);
                                ASSIGN_OR_RETURN(reads.events, store_->ListAudit(filter));
                                return reads;
                              });
  }

  // Every unit's form, read at once: scored here in the reports' language without
  // being kept (a national round's Vietnamese traces held after its export were a
  // third of the server's memory), and shown on the data sheet. Without its evidence
  // files: no report shows them, and no score depends on them.
  // Forms and scores are made on one arena (a national round's are a few million
  // messages): allocated and freed at once rather than one by one.
  google::protobuf::Arena arena;
  std::map<std::string, const v1::Assessment*> forms;
  {
    auto& stored = *google::protobuf::Arena::CreateMessage<
        google::protobuf::RepeatedPtrField<v1::Assessment>>(&arena);
    RETURN_IF_ERROR(store_->ListAssessmentsInto(id, /*with_files=*/false, &stored));
    for (const v1::Assessment& a : stored) forms.emplace_hint(forms.end(), a.unit(), &a);
  }
  // Every unit's score with its trace (a national round: ~230k criteria).
  auto& scores = *google::protobuf::Arena::CreateMessage<UnitScores>(&arena);
  scores.Reserve(static_cast<int>(results.units.size()));
  engine::ScoreSheet sheet;
  for (const std::string& code : results.units) {
    v1::UnitScore& score = *scores.Add();
    if (auto form = forms.find(code); form != forms.end()) {
      cache_->RenderScoreOrError(*round, *form->second, column, language, &sheet, &score);
    } else {
      ASSIGN_OR_RETURN(v1::UnitScore cached,
                       cache_->ScoreOrError(*round, code, column, language));
      score.CopyFrom(cached);
    }
    auto it = results.ranks->find(code);
    score.set_rank(it == results.ranks->end() ? 0 : it->second.rank);
  }
  std::sort(scores.pointer_begin(), scores.pointer_end(),
            [](const v1::UnitScore* a, const v1::UnitScore* b) {
              if (a->block() != b->block()) return a->block() < b->block();
              const int ra = a->rank() == 0 ? 1 << 30 : a->rank(),
                        rb = b->rank() == 0 ? 1 << 30 : b->rank();
              return ra != rb ? ra < rb : a->unit() < b->unit();
            });

  std::vector<Table> tables;
  // A ranking per block, with a bar per unit; a province's part of a round is ranked
  // among its own units.
  const std::string rank_header =
      results.scope.empty()
          ? "Hạng"
          : absl::StrCat("Hạng trong các đơn vị thuộc ",
                         results.scope.substr(results.scope.find('/') + 1));
  for (const v1::UnitScore& s : scores) {
    const std::string block = BlockTitle(s.block());
    if (tables.empty() || tables.back().name != absl::StrCat("Xếp hạng ", block)) {
      Table& t = tables.emplace_back();
      t.name = absl::StrCat("Xếp hạng ", block);  // WriteXlsx makes it a sheet name
      t.key = std::string(export_table::kRanking);
      t.title = absl::StrCat("Bảng xếp hạng Chỉ số CCHC – ", block);
      t.frozen_columns = 4;
      t.header = {"Khối",          rank_header,       "Mã đơn vị", "Tên đơn vị",
                  "Chỉ số",        "Xếp loại",        "Điểm đạt",  "Điểm tối đa áp dụng",
                  "Điểm khảo sát", "Điểm thưởng, trừ"};
      t.chart =
          Chart{Chart::Kind::kBar, absl::StrCat("Chỉ số CCHC – ", block), 3, 4, "Chỉ số"};
    }
    if (!s.error().empty()) {  // the unit's data cannot be scored: say so in its row
      tables.back().rows.push_back({block, std::string(), s.unit(), s.unit_name(),
                                    std::string(),
                                    absl::StrCat("Không chấm được: ", s.error())});
      continue;
    }
    if (Unassessed(s)) {  // no index in this column: none shown, and why
      tables.back().rows.push_back(
          {block, std::string(), s.unit(), s.unit_name(), UnassessedLabel(s)});
      continue;
    }
    tables.back().rows.push_back(
        {block, int64_t{s.rank()}, s.unit(), s.unit_name(), Index{s.index_hundredths()},
         s.classification(), Points{s.achieved_milli()}, Points{s.applicable_max_milli()},
         Points{s.survey_milli()}, Points{s.adjustment_milli()}});
  }
  // Units × areas.
  Table matrix;
  matrix.name = "Điểm theo lĩnh vực";
  matrix.key = std::string(export_table::kMatrix);
  matrix.title = "Điểm của từng đơn vị theo lĩnh vực";
  matrix.frozen_columns = 2;
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
  criteria.key = std::string(export_table::kCriteria);
  criteria.title = "Điểm từng tiêu chí và diễn giải";
  criteria.frozen_columns = 2;
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
    std::vector<Cell> row = {s.unit(), s.unit_name(), BlockTitle(s.block())};
    if (Unassessed(s)) {  // no points, no criteria (not appraised: see the SELF export)
      row.resize(row.size() + round->set->proto().areas_size() + 1, std::string());
      row.push_back(UnassessedLabel(s));
      matrix.rows.push_back(std::move(row));
      continue;
    }
    for (const v1::AreaScore& a : s.areas()) row.push_back(Points{a.points_milli()});
    row.push_back(Points{s.achieved_milli()});
    row.push_back(Index{s.index_hundredths()});
    matrix.rows.push_back(std::move(row));
  }
  // Made as they are written (a national round: 3,321 units × 68 criteria), one row
  // kept at a time; `scores` outlives the table.
  criteria.make_rows = [&scores, &set = *round->set](const Table::RowSink& sink) {
    std::vector<Cell> row(10);
    for (const v1::UnitScore& s : scores) {
      // A unit not appraised has no appraised criteria (see the SELF export).
      // A unit never started keeps its rows: each says what was not reported.
      if (!s.error().empty() || s.not_appraised()) continue;
      for (const v1::CriterionScore& cs : s.criteria()) {
        if (cs.status() == v1::GROUP) continue;
        SetText(row[0], s.unit());
        SetText(row[1], s.unit_name());
        SetText(row[2], cs.code());
        SetText(row[3], cs.title());
        if (!std::holds_alternative<std::string>(row[4])) row[4] = std::string();
        InputsInto(set, cs.trace(), &std::get<std::string>(row[4]));
        SetText(row[5], cs.trace().value_text());
        SetText(row[6], cs.trace().applied());
        // A criterion dropped as not applicable has no points to give (its reason
        // says why), not 0 of its maximum.
        const bool dropped =
            cs.status() == v1::NOT_APPLICABLE && cs.applicable_max_milli() == 0;
        if (dropped) {
          SetText(row[7], "");
        } else {
          row[7] = Points{cs.points_milli()};
        }
        row[8] = Points{cs.max_milli()};
        SetText(row[9], cs.trace().reason());
        sink(row);
      }
    }
  };
  const Seat seat = SeatOf(store_, *round);
  Heading heading;
  heading.issuer = Issuer(*round, seat.province);
  heading.place = Place(seat);
  heading.heading = round->round.year() != 0
                        ? absl::StrCat("Kết quả Chỉ số CCHC năm ", round->round.year())
                        : std::string("Kết quả Chỉ số CCHC");
  heading.subtitle = round->round.title();
  heading.note = column == v1::SELF ? "Số liệu tự đánh giá" : "Số liệu sau thẩm định";
  heading.made = Now();
  if (r.format() == v1::ExportRoundRequest::HTML) {
    // The printed report: the rankings without their block column (each block is its
    // section), the matrix, the classes.
    for (Table& t : tables) {
      t.header.erase(t.header.begin());
      for (auto& row : t.rows) row.erase(row.begin());
    }
    // The matrix on a printed page: areas by their codes and maxima, named underneath.
    std::vector<std::string> legend;
    for (int a = 0; a < round->set->proto().areas_size(); ++a) {
      const v1::Area& area = round->set->proto().areas(a);
      matrix.header[3 + a] = absl::StrCat(
          area.code(), " (", engine::FormatMilliShort(area.max_milli()), ")");
      legend.push_back(absl::StrCat(area.code(), ". ", area.title()));
    }
    matrix.legend = absl::StrCat(absl::StrJoin(legend, "; "), ".");
    tables.push_back(std::move(matrix));
    tables.push_back(ClassificationCounts(round->set->proto(), scores, column));
    HtmlOptions options;
    options.decimal_comma = language != v1::ENGLISH;
    options.language = language == v1::ENGLISH ? "en" : "vi";
    v1::ExportRoundResponse response;
    response.set_content(WriteHtml(tables, heading, options));
    response.set_file_name(absl::StrCat(id, ".html"));
    response.set_content_type("text/html; charset=utf-8");
    return response;
  }
  tables.push_back(std::move(matrix));
  tables.push_back(AreaAverages(round->set->proto(), scores));
  {
    ASSIGN_OR_RETURN(Table years, YearsTable(c, *round, scores, column));
    tables.push_back(std::move(years));
  }
  tables.push_back(std::move(criteria));
  OfficeReads reads;
  if (office_reads.valid()) {
    ASSIGN_OR_RETURN(reads, office_reads.get());
  }
  const std::map<std::string, std::string>& names = reads.names;
  const std::vector<v1::AuditEvent>& events = reads.events;
  tables.push_back(DataSheetTable(*round->set, scores, forms, office, names));
  // The audit trail of the round, for the office only: who by name, in Vietnam time.
  // Its rows are made as they are written, from the events read above, which outlive
  // the table.
  if (office) {
    Table& audit = tables.emplace_back();
    audit.name = "Nhật ký thay đổi";
    audit.key = std::string(export_table::kAudit);
    audit.title = "Nhật ký thay đổi của đợt chấm điểm";
    audit.header = {"Thời gian (giờ Việt Nam)",
                    "Người thực hiện",
                    "Vai trò",
                    "Đơn vị",
                    "Thao tác",
                    "Đối tượng",
                    "Lý do"};
    audit.make_rows = [&events, &c, &round, &names](const Table::RowSink& sink) {
      std::vector<Cell> row(7);
      std::string at;  // the moment of the previous row, parsed once while it repeats
      for (const v1::AuditEvent& e : events) {
        // A province's appraiser: the events of its units only (no round-level ones).
        if (!CanSeeAuditEvent(c, round->units, e)) continue;
        if (at.empty() || at != e.at()) {
          at = e.at();
          row[0] = WhenCell(at);
        }
        SetText(row[1], ActorDisplay(names, e));
        SetText(row[2], RoleTitle(e.role()));
        SetText(row[3], e.actor_unit());
        SetText(row[4], e.action());
        SetText(row[5], e.resource());
        SetText(row[6], e.reason());
        sink(row);
      }
    };
  }

  v1::ExportRoundResponse response;
  if (r.format() == v1::ExportRoundRequest::CSV) {
    // One table, whatever the blocks: the rankings of all blocks are one table with
    // the block in its first column.
    Table csv;
    std::vector<const Table*> parts;
    for (const Table& t : tables) {
      if (t.key != r.table()) continue;
      if (csv.header.empty()) csv.header = t.header;
      parts.push_back(&t);
    }
    csv.make_rows = [&parts](const Table::RowSink& sink) {
      for (const Table* t : parts) ForEachRow(*t, sink);
    };
    CsvOptions options;
    options.decimal_comma = r.decimal_comma();
    *response.mutable_content() = WriteCsv(csv, options);
    response.set_file_name(absl::StrCat(id, "-", r.table(), ".csv"));
    response.set_content_type("text/csv; charset=utf-8");
  } else {
    ASSIGN_OR_RETURN(*response.mutable_content(), WriteXlsx(tables, heading));
    response.set_file_name(absl::StrCat(id, ".xlsx"));
    response.set_content_type(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  }
  return response;
}

}  // namespace parindex::server
