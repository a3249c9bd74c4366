#include "upgate/api/upload_request.hpp"

#include <gtest/gtest.h>

namespace upgate::api {
namespace {

Expected<UploadRequest, ApiError> seed(std::string_view body) {
  auto object = parse_json_object(body);
  if (!object) return Unexpected(object.error());
  return read_seed_request(*object);
}

Expected<UploadRequest, ApiError> v1(std::string_view body) {
  auto object = parse_json_object(body);
  if (!object) return Unexpected(object.error());
  return read_v1_request(*object);
}

ErrorCode code_of(const Expected<UploadRequest, ApiError>& r) {
  EXPECT_FALSE(r);
  return r ? ErrorCode::internal_error : r.error().code;
}

TEST(ParseJsonObject, RefusesNonJsonNonObjectsAndOversizedBodies) {
  EXPECT_EQ(parse_json_object("not json").error().code, ErrorCode::invalid_json);
  EXPECT_EQ(parse_json_object("").error().code, ErrorCode::invalid_json);
  EXPECT_EQ(parse_json_object("{\"a\":1} trailing").error().code, ErrorCode::invalid_json);
  EXPECT_EQ(parse_json_object("{\"a\":\"\xFF\"}").error().code, ErrorCode::invalid_json);
  EXPECT_EQ(parse_json_object("{\"a\":\"\\ud800\"}").error().code, ErrorCode::invalid_json);
  EXPECT_EQ(parse_json_object("[1,2]").error().code, ErrorCode::not_an_object);
  EXPECT_EQ(parse_json_object("\"str\"").error().code, ErrorCode::not_an_object);
  EXPECT_EQ(parse_json_object("null").error().code, ErrorCode::not_an_object);
  EXPECT_EQ(parse_json_object(std::string(16 * 1024 + 1, ' ')).error().code,
            ErrorCode::body_too_large);
  std::string deep(20, '[');
  EXPECT_EQ(parse_json_object("{\"a\":" + deep + std::string(20, ']') + "}").error().code,
            ErrorCode::invalid_json);
}

TEST(ReadSeedRequest, TheSeedsBody) {
  const auto r = seed(
      R"({"fileName":"cat.png","fileType":"image/png","fileSize":1234,"folderName":"services"})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->file_name, "cat.png");
  EXPECT_EQ(r->content_type, "image/png");
  EXPECT_EQ(r->size, 1234u);
  EXPECT_EQ(r->profile, "services");
}

TEST(ReadSeedRequest, MissingEmptyNullZeroAreAllMissing) {
  const std::string fields[] = {"fileName", "fileType", "fileSize", "folderName"};
  const std::string values[] = {"\"cat.png\"", "\"image/png\"", "10", "\"f\""};
  for (int i = 0; i < 4; ++i) {
    for (const std::string& replacement :
         {std::string("<absent>"), std::string("null"), std::string("\"\""), std::string("0"),
          std::string("false")}) {
      std::string body = "{";
      for (int j = 0; j < 4; ++j) {
        if (j == i && replacement == "<absent>") continue;
        if (body.size() > 1) body += ",";
        body += "\"" + fields[j] + "\":" + (j == i ? replacement : values[j]);
      }
      body += "}";
      const auto r = seed(body);
      ASSERT_FALSE(r) << body;
      EXPECT_EQ(r.error().code, ErrorCode::missing_field) << body;
      EXPECT_EQ(r.error().field, fields[i]) << body;
    }
  }
}

TEST(ReadSeedRequest, WrongTypes) {
  EXPECT_EQ(code_of(seed(R"({"fileName":5,"fileType":"a/b","fileSize":1,"folderName":"f"})")),
            ErrorCode::wrong_type);
  EXPECT_EQ(code_of(seed(R"({"fileName":"a","fileType":["a/b"],"fileSize":1,"folderName":"f"})")),
            ErrorCode::wrong_type);
  EXPECT_EQ(code_of(seed(R"({"fileName":"a","fileType":"a/b","fileSize":"12","folderName":"f"})")),
            ErrorCode::wrong_type);
  EXPECT_EQ(code_of(seed(R"({"fileName":"a","fileType":"a/b","fileSize":1,"folderName":{}})")),
            ErrorCode::wrong_type);
  EXPECT_EQ(code_of(seed(R"({"fileName":"a","fileType":"a/b","fileSize":true,"folderName":"f"})")),
            ErrorCode::wrong_type);
}

TEST(ReadSeedRequest, BadSizes) {
  for (const char* size : {"-1", "1.5", "-0.5", "5497558138881", "1e300", "18446744073709551615"}) {
    const std::string body =
        std::string(R"({"fileName":"a","fileType":"a/b","folderName":"f","fileSize":)") + size +
        "}";
    const auto r = seed(body);
    ASSERT_FALSE(r) << size;
    EXPECT_EQ(r.error().code, ErrorCode::invalid_size) << size;
    EXPECT_EQ(r.error().field, "fileSize");
  }
  // An integral number written with an exponent is still a whole number of bytes.
  const auto r = seed(R"({"fileName":"a","fileType":"a/b","folderName":"f","fileSize":1e3})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size, 1000u);
  const auto max =
      seed(R"({"fileName":"a","fileType":"a/b","folderName":"f","fileSize":5497558138880})");
  ASSERT_TRUE(max);
}

TEST(ReadV1Request, FullForm) {
  const auto r = v1(R"({"profile":"avatars","fileName":"me.png","contentType":"image/png","size":99,
    "sha256":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","metadata":{"User-Id":"42","note":"hi"}})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->profile, "avatars");
  EXPECT_EQ(r->size, 99u);
  EXPECT_EQ(r->sha256_base64, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  ASSERT_EQ(r->metadata.size(), 2u);
  EXPECT_EQ(r->metadata[0].first, "user-id");
}

TEST(ReadV1Request, FolderNameIsAnAliasButNotBoth) {
  EXPECT_TRUE(v1(R"({"folderName":"x","fileName":"a","contentType":"a/b","size":1})"));
  EXPECT_EQ(code_of(v1(
                R"({"profile":"p","folderName":"x","fileName":"a","contentType":"a/b","size":1})")),
            ErrorCode::wrong_type);
  const auto none = v1(R"({"fileName":"a","contentType":"a/b","size":1})");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::missing_field);
  EXPECT_EQ(none.error().field, "profile");
}

TEST(ReadV1Request, ZeroSizeIsInvalidNotMissing) {
  const auto r = v1(R"({"profile":"p","fileName":"a","contentType":"a/b","size":0})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid_size);
}

TEST(ReadV1Request, BadChecksumTypeAndMetadata) {
  const std::string base = R"({"profile":"p","fileName":"a","contentType":"a/b","size":1,)";
  EXPECT_EQ(code_of(v1(base + R"("sha256":123})")), ErrorCode::wrong_type);
  EXPECT_EQ(code_of(v1(base + R"("metadata":[1]})")), ErrorCode::wrong_type);
  EXPECT_EQ(code_of(v1(base + R"("metadata":{"a":1}})")), ErrorCode::wrong_type);
  EXPECT_EQ(code_of(v1(base + R"("metadata":{"bad name":"x"}})")), ErrorCode::invalid_metadata);
  EXPECT_EQ(code_of(v1(base + R"("metadata":{"a":"line\nbreak"}})")), ErrorCode::invalid_metadata);
  EXPECT_EQ(code_of(v1(base + R"("metadata":{"a":"é"}})")), ErrorCode::invalid_metadata);
  EXPECT_EQ(code_of(v1(base + R"("metadata":{"a":" padded"}})")), ErrorCode::invalid_metadata);
  EXPECT_EQ(code_of(v1(base + R"("metadata":{"A":"1","a":"2"}})")), ErrorCode::invalid_metadata);
  EXPECT_EQ(code_of(v1(base + R"("metadata":{"a":")" + std::string(2100, 'x') + "\"}}")),
            ErrorCode::invalid_metadata);
}

}  // namespace
}  // namespace upgate::api
