// The Uppy companion routes of `upgate serve`, and the upload sessions that let a page
// without custom headers use them; each through the request pipeline
// (request_pipeline.hpp) like every URL route:
//
//   GET    /s3/params                                a POST-policy form (single upload)
//   POST   /s3/multipart                             create a multipart upload
//   GET    /s3/multipart/{uploadId}/{partNumber}     a part URL
//   GET    /s3/multipart/{uploadId}/batch            several part URLs
//   GET    /s3/multipart/{uploadId}                  the parts the store holds
//   POST   /s3/multipart/{uploadId}/complete         complete
//   DELETE /s3/multipart/{uploadId}                  abort
//
//   POST   /v1/sessions                              an upload session for the caller
//   ...    /v1/sessions/{token}/s3/...               the routes above, as the session's
//                                                    principal, on the session's profile
//
// Under /s3/ the caller is found as on every route (a JWT cookie, the forward-auth hook
// with the page's cookies, ...). Under /v1/sessions/{token}/ the session token is the
// credential (session_token.hpp). The answers and the binding of key and uploadId are
// UppyService's (uppy_service.hpp); S3 calls run on the blocking pool.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "upgate/api/multipart_routes.hpp"
#include "upgate/api/request_pipeline.hpp"
#include "upgate/api/upload_token.hpp"
#include "upgate/http/router.hpp"

namespace upgate::api {

inline constexpr std::string_view kUppyPrefix = "/s3/";
inline constexpr std::string_view kSessionsPath = "/v1/sessions";

// `path` for the access log: the token of /v1/sessions/{token}/... replaced by "{token}"
// (a session token is a credential, and credentials never reach a log line); other paths
// unchanged. Allocates only for session paths.
std::string_view loggable_path(std::string_view path, std::string& storage);

// Adds the routes and their preflights to `router`. `pipeline`, `tokens` and `preflight`
// must outlive the router's handlers.
// `verifier` null: a completed upload is not verified (upload_verifier.hpp).
void add_uppy_routes(http::Router& router, const RequestPipeline& pipeline,
                     std::shared_ptr<const UploadTokenSigner> tokens, PreflightHandler preflight,
                     std::shared_ptr<const UploadVerifier> verifier);

}  // namespace upgate::api
