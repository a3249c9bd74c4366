// [auth] in upgate.toml: the modes and their tables as read, and every mistake refused
// naming its dotted key.
#include <gtest/gtest.h>

#include "support/api_config_fixture.hpp"
#include "upgate/api/api_config.hpp"

namespace upgate::api {
namespace {

class AuthTableTest : public upgate::testing::ApiConfigFixture {};

constexpr std::string_view kJwt = R"(
[auth.jwt]
issuer = "https://sso.example.com/realms/acme"
audience = ["upgate", "upgate-admin"]
jwks_url = "https://sso.example.com/certs"
cookie = "session"
algorithms = ["ES256"]
leeway = "2m"
principal_claim = "email"
)";

TEST_F(AuthTableTest, NoTableIsTheOpenApi) {
  const auto config = parse("[profiles.a]\nfolder = \"a\"\n");
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_TRUE(config->auth.open());
  EXPECT_FALSE(config->auth.allow_anonymous);
  EXPECT_TRUE(config->log.audit);
}

TEST_F(AuthTableTest, JwtTableAsWritten) {
  const auto config = parse(kJwt);
  ASSERT_TRUE(config) << config.error().describe();
  ASSERT_EQ(config->auth.modes, std::vector<auth::AuthMode>{auth::AuthMode::kJwt});
  const JwtSettings& jwt = *config->auth.jwt;
  EXPECT_EQ(jwt.issuer, "https://sso.example.com/realms/acme");
  EXPECT_EQ(jwt.audiences, (std::vector<std::string>{"upgate", "upgate-admin"}));
  EXPECT_EQ(jwt.cookie, "session");
  EXPECT_EQ(jwt.algorithms, std::vector<std::string>{"ES256"});
  EXPECT_EQ(jwt.leeway, std::chrono::seconds(120));
  EXPECT_EQ(jwt.principal_claim, "email");
}

TEST_F(AuthTableTest, DefaultOrderIsJwtHookApiKeyAndModesReorder) {
  const std::string tables = std::string(kJwt) +
                             "[auth.hook]\nurl = \"http://127.0.0.1:3000/auth\"\n"
                             "timeout = \"750ms\"\ncache_ttl = 0\n"
                             "[auth.api_keys]\nkeys_file = \"/etc/upgate/keys.jsonl\"\n";
  auto config = parse(tables);
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->auth.modes,
            (std::vector<auth::AuthMode>{auth::AuthMode::kJwt, auth::AuthMode::kHook,
                                         auth::AuthMode::kApiKey}));
  EXPECT_EQ(config->auth.hook->timeout, std::chrono::milliseconds(750));
  EXPECT_EQ(config->auth.hook->cache_ttl, std::chrono::seconds(0));
  config = parse("[auth]\nmodes = [\"api_key\", \"hook\", \"jwt\"]\n" + tables);
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_EQ(config->auth.modes.front(), auth::AuthMode::kApiKey);
  EXPECT_EQ(config->auth.modes.back(), auth::AuthMode::kJwt);
}

TEST_F(AuthTableTest, ProfileAuthRule) {
  const auto config = parse(std::string(kJwt) +
                            "[profiles.drop]\nfolder = \"drop\"\nauth = \"none\"\n"
                            "[profiles.maybe]\nfolder = \"maybe\"\nauth = \"optional\"\n"
                            "shared = true\n"
                            "[profiles.mine]\nfolder = \"mine\"\n"
                            "key_template = \"{folder}/{principal}/{id}-{name}\"\n");
  ASSERT_TRUE(config) << config.error().describe();
  const auto& p = config->profiles.profiles();
  EXPECT_EQ(p[0].auth, ProfileAuth::none);
  EXPECT_EQ(p[1].auth, ProfileAuth::optional);
  EXPECT_FALSE(p[2].auth.has_value());  // required, the default with a mode
}

// The ownership checks see the [auth] of the same file, wherever the tables stand in it.
TEST_F(AuthTableTest, OwnershipIsJudgedUnderTheFilesAuth) {
  const std::string owned =
      "[profiles.mine]\nfolder = \"mine\"\n"
      "key_template = \"{folder}/{principal}/{id}-{name}\"\n";
  auto config = parse(owned + std::string(kJwt));
  ASSERT_TRUE(config) << config.error().describe();
  // Without a mode every caller is anonymous: a principal in the template is a mistake.
  EXPECT_EQ(refused_field(owned), "profiles.mine.key_template");
  // With a mode, a profile whose keys name no principal must say it is shared.
  EXPECT_EQ(refused_field(std::string(kJwt) + "[profiles.all]\nfolder = \"all\"\n"),
            "profiles.all.key_template");
  // The implicit profile keys each principal apart under authentication.
  config = parse(kJwt);
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_TRUE(config->profiles.profiles().front().key_template.names_principal());
  config = parse("");
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_FALSE(config->profiles.profiles().front().key_template.names_principal());
}

TEST_F(AuthTableTest, MistakesNameTheirKey) {
  expect_refused_fields({
      {"[auth]\nmode = [\"jwt\"]\n", "auth.mode"},
      {"[auth]\nmodes = [\"ldap\"]\n", "auth.modes"},
      {"[auth]\nmodes = [\"jwt\"]\n", "auth.modes"},
      {"[auth]\nmodes = [\"none\"]\n" + std::string(kJwt), "auth.modes"},
      {"[auth]\nmodes = [\"jwt\", \"jwt\"]\n" + std::string(kJwt), "auth.modes"},
      {"[auth]\nmodes = []\n[auth.api_keys]\nkeys_file = \"k\"\n", "auth.modes"},
      {"[auth]\nallow_anonymous = \"yes\"\n", "auth.allow_anonymous"},
      {"[auth.jwt]\naudience = \"a\"\nsecret_env = \"S\"\n", "auth.jwt.issuer"},
      {"[auth.jwt]\nissuer = \"i\"\nsecret_env = \"S\"\n", "auth.jwt.audience"},
      {"[auth.jwt]\nissuer = \"i\"\naudience = 3\nsecret_env = \"S\"\n", "auth.jwt.audience"},
      {"[auth.jwt]\nissuer = \"i\"\naudience = \"a\"\n", "auth.jwt"},
      {"[auth.jwt]\nissuer = \"i\"\naudience = \"a\"\njwks_url = \"file:///k\"\n",
       "auth.jwt.jwks_url"},
      {"[auth.jwt]\nissuer = \"i\"\naudience = \"a\"\nsecret_env = \"S\"\n"
       "cookie = \"a b\"\n",
       "auth.jwt.cookie"},
      {"[auth.jwt]\nissuer = \"i\"\naudience = \"a\"\nsecret_env = \"S\"\n"
       "leeway = \"1h\"\n",
       "auth.jwt.leeway"},
      {"[auth.jwt]\nissuer = \"i\"\naudience = \"a\"\nsecret_env = \"S\"\n"
       "colour = \"red\"\n",
       "auth.jwt.colour"},
      {"[auth.hook]\n", "auth.hook.url"},
      {"[auth.hook]\nurl = \"http://h/\"\ntimeout = \"31s\"\n", "auth.hook.timeout"},
      {"[auth.hook]\nurl = \"http://h/\"\ncache_ttl = \"2h\"\n", "auth.hook.cache_ttl"},
      {"[auth.api_keys]\n", "auth.api_keys.keys_file"},
      {"[profiles.p]\nfolder = \"p\"\nauth = \"maybe\"\n", "profiles.p.auth"},
      // Credentials asked for with nothing to check them.
      {"[profiles.p]\nfolder = \"p\"\nauth = \"required\"\n", "profiles.p.auth"},
      {"[profiles.p]\nfolder = \"p\"\nauth = \"optional\"\n", "profiles.p.auth"},
  });
}

}  // namespace
}  // namespace upgate::api
