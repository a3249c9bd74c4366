// The in-memory limiter: sharded maps, bounded, with an injected clock.
#include "upgate/limits/memory_limiter.hpp"

#include <upgate/limits/gcra.hpp>
#include <upgate/limits/limit_key.hpp>
#include <upgate/sigv4/crypto.hpp>

#include "observation.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace upgate::limits {

std::chrono::microseconds system_clock_now() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now().time_since_epoch());
}

namespace {
// Lets the maps be searched with a string_view: no key is copied unless it is inserted.
// Not noexcept on purpose: libstdc++ then keeps each node's hash, so walking a bucket
// (the sweep) and rehashing do not hash every key again.
// A stored key is its namespace byte and the caller's key. The hash is the caller's key's,
// with the namespace folded into its low bits only: the shard takes high bits, so a key's
// rate, upload and quota state share one shard (an admission of the API's full set locks
// two shards, not four) yet sit apart in its map.
// A key whose hash is already known: an admission hashes each of its keys once, for its
// shard, and looks it up with that hash (the API's keys are ~30 bytes, and one key serves
// three namespaces, so it is hashed once for all three).
struct HashedKey {
  std::string_view key;
  std::size_t hash;
  friend bool operator==(const std::string& stored, const HashedKey& wanted) {
    return stored == wanted.key;
  }
};

struct KeyHash {
  using is_transparent = void;
  // The hash of the caller's key, before its namespace is folded in.
  static std::size_t of_caller_key(std::string_view key) {
    return std::hash<std::string_view>{}(key.substr(1));
  }
  static std::size_t fold(std::size_t caller_hash, std::string_view key) {
    return caller_hash ^ static_cast<unsigned char>(key[0]);
  }
  std::size_t operator()(std::string_view key) const { return fold(of_caller_key(key), key); }
  std::size_t operator()(const HashedKey& key) const { return key.hash; }
};

// An upload id in 16 bytes and a length: ids of up to 16 bytes as they are (the API's
// request ids are 16 hex digits), longer ones (S3's uploadIds) as the first 16 bytes of
// their SHA-256, told apart by the length. A slot then costs no allocation of its own.
struct SlotId {
  std::uint64_t low = 0;
  std::uint64_t high = 0;
  std::uint8_t size = 0;  // 1..16, or kDigested; 0 marks a free cell of the table

  static constexpr std::uint8_t kDigested = 0xff;

  static SlotId of(std::string_view id) {
    SlotId out;
    std::array<char, 16> bytes{};
    if (id.size() <= bytes.size()) {
      id.copy(bytes.data(), id.size());
      out.size = static_cast<std::uint8_t>(id.size());
    } else {
      const sigv4::Sha256Digest digest = sigv4::sha256(id);
      std::memcpy(bytes.data(), digest.data(), bytes.size());
      out.size = kDigested;
    }
    std::memcpy(&out.low, bytes.data(), 8);
    std::memcpy(&out.high, bytes.data() + 8, 8);
    return out;
  }
  // Where the id starts looking in a table of 2^bits cells.
  std::size_t home(unsigned bits) const noexcept {
    std::uint64_t h = low ^ (high * 0x9e3779b97f4a7c15ULL) ^ size;
    h ^= h >> 33;  // MurmurHash3's finalizer: every input bit reaches the top bits
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return static_cast<std::size_t>(h >> (64 - bits));
  }
  friend bool operator==(const SlotId&, const SlotId&) = default;
};

// The open uploads of one key: found by id in an open-addressed table (linear probing,
// deletion by backward shift), and their expiries kept in order so an admission costs
// O(1) in the usual case (one ttl per key: expiries arrive in order) and O(log n) at worst
// (up to kMaxOpenUploads). No slot allocates: the table and the expiry queues are arrays
// that grow by doubling. (A list scanned whole on every admission made one caller with
// tens of thousands of open uploads cost tens of microseconds per request; the node-based
// maps that replaced it cost three allocations per slot.)
//
// Expiries live in a queue (appended in order) and a min-heap (the ones that arrived out
// of order). Entries are not removed when a slot is refreshed or released: an entry is
// stale when the table no longer holds its id with its expiry, skipped when it reaches the
// front, and the queues are rebuilt from the table when stale entries outnumber live ones.
class OpenSlots {
 public:
  std::size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  bool contains(std::string_view id) const { return find(SlotId::of(id)) != nullptr; }
  // The earliest expiry of an open slot; 0 when none is open.
  std::int64_t earliest() {
    settle();
    const Expiry* first = front();
    return first == nullptr ? 0 : first->at;
  }
  // No open slot expires after this (the latest expiry ever given since the set was last
  // empty: a bound, exact unless a slot was released or refreshed to an earlier time); 0
  // when none is open.
  std::int64_t latest() const noexcept { return count_ == 0 ? 0 : latest_; }

  // Drops the slots that expired by `now`.
  void drop_expired(std::int64_t now) {
    for (const Expiry* first = front(); first != nullptr && first->at <= now; first = front()) {
      const Expiry e = *first;
      pop_front();
      if (Cell* cell = find(e.id); cell != nullptr && cell->at == e.at) remove(cell);
    }
    tidy();
  }

  // Takes the slot `id`, or refreshes its expiry.
  void put(std::string_view id, std::int64_t expiry) {
    const SlotId key = SlotId::of(id);
    if (Cell* cell = find(key)) {
      if (cell->at == expiry) return;
      cell->at = expiry;
    } else {
      insert(key, expiry);
    }
    push(Expiry{expiry, key});
    latest_ = std::max(latest_, expiry);
  }

  // True when the slot was open.
  bool erase(std::string_view id) {
    Cell* cell = find(SlotId::of(id));
    if (cell == nullptr) return false;
    remove(cell);
    tidy();
    return true;
  }

 private:
  struct Cell {
    SlotId id;
    std::int64_t at = 0;
  };
  struct Expiry {
    std::int64_t at;
    SlotId id;
  };
  struct Later {
    bool operator()(const Expiry& a, const Expiry& b) const noexcept { return a.at > b.at; }
  };

  static constexpr unsigned kMinBits = 3;

  std::size_t mask() const noexcept { return (std::size_t{1} << bits_) - 1; }

  const Cell* find(const SlotId& id) const {
    if (table_.empty()) return nullptr;
    for (std::size_t i = id.home(bits_);; i = (i + 1) & mask()) {
      const Cell& cell = table_[i];
      if (cell.id.size == 0) return nullptr;
      if (cell.id == id) return &cell;
    }
  }
  Cell* find(const SlotId& id) { return const_cast<Cell*>(std::as_const(*this).find(id)); }

  void insert(const SlotId& id, std::int64_t at) {
    if ((count_ + 1) * 4 > table_.size() * 3) resize(std::max(kMinBits, bits_ + 1));
    place(id, at);
    ++count_;
  }
  void place(const SlotId& id, std::int64_t at) {
    std::size_t i = id.home(bits_);
    while (table_[i].id.size != 0) i = (i + 1) & mask();
    table_[i] = Cell{id, at};
  }
  // Backward-shift deletion: later cells of the run move up, so no tombstones are left.
  void remove(Cell* cell) {
    std::size_t hole = static_cast<std::size_t>(cell - table_.data());
    for (std::size_t i = (hole + 1) & mask(); table_[i].id.size != 0; i = (i + 1) & mask()) {
      const std::size_t home = table_[i].id.home(bits_);
      // Move cell i into the hole unless its home lies cyclically in (hole, i].
      const bool stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
      if (stays) continue;
      table_[hole] = table_[i];
      hole = i;
    }
    table_[hole] = Cell{};
    --count_;
  }
  void resize(unsigned bits) {
    std::vector<Cell> old = std::exchange(table_, std::vector<Cell>(std::size_t{1} << bits));
    bits_ = bits;
    for (const Cell& cell : old) {
      if (cell.id.size != 0) place(cell.id, cell.at);
    }
  }

  // The expiry queues: `queue_` from `head_` on, in order, and the heap `late_`.
  const Expiry* front() const noexcept {
    const Expiry* q = head_ < queue_.size() ? &queue_[head_] : nullptr;
    const Expiry* h = late_.empty() ? nullptr : &late_.front();
    if (q == nullptr) return h;
    if (h == nullptr) return q;
    return h->at < q->at ? h : q;
  }
  void pop_front() {
    const Expiry* first = front();
    if (!late_.empty() && first == &late_.front()) {
      std::pop_heap(late_.begin(), late_.end(), Later{});
      late_.pop_back();
    } else {
      ++head_;
    }
  }
  void push(const Expiry& e) {
    if (head_ == queue_.size() || queue_.back().at <= e.at) {
      queue_.push_back(e);
    } else {
      late_.push_back(e);
      std::push_heap(late_.begin(), late_.end(), Later{});
    }
  }
  // Pops stale entries off the front, so front() is an open slot's.
  void settle() {
    for (const Expiry* first = front(); first != nullptr; first = front()) {
      const Cell* cell = find(first->id);
      if (cell != nullptr && cell->at == first->at) return;
      pop_front();
    }
  }
  // Gives memory back: compacts the queue, rebuilds the queues when most entries are stale,
  // shrinks the table when it is mostly empty.
  void tidy() {
    if (count_ == 0) {
      queue_.clear();
      late_.clear();
      head_ = 0;
      latest_ = 0;
      if (bits_ > kMinBits) {
        table_ = std::vector<Cell>(std::size_t{1} << kMinBits);
        bits_ = kMinBits;
      }
      return;
    }
    const std::size_t queued = queue_.size() - head_ + late_.size();
    if (queued > 2 * count_ + 64) {
      queue_.clear();
      late_.clear();
      head_ = 0;
      for (const Cell& cell : table_) {
        if (cell.id.size != 0) queue_.push_back(Expiry{cell.at, cell.id});
      }
      std::sort(queue_.begin(), queue_.end(),
                [](const Expiry& a, const Expiry& b) { return a.at < b.at; });
    } else if (head_ > 64 && head_ * 2 > queue_.size()) {
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    if (bits_ > kMinBits && count_ * 8 < table_.size()) resize(bits_ - 1);
  }

  std::vector<Cell> table_;
  unsigned bits_ = 0;
  std::size_t count_ = 0;
  std::vector<Expiry> queue_;
  std::size_t head_ = 0;
  std::vector<Expiry> late_;
  std::int64_t latest_ = 0;
};
}  // namespace

// One key's state. Which fields matter depends on the key's namespace (its first byte);
// `expires_us` is when the state becomes the same as no state.
struct MemoryLimiter::Entry {
  std::int64_t expires_us = 0;
  std::int64_t tat = 0;             // rate: the bucket's theoretical arrival time
  std::int64_t window_start_s = 0;  // quota: the window `used` belongs to
  std::uint64_t used = 0;
  std::unique_ptr<OpenSlots> slots;  // open uploads (null until the first one)
};

struct alignas(64) MemoryLimiter::Shard {
  std::mutex mutex;
  std::unordered_map<std::string, Entry, KeyHash, std::equal_to<>> map;
  std::size_t capacity = 0;
  std::size_t sweep_bucket = 0;
};

namespace {

constexpr char kRateSpace = 'r';
constexpr char kUploadSpace = 'u';
constexpr char kQuotaSpace = 'q';
constexpr std::size_t kEvictionSample = 64;

// A shard is held for about a microsecond per admission, and one caller's keys share a
// shard, so the server's I/O threads serving one busy caller meet on it: at ~50,000
// admissions a second, 7 % of them found it taken and slept in the kernel, a sleep and
// a wake costing more than the admission. A thread that finds it taken retries for a
// while first (about as long as an admission holds it) and sleeps only after that.
constexpr int kLockSpins = 64;

void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

void lock_shard(std::mutex& mutex) {
  for (int i = 0; i < kLockSpins; ++i) {
    if (mutex.try_lock()) return;
    cpu_relax();
  }
  mutex.lock();
}

}  // namespace

// The keys of one admission (at most kMaxRateChecks + 2) with their shards locked, in
// shard order. Keys are held in place, namespaced by their first byte, so looking one up
// allocates nothing.
class MemoryLimiter::Locked {
 public:
  static constexpr std::size_t kMaxKeys = kMaxRateChecks + 2;

  Locked(MemoryLimiter& owner, std::int64_t now) : owner_(owner), now_(now) {}

  // Adds a key; returns its index. Call lock() after the last one.
  std::size_t add(char space, std::string_view key) {
    Key& k = keys_[count_];
    k.bytes[0] = space;
    if (key.size() > kMaxStoredKeyBytes) {
      const std::string stored = storage_key(key);
      key = stored;
      k.size = 1 + key.copy(k.bytes.data() + 1, kMaxStoredKeyBytes);
    } else {
      k.size = 1 + key.copy(k.bytes.data() + 1, kMaxStoredKeyBytes);
    }
    // One caller key serves up to three namespaces: it is hashed once.
    const std::string_view caller_key = k.view().substr(1);
    const Key* same = nullptr;
    for (std::size_t j = 0; j < count_ && same == nullptr; ++j) {
      if (keys_[j].view().substr(1) == caller_key) same = &keys_[j];
    }
    k.caller_hash = same != nullptr ? same->caller_hash : KeyHash::of_caller_key(k.view());
    k.hash = KeyHash::fold(k.caller_hash, k.view());
    k.shard = &owner_.shard_for(k.hash);
    return count_++;
  }

  void lock() {
    std::array<Shard*, kMaxKeys> order{};
    for (std::size_t i = 0; i < count_; ++i) order[i] = keys_[i].shard;
    std::sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(count_));
    Shard* previous = nullptr;
    for (std::size_t i = 0; i < count_; ++i) {
      if (order[i] == previous) continue;
      lock_shard(order[i]->mutex);
      locked_[locked_count_++] = order[i];
      previous = order[i];
    }
  }

  ~Locked() {
    for (std::size_t i = locked_count_; i > 0; --i) locked_[i - 1]->mutex.unlock();
  }
  Locked(const Locked&) = delete;
  Locked& operator=(const Locked&) = delete;

  // The live state of key i, or nullptr (absent, or run out: the same thing).
  Entry* find(std::size_t i) {
    Entry* entry = lookup(i);
    return entry == nullptr || is_dead(*entry) ? nullptr : entry;
  }

  // The state of key i to write: the live one, a run-out one cleared for reuse (no
  // allocation), or a new one, for which room is made first.
  Entry& get_or_create(std::size_t i) {
    if (Entry* entry = lookup(i)) {
      if (is_dead(*entry)) *entry = Entry{};
      return *entry;
    }
    Shard& shard = *keys_[i].shard;
    sweep_some(shard);
    if (shard.map.size() >= shard.capacity) make_room(shard);
    keys_[i].entry = &shard.map.try_emplace(std::string(keys_[i].view())).first->second;
    return *keys_[i].entry;
  }

  void erase(std::size_t i) {
    if (lookup(i) != nullptr) keys_[i].shard->map.erase(std::string(keys_[i].view()));
    keys_[i].entry = nullptr;
  }

 private:
  struct Key {
    std::array<char, 1 + kMaxStoredKeyBytes> bytes;
    std::size_t size = 0;
    std::size_t caller_hash = 0;  // KeyHash::of_caller_key()
    std::size_t hash = 0;         // KeyHash's
    Shard* shard = nullptr;
    bool looked_up = false;
    Entry* entry = nullptr;  // its node once looked up; nodes never move, and the sweep
                             // and eviction never erase a key of this admission
    std::string_view view() const { return {bytes.data(), size}; }
  };

  // Background tidying: each insertion looks at the next few buckets (up to 8, or 4
  // entries) and drops the dead entries there, so dead state does not wait for the bound.
  void sweep_some(Shard& shard) {
    const std::size_t buckets = shard.map.bucket_count();
    if (buckets == 0 || shard.map.empty()) return;
    std::array<std::string, 4> dead;
    std::size_t n = 0;
    std::size_t examined = 0;
    for (std::size_t step = 0; step < 8 && examined < dead.size(); ++step) {
      const std::size_t b = shard.sweep_bucket++ % buckets;
      for (auto it = shard.map.begin(b); it != shard.map.end(b) && examined < dead.size(); ++it) {
        ++examined;
        if (is_dead(it->second) && !is_mine(it->first)) dead[n++] = it->first;
      }
    }
    for (std::size_t k = 0; k < n; ++k) shard.map.erase(dead[k]);
    if (n > 0) owner_.expired_evictions_.fetch_add(n, std::memory_order_relaxed);
  }

  // The shard is full: drop a dead entry if the sample has one, else the sampled entry
  // that runs out first.
  void make_room(Shard& shard) {
    const std::size_t buckets = shard.map.bucket_count();
    const std::string* victim = nullptr;
    std::int64_t victim_expiry = 0;
    std::size_t examined = 0;
    for (std::size_t step = 0; step < buckets && examined < kEvictionSample; ++step) {
      const std::size_t b = shard.sweep_bucket++ % buckets;
      for (auto it = shard.map.begin(b); it != shard.map.end(b); ++it) {
        ++examined;
        if (is_dead(it->second)) {
          shard.map.erase(std::string(it->first));
          owner_.expired_evictions_.fetch_add(1, std::memory_order_relaxed);
          return;
        }
        const std::int64_t expiry = latest_expiry(it->second);
        if (is_mine(it->first)) continue;  // never the state this admission is writing
        if (victim == nullptr || expiry < victim_expiry) {
          victim = &it->first;
          victim_expiry = expiry;
        }
      }
    }
    if (victim != nullptr) {
      shard.map.erase(std::string(*victim));
      owner_.live_evictions_.fetch_add(1, std::memory_order_relaxed);
    }
  }

  static std::int64_t latest_expiry(const Entry& entry) {
    return entry.slots ? std::max(entry.expires_us, entry.slots->latest()) : entry.expires_us;
  }
  bool is_dead(const Entry& entry) const { return latest_expiry(entry) <= now_; }

  // The node of key i, or nullptr; the map is searched once per admission.
  Entry* lookup(std::size_t i) {
    Key& key = keys_[i];
    if (!key.looked_up) {
      const auto it = key.shard->map.find(HashedKey{key.view(), key.hash});
      key.entry = it == key.shard->map.end() ? nullptr : &it->second;
      key.looked_up = true;
    }
    return key.entry;
  }
  bool is_mine(std::string_view key) const {
    for (std::size_t i = 0; i < count_; ++i) {
      if (keys_[i].view() == key) return true;
    }
    return false;
  }

  MemoryLimiter& owner_;
  std::int64_t now_;
  std::array<Key, kMaxKeys> keys_;
  std::size_t count_ = 0;
  std::array<Shard*, kMaxKeys> locked_{};
  std::size_t locked_count_ = 0;
};

MemoryLimiter::MemoryLimiter(MemoryLimiterOptions options)
    : options_(std::move(options)), shards_(std::make_unique<Shard[]>(kShardCount)) {
  if (!options_.clock) options_.clock = system_clock_now;
  const std::size_t per_shard = std::max<std::size_t>(1, options_.max_keys / kShardCount);
  for (std::size_t i = 0; i < kShardCount; ++i) {
    shards_[i].capacity = per_shard;
  }
}

MemoryLimiter::~MemoryLimiter() = default;

MemoryLimiter::Shard& MemoryLimiter::shard_for(std::size_t hash) noexcept {
  // The map buckets by the low bits of the same hash; the shard takes high ones.
  return shards_[(hash >> 40) % kShardCount];
}

Decision MemoryLimiter::decide(const Admission& admission) {
  if (std::string problem = admission_problem(admission); !problem.empty()) {
    throw std::invalid_argument("limits admission: " + problem);
  }
  const std::int64_t now = options_.clock().count();
  Locked locked(*this, now);
  for (const RateCheck& check : admission.rates) locked.add(kRateSpace, check.key);
  const std::size_t upload_index =
      admission.open_upload ? locked.add(kUploadSpace, admission.open_upload->key) : 0;
  const std::size_t quota_index =
      admission.quota ? locked.add(kQuotaSpace, admission.quota->key) : 0;
  locked.lock();
  detail::Observation seen;
  seen.now_us = now;

  // 1. Every rate must pass; 2. then each consumes one request.
  bool rates_pass = true;
  for (std::size_t i = 0; i < admission.rates.size(); ++i) {
    const RateSpec& spec = admission.rates[i].spec;
    const gcra::Bucket bucket{spec.emission_interval().count(), spec.capacity().count()};
    const Entry* entry = locked.find(i);
    const std::int64_t tat = gcra::Bucket::effective_tat(now, entry ? entry->tat : now);
    seen.rate_tats[i] = tat;
    if (!bucket.allows(now, tat)) rates_pass = false;
  }
  if (!rates_pass) seen.reason = Reason::rate_limited;
  if (rates_pass) {
    for (std::size_t i = 0; i < admission.rates.size(); ++i) {
      Entry& entry = locked.get_or_create(i);
      entry.tat = seen.rate_tats[i] + admission.rates[i].spec.emission_interval().count();
      entry.expires_us = entry.tat;
      seen.rate_tats[i] = entry.tat;
    }
  }

  // 3. The open-upload slot and the quota, both or neither.
  bool slot_present = false;
  if (const auto& check = admission.open_upload) {
    if (Entry* entry = locked.find(upload_index); entry != nullptr && entry->slots) {
      entry->slots->drop_expired(now);
      seen.earliest_upload_expiry_us = entry->slots->earliest();
      seen.open_uploads = static_cast<std::uint32_t>(entry->slots->size());
      slot_present = entry->slots->contains(check->upload_id);
    }
    if (seen.reason == Reason::within_limits && !slot_present &&
        seen.open_uploads >= check->spec.max) {
      seen.reason = Reason::too_many_open_uploads;
    }
  }
  if (const auto& check = admission.quota) {
    seen.quota_window_start_s = gcra::window_start_seconds(now, check->spec.window.count());
    if (const Entry* entry = locked.find(quota_index)) {
      if (entry->window_start_s == seen.quota_window_start_s) seen.quota_used = entry->used;
    }
    if (seen.reason == Reason::within_limits &&
        seen.quota_used + check->bytes > check->spec.bytes) {
      seen.reason = Reason::quota_exceeded;
    }
  }
  if (seen.reason == Reason::within_limits) {
    if (const auto& check = admission.open_upload) {
      Entry& entry = locked.get_or_create(upload_index);
      if (!entry.slots) entry.slots = std::make_unique<OpenSlots>();
      entry.slots->put(check->upload_id, now + std::chrono::microseconds(check->ttl).count());
      entry.slots->drop_expired(now);
      seen.earliest_upload_expiry_us = entry.slots->earliest();
      seen.open_uploads = static_cast<std::uint32_t>(entry.slots->size());
    }
    if (const auto& check = admission.quota) {
      Entry& entry = locked.get_or_create(quota_index);
      seen.quota_used += check->bytes;
      entry.window_start_s = seen.quota_window_start_s;
      entry.used = seen.quota_used;
      entry.expires_us =
          (seen.quota_window_start_s + check->spec.window.count()) * gcra::kMicrosPerSecond;
    }
  }
  return detail::make_decision(admission, seen);
}

bool MemoryLimiter::release(std::string_view key, std::string_view upload_id) {
  const std::int64_t now = options_.clock().count();
  Locked locked(*this, now);
  locked.add(kUploadSpace, key);
  locked.lock();
  Entry* entry = locked.find(0);
  if (entry == nullptr || !entry->slots) return false;
  const bool removed = entry->slots->erase(upload_id);
  entry->slots->drop_expired(now);
  if (entry->slots->empty()) locked.erase(0);
  return removed;
}

boost::asio::awaitable<Decision> MemoryLimiter::admit(const Admission& admission) {
  co_return decide(admission);
}

boost::asio::awaitable<Expected<void, StoreError>> MemoryLimiter::release_upload(
    std::string_view key, std::string_view upload_id) {
  release(key, upload_id);
  co_return Expected<void, StoreError>{};
}

MemoryLimiterStats MemoryLimiter::stats() const {
  MemoryLimiterStats stats;
  for (std::size_t i = 0; i < kShardCount; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    stats.keys += shards_[i].map.size();
  }
  stats.expired_evictions = expired_evictions_.load(std::memory_order_relaxed);
  stats.live_evictions = live_evictions_.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace upgate::limits
