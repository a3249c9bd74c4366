#include "upgate/api/upload_profile.hpp"

#include <gtest/gtest.h>

namespace upgate::api {
namespace {

using namespace std::chrono;

const sys_seconds kTime = sys_days{year{2024} / 3 / 7} + hours(9);
constexpr std::array<std::uint8_t, 16> kProfileId = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

auth::Principal principal(std::string id) {
  return auth::Principal{std::move(id), {}, auth::AuthMode::kJwt};
}

UploadProfile owned(DownloadsMode mode) {
  UploadProfile p;
  p.name = "photos";
  p.folder = "photos";
  p.key_template = *KeyTemplate::compile("{folder}/{principal}/{yyyy}/{mm}/{id}-{name}");
  p.downloads = mode;
  return p;
}

class DownloadModes : public ::testing::Test {
 protected:
  auth::Principal alice = principal("alice");
  auth::Principal bob = principal("bob");
  std::string alices_key =
      *owned(DownloadsMode::owner)
           .key_template.render({"photos", "a.png", "png", kTime, kProfileId, &alice});
  std::string forged = "photos/alice/2024/03/not-an-id-a.png";
};

TEST_F(DownloadModes, OwnerOnlyForTheOwnersOwnKeys) {
  const UploadProfile p = owned(DownloadsMode::owner);
  EXPECT_TRUE(p.serves_download(alices_key, &alice));
  EXPECT_FALSE(p.serves_download(alices_key, &bob));
  EXPECT_FALSE(p.serves_download(alices_key, nullptr));
  EXPECT_FALSE(p.serves_download(forged, &alice));
  EXPECT_FALSE(p.serves_download("photos/db.sql", &alice));
}

TEST_F(DownloadModes, AuthenticatedForAnyPrincipalButOnlyMintedKeys) {
  const UploadProfile p = owned(DownloadsMode::authenticated);
  EXPECT_TRUE(p.serves_download(alices_key, &alice));
  EXPECT_TRUE(p.serves_download(alices_key, &bob));
  EXPECT_FALSE(p.serves_download(alices_key, nullptr));
  const auto nobody = principal("");
  EXPECT_FALSE(p.serves_download(alices_key, &nobody));
  EXPECT_FALSE(p.serves_download(forged, &bob));
}

TEST_F(DownloadModes, PublicForAnyoneButOnlyMintedKeys) {
  const UploadProfile p = owned(DownloadsMode::public_);
  EXPECT_TRUE(p.serves_download(alices_key, nullptr));
  EXPECT_TRUE(p.serves_download(alices_key, &bob));
  EXPECT_FALSE(p.serves_download(forged, nullptr));
  EXPECT_FALSE(p.serves_download("photos/db.sql", nullptr));
}

TEST_F(DownloadModes, OffForNobody) {
  const UploadProfile p = owned(DownloadsMode::off);
  EXPECT_FALSE(p.serves_download(alices_key, &alice));
  EXPECT_FALSE(p.serves_download(alices_key, nullptr));
}

TEST_F(DownloadModes, AnOtherFolderIsNotThisProfiles) {
  const UploadProfile p = owned(DownloadsMode::public_);
  std::string elsewhere = alices_key;
  elsewhere.replace(0, 6, "photoz");
  EXPECT_FALSE(p.serves_download(elsewhere, &alice));
}

TEST_F(DownloadModes, SharedProfilesServeEveryCallerIncludingTheAnonymousOne) {
  UploadProfile p = default_profile();  // no principal field, any folder
  const std::string key = "demo/2024/03/07/00112233445566778899aabbccddeeff-a.png";
  EXPECT_TRUE(p.serves_download(key, nullptr));
  EXPECT_TRUE(p.serves_download(key, &bob));
  EXPECT_FALSE(p.serves_download("backups/db.sql", nullptr));
}

TEST(DownloadsModeNames, RoundTrip) {
  for (const DownloadsMode mode : {DownloadsMode::off, DownloadsMode::owner,
                                   DownloadsMode::authenticated, DownloadsMode::public_}) {
    EXPECT_EQ(parse_downloads_mode(to_string(mode)), mode);
  }
  EXPECT_EQ(to_string(DownloadsMode::public_), "public");
  EXPECT_FALSE(parse_downloads_mode("Owner"));
  EXPECT_FALSE(parse_downloads_mode("true"));
}

TEST(CheckOwnership, PrincipalFieldsNeedPrincipals) {
  const UploadProfile p = owned(DownloadsMode::owner);
  EXPECT_TRUE(check_ownership(p, true));
  const auto refused = check_ownership(p, false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "profiles.photos.key_template");
  EXPECT_NE(refused.error().message.find("[auth]"), std::string::npos);
}

TEST(CheckOwnership, ASharedProfileUnderAuthenticationIsExplicit) {
  UploadProfile p = default_profile();
  EXPECT_TRUE(check_ownership(p, false));  // the open loopback API: shared by nature
  const auto refused = check_ownership(p, true);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "profiles.default.key_template");
  EXPECT_NE(refused.error().message.find("shared = true"), std::string::npos);
  p.shared = true;
  EXPECT_TRUE(check_ownership(p, true));
  EXPECT_TRUE(check_ownership(p, false));
}

TEST(CheckOwnership, SharedContradictsPrincipalFields) {
  UploadProfile p = owned(DownloadsMode::owner);
  p.shared = true;
  const auto refused = check_ownership(p, true);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "profiles.photos.shared");
}

TEST(CheckOwnership, AuthenticatedDownloadsNeedPrincipals) {
  UploadProfile p = default_profile();
  p.downloads = DownloadsMode::authenticated;
  const auto refused = check_ownership(p, false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "profiles.default.downloads");
}

}  // namespace
}  // namespace upgate::api
