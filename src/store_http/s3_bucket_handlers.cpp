// Bucket operations and listings.
#include <string>

#include "body_receiver.hpp"
#include "engine_refusal.hpp"
#include "object_headers.hpp"
#include "s3_handlers.hpp"
#include "s3_request.hpp"
#include "upgate/s3/query_params.hpp"
#include "upgate/s3/xml_requests.hpp"
#include "upgate/s3/xml_responses.hpp"
#include "upgate/s3/xml_writer.hpp"
#include "upgate/text.hpp"

namespace upgate::store {

namespace asio = boost::asio;
using s3::ErrorCode;

namespace {

constexpr std::size_t kMaxBucketConfigurationBytes = 64 * 1024;

s3::Owner owner(const S3Request& r) {
  return s3::Owner{r.service.options.owner_id, r.service.options.owner_display_name};
}

std::string checksum_algorithm_of(const Checksums& checksums) {
  for (auto a : kAllChecksumAlgorithms) {
    if (checksums.get(a)) return std::string(checksum_algorithm_name(a));
  }
  return {};
}

s3::ObjectEntry entry_of(const ObjectSummary& o, std::optional<s3::Owner> who) {
  s3::ObjectEntry e;
  e.key = o.key;
  e.last_modified = to_time_point(o.last_modified);
  e.etag = o.etag;
  e.size = o.size;
  e.owner = std::move(who);
  e.checksum_algorithm = checksum_algorithm_of(o.checksums);
  return e;
}

// prefix, delimiter, markers: what S3 accepts as key material.
Expected<void, s3::S3Error> check_listing_text(std::string_view name, std::string_view value) {
  if (!text::is_valid_utf8(value)) {
    return Unexpected(s3::invalid_argument("Invalid " + std::string(name), name, ""));
  }
  return {};
}

std::string grant_xml(std::string_view grantee, std::string_view permission) {
  return "<Grant>" + std::string(grantee) + "<Permission>" + std::string(permission) +
         "</Permission></Grant>";
}

// S3's AccessControlPolicy for a canned ACL: the owner's FULL_CONTROL plus the
// group grants the canned ACL implies.
std::string access_control_policy(const S3Request& r, std::string_view acl) {
  const std::string id = s3::xml_escape(r.service.options.owner_id);
  const std::string name = s3::xml_escape(r.service.options.owner_display_name);
  const std::string owner_xml = "<ID>" + id + "</ID><DisplayName>" + name + "</DisplayName>";
  const std::string canonical =
      "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
      "xsi:type=\"CanonicalUser\">" +
      owner_xml + "</Grantee>";
  auto group = [](std::string_view uri) {
    return "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
           "xsi:type=\"Group\"><URI>" +
           std::string(uri) + "</URI></Grantee>";
  };
  constexpr std::string_view kAllUsers = "http://acs.amazonaws.com/groups/global/AllUsers";
  constexpr std::string_view kAuthenticated =
      "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
  std::string grants = grant_xml(canonical, "FULL_CONTROL");
  if (acl == "public-read" || acl == "public-read-write")
    grants += grant_xml(group(kAllUsers), "READ");
  if (acl == "public-read-write") grants += grant_xml(group(kAllUsers), "WRITE");
  if (acl == "authenticated-read") grants += grant_xml(group(kAuthenticated), "READ");
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AccessControlPolicy xmlns=\"" +
         std::string(s3::kS3XmlNamespace) + "\"><Owner>" + owner_xml +
         "</Owner><AccessControlList>" + grants + "</AccessControlList></AccessControlPolicy>";
}

}  // namespace

asio::awaitable<void> handle_list_buckets(S3Request& r) {
  auto buckets = co_await on_pool(r, [&] { return r.service.store.list_buckets(); });
  if (!buckets) co_return co_await r.send_error(to_s3_error(buckets.error()));
  s3::ListAllMyBucketsResult result;
  result.owner = owner(r);
  for (const auto& b : *buckets) {
    result.buckets.push_back(s3::BucketEntry{b.name, to_time_point(b.created), b.region});
  }
  co_await r.send_xml(200, s3::render_list_buckets(result));
}

asio::awaitable<void> handle_create_bucket(S3Request& r) {
  auto acl = canned_acl(r, true);
  if (!acl) co_return co_await r.send_error(std::move(acl).error());
  auto body = co_await receive_small_body(r, kMaxBucketConfigurationBytes);
  if (!body) co_return co_await r.send_error(std::move(body).error());
  auto configuration = s3::parse_create_bucket_configuration(*body, kMaxBucketConfigurationBytes);
  if (!configuration) co_return co_await r.send_error(std::move(configuration).error());
  if (auto ok = s3::check_location_constraint(configuration->location_constraint,
                                              r.service.options.region);
      !ok) {
    co_return co_await r.send_error(std::move(ok).error());
  }
  CreateBucketRequest request;
  request.name = r.target.bucket;
  request.region = r.service.options.region;
  request.acl = *acl;
  auto created = co_await on_pool(r, [&] { return r.service.store.create_bucket(request); });
  if (!created) {
    // us-east-1 keeps the legacy answer: re-creating your own bucket succeeds.
    const bool legacy_ok = created.error().code == StoreErrc::kBucketAlreadyOwnedByYou &&
                           r.service.options.region == "us-east-1";
    if (!legacy_ok) {
      co_return co_await r.send_error(to_s3_error(created.error(), r.target.bucket));
    }
  }
  r.service.cors.forget(r.target.bucket);
  http::Response out = r.response(200);
  out.set_header("Location", "/" + r.target.bucket);
  co_await r.send(out);
}

asio::awaitable<void> handle_delete_bucket(S3Request& r) {
  auto deleted =
      co_await on_pool(r, [&] { return r.service.store.delete_bucket(r.target.bucket); });
  if (!deleted) co_return co_await r.send_error(to_s3_error(deleted.error(), r.target.bucket));
  r.service.cors.forget(r.target.bucket);
  co_await r.send(r.response(204));
}

asio::awaitable<void> handle_head_bucket(S3Request& r) {
  auto bucket = co_await on_pool(r, [&] { return r.service.store.head_bucket(r.target.bucket); });
  if (!bucket) co_return co_await r.send_error(to_s3_error(bucket.error(), r.target.bucket));
  http::Response out = r.response(200);
  out.set_header("x-amz-bucket-region", bucket->region);
  out.set_header("x-amz-access-point-alias", "false");
  co_await r.send(out);
}

asio::awaitable<void> handle_get_bucket_location(S3Request& r) {
  auto bucket = co_await on_pool(r, [&] { return r.service.store.head_bucket(r.target.bucket); });
  if (!bucket) co_return co_await r.send_error(to_s3_error(bucket.error(), r.target.bucket));
  co_await r.send_xml(200, s3::render_location_constraint(bucket->region));
}

asio::awaitable<void> handle_get_bucket_versioning(S3Request& r) {
  auto bucket = co_await on_pool(r, [&] { return r.service.store.head_bucket(r.target.bucket); });
  if (!bucket) co_return co_await r.send_error(to_s3_error(bucket.error(), r.target.bucket));
  s3::XmlWriter w;
  w.open("VersioningConfiguration", s3::kS3XmlNamespace);
  w.close();
  co_await r.send_xml(200, std::move(w).finish());
}

asio::awaitable<void> handle_get_bucket_acl(S3Request& r) {
  auto bucket = co_await on_pool(r, [&] { return r.service.store.head_bucket(r.target.bucket); });
  if (!bucket) co_return co_await r.send_error(to_s3_error(bucket.error(), r.target.bucket));
  co_await r.send_xml(200, access_control_policy(r, bucket->acl));
}

asio::awaitable<void> handle_put_bucket_acl(S3Request& r) {
  if (!r.header("x-amz-acl")) {
    co_return co_await r.send_error(
        s3::make_error(ErrorCode::NotImplemented).because("ACL documents are not supported"));
  }
  auto acl = canned_acl(r, true);
  if (!acl) co_return co_await r.send_error(std::move(acl).error());
  auto put =
      co_await on_pool(r, [&] { return r.service.store.put_bucket_acl(r.target.bucket, *acl); });
  if (!put) co_return co_await r.send_error(to_s3_error(put.error(), r.target.bucket));
  co_await r.send(r.response(200));
}

asio::awaitable<void> handle_get_object_acl(S3Request& r) {
  auto object = co_await on_pool(
      r, [&] { return r.service.store.head_object(r.target.bucket, r.target.key); });
  if (!object) {
    co_return co_await r.send_error(to_s3_error(object.error(), r.target.bucket, r.target.key));
  }
  co_await r.send_xml(200, access_control_policy(r, object->acl));
}

asio::awaitable<void> handle_list_objects_v2(S3Request& r) {
  auto max_keys = s3::parse_max_keys(r.query_param("max-keys"));
  if (!max_keys) co_return co_await r.send_error(std::move(max_keys).error());
  auto encoding = s3::parse_encoding_type(r.query_param("encoding-type"));
  if (!encoding) co_return co_await r.send_error(std::move(encoding).error());
  ListObjectsRequest request;
  request.bucket = r.target.bucket;
  request.prefix = std::string(r.query_param("prefix").value_or(""));
  request.delimiter = std::string(r.query_param("delimiter").value_or(""));
  request.max_keys = *max_keys;
  request.start_after = std::string(r.query_param("start-after").value_or(""));
  if (auto token = r.query_param("continuation-token")) {
    if (token->empty()) {
      co_return co_await r.send_error(s3::invalid_argument(
          "The continuation token provided is incorrect", "continuation-token", ""));
    }
    request.continuation_token = std::string(*token);
  }
  for (auto [name, value] : {std::pair{"prefix", std::string_view(request.prefix)},
                             std::pair{"delimiter", std::string_view(request.delimiter)},
                             std::pair{"start-after", std::string_view(request.start_after)}}) {
    if (auto ok = check_listing_text(name, value); !ok) {
      co_return co_await r.send_error(std::move(ok).error());
    }
  }
  auto listed = co_await on_pool(r, [&] { return r.service.store.list_objects(request); });
  if (!listed) co_return co_await r.send_error(to_s3_error(listed.error(), r.target.bucket));
  const bool fetch_owner = r.query_param("fetch-owner").value_or("") == "true";
  s3::ListObjectsV2Result result;
  result.name = r.target.bucket;
  result.prefix = request.prefix;
  result.delimiter = request.delimiter;
  result.max_keys = *max_keys;
  result.is_truncated = listed->is_truncated;
  result.continuation_token = request.continuation_token;
  if (listed->is_truncated) result.next_continuation_token = listed->next_continuation_token;
  if (r.query_param("start-after")) result.start_after = request.start_after;
  result.encoding = *encoding;
  for (const auto& o : listed->contents) {
    result.contents.push_back(entry_of(o, fetch_owner ? std::optional(owner(r)) : std::nullopt));
  }
  result.common_prefixes = std::move(listed->common_prefixes);
  co_await r.send_xml(200, s3::render_list_objects_v2(result));
}

asio::awaitable<void> handle_list_objects(S3Request& r) {
  auto max_keys = s3::parse_max_keys(r.query_param("max-keys"));
  if (!max_keys) co_return co_await r.send_error(std::move(max_keys).error());
  auto encoding = s3::parse_encoding_type(r.query_param("encoding-type"));
  if (!encoding) co_return co_await r.send_error(std::move(encoding).error());
  ListObjectsRequest request;
  request.bucket = r.target.bucket;
  request.prefix = std::string(r.query_param("prefix").value_or(""));
  request.delimiter = std::string(r.query_param("delimiter").value_or(""));
  request.max_keys = *max_keys;
  request.start_after = std::string(r.query_param("marker").value_or(""));
  for (auto [name, value] : {std::pair{"prefix", std::string_view(request.prefix)},
                             std::pair{"delimiter", std::string_view(request.delimiter)},
                             std::pair{"marker", std::string_view(request.start_after)}}) {
    if (auto ok = check_listing_text(name, value); !ok) {
      co_return co_await r.send_error(std::move(ok).error());
    }
  }
  auto listed = co_await on_pool(r, [&] { return r.service.store.list_objects(request); });
  if (!listed) co_return co_await r.send_error(to_s3_error(listed.error(), r.target.bucket));
  s3::ListObjectsV1Result result;
  result.name = r.target.bucket;
  result.prefix = request.prefix;
  result.marker = request.start_after;
  result.delimiter = request.delimiter;
  result.max_keys = *max_keys;
  result.is_truncated = listed->is_truncated;
  // S3 sends NextMarker only with a delimiter; clients use the last key otherwise.
  if (listed->is_truncated && !request.delimiter.empty()) result.next_marker = listed->next_marker;
  result.encoding = *encoding;
  for (const auto& o : listed->contents) result.contents.push_back(entry_of(o, owner(r)));
  result.common_prefixes = std::move(listed->common_prefixes);
  co_await r.send_xml(200, s3::render_list_objects_v1(result));
}

}  // namespace upgate::store
