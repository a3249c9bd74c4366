// What authenticating a request costs the upload API: a JWT verified from scratch (ES256,
// the case, with RS256 and EdDSA beside it), the same token from the
// verified-token cache (what a client sending its token on every request pays), the bare
// signature check, and an API key looked up among 100. Tokens and keys are PyJWT's, from
// tests/data/jwt/vectors.json, judged at that file's fixed clock.
//
//   cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release
//   cmake --build build-release --target auth_bench && build-release/bench/auth_bench
#include <benchmark/benchmark.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "upgate/auth/api_keys.hpp"
#include "upgate/auth/jwt_authenticator.hpp"
#include "upgate/sigv4/base64url.hpp"

namespace {

using namespace upgate::auth;
using upgate::sigv4::base64url_decode;
using upgate::sigv4::base64url_encode;
namespace json = boost::json;

struct Fixture {
  json::object doc;
  std::chrono::sys_seconds now;
  KeySet keys;
  JwtPolicy policy;

  Fixture() {
    std::ifstream in(std::string(UPGATE_TEST_DATA_DIR) + "/jwt/vectors.json");
    std::stringstream text;
    text << in.rdbuf();
    doc = json::parse(text.str()).as_object();
    now = std::chrono::sys_seconds(std::chrono::seconds(doc.at("now").as_int64()));
    auto parsed = parse_jwks(json::serialize(doc.at("jwks").at("jwks")));
    if (!parsed) throw std::runtime_error(parsed.error());
    keys = parsed->keys;
    policy.issuer = std::string(doc.at("issuer").as_string());
    policy.audiences = {std::string(doc.at("audience").as_string())};
  }

  std::string token(std::string_view name) const {
    for (const auto& v : doc.at("vectors").as_array()) {
      if (v.at("name").as_string() == name) return std::string(v.at("token").as_string());
    }
    throw std::runtime_error("no vector");
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

void verify_cold(benchmark::State& state, std::string_view vector) {
  const Fixture& f = fixture();
  const std::string token = f.token(vector);
  for (auto _ : state) {
    auto result = verify_jwt(token, f.keys, f.policy, f.now);
    if (!result) state.SkipWithError(result.error().message.c_str());
    benchmark::DoNotOptimize(result);
  }
}

void BM_Es256VerifyCold(benchmark::State& state) {
  verify_cold(state, "es256_ok");
}
void BM_Rs256VerifyCold(benchmark::State& state) {
  verify_cold(state, "rs256_ok");
}
void BM_EdDSAVerifyCold(benchmark::State& state) {
  verify_cold(state, "eddsa_ok");
}

// The signature alone: the part of a cold verification that is OpenSSL's.
void BM_Es256SignatureOnly(benchmark::State& state) {
  const Fixture& f = fixture();
  const std::string token = f.token("es256_ok");
  const std::size_t dot = token.rfind('.');
  const std::string signature = *base64url_decode(std::string_view(token).substr(dot + 1));
  const KeyPtr key = f.keys.select("ec-1", JwsAlgorithm::kES256).keys.at(0);
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        key->verify(JwsAlgorithm::kES256, std::string_view(token).substr(0, dot), signature));
  }
}

// The API's hot path: the same bearer token again, answered by the verified-token cache.
void BM_Es256AuthenticateCached(benchmark::State& state) {
  const Fixture& f = fixture();
  const std::string token = f.token("es256_ok");
  auto cache = std::make_shared<JwksCache>(f.keys);
  JwtAuthenticator authenticator(f.policy, cache, [&f] { return f.now; });
  if (!authenticator.authenticate(token)) state.SkipWithError("refused");
  for (auto _ : state) {
    auto result = authenticator.try_authenticate(token);
    benchmark::DoNotOptimize(result);
  }
}

void BM_ApiKeyAuthenticate100(benchmark::State& state) {
  std::string file;
  std::string presented;
  for (int i = 0; i < 100; ++i) {
    std::array<std::uint8_t, 32> bytes{};
    for (std::size_t b = 0; b < bytes.size(); ++b) bytes[b] = static_cast<std::uint8_t>(i * 7 + b);
    const std::string secret = "upk_" + base64url_encode(bytes);
    char id[16];
    std::snprintf(id, sizeof id, "k_%012x", i);
    file += std::string("{\"id\":\"") + id + "\",\"principal\":\"p" + std::to_string(i) +
            "\",\"profiles\":[\"*\"],\"created\":\"2024-01-01T00:00:00Z\",\"sha256\":\"" +
            upgate::sigv4::hex(upgate::sigv4::sha256(secret)) + "\"}\n";
    if (i == 50) presented = secret;
  }
  const auto store = ApiKeyStore::parse(file);
  if (!store) throw std::runtime_error(store.error());
  for (auto _ : state) {
    auto result = store->authenticate(presented, "avatars");
    benchmark::DoNotOptimize(result);
  }
}

BENCHMARK(BM_Es256VerifyCold);
BENCHMARK(BM_Rs256VerifyCold);
BENCHMARK(BM_EdDSAVerifyCold);
BENCHMARK(BM_Es256SignatureOnly);
BENCHMARK(BM_Es256AuthenticateCached);
BENCHMARK(BM_ApiKeyAuthenticate100);

}  // namespace

BENCHMARK_MAIN();
