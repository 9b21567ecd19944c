// CoreBase: Caller, role names, Vietnam time, and the helpers every part shares.
#include "server/core_base.h"

#include "common/sha256.h"
#include "common/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace parindex::server {

std::string RoleName(v1::Role role) {
  switch (role) {
    case v1::ROLE_WARD:
      return "ward";
    case v1::ROLE_APPRAISER:
      return "appraiser";
    case v1::ROLE_ADMIN:
      return "admin";
    case v1::ROLE_READER:
      return "reader";
    default:
      return "none";
  }
}

store::Actor Caller::actor() const { return {token_id, RoleName(role), unit, name}; }

absl::TimeZone VietnamTime() { return absl::FixedTimeZone(7 * 3600); }

store::WriteContext CoreBase::Ctx(const Caller& c,
                                  const google::protobuf::Message& request,
                                  absl::string_view method, absl::string_view resource,
                                  const std::string& request_id,
                                  const std::string& reason) const {
  store::WriteContext ctx;
  ctx.actor = c.actor();
  ctx.reason = reason;
  if (!request_id.empty()) {
    ctx.request_id = request_id;
    ctx.request_method = std::string(method);
    ctx.request_resource = std::string(resource);
    // The id is part of the bytes, which is harmless: requests are compared under
    // the same id. Deterministic, so that maps hash the same way every time.
    std::string bytes;
    {
      google::protobuf::io::StringOutputStream out(&bytes);
      google::protobuf::io::CodedOutputStream coded(&out);
      coded.SetSerializationDeterministic(true);
      request.SerializeToCodedStream(&coded);
    }
    ctx.request_digest = Sha256Hex(bytes);
  }
  return ctx;
}

absl::Status CoreBase::CheckUnit(const Caller& c, const RoundContext& round,
                                 const std::string& unit, Subject what) {
  RETURN_IF_ERROR(CanSee(c, round.round, round.units, unit, what));
  if (round.units.count(unit) == 0) {
    return absl::NotFoundError(absl::StrCat("rounds/", round.round.id(), "/assessments/",
                                            unit, ": the unit is not in this round"));
  }
  return absl::OkStatus();
}

}  // namespace parindex::server
