// The embedded store's HTTP front: S3's REST API over an ObjectStore.
//
// S3Service turns each request into one S3 operation (s3_operation.hpp),
// authenticates it exactly as S3 does (SigV4 header or presigned query auth,
// every payload mode, POST policies; anonymous reads only of public-read
// objects), authorizes it against the access keys, runs it, and answers with
// S3's headers and XML. Every response carries x-amz-request-id; every
// failure is S3's XML error document with S3's status; responses to requests
// with an Origin get the bucket's CORS headers (Vary: Origin) when a rule
// matches.
//
// Threading: handlers run on the http::Server's I/O threads and never block;
// the engine (SQLite, file writes, fsync) runs through Exchange::run_blocking.
// Bodies stream through fixed buffers: memory per request is bounded whatever
// the object size.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "access_keys.hpp"
#include "store/object_store.hpp"
#include "upgate/expected.hpp"
#include "upgate/http/exchange.hpp"
#include "upgate/http/server.hpp"
#include "upgate/s3/cors.hpp"
#include "upgate/store/access_log.hpp"

namespace upgate::store {

struct S3ServiceOptions {
  std::string region = "us-east-1";
  // Base domain for virtual-hosted-style requests ("s3.example.test"): a Host
  // of "bucket.s3.example.test" addresses that bucket. Empty: path-style only.
  std::string domain;
  std::chrono::seconds max_skew{15 * 60};
  std::string owner_id = "upgate";
  std::string owner_display_name = "upgate";
  // Per upload, up to `upload_buffers` buffers of this size cycle between the
  // socket, the digest lane and the write lane (src/store/body_pipeline.hpp): the
  // memory an upload costs. Also the piece size of UploadPartCopy.
  std::size_t io_buffer_bytes = 512 * 1024;
  std::size_t upload_buffers = 4;
  // Per download, two buffers of this size (one read from disk while the other is
  // sent); larger pieces mean fewer hops to the pool.
  std::size_t download_buffer_bytes = 1024 * 1024;
  std::function<void(const AccessLogEntry&)> access_log;  // null: no log
  // A lifecycle rule's day (24 h; shorter for tests), for the x-amz-abort-date of
  // CreateMultipartUpload and ListParts. The sweeper gets the same length.
  std::chrono::milliseconds lifecycle_day = std::chrono::hours(24);
  // The clock SigV4 checks run against (tests pin it); null: the system clock.
  std::function<std::chrono::system_clock::time_point()> clock;
};

class S3Service {
 public:
  // `store` must outlive the service.
  S3Service(ObjectStore& store, AccessKeys keys, S3ServiceOptions options);
  ~S3Service();
  S3Service(const S3Service&) = delete;
  S3Service& operator=(const S3Service&) = delete;

  boost::asio::awaitable<void> handle(http::Exchange& exchange);
  // A handler for http::Server; the service must outlive the server.
  http::Handler handler();

  const S3ServiceOptions& options() const;
  const AccessKeys& keys() const;

  // Sets up a bucket at start-up (blocking): creates it unless it exists, and
  // when `cors` is given replaces its CORS configuration.
  Expected<void, std::string> ensure_bucket(std::string_view name,
                                            const s3::CorsConfiguration* cors);

  struct State;

 private:
  std::unique_ptr<State> state_;
};

// The responses http::Server writes on its own, as S3 answers them: S3's XML error
// document with x-amz-request-id. A header over the limit is 400
// RequestHeaderSectionTooLarge (MaxSizeAllowed: max_header_bytes); an unreadable request
// 400 BadRequest; a Transfer-Encoding other than chunked 501 NotImplemented (Header:
// Transfer-Encoding); a body over the limit 400 MaxMessageLengthExceeded; a stalled body
// 400 RequestTimeout; a failed handler 500 InternalError.
http::Response render_server_refusal(const http::RefusalContext& refusal,
                                     std::size_t max_header_bytes);

// The HTTP server settings the store needs: large bodies (the service raises
// the limit per request), a blocking pool big enough for fsync-bound uploads, and
// render_server_refusal for what the server answers on its own.
http::ServerConfig store_server_config(std::string address, std::uint16_t port, unsigned threads);

}  // namespace upgate::store
