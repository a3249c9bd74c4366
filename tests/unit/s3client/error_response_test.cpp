// error_from_response(): S3's, RGW's and the embedded store's error documents read into a
// ClientError; every other error answer kept apart; hostile bodies bounded and defused.
#include "upgate/s3client/error_response.hpp"

#include <gtest/gtest.h>

#include "upgate/s3/errors.hpp"

namespace upgate::s3client {
namespace {

HttpResponse answer(long status, std::string body,
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

TEST(ErrorResponse, ReadsAwsErrorDocument) {
  const auto e = error_from_response(
      "PutBucketCors",
      answer(403,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<Error><Code>AccessDenied</Code><Message>Access Denied</Message>"
             "<RequestId>4442587FB7D0A2F9</RequestId><HostId>eftixk72aD6Ap51TnqcoF8eFidJG9Z/"
             "2mkiDFu8yU9AS1ed4OpIszj7UDNEHGran</HostId></Error>",
             {{"x-amz-request-id", "4442587FB7D0A2F9"}}));
  EXPECT_EQ(e.kind, ErrorKind::kS3);
  EXPECT_EQ(e.http_status, 403);
  EXPECT_EQ(e.code, "AccessDenied");
  EXPECT_EQ(e.message, "Access Denied");
  EXPECT_EQ(e.request_id, "4442587FB7D0A2F9");
  EXPECT_EQ(e.describe(),
            "S3 refused PutBucketCors: AccessDenied: Access Denied (HTTP 403, request id "
            "4442587FB7D0A2F9)");
}

TEST(ErrorResponse, ReadsTheStoresOwnRenderedErrors) {
  // The embedded store renders its errors with s3::render_error_xml: the client must read
  // every code back, whatever extra elements it carries.
  for (const auto& info : s3::all_error_infos()) {
    if (!s3::has_error_body(info.code)) continue;
    const s3::S3Error error = s3::make_error(info.code).with("BucketName", "uploads");
    const auto e = error_from_response(
        "GetBucketCors", answer(info.http_status, s3::render_error_xml(error, "REQ123", "HOST")));
    EXPECT_EQ(e.kind, ErrorKind::kS3) << info.name;
    EXPECT_EQ(e.code, info.name);
    EXPECT_EQ(e.message, info.default_message);
    EXPECT_EQ(e.request_id, "REQ123");
  }
}

TEST(ErrorResponse, RgwStyleEmptyMessageStillNamesTheCode) {
  const auto e = error_from_response(
      "GetBucketCors",
      answer(403,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SignatureDoesNotMatch</Code>"
             "<RequestId>tx000001-default</RequestId><HostId>1-default-default</HostId></Error>"));
  EXPECT_EQ(e.kind, ErrorKind::kS3);
  EXPECT_EQ(e.describe(),
            "S3 refused GetBucketCors: SignatureDoesNotMatch (HTTP 403, request id "
            "tx000001-default)");
}

TEST(ErrorResponse, NoSuchCorsConfigurationIsAnS3Code) {
  const auto e = error_from_response(
      "GetBucketCors",
      answer(404, s3::render_error_xml(s3::no_such_cors_configuration("uploads"), "R1")));
  EXPECT_EQ(e.kind, ErrorKind::kS3);
  EXPECT_EQ(e.code, "NoSuchCORSConfiguration");
}

TEST(ErrorResponse, SignatureDiagnosticsAreNotCopied) {
  const s3::S3Error mismatch =
      s3::signature_does_not_match("AKID", "AWS4-HMAC-SHA256\nSTRING-TO-SIGN", "abc123",
                                   "PUT\n/uploads\ncors=\nx-amz-security-token:TOKEN\n");
  const auto e =
      error_from_response("PutBucketCors", answer(403, s3::render_error_xml(mismatch, "R")));
  EXPECT_EQ(e.code, "SignatureDoesNotMatch");
  EXPECT_EQ(e.describe().find("TOKEN"), std::string::npos);
  EXPECT_EQ(e.describe().find("STRING-TO-SIGN"), std::string::npos);
}

TEST(ErrorResponse, RequestIdFromTheHeaderWhenTheBodyHasNone) {
  // HEAD answers have no body: the status and the header are all there is.
  const auto e = error_from_response("HeadObject", answer(404, "", {{"x-amz-request-id", "HID9"}}));
  EXPECT_EQ(e.kind, ErrorKind::kHttp);
  EXPECT_EQ(e.http_status, 404);
  EXPECT_EQ(e.request_id, "HID9");
  EXPECT_EQ(e.describe(),
            "HeadObject failed: HTTP 404 without an S3 error document (request id HID9)");
}

TEST(ErrorResponse, UnusableAnswerKeepsStatusAndARequestIdSafeToPrint) {
  const auto e =
      unusable_response("GetBucketCors", answer(200, "<x/>", {{"x-amz-request-id", " RID\n7 "}}),
                        "its CORS document is not S3's: no root element");
  EXPECT_EQ(e.kind, ErrorKind::kResponse);
  EXPECT_EQ(e.operation, "GetBucketCors");
  EXPECT_EQ(e.http_status, 200);
  EXPECT_EQ(e.request_id.find('\n'), std::string::npos);
  EXPECT_EQ(e.message, "its CORS document is not S3's: no root element");
}

TEST(ErrorResponse, NonXmlBodiesAreHttpErrorsWithTheirStart) {
  const auto e = error_from_response(
      "PutBucketCors",
      answer(502,
             "<html>\r\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>"));
  EXPECT_EQ(e.kind, ErrorKind::kHttp);
  EXPECT_EQ(e.describe(),
            "PutBucketCors failed: HTTP 502 without an S3 error document: <html>  <head><title>502 "
            "Bad Gateway</title></head> <body>nginx</body></html>");

  const auto text = error_from_response("PutBucketCors", answer(503, "Service Unavailable"));
  EXPECT_EQ(text.kind, ErrorKind::kHttp);
  EXPECT_EQ(text.message, "Service Unavailable");
}

TEST(ErrorResponse, XmlOfAnotherShapeIsNotAnS3Error) {
  for (const char* body :
       {"<Error><Message>no code</Message></Error>", "<Fault><Code>X</Code></Fault>",
        "<Error><Code>Not A Code!</Code></Error>", "<Error><Code>Access",
        "<Error><Code>"
        "<Nested>AccessDenied</Nested></Code></Error>"}) {
    const auto e = error_from_response("GetBucketCors", answer(400, body));
    EXPECT_EQ(e.kind, ErrorKind::kHttp) << body;
  }
}

TEST(ErrorResponse, EntitiesAreNotExpandedAndDtdsNotProcessed) {
  const std::string laughs =
      "<?xml version=\"1.0\"?><!DOCTYPE Error [<!ENTITY a \"aaaaaaaaaa\">"
      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
      "<Error><Code>AccessDenied</Code><Message>&c;</Message></Error>";
  const auto e = error_from_response("GetBucketCors", answer(403, laughs));
  EXPECT_LE(e.message.size(), 520u);
  EXPECT_EQ(e.message.find("aaaaaaaaaaaaaaaaaaaa"), std::string::npos);
}

TEST(ErrorResponse, FieldsAreBoundedAndPrintable) {
  const std::string body = "<Error><Code>AccessDenied</Code><Message>line one\n\x1b[31mred" +
                           std::string(5000, 'm') + "</Message><RequestId>" +
                           std::string(1000, 'r') + "</RequestId></Error>";
  const auto e = error_from_response("GetBucketCors", answer(403, body));
  ASSERT_EQ(e.kind, ErrorKind::kS3);
  EXPECT_LE(e.message.size(), 515u);
  EXPECT_EQ(e.message.find('\x1b'), std::string::npos);
  EXPECT_EQ(e.message.find('\n'), std::string::npos);
  EXPECT_TRUE(e.message.starts_with("line one ?[31mred"));
  EXPECT_LE(e.request_id.size(), 131u);

  const auto page = error_from_response("GetBucketCors", answer(500, std::string(100000, 'x')));
  EXPECT_LE(page.message.size(), 203u);
}

TEST(ErrorResponse, SaysWhenTheAnswerWasCut) {
  HttpResponse r = answer(500, std::string(10, 'x'));
  r.body_truncated = true;
  const auto e = error_from_response("GetBucketCors", r);
  EXPECT_NE(e.describe().find("cut at the size limit"), std::string::npos);
}

}  // namespace
}  // namespace upgate::s3client
