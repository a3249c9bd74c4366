// Structured logging for `upgate serve`: one JSON object per line on stdout.
//
// make_json_logger() returns an asynchronous spdlog logger: I/O threads only format
// their line and enqueue it (the queue blocks when 64Ki lines are pending rather than
// drop one); a single background thread writes them through a buffered sink that
// flushes every second, at every warning, and at shutdown — never a write(2) per line.
//
// Every line has "ts" (RFC 3339 UTC, milliseconds), "level" and "msg". Access lines
// (format_access_line) add the request's id, method, path — never the query, where
// presigned signatures live — route, status, duration, body sizes and, for API routes,
// the profile, key and error code. Nothing that holds a secret is ever passed here.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <cstdio>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "upgate/http/server.hpp"

namespace upgate::api {

// `level`: trace, debug, info, warn, error, off. `out` must outlive the logger.
std::shared_ptr<spdlog::logger> make_json_logger(std::string_view level, std::FILE* out);

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
