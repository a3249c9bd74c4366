// aws-chunked bodies: the chunk signature chain and a push parser of the framing.
//
// Wire format, as the AWS SDKs send it (aws-c-auth, aws-sdk-js-v3's
// getAwsChunkedEncodingStream, aws-sdk-java-v2) and S3 / MinIO read it:
//
//   signed:            <hex>;chunk-signature=<64 hex>\r\n <data> \r\n ...
//   0;chunk-signature=<sig>\r\n \r\n signed + trailer:  ... 0;chunk-signature=<sig>\r\n
//   <name>:<value>\r\n ...
//                      x-amz-trailer-signature:<64 hex>\r\n \r\n
//   unsigned trailer:  <hex>\r\n <data> \r\n ... 0\r\n <name>:<value>\r\n ... \r\n
//
// The section after the zero-size chunk is read the same way in every mode
// (trailer lines, then an empty line), as in HTTP/1.1 chunked coding; without
// a trailer it is just the empty line.
//
// Decisions where S3 leaves room:
// - Chunk extensions other than `chunk-signature` are refused in every mode:
//   no AWS SDK sends them, and an unsigned extension is only a place to
//   smuggle bytes past the signature. An unsigned body with any extension,
//   or a signed one without chunk-signature, is an error too.
// - The chunk size is hex of either case, at least one digit; no whitespace.
// - Signatures must be 64 lowercase hex digits (what SigV4 prints); anything
//   else cannot match and is refused as malformed rather than as a mismatch.
// - Trailer names are lower-cased tokens, values are trimmed of blanks; a
//   name may appear once. TrailerEnd::lines is their canonical form, sorted
//   by name, which is what the SDKs sign (and the order they send). In signed trailer mode
//   x-amz-trailer-signature is required and must be the last trailer line; in the other modes it is
//   an error. The 8 KiB minimum chunk size S3 documents for signed chunks is not enforced (MinIO
//   does not either); max_chunk_size bounds the other side.
#include "upgate/sigv4/chunked.hpp"
#include "upgate/http_token.hpp"
#include "upgate/text.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace upgate::sigv4 {

// ----------------------------------------------------------------------------
// ChunkSignatureChain

namespace {

constexpr std::string_view kPayloadAlgorithm = "AWS4-HMAC-SHA256-PAYLOAD";
constexpr std::string_view kTrailerAlgorithm = "AWS4-HMAC-SHA256-TRAILER";

}  // namespace

ChunkSignatureChain::ChunkSignatureChain(std::shared_ptr<const SigningKey> key,
                                         std::string amz_date, std::string scope,
                                         std::string seed_signature)
    : key_(std::move(key)),
      amz_date_(std::move(amz_date)),
      scope_(std::move(scope)),
      previous_(std::move(seed_signature)) {
  prefix_.reserve(kPayloadAlgorithm.size() + amz_date_.size() + scope_.size() + 3);
  prefix_.append(kPayloadAlgorithm)
      .append("\n")
      .append(amz_date_)
      .append("\n")
      .append(scope_)
      .append("\n");
}

std::string ChunkSignatureChain::next(const Sha256Digest& chunk_sha256) {
  std::string string_to_sign;
  string_to_sign.reserve(prefix_.size() + 64 * 3 + 2);
  string_to_sign.append(prefix_).append(previous_).append("\n").append(kEmptySha256).append("\n");
  append_hex(string_to_sign, chunk_sha256);
  previous_.clear();
  key_->sign_into(string_to_sign, previous_);
  return previous_;
}

bool ChunkSignatureChain::verify_next(const Sha256Digest& chunk_sha256,
                                      std::string_view claimed_signature) {
  std::string string_to_sign;
  string_to_sign.reserve(prefix_.size() + 64 * 3 + 2);
  string_to_sign.append(prefix_).append(previous_).append("\n").append(kEmptySha256).append("\n");
  append_hex(string_to_sign, chunk_sha256);
  std::string expected;
  key_->sign_into(string_to_sign, expected);
  if (!constant_time_equal(expected, claimed_signature)) return false;
  previous_ = std::move(expected);
  return true;
}

std::string ChunkSignatureChain::trailer_signature(std::string_view trailer_lines) const {
  std::string string_to_sign;
  string_to_sign.reserve(kTrailerAlgorithm.size() + amz_date_.size() + scope_.size() + 64 * 2 + 4);
  string_to_sign.append(kTrailerAlgorithm)
      .append("\n")
      .append(amz_date_)
      .append("\n")
      .append(scope_)
      .append("\n")
      .append(previous_)
      .append("\n");
  append_hex(string_to_sign, sha256(trailer_lines));
  return key_->sign(string_to_sign);
}

// ----------------------------------------------------------------------------
// AwsChunkedDecoder

namespace {

constexpr std::size_t kMaxHeaderLine = 4 * 1024;       // a chunk header, CRLF included
constexpr std::size_t kMaxTrailerSection = 16 * 1024;  // every trailer line, CRLFs included
constexpr std::string_view kSignatureExtension = "chunk-signature=";
constexpr std::string_view kTrailerSignatureName = "x-amz-trailer-signature";

// Printable for the error messages: a few bytes of hostile input, escaped.
std::string printable(std::string_view s) {
  constexpr std::size_t kMax = 32;
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out.append("\\x").push_back(text::kHexLower[c >> 4]);
      out.push_back(text::kHexLower[c & 0xf]);
    }
  }
  if (s.size() > kMax) out.append("...");
  return out;
}

}  // namespace

struct AwsChunkedDecoder::State {
  enum class Phase {
    kChunkHeader,   // collecting `<hex>[;chunk-signature=...]\r\n`
    kChunkData,     // handing out `remaining` more bytes of data
    kDataCr,        // the CR after the data
    kDataLf,        // the LF after the data
    kTrailer,       // collecting trailer lines after the zero-size chunk
    kTrailerEnded,  // TrailerEnd was returned; End comes next
    kEnd,
    kError,
  };

  Phase phase = Phase::kChunkHeader;
  std::string line;            // the framing line being collected
  bool line_consumed = false;  // `line` was handed out in an event; clear before reuse
  std::uint64_t chunk_size = 0;
  std::uint64_t remaining = 0;
  std::string signature;  // the current chunk's chunk-signature
  std::size_t trailer_bytes = 0;
  std::vector<std::pair<std::string, std::string>> trailers;  // lower-case name, trimmed value
  std::string trailer_lines;  // the trailer signature's input, built at the end
  std::string trailer_signature;
  std::string error;
};

AwsChunkedDecoder::AwsChunkedDecoder(Mode mode, std::uint64_t max_chunk_size)
    : mode_(mode), max_chunk_size_(max_chunk_size), state_(std::make_shared<State>()) {}

AwsChunkedDecoder::Event AwsChunkedDecoder::next(std::string_view& input) {
  State& s = *state_;
  using Phase = State::Phase;

  const auto fail = [&s](std::string reason) -> Event {
    s.phase = Phase::kError;
    s.error = std::move(reason);
    return Error{s.error};
  };

  // Moves bytes of one CRLF-terminated line from `input` into s.line. Returns
  // true when the line is complete (CRLF stripped), false when input ran out;
  // `error` is set when the line is malformed or over `limit` bytes.
  const auto collect_line = [&s, &input](std::size_t limit, std::string& error) -> bool {
    if (s.line_consumed) {
      s.line.clear();
      s.line_consumed = false;
    }
    const std::size_t lf = input.find('\n');
    const std::size_t take = lf == std::string_view::npos ? input.size() : lf + 1;
    if (s.line.size() + take > limit) {
      error = "line exceeds " + std::to_string(limit) + " bytes";
      return false;
    }
    s.line.append(input.substr(0, take));
    input.remove_prefix(take);
    if (lf == std::string_view::npos) return false;
    // A complete line: exactly one CR, right before the LF.
    if (s.line.size() < 2 || s.line[s.line.size() - 2] != '\r') {
      error = "line not terminated by CRLF";
      return false;
    }
    s.line.resize(s.line.size() - 2);
    if (s.line.find_first_of("\r\n") != std::string::npos) {
      error = "bare CR inside a line";
      return false;
    }
    s.line_consumed = true;
    return true;
  };

  for (;;) {
    switch (s.phase) {
      case Phase::kError:
        return Error{s.error};

      case Phase::kEnd:
        if (!input.empty()) return fail("data after the end of the aws-chunked body");
        return End{};

      case Phase::kTrailerEnded:
        s.phase = Phase::kEnd;
        return End{};

      case Phase::kChunkHeader: {
        std::string error;
        if (!collect_line(kMaxHeaderLine, error)) {
          if (!error.empty()) return fail("chunk header: " + error);
          return NeedMore{};
        }
        const std::string_view header = s.line;
        std::size_t pos = 0;
        std::uint64_t size = 0;
        while (pos < header.size() && header[pos] != ';') {
          const int digit = text::hex_value(header[pos]);
          if (digit < 0) {
            return fail("chunk header: bad hex digit in chunk size \"" + printable(header) + "\"");
          }
          if (size > (UINT64_MAX >> 4)) return fail("chunk header: chunk size overflows 64 bits");
          size = (size << 4) | static_cast<std::uint64_t>(digit);
          ++pos;
        }
        if (pos == 0) return fail("chunk header: missing chunk size \"" + printable(header) + "\"");
        if (size > max_chunk_size_) {
          return fail("chunk header: chunk size " + std::to_string(size) +
                      " exceeds the limit of " + std::to_string(max_chunk_size_) + " bytes");
        }
        const std::string_view extensions = header.substr(pos);
        s.signature.clear();
        if (mode_ == Mode::kUnsignedWithTrailer) {
          if (!extensions.empty()) {
            return fail("chunk header: chunk extensions are not accepted in an unsigned body \"" +
                        printable(extensions) + "\"");
          }
        } else {
          if (extensions.empty()) return fail("chunk header: missing chunk-signature");
          const std::string_view extension = extensions.substr(1);
          if (extension.substr(0, kSignatureExtension.size()) != kSignatureExtension) {
            return fail("chunk header: unsupported chunk extension \"" + printable(extension) +
                        "\" (only chunk-signature is accepted)");
          }
          const std::string_view signature = extension.substr(kSignatureExtension.size());
          if (!is_hex_sha256(signature)) {
            return fail("chunk header: chunk-signature is not 64 lowercase hex digits");
          }
          s.signature.assign(signature);
        }
        s.chunk_size = size;
        s.remaining = size;
        if (size == 0) {
          s.phase = Phase::kTrailer;
          return ChunkEnd{0, s.signature};
        }
        s.phase = Phase::kChunkData;
        continue;
      }

      case Phase::kChunkData: {
        if (input.empty()) return NeedMore{};
        const std::size_t take =
            static_cast<std::size_t>(std::min<std::uint64_t>(s.remaining, input.size()));
        const std::string_view bytes = input.substr(0, take);
        input.remove_prefix(take);
        s.remaining -= take;
        decoded_ += take;
        if (s.remaining == 0) s.phase = Phase::kDataCr;
        return Data{bytes};
      }

      case Phase::kDataCr:
        if (input.empty()) return NeedMore{};
        if (input.front() != '\r') return fail("chunk data is not followed by CRLF");
        input.remove_prefix(1);
        s.phase = Phase::kDataLf;
        continue;

      case Phase::kDataLf:
        if (input.empty()) return NeedMore{};
        if (input.front() != '\n') return fail("chunk data is not followed by CRLF");
        input.remove_prefix(1);
        s.phase = Phase::kChunkHeader;
        return ChunkEnd{s.chunk_size, s.signature};

      case Phase::kTrailer: {
        std::string error;
        if (!collect_line(kMaxTrailerSection - s.trailer_bytes, error)) {
          if (!error.empty()) return fail("trailer section: " + error);
          return NeedMore{};
        }
        s.trailer_bytes += s.line.size() + 2;
        if (s.line.empty()) {  // the end of the trailer section, and of the body
          if (mode_ == Mode::kSigned) {
            s.phase = Phase::kEnd;
            return End{};
          }
          if (mode_ == Mode::kSignedWithTrailer && s.trailer_signature.empty()) {
            return fail("trailer: missing x-amz-trailer-signature");
          }
          // Canonical form, as the SDKs sign it (aws-c-auth, the .NET and
          // Kotlin SDKs): sorted by name, `name:value\n` each.
          std::sort(s.trailers.begin(), s.trailers.end());
          for (const auto& [name, value] : s.trailers) {
            s.trailer_lines.append(name).append(":").append(value).append("\n");
          }
          s.phase = Phase::kTrailerEnded;
          return TrailerEnd{s.trailer_lines, s.trailer_signature};
        }
        if (mode_ == Mode::kSigned) {
          return fail(
              "trailer in a body without trailers (STREAMING-AWS4-HMAC-SHA256-PAYLOAD): \"" +
              printable(s.line) + "\"");
        }
        if (!s.trailer_signature.empty()) {
          return fail("trailer after x-amz-trailer-signature");
        }
        const std::size_t colon = s.line.find(':');
        if (colon == std::string::npos) {
          return fail("trailer: no ':' in \"" + printable(s.line) + "\"");
        }
        if (colon == 0) return fail("trailer: empty name");
        for (std::size_t i = 0; i < colon; ++i) {
          char& c = s.line[i];
          if (!is_http_token_char(c)) {
            return fail("trailer: bad character in name \"" + printable(s.line.substr(0, colon)) +
                        "\"");
          }
          c = text::to_lower(c);
        }
        std::string_view name(s.line.data(), colon);
        std::string_view value(s.line);
        value.remove_prefix(colon + 1);
        value = text::trim(value);
        for (const char c : value) {
          const auto u = static_cast<unsigned char>(c);
          if ((u < 0x20 && c != '\t') || u == 0x7f) {
            return fail("trailer: control character in the value of " + std::string(name));
          }
        }
        if (name == kTrailerSignatureName) {
          if (mode_ != Mode::kSignedWithTrailer) {
            return fail("trailer: x-amz-trailer-signature in an unsigned body");
          }
          if (!is_hex_sha256(value)) {
            return fail("trailer: x-amz-trailer-signature is not 64 lowercase hex digits");
          }
          s.trailer_signature.assign(value);
          continue;
        }
        for (const auto& seen : s.trailers) {
          if (seen.first == name) return fail("trailer: " + std::string(name) + " appears twice");
        }
        s.trailers.emplace_back(name, value);
        return Trailer{name, value};
      }
    }
  }
}

}  // namespace upgate::sigv4
