#include "upgate/s3/conditions.hpp"

#include <chrono>

#include "upgate/text.hpp"

namespace upgate::s3 {
namespace {

using text::trim;

constexpr std::size_t kMaxConditionHeader = 8 * 1024;

std::string_view unquote(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

S3Error precondition_failed(std::string condition) {
  return make_error(ErrorCode::PreconditionFailed)
      .with("Condition", condition)
      .because(condition + " did not hold");
}

S3Error not_modified(std::string_view condition) {
  return make_error(ErrorCode::NotModified).because(std::string(condition) + " says not modified");
}

// A usable date: a valid HTTP-date that is not in the future (RFC 7232 3.3 and 3.4;
// S3 also ignores a future If-Modified-Since).
std::optional<Seconds> usable_date(const std::optional<std::string>& header, Seconds now) {
  if (!header) return std::nullopt;
  const auto date = parse_http_date(*header, now);
  if (!date || *date > now) return std::nullopt;
  return date;
}

enum class Failure { None, Precondition, NotModified };
struct Verdict {
  Failure failure = Failure::None;
  const char* condition = "";
};

Verdict evaluate(const ConditionalHeaders& h, const ObjectValidators& object, Seconds now) {
  const Seconds modified = std::chrono::floor<std::chrono::seconds>(object.last_modified);
  if (h.if_match) {
    if (!etag_list_matches(*h.if_match, object.etag, /*weak=*/false)) {
      return {Failure::Precondition, "If-Match"};
    }
  } else if (const auto date = usable_date(h.if_unmodified_since, now)) {
    if (modified > *date) return {Failure::Precondition, "If-Unmodified-Since"};
  }
  if (h.if_none_match) {
    if (etag_list_matches(*h.if_none_match, object.etag, /*weak=*/true)) {
      return {Failure::NotModified, "If-None-Match"};
    }
  } else if (const auto date = usable_date(h.if_modified_since, now)) {
    if (modified <= *date) return {Failure::NotModified, "If-Modified-Since"};
  }
  return {};
}

}  // namespace

bool etag_list_matches(std::string_view header_value, std::string_view etag, bool weak) {
  if (header_value.size() > kMaxConditionHeader) return false;
  const std::string_view target = unquote(trim(etag));
  std::string_view rest = trim(header_value);
  if (rest == "*") return true;
  while (!rest.empty()) {
    // One member: optional W/, then a quoted tag (may hold commas) or a bare token.
    rest = trim(rest);
    bool is_weak = false;
    if (rest.substr(0, 2) == "W/") {
      is_weak = true;
      rest.remove_prefix(2);
    }
    std::string_view tag;
    if (!rest.empty() && rest.front() == '"') {
      const auto close = rest.find('"', 1);
      if (close == std::string_view::npos) return false;  // unterminated: no match
      tag = rest.substr(1, close - 1);
      rest.remove_prefix(close + 1);
      rest = trim(rest);
      if (!rest.empty() && rest.front() != ',') return false;
    } else {
      const auto comma = rest.find(',');
      tag = trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma);
    }
    if (!rest.empty()) rest.remove_prefix(1);  // the comma
    if (tag == "*" || tag == target) {
      if (!is_weak || weak) return true;
    }
  }
  return false;
}

Expected<void, S3Error> evaluate_read_conditions(const ConditionalHeaders& headers,
                                                 const ObjectValidators& object, Seconds now) {
  const Verdict v = evaluate(headers, object, now);
  switch (v.failure) {
    case Failure::None:
      return {};
    case Failure::Precondition:
      return Unexpected(precondition_failed(v.condition));
    case Failure::NotModified:
      return Unexpected(not_modified(v.condition));
  }
  return {};
}

Expected<void, S3Error> evaluate_copy_source_conditions(const ConditionalHeaders& headers,
                                                        const ObjectValidators& object,
                                                        Seconds now) {
  const Verdict v = evaluate(headers, object, now);
  if (v.failure == Failure::None) return {};
  return Unexpected(precondition_failed(std::string("x-amz-copy-source-") + v.condition));
}

Expected<WriteConditions, S3Error> parse_write_conditions(
    const std::optional<std::string>& if_match, const std::optional<std::string>& if_none_match) {
  const auto not_implemented = [](std::string header, std::string additional) {
    return make_error(ErrorCode::NotImplemented)
        .with("Header", header)
        .with("additionalMessage", additional)
        .because(header + ": " + additional);
  };
  if (if_match && if_none_match) {
    return Unexpected(not_implemented(
        "If-Match,If-None-Match", "Multiple conditional request headers present in the request"));
  }
  WriteConditions c;
  if (if_none_match) {
    if (trim(*if_none_match) != "*") {
      return Unexpected(not_implemented(
          "If-None-Match",
          "We don't accept the provided value of If-None-Match header for this API"));
    }
    c.require_absent = true;
  }
  if (if_match) {
    const std::string_view value = trim(*if_match);
    if (value == "*" || value.empty() || value.size() > kMaxConditionHeader) {
      return Unexpected(not_implemented(
          "If-Match", "We don't accept the provided value of If-Match header for this API"));
    }
    c.if_match = std::string(value);
  }
  return c;
}

Expected<void, S3Error> check_write_conditions(const WriteConditions& conditions,
                                               const ObjectValidators* existing) {
  if (conditions.require_absent && existing != nullptr) {
    return Unexpected(precondition_failed("If-None-Match"));
  }
  if (conditions.if_match) {
    if (existing == nullptr) {
      return Unexpected(make_error(ErrorCode::NoSuchKey).because("If-Match on a missing key"));
    }
    if (!etag_list_matches(*conditions.if_match, existing->etag, /*weak=*/false)) {
      return Unexpected(precondition_failed("If-Match"));
    }
  }
  return {};
}

}  // namespace upgate::s3
