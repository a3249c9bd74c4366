// upgate::s3 query parameters: the numeric and enumerated query parameters of
// S3's listing and multipart calls, validated with S3's answers.
//
// Promises (messages as S3 sends them):
//  - max-keys: absent -> 1000; values above 1000 are clamped to 1000 (S3 never
//    returns more); not an integer or beyond int32 -> InvalidArgument "Provided
//    max-keys not an integer or within integer range"; negative -> InvalidArgument
//    "max-keys cannot be negative" (ArgumentName maxKeys);
//  - max-parts, max-uploads, part-number-marker: same shape; negative ->
//    "Argument <name> must be an integer between 0 and 2147483647";
//  - encoding-type: absent -> None, "url" -> Url, anything else -> InvalidArgument
//    "Invalid Encoding Method specified in Request";
//  - partNumber (UploadPart, GetObject by part): 1..10000, else InvalidArgument
//    "Part number must be an integer between 1 and 10000, inclusive".
// Every InvalidArgument names the parameter (ArgumentName) and echoes its value
// (ArgumentValue).
#pragma once

#include <optional>
#include <string_view>

#include "upgate/expected.hpp"
#include "upgate/s3/errors.hpp"
#include "upgate/s3/xml_responses.hpp"

namespace upgate::s3 {

inline constexpr int kDefaultMaxKeys = 1000;

Expected<int, S3Error> parse_max_keys(std::optional<std::string_view> value);
// max-parts / max-uploads: default and ceiling 1000.
Expected<int, S3Error> parse_listing_limit(std::string_view name,
                                           std::optional<std::string_view> value);
// part-number-marker: default 0.
Expected<int, S3Error> parse_part_number_marker(std::optional<std::string_view> value);
Expected<EncodingType, S3Error> parse_encoding_type(std::optional<std::string_view> value);
Expected<int, S3Error> parse_part_number(std::string_view value);

}  // namespace upgate::s3
