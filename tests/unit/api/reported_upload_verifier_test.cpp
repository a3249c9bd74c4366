#include "upgate/api/reported_upload_verifier.hpp"

#include <gtest/gtest.h>

#include "upgate/api/api_config.hpp"
#include "upgate/config/environment.hpp"

namespace upgate::api {
namespace {

constexpr std::string_view kProfiles = R"(
[profiles.docs]
folder = "docs"

[profiles.photos]
folder = "photos"
on_mismatch = "delete"

[profiles.raw]
folder = "raw"
verify_content = "off"
quarantine = "held/raw"
)";

// A key the default template ({folder}/{yyyy}/{mm}/{dd}/{id}-{name}) renders.
std::string minted(std::string_view folder) {
  return std::string(folder) + "/2026/12/07/0123456789abcdef0123456789abcdef-cat.png";
}

class ScreenReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ApiFlags flags;
    flags.endpoint = "http://127.0.0.1:9";
    auto parsed = parse_api_config(config::Environment::from({{"AWS_ACCESS_KEY_ID", "AKIDSCREEN"},
                                                              {"AWS_SECRET_ACCESS_KEY", "s"},
                                                              {"AWS_S3_BUCKET_NAME", "uploads"}}),
                                   flags, kProfiles);
    ASSERT_TRUE(parsed) << parsed.error().describe();
    auto created = ApiRuntime::create(std::move(*parsed));
    ASSERT_TRUE(created) << created.error().describe();
    runtime = std::move(*created);
  }

  ReportScreen screen(std::string key, events::EventType type = events::EventType::kUploadCompleted,
                      std::string bucket = "uploads") const {
    events::Event event;
    event.type = type;
    event.bucket = std::move(bucket);
    event.key = std::move(key);
    event.etag = "d41d8cd98f00b204e9800998ecf8427e";
    event.source = events::EventSource::kStorage;
    return screen_report(*runtime, event);
  }

  std::shared_ptr<const ApiRuntime> runtime;
};

TEST_F(ScreenReportTest, AnUploadUnderAProfileThatReadsContentIsVerified) {
  EXPECT_EQ(screen(minted("docs")), ReportScreen::verify);
  EXPECT_EQ(screen(minted("photos")), ReportScreen::verify);
}

TEST_F(ScreenReportTest, VerifyContentOffIsPublishedAsReported) {
  EXPECT_EQ(screen(minted("raw")), ReportScreen::publish);
}

TEST_F(ScreenReportTest, UpgatesOwnQuarantineCopiesAreNoUploads) {
  EXPECT_EQ(screen("quarantine/" + minted("docs")), ReportScreen::ignore);
  EXPECT_EQ(screen("held/raw/" + minted("raw")), ReportScreen::ignore);
  // A profile that deletes refused objects keeps no quarantine of its own; the prefix is
  // only a prefix when a '/' follows it.
  EXPECT_EQ(screen("quarantined/x"), ReportScreen::publish);
}

TEST_F(ScreenReportTest, KeysNoProfileMintedOtherBucketsAndDeletionsArePublished) {
  EXPECT_EQ(screen("docs/backup.sql"), ReportScreen::publish);
  EXPECT_EQ(screen("../" + minted("docs")), ReportScreen::publish);
  EXPECT_EQ(screen(minted("docs"), events::EventType::kUploadCompleted, "other"),
            ReportScreen::publish);
  EXPECT_EQ(screen(minted("docs"), events::EventType::kObjectDeleted), ReportScreen::publish);
}

}  // namespace
}  // namespace upgate::api
