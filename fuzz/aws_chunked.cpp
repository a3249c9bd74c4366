// Fuzz target: aws-chunked request bodies as the store decodes them
// (src/store_http/payload_decoder.cpp): chunk sizes and extensions, chunk signatures chained
// from the seed signature, unsigned chunks, trailers with their checksums and trailer
// signature, in every mode, fed in pieces as the network delivers them.
//
// Input: byte 0 picks the mode, byte 1 the piece size (1..64), the rest is the body.
#include <memory>

#include "fuzz_input.hpp"
#include "store_http/payload_decoder.hpp"
#include "upgate/sigv4/signing_key.hpp"

using namespace upgate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::string_view data = fuzz::as_text(bytes, size);
  if (data.size() < 2 || data.size() > 64 * 1024) return 0;
  const unsigned mode = fuzz::take_choice(data, 4);
  const std::size_t step = 1 + fuzz::take_choice(data, 64);
  store::PayloadSpec spec;
  spec.mode = static_cast<store::PayloadSpec::Mode>(mode);
  spec.decoded_length = 64;
  if (spec.mode == store::PayloadSpec::Mode::kPlain) {
    spec.expected_sha256_hex = std::string(sigv4::kEmptySha256);
  } else if (spec.mode != store::PayloadSpec::Mode::kUnsignedChunksWithTrailer) {
    static const auto key = std::make_shared<const sigv4::SigningKey>(
        sigv4::SecretKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), "20130524", "us-east-1",
        "s3");
    spec.signing_key = key;
    spec.amz_date = "20130524T000000Z";
    spec.scope = "20130524/us-east-1/s3/aws4_request";
    spec.seed_signature = std::string(64, 'a');
  }
  if (mode >= 2) spec.declared_trailers = {"x-amz-checksum-crc32"};
  store::PayloadDecoder decoder(spec);
  std::uint64_t seen = 0;
  const store::PayloadDecoder::Sink sink =
      [&seen](std::string_view piece) -> Expected<void, s3::S3Error> {
    seen += piece.size();
    return {};
  };
  for (std::size_t i = 0; i < data.size(); i += step) {
    if (!decoder.consume(data.substr(i, step), sink)) return 0;
  }
  (void)decoder.finish();
  if (seen != decoder.decoded_bytes()) __builtin_trap();  // every decoded byte reached the sink
  return 0;
}
