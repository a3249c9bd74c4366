// upgate::http::https_redirect_handler: the whole of a plain-HTTP listener whose only job
// is to send browsers to the HTTPS one (issue 15: "the redirect policy is a setting, off
// by default").
//
// Promises:
// - Every request, whatever its method, gets 308 Permanent Redirect (the method and body
//   are kept by the client on the retry, unlike 301/302) to https://HOST[:PORT]TARGET:
//   HOST is the request's Host without its port, PORT the HTTPS listener's (left out when
//   443), TARGET the request-target as sent (path and query). The answer has no body
//   beyond a short text and carries Connection: close.
// - The request body is never read: the handler answers from the header alone, and the
//   server (configured with keep_alive = false) closes the connection after the answer.
// - Host is hostile input: only a DNS name (letters, digits, '-', '.'), a dotted quad or a
//   bracketed IPv6 literal, up to 253 bytes, with an optional decimal port, is echoed;
//   anything else, no Host, or a target that is not origin-form ("/..."), gets 400 and no
//   Location. So the redirect can only point at the name the client already asked for.
#pragma once

#include <upgate/http/exchange.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace upgate::http {

// The Location for a request to `host` (the Host field's value) and `target`; nullopt
// when either is refused.
std::optional<std::string> https_location(std::string_view host, std::string_view target,
                                          std::uint16_t https_port);

Handler https_redirect_handler(std::uint16_t https_port);

}  // namespace upgate::http
