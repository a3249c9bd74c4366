// JSON log lines and the buffered asynchronous logger that writes them.
#include "upgate/api/json_log.hpp"

#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <mutex>

#include "json_writer.hpp"

namespace upgate::api {
namespace {

// Writes formatted lines to a FILE* without flushing each one; flush() flushes.
class BufferedFileSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit BufferedFileSink(std::FILE* out) : out_(out) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::fwrite(formatted.data(), 1, formatted.size(), out_);
  }
  void flush_() override { std::fflush(out_); }

 private:
  std::FILE* out_;
};

// "2025-01-31T12:34:56.789Z"; the date-time part is cached per thread per second.
void append_timestamp(std::string& out, std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  thread_local sys_seconds cached_second{};
  thread_local char cached[20] = {};
  const auto second = floor<seconds>(now);
  if (second != cached_second || cached[0] == '\0') {
    const auto day = floor<days>(second);
    const year_month_day ymd{day};
    const hh_mm_ss hms{second - day};
    std::snprintf(cached, sizeof cached, "%04d-%02u-%02uT%02ld:%02ld:%02ld",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<long>(hms.hours().count()),
                  static_cast<long>(hms.minutes().count()),
                  static_cast<long>(hms.seconds().count()));
    cached_second = second;
  }
  const auto ms = duration_cast<milliseconds>(now - second).count();
  out += '"';
  out.append(cached, 19);
  char frac[6];
  std::snprintf(frac, sizeof frac, ".%03ldZ", static_cast<long>(ms));
  out += frac;
  out += '"';
}

}  // namespace

std::shared_ptr<spdlog::logger> make_json_logger(std::string_view level, std::FILE* out) {
  if (spdlog::thread_pool() == nullptr) spdlog::init_thread_pool(65536, 1);
  auto sink = std::make_shared<BufferedFileSink>(out);
  sink->set_pattern("%v");
  auto logger = std::make_shared<spdlog::async_logger>(
      "upgate", std::move(sink), spdlog::thread_pool(), spdlog::async_overflow_policy::block);
  logger->set_level(spdlog::level::from_str(std::string(level)));
  logger->flush_on(spdlog::level::warn);
  spdlog::flush_every(std::chrono::seconds(1));
  return logger;
}

std::string json_log_line(std::string_view level, std::string_view msg,
                          std::initializer_list<LogField> fields,
                          std::chrono::system_clock::time_point now) {
  std::string line;
  line.reserve(128);
  line += "{\"ts\":";
  append_timestamp(line, now);
  line += ",\"level\":";
  json_out::append_escaped(line, level);
  line += ",\"msg\":";
  json_out::append_escaped(line, msg);
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
  line += "{\"ts\":";
  append_timestamp(line, now);
  line += ",\"level\":\"info\",\"msg\":\"request\",\"request_id\":";
  json_out::append_escaped(line, r.request_id);
  line += ",\"method\":";
  json_out::append_escaped(line, r.method);
  line += ",\"path\":";
  json_out::append_escaped(line, r.path);
  line += ",\"route\":";
  json_out::append_escaped(line, r.route);
  line += ",\"status\":";
  json_out::append_uint(line, static_cast<std::uint64_t>(r.status < 0 ? 0 : r.status));
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.3f",
                std::chrono::duration<double, std::milli>(r.duration).count());
  line += ",\"duration_ms\":";
  line += duration;
  line += ",\"bytes_in\":";
  json_out::append_uint(line, r.bytes_in);
  line += ",\"bytes_out\":";
  json_out::append_uint(line, r.bytes_out);
  if (!d.remote.empty()) {
    line += ",\"remote\":";
    json_out::append_escaped(line, d.remote);
  }
  if (!d.profile.empty()) {
    line += ",\"profile\":";
    json_out::append_escaped(line, d.profile);
  }
  if (!d.key.empty()) {
    line += ",\"key\":";
    json_out::append_escaped(line, d.key);
  }
  if (!d.error.empty()) {
    line += ",\"error\":";
    json_out::append_escaped(line, d.error);
  }
  if (!r.error.empty()) {
    line += ",\"server_error\":";
    json_out::append_escaped(line, r.error);
  }
  line += '}';
  return line;
}

void log_json(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view line) {
  logger.log(level, spdlog::string_view_t(line.data(), line.size()));
}

}  // namespace upgate::api
