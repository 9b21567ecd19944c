// CLI commands over the API.
#include "client/round_commands.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/text_table.h"
#include "common/status_macros.h"
#include "criteria/figures_csv.h"
#include "criteria/yaml_reader.h"
#include "google/protobuf/util/json_util.h"

namespace parindex::client {
namespace {

std::string StateName(v1::AssessmentState state) {
  std::string name = v1::AssessmentState_Name(state);
  return name.rfind("STATE_", 0) == 0 ? name.substr(6) : name;
}

}  // namespace

absl::StatusOr<std::string> RoundStatus(Api& api, const std::string& round, bool json) {
  v1::ListAssessmentsRequest request;
  request.set_parent(absl::StrCat("rounds/", round));
  ASSIGN_OR_RETURN(
      v1::ListAssessmentsResponse board,
      api.Call(api.rounds(), &v1::RoundService::Stub::ListAssessments, request));
  if (json) return ToJson(board);
  std::string out = absl::StrCat(Fit("unit", 8), " ", Fit("state", 24), " ",
                                 Fit("reopened", 9), " updated\n");
  for (const v1::Assessment& a : board.assessments()) {
    absl::StrAppend(&out, Fit(a.unit(), 8), " ", Fit(StateName(a.state()), 24), " ",
                    Fit(a.reopened() ? "yes" : "", 9), " ", a.updated_at(), "\n");
  }
  return out;
}

absl::StatusOr<std::string> Submit(Api& api, const SubmitOptions& o) {
  // A figures YAML (many units) or a CSV of this unit's values.
  v1::Assessment given;
  criteria::SourceMap source(o.figures);
  std::string prefix;  // of the unit's paths in `source`: "units[2]."
  if (absl::EndsWith(o.figures, ".csv")) {
    ASSIGN_OR_RETURN(std::string text, ReadFile(o.figures));
    ASSIGN_OR_RETURN(given, criteria::ParseFiguresCsv(text, o.figures, o.unit, &source));
  } else {
    ASSIGN_OR_RETURN(criteria::Parsed<criteria::FiguresFile> figures,
                     criteria::ReadFigures(o.figures));
    const criteria::UnitFigures* unit = nullptr;
    for (size_t k = 0; k < figures.proto.units.size(); ++k) {
      if (figures.proto.units[k].unit.code() != o.unit) continue;
      unit = &figures.proto.units[k];
      prefix = absl::StrCat("units[", k, "].");
    }
    if (unit == nullptr) {
      return absl::NotFoundError(
          absl::StrCat(o.figures, ": no unit with code '", o.unit, "'"));
    }
    given = unit->assessment;
    source = std::move(figures.source);
  }
  // The unit's entries; entries[i] of the file is the j-th sent (entry_index[j]).
  std::vector<v1::Entry> entries;
  std::vector<int> entry_index;
  int skipped = 0;
  for (int i = 0; i < given.entries_size(); ++i) {
    const v1::Entry& e = given.entries(i);
    if (e.self().has_survey()) {
      ++skipped;  // survey answers are the office's to import
      continue;
    }
    v1::Entry entry = e;
    entry.clear_appraised();
    entry.clear_appraisal_comment();
    entries.push_back(std::move(entry));
    entry_index.push_back(i);
  }
  // The unit's side of its data sheet; values[i] of the file is updates[j].
  std::vector<v1::DataValueUpdate> values;
  std::vector<int> value_index;
  for (int i = 0; i < given.values_size(); ++i) {
    if (!given.values(i).has_self()) continue;
    v1::DataValueUpdate update;
    update.set_element(given.values(i).element());
    *update.mutable_value() = given.values(i).self();
    values.push_back(std::move(update));
    value_index.push_back(i);
  }
  // An error about the j-th value or entry sent is said at its place in the file:
  // "figures.yaml:41:17: …", "figures.csv:3: …". `values` and `entries` are the
  // request's fields that name them ("values[3].value: …", "updates[2].entry.self.score:
  // …"); "" when the request has no such field. An entry's error is told as the file's
  // entry and its criterion ("entries[4].self.score: criterion I.5: …"), whichever
  // request it came from.
  auto located = [&](const absl::Status& status, absl::string_view values_field,
                     absl::string_view entries_field) {
    absl::string_view message = status.message();
    // j of "`field`[j]", the message moved past "]"; -1 if the message is not about it.
    auto index_of = [&](absl::string_view field, size_t count) {
      absl::string_view rest = message;
      int j = -1;
      if (field.empty() || !absl::ConsumePrefix(&rest, field) ||
          !absl::ConsumePrefix(&rest, "[")) {
        return -1;
      }
      const size_t close = rest.find(']');
      if (close == absl::string_view::npos ||
          !absl::SimpleAtoi(rest.substr(0, close), &j) || j < 0 ||
          j >= static_cast<int>(count)) {
        return -1;
      }
      message = rest.substr(close + 1);
      return j;
    };
    if (int j = index_of(values_field, value_index.size()); j >= 0) {
      const std::string path = absl::StrCat(prefix, "values[", value_index[j], "].self");
      return absl::Status(status.code(),
                          absl::StrCat(source.Locate(path), ": ", status.message()));
    }
    if (int j = index_of(entries_field, entry_index.size()); j >= 0) {
      absl::ConsumePrefix(&message, ".entry");  // BatchUpdateEntries: updates[j].entry
      const absl::string_view field = absl::StartsWith(message, ".")
                                          ? message.substr(0, message.find_first_of(": "))
                                          : "";
      message.remove_prefix(field.size());
      absl::ConsumePrefix(&message, ":");
      message = absl::StripLeadingAsciiWhitespace(message);
      const std::string entry = absl::StrCat("entries[", entry_index[j], "]", field);
      const std::string criterion = absl::StrCat("criterion ", entries[j].criterion());
      return absl::Status(
          status.code(),
          absl::StrCat(
              source.Locate(absl::StrCat(prefix, entry)), ": ", entry, ": ",
              absl::StrContains(message, criterion) ? "" : absl::StrCat(criterion, ": "),
              message));
    }
    return status;
  };
  const std::string parent = AssessmentName(o.round, o.unit);
  // The score the file would give: the server checks the values and entries as it
  // would store them, so a bad one is found before anything is stored.
  v1::PreviewScoreRequest preview;
  preview.set_parent(parent);
  preview.set_column(v1::SELF);
  for (const v1::Entry& e : entries) *preview.add_entries() = e;
  for (const v1::DataValueUpdate& v : values) *preview.add_values() = v;
  absl::StatusOr<v1::UnitScore> score =
      api.Call(api.scores(), &v1::ScoreService::Stub::PreviewScore, preview);
  if (!score.ok()) return located(score.status(), "values", "entries");
  if (o.dry_run) {
    if (o.json) return ToJson(*score);
    v1::Evaluation evaluation;
    evaluation.set_column(v1::SELF);
    *evaluation.add_units() = *score;
    return absl::StrCat("dry run: nothing was stored\n\n", RenderUnitScores(evaluation));
  }
  ASSIGN_OR_RETURN(v1::Assessment current, GetAssessment(api, o.round, o.unit));
  std::string out;
  if (!values.empty()) {
    v1::UpdateDataSheetRequest sheet;
    sheet.set_parent(parent);
    for (v1::DataValueUpdate& v : values) {
      for (const v1::DataValue& stored : current.values()) {
        if (stored.element() == v.element()) v.set_etag(stored.version());
      }
      *sheet.add_updates() = v;
    }
    absl::StatusOr<v1::DataSheet> stored =
        api.Call(api.assessments(), &v1::AssessmentService::Stub::UpdateDataSheet, sheet);
    if (!stored.ok()) return located(stored.status(), "updates", "");
    absl::StrAppend(&out, "stored ", values.size(), " data sheet values of ", o.unit,
                    "\n");
    for (const v1::ValidationFinding& w : stored->warnings()) {
      absl::StrAppend(&out, "warning: ", w.message(), "\n");
    }
  }
  if (!entries.empty()) {
    v1::BatchUpdateEntriesRequest batch;
    batch.set_parent(parent);
    for (const v1::Entry& e : entries) {
      v1::EntryUpdate* update = batch.add_updates();
      *update->mutable_entry() = e;
      for (const v1::Entry& stored : current.entries()) {
        if (stored.criterion() == e.criterion()) update->set_etag(stored.version());
      }
    }
    absl::StatusOr<v1::BatchUpdateEntriesResponse> stored = api.Call(
        api.assessments(), &v1::AssessmentService::Stub::BatchUpdateEntries, batch);
    if (!stored.ok()) return located(stored.status(), "", "updates");
    absl::StrAppend(
        &out, "stored ", stored->entries_size(), " entries of ", o.unit,
        skipped ? absl::StrCat(" (", skipped, " survey entries left to the office)") : "",
        "\n");
  }
  for (const auto& [criterion, path] : o.evidence) {
    v1::UploadEvidenceRequest upload;
    upload.set_parent(parent);
    upload.set_criterion(criterion);
    upload.mutable_evidence()->set_file_name(path.substr(path.find_last_of('/') + 1));
    ASSIGN_OR_RETURN(*upload.mutable_content(), ReadFile(path));
    ASSIGN_OR_RETURN(v1::Evidence evidence,
                     api.Call(api.assessments(),
                              &v1::AssessmentService::Stub::UploadEvidence, upload));
    absl::StrAppend(&out, "attached ", evidence.file_name(), " to ", criterion, " (",
                    evidence.size_bytes(), " bytes, sha256 ",
                    evidence.sha256().substr(0, 12), "…)\n");
  }
  if (o.no_submit) return out;
  ASSIGN_OR_RETURN(v1::Assessment after, GetAssessment(api, o.round, o.unit));
  v1::AssessmentActionRequest submit;
  submit.set_name(parent);
  submit.set_etag(after.version());
  ASSIGN_OR_RETURN(v1::Assessment submitted,
                   api.Call(api.assessments(),
                            &v1::AssessmentService::Stub::SubmitAssessment, submit));
  absl::StrAppend(&out, "submitted: ", o.unit, " is ", StateName(submitted.state()),
                  "\n");
  return out;
}

absl::StatusOr<std::string> UnitScore(Api& api, const std::string& round,
                                      const std::string& unit, const std::string& column,
                                      bool json) {
  v1::GetUnitScoreRequest request;
  request.set_name(AssessmentName(round, unit));
  request.set_column(absl::AsciiStrToLower(column) == "self" ? v1::SELF : v1::APPRAISED);
  ASSIGN_OR_RETURN(
      v1::UnitScore score,
      api.Call(api.scores(), &v1::ScoreService::Stub::GetUnitScore, request));
  if (json) return ToJson(score);
  v1::Evaluation evaluation;
  evaluation.set_column(request.column());
  *evaluation.add_units() = score;
  return RenderUnitScores(evaluation);
}

absl::StatusOr<std::string> Ranking(Api& api, const std::string& round,
                                    const std::string& block, bool json) {
  v1::GetRankingRequest request;
  request.set_name(absl::StrCat("rounds/", round));
  request.set_block(block);
  ASSIGN_OR_RETURN(v1::Ranking ranking,
                   api.Call(api.scores(), &v1::ScoreService::Stub::GetRanking, request));
  if (json) return ToJson(ranking);
  // A part of the round: say whose, or the ranks read as the whole round's.
  const std::string scope =
      ranking.scope().empty()
          ? ""
          : absl::StrCat("scope ", ranking.scope(),
                         ": only its units, ranked among themselves\n");
  return scope + RenderRanking(ranking.units());
}

absl::StatusOr<std::string> Export(Api& api, const ExportOptions& o) {
  v1::ExportRoundRequest request;
  request.set_name(absl::StrCat("rounds/", o.round));
  const std::string format = absl::AsciiStrToLower(o.format);
  request.set_format(format == "csv"    ? v1::ExportRoundRequest::CSV
                     : format == "html" ? v1::ExportRoundRequest::HTML
                                        : v1::ExportRoundRequest::XLSX);
  request.set_table(o.table);
  if (o.language == "en") request.set_language(v1::ENGLISH);
  if (o.language == "vi") request.set_language(v1::VIETNAMESE);
  request.set_decimal_comma(o.decimal_comma);
  if (o.column == "self") request.set_column(v1::SELF);
  if (o.column == "appraised") request.set_column(v1::APPRAISED);
  grpc::ClientContext context;
  api.Prepare(&context);
  std::unique_ptr<grpc::ClientReader<v1::ExportRoundResponse>> reader =
      api.reports()->StreamExportRound(&context, request);
  v1::ExportRoundResponse piece;
  std::string path;
  std::ofstream file;
  size_t bytes = 0;
  // `--out -`: the file on standard output, as it arrives (for a pipe), and the summary
  // on standard error.
  const bool to_stdout = o.out == "-";
  if (to_stdout) {
    while (reader->Read(&piece)) {
      if (path.empty()) path = piece.file_name();
      std::cout.write(piece.content().data(),
                      static_cast<std::streamsize>(piece.content().size()));
      bytes += piece.content().size();
    }
    std::cout.flush();
    const grpc::Status status = reader->Finish();
    if (!status.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          status.error_message());
    }
    if (!std::cout)
      return absl::DataLossError("standard output: the file could not be written whole");
    if (path.empty()) return absl::InternalError("the server sent no file");
    std::cerr << "wrote " << path << " to standard output (" << bytes << " bytes)\n";
    return std::string();
  }
  while (reader->Read(&piece)) {
    if (path.empty()) {  // the first piece names the file
      path = o.out.empty() ? piece.file_name() : o.out;
      file.open(path, std::ios::binary | std::ios::trunc);
      if (!file) {
        context.TryCancel();
        (void)reader->Finish();
        return absl::FailedPreconditionError(
            absl::StrCat(path, ": cannot write the file"));
      }
    }
    file.write(piece.content().data(),
               static_cast<std::streamsize>(piece.content().size()));
    bytes += piece.content().size();
  }
  const grpc::Status status = reader->Finish();
  if (file.is_open()) file.close();
  if (!status.ok() || (file.fail() && !path.empty())) {
    if (!path.empty()) std::remove(path.c_str());
    if (!status.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          status.error_message());
    }
    return absl::DataLossError(
        absl::StrCat(path, ": the file could not be written whole"));
  }
  if (path.empty()) return absl::InternalError("the server sent no file");
  return absl::StrCat("wrote ", path, " (", bytes, " bytes)\n");
}

}  // namespace parindex::client
