#include "upgate/api/webhook_metrics.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "upgate/api/prometheus_text.hpp"

namespace upgate::api {
namespace {

using namespace std::chrono_literals;
using TimePoint = std::chrono::system_clock::time_point;

TEST(PrometheusText, LabelValuesEscapeBackslashQuoteAndNewline) {
  EXPECT_EQ(label_value("app"), "app");
  EXPECT_EQ(label_value(R"(a"b)"), R"(a\"b)");
  EXPECT_EQ(label_value(R"(a\b)"), R"(a\\b)");
  EXPECT_EQ(label_value("a\nb"), R"(a\nb)");
  EXPECT_EQ(label_value("\\\"\n"), R"(\\\"\n)");
  EXPECT_EQ(label_value("caf\xc3\xa9 {x}"), "caf\xc3\xa9 {x}");  // UTF-8 and braces as they are
  std::string out = "x=";
  append_label_value(out, "\"");
  EXPECT_EQ(out, R"(x=\")");
}

TEST(WebhookMetrics, NoEndpointsRenderNothing) {
  EXPECT_EQ(render_webhook_metrics({}, TimePoint{}), "");
}

TEST(WebhookMetrics, EveryStateAndTheOldestAgePerEndpoint) {
  const TimePoint now = TimePoint(1'900'000'000'000ms);
  std::vector<events::EndpointFigures> figures(2);
  figures[0].endpoint = "app";
  figures[0].delivered = 12;
  figures[0].failed = 3;
  figures[0].queued = 2;
  figures[0].retrying = 1;
  figures[0].dead = 1;
  figures[0].oldest_queued = now - 90'500ms;
  figures[1].endpoint = "idle";
  const std::string page = render_webhook_metrics(figures, now);
  EXPECT_EQ(page,
            "# HELP upgate_webhook_deliveries Webhook deliveries by endpoint: queued and dead in "
            "the outbox now (retrying: of queued, failed at least once); delivered and failed "
            "attempts since start.\n"
            "# TYPE upgate_webhook_deliveries gauge\n"
            "upgate_webhook_deliveries{endpoint=\"app\",state=\"queued\"} 2\n"
            "upgate_webhook_deliveries{endpoint=\"app\",state=\"retrying\"} 1\n"
            "upgate_webhook_deliveries{endpoint=\"app\",state=\"delivered\"} 12\n"
            "upgate_webhook_deliveries{endpoint=\"app\",state=\"failed\"} 3\n"
            "upgate_webhook_deliveries{endpoint=\"app\",state=\"dead\"} 1\n"
            "upgate_webhook_deliveries{endpoint=\"idle\",state=\"queued\"} 0\n"
            "upgate_webhook_deliveries{endpoint=\"idle\",state=\"retrying\"} 0\n"
            "upgate_webhook_deliveries{endpoint=\"idle\",state=\"delivered\"} 0\n"
            "upgate_webhook_deliveries{endpoint=\"idle\",state=\"failed\"} 0\n"
            "upgate_webhook_deliveries{endpoint=\"idle\",state=\"dead\"} 0\n"
            "# HELP upgate_webhook_oldest_queued_seconds Age of the oldest undelivered event by "
            "endpoint (0 when none).\n"
            "# TYPE upgate_webhook_oldest_queued_seconds gauge\n"
            "upgate_webhook_oldest_queued_seconds{endpoint=\"app\"} 90.500\n"
            "upgate_webhook_oldest_queued_seconds{endpoint=\"idle\"} 0.000\n");
}

TEST(WebhookMetrics, EndpointNamesAreEscaped) {
  std::vector<events::EndpointFigures> figures(1);
  figures[0].endpoint = "a\"b\\c\nd";
  const std::string page = render_webhook_metrics(figures, TimePoint{});
  EXPECT_NE(page.find(R"(upgate_webhook_deliveries{endpoint="a\"b\\c\nd",state="queued"} 0)"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find(R"(upgate_webhook_oldest_queued_seconds{endpoint="a\"b\\c\nd"} 0.000)"),
            std::string::npos)
      << page;
  // Every sample is one line: nothing from the name breaks out of its quotes.
  std::size_t samples = 0;
  for (std::size_t at = 0; (at = page.find("upgate_webhook_", at)) != std::string::npos; ++at) {
    if (at == 0 || page[at - 1] == '\n') ++samples;
  }
  EXPECT_EQ(samples, 6u);
}

TEST(WebhookMetrics, AClockBehindTheOldestEventIsZeroNotNegative) {
  std::vector<events::EndpointFigures> figures(1);
  figures[0].endpoint = "app";
  figures[0].queued = 1;
  const TimePoint now = TimePoint(1'900'000'000'000ms);
  figures[0].oldest_queued = now + 5s;
  EXPECT_NE(render_webhook_metrics(figures, now)
                .find("upgate_webhook_oldest_queued_seconds{endpoint=\"app\"} 0.000\n"),
            std::string::npos);
}

TEST(StorageReportMetrics, EveryStateAndTheOldestPendingAge) {
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'000'000));
  StorageReportFigures f;
  f.pending = 4;
  f.retrying = 1;
  f.refused = 2;
  f.oldest_pending = now - std::chrono::milliseconds(2500);
  const std::string text = render_storage_report_metrics(f, now);
  for (const char* line : {"upgate_storage_reports{state=\"pending\"} 4\n",
                           "upgate_storage_reports{state=\"retrying\"} 1\n",
                           "upgate_storage_reports{state=\"dead\"} 0\n",
                           "upgate_storage_reports{state=\"refused\"} 2\n",
                           "upgate_storage_reports_oldest_pending_seconds 2.500\n",
                           "# TYPE upgate_storage_reports gauge\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << text;
  }
  EXPECT_NE(render_storage_report_metrics({}, now).find(
                "upgate_storage_reports_oldest_pending_seconds 0.000\n"),
            std::string::npos);
}

}  // namespace
}  // namespace upgate::api
