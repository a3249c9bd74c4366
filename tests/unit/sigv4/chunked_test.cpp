// aws-chunked: the chunk signature chain against the AWS documentation's
// examples, and the push decoder fed every way a socket could split a body.
#include "upgate/sigv4/chunked.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <utility>
#include <vector>

#include "support/test_data.hpp"

namespace upgate::sigv4 {
namespace {

using Mode = AwsChunkedDecoder::Mode;

const std::string kDataDir = "sigv4/s3/streaming-put-object/";

// The example credentials and scope of every S3 streaming example.
constexpr std::string_view kAmzDate = "20130524T000000Z";
constexpr std::string_view kScope = "20130524/us-east-1/s3/aws4_request";

std::shared_ptr<const SigningKey> example_key() {
  static const SecretKey secret{"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
  return std::make_shared<const SigningKey>(secret, "20130524", "us-east-1", "s3");
}

ChunkSignatureChain example_chain(std::string seed) {
  return ChunkSignatureChain(example_key(), std::string(kAmzDate), std::string(kScope),
                             std::move(seed));
}

struct ExpectedChunk {
  std::uint64_t size;
  std::string signature;
};

std::vector<ExpectedChunk> expected_chunks() {
  std::istringstream in(testing::read_test_data(kDataDir + "chunk-signatures.txt"));
  std::vector<ExpectedChunk> out;
  int index;
  ExpectedChunk chunk;
  while (in >> index >> chunk.size >> chunk.signature) out.push_back(chunk);
  return out;
}

std::string seed_signature() {
  return testing::read_test_data(kDataDir + "header-signature.txt");
}

// ---------------------------------------------------------------------------
// ChunkSignatureChain

TEST(ChunkSignatureChain, ReproducesTheDocumentedChunkSignatures) {
  const auto chunks = expected_chunks();
  ASSERT_EQ(chunks.size(), 3u);
  auto chain = example_chain(seed_signature());
  EXPECT_EQ(chain.previous_signature(), seed_signature());
  for (const auto& chunk : chunks) {
    const std::string data(chunk.size, 'a');
    EXPECT_EQ(chain.next(sha256(data)), chunk.signature);
    EXPECT_EQ(chain.previous_signature(), chunk.signature);
  }
}

TEST(ChunkSignatureChain, StringToSignFilesSignToTheChunkSignatures) {
  // The fixture's strings to sign are the ones the chain must be hashing: the
  // same key turns each into the chunk's signature.
  const auto chunks = expected_chunks();
  const auto key = example_key();
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    const std::string sts = testing::read_test_data(kDataDir + "chunk-" + std::to_string(i + 1) +
                                                    "-string-to-sign.txt");
    EXPECT_EQ(key->sign(sts), chunks[i].signature) << "chunk " << i + 1;
    const std::string previous = i == 0 ? seed_signature() : chunks[i - 1].signature;
    EXPECT_NE(sts.find("\n" + previous + "\n"), std::string::npos);
  }
}

TEST(ChunkSignatureChain, VerifyNextAdvancesOnlyOnTheRightSignature) {
  const auto chunks = expected_chunks();
  auto chain = example_chain(seed_signature());
  const auto digest = sha256(std::string(chunks[0].size, 'a'));

  std::string wrong = chunks[0].signature;
  wrong[10] = wrong[10] == '0' ? '1' : '0';
  EXPECT_FALSE(chain.verify_next(digest, wrong));
  EXPECT_FALSE(chain.verify_next(digest, chunks[0].signature.substr(0, 63)));
  EXPECT_FALSE(chain.verify_next(digest, ""));
  EXPECT_EQ(chain.previous_signature(), seed_signature());
  // The right data under the wrong position in the chain fails too.
  EXPECT_FALSE(chain.verify_next(digest, chunks[1].signature));

  EXPECT_TRUE(chain.verify_next(digest, chunks[0].signature));
  EXPECT_EQ(chain.previous_signature(), chunks[0].signature);
  EXPECT_TRUE(chain.verify_next(sha256(std::string(chunks[1].size, 'a')), chunks[1].signature));
  EXPECT_TRUE(chain.verify_next(sha256(""), chunks[2].signature));
}

TEST(ChunkSignatureChain, TrailerSignatureOfAwsCAuthTest) {
  // aws-c-auth tests/test_chunked_signing.c, sigv4_trailing_headers_signing_test:
  // trailers first:1st, second:2nd, third:3rd after the documented final chunk.
  auto chain = example_chain("b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9");
  EXPECT_EQ(chain.trailer_signature("first:1st\nsecond:2nd\nthird:3rd\n"),
            "df5735bd9f3295cd9386572292562fefc93ba94e80a0a1ddcbd652c4e0a75e6c");
  // Computing the trailer signature does not move the chain.
  EXPECT_EQ(chain.previous_signature(),
            "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9");
}

// S3 API Reference, "Signature calculations for trailing headers (chunked
// uploads)": the PUT of 66,560 `a` bytes with an x-amz-checksum-crc32c trailer.
constexpr std::string_view kTrailerExampleSeed =
    "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";
constexpr std::string_view kTrailerExampleChunkSignatures[] = {
    "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
    "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
    "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
};
constexpr std::string_view kTrailerExampleTrailer = "x-amz-checksum-crc32c:sOO8/Q==\n";
constexpr std::string_view kTrailerExampleSignature =
    "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435";

TEST(ChunkSignatureChain, ReproducesTheDocumentedTrailerExample) {
  auto chain = example_chain(std::string(kTrailerExampleSeed));
  EXPECT_EQ(chain.next(sha256(std::string(65536, 'a'))), kTrailerExampleChunkSignatures[0]);
  EXPECT_EQ(chain.next(sha256(std::string(1024, 'a'))), kTrailerExampleChunkSignatures[1]);
  EXPECT_EQ(chain.next(sha256("")), kTrailerExampleChunkSignatures[2]);
  EXPECT_EQ(chain.trailer_signature(kTrailerExampleTrailer), kTrailerExampleSignature);
}

// ---------------------------------------------------------------------------
// Building bodies the way a client does, with the chain.

struct TrailerLine {
  std::string name;
  std::string value;
};

std::string signed_body(ChunkSignatureChain& chain, const std::vector<std::string>& chunks,
                        const std::vector<TrailerLine>& trailers, bool with_trailer) {
  std::string body;
  auto add_chunk = [&](std::string_view data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx", data.size());
    body.append(size).append(";chunk-signature=").append(chain.next(sha256(data)));
    body.append("\r\n").append(data).append("\r\n");
  };
  for (const auto& c : chunks) add_chunk(c);
  // The zero-size chunk: its own "\r\n" after (empty) data is the empty line
  // that ends the trailer section.
  char size[] = "0";
  body.append(size).append(";chunk-signature=").append(chain.next(sha256(""))).append("\r\n");
  if (with_trailer) {
    std::string lines;
    for (const auto& t : trailers) {
      body.append(t.name).append(":").append(t.value).append("\r\n");
      lines.append(t.name).append(":").append(t.value).append("\n");
    }
    body.append("x-amz-trailer-signature:").append(chain.trailer_signature(lines)).append("\r\n");
  }
  body.append("\r\n");
  return body;
}

std::string unsigned_body(const std::vector<std::string>& chunks,
                          const std::vector<TrailerLine>& trailers) {
  std::string body;
  for (const auto& c : chunks) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx", c.size());
    body.append(size).append("\r\n").append(c).append("\r\n");
  }
  body.append("0\r\n");
  for (const auto& t : trailers) body.append(t.name).append(":").append(t.value).append("\r\n");
  body.append("\r\n");
  return body;
}

// ---------------------------------------------------------------------------
// Driving the decoder

struct Decoded {
  std::string data;
  std::vector<std::pair<std::uint64_t, std::string>> chunks;  // size, signature
  std::vector<std::pair<std::string, std::string>> trailers;
  std::optional<std::pair<std::string, std::string>> trailer_end;  // lines, signature
  int ends = 0;
  std::optional<std::string> error;
  std::uint64_t decoded_bytes = 0;
  bool data_was_a_view = true;  // every Data event pointed into the caller's buffer

  bool operator==(const Decoded& o) const {
    return data == o.data && chunks == o.chunks && trailers == o.trailers &&
           trailer_end == o.trailer_end && ends == o.ends && error == o.error &&
           decoded_bytes == o.decoded_bytes;
  }
};

// Feeds `body` in pieces whose sizes come from `next_piece`. Each piece is
// copied into a buffer that dies with the piece, so a view kept too long is
// an ASan report.
template <class NextPiece>
Decoded decode(Mode mode, std::string_view body, NextPiece next_piece,
               std::uint64_t max_chunk = 64ull << 20) {
  AwsChunkedDecoder decoder(mode, max_chunk);
  Decoded out;
  std::size_t offset = 0;
  while (offset < body.size() && !out.error) {
    const std::size_t n = std::min(next_piece(), body.size() - offset);
    const auto buffer = std::make_unique<std::string>(body.substr(offset, n));
    offset += n;
    std::string_view input = *buffer;
    for (;;) {
      auto event = decoder.next(input);
      if (std::holds_alternative<AwsChunkedDecoder::NeedMore>(event)) {
        EXPECT_TRUE(input.empty());
        break;
      }
      if (auto* d = std::get_if<AwsChunkedDecoder::Data>(&event)) {
        EXPECT_FALSE(d->bytes.empty());
        out.data_was_a_view &= d->bytes.data() >= buffer->data() &&
                               d->bytes.data() + d->bytes.size() <= buffer->data() + buffer->size();
        out.data.append(d->bytes);
      } else if (auto* c = std::get_if<AwsChunkedDecoder::ChunkEnd>(&event)) {
        out.chunks.emplace_back(c->size, std::string(c->signature));
      } else if (auto* t = std::get_if<AwsChunkedDecoder::Trailer>(&event)) {
        out.trailers.emplace_back(std::string(t->name), std::string(t->value));
      } else if (auto* te = std::get_if<AwsChunkedDecoder::TrailerEnd>(&event)) {
        out.trailer_end.emplace(std::string(te->lines), std::string(te->signature));
      } else if (std::holds_alternative<AwsChunkedDecoder::End>(event)) {
        ++out.ends;
        if (input.empty()) break;
      } else if (auto* e = std::get_if<AwsChunkedDecoder::Error>(&event)) {
        out.error = e->reason;
        break;
      }
    }
  }
  out.decoded_bytes = decoder.decoded_bytes();
  return out;
}

Decoded decode_whole(Mode mode, std::string_view body, std::uint64_t max_chunk = 64ull << 20) {
  return decode(
      mode, body, [&] { return body.size(); }, max_chunk);
}

Decoded decode_bytewise(Mode mode, std::string_view body) {
  return decode(mode, body, [] { return std::size_t{1}; });
}

Decoded decode_random(Mode mode, std::string_view body, unsigned seed) {
  std::mt19937 rng(seed);
  // Mostly small pieces (framing split everywhere), sometimes large ones.
  std::uniform_int_distribution<std::size_t> small(1, 200);
  std::uniform_int_distribution<std::size_t> large(1, 70000);
  std::bernoulli_distribution pick_large(0.2);
  return decode(mode, body, [&] { return pick_large(rng) ? large(rng) : small(rng); });
}

// Checks every split against the whole-body decoding and returns that.
Decoded decode_every_way(Mode mode, std::string_view body) {
  const Decoded whole = decode_whole(mode, body);
  EXPECT_TRUE(whole.data_was_a_view);
  EXPECT_EQ(decode_bytewise(mode, body), whole) << "byte by byte";
  for (unsigned seed = 1; seed <= 25; ++seed) {
    EXPECT_EQ(decode_random(mode, body, seed), whole) << "seed " << seed;
  }
  return whole;
}

// ---------------------------------------------------------------------------
// AwsChunkedDecoder on valid bodies

TEST(AwsChunkedDecoder, DecodesTheDocumentedSignedBodyInEverySplit) {
  const std::string body = testing::read_test_data(kDataDir + "signed-body.bin");
  ASSERT_EQ(body.size(), 66824u);
  const Decoded d = decode_every_way(Mode::kSigned, body);
  ASSERT_FALSE(d.error) << *d.error;
  EXPECT_EQ(d.ends, 1);
  EXPECT_EQ(d.data, std::string(66560, 'a'));
  EXPECT_EQ(d.decoded_bytes, 66560u);
  EXPECT_TRUE(d.trailers.empty());
  EXPECT_FALSE(d.trailer_end);
  const auto expected = expected_chunks();
  ASSERT_EQ(d.chunks.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(d.chunks[i].first, expected[i].size);
    EXPECT_EQ(d.chunks[i].second, expected[i].signature);
  }
}

// What the store does: decode, hash each chunk, check the chain.
struct Verification {
  std::string data;
  bool all_chunks_verified = true;
  std::optional<bool> trailer_verified;
  std::optional<std::string> error;
};

Verification decode_and_verify(Mode mode, std::string_view body, ChunkSignatureChain chain) {
  AwsChunkedDecoder decoder(mode);
  Verification v;
  Sha256 hash;
  std::string_view input = body;
  for (;;) {
    auto event = decoder.next(input);
    if (auto* d = std::get_if<AwsChunkedDecoder::Data>(&event)) {
      hash.update(d->bytes);
      v.data.append(d->bytes);
    } else if (auto* c = std::get_if<AwsChunkedDecoder::ChunkEnd>(&event)) {
      v.all_chunks_verified &= chain.verify_next(hash.finish(), c->signature);
      hash = Sha256();
    } else if (auto* te = std::get_if<AwsChunkedDecoder::TrailerEnd>(&event)) {
      v.trailer_verified = constant_time_equal(chain.trailer_signature(te->lines), te->signature);
    } else if (auto* e = std::get_if<AwsChunkedDecoder::Error>(&event)) {
      v.error = e->reason;
      return v;
    } else if (std::holds_alternative<AwsChunkedDecoder::End>(event) ||
               std::holds_alternative<AwsChunkedDecoder::NeedMore>(event)) {
      return v;
    }
  }
}

TEST(AwsChunkedDecoder, DocumentedSignedBodyVerifiesChunkByChunk) {
  const std::string body = testing::read_test_data(kDataDir + "signed-body.bin");
  const auto v = decode_and_verify(Mode::kSigned, body, example_chain(seed_signature()));
  EXPECT_FALSE(v.error);
  EXPECT_TRUE(v.all_chunks_verified);
  EXPECT_EQ(v.data.size(), 66560u);

  // One flipped data byte breaks that chunk's signature.
  std::string tampered = body;
  tampered[200] = 'b';
  EXPECT_FALSE(decode_and_verify(Mode::kSigned, tampered, example_chain(seed_signature()))
                   .all_chunks_verified);
  // So does another seed (a body replayed under another request).
  std::string other_seed = seed_signature();
  other_seed[0] = other_seed[0] == '4' ? '5' : '4';
  EXPECT_FALSE(
      decode_and_verify(Mode::kSigned, body, example_chain(other_seed)).all_chunks_verified);
}

TEST(AwsChunkedDecoder, DecodesTheDocumentedTrailerExampleInEverySplit) {
  auto signer = example_chain(std::string(kTrailerExampleSeed));
  const std::string body = signed_body(signer, {std::string(65536, 'a'), std::string(1024, 'a')},
                                       {{"x-amz-checksum-crc32c", "sOO8/Q=="}}, true);
  EXPECT_NE(body.find("x-amz-trailer-signature:" + std::string(kTrailerExampleSignature) + "\r\n"),
            std::string::npos);

  const Decoded d = decode_every_way(Mode::kSignedWithTrailer, body);
  ASSERT_FALSE(d.error) << *d.error;
  EXPECT_EQ(d.data, std::string(66560, 'a'));
  ASSERT_EQ(d.chunks.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(d.chunks[i].second, kTrailerExampleChunkSignatures[i]);
  ASSERT_EQ(d.trailers.size(), 1u);
  EXPECT_EQ(d.trailers[0],
            std::make_pair(std::string("x-amz-checksum-crc32c"), std::string("sOO8/Q==")));
  ASSERT_TRUE(d.trailer_end);
  EXPECT_EQ(d.trailer_end->first, kTrailerExampleTrailer);
  EXPECT_EQ(d.trailer_end->second, kTrailerExampleSignature);
  EXPECT_EQ(d.ends, 1);

  const auto v = decode_and_verify(Mode::kSignedWithTrailer, body,
                                   example_chain(std::string(kTrailerExampleSeed)));
  EXPECT_FALSE(v.error);
  EXPECT_TRUE(v.all_chunks_verified);
  EXPECT_EQ(v.trailer_verified, true);

  // A changed checksum keeps the framing valid but breaks the trailer signature.
  std::string tampered = body;
  const auto at = tampered.find("sOO8/Q==");
  tampered[at] = 'X';
  const auto t = decode_and_verify(Mode::kSignedWithTrailer, tampered,
                                   example_chain(std::string(kTrailerExampleSeed)));
  EXPECT_FALSE(t.error);
  EXPECT_TRUE(t.all_chunks_verified);
  EXPECT_EQ(t.trailer_verified, false);
}

TEST(AwsChunkedDecoder, SignedTrailerLinesAreCanonicalisedForTheSignature) {
  // Names are lower-cased and values trimmed, as the SDKs hash them.
  auto signer = example_chain(seed_signature());
  const std::string body =
      signed_body(signer, {"hello"}, {{"x-amz-checksum-crc32", "NhCmhg=="}}, true);
  std::string spaced = body;
  const std::string original = "x-amz-checksum-crc32:NhCmhg==\r\n";
  spaced.replace(spaced.find(original), original.size(), "X-Amz-Checksum-CRC32: \tNhCmhg==  \r\n");
  const Decoded d = decode_every_way(Mode::kSignedWithTrailer, spaced);
  ASSERT_FALSE(d.error) << *d.error;
  ASSERT_EQ(d.trailers.size(), 1u);
  EXPECT_EQ(d.trailers[0].first, "x-amz-checksum-crc32");
  EXPECT_EQ(d.trailers[0].second, "NhCmhg==");
  EXPECT_EQ(d.trailer_end->first, "x-amz-checksum-crc32:NhCmhg==\n");
  EXPECT_EQ(decode_and_verify(Mode::kSignedWithTrailer, spaced, example_chain(seed_signature()))
                .trailer_verified,
            true);
}

TEST(AwsChunkedDecoder, DecodesUnsignedTrailerBodiesInEverySplit) {
  // What the AWS SDKs send by default (STREAMING-UNSIGNED-PAYLOAD-TRAILER).
  std::string big(100000, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  const std::string body =
      unsigned_body({big, "hello", std::string(1, '\n')}, {{"x-amz-checksum-crc32", "NhCmhg=="}});
  const Decoded d = decode_every_way(Mode::kUnsignedWithTrailer, body);
  ASSERT_FALSE(d.error) << *d.error;
  EXPECT_EQ(d.data, big + "hello\n");
  ASSERT_EQ(d.chunks.size(), 4u);
  EXPECT_EQ(d.chunks[0], std::make_pair(std::uint64_t{100000}, std::string()));
  EXPECT_EQ(d.chunks[3], std::make_pair(std::uint64_t{0}, std::string()));
  ASSERT_EQ(d.trailers.size(), 1u);
  EXPECT_EQ(d.trailers[0].second, "NhCmhg==");
  ASSERT_TRUE(d.trailer_end);
  EXPECT_EQ(d.trailer_end->first, "x-amz-checksum-crc32:NhCmhg==\n");
  EXPECT_EQ(d.trailer_end->second, "");
  EXPECT_EQ(d.ends, 1);
}

TEST(AwsChunkedDecoder, AcceptsUppercaseHexAndLeadingZeros) {
  const Decoded d = decode_every_way(Mode::kUnsignedWithTrailer,
                                     "A\r\n0123456789\r\n0000b\r\nabcdefghijk\r\n0\r\n\r\n");
  ASSERT_FALSE(d.error) << *d.error;
  EXPECT_EQ(d.data, "0123456789abcdefghijk");
}

TEST(AwsChunkedDecoder, UnsignedBodyWithAnEmptyTrailerSection) {
  // Valid framing; whether the declared x-amz-trailer arrived is the caller's check.
  const Decoded d = decode_every_way(Mode::kUnsignedWithTrailer, "5\r\nhello\r\n0\r\n\r\n");
  ASSERT_FALSE(d.error) << *d.error;
  EXPECT_EQ(d.data, "hello");
  EXPECT_TRUE(d.trailers.empty());
  ASSERT_TRUE(d.trailer_end);
  EXPECT_EQ(d.trailer_end->first, "");
}

TEST(AwsChunkedDecoder, SeveralTrailers) {
  // Events come in the order received; the signed form is sorted by name.
  const Decoded d =
      decode_every_way(Mode::kUnsignedWithTrailer,
                       "0\r\nx-empty:\r\nx-amz-checksum-sha256:abc=\r\nx-amz-meta-a:1\r\n\r\n");
  ASSERT_FALSE(d.error) << *d.error;
  EXPECT_EQ(d.data, "");
  ASSERT_EQ(d.trailers.size(), 3u);
  EXPECT_EQ(d.trailers[0], std::make_pair(std::string("x-empty"), std::string("")));
  EXPECT_EQ(d.trailers[2], std::make_pair(std::string("x-amz-meta-a"), std::string("1")));
  EXPECT_EQ(d.trailer_end->first, "x-amz-checksum-sha256:abc=\nx-amz-meta-a:1\nx-empty:\n");
}

TEST(AwsChunkedDecoder, SignedTrailersOfAwsCAuthTestVerify) {
  // aws-c-auth's trailing-headers vector, framed as a body after the
  // documented chunks (sent out of order: the signature covers them sorted).
  const std::string documented = testing::read_test_data(kDataDir + "signed-body.bin");
  std::string body = documented.substr(0, documented.size() - 2);  // drop the final empty line
  body +=
      "third:3rd\r\nfirst:1st\r\nsecond:2nd\r\n"
      "x-amz-trailer-signature:df5735bd9f3295cd9386572292562fefc93ba94e80a0a1ddcbd652c4e0a75e6c"
      "\r\n\r\n";
  const auto v = decode_and_verify(Mode::kSignedWithTrailer, body, example_chain(seed_signature()));
  EXPECT_FALSE(v.error);
  EXPECT_TRUE(v.all_chunks_verified);
  EXPECT_EQ(v.trailer_verified, true);
}

TEST(AwsChunkedDecoder, EmptyInputNeedsMoreAndEndIsStable) {
  AwsChunkedDecoder decoder(Mode::kUnsignedWithTrailer);
  std::string_view empty;
  EXPECT_TRUE(std::holds_alternative<AwsChunkedDecoder::NeedMore>(decoder.next(empty)));
  std::string_view body = "0\r\n\r\n";
  EXPECT_TRUE(std::holds_alternative<AwsChunkedDecoder::ChunkEnd>(decoder.next(body)));
  EXPECT_TRUE(std::holds_alternative<AwsChunkedDecoder::TrailerEnd>(decoder.next(body)));
  EXPECT_TRUE(std::holds_alternative<AwsChunkedDecoder::End>(decoder.next(body)));
  EXPECT_TRUE(std::holds_alternative<AwsChunkedDecoder::End>(decoder.next(body)));
  EXPECT_TRUE(body.empty());
}

// ---------------------------------------------------------------------------
// Hostile input: each gets an Error naming what is wrong, in every split.

const std::string kSig(64, 'a');

void expect_error(Mode mode, std::string_view body, std::string_view reason_part,
                  std::uint64_t max_chunk = 64ull << 20) {
  const Decoded whole = decode_whole(mode, body, max_chunk);
  ASSERT_TRUE(whole.error) << "no error for: " << body.substr(0, 200);
  EXPECT_NE(whole.error->find(reason_part), std::string::npos)
      << "reason: " << *whole.error << "\nexpected to contain: " << reason_part;
  if (max_chunk == (64ull << 20)) {
    EXPECT_EQ(decode_bytewise(mode, body).error, whole.error);
    for (unsigned seed = 1; seed <= 5; ++seed) {
      EXPECT_EQ(decode_random(mode, body, seed).error, whole.error);
    }
  }
}

// Rows of {body, a part of the reason} that `mode` must refuse.
void expect_errors(Mode mode,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> rows) {
  for (const auto& [body, reason_part] : rows) expect_error(mode, body, reason_part);
}

TEST(AwsChunkedDecoderHostile, BadHexInChunkSize) {
  expect_error(Mode::kSigned, "1g;chunk-signature=" + kSig + "\r\n", "bad hex digit");
  expect_error(Mode::kUnsignedWithTrailer, " 5\r\nhello\r\n", "bad hex digit");
  expect_error(Mode::kUnsignedWithTrailer, "5 \r\nhello\r\n", "bad hex digit");
  expect_error(Mode::kUnsignedWithTrailer, "-5\r\nhello\r\n", "bad hex digit");
  expect_error(Mode::kUnsignedWithTrailer, "0x5\r\nhello\r\n", "bad hex digit");
}

TEST(AwsChunkedDecoderHostile, MissingChunkSize) {
  expect_error(Mode::kSigned, ";chunk-signature=" + kSig + "\r\n", "missing chunk size");
  expect_error(Mode::kUnsignedWithTrailer, "\r\n", "missing chunk size");
}

TEST(AwsChunkedDecoderHostile, ChunkSizeOverflow) {
  expect_error(Mode::kUnsignedWithTrailer, "10000000000000000\r\n", "overflows");
  expect_error(Mode::kUnsignedWithTrailer, "ffffffffffffffffff\r\n", "overflows");
}

TEST(AwsChunkedDecoderHostile, ChunkOverTheLimit) {
  expect_error(Mode::kUnsignedWithTrailer, "401\r\n", "exceeds the limit of 1024 bytes", 1024);
  expect_error(Mode::kUnsignedWithTrailer, "ffffffffffffffff\r\n", "exceeds the limit");
  // Exactly the limit is fine.
  const Decoded d = decode_whole(Mode::kUnsignedWithTrailer,
                                 "400\r\n" + std::string(1024, 'x') + "\r\n0\r\n\r\n", 1024);
  EXPECT_FALSE(d.error);
}

TEST(AwsChunkedDecoderHostile, MissingCrlf) {
  expect_errors(Mode::kUnsignedWithTrailer, {
                                                {"5\r\nhelloX\r\n", "not followed by CRLF"},
                                                {"5\r\nhello\rX", "not followed by CRLF"},
                                                {"5\r\nhello\n0\r\n\r\n", "not followed by CRLF"},
                                                {"5\nhello\r\n", "CRLF"},
                                                {"5\r\r\nhello\r\n", "bare CR"},
                                                {"0\r\nx-amz-checksum-crc32:AAAAAA==\n\n", "CRLF"},
                                            });
}

TEST(AwsChunkedDecoderHostile, ChunkSignatureMalformed) {
  expect_error(Mode::kSigned, "5;chunk-signature=" + kSig.substr(1) + "\r\n", "64 lowercase hex");
  expect_error(Mode::kSigned, "5;chunk-signature=" + kSig + "a\r\n", "64 lowercase hex");
  expect_error(Mode::kSigned, "5;chunk-signature=" + std::string(64, 'A') + "\r\n",
               "64 lowercase hex");
  expect_error(Mode::kSigned, "5;chunk-signature=" + std::string(63, 'a') + "g\r\n",
               "64 lowercase hex");
  expect_error(Mode::kSigned, "5;chunk-signature=\r\n", "64 lowercase hex");
  expect_error(Mode::kSigned, "5;chunk-signature=" + kSig + ";x=y\r\n", "64 lowercase hex");
  expect_error(Mode::kSignedWithTrailer, "5;chunk-signature = " + kSig + "\r\n",
               "unsupported chunk extension");
}

TEST(AwsChunkedDecoderHostile, ExtensionsOtherThanChunkSignature) {
  expect_error(Mode::kSigned, "5\r\nhello\r\n", "missing chunk-signature");
  expect_error(Mode::kSigned, "5;\r\nhello\r\n", "unsupported chunk extension");
  expect_error(Mode::kSigned, "5;foo=bar;chunk-signature=" + kSig + "\r\n",
               "unsupported chunk extension");
  expect_error(Mode::kUnsignedWithTrailer, "5;chunk-signature=" + kSig + "\r\nhello\r\n",
               "not accepted in an unsigned body");
  expect_error(Mode::kUnsignedWithTrailer, "5;name\r\nhello\r\n", "not accepted");
}

TEST(AwsChunkedDecoderHostile, OversizeHeaderLine) {
  // All '0' digits: a valid-looking size that never ends.
  expect_error(Mode::kUnsignedWithTrailer, std::string(5000, '0'), "exceeds 4096 bytes");
  expect_error(Mode::kSigned, "5;chunk-signature=" + std::string(5000, 'a') + "\r\n",
               "exceeds 4096 bytes");
}

TEST(AwsChunkedDecoderHostile, DataAfterTheEnd) {
  const std::string body = testing::read_test_data(kDataDir + "signed-body.bin");
  expect_error(Mode::kSigned, body + "x", "data after the end");
  expect_error(Mode::kSigned, body + "\r\n", "data after the end");
  expect_error(Mode::kUnsignedWithTrailer, "0\r\n\r\n0\r\n\r\n", "data after the end");
}

TEST(AwsChunkedDecoderHostile, TrailerProblems) {
  const std::string last = "0;chunk-signature=" + kSig + "\r\n";
  expect_error(Mode::kSigned, last + "x-amz-checksum-crc32:AAAAAA==\r\n\r\n",
               "trailer in a body without trailers");
  expect_error(Mode::kSignedWithTrailer, last + "x-amz-checksum-crc32:AAAAAA==\r\n\r\n",
               "missing x-amz-trailer-signature");
  expect_error(
      Mode::kSignedWithTrailer,
      last + "x-amz-trailer-signature:" + kSig + "\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n",
      "trailer after x-amz-trailer-signature");
  expect_error(Mode::kSignedWithTrailer, last + "x-amz-trailer-signature:abc\r\n\r\n",
               "x-amz-trailer-signature is not 64 lowercase hex");
  expect_error(Mode::kUnsignedWithTrailer, "0\r\nx-amz-trailer-signature:" + kSig + "\r\n\r\n",
               "x-amz-trailer-signature in an unsigned body");
  expect_errors(Mode::kUnsignedWithTrailer,
                {
                    {"0\r\nx-amz-checksum-crc32 AAAAAA==\r\n\r\n", "no ':'"},
                    {"0\r\n:AAAAAA==\r\n\r\n", "empty name"},
                    {"0\r\nx amz:1\r\n\r\n", "bad character in name"},
                    {"0\r\nx-a:1\x01\r\n\r\n", "control character"},
                    {"0\r\nx-a:1\r\nX-A:2\r\n\r\n", "appears twice"},
                });
}

TEST(AwsChunkedDecoderHostile, OversizeTrailerSection) {
  std::string body = "0\r\n";
  for (int i = 0; i < 400; ++i)
    body += "x-amz-meta-" + std::to_string(i) + ":" + std::string(40, 'v') + "\r\n";
  body += "\r\n";
  expect_error(Mode::kUnsignedWithTrailer, body, "exceeds");
  expect_error(Mode::kUnsignedWithTrailer, "0\r\nx-a:" + std::string(20000, 'v'), "exceeds");
}

TEST(AwsChunkedDecoderHostile, ErrorsAreSticky) {
  AwsChunkedDecoder decoder(Mode::kUnsignedWithTrailer);
  std::string_view bad = "zz\r\n";
  const auto first = decoder.next(bad);
  ASSERT_TRUE(std::holds_alternative<AwsChunkedDecoder::Error>(first));
  std::string_view good = "0\r\n\r\n";
  const auto again = decoder.next(good);
  ASSERT_TRUE(std::holds_alternative<AwsChunkedDecoder::Error>(again));
  EXPECT_EQ(std::get<AwsChunkedDecoder::Error>(again).reason,
            std::get<AwsChunkedDecoder::Error>(first).reason);
}

TEST(AwsChunkedDecoderHostile, ReasonsDoNotEchoUnboundedInput) {
  const Decoded d = decode_whole(Mode::kUnsignedWithTrailer, std::string(3000, 'z') + "\r\n");
  ASSERT_TRUE(d.error);
  EXPECT_LT(d.error->size(), 200u);
}

TEST(AwsChunkedDecoderHostile, RandomGarbageNeverCrashes) {
  // Not a fuzzer, but the same shape: random bytes biased towards framing
  // characters, fed in random pieces; every run ends in an event, never UB.
  std::mt19937 rng(42);
  const std::string alphabet = "0123456789abcdefABCDEF;=\r\n:-xz chunk-signature";
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<std::size_t> length(0, 300);
  for (int round = 0; round < 2000; ++round) {
    std::string body;
    const std::size_t n = length(rng);
    for (std::size_t i = 0; i < n; ++i) body.push_back(alphabet[pick(rng)]);
    for (Mode mode : {Mode::kSigned, Mode::kSignedWithTrailer, Mode::kUnsignedWithTrailer}) {
      const Decoded d = decode_random(mode, body, static_cast<unsigned>(round));
      EXPECT_EQ(d.data.size(), d.decoded_bytes);
    }
  }
}

}  // namespace
}  // namespace upgate::sigv4
