// The certificate pair of a listener as the command line gives it (`--tls-cert FILE
// --tls-key FILE`, or the same from a variable or upgate.toml), and the log lines a reload
// leaves, shared by `upgate store` and `upgate serve`.
//
// Promises: a certificate without its key (or the reverse) is a usage error naming both
// flags; a watch interval is whole seconds from 0 (SIGHUP only) to 86400. The reload log
// says which listener, what triggered it, and the fingerprint and expiry of the pair now
// served; a refused pair is a warning with the reason, never key material.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "upgate/api/api_config.hpp"
#include "upgate/expected.hpp"
#include "upgate/http/tls.hpp"

namespace upgate::cli {

// nullopt: no TLS. `cert_flag`/`key_flag` name the sources in the error.
Expected<std::optional<http::TlsSettings>, std::string> tls_settings(
    const std::optional<std::string>& cert, const std::optional<std::string>& key,
    std::optional<unsigned> watch_seconds, std::string_view cert_flag, std::string_view key_flag);

// One JSON line per reload attempt on `logger`; `listener` is "s3" or "api".
http::TlsReloadObserver tls_reload_log(std::shared_ptr<spdlog::logger> logger,
                                       std::string listener);

// The line said when a listener starts with TLS.
void log_tls_serving(spdlog::logger& logger, std::string_view listener,
                     const http::TlsCertificateInfo& certificate);

}  // namespace upgate::cli
