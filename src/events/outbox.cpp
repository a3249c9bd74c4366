#include "upgate/events/outbox.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <random>
#include <thread>

#include "upgate/enum_names.hpp"
#include "upgate/events/webhook_endpoint.hpp"
#include "upgate/s3client/client_error.hpp"
#include "upgate/store/sqlite.hpp"

namespace upgate::events {
namespace {

using store::DbError;
using store::detail::SqliteConnection;
using store::detail::Statement;
using TimePoint = std::chrono::system_clock::time_point;

constexpr int kSchemaVersion = 1;
constexpr int kPending = 0;
constexpr int kWaiting = 1;
constexpr int kDelivered = 2;
constexpr int kDead = 3;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS events(
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  dedup_key TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS events_created ON events(created_ms);
CREATE TABLE IF NOT EXISTS deliveries(
  event_seq INTEGER NOT NULL,
  endpoint TEXT NOT NULL,
  ordering_key TEXT NOT NULL,
  state INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL,
  window_start_ms INTEGER NOT NULL,
  lease INTEGER NOT NULL DEFAULT 0,
  last_status INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  finished_ms INTEGER,
  PRIMARY KEY(event_seq, endpoint)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deliveries_due
  ON deliveries(endpoint, next_attempt_ms, event_seq) WHERE state = 0;
CREATE INDEX IF NOT EXISTS deliveries_order
  ON deliveries(endpoint, ordering_key, event_seq) WHERE state IN (0, 1);
CREATE INDEX IF NOT EXISTS deliveries_undelivered ON deliveries(event_seq) WHERE state IN (0, 1);
CREATE INDEX IF NOT EXISTS deliveries_finished ON deliveries(finished_ms) WHERE state = 2;
CREATE INDEX IF NOT EXISTS deliveries_dead ON deliveries(event_seq) WHERE state = 3;
CREATE INDEX IF NOT EXISTS deliveries_retrying ON deliveries(endpoint) WHERE state = 0 AND attempts > 0;
CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO counters(name, value) VALUES ('delivered', 0), ('failed_attempts', 0);
)sql";

std::int64_t to_ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint from_ms(std::int64_t ms) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)));
}

OutboxError storage_error(const std::string& what) {
  return OutboxError{OutboxErrc::kStorage, "the webhook outbox: " + what};
}

// One unit of work for the writer thread. run() may throw DbError; done() learns whether
// the transaction that ran it committed.
struct Op {
  bool durable = false;
  bool wakes = false;  // its commit may make deliveries claimable (or run() says so, below)
  std::function<void(SqliteConnection&, std::int64_t now_ms)> run;
  std::function<void(const OutboxError*)> done;
};

void bump_counter(SqliteConnection& db, const char* name) {
  db.prepare("UPDATE counters SET value = value + 1 WHERE name = ?1").bind_text(1, name).run();
}

// After a delivery for (endpoint, key) finished: if none of that object's deliveries to
// the endpoint is pending any more, the earliest waiting one becomes due. True when one
// did.
bool promote_next(SqliteConnection& db, std::string_view endpoint, std::string_view ordering_key,
                  std::int64_t now) {
  {
    auto pending = db.prepare(
        "SELECT 1 FROM deliveries WHERE endpoint = ?1 AND ordering_key = ?2 "
        "AND state IN (0, 1) AND state = 0 LIMIT 1");
    pending.bind_text(1, endpoint).bind_text(2, ordering_key);
    if (pending.step()) return false;
  }
  db.prepare(
        "UPDATE deliveries SET state = 0, next_attempt_ms = ?3 WHERE endpoint = ?1 AND "
        "event_seq = (SELECT MIN(event_seq) FROM deliveries WHERE endpoint = ?1 AND "
        "ordering_key = ?2 AND state IN (0, 1) AND state = 1)")
      .bind_text(1, endpoint)
      .bind_text(2, ordering_key)
      .bind(3, now)
      .run();
  return sqlite3_changes(db.handle()) > 0;
}

}  // namespace

constexpr std::string_view kDeliveryStateNames[] = {"pending", "waiting", "delivered", "dead"};
static_assert(names_through(kDeliveryStateNames, DeliveryState::kDead));

std::string_view to_string(DeliveryState state) {
  return name_at(kDeliveryStateNames, state, "pending");
}

struct Outbox::State {
  OutboxOptions options;
  int lock_fd = -1;
  std::unique_ptr<SqliteConnection> writer;
  std::unique_ptr<SqliteConnection> reader;
  std::mutex reader_mutex;
  bool writer_durable = true;  // the synchronous setting in effect on `writer`

  std::mutex queue_mutex;
  std::condition_variable queue_cv;
  std::deque<Op> queue;
  std::size_t waiters_queued = 0;  // ops in `queue` that someone waits for (with `done`)
  bool stopping = false;
  std::thread thread;

  mutable std::mutex work_mutex;
  mutable std::condition_variable work_cv;
  std::atomic<std::uint64_t> generation{0};
  // Set by an op whose run() made a delivery claimable where that is the exception (a
  // success that let a waiting delivery of the same object go): most successes wake
  // nobody. Writer thread only.
  bool made_work = false;

  std::mt19937_64 prng{std::random_device{}()};
  std::int64_t next_lease = 0;

  ~State() {
    {
      std::lock_guard lock(queue_mutex);
      stopping = true;
    }
    queue_cv.notify_all();
    if (thread.joinable()) thread.join();
    writer.reset();
    reader.reset();
    if (lock_fd >= 0) ::close(lock_fd);
  }

  TimePoint now() const {
    return options.clock ? options.clock() : std::chrono::system_clock::now();
  }

  double random() {
    if (options.random) return options.random();
    return std::uniform_real_distribution<double>(0.0, 1.0)(prng);
  }

  void submit(Op op) {
    {
      std::unique_lock lock(queue_mutex);
      if (!stopping) {
        // The writer needs waking for the first op (it may be idle), for one somebody waits
        // for (it may be lingering), and for a full batch; not for every result.
        const bool waits = static_cast<bool>(op.done);
        waiters_queued += waits ? 1 : 0;
        queue.push_back(std::move(op));
        const bool wake = waits || queue.size() == 1 || queue.size() >= batch_limit();
        lock.unlock();
        if (wake) queue_cv.notify_one();
        return;
      }
    }
    const OutboxError closed{OutboxErrc::kClosed, "the webhook outbox is closed"};
    if (op.done) op.done(&closed);
  }

  template <class R>
  Expected<R, OutboxError> submit_and_wait(bool durable, bool wakes,
                                           std::function<R(SqliteConnection&, std::int64_t)> fn) {
    auto result = std::make_shared<std::optional<R>>();
    std::promise<Expected<R, OutboxError>> promise;
    auto future = promise.get_future();
    Op op;
    op.durable = durable;
    op.wakes = wakes;
    op.run = [result, fn = std::move(fn)](SqliteConnection& db, std::int64_t now) {
      *result = fn(db, now);
    };
    op.done = [result, p = std::make_shared<decltype(promise)>(std::move(promise))](
                  const OutboxError* error) {
      if (error != nullptr) {
        p->set_value(Unexpected(*error));
      } else {
        p->set_value(std::move(**result));
      }
    };
    submit(std::move(op));
    return future.get();
  }

  void set_synchronous(bool durable) {
    if (durable == writer_durable) return;
    writer->exec(durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    writer_durable = durable;
  }

  static void rollback(SqliteConnection& db) noexcept {
    try {
      if (!sqlite3_get_autocommit(db.handle())) db.exec("ROLLBACK");
    } catch (...) {
    }
  }

  // Runs `ops` in one transaction; on failure, each one in its own, so a bad one fails alone.
  void run_batch(std::vector<Op>& ops) {
    const bool durable =
        std::any_of(ops.begin(), ops.end(), [](const Op& op) { return op.durable; });
    const std::int64_t now_ms = to_ms(now());
    made_work = false;
    try {
      set_synchronous(durable && options.fsync_appends);
      writer->exec("BEGIN IMMEDIATE");
      for (Op& op : ops) op.run(*writer, now_ms);
      writer->exec("COMMIT");
    } catch (const DbError& e) {
      rollback(*writer);
      if (ops.size() == 1) {
        const OutboxError error = storage_error(e.what());
        if (ops[0].done) ops[0].done(&error);
        return;
      }
      for (Op& op : ops) {
        std::vector<Op> single;
        single.push_back(std::move(op));
        run_batch(single);
      }
      return;
    }
    // The generation moves before anyone hears of the commit: a caller whose append has
    // returned must see work_generation() changed, or a waiter could sleep past the event.
    if (made_work || std::any_of(ops.begin(), ops.end(), [](const Op& op) { return op.wakes; })) {
      {
        std::lock_guard lock(work_mutex);
        ++generation;
      }
      work_cv.notify_all();
    }
    for (Op& op : ops) {
      if (op.done) op.done(nullptr);
    }
  }

  std::size_t batch_limit() const { return std::max<std::size_t>(options.max_batch, 1); }

  void writer_loop() {
    pthread_setname_np(pthread_self(), "upgate-outbox");  // top -H, the benches' CPU split
    while (true) {
      std::vector<Op> batch;
      {
        std::unique_lock lock(queue_mutex);
        queue_cv.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) break;  // stopping, and everything queued is done
        if (waiters_queued == 0 && options.linger > std::chrono::milliseconds(0)) {
          // Only results, which nobody waits for: let more share the transaction.
          queue_cv.wait_for(lock, options.linger, [&] {
            return stopping || waiters_queued > 0 || queue.size() >= batch_limit();
          });
        }
        const std::size_t n = std::min(queue.size(), batch_limit());
        batch.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
          if (queue.front().done) --waiters_queued;
          batch.push_back(std::move(queue.front()));
          queue.pop_front();
        }
      }
      run_batch(batch);
    }
    {
      std::lock_guard lock(work_mutex);
      ++generation;
    }
    work_cv.notify_all();
  }
};

Outbox::Outbox(std::unique_ptr<State> state) : state_(std::move(state)) {}

Outbox::~Outbox() = default;

Expected<std::unique_ptr<Outbox>, OutboxError> Outbox::open(OutboxOptions options) {
  auto state = std::make_unique<State>();
  const std::filesystem::path file = options.file;
  if (file.empty()) return Unexpected(OutboxError{OutboxErrc::kInvalid, "no outbox file given"});
  if (options.role == OutboxOptions::Role::kOwner) {
    const std::string lock_path = file.string() + ".lock";
    state->lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (state->lock_fd < 0) {
      return Unexpected(storage_error("cannot create " + lock_path + ": " + std::strerror(errno)));
    }
    if (::flock(state->lock_fd, LOCK_EX | LOCK_NB) != 0) {
      return Unexpected(OutboxError{
          OutboxErrc::kInUse,
          "the webhook outbox " + file.string() + " is in use by another upgate process"});
    }
  }
  try {
    state->writer = std::make_unique<SqliteConnection>(file, false);
    SqliteConnection& db = *state->writer;
    sqlite3_busy_timeout(db.handle(), 5000);
    {
      auto mode = db.prepare("PRAGMA journal_mode=WAL");
      if (!mode.step() || mode.text(0) != "wal") {
        return Unexpected(storage_error(file.string() + " cannot use write-ahead logging"));
      }
    }
    db.exec("PRAGMA synchronous=FULL");
    db.exec("PRAGMA temp_store=MEMORY");
    std::int64_t version = 0;
    {
      auto v = db.prepare("PRAGMA user_version");
      if (v.step()) version = v.int64(0);
    }
    if (version > kSchemaVersion) {
      return Unexpected(storage_error(file.string() + " has schema version " +
                                      std::to_string(version) + ", newer than this upgate"));
    }
    db.exec("BEGIN IMMEDIATE");
    db.exec(kSchema);
    db.exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
    db.exec("COMMIT");
    if (options.role == OutboxOptions::Role::kOwner) {
      // Deliveries leased by a process that is gone: due now, so they are sent again; one
      // never attempted keeps its place (due since it was queued), so the oldest go first.
      const std::int64_t now =
          to_ms(options.clock ? options.clock() : std::chrono::system_clock::now());
      db.prepare(
            "UPDATE deliveries SET lease = 0, next_attempt_ms = CASE WHEN attempts = 0 "
            "THEN MIN(window_start_ms, ?1) ELSE MIN(next_attempt_ms, ?1) END "
            "WHERE state = 0 AND lease != 0")
          .bind(1, now)
          .run();
    }
    state->reader = std::make_unique<SqliteConnection>(file, true);
    sqlite3_busy_timeout(state->reader->handle(), 5000);
  } catch (const DbError& e) {
    return Unexpected(storage_error(e.what()));
  }
  state->next_lease = static_cast<std::int64_t>(state->prng() >> 2) + 1;
  state->options = std::move(options);
  State* raw = state.get();
  state->thread = std::thread([raw] { raw->writer_loop(); });
  return std::unique_ptr<Outbox>(new Outbox(std::move(state)));
}

Expected<std::unique_ptr<Outbox>, OutboxError> Outbox::open_owner(std::filesystem::path file,
                                                                  RetryPolicy retry) {
  OutboxOptions options;
  options.file = std::move(file);
  options.role = OutboxOptions::Role::kOwner;
  options.retry = retry;
  return open(std::move(options));
}

namespace {

struct PreparedAppend {
  std::string id;
  std::string dedup;
  std::string type;
  std::string bucket;
  std::string key;
  std::string ordering;
  std::string payload;
  std::vector<std::string> endpoints;
};

AppendResult run_append(SqliteConnection& db, std::int64_t now, const PreparedAppend& a) {
  db.prepare(
        "INSERT OR IGNORE INTO events(id, dedup_key, type, bucket, key, payload, created_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
      .bind_text(1, a.id)
      .bind_text(2, a.dedup)
      .bind_text(3, a.type)
      .bind_text(4, a.bucket)
      .bind_text(5, a.key)
      .bind_text(6, a.payload)
      .bind(7, now)
      .run();
  AppendResult result;
  result.event_id = a.id;
  if (sqlite3_changes(db.handle()) == 0) {
    result.duplicate = true;
    return result;
  }
  const std::int64_t seq = sqlite3_last_insert_rowid(db.handle());
  for (const std::string& endpoint : a.endpoints) {
    bool waits = false;
    {
      auto earlier = db.prepare(
          "SELECT 1 FROM deliveries WHERE endpoint = ?1 AND ordering_key = ?2 "
          "AND state IN (0, 1) LIMIT 1");
      earlier.bind_text(1, endpoint).bind_text(2, a.ordering);
      waits = earlier.step();
    }
    db.prepare(
          "INSERT INTO deliveries(event_seq, endpoint, ordering_key, state, next_attempt_ms, "
          "window_start_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?5)")
        .bind(1, seq)
        .bind_text(2, endpoint)
        .bind_text(3, a.ordering)
        .bind(4, waits ? kWaiting : kPending)
        .bind(5, now)
        .run();
    ++result.deliveries;
  }
  return result;
}

Expected<PreparedAppend, OutboxError> prepare_append(OutboxRecord record,
                                                     std::span<const std::string> endpoints) {
  PreparedAppend a;
  a.dedup = std::move(record.dedup_key);
  if (a.dedup.empty()) {
    return Unexpected(OutboxError{
        OutboxErrc::kInvalid,
        "the event has no identity (bucket, key, and a version id, ETag or delete marker)"});
  }
  a.id = event_id_for(a.dedup);
  a.type = std::string(to_string(record.type));
  a.ordering = ordering_key(record.bucket, record.key);
  a.bucket = std::move(record.bucket);
  a.key = std::move(record.key);
  a.payload = std::move(record.payload);
  for (const std::string& endpoint : endpoints) {
    if (endpoint.empty()) {
      return Unexpected(OutboxError{OutboxErrc::kInvalid, "an endpoint name is empty"});
    }
    if (std::find(a.endpoints.begin(), a.endpoints.end(), endpoint) == a.endpoints.end()) {
      a.endpoints.push_back(endpoint);
    }
  }
  return a;
}

Expected<PreparedAppend, OutboxError> prepare_append(const Event& event,
                                                     std::span<const std::string> endpoints) {
  return prepare_append(outbox_record(event), endpoints);
}

}  // namespace

OutboxRecord outbox_record(const Event& event) {
  OutboxRecord record{dedup_key(event), event.type, event.bucket, event.key, {}};
  if (!record.dedup_key.empty()) record.payload = render_json(event);
  return record;
}

Expected<std::vector<AppendResult>, OutboxError> Outbox::append_all(
    std::span<const OutboxAppend> appends) {
  std::vector<PreparedAppend> prepared;
  prepared.reserve(appends.size());
  for (const OutboxAppend& a : appends) {
    auto p = prepare_append(a.record, a.endpoints);
    if (!p) return Unexpected(std::move(p).error());
    prepared.push_back(std::move(*p));
  }
  if (prepared.empty()) return std::vector<AppendResult>();
  return state_->submit_and_wait<std::vector<AppendResult>>(
      true, true, [prepared = std::move(prepared)](SqliteConnection& db, std::int64_t now) {
        std::vector<AppendResult> results;
        results.reserve(prepared.size());
        for (const PreparedAppend& a : prepared) results.push_back(run_append(db, now, a));
        return results;
      });
}

Expected<AppendResult, OutboxError> Outbox::append(const OutboxRecord& record,
                                                   std::span<const std::string> endpoints) {
  auto prepared = prepare_append(record, endpoints);
  if (!prepared) return Unexpected(std::move(prepared).error());
  return state_->submit_and_wait<AppendResult>(
      true, true, [a = std::move(*prepared)](SqliteConnection& db, std::int64_t now) {
        return run_append(db, now, a);
      });
}

Expected<AppendResult, OutboxError> Outbox::append(const Event& event,
                                                   std::span<const std::string> endpoints) {
  return append(outbox_record(event), endpoints);
}

void Outbox::append_async(const Event& event, std::vector<std::string> endpoints,
                          std::function<void(Expected<AppendResult, OutboxError>)> done) {
  auto prepared = prepare_append(event, endpoints);
  if (!prepared) {
    if (done) done(Unexpected(std::move(prepared).error()));
    return;
  }
  auto result = std::make_shared<AppendResult>();
  Op op;
  op.durable = true;
  op.wakes = true;
  op.run = [result, a = std::move(*prepared)](SqliteConnection& db, std::int64_t now) {
    *result = run_append(db, now, a);
  };
  op.done = [result, done = std::move(done)](const OutboxError* error) {
    if (!done) return;
    if (error != nullptr) {
      done(Unexpected(*error));
    } else {
      done(std::move(*result));
    }
  };
  state_->submit(std::move(op));
}

Expected<std::vector<ClaimedDelivery>, OutboxError> Outbox::claim(std::string_view endpoint,
                                                                  std::size_t max,
                                                                  std::chrono::milliseconds lease) {
  State* state = state_.get();
  return state->submit_and_wait<std::vector<ClaimedDelivery>>(
      false, false,
      [state, endpoint = std::string(endpoint), max, lease](SqliteConnection& db,
                                                            std::int64_t now) {
        std::vector<ClaimedDelivery> claimed;
        {
          auto due = db.prepare(
              "SELECT d.event_seq, d.attempts, e.id, e.payload FROM deliveries d "
              "JOIN events e ON e.seq = d.event_seq "
              "WHERE d.endpoint = ?1 AND d.state = 0 AND d.next_attempt_ms <= ?2 "
              "ORDER BY d.next_attempt_ms, d.event_seq LIMIT ?3");
          due.bind_text(1, endpoint).bind(2, now).bind(3, static_cast<std::int64_t>(max));
          while (due.step()) {
            ClaimedDelivery d;
            d.event_seq = due.int64(0);
            d.attempts = static_cast<int>(due.int64(1));
            d.event_id = due.text(2);
            d.payload = due.text(3);
            d.endpoint = endpoint;
            claimed.push_back(std::move(d));
          }
        }
        for (ClaimedDelivery& d : claimed) {
          d.lease = state->next_lease++;
          db.prepare(
                "UPDATE deliveries SET lease = ?3, next_attempt_ms = ?4 "
                "WHERE event_seq = ?1 AND endpoint = ?2")
              .bind(1, d.event_seq)
              .bind_text(2, d.endpoint)
              .bind(3, d.lease)
              .bind(4, now + lease.count())
              .run();
        }
        return claimed;
      });
}

void Outbox::record_success(const ClaimedDelivery& delivery, int http_status) {
  // Wakes the deliverers only when a waiting delivery became due: its own endpoint's
  // dispatcher counts what it holds and refills without this commit.
  State* state = state_.get();
  Op op;
  op.run = [state, seq = delivery.event_seq, endpoint = delivery.endpoint, http_status](
               SqliteConnection& db, std::int64_t now) {
    std::optional<std::string> ordering;
    {
      auto done = db.prepare(
          "UPDATE deliveries SET state = 2, attempts = attempts + 1, lease = 0, "
          "last_status = ?3, last_error = '', finished_ms = ?4 "
          "WHERE event_seq = ?1 AND endpoint = ?2 AND state = 0 RETURNING ordering_key");
      done.bind(1, seq).bind_text(2, endpoint).bind(3, http_status).bind(4, now);
      if (done.step()) ordering = done.text(0);
    }
    if (!ordering) return;
    bump_counter(db, "delivered");
    if (promote_next(db, endpoint, *ordering, now)) state->made_work = true;
  };
  state_->submit(std::move(op));
}

void Outbox::record_failure(const ClaimedDelivery& delivery, DeliveryFailure failure) {
  State* state = state_.get();
  Op op;
  op.wakes = true;
  op.run = [state, seq = delivery.event_seq, endpoint = delivery.endpoint, lease = delivery.lease,
            failure = std::move(failure)](SqliteConnection& db, std::int64_t now) {
    std::int64_t attempts = 0;
    std::int64_t window_start = 0;
    std::string ordering;
    {
      auto row = db.prepare(
          "SELECT attempts, window_start_ms, ordering_key FROM deliveries "
          "WHERE event_seq = ?1 AND endpoint = ?2 AND state = 0 AND lease = ?3");
      row.bind(1, seq).bind_text(2, endpoint).bind(3, lease);
      if (!row.step()) return;  // stale: the lease expired and someone else has it
      attempts = row.int64(0) + 1;
      window_start = row.int64(1);
      ordering = row.text(2);
    }
    bump_counter(db, "failed_attempts");
    const std::string message = s3client::printable(failure.message, 300);
    const auto& policy = state->options.retry;
    const std::int64_t next =
        now + retry_delay(policy, static_cast<int>(attempts), state->random(), failure.retry_after)
                  .count();
    if (failure.permanent || next > window_start + policy.window.count()) {
      db.prepare(
            "UPDATE deliveries SET state = 3, attempts = ?3, lease = 0, last_status = ?4, "
            "last_error = ?5, finished_ms = ?6 WHERE event_seq = ?1 AND endpoint = ?2")
          .bind(1, seq)
          .bind_text(2, endpoint)
          .bind(3, attempts)
          .bind(4, failure.http_status)
          .bind_text(5, message)
          .bind(6, now)
          .run();
      promote_next(db, endpoint, ordering, now);
      return;
    }
    db.prepare(
          "UPDATE deliveries SET attempts = ?3, lease = 0, last_status = ?4, last_error = ?5, "
          "next_attempt_ms = ?6 WHERE event_seq = ?1 AND endpoint = ?2")
        .bind(1, seq)
        .bind_text(2, endpoint)
        .bind(3, attempts)
        .bind(4, failure.http_status)
        .bind_text(5, message)
        .bind(6, next)
        .run();
  };
  state_->submit(std::move(op));
}

void Outbox::release(const ClaimedDelivery& delivery) {
  Op op;
  op.wakes = true;
  op.run = [seq = delivery.event_seq, endpoint = delivery.endpoint, lease = delivery.lease](
               SqliteConnection& db, std::int64_t now) {
    // Due again at once; never attempted, it keeps its place among the due ones.
    db.prepare(
          "UPDATE deliveries SET lease = 0, next_attempt_ms = CASE WHEN attempts = 0 "
          "THEN MIN(window_start_ms, ?4) ELSE ?4 END "
          "WHERE event_seq = ?1 AND endpoint = ?2 AND state = 0 AND lease = ?3")
        .bind(1, seq)
        .bind_text(2, endpoint)
        .bind(3, lease)
        .bind(4, now)
        .run();
  };
  state_->submit(std::move(op));
}

Expected<void, OutboxError> Outbox::flush() {
  auto done = state_->submit_and_wait<bool>(false, false,
                                            [](SqliteConnection&, std::int64_t) { return true; });
  if (!done) return Unexpected(std::move(done).error());
  return {};
}

Expected<bool, OutboxError> Outbox::recorded(std::string_view dedup_key) {
  std::lock_guard lock(state_->reader_mutex);
  try {
    auto q = state_->reader->prepare("SELECT 1 FROM events WHERE dedup_key = ?1");
    q.bind_text(1, dedup_key);
    return q.step();
  } catch (const DbError& e) {
    return Unexpected(storage_error(e.what()));
  }
}

Expected<std::optional<TimePoint>, OutboxError> Outbox::next_due(std::string_view endpoint) {
  std::lock_guard lock(state_->reader_mutex);
  try {
    auto q = state_->reader->prepare(
        "SELECT MIN(next_attempt_ms) FROM deliveries WHERE endpoint = ?1 AND state = 0");
    q.bind_text(1, endpoint);
    if (!q.step() || q.is_null(0)) return std::optional<TimePoint>();
    return std::optional<TimePoint>(from_ms(q.int64(0)));
  } catch (const DbError& e) {
    return Unexpected(storage_error(e.what()));
  }
}

std::chrono::system_clock::time_point Outbox::now() const {
  return state_->now();
}

std::uint64_t Outbox::work_generation() const {
  return state_->generation.load();
}

void Outbox::wait_for_work(std::uint64_t seen,
                           std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(state_->work_mutex);
  state_->work_cv.wait_until(lock, deadline, [&] { return state_->generation.load() != seen; });
}

void Outbox::wake_waiters() {
  {
    std::lock_guard lock(state_->work_mutex);
    ++state_->generation;
  }
  state_->work_cv.notify_all();
}

Expected<std::vector<DeliveryRecord>, OutboxError> Outbox::list(const ListQuery& query) {
  std::string sql =
      "SELECT d.event_seq, e.id, e.type, e.bucket, e.key, d.endpoint, d.state, d.attempts, "
      "d.last_status, d.last_error, e.created_ms, d.next_attempt_ms, d.finished_ms "
      "FROM deliveries d JOIN events e ON e.seq = d.event_seq WHERE d.event_seq < ?1";
  switch (query.filter) {
    case ListQuery::Filter::kAll:
      break;
    case ListQuery::Filter::kUndelivered:
      sql += " AND d.state IN (0, 1)";
      break;
    case ListQuery::Filter::kFailed:
      sql += " AND ((d.state IN (0, 1) AND d.state = 0 AND d.attempts > 0) OR d.state = 3)";
      break;
    case ListQuery::Filter::kDead:
      sql += " AND d.state = 3";
      break;
  }
  if (query.endpoint) {
    sql += " AND d.endpoint = ?3";
  } else if (!query.internal) {
    sql += " AND substr(d.endpoint, 1, ?4) != ?5";
  }
  sql += " ORDER BY d.event_seq DESC, d.endpoint LIMIT ?2";
  std::lock_guard lock(state_->reader_mutex);
  try {
    auto q = state_->reader->prepare(sql.c_str());
    q.bind(1, query.before_seq.value_or(INT64_MAX));
    q.bind(2, static_cast<std::int64_t>(std::min<std::size_t>(query.limit, 100'000)));
    if (query.endpoint) {
      q.bind_text(3, *query.endpoint);
    } else if (!query.internal) {
      q.bind(4, static_cast<std::int64_t>(kReservedEndpointPrefix.size()));
      q.bind_text(5, kReservedEndpointPrefix);
    }
    std::vector<DeliveryRecord> records;
    while (q.step()) {
      DeliveryRecord r;
      r.event_seq = q.int64(0);
      r.event_id = q.text(1);
      r.type = parse_event_type(q.text(2)).value_or(EventType::kUploadCompleted);
      r.bucket = q.text(3);
      r.key = q.text(4);
      r.endpoint = q.text(5);
      r.state = static_cast<DeliveryState>(std::clamp<std::int64_t>(q.int64(6), kPending, kDead));
      r.attempts = static_cast<int>(q.int64(7));
      r.last_status = static_cast<int>(q.int64(8));
      r.last_error = q.text(9);
      r.created = from_ms(q.int64(10));
      r.next_attempt = from_ms(q.int64(11));
      if (!q.is_null(12)) r.finished = from_ms(q.int64(12));
      records.push_back(std::move(r));
    }
    return records;
  } catch (const DbError& e) {
    return Unexpected(storage_error(e.what()));
  }
}

Expected<std::size_t, OutboxError> Outbox::replay(std::string_view event_id,
                                                  const std::optional<std::string>& endpoint) {
  auto changed = state_->submit_and_wait<std::optional<std::size_t>>(
      false, true,
      [id = std::string(event_id), endpoint](SqliteConnection& db,
                                             std::int64_t now) -> std::optional<std::size_t> {
        std::int64_t seq = 0;
        {
          auto find = db.prepare("SELECT seq FROM events WHERE id = ?1");
          find.bind_text(1, id);
          if (!find.step()) return std::nullopt;
          seq = find.int64(0);
        }
        auto update = db.prepare(
            "UPDATE deliveries SET state = 0, attempts = 0, lease = 0, next_attempt_ms = ?2, "
            "window_start_ms = ?2, last_status = 0, last_error = '', finished_ms = NULL "
            "WHERE event_seq = ?1 AND state != 1 AND (?3 IS NULL OR endpoint = ?3)");
        update.bind(1, seq).bind(2, now);
        if (endpoint) {
          update.bind_text(3, *endpoint);
        } else {
          update.bind_null(3);
        }
        update.run();
        return static_cast<std::size_t>(sqlite3_changes(db.handle()));
      });
  if (!changed) return Unexpected(std::move(changed).error());
  if (!*changed) {
    return Unexpected(
        OutboxError{OutboxErrc::kNotFound,
                    "no event " + s3client::printable(event_id, 100) + " in the webhook outbox"});
  }
  return **changed;
}

Expected<OutboxMetrics, OutboxError> Outbox::metrics() {
  const std::int64_t now = to_ms(state_->now());
  std::lock_guard lock(state_->reader_mutex);
  try {
    SqliteConnection& db = *state_->reader;
    db.exec("BEGIN");  // one snapshot for every figure
    OutboxMetrics m;
    auto count = [&db](const char* sql) -> std::uint64_t {
      auto q = db.prepare(sql);
      return q.step() ? static_cast<std::uint64_t>(q.int64(0)) : 0;
    };
    m.queued = count("SELECT COUNT(*) FROM deliveries WHERE state IN (0, 1)");
    m.retrying = count(
        "SELECT COUNT(*) FROM deliveries WHERE state IN (0, 1) AND state = 0 AND attempts > 0");
    m.dead = count("SELECT COUNT(*) FROM deliveries WHERE state = 3");
    m.delivered_total = count("SELECT value FROM counters WHERE name = 'delivered'");
    m.failed_attempts_total = count("SELECT value FROM counters WHERE name = 'failed_attempts'");
    {
      auto oldest = db.prepare(
          "SELECT e.created_ms FROM events e WHERE e.seq = "
          "(SELECT MIN(event_seq) FROM deliveries WHERE state IN (0, 1))");
      if (oldest.step() && !oldest.is_null(0)) {
        m.oldest_undelivered_age =
            std::chrono::milliseconds(std::max<std::int64_t>(0, now - oldest.int64(0)));
      }
    }
    db.exec("COMMIT");
    return m;
  } catch (const DbError& e) {
    State::rollback(*state_->reader);
    return Unexpected(storage_error(e.what()));
  }
}

Expected<std::vector<EndpointBacklog>, OutboxError> Outbox::backlogs() {
  std::lock_guard lock(state_->reader_mutex);
  try {
    SqliteConnection& db = *state_->reader;
    db.exec("BEGIN");  // one snapshot for every figure
    std::vector<EndpointBacklog> out;
    auto entry = [&out](std::string name) -> EndpointBacklog& {
      for (EndpointBacklog& b : out) {
        if (b.endpoint == name) return b;
      }
      out.push_back(EndpointBacklog{std::move(name), 0, 0, 0, std::nullopt});
      return out.back();
    };
    {
      // deliveries_order covers this: no delivered row is read.
      auto q = db.prepare(
          "SELECT endpoint, COUNT(*), MIN(event_seq) FROM deliveries WHERE state IN (0, 1) "
          "GROUP BY endpoint");
      std::vector<std::pair<std::size_t, std::int64_t>> oldest;
      while (q.step()) {
        EndpointBacklog& b = entry(q.text(0));
        b.queued = static_cast<std::uint64_t>(q.int64(1));
        oldest.emplace_back(static_cast<std::size_t>(&b - out.data()), q.int64(2));
      }
      for (const auto& [index, seq] : oldest) {
        auto created = db.prepare("SELECT created_ms FROM events WHERE seq = ?1");
        created.bind(1, seq);
        if (created.step()) out[index].oldest_queued = from_ms(created.int64(0));
      }
    }
    {
      auto q =
          db.prepare("SELECT endpoint, COUNT(*) FROM deliveries WHERE state = 3 GROUP BY endpoint");
      while (q.step()) entry(q.text(0)).dead = static_cast<std::uint64_t>(q.int64(1));
    }
    {
      // deliveries_retrying holds these rows only: a first attempt that succeeds never
      // enters it.
      auto q = db.prepare(
          "SELECT endpoint, COUNT(*) FROM deliveries WHERE state = 0 AND attempts > 0 "
          "GROUP BY endpoint");
      while (q.step()) entry(q.text(0)).retrying = static_cast<std::uint64_t>(q.int64(1));
    }
    db.exec("COMMIT");
    return out;
  } catch (const DbError& e) {
    State::rollback(*state_->reader);
    return Unexpected(storage_error(e.what()));
  }
}

Expected<std::size_t, OutboxError> Outbox::prune(std::size_t max_rows) {
  const std::int64_t retention = state_->options.delivered_retention.count();
  return state_->submit_and_wait<std::size_t>(
      false, false, [retention, max_rows](SqliteConnection& db, std::int64_t now) {
        const std::int64_t cutoff = now - retention;
        db.prepare(
              "DELETE FROM deliveries WHERE (event_seq, endpoint) IN (SELECT event_seq, endpoint "
              "FROM deliveries WHERE state = 2 AND finished_ms < ?1 LIMIT ?2)")
            .bind(1, cutoff)
            .bind(2, static_cast<std::int64_t>(max_rows))
            .run();
        const auto removed = static_cast<std::size_t>(sqlite3_changes(db.handle()));
        db.prepare(
              "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE created_ms < ?1 "
              "AND NOT EXISTS (SELECT 1 FROM deliveries WHERE event_seq = events.seq) LIMIT ?2)")
            .bind(1, cutoff)
            .bind(2, static_cast<std::int64_t>(max_rows))
            .run();
        return removed;
      });
}

}  // namespace upgate::events
