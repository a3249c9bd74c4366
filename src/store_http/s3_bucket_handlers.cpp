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
#include "upgate/text.hpp"

namespace upgate::store {

namespace asio = boost::asio;
using s3::ErrorCode;

namespace {

constexpr std::size_t kMaxBucketConfigurationBytes = 64 * 1024;

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

// ListObjects (v1) and ListObjectsV2 read one query under two spellings: v1's
// `marker` is v2's `start-after`, and only v2 has a continuation token.
enum class ListVersion { kV1, kV2 };

struct ListingQuery {
  ListObjectsRequest request;
  s3::EncodingType encoding = s3::EncodingType::None;
};

Expected<ListingQuery, s3::S3Error> listing_query(const S3Request& r, ListVersion version) {
  auto max_keys = s3::parse_max_keys(r.query_param("max-keys"));
  if (!max_keys) return Unexpected(std::move(max_keys).error());
  auto encoding = s3::parse_encoding_type(r.query_param("encoding-type"));
  if (!encoding) return Unexpected(std::move(encoding).error());
  const std::string_view marker = version == ListVersion::kV2 ? "start-after" : "marker";
  ListingQuery out;
  out.encoding = *encoding;
  ListObjectsRequest& q = out.request;
  q.bucket = r.target.bucket;
  q.prefix = std::string(r.query_param("prefix").value_or(""));
  q.delimiter = std::string(r.query_param("delimiter").value_or(""));
  q.max_keys = *max_keys;
  q.start_after = std::string(r.query_param(marker).value_or(""));
  if (version == ListVersion::kV2) {
    // An empty token is no token: SDKs send `continuation-token=` for the first page.
    if (auto token = r.query_param("continuation-token"); token && !token->empty()) {
      q.continuation_token = std::string(*token);
    }
  }
  // Prefix, delimiter and marker are key material: S3 refuses what is not UTF-8.
  for (auto [name, value] :
       {std::pair{std::string_view("prefix"), std::string_view(q.prefix)},
        std::pair{std::string_view("delimiter"), std::string_view(q.delimiter)},
        std::pair{marker, std::string_view(q.start_after)}}) {
    if (!text::is_valid_utf8(value)) {
      return Unexpected(s3::invalid_argument("Invalid " + std::string(name), name, ""));
    }
  }
  return out;
}

// A ListObjects request's query (v1 or v2) and the listing it asks for.
struct Listing {
  ListingQuery query;
  ListObjectsResult listed;
};

asio::awaitable<Expected<Listing, s3::S3Error>> list_objects(S3Request& r, ListVersion version) {
  auto query = listing_query(r, version);
  if (!query) co_return Unexpected(std::move(query).error());
  auto listed = co_await on_pool(r, [&] { return r.service.store.list_objects(query->request); });
  if (!listed) co_return Unexpected(to_s3_error(listed.error(), r.target.bucket));
  co_return Listing{std::move(*query), std::move(*listed)};
}

// What ListObjects v1 and v2 answer alike (their results name these fields the same), with
// `owner` on each entry.
template <class Result>
void fill_listing(Result& result, const S3Request& r, Listing& listing,
                  const std::optional<s3::Owner>& owner) {
  const ListObjectsRequest& request = listing.query.request;
  result.name = r.target.bucket;
  result.prefix = request.prefix;
  result.delimiter = request.delimiter;
  result.max_keys = request.max_keys;
  result.is_truncated = listing.listed.is_truncated;
  result.encoding = listing.query.encoding;
  for (const auto& o : listing.listed.contents) result.contents.push_back(entry_of(o, owner));
  result.common_prefixes = std::move(listing.listed.common_prefixes);
}

}  // namespace

asio::awaitable<Expected<BucketRecord, s3::S3Error>> existing_bucket(S3Request& r) {
  auto bucket = co_await on_pool(r, [&] { return r.service.store.head_bucket(r.target.bucket); });
  if (!bucket) co_return Unexpected(to_s3_error(bucket.error(), r.target.bucket));
  co_return std::move(*bucket);
}

asio::awaitable<Outcome> handle_list_buckets(S3Request& r) {
  auto buckets = co_await on_pool(r, [&] { return r.service.store.list_buckets(); });
  if (!buckets) co_return Unexpected(to_s3_error(buckets.error()));
  s3::ListAllMyBucketsResult result;
  result.owner = r.service.owner();
  for (const auto& b : *buckets) {
    result.buckets.push_back(s3::BucketEntry{b.name, to_time_point(b.created), b.region});
  }
  co_return co_await r.send_xml(200, s3::render_list_buckets(result));
}

asio::awaitable<Outcome> handle_create_bucket(S3Request& r) {
  auto acl = canned_acl(r, true);
  if (!acl) co_return Unexpected(std::move(acl).error());
  auto body = co_await receive_small_body(r, kMaxBucketConfigurationBytes);
  if (!body) co_return Unexpected(std::move(body).error());
  auto configuration = s3::parse_create_bucket_configuration(*body, kMaxBucketConfigurationBytes);
  if (!configuration) co_return Unexpected(std::move(configuration).error());
  if (auto ok = s3::check_location_constraint(configuration->location_constraint,
                                              r.service.options.region);
      !ok) {
    co_return Unexpected(std::move(ok).error());
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
    if (!legacy_ok) co_return Unexpected(to_s3_error(created.error(), r.target.bucket));
  }
  r.service.cors.forget(r.target.bucket);
  http::Response out = r.response(200);
  out.set_header("Location", "/" + r.target.bucket);
  co_return co_await r.send(out);
}

asio::awaitable<Outcome> handle_delete_bucket(S3Request& r) {
  auto deleted =
      co_await on_pool(r, [&] { return r.service.store.delete_bucket(r.target.bucket); });
  if (!deleted) co_return Unexpected(to_s3_error(deleted.error(), r.target.bucket));
  r.service.cors.forget(r.target.bucket);
  co_return co_await r.send(r.response(204));
}

asio::awaitable<Outcome> handle_head_bucket(S3Request& r) {
  auto bucket = co_await existing_bucket(r);
  if (!bucket) co_return Unexpected(std::move(bucket).error());
  http::Response out = r.response(200);
  out.set_header("x-amz-bucket-region", bucket->region);
  out.set_header("x-amz-access-point-alias", "false");
  co_return co_await r.send(out);
}

asio::awaitable<Outcome> handle_get_bucket_location(S3Request& r) {
  auto bucket = co_await existing_bucket(r);
  if (!bucket) co_return Unexpected(std::move(bucket).error());
  co_return co_await r.send_xml(200, s3::render_location_constraint(bucket->region));
}

asio::awaitable<Outcome> handle_get_bucket_versioning(S3Request& r) {
  auto bucket = co_await existing_bucket(r);
  if (!bucket) co_return Unexpected(std::move(bucket).error());
  co_return co_await r.send_xml(200, s3::render_versioning_configuration());
}

asio::awaitable<Outcome> handle_get_bucket_acl(S3Request& r) {
  auto bucket = co_await existing_bucket(r);
  if (!bucket) co_return Unexpected(std::move(bucket).error());
  co_return co_await r.send_xml(200,
                                s3::render_access_control_policy(r.service.owner(), bucket->acl));
}

asio::awaitable<Outcome> handle_put_bucket_acl(S3Request& r) {
  if (!r.header("x-amz-acl")) {
    co_return Unexpected(
        s3::make_error(ErrorCode::NotImplemented).because("ACL documents are not supported"));
  }
  auto acl = canned_acl(r, true);
  if (!acl) co_return Unexpected(std::move(acl).error());
  auto put =
      co_await on_pool(r, [&] { return r.service.store.put_bucket_acl(r.target.bucket, *acl); });
  if (!put) co_return Unexpected(to_s3_error(put.error(), r.target.bucket));
  co_return co_await r.send(r.response(200));
}

asio::awaitable<Outcome> handle_get_object_acl(S3Request& r) {
  auto object = co_await on_pool(
      r, [&] { return r.service.store.head_object(r.target.bucket, r.target.key); });
  if (!object) co_return Unexpected(to_s3_error(object.error(), r.target.bucket, r.target.key));
  co_return co_await r.send_xml(200,
                                s3::render_access_control_policy(r.service.owner(), object->acl));
}

asio::awaitable<Outcome> handle_list_objects_v2(S3Request& r) {
  auto listing = co_await list_objects(r, ListVersion::kV2);
  if (!listing) co_return Unexpected(std::move(listing).error());
  const ListObjectsRequest& request = listing->query.request;
  const bool fetch_owner = r.query_param("fetch-owner").value_or("") == "true";
  s3::ListObjectsV2Result result;
  fill_listing(result, r, *listing, fetch_owner ? std::optional(r.service.owner()) : std::nullopt);
  result.continuation_token = request.continuation_token;
  if (result.is_truncated) result.next_continuation_token = listing->listed.next_continuation_token;
  if (r.query_param("start-after")) result.start_after = request.start_after;
  co_return co_await r.send_xml(200, s3::render_list_objects_v2(result));
}

asio::awaitable<Outcome> handle_list_objects(S3Request& r) {
  auto listing = co_await list_objects(r, ListVersion::kV1);
  if (!listing) co_return Unexpected(std::move(listing).error());
  const ListObjectsRequest& request = listing->query.request;
  s3::ListObjectsV1Result result;
  fill_listing(result, r, *listing, r.service.owner());
  result.marker = request.start_after;
  // S3 sends NextMarker only with a delimiter; clients use the last key otherwise.
  if (result.is_truncated && !request.delimiter.empty()) {
    result.next_marker = listing->listed.next_marker;
  }
  co_return co_await r.send_xml(200, s3::render_list_objects_v1(result));
}

}  // namespace upgate::store
