// SqlStore: CRUD, etags, request ids, audit, concurrency, data sheets (each on SQLite
// and on PostgreSQL: StoreTest), and, on SQLite files (SqliteStoreTest), migrations from
// earlier releases' files, damaged and newer files, injected failures, backup and
// restore.
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/fault_vfs.h"
#include "server/store/pg_conn.h"
#include "server/store/schema.h"
#include "server/store/sql_store.h"
#include "tests/pg_server.h"
#include "tests/store_test_util.h"

namespace parindex::store {
namespace {

using testing::Admin;
using testing::Figure;
using ::testing::HasSubstr;
using testing::TempDir;

// A test on a new database of the backend Backend() names.
class StoreFixture : public ::testing::Test {
 protected:
  virtual std::string Backend() const = 0;

  void SetUp() override {
    absl::StatusOr<std::string> db =
        testing::TestDatabase(Backend(), dir_.File("parindex.db"));
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *db;
    Reopen();
  }

  void Reopen(StoreOptions options = {}) {
    store_.reset();
    options.path = db_;
    auto store = SqlStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  int AuditCount(const std::string& prefix = "") {
    AuditFilter filter;
    filter.resource_prefix = prefix;
    filter.limit = 100000;
    return static_cast<int>(store_->ListAudit(filter)->size());
  }

  // Runs `sql` on the database beside the store, as its DBA would.
  absl::Status ExecSql(const std::string& sql) {
    if (Backend() == "sqlite") {
      sqlite3* db = nullptr;
      sqlite3_open(db_.c_str(), &db);
      char* error = nullptr;
      const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
      const std::string message = error == nullptr ? "" : error;
      sqlite3_free(error);
      sqlite3_close(db);
      return rc == SQLITE_OK ? absl::OkStatus() : absl::InternalError(message);
    }
    auto conn = PgConn::Connect(db_);
    if (!conn.ok()) return conn.status();
    return (*conn)->Exec(sql);
  }

  TempDir dir_;
  std::string db_;  // the file, or the PostgreSQL database's URI
  std::unique_ptr<SqlStore> store_;
};

// An import of d.csv into round r by the national office (scope "*").
RecordImport AnImport() {
  RecordImport import;
  import.round = "r";
  import.file_name = "d.csv";
  import.format = "csv";
  import.scope = "*";
  return import;
}

// A dossier received at 1000, due at 2000, resolved at `resolved` (0: in process),
// read from line `line` of its file.
v1::Dossier Dossier(const std::string& id, const std::string& unit, int64_t resolved,
                    int line) {
  v1::Dossier d;
  d.set_id(id);
  d.set_unit(unit);
  d.set_received_at(1000);
  d.set_due_at(2000);
  d.set_resolved_at(resolved);
  d.set_line(line);
  return d;
}

// Every test of the store's behaviour runs on both backends.
class StoreTest : public StoreFixture, public ::testing::WithParamInterface<std::string> {
 protected:
  std::string Backend() const override { return GetParam(); }
};

INSTANTIATE_TEST_SUITE_P(Backend, StoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

// What only a SQLite file has: its earlier releases' files, its lock, its VFS, its
// backup API.
class SqliteStoreTest : public StoreFixture {
 protected:
  std::string Backend() const override { return "sqlite"; }
};

TEST_P(StoreTest, CriteriaSetsAreImmutableVersions) {
  v1::CriteriaSet set;
  set.set_id("commune-2025");
  set.set_title("v1");
  EXPECT_EQ(store_->AddCriteriaSet(Admin(), set)->version(), 1);
  set.set_title("v2");
  EXPECT_EQ(store_->AddCriteriaSet(Admin(), set)->version(), 2);
  EXPECT_EQ(store_->GetCriteriaSet("commune-2025", 1)->title(), "v1");
  EXPECT_EQ(store_->GetCriteriaSet("commune-2025", 0)->title(), "v2");
  EXPECT_EQ(store_->GetCriteriaSet("commune-2025", 0)->version(), 2);
  EXPECT_EQ(store_->GetCriteriaSet("commune-2025", 3).status().code(),
            absl::StatusCode::kNotFound);
  auto list = store_->ListCriteriaSets();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].version(), 2);
}

TEST_P(StoreTest, PlansAndUnitsAreReplacedWithAuditedVersions) {
  v1::Plan plan;
  plan.set_id("hungyen-2023");
  plan.set_year(2023);
  EXPECT_EQ(store_->PutPlan(Admin(), plan)->version(), 1);
  plan.set_year(2024);
  EXPECT_EQ(store_->PutPlan(Admin(), plan)->version(), 2);
  EXPECT_EQ(store_->GetPlan("hungyen-2023")->year(), 2024);
  EXPECT_EQ(store_->GetPlan("nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->ListPlans()->size(), 1u);
  AuditFilter filter;
  filter.resource_prefix = "plans/hungyen-2023";
  auto events = store_->ListAudit(filter);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[1].action(), "plan.put");
  EXPECT_EQ((*events)[1].before(), R"({"id":"hungyen-2023","year":2023})");
  EXPECT_EQ((*events)[1].after(), R"({"id":"hungyen-2023","year":2024})");
  EXPECT_EQ((*events)[1].actor(), "tok_admin");
  EXPECT_EQ((*events)[1].reason(), "test");

  v1::Unit unit;
  unit.set_code("PLS");
  unit.set_name("Phường Lam Sơn");
  EXPECT_EQ(store_->PutUnit(Admin(), unit)->version(), 1);
  EXPECT_EQ(store_->GetUnit("PLS")->name(), "Phường Lam Sơn");
  EXPECT_EQ(store_->ListUnits()->size(), 1u);
}

TEST_P(StoreTest, TokensStoreOnlyTheHashAndCanBeRevoked) {
  testing::AddRoundFixture(*store_);
  v1::Token token;
  token.set_id("tok_1");
  token.set_role(v1::ROLE_WARD);
  token.set_unit("U1");
  ASSERT_TRUE(store_->AddToken(Admin(), token, "hash-1").ok());
  EXPECT_EQ(store_->AddToken(Admin(), token, "hash-2").status().code(),
            absl::StatusCode::kAlreadyExists);
  token.set_id("tok_2");
  token.set_unit("NOPE");
  EXPECT_EQ(store_->AddToken(Admin(), token, "hash-3").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->FindToken("hash-1")->unit(), "U1");
  EXPECT_FALSE(store_->FindToken("hash-1")->created_at().empty());
  ASSERT_TRUE(store_->RevokeToken(Admin(), "tok_1").ok());
  EXPECT_EQ(store_->FindToken("hash-1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->RevokeToken(Admin(), "tok_1").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->RevokeToken(Admin(), "tok_9").status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_EQ(store_->ListTokens()->size(), 1u);
  EXPECT_FALSE((*store_->ListTokens())[0].revoked_at().empty());
}

TEST_P(StoreTest, RoundsCreateTheirAssessments) {
  testing::AddRoundFixture(*store_);
  auto round = store_->GetRound("r");
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(round->version(), 1);
  auto assessments = store_->ListAssessments("r", /*with_files=*/false);
  ASSERT_EQ(assessments->size(), 2u);
  EXPECT_EQ((*assessments)[0].unit(), "U1");
  EXPECT_EQ((*assessments)[0].state(), v1::STATE_NOT_STARTED);
  v1::Round again = *round;
  EXPECT_EQ(store_->CreateRound(Admin(), again).status().code(),
            absl::StatusCode::kAlreadyExists);
  again.set_id("r2");
  again.set_criteria_set_version(7);
  EXPECT_EQ(store_->CreateRound(Admin(), again).status().message(),
            "criteriaSets/s version 7: not found");

  v1::Round update = *round;
  update.set_phase(v1::PHASE_APPRAISAL);
  EXPECT_EQ(store_->UpdateRound(Admin(), update, 1)->version(), 2);
  EXPECT_EQ(store_->UpdateRound(Admin(), update, 1).status().code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(store_->GetRound("r")->phase(), v1::PHASE_APPRAISAL);
  update.set_criteria_set_version(2);
  EXPECT_EQ(store_->UpdateRound(Admin(), update, 2).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_P(StoreTest, EntriesCarryVersionsAndAStaleOneIsRefused) {
  testing::AddRoundFixture(*store_);
  auto ack = store_->UpdateEntries(Admin(), "r", "U1",
                                   {Figure("II.1", 412, 0), Figure("II.2", 5, 0)});
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_THAT(ack->versions(), ::testing::ElementsAre(1, 1));
  EXPECT_EQ(
      store_->UpdateEntries(Admin(), "r", "U1", {Figure("II.1", 413, 1)})->versions(0),
      2);

  const int audit_before = AuditCount();
  // A stale version in a batch stores nothing, not even the batch's valid entries.
  auto stale = store_->UpdateEntries(Admin(), "r", "U1",
                                     {Figure("II.2", 6, 1), Figure("II.1", 999, 1)});
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(stale.status().message(),
            "rounds/r/assessments/U1/entries/II.1: stale version 1; it is at version 2 "
            "(someone else changed it: read it again, then retry)");
  EXPECT_EQ(AuditCount(), audit_before);

  auto assessment = store_->GetAssessment("r", "U1");
  ASSERT_EQ(assessment->entries_size(), 2);
  EXPECT_EQ(assessment->entries(0).criterion(), "II.1");
  EXPECT_EQ(assessment->entries(0).self().figures().at("x"), 413);
  EXPECT_EQ(assessment->entries(0).version(), 2);
  EXPECT_EQ(assessment->entries(0).updated_by(), "tok_admin");
  EXPECT_EQ(assessment->entries(1).self().figures().at("x"), 5);
  EXPECT_EQ(store_->GetAssessment("r", "U2")->entries_size(), 0);
  EXPECT_EQ(
      store_->UpdateEntries(Admin(), "r", "U9", {Figure("II.1", 1, 0)}).status().code(),
      absl::StatusCode::kNotFound);
  EXPECT_EQ(AuditCount("rounds/r/assessments/U1/entries/II.1"), 2);
}

// Sixteen callers racing on two entries through several writer connections (on
// PostgreSQL; one writer on SQLite): each write that read a version someone else has
// since replaced is ABORTED, every acknowledged one is stored and audited exactly once,
// and a retried request id is a replay, not a second write.
TEST_P(StoreTest, RacingWritersLoseNoWriteAndApplyNoneTwice) {
  StoreOptions options;
  options.pg_writers = 4;
  Reopen(options);
  testing::AddRoundFixture(*store_);
  constexpr int kCallers = 16, kTries = 12;
  std::atomic<int> acked[2] = {0, 0};
  std::atomic<int> other_errors{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      const std::string unit = c % 2 == 0 ? "U1" : "U2";
      for (int t = 0; t < kTries; ++t) {
        auto read = store_->GetAssessmentEntries("r", unit, {"II.1"});
        const int64_t version =
            read.ok() && read->entries_size() == 1 ? read->entries(0).version() : 0;
        const std::string id = absl::StrCat("c", c, "-", t);
        WriteContext ctx = Admin(id);
        ctx.request_digest = id;
        auto ack = store_->UpdateEntries(ctx, "r", unit, {Figure("II.1", c, version)});
        if (ack.status().code() == absl::StatusCode::kAborted) continue;
        if (!ack.ok() || ack->replayed() || ack->versions(0) != version + 1) {
          ++other_errors;
          continue;
        }
        ++acked[c % 2];
        auto again = store_->UpdateEntries(ctx, "r", unit, {Figure("II.1", c, version)});
        if (!again.ok() || !again->replayed() || again->versions(0) != version + 1)
          ++other_errors;
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(other_errors.load(), 0);
  for (int u = 0; u < 2; ++u) {
    const std::string unit = u == 0 ? "U1" : "U2";
    SCOPED_TRACE(unit);
    EXPECT_GT(acked[u].load(), 0);
    auto stored = store_->GetAssessmentEntries("r", unit, {"II.1"});
    ASSERT_TRUE(stored.ok()) << stored.status();
    ASSERT_EQ(stored->entries_size(), 1);
    EXPECT_EQ(stored->entries(0).version(), acked[u].load());
    EXPECT_EQ(AuditCount(absl::StrCat("rounds/r/assessments/", unit, "/entries/II.1")),
              acked[u].load());
  }
}

TEST_P(StoreTest, AssessmentStateUsesItsOwnVersion) {
  testing::AddRoundFixture(*store_);
  EXPECT_EQ(store_->SetAssessmentState(Admin(), "r", "U1", v1::STATE_SUBMITTED, 1, false)
                ->version(),
            2);
  EXPECT_EQ(store_->SetAssessmentState(Admin(), "r", "U1", v1::STATE_DRAFT, 1, true)
                .status()
                .code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(
      store_->SetAssessmentState(Admin(), "r", "U1", v1::STATE_DRAFT, 2, true)->version(),
      3);
  auto a = store_->GetAssessment("r", "U1");
  EXPECT_EQ(a->state(), v1::STATE_DRAFT);
  EXPECT_TRUE(a->reopened());
}

// When a unit last submitted and who did (Assessment.submitted_at/by), read from the
// audit trail for one unit and for the whole round alike.
TEST_P(StoreTest, AnAssessmentSaysWhenItWasLastSubmitted) {
  testing::AddRoundFixture(*store_);
  EXPECT_EQ(store_->GetAssessment("r", "U1")->submitted_at(), "");
  store::WriteContext ward = Admin();
  ward.actor = {"tok_ward", "ward", "U1", "Nguyễn Văn A"};
  ASSERT_TRUE(
      store_->SetAssessmentState(ward, "r", "U1", v1::STATE_SUBMITTED, 1, false).ok());
  ASSERT_TRUE(
      store_->SetAssessmentState(Admin(), "r", "U1", v1::STATE_DRAFT, 2, true).ok());
  auto one = store_->GetAssessment("r", "U1");
  EXPECT_NE(one->submitted_at(), "");
  EXPECT_EQ(one->submitted_by(), "Nguyễn Văn A");
  auto all = store_->ListAssessments("r", /*with_files=*/false);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].submitted_at(), one->submitted_at());
  EXPECT_EQ((*all)[0].submitted_by(), "Nguyễn Văn A");
  EXPECT_EQ((*all)[1].submitted_at(), "");  // U2 never submitted
}

// Dossier records on both backends: many rows to a statement, an id given twice in
// one batch (the last row kept, marked conflicting), a move to another unit, the
// unit check, imports numbered per round, the units that hold records.
TEST_P(StoreTest, DossiersAreStoredByIdAndImportsNumberedPerRound) {
  testing::AddRoundFixture(*store_);
  RecordImport import = AnImport();
  ASSERT_EQ(*store_->BeginRecordImport(Admin(), import), 1);
  auto dossier = [](const std::string& id, const std::string& unit, int64_t resolved) {
    return Dossier(id, unit, resolved, 2);
  };
  std::vector<v1::Dossier> rows;
  for (int i = 0; i < 300; ++i)
    rows.push_back(dossier(absl::StrCat("D", i), i % 2 ? "U1" : "U2", 1500));
  rows[200] = dossier("D10", "U2", 2500);  // D10 again, with other data
  auto wrote = store_->UpsertDossiers(Admin(), "r", 1, rows);
  ASSERT_TRUE(wrote.ok()) << wrote.status();
  EXPECT_EQ(wrote->changed, 300);
  EXPECT_EQ(wrote->unchanged, 0);
  auto u2 = store_->ListDossiers("r", "U2");
  ASSERT_EQ(u2->size(), 149u);  // D0, D2, …, D298 but D200
  auto d10 = std::find_if(u2->begin(), u2->end(),
                          [](const v1::Dossier& d) { return d.id() == "D10"; });
  ASSERT_NE(d10, u2->end());
  EXPECT_EQ(d10->resolved_at(), 2500);
  EXPECT_TRUE(d10->conflicting_duplicate());
  EXPECT_EQ(store_->ListDossiers("r", "U1")->size(), 150u);

  // The same rows again change nothing; D1 moving to U2 needs the check's consent.
  EXPECT_EQ(store_->UpsertDossiers(Admin(), "r", 1, {rows[0], rows[2]})->unchanged, 2);
  ASSERT_EQ(*store_->BeginRecordImport(Admin(), import), 2);
  auto refused = store_->UpsertDossiers(
      Admin(), "r", 2, {dossier("D1", "U2", 1500), dossier("D3", "U1", 1600)},
      [](const std::string& unit) {
        return unit == "U1" ? absl::PermissionDeniedError("U1: not yours")
                            : absl::OkStatus();
      });
  ASSERT_TRUE(refused.ok()) << refused.status();
  ASSERT_EQ(refused->refused.size(), 1u);
  EXPECT_EQ(refused->refused[0].first, 2);  // its line
  EXPECT_EQ(refused->changed, 1);  // D3 stays under U1, with new data
  auto moved = store_->UpsertDossiers(Admin(), "r", 2, {dossier("D1", "U2", 1500)});
  EXPECT_EQ(moved->units, (std::set<std::string>{"U1", "U2"}));
  EXPECT_EQ(*store_->ListDossierUnits("r"), (std::vector<std::string>{"U1", "U2"}));
  import.id = 2;
  import.complete = true;
  ASSERT_TRUE(store_->FinishRecordImport(Admin(), import, {}, 0).ok());
  auto imports = store_->ListRecordImports("r");
  ASSERT_EQ(imports->size(), 2u);
  EXPECT_FALSE((*imports)[0].complete);
  EXPECT_TRUE((*imports)[1].complete);
}

// A batch is written unit by unit (the table's order), yet an id given twice keeps
// the file's order: here its last row names a unit that sorts before its first's.
TEST_P(StoreTest, AnIdGivenTwiceUnderTwoUnitsKeepsItsLastRow) {
  testing::AddRoundFixture(*store_);
  RecordImport import = AnImport();
  ASSERT_EQ(*store_->BeginRecordImport(Admin(), import), 1);
  auto wrote =
      store_->UpsertDossiers(Admin(), "r", 1,
                             {Dossier("E", "U2", 1500, 2), Dossier("A", "U2", 1500, 3),
                              Dossier("E", "U1", 2500, 4), Dossier("B", "U1", 1500, 5),
                              Dossier("E", "U1", 2500, 6)});
  ASSERT_TRUE(wrote.ok()) << wrote.status();
  EXPECT_EQ(wrote->changed, 4);    // E, A, E moved with other data, B
  EXPECT_EQ(wrote->unchanged, 1);  // E the third time, as the second
  EXPECT_EQ(wrote->units, (std::set<std::string>{"U1", "U2"}));
  auto u1 = store_->ListDossiers("r", "U1");
  ASSERT_EQ(u1->size(), 2u);
  EXPECT_EQ((*u1)[0].id(), "B");
  EXPECT_EQ((*u1)[1].id(), "E");
  EXPECT_EQ((*u1)[1].resolved_at(), 2500);
  EXPECT_EQ((*u1)[1].line(), 4);  // the same data again left the row as it was
  EXPECT_TRUE((*u1)[1].conflicting_duplicate());
  auto u2 = store_->ListDossiers("r", "U2");
  ASSERT_EQ(u2->size(), 1u);
  EXPECT_EQ((*u2)[0].id(), "A");
}

// An import's rows are appended batch by batch and read only once merged; an id given
// in two batches with other data conflicts (the merge sees every row of the import);
// a merge that meets a unit not looked up yet writes nothing, and the next merges all.
// An append keeps a unit's rows of a batch together (one run), but an id's rows are
// still merged in the order of their lines; a unit whose dossiers all moved away is
// no longer listed, and the next append of the import numbers past every row.
TEST_P(StoreTest, RowsKeptUnitByUnitMeetInTheirLinesOrder) {
  testing::AddRoundFixture(*store_);
  RecordImport import = AnImport();
  ASSERT_EQ(*store_->BeginRecordImport(Admin(), import), 1);
  // X: U2's row first in the file, U1's later (appended U1 first).
  auto first =
      store_->UpsertDossiers(Admin(), "r", 1,
                             {Dossier("X", "U2", 1500, 2), Dossier("Y", "U1", 1500, 3),
                              Dossier("X", "U1", 2500, 4), Dossier("Z", "U2", 1500, 5)});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->changed, 4);
  auto u1 = store_->ListDossiers("r", "U1");
  ASSERT_EQ(u1->size(), 2u);
  EXPECT_EQ((*u1)[0].id(), "X");  // by id
  EXPECT_EQ((*u1)[0].resolved_at(), 2500);
  EXPECT_EQ((*u1)[0].line(), 4);
  EXPECT_TRUE((*u1)[0].conflicting_duplicate());
  EXPECT_EQ((*u1)[1].id(), "Y");
  ASSERT_EQ(store_->ListDossiers("r", "U2")->size(), 1u);

  // The same import again, after its merge deleted a row: Z moves to U1, so U2 has
  // none left.
  auto again = store_->UpsertDossiers(Admin(), "r", 1, {Dossier("Z", "U1", 1500, 6)});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->units, (std::set<std::string>{"U1", "U2"}));
  EXPECT_TRUE(store_->ListDossiers("r", "U2")->empty());
  EXPECT_EQ(*store_->ListDossierUnits("r"), std::vector<std::string>{"U1"});
  u1 = store_->ListDossiers("r", "U1");
  ASSERT_EQ(u1->size(), 3u);
  EXPECT_EQ((*u1)[2].id(), "Z");
  EXPECT_EQ((*u1)[2].line(), 6);
}

// A merge names the units whose dossiers are exactly its own rows, each new and given
// once (fresh: their figures may be counted from the rows as sent), and stamps its
// place among the round's merges; an import's end that counted so is refused once
// another import has merged since.
TEST_P(StoreTest, AMergeNamesItsFreshUnitsAndALaterMergeMakesTheirFiguresStale) {
  testing::AddRoundFixture(*store_);
  RecordImport import = AnImport();
  ASSERT_EQ(*store_->BeginRecordImport(Admin(), import), 1);
  // Every id new and given once: merged in one statement.
  auto first = store_->UpsertDossiers(
      Admin(), "r", 1, {Dossier("A", "U1", 1500, 2), Dossier("B", "U2", 1500, 3)});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->changed, 2);
  EXPECT_EQ(first->units, (std::set<std::string>{"U1", "U2"}));
  EXPECT_EQ(first->fresh, (std::set<std::string>{"U1", "U2"}));
  EXPECT_GT(first->merged_as, 0);

  // U1 has import 1's rows; U2's B is stored; U3's E is given twice.
  ASSERT_EQ(*store_->BeginRecordImport(Admin(), import), 2);
  auto second =
      store_->UpsertDossiers(Admin(), "r", 2,
                             {Dossier("C", "U1", 1500, 2), Dossier("B", "U2", 2500, 3),
                              Dossier("D", "U4", 1500, 4), Dossier("E", "U3", 1500, 5),
                              Dossier("E", "U3", 1500, 6)});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->changed, 4);    // C, B's other data, D, E
  EXPECT_EQ(second->unchanged, 1);  // E again, the same
  EXPECT_EQ(second->units, (std::set<std::string>{"U1", "U2", "U3", "U4"}));
  EXPECT_EQ(second->fresh, (std::set<std::string>{"U4"}));
  EXPECT_GT(second->merged_as, first->merged_as);

  // Import 1 ends after import 2 merged: refused, nothing stored.
  import.id = 1;
  import.complete = true;
  const int audit_before = AuditCount();
  auto stale = store_->FinishRecordImport(Admin(), import, {}, first->merged_as);
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(AuditCount(), audit_before);
  EXPECT_EQ((*store_->ListRecordImports("r"))[0].finished_at, "");
  // Counted from the stored rows (0), or as import 2's, the latest: stored.
  EXPECT_TRUE(store_->FinishRecordImport(Admin(), import, {}, 0).ok());
  import.id = 2;
  EXPECT_TRUE(store_->FinishRecordImport(Admin(), import, {}, second->merged_as).ok());
  EXPECT_EQ(AuditCount(), audit_before + 2);
}

TEST_P(StoreTest, AnImportsRowsAreReadOnceMergedWhateverBatchTheyCameIn) {
  testing::AddRoundFixture(*store_);
  RecordImport import = AnImport();
  ASSERT_EQ(*store_->BeginRecordImport(Admin(), import), 1);
  ASSERT_TRUE(
      store_->UpsertDossiers(Admin(), "r", 1, {Dossier("M", "U1", 1500, 2)}).ok());
  import.id = 1;
  import.complete = true;
  ASSERT_TRUE(store_->FinishRecordImport(Admin(), import, {}, 0).ok());

  ASSERT_EQ(*store_->BeginRecordImport(Admin(), import), 2);
  ASSERT_TRUE(
      store_
          ->AppendDossiers(Admin(), "r", 2,
                           {Dossier("A", "U1", 1500, 2), Dossier("M", "U2", 1500, 3)})
          .ok());
  ASSERT_TRUE(
      store_
          ->AppendDossiers(Admin(), "r", 2,
                           {Dossier("B", "U2", 1500, 4), Dossier("A", "U1", 2500, 5)})
          .ok());
  // And 2,500 more (the merge reads PostgreSQL's rows 1,000 at a time).
  std::vector<v1::Dossier> more;
  for (int i = 0; i < 2500; ++i) {
    more.push_back(
        Dossier(absl::StrCat("N", absl::Dec(i, absl::kZeroPad4)), "U2", 1500, 6 + i));
  }
  ASSERT_TRUE(store_->AppendDossiers(Admin(), "r", 2, more).ok());
  EXPECT_EQ(store_->ListDossiers("r", "U1")->size(), 1u);  // M alone: nothing merged
  EXPECT_EQ(*store_->ListDossierUnits("r"), std::vector<std::string>{"U1"});
  // One read of the round: each dossier merged, with its unit, import, line and mark.
  auto scan = [&] {
    std::map<std::string, std::string> seen;
    const absl::Status read =
        store_->ScanDossiers("r", [&](const std::string& unit, const v1::Dossier& d) {
          seen[d.id()] = absl::StrCat(unit, "/", d.import_id(), "/", d.line(),
                                      d.conflicting_duplicate() ? "/conflict" : "");
        });
    EXPECT_TRUE(read.ok()) << read;
    return seen;
  };
  EXPECT_EQ(scan(), (std::map<std::string, std::string>{{"M", "U1/1/2"}}));
  int asked = 0;
  auto unknown = store_->MergeDossiers(Admin(), "r", 2, [&](const std::string& unit) {
    ++asked;
    EXPECT_EQ(unit, "U1");  // M's, moving to U2
    return absl::AbortedError("U1: not looked up yet");
  });
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(store_->ListDossiers("r", "U1")->size(), 1u);  // still nothing merged
  auto merged = store_->MergeDossiers(
      Admin(), "r", 2, [](const std::string&) { return absl::OkStatus(); });
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->changed, 4 + 2500);  // A, M moved, B, A again with other data, N…
  EXPECT_EQ(merged->unchanged, 0);
  EXPECT_TRUE(merged->refused.empty());
  EXPECT_EQ(merged->units, (std::set<std::string>{"U1", "U2"}));
  auto u1 = store_->ListDossiers("r", "U1");
  ASSERT_EQ(u1->size(), 1u);
  EXPECT_EQ((*u1)[0].id(), "A");
  EXPECT_EQ((*u1)[0].resolved_at(), 2500);  // the later batch's row
  EXPECT_EQ((*u1)[0].line(), 5);
  EXPECT_TRUE((*u1)[0].conflicting_duplicate());
  auto u2 = store_->ListDossiers("r", "U2");
  ASSERT_EQ(u2->size(), 2u + 2500);
  EXPECT_EQ((*u2)[0].id(), "B");
  EXPECT_EQ((*u2)[1].id(), "M");
  EXPECT_EQ((*u2)[1].import_id(), 2);
  EXPECT_EQ((*u2)[2 + 1234].id(), "N1234");
  EXPECT_EQ((*u2)[2 + 1234].line(), 6 + 1234);
  EXPECT_EQ(*store_->StoredDossierUnits("r", {"M"}),
            (std::map<std::string, std::string>{{"M", "U2"}}));
  std::map<std::string, std::string> scanned = scan();
  EXPECT_EQ(scanned.size(), 3u + 2500);
  scanned.erase(scanned.lower_bound("N"), scanned.end());
  EXPECT_EQ(scanned, (std::map<std::string, std::string>{
                         {"A", "U1/2/5/conflict"}, {"B", "U2/2/4"}, {"M", "U2/2/3"}}));
  // Merged again with nothing new: nothing changes.
  auto again = store_->MergeDossiers(Admin(), "r", 2, nullptr);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->changed, 0);
  EXPECT_EQ(again->unchanged, 0);
  EXPECT_EQ(store_->ListDossiers("r", "U1")->size(), 1u);
  EXPECT_EQ(store_->ListDossiers("r", "U2")->size(), 2u + 2500);
}

// Rows appended by an import that never merged (the server stopped) are never read,
// and are dropped when the file is opened again.
TEST_F(SqliteStoreTest, AnImportThatNeverMergedLeavesNothingBehind) {
  testing::AddRoundFixture(*store_);
  RecordImport import = AnImport();
  ASSERT_EQ(*store_->BeginRecordImport(Admin(), import), 1);
  ASSERT_TRUE(
      store_->AppendDossiers(Admin(), "r", 1, {Dossier("A", "U1", 1500, 2)}).ok());
  Reopen();
  EXPECT_TRUE(store_->ListDossiers("r", "U1")->empty());
  // Merging the import now finds no rows of it.
  auto merged = store_->MergeDossiers(Admin(), "r", 1, nullptr);
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->changed, 0);
  EXPECT_TRUE(store_->ListDossiers("r", "U1")->empty());
  auto imports = store_->ListRecordImports("r");
  ASSERT_EQ(imports->size(), 1u);
  EXPECT_EQ((*imports)[0].finished_at, "");
  EXPECT_FALSE((*imports)[0].complete);
}

TEST_P(StoreTest, EvidenceIsHashedAndLimited) {
  StoreOptions options;
  options.max_evidence_bytes = 16;
  Reopen(options);
  testing::AddRoundFixture(*store_);
  v1::Evidence meta;
  meta.set_file_name("ke-hoach.pdf");
  meta.set_document_type("Kế hoạch CCHC năm");
  auto ack = store_->AddEvidence(Admin(), "r", "U1", "I.1.1", meta, "hello");
  ASSERT_TRUE(ack.ok()) << ack.status();
  auto file = store_->GetEvidence(std::stoll(ack->id()));
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->content, "hello");
  EXPECT_EQ(file->meta.sha256(),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_EQ(file->meta.size_bytes(), 5);
  EXPECT_EQ(file->meta.document_type(), "Kế hoạch CCHC năm");
  const int audit_before = AuditCount();
  auto big = store_->AddEvidence(Admin(), "r", "U1", "I.1.1", meta, std::string(17, 'x'));
  EXPECT_EQ(big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(big.status().message(),
            "evidence 'ke-hoach.pdf': 17 bytes exceed the limit of 16 bytes");
  EXPECT_EQ(AuditCount(), audit_before);
  EXPECT_EQ(store_->GetEvidence(99).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(StoreTest, UploadedFilesAreListedOnTheirEntries) {
  testing::AddRoundFixture(*store_);
  v1::Entry typed;
  typed.set_criterion("I.1.1");
  typed.mutable_self()->set_done(true);
  typed.add_evidence()->set_document_type("Kế hoạch CCHC năm");  // a reference, no file
  ASSERT_TRUE(store_->UpdateEntries(Admin(), "r", "U1", {{typed, 0}}).ok());
  v1::Evidence meta;
  meta.set_file_name("ke-hoach.pdf");
  ASSERT_TRUE(store_->AddEvidence(Admin(), "r", "U1", "I.1.1", meta, "plan").ok());
  meta.set_file_name("bao-cao.pdf");
  ASSERT_TRUE(store_->AddEvidence(Admin(), "r", "U1", "I.2", meta, "report").ok());
  auto a = store_->GetAssessment("r", "U1");
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_EQ(a->entries_size(), 2);
  const v1::Entry& plan = a->entries(0);
  EXPECT_EQ(plan.criterion(), "I.1.1");
  EXPECT_EQ(plan.version(), 1);
  ASSERT_EQ(plan.evidence_size(), 2);
  EXPECT_EQ(plan.evidence(0).id(), 0);
  EXPECT_EQ(plan.evidence(1).file_name(), "ke-hoach.pdf");
  EXPECT_EQ(plan.evidence(1).size_bytes(), 4);
  // A criterion with a file and nothing typed yet: an entry that was never written.
  const v1::Entry& report = a->entries(1);
  EXPECT_EQ(report.criterion(), "I.2");
  EXPECT_EQ(report.version(), 0);
  ASSERT_EQ(report.evidence_size(), 1);
  EXPECT_EQ(report.evidence(0).file_name(), "bao-cao.pdf");
  // Written back as read (files included), the entry still lists each file once.
  ASSERT_TRUE(store_->UpdateEntries(Admin(), "r", "U1", {{plan, 1}}).ok());
  a = store_->GetAssessment("r", "U1");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->entries(0).version(), 2);
  EXPECT_EQ(a->entries(0).evidence_size(), 2);
}

// A context whose request id is keyed to (actor, method, resource) and bound to `body`.
WriteContext Keyed(const std::string& actor, const std::string& id,
                   const std::string& body, const std::string& resource = "r/U1") {
  WriteContext ctx = Admin(id);
  ctx.actor.id = actor;
  ctx.request_method = "Method";
  ctx.request_resource = resource;
  ctx.request_digest = body;
  ctx.response = [body](const v1::WriteAck& ack) {
    return absl::StrCat(body, " v", ack.versions(0));
  };
  return ctx;
}

TEST_P(StoreTest, ARetriedRequestAppliesOnceAndIsBoundToItsRequest) {
  testing::AddRoundFixture(*store_);
  auto first = store_->UpdateEntries(Keyed("a", "req-1", "x"), "r", "U1",
                                     {Figure("II.1", 412, 0)});
  auto retry = store_->UpdateEntries(Keyed("a", "req-1", "x"), "r", "U1",
                                     {Figure("II.1", 412, 0)});
  ASSERT_TRUE(first.ok() && retry.ok()) << retry.status();
  EXPECT_FALSE(first->replayed());
  EXPECT_TRUE(retry->replayed());
  EXPECT_EQ(retry->versions(0), 1);
  EXPECT_EQ(store_->GetAssessment("r", "U1")->entries(0).version(), 1);
  EXPECT_EQ(AuditCount("rounds/r/assessments/U1/entries/II.1"), 1);
  // The stored answer comes back as it was made.
  auto stored = store_->FindRequest(Keyed("a", "req-1", "x"));
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->response, "x v1");
  EXPECT_TRUE(stored->ack.replayed());
  // Another request under the same key: refused, nothing stored.
  auto other =
      store_->UpdateEntries(Keyed("a", "req-1", "y"), "r", "U1", {Figure("II.1", 5, 1)});
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(other.status().message()),
              HasSubstr("request_id: 'req-1' was already used by this caller for a "
                        "different Method request on r/U1 (at "));
  EXPECT_EQ(store_->FindRequest(Keyed("a", "req-1", "y")).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Another actor, or another resource, with the same id: a request of its own.
  auto b =
      store_->UpdateEntries(Keyed("b", "req-1", "x"), "r", "U1", {Figure("II.1", 7, 1)});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_FALSE(b->replayed());
  auto u2 = store_->UpdateEntries(Keyed("a", "req-1", "x", "r/U2"), "r", "U2",
                                  {Figure("II.1", 8, 0)});
  ASSERT_TRUE(u2.ok()) << u2.status();
  EXPECT_FALSE(u2->replayed());
  EXPECT_EQ(store_->GetAssessment("r", "U1")->entries(0).version(), 2);
  // The record survives a restart.
  Reopen();
  EXPECT_TRUE(
      store_->UpdateEntries(Keyed("a", "req-1", "x"), "r", "U1", {Figure("II.1", 412, 0)})
          ->replayed());
}

class MovableClock final : public Clock {
 public:
  absl::Time Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
  }

 private:
  mutable std::mutex mu_;
  absl::Time now_ = absl::FromUnixSeconds(1700000000);
};

TEST_P(StoreTest, RequestIdsAreForgottenAfterTheRetentionTime) {
  MovableClock clock;
  StoreOptions options;
  options.clock = &clock;
  Reopen(options);
  testing::AddRoundFixture(*store_);
  ASSERT_TRUE(
      store_->UpdateEntries(Keyed("a", "old", "x"), "r", "U1", {Figure("II.1", 1, 0)})
          .ok());
  clock.Advance(absl::Hours(24 * 7) - absl::Minutes(1));
  Reopen(options);  // a new store prunes on its first write
  ASSERT_TRUE(store_->UpdateEntries(Admin(), "r", "U2", {Figure("II.1", 1, 0)}).ok());
  EXPECT_TRUE(store_->FindRequest(Keyed("a", "old", "x")).ok());
  clock.Advance(absl::Minutes(2));
  Reopen(options);
  ASSERT_TRUE(store_->UpdateEntries(Admin(), "r", "U2", {Figure("II.1", 2, 1)}).ok());
  EXPECT_EQ(store_->FindRequest(Keyed("a", "old", "x")).status().code(),
            absl::StatusCode::kNotFound);
  // Forgotten: the same id is a new request (its etag now decides).
  auto again =
      store_->UpdateEntries(Keyed("a", "old", "y"), "r", "U1", {Figure("II.1", 3, 1)});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->replayed());
}

// A prune that fails (here a trigger refuses it) is not the group's failure: the
// writes after it are stored, the old ids wait for the next prune. (On PostgreSQL a
// failed statement ends its transaction: inside the group's, it took the group with it.)
TEST_P(StoreTest, AFailingPruneLeavesTheGroupsWritesStored) {
  MovableClock clock;
  StoreOptions options;
  options.clock = &clock;
  Reopen(options);
  testing::AddRoundFixture(*store_);
  ASSERT_TRUE(
      store_->UpdateEntries(Keyed("a", "old", "x"), "r", "U1", {Figure("II.1", 1, 0)})
          .ok());
  const bool sqlite = GetParam() == "sqlite";
  ASSERT_TRUE(ExecSql(sqlite ? "CREATE TRIGGER no_prune BEFORE DELETE ON requests "
                               "BEGIN SELECT RAISE(ABORT, 'prune refused'); END;"
                             : "CREATE FUNCTION no_prune() RETURNS trigger LANGUAGE "
                               "plpgsql AS $$ BEGIN RAISE EXCEPTION 'prune refused'; "
                               "END $$; CREATE TRIGGER no_prune BEFORE DELETE ON "
                               "requests FOR EACH ROW EXECUTE FUNCTION no_prune();")
                  .ok());
  clock.Advance(absl::Hours(24 * 8));
  Reopen(options);  // a new store prunes on its first write
  auto written = store_->UpdateEntries(Admin(), "r", "U2", {Figure("II.1", 7, 0)});
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(store_->GetAssessment("r", "U2")->entries(0).version(), 1);
  EXPECT_TRUE(store_->FindRequest(Keyed("a", "old", "x")).ok());  // not pruned
  // Allowed again, the next prune (an hour on) forgets it.
  ASSERT_TRUE(
      ExecSql("DROP TRIGGER no_prune" + std::string(sqlite ? "" : " ON requests")).ok());
  clock.Advance(absl::Minutes(61));
  ASSERT_TRUE(store_->UpdateEntries(Admin(), "r", "U2", {Figure("II.1", 8, 1)}).ok());
  EXPECT_EQ(store_->FindRequest(Keyed("a", "old", "x")).status().code(),
            absl::StatusCode::kNotFound);
}

// A write checked against the round at one version (its phase allowed it) is refused
// when the round moved on before the write's transaction: nothing is stored. A retry
// of a request already applied still gets its answer.
TEST_P(StoreTest, AWriteCheckedUnderAnOlderRoundIsAbortedAndStoresNothing) {
  testing::AddRoundFixture(*store_);
  WriteContext checked = Keyed("a", "req-1", "x");
  checked.round = "r";
  checked.round_version = 1;
  auto first = store_->UpdateEntries(checked, "r", "U1", {Figure("II.1", 1, 0)});
  ASSERT_TRUE(first.ok()) << first.status();
  v1::Round round = *store_->GetRound("r");
  round.set_phase(v1::PHASE_APPRAISAL);
  ASSERT_TRUE(store_->UpdateRound(Admin(), round, 1).ok());
  const int audit_before = AuditCount();
  WriteContext stale = Keyed("a", "req-2", "y");
  stale.round = "r";
  stale.round_version = 1;
  auto refused = store_->UpdateEntries(stale, "r", "U1", {Figure("II.1", 2, 1)});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(refused.status().message(),
            "rounds/r changed while this request was checked (version 1 was read, 2 is "
            "stored): nothing was written; send it again");
  EXPECT_EQ(store_->GetAssessment("r", "U1")->entries(0).version(), 1);
  EXPECT_EQ(AuditCount(), audit_before);
  EXPECT_EQ(store_->FindRequest(stale).status().code(), absl::StatusCode::kNotFound);
  auto replay = store_->UpdateEntries(checked, "r", "U1", {Figure("II.1", 1, 0)});
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_TRUE(replay->replayed());
  stale.round_version = 2;  // checked again, under the round as it is now
  EXPECT_TRUE(store_->UpdateEntries(stale, "r", "U1", {Figure("II.1", 2, 1)}).ok());
  WriteContext gone = Admin();
  gone.round = "nope";
  gone.round_version = 1;
  EXPECT_EQ(
      store_->UpdateEntries(gone, "r", "U2", {Figure("II.1", 1, 0)}).status().code(),
      absl::StatusCode::kNotFound);
}

TEST_P(StoreTest, AFinalisedRoundKeepsItsUnitsAndPlans) {
  testing::AddRoundFixture(*store_);
  v1::Plan plan;
  plan.set_id("p");
  plan.set_title("v1");
  ASSERT_TRUE(store_->PutPlan(Admin(), plan).ok());
  v1::Round round = *store_->GetRound("r");
  round.add_plans("p");
  ASSERT_TRUE(store_->UpdateRound(Admin(), round, round.version()).ok());
  EXPECT_TRUE(store_->GetRoundInputs("r")->units.empty());  // open: nothing kept
  round = *store_->GetRound("r");
  round.set_phase(v1::PHASE_FINALISED);
  ASSERT_TRUE(store_->UpdateRound(Admin(), round, round.version()).ok());
  v1::Unit renamed = *store_->GetUnit("U1");
  renamed.set_name("renamed");
  ASSERT_TRUE(store_->PutUnit(Admin(), renamed).ok());
  plan.set_title("v2");
  ASSERT_TRUE(store_->PutPlan(Admin(), plan).ok());
  Reopen();
  auto kept = store_->GetRoundInputs("r");
  ASSERT_TRUE(kept.ok()) << kept.status();
  ASSERT_EQ(kept->units.size(), 2u);
  EXPECT_EQ(kept->units[0].name(), "Phường U1");
  ASSERT_EQ(kept->plans.size(), 1u);
  EXPECT_EQ(kept->plans[0].title(), "v1");
  // Publishing later keeps the first copy.
  round = *store_->GetRound("r");
  round.set_phase(v1::PHASE_PUBLISHED);
  ASSERT_TRUE(store_->UpdateRound(Admin(), round, round.version()).ok());
  EXPECT_EQ(store_->GetRoundInputs("r")->units[0].name(), "Phường U1");
}

TEST_P(StoreTest, AFormNeverOutgrowsOneAnswer) {
  StoreOptions options;
  options.max_assessment_bytes = 4000;
  options.max_files_per_criterion = 2;
  Reopen(options);
  testing::AddRoundFixture(*store_);
  store::EntryUpdate big = Figure("II.1", 1, 0);
  big.entry.set_comment(std::string(3000, 'x'));
  ASSERT_TRUE(store_->UpdateEntries(Admin(), "r", "U1", {big}).ok());
  store::EntryUpdate more = Figure("II.2", 1, 0);
  more.entry.set_comment(std::string(1000, 'y'));
  auto refused = store_->UpdateEntries(Admin(), "r", "U1", {more});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("rounds/r/assessments/U1: the form would hold "));
  EXPECT_EQ(store_->GetAssessment("r", "U1")->entries_size(), 1);
  // A ward fills three quarters at most; the office keeps the rest.
  WriteContext ward = Admin();
  ward.actor = {"tok_u2", "ward", "U2"};
  ward.unit_share = true;
  store::EntryUpdate ward_text = Figure("II.1", 1, 0);
  ward_text.entry.set_comment(std::string(2800, 'w'));
  ASSERT_TRUE(store_->UpdateEntries(ward, "r", "U2", {ward_text}).ok());
  store::EntryUpdate ward_more = Figure("II.2", 1, 0);
  ward_more.entry.set_comment(std::string(300, 'w'));
  EXPECT_THAT(
      std::string(store_->UpdateEntries(ward, "r", "U2", {ward_more}).status().message()),
      HasSubstr(", more than the 3000 a unit may fill in its self-assessment; shorten"));
  store::EntryUpdate office = Figure("II.3", 1, 0);
  office.entry.set_appraisal_comment(std::string(500, 'o'));
  EXPECT_TRUE(store_->UpdateEntries(Admin(), "r", "U2", {office}).ok());
  // Files per criterion.
  v1::Evidence meta;
  meta.set_file_name("a.pdf");
  ASSERT_TRUE(store_->AddEvidence(Admin(), "r", "U2", "I.1", meta, "1").ok());
  ASSERT_TRUE(store_->AddEvidence(Admin(), "r", "U2", "I.1", meta, "2").ok());
  auto third = store_->AddEvidence(Admin(), "r", "U2", "I.1", meta, "3");
  EXPECT_EQ(third.status().message(),
            "rounds/r/assessments/U2/entries/I.1: already has 2 files, the most one "
            "criterion may hold");
  EXPECT_TRUE(store_->AddEvidence(Admin(), "r", "U2", "I.2", meta, "3").ok());
}

TEST_P(StoreTest, AuditFiltersByResourceActorAndPage) {
  testing::AddRoundFixture(*store_);
  store::WriteContext ward;
  ward.actor = {"tok_u1", "ward", "U1"};
  ASSERT_TRUE(store_->UpdateEntries(ward, "r", "U1", {Figure("II.1", 1, 0)}).ok());
  ASSERT_TRUE(store_->UpdateEntries(ward, "r", "U1", {Figure("II.10", 1, 0)}).ok());
  AuditFilter filter;
  filter.resource_prefix = "rounds/r/assessments/U1/entries/II.1";
  auto exact = store_->ListAudit(filter);
  ASSERT_EQ(exact->size(), 1u);  // not II.10: the prefix matches whole path segments
  EXPECT_EQ((*exact)[0].role(), "ward");
  EXPECT_EQ((*exact)[0].actor_unit(), "U1");
  filter = AuditFilter();
  filter.actor = "tok_u1";
  EXPECT_EQ(store_->ListAudit(filter)->size(), 2u);
  filter.limit = 1;
  auto page1 = store_->ListAudit(filter);
  filter.after_id = (*page1)[0].id();
  auto page2 = store_->ListAudit(filter);
  ASSERT_EQ(page2->size(), 1u);
  EXPECT_EQ((*page2)[0].resource(), "rounds/r/assessments/U1/entries/II.10");
  // Without bodies: the same events, their before and after left empty.
  filter = AuditFilter();
  filter.actor = "tok_u1";
  auto whole = store_->ListAudit(filter);
  filter.bodies = false;
  auto heads = store_->ListAudit(filter);
  ASSERT_TRUE(whole.ok() && heads.ok());
  ASSERT_EQ(heads->size(), 2u);
  ASSERT_EQ(whole->size(), 2u);
  EXPECT_FALSE((*whole)[0].after().empty());
  for (size_t i = 0; i < heads->size(); ++i) {
    v1::AuditEvent expected = (*whole)[i];
    expected.clear_before();
    expected.clear_after();
    EXPECT_EQ((*heads)[i].SerializeAsString(), expected.SerializeAsString());
  }
}

TEST_P(StoreTest, ManyWritersLoseAndDuplicateNothing) {
  testing::AddRoundFixture(*store_);
  constexpr int kThreads = 16;
  constexpr int kWrites = 40;
  std::atomic<int> contended_ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        // Each thread's own entries...
        auto own = store_->UpdateEntries(Admin(), "r", "U1",
                                         {Figure(absl::StrCat("T", t, ".", i), i, 0)});
        ASSERT_TRUE(own.ok()) << own.status();
        // ...and one entry every thread increments with read-modify-write.
        while (true) {
          auto a = store_->GetAssessment("r", "U2");
          ASSERT_TRUE(a.ok());
          const int64_t version = a->entries_size() == 0 ? 0 : a->entries(0).version();
          const int64_t value =
              a->entries_size() == 0 ? 0 : a->entries(0).self().figures().at("x");
          auto inc = store_->UpdateEntries(Admin(), "r", "U2",
                                           {Figure("C", value + 1, version)});
          if (inc.ok()) {
            ++contended_ok;
            break;
          }
          ASSERT_EQ(inc.status().code(), absl::StatusCode::kAborted) << inc.status();
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(store_->GetAssessment("r", "U1")->entries_size(), kThreads * kWrites);
  auto counter = store_->GetAssessment("r", "U2");
  ASSERT_EQ(counter->entries_size(), 1);
  EXPECT_EQ(counter->entries(0).self().figures().at("x"), kThreads * kWrites);
  EXPECT_EQ(counter->entries(0).version(), kThreads * kWrites);
  EXPECT_EQ(contended_ok.load(), kThreads * kWrites);
  EXPECT_EQ(AuditCount("rounds/r/assessments"), 2 * kThreads * kWrites);
}

int UserVersion(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr);
  sqlite3_step(stmt);
  const int version = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return version;
}

void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
}

// A new file at schema `version` holding what testing::AddRoundFixture stores (set s,
// units U1 and U2, round r in self-assessment with their assessments, and an audit row
// for each), written as raw SQL the way that schema's release wrote it: today's store
// writes only today's schema.
void RawRoundFixture(const std::string& path, int version) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_TRUE(Migrate(db, version).ok());
  sqlite3_close(db);
  const std::string at = "'2023-11-20T02:00:00.000Z'";
  auto hex = [](const google::protobuf::Message& m) {
    return absl::StrCat("X'", absl::BytesToHexString(m.SerializeAsString()), "'");
  };
  auto audit = [&](const std::string& action, const std::string& resource) {
    return absl::StrCat(
        "INSERT INTO audit (at, actor, role, actor_unit, action, resource, before, "
        "after, reason, request_id) VALUES (",
        at, ", 'tok_admin', 'admin', '', '", action, "', '", resource,
        "', '', '{}', '', '');");
  };
  v1::CriteriaSet set;
  set.set_id("s");
  set.set_title("set");
  set.set_version(1);
  std::string sql =
      absl::StrCat("INSERT INTO criteria_sets VALUES ('s', 1, ", hex(set), ", ", at, ");",
                   audit("criteria_set.add", "criteriaSets/s/versions/1"));
  v1::Round round;
  round.set_id("r");
  round.set_criteria_set("s");
  round.set_criteria_set_version(1);
  round.set_phase(v1::PHASE_SELF_ASSESSMENT);
  for (const char* code : {"U1", "U2"}) {
    v1::Unit unit;
    unit.set_code(code);
    unit.set_name(absl::StrCat("Phường ", code));
    unit.set_kind(v1::WARD);
    round.add_units(code);
    absl::StrAppend(&sql, "INSERT INTO units VALUES ('", code, "', 1, ", hex(unit), ", ",
                    at, ");", audit("unit.put", absl::StrCat("units/", code)));
  }
  absl::StrAppend(&sql, "INSERT INTO rounds VALUES ('r', 1, 's', 1, ", hex(round), ");",
                  audit("round.create", "rounds/r"));
  for (const char* code : {"U1", "U2"}) {
    absl::StrAppend(&sql,
                    "INSERT INTO assessments (round_id, unit_code, state, version, "
                    "reopened, updated_at) VALUES ('r', '",
                    code, "', ", int{v1::STATE_NOT_STARTED}, ", 1, 0, ", at, ");");
  }
  RawExec(path, sql);
}

TEST_F(SqliteStoreTest, MigratesFromTheFirstSchemaKeepingData) {
  store_.reset();  // SetUp made a file at the latest schema; start again at the first
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(dir_.File(absl::StrCat("parindex.db", suffix)));
  }
  RawRoundFixture(dir_.File("parindex.db"), 1);
  // An entry, a file and a request id as the first release wrote them (its SQL).
  store::EntryUpdate figure = Figure("II.1", 412, 0);
  figure.entry.set_version(1);
  std::string body;
  ASSERT_TRUE(figure.entry.SerializeToString(&body));
  v1::Evidence meta;
  meta.set_file_name("kh.pdf");
  std::string meta_bytes;
  ASSERT_TRUE(meta.SerializeToString(&meta_bytes));
  RawExec(
      dir_.File("parindex.db"),
      absl::StrCat("INSERT INTO entries VALUES ('r', 'U1', 'II.1', 1, X'",
                   absl::BytesToHexString(body),
                   "', '2023-11-20T02:00:00.000Z', 'tok_admin');"
                   "INSERT INTO evidence (round_id, unit_code, criterion, meta, sha256, "
                   "size, content, created_at) VALUES ('r', 'U1', 'II.2', X'",
                   absl::BytesToHexString(meta_bytes),
                   "', 'x', 1, X'41', '2023-11-20T02:00:00.000Z');"
                   "INSERT INTO requests VALUES ('old', 'UpdateEntries', X'', "
                   "'2023-11-20T02:00:00.000Z');"));
  ASSERT_EQ(UserVersion(dir_.File("parindex.db")), 1);
  // At schema 5 the figure is on the data sheet, and the entry holds none.
  v1::Entry converted = figure.entry;
  converted.mutable_self()->clear_figures();
  v1::DataValue value;
  value.set_element("x");
  value.mutable_self()->set_count(412);
  value.mutable_self()->set_updated_by("tok_admin");
  value.mutable_self()->set_updated_at("2023-11-20T02:00:00.000Z");
  value.set_version(1);
  const size_t form = converted.ByteSizeLong() + meta_bytes.size() + value.ByteSizeLong();
  StoreOptions small;
  small.max_assessment_bytes = static_cast<int64_t>(form) + 10;  // just fits
  Reopen(small);
  EXPECT_EQ(UserVersion(dir_.File("parindex.db")), LatestSchemaVersion());
  EXPECT_EQ(LatestSchemaVersion(), 13);
  auto a = store_->GetAssessment("r", "U1");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->entries(0).self().figures().empty());
  ASSERT_EQ(a->values_size(), 1);
  EXPECT_EQ(a->values(0).ShortDebugString(), value.ShortDebugString());
  EXPECT_TRUE(store_->upgrade_notes().empty());
  EXPECT_EQ(store_->GetRound("r")->units_size(), 2);
  // The form's size was counted at the upgrade: 11 more bytes do not fit.
  store::EntryUpdate more = Figure("II.3", 1, 0);
  more.entry.set_comment(std::string(11, 'x'));
  auto refused = store_->UpdateEntries(Admin(), "r", "U1", {more});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  // The same entry stored on U2 (an empty form) tells its size as stored.
  Reopen();
  ASSERT_TRUE(store_->UpdateEntries(Admin(), "r", "U2", {more}).ok());
  const size_t stored = store_->GetAssessment("r", "U2")->entries(0).ByteSizeLong();
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr(absl::StrCat("rounds/r/assessments/U1: the form would hold ",
                                     form + stored, " bytes")));
}

TEST_F(SqliteStoreTest, RefusesAFileNewerThanTheBinary) {
  store_.reset();
  RawExec(dir_.File("parindex.db"), "PRAGMA user_version = 99");
  StoreOptions options;
  options.path = dir_.File("parindex.db");
  auto store = SqlStore::Open(options);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      store.status().message(),
      absl::StrCat("the database has schema version 99 but this binary knows only up "
                   "to ",
                   LatestSchemaVersion(),
                   ": it was written by a newer parindex-server; upgrade the binary (the "
                   "file was not changed)"));
  EXPECT_EQ(UserVersion(dir_.File("parindex.db")), 99);
}

TEST_F(SqliteStoreTest, ADamagedFileIsReportedClearly) {
  testing::AddRoundFixture(*store_);
  store_.reset();
  {
    std::fstream file(dir_.File("parindex.db"),
                      std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(4096 * 2);
    const std::string garbage(4096, '\x5a');
    file.write(garbage.data(), garbage.size());
  }
  StoreOptions options;
  options.path = dir_.File("parindex.db");
  auto store = SqlStore::Open(options);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(
      std::string(store.status().message()),
      HasSubstr(absl::StrCat("database ", dir_.File("parindex.db"), " is damaged (")));
  EXPECT_THAT(std::string(store.status().message()),
              HasSubstr("restore it from a backup with `parindex-server restore`"));
}

TEST_F(SqliteStoreTest, OneServerPerFile) {
  StoreOptions options;
  options.path = dir_.File("parindex.db");
  auto second = SqlStore::Open(options);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      second.status().message(),
      absl::StrCat("database ", options.path, " is in use by another parindex-server (",
                   options.path, ".lock is locked)"));
}

TEST_F(SqliteStoreTest, AFailedCommitStoresNothingAndTheStoreGoesOn) {
  StoreOptions options;
  RegisterFaultVfs();
  options.vfs = kFaultVfsName;
  Reopen(options);
  testing::AddRoundFixture(*store_);
  ASSERT_TRUE(store_->UpdateEntries(Admin(), "r", "U1", {Figure("II.1", 1, 0)}).ok());
  const int audit_before = AuditCount();
  const int injected_before = InjectedFailures();
  FailWriteAfter(1);  // the first file write of the next commit fails
  auto failed = store_->UpdateEntries(Admin("req-f"), "r", "U1",
                                      {Figure("II.1", 2, 1), Figure("II.2", 2, 0)});
  FailWriteAfter(0);
  EXPECT_EQ(InjectedFailures(), injected_before + 1);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(failed.status().message()),
              HasSubstr("the write was not stored"));
  auto a = store_->GetAssessment("r", "U1");
  ASSERT_EQ(a->entries_size(), 1);
  EXPECT_EQ(a->entries(0).version(), 1);
  EXPECT_EQ(AuditCount(), audit_before);
  // The store goes on, and the failed request id is free for the retry.
  auto retry = store_->UpdateEntries(Admin("req-f"), "r", "U1",
                                     {Figure("II.1", 2, 1), Figure("II.2", 2, 0)});
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_FALSE(retry->replayed());
  Reopen(options);
  EXPECT_EQ(store_->GetAssessment("r", "U1")->entries_size(), 2);
  EXPECT_EQ(AuditCount(), audit_before + 2);
}

TEST_F(SqliteStoreTest, BackupDuringWritesRestoresToAConsistentFile) {
  testing::AddRoundFixture(*store_);
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      ASSERT_TRUE(store_
                      ->UpdateEntries(Admin(), "r", "U1",
                                      {Figure(absl::StrCat("E", i % 20), i, i / 20)})
                      .ok());
      ++written;
    }
  });
  while (written < 50) std::this_thread::yield();
  const std::string copy = dir_.File("copy.db");
  const absl::Status backup = BackupDatabase(dir_.File("parindex.db"), copy);
  stop = true;
  writer.join();
  ASSERT_TRUE(backup.ok()) << backup;
  EXPECT_EQ(BackupDatabase(dir_.File("parindex.db"), copy).code(),
            absl::StatusCode::kAlreadyExists);

  // Restoring over the live file is refused; into a stopped one it works.
  EXPECT_EQ(RestoreDatabase(copy, dir_.File("parindex.db")).code(),
            absl::StatusCode::kFailedPrecondition);
  const std::string restored = dir_.File("restored.db");
  ASSERT_TRUE(RestoreDatabase(copy, restored).ok());
  StoreOptions options;
  options.path = restored;
  auto from_backup = SqlStore::Open(options);
  ASSERT_TRUE(from_backup.ok()) << from_backup.status();
  // Consistent: every entry's version equals the audit rows written for it.
  auto a = (*from_backup)->GetAssessment("r", "U1");
  ASSERT_GT(a->entries_size(), 0);
  for (const v1::Entry& e : a->entries()) {
    AuditFilter filter;
    filter.resource_prefix =
        absl::StrCat("rounds/r/assessments/U1/entries/", e.criterion());
    filter.limit = 100000;
    EXPECT_EQ(static_cast<int64_t>((*from_backup)->ListAudit(filter)->size()),
              e.version());
  }
}

// ---- data sheets ----

ValueUpdate Count(const std::string& element, int64_t self, int64_t expected_version) {
  ValueUpdate update;
  update.value.set_element(element);
  update.value.mutable_self()->set_count(self);
  update.expected_version = expected_version;
  return update;
}

TEST_P(StoreTest, AFormStoresEntriesAndValuesTogether) {
  MovableClock clock;
  StoreOptions options;
  options.clock = &clock;
  Reopen(options);
  testing::AddRoundFixture(*store_);
  v1::Entry typed;
  typed.set_criterion("III.2.1");
  typed.set_comment("sổ theo dõi");
  FormUpdate form;
  form.entries.push_back({typed, 0});
  form.values = {Count("resolved", 784, 0), Count("received", 900, 0)};
  auto ack = store_->UpdateForm(Admin(), "r", "U1", form, nullptr);
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_THAT(ack->versions(), ::testing::ElementsAre(1, 1, 1));  // entries, then values
  EXPECT_EQ(ack->at(), "2023-11-14T22:13:20.000Z");

  // The appraiser's side, with the unit's as read: only the new side is stamped anew.
  clock.Advance(absl::Minutes(1));
  WriteContext appraiser = Admin();
  appraiser.actor = {"tok_appraiser", "appraiser", ""};
  v1::DataValue resolved = store_->GetAssessment("r", "U1")->values(1);
  ASSERT_EQ(resolved.element(), "resolved");
  resolved.mutable_appraised()->set_count(780);
  FormUpdate appraisal;
  appraisal.values.push_back({resolved, 1});
  StateChange change{v1::STATE_APPRAISED, 1, false};
  ack = store_->UpdateForm(appraiser, "r", "U1", appraisal, &change);
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_THAT(ack->versions(), ::testing::ElementsAre(2));
  EXPECT_EQ(ack->version(), 2);  // the assessment's

  auto a = store_->GetAssessment("r", "U1");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->state(), v1::STATE_APPRAISED);
  ASSERT_EQ(a->entries_size(), 1);
  EXPECT_EQ(a->entries(0).comment(), "sổ theo dõi");
  ASSERT_EQ(a->values_size(), 2);  // by element code
  EXPECT_EQ(a->values(0).ShortDebugString(),
            R"(element: "received" self { count: 900 updated_by: "tok_admin" )"
            R"(updated_at: "2023-11-14T22:13:20.000Z" } version: 1)");
  EXPECT_EQ(a->values(1).ShortDebugString(),
            R"(element: "resolved" self { count: 784 updated_by: "tok_admin" )"
            R"(updated_at: "2023-11-14T22:13:20.000Z" } appraised { count: 780 )"
            R"(updated_by: "tok_appraiser" updated_at: "2023-11-14T22:14:20.000Z" } )"
            R"(version: 2)");
  // Every read of a form carries its sheet.
  auto some = store_->GetAssessmentEntries("r", "U1", {"I.1"});
  ASSERT_TRUE(some.ok()) << some.status();
  EXPECT_EQ(some->entries_size(), 0);
  EXPECT_EQ(some->values_size(), 2);
  auto all = store_->ListAssessments("r", /*with_files=*/false);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].values(1).ShortDebugString(), a->values(1).ShortDebugString());
  EXPECT_EQ((*all)[1].values_size(), 0);

  AuditFilter filter;
  filter.resource_prefix = "rounds/r/assessments/U1/dataSheet/resolved";
  auto events = store_->ListAudit(filter);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[1].action(), "value.update");
  EXPECT_EQ((*events)[1].actor(), "tok_appraiser");
  EXPECT_EQ((*events)[1].before(),
            R"({"element":"resolved","self":{"count":"784","updated_by":"tok_admin",)"
            R"("updated_at":"2023-11-14T22:13:20.000Z"},"version":"1"})");
  EXPECT_EQ((*events)[1].after(),
            R"({"element":"resolved","self":{"count":"784","updated_by":"tok_admin",)"
            R"("updated_at":"2023-11-14T22:13:20.000Z"},"appraised":{"count":"780",)"
            R"("updated_by":"tok_appraiser","updated_at":"2023-11-14T22:14:20.000Z"},)"
            R"("version":"2"})");
  // A correction of the entries reads as one of the values.
  WriteContext correct = Admin();
  correct.action = "entry.correct";
  ASSERT_TRUE(
      store_->UpdateForm(correct, "r", "U1", {{}, {Count("received", 901, 1)}}, nullptr)
          .ok());
  filter.resource_prefix = "rounds/r/assessments/U1/dataSheet/received";
  events = store_->ListAudit(filter);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[1].action(), "value.correct");
}

TEST_P(StoreTest, AStaleValueStoresNothing) {
  testing::AddRoundFixture(*store_);
  ASSERT_TRUE(
      store_->UpdateForm(Admin(), "r", "U1", {{}, {Count("resolved", 784, 0)}}, nullptr)
          .ok());
  const int audit_before = AuditCount();
  FormUpdate form;
  form.entries.push_back(Figure("III.2.1", 1, 0));
  form.values = {Count("received", 900, 0), Count("resolved", 1180, 0)};
  auto stale = store_->UpdateForm(Admin(), "r", "U1", form, nullptr);
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(stale.status().message(),
            "rounds/r/assessments/U1/dataSheet/resolved: stale version 0; it is at "
            "version 1 (someone else changed it: read it again, then retry)");
  // Several units at once: the second unit's stale value takes the first's with it.
  auto units = store_->UpdateUnitsEntries(Admin(), "r",
                                          std::vector<std::pair<std::string, FormUpdate>>{
                                              {"U2", {{}, {Count("resolved", 5, 0)}}},
                                              {"U1", {{}, {Count("resolved", 6, 7)}}}});
  EXPECT_EQ(units.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(units.status().message(),
            "rounds/r/assessments/U1/dataSheet/resolved: stale version 7; it is at "
            "version 1 (someone else changed it: read it again, then retry)");
  EXPECT_EQ(AuditCount(), audit_before);
  auto a = store_->GetAssessment("r", "U1");
  EXPECT_EQ(a->entries_size(), 0);
  ASSERT_EQ(a->values_size(), 1);
  EXPECT_EQ(a->values(0).self().count(), 784);
  EXPECT_EQ(a->values(0).version(), 1);
  EXPECT_EQ(store_->GetAssessment("r", "U2")->values_size(), 0);
  // Fresh, they are stored together; the ack lists each unit's versions in turn.
  units = store_->UpdateUnitsEntries(
      Admin(), "r",
      std::vector<std::pair<std::string, FormUpdate>>{
          {"U2", {{Figure("III.2.1", 1, 0)}, {Count("resolved", 5, 0)}}},
          {"U1", {{}, {Count("resolved", 6, 1)}}}});
  ASSERT_TRUE(units.ok()) << units.status();
  EXPECT_THAT(units->versions(), ::testing::ElementsAre(1, 1, 2));
  EXPECT_EQ(store_->GetAssessment("r", "U2")->values(0).self().count(), 5);
  EXPECT_EQ(store_->GetAssessment("r", "U1")->values(0).self().count(), 6);
}

TEST_P(StoreTest, AValueWithNoSideLeftKeepsItsVersion) {
  testing::AddRoundFixture(*store_);
  ValueUpdate both = Count("resolved", 784, 0);
  both.value.mutable_appraised()->set_count(780);
  ASSERT_TRUE(store_->UpdateForm(Admin(), "r", "U1", {{}, {both}}, nullptr).ok());
  // A side without a value is cleared; the other stays.
  ValueUpdate self_only = Count("resolved", 784, 1);
  self_only.value.mutable_appraised();  // present, holding nothing
  auto ack = store_->UpdateForm(Admin(), "r", "U1", {{}, {self_only}}, nullptr);
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->versions(0), 2);
  auto a = store_->GetAssessment("r", "U1");
  ASSERT_EQ(a->values_size(), 1);
  EXPECT_FALSE(a->values(0).has_appraised());
  EXPECT_EQ(a->values(0).self().count(), 784);
  // Neither side: the element is not reported any more, but its version goes on, so
  // that an etag read before the clearing stays stale (a lost update otherwise: found
  // by an outside tester, the version went back to 1 after a clearing).
  ValueUpdate none;
  none.value.set_element("resolved");
  none.expected_version = 2;
  ack = store_->UpdateForm(Admin(), "r", "U1", {{}, {none}}, nullptr);
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_THAT(ack->versions(), ::testing::ElementsAre(3));
  a = store_->GetAssessment("r", "U1");
  ASSERT_EQ(a->values_size(), 1);
  EXPECT_EQ(a->values(0).ShortDebugString(), R"(element: "resolved" version: 3)");
  AuditFilter filter;
  filter.resource_prefix = "rounds/r/assessments/U1/dataSheet/resolved";
  auto events = store_->ListAudit(filter);
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[2].after(), R"({"element":"resolved","version":"3"})");
  EXPECT_THAT((*events)[2].before(), HasSubstr(R"("version":"2")"));
  // A writer still holding version 1 or 2, or starting from 0, is stale.
  for (int64_t stale : {0, 1, 2}) {
    EXPECT_EQ(
        store_
            ->UpdateForm(Admin(), "r", "U1", {{}, {Count("resolved", 5, stale)}}, nullptr)
            .status()
            .code(),
        absl::StatusCode::kAborted)
        << stale;
  }
  EXPECT_EQ(
      store_->UpdateForm(Admin(), "r", "U1", {{}, {Count("resolved", 1, 3)}}, nullptr)
          ->versions(0),
      4);
  // Clearing what was never there changes and audits nothing.
  ValueUpdate never;
  never.value.set_element("received");
  ack = store_->UpdateForm(Admin(), "r", "U1", {{}, {never}}, nullptr);
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_THAT(ack->versions(), ::testing::ElementsAre(0));
  EXPECT_EQ(AuditCount("rounds/r/assessments/U1/dataSheet/received"), 0);
}

TEST_P(StoreTest, ValuesCountTowardsTheFormLimit) {
  StoreOptions options;
  options.max_assessment_bytes = 500;
  Reopen(options);
  testing::AddRoundFixture(*store_);
  store::EntryUpdate text = Figure("III.2.1", 1, 0);
  text.entry.set_comment(std::string(200, 'x'));
  ASSERT_TRUE(store_->UpdateEntries(Admin(), "r", "U1", {text}).ok());
  ValueUpdate big = Count(std::string(100, 'e'), 1, 0);
  ASSERT_TRUE(store_->UpdateForm(Admin(), "r", "U1", {{}, {big}}, nullptr).ok());
  auto a = store_->GetAssessment("r", "U1");
  const size_t held = a->entries(0).ByteSizeLong() + a->values(0).ByteSizeLong();
  ValueUpdate more = Count(std::string(100, 'f'), 1, 0);
  const size_t more_bytes = [&] {
    v1::DataValue stored = more.value;
    stored.mutable_self()->set_updated_by("tok_admin");
    stored.mutable_self()->set_updated_at(a->values(0).self().updated_at());
    stored.set_version(1);
    return stored.ByteSizeLong();
  }();
  auto refused = store_->UpdateForm(Admin(), "r", "U1", {{}, {more}}, nullptr);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      refused.status().message(),
      absl::StrCat("rounds/r/assessments/U1: the form would hold ", held + more_bytes,
                   " bytes of entries, data values and file details, more than "
                   "the 500 one form may hold; shorten comments, explanations or "
                   "summaries"));
  EXPECT_EQ(store_->GetAssessment("r", "U1")->values_size(), 1);
  // Clearing a value makes room again (its row keeps its code and version only).
  ValueUpdate gone;
  gone.value.set_element(std::string(100, 'e'));
  gone.expected_version = 1;
  ASSERT_TRUE(store_->UpdateForm(Admin(), "r", "U1", {{}, {gone}}, nullptr).ok());
  EXPECT_EQ(store_->UpdateForm(Admin(), "r", "U1", {{}, {more}}, nullptr).status().code(),
            absl::StatusCode::kFailedPrecondition);  // 200 bytes of comment still there
  store::EntryUpdate shorter = Figure("III.2.1", 1, 1);
  ASSERT_TRUE(store_->UpdateEntries(Admin(), "r", "U1", {shorter}).ok());
  ASSERT_TRUE(store_->UpdateForm(Admin(), "r", "U1", {{}, {more}}, nullptr).ok());
  // A unit's own values stop at three quarters.
  WriteContext ward = Admin();
  ward.actor = {"tok_u2", "ward", "U2"};
  ward.unit_share = true;
  ASSERT_TRUE(store_->UpdateEntries(ward, "r", "U2", {text}).ok());
  EXPECT_THAT(
      std::string(
          store_->UpdateForm(ward, "r", "U2", {{}, {big}}, nullptr).status().message()),
      HasSubstr(", more than the 375 a unit may fill in its self-assessment"));
}

TEST_P(StoreTest, ARetriedFormRequestAppliesOnce) {
  testing::AddRoundFixture(*store_);
  FormUpdate form;
  form.entries.push_back(Figure("III.2.1", 1, 0));
  form.values.push_back(Count("resolved", 784, 0));
  auto first = store_->UpdateForm(Keyed("a", "req-1", "x"), "r", "U1", form, nullptr);
  auto retry = store_->UpdateForm(Keyed("a", "req-1", "x"), "r", "U1", form, nullptr);
  ASSERT_TRUE(first.ok() && retry.ok()) << retry.status();
  EXPECT_FALSE(first->replayed());
  EXPECT_TRUE(retry->replayed());
  EXPECT_THAT(retry->versions(), ::testing::ElementsAre(1, 1));
  EXPECT_EQ(store_->FindRequest(Keyed("a", "req-1", "x"))->response, "x v1");
  EXPECT_EQ(store_->GetAssessment("r", "U1")->values(0).version(), 1);
  EXPECT_EQ(AuditCount("rounds/r/assessments/U1/dataSheet/resolved"), 1);
  form.values[0] = Count("resolved", 785, 1);
  auto other = store_->UpdateForm(Keyed("a", "req-1", "y"), "r", "U1", form, nullptr);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetAssessment("r", "U1")->values(0).self().count(), 784);
}

// ---- plan tasks ----

v1::TaskAssignment Assigned(const std::string& unit, v1::TaskRole role) {
  v1::TaskAssignment a;
  a.set_unit(unit);
  a.set_role(role);
  return a;
}

// Assignments keep progress across a reassignment, a stale version is ABORTED with
// nothing stored, a unit that reported progress is not dropped, and the computed value
// goes in the progress write's transaction.
TEST_P(StoreTest, TaskAssignmentsKeepProgressAndRefuseStaleOrDroppedWrites) {
  testing::AddRoundFixture(*store_);
  const std::string task = "rounds/r/plans/p/tasks/3";
  auto assigned = store_->AssignTask(
      Admin(), "r", "p", 3,
      {Assigned("U1", v1::TASK_LEAD), Assigned("U2", v1::TASK_COORDINATING)}, {});
  ASSERT_TRUE(assigned.ok()) << assigned.status();
  EXPECT_THAT(assigned->versions(), ::testing::ElementsAre(1, 1));
  auto all = store_->ListTaskAssignments("r", "");
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].task(), task);
  EXPECT_EQ((*all)[0].unit(), "U1");
  EXPECT_EQ((*all)[0].state(), v1::TASK_NOT_STARTED);
  EXPECT_EQ((*all)[1].role(), v1::TASK_COORDINATING);

  v1::TaskAssignment progress;
  progress.set_unit("U1");
  progress.set_state(v1::TASK_DONE);
  progress.mutable_done_on()->set_year(2023);
  progress.mutable_done_on()->set_month(5);
  progress.mutable_done_on()->set_day(9);
  progress.set_evidence("Kế hoạch 12/KH-UBND");
  FormUpdate form;
  form.values.push_back(Count("tasks_done_on_time", 1, 0));
  auto done = store_->UpdateTaskProgress(Admin(), "r", "p", 3, progress, 1, form);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->version(), 2);
  EXPECT_EQ(store_->GetAssessment("r", "U1")->values(0).self().count(), 1);
  // Stale: nothing stored, not even the value.
  form.values[0] = Count("tasks_done_on_time", 0, 1);
  progress.set_state(v1::TASK_IN_PROGRESS);
  progress.clear_done_on();
  auto stale = store_->UpdateTaskProgress(Admin(), "r", "p", 3, progress, 1, form);
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(stale.status().message(),
            "rounds/r/plans/p/tasks/3/units/U1: stale version 1; it is at version 2 "
            "(someone else changed it: read it again, then retry)");
  EXPECT_EQ(store_->GetAssessment("r", "U1")->values(0).self().count(), 1);
  progress.set_unit("U9");
  EXPECT_EQ(
      store_->UpdateTaskProgress(Admin(), "r", "p", 3, progress, 1, {}).status().code(),
      absl::StatusCode::kNotFound);

  // U1 reported progress: it cannot be dropped, only made coordinating.
  auto dropped =
      store_->AssignTask(Admin(), "r", "p", 3, {Assigned("U2", v1::TASK_LEAD)}, {});
  EXPECT_EQ(dropped.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(dropped.status().message(), HasSubstr("unit U1 has reported progress"));
  auto swapped = store_->AssignTask(
      Admin(), "r", "p", 3,
      {Assigned("U1", v1::TASK_COORDINATING), Assigned("U2", v1::TASK_LEAD)}, {});
  ASSERT_TRUE(swapped.ok()) << swapped.status();
  EXPECT_THAT(swapped->versions(), ::testing::ElementsAre(3, 2));
  auto mine = store_->ListTaskAssignments("r", "U1");
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].state(), v1::TASK_DONE);
  EXPECT_EQ((*mine)[0].done_on().day(), 9);
  EXPECT_EQ((*mine)[0].evidence(), "Kế hoạch 12/KH-UBND");
  EXPECT_EQ((*mine)[0].version(), 3);
  // The same assignment again changes no version.
  auto same = store_->AssignTask(
      Admin(), "r", "p", 3,
      {Assigned("U1", v1::TASK_COORDINATING), Assigned("U2", v1::TASK_LEAD)}, {});
  EXPECT_THAT(same->versions(), ::testing::ElementsAre(3, 2));
  EXPECT_EQ(AuditCount(task), 4);  // three assignments and the progress (…/units/U1)
}

// ---- schema 5: the figures entries held move to data sheets ----

// The rows `sql` answers on the file at `path`, each its columns joined by "|".
std::vector<std::string> RawRows(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* stmt = nullptr;
  std::vector<std::string> rows;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sqlite3_errmsg(db);
  }
  while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
    std::vector<std::string> columns;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const unsigned char* text = sqlite3_column_text(stmt, i);
      columns.push_back(text == nullptr ? "NULL" : reinterpret_cast<const char*>(text));
    }
    rows.push_back(absl::StrJoin(columns, "|"));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

// An entry row as the schema 4 store wrote it (its body carries version and author).
std::string V4Entry(const std::string& unit, const std::string& criterion,
                    int64_t version, const std::string& at, const std::string& by,
                    const std::map<std::string, int64_t>& self,
                    const std::map<std::string, int64_t>& appraised = {}) {
  v1::Entry entry;
  entry.set_criterion(criterion);
  entry.mutable_self()->mutable_figures()->insert(self.begin(), self.end());
  if (!appraised.empty()) {
    entry.mutable_appraised()->mutable_figures()->insert(appraised.begin(),
                                                         appraised.end());
  }
  entry.set_version(version);
  entry.set_updated_at(at);
  entry.set_updated_by(by);
  return absl::StrCat(
      "INSERT INTO entries (round_id, unit_code, criterion, version, body, "
      "updated_at, updated_by) VALUES ('r', '",
      unit, "', '", criterion, "', ", version, ", X'",
      absl::BytesToHexString(entry.SerializeAsString()), "', '", at, "', '", by, "');");
}

// The self figures of each entry of `a`: "III.2.1 v3 {resolved=784}".
std::vector<std::string> Overrides(const v1::Assessment& a) {
  std::vector<std::string> out;
  for (const v1::Entry& e : a.entries()) {
    std::map<std::string, int64_t> self(e.self().figures().begin(),
                                        e.self().figures().end());
    std::map<std::string, int64_t> appraised(e.appraised().figures().begin(),
                                             e.appraised().figures().end());
    out.push_back(absl::StrCat(e.criterion(), " v", e.version(), " {",
                               absl::StrJoin(self, ",", absl::PairFormatter("=")), "}",
                               e.has_appraised() ? " appraised {" : "",
                               absl::StrJoin(appraised, ",", absl::PairFormatter("=")),
                               e.has_appraised() ? "}" : ""));
  }
  return out;
}

TEST_F(SqliteStoreTest, UpgradeMovesFiguresToDataSheetsAndKeepsDisagreeingCopies) {
  store_.reset();
  const std::string path = dir_.File("v4.db");
  {
    // A file as the schema 4 release made and wrote it: its SQL, its rows.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const absl::Status migrated = Migrate(db, 4);
    sqlite3_close(db);
    ASSERT_TRUE(migrated.ok()) << migrated;
  }
  v1::CriteriaSet set;
  set.set_id("s");
  set.set_version(1);
  v1::Round round;
  round.set_id("r");
  round.set_criteria_set("s");
  round.set_criteria_set_version(1);
  round.add_units("U1");
  round.add_units("U2");
  round.set_version(1);
  std::string rows = absl::StrCat(
      "INSERT INTO criteria_sets VALUES ('s', 1, X'",
      absl::BytesToHexString(set.SerializeAsString()), "', '2025-11-01T00:00:00.000Z');",
      "INSERT INTO units VALUES ('U1', 1, X'', '2025-11-01T00:00:00.000Z');",
      "INSERT INTO units VALUES ('U2', 1, X'', '2025-11-01T00:00:00.000Z');",
      "INSERT INTO rounds VALUES ('r', 1, 's', 1, X'",
      absl::BytesToHexString(round.SerializeAsString()), "');",
      "INSERT INTO assessments (round_id, unit_code, state, version, reopened, "
      "updated_at) VALUES ('r', 'U1', 2, 1, 0, '2025-11-21T08:00:00.000Z'), "
      "('r', 'U2', 3, 2, 0, '2025-11-21T08:00:00.000Z');");
  // U1: every copy agrees, on both sides.
  absl::StrAppend(
      &rows,
      V4Entry("U1", "III.2.1", 2, "2025-11-20T03:00:00.000Z", "tok_u1",
              {{"received", 900}, {"resolved", 784}}, {{"resolved", 780}}),
      V4Entry("U1", "III.2.2", 1, "2025-11-20T04:00:00.000Z", "tok_u1",
              {{"resolved", 784}}, {{"resolved", 780}}),
      // U2: `resolved` typed twice, differently; `on_time` twice at the same time.
      V4Entry("U2", "III.2.1", 3, "2025-11-20T03:00:00.000Z", "tok_u2a",
              {{"received", 1200}, {"resolved", 784}}),
      V4Entry("U2", "III.2.2", 1, "2025-11-21T08:00:00.000Z", "tok_u2b",
              {{"resolved", 1180}}),
      V4Entry("U2", "III.2.3", 1, "2025-11-20T03:00:00.000Z", "tok_u2a",
              {{"on_time", 700}}),
      V4Entry("U2", "III.2.4", 1, "2025-11-20T03:00:00.000Z", "tok_u2a",
              {{"on_time", 650}}),
      V4Entry("U2", "I.1", 1, "2025-11-19T03:00:00.000Z", "tok_u2a", {}));
  // The form sizes as schema 4 kept them.
  absl::StrAppend(&rows,
                  "UPDATE assessments SET form_bytes = (SELECT SUM(length(body)) FROM "
                  "entries e WHERE e.unit_code = assessments.unit_code);");
  RawExec(path, rows);
  const std::vector<std::string> untouched =
      RawRows(path, "SELECT hex(body) FROM entries WHERE criterion = 'I.1'");

  MovableClock clock;
  StoreOptions options;
  options.path = path;
  options.clock = &clock;
  auto opened = SqlStore::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  store_ = std::move(*opened);
  EXPECT_EQ(UserVersion(path), LatestSchemaVersion());
  EXPECT_THAT(
      store_->upgrade_notes(),
      ::testing::ElementsAre(
          "schema 5: rounds/r/assessments/U2: copies of a count disagreed: on_time "
          "(self): the sheet holds 700 (from III.2.3), III.2.4 keeps 650; resolved "
          "(self): the sheet holds 1180 (from III.2.2), III.2.1 keeps 784"));

  EXPECT_THAT(RawRows(path,
                      "SELECT unit_code, element, version, updated_at, updated_by FROM "
                      "data_values ORDER BY unit_code, element"),
              ::testing::ElementsAre("U1|received|1|2025-11-20T03:00:00.000Z|tok_u1",
                                     "U1|resolved|1|2025-11-20T04:00:00.000Z|tok_u1",
                                     "U2|on_time|1|2025-11-20T03:00:00.000Z|tok_u2a",
                                     "U2|received|1|2025-11-20T03:00:00.000Z|tok_u2a",
                                     "U2|resolved|1|2025-11-21T08:00:00.000Z|tok_u2b"));
  auto u1 = store_->GetAssessment("r", "U1");
  ASSERT_TRUE(u1.ok()) << u1.status();
  ASSERT_EQ(u1->values_size(), 2);
  EXPECT_EQ(u1->values(0).ShortDebugString(),
            R"(element: "received" self { count: 900 updated_by: "tok_u1" )"
            R"(updated_at: "2025-11-20T03:00:00.000Z" } version: 1)");
  EXPECT_EQ(
      u1->values(1).ShortDebugString(),
      R"(element: "resolved" self { count: 784 updated_by: "tok_u1" )"
      R"(updated_at: "2025-11-20T04:00:00.000Z" } appraised { count: 780 )"
      R"(updated_by: "tok_u1" updated_at: "2025-11-20T04:00:00.000Z" } version: 1)");
  // Agreeing copies are gone (the appraised sides stay, empty: the entries were
  // appraised); the versions (etags) are as they were.
  EXPECT_THAT(Overrides(*u1), ::testing::ElementsAre("III.2.1 v2 {} appraised {}",
                                                     "III.2.2 v1 {} appraised {}"));
  auto u2 = store_->GetAssessment("r", "U2");
  ASSERT_TRUE(u2.ok()) << u2.status();
  ASSERT_EQ(u2->values_size(), 3);
  EXPECT_EQ(u2->values(0).ShortDebugString(),
            R"(element: "on_time" self { count: 700 updated_by: "tok_u2a" )"
            R"(updated_at: "2025-11-20T03:00:00.000Z" } version: 1)");
  EXPECT_EQ(u2->values(1).self().count(), 1200);
  EXPECT_EQ(u2->values(2).ShortDebugString(),
            R"(element: "resolved" self { count: 1180 updated_by: "tok_u2b" )"
            R"(updated_at: "2025-11-21T08:00:00.000Z" } version: 1)");
  // The copies that differed stay on their criteria, overriding the sheet there.
  EXPECT_THAT(Overrides(*u2),
              ::testing::UnorderedElementsAre("I.1 v1 {}", "III.2.1 v3 {resolved=784}",
                                              "III.2.2 v1 {}", "III.2.3 v1 {}",
                                              "III.2.4 v1 {on_time=650}"));
  EXPECT_EQ(RawRows(path, "SELECT hex(body) FROM entries WHERE criterion = 'I.1'"),
            untouched);

  AuditFilter filter;
  filter.resource_prefix = "rounds/r";
  auto events = store_->ListAudit(filter);
  ASSERT_EQ(events->size(), 1u);  // U1 agreed: nothing to tell
  const v1::AuditEvent& conflict = (*events)[0];
  EXPECT_EQ(conflict.action(), "upgrade.figure_conflict");
  EXPECT_EQ(conflict.actor(), "system");
  EXPECT_EQ(conflict.role(), "system");
  EXPECT_EQ(conflict.actor_unit(), "");
  EXPECT_EQ(conflict.resource(), "rounds/r/assessments/U2");
  EXPECT_EQ(conflict.at(), "2023-11-14T22:13:20.000Z");  // the store's clock
  EXPECT_EQ(conflict.before(), "");
  EXPECT_EQ(conflict.after(),
            R"({"conflicts":[)"
            R"({"element":"on_time","side":"self","sheet":700,"from":"III.2.3",)"
            R"("overrides":[{"criterion":"III.2.4","value":650}]},)"
            R"({"element":"resolved","side":"self","sheet":1180,"from":"III.2.2",)"
            R"("overrides":[{"criterion":"III.2.1","value":784}]}]})");
  EXPECT_EQ(conflict.reason(),
            "schema 5: copies of a count disagreed; each criterion keeps its value until "
            "the element is written again");

  // Each form's size counts its values now, as a write would.
  EXPECT_THAT(
      RawRows(path,
              "SELECT unit_code, form_bytes = (SELECT SUM(length(body)) FROM entries e "
              "WHERE e.unit_code = a.unit_code) + (SELECT SUM(length(body)) FROM "
              "data_values d WHERE d.unit_code = a.unit_code) FROM assessments a "
              "ORDER BY unit_code"),
      ::testing::ElementsAre("U1|1", "U2|1"));

  // Already at schema 5: nothing to say.
  store_.reset();
  opened = SqlStore::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  store_ = std::move(*opened);
  EXPECT_THAT(store_->upgrade_notes(), ::testing::IsEmpty());
  EXPECT_EQ(AuditCount("rounds/r"), 1);
  EXPECT_EQ(store_->GetAssessment("r", "U2")->values_size(), 3);
}

namespace parindex::store {
namespace {

// Schema 6 (accounts, sessions, failed sign-ins, the name on audit rows): a file made
// at schema 5 keeps its data, and its old audit rows read with no name.
TEST_F(SqliteStoreTest, UpgradeToSchema6KeepsDataAndAddsAccounts) {
  store_.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(dir_.File(absl::StrCat("parindex.db", suffix)));
  }
  RawRoundFixture(dir_.File("parindex.db"), 5);
  v1::Token token;
  token.set_id("tok_1");
  token.set_role(v1::ROLE_ADMIN);
  token.set_created_at("2023-11-20T02:00:00.000Z");
  RawExec(dir_.File("parindex.db"),
          absl::StrCat("INSERT INTO tokens (id, secret_sha256, role, unit, body) VALUES "
                       "('tok_1', 'hash1', ",
                       int{v1::ROLE_ADMIN}, ", NULL, X'",
                       absl::BytesToHexString(token.SerializeAsString()), "');"));
  EXPECT_EQ(UserVersion(dir_.File("parindex.db")), 5);

  Reopen();
  EXPECT_EQ(UserVersion(dir_.File("parindex.db")), LatestSchemaVersion());
  EXPECT_EQ(store_->GetRound("r")->units_size(), 2);
  EXPECT_EQ(store_->FindToken("hash1")->id(), "tok_1");
  EXPECT_EQ(AuditCount(), 4);  // the set, U1, U2 and the round
  AuditFilter all;
  const std::vector<v1::AuditEvent> old_rows = *store_->ListAudit(all);
  for (const v1::AuditEvent& e : old_rows) EXPECT_EQ(e.actor_name(), "");

  v1::Account account;
  account.set_id("acc_1");
  account.set_username("lan.nguyen");
  account.set_full_name("Nguyễn Thị Lan");
  account.set_role(v1::ROLE_APPRAISER);
  account.set_scope("parent/HY");
  ASSERT_TRUE(store_->AddAccount(Admin(), account, "$argon2id$x").ok());
  EXPECT_EQ(store_->AddAccount(Admin(), account, "$argon2id$x").status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->FindAccount("lan.nguyen")->password_hash, "$argon2id$x");
  EXPECT_EQ(store_->FindAccount("nobody").status().code(), absl::StatusCode::kNotFound);
  WriteContext person;
  person.actor = {"acc_1", "appraiser", "", "Nguyễn Thị Lan"};
  ASSERT_TRUE(store_->AddSession(person, "s1", account, 1000).ok());
  EXPECT_EQ(store_->FindSession("s1")->account_id, "acc_1");
  ASSERT_TRUE(store_->TouchSession("s1", 1100).ok());
  EXPECT_EQ(store_->FindSession("s1")->seen, 1100);
  ASSERT_TRUE(store_->EndSession(person, "s1", 1200).ok());
  EXPECT_TRUE(store_->FindSession("s1")->ended);
  AuditFilter mine;
  mine.actor = "acc_1";
  auto audit = store_->ListAudit(mine);
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ((*audit)[0].action(), "session.start");
  EXPECT_EQ((*audit)[0].actor_name(), "Nguyễn Thị Lan");
  EXPECT_EQ((*audit)[1].action(), "session.end");
  // Five failures within the window lock the username; the fifth's ack says so.
  WriteContext anon;
  anon.actor = {"ghost", "anonymous", "", ""};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(store_->AddSignInFailure(anon, "ghost", 2000 + i, 900, 5, 900)->version(),
              0);
  }
  EXPECT_EQ(*store_->SignInLockedUntil("ghost"), 0);
  EXPECT_EQ(store_->AddSignInFailure(anon, "ghost", 2004, 900, 5, 900)->version(), 1);
  EXPECT_EQ(*store_->SignInLockedUntil("ghost"), 2904);
  // By address (schema 7): failures older than the window are forgotten, so three
  // spread over more than the window never lock; three within it do, audited.
  for (int64_t at : {3000, 3900, 4800}) {
    EXPECT_EQ(
        store_->AddSignInAddressFailure(anon, "192.0.2.7", at, 900, 3, 600)->version(),
        0);
  }
  EXPECT_EQ(*store_->SignInAddressLockedUntil("192.0.2.7"), 0);
  EXPECT_EQ(
      store_->AddSignInAddressFailure(anon, "192.0.2.7", 4801, 900, 3, 600)->version(),
      0);
  EXPECT_EQ(
      store_->AddSignInAddressFailure(anon, "192.0.2.7", 4802, 900, 3, 600)->version(),
      1);
  EXPECT_EQ(*store_->SignInAddressLockedUntil("192.0.2.7"), 5402);
  EXPECT_EQ(*store_->SignInAddressLockedUntil("192.0.2.8"), 0);
  AuditFilter address;
  address.resource_prefix = "signInAddresses/192.0.2.7";
  auto locks = store_->ListAudit(address);
  ASSERT_EQ(locks->size(), 1u);
  EXPECT_EQ((*locks)[0].action(), "signin.address_lock");
  EXPECT_EQ((*locks)[0].resource(), "signInAddresses/192.0.2.7");
}

}  // namespace
}  // namespace parindex::store

// Schema 8 adds dossier records: a schema 7 file keeps its round, and its dossiers are
// then stored by (round, id): the same data again changes nothing, other data replaces
// them, and a dossier given twice by one import with different data is marked.
TEST_F(SqliteStoreTest, UpgradeToSchema8KeepsDataAndStoresDossiers) {
  store_.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(dir_.File(absl::StrCat("parindex.db", suffix)));
  }
  RawRoundFixture(dir_.File("parindex.db"), 7);
  EXPECT_EQ(UserVersion(dir_.File("parindex.db")), 7);
  Reopen();
  EXPECT_EQ(UserVersion(dir_.File("parindex.db")), LatestSchemaVersion());
  EXPECT_EQ(store_->GetRound("r")->units_size(), 2);
  EXPECT_EQ(AuditCount(), 4);

  RecordImport import = AnImport();
  auto id = store_->BeginRecordImport(Admin(), import);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, 1);
  auto dossier = Dossier;
  auto wrote = store_->UpsertDossiers(
      Admin(), "r", 1,
      {dossier("A", "U1", 1500, 2), dossier("B", "U1", 0, 3), dossier("B", "U1", 0, 4),
       dossier("C", "U2", 1800, 5), dossier("C", "U2", 2500, 6)});
  ASSERT_TRUE(wrote.ok()) << wrote.status();
  EXPECT_EQ(wrote->changed, 4);    // A, B, C, C again with other data
  EXPECT_EQ(wrote->unchanged, 1);  // B again, the same
  EXPECT_EQ(wrote->units, (std::set<std::string>{"U1", "U2"}));
  import.id = 1;
  import.sha256 = "abc";
  import.rows_read = 5;
  import.complete = true;
  ASSERT_TRUE(store_->FinishRecordImport(Admin(), import, {}, 0).ok());
  auto u2 = store_->ListDossiers("r", "U2");
  ASSERT_EQ(u2->size(), 1u);
  EXPECT_EQ((*u2)[0].resolved_at(), 2500);  // the last row is kept
  EXPECT_TRUE((*u2)[0].conflicting_duplicate());
  EXPECT_EQ((*u2)[0].line(), 6);
  auto u1 = store_->ListDossiers("r", "U1");
  ASSERT_EQ(u1->size(), 2u);
  EXPECT_FALSE((*u1)[1].conflicting_duplicate());
  EXPECT_EQ((*u1)[1].line(), 3);  // the same data again left the row as it was

  // A second import: the same A changes nothing; B moves to U2 (both units change);
  // C given once clears its conflict.
  ASSERT_EQ(*store_->BeginRecordImport(Admin(), import), 2);
  auto again =
      store_->UpsertDossiers(Admin(), "r", 2,
                             {dossier("A", "U1", 1500, 2), dossier("B", "U2", 0, 3),
                              dossier("C", "U2", 2500, 4)});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->changed, 2);
  EXPECT_EQ(again->unchanged, 1);
  EXPECT_EQ(again->units, (std::set<std::string>{"U1", "U2"}));
  EXPECT_EQ(store_->ListDossiers("r", "U1")->size(), 1u);
  u2 = store_->ListDossiers("r", "U2");
  ASSERT_EQ(u2->size(), 2u);
  EXPECT_FALSE((*u2)[1].conflicting_duplicate());
  EXPECT_EQ((*u2)[1].import_id(), 2);
  EXPECT_EQ(*store_->ListDossierUnits("r"), (std::vector<std::string>{"U1", "U2"}));
  auto imports = store_->ListRecordImports("r");
  ASSERT_EQ(imports->size(), 2u);
  EXPECT_EQ((*imports)[0].sha256, "abc");
  EXPECT_EQ((*imports)[0].rows_read, 5);
  EXPECT_TRUE((*imports)[0].complete);
  AuditFilter filter;
  filter.resource_prefix = "rounds/r/imports/1";
  auto audit = store_->ListAudit(filter);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].action(), "records.import");
  EXPECT_NE((*audit)[0].after().find("\"sha256\":\"abc\""), std::string::npos);
}

// Schema 9 numbers imports per round and keeps dossiers in their unit's order: a
// schema 8 file keeps its imports (their numbers as they were) and dossiers, and the
// round's next import takes the next number.
TEST_F(SqliteStoreTest, UpgradeToSchema9KeepsImportsAndDossiers) {
  store_.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(dir_.File(absl::StrCat("parindex.db", suffix)));
  }
  RawRoundFixture(dir_.File("parindex.db"), 8);
  v1::Dossier d;
  d.set_id("A");
  d.set_unit("U2");
  d.set_received_at(1000);
  RawExec(dir_.File("parindex.db"),
          absl::StrCat(
              "INSERT INTO record_imports (id, round_id, file_name, format, sha256, "
              "scope, actor, started_at, rows_read, rows_refused, rows_changed, "
              "rows_unchanged, complete) VALUES (4, 'r', 'd.csv', 'csv', 'abc', '*', "
              "'tok_admin', '2023-11-20T02:00:00Z', 1, 0, 1, 0, 1);"
              "INSERT INTO dossiers (round_id, dossier_id, unit_code, import_id, line, "
              "conflict, body) VALUES ('r', 'A', 'U2', 4, 2, 0, X'",
              absl::BytesToHexString(d.SerializeAsString()), "');"));
  Reopen();
  EXPECT_EQ(UserVersion(dir_.File("parindex.db")), LatestSchemaVersion());
  auto dossiers = store_->ListDossiers("r", "U2");
  ASSERT_TRUE(dossiers.ok()) << dossiers.status();
  ASSERT_EQ(dossiers->size(), 1u);
  EXPECT_EQ((*dossiers)[0].id(), "A");
  EXPECT_EQ((*dossiers)[0].import_id(), 4);
  EXPECT_EQ((*dossiers)[0].line(), 2);
  auto imports = store_->ListRecordImports("r");
  ASSERT_EQ(imports->size(), 1u);
  EXPECT_EQ((*imports)[0].id, 4);
  RecordImport next;
  next.round = "r";
  next.file_name = "e.csv";
  next.format = "csv";
  next.scope = "*";
  EXPECT_EQ(*store_->BeginRecordImport(Admin(), next), 5);
  EXPECT_EQ(*store_->ListDossierUnits("r"), std::vector<std::string>{"U2"});
}

// Schema 10 adds plan tasks' assignments: a schema 9 file's round takes them.
TEST_F(SqliteStoreTest, UpgradeToSchema10AddsTaskAssignments) {
  store_.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(dir_.File(absl::StrCat("parindex.db", suffix)));
  }
  RawRoundFixture(dir_.File("parindex.db"), 9);
  Reopen();
  EXPECT_EQ(UserVersion(dir_.File("parindex.db")), LatestSchemaVersion());
  EXPECT_TRUE(store_->ListTaskAssignments("r", "")->empty());
  v1::TaskAssignment lead;
  lead.set_unit("U1");
  lead.set_role(v1::TASK_LEAD);
  auto assigned = store_->AssignTask(Admin(), "r", "p", 1, {lead}, {});
  ASSERT_TRUE(assigned.ok()) << assigned.status();
  EXPECT_EQ(store_->ListTaskAssignments("r", "U1")->size(), 1u);
  // A unit not in the round has no assessment to hang the assignment on.
  lead.set_unit("U9");
  EXPECT_FALSE(store_->AssignTask(Admin(), "r", "p", 2, {lead}, {}).ok());
}
// Schema 11 indexes the forms' changes of state apart: a submission written before it
// is found through the new index, by a read of one form and of the whole round.
TEST_F(SqliteStoreTest, UpgradeToSchema11FindsSubmissionsMadeBefore) {
  store_.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(dir_.File(absl::StrCat("parindex.db", suffix)));
  }
  RawRoundFixture(dir_.File("parindex.db"), 10);
  auto state = [](const char* unit, const char* at, const char* state, const char* who) {
    return absl::StrCat(
        "INSERT INTO audit (at, actor, role, actor_unit, action, resource, before, "
        "after, reason, request_id, actor_name) VALUES ('",
        at, "', 'tok_ward', 'unit', '", unit,
        "', 'assessment.state', 'rounds/r/assessments/", unit, "', '', '{\"state\":\"",
        state, "\"}', '', '', '", who, "');");
  };
  RawExec(dir_.File("parindex.db"),
          absl::StrCat(state("U1", "2023-11-21T02:00:00.000Z", "STATE_SUBMITTED", "Lan"),
                       state("U1", "2023-11-22T02:00:00.000Z", "STATE_IN_PROGRESS", ""),
                       state("U1", "2023-11-23T02:00:00.000Z", "STATE_SUBMITTED", "Hoa"),
                       state("U2", "2023-11-21T03:00:00.000Z", "STATE_IN_PROGRESS", "")));
  Reopen();
  EXPECT_EQ(UserVersion(dir_.File("parindex.db")), LatestSchemaVersion());
  auto one = store_->GetAssessment("r", "U1");
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->submitted_by(), "Hoa");
  EXPECT_EQ(one->submitted_at(), "2023-11-23T02:00:00.000Z");
  auto all = store_->ListAssessments("r", /*with_files=*/false);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].submitted_by(), "Hoa");
  EXPECT_EQ((*all)[0].submitted_at(), "2023-11-23T02:00:00.000Z");
  EXPECT_EQ((*all)[1].submitted_by(), "");
  EXPECT_EQ((*all)[1].submitted_at(), "");
}

// Schema 12 keeps dossiers in the order they were imported, found by id and by unit:
// a schema 11 file's dossiers (two imports, one marked conflicting) read the same after
// it, and the next import meets them as stored.
TEST_F(SqliteStoreTest, UpgradeToSchema12KeepsDossiersAndTheNextImportMeetsThem) {
  store_.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(dir_.File(absl::StrCat("parindex.db", suffix)));
  }
  RawRoundFixture(dir_.File("parindex.db"), 11);
  std::string sql =
      "INSERT INTO record_imports (id, number, round_id, file_name, format, sha256, "
      "scope, actor, started_at, finished_at, rows_read, rows_refused, rows_changed, "
      "rows_unchanged, complete) VALUES (1, 1, 'r', 'a.csv', 'csv', 'abc', '*', "
      "'tok_admin', '2023-11-20T02:00:00Z', '2023-11-20T02:00:01Z', 3, 0, 3, 0, 1), "
      "(2, 2, 'r', 'b.csv', 'csv', 'def', '*', 'tok_admin', '2023-11-21T02:00:00Z', "
      "'2023-11-21T02:00:01Z', 1, 0, 1, 0, 1);";
  auto row = [&](const v1::Dossier& d, int64_t import, int conflict) {
    absl::StrAppend(&sql,
                    "INSERT INTO dossiers (round_id, unit_code, dossier_id, import_id, "
                    "line, conflict, body) VALUES ('r', '",
                    d.unit(), "', '", d.id(), "', ", import, ", ", d.line(), ", ",
                    conflict, ", X'");
    v1::Dossier body = d;
    body.clear_line();
    absl::StrAppend(&sql, absl::BytesToHexString(body.SerializeAsString()), "');");
  };
  row(Dossier("A", "U1", 1500, 2), 1, 0);
  row(Dossier("B", "U2", 1600, 3), 1, 1);
  row(Dossier("C", "U2", 1700, 2), 2, 0);  // the same line in another import
  RawExec(dir_.File("parindex.db"), sql);
  Reopen();
  EXPECT_EQ(UserVersion(dir_.File("parindex.db")), LatestSchemaVersion());
  auto u1 = store_->ListDossiers("r", "U1");
  ASSERT_TRUE(u1.ok()) << u1.status();
  ASSERT_EQ(u1->size(), 1u);
  EXPECT_EQ((*u1)[0].id(), "A");
  EXPECT_EQ((*u1)[0].resolved_at(), 1500);
  auto u2 = store_->ListDossiers("r", "U2");
  ASSERT_EQ(u2->size(), 2u);
  EXPECT_EQ((*u2)[0].id(), "B");
  EXPECT_TRUE((*u2)[0].conflicting_duplicate());
  EXPECT_EQ((*u2)[0].import_id(), 1);
  EXPECT_EQ((*u2)[0].line(), 3);
  EXPECT_EQ((*u2)[1].id(), "C");
  EXPECT_EQ((*u2)[1].import_id(), 2);
  EXPECT_EQ(*store_->ListDossierUnits("r"), (std::vector<std::string>{"U1", "U2"}));
  EXPECT_EQ(*store_->StoredDossierUnits("r", {"A", "C", "Z"}),
            (std::map<std::string, std::string>{{"A", "U1"}, {"C", "U2"}}));
  // The next import: A the same (unchanged), B the same but once (its conflict
  // cleared), C moved to U1.
  RecordImport next;
  next.round = "r";
  next.file_name = "c.csv";
  next.format = "csv";
  next.scope = "*";
  ASSERT_EQ(*store_->BeginRecordImport(Admin(), next), 3);
  auto wrote =
      store_->UpsertDossiers(Admin(), "r", 3,
                             {Dossier("A", "U1", 1500, 2), Dossier("B", "U2", 1600, 3),
                              Dossier("C", "U1", 1700, 4)});
  ASSERT_TRUE(wrote.ok()) << wrote.status();
  EXPECT_EQ(wrote->unchanged, 1);
  EXPECT_EQ(wrote->changed, 2);
  EXPECT_EQ(wrote->units, (std::set<std::string>{"U1", "U2"}));
  u1 = store_->ListDossiers("r", "U1");
  ASSERT_EQ(u1->size(), 2u);
  EXPECT_EQ((*u1)[0].import_id(), 1);  // A left as it was
  EXPECT_EQ((*u1)[1].id(), "C");
  EXPECT_EQ((*u1)[1].import_id(), 3);
  u2 = store_->ListDossiers("r", "U2");
  ASSERT_EQ(u2->size(), 1u);
  EXPECT_FALSE((*u2)[0].conflicting_duplicate());
  EXPECT_EQ((*u2)[0].import_id(), 3);
}

}  // namespace
}  // namespace parindex::store
