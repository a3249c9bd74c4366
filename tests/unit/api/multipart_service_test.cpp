#include "upgate/api/multipart_service.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/s3_target.hpp"
#include "upgate/sigv4/verify.hpp"

namespace upgate::api {
namespace {

using namespace std::chrono;
namespace json = boost::json;

constexpr std::string_view kMultipartSecret = "MultipartUnitSecretThatMustNotLeak/0123";
const sys_seconds kMultipartNow = sys_days{year{2026} / 12 / 7} + hours(6);

config::S3Target multipart_target() {
  return testing::local_s3_target(kMultipartSecret);
}

UploadProfile big_profile() {
  UploadProfile p = default_profile();
  p.name = "big";
  p.max_size = 5ULL << 40;
  return p;
}

Caller caller_named(std::string id) {
  auto principal = std::make_shared<auth::Principal>();
  principal->id = std::move(id);
  principal->mode = auth::AuthMode::kApiKey;
  Caller c;
  c.principal = principal;
  c.mode = auth::AuthMode::kApiKey;
  return c;
}

class MultipartServiceTest : public ::testing::Test {
 protected:
  ProfileSet profiles = *ProfileSet::create({big_profile()});
  config::S3Target s3 = multipart_target();
  sys_seconds now = kMultipartNow;  // the service's clock
  UploadService uploads{profiles, s3, [this] { return now; }};
  UploadTokenSigner tokens = *UploadTokenSigner::create({std::string(40, 's')});
  MultipartService service{uploads, tokens};
  Caller alice = caller_named("alice");

  ResolvedProfile resolved() { return *profiles.resolve("big", "profile"); }

  MultipartPlan plan(std::uint64_t size) {
    UploadRequest request;
    request.profile = "big";
    request.file_name = "film.mp4";
    request.content_type = "video/mp4";
    request.size = size;
    request.metadata = {{"origin", "unit"}};
    auto p = service.plan_create(request, resolved(), alice);
    EXPECT_TRUE(p.has_value()) << (p ? "" : p.error().body);
    return std::move(p).value();
  }

  std::string token_for(std::uint64_t size) {
    const ApiReply reply = service.created(plan(size), "upload-1");
    EXPECT_EQ(reply.status, 200) << reply.body;
    return std::string(json::parse(reply.body).at("uploadToken").as_string());
  }

  std::string claims_key(const std::string& token) {
    auto claims = tokens.verify(token, kMultipartNow);
    return claims ? claims->key : std::string();
  }

  std::string code_of(const ApiReply& reply) {
    return std::string(json::parse(reply.body).at("error").at("code").as_string());
  }
};

TEST_F(MultipartServiceTest, CreateBindsThePlanIntoTheToken) {
  const MultipartPlan p = plan(100 * kMiB + 1);
  EXPECT_EQ(p.layout.part_count, 7u);
  EXPECT_EQ(p.claims.principal, "alice");
  EXPECT_EQ(p.claims.profile, "big");
  EXPECT_EQ(p.claims.expires_at, kMultipartNow + kDefaultUploadTokenLifetime);
  // The object's headers only: no Content-Length or If-None-Match on the create call.
  for (const auto& [name, value] : p.create_headers) {
    EXPECT_TRUE(name == "Content-Type" || name.starts_with("x-amz-meta-")) << name;
  }
  const ApiReply reply = service.created(p, "upload-1");
  const auto answer = json::parse(reply.body).as_object();
  EXPECT_EQ(answer.at("key").as_string(), p.claims.key);
  EXPECT_EQ(answer.at("uploadId").as_string(), "upload-1");
  EXPECT_EQ(answer.at("partCount").as_int64(), 7);
  auto claims = tokens.verify(std::string(answer.at("uploadToken").as_string()), kMultipartNow);
  ASSERT_TRUE(claims.has_value());
  EXPECT_EQ(claims->upload_id, "upload-1");
  EXPECT_EQ(claims->size, 100 * kMiB + 1);
  EXPECT_EQ(reply.body.find(kMultipartSecret), std::string::npos);
}

TEST_F(MultipartServiceTest, CreateKeepsTheProfileRules) {
  UploadRequest request;
  request.profile = "big";
  request.file_name = "x.bin";
  request.content_type = "application/octet-stream";
  request.size = (5ULL << 40) + 1;
  auto refused = service.plan_create(request, resolved(), alice);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().status, 400);
}

TEST_F(MultipartServiceTest, TokensAreCheckedForTheCaller) {
  const std::string token = token_for(20 * kMiB);
  EXPECT_TRUE(service.check_token(token, alice).has_value());
  auto other = service.check_token(token, caller_named("mallory"));
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().status, 403);
  EXPECT_EQ(code_of(other.error()), "upload_token_refused");
  EXPECT_NE(other.error().body.find("principal_mismatch"), std::string::npos);
  auto anonymous = service.check_token(token, Caller{});
  ASSERT_FALSE(anonymous.has_value());
  std::string changed = token;
  changed[changed.size() - 10] = changed[changed.size() - 10] == 'A' ? 'B' : 'A';
  auto altered = service.check_token(changed, alice);
  ASSERT_FALSE(altered.has_value());
  EXPECT_NE(altered.error().body.find("bad_signature"), std::string::npos);

  // A single upload's token names no multipart upload.
  UploadClaims single = plan(10).claims;
  auto single_token = tokens.sign(single);
  auto refused = service.check_token(*single_token, alice);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().body.find("upload_mismatch"), std::string::npos);
}

// An upload lives as long as its token (24 h): a second before the end every call is
// still accepted, from the end on each one is refused as expired, for anyone.
TEST_F(MultipartServiceTest, AnExpiredTokenIsRefused) {
  const std::string token = token_for(20 * kMiB);
  now = kMultipartNow + kDefaultUploadTokenLifetime - seconds(1);
  const auto alive = service.check_token(token, alice);
  ASSERT_TRUE(alive.has_value());
  EXPECT_EQ(service.sign_parts(*alive, resolved(), {2}).status, 200);
  now = kMultipartNow + kDefaultUploadTokenLifetime;
  for (const Caller& who : {alice, caller_named("mallory")}) {
    auto expired = service.check_token(token, who);
    ASSERT_FALSE(expired.has_value());
    EXPECT_EQ(expired.error().status, 403);
    EXPECT_EQ(code_of(expired.error()), "upload_token_refused");
    EXPECT_NE(expired.error().body.find("the upload token has expired"), std::string::npos)
        << expired.error().body;
  }
  now = kMultipartNow + days(30);
  EXPECT_FALSE(service.check_token(token, alice).has_value());
}

TEST_F(MultipartServiceTest, EachPartUrlSignsItsExactLength) {
  const std::string token = token_for(33 * kMiB + 7);
  const auto claims = *service.check_token(token, alice);
  const ApiReply reply = service.sign_parts(claims, resolved(), {1, 3});
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto parts = json::parse(reply.body).at("parts").as_array();
  ASSERT_EQ(parts.size(), 2u);
  for (const auto& [index, length] : {std::pair{0, 16 * kMiB}, std::pair{1, kMiB + 7}}) {
    const auto& part = parts[static_cast<std::size_t>(index)].as_object();
    EXPECT_EQ(part.at("headers").at("Content-Length").as_string(), std::to_string(length));
    const std::string url(part.at("url").as_string());
    EXPECT_NE(url.find("uploadId=upload-1"), std::string::npos) << url;
    const std::string target = url.substr(url.find('/', 8));
    auto verify_with = [&](std::uint64_t sent) {
      const std::string sent_length = std::to_string(sent);
      const sigv4::HeaderView headers[] = {{"host", "127.0.0.1:9000"},
                                           {"content-length", sent_length}};
      sigv4::VerifyPolicy policy;
      policy.now = kMultipartNow + seconds(10);
      policy.region = "us-east-1";
      return sigv4::verify(sigv4::RequestView{"PUT", target, headers}, policy,
                           [&](std::string_view) { return std::optional(s3.credentials); })
          .has_value();
    };
    EXPECT_TRUE(verify_with(length));
    EXPECT_FALSE(verify_with(length - 1));
  }
  EXPECT_EQ(reply.body.find(kMultipartSecret), std::string::npos);
  const ApiReply beyond = service.sign_parts(claims, resolved(), {4});
  EXPECT_EQ(beyond.status, 400);
  EXPECT_EQ(code_of(beyond), "invalid_part_number");
}

TEST_F(MultipartServiceTest, ReadCallTakesATokenAndBoundedPartNumbers) {
  auto ok =
      service.read_call("application/json", R"({"uploadToken":"t","partNumbers":[1,2]})", true);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->token, "t");
  EXPECT_EQ(ok->part_numbers, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_TRUE(service.read_call("application/json", R"({"uploadToken":"t"})", false));
  for (const char* bad :
       {R"({"uploadToken":"t"})", R"({"uploadToken":"t","partNumbers":[]})",
        R"({"uploadToken":"t","partNumbers":[0]})", R"({"uploadToken":"t","partNumbers":[1.5]})",
        R"({"uploadToken":"t","partNumbers":[10001]})", R"({"uploadToken":"t","partNumbers":"1"})",
        R"({"partNumbers":[1]})", R"({"uploadToken":1,"partNumbers":[1]})", "[]", "{"}) {
    auto refused = service.read_call("application/json", bad, true);
    ASSERT_FALSE(refused.has_value()) << bad;
    EXPECT_EQ(refused.error().status, 400) << bad;
  }
  std::string many = R"({"uploadToken":"t","partNumbers":[1)";
  for (std::size_t i = 0; i < kMaxPartsPerSignCall; ++i) many += ",1";
  EXPECT_FALSE(service.read_call("application/json", many + "]}", true).has_value());
  auto wrong_type = service.read_call("text/plain", R"({"uploadToken":"t"})", false);
  ASSERT_FALSE(wrong_type.has_value());
  EXPECT_EQ(wrong_type.error().status, 415);
}

TEST_F(MultipartServiceTest, CompleteNeedsEveryPartAtItsLength) {
  const auto claims = *service.check_token(token_for(33 * kMiB + 7), alice);
  using Part = s3client::UploadedPart;
  const std::vector<Part> whole = {{1, "a", 16 * kMiB}, {2, "b", 16 * kMiB}, {3, "c", kMiB + 7}};
  auto parts = service.parts_to_complete(claims, whole);
  ASSERT_TRUE(parts.has_value());
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[2].part_number, 3);
  EXPECT_EQ((*parts)[2].etag, "c");

  const std::vector<std::vector<Part>> wrong = {
      {},
      {{1, "a", 16 * kMiB}, {2, "b", 16 * kMiB}},
      {{1, "a", 16 * kMiB}, {3, "c", kMiB + 7}, {4, "d", 16 * kMiB}},
      {{1, "a", 16 * kMiB}, {2, "b", 16 * kMiB}, {3, "c", kMiB + 8}},
      {{1, "a", 16 * kMiB - 1}, {2, "b", 16 * kMiB + 1}, {3, "c", kMiB + 7}},
      {{1, "a", 16 * kMiB}, {2, "b", 16 * kMiB}, {3, "c", kMiB + 7}, {4, "d", 1}},
  };
  for (const auto& listed : wrong) {
    auto refused = service.parts_to_complete(claims, listed);
    ASSERT_FALSE(refused.has_value()) << listed.size();
    EXPECT_EQ(refused.error().status, 409);
    EXPECT_EQ(code_of(refused.error()), "parts_incomplete");
  }
}

TEST_F(MultipartServiceTest, WithoutADeclaredSizeTheNamedPartsAreCheckedAgainstTheStore) {
  // Uppy declares no size: no layout, part URLs sign no length, completion takes the
  // parts the client names.
  const std::string token = token_for(0);
  const auto claims = *service.check_token(token, alice, std::string_view(claims_key(token)));
  auto urls = service.sign_part_urls(claims, resolved(), {1, 9999});
  ASSERT_TRUE(urls.has_value());
  for (const auto& url : *urls) EXPECT_TRUE(url.headers.empty()) << url.url;

  using Part = s3client::UploadedPart;
  const std::vector<Part> stored = {{1, "a1", 5 * kMiB}, {2, "b2", 3 * kMiB}};
  auto named = [](std::vector<std::pair<int, std::string>> list) {
    std::vector<s3::CompletedPart> out;
    for (auto& [n, etag] : list) out.push_back({n, etag});
    return out;
  };
  auto ok =
      service.named_parts_to_complete(claims, stored, named({{1, "\"a1\""}, {2, "b2"}}), 8 * kMiB);
  ASSERT_TRUE(ok.has_value()) << ok.error().body;
  EXPECT_EQ((*ok)[0].etag, "a1");

  for (const auto& wrong : {named({}), named({{2, "b2"}, {1, "a1"}}), named({{1, "zz"}}),
                            named({{1, "a1"}, {3, "c3"}}), named({{1, "a1"}, {1, "a1"}})}) {
    auto refused = service.named_parts_to_complete(claims, stored, wrong, 8 * kMiB);
    ASSERT_FALSE(refused.has_value()) << wrong.size();
    EXPECT_EQ(code_of(refused.error()), "parts_incomplete");
  }
  auto too_big =
      service.named_parts_to_complete(claims, stored, named({{1, "a1"}, {2, "b2"}}), 8 * kMiB - 1);
  ASSERT_FALSE(too_big.has_value());
  EXPECT_EQ(code_of(too_big.error()), "file_too_large");

  // The key the client names must be the one the token binds.
  auto other_key = service.check_token(token, alice, std::string_view("big/other.mp4"));
  ASSERT_FALSE(other_key.has_value());
  EXPECT_EQ(code_of(other_key.error()), "upload_token_refused");
}

TEST_F(MultipartServiceTest, StorageFailuresKeepTheStoresWordsForTheLog) {
  s3client::ClientError gone;
  gone.kind = s3client::ErrorKind::kS3;
  gone.code = "NoSuchUpload";
  EXPECT_EQ(MultipartService::storage_failure(gone).status, 404);
  s3client::ClientError down;
  down.kind = s3client::ErrorKind::kTransport;
  down.operation = "ListParts";
  down.message = "connection refused";
  const ApiReply reply = MultipartService::storage_failure(down);
  EXPECT_EQ(reply.status, 502);
  EXPECT_EQ(reply.body.find("connection refused"), std::string::npos);
  EXPECT_NE(reply.internal_detail.find("connection refused"), std::string::npos);
}

}  // namespace
}  // namespace upgate::api
