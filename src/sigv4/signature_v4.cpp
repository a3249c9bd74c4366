// The SigV4 steps. The canonical request is written by one template,
// write_canonical_request(), into either a string or a running SHA-256; the
// latter is how presign hashes about 450 bytes without building them.
#include "upgate/sigv4/signature_v4.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "string_writer.hpp"
#include "upgate/text.hpp"

namespace upgate::sigv4 {

namespace {

// ---------------------------------------------------------------------------
// Where the canonical request goes

// Collects the pieces in a block-aligned buffer and hands SHA-256 whole
// buffers: one update call for a typical canonical request instead of one per
// piece, each of which would cost a call and a partial-block copy inside OpenSSL.
class HashOut {
 public:
  void put(std::string_view s) {
    if (s.size() > kSize - used_) return spill(s);
    std::memcpy(buffer_ + used_, s.data(), s.size());
    used_ += s.size();
  }
  void put(char c) {
    if (used_ == kSize) flush();
    buffer_[used_++] = c;
  }
  Sha256Digest finish() {
    flush();
    return hash_.finish();
  }

 private:
  static constexpr std::size_t kSize = 8 * 64;

  void flush() {
    hash_.update(std::string_view(buffer_, used_));
    used_ = 0;
  }
  void spill(std::string_view s) {
    const std::size_t room = kSize - used_;
    std::memcpy(buffer_ + used_, s.data(), room);
    used_ = kSize;
    flush();
    s.remove_prefix(room);
    if (s.size() >= kSize) return hash_.update(s);
    std::memcpy(buffer_, s.data(), s.size());
    used_ = s.size();
  }

  char buffer_[kSize];
  std::size_t used_ = 0;
  Sha256 hash_;
};

// ---------------------------------------------------------------------------
// Step 1, written once for both destinations

// What SigV4 squeezes in a header value: blanks, and the CR LF of a folded line.
constexpr std::array<bool, 256> kHeaderSpace = [] {
  std::array<bool, 256> t{};
  t[' '] = t['\t'] = t['\r'] = t['\n'] = true;
  return t;
}();
constexpr bool is_header_space(char c) {
  return kHeaderSpace[static_cast<unsigned char>(c)];
}

// The words of the value, one space between them.
template <class Out>
void put_canonical_value(Out& out, std::string_view value) {
  bool first = true;
  std::size_t pos = 0;
  while (true) {
    while (pos < value.size() && is_header_space(value[pos])) ++pos;
    if (pos == value.size()) return;
    const std::size_t word = pos;
    while (pos < value.size() && !is_header_space(value[pos])) ++pos;
    if (!first) out.put(' ');
    first = false;
    out.put(value.substr(word, pos - word));
  }
}

template <class Out>
void put_signed_headers(Out& out, std::span<const CanonicalHeader> headers) {
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (i > 0 && headers[i].name == headers[i - 1].name) continue;
    if (i > 0) out.put(';');
    out.put(headers[i].name);
  }
}

template <class Out>
void write_canonical_request(Out& out, const CanonicalRequestParts& parts) {
  out.put(parts.method);
  out.put('\n');
  out.put(parts.uri);
  out.put('\n');
  out.put(parts.query);
  out.put('\n');
  const auto& headers = parts.headers;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (i > 0 && headers[i].name == headers[i - 1].name) {
      out.put(',');  // a repeated header: its values on one line
    } else {
      if (i > 0) out.put('\n');
      out.put(headers[i].name);
      out.put(':');
    }
    put_canonical_value(out, headers[i].value);
  }
  if (!headers.empty()) out.put('\n');
  out.put('\n');
  put_signed_headers(out, headers);
  out.put('\n');
  out.put(parts.payload_hash);
}

}  // namespace

// ---------------------------------------------------------------------------
// Step 1

void sort_canonical_headers(std::span<CanonicalHeader> headers) {
  // Insertion sort: stable, in place (std::stable_sort allocates a buffer) and
  // the fastest way to order the handful of headers a request signs.
  for (std::size_t i = 1; i < headers.size(); ++i) {
    const CanonicalHeader next = headers[i];
    std::size_t j = i;
    for (; j > 0 && next.name < headers[j - 1].name; --j) headers[j] = headers[j - 1];
    headers[j] = next;
  }
}

std::string canonical_request(const CanonicalRequestParts& parts) {
  // Canonical values are never longer than the values sent.
  std::size_t size =
      parts.method.size() + parts.uri.size() + parts.query.size() + parts.payload_hash.size() + 5;
  for (const CanonicalHeader& h : parts.headers) size += 2 * h.name.size() + h.value.size() + 3;
  std::string text;
  StringWriter out(text, size);
  write_canonical_request(out, parts);
  return text;
}

Sha256Digest canonical_request_hash(const CanonicalRequestParts& parts) {
  HashOut out;
  write_canonical_request(out, parts);
  return out.finish();
}

void append_signed_headers(std::string& out, std::span<const CanonicalHeader> headers) {
  std::size_t size = 0;
  for (const CanonicalHeader& h : headers) size += h.name.size() + 1;
  StringWriter list(out, size);
  put_signed_headers(list, headers);
}

std::string canonical_header_value(std::string_view raw) {
  std::string value;
  StringWriter out(value, raw.size());
  put_canonical_value(out, raw);
  return value;
}

// ---------------------------------------------------------------------------
// Step 2

void append_string_to_sign(std::string& out, std::string_view amz_date, std::string_view scope,
                           const Sha256Digest& canonical_request_hash) {
  StringWriter sts(out, kAlgorithm.size() + amz_date.size() + scope.size() + 3 + 64);
  sts.put(kAlgorithm);
  sts.put('\n');
  sts.put(amz_date);
  sts.put('\n');
  sts.put(scope);
  sts.put('\n');
  sts.put_hex(canonical_request_hash);
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           const Sha256Digest& canonical_request_hash) {
  std::string out;
  out.reserve(kAlgorithm.size() + amz_date.size() + scope.size() + 64 + 3);
  append_string_to_sign(out, amz_date, scope, canonical_request_hash);
  return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  return string_to_sign(amz_date, scope, sha256(canonical_request));
}

}  // namespace upgate::sigv4
