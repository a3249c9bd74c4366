// The demo page as served: the origins ?api= may name (read, checked), the
// Content-Security-Policy's connect-src (the origin URLs are signed for, and those origins)
// and index.html's settings filled in.
#include "upgate/api/demo_page.hpp"

#include <gtest/gtest.h>

#include "support/api_config_fixture.hpp"

namespace upgate::api {
namespace {

class DemoPageTest : public upgate::testing::ApiConfigFixture {
 protected:
  Expected<ApiConfig, config::ConfigError> parse(std::string_view toml) {
    return ApiConfigFixture::parse(
        toml, {},
        {{"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"}, {"AWS_SECRET_ACCESS_KEY", "not-a-real-secret"}});
  }
  std::string connect_src(std::string_view toml) {
    const auto config = parse(toml);
    EXPECT_TRUE(config) << config.error().describe();
    if (!config) return {};
    const std::string csp = demo_content_security_policy(*config);
    const auto start = csp.find("connect-src ");
    if (start == std::string::npos) return "<none>";
    return csp.substr(start + 12, csp.find(';', start) - start - 12);
  }
};

TEST_F(DemoPageTest, ApiOriginsAreReadLowerCasedAndChecked) {
  const auto config =
      parse("[server]\ndemo_api_origins = [\"https://API.example.com\", \"http://[::1]:8080\"]\n");
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->demo_api_origins,
            (std::vector<std::string>{"https://api.example.com", "http://[::1]:8080"}));
  for (const char* bad : {"*", "https://api.example.com/v1", "ftp://api.example.com",
                          "api.example.com", "https://a.example.com><script>"}) {
    const auto refused = parse(std::string("[server]\ndemo_api_origins = [\"") + bad + "\"]\n");
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().field, "server.demo_api_origins") << bad;
  }
}

TEST_F(DemoPageTest, ConnectSrcIsTheStoreURLsAreSignedForAndTheListedApis) {
  // No endpoint: the embedded store, path style.
  EXPECT_EQ(connect_src(""), "'self' http://127.0.0.1:9000");
  // AWS, virtual-hosted: the bucket's own host.
  EXPECT_EQ(connect_src("[s3]\nendpoint = \"https://s3.eu-west-1.amazonaws.com\"\n"
                        "region = \"eu-west-1\"\nbucket = \"media\"\npath_style = false\n"
                        "[server]\ndemo_api_origins = [\"https://api.example.com\"]\n"),
            "'self' https://media.s3.eu-west-1.amazonaws.com https://api.example.com");
  EXPECT_EQ(connect_src("[s3]\nendpoint = \"https://minio.internal:9443\"\nbucket = \"media\"\n"),
            "'self' https://minio.internal:9443");
}

TEST_F(DemoPageTest, PolicyAndHeaders) {
  const auto config = parse("");
  ASSERT_TRUE(config);
  const http::StaticFilesOptions options = demo_page_options(*config);
  std::map<std::string, std::string> headers(options.headers.begin(), options.headers.end());
  EXPECT_EQ(headers["Content-Security-Policy"],
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            "connect-src 'self' http://127.0.0.1:9000; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'");
  EXPECT_EQ(headers["Referrer-Policy"], "no-referrer");
  EXPECT_EQ(headers["X-Frame-Options"], "DENY");
}

TEST_F(DemoPageTest, IndexCarriesTheApiOriginsAndWhetherAuthIsOn) {
  auto config =
      parse("[server]\ndemo_api_origins = [\"https://a.example\", \"http://b.example:8080\"]\n");
  ASSERT_TRUE(config) << config.error().describe();
  auto files = demo_page_files(*config);
  ASSERT_TRUE(files.contains("/index.html"));
  ASSERT_TRUE(files.contains("/app.js"));
  const std::string& open = files["/index.html"].bytes;
  EXPECT_NE(
      open.find(
          R"(<meta name="upgate-api-origins" content="https://a.example http://b.example:8080">)"),
      std::string::npos);
  EXPECT_NE(open.find(R"(<meta name="upgate-auth" content="">)"), std::string::npos);

  config->auth.modes = {auth::AuthMode::kJwt};
  files = demo_page_files(*config);
  EXPECT_NE(files["/index.html"].bytes.find(R"(<meta name="upgate-auth" content="on">)"),
            std::string::npos);
}

}  // namespace
}  // namespace upgate::api
