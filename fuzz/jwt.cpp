// Fuzz target: bearer tokens as the API's JWT mode judges them (auth::bearer_token from
// the Authorization header, then auth::verify_jwt: the JOSE header, the key chosen by kid
// and alg, the signature, the claims), and JWK Sets as jwks_url and jwks_file deliver them
// (auth::parse_jwks).
//
// Input: byte 0 picks the path:
//   0  an Authorization header value;
//   1  "HEADER-JSON\nCLAIMS-JSON", signed here with the test vectors' HS256 secret so that
//      hostile headers and claims get past the signature to the claims rules;
//   2  a JWK Set document, then a test vector's token checked against the keys it yields.
// Keys, issuer, audience and clock: tests/data/jwt/vectors.json.
#include <boost/json.hpp>

#include "fuzz_input.hpp"
#include "upgate/auth/credentials.hpp"
#include "upgate/auth/jwt_verifier.hpp"
#include "upgate/auth/key_set.hpp"
#include "upgate/sigv4/base64url.hpp"
#include "upgate/sigv4/crypto.hpp"

namespace {

using namespace upgate;
namespace json = boost::json;

struct Vectors {
  json::object doc = json::parse(fuzz::read_source_file("tests/data/jwt/vectors.json")).as_object();
  std::string secret = std::string(doc.at("hs_secret").as_string());
  auth::KeySet keys;
  auth::JwtPolicy policy;
  std::chrono::sys_seconds now{std::chrono::seconds(doc.at("now").as_int64())};
  std::string token = std::string(doc.at("vectors").as_array().at(0).at("token").as_string());

  Vectors() {
    auto parsed = auth::parse_jwks(json::serialize(doc.at("jwks").at("jwks_all")));
    auto shared = auth::VerificationKey::from_shared_secret(secret);
    if (!parsed || !shared) throw std::runtime_error("tests/data/jwt/vectors.json: bad keys");
    keys = parsed->keys.merged_with(
        auth::KeySet({std::make_shared<const auth::VerificationKey>(std::move(*shared))}));
    policy.issuer = std::string(doc.at("issuer").as_string());
    policy.audiences = {std::string(doc.at("audience").as_string())};
    const std::vector<std::string> all = {"RS256", "RS384", "RS512", "PS256", "ES256",
                                          "ES384", "EdDSA", "HS256", "HS384", "HS512"};
    policy.algorithms = *auth::AlgorithmSet::parse(all);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Vectors v;
  std::string_view input = fuzz::as_text(data, size);
  if (input.size() > 32 * 1024) return 0;
  switch (fuzz::take_choice(input, 3)) {
    case 0: {
      const auto bearer = auth::bearer_token(input);
      if (bearer.present()) (void)auth::verify_jwt(bearer.value, v.keys, v.policy, v.now);
      break;
    }
    case 1: {
      const std::size_t nl = input.find('\n');
      if (nl == std::string_view::npos) return 0;
      std::string token = sigv4::base64url_encode(input.substr(0, nl)) + "." +
                          sigv4::base64url_encode(input.substr(nl + 1));
      const auto mac = sigv4::HmacKey(v.secret).mac(token);
      token += "." + sigv4::base64url_encode(std::span<const std::uint8_t>(mac));
      bool unknown_kid = false;
      (void)auth::verify_jwt(token, v.keys, v.policy, v.now, &unknown_kid);
      break;
    }
    default: {
      auth::JwkImport import;
      import.allow_symmetric = true;  // as jwks_file reads them
      if (auto parsed = auth::parse_jwks(input, import)) {
        (void)auth::verify_jwt(v.token, parsed->keys, v.policy, v.now);
      }
      break;
    }
  }
  return 0;
}
