#include "upgate/api/metrics.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace upgate::api {
namespace {

using namespace std::chrono_literals;

TEST(ApiMetrics, CountsAcrossThreads) {
  ApiMetrics metrics({"default"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        metrics.record_request(MetricRoute::seed_presign, 200, 300us);
        metrics.record_upload_url("default");
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(metrics.requests(MetricRoute::seed_presign, 200), 8000u);
  EXPECT_EQ(metrics.upload_urls(0), 8000u);
}

TEST(ApiMetrics, ProfilesAddedLaterAreCountedWhileOthersRecord) {
  ApiMetrics metrics({"alpha"});
  std::atomic<bool> stop{false};
  std::atomic<int> rounds{0};
  std::thread recorder([&] {
    while (!stop.load()) {
      metrics.record_upload_url("alpha");
      metrics.record_upload_url("beta");
      ++rounds;
    }
  });
  const auto wait_rounds = [&](int n) {
    const int until = rounds.load() + n;
    while (rounds.load() < until) std::this_thread::yield();
  };
  wait_rounds(100);
  metrics.add_profiles({"alpha", "beta", "beta", "gamma"});  // a reload: alpha kept, two new
  wait_rounds(100);
  stop = true;
  recorder.join();
  metrics.record_download_url("gamma");
  const std::string text = metrics.render();
  EXPECT_NE(text.find(R"(upgate_presigned_urls_total{profile="gamma",method="GET"} 1)"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find(R"(profile="alpha",method="PUT")"),
            text.rfind(R"(profile="alpha",method="PUT")"))
      << "one row per name";
  EXPECT_NE(text.find(R"(profile="beta",method="PUT")"), std::string::npos);
  EXPECT_GE(metrics.upload_urls(0), 200u);
  EXPECT_GE(metrics.upload_urls(1), 100u);  // beta, from its addition on
  EXPECT_EQ(metrics.upload_urls(3), 0u);    // no fourth row: "beta" was named twice
}

TEST(ApiMetrics, AtMost256Profiles) {
  std::vector<std::string> names;
  for (int i = 0; i < 300; ++i) names.push_back("p" + std::to_string(i));
  ApiMetrics metrics({});
  metrics.add_profiles(names);
  metrics.record_upload_url("p255");
  metrics.record_upload_url("p256");
  EXPECT_EQ(metrics.upload_urls(255), 1u);
  const std::string text = metrics.render();
  EXPECT_EQ(text.find(R"(profile="p256")"), std::string::npos);
}

TEST(ApiMetrics, UnlistedStatusesFallIntoOther) {
  ApiMetrics metrics({});
  metrics.record_request(MetricRoute::uploads, 418, 1ms);
  EXPECT_EQ(metrics.requests(MetricRoute::uploads, 0), 1u);
  EXPECT_NE(
      metrics.render().find(R"(upgate_http_requests_total{route="uploads",status="other"} 1)"),
      std::string::npos);
}

TEST(ApiMetrics, RenderIsPrometheusText) {
  ApiMetrics metrics({"avatars", "we\"ird"});
  metrics.record_request(MetricRoute::seed_presign, 200, 300us);
  metrics.record_request(MetricRoute::seed_presign, 400, 20ms);
  metrics.record_upload_url("avatars");
  metrics.record_download_url("avatars");
  metrics.record_upload_url("not-a-profile");  // a reloaded runtime's unknown name: not counted
  metrics.record_auth(auth::AuthMode::kJwt, AuthDecision::accepted);
  metrics.record_auth(auth::AuthMode::kJwt, AuthDecision::refused, "expired");
  metrics.record_auth(auth::AuthMode::kHook, AuthDecision::unavailable, "hook_timeout");
  metrics.record_auth(auth::AuthMode::kNone, AuthDecision::anonymous);
  metrics.record_rejection(ErrorCode::missing_field);
  metrics.set_open_connections_source([] { return std::size_t{7}; });
  const std::string text = metrics.render();
  for (const char* expected : {
           R"(upgate_http_requests_total{route="seed_presign",status="200"} 1)",
           R"(upgate_http_requests_total{route="seed_presign",status="400"} 1)",
           R"(upgate_http_request_duration_seconds_bucket{route="seed_presign",le="0.00025"} 0)",
           R"(upgate_http_request_duration_seconds_bucket{route="seed_presign",le="0.0005"} 1)",
           R"(upgate_http_request_duration_seconds_bucket{route="seed_presign",le="0.025"} 2)",
           R"(upgate_http_request_duration_seconds_bucket{route="seed_presign",le="+Inf"} 2)",
           R"(upgate_http_request_duration_seconds_count{route="seed_presign"} 2)",
           R"(upgate_http_request_duration_seconds_sum{route="seed_presign"} 0.020300000)",
           R"(upgate_presigned_urls_total{profile="avatars",method="PUT"} 1)",
           R"(upgate_presigned_urls_total{profile="avatars",method="GET"} 1)",
           R"(upgate_presigned_urls_total{profile="we\"ird",method="PUT"} 0)",
           R"(upgate_rejections_total{reason="missing_field"} 1)",
           R"(upgate_auth_decisions_total{mode="jwt",decision="accepted"} 1)",
           R"(upgate_auth_decisions_total{mode="jwt",decision="refused"} 1)",
           R"(upgate_auth_decisions_total{mode="hook",decision="unavailable"} 1)",
           R"(upgate_auth_decisions_total{mode="none",decision="anonymous"} 1)",
           R"(upgate_auth_decisions_total{mode="api_key",decision="forbidden"} 0)",
           R"(upgate_auth_refusals_total{reason="expired"} 1)",
           R"(upgate_auth_refusals_total{reason="hook_timeout"} 1)",
           R"(upgate_auth_refusals_total{reason="bad_signature"} 0)",
           R"(upgate_rejections_total{reason="invalid_json"} 0)",
           "# TYPE upgate_http_request_duration_seconds histogram",
           "upgate_http_open_connections 7",
       }) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
}

TEST(ApiMetrics, RouteNames) {
  EXPECT_EQ(metric_route_from_name("seed_presign"), MetricRoute::seed_presign);
  EXPECT_EQ(metric_route_from_name("404"), MetricRoute::not_found);
  EXPECT_EQ(metric_route_from_name("/anything/the/client/sent"), MetricRoute::other);
  EXPECT_EQ(metric_route_from_name(""), MetricRoute::other);
}

TEST(ApiMetrics, MultipartRoutesCountAsOne) {
  for (const char* name : {"multipart_create", "multipart_sign", "multipart_list",
                           "multipart_complete", "multipart_abort"}) {
    EXPECT_EQ(metric_route_from_name(name), MetricRoute::multipart) << name;
  }
  EXPECT_EQ(to_string(MetricRoute::multipart), "multipart");
  EXPECT_EQ(metric_route_from_name("multipart"), MetricRoute::multipart);
}

}  // namespace
}  // namespace upgate::api
