#include "upgate/s3/errors.hpp"

#include <algorithm>
#include <initializer_list>
#include <string>

#include "upgate/s3/xml_writer.hpp"
#include "upgate/text.hpp"

namespace upgate::s3 {
namespace {

using enum ErrorCode;

// Codes, statuses and messages from S3's error list (API reference, "Error
// responses"). Where S3's responses on the wire differ from the list, the wire
// wins: e.g. NoSuchBucket and MalformedXML carry no final period, and
// RequestTimeTooSkewed speaks of "the current time".
const std::vector<ErrorInfo>& table() {
  static const std::vector<ErrorInfo> kTable = {
      {AccessDenied, "AccessDenied", 403, "Access Denied"},
      {AccountProblem, "AccountProblem", 403,
       "There is a problem with your AWS account that prevents the operation from completing "
       "successfully."},
      {AllAccessDisabled, "AllAccessDisabled", 403,
       "All access to this Amazon S3 resource has been disabled."},
      {SignatureDoesNotMatch, "SignatureDoesNotMatch", 403,
       "The request signature we calculated does not match the signature you provided. Check "
       "your key and signing method."},
      {InvalidAccessKeyId, "InvalidAccessKeyId", 403,
       "The AWS Access Key Id you provided does not exist in our records."},
      {AuthorizationHeaderMalformed, "AuthorizationHeaderMalformed", 400,
       "The authorization header you provided is invalid."},
      {AuthorizationQueryParametersError, "AuthorizationQueryParametersError", 400,
       "The authorization query parameters that you provided are not valid."},
      {RequestTimeTooSkewed, "RequestTimeTooSkewed", 403,
       "The difference between the request time and the current time is too large."},
      {MissingSecurityHeader, "MissingSecurityHeader", 400,
       "Your request is missing a required header."},
      {ExpiredToken, "ExpiredToken", 400, "The provided token has expired."},
      {InvalidToken, "InvalidToken", 400, "The provided token is malformed or otherwise invalid."},
      {InvalidRequest, "InvalidRequest", 400, "Invalid Request"},
      {InvalidArgument, "InvalidArgument", 400, "Invalid Argument"},
      {InvalidURI, "InvalidURI", 400, "Couldn't parse the specified URI."},
      {BadRequest, "BadRequest", 400, "Bad Request"},
      {NotImplemented, "NotImplemented", 501,
       "A header you provided implies functionality that is not implemented"},
      {MethodNotAllowed, "MethodNotAllowed", 405,
       "The specified method is not allowed against this resource."},
      {MissingContentLength, "MissingContentLength", 411,
       "You must provide the Content-Length HTTP header."},
      {MissingRequestBodyError, "MissingRequestBodyError", 400, "Request Body is empty"},
      {RequestTimeout, "RequestTimeout", 400,
       "Your socket connection to the server was not read from or written to within the "
       "timeout period. Idle connections will be closed."},
      {UnexpectedContent, "UnexpectedContent", 400, "This request does not support content"},
      {MaxMessageLengthExceeded, "MaxMessageLengthExceeded", 400, "Your request was too big."},
      {RequestHeaderSectionTooLarge, "RequestHeaderSectionTooLarge", 400,
       "Your request header section exceeds the maximum allowed size."},
      {NoSuchBucket, "NoSuchBucket", 404, "The specified bucket does not exist"},
      {BucketAlreadyExists, "BucketAlreadyExists", 409,
       "The requested bucket name is not available. The bucket namespace is shared by all "
       "users of the system. Please select a different name and try again."},
      {BucketAlreadyOwnedByYou, "BucketAlreadyOwnedByYou", 409,
       "Your previous request to create the named bucket succeeded and you already own it."},
      {BucketNotEmpty, "BucketNotEmpty", 409, "The bucket you tried to delete is not empty"},
      {InvalidBucketName, "InvalidBucketName", 400, "The specified bucket is not valid."},
      {InvalidBucketState, "InvalidBucketState", 409,
       "The request is not valid with the current state of the bucket."},
      {TooManyBuckets, "TooManyBuckets", 400,
       "You have attempted to create more buckets than allowed"},
      {InvalidLocationConstraint, "InvalidLocationConstraint", 400,
       "The specified location-constraint is not valid"},
      {IllegalLocationConstraintException, "IllegalLocationConstraintException", 400,
       "The unspecified location constraint is incompatible for the region specific endpoint "
       "this request was sent to."},
      {NoSuchKey, "NoSuchKey", 404, "The specified key does not exist."},
      {KeyTooLongError, "KeyTooLongError", 400, "Your key is too long"},
      {MetadataTooLarge, "MetadataTooLarge", 400,
       "Your metadata headers exceed the maximum allowed metadata size"},
      {EntityTooLarge, "EntityTooLarge", 400,
       "Your proposed upload exceeds the maximum allowed size"},
      {EntityTooSmall, "EntityTooSmall", 400,
       "Your proposed upload is smaller than the minimum allowed size"},
      {IncompleteBody, "IncompleteBody", 400,
       "You did not provide the number of bytes specified by the Content-Length HTTP header"},
      {BadDigest, "BadDigest", 400,
       "The Content-MD5 you specified did not match what we received."},
      {XAmzContentSHA256Mismatch, "XAmzContentSHA256Mismatch", 400,
       "The provided 'x-amz-content-sha256' header does not match what was computed."},
      {InvalidDigest, "InvalidDigest", 400, "The Content-MD5 you specified was invalid."},
      {InvalidRange, "InvalidRange", 416, "The requested range is not satisfiable"},
      {InvalidPartNumber, "InvalidPartNumber", 416, "The requested partnumber is not satisfiable"},
      {InvalidStorageClass, "InvalidStorageClass", 400,
       "The storage class you specified is not valid"},
      {InvalidTag, "InvalidTag", 400, "The tag provided was not a valid tag."},
      {InvalidObjectState, "InvalidObjectState", 403,
       "The operation is not valid for the current state of the object."},
      {NoSuchUpload, "NoSuchUpload", 404,
       "The specified upload does not exist. The upload ID may be invalid, or the upload may "
       "have been aborted or completed."},
      {InvalidPart, "InvalidPart", 400,
       "One or more of the specified parts could not be found.  The part may not have been "
       "uploaded, or the specified entity tag may not match the part's entity tag."},
      {InvalidPartOrder, "InvalidPartOrder", 400,
       "The list of parts was not in ascending order. Parts must be ordered by part number."},
      {PreconditionFailed, "PreconditionFailed", 412,
       "At least one of the pre-conditions you specified did not hold"},
      {NotModified, "NotModified", 304, "Not Modified"},
      {ConditionalRequestConflict, "ConditionalRequestConflict", 409,
       "The conditional request cannot succeed due to a conflicting operation against this "
       "resource."},
      {MalformedXML, "MalformedXML", 400,
       "The XML you provided was not well-formed or did not validate against our published "
       "schema"},
      {MalformedPOSTRequest, "MalformedPOSTRequest", 400,
       "The body of your POST request is not well-formed multipart/form-data."},
      {InvalidPolicyDocument, "InvalidPolicyDocument", 400,
       "The content of the form does not meet the conditions specified in the policy "
       "document."},
      {IncorrectNumberOfFilesInPostRequest, "IncorrectNumberOfFilesInPostRequest", 400,
       "POST requires exactly one file upload per request."},
      {MaxPostPreDataLengthExceededError, "MaxPostPreDataLengthExceededError", 400,
       "Your POST request fields preceding the upload file were too large."},
      {RequestIsNotMultiPartContent, "RequestIsNotMultiPartContent", 400,
       "Bucket POST must be of the enclosure-type multipart/form-data."},
      {UserKeyMustBeSpecified, "UserKeyMustBeSpecified", 400,
       "The bucket POST must contain the specified field name. If it is specified, check the "
       "order of the fields."},
      {AccessForbidden, "AccessForbidden", 403,
       "CORSResponse: This CORS request is not allowed. This is usually because the evalution "
       "of Origin, request method / Access-Control-Request-Method or "
       "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."},
      {NoSuchCORSConfiguration, "NoSuchCORSConfiguration", 404,
       "The CORS configuration does not exist"},
      {NoSuchLifecycleConfiguration, "NoSuchLifecycleConfiguration", 404,
       "The lifecycle configuration does not exist"},
      {InternalError, "InternalError", 500, "We encountered an internal error. Please try again."},
      {ServiceUnavailable, "ServiceUnavailable", 503, "Please reduce your request rate."},
      {SlowDown, "SlowDown", 503, "Please reduce your request rate."},
  };
  return kTable;
}

// One name/value of an error's extra elements; the value is copied when the error is built.
struct Detail {
  std::string_view name;
  std::string value;
  Detail(std::string_view n, std::string_view v) : name(n), value(v) {}
  Detail(std::string_view n, std::string v) : name(n), value(std::move(v)) {}
};

// What every factory below is: a code, its extra elements in S3's order, and the code's
// default message unless S3 words this case differently.
S3Error detailed(ErrorCode code, std::initializer_list<Detail> details, std::string message = {}) {
  S3Error e = make_error(code, std::move(message));
  e.details.reserve(details.size());
  for (const Detail& d : details) e.details.emplace_back(std::string(d.name), d.value);
  return e;
}

}  // namespace

const std::vector<ErrorInfo>& all_error_infos() {
  return table();
}

const ErrorInfo& error_info(ErrorCode code) {
  // The table is in declaration order; the index is the enumerator's value.
  const auto& t = table();
  const auto index = static_cast<std::size_t>(code);
  if (index < t.size() && t[index].code == code) return t[index];
  const auto it =
      std::find_if(t.begin(), t.end(), [&](const ErrorInfo& e) { return e.code == code; });
  return it != t.end() ? *it : t[static_cast<std::size_t>(InternalError)];
}

std::optional<ErrorCode> error_code_from_name(std::string_view name) {
  for (const ErrorInfo& e : table()) {
    if (e.name == name) return e.code;
  }
  return std::nullopt;
}

std::string_view S3Error::effective_message() const {
  return message.empty() ? error_info(code).default_message : std::string_view(message);
}

std::string S3Error::explanation() const {
  return reason.empty() ? std::string(effective_message()) : reason;
}

std::optional<std::string_view> S3Error::detail(std::string_view name) const {
  for (const auto& [k, v] : details) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

S3Error& S3Error::with(std::string name, std::string value) & {
  details.emplace_back(std::move(name), std::move(value));
  return *this;
}

S3Error&& S3Error::with(std::string name, std::string value) && {
  details.emplace_back(std::move(name), std::move(value));
  return std::move(*this);
}

S3Error& S3Error::because(std::string why) & {
  reason = std::move(why);
  return *this;
}

S3Error&& S3Error::because(std::string why) && {
  reason = std::move(why);
  return std::move(*this);
}

S3Error make_error(ErrorCode code, std::string message) {
  S3Error e;
  e.code = code;
  e.message = std::move(message);
  return e;
}

bool has_error_body(ErrorCode code) {
  return code != NotModified;
}

std::string render_error_xml(const S3Error& error, std::string_view request_id,
                             std::string_view host_id) {
  XmlWriter w;
  w.open("Error");
  w.element("Code", error.code_name());
  w.element("Message", error.effective_message());
  if (!error.resource.empty()) w.element("Resource", error.resource);
  for (const auto& [name, value] : error.details) w.element(name, value);
  w.element("RequestId", request_id);
  if (!host_id.empty()) w.element("HostId", host_id);
  w.close();
  return std::move(w).finish();
}

std::string hex_bytes_spaced(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 3);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    if (i != 0) out += ' ';
    out += text::kHexLower[b >> 4];
    out += text::kHexLower[b & 0xF];
  }
  return out;
}

S3Error signature_does_not_match(std::string_view access_key_id, std::string_view string_to_sign,
                                 std::string_view signature_provided,
                                 std::string_view canonical_request) {
  return detailed(SignatureDoesNotMatch,
                  {{"AWSAccessKeyId", access_key_id},
                   {"StringToSign", string_to_sign},
                   {"SignatureProvided", signature_provided},
                   {"StringToSignBytes", hex_bytes_spaced(string_to_sign)},
                   {"CanonicalRequest", canonical_request},
                   {"CanonicalRequestBytes", hex_bytes_spaced(canonical_request)}});
}

S3Error no_such_bucket(std::string_view bucket) {
  return detailed(NoSuchBucket, {{"BucketName", bucket}});
}

S3Error no_such_key(std::string_view key) {
  return detailed(NoSuchKey, {{"Key", key}});
}

S3Error no_such_upload(std::string_view upload_id) {
  return detailed(NoSuchUpload, {{"UploadId", upload_id}});
}

S3Error no_such_cors_configuration(std::string_view bucket) {
  return detailed(NoSuchCORSConfiguration, {{"BucketName", bucket}});
}

S3Error no_such_lifecycle_configuration(std::string_view bucket) {
  return detailed(NoSuchLifecycleConfiguration, {{"BucketName", bucket}});
}

S3Error invalid_argument(std::string message, std::string_view name, std::string_view value) {
  return detailed(InvalidArgument, {{"ArgumentName", name}, {"ArgumentValue", value}},
                  std::move(message));
}

S3Error request_expired(std::string_view x_amz_expires, std::string_view expires,
                        std::string_view server_time) {
  return detailed(
      AccessDenied,
      {{"X-Amz-Expires", x_amz_expires}, {"Expires", expires}, {"ServerTime", server_time}},
      "Request has expired");
}

S3Error request_time_too_skewed(std::string_view request_time, std::string_view server_time,
                                std::int64_t max_skew_ms) {
  return detailed(RequestTimeTooSkewed,
                  {{"RequestTime", request_time},
                   {"ServerTime", server_time},
                   {"MaxAllowedSkewMilliseconds", std::to_string(max_skew_ms)}});
}

S3Error entity_too_small(std::uint64_t proposed_size, std::uint64_t min_size, int part_number,
                         std::string_view etag) {
  return detailed(EntityTooSmall, {{"ProposedSize", std::to_string(proposed_size)},
                                   {"MinSizeAllowed", std::to_string(min_size)},
                                   {"PartNumber", std::to_string(part_number)},
                                   {"ETag", etag}});
}

S3Error entity_too_large(std::uint64_t proposed_size, std::uint64_t max_size) {
  return detailed(EntityTooLarge, {{"ProposedSize", std::to_string(proposed_size)},
                                   {"MaxSizeAllowed", std::to_string(max_size)}});
}

S3Error invalid_part(std::string_view upload_id, int part_number, std::string_view etag) {
  return detailed(
      InvalidPart,
      {{"UploadId", upload_id}, {"PartNumber", std::to_string(part_number)}, {"ETag", etag}});
}

S3Error bad_digest(std::string_view expected_base64, std::string_view calculated_base64) {
  return detailed(BadDigest,
                  {{"ExpectedDigest", expected_base64}, {"CalculatedDigest", calculated_base64}});
}

S3Error content_sha256_mismatch(std::string_view client_hex, std::string_view computed_hex) {
  return detailed(XAmzContentSHA256Mismatch, {{"ClientComputedContentSHA256", client_hex},
                                              {"S3ComputedContentSHA256", computed_hex}});
}

S3Error missing_security_header(std::string_view header_name) {
  return detailed(MissingSecurityHeader, {{"MissingHeaderName", header_name}});
}

S3Error method_not_allowed(std::string_view method, std::string_view resource_type) {
  return detailed(MethodNotAllowed, {{"Method", method}, {"ResourceType", resource_type}});
}

S3Error invalid_part_number(int requested, int actual_part_count) {
  return detailed(InvalidPartNumber, {{"PartNumberRequested", std::to_string(requested)},
                                      {"ActualPartCount", std::to_string(actual_part_count)}});
}

S3Error request_header_section_too_large(std::size_t max_size) {
  return detailed(RequestHeaderSectionTooLarge, {{"MaxSizeAllowed", std::to_string(max_size)}});
}

}  // namespace upgate::s3
