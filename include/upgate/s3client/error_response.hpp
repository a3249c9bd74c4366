// Reading an S3 error answer into a ClientError.
//
// S3, Ceph RGW and the embedded store answer a refused call with an error status and
//   <Error><Code>AccessDenied</Code><Message>Access Denied</Message>
//          [...other elements...]<RequestId>...</RequestId>[<HostId>...</HostId>]</Error>
// error_from_response() turns such an answer into a kS3 error with the status, Code,
// Message and RequestId (the x-amz-request-id header when the body has none, as for HEAD).
// Anything else with an error status (no body, HTML from a proxy, XML of another shape,
// XML that does not parse) is a kHttp error carrying the start of the body as its message.
//
// The body is hostile input: it is read only up to the transport's size bound, parsed
// without DTD processing or entity expansion beyond XML's predefined ones, and each field
// is cut to a bounded length with control characters replaced (ClientError's promise).
// Other elements, StringToSign and CanonicalRequest among them, are never copied out.
#pragma once

#include <string_view>

#include "upgate/s3client/client_error.hpp"
#include "upgate/s3client/http_transport.hpp"

namespace upgate::s3client {

// `response` is an answer whose status is not 2xx.
ClientError error_from_response(std::string_view operation, const HttpResponse& response);

// A kResponse error: the call was answered (status and request id kept) but the answer
// cannot be used, for the reason `why` ("its body is larger than ...").
ClientError unusable_response(std::string_view operation, const HttpResponse& response,
                              std::string why);

}  // namespace upgate::s3client
