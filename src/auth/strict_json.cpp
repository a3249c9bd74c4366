// Strict, bounded JSON with duplicate member names refused, in one pass: a Boost.JSON
// SAX handler that builds the value on a value_stack and checks each object's names as
// it closes.
#include "upgate/auth/strict_json.hpp"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/value_stack.hpp>
#include <vector>

namespace upgate::auth {

namespace json = boost::json;

namespace {

class StrictHandler {
 public:
  static constexpr std::size_t max_object_size = 4096;
  static constexpr std::size_t max_array_size = 4096;
  static constexpr std::size_t max_key_size = 1024;
  static constexpr std::size_t max_string_size = 64 * 1024;

  bool duplicate = false;

  json::value release() { return stack_.release(); }

  bool on_document_begin(json::error_code&) {
    stack_.reset();
    return true;
  }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    names_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t n, json::error_code& ec) {
    std::vector<std::string>& names = names_.back();
    std::sort(names.begin(), names.end());
    if (std::adjacent_find(names.begin(), names.end()) != names.end()) {
      duplicate = true;
      ec = json::error::syntax;
      return false;
    }
    names_.pop_back();
    stack_.push_object(n);
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    stack_.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    key_.append(s.data(), s.size());
    stack_.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    key_.append(s.data(), s.size());
    names_.back().push_back(std::move(key_));
    key_.clear();
    stack_.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    stack_.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t v, json::string_view, json::error_code&) {
    stack_.push_int64(v);
    return true;
  }
  bool on_uint64(std::uint64_t v, json::string_view, json::error_code&) {
    stack_.push_uint64(v);
    return true;
  }
  bool on_double(double v, json::string_view, json::error_code&) {
    stack_.push_double(v);
    return true;
  }
  bool on_bool(bool v, json::error_code&) {
    stack_.push_bool(v);
    return true;
  }
  bool on_null(json::error_code&) {
    stack_.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  json::value_stack stack_;
  std::vector<std::vector<std::string>> names_;  // per open object
  std::string key_;
};

}  // namespace

Expected<json::value, std::string> parse_strict_json(std::string_view text,
                                                     const JsonLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return Unexpected("larger than " + std::to_string(limits.max_bytes) + " bytes");
  }
  json::parse_options options;
  options.max_depth = limits.max_depth;
  options.allow_comments = false;
  options.allow_trailing_commas = false;
  options.allow_invalid_utf8 = false;
  json::basic_parser<StrictHandler> parser(options);
  json::error_code ec;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (parser.handler().duplicate) return Unexpected(std::string("an object names a member twice"));
  if (ec == json::error::too_deep) {
    return Unexpected("nested deeper than " + std::to_string(limits.max_depth) + " levels");
  }
  if (ec) {
    return Unexpected("not valid JSON at byte " + std::to_string(used) + " (" + ec.message() + ")");
  }
  if (!parser.done() || used != text.size()) {
    return Unexpected("not valid JSON at byte " + std::to_string(used) + " (extra data)");
  }
  return parser.handler().release();
}

}  // namespace upgate::auth
