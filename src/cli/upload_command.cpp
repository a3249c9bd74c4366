// `upgate upload FILE... --api URL --folder NAME`: the browser's flow from a terminal.
//
// A file below --multipart-threshold goes up in one PUT, as the seed's client does: ask the
// API for a presigned URL (POST /api/s3/getPresignedUrl {fileName, fileType, fileSize,
// folderName}), then PUT the file, streamed from disk, with exactly the headers the API
// returned. A larger one goes up in parts through /v1/multipart, --parallel at a time, and
// with --resume can be continued after an interruption (upload_multipart.hpp). -j sends
// several files at once. Network failures and 5xx answers are retried with exponential
// backoff and jitter; 4xx answers are final and their message is the server's own (the
// API's JSON `error`, S3's XML Message and Code).
//
// Output: results on stdout (one line per file as it finishes, or one JSON object per line
// with --json), failures on stderr too. Progress on stderr: a redrawn bar when stderr is a
// terminal, otherwise a plain line at each quarter of a file. Exit 0 when every file
// arrived, 1 when any failed, 2 for bad arguments, 130 when interrupted.
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "upgate/config/units.hpp"
#include "upgate/s3client/http_transport.hpp"
#include "upgate/text.hpp"
#include "upload_client.hpp"
#include "upload_multipart.hpp"
#include "upload_progress.hpp"

namespace upgate::cli {
namespace {

namespace json = boost::json;
using s3client::HttpRequest;
using upload::Failure;
using Clock = std::chrono::steady_clock;

constexpr int kExitInterrupted = 130;
// S3's largest single PUT: anything bigger must go in parts, whatever the threshold.
constexpr std::uint64_t kMaxSinglePut = 5ull << 30;

struct UploadOptions {
  std::vector<std::string> files;
  std::string api;
  std::string folder;
  std::string content_type;
  std::string multipart_threshold = "64MiB";
  int parallel = 4;
  int jobs = 1;
  int retries = 3;
  bool resume = false;
  bool json = false;
};

// What the seed's route granted: where to PUT and with which headers.
struct Grant {
  std::string url;
  std::string method = "PUT";
  std::string key;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct Uploaded {
  std::string key;
  std::string etag;
  double seconds = 0;
  std::optional<upload::MultipartResult> multipart;
};

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

// ---- one presigned PUT -------------------------------------------------------------------

Expected<Grant, Failure> request_grant(const UploadOptions& o, const upload::LocalFile& file) {
  json::object body;
  body["fileName"] = file.name;
  body["fileType"] = file.content_type;
  body["fileSize"] = file.size;
  body["folderName"] = o.folder;
  auto answer = upload::post_api(o.api, "/api/s3/getPresignedUrl", body);
  if (!answer) return Unexpected(std::move(answer).error());

  Grant grant;
  grant.url = upload::string_field(*answer, "uploadUrl");
  grant.key = upload::string_field(*answer, "key");
  if (const std::string m = upload::string_field(*answer, "method"); !m.empty()) grant.method = m;
  if (const json::value* h = answer->if_contains("headers"); h && h->is_object()) {
    for (const auto& [name, value] : h->as_object()) {
      if (!value.is_string()) continue;
      grant.headers.emplace_back(std::string(name), std::string(value.as_string()));
    }
  }
  if (grant.url.empty() || grant.key.empty()) {
    return Unexpected(
        Failure{"the upload API's answer has no uploadUrl or key", "", 0, false, false});
  }
  return grant;
}

Expected<std::string, Failure> put_file(const Grant& grant, const upload::LocalFile& file,
                                        upload::SentBytes& sent) {
  HttpRequest request;
  request.method = grant.method;
  request.url = grant.url;
  request.headers = grant.headers;
  request.body_file = file.path.string();
  request.body_file_size = file.size;
  request.on_progress = [&](std::uint64_t now, std::uint64_t) {
    sent.set(now);
    return !upload::interrupted();
  };
  auto response = s3client::perform(request);
  if (!response) {
    return Unexpected(
        upload::transport_failure("the upload to the storage server failed", response.error()));
  }
  if (response->status < 200 || response->status >= 300) {
    return Unexpected(upload::storage_failure(*response));
  }
  sent.set(file.size);
  return response->header("etag");
}

Expected<Uploaded, Failure> upload_single(const UploadOptions& o, const upload::LocalFile& file,
                                          upload::SentBytes& sent) {
  auto grant = upload::with_retries<Grant>(o.retries, [&] { return request_grant(o, file); });
  if (!grant) return Unexpected(std::move(grant).error());
  for (const auto& [h, value] : grant->headers) {
    if (text::lower(h) == "content-length" && value != std::to_string(file.size)) {
      return Unexpected(
          Failure{"the file changed size since the URL was requested", "", 0, false, false});
    }
  }
  auto etag =
      upload::with_retries<std::string>(o.retries, [&] { return put_file(*grant, file, sent); });
  if (!etag) return Unexpected(std::move(etag).error());
  return Uploaded{grant->key, *etag, 0, std::nullopt};
}

// ---- running the files -------------------------------------------------------------------

// One file of the command line, as the workers and the display share it.
struct Task {
  upload::LocalFile file;
  bool multipart = false;
  upload::SentBytes sent;
  int last_quarter = 0;  // off a terminal: the last quarter line printed (under console_mu_)
  // Under Runner::mu_:
  bool started = false;
  bool finished = false;
  std::optional<Expected<Uploaded, Failure>> result;
  // The display's own (main thread):
  bool reported = false;
};

int terminal_width() {
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) return ws.ws_col;
  return 80;
}

void print_json(const Task& task, const Expected<Uploaded, Failure>& r) {
  json::object out;
  out["file"] = task.file.path.string();
  out["ok"] = r.has_value();
  out["size"] = task.file.size;
  if (r) {
    out["key"] = r->key;
    out["etag"] = r->etag;
    out["seconds"] = r->seconds;
    if (r->multipart) {
      out["multipart"] = true;
      out["parts"] = r->multipart->parts;
      out["partSize"] = r->multipart->part_size;
      out["partsResumed"] = r->multipart->parts_resumed;
      out["partsSent"] = r->multipart->parts_sent;
    }
  } else {
    out["error"] = r.error().message;
    if (!r.error().code.empty()) out["code"] = r.error().code;
    if (r.error().status != 0) out["status"] = r.error().status;
  }
  std::cout << json::serialize(out) << '\n' << std::flush;
}

void print_line(const Task& task, const Uploaded& u) {
  const double size = static_cast<double>(task.file.size);
  std::cout << task.file.path.string() << " -> " << u.key << "  (" << format_bytes(size);
  if (u.seconds > 0) std::cout << ", " << format_bytes(size / u.seconds) << "/s";
  if (u.multipart) {
    std::cout << ", " << u.multipart->parts << " parts";
    if (u.multipart->parts_resumed > 0) {
      std::cout << ", " << u.multipart->parts_resumed << " already stored";
    }
  }
  std::cout << ")\n" << std::flush;
}

// The files, `jobs` at a time, on worker threads. The calling thread prints each result as
// it comes and redraws the bar every 100 ms; off a terminal the quarter lines are printed
// by the thread that moved the bytes, as each quarter is passed. Every write to the
// terminal holds console_mu_, so lines never interleave.
class Runner {
 public:
  Runner(const UploadOptions& o, std::vector<std::unique_ptr<Task>>& tasks, bool tty)
      : o_(o), tasks_(tasks), tty_(tty && !o.json) {
    if (o.json || tty_) return;
    for (auto& task : tasks_) {
      Task* t = task.get();
      t->sent.changed = [this, t](std::uint64_t now) { quarter_line(*t, now); };
    }
  }

  int run() {
    const std::size_t workers =
        std::min<std::size_t>(static_cast<std::size_t>(o_.jobs), tasks_.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < workers; ++i) threads.emplace_back([this] { work(); });
    int failures = 0;
    bool was_interrupted = false;
    for (;;) {
      std::vector<std::string> notices;
      std::vector<Task*> finished;
      bool all_done = true;
      {
        std::unique_lock lock(mu_);
        changed_.wait_for(lock, std::chrono::milliseconds(100));
        notices.swap(notices_);
        for (auto& task : tasks_) {
          if (task->finished && !task->reported) finished.push_back(task.get());
          all_done = all_done && (task->finished || (upload::interrupted() && !task->started));
        }
      }
      for (const std::string& n : notices) say(n);
      for (Task* task : finished) {
        task->reported = true;
        if (!report(*task)) {
          ++failures;
          was_interrupted = was_interrupted || cancelled(*task);
        }
      }
      if (all_done) break;
      draw();
    }
    for (std::thread& t : threads) t.join();
    clear();
    if (was_interrupted || upload::interrupted()) return kExitInterrupted;
    return failures == 0 ? kExitOk : kExitFailure;
  }

 private:
  void work() {
    for (;;) {
      Task* task = nullptr;
      {
        std::lock_guard lock(mu_);
        if (upload::interrupted()) return;
        for (auto& t : tasks_) {
          if (!t->started) {
            t->started = true;
            task = t.get();
            break;
          }
        }
      }
      if (!task) return;
      const auto started = Clock::now();
      auto result = send(*task);
      if (result) result->seconds = std::chrono::duration<double>(Clock::now() - started).count();
      std::lock_guard lock(mu_);
      task->result = std::move(result);
      task->finished = true;
      changed_.notify_all();
    }
  }

  Expected<Uploaded, Failure> send(Task& task) {
    if (!task.multipart) return upload_single(o_, task.file, task.sent);
    upload::MultipartSettings settings{o_.api, o_.folder, o_.parallel, o_.retries, o_.resume};
    auto r = upload::upload_multipart(settings, task.file, task.sent, [&](const std::string& n) {
      std::lock_guard lock(mu_);
      notices_.push_back(task.file.path.string() + ": " + n);
      changed_.notify_all();
    });
    if (!r) return Unexpected(std::move(r).error());
    return Uploaded{r->key, r->etag, 0, std::move(*r)};
  }

  static bool cancelled(const Task& task) {
    return task.result && !*task.result && task.result->error().cancelled;
  }

  // Prints a finished file's result; false when it did not arrive.
  bool report(const Task& task) {
    std::lock_guard console(console_mu_);
    const auto& r = *task.result;
    if (r && tty_ && !whole_run()) {
      bar(task.file.path.filename().string(), task.file.size, task.file.size);  // its 100%
    }
    clear();
    if (o_.json) print_json(task, r);
    if (!r) {
      std::cerr << "upgate upload: " << task.file.path.string() << ": "
                << (r.error().cancelled ? "interrupted" : r.error().message) << '\n';
      return false;
    }
    if (!o_.json) print_line(task, *r);
    return true;
  }

  void say(const std::string& line) {
    std::lock_guard console(console_mu_);
    clear();
    std::cerr << "upgate upload: " << line << '\n' << std::flush;
  }

  void quarter_line(Task& task, std::uint64_t sent) {
    if (task.file.size == 0) return;
    const int quarter = static_cast<int>(sent * 4 / task.file.size);
    std::lock_guard console(console_mu_);
    if (quarter > task.last_quarter && quarter < 4) {
      task.last_quarter = quarter;
      std::cerr << task.file.path.filename().string() << ": " << quarter * 25 << "% ("
                << format_bytes(static_cast<double>(sent)) << " of "
                << format_bytes(static_cast<double>(task.file.size)) << ")\n";
    }
  }

  // With -j and several files, one bar for the whole run.
  bool whole_run() const { return o_.jobs > 1 && tasks_.size() > 1; }

  // The bar on a terminal: the file being sent, or the whole run.
  void draw() {
    if (!tty_) return;
    std::string name;
    std::uint64_t sent = 0;
    std::uint64_t total = 0;
    if (whole_run()) {
      std::size_t done = 0;
      for (auto& task : tasks_) {
        sent += task->sent.load();
        total += task->file.size;
        done += task->reported ? 1 : 0;
      }
      name = std::to_string(done) + "/" + std::to_string(tasks_.size()) + " files";
    } else {
      const Task* current = nullptr;
      for (auto& task : tasks_) {
        if (!task->reported && task->sent.load() > 0) {
          current = task.get();
          break;
        }
      }
      if (!current) return;
      if (current != shown_) meter_ = RateMeter();
      shown_ = current;
      name = current->file.path.filename().string();
      sent = current->sent.load();
      total = current->file.size;
    }
    std::lock_guard console(console_mu_);
    bar(name, sent, total);
  }

  void bar(const std::string& name, std::uint64_t sent, std::uint64_t total) {
    meter_.sample(sent, Clock::now());
    std::cerr << '\r'
              << render_progress_line(name, sent, total, meter_.bytes_per_second(),
                                      terminal_width() - 1)
              << "\x1b[K" << std::flush;
    drawn_ = true;
  }

  void clear() {
    if (drawn_) std::cerr << "\r\x1b[K" << std::flush;
    drawn_ = false;
  }

  const UploadOptions& o_;
  std::vector<std::unique_ptr<Task>>& tasks_;
  bool tty_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::string> notices_;
  std::mutex console_mu_;
  // The bar's (main thread only).
  const Task* shown_ = nullptr;
  RateMeter meter_;
  bool drawn_ = false;
};

// ---- the command -------------------------------------------------------------------------

int run_upload(UploadOptions& o) {
  if (o.api.empty()) {
    const char* env = std::getenv("UPGATE_API");
    o.api = env && *env ? env : "http://127.0.0.1:8080";
  }
  if (!o.api.starts_with("http://") && !o.api.starts_with("https://")) {
    std::cerr << "upgate upload: --api must be an http:// or https:// URL, not '" << o.api << "'\n";
    return kExitUsage;
  }
  const auto threshold = config::parse_byte_size(o.multipart_threshold);
  if (!threshold || *threshold == 0) {
    std::cerr << "upgate upload: --multipart-threshold must be a size such as 64MiB, not '"
              << o.multipart_threshold << "'\n";
    return kExitUsage;
  }
  std::vector<std::unique_ptr<Task>> tasks;
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
    auto task = std::make_unique<Task>();
    upload::LocalFile& file = task->file;
    file.path = f;
    file.absolute = std::filesystem::absolute(file.path).lexically_normal();
    file.name = file.path.filename().string();
    file.content_type = o.content_type.empty() ? guess_content_type(file.path) : o.content_type;
    file.size = static_cast<std::uint64_t>(st.st_size);
    file.mtime_ns =
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    task->multipart = file.size >= std::min(*threshold, kMaxSinglePut + 1);
    tasks.push_back(std::move(task));
  }

  s3client::http_client_global_init();
  upload::install_interrupt_handlers();
  Runner runner(o, tasks, ::isatty(STDERR_FILENO) == 1);
  return runner.run();
}

constexpr const char* kUploadHelp =
    "Upload files the way the browser does: a presigned PUT straight to object storage for\n"
    "each file (POST /api/s3/getPresignedUrl, the seed's contract), or for a file of at least\n"
    "--multipart-threshold (and always above 5 GiB) a multipart upload through\n"
    "/v1/multipart: the API chooses the part size, signs each part, and checks the parts\n"
    "before it completes; --parallel parts go up at once.\n"
    "\n"
    "--resume keeps a multipart upload's state (its upload token, a credential, and the\n"
    "parts done) in $XDG_STATE_HOME/upgate or ~/.local/state/upgate, mode 0600, so that after\n"
    "an interruption (Ctrl-C, kill, a lost network) the same command continues: only the\n"
    "parts the store does not hold are sent. A saved upload the API no longer accepts is\n"
    "started over, with a notice. Without --resume an upload that fails is aborted.\n"
    "\n"
    "Prints 'FILE -> KEY (size, speed[, parts])' per file on stdout as each finishes, or\n"
    "with --json one object per line: {\"file\",\"ok\",\"size\",\"key\",\"etag\",\"seconds\"}\n"
    "(multipart adds \"multipart\":true,\"parts\",\"partSize\",\"partsResumed\",\"partsSent\")\n"
    "or {\"file\",\"ok\":false,\"error\",\"code\",\"status\"}. Progress goes to stderr: a bar\n"
    "on a terminal (over all files with -j), a line per quarter of a file otherwise. Network\n"
    "errors and 5xx answers are retried with backoff, per request and per part.\n"
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
  cmd->add_option("--multipart-threshold", options->multipart_threshold,
                  "files of at least this size go up in parts (default 64MiB; the part size "
                  "is the API's, at least 16 MiB)");
  cmd->add_option("--parallel", options->parallel, "parts of one file sent at once (default 4)")
      ->check(CLI::Range(1, 32));
  cmd->add_option("-j,--jobs", options->jobs, "files sent at once (default 1)")
      ->check(CLI::Range(1, 16));
  cmd->add_flag("--resume", options->resume,
                "keep a multipart upload's state, and continue a saved one");
  cmd->add_option("--retries", options->retries,
                  "retries after a network error or 5xx, per request and per part (default 3)")
      ->check(CLI::Range(0, 10));
  cmd->add_flag("--json", options->json, "one JSON object per file on stdout");
  cmd->callback([options, &exit_code] { exit_code = run_upload(*options); });
}

}  // namespace upgate::cli
