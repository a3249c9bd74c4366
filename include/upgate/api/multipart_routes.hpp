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
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "upgate/api/multipart_service.hpp"
#include "upgate/api/request_pipeline.hpp"
#include "upgate/api/upload_token.hpp"
#include "upgate/http/router.hpp"
#include "upgate/s3client/s3_client.hpp"

namespace upgate::api {

inline constexpr std::string_view kMultipartPath = "/v1/multipart";

using PreflightHandler =
    std::function<boost::asio::awaitable<void>(http::Exchange&, std::string_view method)>;

// The S3 client upgate's own multipart calls use, for the service's target and current
// credentials (bounded timeouts and answer size). Blocking: call it on the blocking pool.
s3client::S3Client multipart_client(const UploadService& service);

// upgate's own S3 calls about a multipart upload, each run on `ex`'s blocking pool:
// CreateMultipartUpload for a plan (S3's uploadId), ListParts, AbortMultipartUpload.
boost::asio::awaitable<Expected<std::string, s3client::ClientError>> create_stored_upload(
    http::Exchange& ex, const UploadService& service, const MultipartPlan& plan);
boost::asio::awaitable<Expected<std::vector<s3client::UploadedPart>, s3client::ClientError>>
list_stored_parts(http::Exchange& ex, const UploadService& service, const UploadClaims& claims);
boost::asio::awaitable<Expected<void, s3client::ClientError>> abort_stored_upload(
    http::Exchange& ex, const UploadService& service, const UploadClaims& claims);

// Adds the five routes and their preflights to `router`. `pipeline`, `tokens` and
// `preflight` must outlive the router's handlers.
void add_multipart_routes(http::Router& router, const RequestPipeline& pipeline,
                          std::shared_ptr<const UploadTokenSigner> tokens,
                          PreflightHandler preflight);

}  // namespace upgate::api
