// POST /v1/uploads/complete {"uploadToken": "..."}: the client says its upload is done;
// upgate verifies what the store holds against what the token binds and tells the app.
//
// Through the request pipeline (request_pipeline.hpp) like every API route: the token's
// own checks first (intact, unexpired), so the caller is judged under the profile the
// upload was issued for; then authentication and the profile's auth rule; then the token
// must have been issued to the same principal (403 upload_token_refused, reason
// principal_mismatch). The verification itself (HEAD, first bytes, libmagic, event,
// quarantine) is UploadVerifier's, run on the blocking pool (Exchange::run_blocking).
// A multipart upload's token is accepted too (it verifies the completed object).
#pragma once

#include <memory>

#include "upgate/api/multipart_routes.hpp"
#include "upgate/api/request_pipeline.hpp"
#include "upgate/api/upload_token.hpp"
#include "upgate/api/upload_verifier.hpp"
#include "upgate/http/router.hpp"

namespace upgate::api {

// Adds the route and its preflight. Everything passed must outlive the router's handlers.
void add_completion_routes(http::Router& router, const RequestPipeline& pipeline,
                           std::shared_ptr<const UploadTokenSigner> tokens,
                           std::shared_ptr<const UploadVerifier> verifier,
                           PreflightHandler preflight);

}  // namespace upgate::api
