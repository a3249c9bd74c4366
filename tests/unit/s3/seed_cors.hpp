// The seed document's bucket CORS configuration (its section 4), laid out as there and as
// the AWS CLI prints it. tests/data/seed_cors.json is the one copy; the unit tests of
// the s3 rules and of s3client's CORS JSON, and the bucket command's test, all read it.
#pragma once

#include <fstream>
#include <iterator>
#include <string>

namespace upgate::testing {

inline std::string seed_cors_json() {
  std::ifstream in(std::string(UPGATE_TEST_DATA_DIR) + "/seed_cors.json", std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace upgate::testing
