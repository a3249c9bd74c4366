// The audit line, written by hand like the access line: it is on every API request's path.
#include "upgate/api/audit_log.hpp"

#include "json_writer.hpp"
#include "upgate/sigv4/amz_time.hpp"

namespace upgate::api {

std::string format_audit_line(const AuditRecord& r, std::chrono::system_clock::time_point now) {
  std::string line;
  line.reserve(320 + r.key.size());
  json_out::begin_request_log_line(line, now, "audit", r.request_id);
  line += r.issued ? ",\"decision\":\"issued\"" : ",\"decision\":\"refused\"";
  line += ",\"status\":";
  json_out::append_uint(line, static_cast<std::uint64_t>(r.status < 0 ? 0 : r.status));
  json_out::append_if_set(line, ",\"reason\":", r.reason);
  line += ",\"principal\":";
  if (r.principal) {
    json_out::append_escaped(line, *r.principal);
  } else {
    line += "null";
  }
  line += ",\"auth\":";
  json_out::append_escaped(line, auth::to_string(r.auth));
  json_out::append_if_set(line, ",\"api_key_id\":", r.api_key_id);
  line += ",\"route\":";
  json_out::append_escaped(line, to_string(r.route));
  json_out::append_if_set(line, ",\"profile\":", r.profile);
  json_out::append_if_set(line, ",\"key\":", r.key);
  if (r.size) {
    line += ",\"size\":";
    json_out::append_uint(line, *r.size);
  }
  json_out::append_if_set(line, ",\"type\":", r.content_type);
  json_out::append_if_set(line, ",\"client\":", r.client);
  if (r.expires) {
    line += ",\"expires\":";
    json_out::append_escaped(line, sigv4::format_iso8601(*r.expires));
  }
  line += '}';
  return line;
}

}  // namespace upgate::api
