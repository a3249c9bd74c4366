// The CORS configuration as people write it: JSON, in the seed's form (a top-level array of
// rules) or the aws CLI's ({"CORSRules": [...]}), each rule with AllowedHeaders,
// AllowedMethods, AllowedOrigins, ExposeHeaders, MaxAgeSeconds and an optional ID.
//
// read_cors_json treats the text as hostile: at most `max_bytes` (S3's 64 KiB document
// limit by default), nesting at most 8 deep, strict JSON (UTF-8, no comments, no trailing
// commas; a leading UTF-8 byte order mark is skipped). The structure and S3's rules are
// s3::parse_cors_json's (cors.hpp). Every error is one line that says where: a syntax
// error by line and column, a wrong value by its path ("$[0].AllowedMethods[1] is not a
// string", "$.CORSRules[2] has an unknown key 'AllowedMethod'"), a broken S3 rule by rule
// number ("CORSRule 1: no AllowedOrigin").
//
// write_cors_json prints a configuration back, indented by two spaces with one value per
// line as the seed shows it, keys in the order ID, AllowedHeaders, AllowedMethods,
// AllowedOrigins, ExposeHeaders, MaxAgeSeconds, empty lists left out. What it writes,
// read_cors_json reads back to an equal configuration.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "upgate/expected.hpp"
#include "upgate/s3/cors.hpp"

namespace upgate::s3client {

struct CorsJsonError {
  std::string message;
};

Expected<s3::CorsConfiguration, CorsJsonError> read_cors_json(
    std::string_view text, std::size_t max_bytes = s3::kMaxCorsDocumentBytes);

enum class CorsJsonForm {
  kRuleArray,  // the seed's: [ {rule}, ... ]
  kAwsCli,     // aws s3api's: {"CORSRules": [ {rule}, ... ]}
};

std::string write_cors_json(const s3::CorsConfiguration& configuration,
                            CorsJsonForm form = CorsJsonForm::kRuleArray);

}  // namespace upgate::s3client
