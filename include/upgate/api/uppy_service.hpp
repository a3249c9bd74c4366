// upgate::api::UppyService: the answers of the Uppy companion routes (uppy_routes.hpp),
// from request bytes to response values, on top of UploadService and MultipartService
// (no second copy of either: the plan, the key, the profile rules, the upload token, the
// part URLs and the completion checks are theirs). No sockets and no S3 calls here.
//
// What @uppy/aws-s3 6.x sends (its S3Companion client) and gets back:
//   GET  /s3/params?filename=&type=&metadata[k]=v       {"url","fields","method","expires"}
//   POST /s3/multipart {filename,type,metadata}         {"key","uploadId"}
//   GET  /s3/multipart/{uploadId}/{partNumber}?key=     {"url"}
//   GET  /s3/multipart/{uploadId}/batch?key=&partNumbers=1,2   {"presignedUrls":{"1":url}}
//   GET  /s3/multipart/{uploadId}?key=                  [{"PartNumber","ETag","Size"}]
//   POST /s3/multipart/{uploadId}/complete?key= {parts:[{PartNumber,ETag}]}  {"location","key"}
//   DELETE /s3/multipart/{uploadId}?key=                {}
//
// The binding: the `uploadId` Uppy receives is upgate's upload token for the multipart
// upload (upload_token.hpp: key, S3's uploadId, principal, profile, MAC'd), not S3's
// uploadId. Every later call must present it, for the same principal, beside the `key`
// it binds; upgate never acts on a key or uploadId it did not mint for that caller, and
// keeps no state. Uppy declares no size: a form upload is bounded by the policy's
// content-length-range, a multipart upload by the completion check (the sum of the
// parts against the profile's max_size) since its part URLs cannot sign a length.
//
// Which profile: metadata[profile], else metadata[folder] (a folder of the `*`
// profile), else the [uppy] profile. The other metadata become x-amz-meta-* (names as
// /v1/uploads accepts them; a non-ASCII value is sent RFC 2047-encoded, as S3 returns
// such values). Errors are Companion's shape: {"error":"<code>","message":"..."}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/api/multipart_service.hpp"
#include "upgate/api/upload_service.hpp"

namespace upgate::api {

// The profile Uppy's requests use when their metadata names none.
struct UppySettings {
  std::string default_profile;  // empty: metadata[profile] or [folder] is required
};

class UppyService {
 public:
  UppyService(const UploadService& uploads, const MultipartService& multipart,
              UppySettings settings)
      : uploads_(uploads), multipart_(multipart), settings_(std::move(settings)) {}

  // GET /s3/params's query, or POST /s3/multipart's body, as the upload request it is
  // (size 0: undeclared).
  Expected<UploadRequest, ApiReply> read_params(std::string_view query) const;
  Expected<UploadRequest, ApiReply> read_create(std::optional<std::string_view> content_type,
                                                std::string_view body) const;
  // `key` from a multipart call's query (required, well formed).
  static Expected<std::string, ApiReply> read_key(std::string_view query);
  // `partNumbers` of the batch call: 1-500 comma-separated numbers 1..10000.
  static Expected<std::vector<std::uint32_t>, ApiReply> read_part_numbers(std::string_view query);
  // A part number path segment.
  static Expected<std::uint32_t, ApiReply> read_part_number(std::string_view segment);
  // The complete call's {parts:[{PartNumber,ETag}]}.
  static Expected<std::vector<s3::CompletedPart>, ApiReply> read_complete(
      std::optional<std::string_view> content_type, std::string_view body);

  // The POST form for an admitted caller: plan (key, type, metadata) and policy.
  ApiReply sign_form(const UploadRequest& request, const ResolvedProfile& profile,
                     const Caller& caller) const;

  ApiReply created(const MultipartPlan& plan, std::string upload_id) const;
  static ApiReply part_url(const sigv4::PresignedUrl& url, const UploadClaims& claims,
                           const UploadProfile* profile);
  static ApiReply part_urls(const std::vector<std::uint32_t>& numbers,
                            const std::vector<sigv4::PresignedUrl>& urls,
                            const UploadClaims& claims, const UploadProfile* profile);
  static ApiReply parts(const UploadClaims& claims,
                        const std::vector<s3client::UploadedPart>& stored);
  ApiReply completed(const UploadClaims& claims, const s3client::CompletedUpload& done) const;
  static ApiReply aborted(const UploadClaims& claims);

  // Any /v1-style error answer (MultipartService's, UploadService's) in Companion's shape;
  // other answers unchanged.
  static ApiReply companion_style(ApiReply reply);

  // The most a caller may upload through `profile` (the profile's max_size, narrowed by
  // the caller's limits).
  static std::uint64_t max_size(const UploadProfile& profile, const Caller& caller);

 private:
  Expected<UploadRequest, ApiReply> read_request(
      std::string_view file_name, std::string_view type,
      const std::vector<std::pair<std::string, std::string>>& metadata) const;

  const UploadService& uploads_;
  const MultipartService& multipart_;
  UppySettings settings_;
};

}  // namespace upgate::api
