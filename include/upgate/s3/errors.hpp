// upgate::s3 errors: the S3 error codes the store answers with, each with the
// HTTP status and default message S3 uses, and the XML error document.
//
// Promises:
//  - every ErrorCode has exactly one S3 code string, HTTP status and default
//    message (error_info), taken from S3's documented error list and, where S3's
//    actual responses differ from the list, from what S3 actually sends;
//  - render_error_xml produces S3's document
//      <?xml ...?>\n<Error><Code/><Message/>[<Resource/>][extra...]<RequestId/>[<HostId/>]</Error>
//    with every value XML-escaped, extra elements in the order they were added;
//  - S3Error::reason is a precise, internal explanation for logs and is never
//    rendered (S3's messages are fixed strings; ours must not leak more).
// NotModified (304) has no body: has_error_body() says so.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace upgate::s3 {

enum class ErrorCode {
  // Authentication and authorization.
  AccessDenied,
  AccountProblem,
  AllAccessDisabled,
  SignatureDoesNotMatch,
  InvalidAccessKeyId,
  AuthorizationHeaderMalformed,
  AuthorizationQueryParametersError,
  RequestTimeTooSkewed,
  MissingSecurityHeader,
  ExpiredToken,
  InvalidToken,
  // Generic request problems.
  InvalidRequest,
  InvalidArgument,
  InvalidURI,
  BadRequest,
  NotImplemented,
  MethodNotAllowed,
  MissingContentLength,
  MissingRequestBodyError,
  RequestTimeout,
  UnexpectedContent,
  MaxMessageLengthExceeded,
  RequestHeaderSectionTooLarge,
  // Buckets.
  NoSuchBucket,
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  BucketNotEmpty,
  InvalidBucketName,
  InvalidBucketState,
  TooManyBuckets,
  InvalidLocationConstraint,
  IllegalLocationConstraintException,
  // Objects and bodies.
  NoSuchKey,
  KeyTooLongError,
  MetadataTooLarge,
  EntityTooLarge,
  EntityTooSmall,
  IncompleteBody,
  BadDigest,
  XAmzContentSHA256Mismatch,
  InvalidDigest,
  InvalidRange,
  InvalidPartNumber,  // GetObject/HeadObject ?partNumber beyond the object's parts
  InvalidStorageClass,
  InvalidTag,
  InvalidObjectState,
  // Multipart uploads.
  NoSuchUpload,
  InvalidPart,
  InvalidPartOrder,
  // Conditional requests.
  PreconditionFailed,
  NotModified,
  ConditionalRequestConflict,
  // XML and POST bodies.
  MalformedXML,
  MalformedPOSTRequest,
  InvalidPolicyDocument,
  IncorrectNumberOfFilesInPostRequest,
  MaxPostPreDataLengthExceededError,
  RequestIsNotMultiPartContent,
  UserKeyMustBeSpecified,
  // CORS.
  AccessForbidden,  // a refused CORS preflight ("CORSResponse: ...")
  NoSuchCORSConfiguration,
  // Lifecycle.
  NoSuchLifecycleConfiguration,
  // Server side.
  InternalError,
  ServiceUnavailable,
  SlowDown,
};

struct ErrorInfo {
  ErrorCode code;
  std::string_view name;  // the <Code> string, e.g. "NoSuchKey"
  int http_status;
  std::string_view default_message;
};

// The static description of a code. Never fails: every enumerator is listed.
const ErrorInfo& error_info(ErrorCode code);
// Every known code, in declaration order (for tests and lookups).
const std::vector<ErrorInfo>& all_error_infos();
// The code whose S3 name is `name` (exact, case-sensitive), if any.
std::optional<ErrorCode> error_code_from_name(std::string_view name);

struct S3Error {
  ErrorCode code = ErrorCode::InternalError;
  std::string message;   // empty: the code's default message
  std::string resource;  // rendered as <Resource> when not empty
  // Extra elements (BucketName, Key, Condition, ArgumentName, ...), in order.
  std::vector<std::pair<std::string, std::string>> details;
  // Internal explanation, for logs only; never rendered.
  std::string reason;

  int http_status() const { return error_info(code).http_status; }
  std::string_view code_name() const { return error_info(code).name; }
  std::string_view effective_message() const;
  // What went wrong, for a person: the reason when there is one, else the message.
  std::string explanation() const;
  // The value of detail `name`, if present.
  std::optional<std::string_view> detail(std::string_view name) const;

  S3Error& with(std::string name, std::string value) &;
  S3Error&& with(std::string name, std::string value) &&;
  S3Error& because(std::string why) &;
  S3Error&& because(std::string why) &&;
};

// An error with the code's default message (or `message` when given).
S3Error make_error(ErrorCode code, std::string message = {});

// False for codes whose response carries no body (NotModified).
bool has_error_body(ErrorCode code);

// The XML error document for `error`. `request_id` is always rendered;
// `host_id` only when not empty.
std::string render_error_xml(const S3Error& error, std::string_view request_id,
                             std::string_view host_id = {});

// The bytes of `text` as S3 shows them in StringToSignBytes and
// CanonicalRequestBytes: two lowercase hex digits per byte, space separated.
std::string hex_bytes_spaced(std::string_view text);

// SignatureDoesNotMatch with the diagnostic elements S3 returns, in S3's order:
// AWSAccessKeyId, StringToSign, SignatureProvided, StringToSignBytes,
// CanonicalRequest, CanonicalRequestBytes. The signature echoed is the one the
// client sent with this very request; the expected signature is never included.
S3Error signature_does_not_match(std::string_view access_key_id, std::string_view string_to_sign,
                                 std::string_view signature_provided,
                                 std::string_view canonical_request);

// The errors the store raises most, with the extra elements S3 puts in them.
S3Error no_such_bucket(std::string_view bucket);                   // BucketName
S3Error no_such_key(std::string_view key);                         // Key
S3Error no_such_upload(std::string_view upload_id);                // UploadId
S3Error no_such_cors_configuration(std::string_view bucket);       // BucketName
S3Error no_such_lifecycle_configuration(std::string_view bucket);  // BucketName
// InvalidArgument with S3's ArgumentName and ArgumentValue.
S3Error invalid_argument(std::string message, std::string_view name, std::string_view value);
// A presigned URL past its expiry: AccessDenied "Request has expired" with
// X-Amz-Expires, Expires and ServerTime (ISO 8601 strings, as S3 shows them).
S3Error request_expired(std::string_view x_amz_expires, std::string_view expires,
                        std::string_view server_time);
// RequestTime (as the client sent it), ServerTime, MaxAllowedSkewMilliseconds.
S3Error request_time_too_skewed(std::string_view request_time, std::string_view server_time,
                                std::int64_t max_skew_ms = 900000);
S3Error entity_too_small(std::uint64_t proposed_size, std::uint64_t min_size, int part_number,
                         std::string_view etag);  // ProposedSize, MinSizeAllowed, PartNumber, ETag
S3Error entity_too_large(std::uint64_t proposed_size,
                         std::uint64_t max_size);  // ProposedSize, MaxSizeAllowed
S3Error invalid_part(std::string_view upload_id, int part_number,
                     std::string_view etag);  // UploadId, PartNumber, ETag
// Content-MD5 mismatch: ExpectedDigest (what the client sent), CalculatedDigest.
S3Error bad_digest(std::string_view expected_base64, std::string_view calculated_base64);
// ClientComputedContentSHA256, S3ComputedContentSHA256.
S3Error content_sha256_mismatch(std::string_view client_hex, std::string_view computed_hex);
S3Error missing_security_header(std::string_view header_name);  // MissingHeaderName
S3Error method_not_allowed(std::string_view method,
                           std::string_view resource_type);  // Method, ResourceType
S3Error invalid_part_number(int requested,
                            int actual_part_count);  // PartNumberRequested, ActualPartCount
S3Error request_header_section_too_large(std::size_t max_size);  // MaxSizeAllowed

}  // namespace upgate::s3
