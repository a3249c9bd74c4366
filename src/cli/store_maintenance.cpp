// `upgate store backup|restore|fsck`: the embedded store's data directory looked after from
// outside the store (src/store/data_dir_backup.hpp, data_dir_check.hpp do the work).
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "commands.hpp"
#include "store/data_dir_backup.hpp"
#include "store/data_dir_check.hpp"
#include "store_maintenance.hpp"
#include "upgate/store/embedded_store.hpp"

namespace upgate::cli {
namespace {

std::string data_dir_of(const std::optional<std::string>& flag) {
  if (flag) return *flag;
  const char* v = std::getenv("UPGATE_STORE_DATA_DIR");
  if (v != nullptr && *v != '\0') return v;
  return store::default_data_dir().string();
}

std::string human_bytes(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) value /= 1024, ++unit;
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return text;
}

// "\r<what>: done/total" on stderr at most ten times a second, only when it is a terminal.
class TtyProgress {
 public:
  explicit TtyProgress(std::string what, bool bytes)
      : what_(std::move(what)), bytes_(bytes), enabled_(::isatty(STDERR_FILENO) == 1) {}
  ~TtyProgress() {
    if (shown_) std::fprintf(stderr, "\r\033[K");
  }
  void operator()(std::uint64_t done, std::uint64_t total) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (shown_ && done != total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    shown_ = true;
    const int percent = total == 0 ? 100 : static_cast<int>(done * 100 / total);
    const std::string d = bytes_ ? human_bytes(done) : std::to_string(done);
    const std::string t = bytes_ ? human_bytes(total) : std::to_string(total);
    std::fprintf(stderr, "\r\033[K%s: %s of %s (%d%%)", what_.c_str(), d.c_str(), t.c_str(),
                 percent);
    std::fflush(stderr);
  }

 private:
  std::string what_;
  bool bytes_;
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_{};
};

void print_backup(std::string_view verb, const store::BackupReport& r, const std::string& where) {
  std::cout << verb << " " << where << ": " << r.objects << " objects, " << r.parts
            << " parts of uploads in progress, " << r.blobs << " blobs (" << human_bytes(r.bytes)
            << "; " << r.linked << " hard-linked, " << r.copied << " copied)"
            << (r.credentials_copied ? ", the root key file" : "");
  if (r.snapshots > 1) std::cout << "; " << r.snapshots << " metadata snapshots";
  std::cout << '\n';
}

struct BackupOptions {
  std::optional<std::string> data_dir;
  std::string target;
};

}  // namespace

void register_store_maintenance(CLI::App& store_command, int& exit_code) {
  auto backup = std::make_shared<BackupOptions>();
  CLI::App* b = store_command.add_subcommand(
      "backup",
      "Copy the store's data directory to DEST, consistently, while the store serves: the\n"
      "metadata through SQLite's online backup, the blobs hard-linked (copied across file\n"
      "systems); every object in the backup has its bytes. DEST must not exist. The root key\n"
      "file comes along (mode 0600): keep backups as secret as the store.\n"
      "Exit codes: 0 done, 1 failed (nothing is left at DEST), 2 bad arguments.");
  b->add_option("--data-dir", backup->data_dir,
                "the store's data directory (UPGATE_STORE_DATA_DIR; default as `upgate store`)");
  b->add_option("DEST", backup->target, "the backup directory to create")->required();
  b->callback([backup, &exit_code] {
    const std::string dir = data_dir_of(backup->data_dir);
    TtyProgress progress("backup: blobs", false);
    auto done = store::backup_data_dir(dir, backup->target, std::ref(progress));
    if (!done) {
      std::cerr << "upgate store backup: " << done.error() << '\n';
      exit_code = kExitFailure;
      return;
    }
    print_backup("backed up " + dir + " to", *done, backup->target);
    exit_code = kExitOk;
  });

  auto restore = std::make_shared<BackupOptions>();
  CLI::App* r = store_command.add_subcommand(
      "restore",
      "Restore a backup made by `upgate store backup` into a data directory that does not\n"
      "exist or is empty, after checking that every object in the backup has its bytes.\n"
      "Then start the store on it: `upgate store --data-dir DIR`.\n"
      "Exit codes: 0 done, 1 failed (nothing is left in the data directory), 2 bad arguments.");
  r->add_option("BACKUP", restore->target, "the backup directory")->required();
  r->add_option("--data-dir", restore->data_dir, "the data directory to create")->required();
  r->callback([restore, &exit_code] {
    TtyProgress progress("restore: blobs", false);
    auto done = store::restore_data_dir(restore->target, *restore->data_dir, std::ref(progress));
    if (!done) {
      std::cerr << "upgate store restore: " << done.error() << '\n';
      exit_code = kExitFailure;
      return;
    }
    print_backup("restored " + restore->target + " into", *done, *restore->data_dir);
    exit_code = kExitOk;
  });

  struct FsckOptions {
    std::optional<std::string> data_dir;
    bool repair = false;
  };
  auto fsck = std::make_shared<FsckOptions>();
  CLI::App* f = store_command.add_subcommand(
      "fsck",
      "Check a stopped store's data directory: every object and part has its blob, of the\n"
      "recorded size, whose bytes hash to the recorded ETag and checksums; blobs no object\n"
      "names (orphans) and leftover temp files are listed. --repair removes the orphans and\n"
      "temp files; objects whose bytes are gone or damaged are reported, never changed.\n"
      "Progress on stderr when it is a terminal. One line per finding on stdout.\n"
      "Exit codes: 0 nothing wrong (or all repaired), 1 problems remain, 2 cannot check\n"
      "(bad arguments, the store is running).");
  f->add_option("--data-dir", fsck->data_dir,
                "the store's data directory (UPGATE_STORE_DATA_DIR; default as `upgate store`)");
  f->add_flag("--repair", fsck->repair, "remove orphan blobs and temp files");
  f->callback([fsck, &exit_code] {
    const std::string dir = data_dir_of(fsck->data_dir);
    TtyProgress progress("fsck: hashed", true);
    store::CheckOptions options;
    options.repair = fsck->repair;
    options.progress = std::ref(progress);
    auto report = store::check_data_dir(dir, options);
    if (!report) {
      std::cerr << "upgate store fsck: " << report.error() << '\n';
      exit_code = kExitUsage;
      return;
    }
    std::size_t unrepaired = 0;
    std::size_t orphans = 0;
    std::size_t removed = 0;
    for (const auto& finding : report->findings) {
      if (!finding.repaired) ++unrepaired;
      if (finding.repaired) ++removed;
      if (finding.kind == store::CheckFinding::Kind::orphan_blob ||
          finding.kind == store::CheckFinding::Kind::temp_file) {
        ++orphans;
      }
      std::cout << store::finding_name(finding.kind) << ": " << finding.subject;
      if (!finding.blob.empty() && finding.subject.find(finding.blob) == std::string::npos) {
        std::cout << " (blob " << finding.blob << ")";
      }
      std::cout << ": " << finding.detail << (finding.repaired ? " [removed]" : "") << '\n';
    }
    std::cout << "checked " << report->objects << " objects and " << report->parts
              << " parts: " << report->blobs_checked << " blobs, "
              << human_bytes(report->bytes_checked) << "; " << report->damaged() << " damaged, "
              << orphans << " orphan blobs and temp files";
    if (fsck->repair) std::cout << ", " << removed << " removed";
    std::cout << '\n';
    exit_code = unrepaired == 0 ? kExitOk : kExitFailure;
  });
}

}  // namespace upgate::cli
