// upgate::s3client::ClientOptions: where the outbound S3 client sends its calls, what signs
// them, and the bounds every call runs within.
//
// The endpoint is sigv4::S3Endpoint, the same value presigned URLs are built from, so the
// client addresses a bucket exactly as those URLs do (S3Endpoint::virtual_hosted_for).
// config::resolve_s3_target() yields the endpoint, region and credentials.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "upgate/sigv4/credentials.hpp"
#include "upgate/sigv4/presign.hpp"

namespace upgate::s3client {

struct ClientOptions {
  sigv4::S3Endpoint endpoint;
  std::string region;
  sigv4::Credentials credentials;  // a session token, when present, is signed and sent
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds total_timeout{60};  // the whole call, first byte to last
  // Response bodies are read into memory up to this many bytes; the rest is dropped and a
  // success whose body was cut is an error, never a silently short document.
  std::size_t max_response_body = 1024 * 1024;
  std::string ca_file;  // PEM bundle for TLS verification; empty: the system's CA store
  // "HOST:PORT" to connect to instead of the endpoint's own host and port (the embedded
  // store's listener); the Host header and the certificate check still name the endpoint.
  std::string connect_to;
};

}  // namespace upgate::s3client
