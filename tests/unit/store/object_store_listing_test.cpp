// ListObjects v1/v2 and ListMultipartUploads held against a brute-force model
// of S3's rules on random key sets, plus the s3-tests suite's fixed cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "object_store_fixture.hpp"
#include "store/object_store.hpp"

namespace upgate::store {
namespace {
using namespace testing;  // test_support.hpp
using Txn = MetadataDb::Txn;

struct Entry {
  std::string name;
  bool is_prefix;
  friend bool operator==(const Entry&, const Entry&) = default;
};

// S3's listing, by definition: roll every matching key up, de-duplicate, keep
// the entries after the marker, cut at max_keys.
struct ModelPage {
  std::vector<Entry> entries;
  bool truncated;
};
ModelPage model_list(const std::set<std::string>& keys, const std::string& prefix,
                     const std::string& delimiter, int max_keys, const std::string& marker) {
  std::vector<Entry> all;
  for (const auto& key : keys) {
    if (!key.starts_with(prefix)) continue;
    Entry e{key, false};
    if (!delimiter.empty()) {
      auto at = key.find(delimiter, prefix.size());
      if (at != std::string::npos) e = {key.substr(0, at + delimiter.size()), true};
    }
    if (all.empty() || all.back().name != e.name) all.push_back(e);
  }
  std::vector<Entry> after;
  for (auto& e : all) {
    if (e.name > marker) after.push_back(e);
  }
  max_keys = std::min(max_keys, 1000);
  ModelPage page{{}, static_cast<int>(after.size()) > max_keys};
  for (int i = 0; i < std::min<int>(max_keys, static_cast<int>(after.size())); ++i) {
    page.entries.push_back(after[i]);
  }
  return page;
}

std::vector<Entry> entries_of(const ListObjectsResult& r) {
  std::vector<Entry> out;
  for (const auto& c : r.contents) out.push_back({c.key, false});
  for (const auto& p : r.common_prefixes) out.push_back({p, true});
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return out;
}

std::string describe(const std::vector<Entry>& entries) {
  std::string out;
  for (const auto& e : entries) out += (e.is_prefix ? "[" + e.name + "] " : e.name + " ");
  return out;
}

class ListingTest : public ObjectStoreFixture {
 protected:
  ListingTest() { options.sync_commits = false; }  // thousands of rows, no power cut
  // Listing reads only metadata, so rows are written straight into the real
  // database (without blob files) to keep thousands of keys cheap.
  void add_keys(const std::set<std::string>& keys) {
    ASSERT_TRUE(store->metadata().write([&](Txn& txn) -> Expected<void, StoreError> {
      for (const auto& key : keys) {
        ObjectRecord r;
        r.bucket = "bucket";
        r.key = key;
        r.size = key.size();
        r.etag = "d41d8cd98f00b204e9800998ecf8427e";
        r.acl = "private";
        r.last_modified = now_ms();
        r.segments.push_back({BlobId::random(), r.size});
        txn.insert_object(r);
      }
      return {};
    }));
  }
  ListObjectsResult list(ListObjectsRequest request) {
    request.bucket = "bucket";
    auto result = store->list_objects(request);
    EXPECT_TRUE(result) << result.error().message;
    return result ? *result : ListObjectsResult{};
  }
};

// tests s3tests.functional.test_s3:test_bucket_list_delimiter_prefix, verbatim.
TEST_F(ListingTest, S3TestsDelimiterPrefixPagination) {
  add_keys({"asdf", "boo/bar", "boo/baz/xyzzy", "cquux/thud", "cquux/bla"});
  auto check = [&](std::string prefix, std::string marker, int max_keys, bool truncated,
                   std::vector<std::string> keys, std::vector<std::string> prefixes,
                   std::string next_marker) {
    auto r =
        list({.prefix = prefix, .delimiter = "/", .max_keys = max_keys, .start_after = marker});
    std::vector<std::string> got_keys;
    for (auto& c : r.contents) got_keys.push_back(c.key);
    EXPECT_EQ(r.is_truncated, truncated) << prefix << "|" << marker << "|" << max_keys;
    EXPECT_EQ(got_keys, keys) << prefix << "|" << marker << "|" << max_keys;
    EXPECT_EQ(r.common_prefixes, prefixes) << prefix << "|" << marker << "|" << max_keys;
    if (truncated) {
      EXPECT_EQ(r.next_marker, next_marker);
    }
    return r.next_marker;
  };
  auto m = check("", "", 1, true, {"asdf"}, {}, "asdf");
  m = check("", m, 1, true, {}, {"boo/"}, "boo/");
  check("", m, 1, false, {}, {"cquux/"}, "");
  m = check("", "", 2, true, {"asdf"}, {"boo/"}, "boo/");
  check("", m, 2, false, {}, {"cquux/"}, "");
  m = check("boo/", "", 1, true, {"boo/bar"}, {}, "boo/bar");
  check("boo/", m, 1, false, {}, {"boo/baz/"}, "");
  check("boo/", "", 2, false, {"boo/bar"}, {"boo/baz/"}, "");
}

TEST_F(ListingTest, MaxKeysZeroIsEmptyAndNotTruncatedAndNegativeIsRefused) {
  add_keys({"a", "b"});
  auto r = list({.max_keys = 0});
  EXPECT_EQ(r.key_count(), 0);
  EXPECT_FALSE(r.is_truncated);
  EXPECT_EQ(store->list_objects({.bucket = "bucket", .max_keys = -1}).error().code,
            StoreErrc::kInvalidArgument);
  EXPECT_EQ(store->list_objects({.bucket = "nobucket"}).error().code, StoreErrc::kNoSuchBucket);
}

TEST_F(ListingTest, MaxKeysAbove1000ReturnsPagesOf1000) {
  std::set<std::string> keys;
  for (int i = 0; i < 2500; ++i) keys.insert("k" + std::to_string(100000 + i));
  add_keys(keys);
  auto r = list({.max_keys = 5000});
  EXPECT_EQ(r.contents.size(), 1000u);
  EXPECT_TRUE(r.is_truncated);
  std::size_t total = r.contents.size();
  while (r.is_truncated) {
    r = list({.max_keys = 100000, .continuation_token = r.next_continuation_token});
    total += r.contents.size();
  }
  EXPECT_EQ(total, 2500u);
}

TEST_F(ListingTest, ManyKeysUnderOnePrefixCountOnce) {
  std::set<std::string> keys = {"a", "z"};
  for (int i = 0; i < 3000; ++i) keys.insert("big/" + std::to_string(i));
  add_keys(keys);
  auto r = list({.delimiter = "/", .max_keys = 3});
  EXPECT_EQ(describe(entries_of(r)), "a [big/] z ");
  EXPECT_FALSE(r.is_truncated);
}

TEST_F(ListingTest, BadContinuationTokensAreRefused) {
  add_keys({"a"});
  for (std::string token :
       std::vector<std::string>{"", "!!!", "AA", "not base64 at all", std::string(5000, 'A')}) {
    auto r = store->list_objects({.bucket = "bucket", .continuation_token = token});
    ASSERT_FALSE(r) << token;
    EXPECT_EQ(r.error().code, StoreErrc::kInvalidArgument);
  }
}

TEST_F(ListingTest, TokensAreOpaqueAndResumeAfterTheLastEntry) {
  add_keys({"a", "b", "c"});
  auto first = list({.max_keys = 1});
  EXPECT_EQ(first.next_marker, "a");
  EXPECT_NE(first.next_continuation_token, "a");
  auto second = list(
      {.max_keys = 1, .start_after = "zzz", .continuation_token = first.next_continuation_token});
  ASSERT_EQ(second.contents.size(), 1u);
  EXPECT_EQ(second.contents[0].key, "b");  // the token wins over start-after
}

// The heart of it: every combination on random key sets, page by page, must
// equal the model, and paging through must visit every entry exactly once.
TEST_F(ListingTest, MatchesTheModelOnRandomKeySets) {
  std::mt19937 rng(20240611);
  const std::vector<std::string> alphabet = {"a", "b", "/", "-", "\xc3\xa9", "a/", "/b", "~"};
  std::set<std::string> keys;
  while (keys.size() < 400) {
    std::string key;
    int parts = 1 + static_cast<int>(rng() % 6);
    for (int i = 0; i < parts; ++i) key += alphabet[rng() % alphabet.size()];
    keys.insert(key);
  }
  add_keys(keys);
  std::vector<std::string> key_list(keys.begin(), keys.end());
  auto random_key = [&] { return key_list[rng() % key_list.size()]; };

  std::vector<std::string> delimiters = {"", "/", "-", "a/", "\xc3\xa9", "//", "zz"};
  int pages_checked = 0;
  for (int trial = 0; trial < 250; ++trial) {
    std::string prefix;
    switch (rng() % 4) {
      case 0:
        break;
      case 1:
        prefix = random_key().substr(0, 1 + rng() % 3);
        break;
      case 2:
        prefix = alphabet[rng() % alphabet.size()];
        break;
      case 3:
        prefix = random_key();
        break;
    }
    std::string delimiter = delimiters[rng() % delimiters.size()];
    int max_keys = std::vector<int>{1, 2, 3, 5, 17, 1000}[rng() % 6];
    std::string start_after;
    if (rng() % 3 == 0) {
      start_after = random_key();
    } else if (rng() % 2 == 0) {
      start_after = "b";
    }
    bool v1 = rng() % 2 == 0;

    std::string marker = start_after;
    std::vector<Entry> seen;
    ListObjectsRequest request{
        .prefix = prefix, .delimiter = delimiter, .max_keys = max_keys, .start_after = start_after};
    for (int page = 0;; ++page) {
      ASSERT_LT(page, 1000) << "listing does not terminate";
      auto got = list(request);
      auto want = model_list(keys, prefix, delimiter, max_keys, marker);
      std::string context = "prefix '" + prefix + "' delimiter '" + delimiter + "' max " +
                            std::to_string(max_keys) + " marker '" + marker + "'";
      ASSERT_EQ(describe(entries_of(got)), describe(want.entries)) << context;
      ASSERT_EQ(got.is_truncated, want.truncated) << context;
      ++pages_checked;
      seen.insert(seen.end(), want.entries.begin(), want.entries.end());
      if (!got.is_truncated) break;
      ASSERT_EQ(got.next_marker, want.entries.back().name);
      marker = got.next_marker;
      if (v1) {
        request.start_after = got.next_marker;
      } else {
        request.continuation_token = got.next_continuation_token;
      }
    }
    auto everything = model_list(keys, prefix, delimiter, 1 << 30, start_after);
    // model_list caps at 1000; compare what fits.
    ASSERT_EQ(describe(seen), describe(everything.entries));
  }
  EXPECT_GT(pages_checked, 250);
}

// ---- ListMultipartUploads ------------------------------------------------------

TEST_F(ListingTest, UploadsListInKeyThenInitiationOrderWithMarkersAndPrefixes) {
  std::vector<std::pair<std::string, std::string>> created;  // (key, upload id)
  for (std::string key : {"b/2", "a", "b/1", "a", "c", "b/1"}) {
    auto u = store->create_multipart_upload({.bucket = "bucket", .key = key});
    ASSERT_TRUE(u);
    created.emplace_back(key, u->upload_id);
  }
  auto sorted = created;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](auto& x, auto& y) { return x.first < y.first; });  // same key: creation order

  auto all = store->list_multipart_uploads({.bucket = "bucket"});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->uploads.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(all->uploads[i].key, sorted[i].first);
    EXPECT_EQ(all->uploads[i].upload_id, sorted[i].second);
  }
  EXPECT_FALSE(all->is_truncated);

  // Page one at a time with both markers.
  ListUploadsRequest request{.bucket = "bucket", .max_uploads = 1};
  for (std::size_t i = 0; i < 6; ++i) {
    auto page = store->list_multipart_uploads(request);
    ASSERT_TRUE(page);
    ASSERT_EQ(page->uploads.size(), 1u);
    EXPECT_EQ(page->uploads[0].upload_id, sorted[i].second);
    EXPECT_EQ(page->is_truncated, i < 5);
    request.key_marker = page->next_key_marker;
    request.upload_id_marker = page->next_upload_id_marker;
  }
  // key-marker alone skips every upload of that key.
  auto after_a = store->list_multipart_uploads({.bucket = "bucket", .key_marker = "a"});
  ASSERT_EQ(after_a->uploads.size(), 4u);
  EXPECT_EQ(after_a->uploads[0].key, "b/1");

  auto grouped = store->list_multipart_uploads({.bucket = "bucket", .delimiter = "/"});
  ASSERT_TRUE(grouped);
  EXPECT_EQ(grouped->common_prefixes, std::vector<std::string>{"b/"});
  ASSERT_EQ(grouped->uploads.size(), 3u);  // a, a, c
  EXPECT_EQ(grouped->uploads[2].key, "c");

  auto prefixed = store->list_multipart_uploads({.bucket = "bucket", .prefix = "b/"});
  EXPECT_EQ(prefixed->uploads.size(), 3u);
  EXPECT_EQ(store->list_multipart_uploads({.bucket = "bucket", .max_uploads = -5}).error().code,
            StoreErrc::kInvalidArgument);
}

}  // namespace
}  // namespace upgate::store
