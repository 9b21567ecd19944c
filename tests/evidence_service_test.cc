// Removing an evidence file (AssessmentService.DeleteEvidence) against the real service:
// who may remove which file when, request ids, etags, what the trail keeps; and the
// state a form's history gives as a change's before (the effective state).
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/service_fixture.h"

namespace parindex::server {
namespace {

using ::testing::HasSubstr;

class EvidenceServiceTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    CreateDemoRound();
  }

  // `token` attaches a file named `file_name` to `criterion` of `unit`.
  v1::Evidence Upload(const std::string& token, const std::string& unit,
                      const std::string& criterion, const std::string& file_name) {
    v1::UploadEvidenceRequest upload;
    upload.set_parent(absl::StrCat("rounds/r/assessments/", unit));
    upload.set_criterion(criterion);
    upload.mutable_evidence()->set_file_name(file_name);
    upload.mutable_evidence()->set_document_type("Kế hoạch CCHC năm");
    upload.set_content(absl::StrCat("%PDF-1.4 ", file_name));
    v1::Evidence stored;
    const grpc::Status s =
        Call(assessments_.get(), &v1::AssessmentService::Stub::UploadEvidence, token,
             upload, &stored);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return stored;
  }

  static std::string FileName(const std::string& unit, int64_t id) {
    return absl::StrCat("rounds/r/assessments/", unit, "/evidence/", id);
  }

  // The version of `criterion`'s entry on `unit`'s form (0: never written).
  int64_t EntryVersion(const std::string& unit, const std::string& criterion) {
    const v1::Assessment a = Assessment(unit);
    for (const v1::Entry& e : a.entries()) {
      if (e.criterion() == criterion) return e.version();
    }
    return 0;
  }

  // The uploaded files listed on `criterion`'s entry of `unit`'s form (not the
  // references the unit typed).
  int Files(const std::string& unit, const std::string& criterion) {
    const v1::Assessment a = Assessment(unit);
    int files = 0;
    for (const v1::Entry& e : a.entries()) {
      if (e.criterion() != criterion) continue;
      for (const v1::Evidence& f : e.evidence()) files += f.id() > 0 ? 1 : 0;
    }
    return files;
  }

  grpc::Status Delete(const std::string& token, const std::string& name, int64_t etag,
                      const std::string& request_id = "", v1::Evidence* out = nullptr) {
    v1::DeleteEvidenceRequest r;
    r.set_name(name);
    r.set_etag(etag);
    r.set_request_id(request_id);
    v1::Evidence ignored;
    return Call(assessments_.get(), &v1::AssessmentService::Stub::DeleteEvidence, token,
                r, out == nullptr ? &ignored : out);
  }

  grpc::Status Fetch(const std::string& token, const std::string& name) {
    v1::GetByNameRequest get;
    get.set_name(name);
    v1::EvidenceFile file;
    return Call(assessments_.get(), &v1::AssessmentService::Stub::GetEvidenceFile, token,
                get, &file);
  }

  std::vector<v1::AuditEvent> Events(const std::string& resource) {
    v1::ListRequest list;
    list.set_filter(absl::StrCat("resource=", resource));
    list.set_page_size(1000);
    v1::ListAuditEventsResponse events;
    EXPECT_TRUE(Call(audit_.get(), &v1::AuditService::Stub::ListAuditEvents, appraiser_,
                     list, &events)
                    .ok());
    return {events.events().begin(), events.events().end()};
  }
};

TEST_F(EvidenceServiceTest, AWardRemovesItsFileOnceAndTheTrailKeepsWhatItWas) {
  const v1::Evidence file = Upload(wards_["HN"], "HN", "I.1.1", "nham-tep.pdf");
  const std::string name = FileName("HN", file.id());
  ASSERT_EQ(Files("HN", "I.1.1"), 1);
  const int audit_before = AuditCount();

  v1::Evidence removed;
  const int64_t removed_at = EntryVersion("HN", "I.1.1");
  grpc::Status s = Delete(wards_["HN"], name, removed_at, "xoa-1", &removed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(removed.id(), file.id());
  EXPECT_EQ(removed.file_name(), "nham-tep.pdf");
  EXPECT_EQ(removed.sha256(), file.sha256());
  EXPECT_EQ(removed.size_bytes(), file.size_bytes());
  EXPECT_EQ(AuditCount(), audit_before + 1);

  // Gone from the entry (so from the criterion's checklist of required evidence, which
  // counts the files listed) and from downloads, for the unit and the office alike.
  EXPECT_EQ(Files("HN", "I.1.1"), 0);
  for (const std::string& token : {wards_["HN"], appraiser_}) {
    const grpc::Status fetched = Fetch(token, name);
    EXPECT_EQ(fetched.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(fetched.error_message(), absl::StrCat(name, ": not found"));
  }

  // The trail keeps the file's details: its name, size and SHA-256, as the before of
  // the removal.
  const std::vector<v1::AuditEvent> events =
      Events(absl::StrCat("rounds/r/assessments/HN/entries/I.1.1/evidence/", file.id()));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].action(), "evidence.add");
  EXPECT_EQ(events[1].action(), "evidence.delete");
  EXPECT_THAT(events[1].before(), HasSubstr(R"("file_name":"nham-tep.pdf")"));
  EXPECT_THAT(events[1].before(),
              HasSubstr(absl::StrCat(R"("sha256":")", file.sha256())));
  EXPECT_THAT(events[1].before(),
              HasSubstr(absl::StrCat(R"("size_bytes":")", file.size_bytes(), "\"")));
  EXPECT_EQ(events[1].after(), "");
  EXPECT_EQ(events[1].request_id(), "xoa-1");

  // The retry of a lost answer: the same answer, no second removal, no second event.
  v1::Evidence again;
  s = Delete(wards_["HN"], name, removed_at, "xoa-1", &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(again.SerializeAsString(), removed.SerializeAsString());
  EXPECT_EQ(AuditCount(), audit_before + 1);
  // Without the request id it is a new call, and the file is not there any more.
  s = Delete(wards_["HN"], name, 0);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), absl::StrCat(name, ": not found"));
  EXPECT_EQ(AuditCount(), audit_before + 1);
}

TEST_F(EvidenceServiceTest, AnotherUnitsFileIsNeitherRemovedNorShownByARetry) {
  const v1::Evidence file = Upload(wards_["HN"], "HN", "I.1.1", "ke-hoach.pdf");
  const std::string name = FileName("HN", file.id());
  const int audit_before = AuditCount();
  // HN removes its file with a request id; LS sends the same id, for HN's file and
  // for its own path with HN's number: refused as if there had been no first call.
  ASSERT_TRUE(Delete(wards_["HN"], name, 0, "r-1").ok());
  ASSERT_EQ(AuditCount(), audit_before + 1);
  v1::Evidence answer;
  grpc::Status s = Delete(wards_["LS"], name, 0, "r-1", &answer);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(), "this token acts for unit LS, not HN");
  EXPECT_EQ(answer.file_name(), "");
  s = Delete(wards_["LS"], FileName("LS", file.id()), 0, "r-1", &answer);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), absl::StrCat(FileName("LS", file.id()), ": not found"));
  EXPECT_EQ(answer.file_name(), "");

  // A file still there: another unit's path with its number is not found, its own path
  // refused; it stays.
  const v1::Evidence kept = Upload(wards_["HN"], "HN", "I.1.1", "giu-lai.pdf");
  s = Delete(wards_["LS"], FileName("LS", kept.id()), 0);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  s = Delete(wards_["LS"], FileName("HN", kept.id()), 0);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // A reader has no such method; a malformed name says what a name is.
  s = Delete(reader_, FileName("HN", kept.id()), 0);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  s = Delete(wards_["HN"], "rounds/r/assessments/HN/evidence/007", 0);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "name: expected rounds/{id}/assessments/{unit}/evidence/{n}, got "
            "'rounds/r/assessments/HN/evidence/007'");
  EXPECT_EQ(AuditCount(), audit_before + 2);  // the first removal and the upload
  EXPECT_EQ(Files("HN", "I.1.1"), 1);
  EXPECT_TRUE(Fetch(wards_["HN"], FileName("HN", kept.id())).ok());
}

TEST_F(EvidenceServiceTest, AStaleEtagIsAbortedAndTheFileStays) {
  const v1::Evidence file = Upload(wards_["HN"], "HN", "I.1.1", "ke-hoach.pdf");
  const int64_t read = EntryVersion("HN", "I.1.1");
  // Someone writes the entry after it was read.
  v1::BatchUpdateEntriesRequest comment;
  comment.set_parent("rounds/r/assessments/HN");
  v1::EntryUpdate* u = comment.add_updates();
  u->mutable_entry()->set_criterion("I.1.1");
  u->mutable_entry()->set_comment("Kế hoạch số 12/KH-UBND");
  u->mutable_update_mask()->add_paths("comment");
  u->set_etag(read);
  ASSERT_TRUE(Update(wards_["HN"], comment).ok());
  const int audit_before = AuditCount();
  const grpc::Status s = Delete(wards_["HN"], FileName("HN", file.id()), read, "stale");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(s.error_message(),
            absl::StrCat("rounds/r/assessments/HN/entries/I.1.1: stale version ", read,
                         "; it is at version ", read + 1,
                         " (someone else changed it: read it again, then retry)"));
  EXPECT_EQ(AuditCount(), audit_before);
  EXPECT_EQ(Files("HN", "I.1.1"), 1);
  // Read again, it goes.
  EXPECT_TRUE(Delete(wards_["HN"], FileName("HN", file.id()), read + 1, "fresh").ok());
  EXPECT_EQ(Files("HN", "I.1.1"), 0);
}

TEST_F(EvidenceServiceTest, OutsideItsEditablePhasesAWardCannotRemove) {
  const v1::Evidence file = Upload(wards_["HN"], "HN", "I.1.1", "ke-hoach.pdf");
  const std::string name = FileName("HN", file.id());
  ASSERT_TRUE(EnterSelf("HN").ok());
  const int64_t version = EntryVersion("HN", "I.1.1");
  // Past the deadline (not reopened).
  clock_.Set(absl::FromCivil(absl::CivilSecond(2023, 11, 28, 9, 0, 0), VietnamTime()));
  grpc::Status s = Delete(wards_["HN"], name, version);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            "round r is in phase SELF_ASSESSMENT and the assessment of HN is DRAFT: the "
            "self-assessment deadline 2023-11-27T17:00:00+07:00 has passed; ask the Home "
            "Affairs office to reopen the assessment");
  clock_.Set(absl::FromCivil(absl::CivilSecond(2023, 11, 20, 9, 0, 0), VietnamTime()));
  // Submitted: what was sent stays.
  ASSERT_TRUE(Submit("HN").ok());
  s = Delete(wards_["HN"], name, version);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            "round r is in phase SELF_ASSESSMENT and the assessment of HN is SUBMITTED: "
            "removing a file needs it to be NOT_STARTED or DRAFT");
  // In appraisal the ward has no such action; the office does not remove its files.
  Advance(v1::PHASE_APPRAISAL);
  s = Delete(wards_["HN"], name, version);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(
      s.error_message(),
      "round r is in phase APPRAISAL and the assessment of HN is SUBMITTED: removing "
      "a file is allowed in SELF_ASSESSMENT; removing a file from an explanation is "
      "allowed in EXPLANATION");
  s = Delete(appraiser_, name, version);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(),
            "name: ke-hoach.pdf was attached by HN; only the unit may "
            "remove it");
  EXPECT_EQ(Files("HN", "I.1.1"), 1);
}

TEST_F(EvidenceServiceTest, TheOfficeRemovesItsOwnFilesAndAnExplanationsFilesGo) {
  const v1::Evidence own = Upload(wards_["HN"], "HN", "I.1.2", "bao-cao.pdf");
  ASSERT_TRUE(EnterSelf("HN").ok());
  ASSERT_TRUE(Submit("HN").ok());
  Advance(v1::PHASE_APPRAISAL);
  // The office's working paper, attached and removed in appraisal.
  const v1::Evidence office = Upload(appraiser_, "HN", "I.1.1", "bien-ban.pdf");
  EXPECT_TRUE(office.by_office());
  grpc::Status s =
      Delete(appraiser_, FileName("HN", office.id()), EntryVersion("HN", "I.1.1"));
  ASSERT_TRUE(s.ok()) << s.error_message();
  const v1::Evidence kept = Upload(appraiser_, "HN", "I.1.1", "bien-ban-2.pdf");

  v1::RequestExplanationRequest ask;
  ask.set_name("rounds/r/assessments/HN");
  ask.set_etag(Assessment("HN").version());
  (*ask.mutable_messages())["I.1.1"] = "Đề nghị gửi kế hoạch đã ký";
  (*ask.mutable_reasons())["I.1.1"] = v1::REASON_MISSING_EVIDENCE;
  v1::Assessment asked;
  ASSERT_TRUE(Call(assessments_.get(), &v1::AssessmentService::Stub::RequestExplanation,
                   appraiser_, ask, &asked)
                  .ok());
  Advance(v1::PHASE_EXPLANATION);
  // The ward removes a file it attached to the criterion asked about…
  const v1::Evidence wrong = Upload(wards_["HN"], "HN", "I.1.1", "nham.pdf");
  s = Delete(wards_["HN"], FileName("HN", wrong.id()), EntryVersion("HN", "I.1.1"));
  ASSERT_TRUE(s.ok()) << s.error_message();
  // …not one of a criterion nobody asked about, nor the office's file.
  s = Delete(wards_["HN"], FileName("HN", own.id()), EntryVersion("HN", "I.1.2"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            "name: round r is in phase EXPLANATION and the assessment of HN is "
            "EXPLANATION_REQUESTED: no explanation was requested for I.1.2; removing a "
            "file from an explanation is for the criteria asked about");
  s = Delete(wards_["HN"], FileName("HN", kept.id()), EntryVersion("HN", "I.1.1"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(),
            "name: bien-ban-2.pdf was attached by the Home Affairs "
            "office; only the office may remove it");
  EXPECT_EQ(Files("HN", "I.1.1"), 1);
  EXPECT_EQ(Files("HN", "I.1.2"), 1);
}

// Found by an outside tester (issue 16): while explaining, a ward removed a file it had
// attached in its self-assessment, one the office had appraised. In the explanation
// phase a ward removes only the files it attached to its explanation.
TEST_F(EvidenceServiceTest, WhileExplainingAWardRemovesOnlyTheFilesOfItsExplanation) {
  const v1::Evidence sent = Upload(wards_["HN"], "HN", "I.1.1", "ke-hoach.pdf");
  EXPECT_FALSE(sent.for_explanation());
  ASSERT_TRUE(EnterSelf("HN").ok());
  ASSERT_TRUE(Submit("HN").ok());
  Advance(v1::PHASE_APPRAISAL);
  v1::RequestExplanationRequest ask;
  ask.set_name("rounds/r/assessments/HN");
  ask.set_etag(Assessment("HN").version());
  (*ask.mutable_messages())["I.1.1"] = "Đề nghị gửi kế hoạch đã ký";
  (*ask.mutable_reasons())["I.1.1"] = v1::REASON_MISSING_EVIDENCE;
  v1::Assessment asked;
  ASSERT_TRUE(Call(assessments_.get(), &v1::AssessmentService::Stub::RequestExplanation,
                   appraiser_, ask, &asked)
                  .ok());
  Advance(v1::PHASE_EXPLANATION);
  const v1::Evidence answer = Upload(wards_["HN"], "HN", "I.1.1", "ke-hoach-da-ky.pdf");
  EXPECT_TRUE(answer.for_explanation());
  // The form says which file is which.
  std::vector<std::string> listed;
  const v1::Assessment form = Assessment("HN", wards_["HN"]);
  for (const v1::Entry& e : form.entries()) {
    if (e.criterion() != "I.1.1") continue;
    for (const v1::Evidence& f : e.evidence()) {
      if (f.id() == 0) continue;
      listed.push_back(
          absl::StrCat(f.file_name(), f.for_explanation() ? " (explanation)" : ""));
    }
  }
  EXPECT_THAT(listed,
              ::testing::ElementsAre("ke-hoach.pdf", "ke-hoach-da-ky.pdf (explanation)"));
  // The file appraised stays, though its criterion is asked about.
  grpc::Status s =
      Delete(wards_["HN"], FileName("HN", sent.id()), EntryVersion("HN", "I.1.1"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            "name: round r is in phase EXPLANATION and the assessment of HN is "
            "EXPLANATION_REQUESTED: ke-hoach.pdf was attached before the explanation "
            "phase and was appraised, so it stays; removing a file from an explanation "
            "is for the files attached to the explanation");
  EXPECT_EQ(Files("HN", "I.1.1"), 2);
  // The file of its explanation goes.
  s = Delete(wards_["HN"], FileName("HN", answer.id()), EntryVersion("HN", "I.1.1"));
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Files("HN", "I.1.1"), 1);
}

// ---- a form's history: a change's before is the state the form stood in ----

class FormHistoryTest : public EvidenceServiceTest {
 protected:
  // The before and after states of the form's state changes, oldest first.
  std::vector<std::string> StateChanges(const std::string& unit) {
    std::vector<std::string> changes;
    const std::vector<v1::AuditEvent> events =
        Events(absl::StrCat("rounds/r/assessments/", unit));
    for (const v1::AuditEvent& e : events) {
      if (e.action() != "assessment.state") continue;
      auto state = [](const std::string& json) {
        const size_t at = json.find(R"("state":")");
        if (at == std::string::npos) return std::string("(none)");
        return json.substr(at + 9, json.find('"', at + 9) - at - 9);
      };
      changes.push_back(absl::StrCat(state(e.before()), " -> ", state(e.after())));
    }
    return changes;
  }
};

TEST_F(FormHistoryTest, AStateChangesBeforeIsTheEffectiveStateNotTheStoredOne) {
  // Stored NOT_STARTED, a DRAFT to every reader once the unit typed its figures.
  ASSERT_TRUE(EnterSelf("HN").ok());
  ASSERT_TRUE(Submit("HN").ok());
  Advance(v1::PHASE_APPRAISAL);
  // Stored SUBMITTED, APPRAISED once the office wrote on it.
  v1::BatchUpdateEntriesRequest appraise;
  appraise.set_parent("rounds/r/assessments/HN");
  v1::EntryUpdate* u = appraise.add_updates();
  u->mutable_entry()->set_criterion("I.1.1");
  u->mutable_entry()->set_appraisal_comment("Đủ hồ sơ");
  u->mutable_update_mask()->add_paths("appraisal_comment");
  u->set_etag(EntryVersion("HN", "I.1.1"));
  ASSERT_TRUE(Update(appraiser_, appraise).ok());
  // The office's column of the data sheet, as the unit gave it.
  v1::UpdateDataSheetRequest sheet = SelfSheet("HN");
  const v1::Assessment before = Assessment("HN");
  for (v1::DataValueUpdate& v : *sheet.mutable_updates()) {
    for (const v1::DataValue& stored : before.values()) {
      if (stored.element() == v.element()) v.set_etag(stored.version());
    }
  }
  grpc::Status s = UpdateSheet(appraiser_, sheet);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(Assessment("HN").state(), v1::STATE_APPRAISED);
  v1::RequestExplanationRequest ask;
  ask.set_name("rounds/r/assessments/HN");
  ask.set_etag(Assessment("HN").version());
  (*ask.mutable_messages())["I.1.1"] = "Đề nghị gửi kế hoạch đã ký";
  (*ask.mutable_reasons())["I.1.1"] = v1::REASON_MISSING_EVIDENCE;
  v1::Assessment asked;
  ASSERT_TRUE(Call(assessments_.get(), &v1::AssessmentService::Stub::RequestExplanation,
                   appraiser_, ask, &asked)
                  .ok());
  EXPECT_THAT(StateChanges("HN"),
              ::testing::ElementsAre("STATE_DRAFT -> STATE_SUBMITTED",
                                     "STATE_APPRAISED -> STATE_EXPLANATION_REQUESTED"));
}

}  // namespace
}  // namespace parindex::server
