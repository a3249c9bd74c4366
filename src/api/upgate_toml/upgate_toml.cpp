// upgate.toml's top-level tables and who reads each.
#include "upgate_toml.hpp"

#include <array>

namespace upgate::api {
namespace {

struct TableReader {
  std::string_view name;
  Expected<void, ConfigError> (*read)(const TomlTable& table, FileSettings& out);
};

// In this order: a file with several mistakes is refused for the first one met here.
constexpr std::array kTables = {
    TableReader{"server", read_server_table},
    TableReader{"store", read_store_table},
    TableReader{"s3", read_s3_table},
    TableReader{"cors", read_cors_table},
    TableReader{"log", read_log_table},
    TableReader{"auth", read_auth_table},
    TableReader{"limits", read_limits_table},
    TableReader{"uppy", read_uppy_table},
    TableReader{"profiles", read_profiles_table},
    TableReader{"events", read_events_table},
};

constexpr auto kTableNames = [] {
  std::array<std::string_view, kTables.size() + 1> names{};
  for (std::size_t i = 0; i < kTables.size(); ++i) names[i] = kTables[i].name;
  names[kTables.size()] = "webhooks";
  return names;
}();

}  // namespace

Expected<FileSettings, ConfigError> read_upgate_toml(std::string_view text,
                                                     std::string_view source) {
  auto document = TomlDocument::parse(text, source);
  if (!document) return Unexpected(std::move(document).error());
  const TomlTable root = document->root();
  if (auto ok = root.allow_only(kTableNames); !ok) return Unexpected(std::move(ok).error());
  FileSettings out;
  for (const TableReader& reader : kTables) {
    auto table = root.table(reader.name);
    if (!table) return Unexpected(std::move(table).error());
    if (!*table) continue;
    if (auto ok = reader.read(**table, out); !ok) return Unexpected(std::move(ok).error());
  }
  if (auto ok = read_webhooks_tables(root, out); !ok) return Unexpected(std::move(ok).error());
  return out;
}

}  // namespace upgate::api
