// `parindex records import | why | gaps`.
#include "client/record_commands.h"

#include <fstream>
#include <ostream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace parindex::client {
namespace {

absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

// "1 row", "2 rows": a count with its noun.
std::string Count(int64_t n, absl::string_view one, absl::string_view many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

std::string BaseNameOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

absl::StatusOr<std::string> ImportRecords(Api& api, const std::string& round,
                                          const std::string& path,
                                          const std::string& format, bool json,
                                          size_t chunk_bytes) {
  v1::ImportDossiersRequest first;
  first.set_parent(absl::StrCat("rounds/", round));
  first.set_file_name(BaseNameOf(path));
  const bool jsonl =
      format.empty() ? absl::EndsWith(path, ".jsonl") || absl::EndsWith(path, ".ndjson")
                     : format == "jsonl";
  if (!format.empty() && format != "csv" && format != "jsonl") {
    return absl::InvalidArgumentError(
        absl::StrCat("--format: '", format, "' is not csv or jsonl"));
  }
  first.set_format(jsonl ? v1::ImportDossiersRequest::JSON_LINES
                         : v1::ImportDossiersRequest::CSV);
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));

  grpc::ClientContext context;
  api.Prepare(&context);
  // A national file takes minutes, not the default deadline of one call.
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::hours(6));
  v1::ImportDossiersResponse response;
  std::unique_ptr<grpc::ClientWriter<v1::ImportDossiersRequest>> writer =
      api.records()->ImportDossiers(&context, &response);
  std::string buffer(chunk_bytes, '\0');
  bool sent_first = false;
  while (true) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::streamsize got = in.gcount();
    if (got <= 0 && sent_first) break;
    v1::ImportDossiersRequest message = sent_first ? v1::ImportDossiersRequest() : first;
    message.set_content(buffer.data(), static_cast<size_t>(got));
    sent_first = true;
    if (!writer->Write(message)) break;  // the server answered early: see Finish
    if (got < static_cast<std::streamsize>(buffer.size())) break;
  }
  writer->WritesDone();
  const grpc::Status status = writer->Finish();
  if (!status.ok()) return FromGrpc(status);
  if (json) return absl::StrCat(ToJson(response), "\n");
  std::string out = absl::StrCat(
      "import ", response.import_id(), " into ", round, ": ",
      Count(response.rows_read(), "row", "rows"), " read, ", response.rows_refused(),
      " refused, ", response.rows_changed(), " new or changed, ",
      response.rows_unchanged(), " unchanged (sha256 ", response.sha256(), ")\n");
  for (const std::string& e : response.errors()) absl::StrAppend(&out, "  ", e, "\n");
  if (response.rows_refused() > response.errors_size()) {
    absl::StrAppend(&out, "  … and ",
                    Count(response.rows_refused() - response.errors_size(),
                          "more refused row", "more refused rows"),
                    "\n");
  }
  absl::StrAppend(&out, "computed values changed for ",
                  response.units_updated().empty()
                      ? "no unit"
                      : absl::StrJoin(response.units_updated(), ", "),
                  "\n");
  if (response.findings() > 0) {
    absl::StrAppend(&out, Count(response.findings(), "finding", "findings"),
                    " in the records of the units it touched: parindex records gaps ",
                    round, "\n");
  }
  return out;
}

absl::StatusOr<std::string> WhyFigure(Api& api, const std::string& round,
                                      const std::string& unit, const std::string& element,
                                      bool json, std::ostream* out) {
  v1::ExplainFigureRequest request;
  request.set_parent(AssessmentName(round, unit));
  request.set_element(element);
  request.set_page_size(10000);
  v1::FigureDossiers all;
  bool first = true;
  do {
    ASSIGN_OR_RETURN(
        v1::FigureDossiers page,
        api.Call(api.records(), &v1::RecordService::Stub::ExplainFigure, request));
    request.set_page_token(page.next_page_token());
    if (json) {  // one JSON document: the pages gathered
      if (first) {
        all = page;
      } else {
        for (const std::string& id : page.dossier_ids()) all.add_dossier_ids(id);
      }
      all.clear_next_page_token();
      first = false;
      continue;
    }
    // Text: the heading with the first page, then each page's ids as it arrives.
    std::string text;
    if (first) {
      const v1::RecordsProvenance& p = page.provenance();
      text = absl::StrCat(page.element(), " (", page.label(), ") of ", unit, " in ",
                          round, ": ", Count(page.count(), "dossier", "dossiers"), "\n",
                          "counted: ", page.definition(), "\n",
                          "from records: ", Count(p.dossiers(), "dossier", "dossiers"),
                          ", import #", p.import_id());
      if (!p.computed_at().empty())
        absl::StrAppend(&text, ", computed ", p.computed_at());
      absl::StrAppend(&text, ", period ending ", p.period_end(), "\n");
      first = false;
    }
    for (const std::string& id : page.dossier_ids()) absl::StrAppend(&text, id, "\n");
    *out << text << std::flush;
  } while (!request.page_token().empty());
  if (json) return absl::StrCat(ToJson(all), "\n");
  return std::string();
}

absl::StatusOr<std::string> RecordGaps(Api& api, const std::string& round,
                                       const std::string& unit, bool json) {
  v1::ListRecordFindingsRequest request;
  request.set_parent(absl::StrCat("rounds/", round));
  request.set_unit(unit);
  request.set_page_size(10000);
  v1::ListRecordFindingsResponse all;
  do {
    ASSIGN_OR_RETURN(
        v1::ListRecordFindingsResponse page,
        api.Call(api.records(), &v1::RecordService::Stub::ListRecordFindings, request));
    for (const v1::RecordFinding& f : page.findings()) *all.add_findings() = f;
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  if (json) return absl::StrCat(ToJson(all), "\n");
  if (all.findings().empty())
    return absl::StrCat("no findings in the records of ", round, "\n");
  std::string out;
  std::string last_unit;
  for (const v1::RecordFinding& f : all.findings()) {
    if (f.unit() != last_unit) {
      absl::StrAppend(&out, "unit ", f.unit(), "\n");
      last_unit = f.unit();
    }
    absl::StrAppend(&out, "  ", f.dossier(), "  ", v1::RecordFinding::Kind_Name(f.kind()),
                    "  import #", f.import_id(), " line ", f.line(), ": ", f.message(),
                    "\n");
  }
  return out;
}

}  // namespace parindex::client
