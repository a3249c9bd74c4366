// Structured logging for `upgate serve`: one JSON object per line on stdout.
//
// make_json_logger() returns a spdlog logger whose sink never does I/O on the calling
// thread and never wakes another thread per line: each thread appends its lines to its
// own buffer (a per-thread lock, uncontended but for the writer's swap), and one writer
// thread swaps the buffers out and write(2)s them every 100 ms, as soon as a buffer
// passes 64 KiB, and on flush() (which waits until the bytes are written; warnings and
// errors flush at once). At 60k lines/s this is ~10 wakeups and a few writes per second
// instead of 60k. If the output stalls, a thread's buffer stops growing at 16 MiB and
// further lines are dropped and counted (dropped_log_lines()) rather than blocking the
// I/O thread.
//
// Every line has "ts" (RFC 3339 UTC, milliseconds), "level" and "msg". Access lines
// (format_access_line) add the request's id, method, path — never the query, where
// presigned signatures live — route, status, duration, body sizes and, for API routes,
// the profile, key and error code. Nothing that holds a secret is ever passed here.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "upgate/http/server.hpp"

namespace upgate::api {

// `level`: trace, debug, info, warn, error, off. Lines are written to `fd`, which must
// stay open while the logger lives. Messages are written as given plus '\n' (they are
// already JSON).
std::shared_ptr<spdlog::logger> make_json_logger(std::string_view level, int fd);

// Lines dropped because the output could not keep up, over every json logger.
std::uint64_t dropped_log_lines() noexcept;

using LogField = std::pair<std::string_view, std::string_view>;

// {"ts":...,"level":...,"msg":...,<fields>} with every value a JSON string.
std::string json_log_line(
    std::string_view level, std::string_view msg, std::initializer_list<LogField> fields,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// What the API's handlers add to a request's access line.
struct AccessDetails {
  std::string_view profile;
  std::string_view key;
  std::string_view error;  // error code, e.g. "missing_field"
  std::string_view remote;
};

std::string format_access_line(
    const http::RequestRecord& record, const AccessDetails& details,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// Writes a preformatted JSON line at `level`.
void log_json(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view line);

}  // namespace upgate::api
