// The per-call log lines, gathered in memory and written by one thread.
#ifndef PARINDEX_SERVER_LOG_BUFFER_H_
#define PARINDEX_SERVER_LOG_BUFFER_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "absl/strings/string_view.h"

namespace parindex::server {

// Lines are written to the sink at most kFlushEvery after they were added (or at once
// past kFlushBytes), in the order they were added; all of them are written before the
// buffer is destroyed. A call pays for formatting its line and one short lock, not for a
// write(2) of its own: one line per call cost a fifth of a small call's throughput
// (bench/README.md).
//
// The text waiting to be written is bounded: past `max_pending` bytes (a sink slower
// than the calls, a stalled disk), the lines of successful reads are dropped and
// counted, and the count is written as a line of its own with the next flush
// ("event=log_dropped reads=N"). Writes and refusals are always kept.
class LogBuffer {
 public:
  static constexpr auto kFlushEvery = std::chrono::milliseconds(100);
  static constexpr size_t kFlushBytes = 64 << 10;
  static constexpr size_t kMaxPendingBytes = 8 << 20;

  // Where the text goes; stderr by default.
  using Sink = std::function<void(absl::string_view)>;

  struct Options {
    size_t max_pending = kMaxPendingBytes;
    Sink sink;  // empty: stderr
    // False: no thread of its own; the owner calls Flush() (tests).
    bool background = true;
  };

  LogBuffer() : LogBuffer(Options()) {}
  explicit LogBuffer(Options options);
  ~LogBuffer();

  LogBuffer(const LogBuffer&) = delete;
  LogBuffer& operator=(const LogBuffer&) = delete;

  // Adds one line (ending in '\n'). `droppable`: the line of a successful read, which
  // is dropped (and counted) when the pending text is already at its bound.
  void Add(absl::string_view line, bool droppable);

  // Writes what is pending now, with the count of lines dropped since the last flush.
  void Flush();

  // Appends "ts=2026-11-23T23:50:53.341+07:00" (Vietnam time); the second's text is
  // formatted once a second.
  void Timestamp(std::string* out);

 private:
  void Run();
  // Takes the pending text and the drop count. REQUIRES: mu_ held.
  std::string TakeLocked();
  void Write(absl::string_view text);

  const size_t max_pending_;
  const Sink sink_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::string pending_;
  int64_t dropped_ = 0;
  bool stop_ = false;
  std::mutex write_mu_;  // one writer at a time: the thread, Flush(), the destructor
  std::mutex ts_mu_;
  int64_t ts_second_ = INT64_MIN;
  std::string ts_text_;
  std::thread writer_;  // last: starts once the rest is ready
};

// True for the methods that change nothing (Get…, List…, Echo, SummariseRound, the
// exports and previews): their successful calls' log lines may be dropped under load.
bool IsReadMethod(absl::string_view method);

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_LOG_BUFFER_H_
