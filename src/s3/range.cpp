#include "upgate/s3/range.hpp"

#include "upgate/text.hpp"

namespace upgate::s3 {
namespace {

using text::trim;

constexpr std::size_t kMaxRangeHeader = 1024;

// A non-empty run of digits; anything else is nullopt. A number too large for
// uint64 saturates: it is still larger than any object, which is all that matters.
std::optional<std::uint64_t> parse_position(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    value = value > (UINT64_MAX - digit) / 10 ? UINT64_MAX : value * 10 + digit;
  }
  return value;
}

S3Error invalid_range(std::string_view header, std::uint64_t size, std::string why) {
  return make_error(ErrorCode::InvalidRange)
      .with("RangeRequested", std::string(header))
      .with("ActualObjectSize", std::to_string(size))
      .because(std::move(why));
}

}  // namespace

std::string ByteRange::content_range(std::uint64_t object_size) const {
  return "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" +
         std::to_string(object_size);
}

std::string unsatisfiable_content_range(std::uint64_t object_size) {
  return "bytes */" + std::to_string(object_size);
}

Expected<std::optional<ByteRange>, S3Error> evaluate_range(std::string_view header,
                                                           std::uint64_t size) {
  using Result = Expected<std::optional<ByteRange>, S3Error>;
  const Result whole_object{std::optional<ByteRange>{}};
  if (header.size() > kMaxRangeHeader) return whole_object;
  const std::string_view value = trim(header);
  const auto eq = value.find('=');
  if (eq == std::string_view::npos || trim(value.substr(0, eq)) != "bytes") return whole_object;
  const std::string_view spec = trim(value.substr(eq + 1));
  // Several ranges: S3 answers with the whole object rather than multipart/byteranges.
  if (spec.find(',') != std::string_view::npos) return whole_object;
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return whole_object;
  const std::string_view first_text = trim(spec.substr(0, dash));
  const std::string_view last_text = trim(spec.substr(dash + 1));

  if (first_text.empty()) {  // suffix range: bytes=-n
    const auto n = parse_position(last_text);
    if (!n) return whole_object;
    if (*n == 0) return Unexpected(invalid_range(header, size, "suffix length is zero"));
    if (size == 0) return whole_object;  // nothing to take the last bytes of
    const std::uint64_t take = *n < size ? *n : size;
    return Result{std::optional<ByteRange>{ByteRange{size - take, size - 1}}};
  }

  const auto first = parse_position(first_text);
  if (!first) return whole_object;
  std::optional<std::uint64_t> last;
  if (!last_text.empty()) {
    last = parse_position(last_text);
    if (!last) return whole_object;
  }
  if (*first >= size) {
    return Unexpected(invalid_range(header, size, "first byte position is at or beyond the end"));
  }
  if (last && *last < *first) return whole_object;  // RFC 7233: syntactically invalid, ignored
  const std::uint64_t end = (!last || *last >= size) ? size - 1 : *last;
  return Result{std::optional<ByteRange>{ByteRange{*first, end}}};
}

}  // namespace upgate::s3
