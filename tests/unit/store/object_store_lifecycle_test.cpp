// Bucket lifecycle in the engine: the configuration kept in SQLite, and the passes that
// abort incomplete uploads and expire objects. Passes are run at a chosen `now` (days ahead)
// or with a one-millisecond day: no test sleeps for a day.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "object_store_fixture.hpp"
#include "store/lifecycle_sweeper.hpp"
#include "store/object_store.hpp"

namespace upgate::store {
namespace {
using namespace testing;  // test_support.hpp
using namespace std::chrono_literals;
using Rule = s3::LifecycleRule;

class LifecycleTest : public ObjectStoreFixture {
 protected:
  LifecycleTest() {
    options.sync_commits = false;
    options.on_change = [this](const ObjectChange& change) {
      std::lock_guard lock(changes_mutex);
      if (change.kind == ObjectChange::Kind::kRemoved) {
        removals.push_back(change.event_name + " " + change.key);
      }
    };
  }

  static s3::LifecycleConfiguration rules(std::vector<Rule> list) {
    return s3::LifecycleConfiguration{std::move(list)};
  }
  static Rule expire(std::string prefix, std::int64_t days, bool enabled = true) {
    return Rule{"", enabled, Rule::PrefixForm::kFilterPrefix, std::move(prefix), days, {}};
  }
  static Rule abort_after(std::string prefix, std::int64_t days) {
    return Rule{"", true, Rule::PrefixForm::kFilterPrefix, std::move(prefix), {}, days};
  }

  void configure(std::vector<Rule> list) {
    auto put = store->put_bucket_lifecycle("bucket", rules(std::move(list)));
    ASSERT_TRUE(put) << put.error().message;
  }

  LifecycleSweepReport pass(std::chrono::hours ahead) {
    auto report = store->apply_lifecycle(now_ms() + ahead, s3::LifecycleDay{});
    EXPECT_TRUE(report) << report.error().message;
    return report ? *report : LifecycleSweepReport{};
  }

  std::string start_upload(std::string key, std::string_view part_data) {
    auto created = store->create_multipart_upload({.bucket = "bucket", .key = key});
    EXPECT_TRUE(created) << created.error().message;
    auto part =
        store->upload_part("bucket", key, created->upload_id, 1, blob(part_data, {}, kMaxPartSize));
    EXPECT_TRUE(part) << part.error().message;
    return created->upload_id;
  }

  bool exists(std::string_view key) { return store->head_object("bucket", key).has_value(); }

  std::mutex changes_mutex;
  std::vector<std::string> removals;  // what the store's listener was told
};

TEST_F(LifecycleTest, ConfigurationIsKeptNamedAndDroppedWithTheBucket) {
  auto none = store->get_bucket_lifecycle("bucket");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, StoreErrc::kNoSuchLifecycleConfiguration);

  Rule named = abort_after("tmp/", 3);
  named.id = "uploads";
  configure({named, expire("logs/", 30)});
  open();  // durable across a restart
  auto got = store->get_bucket_lifecycle("bucket");
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_EQ(got->rules.size(), 2u);
  EXPECT_EQ(got->rules[0], named);
  EXPECT_FALSE(got->rules[1].id.empty());  // assigned, as S3 does
  EXPECT_EQ(got->rules[1].expiration_days, 30);

  ASSERT_TRUE(store->delete_bucket_lifecycle("bucket"));
  EXPECT_FALSE(store->get_bucket_lifecycle("bucket"));
  ASSERT_TRUE(store->delete_bucket_lifecycle("bucket"));  // deleting none succeeds, as S3

  EXPECT_EQ(store->put_bucket_lifecycle("missing", rules({expire("", 1)})).error().code,
            StoreErrc::kNoSuchBucket);
  EXPECT_EQ(store->get_bucket_lifecycle("missing").error().code, StoreErrc::kNoSuchBucket);

  configure({expire("", 1)});
  ASSERT_TRUE(store->delete_bucket("bucket"));
  ASSERT_TRUE(store->create_bucket({"bucket"}));
  EXPECT_EQ(store->get_bucket_lifecycle("bucket").error().code,
            StoreErrc::kNoSuchLifecycleConfiguration);
}

TEST_F(LifecycleTest, AbortsIncompleteUploadsOnceDueAndRemovesTheirParts) {
  const std::string stale = start_upload("tmp/stale", "part bytes");
  const std::string other = start_upload("keep/other", "other bytes");
  configure({abort_after("tmp/", 1)});
  ASSERT_EQ(blob_files(), 2u);

  EXPECT_EQ(pass(0h).uploads_aborted, 0u);  // not due yet
  const auto report = pass(49h);            // two days on: due whatever the hour of creation
  EXPECT_EQ(report.buckets, 1u);
  EXPECT_EQ(report.uploads_aborted, 1u);
  EXPECT_EQ(report.blobs_removed, 1u);
  EXPECT_EQ(store->find_multipart_upload("bucket", "tmp/stale", stale).error().code,
            StoreErrc::kNoSuchUpload);
  EXPECT_TRUE(store->find_multipart_upload("bucket", "keep/other", other));
  EXPECT_EQ(blob_files(), 1u);
}

TEST_F(LifecycleTest, ExpiresObjectsUnderThePrefixOnly) {
  ASSERT_TRUE(put("tmp/a", "a"));
  ASSERT_TRUE(put("tmp/b", "b"));
  ASSERT_TRUE(put("keep/c", "c"));
  configure({expire("tmp/", 1)});

  EXPECT_EQ(pass(0h).objects_expired, 0u);
  const auto report = pass(49h);
  EXPECT_EQ(report.objects_expired, 2u);
  EXPECT_FALSE(exists("tmp/a"));
  EXPECT_FALSE(exists("tmp/b"));
  EXPECT_TRUE(exists("keep/c"));
  EXPECT_EQ(get("keep/c"), "c");
  EXPECT_EQ(blob_files(), 1u);
  // The listener hears them as S3 names a lifecycle deletion.
  EXPECT_EQ(removals, (std::vector<std::string>{"LifecycleExpiration:Delete tmp/a",
                                                "LifecycleExpiration:Delete tmp/b"}));
}

TEST_F(LifecycleTest, DisabledRulesAndDeletedConfigurationsDoNothing) {
  ASSERT_TRUE(put("a", "a"));
  const std::string upload = start_upload("b", "b");
  configure({expire("", 1, false)});
  auto report = pass(24h * 400);
  EXPECT_EQ(report.objects_expired + report.uploads_aborted, 0u);
  configure({expire("", 1), abort_after("", 1)});
  ASSERT_TRUE(store->delete_bucket_lifecycle("bucket"));
  report = pass(24h * 400);
  EXPECT_EQ(report.buckets, 0u);
  EXPECT_TRUE(exists("a"));
  EXPECT_TRUE(store->find_multipart_upload("bucket", "b", upload));
}

TEST_F(LifecycleTest, TheShorterOfTwoMatchingRulesWins) {
  ASSERT_TRUE(put("logs/x", "x"));
  configure({expire("", 30), expire("logs/", 1)});
  EXPECT_EQ(pass(49h).objects_expired, 1u);
}

TEST_F(LifecycleTest, AnExpiredCopyKeepsTheBlobItShares) {
  ASSERT_TRUE(put("tmp/original", "shared bytes"));
  CopyObjectRequest copy{.source_bucket = "bucket",
                         .source_key = "tmp/original",
                         .bucket = "bucket",
                         .key = "keep/copy"};
  ASSERT_TRUE(store->copy_object(copy));
  configure({expire("tmp/", 1)});
  const auto report = pass(49h);
  EXPECT_EQ(report.objects_expired, 1u);
  EXPECT_EQ(report.blobs_removed, 0u);
  EXPECT_EQ(get("keep/copy"), "shared bytes");
  EXPECT_EQ(blob_files(), 1u);
}

TEST_F(LifecycleTest, ManyBatchesInOnePass) {
  // More than one batch (256) of each.
  for (int i = 0; i < 260; ++i) ASSERT_TRUE(put("tmp/" + std::to_string(i), "x"));
  for (int i = 0; i < 260; ++i) start_upload("tmp/u" + std::to_string(i), "p");
  ASSERT_TRUE(put("keep", "k"));
  configure({expire("tmp/", 1), abort_after("tmp/", 1)});
  const auto report = pass(49h);
  EXPECT_EQ(report.objects_expired, 260u);
  EXPECT_EQ(report.uploads_aborted, 260u);
  EXPECT_EQ(blob_files(), 1u);
  EXPECT_TRUE(exists("keep"));
}

TEST_F(LifecycleTest, AStopRequestEndsThePassBetweenBatches) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(put("tmp/" + std::to_string(i), "x"));
  configure({expire("tmp/", 1)});
  std::stop_source stop;
  stop.request_stop();
  auto report = store->apply_lifecycle(now_ms() + 49h, s3::LifecycleDay{}, stop.get_token());
  ASSERT_TRUE(report);
  EXPECT_EQ(report->objects_expired, 0u);
  EXPECT_TRUE(exists("tmp/0"));
}

TEST_F(LifecycleTest, TheSweeperAppliesRulesInTheBackground) {
  const std::string upload = start_upload("tmp/stale", "part bytes");
  ASSERT_TRUE(put("tmp/old", "old"));
  ASSERT_TRUE(put("keep/new", "new"));
  configure({expire("tmp/", 1), abort_after("tmp/", 1)});

  std::mutex mutex;
  std::condition_variable done;
  LifecycleSweepReport total;
  std::string error;
  {
    LifecycleSweeper sweeper(
        *store, {.interval = 5ms,
                 .day = s3::LifecycleDay{1ms},  // a day of one millisecond
                 .on_pass = [&](const Expected<LifecycleSweepReport, StoreError>& pass) {
                   std::lock_guard lock(mutex);
                   if (!pass) {
                     error = pass.error().message;
                   } else {
                     total.objects_expired += pass->objects_expired;
                     total.uploads_aborted += pass->uploads_aborted;
                   }
                   done.notify_all();
                 }});
    std::unique_lock lock(mutex);
    done.wait(lock, [&] {
      return !error.empty() || (total.objects_expired > 0 && total.uploads_aborted > 0);
    });
  }  // the destructor stops and joins the thread
  EXPECT_EQ(error, "");
  EXPECT_EQ(total.objects_expired, 1u);
  EXPECT_EQ(total.uploads_aborted, 1u);
  EXPECT_FALSE(exists("tmp/old"));
  EXPECT_TRUE(exists("keep/new"));
  EXPECT_FALSE(store->find_multipart_upload("bucket", "tmp/stale", upload));
}

}  // namespace
}  // namespace upgate::store
