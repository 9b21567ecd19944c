// SqliteStore: CRUD, etags, request ids, audit, concurrency, migrations, damaged and
// newer files, injected failures, backup and restore.
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/fault_vfs.h"
#include "server/store/schema.h"
#include "server/store/sqlite_store.h"
#include "tests/store_test_util.h"

namespace parindex::store {
namespace {

using testing::Admin;
using testing::Figure;
using ::testing::HasSubstr;
using testing::TempDir;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen(SqliteOptions options = {}) {
    store_.reset();
    options.path = dir_.File("parindex.db");
    auto store = SqliteStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  int AuditCount(const std::string& prefix = "") {
    AuditFilter filter;
    filter.resource_prefix = prefix;
    filter.limit = 100000;
    return static_cast<int>(store_->ListAudit(filter)->size());
  }

  TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(StoreTest, CriteriaSetsAreImmutableVersions) {
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

TEST_F(StoreTest, PlansAndUnitsAreReplacedWithAuditedVersions) {
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

TEST_F(StoreTest, TokensStoreOnlyTheHashAndCanBeRevoked) {
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

TEST_F(StoreTest, RoundsCreateTheirAssessments) {
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

TEST_F(StoreTest, EntriesCarryVersionsAndAStaleOneIsRefused) {
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

TEST_F(StoreTest, AssessmentStateUsesItsOwnVersion) {
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

TEST_F(StoreTest, EvidenceIsHashedAndLimited) {
  SqliteOptions options;
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

TEST_F(StoreTest, UploadedFilesAreListedOnTheirEntries) {
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

TEST_F(StoreTest, ARetriedRequestAppliesOnceAndIsBoundToItsRequest) {
  testing::AddRoundFixture(*store_);
  auto first =
      store_->UpdateEntries(Keyed("a", "req-1", "x"), "r", "U1", {Figure("II.1", 412, 0)});
  auto retry =
      store_->UpdateEntries(Keyed("a", "req-1", "x"), "r", "U1", {Figure("II.1", 412, 0)});
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
  auto b = store_->UpdateEntries(Keyed("b", "req-1", "x"), "r", "U1", {Figure("II.1", 7, 1)});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_FALSE(b->replayed());
  auto u2 = store_->UpdateEntries(Keyed("a", "req-1", "x", "r/U2"), "r", "U2",
                                  {Figure("II.1", 8, 0)});
  ASSERT_TRUE(u2.ok()) << u2.status();
  EXPECT_FALSE(u2->replayed());
  EXPECT_EQ(store_->GetAssessment("r", "U1")->entries(0).version(), 2);
  // The record survives a restart.
  Reopen();
  EXPECT_TRUE(store_->UpdateEntries(Keyed("a", "req-1", "x"), "r", "U1",
                                    {Figure("II.1", 412, 0)})
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

TEST_F(StoreTest, RequestIdsAreForgottenAfterTheRetentionTime) {
  MovableClock clock;
  SqliteOptions options;
  options.clock = &clock;
  Reopen(options);
  testing::AddRoundFixture(*store_);
  ASSERT_TRUE(
      store_->UpdateEntries(Keyed("a", "old", "x"), "r", "U1", {Figure("II.1", 1, 0)}).ok());
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

TEST_F(StoreTest, AFinalisedRoundKeepsItsUnitsAndPlans) {
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

TEST_F(StoreTest, AFormNeverOutgrowsOneAnswer) {
  SqliteOptions options;
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
  EXPECT_THAT(std::string(store_->UpdateEntries(ward, "r", "U2", {ward_more})
                              .status()
                              .message()),
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

TEST_F(StoreTest, AuditFiltersByResourceActorAndPage) {
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
}

TEST_F(StoreTest, ManyWritersLoseAndDuplicateNothing) {
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

TEST_F(StoreTest, MigratesFromTheFirstSchemaKeepingData) {
  SqliteOptions first;
  first.schema_version = 1;
  store_.reset();  // SetUp made a file at the latest schema; start again at the first
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(dir_.File(absl::StrCat("parindex.db", suffix)));
  }
  Reopen(first);
  testing::AddRoundFixture(*store_);
  store_.reset();
  // An entry, a file and a request id as the first release wrote them (its SQL).
  store::EntryUpdate figure = Figure("II.1", 412, 0);
  figure.entry.set_version(1);
  std::string body;
  ASSERT_TRUE(figure.entry.SerializeToString(&body));
  v1::Evidence meta;
  meta.set_file_name("kh.pdf");
  std::string meta_bytes;
  ASSERT_TRUE(meta.SerializeToString(&meta_bytes));
  RawExec(dir_.File("parindex.db"),
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
  SqliteOptions small;
  small.max_assessment_bytes =
      static_cast<int64_t>(body.size() + meta_bytes.size()) + 10;  // just fits
  Reopen(small);
  EXPECT_EQ(UserVersion(dir_.File("parindex.db")), LatestSchemaVersion());
  EXPECT_EQ(LatestSchemaVersion(), 4);
  EXPECT_EQ(store_->GetAssessment("r", "U1")->entries(0).self().figures().at("x"), 412);
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
                                     body.size() + meta_bytes.size() + stored, " bytes")));
}

TEST_F(StoreTest, RefusesAFileNewerThanTheBinary) {
  store_.reset();
  RawExec(dir_.File("parindex.db"), "PRAGMA user_version = 99");
  SqliteOptions options;
  options.path = dir_.File("parindex.db");
  auto store = SqliteStore::Open(options);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      store.status().message(),
      "the database has schema version 99 but this binary knows only up to 4: it was "
      "written by a newer parindex-server; upgrade the binary (the file was not "
      "changed)");
  EXPECT_EQ(UserVersion(dir_.File("parindex.db")), 99);
}

TEST_F(StoreTest, ADamagedFileIsReportedClearly) {
  testing::AddRoundFixture(*store_);
  store_.reset();
  {
    std::fstream file(dir_.File("parindex.db"),
                      std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(4096 * 2);
    const std::string garbage(4096, '\x5a');
    file.write(garbage.data(), garbage.size());
  }
  SqliteOptions options;
  options.path = dir_.File("parindex.db");
  auto store = SqliteStore::Open(options);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(
      std::string(store.status().message()),
      HasSubstr(absl::StrCat("database ", dir_.File("parindex.db"), " is damaged (")));
  EXPECT_THAT(std::string(store.status().message()),
              HasSubstr("restore it from a backup with `parindex-server restore`"));
}

TEST_F(StoreTest, OneServerPerFile) {
  SqliteOptions options;
  options.path = dir_.File("parindex.db");
  auto second = SqliteStore::Open(options);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      second.status().message(),
      absl::StrCat("database ", options.path, " is in use by another parindex-server (",
                   options.path, ".lock is locked)"));
}

TEST_F(StoreTest, AFailedCommitStoresNothingAndTheStoreGoesOn) {
  SqliteOptions options;
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

TEST_F(StoreTest, BackupDuringWritesRestoresToAConsistentFile) {
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
  SqliteOptions options;
  options.path = restored;
  auto from_backup = SqliteStore::Open(options);
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

}  // namespace
}  // namespace parindex::store
