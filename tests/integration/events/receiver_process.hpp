// The test webhook receiver (receiver.mjs, node) as a child process of a test: started on
// a free loopback port, asked what it received, stopped by PID. Shared by the events
// integration suites.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "upgate/s3client/http_transport.hpp"

namespace upgate::events::test_receiver {

using namespace std::chrono_literals;

// The receiver knows only the old secret: the deliverer signs with both during a rotation.
inline constexpr const char* kOldSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
inline constexpr const char* kNewSecret = "whsec_b3qFkJumsbzH0t3o8/4JFB8qNUBLVmFsd4KNmKOuucQ=";

// Where CMake found them; the environment may point elsewhere.
inline std::string setting(const char* variable, const char* built_in) {
  const char* value = std::getenv(variable);
  return value != nullptr && *value != '\0' ? value : built_in;
}

inline bool eventually(const std::function<bool()>& condition, std::chrono::seconds limit = 60s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return condition();
}

class Receiver {
 public:
  ~Receiver() { kill(); }

  // Starts node on `port` (0: a free one) and waits for "listening N".
  void start(int port = 0) {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
    const std::string node = setting("UPGATE_NODE", UPGATE_NODE_PATH);
    const std::string script = setting("UPGATE_EVENTS_RECEIVER", UPGATE_EVENTS_RECEIVER_PATH);
    const std::string port_text = std::to_string(port);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      ::execl(node.c_str(), node.c_str(), script.c_str(), "--port", port_text.c_str(), "--secret",
              kOldSecret, static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    std::string line;
    char c = 0;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
    ::close(out[0]);
    if (!line.starts_with("listening ")) {
      kill();
      throw std::runtime_error("the receiver did not start: '" + line + "'");
    }
    port_ = std::stoi(line.substr(10));
  }

  void kill() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

  int port() const { return port_; }
  std::string records_url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/records";
  }
  std::string hooks_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hooks"; }

  boost::json::object received() const {
    s3client::HttpRequest request;
    request.url = "http://127.0.0.1:" + std::to_string(port_) + "/received";
    request.max_response_body = 16 * 1024 * 1024;
    auto answer = s3client::perform(request);
    if (!answer || answer->status != 200) return {};
    return boost::json::parse(answer->body).as_object();
  }

  std::vector<std::string> accepted_ids() const {
    std::vector<std::string> ids;
    const auto doc = received();
    if (!doc.contains("accepted")) return ids;
    for (const auto& a : doc.at("accepted").as_array()) {
      ids.emplace_back(a.at("id").as_string());
    }
    return ids;
  }

  void mode(const std::string& json) const {
    s3client::HttpRequest request;
    request.method = "POST";
    request.url = "http://127.0.0.1:" + std::to_string(port_) + "/mode";
    request.headers = {{"Content-Type", "application/json"}};
    request.body = json;
    auto answer = s3client::perform(request);
    if (!answer || answer->status != 200)
      throw std::runtime_error("cannot set the receiver's mode");
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace upgate::events::test_receiver
