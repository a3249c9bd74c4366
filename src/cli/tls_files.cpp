// Certificate pairs from the command line, and what their reloads log.
#include "tls_files.hpp"

#include <string>

#include "upgate/api/json_log.hpp"

namespace upgate::cli {

namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

}  // namespace

Expected<std::optional<http::TlsSettings>, std::string> tls_settings(
    const std::optional<std::string>& cert, const std::optional<std::string>& key,
    std::optional<unsigned> watch_seconds, std::string_view cert_flag, std::string_view key_flag) {
  const bool has_cert = cert && !cert->empty();
  const bool has_key = key && !key->empty();
  if (has_cert != has_key) {
    return Unexpected(std::string(cert_flag) + " and " + std::string(key_flag) +
                      " go together (the certificate chain and its private key, PEM)");
  }
  if (watch_seconds && *watch_seconds > api::kMaxTlsWatchSeconds) {
    return Unexpected("the certificate watch interval must be 0 (SIGHUP only) to " +
                      std::to_string(api::kMaxTlsWatchSeconds) + " seconds");
  }
  if (!has_cert) return std::optional<http::TlsSettings>();
  http::TlsSettings settings;
  settings.files.certificate_chain = *cert;
  settings.files.private_key = *key;
  if (watch_seconds) settings.watch_interval = std::chrono::seconds(*watch_seconds);
  return std::optional<http::TlsSettings>(std::move(settings));
}

http::TlsReloadObserver tls_reload_log(std::shared_ptr<spdlog::logger> logger,
                                       std::string listener) {
  return [logger = std::move(logger),
          listener = std::move(listener)](const http::TlsReloadEvent& event) {
    const std::string_view trigger = event.trigger == http::TlsReloadEvent::Trigger::files_changed
                                         ? "files changed"
                                         : "reload requested";
    if (event.loaded) {
      api::log_json(*logger, spdlog::level::info,
                    api::json_log_line("info", "tls certificate loaded",
                                       {{"listener", listener},
                                        {"trigger", trigger},
                                        {"subject", event.certificate.subject},
                                        {"dns_names", joined(event.certificate.dns_names)},
                                        {"not_after", event.certificate.not_after},
                                        {"sha256", event.certificate.sha256_fingerprint}}));
    } else {
      api::log_json(*logger, spdlog::level::warn,
                    api::json_log_line("warn", "tls certificate refused; serving the previous one",
                                       {{"listener", listener},
                                        {"trigger", trigger},
                                        {"reason", event.error},
                                        {"serving_sha256", event.certificate.sha256_fingerprint},
                                        {"serving_not_after", event.certificate.not_after}}));
    }
    logger->flush();
  };
}

void log_tls_serving(spdlog::logger& logger, std::string_view listener,
                     const http::TlsCertificateInfo& certificate) {
  api::log_json(logger, spdlog::level::info,
                api::json_log_line("info", "tls enabled",
                                   {{"listener", listener},
                                    {"subject", certificate.subject},
                                    {"dns_names", joined(certificate.dns_names)},
                                    {"not_after", certificate.not_after},
                                    {"sha256", certificate.sha256_fingerprint}}));
  logger.flush();  // said before the listener serves, so a reader of the log sees it first
}

}  // namespace upgate::cli
