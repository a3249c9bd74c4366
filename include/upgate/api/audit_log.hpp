// The audit line: one JSON object per URL the upload API issued or refused, on the same
// stream as the other log lines, with "msg":"audit":
//   {"ts":"…","level":"info","msg":"audit","request_id":"…","decision":"issued",
//    "status":200,"principal":"alice","auth":"jwt","route":"uploads","profile":"avatars",
//    "key":"avatars/2025/…-me.png","size":48213,"type":"image/png",
//    "client":"203.0.113.7:51234","expires":"2025-06-01T12:05:00Z"}
// A refusal has "decision":"refused" and "reason" (the error code, or for an
// authentication refusal the failed check: "expired", "hook_refused"). "principal" is
// null for an anonymous caller or one not (yet) authenticated; "auth" names the mode that
// judged the request ("none" when none did); an API key's public id is "api_key_id".
//
// What it never holds: a token, a cookie, an API key, a signature, a claim's value or a
// secret. Values that come from the client (key, type, profile) are JSON-escaped, so no
// input can forge another line.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "upgate/api/upload_intent.hpp"
#include "upgate/auth/principal.hpp"

namespace upgate::api {

struct AuditRecord {
  std::string_view request_id;
  bool issued = false;
  int status = 0;
  std::string_view reason;                    // refusals
  std::optional<std::string_view> principal;  // nullopt: anonymous or not authenticated
  auth::AuthMode auth = auth::AuthMode::kNone;
  std::string_view api_key_id;
  ApiRoute route = ApiRoute::seed;
  std::string_view profile;
  std::string_view key;
  std::optional<std::uint64_t> size;
  std::string_view content_type;
  std::string_view client;
  std::optional<std::chrono::sys_seconds> expires;
};

std::string format_audit_line(const AuditRecord& record, std::chrono::system_clock::time_point now =
                                                             std::chrono::system_clock::now());

}  // namespace upgate::api
