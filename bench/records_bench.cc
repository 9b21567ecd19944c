// Dossier records at national scale (README: "Dossier records"; results in
// bench/README.md). A seeded generator writes realistic records as CSV, a chunk at a
// time: for the parse and bare passes as they go; for the import, into a file first
// (dir/records_bench.csv, deleted after), sent 1 MiB a message as a province's export
// would be (so that the client's generating is not timed as the server's work). The
// bench measures, in one run:
//   - parse: the CSV reader alone (rows/s);
//   - bare: the same rows inserted into SQLite into a table of the store's own layout
//     (key, index, page cache), the way a store at its fastest would: one prepared
//     INSERT of 128 rows at a time, a transaction per batch of the import's size
//     (RecordCore::kBatchRows; the floor);
//   - import: RecordService's import through the Core on a real SqlStore file: read,
//     check, upsert, then compute every unit's figures and write them (rows/s end to
//     end, and its ratio to bare);
//   - reimport (with RECORDS_BENCH_REIMPORT set): the same file again (nothing changes);
//   - recompute: every unit's figures again from the stored records (nothing changes);
//   - one dossier: a one-row file that changes one dossier (its unit recomputed);
//   - why: every page of ExplainFigure for one unit's figure (ms a page);
//   - peak memory (ru_maxrss) after the import.
// Usage: records_bench [rows=1000000] [units=3321] [dir=/tmp] [nobare|bareonly]
// (nobare: the import alone, for the national year: 33,000,000 rows; bareonly: parse
// and bare alone, with RECORDS_BENCH_BARE_LAYOUT below.)
#include <sqlite3.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "criteria/dossier_file.h"
#include "server/core.h"
#include "server/store/sql_store.h"

namespace parindex {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

long PeakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

// Records of a national year, a chunk of CSV at a time, the same for the same seed:
// ~75 % online (40 % fully, 35 % partly), ~3 % resolved late, ~2 % withdrawn, and the
// last weeks' dossiers partly still in process at the year's end.
class Generator {
 public:
  Generator(int64_t rows, int units, uint64_t seed)
      : rows_(rows), units_(units), rng_(seed) {}

  // The next chunk of about `bytes`; empty at the end. The first starts with the header.
  std::string Next(size_t bytes = 1 << 20) {
    std::string out;
    if (row_ == 0 && !header_done_) {
      out =
          "dossier_id,procedure_code,procedure_level,unit,received_at,due_at,"
          "resolved_at,result,channel,via_national_portal,result_digitised,"
          "digitally_signed,paid_online,satisfaction,apology_issued\n";
      header_done_ = true;
    }
    std::uniform_int_distribution<int> unit(1, units_), minute(0, 365 * 24 * 60 - 1),
        days(2, 15), percent(0, 99), early(0, 2 * 24 * 60), late(1, 10 * 24 * 60),
        procedure(1, 400);
    static const char* kChannels[] = {"fully_online", "online_partial", "in_person"};
    while (row_ < rows_ && out.size() < bytes) {
      const int64_t received = kYearStart + int64_t{minute(rng_)} * 60;
      const int64_t due = received + int64_t{days(rng_)} * 86400;
      const int p = percent(rng_);
      const char* channel = kChannels[p < 40 ? 0 : p < 75 ? 1 : 2];
      int64_t resolved = 0;
      const char* result = "";
      const int fate = percent(rng_);
      if (fate < 3) {
        resolved = due + int64_t{late(rng_)} * 60;
        result = "approved";
      } else if (fate < 5) {
        resolved = received + 3600;
        result = "withdrawn";
      } else {
        resolved = due - int64_t{early(rng_)} * 60;
        result = fate < 8 ? "refused" : "approved";
      }
      // Still in process: dossiers not resolved before the year's end stay so.
      const bool open = resolved >= kYearEnd && percent(rng_) < 50;
      const bool online = p < 75;
      absl::StrAppend(
          &out, "H", absl::Dec(row_, absl::kZeroPad10), ",1.", procedure(rng_),
          ",commune,U", absl::Dec(unit(rng_), absl::kZeroPad4), ",", Time(received), ",",
          Time(due), ",", open ? "" : Time(resolved), ",", open ? "" : result, ",",
          channel, ",", online ? "yes" : "no", ",", p % 3 == 0 ? "yes" : "no", ",",
          p % 3 == 0 ? "yes" : "no", ",", online && p % 2 == 0 ? "yes" : "no", ",",
          p % 5 == 0 ? "satisfied" : "", ",", fate < 2 ? "yes" : "no", "\n");
      ++row_;
    }
    return out;
  }

  int64_t rows_done() const { return row_; }

  static constexpr int64_t kYearStart = 1672506000;  // 2023-01-01 00:00 +07:00
  static constexpr int64_t kYearEnd = 1704042000;    // 2024-01-01 00:00 +07:00

 private:
  static std::string Time(int64_t t) {
    const int64_t local = t + 7 * 3600;
    const absl::CivilSecond c =
        absl::ToCivilSecond(absl::FromUnixSeconds(local), absl::UTCTimeZone());
    return absl::StrFormat("%04d-%02d-%02d %02d:%02d", c.year(), c.month(), c.day(),
                           c.hour(), c.minute());
  }

  int64_t rows_;
  int units_;
  std::mt19937_64 rng_;
  int64_t row_ = 0;
  bool header_done_ = false;
};

constexpr uint64_t kSeed = 2023;

// The page cache of the bare baseline and of the store's writer: the store's default
// unless RECORDS_BENCH_CACHE_MB says otherwise.
int64_t CacheMib() {
  const char* mb = std::getenv("RECORDS_BENCH_CACHE_MB");
  int64_t value = store::StoreOptions().writer_cache_mib;
  if (mb != nullptr) absl::SimpleAtoi(mb, &value);
  return value;
}

constexpr int kRowsPerInsert = 128;

// The generated records written to `path` once, as the file a province's system
// exports, so that the import is timed sending a file (not generating it: the client's
// work, on another machine in use).
bool WriteRecordsFile(const std::string& path, int64_t rows, int units) {
  std::FILE* out = std::fopen(path.c_str(), "wb");
  if (out == nullptr) return false;
  Generator gen(rows, units, kSeed);
  bool ok = true;
  for (std::string chunk = gen.Next(); ok && !chunk.empty(); chunk = gen.Next())
    ok = std::fwrite(chunk.data(), 1, chunk.size(), out) == chunk.size();
  return std::fclose(out) == 0 && ok;
}

// A file sent 1 MiB a message, counting its rows as it goes (lines after the header).
class FileChunks {
 public:
  explicit FileChunks(const std::string& path) : in_(std::fopen(path.c_str(), "rb")) {}
  ~FileChunks() {
    if (in_ != nullptr) std::fclose(in_);
  }
  std::string Next() {
    std::string chunk(1 << 20, '\0');
    const size_t n = in_ != nullptr ? std::fread(chunk.data(), 1, chunk.size(), in_) : 0;
    chunk.resize(n);
    lines_ += std::count(chunk.begin(), chunk.end(), '\n');
    return chunk;
  }
  int64_t rows_done() const { return lines_ > 0 ? lines_ - 1 : 0; }

 private:
  std::FILE* in_;
  int64_t lines_ = 0;
};

int Run(int64_t rows, int units, const std::string& dir, bool bare, bool import) {
  std::filesystem::create_directories(dir);
  // ---- parse alone, then bare SQLite with the parsed rows, a batch at a time ----
  double parse_s = 0, bare_s = 0;
  if (bare) {
    const std::string bare_path = dir + "/records_bench_bare.db";
    std::filesystem::remove(bare_path);
    std::filesystem::remove(bare_path + "-wal");
    sqlite3* db = nullptr;
    sqlite3_open(bare_path.c_str(), &db);
    sqlite3_exec(db, absl::StrCat("PRAGMA cache_size = -", CacheMib() * 1024).c_str(),
                 nullptr, nullptr, nullptr);
    sqlite3_exec(db,
                 absl::StrCat("PRAGMA wal_autocheckpoint = ",
                              store::StoreOptions().wal_autocheckpoint_pages)
                     .c_str(),
                 nullptr, nullptr, nullptr);
    // RECORDS_BENCH_BARE_LAYOUT: `store` (the default: the store's own layout, schema
    // 13: rows appended batch by batch to `dossier_rows`, keyed (round, import, seq),
    // each batch's rows unit by unit with a row per unit in `dossier_runs` naming its
    // run of seq, then the order by id filled by one sorted INSERT, as an import's
    // merge does when every id is new), `byunit` (schema 12: rows in the file's order,
    // and the order by unit a table of its own, filled by a second sorted INSERT),
    // `unitrows` (rows keyed (round, unit, import, seq): each batch written at 3,321
    // places of the table, and the order by id), `clustered` (the layout
    // before schema 12: one table keyed (round, unit, id) and a unique index on (round,
    // id), written batch by batch), `append` (the same columns in a table with no key
    // and no index: rows appended in the file's order, the ceiling of any layout on
    // this disk), `append-id` (that, with the unique index on the id that a re-import
    // needs to find a dossier again), `append-id-unit` (and an index on the unit, to
    // read a unit's dossiers), or one of three that write in the file's order and put
    // the rows in order once, at the end, with SQLite's sorter (timed with the
    // inserts):
    //   `staged`: rows appended to a table of their own (`staging`), then sorted into
    //     the clustered layout by one INSERT ... SELECT ... ORDER BY;
    //   `split`: the same, but the id's order is a table of its own (`dossier_ids`,
    //     keyed by (round, id), naming the unit) instead of an index, filled by a
    //     second sorted INSERT; `staging` is a TEMP table (not in the WAL) and the
    //     sorter has a second thread (`PRAGMA threads = 2`);
    //   `fileorder`: rows stay where they were appended (`dossiers`, a rowid table),
    //     and both orders are slim tables naming a row by its rowid (`by_unit`, keyed
    //     (round, unit, id); `by_id`, keyed (round, id)), each filled by one sorted
    //     INSERT, with the sorter's second thread.
    const char* layout_env = std::getenv("RECORDS_BENCH_BARE_LAYOUT");
    const std::string layout = layout_env != nullptr ? layout_env : "store";
    const std::string columns =
        "round_id TEXT NOT NULL, unit_code TEXT NOT NULL, "
        "dossier_id TEXT NOT NULL, import_id INTEGER NOT NULL, line INTEGER NOT "
        "NULL, conflict INTEGER NOT NULL, moved_from TEXT, body BLOB NOT NULL";
    const std::string store_table = absl::StrCat(
        "CREATE TABLE dossiers (", columns,
        ", PRIMARY KEY (round_id, unit_code, dossier_id)) STRICT, WITHOUT ROWID;");
    const std::string append_table =
        absl::StrCat("CREATE TABLE dossiers (", columns, ") STRICT;");
    const std::string id_index =
        "CREATE UNIQUE INDEX dossiers_by_id ON dossiers(round_id, dossier_id);";
    // Each layout: its tables, and the statements that sort the rows into place.
    struct Layout {
      std::string schema;
      std::vector<std::string> sort;
      bool rows12 = false;  // rows go to schema 12's `dossier_rows`, numbered by seq
      bool runs = false;    // and a batch's rows unit by unit, each unit's a run
    };
    const std::string rows_and_ids =
        "CREATE TABLE dossier_rows (round_id TEXT NOT NULL, import_id INTEGER NOT "
        "NULL, seq INTEGER NOT NULL, dossier_id TEXT NOT NULL, unit_code TEXT NOT "
        "NULL, line INTEGER NOT NULL, conflict INTEGER NOT NULL, body BLOB NOT NULL, "
        "PRIMARY KEY (round_id, import_id, seq)) STRICT, WITHOUT ROWID;"
        "CREATE TABLE dossiers (round_id TEXT NOT NULL, dossier_id TEXT NOT NULL, "
        "unit_code TEXT NOT NULL, import_id INTEGER NOT NULL, seq INTEGER NOT NULL, "
        "PRIMARY KEY (round_id, dossier_id)) STRICT, WITHOUT ROWID;";
    const std::string by_id_sort =
        "INSERT INTO dossiers SELECT round_id, dossier_id, unit_code, import_id, seq "
        "FROM dossier_rows WHERE round_id = 'r' AND import_id = 1 ORDER BY dossier_id";
    const std::map<std::string, Layout> layouts = {
        {"store",
         {rows_and_ids +
              "CREATE TABLE dossier_runs (round_id TEXT NOT NULL, unit_code TEXT NOT "
              "NULL, import_id INTEGER NOT NULL, first_seq INTEGER NOT NULL, last_seq "
              "INTEGER NOT NULL, PRIMARY KEY (round_id, unit_code, import_id, "
              "first_seq)) STRICT, WITHOUT ROWID;",
          {by_id_sort},
          true,
          true}},
        {"byunit",
         {"CREATE TABLE dossier_rows (round_id TEXT NOT NULL, import_id INTEGER NOT "
          "NULL, seq INTEGER NOT NULL, dossier_id TEXT NOT NULL, unit_code TEXT NOT "
          "NULL, line INTEGER NOT NULL, conflict INTEGER NOT NULL, body BLOB NOT NULL, "
          "PRIMARY KEY (round_id, import_id, seq)) STRICT, WITHOUT ROWID;"
          "CREATE TABLE dossiers (round_id TEXT NOT NULL, dossier_id TEXT NOT NULL, "
          "unit_code TEXT NOT NULL, import_id INTEGER NOT NULL, seq INTEGER NOT NULL, "
          "PRIMARY KEY (round_id, dossier_id)) STRICT, WITHOUT ROWID;"
          "CREATE TABLE dossiers_by_unit (round_id TEXT NOT NULL, unit_code TEXT NOT "
          "NULL, dossier_id TEXT NOT NULL, import_id INTEGER NOT NULL, seq INTEGER NOT "
          "NULL, PRIMARY KEY (round_id, unit_code, dossier_id)) STRICT, WITHOUT ROWID;",
          {"INSERT INTO dossiers SELECT round_id, dossier_id, unit_code, import_id, seq "
           "FROM dossier_rows WHERE round_id = 'r' AND import_id = 1 ORDER BY "
           "dossier_id",
           "INSERT INTO dossiers_by_unit SELECT round_id, unit_code, dossier_id, "
           "import_id, seq FROM dossier_rows WHERE round_id = 'r' AND import_id = 1 "
           "ORDER BY unit_code, dossier_id"},
          true}},
        {"unitrows",
         {"CREATE TABLE dossier_rows (round_id TEXT NOT NULL, import_id INTEGER NOT "
          "NULL, seq INTEGER NOT NULL, dossier_id TEXT NOT NULL, unit_code TEXT NOT "
          "NULL, line INTEGER NOT NULL, conflict INTEGER NOT NULL, body BLOB NOT NULL, "
          "PRIMARY KEY (round_id, unit_code, import_id, seq)) STRICT, WITHOUT ROWID;"
          "CREATE TABLE dossiers (round_id TEXT NOT NULL, dossier_id TEXT NOT NULL, "
          "unit_code TEXT NOT NULL, import_id INTEGER NOT NULL, seq INTEGER NOT NULL, "
          "PRIMARY KEY (round_id, dossier_id)) STRICT, WITHOUT ROWID;",
          {"INSERT INTO dossiers SELECT round_id, dossier_id, unit_code, import_id, seq "
           "FROM dossier_rows WHERE round_id = 'r' AND import_id = 1 ORDER BY "
           "dossier_id"},
          true}},
        {"clustered", {store_table + id_index, {}}},
        {"append", {append_table, {}}},
        {"append-id", {append_table + id_index, {}}},
        {"append-id-unit",
         {append_table + id_index +
              "CREATE INDEX dossiers_by_unit ON dossiers(round_id, unit_code);",
          {}}},
        {"staged",
         {store_table + id_index +
              absl::StrCat("CREATE TABLE staging (", columns, ") STRICT;"),
          {"INSERT INTO dossiers SELECT * FROM staging ORDER BY round_id, unit_code, "
           "dossier_id",
           "DELETE FROM staging"}}},
        {"split",
         {store_table +
              "CREATE TABLE dossier_ids (round_id TEXT NOT NULL, dossier_id TEXT NOT "
              "NULL, unit_code TEXT NOT NULL, PRIMARY KEY (round_id, dossier_id)) "
              "STRICT, WITHOUT ROWID;" +
              absl::StrCat("CREATE TEMP TABLE staging (", columns, ");"),
          {"INSERT INTO dossiers SELECT * FROM staging ORDER BY round_id, unit_code, "
           "dossier_id",
           "INSERT INTO dossier_ids SELECT round_id, dossier_id, unit_code FROM staging "
           "ORDER BY round_id, dossier_id",
           "DELETE FROM staging"}}},
        {"fileorder",
         {append_table +
              "CREATE TABLE by_unit (round_id TEXT NOT NULL, unit_code TEXT NOT NULL, "
              "dossier_id TEXT NOT NULL, row INTEGER NOT NULL, PRIMARY KEY (round_id, "
              "unit_code, dossier_id)) STRICT, WITHOUT ROWID;"
              "CREATE TABLE by_id (round_id TEXT NOT NULL, dossier_id TEXT NOT NULL, "
              "row INTEGER NOT NULL, PRIMARY KEY (round_id, dossier_id)) STRICT, "
              "WITHOUT ROWID;",
          {"INSERT INTO by_unit SELECT round_id, unit_code, dossier_id, rowid FROM "
           "dossiers ORDER BY 1, 2, 3",
           "INSERT INTO by_id SELECT round_id, dossier_id, rowid FROM dossiers ORDER BY "
           "1, 2"}}},
    };
    const auto chosen = layouts.find(layout);
    if (chosen == layouts.end()) {
      std::fprintf(
          stderr,
          "RECORDS_BENCH_BARE_LAYOUT: store, byunit, unitrows, clustered, append, "
          "append-id, "
          "append-id-unit, staged, split or fileorder\n");
      return 2;
    }
    const bool staged = absl::StrContains(chosen->second.schema, "TABLE staging");
    if (layout == "store" || layout == "byunit" || layout == "unitrows" ||
        layout == "split" || layout == "fileorder")
      sqlite3_exec(db, "PRAGMA threads = 2", nullptr, nullptr, nullptr);  // as the store
    const bool rows12 = chosen->second.rows12;
    const bool runs = chosen->second.runs;
    sqlite3_stmt* put_run = nullptr;
    if (runs) {
      sqlite3_prepare_v2(db, "INSERT INTO dossier_runs VALUES ('r', ?, 1, ?, ?)", -1,
                         &put_run, nullptr);
    }
    const std::string& schema = chosen->second.schema;
    std::printf("bare layout: %s\n", layout.c_str());
    sqlite3_exec(
        db,
        absl::StrCat("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;", schema)
            .c_str(),
        nullptr, nullptr, nullptr);
    const int params = rows12 ? 5 : 4;  // a row's: unit, id, line, body (and seq)
    auto prepare = [&](int rows) {
      std::string sql = rows12   ? "INSERT INTO dossier_rows VALUES "
                        : staged ? "INSERT INTO staging VALUES "
                                 : "INSERT INTO dossiers VALUES ";
      for (int i = 0; i < rows; ++i) {
        const int p = i * params;
        if (rows12) {
          absl::StrAppend(&sql, i ? "," : "", "('r', 1, ?", p + 5, ", ?", p + 2, ", ?",
                          p + 1, ", ?", p + 3, ", 0, ?", p + 4, ")");
        } else {
          absl::StrAppend(&sql, i ? "," : "", "('r', ?, ?, 1, ?, 0, NULL, ?)");
        }
      }
      sqlite3_stmt* stmt = nullptr;
      sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
      return stmt;
    };
    sqlite3_stmt* many = prepare(kRowsPerInsert);
    sqlite3_stmt* one = prepare(1);
    Generator gen(rows, units, kSeed);
    criteria::DossierFileReader reader(criteria::DossierFormat::kCsv, "bench.csv");
    std::vector<criteria::DossierRow> parsed;
    std::vector<std::string> bodies(kRowsPerInsert);
    std::vector<const criteria::DossierRow*> rows_read;
    int64_t seq = 0;
    auto store = [&] {
      const auto start = Clock::now();
      rows_read.clear();
      for (const criteria::DossierRow& row : parsed) {
        if (row.dossier) rows_read.push_back(&row);
      }
      // As the store appends: a batch's rows unit by unit, each unit's in the file's
      // order (a run).
      if (runs) {
        std::stable_sort(rows_read.begin(), rows_read.end(), [](auto* a, auto* b) {
          return a->dossier->unit() < b->dossier->unit();
        });
      }
      const int64_t first_seq = seq + 1;
      sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
      for (size_t at = 0, n = 0; at < rows_read.size(); at += n) {
        n = rows_read.size() - at >= kRowsPerInsert ? kRowsPerInsert : 1;
        sqlite3_stmt* insert = n == 1 ? one : many;
        for (size_t i = 0; i < n; ++i) {
          const criteria::DossierRow& row = *rows_read[at + i];
          bodies[i].clear();
          row.dossier->SerializeToString(&bodies[i]);
          const int p = static_cast<int>(i) * params;
          sqlite3_bind_text(insert, p + 1, row.dossier->unit().data(),
                            static_cast<int>(row.dossier->unit().size()), SQLITE_STATIC);
          sqlite3_bind_text(insert, p + 2, row.dossier->id().data(),
                            static_cast<int>(row.dossier->id().size()), SQLITE_STATIC);
          sqlite3_bind_int64(insert, p + 3, row.line);
          sqlite3_bind_blob(insert, p + 4, bodies[i].data(),
                            static_cast<int>(bodies[i].size()), SQLITE_STATIC);
          if (rows12) sqlite3_bind_int64(insert, p + 5, ++seq);
        }
        sqlite3_step(insert);
        sqlite3_reset(insert);
      }
      for (size_t at = 0, end = 0; runs && at < rows_read.size(); at = end) {
        const std::string& unit = rows_read[at]->dossier->unit();
        for (end = at; end < rows_read.size() && rows_read[end]->dossier->unit() == unit;)
          ++end;
        sqlite3_bind_text(put_run, 1, unit.data(), static_cast<int>(unit.size()),
                          SQLITE_STATIC);
        sqlite3_bind_int64(put_run, 2, first_seq + static_cast<int64_t>(at));
        sqlite3_bind_int64(put_run, 3, first_seq + static_cast<int64_t>(end) - 1);
        sqlite3_step(put_run);
        sqlite3_reset(put_run);
      }
      sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
      bare_s += Seconds(start);
      parsed.clear();
    };
    for (std::string chunk = gen.Next(); !chunk.empty(); chunk = gen.Next()) {
      const auto start = Clock::now();
      if (!reader.Feed(chunk, &parsed).ok()) return 1;
      parse_s += Seconds(start);
      if (parsed.size() >= server::RecordCore::kBatchRows) store();  // as the store does
    }
    if (!reader.Finish(&parsed).ok()) return 1;
    store();
    if (!chosen->second.sort.empty()) {
      const auto start = Clock::now();
      sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
      for (const std::string& sql : chosen->second.sort) {
        char* error = nullptr;
        if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
          std::fprintf(stderr, "%s: %s\n", sql.c_str(), error);
          return 1;
        }
        std::printf("sorted:     %7.2f s after %s\n", Seconds(start), sql.c_str());
      }
      sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
      const double sorted = Seconds(start);
      bare_s += sorted;
      std::printf("sorted:     %7.2f s putting the rows in order\n", sorted);
    }
    sqlite3_finalize(many);
    sqlite3_finalize(one);
    sqlite3_finalize(put_run);
    sqlite3_close(db);
  }
  std::printf("rows %lld, units %d, seed %llu\n", static_cast<long long>(rows), units,
              static_cast<unsigned long long>(kSeed));
  if (bare) {
    std::printf("parse:      %7.2f s  %9.0f rows/s\n", parse_s, rows / parse_s);
    std::printf("bare:       %7.2f s  %9.0f rows/s (SQLite inserts of the parsed rows)\n",
                bare_s, rows / bare_s);
  }
  std::fflush(stdout);

  if (!import) return 0;
  // ---- the import through the Core, on a real store ----
  const std::string path = dir + "/records_bench.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  store::StoreOptions options;
  options.path = path;
  options.writer_cache_mib = static_cast<int>(CacheMib());
  auto opened = store::SqlStore::Open(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<store::SqlStore> db = std::move(*opened);
  server::Core core(db.get(), &store::Clock::Real());
  const server::Caller admin{v1::ROLE_ADMIN, "bench", ""};
  const server::Caller office{v1::ROLE_APPRAISER, "bench", ""};
  {
    std::ifstream in(std::string(PARINDEX_SOURCE_DIR) +
                     "/criteria/records/records-2023.yaml");
    std::stringstream yaml;
    yaml << in.rdbuf();
    v1::CreateCriteriaSetRequest set;
    set.set_yaml(yaml.str());
    if (!core.catalog().CreateCriteriaSet(admin, set).ok()) return 1;
    v1::CreateRoundRequest create;
    v1::Round* round = create.mutable_round();
    round->set_id("r");
    round->set_year(2023);
    round->set_criteria_set("records-demo");
    round->set_self_assessment_deadline("2099-01-01T00:00:00+07:00");
    round->set_explanation_deadline("2099-02-01T00:00:00+07:00");
    for (int u = 1; u <= units; ++u) {
      v1::PutUnitRequest put;
      const std::string code = absl::StrCat("U", absl::Dec(u, absl::kZeroPad4));
      put.mutable_unit()->set_code(code);
      put.mutable_unit()->set_name(absl::StrCat("Xã ", u));
      put.mutable_unit()->set_kind(v1::COMMUNE);
      if (!core.catalog().PutUnit(admin, put).ok()) return 1;
      round->add_units(code);
    }
    auto created = core.rounds().CreateRound(office, create);
    if (!created.ok()) {
      std::fprintf(stderr, "%s\n", created.status().ToString().c_str());
      return 1;
    }
    v1::AdvanceRoundRequest advance;
    advance.set_name("rounds/r");
    advance.set_to_phase(v1::PHASE_SELF_ASSESSMENT);
    advance.set_etag(created->version());
    if (!core.rounds().AdvanceRound(office, advance).ok()) return 1;
  }
  const std::string file = dir + "/records_bench.csv";
  auto generating = Clock::now();
  if (!WriteRecordsFile(file, rows, units)) {
    std::fprintf(stderr, "%s: cannot write the records file\n", file.c_str());
    return 1;
  }
  std::printf("file:       %7.2f s  generated, %lld MiB (not timed with the import)\n",
              Seconds(generating),
              static_cast<long long>(std::filesystem::file_size(file) >> 20));
  const long rss_before = PeakRssMb();
  FileChunks gen(file);
  v1::ImportDossiersRequest first;
  first.set_parent("rounds/r");
  first.set_format(v1::ImportDossiersRequest::CSV);
  first.set_file_name("national.csv");
  first.set_content(gen.Next());
  auto start = Clock::now();
  // A line per million rows sent: the rate so far and the memory (a stream: flat).
  int64_t reported = 0;
  auto imported = core.records().ImportDossiers(
      office, first, [&](v1::ImportDossiersRequest* next) -> absl::StatusOr<bool> {
        next->set_content(gen.Next());
        if (gen.rows_done() >= reported + 1000000) {
          reported = gen.rows_done() / 1000000 * 1000000;
          std::printf("  %5.1f M rows sent: %7.0f s, %7.0f rows/s so far, RSS %ld MiB\n",
                      reported / 1e6, Seconds(start), reported / Seconds(start),
                      PeakRssMb());
          std::fflush(stdout);
        }
        return !next->content().empty();
      });
  const double import_s = Seconds(start);
  if (!imported.ok()) {
    std::fprintf(stderr, "%s\n", imported.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "import:     %7.2f s  %9.0f rows/s end to end (%.2f of bare), %lld "
      "changed, %lld refused, %d units computed, %lld findings\n",
      import_s, rows / import_s, bare ? (rows / import_s) / (rows / bare_s) : 0.0,
      static_cast<long long>(imported->rows_changed()),
      static_cast<long long>(imported->rows_refused()), imported->units_updated_size(),
      static_cast<long long>(imported->findings()));
  std::printf("peak RSS:   %ld MiB (%ld MiB before the import)\n", PeakRssMb(),
              rss_before);
  std::fflush(stdout);

  // The same file again (a province sending its year's file once more): every row
  // meets its stored self, nothing changes.
  if (std::getenv("RECORDS_BENCH_REIMPORT") != nullptr) {
    FileChunks again(file);
    first.set_content(again.Next());
    start = Clock::now();
    auto reimported = core.records().ImportDossiers(
        office, first, [&](v1::ImportDossiersRequest* next) -> absl::StatusOr<bool> {
          next->set_content(again.Next());
          return !next->content().empty();
        });
    if (!reimported.ok()) {
      std::fprintf(stderr, "%s\n", reimported.status().ToString().c_str());
      return 1;
    }
    std::printf("reimport:   %7.2f s  %9.0f rows/s, %lld changed, %lld unchanged\n",
                Seconds(start), rows / Seconds(start),
                static_cast<long long>(reimported->rows_changed()),
                static_cast<long long>(reimported->rows_unchanged()));
    std::fflush(stdout);
  }

  std::filesystem::remove(file);

  start = Clock::now();
  auto recomputed = core.records().Recompute(office, "r");
  std::printf("recompute:  %7.2f s  all %d units from the stored records (%d changed)\n",
              Seconds(start), units, recomputed.ok() ? *recomputed : -1);

  // One dossier changes: its unit's figures follow.
  v1::ImportDossiersRequest one;
  one.set_parent("rounds/r");
  one.set_format(v1::ImportDossiersRequest::CSV);
  one.set_file_name("one.csv");
  one.set_content(
      "dossier_id,unit,received_at,due_at,resolved_at,result,channel\n"
      "H0000000000,U0001,2023-01-02 08:00,2023-01-05 17:00,2023-01-09 08:00,approved,"
      "in_person\n");
  start = Clock::now();
  auto single = core.records().ImportDossiers(
      office, one,
      [](v1::ImportDossiersRequest*) -> absl::StatusOr<bool> { return false; });
  std::printf("one dossier: %6.1f ms (%lld changed, units %s)\n", Seconds(start) * 1000,
              single.ok() ? static_cast<long long>(single->rows_changed()) : -1LL,
              single.ok() && single->units_updated_size() > 0
                  ? absl::StrJoin(single->units_updated(), ",").c_str()
                  : "none");
  // Why this number: every page of the figure of a unit with the most dossiers.
  {
    v1::ExplainFigureRequest why;
    why.set_parent("rounds/r/assessments/U0001");
    why.set_element("received");
    int pages = 0;
    int64_t ids = 0;
    start = Clock::now();
    do {
      auto page = core.records().ExplainFigure(office, why);
      if (!page.ok()) {
        std::fprintf(stderr, "%s\n", page.status().ToString().c_str());
        return 1;
      }
      ++pages;
      ids += page->dossier_ids_size();
      why.set_page_token(page->next_page_token());
    } while (!why.page_token().empty());
    std::printf(
        "why:        %6.1f ms a page (%d pages of 1,000 ids, %lld ids of U0001)\n",
        Seconds(start) * 1000 / pages, pages, static_cast<long long>(ids));
  }
  const std::string wal = path + "-wal";
  std::printf("database:   %.0f MiB (and %.0f MiB of WAL)\n",
              static_cast<double>(std::filesystem::file_size(path)) / (1 << 20),
              std::filesystem::exists(wal)
                  ? static_cast<double>(std::filesystem::file_size(wal)) / (1 << 20)
                  : 0.0);
  return 0;
}

}  // namespace
}  // namespace parindex

int main(int argc, char** argv) {
  int64_t rows = 1000000;
  int units = 3321;
  std::string dir = "/tmp";
  if (argc > 1 && !absl::SimpleAtoi(argv[1], &rows)) return 2;
  if (argc > 2 && !absl::SimpleAtoi(argv[2], &units)) return 2;
  if (argc > 3) dir = argv[3];
  const std::string mode = argc > 4 ? argv[4] : "";
  if (!mode.empty() && mode != "nobare" && mode != "bareonly") return 2;
  return parindex::Run(rows, units, dir, mode != "nobare", mode != "bareonly");
}
