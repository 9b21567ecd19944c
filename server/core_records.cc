// RecordCore: imports of dossier records, computed values, drill-down and findings.
#include "server/core_records.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "criteria/dossier_file.h"
#include "engine/records.h"
#include "server/computed_value.h"
#include "server/core_util.h"

namespace parindex::server {
namespace {

constexpr int kMaxErrors = 100;

std::string PeriodEnd(const engine::RecordPeriod& p) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", absl::FromUnixSeconds(p.end),
                          VietnamTime());
}

// An offset page token and a page size (default 1000, at most 10000).
absl::Status PageOf(int32_t page_size, const std::string& token, size_t total,
                    size_t* offset, size_t* size) {
  if (page_size < 0) return absl::InvalidArgumentError("page_size: must not be negative");
  *size = page_size == 0 ? 1000 : std::min(page_size, 10000);
  *offset = 0;
  if (!token.empty() && (!absl::SimpleAtoi(token, offset) || *offset > total))
    return absl::InvalidArgumentError("page_token: not a token from this list");
  return absl::OkStatus();
}

// Parsed rows handed from the thread that reads an import's messages to the one that
// writes them, a message's rows at a time, at most about a batch of rows waiting: the
// next batch is parsed while this one is written, and memory stays that of two.
class ParsedRows {
 public:
  explicit ParsedRows(size_t max_rows) : max_rows_(max_rows) {}

  // Reader: queues a message's rows, waiting while a batch's worth waits already.
  // False when the writer has stopped taking them.
  bool Put(std::vector<criteria::DossierRow> rows) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [&] { return stopped_ || waiting_ < max_rows_; });
    if (stopped_) return false;
    waiting_ += rows.size();
    chunks_.push_back(std::move(rows));
    changed_.notify_all();
    return true;
  }
  // Reader: no more rows; `status` is why (OK at the file's end).
  void Close(absl::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    status_ = std::move(status);
    changed_.notify_all();
  }
  // Writer: the next message's rows into `*rows`, waiting for them; false once the
  // reader closed and every row was taken (`status()` then says why it closed).
  bool Take(std::vector<criteria::DossierRow>* rows) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [&] { return closed_ || !chunks_.empty(); });
    if (chunks_.empty()) return false;
    *rows = std::move(chunks_.front());
    chunks_.pop_front();
    waiting_ -= rows->size();
    changed_.notify_all();
    return true;
  }
  absl::Status status() {
    std::lock_guard<std::mutex> lock(mu_);
    return status_;
  }
  // Writer: takes no more (the reader's next Put answers false).
  void Stop() {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    changed_.notify_all();
  }

 private:
  const size_t max_rows_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::vector<criteria::DossierRow>> chunks_;
  size_t waiting_ = 0;  // rows in chunks_
  bool closed_ = false, stopped_ = false;
  absl::Status status_;
};

}  // namespace

absl::StatusOr<v1::ImportDossiersResponse> RecordCore::ImportDossiers(
    const Caller& c, const v1::ImportDossiersRequest& first, const NextChunk& next) {
  ASSIGN_OR_RETURN(std::string round_id, ParseName(first.parent(), "rounds", "parent"));
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(round_id));
  RETURN_IF_ERROR(CanSee(c, round->round, round->units, "", Subject::kRound));
  RETURN_IF_ERROR(
      Allow(Verb::kImportRecords, c.role, round->round, nullptr, Now()).status());
  if (first.format() != v1::ImportDossiersRequest::CSV &&
      first.format() != v1::ImportDossiersRequest::JSON_LINES) {
    return absl::InvalidArgumentError("format: CSV or JSON_LINES");
  }
  if (first.format_version() != 0 && first.format_version() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("format_version: ", first.format_version(),
                     " is not a version of the format (1)"));
  }
  const bool csv = first.format() == v1::ImportDossiersRequest::CSV;
  std::string file_name = first.file_name();
  if (file_name.empty()) file_name = csv ? "dossiers.csv" : "dossiers.jsonl";
  RETURN_IF_ERROR(CheckText(file_name, "file_name"));

  store::RecordImport import;
  import.round = round_id;
  import.file_name = file_name;
  import.format = csv ? "csv" : "jsonl";
  import.scope = c.scope.empty() ? "*" : c.scope;
  store::WriteContext ctx = Ctx(c, first, "ImportDossiers", first.parent(), "");
  ctx.action = "value.from_records";

  v1::ImportDossiersResponse response;
  criteria::DossierFileReader reader(
      csv ? criteria::DossierFormat::kCsv : criteria::DossierFormat::kJsonLines,
      file_name);
  Sha256Stream sha;
  std::vector<criteria::DossierRow> rows;
  // Messages are read up to the end of the header before anything is stored: a file
  // whose header cannot be read, or an empty one, leaves no trace (not even an import
  // number).
  auto read_next = [&](v1::ImportDossiersRequest* message) -> absl::StatusOr<bool> {
    ASSIGN_OR_RETURN(bool more, next(message));
    if (more && !message->parent().empty() && message->parent() != first.parent()) {
      return absl::InvalidArgumentError(
          "parent: the messages of an import name its first message's round, or none");
    }
    return more;
  };
  // Broken CSV quoting after the header, in the messages read with it, stops the
  // import where it is, as it does further on: the rows before it are kept (`broken`
  // ends the reading below). In the header, it refuses the file.
  absl::Status broken;
  auto feed = [&](absl::string_view content) -> absl::Status {
    absl::Status fed = reader.Feed(content, &rows);
    if (fed.ok() || !reader.header_read()) return fed;
    broken = std::move(fed);
    return absl::OkStatus();
  };
  sha.Update(first.content());
  RETURN_IF_ERROR(feed(first.content()));
  bool ended = false;  // the file's last message was read here
  while (!reader.header_read()) {
    v1::ImportDossiersRequest message;
    ASSIGN_OR_RETURN(bool more, read_next(&message));
    if (!more) {
      ended = true;
      RETURN_IF_ERROR(reader.Finish(&rows));  // the header without a line break
      break;
    }
    sha.Update(message.content());
    RETURN_IF_ERROR(feed(message.content()));
  }
  ASSIGN_OR_RETURN(import.id, store_->BeginRecordImport(ctx, import));
  response.set_import_id(import.id);

  // Whether this import may change the dossiers of a unit: OK, or the refusal a row
  // of it gets (PERMISSION_DENIED out of scope, FAILED_PRECONDITION for a FINAL unit),
  // looked up once per unit.
  const bool may_be_final = round->round.phase() == v1::PHASE_FINAL_APPRAISAL;
  std::map<std::string, absl::Status> verdicts;
  auto judge = [&](const std::string& unit) -> absl::StatusOr<absl::Status> {
    auto it = verdicts.find(unit);
    if (it != verdicts.end()) return it->second;
    absl::Status verdict;
    if (round->units.count(unit) > 0) {
      if (NeedsUnits(c) && !InScope(c, round->units, unit)) {
        verdict = absl::PermissionDeniedError(
            absl::StrCat("unit ", unit, " is outside this account's scope ", c.scope));
      } else if (may_be_final) {
        ASSIGN_OR_RETURN(v1::Assessment a, store_->GetAssessment(round_id, unit));
        if (EffectiveState(round->round, a) == v1::STATE_FINAL) {
          verdict = absl::FailedPreconditionError(absl::StrCat(
              "unit ", unit,
              " is FINAL: its figures are final and its records no longer change"));
        }
      }
    } else if (NeedsUnits(c)) {
      absl::StatusOr<v1::Unit> found = store_->GetUnit(unit);
      if (!found.ok() && found.status().code() != absl::StatusCode::kNotFound)
        return found.status();
      verdict = CanImportRecordsOf(c, found.ok() ? &*found : nullptr, unit);
    }
    verdicts.emplace(unit, verdict);
    return verdict;
  };
  // A dossier stored under another unit than its row's moves only when this import may
  // change that unit's: checked in the merge's own transaction against `verdicts`; a
  // unit not looked up yet aborts the merge, is looked up, and the merge runs again.
  std::set<std::string> unknown;
  const store::StoredUnitCheck check = [&](const std::string& unit) -> absl::Status {
    auto it = verdicts.find(unit);
    if (it != verdicts.end()) return it->second;
    unknown.insert(unit);
    return absl::AbortedError(absl::StrCat("unit ", unit, ": not looked up yet"));
  };
  const bool guarded = NeedsUnits(c) || may_be_final;
  // Each unit of the round counted from the rows as they are sent: the figures of the
  // units the merge finds fresh (a first import), without reading them back.
  const engine::CompiledCriteriaSet& set = *round->set;
  const engine::RecordPeriod period = engine::PeriodOfYear(round->round.year());
  bool counting = engine::ComputesFromRecords(set);
  Builders sent;
  // Each unit met in the rows: whether this import may change its dossiers (judge),
  // and its builder in `sent` (a unit of the round); one lookup a row.
  struct UnitSeen {
    absl::Status verdict;
    engine::UnitRecordsBuilder* builder;
  };
  absl::flat_hash_map<std::string, UnitSeen> units_seen;
  std::vector<v1::Dossier> batch;
  std::set<std::string> changed_units;
  // The refused rows' errors, the first kMaxErrors, answered in line order (a row
  // refused by the merge is found after later rows).
  std::vector<std::pair<int64_t, std::string>> errors;
  auto refuse = [&](int64_t line, absl::string_view why) {
    ++import.rows_refused;
    if (errors.size() < static_cast<size_t>(kMaxErrors))
      errors.push_back({line, absl::StrCat(file_name, ":", line, ": ", why)});
  };
  // Rows are appended as they come, in batches; the merge at the end decides what each
  // id keeps (store::MergeDossiers).
  auto flush = [&]() -> absl::Status {
    if (batch.empty()) return absl::OkStatus();
    absl::Status status =
        store_->AppendDossiers(ctx, round_id, import.id, std::move(batch));
    batch.clear();  // moved from
    if (!status.ok()) counting = false;  // rows were counted that are not stored
    return status;
  };
  int64_t merged_as = 0;
  auto merge = [&]() -> absl::Status {
    for (int attempt = 0;; ++attempt) {
      unknown.clear();
      absl::StatusOr<store::DossierWrite> wrote =
          store_->MergeDossiers(ctx, round_id, import.id, guarded ? check : nullptr);
      if (!wrote.ok() && absl::IsAborted(wrote.status()) && !unknown.empty() &&
          attempt < 3) {
        for (const std::string& unit : unknown) RETURN_IF_ERROR(judge(unit).status());
        continue;
      }
      if (!wrote.ok()) return wrote.status();
      for (const auto& [line, why] : wrote->refused) {
        refuse(line, absl::StrCat("unit: ", why.message()));
      }
      import.rows_changed += wrote->changed;
      import.rows_unchanged += wrote->unchanged;
      changed_units.insert(wrote->units.begin(), wrote->units.end());
      merged_as = wrote->merged_as;
      for (auto it = sent.begin(); it != sent.end();) {
        it = wrote->fresh.count(it->first) > 0 ? std::next(it) : sent.erase(it);
      }
      return absl::OkStatus();
    }
  };
  auto take = [&]() -> absl::Status {
    for (criteria::DossierRow& row : rows) {
      ++import.rows_read;
      if (!row.dossier.has_value()) {
        refuse(row.line, row.error);
        continue;
      }
      const std::string& unit = row.dossier->unit();
      auto seen = units_seen.find(unit);
      if (seen == units_seen.end()) {
        ASSIGN_OR_RETURN(absl::Status allowed, judge(unit));
        engine::UnitRecordsBuilder* builder = nullptr;
        if (allowed.ok() && round->units.count(unit) > 0) {
          builder =
              &sent.emplace(unit, engine::UnitRecordsBuilder(set, period, true, false))
                   .first->second;
        }
        seen = units_seen.emplace(unit, UnitSeen{std::move(allowed), builder}).first;
      }
      if (!seen->second.verdict.ok()) {
        refuse(row.line, absl::StrCat("unit: ", seen->second.verdict.message()));
        continue;
      }
      if (counting && seen->second.builder != nullptr) {
        row.dossier->set_import_id(import.id);
        seen->second.builder->Add(*row.dossier);
      }
      batch.push_back(*std::move(row.dossier));
      if (batch.size() >= kBatchRows) RETURN_IF_ERROR(flush());
    }
    rows.clear();
    return absl::OkStatus();
  };

  // The rest of the file is read and parsed on a thread of its own while this one
  // checks and writes: the rows come in the file's order either way, and reading
  // stops at the first message that cannot be read or parsed, whose rows are left out.
  ParsedRows parsed(kBatchRows);
  std::thread reading([&] {
    if (ended || !broken.ok()) {  // the whole file was read above, or could not be
      parsed.Close(broken);
      return;
    }
    absl::Status status;
    for (;;) {
      v1::ImportDossiersRequest message;
      absl::StatusOr<bool> more = read_next(&message);
      if (!more.ok()) {
        status = more.status();
        break;
      }
      if (!*more) break;
      sha.Update(message.content());
      std::vector<criteria::DossierRow> more_rows;
      status = reader.Feed(message.content(), &more_rows);
      // The rows before a line that cannot be read are kept, whichever message holds
      // them.
      if (!parsed.Put(std::move(more_rows))) return;
      if (!status.ok()) break;
    }
    if (status.ok()) {
      std::vector<criteria::DossierRow> last;
      status = reader.Finish(&last);
      if (status.ok() && !parsed.Put(std::move(last))) return;
    }
    parsed.Close(std::move(status));
  });
  absl::Status failure = take();
  while (failure.ok() && parsed.Take(&rows)) failure = take();
  if (failure.ok()) failure = parsed.status();
  // A write that failed stops the reading (after the message it is reading).
  parsed.Stop();
  reading.join();
  absl::Status flushed = flush();
  if (failure.ok()) failure = flushed;
  // What was appended is merged, even after a failure (the rows stored before it are
  // kept); a merge that fails leaves the import unread.
  RETURN_IF_ERROR(merge());

  std::stable_sort(errors.begin(), errors.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [line, text] : errors) response.add_errors(std::move(text));
  import.complete = failure.ok();
  import.sha256 = sha.Hex();
  response.set_sha256(import.sha256);
  response.set_rows_read(import.rows_read);
  response.set_rows_refused(import.rows_refused);
  response.set_rows_changed(import.rows_changed);
  response.set_rows_unchanged(import.rows_unchanged);
  if (!counting) sent.clear();
  ASSIGN_OR_RETURN(std::vector<std::string> written,
                   FinishImport(c, *round, import, changed_units, &response,
                                std::move(sent), counting ? merged_as : 0));
  for (const std::string& unit : written) response.add_units_updated(unit);
  if (!failure.ok()) {
    const int64_t kept = import.rows_changed + import.rows_unchanged;
    return absl::Status(failure.code(),
                        absl::StrCat(failure.message(), " (import ", import.id,
                                     " kept the ", kept, kept == 1 ? " row" : " rows",
                                     " stored before; run it again to complete it)"));
  }
  return response;
}

absl::StatusOr<std::map<int64_t, std::string>> RecordCore::ImportScopes(
    const std::string& round_id) {
  ASSIGN_OR_RETURN(std::vector<store::RecordImport> imports,
                   store_->ListRecordImports(round_id));
  std::map<int64_t, std::string> scopes;
  for (const store::RecordImport& i : imports) scopes[i.id] = i.scope;
  return scopes;
}

absl::StatusOr<std::vector<std::pair<std::string, store::FormUpdate>>>
RecordCore::ChangedValues(const Caller& c, const RoundContext& round,
                          const std::set<std::string>& units, int64_t import_id,
                          int64_t* findings, std::vector<std::string>* locked,
                          Builders* known) {
  const engine::CompiledCriteriaSet& set = *round.set;
  const engine::RecordPeriod period = engine::PeriodOfYear(round.round.year());
  const std::string now =
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", Now(), absl::UTCTimeZone());
  const std::string& round_id = round.round.id();
  std::vector<std::pair<std::string, store::FormUpdate>> forms;
  // The findings of a unit not in the round (a unit code the round does not have, and
  // the rest) count as the caller may list them, by the scope of the import that
  // brought each dossier: a province's import does not count the findings of dossiers
  // the national office imported.
  std::map<int64_t, std::string> scope_of;
  for (const std::string& unit : units) {
    if (round.units.count(unit) == 0) {
      ASSIGN_OR_RETURN(scope_of, ImportScopes(round_id));
      break;
    }
  }
  Builders builders;              // the units in the round
  std::set<std::string> to_read;  // the units whose dossiers are read
  for (const std::string& unit : units) {
    const bool in_round = round.units.count(unit) > 0;
    if (in_round && known != nullptr) {
      auto given = known->find(unit);
      if (given != known->end()) {
        builders.emplace(unit, std::move(given->second));
        continue;
      }
    }
    if (in_round)
      builders.emplace(unit, engine::UnitRecordsBuilder(set, period, true, false));
    to_read.insert(unit);
  }
  auto take = [&](const std::string& unit, const v1::Dossier& d) {
    if (to_read.count(unit) == 0) return;
    auto it = builders.find(unit);
    if (it != builders.end()) {
      it->second.Add(d);
    } else if (round.units.count(unit) == 0 &&
               CanSeeRecordFinding(c, round.units, unit, scope_of[d.import_id()])) {
      *findings += static_cast<int64_t>(engine::FindingsOf(d, period, false).size());
    }
  };
  // Many units (an import's end) from one read of the round's dossiers; a few, unit by
  // unit.
  if (to_read.size() > kUnitsReadOneByOne) {
    RETURN_IF_ERROR(store_->ScanDossiers(round_id, take));
  } else {
    for (const std::string& unit : to_read) {
      ASSIGN_OR_RETURN(std::vector<v1::Dossier> dossiers,
                       store_->ListDossiers(round_id, unit));
      for (const v1::Dossier& d : dossiers) take(unit, d);
    }
  }
  for (auto& [unit, builder] : builders) {
    const engine::UnitRecords records = std::move(builder).Finish();
    *findings += static_cast<int64_t>(records.findings.size());
    if (records.values.empty()) continue;
    ASSIGN_OR_RETURN(v1::Assessment a, store_->GetAssessment(round_id, unit));
    store::FormUpdate form;
    for (const engine::ComputedValue& computed : records.values) {
      const std::string& code = set.elements()[computed.element].code;
      const v1::DataValue* stored = FindValue(a, code);
      // The same figure from as many dossiers stays as it is, with its provenance and
      // version: an import that changes no count changes no value (nor its etag).
      if (stored != nullptr && stored->has_self() && stored->self().has_from_records() &&
          stored->self().count() == computed.count &&
          stored->self().from_records().dossiers() == records.dossiers_read) {
        continue;
      }
      v1::RecordsProvenance* from =
          PutComputedCount(stored, code, computed.count, &form)->mutable_from_records();
      from->set_dossiers(records.dossiers_read);
      // The import that changed the figure: the latest of the unit's dossiers, or the
      // one at hand when later (a unit whose dossiers moved away, or that has none).
      from->set_import_id(std::max(records.latest_import, import_id));
      from->set_computed_at(now);
      from->set_period_end(PeriodEnd(period));
    }
    if (form.values.empty()) continue;
    // A FINAL unit's figures stay what they were finalised with (its records cannot
    // change: ImportDossiers refuses them; this is a unit that had none).
    if (EffectiveState(round.round, a) == v1::STATE_FINAL) {
      locked->push_back(unit);
      continue;
    }
    forms.push_back({unit, std::move(form)});
  }
  return forms;
}

absl::Status RecordCore::AddUnitsWithoutDossiers(const Caller& c,
                                                 const RoundContext& round,
                                                 std::set<std::string>* units) {
  if (!engine::ComputesFromRecords(*round.set)) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<std::string> with,
                   store_->ListDossierUnits(round.round.id()));
  const std::set<std::string> have(with.begin(), with.end());
  for (const auto& [code, unit] : round.units) {
    if (have.count(code) == 0 && InScope(c, round.units, code)) units->insert(code);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> RecordCore::FinishImport(
    const Caller& c, const RoundContext& round, store::RecordImport import,
    const std::set<std::string>& units, v1::ImportDossiersResponse* response,
    Builders sent, int64_t merged_as) {
  store::WriteContext ctx = Ctx(c, v1::ImportDossiersRequest(), "ImportDossiers",
                                absl::StrCat("rounds/", import.round), "");
  ctx.action = "value.from_records";
  // The units of the round in the importer's scope that have no dossiers count zero
  // from the records (not a figure left to type): "from records: 0 dossiers".
  const engine::RecordPeriod period = engine::PeriodOfYear(round.round.year());
  // A value written between the read and the write (an appraiser's), or another
  // import's merge since this one's, makes the write stale: read again and retry
  // (which units have no dossiers too: another import may have given them some).
  for (int attempt = 0;; ++attempt) {
    const bool from_sent = attempt == 0 && merged_as > 0;
    std::set<std::string> none;  // as they have no dossiers, none to read
    RETURN_IF_ERROR(AddUnitsWithoutDossiers(c, round, &none));
    std::set<std::string> all = units;
    all.insert(none.begin(), none.end());
    for (const std::string& unit : none) {
      if (from_sent)
        sent.emplace(unit, engine::UnitRecordsBuilder(*round.set, period, true, false));
    }
    int64_t findings = 0;
    std::vector<std::string> locked;
    ASSIGN_OR_RETURN(auto forms, ChangedValues(c, round, all, import.id, &findings,
                                               &locked, from_sent ? &sent : nullptr));
    absl::StatusOr<v1::WriteAck> ack =
        store_->FinishRecordImport(ctx, import, forms, from_sent ? merged_as : 0);
    if (!ack.ok() && ack.status().code() == absl::StatusCode::kAborted && attempt < 3)
      continue;
    if (!ack.ok()) return ack.status();
    std::vector<std::string> written;
    for (const auto& [unit, form] : forms) {
      cache_->Changed(import.round, unit);
      written.push_back(unit);
    }
    response->set_findings(findings);
    for (const std::string& unit : locked) {
      response->add_errors(absl::StrCat(
          "unit ", unit, " is FINAL: its computed values were left as they were"));
    }
    return written;
  }
}

absl::StatusOr<int> RecordCore::Recompute(const Caller& c, const std::string& round_id) {
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(round_id));
  RETURN_IF_ERROR(CanSee(c, round->round, round->units, "", Subject::kRound));
  RETURN_IF_ERROR(
      Allow(Verb::kImportRecords, c.role, round->round, nullptr, Now()).status());
  ASSIGN_OR_RETURN(std::vector<std::string> all, store_->ListDossierUnits(round_id));
  std::set<std::string> units;
  for (const std::string& unit : all) {
    if (round->units.count(unit) > 0 && InScope(c, round->units, unit))
      units.insert(unit);
  }
  // Once the round has records, its units without any count zero (FinishImport).
  ASSIGN_OR_RETURN(std::vector<store::RecordImport> imports,
                   store_->ListRecordImports(round_id));
  const int64_t last_import = imports.empty() ? 0 : imports.back().id;
  if (last_import > 0) RETURN_IF_ERROR(AddUnitsWithoutDossiers(c, *round, &units));
  store::WriteContext ctx = Ctx(c, v1::ImportDossiersRequest(), "Recompute",
                                absl::StrCat("rounds/", round_id), "");
  ctx.action = "value.from_records";
  for (int attempt = 0;; ++attempt) {
    int64_t findings = 0;
    std::vector<std::string> locked;
    ASSIGN_OR_RETURN(auto forms, ChangedValues(c, *round, units, last_import, &findings,
                                               &locked, nullptr));
    if (forms.empty()) return 0;
    absl::StatusOr<v1::WriteAck> ack = store_->UpdateUnitsEntries(ctx, round_id, forms);
    if (!ack.ok() && ack.status().code() == absl::StatusCode::kAborted && attempt < 3)
      continue;
    if (!ack.ok()) return ack.status();
    for (const auto& [unit, form] : forms) cache_->Changed(round_id, unit);
    return static_cast<int>(forms.size());
  }
}

absl::StatusOr<v1::FigureDossiers> RecordCore::ExplainFigure(
    const Caller& c, const v1::ExplainFigureRequest& r) {
  ASSIGN_OR_RETURN(auto name, ParseAssessmentName(r.parent(), "parent"));
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(name.first));
  RETURN_IF_ERROR(CheckUnit(c, *round, name.second, Subject::kForm));
  const engine::CompiledCriteriaSet& set = *round->set;
  const int e = set.FindElement(r.element());
  if (e < 0 || set.elements()[e].declared == nullptr ||
      !set.elements()[e].declared->has_from_records()) {
    std::vector<std::string> computed;
    for (const engine::Element& element : set.elements()) {
      if (element.declared != nullptr && element.declared->has_from_records())
        computed.push_back(element.code);
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "element: '", r.element(), "' is not computed from dossier records in ",
        round->round.criteria_set(), " (those that are: ",
        computed.empty() ? "none" : absl::StrJoin(computed, ", "), ")"));
  }
  const engine::Element& element = set.elements()[e];
  const engine::RecordPeriod period = engine::PeriodOfYear(round->round.year());
  ASSIGN_OR_RETURN(std::vector<v1::Dossier> dossiers,
                   store_->ListDossiers(name.first, name.second));
  engine::UnitRecords records =
      engine::ComputeUnitRecords(set, dossiers, period, true, true);
  const engine::ComputedValue* value = nullptr;
  for (const engine::ComputedValue& v : records.values) {
    if (v.element == e) value = &v;
  }
  v1::FigureDossiers out;
  out.set_element(element.code);
  out.set_label(element.label());
  out.set_count(value->count);
  out.set_definition(engine::DescribeCount(element.declared->from_records(), period));
  ASSIGN_OR_RETURN(v1::Assessment a, store_->GetAssessment(name.first, name.second));
  const v1::DataValue* stored = FindValue(a, element.code);
  if (stored != nullptr && stored->self().has_from_records()) {
    *out.mutable_provenance() = stored->self().from_records();
  } else {
    out.mutable_provenance()->set_dossiers(records.dossiers_read);
    out.mutable_provenance()->set_import_id(records.latest_import);
    out.mutable_provenance()->set_period_end(PeriodEnd(period));
  }
  // Keyset pages: a page token is the last id of the page before; the next page starts
  // after it, so that pages stay right while records change between them.
  if (r.page_size() < 0)
    return absl::InvalidArgumentError("page_size: must not be negative");
  const size_t size = r.page_size() == 0 ? 1000 : std::min(r.page_size(), 10000);
  const std::vector<std::string>& ids = value->dossier_ids;
  auto from = ids.begin();
  if (!r.page_token().empty()) {
    RETURN_IF_ERROR(CheckText(r.page_token(), "page_token"));
    from = std::upper_bound(ids.begin(), ids.end(), r.page_token());
  }
  const auto to =
      ids.end() - from > static_cast<std::ptrdiff_t>(size) ? from + size : ids.end();
  for (auto it = from; it != to; ++it) out.add_dossier_ids(*it);
  if (to != ids.end()) out.set_next_page_token(*(to - 1));
  return out;
}

absl::StatusOr<v1::ListRecordFindingsResponse> RecordCore::ListRecordFindings(
    const Caller& c, const v1::ListRecordFindingsRequest& r) {
  ASSIGN_OR_RETURN(std::string round_id, ParseName(r.parent(), "rounds", "parent"));
  ASSIGN_OR_RETURN(auto round, cache_->LoadRound(round_id));
  RETURN_IF_ERROR(CanSee(c, round->round, round->units, "", Subject::kRound));
  std::vector<std::string> units;
  if (!r.unit().empty()) {
    if (round->units.count(r.unit()) > 0) {
      RETURN_IF_ERROR(CheckUnit(c, *round, r.unit(), Subject::kForm));
    } else if (c.role == v1::ROLE_WARD) {
      // A ward's findings are its own unit's: another code, in the round or not, is
      // refused as another unit's form is (not answered with an empty list).
      RETURN_IF_ERROR(CanSee(c, round->round, round->units, r.unit(), Subject::kForm));
    }
    units.push_back(r.unit());
  } else {
    ASSIGN_OR_RETURN(units, store_->ListDossierUnits(round_id));
  }
  ASSIGN_OR_RETURN(auto scope_of, ImportScopes(round_id));
  const engine::RecordPeriod period = engine::PeriodOfYear(round->round.year());
  std::vector<v1::RecordFinding> all;
  for (const std::string& unit : units) {
    const bool in_round = round->units.count(unit) > 0;
    if (in_round && !InScope(c, round->units, unit)) continue;
    if (!in_round && c.role == v1::ROLE_WARD) continue;
    ASSIGN_OR_RETURN(std::vector<v1::Dossier> dossiers,
                     store_->ListDossiers(round_id, unit));
    for (const v1::Dossier& d : dossiers) {
      if (!in_round &&
          !CanSeeRecordFinding(c, round->units, unit, scope_of[d.import_id()])) {
        continue;
      }
      for (v1::RecordFinding& f : engine::FindingsOf(d, period, in_round))
        all.push_back(std::move(f));
    }
  }
  v1::ListRecordFindingsResponse out;
  size_t offset = 0, size = 0;
  RETURN_IF_ERROR(PageOf(r.page_size(), r.page_token(), all.size(), &offset, &size));
  for (size_t i = offset; i < all.size() && i < offset + size; ++i)
    *out.add_findings() = std::move(all[i]);
  if (offset + size < all.size()) out.set_next_page_token(absl::StrCat(offset + size));
  return out;
}

}  // namespace parindex::server
