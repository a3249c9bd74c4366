// The /v1/multipart routes of `upgate serve`, each through the request pipeline
// (request_pipeline.hpp) like every URL route:
//
//   POST /v1/multipart           a /v1/uploads body → key, uploadId, part layout, token
//   POST /v1/multipart/sign      {uploadToken, partNumbers} → a URL per part
//   POST /v1/multipart/list      {uploadToken} → the parts the store holds
//   POST /v1/multipart/complete  {uploadToken} → checks the parts, completes
//   POST /v1/multipart/abort     {uploadToken}
//
// The S3 calls (CreateMultipartUpload, ListParts, CompleteMultipartUpload,
// AbortMultipartUpload) are blocking libcurl calls made on the server's blocking pool
// (Exchange::run_blocking), never on an I/O thread. The answers are MultipartService's.
//
// Limits (upload_limits.hpp): every call counts against the rates; a created upload takes
// an open-upload slot (keyed by S3's uploadId, for the token's life) and its declared size
// against the quota, or is aborted again and refused with 429; complete and abort free the
// slot once the stored upload is gone.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "upgate/api/multipart_service.hpp"
#include "upgate/api/request_pipeline.hpp"
#include "upgate/api/upload_token.hpp"
#include "upgate/api/upload_verifier.hpp"
#include "upgate/http/router.hpp"
#include "upgate/s3client/s3_client.hpp"

namespace upgate::api {

inline constexpr std::string_view kMultipartPath = "/v1/multipart";

using PreflightHandler =
    std::function<boost::asio::awaitable<void>(http::Exchange&, std::string_view method)>;

// upgate's own S3 calls about a multipart upload, each run on `ex`'s blocking pool.
// open_stored_upload (the one way a route creates an upload): CreateMultipartUpload, then
// the new upload's open-upload slot and quota (RequestPipeline::admit_upload: the declared
// size, or with none the most the caller may upload through the profile; the slot for the
// token's life). S3's uploadId, or the answer: a storage failure, or the limits' refusal
// once the upload was aborted again. Then ListParts and AbortMultipartUpload.
boost::asio::awaitable<Expected<std::string, ApiReply>> open_stored_upload(
    http::Exchange& ex, const RequestPipeline& pipeline, ApiCall& call, const MultipartPlan& plan);
boost::asio::awaitable<Expected<std::vector<s3client::UploadedPart>, s3client::ClientError>>
list_stored_parts(http::Exchange& ex, const UploadService& service, const UploadClaims& claims);
boost::asio::awaitable<Expected<void, s3client::ClientError>> abort_stored_upload(
    http::Exchange& ex, const UploadService& service, const UploadClaims& claims);

// For a route called with an upload token: the token's claims once it is intact and
// unexpired, the caller is admitted under the token's profile (request_pipeline.hpp), and
// the token was issued to that caller; nullopt after the refusal was answered (403
// upload_token_refused with its reason, or the pipeline's own refusal).
boost::asio::awaitable<std::optional<UploadClaims>> admit_token_holder(
    http::Exchange& ex, const RequestPipeline& pipeline, ApiCall& call,
    const UploadTokenSigner& tokens, std::string_view token);

// Adds the five routes and their preflights to `router`. `pipeline`, `tokens` and
// `preflight` must outlive the router's handlers.
// With `verifier`, complete verifies the assembled object as POST /v1/uploads/complete
// does (upload_verifier.hpp) and answers as it does; a second complete of a completed
// upload gives the same answer.
void add_multipart_routes(http::Router& router, const RequestPipeline& pipeline,
                          std::shared_ptr<const UploadTokenSigner> tokens,
                          PreflightHandler preflight,
                          std::shared_ptr<const UploadVerifier> verifier = nullptr);

}  // namespace upgate::api
