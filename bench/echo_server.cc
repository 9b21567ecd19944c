// The bare peer of the server benchmarks: a gRPC server with parindex's Echo method
// on the raw callback API (as the server's own Echo and GetUnitScore are) that sends
// the request's bytes back, with no token check, no parsing and no log. What gRPC
// itself costs on this machine, measured in the same run as the server (ratios).
//
// Usage: echo_server [ADDRESS]   (default 127.0.0.1:0; prints "listening on HOST:PORT")
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "parindex/v1/service.grpc.pb.h"

namespace {

class BareEcho final : public parindex::v1::EchoService::WithRawCallbackMethod_Echo<
                           parindex::v1::EchoService::Service> {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const grpc::ByteBuffer* request,
                                 grpc::ByteBuffer* response) override {
    *response = *request;
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

}  // namespace

int main(int argc, char** argv) {
  // As parindex-server runs (server/main.cc): no deadlock graph behind every absl::Mutex
  // (Debian's Abseil is built in debug mode), so that this peer is what gRPC costs.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const std::string address = argc > 1 ? argv[1] : "127.0.0.1:0";
  // Blocked before gRPC starts its threads, so that only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  BareEcho service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "echo_server: cannot listen on %s\n", address.c_str());
    return 1;
  }
  std::printf("listening on %s:%d\n", address.substr(0, address.rfind(':')).c_str(),
              port);
  std::fflush(stdout);
  // Until SIGTERM or SIGINT.
  int signal = 0;
  sigwait(&signals, &signal);
  server->Shutdown();
  return 0;
}
