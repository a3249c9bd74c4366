// The keys file on disk: a bounded read, and `upgate apikey create`'s safe rewrite
// (lock, temp file, fsync, rename, directory fsync, mode 0600).
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "api_key_rules.hpp"
#include "bounded_file.hpp"
#include "upgate/auth/api_keys.hpp"
#include "upgate/sigv4/amz_time.hpp"
#include "upgate/sigv4/base64url.hpp"

namespace upgate::auth {

namespace json = boost::json;

namespace {

std::string errno_text() {
  return std::strerror(errno);
}

// Closes a descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

template <std::size_t N>
void random_bytes(std::array<unsigned char, N>& out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
}

Expected<void, std::string> write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Unexpected(errno_text());
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

// Replaces `path` by `text`: a temp file beside it (0600), fsync, rename, directory fsync.
Expected<void, std::string> replace_file(const std::filesystem::path& path, std::string_view text) {
  std::filesystem::path temp = path;
  temp += ".tmp." + std::to_string(::getpid());
  ::unlink(temp.c_str());  // a leftover of a crash of this same pid number
  Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) return Unexpected("cannot create " + temp.string() + ": " + errno_text());
  const auto fail = [&temp](std::string what) {
    ::unlink(temp.c_str());
    return Unexpected(std::move(what));
  };
  if (::fchmod(fd.get(), 0600) != 0)
    return fail("cannot chmod " + temp.string() + ": " + errno_text());
  if (auto written = write_all(fd.get(), text); !written) {
    return fail("cannot write " + temp.string() + ": " + written.error());
  }
  if (::fsync(fd.get()) != 0) return fail("cannot fsync " + temp.string() + ": " + errno_text());
  if (::close(fd.release()) != 0)
    return fail("cannot close " + temp.string() + ": " + errno_text());
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    return fail("cannot rename " + temp.string() + " to " + path.string() + ": " + errno_text());
  }
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0 || ::fsync(dir_fd.get()) != 0) {
    return Unexpected("cannot fsync the directory " + dir.string() + ": " + errno_text());
  }
  return {};
}

std::string record_line(const ApiKeyRecord& record) {
  json::object line;
  line["id"] = record.id;
  line["principal"] = record.principal;
  json::array profiles;
  for (const std::string& p : record.profiles) profiles.emplace_back(p);
  line["profiles"] = std::move(profiles);
  line["created"] = sigv4::format_iso8601(record.created);
  std::string hash;
  text::append_hex_lower(hash, record.sha256);
  line["sha256"] = hash;
  return json::serialize(line);
}

}  // namespace

Expected<std::optional<std::string>, std::string> read_keys_file(const std::filesystem::path& path,
                                                                 bool refuse_loose_mode) {
  auto file = read_bounded_file(path, kMaxKeysFileBytes);
  if (!file) return Unexpected(std::move(file).error());
  if (!*file) return std::optional<std::string>();
  if (refuse_loose_mode && ((*file)->mode & 022) != 0) {
    return Unexpected(path.string() + " may be written by group or others (whoever can write it " +
                      "can add keys); chmod 600 it");
  }
  return std::optional<std::string>(std::move((*file)->text));
}

Expected<CreatedApiKey, std::string> create_api_key(const std::filesystem::path& keys_file,
                                                    const NewApiKey& request,
                                                    std::chrono::sys_seconds now) {
  if (!valid_principal_name(request.principal)) {
    return Unexpected(
        std::string("the principal must be 1 to 256 bytes without control characters"));
  }
  std::vector<std::string> profiles = request.profiles;
  if (profiles.empty()) profiles.emplace_back("*");
  for (const std::string& p : profiles) {
    if (!valid_profile_name(p)) return Unexpected("\"" + p + "\" is not a profile name");
  }
  if (auto problem = profile_list_problem(profiles)) return Unexpected(std::move(*problem));

  std::filesystem::path lock_path = keys_file;
  lock_path += ".lock";
  Fd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (lock.get() < 0) return Unexpected("cannot open " + lock_path.string() + ": " + errno_text());
  while (::flock(lock.get(), LOCK_EX) != 0) {
    if (errno != EINTR)
      return Unexpected("cannot lock " + lock_path.string() + ": " + errno_text());
  }

  auto existing = read_keys_file(keys_file, /*refuse_loose_mode=*/false);
  if (!existing) return Unexpected(std::move(existing).error());
  std::string text = existing->value_or(std::string());
  auto store = ApiKeyStore::parse(text);
  if (!store) {
    return Unexpected(keys_file.string() + " is not a valid keys file (" + store.error() +
                      "); it was left as it is");
  }

  CreatedApiKey created;
  created.record.principal = request.principal;
  created.record.profiles = std::move(profiles);
  created.record.created = now;
  while (true) {
    std::array<unsigned char, 6> id_bytes{};
    random_bytes(id_bytes);
    created.record.id = "k_" + text::hex_lower(id_bytes);
    bool taken = false;
    for (const ApiKeyRecord& r : store->records()) taken = taken || r.id == created.record.id;
    if (!taken) break;
  }
  std::array<unsigned char, 32> secret_bytes{};
  random_bytes(secret_bytes);
  std::string secret = std::string(kApiKeyPrefix) + sigv4::base64url_encode(secret_bytes);
  OPENSSL_cleanse(secret_bytes.data(), secret_bytes.size());
  created.record.sha256 = sigv4::sha256(secret);
  created.secret = sigv4::SecretKey(std::move(secret));

  if (!text.empty() && text.back() != '\n') text += '\n';
  text += record_line(created.record);
  text += '\n';
  if (auto replaced = replace_file(keys_file, text); !replaced) {
    return Unexpected(std::move(replaced).error());
  }
  return created;
}

}  // namespace upgate::auth
