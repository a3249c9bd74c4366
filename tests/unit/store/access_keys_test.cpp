#include "store_http/access_keys.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "test_support.hpp"

namespace upgate::store {
namespace {

AccessKey restricted(std::vector<std::string> actions, std::vector<std::string> resources) {
  AccessKey k;
  k.credentials.access_key_id = "AKIDLIMITED";
  k.credentials.secret_access_key = sigv4::SecretKey("limited-secret");
  k.name = "limited";
  k.actions = std::move(actions);
  k.resources = std::move(resources);
  return k;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(WildcardMatchTest, GlobRules) {
  EXPECT_TRUE(wildcard_match("uploads/services/*", "uploads/services/a/b.png", false));
  EXPECT_FALSE(wildcard_match("uploads/services/*", "uploads/other/a.png", false));
  EXPECT_FALSE(wildcard_match("uploads/services/*", "uploads/services", false));
  EXPECT_TRUE(wildcard_match("*", "", false));
  EXPECT_TRUE(wildcard_match("a?c", "abc", false));
  EXPECT_TRUE(wildcard_match("s3:get*", "s3:GetObject", true));
  EXPECT_FALSE(wildcard_match("s3:get*", "s3:GetObject", false));
  EXPECT_TRUE(wildcard_match("*a*b*c", "xxaxxbxxc", false));
  EXPECT_FALSE(wildcard_match("*a*b*c", "xxaxxbxxcd", false));
}

TEST(AccessKeysTest, LeastPrivilegeKey) {
  const AccessKey k = restricted({"s3:PutObject", "s3:GetObject"}, {"uploads/services/*"});
  EXPECT_TRUE(AccessKeys::allows(k, "s3:PutObject", "uploads/services/x.png"));
  EXPECT_TRUE(AccessKeys::allows(k, "s3:GetObject", "uploads/services/a/b"));
  EXPECT_FALSE(AccessKeys::allows(k, "s3:DeleteObject", "uploads/services/x.png"));
  EXPECT_FALSE(AccessKeys::allows(k, "s3:PutObject", "uploads/admin/x.png"));
  EXPECT_FALSE(AccessKeys::allows(k, "s3:PutObject", "other/services/x.png"));
  EXPECT_FALSE(AccessKeys::allows(k, "s3:ListBucket", "uploads"));
  EXPECT_FALSE(AccessKeys::allows(k, "s3:ListAllMyBuckets", ""));
  const AccessKey all = restricted({"s3:*"}, {"*"});
  EXPECT_TRUE(AccessKeys::allows(all, "s3:ListAllMyBuckets", ""));
  AccessKey root;
  root.root = true;
  EXPECT_TRUE(AccessKeys::allows(root, "s3:DeleteBucket", "anything"));
}

TEST(AccessKeysTest, AddRefusesDuplicatesAndIncompleteKeys) {
  AccessKeys keys;
  ASSERT_TRUE(keys.add(restricted({"s3:GetObject"}, {"b/*"})));
  EXPECT_FALSE(keys.add(restricted({"s3:GetObject"}, {"b/*"})));  // same id
  AccessKey no_actions = restricted({}, {"b/*"});
  no_actions.credentials.access_key_id = "AKIDOTHER";
  EXPECT_FALSE(keys.add(no_actions));
  EXPECT_NE(keys.find("AKIDLIMITED"), nullptr);
  EXPECT_EQ(keys.find("AKIDNOPE"), nullptr);
}

TEST(AccessKeysTest, ParsesKeysFile) {
  auto keys = parse_keys_file(
      "[uploader]\n"
      "aws_access_key_id = AKIDUPLOADER\n"
      "aws_secret_access_key = s3cr3t\n"
      "actions = s3:PutObject, s3:GetObject\n"
      "resources = arn:aws:s3:::uploads/services/*, uploads/public/*\n",
      "keys.ini");
  ASSERT_TRUE(keys) << keys.error().message;
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].actions, (std::vector<std::string>{"s3:PutObject", "s3:GetObject"}));
  EXPECT_EQ((*keys)[0].resources,
            (std::vector<std::string>{"uploads/services/*", "uploads/public/*"}));
  auto bad = parse_keys_file("[k]\naws_access_key_id = AKID1\naws_secret_access_key = topsecret\n",
                             "keys.ini");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("actions"), std::string::npos);
  EXPECT_EQ(bad.error().message.find("topsecret"), std::string::npos);
  EXPECT_FALSE(
      parse_keys_file("[k]\naws_access_key_id = AKID1\naws_secret_access_key = x\n"
                      "actions = s3:GetObject\nresources = *\ncolour = blue\n",
                      "keys.ini"));
  EXPECT_FALSE(
      parse_keys_file("[k]\naws_access_key_id = AKID1\naws_secret_access_key = x\n"
                      "actions = ec2:RunInstances\nresources = *\n",
                      "keys.ini"));
}

TEST(AccessKeysTest, GeneratesRootKeyOnceWithMode0600) {
  testing::TempDir dir;
  auto first = load_or_create_root_key({}, dir.path());
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->origin, "generated");
  EXPECT_EQ(first->key.credentials.access_key_id.size(), 20u);
  EXPECT_EQ(first->key.credentials.secret_access_key.reveal().size(), 40u);
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() / "credentials").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  const std::string text = read_file(dir.path() / "credentials");
  EXPECT_NE(text.find("[default]"), std::string::npos);

  auto second = load_or_create_root_key({}, dir.path());
  ASSERT_TRUE(second);
  EXPECT_EQ(second->key.credentials.access_key_id, first->key.credentials.access_key_id);
  EXPECT_TRUE(second->key.credentials.secret_access_key ==
              first->key.credentials.secret_access_key);
  EXPECT_NE(second->origin, "generated");

  // Given credentials win and leave the file alone.
  auto given = load_or_create_root_key({"AKIDGIVEN", "given-secret"}, dir.path());
  ASSERT_TRUE(given);
  EXPECT_EQ(given->key.credentials.access_key_id, "AKIDGIVEN");
  EXPECT_EQ(read_file(dir.path() / "credentials"), text);
  EXPECT_FALSE(load_or_create_root_key({"AKIDGIVEN", std::nullopt}, dir.path()));
}

TEST(AccessKeysTest, LoosenedCredentialsFileIsTightenedAgain) {
  testing::TempDir dir;
  ASSERT_TRUE(load_or_create_root_key({}, dir.path()));
  ASSERT_EQ(::chmod((dir.path() / "credentials").c_str(), 0644), 0);
  ASSERT_TRUE(load_or_create_root_key({}, dir.path()));
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() / "credentials").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
}

TEST(AccessKeysTest, GeneratedCredentialsDiffer) {
  const auto a = generate_credentials();
  const auto b = generate_credentials();
  EXPECT_NE(a.access_key_id, b.access_key_id);
  EXPECT_FALSE(a.secret_access_key == b.secret_access_key);
  EXPECT_TRUE(a.access_key_id.starts_with("UG"));
}

}  // namespace
}  // namespace upgate::store
