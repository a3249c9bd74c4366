// The --resume state file: where it lives, and an atomic 0600 write.
#include "upload_state.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "upgate/sigv4/crypto.hpp"

namespace upgate::cli::upload {
namespace {

namespace json = boost::json;
constexpr int kVersion = 1;

std::optional<std::filesystem::path> state_directory() {
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg == '/') {
    return std::filesystem::path(xdg) / "upgate";
  }
  if (const char* home = std::getenv("HOME"); home && *home == '/') {
    return std::filesystem::path(home) / ".local" / "state" / "upgate";
  }
  return std::nullopt;
}

std::string name_for(const UploadIdentity& id) {
  std::string material = id.file.string();
  for (const std::string& part :
       {std::to_string(id.size), std::to_string(id.mtime_ns), id.api, id.folder}) {
    material += '\0';
    material += part;
  }
  return sigv4::hex(sigv4::sha256(material)) + ".json";
}

bool same_identity(const json::object& o, const UploadIdentity& id) {
  auto text = [&](std::string_view name) -> std::string {
    const json::value* v = o.if_contains(name);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  auto number = [&](std::string_view name) -> std::optional<std::int64_t> {
    const json::value* v = o.if_contains(name);
    if (v && v->is_int64()) return v->as_int64();
    if (v && v->is_uint64() && v->as_uint64() <= INT64_MAX) {
      return static_cast<std::int64_t>(v->as_uint64());
    }
    return std::nullopt;
  };
  return text("file") == id.file.string() && number("size") == std::int64_t(id.size) &&
         number("mtimeNs") == id.mtime_ns && text("api") == id.api && text("folder") == id.folder;
}

}  // namespace

Expected<ResumeStateFile, std::string> ResumeStateFile::open(const UploadIdentity& identity) {
  const auto dir = state_directory();
  if (!dir) {
    return Unexpected(std::string(
        "--resume keeps its state in $XDG_STATE_HOME/upgate or ~/.local/state/upgate, and "
        "neither XDG_STATE_HOME nor HOME is set to an absolute path"));
  }
  std::error_code ec;
  std::filesystem::create_directories(*dir, ec);
  if (ec) return Unexpected("cannot create " + dir->string() + ": " + ec.message());
  ::chmod(dir->c_str(), 0700);  // it holds bearer tokens
  return ResumeStateFile(identity, *dir / name_for(identity));
}

std::optional<ResumeState> ResumeStateFile::load(std::string& problem) const {
  problem.clear();
  std::ifstream in(path_, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  const json::value doc = json::parse(text.str(), ec);
  const json::object* o = !ec && doc.is_object() ? &doc.as_object() : nullptr;
  if (!o) {
    problem = "the saved state is not valid JSON";
    return std::nullopt;
  }
  const json::value* version = o->if_contains("version");
  if (!version || !version->is_int64() || version->as_int64() != kVersion) {
    problem = "the saved state is of another version";
    return std::nullopt;
  }
  if (!same_identity(*o, identity_)) {
    problem = "the saved state is for another file";
    return std::nullopt;
  }
  ResumeState state;
  try {
    state.upload_token = std::string(o->at("uploadToken").as_string());
    state.key = std::string(o->at("key").as_string());
    state.part_size = o->at("partSize").to_number<std::uint64_t>();
    state.part_count = o->at("partCount").to_number<std::uint32_t>();
    for (const json::value& n : o->at("partsDone").as_array()) {
      state.parts_done.push_back(n.to_number<std::uint32_t>());
    }
  } catch (const std::exception&) {
    problem = "the saved state lacks a field or has one of the wrong type";
    return std::nullopt;
  }
  if (state.upload_token.empty() || state.part_size == 0 || state.part_count == 0) {
    problem = "the saved state has no upload token or part layout";
    return std::nullopt;
  }
  return state;
}

Expected<void, std::string> ResumeStateFile::save(const ResumeState& state) const {
  json::object o;
  o["version"] = kVersion;
  o["file"] = identity_.file.string();
  o["size"] = identity_.size;
  o["mtimeNs"] = identity_.mtime_ns;
  o["api"] = identity_.api;
  o["folder"] = identity_.folder;
  o["key"] = state.key;
  o["uploadToken"] = state.upload_token;
  o["partSize"] = state.part_size;
  o["partCount"] = state.part_count;
  json::array done;
  for (const std::uint32_t n : state.parts_done) done.emplace_back(n);
  o["partsDone"] = std::move(done);
  const std::string body = json::serialize(o) + "\n";

  // A unique temporary name beside the file, so two runs never write into one another's.
  std::string temp = path_.string() + ".XXXXXX";
  const int fd = ::mkstemp(temp.data());  // mode 0600
  if (fd < 0) return Unexpected("cannot write " + temp + ": " + std::strerror(errno));
  std::size_t written = 0;
  while (written < body.size()) {
    const ssize_t n = ::write(fd, body.data() + written, body.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  const bool ok = written == body.size() && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path_.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(temp.c_str());
    return Unexpected("cannot write " + path_.string() + ": " + why);
  }
  return {};
}

void ResumeStateFile::remove() const {
  ::unlink(path_.c_str());
}

}  // namespace upgate::cli::upload
