// The body of a checksum-required operation: header rules first, then the bytes.
#include "checksummed_body.hpp"

#include "body_receiver.hpp"
#include "request_integrity.hpp"

namespace upgate::store {

boost::asio::awaitable<Expected<std::string, s3::S3Error>> receive_checksummed_small_body(
    S3Request& r, std::size_t max_bytes) {
  if (auto required = require_integrity_header(integrity_headers(r.headers)); !required) {
    co_return Unexpected(std::move(required).error());
  }
  auto checksum = checksum_request(r);
  if (!checksum) co_return Unexpected(std::move(checksum).error());
  auto body = co_await receive_small_body(r, max_bytes);
  if (!body) co_return body;
  if (checksum->algorithm && checksum->expected) {
    auto verified = verify_body_checksum(*checksum->algorithm, *checksum->expected, *body);
    if (!verified) co_return Unexpected(std::move(verified).error());
  }
  co_return body;
}

}  // namespace upgate::store
