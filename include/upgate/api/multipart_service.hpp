// upgate::api::MultipartService: the answers of the /v1/multipart routes, from request
// bytes and S3's answers to response values. No sockets and no S3 calls here: the routes
// (multipart_routes.hpp) make the four S3 calls off the I/O threads and hand the results
// over, so every decision can be exercised directly.
//
//   create    a /v1/uploads body → the plan (key, profile rules, the caller's limits, as
//             for a single upload), the part layout for the declared size, and the
//             headers CreateMultipartUpload sets on the object; after S3 chose the
//             uploadId: the answer with the upload token binding it all.
//   sign      {uploadToken, partNumbers} → one presigned PUT per part, each signing the
//             part's exact Content-Length (part_layout.hpp); re-signing is always allowed
//             while the token lives.
//   list      {uploadToken} → the parts S3 holds (for resuming).
//   complete  {uploadToken} → the parts S3 holds are checked against the declared size
//             and layout (every part present, each of its exact length) before
//             CompleteMultipartUpload is sent; a mismatch is 409 parts_incomplete.
//   abort     {uploadToken}.
//
// Every call after create presents the token; the key and uploadId come only from it,
// and it must have been issued to the same principal (upload_token.hpp).
//
// An upload created with no declared size (size 0: Uppy's companion routes, whose client
// cuts its own parts and declares no size, uppy_routes.hpp) has no layout: its part URLs
// sign no Content-Length (any part 1..10,000), and completion takes the parts the client
// names, checks each against what S3 holds (number, ETag) and their sum against the
// profile's (and caller's) size limit instead of a declared size.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "upgate/api/caller.hpp"
#include "upgate/api/part_layout.hpp"
#include "upgate/api/upload_service.hpp"
#include "upgate/api/upload_token.hpp"
#include "upgate/s3/xml_requests.hpp"
#include "upgate/s3client/client_error.hpp"
#include "upgate/s3client/multipart_upload.hpp"
#include "upgate/sigv4/presign.hpp"

namespace upgate::api {

inline constexpr std::size_t kMaxPartsPerSignCall = 500;

// What create decided before S3 is asked for an uploadId.
struct MultipartPlan {
  UploadClaims claims;  // upload_id still empty
  PartLayout layout;
  const UploadProfile* profile = nullptr;
  std::vector<std::pair<std::string, std::string>> create_headers;  // Content-Type, x-amz-meta-*
};

// A later call's body: the token and, for sign, the part numbers.
struct MultipartCallRequest {
  std::string token;
  std::vector<std::uint32_t> part_numbers;
};

// 403 upload_token_refused with the refusal as `reason` (400 missing_field when absent).
ApiReply upload_token_refusal(TokenRefusal why);

class MultipartService {
 public:
  MultipartService(const UploadService& uploads, const UploadTokenSigner& tokens,
                   std::chrono::seconds token_lifetime = kDefaultUploadTokenLifetime);

  Expected<MultipartPlan, ApiReply> plan_create(const UploadRequest& request,
                                                const ResolvedProfile& profile,
                                                const Caller& caller) const;
  ApiReply created(const MultipartPlan& plan, std::string upload_id) const;
  // created()'s claims and upload token, without the rendering (for other answer shapes).
  struct Issued {
    UploadClaims claims;
    std::string token;
  };
  Expected<Issued, ApiReply> issue(const MultipartPlan& plan, std::string upload_id) const;

  // The body of sign (`with_part_numbers`) or of list/complete/abort.
  Expected<MultipartCallRequest, ApiReply> read_call(std::optional<std::string_view> content_type,
                                                     std::string_view body,
                                                     bool with_part_numbers) const;
  // The token's claims when it is intact, unexpired, the caller's and (when `key` is
  // given) for that key; else the refusal.
  Expected<UploadClaims, ApiReply> check_token(std::string_view token, const Caller& caller,
                                               std::optional<std::string_view> key = {}) const;

  // One presigned PUT per part number, in order (each signing the part's exact length when
  // the upload has a layout).
  Expected<std::vector<sigv4::PresignedUrl>, ApiReply> sign_part_urls(
      const UploadClaims& claims, const ResolvedProfile& profile,
      const std::vector<std::uint32_t>& part_numbers) const;
  ApiReply sign_parts(const UploadClaims& claims, const ResolvedProfile& profile,
                      const std::vector<std::uint32_t>& part_numbers) const;
  ApiReply listed(const UploadClaims& claims,
                  const std::vector<s3client::UploadedPart>& parts) const;
  // The parts to complete with, when those S3 holds make exactly the declared object.
  Expected<std::vector<s3::CompletedPart>, ApiReply> parts_to_complete(
      const UploadClaims& claims, const std::vector<s3client::UploadedPart>& parts) const;
  // For an upload without a declared size: the parts the client named, when each is held
  // by S3 with that ETag (quoted or not), they are in ascending order, and together they
  // are at most `max_size` bytes; else 409 parts_incomplete or 400 file_too_large.
  Expected<std::vector<s3::CompletedPart>, ApiReply> named_parts_to_complete(
      const UploadClaims& claims, const std::vector<s3client::UploadedPart>& stored,
      const std::vector<s3::CompletedPart>& named, std::uint64_t max_size) const;
  ApiReply completed(const UploadClaims& claims, const s3client::CompletedUpload& done) const;
  ApiReply aborted(const UploadClaims& claims) const;

  // S3's refusal as the API's answer: NoSuchUpload is 404 no_such_upload; anything else
  // 502 storage_error, S3's words kept for the log only.
  static ApiReply storage_failure(const s3client::ClientError& error);

 private:
  const UploadService& uploads_;
  const UploadTokenSigner& tokens_;
  std::chrono::seconds token_lifetime_;
};

}  // namespace upgate::api
