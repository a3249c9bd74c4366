// `upgate webhooks list|replay`: the events outbox of a running (or stopped) `upgate serve`,
// opened beside it as an administrator (Outbox Role::kAdmin: no lock, leases untouched).
//
//   upgate webhooks list [--failed|--dead|--undelivered] [--endpoint NAME] [--all]
//                        [--limit N] [--before SEQ] [--json]
//   upgate webhooks replay EVENT_ID [--endpoint NAME]
// The outbox is --outbox, else events.outbox of upgate.toml (--config / UPGATE_CONFIG), else
// <data dir>/events.db as serve uses it (--data-dir / UPGATE_DATA_DIR / the default).
// `list` shows the webhooks' deliveries; upgate's own queues in the same file (endpoints
// named "upgate:...": storage reports waiting for verification, the standalone store's
// records for --notify-url) only with --all or when --endpoint names one.
#include <boost/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "commands.hpp"
#include "serve_events.hpp"
#include "serve_store.hpp"
#include "upgate/api/api_config.hpp"
#include "upgate/api/events_config.hpp"
#include "upgate/config/environment.hpp"
#include "upgate/events/outbox.hpp"
#include "upgate/s3/dates.hpp"

namespace upgate::cli {
namespace {

struct WebhooksOptions {
  api::ApiFlags flags;
  ServeStoreFlags store;
  std::optional<std::string> outbox;
  bool failed = false;
  bool dead = false;
  bool undelivered = false;
  bool all = false;
  std::optional<std::string> endpoint;
  std::size_t limit = 50;
  std::optional<std::int64_t> before;
  bool json = false;
  std::string event_id;
};

Expected<std::unique_ptr<events::Outbox>, std::string> open_outbox(WebhooksOptions& o) {
  std::filesystem::path path;
  if (o.outbox) {
    path = *o.outbox;
  } else {
    o.flags.resolve_s3_target = false;
    auto config = api::load_api_config(config::Environment::process(), o.flags);
    if (!config) return Unexpected(config.error().describe());
    auto settings = api::load_events_settings(config->config_path);
    if (!settings) return Unexpected(settings.error().describe());
    path = outbox_path(*settings, serve_data_dir(o.store));
  }
  if (!std::filesystem::exists(path)) {
    return Unexpected("no events outbox at " + path.string() +
                      " (upgate serve creates it when [[webhooks]] or [events] is configured)");
  }
  events::OutboxOptions options;
  options.file = path;
  options.role = events::OutboxOptions::Role::kAdmin;
  auto outbox = events::Outbox::open(std::move(options));
  if (!outbox) return Unexpected(path.string() + ": " + outbox.error().message);
  return std::move(*outbox);
}

std::string time_text(std::chrono::system_clock::time_point t) {
  return s3::format_iso8601_ms(t);
}

int run_list(WebhooksOptions& o) {
  auto outbox = open_outbox(o);
  if (!outbox) {
    std::cerr << "upgate webhooks list: " << outbox.error() << '\n';
    return kExitFailure;
  }
  events::ListQuery query;
  using Filter = events::ListQuery::Filter;
  query.filter = o.dead          ? Filter::kDead
                 : o.failed      ? Filter::kFailed
                 : o.undelivered ? Filter::kUndelivered
                                 : Filter::kAll;
  query.limit = o.limit;
  query.before_seq = o.before;
  query.endpoint = o.endpoint;
  query.internal = o.all;
  auto rows = (*outbox)->list(query);
  if (!rows) {
    std::cerr << "upgate webhooks list: " << rows.error().message << '\n';
    return kExitFailure;
  }
  if (o.json) {
    boost::json::array out;
    for (const auto& r : *rows) {
      boost::json::object row;
      row["seq"] = r.event_seq;
      row["event_id"] = r.event_id;
      row["type"] = events::to_string(r.type);
      row["bucket"] = r.bucket;
      row["key"] = r.key;
      row["endpoint"] = r.endpoint;
      row["state"] = events::to_string(r.state);
      row["attempts"] = r.attempts;
      row["last_status"] = r.last_status;
      row["last_error"] = r.last_error;
      row["created"] = time_text(r.created);
      if (r.state == events::DeliveryState::kPending)
        row["next_attempt"] = time_text(r.next_attempt);
      if (r.finished) row["finished"] = time_text(*r.finished);
      out.push_back(std::move(row));
    }
    std::cout << boost::json::serialize(out) << '\n';
    return kExitOk;
  }
  std::printf("%-8s %-36s %-16s %-10s %-9s %4s %4s  %s\n", "SEQ", "EVENT", "TYPE", "ENDPOINT",
              "STATE", "TRY", "HTTP", "BUCKET/KEY");
  for (const auto& r : *rows) {
    std::printf("%-8lld %-36s %-16s %-10s %-9s %4d %4d  %s/%s\n",
                static_cast<long long>(r.event_seq), r.event_id.c_str(),
                std::string(events::to_string(r.type)).c_str(), r.endpoint.c_str(),
                std::string(events::to_string(r.state)).c_str(), r.attempts, r.last_status,
                r.bucket.c_str(), r.key.c_str());
    if (!r.last_error.empty()) std::printf("         last error: %s\n", r.last_error.c_str());
  }
  auto metrics = (*outbox)->metrics();
  if (metrics) {
    // The whole file's figures: upgate's own queues count here even when not listed.
    std::printf("queued %llu, retrying %llu, dead %llu, delivered %llu in all%s\n",
                static_cast<unsigned long long>(metrics->queued),
                static_cast<unsigned long long>(metrics->retrying),
                static_cast<unsigned long long>(metrics->dead),
                static_cast<unsigned long long>(metrics->delivered_total),
                o.all || o.endpoint ? "" : " (upgate's own queues included; --all lists them)");
  }
  return kExitOk;
}

int run_replay(WebhooksOptions& o) {
  auto outbox = open_outbox(o);
  if (!outbox) {
    std::cerr << "upgate webhooks replay: " << outbox.error() << '\n';
    return kExitFailure;
  }
  auto replayed = (*outbox)->replay(o.event_id, o.endpoint);
  if (!replayed) {
    std::cerr << "upgate webhooks replay: " << replayed.error().message << '\n';
    return replayed.error().code == events::OutboxErrc::kNotFound ? kExitUsage : kExitFailure;
  }
  std::printf(
      "%s: %zu deliveries due now (a running upgate serve sends them within its poll "
      "interval)\n",
      o.event_id.c_str(), *replayed);
  return kExitOk;
}

void add_location_flags(CLI::App* cmd, WebhooksOptions& o) {
  cmd->add_option("--outbox", o.outbox, "the outbox file (default: as upgate serve finds it)");
  cmd->add_option("--config", o.flags.config_path, "upgate.toml (UPGATE_CONFIG)");
  cmd->add_option("--data-dir", o.store.data_dir, "serve's data directory (UPGATE_DATA_DIR)");
}

}  // namespace

void register_webhooks(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<WebhooksOptions>();
  CLI::App* cmd = app.add_subcommand(
      "webhooks", "The webhook deliveries in upgate serve's events outbox: list and replay.");
  cmd->require_subcommand(1);
  CLI::App* list = cmd->add_subcommand("list", "Deliveries, newest first");
  add_location_flags(list, *options);
  list->add_flag("--failed", options->failed, "only those whose last attempt failed");
  list->add_flag("--dead", options->dead, "only dead letters (given up on)");
  list->add_flag("--undelivered", options->undelivered, "only those not delivered yet");
  list->add_option("--endpoint", options->endpoint, "only this endpoint's");
  list->add_flag("--all", options->all,
                 "upgate's own queues too (endpoints upgate:verify-report, upgate:notify-url)");
  list->add_option("--limit", options->limit, "at most this many (default 50)");
  list->add_option("--before", options->before, "the page before this SEQ");
  list->add_flag("--json", options->json, "one JSON array");
  list->callback([options, &exit_code] { exit_code = run_list(*options); });
  CLI::App* replay = cmd->add_subcommand("replay", "Send an event's deliveries again, now");
  add_location_flags(replay, *options);
  replay->add_option("EVENT_ID", options->event_id, "evt_... (from list)")->required();
  replay->add_option("--endpoint", options->endpoint, "only to this endpoint");
  replay->callback([options, &exit_code] { exit_code = run_replay(*options); });
}

}  // namespace upgate::cli
