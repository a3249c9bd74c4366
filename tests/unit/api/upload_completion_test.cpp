#include "upgate/api/upload_completion.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "support/s3_target.hpp"

namespace upgate::api {
namespace {

using namespace std::chrono;
namespace json = boost::json;

const system_clock::time_point kCompletionNow = sys_days{year{2026} / 12 / 7} + hours(9);
constexpr std::string_view kSha = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=";

config::S3Target completion_target() {
  return testing::local_s3_target(std::string(40, 's'));
}

UploadProfile profile_with(events::VerifyContent mode, OnMismatch on_mismatch,
                           std::vector<std::string> allowed = {}) {
  UploadProfile p = default_profile();
  p.name = "photos";
  p.folder = "photos";
  p.verify_content = mode;
  p.on_mismatch = on_mismatch;
  for (const auto& t : allowed) p.allowed_types.push_back(*MediaTypePattern::parse(t));
  return p;
}

UploadClaims claims_for(std::string content_type, std::uint64_t size, std::string checksum = {}) {
  UploadClaims c;
  c.key = "photos/2026/12/07/abc-cat.png";
  c.principal = "user-42";
  c.profile = "photos";
  c.size = size;
  c.content_type = std::move(content_type);
  c.checksum = std::move(checksum);
  c.expires_at = floor<seconds>(kCompletionNow) + hours(24);
  return c;
}

StoredFacts stored(std::string content_type, std::uint64_t size, std::string detected) {
  StoredFacts f;
  f.head.size = size;
  f.head.content_type = std::move(content_type);
  f.head.etag = "D41D8CD98F00B204E9800998ECF8427E";
  f.head.metadata = {{"album", "cats"}};
  f.detected_type = std::move(detected);
  return f;
}

class CompletionServiceTest : public ::testing::Test {
 protected:
  ProfileSet profiles = *ProfileSet::create({default_profile()});
  config::S3Target s3 = completion_target();
  UploadService uploads{profiles, s3};
  CompletionService service{uploads};
};

TEST_F(CompletionServiceTest, AMatchingObjectIsCompletedWithItsFacts) {
  const auto profile = profile_with(events::VerifyContent::kDeclared, OnMismatch::quarantine);
  auto facts = stored("image/png", 48213, "image/png");
  facts.head.checksums = {{"crc32", "AAAAAA=="}, {"sha256", std::string(kSha)}};
  facts.head.version_id = "v1";
  const auto d = service.decide(claims_for("image/png", 48213, std::string(kSha)), profile, facts,
                                kCompletionNow);
  EXPECT_TRUE(d.verdict.accepted);
  EXPECT_TRUE(d.verdict.checksum_verified);
  EXPECT_EQ(d.action, MismatchAction::none);
  EXPECT_EQ(d.event.type, events::EventType::kUploadCompleted);
  EXPECT_EQ(d.event.bucket, "uploads");
  EXPECT_EQ(d.event.key, "photos/2026/12/07/abc-cat.png");
  EXPECT_EQ(d.event.etag, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(d.event.version_id, "v1");
  EXPECT_EQ(d.event.size, 48213U);
  EXPECT_EQ(d.event.declared_type, "image/png");
  EXPECT_EQ(d.event.detected_type, "image/png");
  ASSERT_TRUE(d.event.checksum);
  EXPECT_TRUE(d.event.checksum->verified);
  EXPECT_EQ(d.event.principal_id, "user-42");
  EXPECT_EQ(d.event.profile, "photos");
  EXPECT_EQ(d.event.metadata.size(), 1U);
  EXPECT_EQ(d.event.source, events::EventSource::kCompletion);
  EXPECT_EQ(d.event.time, kCompletionNow);

  const ApiReply reply = service.answer(d, "evt_0123");
  EXPECT_EQ(reply.status, 200);
  const auto body = json::parse(reply.body).as_object();
  EXPECT_EQ(body.at("ok"), true);
  EXPECT_EQ(body.at("size"), 48213);
  EXPECT_EQ(body.at("etag"), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(body.at("versionId"), "v1");
  EXPECT_EQ(body.at("detectedType"), "image/png");
  EXPECT_EQ(body.at("checksumVerified"), true);
  EXPECT_EQ(body.at("eventId"), "evt_0123");
}

TEST_F(CompletionServiceTest, APngDeclaredAsPdfIsQuarantinedUnderTheProfilePrefix) {
  auto profile = profile_with(events::VerifyContent::kDeclared, OnMismatch::quarantine);
  profile.quarantine = "held";
  const auto d = service.decide(claims_for("application/pdf", 100), profile,
                                stored("application/pdf", 100, "image/png"), kCompletionNow);
  EXPECT_FALSE(d.verdict.accepted);
  EXPECT_EQ(d.verdict.reason, "content_mismatch");
  EXPECT_EQ(d.action, MismatchAction::quarantine);
  EXPECT_EQ(d.quarantine_key, "held/photos/2026/12/07/abc-cat.png");
  EXPECT_EQ(d.event.type, events::EventType::kUploadRejected);
  EXPECT_EQ(d.event.reason, "content_mismatch");
  EXPECT_EQ(d.event.detected_type, "image/png");

  const ApiReply reply = service.answer(d, "");
  EXPECT_EQ(reply.status, 422);
  EXPECT_EQ(reply.error, ErrorCode::content_mismatch);
  const auto body = json::parse(reply.body).as_object();
  EXPECT_EQ(body.at("ok"), false);
  EXPECT_EQ(body.at("error").at("code"), "content_mismatch");
  EXPECT_EQ(body.at("error").at("reason"), "content_mismatch");
  EXPECT_EQ(body.at("detectedType"), "image/png");
  EXPECT_EQ(body.at("declaredType"), "application/pdf");
  EXPECT_EQ(body.at("action"), "quarantined");
  EXPECT_FALSE(body.contains("eventId"));
}

TEST_F(CompletionServiceTest, HtmlDeclaredAsPngIsDeletedWhenTheProfileSaysSo) {
  const auto profile = profile_with(events::VerifyContent::kDeclared, OnMismatch::remove);
  const auto d = service.decide(claims_for("image/png", 120), profile,
                                stored("image/png", 120, "text/html"), kCompletionNow);
  EXPECT_FALSE(d.verdict.accepted);
  EXPECT_EQ(d.action, MismatchAction::remove);
  EXPECT_TRUE(d.quarantine_key.empty());
  EXPECT_EQ(json::parse(service.answer(d, "").body).at("action"), "deleted");
}

TEST_F(CompletionServiceTest, SizeTypeAndChecksumAreCheckedBeforeTheBytes) {
  const auto profile = profile_with(events::VerifyContent::kOff, OnMismatch::quarantine);
  auto size = service.decide(claims_for("image/png", 100), profile, stored("image/png", 101, ""),
                             kCompletionNow);
  EXPECT_EQ(size.verdict.reason, "size_mismatch");
  auto type = service.decide(claims_for("image/png", 100), profile, stored("image/gif", 100, ""),
                             kCompletionNow);
  EXPECT_EQ(type.verdict.reason, "type_mismatch");
  auto facts = stored("image/png", 100, "");
  facts.head.checksums = {{"sha256", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}};
  auto checksum = service.decide(claims_for("image/png", 100, std::string(kSha)), profile, facts,
                                 kCompletionNow);
  EXPECT_EQ(checksum.verdict.reason, "checksum_mismatch");
  // With verify_content off the bytes are not judged and no detected type is reported.
  auto off = service.decide(claims_for("image/png", 100), profile,
                            stored("image/png", 100, "text/html"), kCompletionNow);
  EXPECT_TRUE(off.verdict.accepted);
  EXPECT_EQ(off.event.detected_type, "");
  EXPECT_FALSE(json::parse(service.answer(off, "").body).as_object().contains("detectedType"));
}

TEST_F(CompletionServiceTest, StrictModeAsksTheProfileAllowedTypes) {
  const auto strict =
      profile_with(events::VerifyContent::kStrict, OnMismatch::quarantine, {"image/*"});
  // Declared octet-stream (compatible with anything), detected PDF: not an image.
  auto d =
      service.decide(claims_for("application/octet-stream", 100), strict,
                     stored("application/octet-stream", 100, "application/pdf"), kCompletionNow);
  EXPECT_FALSE(d.verdict.accepted);
  EXPECT_EQ(d.verdict.reason, "content_mismatch");
  auto ok = service.decide(claims_for("application/octet-stream", 100), strict,
                           stored("application/octet-stream", 100, "image/webp"), kCompletionNow);
  EXPECT_TRUE(ok.verdict.accepted);
}

TEST_F(CompletionServiceTest, NothingStoredIs404) {
  const ApiReply reply = service.not_stored(claims_for("image/png", 1));
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(json::parse(reply.body).at("error").at("code"), "object_not_found");
}

}  // namespace
}  // namespace upgate::api
