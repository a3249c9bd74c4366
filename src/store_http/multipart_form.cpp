// multipart/form-data, parsed as hostile input without buffering part bodies.
#include "multipart_form.hpp"
#include "upgate/http_token.hpp"

#include <algorithm>
#include <functional>

#include "upgate/text.hpp"

namespace upgate::store {

namespace {

bool is_bchar(char c) {
  return text::is_alnum(c) || std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

// Parameters of a header value: `type; a=b; c="d e"`. Returns false when malformed.
bool parse_parameters(std::string_view text,
                      const std::function<void(std::string_view, std::string)>& visit) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && text::is_ows(text[pos])) ++pos;
    if (pos == text.size()) break;
    std::size_t name_end = pos;
    while (name_end < text.size() && is_http_token_char(text[name_end])) ++name_end;
    const std::string_view name = text.substr(pos, name_end - pos);
    pos = name_end;
    while (pos < text.size() && text::is_ows(text[pos])) ++pos;
    if (name.empty() || pos == text.size() || text[pos] != '=') return false;
    ++pos;
    while (pos < text.size() && text::is_ows(text[pos])) ++pos;
    std::string value;
    if (pos < text.size() && text[pos] == '"') {
      ++pos;
      bool closed = false;
      while (pos < text.size()) {
        const char c = text[pos++];
        if (c == '\\' && pos < text.size()) {
          value.push_back(text[pos++]);
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          value.push_back(c);
        }
      }
      if (!closed) return false;
    } else {
      const std::size_t start = pos;
      while (pos < text.size() && text[pos] != ';') ++pos;
      value = std::string(text::trim(text.substr(start, pos - start)));
    }
    visit(name, std::move(value));
    while (pos < text.size() && text::is_ows(text[pos])) ++pos;
    if (pos < text.size()) {
      if (text[pos] != ';') return false;
      ++pos;
    }
  }
  return true;
}

}  // namespace

std::optional<std::string> form_data_boundary(std::string_view content_type) {
  if (content_type.size() > 1024) return std::nullopt;
  const std::size_t semi = content_type.find(';');
  if (!text::iequals(text::trim(content_type.substr(0, semi)), "multipart/form-data"))
    return std::nullopt;
  if (semi == std::string_view::npos) return std::nullopt;
  std::optional<std::string> boundary;
  bool ok = parse_parameters(content_type.substr(semi + 1),
                             [&](std::string_view name, std::string value) {
                               if (text::iequals(name, "boundary")) boundary = std::move(value);
                             });
  if (!ok || !boundary || boundary->empty() || boundary->size() > 70) return std::nullopt;
  if (!std::all_of(boundary->begin(), boundary->end(), is_bchar) || boundary->back() == ' ') {
    return std::nullopt;
  }
  return boundary;
}

struct MultipartFormParser::State {
  enum class Phase { kPreamble, kAfterBoundary, kHeaders, kBody, kDone, kError };
  Phase phase = Phase::kPreamble;
  Limits limits;
  std::string dash_boundary;  // "--" boundary
  std::string delimiter;      // "\r\n--" boundary
  std::boyer_moore_horspool_searcher<std::string::const_iterator> search;
  std::size_t parts = 0;
  std::string error;

  State(std::string boundary, Limits l)
      : limits(l),
        dash_boundary("--" + boundary),
        delimiter("\r\n--" + boundary),
        search(delimiter.cbegin(), delimiter.cend()) {}

  std::size_t find_delimiter(std::string_view input) const {
    const auto it = std::search(input.begin(), input.end(), search);
    return it == input.end() ? std::string_view::npos
                             : static_cast<std::size_t>(it - input.begin());
  }
};

MultipartFormParser::MultipartFormParser(std::string boundary, Limits limits)
    : state_(std::make_unique<State>(std::move(boundary), limits)) {}
MultipartFormParser::MultipartFormParser(MultipartFormParser&&) noexcept = default;
MultipartFormParser& MultipartFormParser::operator=(MultipartFormParser&&) noexcept = default;
MultipartFormParser::~MultipartFormParser() = default;

MultipartFormParser::Event MultipartFormParser::next(std::string_view& input) {
  State& s = *state_;
  using Phase = State::Phase;
  const auto fail = [&s](std::string reason) -> Event {
    s.phase = Phase::kError;
    s.error = std::move(reason);
    return Error{s.error};
  };

  for (;;) {
    switch (s.phase) {
      case Phase::kError:
        return Error{s.error};
      case Phase::kDone:
        input.remove_prefix(input.size());  // the epilogue is ignored
        return Done{};

      case Phase::kPreamble: {
        // The first boundary may start the body or follow a CRLF-ended preamble.
        if (input.starts_with(s.dash_boundary)) {
          input.remove_prefix(s.dash_boundary.size());
          s.phase = Phase::kAfterBoundary;
          continue;
        }
        const std::size_t at = s.find_delimiter(input);
        if (at != std::string_view::npos) {
          if (at > s.limits.max_preamble_bytes) return fail("preamble too long");
          input.remove_prefix(at + s.delimiter.size());
          s.phase = Phase::kAfterBoundary;
          continue;
        }
        if (input.size() > s.limits.max_preamble_bytes + s.delimiter.size()) {
          return fail("no boundary at the start of the body");
        }
        if (s.dash_boundary.starts_with(input.substr(0, s.dash_boundary.size())) ||
            input.size() < s.delimiter.size()) {
          return NeedMore{};
        }
        return NeedMore{};
      }

      case Phase::kAfterBoundary: {
        // "--" closes the body; otherwise optional whitespace then CRLF.
        if (input.size() < 2) return NeedMore{};
        if (input.starts_with("--")) {
          s.phase = Phase::kDone;
          continue;
        }
        std::size_t i = 0;
        while (i < input.size() && text::is_ows(input[i])) ++i;
        if (i > 64) return fail("too much padding after a boundary");
        if (input.size() < i + 2) return NeedMore{};
        if (input[i] != '\r' || input[i + 1] != '\n') return fail("boundary not followed by CRLF");
        input.remove_prefix(i + 2);
        if (++s.parts > s.limits.max_parts) return fail("too many parts");
        s.phase = Phase::kHeaders;
        continue;
      }

      case Phase::kHeaders: {
        std::size_t end = std::string_view::npos;
        std::size_t skip = 0;
        if (input.starts_with("\r\n")) {
          end = 0;
          skip = 2;
        } else {
          end = input.find("\r\n\r\n");
          skip = 4;
        }
        if (end == std::string_view::npos) {
          if (input.size() > s.limits.max_header_bytes) return fail("part header too large");
          return NeedMore{};
        }
        if (end > s.limits.max_header_bytes) return fail("part header too large");
        const std::string_view block = input.substr(0, end);
        PartBegin part;
        bool has_disposition = false;
        std::size_t pos = 0;
        while (pos < block.size()) {
          std::size_t eol = block.find("\r\n", pos);
          if (eol == std::string_view::npos) eol = block.size();
          const std::string_view line = block.substr(pos, eol - pos);
          pos = eol + 2;
          const std::size_t colon = line.find(':');
          if (colon == std::string_view::npos || colon == 0) return fail("malformed part header");
          const std::string_view name = line.substr(0, colon);
          if (!is_http_token(name)) {
            return fail("malformed part header name");
          }
          const std::string_view value = text::trim(line.substr(colon + 1));
          for (char c : value) {
            if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
              return fail("control character in a part header");
            }
          }
          if (text::iequals(name, "content-disposition")) {
            if (has_disposition) return fail("two Content-Disposition headers in one part");
            has_disposition = true;
            const std::size_t semi = value.find(';');
            if (!text::iequals(text::trim(value.substr(0, semi)), "form-data")) {
              return fail("part disposition is not form-data");
            }
            bool has_name = false;
            const bool ok =
                semi != std::string_view::npos &&
                parse_parameters(value.substr(semi + 1), [&](std::string_view p, std::string v) {
                  if (text::iequals(p, "name")) {
                    part.name = std::move(v);
                    has_name = true;
                  } else if (text::iequals(p, "filename")) {
                    part.filename = std::move(v);
                  }
                });
            if (!ok || !has_name) return fail("malformed Content-Disposition");
          } else if (text::iequals(name, "content-type")) {
            part.content_type = std::string(value);
          }
        }
        if (!has_disposition) return fail("part without Content-Disposition");
        input.remove_prefix(end + skip);
        s.phase = Phase::kBody;
        return part;
      }

      case Phase::kBody: {
        const std::size_t at = s.find_delimiter(input);
        if (at == 0) {
          input.remove_prefix(s.delimiter.size());
          s.phase = Phase::kAfterBoundary;
          return PartEnd{};
        }
        if (at != std::string_view::npos) {
          const std::string_view bytes = input.substr(0, at);
          input.remove_prefix(at);
          return Data{bytes};
        }
        // Keep a tail that may be the start of the delimiter.
        if (input.size() < s.delimiter.size()) return NeedMore{};
        std::size_t safe = input.size() - (s.delimiter.size() - 1);
        const std::size_t cr = input.find('\r', safe);
        if (cr == std::string_view::npos)
          safe = input.size();
        else
          safe = cr;
        if (safe == 0) return NeedMore{};
        const std::string_view bytes = input.substr(0, safe);
        input.remove_prefix(safe);
        return Data{bytes};
      }
    }
  }
}

}  // namespace upgate::store
