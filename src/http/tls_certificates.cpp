#include <upgate/http/tls_certificates.hpp>

namespace upgate::http {

namespace {

TlsCertificates::FileStamp stamp_of(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  constexpr std::int64_t kNs = 1'000'000'000;
  return {st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec * kNs + st.st_mtim.tv_nsec,
          st.st_ctim.tv_sec * kNs + st.st_ctim.tv_nsec};
}

}  // namespace

Expected<std::unique_ptr<TlsCertificates>, TlsError> TlsCertificates::load(TlsFiles files) {
  std::unique_ptr<TlsCertificates> out(new TlsCertificates(std::move(files)));
  const Stamps stamps = out->stamp();
  auto first = out->attempt(stamps);
  if (!first) return Unexpected(std::move(first).error());
  out->last_seen_ = stamps;
  return out;
}

TlsCertificates::Stamps TlsCertificates::stamp() const {
  return {stamp_of(files_.certificate_chain), stamp_of(files_.private_key)};
}

Expected<TlsCertificateInfo, TlsError> TlsCertificates::attempt(const Stamps& stamps) {
  // Stamped before reading: a file rewritten during the read differs at the next look.
  attempted_ = stamps;
  auto loaded = TlsContext::load(files_);
  if (!loaded) return Unexpected(std::move(loaded).error());
  TlsCertificateInfo info = (*loaded)->certificate();
  current_.store(std::move(*loaded));
  return info;
}

Expected<TlsCertificateInfo, TlsError> TlsCertificates::reload() {
  std::lock_guard lock(reload_mutex_);
  const Stamps stamps = stamp();
  last_seen_ = stamps;
  return attempt(stamps);
}

std::optional<Expected<TlsCertificateInfo, TlsError>> TlsCertificates::reload_if_changed() {
  std::lock_guard lock(reload_mutex_);
  const Stamps stamps = stamp();
  const bool settled = stamps == last_seen_;
  last_seen_ = stamps;
  if (stamps == attempted_ || !settled) return std::nullopt;
  return attempt(stamps);
}

}  // namespace upgate::http
