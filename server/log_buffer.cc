// The per-call log's buffer and its writer thread.
#include "server/log_buffer.h"

#include <cstdio>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/core_base.h"

namespace parindex::server {

LogBuffer::LogBuffer(Options options)
    : max_pending_(options.max_pending), sink_(std::move(options.sink)) {
  if (options.background) writer_ = std::thread([this] { Run(); });
}

LogBuffer::~LogBuffer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
  Flush();
}

void LogBuffer::Add(absl::string_view line, bool droppable) {
  bool full = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (droppable && pending_.size() + line.size() > max_pending_) {
      ++dropped_;
      return;
    }
    absl::StrAppend(&pending_, line);
    full = pending_.size() >= kFlushBytes;
  }
  if (full) wake_.notify_one();
}

void LogBuffer::Timestamp(std::string* out) {
  const absl::Time now = absl::Now();
  const int64_t millis = absl::ToUnixMillis(now);
  const int64_t second = millis / 1000 - (millis % 1000 < 0 ? 1 : 0);
  {
    std::lock_guard<std::mutex> lock(ts_mu_);
    if (second != ts_second_) {
      ts_second_ = second;
      ts_text_ = absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second),
                                  VietnamTime());
    }
    absl::StrAppend(out, "ts=", ts_text_, ".");
  }
  const int64_t ms = millis - second * 1000;
  absl::StrAppend(out, absl::Dec(ms, absl::kZeroPad3), "+07:00");
}

std::string LogBuffer::TakeLocked() {
  std::string out;
  out.swap(pending_);
  if (dropped_ > 0) {
    std::string line;
    Timestamp(&line);
    absl::StrAppend(&out, line, " event=log_dropped reads=", dropped_, "\n");
    dropped_ = 0;
  }
  return out;
}

void LogBuffer::Write(absl::string_view text) {
  if (text.empty()) return;
  if (sink_) {
    sink_(text);
    return;
  }
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

void LogBuffer::Flush() {
  std::lock_guard<std::mutex> writing(write_mu_);
  std::string out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    out = TakeLocked();
  }
  Write(out);
}

void LogBuffer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait_for(lock, kFlushEvery,
                   [this] { return stop_ || pending_.size() >= kFlushBytes; });
    const bool stop = stop_;
    lock.unlock();
    Flush();
    if (stop) return;
    lock.lock();
  }
}

bool IsReadMethod(absl::string_view method) {
  const absl::string_view name = method.substr(method.rfind('/') + 1);
  if (absl::StartsWith(name, "Get") || absl::StartsWith(name, "List")) return true;
  for (absl::string_view read : {"Echo", "SummariseRound", "ExportRound",
                                 "StreamExportRound", "PreviewScore", "ExplainFigure"}) {
    if (name == read) return true;
  }
  return false;
}

}  // namespace parindex::server
