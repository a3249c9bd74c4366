// Multipart uploads for `upgate upload`: create (or resume), parts in parallel, complete.
#include "upload_multipart.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "upload_state.hpp"

namespace upgate::cli::upload {
namespace {

namespace json = boost::json;

// S3's limits on a multipart upload, to refuse an answer no store would accept.
constexpr std::uint32_t kMaxParts = 10000;
constexpr std::uint64_t kMinPartSize = 5ull << 20;

// The API's layout for one upload, and the token every later call presents.
struct Layout {
  std::string token;
  std::string key;
  std::uint64_t size = 0;
  std::uint64_t part_size = 0;
  std::uint32_t part_count = 0;

  std::uint64_t offset(std::uint32_t part) const { return (part - 1) * part_size; }
  std::uint64_t length(std::uint32_t part) const {
    return part < part_count ? part_size : size - offset(part);
  }
  bool valid() const {
    return !token.empty() && part_count >= 1 && part_count <= kMaxParts &&
           (part_count == 1 || part_size >= kMinPartSize) && (part_count - 1) * part_size < size &&
           size <= part_count * part_size;
  }
};

json::object token_body(const Layout& layout) {
  json::object body;
  body["uploadToken"] = layout.token;
  return body;
}

Expected<Layout, Failure> create_upload(const MultipartSettings& s, const LocalFile& file) {
  json::object body;
  body["folderName"] = s.folder;
  body["fileName"] = file.name;
  body["contentType"] = file.content_type;
  body["size"] = file.size;
  auto answer = post_api(s.api, "/v1/multipart", body);
  if (!answer) return Unexpected(std::move(answer).error());
  Layout layout;
  layout.token = string_field(*answer, "uploadToken");
  layout.key = string_field(*answer, "key");
  layout.size = file.size;
  layout.part_size = uint_field(*answer, "partSize");
  layout.part_count = static_cast<std::uint32_t>(
      std::min<std::uint64_t>(uint_field(*answer, "partCount"), kMaxParts + 1));
  if (!layout.valid() || uint_field(*answer, "size") != file.size) {
    return Unexpected(
        Failure{"the upload API's multipart answer has no usable upload token or "
                "part layout",
                "", 0, false, false});
  }
  return layout;
}

// Part number -> size, of the parts the store holds.
Expected<std::vector<std::pair<std::uint32_t, std::uint64_t>>, Failure> list_parts(
    const MultipartSettings& s, const Layout& layout) {
  auto answer = post_api(s.api, "/v1/multipart/list", token_body(layout));
  if (!answer) return Unexpected(std::move(answer).error());
  std::vector<std::pair<std::uint32_t, std::uint64_t>> parts;
  if (const json::value* list = answer->if_contains("parts"); list && list->is_array()) {
    for (const json::value& p : list->as_array()) {
      if (!p.is_object()) continue;
      const std::uint64_t n = uint_field(p.as_object(), "partNumber");
      if (n >= 1 && n <= layout.part_count) {
        parts.emplace_back(static_cast<std::uint32_t>(n), uint_field(p.as_object(), "size"));
      }
    }
  }
  return parts;
}

void abort_upload(const MultipartSettings& s, const Layout& layout) {
  (void)post_api(s.api, "/v1/multipart/abort", token_body(layout));  // best effort
}

// A presigned PUT for one part.
struct SignedPart {
  std::string url;
  std::string method = "PUT";
  std::vector<std::pair<std::string, std::string>> headers;
};

Expected<SignedPart, Failure> sign_part(const MultipartSettings& s, const Layout& layout,
                                        std::uint32_t part) {
  json::object body = token_body(layout);
  body["partNumbers"] = json::array{part};
  auto answer = post_api(s.api, "/v1/multipart/sign", body);
  if (!answer) return Unexpected(std::move(answer).error());
  const json::value* parts = answer->if_contains("parts");
  if (parts && parts->is_array()) {
    for (const json::value& p : parts->as_array()) {
      if (!p.is_object() || uint_field(p.as_object(), "partNumber") != part) continue;
      SignedPart signed_part;
      signed_part.url = string_field(p.as_object(), "url");
      if (const std::string m = string_field(p.as_object(), "method"); !m.empty()) {
        signed_part.method = m;
      }
      if (const json::value* h = p.as_object().if_contains("headers"); h && h->is_object()) {
        for (const auto& [name, value] : h->as_object()) {
          if (value.is_string()) {
            signed_part.headers.emplace_back(std::string(name), std::string(value.as_string()));
          }
        }
      }
      if (!signed_part.url.empty()) return signed_part;
    }
  }
  return Unexpected(Failure{"the upload API signed no URL for part " + std::to_string(part), "", 0,
                            false, false});
}

// S3 says "Request has expired"; Ceph RGW says AccessDenied with no message. Either way a
// fresh URL is worth one more try (a part signed just now that is refused again is final).
bool url_expired(const Failure& f) {
  return f.status == 403 &&
         (f.message.find("Request has expired") != std::string::npos || f.code == "AccessDenied");
}

// Sends the parts of `pending` with `parallel` threads; stops all at the first failure
// that retries do not get past, or at Ctrl-C.
class PartSender {
 public:
  PartSender(const MultipartSettings& s, const LocalFile& file, const Layout& layout,
             SentBytes& sent, std::function<void(std::uint32_t)> on_done)
      : s_(s), file_(file), layout_(layout), sent_(sent), on_done_(std::move(on_done)) {}

  Expected<void, Failure> run(std::deque<std::uint32_t> pending) {
    pending_ = std::move(pending);
    const std::size_t threads =
        std::min<std::size_t>(static_cast<std::size_t>(std::max(1, s_.parallel)), pending_.size());
    std::vector<std::thread> workers;
    for (std::size_t i = 0; i < threads; ++i) workers.emplace_back([this] { work(); });
    for (std::thread& t : workers) t.join();
    if (failure_) return Unexpected(*failure_);
    if (interrupted()) return Unexpected(Failure{"interrupted", "", 0, false, true});
    return {};
  }

 private:
  void work() {
    for (;;) {
      std::uint32_t part = 0;
      {
        std::lock_guard lock(mu_);
        if (stop_.load() || pending_.empty()) return;
        part = pending_.front();
        pending_.pop_front();
      }
      auto result = with_retries<bool>(s_.retries, [&] { return send_part(part); });
      if (!result) {
        std::lock_guard lock(mu_);
        if (!failure_) {
          failure_ = std::move(result).error();
          if (!failure_->cancelled) {
            failure_->message = "part " + std::to_string(part) + ": " + failure_->message;
          }
        }
        stop_.store(true);
        return;
      }
      on_done_(part);
    }
  }

  // One attempt: sign, PUT; a URL the store calls expired is signed again once at once.
  Expected<bool, Failure> send_part(std::uint32_t part) {
    for (int signing = 0;; ++signing) {
      auto url = sign_part(s_, layout_, part);
      if (!url) return Unexpected(std::move(url).error());
      auto put = put_part(*url, part);
      if (put || signing > 0 || !url_expired(put.error())) return put;
    }
  }

  Expected<bool, Failure> put_part(const SignedPart& url, std::uint32_t part) {
    const std::uint64_t length = layout_.length(part);
    s3client::HttpRequest request;
    request.method = url.method;
    request.url = url.url;
    request.headers = url.headers;
    request.body_file = file_.path.string();
    request.body_file_offset = layout_.offset(part);
    request.body_file_size = length;
    std::uint64_t counted = 0;  // of this attempt, in sent_
    request.on_progress = [&](std::uint64_t now, std::uint64_t) {
      if (now > counted) {
        sent_.add(now - counted);
        counted = now;
      }
      return !stop_.load() && !interrupted();
    };
    auto response = s3client::perform(request);
    Expected<bool, Failure> result = true;
    if (!response) {
      result = Unexpected(
          transport_failure("the upload to the storage server failed", response.error()));
    } else if (response->status < 200 || response->status >= 300) {
      result = Unexpected(storage_failure(*response));
    }
    if (result) {
      sent_.add(length - std::min(counted, length));
    } else {
      sent_.subtract(counted);
    }
    return result;
  }

  const MultipartSettings& s_;
  const LocalFile& file_;
  const Layout& layout_;
  SentBytes& sent_;
  std::function<void(std::uint32_t)> on_done_;
  std::mutex mu_;
  std::deque<std::uint32_t> pending_;
  std::optional<Failure> failure_;
  std::atomic<bool> stop_{false};
};

// The saved upload when it can be resumed: its layout and the parts the store holds.
struct Resumed {
  Layout layout;
  std::set<std::uint32_t> stored;
};

// nullopt with `problem` set: the state cannot be used (said why); nullopt without: none.
Expected<std::optional<Resumed>, Failure> resume_saved(const MultipartSettings& s,
                                                       const LocalFile& file,
                                                       const ResumeStateFile& state_file,
                                                       std::string& problem) {
  auto saved = state_file.load(problem);
  if (!saved) return std::optional<Resumed>();
  Resumed r;
  r.layout.token = saved->upload_token;
  r.layout.key = saved->key;
  r.layout.size = file.size;
  r.layout.part_size = saved->part_size;
  r.layout.part_count = saved->part_count;
  if (!r.layout.valid()) {
    problem = "the saved part layout does not fit the file";
    return std::optional<Resumed>();
  }
  auto listed = with_retries<std::vector<std::pair<std::uint32_t, std::uint64_t>>>(
      s.retries, [&] { return list_parts(s, r.layout); });
  if (!listed) {
    // The API or the network is down: keep the state for a later run.
    if (listed.error().retryable || listed.error().cancelled || listed.error().status == 0) {
      return Unexpected(std::move(listed).error());
    }
    problem = listed.error().message;  // token refused, upload gone: never the token itself
    return std::optional<Resumed>();
  }
  for (const auto& [part, size] : *listed) {
    if (size == r.layout.length(part)) r.stored.insert(part);
  }
  return std::optional<Resumed>(std::move(r));
}

}  // namespace

Expected<MultipartResult, Failure> upload_multipart(
    const MultipartSettings& s, const LocalFile& file, SentBytes& sent,
    const std::function<void(const std::string&)>& notice) {
  std::optional<ResumeStateFile> state_file;
  std::optional<Resumed> resumed;
  if (s.resume) {
    auto opened = ResumeStateFile::open(
        UploadIdentity{file.absolute, file.size, file.mtime_ns, s.api, s.folder});
    if (!opened) return Unexpected(Failure{std::move(opened).error(), "", 0, false, false});
    state_file = std::move(*opened);
    std::string problem;
    auto found = resume_saved(s, file, *state_file, problem);
    if (!found) return Unexpected(std::move(found).error());
    resumed = std::move(*found);
    if (!resumed && !problem.empty()) {
      notice("the saved upload cannot be resumed (" + problem + "); starting over");
      state_file->remove();
    }
  }

  Layout layout;
  std::set<std::uint32_t> done;
  if (resumed) {
    layout = std::move(resumed->layout);
    done = std::move(resumed->stored);
    notice("resuming: " + std::to_string(done.size()) + " of " + std::to_string(layout.part_count) +
           " parts already stored");
  } else {
    auto created = with_retries<Layout>(s.retries, [&] { return create_upload(s, file); });
    if (!created) return Unexpected(std::move(created).error());
    layout = std::move(*created);
  }

  MultipartResult result;
  result.parts = layout.part_count;
  result.part_size = layout.part_size;
  result.parts_resumed = static_cast<std::uint32_t>(done.size());

  std::mutex state_mu;
  ResumeState state{layout.token, layout.key, layout.part_size, layout.part_count,
                    std::vector<std::uint32_t>(done.begin(), done.end())};
  std::optional<std::string> save_problem;
  auto save_state = [&] {
    if (!state_file) return;
    auto saved = state_file->save(state);
    if (!saved && !save_problem) save_problem = saved.error();
  };
  save_state();
  if (save_problem) {
    abort_upload(s, layout);
    return Unexpected(Failure{*save_problem, "", 0, false, false});
  }

  // Without --resume an upload that cannot finish is aborted; with it, it is kept.
  auto give_up = [&](Failure f) -> Expected<MultipartResult, Failure> {
    if (state_file) {
      if (!f.cancelled) f.message += " (the upload is kept: run the same command to resume it)";
    } else {
      abort_upload(s, layout);
    }
    return Unexpected(std::move(f));
  };

  std::deque<std::uint32_t> pending;
  std::uint64_t stored_bytes = 0;
  for (std::uint32_t part = 1; part <= layout.part_count; ++part) {
    if (done.contains(part)) {
      stored_bytes += layout.length(part);
    } else {
      pending.push_back(part);
    }
  }
  sent.set(stored_bytes);
  result.parts_sent = static_cast<std::uint32_t>(pending.size());

  PartSender sender(s, file, layout, sent, [&](std::uint32_t part) {
    std::lock_guard lock(state_mu);
    state.parts_done.insert(
        std::upper_bound(state.parts_done.begin(), state.parts_done.end(), part), part);
    save_state();
  });
  if (auto parts = sender.run(std::move(pending)); !parts) return give_up(parts.error());

  auto completed = with_retries<json::object>(
      s.retries, [&] { return post_api(s.api, "/v1/multipart/complete", token_body(layout)); });
  if (!completed) {
    // The store refused the bytes: the object is gone (quarantined or deleted), and so is
    // the upload, so there is nothing left to resume or abort.
    if (completed.error().status == 422) {
      if (state_file) state_file->remove();
      return Unexpected(std::move(completed).error());
    }
    return give_up(std::move(completed).error());
  }
  if (state_file) state_file->remove();
  result.key = string_field(*completed, "key");
  if (result.key.empty()) result.key = layout.key;
  result.etag = string_field(*completed, "etag");
  return result;
}

}  // namespace upgate::cli::upload
