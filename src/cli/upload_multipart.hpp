// `upgate upload` of a large file: a multipart upload through the API's /v1/multipart routes.
//
// The API chooses the layout (part size and count) and signs each part's PUT just before
// it is sent, so a URL is never older than one part's transfer; a part the store refuses
// with "Request has expired" is signed again and re-sent. Parts go up `parallel` at a time
// (one thread and one connection each), each retried with backoff after a network error or
// a 5xx; then the API completes the upload, after checking the stored parts against the
// declared size (and may refuse the bytes: 422 content_mismatch).
//
// With `resume`, the upload token and the parts done are kept in a state file
// (upload_state.hpp) from creation on; running the same command again asks the API which
// parts the store holds and sends only the others. A saved upload that the API no longer
// accepts (token expired or altered, upload aborted) is started over, with a notice.
// Without `resume`, an upload that fails for good or is interrupted is aborted, so the
// store drops its parts; with it, the upload is kept to be resumed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "upgate/expected.hpp"
#include "upload_client.hpp"

namespace upgate::cli::upload {

struct MultipartSettings {
  std::string api;
  std::string folder;
  int parallel = 4;
  int retries = 3;
  bool resume = false;
};

struct LocalFile {
  std::filesystem::path path;      // as given on the command line
  std::filesystem::path absolute;  // what --resume state is keyed by
  std::string name;                // the fileName sent to the API
  std::string content_type;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
};

struct MultipartResult {
  std::string key;
  std::string etag;
  std::uint32_t parts = 0;
  std::uint64_t part_size = 0;
  std::uint32_t parts_resumed = 0;  // already in the store when this run began
  std::uint32_t parts_sent = 0;     // sent by this run
};

// `sent` follows the bytes stored or in flight (for a progress bar); `notice` gets a line
// for the user (resuming, starting over), from the calling thread.
Expected<MultipartResult, Failure> upload_multipart(
    const MultipartSettings& settings, const LocalFile& file, SentBytes& sent,
    const std::function<void(const std::string&)>& notice);

}  // namespace upgate::cli::upload
