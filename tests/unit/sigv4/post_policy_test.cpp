// POST policies: the AWS documentation's example, forms made by Debian's
// botocore, round trips through presign_post and verify_post, each tampered
// element refused with S3's error, and hostile policy documents.
#include "upgate/sigv4/post_policy.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "support/test_data.hpp"

namespace upgate::sigv4 {
namespace {

namespace json = boost::json;
using Kind = PolicyCondition::Kind;

const std::string kPolicyDir = "sigv4/s3/post-policy/";

constexpr std::string_view kAccessKeyId = "AKIAIOSFODNN7EXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kSessionToken =
    "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+example/token==";

Credentials credentials(std::string token = "") {
  return Credentials{std::string(kAccessKeyId), SecretKey(std::string(kSecret)), std::move(token)};
}

// The store's lookup: one long-term key and one temporary key.
CredentialsLookup lookup_for(std::string token = "") {
  return [token](std::string_view id) -> std::optional<Credentials> {
    if (id == kAccessKeyId) return credentials(token);
    return std::nullopt;
  };
}

Timestamp at(std::string_view iso) {
  const auto t = parse_iso8601(iso);
  EXPECT_TRUE(t) << iso;
  return t.value_or(Timestamp{});
}

std::vector<FormField> fields_from_json(const json::value& v) {
  std::vector<FormField> out;
  for (const auto& f : v.as_array()) {
    out.push_back({std::string(f.at("name").as_string()), std::string(f.at("value").as_string())});
  }
  return out;
}

void set_field(std::vector<FormField>& form, std::string_view name, std::string value) {
  for (auto& f : form) {
    if (f.name == name) {
      f.value = std::move(value);
      return;
    }
  }
  form.push_back({std::string(name), std::move(value)});
}

void remove_field(std::vector<FormField>& form, std::string_view name) {
  std::erase_if(form, [&](const FormField& f) { return f.name == name; });
}

std::string field(const std::vector<FormField>& form, std::string_view name) {
  for (const auto& f : form) {
    if (f.name == name) return f.value;
  }
  ADD_FAILURE() << "no field " << name;
  return {};
}

// ---------------------------------------------------------------------------
// The AWS documentation's example (S3 API Reference, "Example: Browser-Based
// Upload using HTTP POST (Using AWS Signature Version 4)").

TEST(PostPolicyDocumentation, Base64OfThePolicyIsTheStringToSign) {
  const std::string policy = testing::read_test_data(kPolicyDir + "policy.json");
  ASSERT_EQ(policy.size(), 648u);
  EXPECT_EQ(base64_encode(policy), testing::read_test_data(kPolicyDir + "policy.b64"));
  EXPECT_EQ(testing::read_test_data(kPolicyDir + "post-string-to-sign.txt"),
            testing::read_test_data(kPolicyDir + "policy.b64"));
}

TEST(PostPolicyDocumentation, SignatureMatches) {
  const SigningKey key(SecretKey(std::string(kSecret)), "20151229", "us-east-1", "s3");
  EXPECT_EQ(sign_policy(testing::read_test_data(kPolicyDir + "policy.b64"), key),
            testing::read_test_data(kPolicyDir + "post-signature.txt"));
}

TEST(PostPolicyDocumentation, PolicyParses) {
  const auto policy = parse_post_policy(testing::read_test_data(kPolicyDir + "policy.json"));
  ASSERT_TRUE(policy) << policy.error().message;
  EXPECT_EQ(policy->expiration, at("2015-12-30T12:00:00.000Z"));
  ASSERT_EQ(policy->conditions.size(), 11u);
  const auto& c = policy->conditions;
  EXPECT_EQ(c[0].kind, Kind::kEquals);
  EXPECT_EQ(c[0].field, "bucket");
  EXPECT_EQ(c[0].value, "sigv4examplebucket");
  EXPECT_EQ(c[1].kind, Kind::kStartsWith);
  EXPECT_EQ(c[1].field, "key");
  EXPECT_EQ(c[1].value, "user/user1/");
  EXPECT_EQ(c[4].field, "content-type");  // "$Content-Type", matched case-insensitively
  EXPECT_EQ(c[4].value, "image/");
  EXPECT_EQ(c[7].kind, Kind::kStartsWith);
  EXPECT_EQ(c[7].field, "x-amz-meta-tag");
  EXPECT_EQ(c[7].value, "");
  EXPECT_EQ(c[10].field, "x-amz-date");
  EXPECT_EQ(c[10].value, "20151229T000000Z");
  EXPECT_FALSE(policy->content_length_range());
}

TEST(PostPolicyDocumentation, ExampleFormVerifies) {
  const auto form =
      fields_from_json(json::parse(testing::read_test_data(kPolicyDir + "form-fields.json")));
  const auto verified = verify_post(form, "sigv4examplebucket", at("2015-12-29T00:00:00Z"),
                                    "us-east-1", lookup_for());
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->access_key_id, kAccessKeyId);
  EXPECT_EQ(verified->policy.conditions.size(), 11u);

  // One second before the expiration it still holds; at it, it does not.
  EXPECT_TRUE(verify_post(form, "sigv4examplebucket", at("2015-12-30T11:59:59Z"), "us-east-1",
                          lookup_for()));
  const auto expired = verify_post(form, "sigv4examplebucket", at("2015-12-30T12:00:00Z"),
                                   "us-east-1", lookup_for());
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, AuthErrorCode::kAccessDenied);
  EXPECT_EQ(expired.error().message, "Invalid according to Policy: Policy expired.");

  // Another bucket: the bucket condition fails.
  const auto other =
      verify_post(form, "otherbucket", at("2015-12-29T00:00:00Z"), "us-east-1", lookup_for());
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, AuthErrorCode::kAccessDenied);
  EXPECT_EQ(other.error().message,
            "Invalid according to Policy: Policy Condition failed: "
            "[\"eq\", \"$bucket\", \"sigv4examplebucket\"]");
}

// ---------------------------------------------------------------------------
// Forms made by Debian's python3-botocore (boto3-presigned-post.py)

struct Boto3Form {
  std::vector<FormField> fields;
  std::string url;
  std::string token;
};

Boto3Form boto3_form(const std::string& file) {
  const json::value v = json::parse(testing::read_test_data(kPolicyDir + file));
  Boto3Form out;
  out.fields = fields_from_json(v.at("fields"));
  out.url = std::string(v.at("url").as_string());
  if (v.at("session_token").is_string()) out.token = std::string(v.at("session_token").as_string());
  return out;
}

TEST(PostPolicyBoto3, GeneratedFormsVerify) {
  for (const char* file : {"boto3-presigned-post.json", "boto3-presigned-post-session.json"}) {
    SCOPED_TRACE(file);
    const Boto3Form form = boto3_form(file);
    const auto fields = substitute_filename(form.fields, "photo.png");
    EXPECT_EQ(field(fields, "key"), "user/42/photo.png");
    const auto verified = verify_post(fields, "uploads", at("2024-03-01T12:30:00Z"), "us-east-1",
                                      lookup_for(form.token));
    ASSERT_TRUE(verified) << verified.error().message;
    EXPECT_EQ(verified->policy.expiration, at("2024-03-01T13:00:00Z"));
    EXPECT_EQ(verified->policy.content_length_range(),
              std::make_pair(std::uint64_t{1}, std::uint64_t{10485760}));

    const auto expired = verify_post(fields, "uploads", at("2024-03-01T13:00:01Z"), "us-east-1",
                                     lookup_for(form.token));
    ASSERT_FALSE(expired);
    EXPECT_EQ(expired.error().message, "Invalid according to Policy: Policy expired.");
  }
}

TEST(PostPolicyBoto3, PresignPostMatchesBoto3ForTheSameInputs) {
  // Same bucket, key, fields, conditions and time: the same URL and the same
  // signing fields (the policies list conditions in another order, so the
  // policy and signature differ; both verify).
  const Boto3Form boto3 = boto3_form("boto3-presigned-post-session.json");
  const FormField extra[] = {
      {"acl", "private"}, {"Content-Type", "image/png"}, {"success_action_status", "201"}};
  PolicyCondition content_type;
  content_type.kind = Kind::kStartsWith;
  content_type.field = "content-type";
  content_type.value = "image/";
  const PolicyCondition conditions[] = {content_type};
  PresignPostRequest request;
  request.bucket = "uploads";
  request.key = "user/42/${filename}";
  request.expires = std::chrono::seconds(3600);
  request.time = at("2024-03-01T12:00:00Z");
  request.content_length_range = std::make_pair(1, 10485760);
  request.fields = extra;
  request.conditions = conditions;
  const auto endpoint = S3Endpoint::parse("http://127.0.0.1:9000", true);
  ASSERT_TRUE(endpoint);
  const auto post = presign_post(request, *endpoint, credentials(boto3.token), "us-east-1");
  ASSERT_TRUE(post) << post.error().message;

  EXPECT_EQ(post->url, boto3.url);
  for (const char* name :
       {"key", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-security-token", "acl",
        "Content-Type", "success_action_status"}) {
    EXPECT_EQ(field(post->fields, name), field(boto3.fields, name)) << name;
  }
  std::vector<std::string> ours, theirs;
  for (const auto& f : post->fields) ours.push_back(f.name);
  for (const auto& f : boto3.fields) theirs.push_back(f.name);
  std::sort(ours.begin(), ours.end());
  std::sort(theirs.begin(), theirs.end());
  EXPECT_EQ(ours, theirs);

  const auto verified = verify_post(post->fields, "uploads", at("2024-03-01T12:30:00Z"),
                                    "us-east-1", lookup_for(boto3.token));
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->policy.expiration, at("2024-03-01T13:00:00Z"));
}

// ---------------------------------------------------------------------------
// presign_post

PresignPostRequest basic_request() {
  PresignPostRequest r;
  r.bucket = "uploads";
  r.key = "photos/cat.jpg";
  r.expires = std::chrono::seconds(600);
  r.time = at("2024-05-01T08:00:00Z");
  return r;
}

S3Endpoint local_endpoint() {
  auto e = S3Endpoint::parse("http://127.0.0.1:9000", true);
  EXPECT_TRUE(e);
  return *e;
}

TEST(PresignPost, FieldsInOrderAndAPolicyThatSaysWhatWasAsked) {
  const auto post = presign_post(basic_request(), local_endpoint(), credentials(), "eu-west-1");
  ASSERT_TRUE(post) << post.error().message;
  std::vector<std::string> names;
  for (const auto& f : post->fields) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"key", "x-amz-algorithm", "x-amz-credential",
                                             "x-amz-date", "policy", "x-amz-signature"}));
  EXPECT_EQ(field(post->fields, "key"), "photos/cat.jpg");
  EXPECT_EQ(field(post->fields, "x-amz-credential"),
            "AKIAIOSFODNN7EXAMPLE/20240501/eu-west-1/s3/aws4_request");
  EXPECT_EQ(field(post->fields, "x-amz-date"), "20240501T080000Z");
  EXPECT_EQ(post->url, "http://127.0.0.1:9000/uploads");
  EXPECT_EQ(post->expires_at, at("2024-05-01T08:10:00Z"));
  EXPECT_EQ(post->policy_json,
            "{\"expiration\":\"2024-05-01T08:10:00.000Z\",\"conditions\":["
            "{\"bucket\":\"uploads\"},{\"key\":\"photos/cat.jpg\"},"
            "{\"x-amz-algorithm\":\"AWS4-HMAC-SHA256\"},"
            "{\"x-amz-credential\":\"AKIAIOSFODNN7EXAMPLE/20240501/eu-west-1/s3/aws4_request\"},"
            "{\"x-amz-date\":\"20240501T080000Z\"}]}");
  EXPECT_EQ(field(post->fields, "policy"), base64_encode(post->policy_json));
  const SigningKey key(SecretKey(std::string(kSecret)), "20240501", "eu-west-1", "s3");
  EXPECT_EQ(field(post->fields, "x-amz-signature"),
            sign_policy(field(post->fields, "policy"), key));
}

TEST(PresignPost, VirtualHostedUrlWhenTheBucketIsADnsLabel) {
  auto aws = S3Endpoint::aws("eu-west-1");
  auto post = presign_post(basic_request(), aws, credentials(), "eu-west-1");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->url, "https://uploads.s3.eu-west-1.amazonaws.com/");
  // A dotted bucket over TLS falls back to path style, as presign() does.
  auto dotted = basic_request();
  dotted.bucket = "my.uploads";
  post = presign_post(dotted, aws, credentials(), "eu-west-1");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->url, "https://s3.eu-west-1.amazonaws.com/my.uploads");
}

TEST(PresignPost, SessionTokenIsAFieldAndACondition) {
  const auto post = presign_post(basic_request(), local_endpoint(),
                                 credentials(std::string(kSessionToken)), "us-east-1");
  ASSERT_TRUE(post);
  EXPECT_EQ(field(post->fields, "x-amz-security-token"), kSessionToken);
  EXPECT_NE(
      post->policy_json.find("{\"x-amz-security-token\":\"" + std::string(kSessionToken) + "\"}"),
      std::string::npos);
  EXPECT_TRUE(verify_post(post->fields, "uploads", at("2024-05-01T08:05:00Z"), "us-east-1",
                          lookup_for(std::string(kSessionToken))));
}

TEST(PresignPost, FilenameVariableBecomesAStartsWith) {
  auto r = basic_request();
  r.key = "user/7/${filename}";
  auto post = presign_post(r, local_endpoint(), credentials(), "us-east-1");
  ASSERT_TRUE(post);
  EXPECT_EQ(field(post->fields, "key"), "user/7/${filename}");
  EXPECT_NE(post->policy_json.find("[\"starts-with\",\"$key\",\"user/7/\"]"), std::string::npos);
  // The store substitutes the posted file's name, then verifies.
  auto form = substitute_filename(post->fields, "holiday.png");
  EXPECT_EQ(field(form, "key"), "user/7/holiday.png");
  EXPECT_TRUE(verify_post(form, "uploads", at("2024-05-01T08:05:00Z"), "us-east-1", lookup_for()));
  // A key the client rewrote outside the prefix is refused.
  set_field(form, "key", "user/8/holiday.png");
  const auto refused =
      verify_post(form, "uploads", at("2024-05-01T08:05:00Z"), "us-east-1", lookup_for());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "Invalid according to Policy: Policy Condition failed: "
            "[\"starts-with\", \"$key\", \"user/7/\"]");
}

TEST(PresignPost, FilenameVariableInOtherFields) {
  // S3 substitutes ${filename} in every field (aws-sdk-js-v3 issue 7191), so
  // an eq condition on such a field could never hold.
  auto r = basic_request();
  r.key = "in/${filename}.upload";
  const FormField extra[] = {{"success_action_redirect", "https://app.example/done?f=${filename}"}};
  r.fields = extra;
  const auto post = presign_post(r, local_endpoint(), credentials(), "us-east-1");
  ASSERT_TRUE(post) << post.error().message;
  EXPECT_NE(post->policy_json.find("[\"starts-with\",\"$key\",\"in/\"]"), std::string::npos);
  EXPECT_NE(post->policy_json.find(
                "[\"starts-with\",\"$success_action_redirect\",\"https://app.example/done?f=\"]"),
            std::string::npos);
  const auto form = substitute_filename(post->fields, "C:\\Users\\me\\cat.jpg");
  EXPECT_EQ(field(form, "key"), "in/cat.jpg.upload");
  EXPECT_EQ(field(form, "success_action_redirect"), "https://app.example/done?f=cat.jpg");
  const auto verified =
      verify_post(form, "uploads", at("2024-05-01T08:05:00Z"), "us-east-1", lookup_for());
  EXPECT_TRUE(verified) << verified.error().message;
}

TEST(SubstituteFilename, ReplacesEveryOccurrenceWithTheBaseName) {
  const FormField fields[] = {{"key", "a/${filename}/${filename}"},
                              {"Content-Type", "image/png"},
                              {"x-amz-meta-x", "${filename"},
                              {"x-amz-meta-y", "$${filename}}"}};
  auto out = substitute_filename(fields, "dir/sub/pic.png");
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].name, "key");
  EXPECT_EQ(out[0].value, "a/pic.png/pic.png");
  EXPECT_EQ(out[1].value, "image/png");
  EXPECT_EQ(out[2].value, "${filename");
  EXPECT_EQ(out[3].value, "$pic.png}");
  EXPECT_EQ(substitute_filename(fields, "")[0].value, "a//");
  EXPECT_EQ(substitute_filename(fields, "back\\slash.txt")[0].value, "a/slash.txt/slash.txt");
  EXPECT_EQ(substitute_filename(fields, "trailing/")[0].value, "a//");
}

TEST(PresignPost, KeyStartsWith) {
  auto r = basic_request();
  r.key = "";
  const std::string_view prefix = "inbox/";
  r.key_starts_with = prefix;
  auto post = presign_post(r, local_endpoint(), credentials(), "us-east-1");
  ASSERT_TRUE(post) << post.error().message;
  EXPECT_EQ(field(post->fields, "key"), "inbox/${filename}");
  EXPECT_NE(post->policy_json.find("[\"starts-with\",\"$key\",\"inbox/\"]"), std::string::npos);

  r.key = "outbox/x";
  EXPECT_FALSE(presign_post(r, local_endpoint(), credentials(), "us-east-1"));
}

TEST(PresignPost, ExtraFieldsAndConditionsRoundTrip) {
  auto r = basic_request();
  const FormField extra[] = {{"Content-Type", "image/jpeg"},
                             {"success_action_status", "201"},
                             {"x-amz-meta-note", "say \"hi\" \\ to \xe6\x97\xa5\xe6\x9c\xac"}};
  PolicyCondition disposition;
  disposition.kind = Kind::kStartsWith;
  disposition.field = "Content-Disposition";
  disposition.value = "attachment";
  const PolicyCondition conditions[] = {disposition};
  r.fields = extra;
  r.conditions = conditions;
  r.content_length_range = std::make_pair(10, 1000);
  const auto post = presign_post(r, local_endpoint(), credentials(), "us-east-1");
  ASSERT_TRUE(post) << post.error().message;
  EXPECT_EQ(field(post->fields, "x-amz-meta-note"), extra[2].value);

  // The policy is valid JSON that parses back to what was asked.
  const auto parsed = parse_post_policy(post->policy_json);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->content_length_range(), std::make_pair(std::uint64_t{10}, std::uint64_t{1000}));
  EXPECT_EQ(json::parse(post->policy_json).at("conditions").as_array().size(), 10u);

  auto form = post->fields;
  form.push_back({"Content-Disposition", "attachment; filename=a.jpg"});
  form.push_back({"x-ignore-tracking", "anything"});
  const auto verified =
      verify_post(form, "uploads", at("2024-05-01T08:00:00Z"), "us-east-1", lookup_for());
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->policy.content_length_range(),
            std::make_pair(std::uint64_t{10}, std::uint64_t{1000}));
}

TEST(PresignPost, RefusesBadRequests) {
  const auto refuse = [](PresignPostRequest r, Credentials c = credentials(),
                         std::string_view region = "us-east-1") {
    const auto post = presign_post(r, local_endpoint(), c, region);
    EXPECT_FALSE(post);
    return post ? std::string() : post.error().message;
  };
  auto r = basic_request();
  EXPECT_NE(refuse(r, Credentials{}).find("credentials"), std::string::npos);
  EXPECT_NE(refuse(r, credentials(), "").find("region"), std::string::npos);
  r.bucket = "";
  EXPECT_NE(refuse(r).find("bucket"), std::string::npos);
  r = basic_request();
  r.key = "";
  EXPECT_NE(refuse(r).find("key"), std::string::npos);
  r = basic_request();
  r.expires = std::chrono::seconds(0);
  EXPECT_NE(refuse(r).find("expires"), std::string::npos);
  r.expires = std::chrono::seconds(604801);
  EXPECT_NE(refuse(r).find("expires"), std::string::npos);
  r = basic_request();
  r.key = "bad\xff utf-8";
  EXPECT_NE(refuse(r).find("UTF-8"), std::string::npos);
  r = basic_request();
  const std::string long_key(1025, 'k');
  r.key = long_key;
  EXPECT_NE(refuse(r).find("1024 bytes"), std::string::npos);
  r = basic_request();
  r.key = "line\nbreak";
  EXPECT_NE(refuse(r).find("control"), std::string::npos);
  r = basic_request();
  r.content_length_range = std::make_pair(10, 9);
  EXPECT_NE(refuse(r).find("minimum"), std::string::npos);

  r = basic_request();
  const FormField reserved[] = {{"Policy", "x"}};
  r.fields = reserved;
  EXPECT_NE(refuse(r).find("policy"), std::string::npos);
  const FormField twice[] = {{"acl", "private"}, {"ACL", "public-read"}};
  r.fields = twice;
  EXPECT_NE(refuse(r).find("twice"), std::string::npos);
  const FormField bad_name[] = {{"a b", "x"}};
  r.fields = bad_name;
  EXPECT_NE(refuse(r).find("token"), std::string::npos);
  const FormField bad_value[] = {{"acl", "a\r\nb"}};
  r.fields = bad_value;
  EXPECT_NE(refuse(r).find("printable"), std::string::npos);

  r = basic_request();
  PolicyCondition date;
  date.kind = Kind::kStartsWith;
  date.field = "x-amz-date";
  const PolicyCondition exact_only[] = {date};
  r.conditions = exact_only;
  EXPECT_NE(refuse(r).find("exact"), std::string::npos);
}

TEST(PresignPost, SecretNeverInTheOutput) {
  const auto post = presign_post(basic_request(), local_endpoint(), credentials(), "us-east-1");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->url.find(kSecret), std::string::npos);
  EXPECT_EQ(post->policy_json.find(kSecret), std::string::npos);
  for (const auto& f : post->fields) EXPECT_EQ(f.value.find(kSecret), std::string::npos);
}

// ---------------------------------------------------------------------------
// verify_post: each tampered element refused with S3's error

class VerifyPost : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = basic_request();
    const FormField extra[] = {{"acl", "private"}, {"Content-Type", "image/png"}};
    PolicyCondition meta;
    meta.kind = Kind::kStartsWith;
    meta.field = "x-amz-meta-tag";
    meta.value = "";
    const PolicyCondition conditions[] = {meta};
    r.key = "user/7/${filename}";
    r.fields = extra;
    r.conditions = conditions;
    r.content_length_range = std::make_pair(0, 1 << 20);
    auto post = presign_post(r, local_endpoint(), credentials(), "us-east-1");
    ASSERT_TRUE(post) << post.error().message;
    form_ = post->fields;
    form_.push_back({"x-amz-meta-tag", "holiday"});
  }

  Expected<VerifiedPost, AuthError> verify(const std::vector<FormField>& form,
                                           std::string_view bucket = "uploads",
                                           std::string_view now = "2024-05-01T08:05:00Z",
                                           std::string_view region = "us-east-1") {
    return verify_post(form, bucket, at(now), region, lookup_for());
  }

  void expect_refused(const std::vector<FormField>& form, AuthErrorCode code,
                      std::string_view message) {
    const auto result = verify(form);
    ASSERT_FALSE(result) << "accepted";
    EXPECT_EQ(result.error().code, code) << result.error().message;
    EXPECT_EQ(result.error().message, message);
    EXPECT_EQ(result.error().message.find(kSecret), std::string::npos);
  }
  // Refused for the policy condition `condition`, written as S3 prints it.
  void expect_condition_failed(const std::vector<FormField>& form, std::string_view condition) {
    expect_refused(
        form, AuthErrorCode::kAccessDenied,
        "Invalid according to Policy: Policy Condition failed: " + std::string(condition));
  }
  // The signed form with one field set to `value`.
  std::vector<FormField> with_field(std::string_view name, std::string value) const {
    auto form = form_;
    set_field(form, name, std::move(value));
    return form;
  }

  std::vector<FormField> form_;
};

TEST_F(VerifyPost, AcceptsTheUntouchedForm) {
  const auto result = verify(form_);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->access_key_id, kAccessKeyId);
}

TEST_F(VerifyPost, FieldNamesAreCaseInsensitive) {
  auto form = form_;
  for (auto& f : form) {
    for (auto& c : f.name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  const auto result = verify(form);
  EXPECT_TRUE(result) << result.error().message;
}

TEST_F(VerifyPost, SignatureTampered) {
  auto form = form_;
  std::string sig = field(form, "x-amz-signature");
  sig[5] = sig[5] == 'a' ? 'b' : 'a';
  set_field(form, "x-amz-signature", sig);
  const auto result = verify(form);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, AuthErrorCode::kSignatureDoesNotMatch);
  EXPECT_EQ(result.error().access_key_id, kAccessKeyId);
  EXPECT_EQ(result.error().string_to_sign, field(form, "policy"));
  EXPECT_EQ(result.error().signature_provided, sig);

  set_field(form, "x-amz-signature", "");
  EXPECT_EQ(verify(form).error().code, AuthErrorCode::kSignatureDoesNotMatch);
}

TEST_F(VerifyPost, PolicyTampered) {
  // A later expiration, re-encoded: the signature no longer covers it.
  auto form = form_;
  std::string policy_json;
  ASSERT_TRUE(base64_decode(field(form, "policy"), policy_json));
  const auto at_ = policy_json.find("2024-05-01T08:10");
  ASSERT_NE(at_, std::string::npos);
  policy_json.replace(at_, 16, "2034-05-01T08:10");
  set_field(form, "policy", base64_encode(policy_json));
  EXPECT_EQ(verify(form).error().code, AuthErrorCode::kSignatureDoesNotMatch);
}

TEST_F(VerifyPost, EachConditionRefused) {
  expect_condition_failed(with_field("acl", "public-read"), R"(["eq", "$acl", "private"])");
  expect_condition_failed(with_field("Content-Type", "image/jpeg"),
                          R"(["eq", "$content-type", "image/png"])");
  expect_condition_failed(with_field("key", "user/8/x"), R"(["starts-with", "$key", "user/7/"])");
  auto without_acl = form_;
  remove_field(without_acl, "acl");
  expect_condition_failed(without_acl, R"(["eq", "$acl", "private"])");
  expect_condition_failed(with_field("x-amz-date", "20240501T080001Z"),
                          R"(["eq", "$x-amz-date", "20240501T080000Z"])");

  const auto other_bucket = verify(form_, "downloads");
  ASSERT_FALSE(other_bucket);
  EXPECT_EQ(other_bucket.error().message,
            "Invalid according to Policy: Policy Condition failed: "
            "[\"eq\", \"$bucket\", \"uploads\"]");
}

TEST_F(VerifyPost, ExtraFieldsRefusedExceptTheExemptOnes) {
  auto form = form_;
  form.push_back({"X-Amz-Meta-Extra", "1"});
  expect_refused(form, AuthErrorCode::kAccessDenied,
                 "Invalid according to Policy: Extra input fields: x-amz-meta-extra");
  form = form_;
  form.push_back({"success_action_redirect", "https://evil.example/"});
  expect_refused(form, AuthErrorCode::kAccessDenied,
                 "Invalid according to Policy: Extra input fields: success_action_redirect");
  form = form_;
  form.push_back({"x-ignore-anything", "1"});
  form.push_back({"X-Ignore-Other", "2"});
  EXPECT_TRUE(verify(form));
}

TEST_F(VerifyPost, Expired) {
  const auto result = verify(form_, "uploads", "2024-05-01T08:10:00Z");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, AuthErrorCode::kAccessDenied);
  EXPECT_EQ(result.error().message, "Invalid according to Policy: Policy expired.");
  EXPECT_TRUE(verify(form_, "uploads", "2024-05-01T08:09:59Z"));
}

TEST_F(VerifyPost, MissingFields) {
  auto form = form_;
  remove_field(form, "key");
  expect_refused(form, AuthErrorCode::kInvalidArgument,
                 "Bucket POST must contain a field named 'key'.  If it is specified, please check "
                 "the order of the fields.");
  for (const auto& [name, display] :
       std::vector<std::pair<std::string, std::string>>{{"x-amz-signature", "X-Amz-Signature"},
                                                        {"x-amz-algorithm", "X-Amz-Algorithm"},
                                                        {"x-amz-credential", "X-Amz-Credential"},
                                                        {"x-amz-date", "X-Amz-Date"}}) {
    form = form_;
    remove_field(form, name);
    expect_refused(form, AuthErrorCode::kInvalidArgument,
                   "Bucket POST must contain a field named '" + display +
                       "'.  If it is specified, please check the order of the fields.");
  }
  form = form_;
  remove_field(form, "policy");
  expect_refused(form, AuthErrorCode::kAccessDenied, "Access Denied");
  form = form_;
  for (const char* name :
       {"x-amz-signature", "x-amz-algorithm", "x-amz-credential", "x-amz-date"}) {
    remove_field(form, name);
  }
  expect_refused(form, AuthErrorCode::kAccessDenied, "Access Denied");
  form.push_back({"AWSAccessKeyId", std::string(kAccessKeyId)});
  form.push_back({"Signature", "abc="});
  expect_refused(form, AuthErrorCode::kInvalidRequest,
                 "The authorization mechanism you have provided is not supported. Please use "
                 "AWS4-HMAC-SHA256.");
}

TEST_F(VerifyPost, DuplicateFieldRefused) {
  auto form = form_;
  form.push_back({"Key", "user/7/other"});
  const auto result = verify(form);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, AuthErrorCode::kInvalidArgument);
  EXPECT_NE(result.error().message.find("\"key\" appears more than once"), std::string::npos);
}

TEST_F(VerifyPost, CredentialProblems) {
  // A field of the signed form set to a bad value, and a part of the refusal's message.
  struct Bad {
    std::string_view name;
    std::string_view value;
    std::string_view message_part;
  };
  const auto refused_as = [&](AuthErrorCode code, std::initializer_list<Bad> rows) {
    for (const Bad& bad : rows) {
      const auto result = verify(with_field(bad.name, std::string(bad.value)));
      if (result) {
        ADD_FAILURE() << "accepted: " << bad.name << "=" << bad.value;
        continue;
      }
      EXPECT_EQ(result.error().code, code) << bad.name << "=" << bad.value;
      EXPECT_NE(result.error().message.find(bad.message_part), std::string::npos)
          << bad.name << "=" << bad.value << ": " << result.error().message;
    }
  };
  refused_as(AuthErrorCode::kInvalidArgument,
             {
                 {"x-amz-algorithm", "AWS4-HMAC-SHA1", "only supports \"AWS4-HMAC-SHA256\""},
                 {"x-amz-credential", "AKIAIOSFODNN7EXAMPLE/20240501/us-east-1/s3", "mal-formed"},
                 {"x-amz-credential", "AKIAIOSFODNN7EXAMPLE/2024050/us-east-1/s3/aws4_request",
                  "mal-formed"},
                 {"x-amz-credential", "/20240501/us-east-1/s3/aws4_request", "mal-formed"},
                 {"x-amz-credential", "AKIAIOSFODNN7EXAMPLE/20240501/us-east-1/s3/aws4_request/x",
                  "mal-formed"},
                 {"x-amz-credential", "AKIAIOSFODNN7EXAMPLE/20240501/eu-west-1/s3/aws4_request",
                  "the region \"eu-west-1\" is wrong"},
                 {"x-amz-credential", "AKIAIOSFODNN7EXAMPLE/20240501/us-east-1/ec2/aws4_request",
                  "incorrect service"},
                 {"x-amz-credential", "AKIAIOSFODNN7EXAMPLE/20240501/us-east-1/s3/aws5_request",
                  "incorrect terminal"},
                 {"x-amz-credential", "AKIAIOSFODNN7EXAMPLE/20240502/us-east-1/s3/aws4_request",
                  "does not match X-Amz-Date"},
                 {"x-amz-date", "2024-05-01T08:00:00Z", "ISO8601 Long Format"},
             });
  refused_as(AuthErrorCode::kInvalidAccessKeyId,
             {
                 {"x-amz-credential", "AKIDUNKNOWN/20240501/us-east-1/s3/aws4_request",
                  "does not exist in our records"},
             });
}

TEST_F(VerifyPost, SessionTokens) {
  // A form from a long-term key that carries a token is refused ...
  auto form = form_;
  form.push_back({"x-amz-security-token", "token"});
  expect_refused(form, AuthErrorCode::kInvalidToken,
                 "The provided token is malformed or otherwise invalid.");

  // ... and a temporary key's form needs its token, exactly.
  const std::string token(kSessionToken);
  const auto post =
      presign_post(basic_request(), local_endpoint(), credentials(token), "us-east-1");
  ASSERT_TRUE(post);
  const auto check = [&](const std::vector<FormField>& f) {
    return verify_post(f, "uploads", at("2024-05-01T08:05:00Z"), "us-east-1", lookup_for(token));
  };
  EXPECT_TRUE(check(post->fields));
  auto wrong = post->fields;
  set_field(wrong, "x-amz-security-token", token + "x");
  EXPECT_EQ(check(wrong).error().code, AuthErrorCode::kInvalidToken);
  remove_field(wrong, "x-amz-security-token");
  EXPECT_EQ(check(wrong).error().code, AuthErrorCode::kInvalidToken);
}

// A policy the key holder signed but which S3 would not accept: the
// signature holds, so the policy's own faults are reported.
std::vector<FormField> signed_form(const std::string& policy_json) {
  const std::string b64 = base64_encode(policy_json);
  const SigningKey key(SecretKey(std::string(kSecret)), "20240501", "us-east-1", "s3");
  return {{"key", "k"},
          {"x-amz-algorithm", "AWS4-HMAC-SHA256"},
          {"x-amz-credential", "AKIAIOSFODNN7EXAMPLE/20240501/us-east-1/s3/aws4_request"},
          {"x-amz-date", "20240501T080000Z"},
          {"policy", b64},
          {"x-amz-signature", sign_policy(b64, key)}};
}

constexpr std::string_view kSigningConditions =
    "{\"x-amz-algorithm\":\"AWS4-HMAC-SHA256\"},"
    "{\"x-amz-credential\":\"AKIAIOSFODNN7EXAMPLE/20240501/us-east-1/s3/aws4_request\"},"
    "{\"x-amz-date\":\"20240501T080000Z\"}";

TEST_F(VerifyPost, BucketNeedsACondition) {
  const auto form = signed_form("{\"expiration\":\"2024-05-02T00:00:00Z\",\"conditions\":[" +
                                std::string(kSigningConditions) + ",{\"key\":\"k\"}]}");
  expect_refused(form, AuthErrorCode::kAccessDenied,
                 "Invalid according to Policy: Extra input fields: bucket");
}

TEST_F(VerifyPost, EqualsOnAKeyWithTheVariableFailsAfterSubstitution) {
  // As on S3: the condition is checked against the substituted key.
  const auto form = signed_form("{\"expiration\":\"2024-05-02T00:00:00Z\",\"conditions\":[" +
                                std::string(kSigningConditions) +
                                ",{\"bucket\":\"uploads\"},{\"key\":\"in/${filename}\"}]}");
  auto with_variable = form;
  set_field(with_variable, "key", "in/${filename}");
  expect_refused(substitute_filename(with_variable, "a.txt"), AuthErrorCode::kAccessDenied,
                 "Invalid according to Policy: Policy Condition failed: "
                 "[\"eq\", \"$key\", \"in/${filename}\"]");
}

TEST_F(VerifyPost, SignedButInvalidPolicy) {
  auto form = signed_form("{\"expiration\":\"tomorrow\",\"conditions\":[]}");
  EXPECT_EQ(verify(form).error().code, AuthErrorCode::kInvalidPolicyDocument);
  form = signed_form("not json");
  EXPECT_EQ(verify(form).error().code, AuthErrorCode::kInvalidPolicyDocument);
  // Signed text that is not base64.
  const SigningKey key(SecretKey(std::string(kSecret)), "20240501", "us-east-1", "s3");
  set_field(form, "policy", "***");
  set_field(form, "x-amz-signature", sign_policy("***", key));
  const auto result = verify(form);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, AuthErrorCode::kInvalidPolicyDocument);
  EXPECT_NE(result.error().message.find("base64"), std::string::npos);
}

TEST_F(VerifyPost, ContentTypeListsMatchEachValue) {
  const auto form_with = [](std::string content_type) {
    auto form = signed_form("{\"expiration\":\"2024-05-02T00:00:00Z\",\"conditions\":[" +
                            std::string(kSigningConditions) +
                            ",{\"bucket\":\"uploads\"},{\"key\":\"k\"},"
                            "[\"starts-with\",\"$Content-Type\",\"image/\"]]}");
    form.push_back({"Content-Type", std::move(content_type)});
    return form;
  };
  EXPECT_TRUE(verify(form_with("image/png")));
  EXPECT_TRUE(verify(form_with("image/jpg,image/png,image/gif")));
  EXPECT_FALSE(verify(form_with("image/jpg,text/plain")));
  EXPECT_FALSE(verify(form_with("text/plain")));
}

TEST_F(VerifyPost, MissingFieldComparesAsEmpty) {
  // ["starts-with", "$x-amz-meta-tag", ""] accepts the field's absence.
  auto form = form_;
  remove_field(form, "x-amz-meta-tag");
  EXPECT_TRUE(verify(form));
}

// ---------------------------------------------------------------------------
// parse_post_policy: strict and hostile-input safe

std::string policy_with(std::string_view conditions) {
  return "{\"expiration\":\"2030-01-01T00:00:00Z\",\"conditions\":[" + std::string(conditions) +
         "]}";
}

void expect_invalid(std::string_view text, std::string_view message_part) {
  const auto result = parse_post_policy(text);
  ASSERT_FALSE(result) << "accepted: " << text.substr(0, 200);
  EXPECT_EQ(result.error().code, AuthErrorCode::kInvalidPolicyDocument);
  EXPECT_EQ(result.error().message.rfind("Invalid Policy: ", 0), 0u) << result.error().message;
  EXPECT_NE(result.error().message.find(message_part), std::string::npos)
      << result.error().message << "\nexpected to contain: " << message_part;
  EXPECT_LT(result.error().message.size(), 300u);
}

// Rows of {policy text, a part of the refusal's message}.
using Invalid = std::pair<std::string_view, std::string_view>;

void expect_invalid(std::initializer_list<Invalid> rows) {
  for (const auto& [text, message_part] : rows) expect_invalid(text, message_part);
}

// The same with each row's text as the conditions of an otherwise valid policy.
void expect_invalid_conditions(std::initializer_list<Invalid> rows) {
  for (const auto& [conditions, message_part] : rows) {
    expect_invalid(policy_with(conditions), message_part);
  }
}

TEST(ParsePostPolicy, AcceptsWhatS3Accepts) {
  const auto p = parse_post_policy(policy_with(
      "{\"Bucket\":\"b\"},[\"EQ\",\"$Key\",\"k\"],[\"starts-with\",\"$x-amz-meta-a\",\"\"],"
      "[\"content-length-range\",\"1\",1048576]"));
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->conditions.size(), 4u);
  EXPECT_EQ(p->conditions[0].field, "bucket");
  EXPECT_EQ(p->conditions[1].kind, Kind::kEquals);
  EXPECT_EQ(p->conditions[1].field, "key");
  EXPECT_EQ(p->content_length_range(), std::make_pair(std::uint64_t{1}, std::uint64_t{1048576}));
  // Whitespace, the expiration without milliseconds, an empty list, big bounds.
  EXPECT_TRUE(parse_post_policy(
      " { \"conditions\" : [ ] ,\n \"expiration\" : \"2030-01-01T00:00:00.123Z\" } "));
  EXPECT_TRUE(parse_post_policy(policy_with("[\"content-length-range\",0,18446744073709551615]")));
}

TEST(ParsePostPolicy, ToJsonRoundTripsAndEscapes) {
  PostPolicy p;
  p.expiration = at("2030-01-01T00:00:00Z");
  const std::string tricky = std::string("q\"b\\s/\n\t\x01\x1f") + "\xc3\xa9\xf0\x9f\x98\x80";
  p.conditions.push_back({Kind::kEquals, "x-amz-meta-a", tricky, 0, 0});
  p.conditions.push_back({Kind::kStartsWith, "key", "a\"b", 0, 0});
  p.conditions.push_back({Kind::kContentLengthRange, "", "", 5, 18446744073709551615ull});
  const std::string text = p.to_json();
  // Valid JSON by an independent reader.
  json::error_code ec;
  const json::value v = json::parse(text, ec);
  ASSERT_FALSE(ec) << text;
  EXPECT_EQ(v.at("conditions").at(0).at("x-amz-meta-a").as_string(), tricky);
  const auto back = parse_post_policy(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->expiration, p.expiration);
  ASSERT_EQ(back->conditions.size(), 3u);
  EXPECT_EQ(back->conditions[0].value, tricky);
  EXPECT_EQ(back->conditions[1].kind, Kind::kStartsWith);
  EXPECT_EQ(back->conditions[1].value, "a\"b");
  EXPECT_EQ(back->conditions[2].max_length, 18446744073709551615ull);
}

TEST(ParsePostPolicy, RefusesMalformedDocuments) {
  expect_invalid("", "not valid JSON");
  expect_invalid("{", "not valid JSON");
  expect_invalid("{\"expiration\":\"2030-01-01T00:00:00Z\",\"conditions\":[],}", "not valid JSON");
  expect_invalid("{\"expiration\":\"2030-01-01T00:00:00Z\",/*x*/\"conditions\":[]}",
                 "not valid JSON");
  expect_invalid(policy_with("{\"a\":\"\xff\"}"), "not valid JSON");
  expect_invalid(policy_with("{}") + "x", "not valid JSON");
  expect_invalid("[]", "must be an object");
  expect_invalid("\"x\"", "must be an object");
  expect_invalid(std::string(20 * 1024 + 1, ' '), "exceeds 20480 bytes");
  std::string deep = "{\"expiration\":\"2030-01-01T00:00:00Z\",\"conditions\":[";
  for (int i = 0; i < 10000; ++i) deep += "[";
  expect_invalid(deep, "nested too deeply");
  expect_invalid(policy_with("[\"eq\",\"$key\",[\"x\"]]"), "nested too deeply");
}

TEST(ParsePostPolicy, RefusesBadTopLevel) {
  expect_invalid({
      {"{\"conditions\":[]}", "Policy missing expiration."},
      {"{\"expiration\":\"2030-01-01T00:00:00Z\"}", "Policy missing conditions."},
      {"{\"expiration\":\"2030-01-01T00:00:00Z\",\"conditions\":{}}", "Invalid 'conditions' value"},
      {"{\"expiration\":\"2030-01-01\",\"conditions\":[]}", "Invalid 'expiration' value"},
      {"{\"expiration\":\"2030-01-01T00:00:00+01:00\",\"conditions\":[]}",
       "Invalid 'expiration' value"},
      {"{\"expiration\":\"2030-02-30T00:00:00Z\",\"conditions\":[]}", "Invalid 'expiration' value"},
      {"{\"expiration\":1893456000,\"conditions\":[]}", "Invalid 'expiration' value"},
      {"{\"expiration\":\"2030-01-01T00:00:00Z\",\"conditions\":[],\"Expiration\":\"x\"}",
       "unexpected field \"Expiration\""},
      {"{\"expiration\":\"2099-01-01T00:00:00Z\",\"conditions\":[],"
       "\"expiration\":\"2000-01-01T00:00:00Z\"}",
       "duplicate key \"expiration\""},
  });
}

TEST(ParsePostPolicy, RefusesBadConditions) {
  expect_invalid_conditions({
      {"{\"bucket\":\"a\",\"key\":\"b\"}",
       "Simple-Conditions must have exactly one property specified."},
      {"{}", "exactly one property"},
      {"{\"bucket\":\"a\",\"bucket\":\"b\"}", "duplicate key \"bucket\""},
      {"{\"bucket\":1}", "must be a string"},
      {"{\"\":\"x\"}", "empty field name"},
      {"\"eq\"", "must be an object or an array"},
      {"[]", "must name the operation"},
      {"[1,\"$key\",\"x\"]", "must name the operation"},
      {"[\"eq\",\"$key\"]", "exactly two arguments"},
      {"[\"eq\",\"$key\",\"a\",\"b\"]", "exactly two arguments"},
      {"[\"ne\",\"$key\",\"a\"]", "unknown operation \"ne\""},
      {"[\"eq\",\"key\",\"a\"]", "must start with '$'"},
      {"[\"eq\",\"$\",\"a\"]", "must start with '$'"},
      {"[\"eq\",\"$key\",1]", "takes a field name and a string"},
      {"[\"starts-with\",\"$key\",null]", "takes a field name and a string"},
      {"[\"starts-with\",\"$X-Amz-Date\",\"2024\"]", "$x-amz-date only supports exact matching"},
      {"[\"starts-with\",\"$bucket\",\"\"]", "only supports exact matching"},
      {"[\"content-length-range\",-1,10]", "non-negative integers"},
      {"[\"content-length-range\",1.5,10]", "non-negative integers"},
      {"[\"content-length-range\",1,1e3]", "non-negative integers"},
      {"[\"content-length-range\",\"1k\",10]", "non-negative integers"},
      {"[\"content-length-range\",\"\",10]", "non-negative integers"},
      {"[\"content-length-range\",\" 1\",10]", "non-negative integers"},
      {"[\"content-length-range\",\"-1\",10]", "non-negative integers"},
      {"[\"content-length-range\",1,\"99999999999999999999\"]", "non-negative integers"},
      {"[\"content-length-range\",true,10]", "non-negative integers"},
      {"[\"content-length-range\",11,10]", "minimum exceeds its maximum"},
      {"[\"content-length-range\",1,10],[\"content-length-range\",1,10]",
       "more than one content-length-range"},
  });
}

TEST(ParsePostPolicy, ErrorMessagesStayBounded) {
  expect_invalid("{\"expiration\":\"" + std::string(10000, 'x') + "\",\"conditions\":[]}",
                 "Invalid 'expiration' value");
  expect_invalid(policy_with("[\"" + std::string(10000, 'o') + "\",\"$key\",\"a\"]"),
                 "unknown operation");
}

}  // namespace
}  // namespace upgate::sigv4
