// The server over TLS: what the handshake settles (versions, suites, ALPN), what it refuses
// (old protocols, weak suites, stalled or plain-text clients), a bad pair at start, and
// certificate reloads (asked for, on SIGHUP, or noticed by the watcher) that never disturb
// a connection already open, not even an upload in the middle of its body.
#include "support/eventually.hpp"
#include "support/raw_http_client.hpp"
#include "support/running_server.hpp"
#include "test_certificates.hpp"

#include <upgate/http/router.hpp>

#include <gmock/gmock.h>

#include <atomic>
#include <mutex>

namespace upgate::http {
namespace {

using namespace std::chrono_literals;
using test::RawClient;
using ::testing::HasSubstr;

using upgate::testing::eventually;

Router make_router() {
  Router router;
  router.exact(Method::get, "/hello", [](Exchange& ex) -> boost::asio::awaitable<void> {
    co_await ex.respond(Response::text(200, "hello"));
  });
  router.exact(Method::put, "/upload", [](Exchange& ex) -> boost::asio::awaitable<void> {
    ex.set_body_limit(64ull * 1024 * 1024);
    std::vector<char> buffer(64 * 1024);
    std::uint64_t total = 0;
    while (true) {
      auto n = co_await ex.read_body_some(buffer);
      if (!n) co_return;
      if (*n == 0) break;
      total += *n;
    }
    co_await ex.respond(Response::text(200, std::to_string(total)));
  });
  return router;
}

class TlsServerTest : public ::testing::Test {
 protected:
  void start(ServerConfig config = test::test_config(), std::optional<TlsSettings> tls = {}) {
    config.tls = tls ? *tls : files_.settings();
    router_ = make_router();
    auto created = Server::create(std::move(config), router_.handler());
    if (!created) throw std::runtime_error(created.error().message);
    server_ = std::move(*created);
    server_->on_tls_reload([this](const TlsReloadEvent& event) {
      std::lock_guard lock(events_mutex_);
      events_.push_back(event);
    });
    thread_ = std::thread([this] { server_->run(); });
  }
  void TearDown() override {
    if (thread_.joinable()) {
      server_->stop();
      thread_.join();
    }
  }
  RawClient connect(const test::TlsClientConfig& client) {
    return RawClient(server_->port(), 5s, &client);
  }
  RawClient connect() { return connect(files_.client); }
  std::string hello_over(RawClient& client) {
    if (!client.send(test::get_request("/hello"))) return "send failed";
    auto r = client.read_response();
    return r ? r->body : "no response";
  }
  std::vector<TlsReloadEvent> events() {
    std::lock_guard lock(events_mutex_);
    return events_;
  }

  test::TlsTestFiles files_;
  Router router_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::mutex events_mutex_;
  std::vector<TlsReloadEvent> events_;
};

TEST_F(TlsServerTest, HandshakeSettlesTls13AndAlpnHttp11WithTheServedCertificate) {
  start();
  EXPECT_TRUE(server_->tls());
  RawClient client = connect();
  EXPECT_EQ(client.tls_session().version, "TLSv1.3");
  EXPECT_EQ(client.tls_session().alpn, "http/1.1");
  EXPECT_EQ(client.tls_session().peer_fingerprint, test::fingerprint_of(files_.server));
  EXPECT_EQ(server_->tls_certificate()->sha256_fingerprint, test::fingerprint_of(files_.server));
  EXPECT_EQ(hello_over(client), "hello");
}

TEST_F(TlsServerTest, Tls12UsesAnIntermediateSuite) {
  start();
  auto client_config = files_.client;
  client_config.max_version = TLS1_2_VERSION;
  RawClient client = connect(client_config);
  EXPECT_EQ(client.tls_session().version, "TLSv1.2");
  EXPECT_THAT(client.tls_session().cipher,
              ::testing::AnyOf("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                               "ECDHE-ECDSA-CHACHA20-POLY1305"));
  EXPECT_EQ(hello_over(client), "hello");
}

TEST_F(TlsServerTest, Tls11AndTls10AreRefusedByTheServer) {
  start();
  for (int version : {TLS1_1_VERSION, TLS1_VERSION}) {
    auto client_config = files_.client;
    client_config.min_version = version;
    client_config.max_version = version;
    try {
      RawClient client = connect(client_config);
      ADD_FAILURE() << "handshake succeeded with version " << version;
    } catch (const std::runtime_error& e) {
      // The server's alert, not a client-side refusal to offer the protocol.
      EXPECT_THAT(e.what(), HasSubstr("protocol version")) << version;
    }
  }
  EXPECT_EQ(hello_over(*std::make_unique<RawClient>(server_->port(), 5s, &files_.client)), "hello");
}

TEST_F(TlsServerTest, CbcSuitesAreRefusedUnderTls12) {
  start();
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
  ASSERT_EQ(SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384"), 1);
  RawClient plain(server_->port());
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, plain.fd());
  EXPECT_NE(SSL_connect(ssl), 1);
  char reason[256];
  ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
  EXPECT_THAT(std::string(reason), HasSubstr("handshake failure"));
  SSL_free(ssl);
  SSL_CTX_free(ctx);
}

TEST_F(TlsServerTest, AlpnWithoutHttp11ProceedsWithoutAlpn) {
  start();
  auto client_config = files_.client;
  client_config.alpn = std::string("\x02h2", 3);
  RawClient h2_only = connect(client_config);
  EXPECT_EQ(h2_only.tls_session().alpn, "");
  EXPECT_EQ(hello_over(h2_only), "hello");
  client_config.alpn.clear();
  RawClient none = connect(client_config);
  EXPECT_EQ(hello_over(none), "hello");
}

TEST_F(TlsServerTest, AStalledHandshakeIsClosedAfterTheHandshakeTimeout) {
  auto config = test::test_config();
  config.read_header_timeout = 30s;  // so the close can only come from the handshake deadline
  auto settings = files_.settings();
  settings.handshake_timeout = 200ms;
  start(config, settings);
  // Each client waits 3 s at most, far below the 30 s header timeout: a close seen within
  // that can only be the handshake deadline's.
  RawClient silent(server_->port(), 3s);  // TCP only: no ClientHello
  EXPECT_TRUE(silent.peer_closed());
  RawClient partial(server_->port(), 3s);
  ASSERT_TRUE(partial.send(std::string("\x16\x03\x01\x02\x00", 5)));  // a record header only
  EXPECT_TRUE(partial.peer_closed());
}

TEST_F(TlsServerTest, PlainHttpOnTheTlsPortIsClosedAndTheServerServesOn) {
  start();
  RawClient plain(server_->port(), 3s);
  ASSERT_TRUE(plain.send(test::get_request("/hello")));
  EXPECT_TRUE(plain.peer_closed());
  RawClient client = connect();
  EXPECT_EQ(hello_over(client), "hello");
}

TEST_F(TlsServerTest, ABadPairStopsCreateWithOneLine) {
  files_.install({test::new_p256_key(), files_.ca.issue({"localhost"}).cert});
  auto config = test::test_config();
  config.tls = files_.settings();
  auto created = Server::create(config, make_router().handler());
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ServerErrorCode::tls);
  EXPECT_THAT(created.error().message, HasSubstr("does not belong to the certificate"));
  EXPECT_EQ(created.error().message.find('\n'), std::string::npos);
}

TEST_F(TlsServerTest, ReloadServesTheNewPairToNewConnectionsOnly) {
  start();
  RawClient before = connect();
  EXPECT_EQ(hello_over(before), "hello");
  const test::TestIdentity renewed = files_.ca.issue({"localhost", "127.0.0.1"});
  files_.install(renewed);
  auto reloaded = server_->reload_tls();
  ASSERT_TRUE(reloaded) << reloaded.error().message;
  EXPECT_EQ(reloaded->sha256_fingerprint, test::fingerprint_of(renewed));

  RawClient after = connect();
  EXPECT_EQ(after.tls_session().peer_fingerprint, test::fingerprint_of(renewed));
  EXPECT_EQ(hello_over(after), "hello");
  // The connection opened before the reload goes on, on its own session.
  EXPECT_EQ(hello_over(before), "hello");
  EXPECT_EQ(before.tls_session().peer_fingerprint, test::fingerprint_of(files_.server));
  ASSERT_EQ(events().size(), 1u);
  EXPECT_TRUE(events()[0].loaded);
  EXPECT_EQ(events()[0].trigger, TlsReloadEvent::Trigger::requested);
}

TEST_F(TlsServerTest, ARefusedReloadKeepsServingTheOldPair) {
  start();
  const test::TestIdentity other = files_.ca.issue({"localhost"});
  test::write_file(files_.files.private_key, other.key_pem());
  auto reloaded = server_->reload_tls();
  ASSERT_FALSE(reloaded);
  EXPECT_EQ(reloaded.error().code, TlsErrorCode::key_mismatch);
  RawClient client = connect();
  EXPECT_EQ(client.tls_session().peer_fingerprint, test::fingerprint_of(files_.server));
  EXPECT_EQ(hello_over(client), "hello");
  ASSERT_EQ(events().size(), 1u);
  EXPECT_FALSE(events()[0].loaded);
  EXPECT_THAT(events()[0].error, HasSubstr("does not belong"));
  EXPECT_EQ(events()[0].certificate.sha256_fingerprint, test::fingerprint_of(files_.server));
}

TEST_F(TlsServerTest, AnUploadInProgressCompletesAcrossAReload) {
  start();
  RawClient uploader = connect();
  const std::size_t total = 24 * 1024 * 1024;
  ASSERT_TRUE(uploader.send(
      "PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(total) + "\r\n\r\n"));
  const std::string piece(1024 * 1024, 'u');
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(uploader.send(piece));

  const test::TestIdentity renewed = files_.ca.issue({"localhost", "127.0.0.1"});
  files_.install(renewed);
  ASSERT_TRUE(server_->reload_tls());
  RawClient newcomer = connect();
  EXPECT_EQ(newcomer.tls_session().peer_fingerprint, test::fingerprint_of(renewed));

  for (int i = 8; i < 24; ++i) ASSERT_TRUE(uploader.send(piece));
  auto r = uploader.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, std::to_string(total));
}

TEST_F(TlsServerTest, TheWatcherPicksUpRenewedFiles) {
  start(test::test_config(), files_.settings(50ms));
  const test::TestIdentity renewed = files_.ca.issue({"localhost", "127.0.0.1"});
  files_.install(renewed);
  EXPECT_TRUE(eventually([&] {
    return server_->tls_certificate()->sha256_fingerprint == test::fingerprint_of(renewed);
  }));
  RawClient client = connect();
  EXPECT_EQ(client.tls_session().peer_fingerprint, test::fingerprint_of(renewed));
  auto seen = events();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().trigger, TlsReloadEvent::Trigger::files_changed);
  EXPECT_TRUE(seen.back().loaded);
}

TEST_F(TlsServerTest, TheWatcherReportsABadRenewalOnceAndKeepsTheOldPair) {
  start(test::test_config(), files_.settings(50ms));
  const test::TestIdentity other = files_.ca.issue({"localhost"});
  test::write_file(files_.files.private_key, other.key_pem());
  EXPECT_TRUE(eventually([&] { return !events().empty(); }));
  std::this_thread::sleep_for(300ms);  // several more looks: no second report
  auto seen = events();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_FALSE(seen[0].loaded);
  EXPECT_EQ(seen[0].trigger, TlsReloadEvent::Trigger::files_changed);
  RawClient client = connect();
  EXPECT_EQ(client.tls_session().peer_fingerprint, test::fingerprint_of(files_.server));
}

TEST_F(TlsServerTest, StopClosesConnectionsStuckInTheHandshake) {
  start();
  RawClient silent(server_->port(), 5s);
  std::this_thread::sleep_for(100ms);  // accepted, waiting for a ClientHello
  server_->stop();
  thread_.join();  // returns only once every connection is gone (ctest's timeout bounds it)
  // Seen within the client's 5 s, below the 10 s handshake timeout: the stop closed it.
  EXPECT_TRUE(silent.peer_closed());
}

}  // namespace
}  // namespace upgate::http
