// CheckRequest: a reflection walk over a request, driven by a plan per message type
// (the fields worth looking at, with their limits resolved), built once.
#include "server/request_check.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "parindex/v1/common.pb.h"

namespace parindex::server {

namespace pb = google::protobuf;

FieldLimits LimitsOf(const pb::FieldDescriptor* field) {
  const v1::Limit& annotation = field->options().GetExtension(v1::limit);
  FieldLimits limits;
  const pb::FieldDescriptor* values = field;  // what a string limit applies to
  if (field->is_map()) {
    const pb::FieldDescriptor* key = field->message_type()->map_key();
    values = field->message_type()->map_value();
    if (key->type() == pb::FieldDescriptor::TYPE_STRING) {
      limits.explicit_key_bytes = annotation.max_key_bytes() > 0;
      limits.max_key_bytes =
          limits.explicit_key_bytes ? annotation.max_key_bytes() : kDefaultMaxKeyBytes;
    }
  }
  if (values->type() == pb::FieldDescriptor::TYPE_STRING ||
      values->type() == pb::FieldDescriptor::TYPE_BYTES) {
    limits.explicit_bytes = annotation.max_bytes() > 0;
    limits.max_bytes = limits.explicit_bytes ? annotation.max_bytes() : kDefaultMaxBytes;
  }
  limits.text = annotation.text() && values->type() == pb::FieldDescriptor::TYPE_STRING;
  if (field->is_repeated()) {  // maps too
    limits.explicit_items = annotation.max_items() > 0;
    limits.max_items = limits.explicit_items ? annotation.max_items() : kDefaultMaxItems;
  }
  return limits;
}

namespace {

struct Plan;

// What to look at in a value: a string's size, an enum's value, a message's fields.
struct ValueCheck {
  enum Kind { kNone, kString, kEnum, kMessage } kind = kNone;
  const pb::EnumDescriptor* enum_type = nullptr;
  int lowest = 0, highest = 0;  // the enum's values are exactly lowest..highest
  bool contiguous = false;      // (else look the value up)
  const Plan* plan = nullptr;   // of a message
};

// One field of a message that can break a limit or hide one.
struct FieldCheck {
  const pb::FieldDescriptor* field;
  FieldLimits limits;
  ValueCheck value;                          // of the field, or of a map's values
  const pb::FieldDescriptor* key = nullptr;  // maps: the entry's fields
  const pb::FieldDescriptor* map_value = nullptr;
  const pb::Reflection* entry_reflection = nullptr;  // of the generated entry class
};

struct Plan {
  std::vector<FieldCheck> fields;
  // The generated class's reflection, when there is one: asking a message for its
  // reflection goes through a call_once and a thread-local every time, which cost a
  // third of a walk when it was asked once per field.
  const pb::Reflection* reflection = nullptr;
  bool complete = false;  // every field looked at (recursive types are built in turn)
};

class Plans {
 public:
  // The plan of `descriptor`, and of every message type reachable from it.
  const Plan* Get(const pb::Descriptor* descriptor) {
    std::lock_guard<std::mutex> lock(mu_);
    return Build(descriptor);
  }

 private:
  const Plan* Build(const pb::Descriptor* descriptor) {
    auto it = plans_.find(descriptor);
    if (it != plans_.end()) return it->second.get();
    // Inserted before its fields are built: recursive types (Criterion) end here.
    Plan* plan = (plans_[descriptor] = std::make_unique<Plan>()).get();
    const pb::Message* prototype =
        pb::MessageFactory::generated_factory()->GetPrototype(descriptor);
    if (prototype != nullptr) plan->reflection = prototype->GetReflection();
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const pb::FieldDescriptor* field = descriptor->field(i);
      FieldCheck check{field, LimitsOf(field), {}};
      const pb::FieldDescriptor* values = field;
      if (field->is_map()) {
        check.key = field->message_type()->map_key();
        check.map_value = values = field->message_type()->map_value();
        const pb::Message* entry =
            pb::MessageFactory::generated_factory()->GetPrototype(field->message_type());
        if (entry != nullptr) check.entry_reflection = entry->GetReflection();
      }
      check.value = Value(values);
      // A message with nothing to check in it (a Date) is not visited.
      if (check.value.kind == ValueCheck::kMessage && check.value.plan->complete &&
          check.value.plan->fields.empty())
        check.value.kind = ValueCheck::kNone;
      if (check.value.kind == ValueCheck::kNone && !field->is_repeated()) continue;
      plan->fields.push_back(check);
    }
    plan->complete = true;
    return plan;
  }

  ValueCheck Value(const pb::FieldDescriptor* field) {
    ValueCheck check;
    switch (field->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_STRING:
        check.kind = ValueCheck::kString;
        break;
      case pb::FieldDescriptor::CPPTYPE_ENUM: {
        check.kind = ValueCheck::kEnum;
        check.enum_type = field->enum_type();
        check.lowest = check.highest = check.enum_type->value(0)->number();
        for (int i = 0; i < check.enum_type->value_count(); ++i) {
          const int n = check.enum_type->value(i)->number();
          check.lowest = std::min(check.lowest, n);
          check.highest = std::max(check.highest, n);
        }
        // Aliases aside, value_count distinct numbers fill lowest..highest exactly when
        // there are as many of them as the range holds.
        check.contiguous = !check.enum_type->options().allow_alias() &&
                           static_cast<int64_t>(check.highest) - check.lowest + 1 ==
                               check.enum_type->value_count();
        break;
      }
      case pb::FieldDescriptor::CPPTYPE_MESSAGE:
        check.kind = ValueCheck::kMessage;
        check.plan = Build(field->message_type());
        break;
      default:
        break;
    }
    return check;
  }

  std::mutex mu_;
  absl::flat_hash_map<const pb::Descriptor*, std::unique_ptr<Plan>> plans_;
};

const Plan* PlanOf(const pb::Descriptor* descriptor) {
  static Plans* plans = new Plans();
  // Plans never change once built: each thread keeps the ones it used, so the lock is
  // taken once per thread and message type.
  thread_local absl::flat_hash_map<const pb::Descriptor*, const Plan*> mine;
  auto it = mine.find(descriptor);
  if (it != mine.end()) return it->second;
  const Plan* plan = plans->Get(descriptor);
  mine.emplace(descriptor, plan);
  return plan;
}

// The first problem found, and the path to it from the innermost field outwards
// (built only on the way back from a failure).
struct Failure {
  std::vector<std::string> path;  // innermost first
  std::string what;
};

// "figures.resolved_on_time" for an identifier key, "messages[I.1.1]" otherwise.
std::string KeySegment(const std::string& key) {
  bool identifier = !key.empty() && (absl::ascii_isalpha(key[0]) || key[0] == '_');
  for (char c : key) identifier = identifier && (absl::ascii_isalnum(c) || c == '_');
  return identifier ? absl::StrCat(".", key) : absl::StrCat("[", key, "]");
}

std::string MapKey(const pb::Message& entry, const pb::FieldDescriptor* key) {
  const pb::Reflection* r = entry.GetReflection();
  switch (key->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING:
      return r->GetString(entry, key);
    case pb::FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(r->GetInt32(entry, key));
    case pb::FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(r->GetInt64(entry, key));
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(r->GetUInt32(entry, key));
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(r->GetUInt64(entry, key));
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return r->GetBool(entry, key) ? "true" : "false";
    default:
      return "?";
  }
}

// At most 32 bytes of `s`, cut at a UTF-8 boundary, "…" when cut.
std::string Quote(const std::string& s) {
  if (s.size() <= 32) return s;
  size_t cut = 32;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return absl::StrCat(s.substr(0, cut), "…");
}

// `generated`: the request is of generated classes, whose reflection its plans hold.
bool CheckMessage(const pb::Message& message, const Plan& plan, bool generated,
                  Failure* failure);

bool TooMany(size_t have, int64_t allowed, const char* unit, Failure* failure) {
  if (static_cast<int64_t>(have) <= allowed) return false;
  failure->what = absl::StrCat(have, " ", unit, ", more than the ", allowed, " allowed");
  return true;
}

// A Limit.text string's size, then its characters.
bool BadString(const std::string& s, const FieldLimits& limits, Failure* failure) {
  if (TooMany(s.size(), limits.max_bytes, "bytes", failure)) return true;
  if (!limits.text) return false;
  const std::optional<TextFault> fault = FindTextFault(s, /*line_breaks=*/true);
  if (!fault.has_value()) return false;
  failure->what = absl::StrFormat(
      "holds U+%04X (%s) at byte %d", fault->code_point,
      fault->control ? "a control character" : "a direction or invisible character",
      fault->at);
  return true;
}

bool BadEnum(int value, const ValueCheck& check, Failure* failure) {
  if (check.contiguous ? (value >= check.lowest && value <= check.highest)
                       : check.enum_type->FindValueByNumber(value) != nullptr)
    return false;
  failure->what =
      absl::StrCat(value, " is not a value of ", check.enum_type->full_name());
  return true;
}

// One singular value of `field` in `message`; false with `failure` filled (its path
// relative to the value) when it breaks a limit.
bool CheckSingular(const pb::Message& message, const pb::Reflection* r,
                   const pb::FieldDescriptor* field, const ValueCheck& check,
                   const FieldLimits& limits, bool generated, Failure* failure) {
  switch (check.kind) {
    case ValueCheck::kString: {
      std::string scratch;
      return !BadString(r->GetStringReference(message, field, &scratch), limits, failure);
    }
    case ValueCheck::kEnum:
      return !BadEnum(r->GetEnumValue(message, field), check, failure);
    case ValueCheck::kMessage:
      if (!r->HasField(message, field)) return true;
      return CheckMessage(r->GetMessage(message, field), *check.plan, generated, failure);
    default:
      return true;
  }
}

bool CheckRepeated(const pb::Message& message, const pb::Reflection* r,
                   const FieldCheck& check, bool generated, Failure* failure) {
  const int size = r->FieldSize(message, check.field);
  if (size == 0) return true;
  if (TooMany(size, check.limits.max_items, "items", failure)) return false;
  const ValueCheck& value = check.value;
  if (check.key != nullptr) {  // a map: by key, then the value
    const bool string_key = check.key->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING;
    for (int i = 0; i < size; ++i) {
      const pb::Message& entry = r->GetRepeatedMessage(message, check.field, i);
      const pb::Reflection* er = generated && check.entry_reflection != nullptr
                                     ? check.entry_reflection
                                     : entry.GetReflection();
      if (string_key) {
        std::string scratch;
        const std::string& key = er->GetStringReference(entry, check.key, &scratch);
        if (TooMany(key.size(), check.limits.max_key_bytes, "bytes", failure)) {
          failure->what = absl::StrCat("key of ", failure->what);
          failure->path.push_back(absl::StrCat("[", Quote(key), "]"));
          return false;
        }
      }
      if (value.kind == ValueCheck::kNone) continue;
      if (!CheckSingular(entry, er, check.map_value, value, check.limits, generated,
                         failure)) {
        failure->path.push_back(KeySegment(MapKey(entry, check.key)));
        return false;
      }
    }
    return true;
  }
  for (int i = 0; i < size; ++i) {
    bool ok = true;
    switch (value.kind) {
      case ValueCheck::kString: {
        std::string scratch;
        ok = !BadString(r->GetRepeatedStringReference(message, check.field, i, &scratch),
                        check.limits, failure);
        break;
      }
      case ValueCheck::kEnum:
        ok = !BadEnum(r->GetRepeatedEnumValue(message, check.field, i), value, failure);
        break;
      case ValueCheck::kMessage:
        ok = CheckMessage(r->GetRepeatedMessage(message, check.field, i), *value.plan,
                          generated, failure);
        break;
      default:
        return true;  // numbers: the count was all there was to check
    }
    if (!ok) {
      failure->path.push_back(absl::StrCat("[", i, "]"));
      return false;
    }
  }
  return true;
}

bool CheckMessage(const pb::Message& message, const Plan& plan, bool generated,
                  Failure* failure) {
  if (plan.fields.empty()) return true;
  const pb::Reflection* r = generated ? plan.reflection : message.GetReflection();
  for (const FieldCheck& check : plan.fields) {
    const bool ok = check.field->is_repeated()
                        ? CheckRepeated(message, r, check, generated, failure)
                        : CheckSingular(message, r, check.field, check.value,
                                        check.limits, generated, failure);
    if (!ok) {
      failure->path.push_back(check.field->name());
      return false;
    }
  }
  return true;
}

}  // namespace

absl::Status CheckRequest(const pb::Message& request) {
  Failure failure;
  const Plan& plan = *PlanOf(request.GetDescriptor());
  const bool generated =
      plan.reflection != nullptr && request.GetReflection() == plan.reflection;
  if (CheckMessage(request, plan, generated, &failure)) return absl::OkStatus();
  std::string path;
  for (auto it = failure.path.rbegin(); it != failure.path.rend(); ++it) {
    if (!path.empty() && (*it)[0] != '[' && (*it)[0] != '.') path.push_back('.');
    path += *it;
  }
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", failure.what));
}

}  // namespace parindex::server
