#include "upgate/config/refreshing_credentials.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <deque>
#include <fstream>
#include <thread>
#include <variant>

#include "support/aws_files_fixture.hpp"

namespace upgate::config {
namespace {

using namespace std::chrono;

const sys_seconds kRefreshNow = sys_days{year{2025} / 6 / 1} + hours(12);

AwsCredentials credentials(const std::string& id, std::optional<sys_seconds> expiration) {
  AwsCredentials c;
  c.credentials.access_key_id = id;
  c.credentials.secret_access_key = sigv4::SecretKey("secret-of-" + id);
  c.expiration = expiration;
  c.source = "scripted";
  return c;
}

// A source that answers from a script and records when it was asked. Refresh policy is
// what these tests examine; the real sources have tests of their own, and the last tests
// here run the real chain.
class ScriptedProvider final : public CredentialsProvider {
 public:
  using Answer = std::variant<AwsCredentials, ConfigError>;
  std::deque<Answer> answers;
  std::vector<sys_seconds> asked;

  Expected<AwsCredentials, ConfigError> resolve(sys_seconds now, std::stop_token) override {
    asked.push_back(now);
    if (answers.empty()) return Unexpected(ConfigError{"scripted", "no answer left"});
    Answer next = std::move(answers.front());
    answers.pop_front();
    if (auto* error = std::get_if<ConfigError>(&next)) return Unexpected(std::move(*error));
    return std::get<AwsCredentials>(std::move(next));
  }
  std::vector<std::string> watched_files() const override { return {}; }
};

class Refreshing : public ::testing::Test {
 protected:
  sys_seconds now = kRefreshNow;
  std::shared_ptr<ScriptedProvider> provider = std::make_shared<ScriptedProvider>();
  std::vector<CredentialsEvent> events;

  std::unique_ptr<RefreshingCredentials> make(AwsCredentials initial) {
    return std::make_unique<RefreshingCredentials>(
        provider, std::move(initial), [this] { return now; }, RefreshTiming{},
        [this](const CredentialsEvent& e) { events.push_back(e); });
  }
};

TEST(RefreshWindow, HalfTheLifetimeBetweenOneAndFifteenMinutes) {
  const RefreshTiming t;
  EXPECT_EQ(refresh_window(hours(12), t), minutes(15));
  EXPECT_EQ(refresh_window(hours(1), t), minutes(15));
  EXPECT_EQ(refresh_window(minutes(15), t), seconds(450));
  EXPECT_EQ(refresh_window(seconds(150), t), seconds(75));
  EXPECT_EQ(refresh_window(seconds(75), t), seconds(60));
  EXPECT_EQ(refresh_window(seconds(40), t), seconds(60));
}

TEST_F(Refreshing, LongTermCredentialsWithoutFilesNeverRefresh) {
  auto r = make(credentials("AKIDSTATIC", std::nullopt));
  EXPECT_EQ(r->step(), sys_seconds::max());
  now += hours(24 * 365);
  EXPECT_EQ(r->step(), sys_seconds::max());
  EXPECT_TRUE(provider->asked.empty());
  EXPECT_TRUE(r->usable(now));
}

TEST_F(Refreshing, RefreshesOnceTheWindowIsReachedAndNotBefore) {
  auto r = make(credentials("ASIAONE", kRefreshNow + hours(1)));
  provider->answers.push_back(credentials("ASIATWO", kRefreshNow + minutes(45) + hours(1)));
  EXPECT_EQ(r->step(), kRefreshNow + minutes(45));
  now = kRefreshNow + minutes(45) - seconds(1);
  EXPECT_EQ(r->step(), kRefreshNow + minutes(45));
  EXPECT_TRUE(provider->asked.empty());

  const auto before = r->current();
  now = kRefreshNow + minutes(45);
  EXPECT_EQ(r->step(), kRefreshNow + minutes(90));  // the new credentials' own window
  ASSERT_EQ(provider->asked.size(), 1u);
  EXPECT_EQ(r->current()->credentials.access_key_id, "ASIATWO");
  // A request still holding the old snapshot signs with it, intact.
  EXPECT_EQ(before->credentials.access_key_id, "ASIAONE");
  EXPECT_EQ(before->credentials.secret_access_key.reveal(), "secret-of-ASIAONE");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, CredentialsEvent::Kind::refreshed);
  EXPECT_EQ(events[0].reason, "expiring");
  EXPECT_EQ(events[0].access_key_id, "ASIATWO");
  EXPECT_EQ(events[0].expiration, kRefreshNow + minutes(45) + hours(1));
}

TEST_F(Refreshing, AFailedRefreshKeepsTheOldCredentialsAndBacksOff) {
  const sys_seconds expiry = kRefreshNow + minutes(10);  // window: 5 min
  auto r = make(credentials("ASIAOLD", expiry));
  for (int i = 0; i < 7; ++i) provider->answers.push_back(ConfigError{"f", "process failed"});
  provider->answers.push_back(credentials("ASIANEW", kRefreshNow + hours(1)));

  now = kRefreshNow + minutes(5);
  const seconds expected_retries[] = {seconds(2),  seconds(4),  seconds(8), seconds(16),
                                      seconds(30), seconds(30), seconds(30)};
  for (const seconds retry : expected_retries) {
    const auto attempts = provider->asked.size();
    const sys_seconds next = r->step();
    ASSERT_EQ(provider->asked.size(), attempts + 1);
    EXPECT_EQ(next, now + retry);
    EXPECT_EQ(events.back().kind, CredentialsEvent::Kind::refresh_failed);
    EXPECT_EQ(events.back().retry_in, retry);
    EXPECT_EQ(events.back().error, "f: process failed");
    EXPECT_EQ(events.back().current_expiration, expiry);
    EXPECT_EQ(r->current()->credentials.access_key_id, "ASIAOLD");
    // No attempt before the retry is due.
    now = next - seconds(1);
    r->step();
    EXPECT_EQ(provider->asked.size(), attempts + 1);
    now = next;
  }
  // 5 min + 2+4+8+16+30+30+30 s = 7 min: still usable (3 min left).
  EXPECT_TRUE(r->usable(now));
  EXPECT_TRUE(r->usable(expiry - seconds(30)));
  EXPECT_FALSE(r->usable(expiry - seconds(29)));
  EXPECT_FALSE(r->usable(expiry + seconds(1)));

  r->step();
  EXPECT_EQ(r->current()->credentials.access_key_id, "ASIANEW");
  EXPECT_TRUE(r->usable(expiry + seconds(1)));
}

TEST_F(Refreshing, UnusableOnceLessThanAUsefulUrlLifetimeRemains) {
  auto r = make(credentials("ASIA", kRefreshNow + seconds(100)));
  EXPECT_TRUE(r->usable(kRefreshNow + seconds(70)));
  EXPECT_FALSE(r->usable(kRefreshNow + seconds(71)));
  auto invalid = make(AwsCredentials{});
  EXPECT_FALSE(invalid->usable(kRefreshNow));
}

TEST_F(Refreshing, ShortLivedCredentialsRefreshAtMostEveryFiveSeconds) {
  auto r = make(credentials("ASIA0", kRefreshNow + seconds(40)));  // shorter than the 60 s window
  for (int i = 1; i <= 3; ++i) {
    provider->answers.push_back(credentials("ASIA" + std::to_string(i), now + seconds(40 + i)));
  }
  EXPECT_EQ(r->step(), kRefreshNow + seconds(5));
  EXPECT_EQ(r->current()->credentials.access_key_id, "ASIA1");
  now = kRefreshNow + seconds(4);
  r->step();
  EXPECT_EQ(provider->asked.size(), 1u);
  now = kRefreshNow + seconds(5);
  r->step();
  EXPECT_EQ(provider->asked.size(), 2u);
}

TEST_F(Refreshing, TheSameSessionAgainIsNoRefresh) {
  // A source whose cache has not renewed yet hands out what it handed out before.
  auto r = make(credentials("ASIACACHED", kRefreshNow + hours(1)));
  provider->answers.push_back(credentials("ASIACACHED", kRefreshNow + hours(1)));
  provider->answers.push_back(credentials("ASIARENEWED", kRefreshNow + hours(2)));
  now = kRefreshNow + minutes(45);
  EXPECT_EQ(r->step(), now + seconds(2));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, CredentialsEvent::Kind::refresh_failed);
  EXPECT_EQ(events[0].error,
            "scripted: handed out credentials expiring no later than the current ones "
            "(2025-06-01T13:00:00.000Z)");
  now += seconds(2);
  r->step();
  EXPECT_EQ(r->current()->credentials.access_key_id, "ASIARENEWED");
  EXPECT_EQ(events.back().kind, CredentialsEvent::Kind::refreshed);
}

TEST(RefreshingFixed, TheEnvironmentsKeysAreNeverAskedForAgain) {
  auto chain = std::make_shared<DefaultCredentialsChain>(
      Environment::from({{"AWS_ACCESS_KEY_ID", "ASIAENV"},
                         {"AWS_SECRET_ACCESS_KEY", "s"},
                         {"AWS_CREDENTIAL_EXPIRATION", "2025-06-01T13:00:00Z"}}),
      "");
  ASSERT_TRUE(chain->fixed());
  auto initial = chain->resolve(kRefreshNow);
  ASSERT_TRUE(initial) << initial.error().describe();
  sys_seconds now = kRefreshNow + minutes(59);  // deep inside the window
  std::vector<CredentialsEvent> events;
  RefreshingCredentials r(
      chain, std::move(*initial), [&] { return now; }, RefreshTiming{},
      [&](const CredentialsEvent& e) { events.push_back(e); });
  EXPECT_EQ(r.step(), sys_seconds::max());
  EXPECT_TRUE(events.empty());
  EXPECT_TRUE(r.usable(now));
  now += seconds(31);
  EXPECT_EQ(r.step(), sys_seconds::max());
  EXPECT_FALSE(r.usable(now));  // 29 s left, and nothing new will come
}

TEST_F(Refreshing, ReadersAlwaysSeeACompleteSnapshotWhileItIsSwapped) {
  auto r = make(credentials("ASIA0", kRefreshNow + seconds(40)));
  constexpr int kSwaps = 2000;
  for (int i = 1; i <= kSwaps; ++i) {
    provider->answers.push_back(
        credentials("ASIA" + std::to_string(i), kRefreshNow + seconds(5) * i + seconds(40)));
  }
  std::atomic<bool> done{false};
  std::atomic<long> torn{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      while (!done.load()) {
        const auto snapshot = r->current();
        if (snapshot->credentials.secret_access_key.reveal() !=
            "secret-of-" + snapshot->credentials.access_key_id) {
          torn.fetch_add(1);
        }
      }
    });
  }
  for (int i = 0; i < kSwaps; ++i) {
    r->step();
    now += seconds(5);
  }
  done.store(true);
  for (auto& t : readers) t.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(r->current()->credentials.access_key_id, "ASIA" + std::to_string(kSwaps));
}

// The real chain: a rotated shared credentials file is picked up.
class RefreshingFromFiles : public upgate::testing::AwsFilesFixture {
 protected:
  Environment env() { return AwsFilesFixture::env({{"AWS_PROFILE", "signer"}}); }
  void write_keys(const std::string& id, const std::string& secret) {
    dir.write("credentials",
              "[signer]\naws_access_key_id = " + id + "\naws_secret_access_key = " + secret + "\n");
  }
  sys_seconds now = kRefreshNow;
  std::vector<CredentialsEvent> events;
};

TEST_F(RefreshingFromFiles, ARotatedCredentialsFileIsPickedUp) {
  write_keys("AKIDFIRST", "first-secret");
  auto chain = std::make_shared<DefaultCredentialsChain>(env(), "");
  auto initial = chain->resolve(now);
  ASSERT_TRUE(initial) << initial.error().describe();
  RefreshingCredentials r(
      chain, std::move(*initial), [this] { return now; }, RefreshTiming{},
      [this](const CredentialsEvent& e) { events.push_back(e); });

  EXPECT_EQ(r.step(), now + seconds(10));  // the next file check
  EXPECT_TRUE(events.empty());

  write_keys("AKIDSECOND", "second-secret-longer");
  now += seconds(10);
  r.step();
  EXPECT_EQ(r.current()->credentials.access_key_id, "AKIDSECOND");
  EXPECT_EQ(r.current()->credentials.secret_access_key.reveal(), "second-secret-longer");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].reason, "files changed");
  EXPECT_EQ(events[0].source, "profile signer");

  // A half-written file: keep signing with what works, say why, try again.
  dir.write("credentials", "[signer]\naws_access_key_id = AKIDTHIRD\n");
  now += seconds(10);
  r.step();
  EXPECT_EQ(r.current()->credentials.access_key_id, "AKIDSECOND");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, CredentialsEvent::Kind::refresh_failed);
  EXPECT_NE(events[1].error.find("only one of"), std::string::npos) << events[1].error;

  write_keys("AKIDTHIRD", "third-secret-is-even-longer");
  now += seconds(10);
  r.step();
  EXPECT_EQ(r.current()->credentials.access_key_id, "AKIDTHIRD");
  for (const auto& e : events) {
    for (const std::string& field : {e.access_key_id, e.source, e.error}) {
      for (const char* secret : {"first-secret", "second-secret", "third-secret"}) {
        EXPECT_EQ(field.find(secret), std::string::npos) << field;
      }
    }
  }
}

TEST_F(RefreshingFromFiles, StoppingKillsARunningCredentialProcess) {
  // First run: credentials until 2099. Any later run hangs, recording its pid.
  const std::string script =
      dir.write("creds.sh",
                "#!/bin/sh\n"
                "if [ -e \"$0.ran\" ]; then echo $$ > \"$0.pid\"; exec sleep 60; fi\n"
                "touch \"$0.ran\"\n"
                "echo '{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC\", \"SecretAccessKey\": \"s\", "
                "\"Expiration\": \"2099-01-01T00:00:00Z\"}'\n");
  ::chmod(script.c_str(), 0700);
  dir.write("config", "[profile signer]\ncredential_process = " + script + "\n");
  auto chain = std::make_shared<DefaultCredentialsChain>(env(), "");
  auto initial = chain->resolve(now);
  ASSERT_TRUE(initial) << initial.error().describe();
  RefreshingCredentials r(chain, std::move(*initial), [this] { return now; });
  now = sys_days{year{2098} / 12 / 31} + hours(23) + minutes(50);  // inside the window

  r.start();
  pid_t pid = 0;
  for (int i = 0; i < 2000 && !(std::ifstream(script + ".pid") >> pid); ++i) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_GT(pid, 0) << "the refresh never ran the process";
  r.stop();
  EXPECT_NE(::kill(pid, 0), 0);  // killed and reaped
  EXPECT_EQ(r.current()->credentials.access_key_id, "ASIAPROC");
}

}  // namespace
}  // namespace upgate::config
