// Where the seed's open API may run: the security default of issue 10.
//
// With no authentication mode configured, the upload API signs for anyone who can reach
// it. That is the seed's behaviour and stays the default while every listener of the
// process (the API and the embedded store) is on a loopback address: nobody else can
// reach it. On any other address `upgate serve` refuses to start (exit 2) unless the
// operator wrote `allow_anonymous = true` under [auth]: an option that weakens a
// security default must be explicit in the configuration, and it is loud in the log.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "upgate/api/auth_config.hpp"
#include "upgate/expected.hpp"

namespace upgate::api {

// True for 127.0.0.0/8, ::1 and "localhost"; false for names (they are not resolved) and
// for the unspecified addresses (0.0.0.0, ::), which listen everywhere.
bool is_loopback_host(std::string_view host);

struct Listener {
  std::string_view what;  // "the API", "the embedded store"
  std::string_view host;
  std::uint16_t port = 0;
};

// Ok when authentication is configured, anonymous access is allowed explicitly, or every
// listener is on loopback; else one line saying why the process must not start and how
// to choose.
Expected<void, std::string> check_open_api(const AuthConfig& auth,
                                           std::span<const Listener> listeners);

}  // namespace upgate::api
