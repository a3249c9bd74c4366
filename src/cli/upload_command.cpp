// `upgate upload FILE... --api URL --folder NAME`: the browser's flow from a terminal.
//
// For each file, in order: ask the API for a presigned URL exactly as the seed's client does
// (POST /api/s3/getPresignedUrl {fileName, fileType, fileSize, folderName}), then PUT the
// file, streamed from disk, with exactly the headers the API returned. Network failures and
// 5xx answers are retried with exponential backoff and jitter; 4xx answers are final and
// their message is the server's own (the API's JSON `error`, S3's XML Message and Code).
//
// Output: results on stdout (one line per file, or one JSON object per line with --json),
// failures on stderr too. Progress on stderr: a redrawn bar when stderr is a terminal,
// otherwise a plain line at each quarter. Exit 0 when every file arrived, 1 when any
// failed, 2 for bad arguments, 130 when interrupted.
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "upgate/s3client/error_response.hpp"
#include "upgate/s3client/http_transport.hpp"
#include "upgate/text.hpp"
#include "upload_progress.hpp"

namespace upgate::cli {
namespace {

namespace json = boost::json;
using s3client::HttpRequest;
using s3client::HttpResponse;
using Clock = std::chrono::steady_clock;

constexpr int kExitInterrupted = 130;

struct UploadOptions {
  std::vector<std::string> files;
  std::string api;
  std::string folder;
  std::string content_type;
  int retries = 3;
  bool json = false;
};

// What the API granted: where to PUT and with which headers.
struct Grant {
  std::string url;
  std::string method = "PUT";
  std::string key;
  std::string expires_at;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Why one file did not arrive. `message` is the server's own words where there are some.
struct Failure {
  std::string message;
  std::string code;  // the API's error code or S3's Code, when given
  long status = 0;   // HTTP status, 0 without an answer
  bool retryable = false;
  bool cancelled = false;
};

struct Uploaded {
  std::string key;
  std::string etag;
  double seconds = 0;
};

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) {
  g_interrupted.store(true);
}

// The browser's file.type for the usual extensions; anything else is octet-stream.
std::string guess_content_type(const std::filesystem::path& path) {
  const std::string ext = text::lower(path.extension().string());
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".png", "image/png"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".avif", "image/avif"},
      {".svg", "image/svg+xml"},
      {".ico", "image/vnd.microsoft.icon"},
      {".pdf", "application/pdf"},
      {".txt", "text/plain"},
      {".md", "text/markdown"},
      {".csv", "text/csv"},
      {".html", "text/html"},
      {".htm", "text/html"},
      {".css", "text/css"},
      {".js", "text/javascript"},
      {".json", "application/json"},
      {".xml", "application/xml"},
      {".zip", "application/zip"},
      {".gz", "application/gzip"},
      {".tar", "application/x-tar"},
      {".mp4", "video/mp4"},
      {".webm", "video/webm"},
      {".mov", "video/quicktime"},
      {".mp3", "audio/mpeg"},
      {".wav", "audio/wav"},
      {".ogg", "audio/ogg"},
      {".doc", "application/msword"},
      {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
  };
  for (const auto& [e, type] : kTypes) {
    if (ext == e) return std::string(type);
  }
  return "application/octet-stream";
}

std::string snippet(std::string_view text, std::size_t max = 160) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    const bool blank = c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (blank) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
  }
  return out;
}

std::string join_url(std::string api, std::string_view path) {
  while (!api.empty() && api.back() == '/') api.pop_back();
  return api + std::string(path);
}

// ---- asking the API ----------------------------------------------------------------------

Failure api_failure(const HttpResponse& response) {
  Failure f;
  f.status = response.status;
  f.retryable = response.status >= 500;
  boost::system::error_code ec;
  const json::value doc = json::parse(response.body, ec);
  if (!ec && doc.is_object()) {
    const json::object& o = doc.as_object();
    // Seed route: {ok:false, error:"text", code}; /v1 routes: {ok:false, error:{code,message}}.
    if (const json::value* e = o.if_contains("error")) {
      if (e->is_string()) f.message = std::string(e->as_string());
      if (e->is_object()) {
        if (const auto* m = e->as_object().if_contains("message"); m && m->is_string()) {
          f.message = std::string(m->as_string());
        }
        if (const auto* c = e->as_object().if_contains("code"); c && c->is_string()) {
          f.code = std::string(c->as_string());
        }
      }
    }
    if (const auto* c = o.if_contains("code"); c && c->is_string()) {
      f.code = std::string(c->as_string());
    }
  }
  if (f.message.empty()) {
    f.message = "the upload API answered HTTP " + std::to_string(response.status) +
                (response.body.empty() ? " with no explanation" : ": " + snippet(response.body));
  }
  return f;
}

Expected<Grant, Failure> request_grant(const UploadOptions& o, const std::string& file_name,
                                       const std::string& content_type, std::uint64_t size) {
  json::object body;
  body["fileName"] = file_name;
  body["fileType"] = content_type;
  body["fileSize"] = size;
  body["folderName"] = o.folder;

  HttpRequest request;
  request.method = "POST";
  request.url = join_url(o.api, "/api/s3/getPresignedUrl");
  request.headers = {{"Content-Type", "application/json"}};
  request.body = json::serialize(body);
  request.total_timeout = std::chrono::seconds(30);
  request.max_response_body = 64 * 1024;
  auto response = s3client::perform(request);
  if (!response) {
    return Unexpected(
        Failure{"cannot reach the upload API at " + o.api + ": " + response.error().message, "", 0,
                response.error().retryable, response.error().cancelled});
  }
  if (response->status < 200 || response->status >= 300) {
    return Unexpected(api_failure(*response));
  }

  boost::system::error_code ec;
  const json::value doc = json::parse(response->body, ec);
  const json::object* o_ptr = !ec && doc.is_object() ? &doc.as_object() : nullptr;
  auto text = [&](std::string_view name) -> std::string {
    if (!o_ptr) return {};
    const json::value* v = o_ptr->if_contains(name);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  const json::value* ok = o_ptr ? o_ptr->if_contains("ok") : nullptr;
  if (!ok || !ok->is_bool() || !ok->as_bool()) return Unexpected(api_failure(*response));

  Grant grant;
  grant.url = text("uploadUrl");
  grant.key = text("key");
  grant.expires_at = text("expiresAt");
  if (const std::string m = text("method"); !m.empty()) grant.method = m;
  if (const json::value* h = o_ptr->if_contains("headers"); h && h->is_object()) {
    for (const auto& [name, value] : h->as_object()) {
      if (!value.is_string()) continue;
      grant.headers.emplace_back(std::string(name), std::string(value.as_string()));
    }
  }
  if (grant.url.empty() || grant.key.empty()) {
    return Unexpected(
        Failure{"the upload API's answer has no uploadUrl or key: " + snippet(response->body), "",
                response->status, false, false});
  }
  return grant;
}

// ---- sending the file --------------------------------------------------------------------

Failure storage_failure(const HttpResponse& response) {
  Failure f;
  f.status = response.status;
  f.retryable = response.status >= 500;
  const s3client::ClientError error = s3client::error_from_response("PutObject", response);
  if (error.kind == s3client::ErrorKind::kS3) {
    f.code = error.code;
    f.message = error.message.empty() ? error.code : error.message + " (" + error.code + ")";
  }
  if (f.message.empty()) {
    f.message = "the storage server answered HTTP " + std::to_string(response.status) +
                (response.body.empty() ? " with no explanation" : ": " + snippet(response.body));
  }
  return f;
}

Expected<std::string, Failure> put_file(const Grant& grant, const std::filesystem::path& path,
                                        std::uint64_t size,
                                        const std::function<bool(std::uint64_t)>& on_sent) {
  HttpRequest request;
  request.method = grant.method;
  request.url = grant.url;
  request.headers = grant.headers;
  request.body_file = path.string();
  request.body_file_size = size;
  request.on_progress = [&](std::uint64_t sent, std::uint64_t) { return on_sent(sent); };
  auto response = s3client::perform(request);
  if (!response) {
    return Unexpected(
        Failure{"the upload to the storage server failed: " + response.error().message, "", 0,
                response.error().retryable, response.error().cancelled});
  }
  if (response->status < 200 || response->status >= 300) {
    return Unexpected(storage_failure(*response));
  }
  return response->header("etag");
}

// ---- retries -----------------------------------------------------------------------------

// Full jitter backoff: up to 0.5 s, 1 s, 2 s, ... (at most 8 s), interruptible.
bool backoff(int attempt) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  const double cap = std::min(8.0, 0.5 * static_cast<double>(1 << std::min(attempt, 4)));
  const auto until =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                         std::uniform_real_distribution<double>(0.0, cap)(rng)));
  while (Clock::now() < until) {
    if (g_interrupted.load()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return !g_interrupted.load();
}

template <class T, class Fn>
Expected<T, Failure> with_retries(int retries, Fn&& attempt_fn) {
  for (int attempt = 0;; ++attempt) {
    auto result = attempt_fn();
    if (result || !result.error().retryable || attempt >= retries) return result;
    if (!backoff(attempt)) return Unexpected(Failure{"interrupted", "", 0, false, true});
  }
}

// ---- output ------------------------------------------------------------------------------

int terminal_width() {
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) return ws.ws_col;
  return 80;
}

class Progress {
 public:
  Progress(bool tty, bool quiet, std::string name, std::uint64_t total)
      : tty_(tty), quiet_(quiet), name_(std::move(name)), total_(total) {}

  void update(std::uint64_t sent) {
    const auto now = Clock::now();
    meter_.sample(sent, now);
    if (quiet_) return;
    if (tty_) {
      if (sent >= total_ && drew_complete_) return;  // all sent: the store is answering
      if (now - last_draw_ < std::chrono::milliseconds(100) && sent < total_) return;
      drew_complete_ = sent >= total_;
      last_draw_ = now;
      std::cerr << '\r'
                << render_progress_line(name_, sent, total_, meter_.bytes_per_second(),
                                        terminal_width() - 1)
                << "\x1b[K" << std::flush;
      drawn_ = true;
      return;
    }
    const int quarter = total_ == 0 ? 4 : static_cast<int>(sent * 4 / total_);
    if (quarter > last_quarter_ && quarter < 4) {
      last_quarter_ = quarter;
      std::cerr << name_ << ": " << quarter * 25 << "% (" << format_bytes(static_cast<double>(sent))
                << " of " << format_bytes(static_cast<double>(total_)) << ")\n";
    }
  }

  void clear() {
    if (drawn_) std::cerr << "\r\x1b[K" << std::flush;
    drawn_ = false;
  }

 private:
  bool tty_;
  bool quiet_;
  std::string name_;
  std::uint64_t total_;
  RateMeter meter_;
  Clock::time_point last_draw_{};
  bool drawn_ = false;
  bool drew_complete_ = false;
  int last_quarter_ = 0;
};

void print_json(const std::string& file, std::uint64_t size, const Expected<Uploaded, Failure>& r) {
  json::object out;
  out["file"] = file;
  out["ok"] = r.has_value();
  out["size"] = size;
  if (r) {
    out["key"] = r->key;
    out["etag"] = r->etag;
    out["seconds"] = r->seconds;
  } else {
    out["error"] = r.error().message;
    if (!r.error().code.empty()) out["code"] = r.error().code;
    if (r.error().status != 0) out["status"] = r.error().status;
  }
  std::cout << json::serialize(out) << '\n' << std::flush;
}

// ---- the command -------------------------------------------------------------------------

Expected<Uploaded, Failure> upload_one(const UploadOptions& o, const std::filesystem::path& path,
                                       std::uint64_t size, Progress& progress) {
  const std::string name = path.filename().string();
  const std::string type = o.content_type.empty() ? guess_content_type(path) : o.content_type;
  const auto started = Clock::now();
  auto grant = with_retries<Grant>(o.retries, [&] { return request_grant(o, name, type, size); });
  if (!grant) return Unexpected(std::move(grant).error());
  for (const auto& [h, value] : grant->headers) {
    if ((h == "Content-Length" || h == "content-length") && value != std::to_string(size)) {
      return Unexpected(
          Failure{"the file changed size since the URL was requested", "", 0, false, false});
    }
  }
  auto etag = with_retries<std::string>(o.retries, [&] {
    return put_file(*grant, path, size, [&](std::uint64_t sent) {
      progress.update(sent);
      return !g_interrupted.load();
    });
  });
  if (!etag) return Unexpected(std::move(etag).error());
  progress.update(size);
  return Uploaded{grant->key, *etag, std::chrono::duration<double>(Clock::now() - started).count()};
}

int run_upload(UploadOptions& o) {
  if (o.api.empty()) {
    const char* env = std::getenv("UPGATE_API");
    o.api = env && *env ? env : "http://127.0.0.1:8080";
  }
  if (!o.api.starts_with("http://") && !o.api.starts_with("https://")) {
    std::cerr << "upgate upload: --api must be an http:// or https:// URL, not '" << o.api << "'\n";
    return kExitUsage;
  }
  struct Item {
    std::filesystem::path path;
    std::uint64_t size;
  };
  std::vector<Item> items;
  for (const std::string& f : o.files) {
    struct stat st {};
    if (::stat(f.c_str(), &st) != 0) {
      std::cerr << "upgate upload: " << f << ": no such file\n";
      return kExitUsage;
    }
    if (!S_ISREG(st.st_mode)) {
      std::cerr << "upgate upload: " << f << ": not a regular file\n";
      return kExitUsage;
    }
    if (::access(f.c_str(), R_OK) != 0) {
      std::cerr << "upgate upload: " << f << ": cannot be read\n";
      return kExitUsage;
    }
    items.push_back({f, static_cast<std::uint64_t>(st.st_size)});
  }

  s3client::http_client_global_init();
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  const bool tty = ::isatty(STDERR_FILENO) == 1;

  int failures = 0;
  for (const Item& item : items) {
    const std::string shown = item.path.string();
    Progress progress(tty, o.json, item.path.filename().string(), item.size);
    auto result = upload_one(o, item.path, item.size, progress);
    progress.clear();
    if (o.json) print_json(shown, item.size, result);
    if (!result) {
      if (result.error().cancelled || g_interrupted.load()) {
        std::cerr << "upgate upload: " << shown << ": interrupted\n";
        return kExitInterrupted;
      }
      ++failures;
      std::cerr << "upgate upload: " << shown << ": " << result.error().message << '\n';
      continue;
    }
    if (!o.json) {
      const double rate =
          result->seconds > 0 ? static_cast<double>(item.size) / result->seconds : 0;
      std::cout << shown << " -> " << result->key << "  ("
                << format_bytes(static_cast<double>(item.size));
      if (rate > 0) std::cout << ", " << format_bytes(rate) << "/s";
      std::cout << ")\n" << std::flush;
    }
  }
  return failures == 0 ? kExitOk : kExitFailure;
}

constexpr const char* kUploadHelp =
    "Upload files the way the browser does: ask the upload API for a presigned URL\n"
    "(POST /api/s3/getPresignedUrl, the seed's contract), then PUT each file straight to\n"
    "object storage with exactly the headers the API returned.\n"
    "\n"
    "Prints 'FILE -> KEY (size, speed)' per file on stdout, or with --json one object per\n"
    "line: {\"file\",\"ok\",\"size\",\"key\",\"etag\",\"seconds\"} or {\"file\",\"ok\":false,\n"
    "\"error\",\"code\",\"status\"}. Progress goes to stderr: a bar on a terminal, a line per\n"
    "quarter otherwise. Network errors and 5xx answers are retried with backoff.\n"
    "\n"
    "Environment: UPGATE_API (default for --api).\n"
    "Exit codes: 0 every file uploaded, 1 a file was refused or failed (the server's message\n"
    "is printed), 2 bad arguments, 130 interrupted.";

}  // namespace

void register_upload(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<UploadOptions>();
  CLI::App* cmd = app.add_subcommand("upload", kUploadHelp);
  cmd->add_option("files", options->files, "files to upload")->required();
  cmd->add_option("--api", options->api,
                  "base URL of the upload API (default $UPGATE_API or http://127.0.0.1:8080)");
  cmd->add_option("--folder", options->folder,
                  "the seed's folderName: a folder or upload profile name")
      ->required();
  cmd->add_option("--content-type", options->content_type,
                  "Content-Type for every file (default: from the extension)");
  cmd->add_option("--retries", options->retries,
                  "retries after a network error or 5xx, per step (default 3)")
      ->check(CLI::Range(0, 10));
  cmd->add_flag("--json", options->json, "one JSON object per file on stdout");
  cmd->callback([options, &exit_code] { exit_code = run_upload(*options); });
}

}  // namespace upgate::cli
