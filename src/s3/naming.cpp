#include "upgate/s3/naming.hpp"

#include <array>

#include "upgate/sigv4/percent_encoding.hpp"
#include "upgate/text.hpp"

namespace upgate::s3 {
namespace {

using text::hex_value;
using text::lower;

S3Error invalid_bucket(std::string_view bucket, std::string why) {
  return make_error(ErrorCode::InvalidBucketName)
      .with("BucketName", std::string(bucket))
      .because(std::move(why));
}

S3Error invalid_uri(std::string why) {
  return make_error(ErrorCode::InvalidURI).because(std::move(why));
}

// "host:port" or "[v6]:port" -> host, lowercased.
std::string host_without_port(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    return lower(close == std::string_view::npos ? host : host.substr(0, close + 1));
  }
  const auto colon = host.rfind(':');
  return lower(colon == std::string_view::npos ? host : host.substr(0, colon));
}

}  // namespace

Expected<void, S3Error> validate_object_key(std::string_view key) {
  if (key.size() > kMaxKeyBytes) {
    return Unexpected(make_error(ErrorCode::KeyTooLongError)
                          .with("Size", std::to_string(key.size()))
                          .with("MaxSizeAllowed", std::to_string(kMaxKeyBytes))
                          .because("key is " + std::to_string(key.size()) + " bytes"));
  }
  if (const auto bad = text::first_invalid_utf8(key)) {
    return Unexpected(invalid_uri("key is not valid UTF-8 at byte " + std::to_string(*bad)));
  }
  return {};
}

Expected<void, S3Error> validate_bucket_name_syntax(std::string_view b) {
  if (b.size() < kMinBucketNameLength || b.size() > kMaxBucketNameLength) {
    return Unexpected(invalid_bucket(b, "bucket names are 3 to 63 characters long"));
  }
  for (char c : b) {
    if (!text::is_lower_or_digit(c) && c != '.' && c != '-') {
      return Unexpected(
          invalid_bucket(b, "bucket names hold only lowercase letters, digits, dots and hyphens"));
    }
  }
  if (!text::is_lower_or_digit(b.front()) || !text::is_lower_or_digit(b.back())) {
    return Unexpected(invalid_bucket(b, "bucket names begin and end with a letter or digit"));
  }
  if (b.find("..") != std::string_view::npos) {
    return Unexpected(invalid_bucket(b, "bucket names hold no two adjacent periods"));
  }
  if (b.find(".-") != std::string_view::npos || b.find("-.") != std::string_view::npos) {
    return Unexpected(invalid_bucket(
        b, "each dot-separated label of a bucket name begins and ends with a letter or digit"));
  }
  if (text::is_dotted_quad(b)) {
    return Unexpected(invalid_bucket(b, "bucket names are not formatted as IP addresses"));
  }
  return {};
}

Expected<void, S3Error> validate_bucket_name(std::string_view b) {
  if (auto ok = validate_bucket_name_syntax(b); !ok) return ok;
  static constexpr std::array<std::string_view, 3> kReservedPrefixes = {"xn--", "sthree-",
                                                                        "amzn-s3-demo-"};
  for (auto p : kReservedPrefixes) {
    if (b.substr(0, p.size()) == p) {
      return Unexpected(invalid_bucket(b, "bucket names may not start with " + std::string(p)));
    }
  }
  static constexpr std::array<std::string_view, 5> kReservedSuffixes = {
      "-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"};
  for (auto s : kReservedSuffixes) {
    if (b.size() >= s.size() && b.substr(b.size() - s.size()) == s) {
      return Unexpected(invalid_bucket(b, "bucket names may not end with " + std::string(s)));
    }
  }
  return {};
}

Expected<std::string, S3Error> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return Unexpected(invalid_uri("truncated percent escape at byte " + std::to_string(i)));
      }
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) {
        return Unexpected(invalid_uri("invalid percent escape at byte " + std::to_string(i)));
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string url_encode_key(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  sigv4::append_percent_encoded(out, text, [](unsigned char c) {
    return text::is_alnum(static_cast<char>(c)) || c == '-' || c == '_' || c == '.' || c == '*' ||
           c == '/';
  });
  return out;
}

Expected<RequestTarget, S3Error> parse_request_target(std::string_view target,
                                                      std::string_view host,
                                                      std::string_view domain) {
  if (target.empty() || target.front() != '/') {
    return Unexpected(invalid_uri("request target does not start with '/'"));
  }
  RequestTarget out;
  const auto q = target.find('?');
  std::string_view path = target.substr(0, q);
  if (q != std::string_view::npos) out.raw_query = std::string(target.substr(q + 1));

  const std::string host_name = host_without_port(host);
  const std::string base = lower(domain);
  if (!base.empty() && host_name.size() > base.size() + 1 &&
      host_name.compare(host_name.size() - base.size(), base.size(), base) == 0 &&
      host_name[host_name.size() - base.size() - 1] == '.') {
    out.virtual_hosted = true;
    out.bucket = host_name.substr(0, host_name.size() - base.size() - 1);
    auto key = percent_decode(path.substr(1));
    if (!key) return Unexpected(std::move(key).error());
    out.key = std::move(*key);
  } else {
    path.remove_prefix(1);
    const auto slash = path.find('/');
    auto bucket = percent_decode(path.substr(0, slash));
    if (!bucket) return Unexpected(std::move(bucket).error());
    out.bucket = std::move(*bucket);
    if (slash != std::string_view::npos) {
      auto key = percent_decode(path.substr(slash + 1));
      if (!key) return Unexpected(std::move(key).error());
      out.key = std::move(*key);
    }
    if (out.bucket.empty() && !out.key.empty()) {
      return Unexpected(invalid_uri("empty bucket name before a key"));
    }
  }
  if (!out.bucket.empty()) {
    if (auto ok = validate_bucket_name(out.bucket); !ok) return Unexpected(std::move(ok).error());
  }
  if (auto ok = validate_object_key(out.key); !ok) return Unexpected(std::move(ok).error());
  return out;
}

}  // namespace upgate::s3
