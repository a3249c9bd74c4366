#include "store_http/payload_decoder.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "upgate/sigv4/chunked.hpp"
#include "upgate/sigv4/crypto.hpp"
#include "upgate/sigv4/signer.hpp"
#include "upgate/sigv4/signing_key.hpp"

namespace upgate::store {
namespace {

using s3::ErrorCode;

constexpr std::string_view kDate = "20130524T000000Z";
constexpr std::string_view kScope = "20130524/us-east-1/s3/aws4_request";
constexpr std::string_view kSeed =
    "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";

std::shared_ptr<const sigv4::SigningKey> key() {
  static auto k = std::make_shared<const sigv4::SigningKey>(
      sigv4::SecretKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), "20130524", "us-east-1", "s3");
  return k;
}

PayloadSpec signed_spec(std::uint64_t decoded, bool trailer = false) {
  PayloadSpec spec;
  spec.mode =
      trailer ? PayloadSpec::Mode::kSignedChunksWithTrailer : PayloadSpec::Mode::kSignedChunks;
  spec.signing_key = key();
  spec.amz_date = std::string(kDate);
  spec.scope = std::string(kScope);
  spec.seed_signature = std::string(kSeed);
  spec.decoded_length = decoded;
  if (trailer) spec.declared_trailers = {"x-amz-checksum-crc32"};
  return spec;
}

// An aws-chunked body signed the way the SDKs sign it.
std::string signed_body(const std::vector<std::string>& chunks,
                        std::string* trailer_lines = nullptr, int corrupt_chunk = -1) {
  sigv4::ChunkSignatureChain chain(key(), std::string(kDate), std::string(kScope),
                                   std::string(kSeed));
  std::string body;
  std::vector<std::string> all = chunks;
  all.emplace_back();
  for (std::size_t i = 0; i < all.size(); ++i) {
    std::string data = all[i];
    const std::string signature = chain.next(sigv4::sha256(data));
    if (static_cast<int>(i) == corrupt_chunk) data[0] ^= 1;
    char size[32];
    std::snprintf(size, sizeof size, "%zx", data.size());
    body += std::string(size) + ";chunk-signature=" + signature + "\r\n" + data;
    if (!data.empty() || trailer_lines == nullptr) body += "\r\n";
  }
  if (trailer_lines != nullptr) {
    body += "x-amz-checksum-crc32:" + *trailer_lines + "\r\n";
    const std::string signature =
        chain.trailer_signature("x-amz-checksum-crc32:" + *trailer_lines + "\n");
    body += "x-amz-trailer-signature:" + signature + "\r\n\r\n";
  }
  return body;
}

struct Fed {
  std::string data;
  Expected<void, s3::S3Error> result;
};

// Feeds `raw` in pieces of `step` bytes, as the network would hand them over.
Fed feed(PayloadDecoder& decoder, std::string_view raw, std::size_t step) {
  Fed out;
  const PayloadDecoder::Sink sink = [&](std::string_view bytes) -> Expected<void, s3::S3Error> {
    out.data.append(bytes);
    return {};
  };
  for (std::size_t i = 0; i < raw.size(); i += step) {
    out.result = decoder.consume(raw.substr(i, step), sink);
    if (!out.result) return out;
  }
  out.result = decoder.finish();
  return out;
}

// The error a new decoder for `spec` refuses `raw` with, fed `step` bytes at a time; none
// when it accepts it.
std::optional<ErrorCode> refusal(const PayloadSpec& spec, std::string_view raw, std::size_t step) {
  PayloadDecoder decoder(spec);
  const Fed fed = feed(decoder, raw, step);
  if (fed.result) return std::nullopt;
  return fed.result.error().code;
}

TEST(PayloadDecoderTest, PlainWithHashChecksAtTheEnd) {
  PayloadSpec spec;
  spec.expected_sha256_hex = sigv4::hex(sigv4::sha256("hello world"));
  PayloadDecoder ok(spec);
  Fed good = feed(ok, "hello world", 3);
  EXPECT_TRUE(good.result);
  EXPECT_EQ(good.data, "hello world");
  EXPECT_EQ(refusal(spec, "hello worle", 3), ErrorCode::XAmzContentSHA256Mismatch);
}

TEST(PayloadDecoderTest, UnsignedPayloadPassesThrough) {
  PayloadDecoder decoder(PayloadSpec{});
  Fed fed = feed(decoder, "anything at all", 4);
  EXPECT_TRUE(fed.result);
  EXPECT_EQ(fed.data, "anything at all");
  EXPECT_EQ(decoder.decoded_bytes(), 15u);
}

TEST(PayloadDecoderTest, SignedChunksAnyFraming) {
  const std::vector<std::string> chunks = {std::string(65536, 'a'), std::string(1024, 'b')};
  const std::string body = signed_body(chunks);
  for (std::size_t step : {1u, 7u, 4096u, 1u << 20}) {
    PayloadDecoder decoder(signed_spec(65536 + 1024));
    Fed fed = feed(decoder, body, step);
    ASSERT_TRUE(fed.result) << step << " " << fed.result.error().reason;
    EXPECT_EQ(fed.data, chunks[0] + chunks[1]);
  }
}

TEST(PayloadDecoderTest, TamperedChunkIsRefused) {
  const std::vector<std::string> chunks = {"first chunk", "second chunk"};
  for (int corrupt : {0, 1}) {
    EXPECT_EQ(refusal(signed_spec(23), signed_body(chunks, nullptr, corrupt), 5),
              ErrorCode::SignatureDoesNotMatch)
        << corrupt;
  }
  // The final, empty chunk's signature is checked too.
  std::string body = signed_body(chunks);
  const std::size_t at = body.rfind("chunk-signature=") + 16;
  body[at] = body[at] == '0' ? '1' : '0';
  EXPECT_EQ(refusal(signed_spec(23), body, 5), ErrorCode::SignatureDoesNotMatch);
}

TEST(PayloadDecoderTest, DecodedLengthMustMatchAndBodyMustEnd) {
  const std::string body = signed_body({"12345"});
  EXPECT_EQ(refusal(signed_spec(6), body, 100), ErrorCode::IncompleteBody) << "longer";
  EXPECT_EQ(refusal(signed_spec(4), body, 100), ErrorCode::IncompleteBody) << "shorter";
  EXPECT_EQ(refusal(signed_spec(5), std::string_view(body).substr(0, body.size() - 10), 100),
            ErrorCode::IncompleteBody)
      << "truncated";
}

TEST(PayloadDecoderTest, SignedTrailer) {
  std::string checksum = "DUoRhQ==";
  const std::string body = signed_body({"hello"}, &checksum);
  PayloadDecoder decoder(signed_spec(5, true));
  Fed fed = feed(decoder, body, 3);
  ASSERT_TRUE(fed.result) << fed.result.error().reason;
  ASSERT_EQ(decoder.trailers().size(), 1u);
  EXPECT_EQ(decoder.trailers()[0].second, checksum);

  std::string tampered = body;
  tampered[tampered.find("DUoRhQ==")] = 'E';
  EXPECT_EQ(refusal(signed_spec(5, true), tampered, 3), ErrorCode::SignatureDoesNotMatch);
}

TEST(PayloadDecoderTest, UnsignedTrailerMustBeDeclared) {
  PayloadSpec spec;
  spec.mode = PayloadSpec::Mode::kUnsignedChunksWithTrailer;
  spec.decoded_length = 5;
  spec.declared_trailers = {"x-amz-checksum-crc32"};
  const std::string body = "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n";
  PayloadDecoder decoder(spec);
  Fed fed = feed(decoder, body, 2);
  ASSERT_TRUE(fed.result) << fed.result.error().reason;
  EXPECT_EQ(fed.data, "hello");
  ASSERT_EQ(decoder.trailers().size(), 1u);

  spec.declared_trailers = {"x-amz-checksum-sha256"};
  EXPECT_EQ(refusal(spec, body, 2), ErrorCode::InvalidRequest) << "undeclared";

  spec.declared_trailers = {"x-amz-checksum-crc32"};
  EXPECT_EQ(refusal(spec, "5\r\nhello\r\n0\r\n\r\n", 2), ErrorCode::InvalidRequest) << "missing";
}

TEST(PayloadDecoderTest, SinkErrorStopsDecoding) {
  PayloadDecoder decoder(PayloadSpec{});
  auto r = decoder.consume("abc", [](std::string_view) -> Expected<void, s3::S3Error> {
    return Unexpected(s3::make_error(ErrorCode::EntityTooLarge));
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::EntityTooLarge);
  EXPECT_FALSE(decoder.finish());
}

TEST(DescribePayloadTest, ModesFromTheVerifiedRequest) {
  EXPECT_EQ(describe_payload(nullptr, {})->mode, PayloadSpec::Mode::kPlain);
  sigv4::VerifiedAuth auth;
  auth.auth.location = sigv4::AuthLocation::kHeader;
  auth.auth.payload_hash = std::string(sigv4::kEmptySha256);
  auto plain = describe_payload(&auth, {});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->expected_sha256_hex, std::string(sigv4::kEmptySha256));

  auth.auth.payload_hash = std::string(sigv4::kStreamingPayload);
  auth.signing_key = key();
  auto missing = describe_payload(&auth, {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::MissingContentLength);
  auto bad = describe_payload(&auth, {"12x", std::nullopt});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::InvalidArgument);
  auto chunked = describe_payload(&auth, {"12", std::nullopt});
  ASSERT_TRUE(chunked);
  EXPECT_EQ(chunked->mode, PayloadSpec::Mode::kSignedChunks);
  EXPECT_EQ(chunked->decoded_length, 12u);

  auth.auth.payload_hash = std::string(sigv4::kStreamingUnsignedPayloadTrailer);
  auto trailer = describe_payload(&auth, {"12", "x-amz-checksum-crc32"});
  ASSERT_TRUE(trailer);
  EXPECT_EQ(trailer->declared_trailers, std::vector<std::string>{"x-amz-checksum-crc32"});
  auto odd = describe_payload(&auth, {"12", "x-amz-meta-foo"});
  ASSERT_FALSE(odd);
  EXPECT_EQ(odd.error().code, ErrorCode::InvalidRequest);

  // A presigned URL may not claim a signed stream: there is no seed signature to chain.
  auth.auth.location = sigv4::AuthLocation::kQuery;
  auth.auth.payload_hash = std::string(sigv4::kStreamingPayload);
  EXPECT_FALSE(describe_payload(&auth, {"12", std::nullopt}));
}

}  // namespace
}  // namespace upgate::store
