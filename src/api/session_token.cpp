// Upload sessions as tokens of their own purpose under the upload token's signer.
#include "upgate/api/session_token.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <memory>

namespace upgate::api {
namespace {

// The session's fields travel in the upload token's payload, which the signer bounds and
// MACs; under TokenPurpose::kSession they mean:
//   principal     the principal's id           profile  the admitted profile
//   content_type  the mode that proved it      key      the string claims, compact JSON
//   expires_at    the session's end            upload_id, size, checksum: unused (empty)
std::optional<auth::AuthMode> mode_named(std::string_view name) {
  for (auto mode : {auth::AuthMode::kJwt, auth::AuthMode::kHook, auth::AuthMode::kApiKey,
                    auth::AuthMode::kNone}) {
    if (auth::to_string(mode) == name) return mode;
  }
  return std::nullopt;
}

}  // namespace

Expected<std::string, std::string> SessionTokens::mint(const Caller& caller,
                                                       std::string_view profile,
                                                       std::chrono::sys_seconds expires_at) const {
  UploadClaims claims;
  claims.principal = std::string(caller.id());
  claims.profile = std::string(profile);
  claims.content_type = std::string(auth::to_string(caller.mode));
  claims.expires_at = expires_at;
  if (caller.principal) {
    boost::json::object strings;
    for (const auto& [name, value] : caller.principal->claims) {
      if (value.is_string()) strings[name] = value;
    }
    claims.key = boost::json::serialize(strings);
    if (claims.key.size() > kMaxClaimBytes) {
      return Unexpected("the principal's string claims are more than " +
                        std::to_string(kMaxClaimBytes) + " bytes of JSON");
    }
  }
  return signer_.sign(claims, TokenPurpose::kSession);
}

Expected<UploadSession, TokenRefusal> SessionTokens::open(std::string_view token,
                                                          std::chrono::sys_seconds now) const {
  auto claims = signer_.verify(token, now, TokenPurpose::kSession);
  if (!claims) return Unexpected(claims.error());
  const auto mode = mode_named(claims->content_type);
  if (!mode || !claims->upload_id.empty() || claims->size != 0) {
    return Unexpected(TokenRefusal::kMalformed);
  }
  UploadSession session;
  session.profile = std::move(claims->profile);
  session.expires_at = claims->expires_at;
  session.caller.mode = *mode;
  if (!claims->principal.empty()) {
    auto principal = std::make_shared<auth::Principal>();
    principal->id = std::move(claims->principal);
    principal->mode = *mode;
    if (!claims->key.empty()) {
      boost::system::error_code ec;
      auto parsed = boost::json::parse(claims->key, ec);
      // Written by mint() and covered by the MAC: anything else is not ours.
      if (ec || !parsed.is_object()) return Unexpected(TokenRefusal::kMalformed);
      principal->claims = std::move(parsed.as_object());
    }
    session.caller.principal = std::move(principal);
  }
  return session;
}

}  // namespace upgate::api
