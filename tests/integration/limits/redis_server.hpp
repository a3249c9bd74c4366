// A real redis-server for a test: started on a free loopback port (or only a unix socket)
// in its own temp dir, with no persistence, and stopped by PID.
//
// Redis 7 cannot listen on port 0 and report the port it got, so a free port is found by
// binding an ephemeral one and closing it; if another process takes it before Redis does,
// Redis exits with "Address already in use" and the start is retried on a new port.
// kill() and pause() are the failures the limiter must survive; restart() brings the
// server back on the same port (its data gone, as after a crash without persistence).
#pragma once

#include "support/temp_dir.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace upgate::testing {

struct RedisServerOptions {
  bool tcp = true;  // listen on 127.0.0.1 (else only on the unix socket)
  bool unix_socket = false;
  std::vector<std::string> extra_arguments;  // e.g. {"--requirepass", "pw"}
};

class RedisServer {
 public:
  using Options = RedisServerOptions;

  explicit RedisServer(Options options = {}) : options_(std::move(options)) {
    socket_path_ = dir_.path().string() + "/redis.sock";
    for (int attempt = 0; attempt < 8; ++attempt) {
      if (options_.tcp) port_ = free_port();
      if (start()) return;
    }
    throw std::runtime_error("redis-server did not start: " + log());
  }

  ~RedisServer() { stop(SIGTERM); }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::uint16_t port() const { return port_; }
  const std::string& socket_path() const { return socket_path_; }
  pid_t pid() const { return pid_; }
  std::string url(const std::string& userinfo = "", int db = 0) const {
    if (!options_.tcp) return "unix://" + userinfo + socket_path_ + "?db=" + std::to_string(db);
    return "redis://" + userinfo + "127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db);
  }

  // SIGKILL, as a crash: connections are reset, nothing is saved.
  void kill() { stop(SIGKILL); }
  // Frozen: connections stay open and nothing answers.
  void pause() { ::kill(pid_, SIGSTOP); }
  void resume() { ::kill(pid_, SIGCONT); }
  // Starts again on the same port or socket.
  void restart() {
    for (int attempt = 0; attempt < 50; ++attempt) {
      if (start()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("redis-server did not restart: " + log());
  }

  std::string log() const {
    std::ifstream in(dir_.path().string() + "/redis.log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  static std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      if (fd >= 0) ::close(fd);
      throw std::runtime_error("no free port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
  }

  bool start() {
    std::vector<std::string> args = {"redis-server",
                                     "--port",
                                     std::to_string(options_.tcp ? port_ : 0),
                                     "--bind",
                                     "127.0.0.1",
                                     "--save",
                                     "",
                                     "--appendonly",
                                     "no",
                                     "--dir",
                                     dir_.path().string(),
                                     "--logfile",
                                     dir_.path().string() + "/redis.log",
                                     "--daemonize",
                                     "no"};
    if (options_.unix_socket || !options_.tcp) {
      args.insert(args.end(), {"--unixsocket", socket_path_, "--unixsocketperm", "700"});
    }
    args.insert(args.end(), options_.extra_arguments.begin(), options_.extra_arguments.end());
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    const int spawned =
        posix_spawnp(&pid_, "redis-server", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) throw std::runtime_error("cannot run redis-server");
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < give_up) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;  // exited: most likely the port was taken
      }
      if (answers_ping()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop(SIGKILL);
    return false;
  }

  // Any reply to PING ("+PONG", or "-NOAUTH" when a password is required) means it is up.
  bool answers_ping() const {
    int fd = -1;
    if (options_.tcp) {
      fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      address.sin_port = htons(port_);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return false;
      }
    } else {
      fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
      sockaddr_un address{};
      address.sun_family = AF_UNIX;
      socket_path_.copy(address.sun_path, sizeof address.sun_path - 1);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return false;
      }
    }
    timeval timeout{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    const char ping[] = "PING\r\n";
    char reply[64] = {};
    const bool ok = ::write(fd, ping, sizeof ping - 1) == sizeof ping - 1 &&
                    ::read(fd, reply, sizeof reply) > 0 && (reply[0] == '+' || reply[0] == '-');
    ::close(fd);
    return ok;
  }

  void stop(int signal) {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGCONT);  // a paused server cannot act on SIGTERM
    ::kill(pid_, signal);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > give_up) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
  }

  Options options_;
  TempDir dir_;
  std::string socket_path_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace upgate::testing
