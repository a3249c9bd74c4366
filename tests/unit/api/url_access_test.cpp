#include "upgate/api/url_access.hpp"

#include <gtest/gtest.h>

#include "support/upload_profiles.hpp"

#include <algorithm>

#include "upgate/api/upload_plan.hpp"
#include "upgate/s3/cors.hpp"

namespace upgate::api {
namespace {

using Strings = std::vector<std::string>;

using upgate::testing::profile_named;

TEST(UrlAccess, TheSeedLikeDefaultProfileNeedsTheWholeBucket) {
  const auto access = url_access(*ProfileSet::create({default_profile()}));
  EXPECT_EQ(access.upload_prefixes, Strings{""});
  EXPECT_EQ(access.download_prefixes, Strings{""});
  EXPECT_EQ(access.unbounded_profiles, Strings{default_profile().name});
  EXPECT_EQ(access.methods(), (Strings{"PUT", "POST", "GET"}));
}

TEST(UrlAccess, PrefixesFollowEachProfilesFolderAndKeyTemplate) {
  UploadProfile avatars = profile_named("avatars", "users/avatars");
  UploadProfile docs = profile_named("docs", "docs");
  docs.key_template = *KeyTemplate::compile("{folder}/in/{yyyy}/{id}-{name}");
  docs.downloads = DownloadsMode::off;
  UploadProfile nested = profile_named("thumbs", "users/avatars/thumbs");  // covered by avatars
  const auto access = url_access(*ProfileSet::create({avatars, docs, nested}));
  EXPECT_EQ(access.upload_prefixes, (Strings{"docs/in/", "users/avatars/"}));
  EXPECT_EQ(access.download_prefixes, Strings{"users/avatars/"});
  EXPECT_TRUE(access.unbounded_profiles.empty());
}

TEST(UrlAccess, NoDownloadsMeansNoGet) {
  UploadProfile p = profile_named("p", "pics");
  p.downloads = DownloadsMode::off;
  const auto access = url_access(*ProfileSet::create({p}));
  EXPECT_TRUE(access.download_prefixes.empty());
  EXPECT_EQ(access.methods(), (Strings{"PUT", "POST"}));
}

TEST(UrlAccess, IfNoneMatchOnlyWhenAProfileProtectsAgainstOverwrite) {
  UploadProfile p = profile_named("p", "pics");
  p.overwrite_protection = false;
  const auto without = url_access(*ProfileSet::create({p}));
  EXPECT_EQ(without.browser_headers,
            (Strings{"Content-Type", "x-amz-checksum-sha256", "x-amz-meta-*"}));
  UploadProfile q = profile_named("q", "docs");
  const auto with = url_access(*ProfileSet::create({p, q}));
  EXPECT_EQ(with.browser_headers,
            (Strings{"Content-Type", "If-None-Match", "x-amz-checksum-sha256", "x-amz-meta-*"}));
}

// The headers are written down twice: where plan_upload signs them and here. This keeps
// them in step: every header the fullest /v1 upload signs is allowed by a CORS rule made
// of browser_headers (Content-Length aside: browsers set it and never ask for it).
TEST(UrlAccess, BrowserHeadersCoverEveryHeaderPlanUploadSigns) {
  const auto profiles = *ProfileSet::create({profile_named("p", "pics")});
  UploadRequest request;
  request.profile = "p";
  request.file_name = "cat.png";
  request.content_type = "image/png";
  request.size = 10;
  request.sha256_base64 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  request.metadata = {{"owner", "me"}, {"album", "x"}};
  const auto resolved = profiles.resolve("p", "profile");
  ASSERT_TRUE(resolved);
  const auto plan = plan_upload(request, UploadRoute::v1, *resolved, Caller{},
                                std::chrono::sys_seconds(std::chrono::seconds(1700000000)), {});
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_GE(plan->headers.size(), 6u);

  const auto allowed = url_access(profiles).browser_headers;
  for (const auto& header : plan->headers) {
    if (header.name == "Content-Length") continue;
    EXPECT_TRUE(std::any_of(allowed.begin(), allowed.end(), [&](const std::string& pattern) {
      return s3::cors_header_matches(pattern, header.name);
    })) << header.name;
  }
}

TEST(MinimalPrefixes, SortsDropsDuplicatesAndCoveredOnes) {
  EXPECT_EQ(minimal_prefixes({"b", "a/b/", "ab", "a/", "b", "b/c"}), (Strings{"a/", "ab", "b"}));
  EXPECT_EQ(minimal_prefixes({"x/", ""}), Strings{""});
  EXPECT_TRUE(minimal_prefixes({}).empty());
}

}  // namespace
}  // namespace upgate::api
