#include "upgate/api/upload_plan.hpp"

#include <gtest/gtest.h>

namespace upgate::api {
namespace {

using namespace std::chrono;

const sys_seconds kPlanNow = sys_days{year{2025} / 12 / 31} + hours(23);
constexpr std::array<std::uint8_t, 16> kPlanId = {0xde, 0xad, 0xbe, 0xef, 0, 1, 2,  3,
                                                  4,    5,    6,    7,    8, 9, 10, 11};

UploadRequest request(std::string folder, std::string name, std::string type, std::uint64_t size) {
  UploadRequest r;
  r.profile = std::move(folder);
  r.file_name = std::move(name);
  r.content_type = std::move(type);
  r.size = size;
  return r;
}

// plan_upload for an anonymous caller, the profile resolved as the pipeline resolves it.
Expected<UploadPlan, ApiError> plan_for(const UploadRequest& request, UploadRoute route,
                                        const ProfileSet& profiles, sys_seconds now,
                                        const std::array<std::uint8_t, 16>& id,
                                        const Caller& caller = {}) {
  auto resolved =
      profiles.resolve(request.profile, route == UploadRoute::seed ? "folderName" : "profile");
  if (!resolved) return Unexpected(std::move(resolved).error());
  return plan_upload(request, route, *resolved, caller, now, id);
}

ProfileSet defaults() {
  return *ProfileSet::create({default_profile()});
}

ProfileSet avatars() {
  UploadProfile p;
  p.name = "avatars";
  p.folder = "users/avatars";
  p.max_size = 1024 * 1024;
  p.allowed_types = {*MediaTypePattern::parse("image/*")};
  p.allowed_extensions = {"png", "jpg"};
  p.url_lifetime = seconds(60);
  return *ProfileSet::create({p});
}

TEST(PlanUpload, SeedRouteSignsTypeAndLengthOnly) {
  const auto profiles = defaults();
  const auto plan = plan_for(request("services", "My Cat.png", "image/png", 1234),
                             UploadRoute::seed, profiles, kPlanNow, kPlanId);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->key, "services/2025/12/31/deadbeef000102030405060708090a0b-My_Cat.png");
  ASSERT_EQ(plan->headers.size(), 2u);
  EXPECT_EQ(plan->headers[0], (sigv4::Header{"Content-Type", "image/png"}));
  EXPECT_EQ(plan->headers[1], (sigv4::Header{"Content-Length", "1234"}));
  EXPECT_EQ(plan->lifetime, seconds(300));
}

TEST(PlanUpload, V1SignsOverwriteProtectionChecksumAndMetadata) {
  const auto profiles = defaults();
  auto r = request("docs", "a.txt", "text/plain", 5);
  r.sha256_base64 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  r.metadata = {{"user-id", "42"}};
  const auto plan = plan_for(r, UploadRoute::v1, profiles, kPlanNow, kPlanId);
  ASSERT_TRUE(plan) << plan.error().message;
  const std::vector<sigv4::Header> expected = {
      {"Content-Type", "text/plain"},
      {"Content-Length", "5"},
      {"If-None-Match", "*"},
      {"x-amz-checksum-sha256", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
      {"x-amz-meta-user-id", "42"}};
  EXPECT_EQ(plan->headers, expected);
}

TEST(PlanUpload, OverwriteProtectionCanBeTurnedOff) {
  UploadProfile p = default_profile();
  p.overwrite_protection = false;
  const auto profiles = *ProfileSet::create({p});
  const auto plan = plan_for(request("d", "a.txt", "text/plain", 5), UploadRoute::v1, profiles,
                             kPlanNow, kPlanId);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->headers.size(), 2u);
}

TEST(PlanUpload, SizeLimitIsNamedInTheSeedsWording) {
  const auto profiles = defaults();
  const auto plan = plan_for(request("f", "a.png", "image/png", 5 * 1024 * 1024 + 1),
                             UploadRoute::seed, profiles, kPlanNow, kPlanId);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, ErrorCode::file_too_large);
  EXPECT_EQ(plan.error().message, "File size exceeds 5 MB limit");
  EXPECT_EQ(plan.error().field, "fileSize");
  EXPECT_TRUE(plan_for(request("f", "a.png", "image/png", 5 * 1024 * 1024), UploadRoute::seed,
                       profiles, kPlanNow, kPlanId));
}

TEST(PlanUpload, ProfileRules) {
  const auto profiles = avatars();
  EXPECT_TRUE(plan_for(request("avatars", "me.PNG", "image/png", 10), UploadRoute::v1, profiles,
                       kPlanNow, kPlanId));
  EXPECT_EQ(plan_for(request("avatars", "me.png", "application/pdf", 10), UploadRoute::v1, profiles,
                     kPlanNow, kPlanId)
                .error()
                .code,
            ErrorCode::content_type_not_allowed);
  EXPECT_EQ(plan_for(request("avatars", "me.gif", "image/gif", 10), UploadRoute::v1, profiles,
                     kPlanNow, kPlanId)
                .error()
                .code,
            ErrorCode::extension_not_allowed);
  EXPECT_EQ(plan_for(request("avatars", "noext", "image/png", 10), UploadRoute::v1, profiles,
                     kPlanNow, kPlanId)
                .error()
                .code,
            ErrorCode::extension_not_allowed);
  EXPECT_EQ(plan_for(request("avatars", "me.png", "image/png", 2 * 1024 * 1024), UploadRoute::v1,
                     profiles, kPlanNow, kPlanId)
                .error()
                .message,
            "File size exceeds 1 MB limit");
  EXPECT_EQ(plan_for(request("other", "me.png", "image/png", 10), UploadRoute::v1, profiles,
                     kPlanNow, kPlanId)
                .error()
                .code,
            ErrorCode::unknown_profile);
  const auto plan = plan_for(request("avatars", "me.png", "image/png", 10), UploadRoute::v1,
                             profiles, kPlanNow, kPlanId);
  EXPECT_EQ(plan->lifetime, seconds(60));
  EXPECT_EQ(plan->key.rfind("users/avatars/", 0), 0u);
}

TEST(PlanUpload, BadTypesNamesAndChecksums) {
  const auto profiles = defaults();
  for (const char* type : {"png", "image/", "image/png\r\nx: y", "*/*"}) {
    const auto plan =
        plan_for(request("f", "a.png", type, 1), UploadRoute::seed, profiles, kPlanNow, kPlanId);
    ASSERT_FALSE(plan) << type;
    EXPECT_EQ(plan.error().code, ErrorCode::invalid_content_type) << type;
    EXPECT_EQ(plan.error().field, "fileType");
  }
  const auto dots =
      plan_for(request("f", "....", "a/b", 1), UploadRoute::seed, profiles, kPlanNow, kPlanId);
  ASSERT_FALSE(dots);
  EXPECT_EQ(dots.error().code, ErrorCode::invalid_file_name);
  for (const char* sha : {"notbase64!", "AAAA", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"}) {
    auto r = request("f", "a.png", "image/png", 1);
    r.sha256_base64 = sha;
    const auto plan = plan_for(r, UploadRoute::v1, profiles, kPlanNow, kPlanId);
    ASSERT_FALSE(plan) << sha;
    EXPECT_EQ(plan.error().code, ErrorCode::invalid_checksum);
  }
}

TEST(PlanUpload, HostileNamesAndFoldersNeverEscapeTheFolder) {
  const auto profiles = defaults();
  const std::string names[] = {"../../x.png",
                               "..\\..\\x.png",
                               "/etc/passwd",
                               "a/../../b",
                               std::string("nul\0.png", 8),
                               "ctl\x01\x02.png",
                               "bad\xFF.png",
                               std::string(10000, 'n') + ".png",
                               "..png",
                               ". .",
                               "x/./y"};
  for (const std::string& name : names) {
    const auto plan = plan_for(request("uploads", name, "image/png", 1), UploadRoute::seed,
                               profiles, kPlanNow, random_id());
    if (!plan) {
      EXPECT_EQ(plan.error().code, ErrorCode::invalid_file_name) << name;
      continue;
    }
    EXPECT_EQ(plan->key.rfind("uploads/2025/12/31/", 0), 0u) << plan->key;
    EXPECT_TRUE(well_formed_key(plan->key)) << plan->key;
    EXPECT_EQ(std::count(plan->key.begin(), plan->key.end(), '/'), 4) << plan->key;
  }
  for (const char* folder : {"..", "../x", "/abs", "a/../b", "a//b"}) {
    const auto plan = plan_for(request(folder, "a.png", "image/png", 1), UploadRoute::seed,
                               profiles, kPlanNow, kPlanId);
    ASSERT_FALSE(plan) << folder;
    EXPECT_EQ(plan.error().code, ErrorCode::invalid_folder);
    EXPECT_EQ(plan.error().field, "folderName");
  }
}

// A caller's narrower limits (the hook's max_size and allowed_types) apply on top of the
// profile's, and never widen them.
TEST(PlanUpload, TheCallersLimitsOnlyNarrowTheProfiles) {
  const auto profiles = avatars();  // 1 MiB, image/*
  Caller caller;
  caller.limits.max_size = 1000;
  caller.limits.allowed_types = std::vector{*MediaTypePattern::parse("image/png")};
  auto refused = plan_for(request("avatars", "me.png", "image/png", 1001), UploadRoute::v1,
                          profiles, kPlanNow, kPlanId, caller);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::file_too_large);
  EXPECT_NE(refused.error().message.find("1000"), std::string::npos) << refused.error().message;
  EXPECT_TRUE(plan_for(request("avatars", "me.png", "image/png", 1000), UploadRoute::v1, profiles,
                       kPlanNow, kPlanId, caller));
  refused = plan_for(request("avatars", "me.jpg", "image/jpeg", 10), UploadRoute::v1, profiles,
                     kPlanNow, kPlanId, caller);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::content_type_not_allowed);

  // A wider answer changes nothing: the profile's 1 MiB and image/* still hold.
  caller.limits.max_size = 10ULL * 1024 * 1024 * 1024;
  caller.limits.allowed_types = std::vector{*MediaTypePattern::parse("*/*")};
  refused = plan_for(request("avatars", "me.png", "image/png", 2 * 1024 * 1024), UploadRoute::v1,
                     profiles, kPlanNow, kPlanId, caller);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::file_too_large);
  refused = plan_for(request("avatars", "me.png", "application/pdf", 10), UploadRoute::v1, profiles,
                     kPlanNow, kPlanId, caller);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::content_type_not_allowed);
}

// Active content (active_content.hpp): `image/*` admits no SVG; a profile naming SVG
// exactly admits it only under an active extension, so its download is never inline.
TEST(PlanUpload, ActiveContentOnlyWhenNamedExactlyAndUnderItsOwnExtension) {
  EXPECT_EQ(plan_for(request("avatars", "me.svg", "image/svg+xml", 10), UploadRoute::v1, avatars(),
                     kPlanNow, kPlanId)
                .error()
                .code,
            ErrorCode::content_type_not_allowed);
  EXPECT_EQ(plan_for(request("services", "a.html", "text/html", 10), UploadRoute::seed, defaults(),
                     kPlanNow, kPlanId)
                .error()
                .code,
            ErrorCode::content_type_not_allowed);
  UploadProfile drawings = default_profile();
  drawings.allowed_types = {*MediaTypePattern::parse("image/svg+xml"),
                            *MediaTypePattern::parse("image/*")};
  const auto profiles = *ProfileSet::create({drawings});
  EXPECT_TRUE(plan_for(request("d", "logo.svg", "image/svg+xml", 10), UploadRoute::v1, profiles,
                       kPlanNow, kPlanId));
  for (const char* name : {"logo.png", "logo", "logo.svg.png"}) {
    const auto refused = plan_for(request("d", name, "image/svg+xml", 10), UploadRoute::v1,
                                  profiles, kPlanNow, kPlanId);
    ASSERT_FALSE(refused) << name;
    EXPECT_EQ(refused.error().code, ErrorCode::content_type_not_allowed) << name;
  }
  EXPECT_TRUE(plan_for(request("d", "logo.png", "image/png", 10), UploadRoute::v1, profiles,
                       kPlanNow, kPlanId));
}

}  // namespace
}  // namespace upgate::api
