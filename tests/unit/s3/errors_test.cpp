#include "upgate/s3/errors.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

namespace upgate::s3 {
namespace {

// S3's documented status for each code (API reference, "List of error codes"),
// written out independently of the implementation's table.
const std::map<std::string, int> kExpectedStatus = {
    {"AccessDenied", 403},
    {"AccountProblem", 403},
    {"AllAccessDisabled", 403},
    {"SignatureDoesNotMatch", 403},
    {"InvalidAccessKeyId", 403},
    {"AuthorizationHeaderMalformed", 400},
    {"AuthorizationQueryParametersError", 400},
    {"RequestTimeTooSkewed", 403},
    {"MissingSecurityHeader", 400},
    {"ExpiredToken", 400},
    {"InvalidToken", 400},
    {"InvalidRequest", 400},
    {"InvalidArgument", 400},
    {"InvalidURI", 400},
    {"BadRequest", 400},
    {"NotImplemented", 501},
    {"MethodNotAllowed", 405},
    {"MissingContentLength", 411},
    {"MissingRequestBodyError", 400},
    {"RequestTimeout", 400},
    {"UnexpectedContent", 400},
    {"MaxMessageLengthExceeded", 400},
    {"RequestHeaderSectionTooLarge", 400},
    {"NoSuchBucket", 404},
    {"BucketAlreadyExists", 409},
    {"BucketAlreadyOwnedByYou", 409},
    {"BucketNotEmpty", 409},
    {"InvalidBucketName", 400},
    {"InvalidBucketState", 409},
    {"TooManyBuckets", 400},
    {"InvalidLocationConstraint", 400},
    {"IllegalLocationConstraintException", 400},
    {"NoSuchKey", 404},
    {"KeyTooLongError", 400},
    {"MetadataTooLarge", 400},
    {"EntityTooLarge", 400},
    {"EntityTooSmall", 400},
    {"IncompleteBody", 400},
    {"BadDigest", 400},
    {"XAmzContentSHA256Mismatch", 400},
    {"InvalidDigest", 400},
    {"InvalidRange", 416},
    {"InvalidPartNumber", 416},
    {"InvalidStorageClass", 400},
    {"InvalidTag", 400},
    {"InvalidObjectState", 403},
    {"NoSuchUpload", 404},
    {"InvalidPart", 400},
    {"InvalidPartOrder", 400},
    {"PreconditionFailed", 412},
    {"NotModified", 304},
    {"ConditionalRequestConflict", 409},
    {"MalformedXML", 400},
    {"MalformedPOSTRequest", 400},
    {"InvalidPolicyDocument", 400},
    {"IncorrectNumberOfFilesInPostRequest", 400},
    {"MaxPostPreDataLengthExceededError", 400},
    {"RequestIsNotMultiPartContent", 400},
    {"UserKeyMustBeSpecified", 400},
    {"AccessForbidden", 403},
    {"NoSuchCORSConfiguration", 404},
    {"NoSuchLifecycleConfiguration", 404},
    {"InternalError", 500},
    {"ServiceUnavailable", 503},
    {"SlowDown", 503},
};

TEST(ErrorsTest, EveryCodeHasS3sStatus) {
  ASSERT_EQ(all_error_infos().size(), kExpectedStatus.size());
  for (const ErrorInfo& info : all_error_infos()) {
    const auto it = kExpectedStatus.find(std::string(info.name));
    ASSERT_NE(it, kExpectedStatus.end()) << info.name;
    EXPECT_EQ(info.http_status, it->second) << info.name;
    EXPECT_EQ(make_error(info.code).http_status(), it->second) << info.name;
  }
}

TEST(ErrorsTest, NamesAreUniqueAndRoundTrip) {
  std::set<std::string_view> names;
  for (const ErrorInfo& info : all_error_infos()) {
    EXPECT_TRUE(names.insert(info.name).second) << info.name;
    EXPECT_FALSE(info.default_message.empty()) << info.name;
    EXPECT_EQ(error_info(info.code).name, info.name);
    EXPECT_EQ(error_code_from_name(info.name), info.code);
  }
  EXPECT_FALSE(error_code_from_name("nosuchkey").has_value());
  EXPECT_FALSE(error_code_from_name("").has_value());
}

TEST(ErrorsTest, MessagesAreS3s) {
  EXPECT_EQ(make_error(ErrorCode::NoSuchKey).effective_message(),
            "The specified key does not exist.");
  EXPECT_EQ(make_error(ErrorCode::NoSuchBucket).effective_message(),
            "The specified bucket does not exist");
  EXPECT_EQ(make_error(ErrorCode::AccessDenied).effective_message(), "Access Denied");
  EXPECT_EQ(make_error(ErrorCode::MalformedXML).effective_message(),
            "The XML you provided was not well-formed or did not validate against our published "
            "schema");
  EXPECT_EQ(make_error(ErrorCode::AccessDenied, "Request has expired").effective_message(),
            "Request has expired");
  EXPECT_EQ(make_error(ErrorCode::InvalidPartNumber).effective_message(),
            "The requested partnumber is not satisfiable");
  EXPECT_EQ(make_error(ErrorCode::RequestHeaderSectionTooLarge).effective_message(),
            "Your request header section exceeds the maximum allowed size.");
}

TEST(ErrorsTest, RendersTheDocumentedShape) {
  // The example of the S3 API reference, "REST error responses".
  S3Error e = make_error(ErrorCode::NoSuchKey, "The resource you requested does not exist");
  e.resource = "/mybucket/myfoto.jpg";
  EXPECT_EQ(render_error_xml(e, "4442587FB7D0A2F9"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<Error><Code>NoSuchKey</Code><Message>The resource you requested does not "
            "exist</Message><Resource>/mybucket/myfoto.jpg</Resource>"
            "<RequestId>4442587FB7D0A2F9</RequestId></Error>");
}

TEST(ErrorsTest, ExtraElementsKeepTheirOrderAndHostIdComesLast) {
  const S3Error e = make_error(ErrorCode::NoSuchBucket).with("BucketName", "photos");
  EXPECT_EQ(render_error_xml(e, "RID", "HID"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist"
            "</Message><BucketName>photos</BucketName><RequestId>RID</RequestId>"
            "<HostId>HID</HostId></Error>");
}

TEST(ErrorsTest, EscapesEveryValue) {
  S3Error e = make_error(ErrorCode::NoSuchKey, "a<b>&\"c'");
  e.resource = "/b/<k>";
  e.with("Key", "x&y");
  const std::string xml = render_error_xml(e, "<id>");
  EXPECT_NE(xml.find("<Message>a&lt;b&gt;&amp;&quot;c&apos;</Message>"), std::string::npos);
  EXPECT_NE(xml.find("<Resource>/b/&lt;k&gt;</Resource>"), std::string::npos);
  EXPECT_NE(xml.find("<Key>x&amp;y</Key>"), std::string::npos);
  EXPECT_NE(xml.find("<RequestId>&lt;id&gt;</RequestId>"), std::string::npos);
}

TEST(ErrorsTest, ReasonIsNeverRendered) {
  const S3Error e = make_error(ErrorCode::MalformedXML).because("secret internal detail");
  EXPECT_EQ(e.reason, "secret internal detail");
  EXPECT_EQ(render_error_xml(e, "r").find("secret"), std::string::npos);
}

TEST(ErrorsTest, NotModifiedHasNoBody) {
  EXPECT_FALSE(has_error_body(ErrorCode::NotModified));
  EXPECT_TRUE(has_error_body(ErrorCode::PreconditionFailed));
  EXPECT_TRUE(has_error_body(ErrorCode::NoSuchKey));
}

TEST(ErrorsTest, HexBytesAreSpacedLowercase) {
  EXPECT_EQ(hex_bytes_spaced("PUT\n"), "50 55 54 0a");
  EXPECT_EQ(hex_bytes_spaced(""), "");
  EXPECT_EQ(hex_bytes_spaced("\xff"), "ff");
}

TEST(ErrorsTest, SignatureDoesNotMatchCarriesS3sDiagnosticsInOrder) {
  const std::string sts =
      "AWS4-HMAC-SHA256\n20230310T134304Z\n20230310/eu-central-1/s3/aws4_request\nabc";
  const std::string creq = "GET\n/firmware.bin\n\nhost:h\n\nhost\nUNSIGNED-PAYLOAD";
  const S3Error e = signature_does_not_match("AKIDEXAMPLE", sts, "2b97", creq);
  EXPECT_EQ(e.http_status(), 403);
  const std::string xml = render_error_xml(e, "RID");
  const char* order[] = {"<Code>SignatureDoesNotMatch</Code>",
                         "<Message>",
                         "<AWSAccessKeyId>AKIDEXAMPLE</AWSAccessKeyId>",
                         "<StringToSign>",
                         "<SignatureProvided>2b97</SignatureProvided>",
                         "<StringToSignBytes>41 57 53 34",
                         "<CanonicalRequest>GET\n/firmware.bin",
                         "<CanonicalRequestBytes>47 45 54 0a",
                         "<RequestId>RID</RequestId>"};
  std::size_t at = 0;
  for (const char* piece : order) {
    const auto found = xml.find(piece, at);
    ASSERT_NE(found, std::string::npos) << piece << "\n" << xml;
    at = found;
  }
  EXPECT_EQ(e.detail("StringToSignBytes"), hex_bytes_spaced(sts));
}

}  // namespace
}  // namespace upgate::s3

namespace upgate::s3 {
namespace {

TEST(ErrorsTest, TableIsInDeclarationOrder) {
  // error_info() indexes the table by the enumerator; the order must hold.
  const auto& all = all_error_infos();
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(all[i].code), i) << all[i].name;
  }
}

std::string details_of(const S3Error& e) {
  std::string out;
  for (const auto& [k, v] : e.details) out += k + "=" + v + ";";
  return out;
}

TEST(ErrorsTest, FactoriesCarryS3sExtraElements) {
  EXPECT_EQ(details_of(no_such_bucket("b")), "BucketName=b;");
  EXPECT_EQ(details_of(no_such_key("k")), "Key=k;");
  EXPECT_EQ(details_of(no_such_upload("u")), "UploadId=u;");
  EXPECT_EQ(no_such_cors_configuration("b").http_status(), 404);
  const S3Error expired = request_expired("3600", "2024-01-01T01:00:00Z", "2024-01-01T02:00:00Z");
  EXPECT_EQ(expired.code, ErrorCode::AccessDenied);
  EXPECT_EQ(expired.effective_message(), "Request has expired");  // what Uppy looks for
  EXPECT_EQ(details_of(expired),
            "X-Amz-Expires=3600;Expires=2024-01-01T01:00:00Z;ServerTime=2024-01-01T02:00:00Z;");
  EXPECT_EQ(details_of(request_time_too_skewed("20240101T000000Z", "2024-01-01T01:00:00Z")),
            "RequestTime=20240101T000000Z;ServerTime=2024-01-01T01:00:00Z;"
            "MaxAllowedSkewMilliseconds=900000;");
  EXPECT_EQ(details_of(entity_too_small(100, 5242880, 1, "e")),
            "ProposedSize=100;MinSizeAllowed=5242880;PartNumber=1;ETag=e;");
  EXPECT_EQ(details_of(entity_too_large(6, 5)), "ProposedSize=6;MaxSizeAllowed=5;");
  EXPECT_EQ(details_of(invalid_part("u", 3, "e")), "UploadId=u;PartNumber=3;ETag=e;");
  EXPECT_EQ(details_of(bad_digest("a", "b")), "ExpectedDigest=a;CalculatedDigest=b;");
  EXPECT_EQ(details_of(content_sha256_mismatch("a", "b")),
            "ClientComputedContentSHA256=a;S3ComputedContentSHA256=b;");
  EXPECT_EQ(details_of(missing_security_header("x-amz-content-sha256")),
            "MissingHeaderName=x-amz-content-sha256;");
  EXPECT_EQ(details_of(method_not_allowed("POST", "OBJECT")), "Method=POST;ResourceType=OBJECT;");
  const S3Error part = invalid_part_number(3, 2);
  EXPECT_EQ(part.http_status(), 416);
  EXPECT_EQ(part.code_name(), "InvalidPartNumber");
  EXPECT_EQ(details_of(part), "PartNumberRequested=3;ActualPartCount=2;");
  const S3Error header = request_header_section_too_large(8192);
  EXPECT_EQ(header.http_status(), 400);
  EXPECT_EQ(details_of(header), "MaxSizeAllowed=8192;");
  const S3Error arg = invalid_argument("Bad", "name", "value");
  EXPECT_EQ(arg.effective_message(), "Bad");
  EXPECT_EQ(details_of(arg), "ArgumentName=name;ArgumentValue=value;");
}

}  // namespace
}  // namespace upgate::s3
