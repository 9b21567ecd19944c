// The request limits (proto annotations and defaults) and CheckRequest: every limit at
// the limit and one over, enums out of range, paths, map keys; every field reachable
// from a request has a limit; the bundled criteria sets, plans and demo figures fit.
#include "server/request_check.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "criteria/yaml_reader.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "parindex/v1/common.pb.h"
#include "parindex/v1/service.pb.h"

namespace parindex::server {
namespace {

namespace pb = google::protobuf;

struct Case {
  std::string what;
  std::shared_ptr<pb::Message> request;
  std::string error;  // "" for OK
};

template <typename T>
std::shared_ptr<pb::Message> Make(std::function<void(T*)> fill) {
  auto m = std::make_shared<T>();
  fill(m.get());
  return m;
}

std::string Bytes(size_t n) { return std::string(n, 'x'); }

// n updates, each naming a criterion; `update` changes the one at `at`.
std::shared_ptr<pb::Message> Batch(int n, int at = 0,
                                   std::function<void(v1::EntryUpdate*)> update = {}) {
  return Make<v1::BatchUpdateEntriesRequest>([=](v1::BatchUpdateEntriesRequest* r) {
    r->set_parent("rounds/r/assessments/P1");
    for (int i = 0; i < n; ++i) {
      v1::EntryUpdate* u = r->add_updates();
      u->mutable_entry()->set_criterion(absl::StrCat("I.", i + 1));
      if (i == at && update) update(u);
    }
  });
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  auto add = [&](std::string what, std::shared_ptr<pb::Message> m, std::string error) {
    cases.push_back({std::move(what), std::move(m), std::move(error)});
  };
  // Strings, singular and nested, explicit limits.
  add("comment at its limit",
      Batch(5, 3,
            [](v1::EntryUpdate* u) { u->mutable_entry()->set_comment(Bytes(2000)); }),
      "");
  add("comment over",
      Batch(5, 3,
            [](v1::EntryUpdate* u) { u->mutable_entry()->set_comment(Bytes(2001)); }),
      "updates[3].entry.comment: 2001 bytes, more than the 2000 allowed");
  add("a 10 MiB comment",
      Batch(1, 0,
            [](v1::EntryUpdate* u) { u->mutable_entry()->set_comment(Bytes(10 << 20)); }),
      "updates[0].entry.comment: 10485760 bytes, more than the 2000 allowed");
  add("explanation at its limit",
      Batch(1, 0,
            [](v1::EntryUpdate* u) { u->mutable_entry()->set_explanation(Bytes(4000)); }),
      "");
  add("explanation over",
      Batch(1, 0,
            [](v1::EntryUpdate* u) { u->mutable_entry()->set_explanation(Bytes(4001)); }),
      "updates[0].entry.explanation: 4001 bytes, more than the 4000 allowed");
  add("Vietnamese counts in bytes",
      Batch(1, 0,
            [](v1::EntryUpdate* u) {
              std::string s;
              while (s.size() < 2000) s += "ạ";              // 3 bytes each
              u->mutable_entry()->set_appraisal_comment(s);  // 2001 bytes
            }),
      "updates[0].entry.appraisal_comment: 2001 bytes, more than the 2000 allowed");
  add("request_id at its limit",
      Make<v1::AssessmentActionRequest>([](auto* r) { r->set_request_id(Bytes(128)); }),
      "");
  add("request_id over",
      Make<v1::AssessmentActionRequest>([](auto* r) { r->set_request_id(Bytes(129)); }),
      "request_id: 129 bytes, more than the 128 allowed");
  add("a resource name at its limit",
      Make<v1::GetUnitScoreRequest>([](auto* r) { r->set_name(Bytes(320)); }), "");
  add("a resource name over",
      Make<v1::GetUnitScoreRequest>([](auto* r) { r->set_name(Bytes(321)); }),
      "name: 321 bytes, more than the 320 allowed");
  // Repeated fields and their items.
  add("300 updates", Batch(300), "");
  add("301 updates", Batch(301), "updates: 301 items, more than the 300 allowed");
  add("10 evidence items",
      Batch(2, 1,
            [](v1::EntryUpdate* u) {
              for (int i = 0; i < 10; ++i) u->mutable_entry()->add_evidence();
            }),
      "");
  add("11 evidence items",
      Batch(2, 1,
            [](v1::EntryUpdate* u) {
              for (int i = 0; i < 11; ++i) u->mutable_entry()->add_evidence();
            }),
      "updates[1].entry.evidence: 11 items, more than the 10 allowed");
  add("an evidence file name over",
      Batch(1, 0,
            [](v1::EntryUpdate* u) {
              for (int i = 0; i < 3; ++i) u->mutable_entry()->add_evidence();
              u->mutable_entry()->mutable_evidence(2)->set_file_name(Bytes(256));
            }),
      "updates[0].entry.evidence[2].file_name: 256 bytes, more than the 255 allowed");
  add("evidence fields at their limits",
      Batch(1, 0,
            [](v1::EntryUpdate* u) {
              v1::Evidence* e = u->mutable_entry()->add_evidence();
              e->set_document_type(Bytes(200));
              e->set_number(Bytes(100));
              e->set_issuer(Bytes(300));
              e->set_summary(Bytes(1000));
              e->set_file_name(Bytes(255));
            }),
      "");
  add("an evidence summary over",
      Batch(1, 0,
            [](v1::EntryUpdate* u) {
              u->mutable_entry()->add_evidence()->set_summary(Bytes(1001));
            }),
      "updates[0].entry.evidence[0].summary: 1001 bytes, more than the 1000 allowed");
  add("5,000 units in a round", Make<v1::CreateRoundRequest>([](auto* r) {
        for (int i = 0; i < 5000; ++i) r->mutable_round()->add_units(Bytes(128));
      }),
      "");
  add("5,001 units in a round", Make<v1::CreateRoundRequest>([](auto* r) {
        for (int i = 0; i < 5001; ++i) r->mutable_round()->add_units("U");
      }),
      "round.units: 5001 items, more than the 5000 allowed");
  add("a unit code over, in a repeated string", Make<v1::CreateRoundRequest>([](auto* r) {
        for (int i = 0; i < 5; ++i) r->mutable_round()->add_units("U");
        r->mutable_round()->set_units(4, Bytes(129));
      }),
      "round.units[4]: 129 bytes, more than the 128 allowed");
  add("300 preview entries", Make<v1::PreviewScoreRequest>([](auto* r) {
        for (int i = 0; i < 300; ++i) r->add_entries();
      }),
      "");
  add("301 preview entries", Make<v1::PreviewScoreRequest>([](auto* r) {
        for (int i = 0; i < 301; ++i) r->add_entries();
      }),
      "entries: 301 items, more than the 300 allowed");
  add("50,000 survey rows and 8 MiB of CSV", Make<v1::ImportSurveyRequest>([](auto* r) {
        for (int i = 0; i < 50000; ++i) r->add_rows()->set_unit("U");
        r->set_csv(Bytes(8 << 20));
      }),
      "");
  add("50,001 survey rows", Make<v1::ImportSurveyRequest>([](auto* r) {
        for (int i = 0; i < 50001; ++i) r->add_rows();
      }),
      "rows: 50001 items, more than the 50000 allowed");
  add("CSV over",
      Make<v1::ImportSurveyRequest>([](auto* r) { r->set_csv(Bytes((8 << 20) + 1)); }),
      "csv: 8388609 bytes, more than the 8388608 allowed");
  add("a criteria set's YAML at its limit",
      Make<v1::CreateCriteriaSetRequest>([](auto* r) { r->set_yaml(Bytes(2 << 20)); }),
      "");
  add("a criteria set's YAML over", Make<v1::CreateCriteriaSetRequest>([](auto* r) {
        r->set_yaml(Bytes((2 << 20) + 1));
      }),
      "yaml: 2097153 bytes, more than the 2097152 allowed");
  add("a plan's YAML over",
      Make<v1::PutPlanRequest>([](auto* r) { r->set_yaml(Bytes((2 << 20) + 1)); }),
      "yaml: 2097153 bytes, more than the 2097152 allowed");
  // Maps: items, keys (`.key` for identifiers, `[key]` otherwise), values.
  add("50 figures",
      Batch(1, 0,
            [](v1::EntryUpdate* u) {
              auto* f = u->mutable_entry()->mutable_self()->mutable_figures();
              for (int i = 0; i < 50; ++i) (*f)[absl::StrCat("f", i)] = i;
            }),
      "");
  add("51 figures",
      Batch(2, 1,
            [](v1::EntryUpdate* u) {
              auto* f = u->mutable_entry()->mutable_appraised()->mutable_figures();
              for (int i = 0; i < 51; ++i) (*f)[absl::StrCat("f", i)] = i;
            }),
      "updates[1].entry.appraised.figures: 51 items, more than the 50 allowed");
  add("a figure name at its limit",
      Batch(1, 0,
            [](v1::EntryUpdate* u) {
              (*u->mutable_entry()->mutable_self()->mutable_figures())[Bytes(128)] = 1;
            }),
      "");
  add("a figure name over",
      Batch(1, 0,
            [](v1::EntryUpdate* u) {
              (*u->mutable_entry()->mutable_self()->mutable_figures())[Bytes(129)] = 1;
            }),
      absl::StrCat("updates[0].entry.self.figures[", Bytes(32),
                   "…]: key of 129 bytes, more than the 128 allowed"));
  auto explain = [](int n, size_t bytes) {
    return Make<v1::RequestExplanationRequest>([=](auto* r) {
      r->set_name("rounds/r/assessments/P1");
      for (int i = 1; i < n; ++i) (*r->mutable_messages())[absl::StrCat("II.", i)] = "?";
      (*r->mutable_messages())["I.1.1"] = Bytes(bytes);
    });
  };
  add("300 explanation requests of 2,000 bytes", explain(300, 2000), "");
  add("301 explanation requests", explain(301, 1),
      "messages: 301 items, more than the 300 allowed");
  add("an explanation request over", explain(1, 2001),
      "messages[I.1.1]: 2001 bytes, more than the 2000 allowed");
  // Enums: singular, repeated, nested, enum types nested in messages.
  add("a declared column",
      Make<v1::GetUnitScoreRequest>([](auto* r) { r->set_column(v1::APPRAISED); }), "");
  add("column 99", Make<v1::GetUnitScoreRequest>([](auto* r) {
        r->set_column(static_cast<v1::Column>(99));
      }),
      "column: 99 is not a value of parindex.v1.Column");
  add("column -1", Make<v1::GetRankingRequest>([](auto* r) {
        r->set_column(static_cast<v1::Column>(-1));
      }),
      "column: -1 is not a value of parindex.v1.Column");
  add("role 5", Make<v1::CreateTokenRequest>([](auto* r) {
        r->set_role(static_cast<v1::Role>(5));
      }),
      "role: 5 is not a value of parindex.v1.Role");
  add("an export format nested in its message", Make<v1::ExportRoundRequest>([](auto* r) {
        r->set_format(static_cast<v1::ExportRoundRequest::Format>(4));
      }),
      "format: 4 is not a value of parindex.v1.ExportRoundRequest.Format");
  add("a nested singular enum", Make<v1::PutPlanRequest>([](auto* r) {
        for (int i = 0; i < 3; ++i) r->mutable_plan()->add_targets();
        r->mutable_plan()->mutable_targets(2)->set_comparator(
            static_cast<v1::Comparator>(7));
      }),
      "plan.targets[2].comparator: 7 is not a value of parindex.v1.Comparator");
  add("a repeated enum", Make<v1::PutPlanRequest>([](auto* r) {
        v1::Target* t = r->mutable_plan()->add_targets();
        t->add_applies_to(v1::WARD);
        t->add_applies_to(static_cast<v1::UnitKind>(42));
      }),
      "plan.targets[0].applies_to[1]: 42 is not a value of parindex.v1.UnitKind");
  add("every unit kind", Make<v1::PutPlanRequest>([](auto* r) {
        v1::Target* t = r->mutable_plan()->add_targets();
        for (int k = 0; k <= 9; ++k) t->add_applies_to(static_cast<v1::UnitKind>(k));
      }),
      "");
  add("a due kind nested twice", Make<v1::PutPlanRequest>([](auto* r) {
        r->mutable_plan()->add_tasks()->mutable_due()->set_kind(
            static_cast<v1::DueRange::Kind>(6));
      }),
      "plan.tasks[0].due.kind: 6 is not a value of parindex.v1.DueRange.Kind");
  // Recursive messages: criteria within criteria.
  add("a sub-criterion's title over", Make<v1::CreateCriteriaSetRequest>([](auto* r) {
        v1::CriteriaSet* s = r->mutable_criteria_set();
        s->add_areas();
        v1::Criterion* c = s->add_areas()->add_criteria();
        for (int i = 0; i < 3; ++i) c->add_criteria();
        c->mutable_criteria(2)->set_title(Bytes(1001));
      }),
      "criteria_set.areas[1].criteria[0].criteria[2].title: 1001 bytes, more than the "
      "1000 allowed");
  add("a rule's band comparator, deep", Make<v1::CreateCriteriaSetRequest>([](auto* r) {
        v1::Criterion* c = r->mutable_criteria_set()->add_areas()->add_criteria();
        c->add_criteria()->mutable_rule()->mutable_inverse()->add_bands()->set_comparator(
            static_cast<v1::Comparator>(9));
      }),
      "criteria_set.areas[0].criteria[0].criteria[0].rule.inverse.bands[0].comparator: 9 "
      "is not a value of parindex.v1.Comparator");
  add("a task's text at its limit", Make<v1::PutPlanRequest>([](auto* r) {
        r->mutable_plan()->add_tasks()->set_text(Bytes(4000));
      }),
      "");
  add("a task's text over", Make<v1::PutPlanRequest>([](auto* r) {
        r->mutable_plan()->add_tasks()->set_text(Bytes(4001));
      }),
      "plan.tasks[0].text: 4001 bytes, more than the 4000 allowed");
  // Defaults: strings 256 bytes, repeated fields 1,000 items, map keys 64 bytes (shown
  // with a well-known type that has no annotations).
  add("a label at the default",
      Make<v1::CreateTokenRequest>([](auto* r) { r->set_label(Bytes(256)); }), "");
  add("a label over the default",
      Make<v1::CreateTokenRequest>([](auto* r) { r->set_label(Bytes(257)); }),
      "label: 257 bytes, more than the 256 allowed");
  add("an update mask over the default", Make<v1::UpdateRoundRequest>([](auto* r) {
        for (int i = 0; i < 1001; ++i) r->mutable_update_mask()->add_paths("title");
      }),
      "update_mask.paths: 1001 items, more than the 1000 allowed");
  add("map keys and values by default", Make<pb::Struct>([](pb::Struct* s) {
        (*s->mutable_fields())[Bytes(64)].set_string_value(Bytes(256));
      }),
      "");
  add("a map key over the default",
      Make<pb::Struct>([](pb::Struct* s) { (*s->mutable_fields())[Bytes(65)]; }),
      absl::StrCat("fields[", Bytes(32),
                   "…]: key of 65 bytes, more than the 64 allowed"));
  add("a map's message value, by an identifier key", Make<pb::Struct>([](pb::Struct* s) {
        (*s->mutable_fields())["a_1"].set_string_value(Bytes(257));
      }),
      "fields.a_1.string_value: 257 bytes, more than the 256 allowed");
  add("a map's message value, by another key", Make<pb::Struct>([](pb::Struct* s) {
        (*s->mutable_fields())["1 b"].mutable_list_value()->add_values()->set_null_value(
            static_cast<pb::NullValue>(1));
      }),
      "fields[1 b].list_value.values[0].null_value: 1 is not a value of "
      "google.protobuf.NullValue");
  // The first problem in declaration order is the one named.
  add("two problems", Make<v1::GetRankingRequest>([](auto* r) {
        r->set_name(Bytes(400));
        r->set_column(static_cast<v1::Column>(99));
      }),
      "name: 400 bytes, more than the 320 allowed");
  return cases;
}

TEST(RequestCheck, EachLimitAtTheLimitAndOneOver) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.what);
    const absl::Status status = CheckRequest(*c.request);
    if (c.error.empty()) {
      EXPECT_TRUE(status.ok()) << status;
    } else {
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(status.message(), c.error);
    }
  }
}

TEST(RequestCheck, UploadedFilesAreCappedAt256MiB) {
  v1::UploadEvidenceRequest r;
  std::string* content = r.mutable_content();
  content->reserve((256 << 20) + 1);
  content->assign(256 << 20, 'x');
  EXPECT_TRUE(CheckRequest(r).ok());
  content->push_back('x');
  EXPECT_EQ(CheckRequest(r).message(),
            "content: 268435457 bytes, more than the 268435456 allowed");
}

// Limit.text: a person's text holds no control character but \n and \t, and no
// direction or invisible format character, wherever the field sits (singular, map
// value); the one rule names also use (without line breaks: CheckText).
TEST(RequestCheck, TextFieldsHoldNoControlOrDirectionCharacters) {
  v1::BatchUpdateEntriesRequest r;
  v1::Entry* e = r.add_updates()->mutable_entry();
  e->set_comment(
      "Dòng 1\n\tDòng 2 👨\u200d👩 ‌x");  // joiners are letters' business
  EXPECT_TRUE(CheckRequest(r).ok());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {std::string("a\0b", 3), "holds U+0000 (a control character) at byte 1"},
      {"a\rb", "holds U+000D (a control character) at byte 1"},
      {"a\x7f", "holds U+007F (a control character) at byte 1"},
      {"\xC2\x80", "holds U+0080 (a control character) at byte 0"},
      {"x\xC2\x9F", "holds U+009F (a control character) at byte 1"},
      {"\xD8\x9C", "holds U+061C (a direction or invisible character) at byte 0"},
      {"\xE2\x80\x8E", "holds U+200E (a direction or invisible character) at byte 0"},
      {"\xE2\x80\xA8", "holds U+2028 (a direction or invisible character) at byte 0"},
      {"\xE2\x80\xAA", "holds U+202A (a direction or invisible character) at byte 0"},
      {"\xE2\x81\xA0", "holds U+2060 (a direction or invisible character) at byte 0"},
      {"\xE2\x81\xA9", "holds U+2069 (a direction or invisible character) at byte 0"},
      {"a\xEF\xBF\xBE", "holds U+FFFE (a direction or invisible character) at byte 1"},
      {"ab\xEF\xBF\xBF", "holds U+FFFF (a direction or invisible character) at byte 2"},
  };
  for (const auto& [text, why] : cases) {
    e->set_explanation(text);
    EXPECT_EQ(CheckRequest(r).message(), "updates[0].entry.explanation: " + why) << why;
  }
  e->clear_explanation();
  e->set_updated_by(std::string("a\0b", 3));  // not text: sizes only
  EXPECT_TRUE(CheckRequest(r).ok());
  v1::RequestExplanationRequest ask;
  (*ask.mutable_messages())["I.5"] = "Gửi\xE2\x80\xAE quyết định";
  EXPECT_EQ(CheckRequest(ask).message(),
            "messages[I.5]: holds U+202E (a direction or invisible character) at byte 5");
  EXPECT_FALSE(FindTextFault("a\nb\tc", /*line_breaks=*/true).has_value());
  EXPECT_EQ(FindTextFault("a\nb", /*line_breaks=*/false)->at, 1u);
  EXPECT_EQ(FindTextFault("Tổ\tb", /*line_breaks=*/false)->code_point, 0x09u);
}

TEST(RequestCheck, LimitsTellAnnotationsFromDefaults) {
  const pb::Descriptor* entry = v1::Entry::descriptor();
  FieldLimits comment = LimitsOf(entry->FindFieldByName("comment"));
  EXPECT_EQ(comment.max_bytes, 2000);
  EXPECT_TRUE(comment.explicit_bytes);
  EXPECT_EQ(comment.max_items, 0);
  FieldLimits updated_by = LimitsOf(entry->FindFieldByName("updated_by"));
  EXPECT_EQ(updated_by.max_bytes, kDefaultMaxBytes);
  EXPECT_FALSE(updated_by.explicit_bytes);
  FieldLimits figures =
      LimitsOf(v1::EntryValues::descriptor()->FindFieldByName("figures"));
  EXPECT_EQ(figures.max_items, 50);
  EXPECT_EQ(figures.max_key_bytes, 128);
  EXPECT_EQ(figures.max_bytes, 0);  // int64 values
  FieldLimits version = LimitsOf(entry->FindFieldByName("version"));
  EXPECT_EQ(version.max_bytes + version.max_items + version.max_key_bytes, 0);
}

// The fields of `api`'s requests (every method of every service, and everything
// reachable from them) that lack a limit or carry one that does not apply, by path:
// every string, bytes, repeated and map field needs a limit; bytes fields their own
// (no default suits a file); an annotation sets only limits that apply to its field.
std::vector<std::string> Unbounded(const pb::FileDescriptor* api, int* methods,
                                   int* fields) {
  std::vector<std::string> problems;
  std::set<const pb::Descriptor*> seen;
  std::function<void(const pb::Descriptor*, const std::string&)> walk =
      [&](const pb::Descriptor* d, const std::string& path) {
        if (!seen.insert(d).second) return;
        for (int i = 0; i < d->field_count(); ++i) {
          const pb::FieldDescriptor* f = d->field(i);
          const std::string where = absl::StrCat(path, ".", f->name());
          const FieldLimits limits = LimitsOf(f);
          const v1::Limit& annotation = f->options().GetExtension(v1::limit);
          const pb::FieldDescriptor* values =
              f->is_map() ? f->message_type()->map_value() : f;
          const bool text = values->type() == pb::FieldDescriptor::TYPE_STRING ||
                            values->type() == pb::FieldDescriptor::TYPE_BYTES;
          const bool string_keys = f->is_map() && f->message_type()->map_key()->type() ==
                                                      pb::FieldDescriptor::TYPE_STRING;
          ++*fields;
          if (text && limits.max_bytes <= 0)
            problems.push_back(where + ": no byte limit");
          if (values->type() == pb::FieldDescriptor::TYPE_BYTES && !limits.explicit_bytes)
            problems.push_back(where + ": bytes without (limit).max_bytes");
          if (f->is_repeated() && limits.max_items <= 0)
            problems.push_back(where + ": no item limit");
          if (string_keys && limits.max_key_bytes <= 0)
            problems.push_back(where + ": no key limit");
          if (annotation.max_bytes() != 0 && !text)
            problems.push_back(where + ": (limit).max_bytes on a field without text");
          if (annotation.max_items() != 0 && !f->is_repeated())
            problems.push_back(where + ": (limit).max_items on a singular field");
          if (annotation.max_key_bytes() != 0 && !string_keys)
            problems.push_back(where + ": (limit).max_key_bytes without string keys");
          if (annotation.text() && values->type() != pb::FieldDescriptor::TYPE_STRING)
            problems.push_back(where + ": (limit).text on a field that is not a string");
          if (annotation.max_bytes() < 0 || annotation.max_items() < 0 ||
              annotation.max_key_bytes() < 0)
            problems.push_back(where + ": a negative limit");
          if (values->type() == pb::FieldDescriptor::TYPE_MESSAGE)
            walk(values->message_type(), f->is_repeated() ? where + "[]" : where);
        }
      };
  for (int s = 0; s < api->service_count(); ++s) {
    for (int m = 0; m < api->service(s)->method_count(); ++m) {
      const pb::MethodDescriptor* method = api->service(s)->method(m);
      ++*methods;
      walk(method->input_type(), method->input_type()->name());
    }
  }
  return problems;
}

// A new field added to the API without thought fails here, named by its path.
TEST(RequestCheck, EveryFieldReachableFromARequestHasALimit) {
  const pb::FileDescriptor* api = v1::GetByNameRequest::descriptor()->file();
  ASSERT_EQ(api->name(), "parindex/v1/service.proto");
  int methods = 0, fields = 0;
  for (const std::string& p : Unbounded(api, &methods, &fields)) ADD_FAILURE() << p;
  EXPECT_EQ(methods, 57);  // with AccountService (8), RecordService (3), TaskService
                           // (4), GetWorkQueue, StreamExportRound, DeleteEvidence and
                           // ReviewExplanation
  EXPECT_GT(fields, 150);
}

// The same walk over a made-up API with the mistakes it must catch: it can fail.
TEST(RequestCheck, TheCoverageWalkFindsUnboundedAndMisplacedLimits) {
  pb::FileDescriptorProto file;
  file.set_name("bad/api.proto");
  file.set_package("bad");
  file.set_syntax("proto3");
  pb::DescriptorProto* inner = file.add_message_type();
  inner->set_name("Inner");
  auto add = [](pb::DescriptorProto* m, const std::string& name, int number,
                pb::FieldDescriptorProto::Type type, bool repeated = false) {
    pb::FieldDescriptorProto* f = m->add_field();
    f->set_name(name);
    f->set_number(number);
    f->set_type(type);
    f->set_label(repeated ? pb::FieldDescriptorProto::LABEL_REPEATED
                          : pb::FieldDescriptorProto::LABEL_OPTIONAL);
    return f;
  };
  add(inner, "file", 1, pb::FieldDescriptorProto::TYPE_BYTES);  // no annotation
  add(inner, "count", 2, pb::FieldDescriptorProto::TYPE_INT32)
      ->mutable_options()
      ->MutableExtension(v1::limit)
      ->set_max_bytes(10);  // max_bytes on a number
  pb::DescriptorProto* request = file.add_message_type();
  request->set_name("Request");
  add(request, "name", 1, pb::FieldDescriptorProto::TYPE_STRING)
      ->mutable_options()
      ->MutableExtension(v1::limit)
      ->set_max_items(3);  // max_items on a singular field
  pb::FieldDescriptorProto* inners =
      add(request, "inners", 2, pb::FieldDescriptorProto::TYPE_MESSAGE, true);
  inners->set_type_name(".bad.Inner");
  pb::ServiceDescriptorProto* service = file.add_service();
  service->set_name("Bad");
  pb::MethodDescriptorProto* method = service->add_method();
  method->set_name("Call");
  method->set_input_type(".bad.Request");
  method->set_output_type(".bad.Request");
  pb::DescriptorPool pool;
  const pb::FileDescriptor* bad = pool.BuildFile(file);
  ASSERT_NE(bad, nullptr);
  int methods = 0, fields = 0;
  EXPECT_EQ(Unbounded(bad, &methods, &fields),
            (std::vector<std::string>{
                "Request.name: (limit).max_items on a singular field",
                "Request.inners[].file: bytes without (limit).max_bytes",
                "Request.inners[].count: (limit).max_bytes on a field without text",
            }));
  EXPECT_EQ(methods, 1);
  EXPECT_EQ(fields, 4);
}

std::string Read(const std::string& relative) {
  std::ifstream in(std::string(PARINDEX_SOURCE_DIR) + "/" + relative);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// What the page, the CLI and the demo send: every bundled set and plan, as YAML and as
// messages, and each unit's demo figures as one batch.
TEST(RequestCheck, TheBundledSetsPlansAndFiguresFit) {
  int checked = 0;
  for (const char* dir : {"criteria/sets", "criteria/plans", "criteria/demo"}) {
    for (const auto& file : std::filesystem::directory_iterator(
             std::string(PARINDEX_SOURCE_DIR) + "/" + dir)) {
      const std::string path = file.path().string();
      const std::string text = Read(std::filesystem::relative(path, PARINDEX_SOURCE_DIR));
      SCOPED_TRACE(path);
      if (auto set = criteria::ParseCriteriaSet(text, path); set.ok()) {
        v1::CreateCriteriaSetRequest r;
        *r.mutable_criteria_set() = set->proto;
        EXPECT_TRUE(CheckRequest(r).ok()) << CheckRequest(r);
        r.set_yaml(text);
        EXPECT_TRUE(CheckRequest(r).ok()) << CheckRequest(r);
        ++checked;
      } else if (auto plan = criteria::ParsePlan(text, path); plan.ok()) {
        v1::PutPlanRequest r;
        *r.mutable_plan() = plan->proto;
        EXPECT_TRUE(CheckRequest(r).ok()) << CheckRequest(r);
        r.set_yaml(text);
        EXPECT_TRUE(CheckRequest(r).ok()) << CheckRequest(r);
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 10);  // 3 sets, 5 plans, the demo's set and plan
  for (const char* figures :
       {"criteria/demo/figures.yaml", "criteria/rounds/hungyen-2023/figures.yaml"}) {
    auto parsed = criteria::ParseFigures(Read(figures), figures);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    v1::CreateRoundRequest round;
    for (const criteria::UnitFigures& u : parsed->proto.units) {
      v1::PutUnitRequest put;
      *put.mutable_unit() = u.unit;
      EXPECT_TRUE(CheckRequest(put).ok()) << CheckRequest(put);
      v1::BatchUpdateEntriesRequest batch;
      for (const v1::Entry& e : u.assessment.entries())
        *batch.add_updates()->mutable_entry() = e;
      EXPECT_TRUE(CheckRequest(batch).ok()) << CheckRequest(batch);
      round.mutable_round()->add_units(u.unit.code());
    }
    EXPECT_TRUE(CheckRequest(round).ok()) << CheckRequest(round);
  }
}

}  // namespace
}  // namespace parindex::server
