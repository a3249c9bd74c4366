// SigV4 throughput: the upload API's hot path (presigning a PUT URL with two
// extra signed headers from a warm key cache), the store's (verifying a
// presigned URL), a cold signing-key derivation, and SHA-256 of 500 bytes,
// about what one presign hashes, as the floor to compare against.
//
//   cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release
//   cmake --build build-release --target sigv4_bench && build-release/bench/sigv4_bench
#include <benchmark/benchmark.h>

#include <string>

#include "upgate/sigv4.hpp"

namespace {

using namespace upgate::sigv4;
using namespace std::chrono_literals;

const Credentials kCreds{"AKIAIOSFODNN7EXAMPLE",
                         SecretKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), ""};
const Timestamp kTime = *parse_amz_date("20240521T101500Z");
const HeaderView kHeaders[] = {{"Content-Type", "image/jpeg"}, {"Content-Length", "2483917"}};

PresignRequest upload_request() {
  PresignRequest r;
  r.method = "PUT";
  r.bucket = "uploads";
  r.key = "users/4711/2024/05/21/3f6c0d9e-8a4b-4f3e-9d2a-1b7c5e8f0a12/holiday photo.jpg";
  r.expires = 900s;
  r.time = kTime;
  r.headers = kHeaders;
  return r;
}

void BM_PresignPut(benchmark::State& state) {
  const S3Endpoint endpoint = S3Endpoint::aws("eu-west-1");
  const PresignRequest request = upload_request();
  SigningKeyCache cache;
  for (auto _ : state) {
    auto url = presign(request, endpoint, kCreds, "eu-west-1", &cache);
    benchmark::DoNotOptimize(url);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PresignPut);

void BM_VerifyPresignedPut(benchmark::State& state) {
  const S3Endpoint endpoint = S3Endpoint::parse("http://127.0.0.1:9000", true).value();
  const PresignedUrl url = presign(upload_request(), endpoint, kCreds, "eu-west-1").value();
  const std::string target = url.url.substr(url.url.find('/', url.url.find("://") + 3));
  const HeaderView headers[] = {{"Host", "127.0.0.1:9000"},
                                {"Content-Type", "image/jpeg"},
                                {"Content-Length", "2483917"},
                                {"User-Agent", "Mozilla/5.0"}};
  const RequestView request{"PUT", target, headers};
  VerifyPolicy policy;
  policy.now = kTime + 10s;
  policy.region = "eu-west-1";
  const CredentialsLookup lookup = [](std::string_view) { return std::optional(kCreds); };
  SigningKeyCache cache;
  for (auto _ : state) {
    auto verified = verify(request, policy, lookup, &cache);
    if (!verified) state.SkipWithError("verification failed");
    benchmark::DoNotOptimize(verified);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyPresignedPut);

void BM_DeriveSigningKey(benchmark::State& state) {
  for (auto _ : state) {
    SigningKey key(kCreds.secret_access_key, "20240521", "eu-west-1", "s3");
    benchmark::DoNotOptimize(key);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DeriveSigningKey);

void BM_Sha256_500Bytes(benchmark::State& state) {
  const std::string data(500, 'x');
  for (auto _ : state) {
    auto digest = sha256(data);
    benchmark::DoNotOptimize(digest);
  }
  state.SetBytesProcessed(state.iterations() * 500);
}
BENCHMARK(BM_Sha256_500Bytes);

}  // namespace

BENCHMARK_MAIN();
