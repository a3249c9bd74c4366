// What ObjectStore::open() does after a crash: a child process writes objects
// (plain, overwritten and multipart) from several threads and is SIGKILLed
// mid-stream; the reopened store must hold only whole objects with the right
// bytes, every acknowledged write, and no temp file or unreferenced blob.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "store/object_store.hpp"
#include "test_support.hpp"

namespace upgate::store {
namespace {
namespace fs = std::filesystem;
using namespace testing;  // test_support.hpp

std::set<std::string> files_under(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out.insert(e.path().filename().string());
  }
  return out;
}

// Content is a function of (key, version), so the parent can check any object it finds.
std::uint64_t seed_of(const std::string& key, int version) {
  return std::hash<std::string>{}(key)*31 + static_cast<std::uint64_t>(version);
}
std::size_t size_of(std::uint64_t seed) {
  return seed % 5 == 0 ? 0 : seed % (300 * 1024);
}

[[noreturn]] void child_fail(const char* what) {
  ::write(2, what, std::strlen(what));
  ::_exit(3);
}

// Runs in the child until killed. Acknowledges each finished write on `ack_fd`
// as one line "key version\n" (shorter than PIPE_BUF, so lines never interleave).
// Versions start at `version_base`, so they keep growing across rounds.
[[noreturn]] void write_forever(const fs::path& data, int ack_fd, int version_base) {
  auto opened = ObjectStore::open(data);
  if (!opened) child_fail("open failed\n");
  ObjectStore& store = **opened;
  (void)store.create_bucket({"crash"});
  auto ack = [&](const std::string& key, int version) {
    std::string line = key + " " + std::to_string(version) + "\n";
    if (::write(ack_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      child_fail("ack failed\n");
    }
  };
  auto store_bytes = [&](std::string_view bytes, std::uint64_t limit) {
    auto writer = store.begin_blob(ChecksumSet().with(ChecksumAlgorithm::kCrc32c), limit);
    if (!writer) child_fail("begin_blob failed\n");
    for (std::size_t at = 0; at < bytes.size(); at += 16384) {
      if (!writer->append(bytes_of(bytes.substr(at, 16384)))) child_fail("append failed\n");
    }
    auto blob = writer->commit();
    if (!blob) child_fail("commit failed\n");
    return std::move(*blob);
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0;; ++i) {
        // Thread 0 mostly overwrites a few hot keys; the others create new keys.
        std::string key = t == 0 ? "hot/" + std::to_string(i % 4)
                                 : "t" + std::to_string(t) + "/" + std::to_string(i);
        int version = version_base + i;
        std::uint64_t seed = seed_of(key, version);
        std::string content = pseudo_random_bytes(seed, size_of(seed));
        if (t == 2 && i % 7 == 3) {
          // A multipart object: a full-size first part and a small last part.
          CreateMultipartUploadRequest request{.bucket = "crash", .key = key};
          request.user_metadata = {{"version", std::to_string(version)}};
          auto upload = store.create_multipart_upload(request);
          if (!upload) child_fail("create upload failed\n");
          std::string first = pseudo_random_bytes(seed, kMinPartSize);
          content = first + content;
          auto p1 = store.upload_part("crash", key, upload->upload_id, 1,
                                      store_bytes(first, kMaxPartSize));
          auto p2 = store.upload_part("crash", key, upload->upload_id, 2,
                                      store_bytes(content.substr(first.size()), kMaxPartSize));
          if (!p1 || !p2) child_fail("upload part failed\n");
          if (!store.complete_multipart_upload("crash", key, upload->upload_id,
                                               {{1, p1->etag}, {2, p2->etag}})) {
            child_fail("complete failed\n");
          }
        } else {
          PutObjectRequest request{.bucket = "crash", .key = key};
          request.user_metadata = {{"version", std::to_string(version)}};
          if (!store.put_object(request, store_bytes(content, kMaxSinglePutSize))) {
            child_fail("put failed\n");
          }
        }
        ack(key, version);
      }
    });
  }
  for (auto& t : threads) t.join();
  ::_exit(0);
}

struct Acked {
  std::map<std::string, int> latest_version;
  std::size_t count = 0;
};

// Forks a writer, lets it acknowledge `acks_before_kill` writes, kills it with
// SIGKILL and returns what it acknowledged.
Acked run_and_kill(const fs::path& data, int version_base, std::size_t acks_before_kill,
                   int extra_delay_ms) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    write_forever(data, fds[1], version_base);
  }
  ::close(fds[1]);
  Acked acked;
  std::string pending;
  char buffer[4096];
  bool killed = false;
  for (;;) {
    ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n <= 0) break;  // EOF once the child is gone
    pending.append(buffer, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      auto space = line.rfind(' ');
      std::string key = line.substr(0, space);
      int version = std::stoi(line.substr(space + 1));
      auto& latest = acked.latest_version[key];
      latest = std::max(latest, version);
      ++acked.count;
    }
    if (!killed && acked.count >= acks_before_kill) {
      std::this_thread::sleep_for(std::chrono::milliseconds(extra_delay_ms));
      ::kill(pid, SIGKILL);
      killed = true;
    }
  }
  ::close(fds[0]);
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the writer stopped on its own (exit status " << WEXITSTATUS(status) << ")";
  return acked;
}

TEST(ObjectStoreRecovery, SigkillMidWriteLeavesOnlyWholeObjectsAndNoOrphans) {
  TempDir dir;
  std::map<std::string, int> acknowledged;
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    Acked acked = run_and_kill(dir.path(), 1000000 * round, 30 + 10 * round, 3 * round);
    ASSERT_GE(acked.count, 30u);
    for (auto& [key, version] : acked.latest_version) {
      acknowledged[key] = std::max(acknowledged[key], version);
    }

    auto opened = ObjectStore::open(dir.path());
    ASSERT_TRUE(opened) << opened.error().message;
    ObjectStore& store = **opened;
    EXPECT_TRUE(files_under(dir.path() / "tmp").empty()) << "temp files survived recovery";
    const auto& report = store.recovery_report();
    std::cout << "[ recovery ] round " << round << ": " << acked.count
              << " writes acknowledged before SIGKILL; removed " << report.temp_files_removed
              << " temp files and " << report.orphan_blobs_removed << " orphan blobs\n";

    // Every listed object is whole: its bytes are the ones written for its version.
    std::set<std::string> referenced_blobs;
    std::set<std::string> listed;
    ListObjectsRequest request{.bucket = "crash"};
    for (;;) {
      auto page = store.list_objects(request);
      ASSERT_TRUE(page) << page.error().message;
      for (const auto& summary : page->contents) {
        listed.insert(summary.key);
        auto object = store.get_object("crash", summary.key);
        ASSERT_TRUE(object) << summary.key << ": " << object.error().message;
        ASSERT_EQ(object->record.user_metadata.size(), 1u);
        int version = std::stoi(object->record.user_metadata[0].second);
        std::uint64_t seed = seed_of(summary.key, version);
        std::string expected = pseudo_random_bytes(seed, size_of(seed));
        if (object->record.parts_count > 0)
          expected = pseudo_random_bytes(seed, kMinPartSize) + expected;
        std::string actual = read_all(object->reader, 1 << 20);
        ASSERT_EQ(actual.size(), expected.size()) << summary.key;
        ASSERT_TRUE(actual == expected) << summary.key << " has the wrong bytes";
        if (object->record.parts_count == 0) {
          StreamingDigester md5;
          md5.update(bytes_of(actual));
          EXPECT_EQ(object->record.etag, md5.finish().md5_hex()) << summary.key;
        }
        for (const auto& segment : object->record.segments)
          referenced_blobs.insert(segment.blob.hex());
        // Acknowledged writes are durable: at least the acknowledged version is there.
        if (acknowledged.contains(summary.key)) {
          EXPECT_GE(version, acknowledged[summary.key]) << summary.key;
        }
      }
      if (!page->is_truncated) break;
      request.continuation_token = page->next_continuation_token;
    }
    for (const auto& [key, version] : acknowledged) {
      EXPECT_TRUE(listed.contains(key)) << "acknowledged " << key << " is missing";
    }
    // Uploads interrupted mid-way keep their committed parts, and nothing else remains.
    auto uploads = store.list_multipart_uploads({.bucket = "crash"});
    ASSERT_TRUE(uploads);
    for (const auto& upload : uploads->uploads) {
      auto parts = store.list_parts("crash", upload.key, upload.upload_id);
      ASSERT_TRUE(parts);
      for (const auto& part : parts->parts) referenced_blobs.insert(part.blob.hex());
    }
    EXPECT_EQ(files_under(dir.path() / "blobs"), referenced_blobs)
        << "blob files and referenced blobs differ";
  }
}

TEST(ObjectStoreRecovery, OpenRemovesTempFilesAndOrphanBlobsButKeepsObjects) {
  TempDir dir;
  BlobId kept;
  {
    auto store = ObjectStore::open(dir.path()).value();
    ASSERT_TRUE(store->create_bucket({"bkt"}));
    auto writer = store->begin_blob();
    ASSERT_TRUE(writer->append(bytes_of("keep me")));
    auto put = store->put_object({.bucket = "bkt", .key = "k"}, writer->commit().value());
    ASSERT_TRUE(put);
    kept = store->head_object("bkt", "k")->segments[0].blob;
  }
  // What a crash leaves: a half-written temp file and a blob whose row never committed.
  auto orphan = BlobId::random();
  std::ofstream(dir.path() / "tmp" / BlobId::random().hex()) << "half";
  std::ofstream(dir.path() / "blobs" / orphan.hex().substr(0, 2) / orphan.hex()) << "orphan!";

  auto store = ObjectStore::open(dir.path());
  ASSERT_TRUE(store) << store.error().message;
  const auto& report = (*store)->recovery_report();
  EXPECT_EQ(report.temp_files_removed, 1u);
  EXPECT_EQ(report.orphan_blobs_removed, 1u);
  EXPECT_EQ(report.orphan_bytes_removed, 7u);
  EXPECT_TRUE(files_under(dir.path() / "tmp").empty());
  EXPECT_EQ(files_under(dir.path() / "blobs"), std::set<std::string>{kept.hex()});
  auto object = (*store)->get_object("bkt", "k");
  ASSERT_TRUE(object);
  EXPECT_EQ(read_all(object->reader), "keep me");
}

TEST(ObjectStoreRecovery, RefusesToSweepBlobsWhenTheMetadataDatabaseIsGone) {
  TempDir dir;
  {
    auto store = ObjectStore::open(dir.path()).value();
    ASSERT_TRUE(store->create_bucket({"bkt"}));
    auto writer = store->begin_blob();
    ASSERT_TRUE(writer->append(bytes_of("precious")));
    ASSERT_TRUE(store->put_object({.bucket = "bkt", .key = "k"}, writer->commit().value()));
  }
  for (const char* f : {"metadata.db", "metadata.db-wal", "metadata.db-shm"}) {
    fs::remove(dir.path() / f);
  }
  auto reopened = ObjectStore::open(dir.path());
  ASSERT_FALSE(reopened);
  EXPECT_EQ(reopened.error().code, StoreErrc::kInternalError);
  EXPECT_EQ(files_under(dir.path() / "blobs").size(), 1u);  // the bytes are still there
}

}  // namespace
}  // namespace upgate::store
