// The store's wording of what http::Server answers on its own: S3's XML error document,
// the status S3 uses (not the server's default), and x-amz-request-id, for every refusal.
#include <gtest/gtest.h>

#include <string>

#include "store_http/s3_service.hpp"
#include "upgate/http/error_renderer.hpp"

namespace upgate::store {
namespace {

using http::Refusal;

http::Response render(Refusal refusal, int default_status, std::size_t limit = 16384) {
  return render_server_refusal(http::RefusalContext{refusal, default_status, "0123456789abcdef"},
                               limit);
}

std::string element(const http::Response& r, const std::string& name) {
  const std::string body(r.body());
  const auto open = body.find("<" + name + ">");
  if (open == std::string::npos) return "<absent>";
  const auto start = open + name.size() + 2;
  return body.substr(start, body.find("</" + name + ">", start) - start);
}

TEST(ServerRefusalTest, EachRefusalIsS3sErrorWithS3sStatus) {
  struct Case {
    Refusal refusal;
    int default_status;
    int status;
    std::string code;
    std::string message;
  };
  const Case cases[] = {
      {Refusal::header_too_large, 431, 400, "RequestHeaderSectionTooLarge",
       "Your request header section exceeds the maximum allowed size."},
      {Refusal::malformed_request, 400, 400, "BadRequest",
       "An error occurred when parsing the HTTP request."},
      {Refusal::missing_host, 400, 400, "BadRequest",
       "An error occurred when parsing the HTTP request."},
      {Refusal::unframed_transfer_coding, 400, 400, "BadRequest",
       "An error occurred when parsing the HTTP request."},
      {Refusal::malformed_body, 400, 400, "BadRequest",
       "An error occurred when parsing the HTTP request."},
      {Refusal::unsupported_transfer_coding, 501, 501, "NotImplemented",
       "A header you provided implies functionality that is not implemented"},
      {Refusal::body_too_large, 413, 400, "MaxMessageLengthExceeded", "Your request was too big."},
      {Refusal::body_timeout, 408, 400, "RequestTimeout",
       "Your socket connection to the server was not read from or written to within the "
       "timeout period. Idle connections will be closed."},
      {Refusal::handler_failed, 500, 500, "InternalError",
       "We encountered an internal error. Please try again."},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.code);
    const http::Response r = render(c.refusal, c.default_status);
    EXPECT_EQ(r.status(), c.status);
    EXPECT_EQ(r.header("content-type"), "application/xml");
    EXPECT_EQ(r.header("x-amz-request-id"), "0123456789abcdef");
    EXPECT_EQ(r.header("x-amz-id-2"), "0123456789abcdef");
    EXPECT_TRUE(r.body().starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>"));
    EXPECT_EQ(element(r, "Code"), c.code);
    EXPECT_EQ(element(r, "Message"), c.message);
    EXPECT_EQ(element(r, "RequestId"), "0123456789abcdef");
  }
}

TEST(ServerRefusalTest, DetailsAreS3s) {
  EXPECT_EQ(element(render(Refusal::header_too_large, 431, 8192), "MaxSizeAllowed"), "8192");
  EXPECT_EQ(element(render(Refusal::header_too_large, 431, 16384), "MaxSizeAllowed"), "16384");
  EXPECT_EQ(element(render(Refusal::unsupported_transfer_coding, 501), "Header"),
            "Transfer-Encoding");
}

TEST(ServerRefusalTest, TheStoresServerConfigRendersThem) {
  const http::ServerConfig config = store_server_config("127.0.0.1", 0, 1);
  ASSERT_TRUE(config.error_renderer);
  const http::Response r =
      config.error_renderer(http::RefusalContext{Refusal::header_too_large, 431, "id"});
  EXPECT_EQ(r.status(), 400);
  EXPECT_EQ(element(r, "Code"), "RequestHeaderSectionTooLarge");
  EXPECT_EQ(element(r, "MaxSizeAllowed"), std::to_string(config.max_header_bytes));
}

}  // namespace
}  // namespace upgate::store
