// upgate::s3client::S3Client: the calls upgate makes to S3 on its own behalf (bucket CORS
// now; HEAD object and multipart later), one blocking call at a time.
//
// send() signs the call (signed_request.hpp), performs it over libcurl within the options'
// bounds (http_transport.hpp), and returns the answer when its status is 2xx. Otherwise the
// result is a ClientError: S3's error document read by error_from_response(), a transport
// failure, or a refused input. A 2xx answer whose body exceeded max_response_body is a
// kResponse error, so a caller never parses a truncated document.
//
// Secrets: the secret key is used only to derive the signing key; any occurrence of the
// secret or of the session token in an error's text (a server echoing a header back) is
// replaced by "<redacted>" before the error is returned.
//
// Call http_client_global_init() once before the first send().
#pragma once

#include "upgate/expected.hpp"
#include "upgate/s3client/client_error.hpp"
#include "upgate/s3client/client_options.hpp"
#include "upgate/s3client/http_transport.hpp"
#include "upgate/s3client/s3_call.hpp"
#include "upgate/sigv4/amz_time.hpp"

namespace upgate::s3client {

class S3Client {
 public:
  explicit S3Client(ClientOptions options);

  Expected<HttpResponse, ClientError> send(const S3Call& call) const;

  const ClientOptions& options() const { return options_; }

 private:
  ClientOptions options_;
};

}  // namespace upgate::s3client
