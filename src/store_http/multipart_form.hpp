// A push parser for multipart/form-data (RFC 7578), the body of S3's POST
// Object: form fields, then the file, streamed.
//
// The caller owns a buffer: it appends bytes read from the network, calls
// next(view) until NeedMore, drops the consumed prefix (the view's new start)
// and reads more. next() never consumes a byte it may still need: the tail
// that could begin a boundary, or a part header not yet complete, stays in
// the view, so the caller's buffer must hold at least max_header_bytes plus
// the boundary. Data events are views into that buffer, valid until it
// changes. Every bound is checked: the header block of a part, the preamble,
// the number of parts; a malformed body is an Error with the reason.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "upgate/expected.hpp"

namespace upgate::store {

// The boundary parameter of a multipart/form-data Content-Type, or nullopt
// when the type is something else or the boundary is missing or invalid
// (1..70 characters of RFC 2046's bchars, optionally quoted).
std::optional<std::string> form_data_boundary(std::string_view content_type);

class MultipartFormParser {
 public:
  struct Limits {
    std::size_t max_header_bytes = 8 * 1024;  // one part's header block
    std::size_t max_preamble_bytes = 1024;
    std::size_t max_parts = 256;
  };

  struct NeedMore {};
  struct PartBegin {
    std::string name;                     // Content-Disposition name
    std::optional<std::string> filename;  // Content-Disposition filename, when given
    std::string content_type;             // the part's Content-Type, "" when absent
  };
  struct Data {
    std::string_view bytes;
  };
  struct PartEnd {};
  struct Done {};  // the closing boundary was seen; anything after it is ignored
  struct Error {
    std::string reason;
  };
  using Event = std::variant<NeedMore, PartBegin, Data, PartEnd, Done, Error>;

  explicit MultipartFormParser(std::string boundary, Limits limits);
  MultipartFormParser(MultipartFormParser&&) noexcept;
  MultipartFormParser& operator=(MultipartFormParser&&) noexcept;
  ~MultipartFormParser();

  Event next(std::string_view& input);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace upgate::store
