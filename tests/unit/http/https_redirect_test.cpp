// The plain-HTTP listener that only redirects to HTTPS: the Location it builds from hostile
// Host fields and targets, and a real server answering 308 without reading the body.
#include <upgate/http/https_redirect.hpp>

#include <gtest/gtest.h>

#include "support/raw_http_client.hpp"
#include "support/running_server.hpp"

namespace upgate::http {
namespace {

using namespace std::chrono_literals;

TEST(HttpsLocation, KeepsHostPathAndQueryAndTakesTheHttpsPort) {
  EXPECT_EQ(https_location("upload.example.com", "/a/b?x=1&y=%20", 443),
            "https://upload.example.com/a/b?x=1&y=%20");
  EXPECT_EQ(https_location("upload.example.com:80", "/", 8443), "https://upload.example.com:8443/");
  EXPECT_EQ(https_location("Upload.Example.COM", "/", 443), "https://upload.example.com/");
  EXPECT_EQ(https_location("127.0.0.1:8080", "/healthz", 8443), "https://127.0.0.1:8443/healthz");
  EXPECT_EQ(https_location("[::1]:8080", "/x", 8443), "https://[::1]:8443/x");
  EXPECT_EQ(https_location("[2001:db8::1]", "/x", 443), "https://[2001:db8::1]/x");
}

TEST(HttpsLocation, RefusesHostsThatAreNotJustAName) {
  for (std::string_view host :
       {"", ":80", "a b", "evil.com/x", "evil.com@good", "a:b", "a:", "a:123456", "[::1", "[]",
        "[::1]x", "[::1]:x", "[zz::1]", "host\r\nX: y", "h\xc3\xa9.example", "a.example:80:81"}) {
    EXPECT_FALSE(https_location(host, "/", 443)) << host;
  }
  EXPECT_FALSE(https_location(std::string(254, 'a'), "/", 443));
  EXPECT_TRUE(https_location(std::string(253, 'a'), "/", 443));
}

TEST(HttpsLocation, RefusesTargetsThatAreNotOriginForm) {
  EXPECT_FALSE(https_location("a.example", "*", 443));
  EXPECT_FALSE(https_location("a.example", "http://evil.example/", 443));
  EXPECT_FALSE(https_location("a.example", "", 443));
  EXPECT_EQ(https_location("a.example", "//x", 443), "https://a.example//x");  // a path here
}

ServerConfig redirect_config() {
  ServerConfig config = test::test_config();
  config.keep_alive = false;
  return config;
}

TEST(HttpsRedirectServer, Answers308WithTheLocationAndClosesWithoutReadingTheBody) {
  test::RunningServer server(redirect_config(), https_redirect_handler(8443));
  test::RawClient client(server.port());
  // A body is announced and never sent: the answer cannot have waited for it.
  auto response = client.exchange(
      "PUT /bucket/key?X-Amz-Signature=abc HTTP/1.1\r\nHost: up.example.com:8080\r\n"
      "Content-Length: 10485760\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 308);
  EXPECT_EQ(response->get("location"),
            "https://up.example.com:8443/bucket/key?X-Amz-Signature=abc");
  EXPECT_EQ(response->get("connection"), "close");
  EXPECT_TRUE(client.peer_closed());
}

TEST(HttpsRedirectServer, ABadHostGets400AndNoLocation) {
  test::RunningServer server(redirect_config(), https_redirect_handler(443));
  test::RawClient client(server.port());
  auto response = client.exchange("GET / HTTP/1.1\r\nHost: evil.example/x\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_FALSE(response->has("location"));
}

}  // namespace
}  // namespace upgate::http
