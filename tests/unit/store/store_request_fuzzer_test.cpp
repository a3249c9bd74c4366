// Replays the fuzz entry (store_request_fuzzer.cpp) in the unit suite: valid
// seeds for each path, then deterministic mutations of them (flips,
// truncations, duplications, splices). Under clang with -DUPGATE_FUZZ=ON the
// same entry runs coverage-guided; here it guards against regressions on
// every build. A crash or sanitizer report fails the suite.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size);

namespace {

int run(const std::string& input) {
  return LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

std::vector<std::string> seeds() {
  const std::string sig(64, 'a');
  return {
      // 0: requests (header auth, query auth, anonymous, odd targets).
      std::string(1, '\0') +
          "PUT /bucket/key%20x?partNumber=1&uploadId=abc\n"
          "Host: s3.example.test\n"
          "x-amz-date: 20130524T000000Z\n"
          "x-amz-content-sha256: UNSIGNED-PAYLOAD\n"
          "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20130524/us-east-1/s3/"
          "aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" +
          sig + "\n",
      std::string(1, '\3') +
          "GET /bucket/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20130524%"
          "2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-"
          "SignedHeaders=host&X-Amz-Signature=" +
          sig + "\nHost: bucket.s3.example.test\n",
      std::string(1, '\6') + "POST /b?delete&list-type=2&uploads\nHost: x\n",
      // 1: aws-chunked bodies.
      std::string(1, '\1') + std::string(1, '\1') + std::string(1, '\5') +
          "5;chunk-signature=" + sig + "\r\nhello\r\n0;chunk-signature=" + sig + "\r\n\r\n",
      std::string(1, '\1') + std::string(1, '\3') + std::string(1, '\7') +
          "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n",
      std::string(1, '\4') + std::string(1, '\0') + "\x01" + std::string(40, 'z'),
      // 2: forms.
      std::string(1, '\2') + "\x05" +
          "--b0undary\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk/${filename}\r\n"
          "--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"
          "Content-Type: image/png\r\n\r\nPNGDATA\r\n--b0undary--\r\n",
      std::string(1, '\2') + "multipart/form-data; boundary=\"x y\"",
  };
}

TEST(StoreRequestFuzzerTest, SeedsAndMutationsRunClean) {
  std::mt19937_64 rng(20260524);
  const auto corpus = seeds();
  for (const auto& seed : corpus) EXPECT_EQ(run(seed), 0);
  for (int i = 0; i < 20000; ++i) {
    std::string input = corpus[rng() % corpus.size()];
    const int edits = 1 + static_cast<int>(rng() % 6);
    for (int e = 0; e < edits && !input.empty(); ++e) {
      const std::size_t at = rng() % input.size();
      switch (rng() % 6) {
        case 0:  // flip a bit
          input[at] = static_cast<char>(input[at] ^ (1 << (rng() % 8)));
          break;
        case 1:  // truncate
          input.resize(at);
          break;
        case 2:  // duplicate a run
          input.insert(at, input.substr(at, rng() % 64));
          break;
        case 3:  // interesting bytes
          input.insert(at, std::string(1, "\r\n;:=-%\0\xff"[rng() % 10]));
          break;
        case 4:  // splice another seed in
          input.insert(at, corpus[rng() % corpus.size()].substr(1, rng() % 80));
          break;
        default:  // erase
          input.erase(at, rng() % 16);
          break;
      }
    }
    ASSERT_EQ(run(input), 0);
  }
}

}  // namespace
