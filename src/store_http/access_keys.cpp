// Access keys: lookup, IAM-style permission matching and the root key's file.
#include "access_keys.hpp"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "upgate/config/ini_file.hpp"
#include "upgate/http_token.hpp"
#include "upgate/text.hpp"

namespace upgate::store {

namespace {

constexpr std::string_view kArnPrefix = "arn:aws:s3:::";
constexpr std::string_view kCredentialsFile = "credentials";
constexpr std::size_t kMaxCredentialsFileBytes = 64 * 1024;

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  CommaList items(text);
  while (const auto item = items.next()) {
    if (!item->empty()) out.emplace_back(*item);
  }
  return out;
}

// Access key ids travel in every URL and log line; keep them to a safe alphabet.
bool valid_access_key_id(std::string_view id) {
  return id.size() >= 3 && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
           return text::is_alnum(c) || c == '_' || c == '-' || c == '.';
         });
}

bool valid_secret(std::string_view secret) {
  return !secret.empty() && secret.size() <= 256 &&
         std::all_of(secret.begin(), secret.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

std::string strip_arn(std::string_view resource) {
  if (resource.starts_with(kArnPrefix)) resource.remove_prefix(kArnPrefix.size());
  return std::string(resource);
}

AccessKeysError error(std::string message) {
  return AccessKeysError{std::move(message)};
}

std::string errno_text() {
  return std::strerror(errno);
}

Expected<std::string, AccessKeysError> read_small_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return Unexpected(error("cannot open " + path.string() + ": " + errno_text()));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Unexpected(error(path.string() + " is not a regular file"));
  }
  if ((st.st_mode & 077) != 0) {
    // Someone loosened it; a secret must not stay readable by others.
    if (::fchmod(fd, 0600) != 0) {
      ::close(fd);
      return Unexpected(error(path.string() + " is readable by others and cannot be chmod 0600"));
    }
  }
  std::string text;
  std::array<char, 4096> buffer{};
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return Unexpected(error("cannot read " + path.string() + ": " + errno_text()));
    }
    if (n == 0) break;
    text.append(buffer.data(), static_cast<std::size_t>(n));
    if (text.size() > kMaxCredentialsFileBytes) {
      ::close(fd);
      return Unexpected(error(path.string() + " is too large for a credentials file"));
    }
  }
  ::close(fd);
  return text;
}

Expected<void, AccessKeysError> write_new_file(const std::filesystem::path& path,
                                               std::string_view text) {
  std::filesystem::path temp = path;
  temp += ".tmp";
  ::unlink(temp.c_str());  // a leftover of a crash during a previous first start
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Unexpected(error("cannot create " + temp.string() + ": " + errno_text()));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      ::unlink(temp.c_str());
      return Unexpected(error("cannot write " + temp.string() + ": " + errno_text()));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    ::unlink(temp.c_str());
    return Unexpected(error("cannot fsync " + temp.string() + ": " + errno_text()));
  }
  ::close(fd);
  // link(2) rather than rename(2): if a concurrent first start won, keep its key.
  if (::link(temp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    errno = saved;
    return Unexpected(error("cannot create " + path.string() + ": " + errno_text()));
  }
  ::unlink(temp.c_str());
  const int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}

Expected<AccessKey, AccessKeysError> parse_root_file(std::string_view text,
                                                     const std::filesystem::path& path) {
  auto ini = config::parse_ini(text);
  if (!ini) {
    return Unexpected(error(path.string() + ": line " + std::to_string(ini.error().line) + ": " +
                            ini.error().message));
  }
  const config::IniSection* section = ini->section("default");
  if (section == nullptr) return Unexpected(error(path.string() + ": no [default] section"));
  const auto id = section->get("aws_access_key_id");
  const auto secret = section->get("aws_secret_access_key");
  if (!id || !valid_access_key_id(*id)) {
    return Unexpected(error(path.string() + ": [default] aws_access_key_id is missing or invalid"));
  }
  if (!secret || !valid_secret(*secret)) {
    return Unexpected(
        error(path.string() + ": [default] aws_secret_access_key is missing or invalid"));
  }
  AccessKey key;
  key.credentials.access_key_id = std::string(*id);
  key.credentials.secret_access_key = sigv4::SecretKey(std::string(*secret));
  key.name = "root";
  key.root = true;
  return key;
}

}  // namespace

bool wildcard_match(std::string_view pattern, std::string_view text, bool case_insensitive) {
  // Iterative glob with one backtrack point: linear in practice, no recursion.
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  auto eq = [&](char a, char b) {
    return case_insensitive ? text::to_lower(a) == text::to_lower(b) : a == b;
  };
  while (t < text.size()) {
    if (p < pattern.size() &&
        (pattern[p] == '?' || (pattern[p] != '*' && eq(pattern[p], text[t])))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Expected<void, AccessKeysError> AccessKeys::add(AccessKey key) {
  if (!valid_access_key_id(key.credentials.access_key_id)) {
    return Unexpected(error("access key " + key.name + ": invalid access key id"));
  }
  if (!valid_secret(key.credentials.secret_access_key.reveal())) {
    return Unexpected(error("access key " + key.name + ": invalid secret access key"));
  }
  if (find(key.credentials.access_key_id) != nullptr) {
    return Unexpected(error("access key id " + key.credentials.access_key_id + " is listed twice"));
  }
  if (key.root && root() != nullptr) return Unexpected(error("two root keys"));
  if (!key.root && (key.actions.empty() || key.resources.empty())) {
    return Unexpected(error("access key " + key.name + ": needs actions and resources"));
  }
  keys_.push_back(std::move(key));
  return {};
}

const AccessKey* AccessKeys::find(std::string_view access_key_id) const {
  for (const auto& k : keys_) {
    if (k.credentials.access_key_id == access_key_id) return &k;
  }
  return nullptr;
}

const AccessKey* AccessKeys::root() const {
  for (const auto& k : keys_) {
    if (k.root) return &k;
  }
  return nullptr;
}

bool AccessKeys::allows(const AccessKey& key, std::string_view action, std::string_view resource) {
  if (key.root) return true;
  const bool action_ok = std::any_of(key.actions.begin(), key.actions.end(), [&](const auto& a) {
    return wildcard_match(a, action, true);
  });
  if (!action_ok) return false;
  if (resource.empty()) {
    return std::any_of(key.resources.begin(), key.resources.end(),
                       [](const auto& r) { return r == "*"; });
  }
  return std::any_of(key.resources.begin(), key.resources.end(),
                     [&](const auto& r) { return wildcard_match(r, resource, false); });
}

Expected<std::vector<AccessKey>, AccessKeysError> parse_keys_file(std::string_view text,
                                                                  std::string_view source) {
  auto ini = config::parse_ini(text);
  if (!ini) {
    return Unexpected(error(std::string(source) + ": line " + std::to_string(ini.error().line) +
                            ": " + ini.error().message));
  }
  std::vector<AccessKey> out;
  for (const auto& [name, section] : ini->sections) {
    const std::string where = std::string(source) + ": [" + name + "] ";
    for (const auto& [field, value] : section.values) {
      if (field != "aws_access_key_id" && field != "aws_secret_access_key" && field != "actions" &&
          field != "resources") {
        return Unexpected(error(where + "unknown field " + field));
      }
    }
    const auto id = section.get("aws_access_key_id");
    const auto secret = section.get("aws_secret_access_key");
    const auto actions = section.get("actions");
    const auto resources = section.get("resources");
    if (!id || !valid_access_key_id(*id)) {
      return Unexpected(error(where + "aws_access_key_id is missing or invalid"));
    }
    if (!secret || !valid_secret(*secret)) {
      return Unexpected(error(where + "aws_secret_access_key is missing or invalid"));
    }
    if (!actions || split_list(*actions).empty()) {
      return Unexpected(error(where + "actions is missing (e.g. s3:PutObject, s3:GetObject)"));
    }
    if (!resources || split_list(*resources).empty()) {
      return Unexpected(error(where + "resources is missing (e.g. uploads/services/*)"));
    }
    AccessKey key;
    key.name = name;
    key.credentials.access_key_id = std::string(*id);
    key.credentials.secret_access_key = sigv4::SecretKey(std::string(*secret));
    key.actions = split_list(*actions);
    for (const auto& a : key.actions) {
      if (!a.starts_with("s3:") && a != "*") {
        return Unexpected(error(where + "action " + a + " is not an s3: action"));
      }
    }
    for (const auto& r : split_list(*resources)) key.resources.push_back(strip_arn(r));
    out.push_back(std::move(key));
  }
  return out;
}

sigv4::Credentials generate_credentials() {
  // Rejection-free: 64 is a power of two, so taking the low bits of each random
  // byte is uniform over the alphabet.
  static constexpr std::string_view kIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";  // 32
  static constexpr std::string_view kSecretAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";  // 64
  std::array<unsigned char, 18> id_bytes{};
  std::array<unsigned char, 40> secret_bytes{};
  if (RAND_bytes(id_bytes.data(), static_cast<int>(id_bytes.size())) != 1 ||
      RAND_bytes(secret_bytes.data(), static_cast<int>(secret_bytes.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  sigv4::Credentials c;
  c.access_key_id = "UG";
  for (unsigned char b : id_bytes) c.access_key_id.push_back(kIdAlphabet[b & 31]);
  std::string secret;
  for (unsigned char b : secret_bytes) secret.push_back(kSecretAlphabet[b & 63]);
  c.secret_access_key = sigv4::SecretKey(std::move(secret));
  OPENSSL_cleanse(secret_bytes.data(), secret_bytes.size());
  return c;
}

Expected<LoadedRootKey, AccessKeysError> load_or_create_root_key(
    const RootKeySource& given, const std::filesystem::path& data_dir) {
  if (given.access_key_id || given.secret_access_key) {
    if (!given.access_key_id || !given.secret_access_key) {
      return Unexpected(
          error("the access key id and the secret access key must be given together "
                "(--access-key-id / UPGATE_STORE_ACCESS_KEY_ID and --secret-access-key / "
                "UPGATE_STORE_SECRET_ACCESS_KEY)"));
    }
    if (!valid_access_key_id(*given.access_key_id)) {
      return Unexpected(error("the access key id must be 3-128 characters of A-Z a-z 0-9 _ - ."));
    }
    if (!valid_secret(*given.secret_access_key)) {
      return Unexpected(error("the secret access key must be 1-256 printable ASCII characters"));
    }
    LoadedRootKey out;
    out.key.credentials.access_key_id = *given.access_key_id;
    out.key.credentials.secret_access_key = sigv4::SecretKey(*given.secret_access_key);
    out.key.name = "root";
    out.key.root = true;
    out.origin = "flags/environment";
    return out;
  }
  const std::filesystem::path path = data_dir / kCredentialsFile;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    auto text = read_small_file(path);
    if (!text) return Unexpected(std::move(text).error());
    auto key = parse_root_file(*text, path);
    OPENSSL_cleanse(text->data(), text->size());
    if (!key) return Unexpected(std::move(key).error());
    return LoadedRootKey{std::move(*key), path.string()};
  }
  std::filesystem::create_directories(data_dir, ec);
  sigv4::Credentials fresh = generate_credentials();
  std::string text =
      "# upgate store root credentials, generated on first start. Keep private.\n"
      "[default]\naws_access_key_id = " +
      fresh.access_key_id +
      "\naws_secret_access_key = " + std::string(fresh.secret_access_key.reveal()) + "\n";
  auto written = write_new_file(path, text);
  OPENSSL_cleanse(text.data(), text.size());
  if (!written) {
    if (std::filesystem::exists(path, ec)) {
      // Another process created it first; use what it wrote.
      return load_or_create_root_key(given, data_dir);
    }
    return Unexpected(std::move(written).error());
  }
  LoadedRootKey out;
  out.key.credentials = std::move(fresh);
  out.key.name = "root";
  out.key.root = true;
  out.origin = "generated";
  return out;
}

}  // namespace upgate::store
