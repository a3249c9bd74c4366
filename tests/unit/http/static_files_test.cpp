// Static files: in-memory assets with ETag/304, and directory files that can never be
// reached outside their root.
#include <gtest/gtest.h>

#include "support/cases.hpp"

#include "support/raw_http_client.hpp"
#include "support/running_server.hpp"
#include "support/temp_dir.hpp"

#include <upgate/http/static_files.hpp>

#include <filesystem>

namespace upgate::http {
namespace {

using upgate::testing::results_of;

using test::RawClient;
namespace fs = std::filesystem;

std::optional<test::ClientResponse> fetch(std::uint16_t port, const std::string& request,
                                          bool expect_body = true) {
  return RawClient(port).exchange(request, expect_body);
}

InMemoryFiles demo_assets() {
  std::map<std::string, StaticAsset> files;
  files["/index.html"] = {"<!doctype html><p>demo</p>", "text/html; charset=utf-8"};
  files["/app.js"] = {"export const x = 1;\n", "text/javascript; charset=utf-8"};
  return InMemoryFiles(std::move(files));
}

TEST(InMemoryFilesTest, ServesBytesWithTypeAndETag) {
  auto assets = demo_assets();
  test::RunningServer server(test::test_config(), assets.handler());
  auto r = fetch(server.port(), test::get_request("/app.js"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "export const x = 1;\n");
  EXPECT_EQ(r->get("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(r->get("etag"), assets.etag_of("/app.js"));
  EXPECT_EQ(r->get("x-content-type-options"), "nosniff");
  auto index = fetch(server.port(), test::get_request("/"));
  ASSERT_TRUE(index);
  EXPECT_EQ(index->body, "<!doctype html><p>demo</p>");
}

TEST(InMemoryFilesTest, MatchingIfNoneMatchGets304WithoutBody) {
  auto assets = demo_assets();
  test::RunningServer server(test::test_config(), assets.handler());
  const std::string etag = assets.etag_of("/app.js");
  ASSERT_FALSE(etag.empty());
  auto r = fetch(server.port(),
                 test::get_request("/app.js", "If-None-Match: \"other\", " + etag + "\r\n"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 304);
  EXPECT_EQ(r->get("etag"), etag);
  auto stale = fetch(server.port(), test::get_request("/app.js", "If-None-Match: \"stale\"\r\n"));
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 200);
}

TEST(InMemoryFilesTest, DifferentContentGetsADifferentETag) {
  std::map<std::string, StaticAsset> files;
  files["/a"] = {"one", "text/plain"};
  files["/b"] = {"two", "text/plain"};
  InMemoryFiles assets(std::move(files));
  EXPECT_NE(assets.etag_of("/a"), assets.etag_of("/b"));
  EXPECT_EQ(assets.etag_of("/missing"), "");
}

TEST(InMemoryFilesTest, UnknownIs404AndOtherMethods405) {
  auto assets = demo_assets();
  test::RunningServer server(test::test_config(), assets.handler());
  auto missing = fetch(server.port(), test::get_request("/nope.js"));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  auto post = fetch(server.port(), "POST /app.js HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get("allow"), "GET, HEAD");
}

TEST(InMemoryFilesTest, MountPrefixIsStripped) {
  std::map<std::string, StaticAsset> files;
  files["/app.js"] = {"js", "text/javascript"};
  InMemoryFiles assets(std::move(files),
                       StaticFilesOptions{"/static", "max-age=60", {{"X-Frame-Options", "DENY"}}});
  test::RunningServer server(test::test_config(), assets.handler());
  auto r = fetch(server.port(), test::get_request("/static/app.js"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "js");
  EXPECT_EQ(r->get("cache-control"), "max-age=60");
  EXPECT_EQ(r->get("x-frame-options"), "DENY");  // the options' headers, on every file
  auto outside = fetch(server.port(), test::get_request("/staticapp.js"));
  ASSERT_TRUE(outside);
  EXPECT_EQ(outside->status, 404);
}

TEST(SafeRelativePathTest, AcceptsOrdinaryPaths) {
  results_of(safe_relative_path)
      .expect({
          {"/", "index.html"},
          {"/a/b.js", "a/b.js"},
          {"/docs/", "docs/index.html"},
          {"/a%20b.txt", "a b.txt"},
      });
}

TEST(SafeRelativePathTest, RefusesEverythingThatCouldLeaveTheRoot) {
  for (const char* bad : {"", "a", "/..", "/../etc/passwd", "/a/../../b", "/%2e%2e/x",
                          "/%2E%2E%2Fetc", "/a/./b", "/.git/config", "/a//b", "/a\\..\\b",
                          "/a%5c..%5cb", "/a%00b", "/bad%zz", "/trunc%2", "/trunc%"}) {
    EXPECT_FALSE(safe_relative_path(bad)) << bad;
  }
}

TEST(ContentTypeTest, KnownAndUnknownExtensions) {
  results_of(content_type_for)
      .expect({
          {"index.HTML", "text/html; charset=utf-8"},
          {"a.mjs", "text/javascript; charset=utf-8"},
          {"blob", "application/octet-stream"},
          {"x.exe", "application/octet-stream"},
      });
}

TEST(IfNoneMatchTest, ListsStarAndWeakComparison) {
  results_of(if_none_match_matches)
      .true_for({
          {"\"a\"", "\"a\""},
          {"\"x\" , W/\"a\"", "\"a\""},
          {"*", "\"a\""},
      })
      .false_for({
          {"\"ab\"", "\"a\""},
          {"", "\"a\""},
      });
}

class DirectoryFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("root/index.html", "<p>home</p>");
    dir_.write("root/sub/data.json", "{\"a\":1}");
    dir_.write("root/.secret", "hidden");
    dir_.write("outside.txt", "outside the root");
    fs::create_symlink(base_ / "outside.txt", root_ / "link.txt");
    fs::create_directory_symlink(base_, root_ / "up");
  }
  upgate::testing::TempDir dir_;
  const fs::path& base_ = dir_.path();
  const fs::path root_ = base_ / "root";
};

TEST_F(DirectoryFilesTest, ServesFilesWithTypeAndRevalidation) {
  DirectoryFiles files(root_);
  ASSERT_TRUE(files.ok());
  test::RunningServer server(test::test_config(), files.handler());
  auto r = fetch(server.port(), test::get_request("/sub/data.json"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{\"a\":1}");
  EXPECT_EQ(r->get("content-type"), "application/json");
  auto again = fetch(server.port(), test::get_request("/sub/data.json",
                                                      "If-None-Match: " + r->get("etag") + "\r\n"));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  auto index = fetch(server.port(), test::get_request("/"));
  ASSERT_TRUE(index);
  EXPECT_EQ(index->body, "<p>home</p>");
  auto head = fetch(server.port(), "HEAD /index.html HTTP/1.1\r\nHost: t\r\n\r\n", false);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->get("content-length"), "11");
}

TEST_F(DirectoryFilesTest, StreamsLargeFiles) {
  std::string big(5 * 1024 * 1024 + 3, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 % 251);
  dir_.write("root/big.bin", big);
  DirectoryFiles files(root_);
  test::RunningServer server(test::test_config(), files.handler());
  auto r = fetch(server.port(), test::get_request("/big.bin"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get("content-type"), "application/octet-stream");
  EXPECT_TRUE(r->body == big);
}

TEST_F(DirectoryFilesTest, NothingOutsideTheRootIsReachable) {
  DirectoryFiles files(root_);
  test::RunningServer server(test::test_config(), files.handler());
  for (const char* target : {"/../outside.txt", "/%2e%2e/outside.txt", "/sub/..%2f..%2foutside.txt",
                             "/link.txt", "/up/outside.txt", "/.secret", "/sub", "/missing"}) {
    auto r = fetch(server.port(), test::get_request(target));
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 404) << target;
    EXPECT_EQ(r->body.find("outside the root"), std::string::npos) << target;
  }
}

TEST_F(DirectoryFilesTest, MissingRootServes404) {
  DirectoryFiles files(base_ / "does-not-exist");
  EXPECT_FALSE(files.ok());
  test::RunningServer server(test::test_config(), files.handler());
  auto r = fetch(server.port(), test::get_request("/index.html"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

}  // namespace
}  // namespace upgate::http
