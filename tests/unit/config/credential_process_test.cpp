#include "upgate/config/credential_process.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "support/aws_files_fixture.hpp"

namespace upgate::config {
namespace {

using namespace std::chrono;

const sys_seconds kProcessNow = sys_days{year{2025} / 6 / 1} + hours(12);
constexpr std::string_view kSecret = "ProcessSecretThatMustNotLeak/0123456789";

std::string output_with(std::string_view members) {
  return R"({"Version": 1, "AccessKeyId": "ASIAPROCESS", "SecretAccessKey": ")" +
         std::string(kSecret) + "\"" + std::string(members) + "}";
}

// The error for `output`, checked to name neither the secret nor any of the output.
std::string refusal(std::string_view output) {
  auto parsed = parse_credential_process_output(output, kProcessNow, "test");
  EXPECT_FALSE(parsed) << output;
  if (parsed) return {};
  EXPECT_EQ(parsed.error().find(kSecret), std::string::npos) << parsed.error();
  return parsed.error();
}

TEST(SplitCommandLine, SplitsLikeShlexOnPosix) {
  using Words = std::vector<std::string>;
  EXPECT_EQ(*split_command_line("/opt/bin/creds --user helen"),
            (Words{"/opt/bin/creds", "--user", "helen"}));
  EXPECT_EQ(*split_command_line("  \"/opt/my tools/creds\"\t--name \"a b\"  "),
            (Words{"/opt/my tools/creds", "--name", "a b"}));
  EXPECT_EQ(*split_command_line(R"(x 'it''s' "q\"uote" back\ slash "a\\b" "\n")"),
            (Words{"x", "its", "q\"uote", "back slash", "a\\b", "\\n"}));
  EXPECT_EQ(*split_command_line(R"(x "" '' a"b"'c')"), (Words{"x", "", "", "abc"}));
  // No shell: nothing is expanded.
  EXPECT_EQ(*split_command_line("echo $HOME ~ *;"), (Words{"echo", "$HOME", "~", "*;"}));
}

TEST(SplitCommandLine, RefusesWhatCannotBeSplit) {
  EXPECT_EQ(split_command_line("x \"open").error(), "has an unclosed quote");
  EXPECT_EQ(split_command_line("x 'open").error(), "has an unclosed quote");
  EXPECT_EQ(split_command_line("x \\").error(), "ends with a backslash");
  EXPECT_EQ(split_command_line(" \t ").error(), "is empty");
  std::string many = "x";
  for (std::size_t i = 0; i < kMaxCredentialProcessWords; ++i) many += " a";
  EXPECT_FALSE(split_command_line(many));
  EXPECT_TRUE(split_command_line(many.substr(0, many.size() - 2)));
}

TEST(CredentialProcessOutput, ReadsTheDocumentedShape) {
  auto parsed = parse_credential_process_output(
      output_with(R"(, "SessionToken": "FwoGZXIvYXdzEXAMPLE", "Expiration": "2025-06-01T13:00:00Z",
                  "AccountId": "123456789012", "Extra": {"nested": [1, 2]})"),
      kProcessNow, "profile p credential_process");
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->credentials.access_key_id, "ASIAPROCESS");
  EXPECT_EQ(parsed->credentials.secret_access_key.reveal(), kSecret);
  EXPECT_EQ(parsed->credentials.session_token, "FwoGZXIvYXdzEXAMPLE");
  EXPECT_EQ(parsed->expiration, kProcessNow + hours(1));
  EXPECT_EQ(parsed->source, "profile p credential_process");
}

TEST(CredentialProcessOutput, TokenAndExpirationAreOptional) {
  auto minimal = parse_credential_process_output(output_with(""), kProcessNow, "test");
  ASSERT_TRUE(minimal) << minimal.error();
  EXPECT_EQ(minimal->credentials.session_token, "");
  EXPECT_FALSE(minimal->expiration);
  auto nulls = parse_credential_process_output(
      "\n  " + output_with(R"(, "SessionToken": null, "Expiration": null)") + "\n", kProcessNow,
      "test");
  ASSERT_TRUE(nulls) << nulls.error();
  EXPECT_FALSE(nulls->expiration);
}

TEST(CredentialProcessOutput, RefusesHostileOutputWithoutQuotingIt) {
  EXPECT_EQ(refusal(""), "output is not JSON");
  EXPECT_EQ(refusal(output_with("") + "trailing"), "output is not JSON");
  EXPECT_EQ(refusal(R"({"Version": 1, "AccessKeyId": ")" + std::string(kSecret)),
            "output is not JSON");
  EXPECT_EQ(refusal("[1, 2]"), "output is not a JSON object");
  EXPECT_EQ(refusal(R"("just a string")"), "output is not a JSON object");
  EXPECT_EQ(refusal(R"({"AccessKeyId": "A", "SecretAccessKey": "B"})"),
            "output has no Version (it must be 1)");
  EXPECT_EQ(refusal(R"({"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "B"})"),
            "output's Version is 2; upgate reads Version 1 only");
  EXPECT_EQ(refusal(R"({"Version": "1", "AccessKeyId": "A", "SecretAccessKey": "B"})"),
            "output's Version is not the number 1");
  EXPECT_EQ(refusal(R"({"Version": 1.5, "AccessKeyId": "A", "SecretAccessKey": "B"})"),
            "output's Version is not the number 1");
  EXPECT_EQ(refusal(R"({"Version": 1, "SecretAccessKey": "B"})"), "output has no AccessKeyId");
  EXPECT_EQ(refusal(R"({"Version": 1, "AccessKeyId": "", "SecretAccessKey": "B"})"),
            "output has no AccessKeyId");
  EXPECT_EQ(refusal(R"({"Version": 1, "AccessKeyId": "A"})"), "output has no SecretAccessKey");
  EXPECT_EQ(refusal(R"({"Version": 1, "AccessKeyId": 7, "SecretAccessKey": "B"})"),
            "output's AccessKeyId is not a string");
  EXPECT_EQ(refusal(output_with(R"(, "SessionToken": 12)")),
            "output's SessionToken is not a string");
  EXPECT_EQ(refusal(output_with(R"(, "Expiration": "tomorrow")")),
            "output's Expiration is not an RFC 3339 time such as 2024-05-26T12:34:56Z");
  EXPECT_EQ(refusal(output_with(R"(, "Expiration": 1748779200)")),
            "output's Expiration is not a string");
}

TEST(CredentialProcessOutput, RefusesCredentialsThatCannotGoIntoAUrl) {
  const std::string spaced =
      R"({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "has space )" +
      std::string(kSecret) + "\"}";
  const std::string why = refusal(spaced);
  EXPECT_NE(why.find("SecretAccessKey"), std::string::npos) << why;
  EXPECT_NE(refusal(output_with(R"(, "SessionToken": "tab\there")")).find("SessionToken"),
            std::string::npos);
  const std::string long_key = R"({"Version": 1, "AccessKeyId": ")" + std::string(200, 'A') +
                               R"(", "SecretAccessKey": "B"})";
  EXPECT_NE(refusal(long_key).find("AccessKeyId"), std::string::npos);
}

TEST(CredentialProcessOutput, RefusesExpiredCredentials) {
  EXPECT_EQ(refusal(output_with(R"(, "Expiration": "2025-06-01T11:59:59Z")")),
            "output holds credentials that expired at 2025-06-01T11:59:59.000Z");
  EXPECT_EQ(refusal(output_with(R"(, "Expiration": "2025-06-01T12:00:00Z")")),
            "output holds credentials that expired at 2025-06-01T12:00:00.000Z");
  EXPECT_TRUE(parse_credential_process_output(
      output_with(R"(, "Expiration": "2025-06-01T12:00:01Z")"), kProcessNow, "test"));
}

TEST(CredentialProcessOutput, RefusesHugeAndDeepOutput) {
  std::string huge =
      output_with(R"(, "Padding": ")" + std::string(kMaxCredentialProcessOutput, 'x') + "\"");
  EXPECT_EQ(refusal(huge), "output is larger than 64000 bytes");
  std::string deep = output_with(R"(, "Deep": )" + std::string(100, '[') + std::string(100, ']'));
  EXPECT_EQ(refusal(deep), "output is not JSON");
}

// Whether `pid` is gone or a zombie (killed, waiting for init to reap it) within 10 s:
// SIGKILL is delivered asynchronously.
bool ends_up_dead(pid_t pid) {
  for (int i = 0; i < 1000; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_field, comm, state;
    if (!(stat >> pid_field >> comm >> state) || state == "Z") return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return false;
}

class CredentialProcessRun : public upgate::testing::AwsFilesFixture {};

TEST_F(CredentialProcessRun, ReturnsStdoutOfASuccessfulProgram) {
  const auto path = script("ok.sh", "printf '%s' \"$1-$2\"\n");
  auto out = run_credential_process({path, "a b", "c"}, {});
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(*out, "a b-c");
}

TEST_F(CredentialProcessRun, StdinIsEmptyAndOtherDescriptorsAreClosed) {
  // `cat` would wait for a terminal or a pipe the test runner holds; fd 3+ are closed.
  const auto path = script("fds.sh", "cat; ls /proc/self/fd | sort -n | tr '\\n' ' '\n");
  auto out = run_credential_process({path}, {});
  ASSERT_TRUE(out) << out.error();
  // 0, 1, 2, and the descriptor `ls` opened for /proc/self/fd.
  EXPECT_EQ(*out, "0 1 2 3 ");
}

TEST_F(CredentialProcessRun, FailuresSayWhatHappenedButNotTheArguments) {
  const auto failing = script("fail.sh", "echo 'SECRET-ON-STDOUT'; exit 3\n");
  auto out = run_credential_process({failing, "--password", "hunter2"}, {});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error(),
            failing + " exited with status 3 (its stderr, if any, is upgate's stderr)");

  const auto killed = script("kill.sh", "kill -TERM $$\n");
  out = run_credential_process({killed}, {});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error(), killed + " was killed by signal " + std::to_string(SIGTERM));

  out = run_credential_process({dir.file("missing"), "--password", "hunter2"}, {});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error(), "cannot run " + dir.file("missing: No such file or directory"));
}

TEST_F(CredentialProcessRun, FoundOnPath) {
  auto out = run_credential_process({"printf", "%s", "from-path"}, {});
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(*out, "from-path");
}

TEST_F(CredentialProcessRun, TimeoutKillsTheWholeProcessGroup) {
  // The script starts a child that would outlive it; both must be gone afterwards.
  const auto slow = script("slow.sh", "sleep 30 & echo $! > \"$0.child\"; wait\n");
  CredentialProcessLimits limits;
  limits.timeout = milliseconds(500);
  auto out = run_credential_process({slow}, limits);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error(), slow + " did not finish within 500 ms");
  std::ifstream child_file(slow + ".child");
  pid_t child = 0;
  ASSERT_TRUE(child_file >> child);
  EXPECT_TRUE(ends_up_dead(child));
}

TEST_F(CredentialProcessRun, OutputBeyondTheLimitIsRefused) {
  const auto chatty = script("chatty.sh", "head -c 100000 /dev/zero | tr '\\0' x\n");
  CredentialProcessLimits limits;
  limits.max_output_bytes = 1000;
  auto out = run_credential_process({chatty}, limits);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error(), chatty + " wrote more than 1000 bytes on stdout");
}

TEST_F(CredentialProcessRun, StopRequestKillsIt) {
  const auto slow = script("stop.sh", "echo $$ > \"$0.pid\"; exec sleep 30\n");
  std::stop_source stop;
  std::thread stopper([&] {
    // Stop once the script has started and written its pid: the shell creates the file
    // before `echo` fills it, and a stop between the two left an empty file (flaky under
    // load).
    for (int i = 0; i < 6000; ++i) {
      pid_t written = 0;
      if (std::ifstream(slow + ".pid") >> written && written > 0) break;
      std::this_thread::sleep_for(milliseconds(5));
    }
    stop.request_stop();
  });
  auto out = run_credential_process({slow}, {}, stop.get_token());
  stopper.join();
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error(), slow + " was stopped (shutdown)");
  pid_t pid = 0;
  std::ifstream(slow + ".pid") >> pid;
  ASSERT_GT(pid, 0);
  EXPECT_NE(::kill(pid, 0), 0);  // reaped: the pid is gone
}

TEST_F(CredentialProcessRun, CredentialsFromProcessNamesTheFieldAndTheProgramOnly) {
  const auto good =
      script("good.sh", "cat <<'EOF'\n" + output_with(R"(, "Expiration": "2099-01-01T00:00:00Z")") +
                            "\nEOF\n");
  auto ok =
      credentials_from_process("\"" + good + "\" --flag", kProcessNow,
                               "profile 'p' credential_process", "profile p credential_process");
  ASSERT_TRUE(ok) << ok.error().describe();
  EXPECT_EQ(ok->credentials.access_key_id, "ASIAPROCESS");
  EXPECT_EQ(ok->expiration, sys_days{year{2099} / 1 / 1});

  const auto bad = script("bad.sh", "echo '{\"Version\": 1, \"AccessKeyId\": \"A\"}'\n");
  auto refused = credentials_from_process(bad + " --token hunter2", kProcessNow,
                                          "profile 'p' credential_process", "x");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "profile 'p' credential_process");
  EXPECT_EQ(refused.error().message, bad + ": output has no SecretAccessKey");
  EXPECT_EQ(refused.error().describe().find("hunter2"), std::string::npos);

  auto unsplittable = credentials_from_process("x \"", kProcessNow, "f", "x");
  ASSERT_FALSE(unsplittable);
  EXPECT_EQ(unsplittable.error().message, "the command line has an unclosed quote");
}

}  // namespace
}  // namespace upgate::config
