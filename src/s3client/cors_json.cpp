#include "upgate/s3client/cors_json.hpp"

#include <boost/json.hpp>
#include <optional>
#include <vector>

namespace upgate::s3client {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxDepth = 8;  // the format nests three deep

Unexpected<CorsJsonError> fail(std::string message) {
  return Unexpected(CorsJsonError{std::move(message)});
}

// "line L, column C" of byte `offset` (1-based, columns in bytes).
std::string position(std::string_view text, std::size_t offset) {
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// JSON syntax alone, so that an error can say where it is.
std::optional<std::string> syntax_error(std::string_view text) {
  json::parse_options options;
  options.max_depth = kMaxDepth;
  json::stream_parser parser({}, options);
  boost::system::error_code ec;
  const std::size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec && !parser.done()) parser.finish(ec);
  if (!ec) {
    const std::size_t extra = text.find_first_not_of(" \t\r\n", consumed);
    if (extra == std::string_view::npos) return std::nullopt;
    return "text after the JSON value at " + position(text, extra);
  }
  if (ec == json::error::too_deep) {
    return "nested deeper than " + std::to_string(kMaxDepth) + " levels at " +
           position(text, consumed);
  }
  if (ec == json::error::incomplete || consumed >= text.size()) {
    return "the JSON ends too early (an unclosed [ or {?)";
  }
  return "not valid JSON at " + position(text, consumed) + ": " + ec.message();
}

void indent(std::string& out, int depth) {
  out.append(static_cast<std::size_t>(depth) * 2, ' ');
}

void write_string(std::string& out, std::string_view s) {
  out += json::serialize(json::string(s));
}

void write_list(std::string& out, std::string_view key, const std::vector<std::string>& items,
                int depth, bool& first) {
  if (items.empty()) return;
  if (!first) out += ",\n";
  first = false;
  indent(out, depth);
  write_string(out, key);
  out += ": [\n";
  for (std::size_t i = 0; i < items.size(); ++i) {
    indent(out, depth + 1);
    write_string(out, items[i]);
    out += i + 1 < items.size() ? ",\n" : "\n";
  }
  indent(out, depth);
  out += "]";
}

void write_rule(std::string& out, const s3::CorsRule& rule, int depth) {
  indent(out, depth);
  out += "{\n";
  bool first = true;
  if (!rule.id.empty()) {
    indent(out, depth + 1);
    out += "\"ID\": ";
    write_string(out, rule.id);
    first = false;
  }
  for (const s3::CorsRuleList& list : s3::kCorsRuleLists) {
    write_list(out, list.json_key, rule.*(list.values), depth + 1, first);
  }
  if (rule.max_age_seconds) {
    if (!first) out += ",\n";
    indent(out, depth + 1);
    out += "\"MaxAgeSeconds\": " + std::to_string(*rule.max_age_seconds);
  }
  out += "\n";
  indent(out, depth);
  out += "}";
}

}  // namespace

Expected<s3::CorsConfiguration, CorsJsonError> read_cors_json(std::string_view text,
                                                              std::size_t max_bytes) {
  if (text.size() > max_bytes) {
    return fail("the CORS JSON is " + std::to_string(text.size()) + " bytes; the limit is " +
                std::to_string(max_bytes));
  }
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return fail("the CORS JSON is empty");
  }
  if (auto error = syntax_error(text)) return fail(std::move(*error));
  auto configuration = s3::parse_cors_json(text, max_bytes);
  if (!configuration) {
    const s3::S3Error& e = configuration.error();
    return fail(e.explanation());
  }
  return std::move(*configuration);
}

std::string write_cors_json(const s3::CorsConfiguration& configuration, CorsJsonForm form) {
  const bool wrapped = form == CorsJsonForm::kAwsCli;
  const int depth = wrapped ? 1 : 0;
  std::string out;
  if (wrapped) out += "{\n  \"CORSRules\": ";
  out += "[\n";
  for (std::size_t i = 0; i < configuration.rules.size(); ++i) {
    write_rule(out, configuration.rules[i], depth + 1);
    out += i + 1 < configuration.rules.size() ? ",\n" : "\n";
  }
  indent(out, depth);
  out += "]";
  if (wrapped) out += "\n}";
  out += "\n";
  return out;
}

}  // namespace upgate::s3client
