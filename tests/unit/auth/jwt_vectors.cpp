// Loads tests/data/jwt/vectors.json once.
#include "jwt_vectors.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace upgate::auth::testing {

namespace json = boost::json;

std::string data_path(const std::string& relative) {
  return std::string(UPGATE_TEST_DATA_DIR) + "/" + relative;
}

namespace {

std::string str(const json::value& v) {
  return std::string(v.as_string().data(), v.as_string().size());
}

Vectors load() {
  std::ifstream in(data_path("jwt/vectors.json"));
  if (!in) throw std::runtime_error("cannot read tests/data/jwt/vectors.json");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const json::object doc = json::parse(buffer.str()).as_object();
  Vectors out;
  out.now = std::chrono::sys_seconds(std::chrono::seconds(doc.at("now").as_int64()));
  out.issuer = str(doc.at("issuer"));
  out.audience = str(doc.at("audience"));
  out.hs_secret = str(doc.at("hs_secret"));
  out.rsa_public_pem = str(doc.at("rsa_public_pem"));
  out.jwks = doc.at("jwks").as_object();
  for (const auto& kid : doc.at("jwks_mixed_accepted").as_array()) {
    out.jwks_mixed_accepted.push_back(str(kid));
  }
  for (const auto& item : doc.at("vectors").as_array()) {
    const json::object& v = item.as_object();
    JwtVector vec;
    vec.name = str(v.at("name"));
    vec.token = str(v.at("token"));
    vec.expect = str(v.at("expect"));
    vec.jwks = str(v.at("jwks"));
    for (const auto& a : v.at("algorithms").as_array()) vec.algorithms.push_back(str(a));
    if (const auto* p = v.if_contains("principal")) vec.principal = str(*p);
    if (const auto* p = v.if_contains("principal_claim")) vec.principal_claim = str(*p);
    out.vectors.push_back(std::move(vec));
  }
  return out;
}

}  // namespace

std::string Vectors::jwks_text(const std::string& name) const {
  return json::serialize(jwks.at(name));
}

KeySet Vectors::key_set(const std::string& name) const {
  auto parsed = parse_jwks(jwks_text(name));
  if (!parsed || !parsed->rejected.empty()) throw std::runtime_error("bad JWKS " + name);
  auto secret = VerificationKey::from_shared_secret(hs_secret);
  if (!secret) throw std::runtime_error("bad shared secret");
  return parsed->keys.merged_with(
      KeySet({std::make_shared<const VerificationKey>(std::move(*secret))}));
}

const JwtVector& vector_named(std::string_view name) {
  for (const JwtVector& v : vectors().vectors) {
    if (v.name == name) return v;
  }
  throw std::runtime_error("no vector " + std::string(name));
}

JwtPolicy Vectors::policy(const JwtVector& v) const {
  JwtPolicy policy;
  policy.issuer = issuer;
  policy.audiences = {audience};
  auto algorithms = AlgorithmSet::parse(v.algorithms);
  if (!algorithms) throw std::runtime_error(algorithms.error());
  policy.algorithms = *algorithms;
  if (v.principal_claim) policy.principal_claim = *v.principal_claim;
  return policy;
}

const Vectors& vectors() {
  static const Vectors loaded = load();
  return loaded;
}

}  // namespace upgate::auth::testing
