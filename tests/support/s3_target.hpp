// The S3 target the API's unit tests sign for: a path-style store on 127.0.0.1:9000,
// bucket "uploads", with the test's own secret (each suite checks that its secret never
// reaches an answer, so each passes a different one).
#pragma once

#include <string>
#include <string_view>

#include "upgate/config/s3_target.hpp"

namespace upgate::testing {

inline config::S3Target local_s3_target(std::string_view secret) {
  config::S3Target t;
  t.endpoint = *sigv4::S3Endpoint::parse("http://127.0.0.1:9000", true);
  t.endpoint_url = "http://127.0.0.1:9000";
  t.region = "us-east-1";
  t.bucket = "uploads";
  t.credentials.access_key_id = "AKIDUNIT";
  t.credentials.secret_access_key = sigv4::SecretKey(std::string(secret));
  return t;
}

}  // namespace upgate::testing
