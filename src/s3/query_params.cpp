#include "upgate/s3/query_params.hpp"

#include <cstdint>
#include <optional>
#include <string>

#include "decimal.hpp"

namespace upgate::s3 {
namespace {

enum class IntShape { Ok, NotAnInteger, Negative };

// A decimal int32 of at most 10 digits with an optional leading '-'; anything else is
// NotAnInteger.
IntShape parse_int32(std::string_view text, int& out) {
  const std::optional<std::int64_t> value = detail::parse_decimal(text, 10);
  if (!value || *value > INT32_MAX || *value < INT32_MIN) return IntShape::NotAnInteger;
  out = static_cast<int>(*value);
  return *value < 0 ? IntShape::Negative : IntShape::Ok;
}

S3Error not_an_integer(std::string_view name, std::string_view value) {
  return invalid_argument(
             "Provided " + std::string(name) + " not an integer or within integer range", name,
             value)
      .because(std::string(name) + " is not an int32");
}

Expected<int, S3Error> bounded(std::string_view name, std::optional<std::string_view> value,
                               int fallback, int ceiling) {
  if (!value) return fallback;
  int n = 0;
  switch (parse_int32(*value, n)) {
    case IntShape::NotAnInteger:
      return Unexpected(not_an_integer(name, *value));
    case IntShape::Negative:
      return Unexpected(invalid_argument("Argument " + std::string(name) +
                                             " must be an integer between 0 and 2147483647",
                                         name, *value)
                            .because(std::string(name) + " is negative"));
    case IntShape::Ok:
      break;
  }
  return n < ceiling ? n : ceiling;
}

}  // namespace

Expected<int, S3Error> parse_max_keys(std::optional<std::string_view> value) {
  if (!value) return kDefaultMaxKeys;
  int n = 0;
  switch (parse_int32(*value, n)) {
    case IntShape::NotAnInteger:
      return Unexpected(not_an_integer("max-keys", *value));
    case IntShape::Negative:
      return Unexpected(invalid_argument("max-keys cannot be negative", "maxKeys", *value)
                            .because("max-keys is negative"));
    case IntShape::Ok:
      break;
  }
  return n < kDefaultMaxKeys ? n : kDefaultMaxKeys;
}

Expected<int, S3Error> parse_listing_limit(std::string_view name,
                                           std::optional<std::string_view> value) {
  return bounded(name, value, 1000, 1000);
}

Expected<int, S3Error> parse_part_number_marker(std::optional<std::string_view> value) {
  return bounded("part-number-marker", value, 0, INT32_MAX);
}

Expected<EncodingType, S3Error> parse_encoding_type(std::optional<std::string_view> value) {
  if (!value) return EncodingType::None;
  if (*value == "url") return EncodingType::Url;
  return Unexpected(
      invalid_argument("Invalid Encoding Method specified in Request", "encoding-type", *value)
          .because("encoding-type is not url"));
}

Expected<int, S3Error> parse_part_number(std::string_view value) {
  int n = 0;
  if (parse_int32(value, n) != IntShape::Ok || n < 1 || n > 10000) {
    return Unexpected(
        invalid_argument("Part number must be an integer between 1 and 10000, inclusive",
                         "partNumber", value)
            .because("partNumber out of 1..10000"));
  }
  return n;
}

}  // namespace upgate::s3
