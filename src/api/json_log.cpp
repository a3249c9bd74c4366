// JSON log lines and the buffered asynchronous logger that writes them.
#include "upgate/api/json_log.hpp"

#include <pthread.h>
#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "json_writer.hpp"

namespace upgate::api {
namespace {

std::atomic<std::uint64_t> g_dropped_lines{0};

constexpr std::size_t kWakeWriterBytes = 64 * 1024;
constexpr std::size_t kMaxBufferedBytes = 16 * 1024 * 1024;
constexpr auto kWriteInterval = std::chrono::milliseconds(100);

// Per-thread line buffers drained by one writer thread (see json_log.hpp).
class BatchingSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit BatchingSink(int fd) : fd_(fd), writer_([this] { write_loop(); }) {}

  ~BatchingSink() override {
    {
      std::lock_guard lock(control_);
      stopping_ = true;
    }
    wake_.notify_all();
    writer_.join();
  }

 protected:
  // Runs on the logging thread: no formatting state is shared (the pattern is the
  // message itself), one uncontended lock, no I/O.
  void sink_it_(const spdlog::details::log_msg& msg) override {
    Buffer& buffer = this_thread_buffer();
    bool wake = false;
    {
      std::lock_guard lock(buffer.mutex);
      if (buffer.text.size() + msg.payload.size() + 1 > kMaxBufferedBytes) {
        g_dropped_lines.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      buffer.text.append(msg.payload.data(), msg.payload.size());
      buffer.text += '\n';
      wake = buffer.text.size() >= kWakeWriterBytes;
    }
    if (wake) wake_.notify_one();
  }

  // Waits until everything logged before the call has been written.
  void flush_() override {
    std::unique_lock lock(control_);
    const std::uint64_t target = ++flush_requests_;
    wake_.notify_all();
    flushed_.wait(lock, [&] { return flushes_done_ >= target || stopping_; });
  }

 private:
  struct Buffer {
    std::mutex mutex;
    std::string text;
  };

  Buffer& this_thread_buffer() {
    thread_local const BatchingSink* owner = nullptr;
    thread_local std::shared_ptr<Buffer> buffer;
    if (owner != this || !buffer) {
      buffer = std::make_shared<Buffer>();
      buffer->text.reserve(kWakeWriterBytes * 2);
      owner = this;
      std::lock_guard lock(control_);
      buffers_.push_back(buffer);
    }
    return *buffer;
  }

  void write_all(std::string_view bytes) const {
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return;  // nowhere to report a failing log; the bytes are dropped
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  void drain(std::string& scratch) {
    std::vector<std::shared_ptr<Buffer>> buffers;
    {
      std::lock_guard lock(control_);
      buffers = buffers_;
    }
    for (const auto& buffer : buffers) {
      {
        std::lock_guard lock(buffer->mutex);
        scratch.swap(buffer->text);
      }
      write_all(scratch);
      scratch.clear();
    }
  }

  void write_loop() {
    pthread_setname_np(pthread_self(), "upgate-log");
    std::string scratch;
    std::unique_lock lock(control_);
    while (true) {
      const std::uint64_t requested = flush_requests_;
      const bool stopping = stopping_;
      lock.unlock();
      drain(scratch);
      lock.lock();
      flushes_done_ = requested;
      flushed_.notify_all();
      if (stopping) break;
      wake_.wait_for(lock, kWriteInterval);
    }
    lock.unlock();
    drain(scratch);
  }

  const int fd_;
  std::mutex control_;
  std::condition_variable wake_;
  std::condition_variable flushed_;
  std::vector<std::shared_ptr<Buffer>> buffers_;
  std::uint64_t flush_requests_ = 0;
  std::uint64_t flushes_done_ = 0;
  bool stopping_ = false;
  std::thread writer_;
};

// Writes `value` as exactly `width` decimal digits (zero-padded, high digits dropped).
void put_digits(char* out, long value, int width) {
  for (int i = width - 1; i >= 0; --i, value /= 10) out[i] = static_cast<char>('0' + value % 10);
}

}  // namespace

namespace json_out {

// The date-time part is cached per thread per second. Digits are written by hand:
// snprintf's "%02ld" made g++ warn about truncation, since it cannot see that a calendar
// field has at most two digits.
void append_timestamp(std::string& out, std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  thread_local sys_seconds cached_second{};
  thread_local char cached[] = "0000-00-00T00:00:00";
  thread_local bool cached_valid = false;
  const auto second = floor<seconds>(now);
  if (second != cached_second || !cached_valid) {
    const auto day = floor<days>(second);
    const year_month_day ymd{day};
    const hh_mm_ss hms{second - day};
    put_digits(cached, static_cast<int>(ymd.year()), 4);
    put_digits(cached + 5, static_cast<unsigned>(ymd.month()), 2);
    put_digits(cached + 8, static_cast<unsigned>(ymd.day()), 2);
    put_digits(cached + 11, hms.hours().count(), 2);
    put_digits(cached + 14, hms.minutes().count(), 2);
    put_digits(cached + 17, hms.seconds().count(), 2);
    cached_second = second;
    cached_valid = true;
  }
  const auto ms = duration_cast<milliseconds>(now - second).count();
  char frac[] = ".000Z";
  put_digits(frac + 1, static_cast<long>(ms), 3);
  out += '"';
  out.append(cached, 19);
  out.append(frac, 5);
  out += '"';
}

}  // namespace json_out

std::shared_ptr<spdlog::logger> make_json_logger(std::string_view level, int fd) {
  auto logger = std::make_shared<spdlog::logger>("upgate", std::make_shared<BatchingSink>(fd));
  logger->set_level(spdlog::level::from_str(std::string(level)));
  logger->flush_on(spdlog::level::warn);
  return logger;
}

std::uint64_t dropped_log_lines() noexcept {
  return g_dropped_lines.load(std::memory_order_relaxed);
}

std::string json_log_line(std::string_view level, std::string_view msg,
                          std::initializer_list<LogField> fields,
                          std::chrono::system_clock::time_point now) {
  std::string line;
  line.reserve(128);
  json_out::begin_log_line(line, now, level, msg);
  for (const auto& [name, value] : fields) {
    line += ',';
    json_out::append_escaped(line, name);
    line += ':';
    json_out::append_escaped(line, value);
  }
  line += '}';
  return line;
}

std::string format_access_line(const http::RequestRecord& r, const AccessDetails& d,
                               std::chrono::system_clock::time_point now) {
  std::string line;
  line.reserve(256 + d.key.size());
  json_out::begin_request_log_line(line, now, "request", r.request_id);
  line += ",\"method\":";
  json_out::append_escaped(line, r.method);
  line += ",\"path\":";
  json_out::append_escaped(line, r.path);
  line += ",\"route\":";
  json_out::append_escaped(line, r.route);
  line += ",\"status\":";
  json_out::append_uint(line, static_cast<std::uint64_t>(r.status < 0 ? 0 : r.status));
  // Milliseconds with microsecond precision, without printf on the hot path.
  const auto micros = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(r.duration).count() < 0
          ? 0
          : std::chrono::duration_cast<std::chrono::microseconds>(r.duration).count());
  line += ",\"duration_ms\":";
  json_out::append_uint(line, micros / 1000);
  line += '.';
  const auto frac = micros % 1000;
  line += static_cast<char>('0' + frac / 100);
  line += static_cast<char>('0' + frac / 10 % 10);
  line += static_cast<char>('0' + frac % 10);
  line += ",\"bytes_in\":";
  json_out::append_uint(line, r.bytes_in);
  line += ",\"bytes_out\":";
  json_out::append_uint(line, r.bytes_out);
  json_out::append_if_set(line, ",\"remote\":", d.remote);
  json_out::append_if_set(line, ",\"profile\":", d.profile);
  json_out::append_if_set(line, ",\"key\":", d.key);
  json_out::append_if_set(line, ",\"error\":", d.error);
  json_out::append_if_set(line, ",\"server_error\":", r.error);
  line += '}';
  return line;
}

void log_json(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view line) {
  logger.log(level, spdlog::string_view_t(line.data(), line.size()));
}

}  // namespace upgate::api
