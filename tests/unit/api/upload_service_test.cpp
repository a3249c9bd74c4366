#include "upgate/api/upload_service.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "support/s3_target.hpp"
#include "support/upload_profiles.hpp"
#include "upgate/sigv4/verify.hpp"

namespace upgate::api {
namespace {

using namespace std::chrono;
namespace json = boost::json;

constexpr std::string_view kServiceSecret = "UnitTestSecretThatMustNotLeak/0123456789";
const sys_seconds kServiceNow = sys_days{year{2025} / 6 / 1} + hours(12);

config::S3Target service_target() {
  return testing::local_s3_target(kServiceSecret);
}

// The service's two halves joined for one caller, as the request pipeline joins them
// around authentication (request_pipeline.hpp).
ApiReply answer_upload(const UploadService& service, UploadRoute route,
                       std::optional<std::string_view> content_type, std::string_view body,
                       const Caller& caller = {}, const UploadTokenSigner* tokens = nullptr) {
  auto request = service.read_upload(route, content_type, body);
  if (!request) return std::move(request).error();
  UploadIntent intent;
  intent.route = route == UploadRoute::seed ? ApiRoute::seed : ApiRoute::uploads;
  intent.profile = request->profile;
  intent.profile_field = route == UploadRoute::seed ? "folderName" : "profile";
  auto profile = service.resolve(intent);
  if (!profile) return std::move(profile).error();
  return service.presign_upload(route, *request, *profile, caller, tokens);
}

ApiReply answer_download(const UploadService& service, std::string_view query,
                         const Caller& caller = {}) {
  auto key = service.read_download(query);
  if (!key) return std::move(key).error();
  UploadIntent intent;
  intent.route = ApiRoute::downloads;
  intent.key = *key;
  auto profile = service.resolve(intent);
  if (!profile) return std::move(profile).error();
  return service.presign_download(std::move(*key), *profile, caller);
}

class UploadServiceTest : public ::testing::Test {
 protected:
  ProfileSet profiles = *ProfileSet::create({default_profile()});
  config::S3Target s3 = service_target();
  UploadService service{profiles, s3, [] { return kServiceNow; }};

  // Verifies a returned URL the way the store will: method, URL, and the headers listed.
  Expected<sigv4::VerifiedAuth, sigv4::AuthError> verify(const json::object& answer,
                                                         std::string_view method,
                                                         std::string_view url_field,
                                                         std::vector<sigv4::Header> headers) {
    const std::string url(answer.at(url_field).as_string());
    const std::string target = url.substr(url.find('/', 8));
    headers.insert(headers.begin(), {"host", "127.0.0.1:9000"});
    std::vector<sigv4::HeaderView> views;
    for (const auto& h : headers) views.push_back({h.name, h.value});
    sigv4::VerifyPolicy policy;
    policy.now = kServiceNow + seconds(10);
    policy.region = "us-east-1";
    const config::S3Target& creds = s3;
    return sigv4::verify(sigv4::RequestView{method, target, views}, policy,
                         [&](std::string_view id) -> std::optional<sigv4::Credentials> {
                           if (id != creds.credentials.access_key_id) return std::nullopt;
                           return creds.credentials;
                         });
  }
};

TEST_F(UploadServiceTest, SeedAnswerVerifiesForItsHeadersOnly) {
  const ApiReply reply = answer_upload(
      service, UploadRoute::seed, "application/json",
      R"({"fileName":"a.png","fileType":"image/png","fileSize":10,"folderName":"f"})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.kind, ReplyKind::upload_url);
  const auto answer = json::parse(reply.body).as_object();
  EXPECT_EQ(answer.at("ok"), true);
  EXPECT_EQ(answer.at("expiresAt"), "2025-06-01T12:05:00.000Z");
  EXPECT_EQ(answer.at("key").as_string(), reply.key);
  EXPECT_TRUE(verify(answer, "PUT", "uploadUrl",
                     {{"content-type", "image/png"}, {"content-length", "10"}}));
  EXPECT_FALSE(verify(answer, "PUT", "uploadUrl",
                      {{"content-type", "image/png"}, {"content-length", "11"}}));
  EXPECT_FALSE(verify(answer, "PUT", "uploadUrl",
                      {{"content-type", "image/gif"}, {"content-length", "10"}}));
  EXPECT_EQ(reply.body.find(kServiceSecret), std::string::npos);
}

TEST_F(UploadServiceTest, EveryUploadAnswerCarriesATokenBindingTheDeclaration) {
  const auto tokens = *UploadTokenSigner::create({std::string(40, 't')});
  auto principal = std::make_shared<auth::Principal>();
  principal->id = "user-7";
  const Caller caller{principal, auth::AuthMode::kJwt, {}};

  const ApiReply v1 =
      answer_upload(service, UploadRoute::v1, "application/json",
                    R"({"profile":"f","fileName":"a.png","contentType":"image/png","size":10,)"
                    R"("sha256":"n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="})",
                    caller, &tokens);
  ASSERT_EQ(v1.status, 200) << v1.body;
  const auto answer = json::parse(v1.body).as_object();
  auto claims = tokens.verify(answer.at("uploadToken").as_string(), kServiceNow);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->key, answer.at("key").as_string());
  EXPECT_EQ(claims->upload_id, "");
  EXPECT_EQ(claims->principal, "user-7");
  EXPECT_EQ(claims->profile, "f");
  EXPECT_EQ(claims->size, 10U);
  EXPECT_EQ(claims->content_type, "image/png");
  EXPECT_EQ(claims->checksum, "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=");
  EXPECT_EQ(claims->expires_at, kServiceNow + kDefaultUploadTokenLifetime);

  // The seed's answer too (its client ignores the field); anonymous: no principal.
  const ApiReply seed = answer_upload(
      service, UploadRoute::seed, "application/json",
      R"({"fileName":"b.pdf","fileType":"application/pdf","fileSize":99,"folderName":"f"})", {},
      &tokens);
  ASSERT_EQ(seed.status, 200) << seed.body;
  const auto seed_answer = json::parse(seed.body).as_object();
  auto seed_claims = tokens.verify(seed_answer.at("uploadToken").as_string(), kServiceNow);
  ASSERT_TRUE(seed_claims);
  EXPECT_EQ(seed_claims->principal, "");
  EXPECT_EQ(seed_claims->size, 99U);
  EXPECT_EQ(seed_claims->checksum, "");
  EXPECT_FALSE(tokens.verify_for(seed_answer.at("uploadToken").as_string(), kServiceNow,
                                 TokenBinding{"user-7", {}, {}}));

  // Without a signer (a program embedding the service), no token field.
  const ApiReply plain = answer_upload(
      service, UploadRoute::seed, "application/json",
      R"({"fileName":"b.pdf","fileType":"application/pdf","fileSize":99,"folderName":"f"})");
  EXPECT_FALSE(json::parse(plain.body).as_object().contains("uploadToken"));
}

TEST_F(UploadServiceTest, ErrorStyles) {
  const ApiReply seed = answer_upload(service, UploadRoute::seed, "application/json", "{}");
  EXPECT_EQ(seed.status, 400);
  EXPECT_EQ(
      seed.body,
      R"({"ok":false,"error":"Missing required fields","code":"missing_field","field":"fileName"})");
  const ApiReply v1 = answer_upload(service, UploadRoute::v1, "application/json", "{}");
  EXPECT_EQ(
      v1.body,
      R"({"ok":false,"error":{"code":"missing_field","message":"profile is required","field":"profile"}})");
  const ApiReply media = answer_upload(service, UploadRoute::v1, "text/plain", "{}");
  EXPECT_EQ(media.status, 415);
  EXPECT_TRUE(is_json_media_type("Application/JSON; charset=utf-8"));
  EXPECT_FALSE(is_json_media_type("application/jsonx"));
}

TEST_F(UploadServiceTest, SigningFailureIs500WithDetailsOnlyForTheLog) {
  config::S3Target broken = service_target();
  broken.credentials = {};
  const UploadService failing(profiles, broken, [] { return kServiceNow; });
  const ApiReply reply = answer_upload(
      failing, UploadRoute::seed, "application/json",
      R"({"fileName":"a.png","fileType":"image/png","fileSize":10,"folderName":"f"})");
  EXPECT_EQ(reply.status, 500);
  EXPECT_EQ(reply.body,
            R"({"ok":false,"error":"Failed to generate presigned URL","code":"internal_error"})");
  EXPECT_FALSE(reply.internal_detail.empty());
}

TEST_F(UploadServiceTest, DownloadVerifiesAndCarriesTheDisposition) {
  const ApiReply reply = answer_download(
      service, "key=f%2F2025%2F06%2F01%2F00112233445566778899aabbccddeeff-a_b.txt&x=1");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto answer = json::parse(reply.body).as_object();
  EXPECT_EQ(answer.at("key"), "f/2025/06/01/00112233445566778899aabbccddeeff-a_b.txt");
  const std::string url(answer.at("downloadUrl").as_string());
  EXPECT_NE(url.find("response-content-disposition=attachment%3B%20filename%3D%22a_b.txt%22"),
            std::string::npos);
  EXPECT_TRUE(verify(answer, "GET", "downloadUrl", {}));
  EXPECT_FALSE(verify(answer, "PUT", "downloadUrl", {}));
}

TEST_F(UploadServiceTest, SecretNeverInAnyAnswer) {
  const std::string bodies[] = {
      R"({"fileName":"a.png","fileType":"image/png","fileSize":10,"folderName":"f"})",
      R"({"fileName":"a.png","fileType":"image/png","fileSize":99999999999,"folderName":"f"})",
      R"(not json)", R"({"profile":"f","fileName":"a","contentType":"a/b","size":1,"sha256":"!"})"};
  for (const auto& body : bodies) {
    for (UploadRoute route : {UploadRoute::seed, UploadRoute::v1}) {
      const ApiReply reply = answer_upload(service, route, "application/json", body);
      EXPECT_EQ(reply.body.find(kServiceSecret), std::string::npos);
      EXPECT_EQ(reply.internal_detail.find(kServiceSecret), std::string::npos);
    }
  }
  EXPECT_EQ(answer_download(service, "key=f/a").body.find(kServiceSecret), std::string::npos);
}

// A key is signed for download only when the profile's template could have minted it.
TEST_F(UploadServiceTest, DownloadsOnlyForKeysUpgateCouldHaveMinted) {
  for (const char* query : {"key=backups/db.sql", "key=f/a.png", "key=f/2025/06/01/notanid-a.png",
                            "key=f/2025/13/01/00112233445566778899aabbccddeeff-a.png",
                            "key=f/2025/02/30/00112233445566778899aabbccddeeff-a.png",
                            "key=f/2025/06/01/00112233445566778899AABBCCDDEEFF-a.png",
                            "key=f/2025/06/01/00112233445566778899aabbccddeeff-a%20b.png"}) {
    const ApiReply reply = answer_download(service, query);
    EXPECT_EQ(reply.status, 404) << query << " " << reply.body;
    EXPECT_EQ(reply.error, ErrorCode::not_found) << query;
    EXPECT_EQ(reply.body.find("downloadUrl"), std::string::npos);
  }
  // What the service itself minted comes back.
  const ApiReply upload = answer_upload(
      service, UploadRoute::seed, "application/json",
      R"({"fileName":"my photo.PNG","fileType":"image/png","fileSize":10,"folderName":"a/b"})");
  ASSERT_EQ(upload.status, 200) << upload.body;
  const ApiReply download = answer_download(service, "key=" + upload.key);
  EXPECT_EQ(download.status, 200) << upload.key << " " << download.body;
}

TEST_F(UploadServiceTest, DownloadsOffIs403) {
  UploadProfile off = default_profile();
  off.downloads = DownloadsMode::off;
  const ProfileSet set = *ProfileSet::create({off});
  const UploadService no_downloads(set, s3, [] { return kServiceNow; });
  const ApiReply reply =
      answer_download(no_downloads, "key=f/2025/06/01/00112233445566778899aabbccddeeff-a.png");
  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(reply.error, ErrorCode::downloads_disabled);
}

// Ownership: keys bound to the principal, downloads only for the owner.
class OwnershipTest : public UploadServiceTest {
 protected:
  static Caller caller(std::string id, boost::json::object claims = {}) {
    Caller c;
    c.principal = std::make_shared<const auth::Principal>(
        auth::Principal{std::move(id), std::move(claims), auth::AuthMode::kJwt});
    c.mode = auth::AuthMode::kJwt;
    return c;
  }
  static UploadProfile owned(std::string name, std::string folder, std::string_view key_template) {
    UploadProfile p = upgate::testing::profile_named(std::move(name), std::move(folder));
    p.key_template = *KeyTemplate::compile(key_template);
    return p;
  }
  ProfileSet owned_profiles = *ProfileSet::create(
      {owned("photos", "photos", "{folder}/{principal}/{yyyy}/{mm}/{id}-{name}"),
       owned("teams", "teams", "{folder}/{claim.org}/{id}-{name}"),
       owned("users", "users", "{folder}/{principal}/{id}-{name}"),
       owned("avatars", "users/avatars", "{folder}/{principal}/{id}-{name}")});
  UploadService owned_service{owned_profiles, s3, [] { return kServiceNow; }};
  Caller alice = caller("alice", {{"org", "acme"}});
  Caller bob = caller("bob", {{"org", "acme/../globex"}});

  // A cat.png of 10 bytes asked for by `who` in `profile`.
  ApiReply ask_upload(const Caller& who, std::string_view profile) {
    return answer_upload(owned_service, UploadRoute::v1, "application/json",
                         R"({"profile":")" + std::string(profile) +
                             R"(","fileName":"cat.png","contentType":"image/png","size":10})",
                         who);
  }
  std::string upload_as(const Caller& who, std::string_view profile) {
    const ApiReply reply = ask_upload(who, profile);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.key;
  }
};

TEST_F(OwnershipTest, OnlyTheOwnerGetsADownloadUrl) {
  const std::string key = upload_as(alice, "photos");
  EXPECT_TRUE(key.starts_with("photos/alice/2025/06/")) << key;
  EXPECT_EQ(answer_download(owned_service, "key=" + key, alice).status, 200);
  for (const Caller& other : {bob, Caller{}}) {
    const ApiReply refused = answer_download(owned_service, "key=" + key, other);
    EXPECT_EQ(refused.status, 404) << refused.body;
    EXPECT_EQ(refused.error, ErrorCode::not_found);
    EXPECT_EQ(refused.body.find("downloadUrl"), std::string::npos);
  }
  // A key nobody minted is refused to everyone, its owner-looking shape included.
  for (const char* forged : {"key=backups/db.sql", "key=photos/alice/db.sql",
                             "key=photos/alice/2025/06/not-an-id-cat.png"}) {
    EXPECT_EQ(answer_download(owned_service, forged, alice).status, 404) << forged;
  }
}

TEST_F(OwnershipTest, ClaimsAreOneEscapedSegment) {
  EXPECT_TRUE(upload_as(alice, "teams").starts_with("teams/acme/"));
  const std::string key = upload_as(bob, "teams");
  EXPECT_TRUE(key.starts_with("teams/acme_2F.._2Fglobex/")) << key;
  EXPECT_EQ(answer_download(owned_service, "key=" + key, bob).status, 200);
  EXPECT_EQ(answer_download(owned_service, "key=" + key, alice).status, 404);
}

TEST_F(OwnershipTest, AnonymousOrClaimlessCallersGetNoKeyThatNamesThem) {
  const ApiReply anonymous = ask_upload(Caller{}, "photos");
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  EXPECT_EQ(anonymous.error, ErrorCode::authentication_required);
  const ApiReply claimless = ask_upload(caller("carol"), "teams");
  EXPECT_EQ(claimless.status, 403) << claimless.body;
  EXPECT_EQ(claimless.error, ErrorCode::access_denied);
  EXPECT_NE(claimless.body.find("missing_claim"), std::string::npos) << claimless.body;
}

TEST_F(OwnershipTest, APrincipalsSegmentCannotLandInAnotherProfilesFolder) {
  // users/{principal}/... for the principal "avatars" is inside users/avatars.
  const ApiReply reply = ask_upload(caller("avatars"), "users");
  EXPECT_EQ(reply.status, 403) << reply.body;
  EXPECT_EQ(reply.error, ErrorCode::folder_reserved);
  EXPECT_EQ(reply.body.find("uploadUrl"), std::string::npos);
}

// Temporary credentials: a URL never outlives the credentials that signed it.
class ExpiringCredentialsTest : public UploadServiceTest {
 protected:
  static constexpr std::string_view kMintedQuery =
      "key=f/2025/06/01/00112233445566778899aabbccddeeff-a.png";
  static constexpr std::string_view kSeedBody =
      R"({"fileName":"a.png","fileType":"image/png","fileSize":10,"folderName":"f"})";

  static std::string query_value(const std::string& url, std::string_view name) {
    const auto at = url.find(std::string(name) + "=");
    if (at == std::string::npos) return {};
    const auto start = at + name.size() + 1;
    return url.substr(start, url.find('&', start) - start);
  }
};

TEST_F(ExpiringCredentialsTest, UrlLifetimeIsCappedByTheCredentialsExpiry) {
  s3.credentials_expiration = kServiceNow + seconds(100);  // the profile asks for 300 s
  ApiReply reply = answer_upload(service, UploadRoute::v1, "application/json",
                                 R"({"folderName":"f","fileName":"a.png",
                                              "contentType":"image/png","size":10})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto answer = json::parse(reply.body).as_object();
  EXPECT_EQ(answer.at("expiresAt"), "2025-06-01T12:01:40.000Z");
  EXPECT_EQ(answer.at("expiresIn"), 100);
  EXPECT_EQ(query_value(std::string(answer.at("uploadUrl").as_string()), "X-Amz-Expires"), "100");

  reply = answer_upload(service, UploadRoute::seed, "application/json", kSeedBody);
  ASSERT_EQ(reply.status, 200) << reply.body;
  answer = json::parse(reply.body).as_object();
  EXPECT_EQ(answer.at("expiresAt"), "2025-06-01T12:01:40.000Z");
  EXPECT_TRUE(verify(answer, "PUT", "uploadUrl",
                     {{"content-type", "image/png"}, {"content-length", "10"}}));

  reply = answer_download(service, kMintedQuery);
  ASSERT_EQ(reply.status, 200) << reply.body;
  answer = json::parse(reply.body).as_object();
  EXPECT_EQ(answer.at("expiresIn"), 100);
  EXPECT_EQ(query_value(std::string(answer.at("downloadUrl").as_string()), "X-Amz-Expires"), "100");

  // Credentials that outlive the profile's lifetime change nothing.
  s3.credentials_expiration = kServiceNow + hours(1);
  reply = answer_upload(service, UploadRoute::seed, "application/json", kSeedBody);
  EXPECT_EQ(json::parse(reply.body).as_object().at("expiresAt"), "2025-06-01T12:05:00.000Z");
}

TEST_F(ExpiringCredentialsTest, TooLittleLifeLeftIs503NotAUrlThatDiesInFlight) {
  s3.credentials_expiration = kServiceNow + seconds(29);
  ApiReply reply = answer_upload(service, UploadRoute::seed, "application/json", kSeedBody);
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.error, ErrorCode::credentials_unavailable);
  EXPECT_EQ(
      reply.body,
      R"({"ok":false,"error":"the server's AWS credentials expire too soon to sign a usable URL; try again shortly","code":"credentials_unavailable"})");
  EXPECT_NE(reply.profile, nullptr);
  reply = answer_download(service, kMintedQuery);
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(json::parse(reply.body).as_object().at("error").at("code"), "credentials_unavailable");
  // Validation still comes first: a bad request is a 400 whatever the credentials.
  EXPECT_EQ(answer_upload(service, UploadRoute::seed, "application/json", "{}").status, 400);

  s3.credentials_expiration = kServiceNow + seconds(30);
  EXPECT_EQ(answer_upload(service, UploadRoute::seed, "application/json", kSeedBody).status, 200);
}

TEST_F(ExpiringCredentialsTest, SignsWithTheRefreshedSnapshot) {
  config::AwsCredentials live;
  live.credentials.access_key_id = "ASIAREFRESHED";
  live.credentials.secret_access_key = sigv4::SecretKey(std::string(kServiceSecret));
  live.credentials.session_token = "SessionTokenValue";
  live.expiration = kServiceNow + seconds(60);
  const config::RefreshingCredentials refreshing(nullptr, std::move(live),
                                                 [] { return kServiceNow; });
  const UploadService with_live(
      profiles, s3, [] { return kServiceNow; }, &refreshing);
  const ApiReply reply = answer_upload(with_live, UploadRoute::seed, "application/json", kSeedBody);
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto answer = json::parse(reply.body).as_object();
  const std::string url(answer.at("uploadUrl").as_string());
  EXPECT_NE(url.find("X-Amz-Credential=ASIAREFRESHED%2F"), std::string::npos) << url;
  EXPECT_EQ(query_value(url, "X-Amz-Security-Token"), "SessionTokenValue");
  EXPECT_EQ(query_value(url, "X-Amz-Expires"), "60");
  EXPECT_EQ(answer.at("expiresAt"), "2025-06-01T12:01:00.000Z");
  EXPECT_EQ(reply.body.find(kServiceSecret), std::string::npos);
}

}  // namespace
}  // namespace upgate::api
