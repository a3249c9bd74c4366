// upgate::s3client multipart calls: the four S3 operations upgate makes itself when a
// client uploads in parts (the parts themselves go from the client to S3 on presigned
// URLs): CreateMultipartUpload, ListParts, CompleteMultipartUpload, AbortMultipartUpload.
//
// Each is one blocking S3Client::send() (or a few, for ListParts' pages): call them off
// the I/O threads (Exchange::run_blocking). Answers are hostile input: read with pugixml
// without DTD processing, bounded by the client's max_response_body, and an answer
// without what the operation promises (no UploadId, a part without a number) is a
// kResponse error, never a guess. CompleteMultipartUpload's "200 OK with an <Error>
// document" (S3 sends it when the assembly fails after the status went out) is a kS3
// error like any other refusal.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "upgate/expected.hpp"
#include "upgate/s3/xml_requests.hpp"
#include "upgate/s3client/client_error.hpp"
#include "upgate/s3client/s3_client.hpp"

namespace upgate::s3client {

// The uploadId S3 chose. `headers` are sent and signed on the create call and become the
// object's (Content-Type, x-amz-meta-*, x-amz-checksum-algorithm ...).
Expected<std::string, ClientError> create_multipart_upload(
    const S3Client& client, std::string_view bucket, std::string_view key,
    std::vector<std::pair<std::string, std::string>> headers = {});

struct UploadedPart {
  int part_number = 0;
  std::string etag;  // as S3 wrote it, quotes removed
  std::uint64_t size = 0;
};

// Every part uploaded so far, in ascending part number, following the pages
// (NextPartNumberMarker) up to 10,000 parts. NoSuchUpload is a kS3 error.
Expected<std::vector<UploadedPart>, ClientError> list_parts(const S3Client& client,
                                                            std::string_view bucket,
                                                            std::string_view key,
                                                            std::string_view upload_id);

struct CompletedUpload {
  std::string location;
  std::string etag;  // the object's, quotes removed
};

Expected<CompletedUpload, ClientError> complete_multipart_upload(
    const S3Client& client, std::string_view bucket, std::string_view key,
    std::string_view upload_id, std::span<const s3::CompletedPart> parts);

Expected<void, ClientError> abort_multipart_upload(const S3Client& client, std::string_view bucket,
                                                   std::string_view key,
                                                   std::string_view upload_id);

// The body of a CompleteMultipartUpload call for `parts` (quoted ETags, as S3 lists them).
std::string complete_multipart_upload_xml(std::span<const s3::CompletedPart> parts);

// Readers of the answers, exposed for tests: the UploadId of an InitiateMultipartUploadResult,
// one ListPartsResult page (parts, and the next marker when IsTruncated), and a
// CompleteMultipartUploadResult. `why` receives the reason on failure.
struct ListPartsPage {
  std::vector<UploadedPart> parts;
  bool truncated = false;
  std::string next_marker;
};
Expected<std::string, std::string> read_initiate_result(std::string_view body);
Expected<ListPartsPage, std::string> read_list_parts_result(std::string_view body);
Expected<CompletedUpload, std::string> read_complete_result(std::string_view body);

}  // namespace upgate::s3client
