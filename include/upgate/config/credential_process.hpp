// upgate::config credential_process: credentials from an external program, as the AWS
// CLI and SDKs run the `credential_process` setting of a shared-config profile.
//
// The command line is split into words the way botocore does on POSIX (shlex.split: words
// separated by blanks; '...' literal; "..." where only \" and \\ are escapes; a backslash
// outside quotes escapes the next character). No shell runs it: no variables, globs,
// pipes or `~`, as the AWS documentation asks of the setting. The program is found on
// PATH when it has no '/'.
//
// The program runs with the caller's environment, stdin on /dev/null and stderr shared
// with upgate's (the AWS documentation tells tools to keep secrets off stderr; upgate
// never copies it into its own logs or errors), in a process group of its own, with
// every other descriptor closed. It must exit 0 within the timeout (60 s, the AWS SDK for
// Go's default) and write at most 64,000 bytes (the AWS SDK for Java's limit) of JSON
// on stdout:
//   {"Version": 1, "AccessKeyId": "...", "SecretAccessKey": "...",
//    "SessionToken": "...", "Expiration": "2024-05-26T12:34:56Z"}
// Version must be the number 1; AccessKeyId and SecretAccessKey are required;
// SessionToken and Expiration are optional (null counts as absent); other members
// (AccountId) are ignored. Without Expiration the credentials are long-term; with one
// already past they are refused. On a timeout, too much output or a stop request the
// whole process group is killed with SIGKILL and reaped.
//
// Errors say what went wrong (exit status, signal, timeout, which member is missing or
// malformed) and name the program (the command's first word), never its arguments, its
// output or its stderr.
#pragma once

#include <chrono>
#include <cstddef>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "upgate/config/aws_credentials.hpp"
#include "upgate/expected.hpp"

namespace upgate::config {

inline constexpr std::size_t kMaxCredentialProcessOutput = 64'000;

struct CredentialProcessLimits {
  std::chrono::milliseconds timeout{60'000};
  std::size_t max_output_bytes = kMaxCredentialProcessOutput;
};

inline constexpr std::size_t kMaxCredentialProcessWords = 256;

// The words of a credential_process setting; an error for an unclosed quote, a trailing
// backslash, no words at all, or more than kMaxCredentialProcessWords.
Expected<std::vector<std::string>, std::string> split_command_line(std::string_view command);

// The program's stdout as credentials (`source` goes into the result). Rejects more than
// kMaxCredentialProcessOutput bytes, JSON nested deeper than 8, what is not the documented
// shape, and credentials whose Expiration is not after `now`.
Expected<AwsCredentials, std::string> parse_credential_process_output(std::string_view output,
                                                                      std::chrono::sys_seconds now,
                                                                      std::string source);

// Runs `argv` as described above and returns its stdout.
Expected<std::string, std::string> run_credential_process(const std::vector<std::string>& argv,
                                                          const CredentialProcessLimits& limits,
                                                          std::stop_token stop = {});

// split, run, parse: what a profile's credential_process yields at `now`. Errors are
// ConfigErrors whose field is `field` ("profile 'work' credential_process").
Expected<AwsCredentials, ConfigError> credentials_from_process(
    std::string_view command, std::chrono::sys_seconds now, const std::string& field,
    std::string source, const CredentialProcessLimits& limits = {}, std::stop_token stop = {});

}  // namespace upgate::config
