#include "upgate/api/json_log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <boost/json.hpp>

#include <thread>

namespace upgate::api {
namespace {

using namespace std::chrono;

const system_clock::time_point kNow =
    sys_days{year{2025} / 2 / 3} + hours(4) + minutes(5) + seconds(6) + milliseconds(78);

TEST(JsonLogLine, FieldsAreEscapedJson) {
  const std::string line =
      json_log_line("info", "started", {{"listen", "127.0.0.1:8080"}, {"odd", "a\"b\n\x01"}}, kNow);
  const auto parsed = boost::json::parse(line).as_object();
  EXPECT_EQ(parsed.at("ts"), "2025-02-03T04:05:06.078Z");
  EXPECT_EQ(parsed.at("level"), "info");
  EXPECT_EQ(parsed.at("msg"), "started");
  EXPECT_EQ(parsed.at("odd"), "a\"b\n\x01");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(AccessLine, HoldsTheRequestButNeverTheQuery) {
  http::RequestRecord record;
  record.method = "GET";
  record.path = "/v1/downloads";  // the server gives the path without the query
  record.route = "downloads";
  record.request_id = "00ff00ff00ff00ff";
  record.status = 200;
  record.bytes_in = 0;
  record.bytes_out = 512;
  record.duration = microseconds(1234);
  AccessDetails details;
  details.profile = "docs";
  details.key = "docs/a\nb.txt";
  details.remote = "127.0.0.1:5000";
  const std::string line = format_access_line(record, details, kNow);
  const auto parsed = boost::json::parse(line).as_object();
  EXPECT_EQ(parsed.at("msg"), "request");
  EXPECT_EQ(parsed.at("path"), "/v1/downloads");
  EXPECT_EQ(parsed.at("status").as_int64(), 200);
  EXPECT_DOUBLE_EQ(parsed.at("duration_ms").as_double(), 1.234);
  EXPECT_EQ(parsed.at("bytes_out").as_int64(), 512);
  EXPECT_EQ(parsed.at("key"), "docs/a\nb.txt");
  EXPECT_FALSE(parsed.contains("error"));
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(JsonLogger, WritesOneLinePerMessageOnFlushFromManyThreads) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  {
    auto logger = make_json_logger("info", fds[1]);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 100; ++i) {
          log_json(
              *logger, spdlog::level::info,
              json_log_line("info", "m", {{"t", std::to_string(t)}, {"i", std::to_string(i)}}));
        }
      });
    }
    for (auto& t : threads) t.join();
    log_json(*logger, spdlog::level::debug, R"({"below":"level"})");
    logger->flush();
  }
  ::close(fds[1]);
  std::string out;
  char buffer[65536];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;) out.append(buffer, n);
  ::close(fds[0]);
  std::size_t lines = 0;
  for (std::size_t start = 0; start < out.size();) {
    const auto end = out.find('\n', start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_NO_THROW(boost::json::parse(out.substr(start, end - start)));
    ++lines;
    start = end + 1;
  }
  EXPECT_EQ(lines, 400u);
  EXPECT_EQ(out.find("below"), std::string::npos);
}

}  // namespace
}  // namespace upgate::api
