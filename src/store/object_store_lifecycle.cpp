// Bucket lifecycle: the configuration calls and the pass that applies the rules.
//
// A pass works bucket by bucket and rule prefix by rule prefix, in batches: a read
// transaction finds up to kBatch due entries, a write transaction removes them after
// checking again that each is still there, still due, and that the bucket's
// configuration is still the one the pass read; the blobs the commit left unreferenced
// are unlinked after it. Nothing is ever half-removed: an entry's row goes in one
// commit, and its blobs, should the process die before they are unlinked, are
// unreferenced and swept at the next open().
#include <sys/random.h>

#include <array>

#include "object_store.hpp"
#include "object_store_internal.hpp"
#include "upgate/s3/xml_requests.hpp"
#include "upgate/text.hpp"

namespace upgate::store {
using detail::no_such_bucket;
using Txn = MetadataDb::Txn;

namespace {

constexpr int kBatch = 256;

// S3 names a rule that came without an ID; so does the store, at random.
std::string make_rule_id() {
  std::array<std::uint8_t, 16> random;
  std::size_t got = 0;
  while (got < random.size()) {
    const ssize_t n = ::getrandom(random.data() + got, random.size() - got, 0);
    if (n > 0) got += static_cast<std::size_t>(n);
  }
  return text::hex_lower(random);
}

StoreError no_such_lifecycle() {
  return StoreError{StoreErrc::kNoSuchLifecycleConfiguration,
                    "The lifecycle configuration does not exist"};
}

s3::LifecycleTime to_lifecycle_time(Timestamp t) {
  return s3::LifecycleTime(t.time_since_epoch());
}

// Where a scan of one prefix resumes.
struct Cursor {
  std::string key;
  std::string upload_id;  // uploads only
  bool done = false;
};

// The document stored for `config`: every rule with an ID.
std::string stored_lifecycle_xml(s3::LifecycleConfiguration config) {
  for (auto& rule : config.rules) {
    if (rule.id.empty()) rule.id = make_rule_id();
  }
  return s3::lifecycle_to_xml(config);
}

}  // namespace

Expected<void, StoreError> ObjectStore::put_bucket_lifecycle(std::string_view name,
                                                             s3::LifecycleConfiguration config) {
  const std::string xml = stored_lifecycle_xml(std::move(config));
  return db_->write([&](Txn& txn) -> Expected<void, StoreError> {
    if (!txn.find_bucket(name)) return Unexpected(no_such_bucket());
    txn.put_bucket_lifecycle(name, xml);
    return {};
  });
}

Expected<bool, StoreError> ObjectStore::put_bucket_lifecycle_unless_set(
    std::string_view name, s3::LifecycleConfiguration config) {
  const std::string xml = stored_lifecycle_xml(std::move(config));
  return db_->write([&](Txn& txn) -> Expected<bool, StoreError> {
    if (!txn.find_bucket(name)) return Unexpected(no_such_bucket());
    if (txn.find_bucket_lifecycle(name)) return false;
    txn.put_bucket_lifecycle(name, xml);
    return true;
  });
}

Expected<s3::LifecycleConfiguration, StoreError> ObjectStore::get_bucket_lifecycle(
    std::string_view name) {
  auto xml = db_->read([&](Txn& txn) -> Expected<std::string, StoreError> {
    if (!txn.find_bucket(name)) return Unexpected(no_such_bucket());
    auto stored = txn.find_bucket_lifecycle(name);
    if (!stored) return Unexpected(no_such_lifecycle());
    return std::move(*stored);
  });
  if (!xml) return Unexpected(xml.error());
  auto parsed = s3::parse_lifecycle_configuration_xml(*xml);
  if (!parsed) {
    return Unexpected(StoreError{StoreErrc::kInternalError,
                                 "the stored lifecycle configuration of " + std::string(name) +
                                     " does not parse: " + parsed.error().reason});
  }
  return std::move(*parsed);
}

Expected<void, StoreError> ObjectStore::delete_bucket_lifecycle(std::string_view name) {
  return db_->write([&](Txn& txn) -> Expected<void, StoreError> {
    if (!txn.find_bucket(name)) return Unexpected(no_such_bucket());
    txn.delete_bucket_lifecycle(name);
    return {};
  });
}

Expected<std::optional<s3::LifecycleAbort>, StoreError> ObjectStore::upload_abort_rule(
    const UploadRecord& upload, s3::LifecycleDay day) {
  auto config = get_bucket_lifecycle(upload.bucket);
  if (!config) {
    if (config.error().code == StoreErrc::kNoSuchLifecycleConfiguration) {
      return std::optional<s3::LifecycleAbort>();
    }
    return Unexpected(config.error());
  }
  return s3::abort_rule(*config, upload.key, to_lifecycle_time(upload.initiated), day);
}

Expected<LifecycleSweepReport, StoreError> ObjectStore::apply_lifecycle(Timestamp now,
                                                                        s3::LifecycleDay day,
                                                                        std::stop_token stop) {
  const s3::LifecycleTime at = to_lifecycle_time(now);
  LifecycleSweepReport report;
  auto buckets = db_->read([](Txn& txn) -> Expected<std::vector<std::string>, StoreError> {
    return txn.buckets_with_lifecycle();
  });
  if (!buckets) return Unexpected(buckets.error());

  for (const std::string& bucket : *buckets) {
    auto xml = db_->read([&](Txn& txn) -> Expected<std::optional<std::string>, StoreError> {
      return txn.find_bucket_lifecycle(bucket);
    });
    if (!xml) return Unexpected(xml.error());
    if (!*xml) continue;  // deleted since the list was read
    auto config = s3::parse_lifecycle_configuration_xml(**xml);
    if (!config) {
      ++report.unreadable;
      continue;
    }
    ++report.buckets;
    // The write transactions act only while the configuration is the one read here.
    // Once it has changed, the rest of this bucket waits for the next pass.
    bool changed = false;
    auto unchanged = [&](Txn& txn) {
      changed = txn.find_bucket_lifecycle(bucket) != *xml;
      return !changed;
    };

    // The names due under each of `prefixes`, read in batches of at most kBatch by
    // scan(txn, cursor, end, names) (it moves the cursor past what it read and adds what is
    // due), each batch handed to act(names); until the configuration changes or a stop is
    // asked.
    const auto each_due_batch = [&](const std::vector<std::string>& prefixes, auto scan,
                                    auto act) -> Expected<void, StoreError> {
      for (const std::string& prefix : prefixes) {
        const auto end = detail::prefix_successor(prefix);
        Cursor cursor{prefix, "", false};
        while (!cursor.done && !changed && !stop.stop_requested()) {
          auto due = db_->read([&](Txn& txn) -> Expected<std::vector<std::string>, StoreError> {
            std::vector<std::string> names;
            scan(txn, cursor, end, names);
            if (static_cast<int>(names.size()) < kBatch) cursor.done = true;
            return names;
          });
          if (!due) return Unexpected(due.error());
          if (due->empty()) break;
          if (auto acted = act(*due); !acted) return acted;
        }
      }
      return {};
    };

    auto aborts = each_due_batch(
        s3::abort_prefixes(*config),
        [&](Txn& txn, Cursor& cursor, const auto& end, std::vector<std::string>& ids) {
          txn.for_each_upload(bucket, cursor.key, cursor.upload_id, end, [&](UploadRecord&& u) {
            cursor.key = u.key;
            cursor.upload_id = u.upload_id;
            const auto when = s3::abort_due(*config, u.key, to_lifecycle_time(u.initiated), day);
            if (when && *when <= at) ids.push_back(std::move(u.upload_id));
            return static_cast<int>(ids.size()) < kBatch;
          });
        },
        [&](const std::vector<std::string>& due) -> Expected<void, StoreError> {
          std::size_t aborted = 0;
          auto garbage = db_->write([&](Txn& txn) -> Expected<std::vector<BlobId>, StoreError> {
            aborted = 0;
            if (!unchanged(txn)) return std::vector<BlobId>{};
            std::vector<BlobId> dropped;
            for (const auto& id : due) {
              auto upload = txn.find_upload(id);
              if (!upload || upload->bucket != bucket) continue;  // completed or aborted since
              const auto when =
                  s3::abort_due(*config, upload->key, to_lifecycle_time(upload->initiated), day);
              if (!when || *when > at) continue;
              for (const auto& part : txn.list_parts(id, 0, kMaxPartNumber)) {
                dropped.push_back(part.blob);
              }
              txn.delete_upload(id);
              ++aborted;
            }
            return detail::unreferenced(txn, dropped);
          });
          if (!garbage) return Unexpected(garbage.error());
          unlink_blobs(*garbage);
          report.uploads_aborted += aborted;
          report.blobs_removed += garbage->size();
          return {};
        });
    if (!aborts) return Unexpected(aborts.error());

    auto expirations = each_due_batch(
        s3::expiration_prefixes(*config),
        [&](Txn& txn, Cursor& cursor, const auto& end, std::vector<std::string>& keys) {
          txn.for_each_object(bucket, KeyRange{cursor.key, end}, [&](ObjectSummary&& o) {
            cursor.key = detail::key_after(o.key);
            const auto when =
                s3::expiration_due(*config, o.key, to_lifecycle_time(o.last_modified), day);
            if (when && *when <= at) keys.push_back(std::move(o.key));
            return static_cast<int>(keys.size()) < kBatch;
          });
        },
        [&](const std::vector<std::string>& due) -> Expected<void, StoreError> {
          std::vector<std::pair<std::string, std::int64_t>> removed;
          auto garbage = db_->write([&](Txn& txn) -> Expected<std::vector<BlobId>, StoreError> {
            removed.clear();
            if (!unchanged(txn)) return std::vector<BlobId>{};
            std::vector<BlobId> dropped;
            for (const auto& key : due) {
              auto object = txn.find_object(bucket, key);
              if (!object) continue;  // deleted since
              const auto when =
                  s3::expiration_due(*config, key, to_lifecycle_time(object->last_modified), day);
              if (!when || *when > at) continue;  // overwritten since: a younger object stays
              txn.delete_object(object->generation);
              for (const auto& segment : object->segments) dropped.push_back(segment.blob);
              removed.emplace_back(key, object->generation);
            }
            return detail::unreferenced(txn, dropped);
          });
          if (!garbage) return Unexpected(garbage.error());
          unlink_blobs(*garbage);
          for (const auto& [key, generation] : removed) {
            publish_removed(bucket, key, generation,
                            "LifecycleExpiration:Delete");  // as S3 names it
          }
          report.objects_expired += removed.size();
          report.blobs_removed += garbage->size();
          return {};
        });
    if (!expirations) return Unexpected(expirations.error());
  }
  return report;
}

}  // namespace upgate::store
