// A blocking unary call through grpc::GenericStub: serialized request in, serialized
// response out. Used where the method is known only by name at run time (`parindex
// call`, the HTTP/JSON gateway). gRPC 1.51's generic stub has only the callback form.
#ifndef PARINDEX_COMMON_UNARY_BYTES_H_
#define PARINDEX_COMMON_UNARY_BYTES_H_

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace parindex {

// Calls `method` ("/pkg.Service/Method") and waits for it; on OK, `response` holds the
// answer's bytes.
inline grpc::Status UnaryCallBytes(grpc::GenericStub& stub, grpc::ClientContext* context,
                                   const std::string& method, const std::string& request,
                                   std::string* response) {
  grpc::Slice slice(request);
  grpc::ByteBuffer send(&slice, 1), received;
  grpc::Status status;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  stub.UnaryCall(context, method, grpc::StubOptions(), &send, &received,
                 [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   status = std::move(s);
                   done = true;
                   cv.notify_one();
                 });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
  }
  if (status.ok()) {
    std::vector<grpc::Slice> slices;
    (void)received.Dump(&slices);
    for (const grpc::Slice& s : slices) {
      response->append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  return status;
}

}  // namespace parindex

#endif  // PARINDEX_COMMON_UNARY_BYTES_H_
