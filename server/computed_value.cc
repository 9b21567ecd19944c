#include "server/computed_value.h"

#include <string>
#include <utility>

namespace parindex::server {

const v1::DataValue* FindValue(const v1::Assessment& form, absl::string_view element) {
  for (const v1::DataValue& v : form.values()) {
    if (v.element() == element) return &v;
  }
  return nullptr;
}

v1::ElementValue* PutComputedCount(const v1::DataValue* stored, absl::string_view element,
                                   int64_t count, store::FormUpdate* update) {
  v1::DataValue value;
  if (stored != nullptr) value = *stored;
  value.set_element(std::string(element));
  value.clear_version();
  v1::ElementValue* self = value.mutable_self();
  self->Clear();
  self->set_count(count);
  update->values.push_back({std::move(value), stored != nullptr ? stored->version() : 0});
  return update->values.back().value.mutable_self();
}

}  // namespace parindex::server
