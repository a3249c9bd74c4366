// Turning an S3Call into the HTTP request that is sent: addressed and SigV4-signed.
//
// Promises:
// - The URL is scheme://[BUCKET.]host[:port]/path?query, virtual-hosted or path style by
//   S3Endpoint::virtual_hosted_for, the rule presigned URLs follow. The key keeps its '/'
//   and every other byte outside A-Z a-z 0-9 - _ . ~ is percent-encoded (SigV4's encoding,
//   so the path on the wire is its own canonical URI); query names and values likewise.
// - The request is signed with sigv4::sign_headers over every header it carries, including
//   Host exactly as libcurl will send it for that URL (host[:port], the port only when not
//   the scheme's default), and x-amz-content-sha256 set to the hex SHA-256 of the body:
//   never UNSIGNED-PAYLOAD, so S3, RGW and the embedded store all check the body too.
// - A session token travels as a signed X-Amz-Security-Token header.
// - Refused, nothing built (a kRequest ClientError): a method that is not a token, an empty
//   bucket or one with '/' or control characters, a header name that is not a token or a
//   value with CR, LF or NUL, a header the signer owns (Host, Authorization, X-Amz-Date,
//   X-Amz-Content-SHA256, X-Amz-Security-Token, and Content-MD5 when content_md5 is set),
//   signing errors. No message quotes a credential.
// The returned request carries the options' timeouts, body bound and CA file.
#pragma once

#include "upgate/expected.hpp"
#include "upgate/s3client/client_error.hpp"
#include "upgate/s3client/client_options.hpp"
#include "upgate/s3client/http_transport.hpp"
#include "upgate/s3client/s3_call.hpp"
#include "upgate/sigv4/amz_time.hpp"
#include "upgate/sigv4/signing_key.hpp"

namespace upgate::s3client {

Expected<HttpRequest, ClientError> build_signed_request(const S3Call& call,
                                                        const ClientOptions& options,
                                                        sigv4::Timestamp time,
                                                        sigv4::SigningKeyCache* cache = nullptr);

// base64 of the MD5 of `body`: the Content-MD5 header's value.
std::string content_md5(std::string_view body);

}  // namespace upgate::s3client
