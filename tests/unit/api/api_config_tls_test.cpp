// The certificate pairs of `upgate serve`'s two listeners as the configuration merges them:
// [server.tls] / [store.tls], UPGATE_(STORE_)TLS_CERT/KEY and the flags, both or neither;
// and the embedded store's domain for virtual-hosted buckets ([store] domain).
#include <gtest/gtest.h>

#include "support/api_config_fixture.hpp"
#include "upgate/api/api_config.hpp"

namespace upgate::api {
namespace {

class ApiConfigTlsTest : public upgate::testing::ApiConfigFixture {};

TEST_F(ApiConfigTlsTest, NoPairMeansPlainHttpOnBothListeners) {
  const auto config = parse(std::nullopt);
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_FALSE(config->tls);
  EXPECT_FALSE(config->store_tls);
  EXPECT_EQ(config->https.hsts_max_age.count(), 0);
}

TEST_F(ApiConfigTlsTest, BothTablesFromTheFile) {
  const auto config = parse(R"(
[server.tls]
cert = "/etc/tls/api.pem"
key = "/etc/tls/api.key"
watch_seconds = 30
hsts_max_age = 31536000

[store.tls]
cert = "/etc/tls/s3.pem"
key = "/etc/tls/s3.key"
watch_seconds = 0
)");
  ASSERT_TRUE(config) << config.error().describe();
  ASSERT_TRUE(config->tls);
  EXPECT_EQ(config->tls->files.certificate_chain, "/etc/tls/api.pem");
  EXPECT_EQ(config->tls->files.private_key, "/etc/tls/api.key");
  EXPECT_EQ(config->tls->watch_interval, std::chrono::seconds(30));
  ASSERT_TRUE(config->store_tls);
  EXPECT_EQ(config->store_tls->files.certificate_chain, "/etc/tls/s3.pem");
  EXPECT_EQ(config->store_tls->watch_interval, std::chrono::seconds(0));
  EXPECT_EQ(config->https.hsts_max_age, std::chrono::seconds(31536000));
  // The demo page's own origin, which CORS allows by default, is now https.
  EXPECT_EQ(config->cors.allowed_origins,
            (std::vector<std::string>{"https://127.0.0.1:8080", "https://localhost:8080"}));
}

TEST_F(ApiConfigTlsTest, FlagsOverVariablesOverTheFile) {
  ApiFlags flags;
  flags.tls_cert = "/flag/api.pem";
  flags.tls_key = "/flag/api.key";
  const auto config = parse(
      R"(
[server.tls]
cert = "/file/api.pem"
key = "/file/api.key"
[store.tls]
cert = "/file/s3.pem"
key = "/file/s3.key"
)",
      flags, {{"UPGATE_STORE_TLS_CERT", "/env/s3.pem"}, {"UPGATE_STORE_TLS_KEY", "/env/s3.key"}});
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->tls->files.certificate_chain, "/flag/api.pem");
  EXPECT_EQ(config->tls->watch_interval, std::chrono::seconds(10));  // the default
  EXPECT_EQ(config->store_tls->files.private_key, "/env/s3.key");
}

TEST_F(ApiConfigTlsTest, HalfAPairIsRefusedNamingWhereItCameFrom) {
  auto config = parse("[server.tls]\ncert = \"/etc/tls/api.pem\"\n");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().field, "server.tls.cert");
  EXPECT_NE(config.error().message.find("--tls-key"), std::string::npos);

  ApiFlags flags;
  flags.store_tls_key = "/flag/s3.key";
  config = parse(std::nullopt, flags);
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().field, "--store-tls-key");

  config = parse(std::nullopt, {}, {{"UPGATE_TLS_CERT", "/env/api.pem"}});
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().field, "UPGATE_TLS_CERT");
}

TEST_F(ApiConfigTlsTest, UnknownKeysAndBadValuesAreRefused) {
  expect_refused_fields({
      // HSTS is the API's.
      {"[store.tls]\ncert = \"a\"\nkey = \"b\"\nhsts_max_age = 5\n", "store.tls.hsts_max_age"},
      {"[server.tls]\ncertificate = \"a\"\n", "server.tls.certificate"},
      {"[server.tls]\nwatch_seconds = 86401\n", "server.tls.watch_seconds"},
      {"[store]\nlisten = \"x\"\n", "store.listen"},
      {"[server]\ntls = 1\n", "server.tls"},
  });
}

TEST_F(ApiConfigTlsTest, TheHttpRedirectListenerNeedsTlsAndAnAddress) {
  const std::string_view tls =
      "[server.tls]\ncert = \"/etc/tls/api.pem\"\nkey = \"/etc/tls/api.key\"\n";
  auto config = parse(tls);
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_FALSE(config->http_redirect);  // off by default

  config = parse("[server]\nhttp_redirect = \"0.0.0.0:8080\"\n" + std::string(tls));
  ASSERT_TRUE(config) << config.error().describe();
  ASSERT_TRUE(config->http_redirect);
  EXPECT_EQ(config->http_redirect->host, "0.0.0.0");
  EXPECT_EQ(config->http_redirect->port, 8080);

  ApiFlags flags;
  flags.http_redirect = "[::]:80";  // the flag over the variable over the file
  config = parse("[server]\nhttp_redirect = \"0.0.0.0:8080\"\n" + std::string(tls), flags,
                 {{"UPGATE_HTTP_REDIRECT", "127.0.0.1:81"}});
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->http_redirect->host, "::");
  EXPECT_EQ(config->http_redirect->port, 80);

  config = parse("[server]\nhttp_redirect = \"0.0.0.0:8080\"\n");  // no HTTPS to send to
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().field, "server.http_redirect");

  config = parse(std::string(tls), {}, {{"UPGATE_HTTP_REDIRECT", "not an address"}});
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().field, "UPGATE_HTTP_REDIRECT");
}

TEST_F(ApiConfigTlsTest, TheStoreDomainMakesTheEmbeddedStoresUrlsVirtualHosted) {
  auto config = parse(std::nullopt);
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->store_domain, "");  // none by default: path style on the store's address
  EXPECT_TRUE(config->s3.endpoint.path_style);

  config = parse("[store]\ndomain = \"S3.Example.COM\"\n");
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->store_domain, "s3.example.com");  // hosts compare lower-cased
  EXPECT_FALSE(config->s3.endpoint.path_style);
  // serve names the host once the store has its port (serve_store.cpp); not before.
  EXPECT_EQ(config->s3.endpoint.host, "127.0.0.1");

  ApiFlags flags;
  flags.store_domain = "flag.localhost";  // the flag over the variable over the file
  config = parse("[store]\ndomain = \"file.localhost\"\n", flags,
                 {{"UPGATE_STORE_DOMAIN", "env.localhost"}});
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->store_domain, "flag.localhost");
  config = parse("[store]\ndomain = \"file.localhost\"\n", {},
                 {{"UPGATE_STORE_DOMAIN", "env.localhost"}});
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->store_domain, "env.localhost");

  flags = {};
  flags.path_style = true;  // asked for: https://DOMAIN:PORT/BUCKET/KEY
  config = parse("[store]\ndomain = \"s3.localhost\"\n", flags);
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_TRUE(config->s3.endpoint.path_style);
}

TEST_F(ApiConfigTlsTest, AStoreDomainThatIsNoDomainOrHasNoStoreIsRefused) {
  for (std::string_view bad :
       {"127.0.0.1", "s3.localhost:9000", "https://s3.localhost", "-s3.localhost", "s3-.localhost",
        "s3..localhost", "s3.localhost.", "*.s3.localhost", "s3_x.localhost"}) {
    auto config = parse(std::nullopt, {}, {{"UPGATE_STORE_DOMAIN", std::string(bad)}});
    ASSERT_FALSE(config) << bad;
    EXPECT_EQ(config.error().field, "UPGATE_STORE_DOMAIN") << bad;
  }
  auto config = parse("[store]\ndomain = 5\n");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().field, "store.domain");
  config = parse("[store]\ndomain = \"" + std::string(64, 'a') + ".localhost\"\n");
  ASSERT_FALSE(config);  // a label is at most 63 characters
  EXPECT_EQ(config.error().field, "store.domain");

  // An S3 endpoint means no embedded store to give the domain to.
  ApiFlags flags;
  flags.store_domain = "s3.localhost";
  flags.endpoint = "https://s3.example.com";
  config = parse(std::nullopt, flags,
                 {{"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"}, {"AWS_SECRET_ACCESS_KEY", "secret"}});
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().field, "--store-domain");
  EXPECT_NE(config.error().message.find("https://s3.example.com"), std::string::npos);
}

}  // namespace
}  // namespace upgate::api
