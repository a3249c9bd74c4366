// API keys: creation into a real file, lookup, profiles, permissions, bad files.
#include "upgate/auth/api_keys.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/temp_dir.hpp"
#include "upgate/auth/credentials.hpp"

namespace upgate::auth {
namespace {

using namespace std::chrono_literals;

const std::chrono::sys_seconds kNow{std::chrono::seconds(1'700'000'000)};

class ApiKeysTest : public ::testing::Test {
 protected:
  std::string read_file() const {
    std::ifstream in(file_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void write_file(const std::string& text, mode_t mode = 0600) const {
    {
      std::ofstream out(file_);
      out << text;
    }
    ::chmod(file_.c_str(), mode);
  }

  upgate::testing::TempDir temp_;
  std::filesystem::path dir_ = temp_.path();
  std::filesystem::path file_ = dir_ / "keys.jsonl";
};

TEST_F(ApiKeysTest, CreateThenAuthenticate) {
  const auto created = create_api_key(file_, {"ci-bot", {"avatars", "docs"}}, kNow);
  ASSERT_TRUE(created.has_value()) << created.error();
  const std::string_view secret = created->secret.reveal();
  EXPECT_TRUE(is_api_key_format(secret));
  EXPECT_EQ(secret.size(), 47u);
  EXPECT_TRUE(secret.starts_with("upk_"));
  EXPECT_TRUE(created->record.id.starts_with("k_"));

  const auto store = ApiKeyStore::load(file_);
  ASSERT_TRUE(store.has_value()) << store.error();
  ASSERT_EQ(store->records().size(), 1u);
  const ApiKeyRecord& record = store->records()[0];
  EXPECT_EQ(record.id, created->record.id);
  EXPECT_EQ(record.principal, "ci-bot");
  EXPECT_EQ(record.profiles, (std::vector<std::string>{"avatars", "docs"}));
  EXPECT_EQ(record.created, kNow);

  const auto principal = store->authenticate(secret, "avatars");
  ASSERT_TRUE(principal.has_value());
  EXPECT_EQ((*principal)->id, "ci-bot");
  EXPECT_EQ((*principal)->mode, AuthMode::kApiKey);
  EXPECT_EQ((*principal)->claims.at("api_key_id").as_string(), record.id);
  EXPECT_TRUE(store->authenticate(secret).has_value());
}

TEST_F(ApiKeysTest, TheFileHoldsOnlyTheHash) {
  const auto created = create_api_key(file_, {"ci-bot", {}}, kNow);
  ASSERT_TRUE(created.has_value());
  const std::string text = read_file();
  const std::string secret(created->secret.reveal());
  EXPECT_EQ(text.find(secret), std::string::npos);
  EXPECT_EQ(text.find(secret.substr(4, 20)), std::string::npos);
  EXPECT_EQ(text, "{\"id\":\"" + created->record.id +
                      "\",\"principal\":\"ci-bot\",\"profiles\":[\"*\"],"
                      "\"created\":\"2023-11-14T22:13:20.000Z\",\"sha256\":\"" +
                      sigv4::hex(sigv4::sha256(secret)) + "\"}\n");
}

TEST_F(ApiKeysTest, FileIsMode0600) {
  ASSERT_TRUE(create_api_key(file_, {"a", {}}, kNow).has_value());
  struct stat st {};
  ASSERT_EQ(::stat(file_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Even when it existed with looser bits.
  ::chmod(file_.c_str(), 0644);
  ASSERT_TRUE(create_api_key(file_, {"b", {}}, kNow).has_value());
  ASSERT_EQ(::stat(file_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // No temp file is left beside it.
  std::size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 2u);  // keys.jsonl and keys.jsonl.lock
}

TEST_F(ApiKeysTest, LoadRefusesAFileOthersMayWrite) {
  ASSERT_TRUE(create_api_key(file_, {"a", {}}, kNow).has_value());
  ::chmod(file_.c_str(), 0662);
  const auto store = ApiKeyStore::load(file_);
  ASSERT_FALSE(store.has_value());
  EXPECT_NE(store.error().find("may be written by group or others"), std::string::npos);
  ::chmod(file_.c_str(), 0644);  // readable is fine: it holds hashes only
  EXPECT_TRUE(ApiKeyStore::load(file_).has_value());
}

TEST_F(ApiKeysTest, AppendingKeepsEveryKeyAndComment) {
  write_file("# keys for the staging API\n\n");
  std::vector<std::string> secrets;
  for (const char* who : {"alice", "bob", "carol"}) {
    auto created = create_api_key(file_, {who, {"avatars"}}, kNow);
    ASSERT_TRUE(created.has_value()) << created.error();
    secrets.emplace_back(created->secret.reveal());
  }
  EXPECT_TRUE(read_file().starts_with("# keys for the staging API\n\n{"));
  const auto store = ApiKeyStore::load(file_);
  ASSERT_TRUE(store.has_value()) << store.error();
  ASSERT_EQ(store->records().size(), 3u);
  EXPECT_EQ((*store->authenticate(secrets[0]))->id, "alice");
  EXPECT_EQ((*store->authenticate(secrets[1]))->id, "bob");
  EXPECT_EQ((*store->authenticate(secrets[2]))->id, "carol");
}

TEST_F(ApiKeysTest, ConcurrentCreationsLoseNothing) {
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([this, i] {
      ASSERT_TRUE(create_api_key(file_, {"p" + std::to_string(i), {}}, kNow).has_value());
    });
  }
  for (auto& t : threads) t.join();
  const auto store = ApiKeyStore::load(file_);
  ASSERT_TRUE(store.has_value());
  EXPECT_EQ(store->records().size(), 8u);
}

TEST_F(ApiKeysTest, WrongKeysAreRefusedAlike) {
  const auto created = create_api_key(file_, {"ci-bot", {"avatars"}}, kNow);
  ASSERT_TRUE(created.has_value());
  const auto store = ApiKeyStore::load(file_);
  ASSERT_TRUE(store.has_value());
  std::string wrong(created->secret.reveal());
  wrong[10] = wrong[10] == 'A' ? 'B' : 'A';
  for (const std::string& presented :
       {wrong, std::string("upk_"), std::string("not-a-key"), std::string(),
        std::string(created->secret.reveal()) + "x"}) {
    const auto refused = store->authenticate(presented);
    ASSERT_FALSE(refused.has_value()) << presented;
    EXPECT_EQ(refused.error().check, AuthCheck::kUnknownApiKey);
    EXPECT_EQ(refused.error().status(), 401);
    EXPECT_EQ(refused.error().message.find(presented.empty() ? "\x01" : presented),
              std::string::npos);
  }
}

TEST_F(ApiKeysTest, ProfileNotIssuedIsForbidden) {
  const auto created = create_api_key(file_, {"ci-bot", {"avatars"}}, kNow);
  ASSERT_TRUE(created.has_value());
  const auto store = ApiKeyStore::load(file_);
  const auto refused = store->authenticate(created->secret.reveal(), "backups");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().check, AuthCheck::kProfileNotAllowed);
  EXPECT_EQ(refused.error().status(), 403);
  EXPECT_EQ(refused.error().www_authenticate(),
            "Bearer error=\"insufficient_scope\", "
            "error_description=\"the API key may not use this profile\"");
  // A key for every profile.
  const auto any = create_api_key(file_, {"ops", {}}, kNow);
  const auto reloaded = ApiKeyStore::load(file_);
  EXPECT_TRUE(reloaded->authenticate(any->secret.reveal(), "backups").has_value());
}

TEST_F(ApiKeysTest, CreateRefusesBadRequestsAndLeavesABrokenFileAlone) {
  EXPECT_FALSE(create_api_key(file_, {"", {}}, kNow).has_value());
  EXPECT_FALSE(create_api_key(file_, {"bad\nname", {}}, kNow).has_value());
  EXPECT_FALSE(create_api_key(file_, {"a", {"*", "avatars"}}, kNow).has_value());
  EXPECT_FALSE(create_api_key(file_, {"a", {"two words"}}, kNow).has_value());
  EXPECT_FALSE(create_api_key(file_, {"a", {"x", "x"}}, kNow).has_value());
  EXPECT_FALSE(std::filesystem::exists(file_));
  write_file("{\"id\":\"k_000000000000\"}\n");
  const auto refused = create_api_key(file_, {"a", {}}, kNow);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().find("left as it is"), std::string::npos);
  EXPECT_NE(refused.error().find("line 1"), std::string::npos);
  EXPECT_EQ(read_file(), "{\"id\":\"k_000000000000\"}\n");
}

TEST(ApiKeyStore, ParseErrorsNameTheLine) {
  const std::string good =
      R"({"id":"k_0123456789ab","principal":"a","profiles":["*"],"created":"2023-11-14T22:13:20Z","sha256":")" +
      std::string(64, '0') + "\"}";
  EXPECT_TRUE(ApiKeyStore::parse(good).has_value());
  EXPECT_TRUE(ApiKeyStore::parse("# only a comment\n\n").has_value());
  const std::pair<std::string, std::string> bad[] = {
      {"\n" + good + "\n" + good, "line 3: the id k_0123456789ab is used twice"},
      {"{}", "line 1: \"id\" is missing or not k_ and 12 hex digits"},
      {"[1]", "line 1: not a JSON object"},
      {"{\"id\":1,\"id\":2}", "line 1: the line is an object names a member twice"},
      {good.substr(0, good.size() - 1) + ",\"extra\":1}",
       "line 1: unknown member \"extra\" (id, principal, profiles, created, sha256 are known)"},
  };
  for (const auto& [text, error] : bad) {
    const auto store = ApiKeyStore::parse(text);
    ASSERT_FALSE(store.has_value()) << text;
    EXPECT_EQ(store.error(), error);
  }
  std::string same_hash = good;
  same_hash.replace(same_hash.find("k_0123456789ab"), 14, "k_ffffffffffff");
  EXPECT_EQ(ApiKeyStore::parse(good + "\n" + same_hash).error(),
            "line 2: the key of k_0123456789ab again");
}

TEST(ApiKeyStore, LoadNamesAMissingFile) {
  const auto store = ApiKeyStore::load("/nonexistent/keys.jsonl");
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error(),
            "/nonexistent/keys.jsonl does not exist (upgate apikey create makes it)");
}

TEST(ApiKeyFormat, ShapeRules) {
  const std::string key = "upk_" + std::string(42, 'A') + "A";
  EXPECT_TRUE(is_api_key_format(key));
  EXPECT_FALSE(is_api_key_format("upk_" + std::string(42, 'A') + "B"));  // spare bits set
  EXPECT_FALSE(is_api_key_format("UPK_" + std::string(43, 'A')));
  EXPECT_FALSE(is_api_key_format("upk_" + std::string(42, 'A')));
  EXPECT_FALSE(is_api_key_format("upk_" + std::string(41, 'A') + "+A"));
}

TEST(ApiKeyFormat, XApiKeyHeader) {
  const std::string key = "upk_" + std::string(43, 'A');
  EXPECT_EQ(api_key_header(" " + key + "\t").value, key);
  EXPECT_EQ(api_key_header(key).kind, ExtractedCredential::Kind::kPresent);
  EXPECT_EQ(api_key_header("nope").kind, ExtractedCredential::Kind::kMalformed);
  EXPECT_EQ(api_key_header(std::nullopt).kind, ExtractedCredential::Kind::kAbsent);
}

}  // namespace
}  // namespace upgate::auth
