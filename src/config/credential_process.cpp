// Running a credential_process and reading what it prints.
#include "upgate/config/credential_process.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "upgate/sigv4/amz_time.hpp"

extern char** environ;

namespace upgate::config {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

Unexpected<std::string> error(std::string message) {
  return Unexpected(std::move(message));
}

void wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string describe_timeout(std::chrono::milliseconds timeout) {
  if (timeout.count() % 1000 == 0) return std::to_string(timeout.count() / 1000) + " s";
  return std::to_string(timeout.count()) + " ms";
}

// The program's name for messages: its first word, bounded; arguments may hold secrets.
std::string program_name(const std::vector<std::string>& argv) {
  std::string name = argv.empty() ? std::string() : argv.front().substr(0, 256);
  for (char& c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  }
  return name;
}

void reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

// The child leads a process group of its own, so this ends whatever it started too.
void kill_and_reap(pid_t pid) {
  ::kill(-pid, SIGKILL);
  reap(pid);
}

// A string member of the output: nullopt when absent or null; an error when another type.
Expected<std::optional<std::string_view>, std::string> optional_string(const json::object& o,
                                                                       std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return std::optional<std::string_view>();
  if (!v->is_string()) return error("output's " + std::string(name) + " is not a string");
  const json::string& s = v->get_string();
  return std::optional<std::string_view>(std::string_view(s.data(), s.size()));
}

Expected<std::string_view, std::string> required_string(const json::object& o,
                                                        std::string_view name) {
  auto v = optional_string(o, name);
  if (!v) return Unexpected(std::move(v).error());
  if (!*v || (*v)->empty()) return error("output has no " + std::string(name));
  return **v;
}

// Overwrites every string in the parsed output before it is freed: one of them is a secret.
void wipe_strings(json::value& v) {
  if (v.is_string()) {
    json::string& s = v.get_string();
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  } else if (v.is_object()) {
    for (auto& member : v.get_object()) wipe_strings(member.value());
  } else if (v.is_array()) {
    for (auto& element : v.get_array()) wipe_strings(element);
  }
}

Expected<AwsCredentials, std::string> read_output(const json::object& o,
                                                  std::chrono::sys_seconds now,
                                                  std::string source) {
  const json::value* version = o.if_contains("Version");
  if (version == nullptr) return error("output has no Version (it must be 1)");
  if (!version->is_int64() && !version->is_uint64()) {
    return error("output's Version is not the number 1");
  }
  if (!(version->is_int64() && version->get_int64() == 1) &&
      !(version->is_uint64() && version->get_uint64() == 1)) {
    const std::string shown = version->is_int64() ? std::to_string(version->get_int64())
                                                  : std::to_string(version->get_uint64());
    return error("output's Version is " + shown + "; upgate reads Version 1 only");
  }
  auto key = required_string(o, "AccessKeyId");
  if (!key) return Unexpected(std::move(key).error());
  auto secret = required_string(o, "SecretAccessKey");
  if (!secret) return Unexpected(std::move(secret).error());
  auto token = optional_string(o, "SessionToken");
  if (!token) return Unexpected(std::move(token).error());
  auto expiration_text = optional_string(o, "Expiration");
  if (!expiration_text) return Unexpected(std::move(expiration_text).error());

  AwsCredentials out;
  out.credentials.access_key_id = std::string(*key);
  out.credentials.secret_access_key = sigv4::SecretKey(std::string(*secret));
  if (*token) out.credentials.session_token = std::string(**token);
  out.source = std::move(source);
  auto checked = check_credentials(out.credentials, "output's AccessKeyId",
                                   "output's SecretAccessKey", "output's SessionToken");
  if (!checked) return error(checked.error().describe());
  if (*expiration_text) {
    const auto expiration = parse_credentials_expiration(**expiration_text);
    if (!expiration) {
      return error("output's Expiration is not an RFC 3339 time such as 2024-05-26T12:34:56Z");
    }
    if (*expiration <= now) {
      return error("output holds credentials that expired at " +
                   sigv4::format_iso8601(*expiration));
    }
    out.expiration = *expiration;
  }
  return out;
}

}  // namespace

Expected<std::vector<std::string>, std::string> split_command_line(std::string_view command) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < command.size(); ++i) {
    const char c = command[i];
    if (quote == '\'') {
      if (c == '\'') {
        quote = 0;
      } else {
        word += c;
      }
    } else if (quote == '"') {
      if (c == '"') {
        quote = 0;
      } else if (c == '\\' && i + 1 < command.size() &&
                 (command[i + 1] == '"' || command[i + 1] == '\\')) {
        word += command[++i];
      } else {
        word += c;
      }
    } else if (blank(c)) {
      if (in_word) {
        if (words.size() == kMaxCredentialProcessWords) {
          return error("has more than " + std::to_string(kMaxCredentialProcessWords) + " words");
        }
        words.push_back(std::move(word));
        word.clear();
        in_word = false;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\') {
      if (i + 1 == command.size()) return error("ends with a backslash");
      word += command[++i];
      in_word = true;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote != 0) return error("has an unclosed quote");
  if (in_word) {
    if (words.size() == kMaxCredentialProcessWords) {
      return error("has more than " + std::to_string(kMaxCredentialProcessWords) + " words");
    }
    words.push_back(std::move(word));
  }
  if (words.empty()) return error("is empty");
  return words;
}

Expected<AwsCredentials, std::string> parse_credential_process_output(std::string_view output,
                                                                      std::chrono::sys_seconds now,
                                                                      std::string source) {
  if (output.size() > kMaxCredentialProcessOutput) {
    return error("output is larger than " + std::to_string(kMaxCredentialProcessOutput) + " bytes");
  }
  json::parse_options options;
  options.max_depth = 8;
  boost::system::error_code ec;
  json::value value = json::parse(output, ec, {}, options);
  if (ec) return error("output is not JSON");
  if (!value.is_object()) {
    wipe_strings(value);
    return error("output is not a JSON object");
  }
  auto out = read_output(value.get_object(), now, std::move(source));
  wipe_strings(value);
  return out;
}

Expected<std::string, std::string> run_credential_process(const std::vector<std::string>& argv,
                                                          const CredentialProcessLimits& limits,
                                                          std::stop_token stop) {
  if (argv.empty()) return error("no program to run");
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return error(std::string("cannot create a pipe: ") + std::strerror(errno));
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  // Sockets and files of upgate's own (the listening socket) stay out of the child.
  posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  // Ignored signals survive exec; a server ignores SIGPIPE, the child must not.
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGCHLD);
  posix_spawnattr_setsigdefault(&attributes, &defaults);

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(pipe_fds[1]);
  if (spawned != 0) {
    ::close(pipe_fds[0]);
    return error("cannot run " + program_name(argv) + ": " + std::strerror(spawned));
  }

  const auto deadline = Clock::now() + limits.timeout;
  const std::string too_slow =
      program_name(argv) + " did not finish within " + describe_timeout(limits.timeout);
  std::string output;
  auto abandon = [&](std::string why) {
    ::close(pipe_fds[0]);
    kill_and_reap(pid);
    wipe(output);
    return error(std::move(why));
  };

  char buffer[4096];
  for (;;) {
    if (stop.stop_requested()) return abandon(program_name(argv) + " was stopped (shutdown)");
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return abandon(too_slow);
    pollfd p{pipe_fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 100)));
    if (ready < 0 && errno != EINTR) {
      return abandon(std::string("cannot read its output: ") + std::strerror(errno));
    }
    if (ready <= 0) continue;
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return abandon(std::string("cannot read its output: ") + std::strerror(errno));
    }
    if (n == 0) break;
    if (output.size() + static_cast<std::size_t>(n) > limits.max_output_bytes) {
      OPENSSL_cleanse(buffer, sizeof buffer);
      return abandon(program_name(argv) + " wrote more than " +
                     std::to_string(limits.max_output_bytes) + " bytes on stdout");
    }
    output.append(buffer, static_cast<std::size_t>(n));
  }
  OPENSSL_cleanse(buffer, sizeof buffer);
  ::close(pipe_fds[0]);

  // Its stdout is closed; it may still be running (or have handed stdout to a child).
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      wipe(output);
      return error(std::string("cannot wait for ") + program_name(argv) + ": " +
                   std::strerror(errno));
    }
    if (stop.stop_requested() || Clock::now() >= deadline) {
      kill_and_reap(pid);
      wipe(output);
      return error(stop.stop_requested() ? program_name(argv) + " was stopped (shutdown)"
                                         : too_slow);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (WIFSIGNALED(status)) {
    wipe(output);
    return error(program_name(argv) + " was killed by signal " + std::to_string(WTERMSIG(status)));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    wipe(output);
    return error(program_name(argv) + " exited with status " +
                 std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                 " (its stderr, if any, is upgate's stderr)");
  }
  return output;
}

Expected<AwsCredentials, ConfigError> credentials_from_process(
    std::string_view command, std::chrono::sys_seconds now, const std::string& field,
    std::string source, const CredentialProcessLimits& limits, std::stop_token stop) {
  auto words = split_command_line(command);
  if (!words) return Unexpected(ConfigError{field, "the command line " + words.error()});
  auto output = run_credential_process(*words, limits, std::move(stop));
  if (!output) return Unexpected(ConfigError{field, std::move(output).error()});
  auto parsed = parse_credential_process_output(*output, now, std::move(source));
  wipe(*output);
  if (!parsed) {
    return Unexpected(ConfigError{field, program_name(*words) + ": " + parsed.error()});
  }
  return std::move(*parsed);
}

}  // namespace upgate::config
