// ClientError::describe(): one line per kind, saying where the call stopped; printable().
#include "upgate/s3client/client_error.hpp"

#include <gtest/gtest.h>

namespace upgate::s3client {
namespace {

TEST(ClientError, TransportFailuresSayWhatFailedAndWhere) {
  ClientError e;
  e.kind = ErrorKind::kTransport;
  e.operation = "PutBucketCors";
  e.host = "127.0.0.1:9000";
  e.transport = TransportFailure::kConnect;
  e.message = "Failed to connect to 127.0.0.1 port 9000 after 0 ms: Couldn't connect to server";
  EXPECT_EQ(e.describe(),
            "PutBucketCors could not reach 127.0.0.1:9000: cannot connect (is the server "
            "running?) (Failed to connect to 127.0.0.1 port 9000 after 0 ms: Couldn't connect to "
            "server)");
  e.transport = TransportFailure::kResolve;
  EXPECT_NE(e.describe().find("cannot resolve the host name"), std::string::npos);
  e.transport = TransportFailure::kTimeout;
  EXPECT_NE(e.describe().find("timed out"), std::string::npos);
  e.transport = TransportFailure::kTls;
  EXPECT_NE(e.describe().find("TLS failed"), std::string::npos);
}

TEST(ClientError, RequestAndResponseKinds) {
  ClientError request;
  request.kind = ErrorKind::kRequest;
  request.operation = "PutBucketCors";
  request.message = "the CORS configuration is invalid: CORSRule 1: no AllowedOrigin";
  EXPECT_EQ(request.describe(),
            "PutBucketCors was not sent: the CORS configuration is invalid: CORSRule 1: no "
            "AllowedOrigin");

  ClientError response;
  response.kind = ErrorKind::kResponse;
  response.operation = "GetBucketCors";
  response.http_status = 200;
  response.request_id = "R1";
  response.message = "its CORS document is not S3's: no root element";
  EXPECT_EQ(response.describe(),
            "GetBucketCors answered HTTP 200 but its CORS document is not S3's: no root element "
            "(request id R1)");
}

TEST(Printable, ReplacesControlsAndCuts) {
  EXPECT_EQ(printable("a\tb\r\nc\x1b\x7f", 100), "a b  c??");
  EXPECT_EQ(printable("abcdef", 3), "abc...");
  EXPECT_EQ(printable("", 3), "");
  EXPECT_EQ(printable("üñí", 100), "üñí");
}

}  // namespace
}  // namespace upgate::s3client
