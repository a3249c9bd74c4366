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

#include "upgate/api/request_pipeline.hpp"
#include "upgate/api/upload_token.hpp"
#include "upgate/http/router.hpp"

namespace upgate::api {

inline constexpr std::string_view kMultipartPath = "/v1/multipart";

using PreflightHandler =
    std::function<boost::asio::awaitable<void>(http::Exchange&, std::string_view method)>;

// Adds the five routes and their preflights to `router`. `pipeline`, `tokens` and
// `preflight` must outlive the router's handlers.
void add_multipart_routes(http::Router& router, const RequestPipeline& pipeline,
                          std::shared_ptr<const UploadTokenSigner> tokens,
                          PreflightHandler preflight);

}  // namespace upgate::api
