// The asynchronous outbound HTTP/1.1 client: Asio for the connection, Beast for the
// message, OpenSSL through asio::ssl for https.
#include <upgate/http/client.hpp>

#include <upgate/enum_names.hpp>
#include <upgate/http_token.hpp>
#include <upgate/text.hpp>

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <charconv>
#include <vector>

namespace upgate::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct TlsClientContext::Impl {
  asio::ssl::context context{asio::ssl::context::tls_client};
};

TlsClientContext::TlsClientContext(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
TlsClientContext::~TlsClientContext() = default;

Expected<std::shared_ptr<const TlsClientContext>, std::string> TlsClientContext::create(
    const std::string& ca_file) {
  auto impl = std::make_unique<Impl>();
  boost::system::error_code ec;
  impl->context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                                asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                                asio::ssl::context::no_tlsv1_1,
                            ec);
  if (!ec) impl->context.set_verify_mode(asio::ssl::verify_peer, ec);
  if (!ec) {
    if (ca_file.empty()) {
      impl->context.set_default_verify_paths(ec);
    } else {
      impl->context.load_verify_file(ca_file, ec);
    }
  }
  if (ec) {
    return Unexpected(std::string(ca_file.empty() ? "the system's trust store" : ca_file) +
                      " cannot be used: " + ec.message());
  }
  return std::shared_ptr<const TlsClientContext>(new TlsClientContext(std::move(impl)));
}

constexpr std::string_view kClientFailureNames[] = {"bad_url", "resolve",  "connect",  "timeout",
                                                    "tls",     "exchange", "too_large"};
static_assert(names_through(kClientFailureNames, ClientFailure::too_large));

std::string_view to_string(ClientFailure failure) noexcept {
  return name_at(kClientFailureNames, failure, "exchange");
}

std::optional<std::string_view> ClientResponse::header(std::string_view lower_case_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_case_name) return std::string_view(value);
  }
  return std::nullopt;
}

namespace {

struct Url {
  bool https = false;
  std::string host;  // without brackets
  bool ip_literal = false;
  std::uint16_t port = 0;
  std::string target;  // "/path?query"
  std::string origin;  // "scheme://host:port", for messages and the Host header's source

  std::string host_header() const {
    const bool v6 = host.find(':') != std::string::npos;
    std::string out = v6 ? "[" + host + "]" : host;
    if (port != (https ? 443 : 80)) out += ":" + std::to_string(port);
    return out;
  }
};

bool has_line_break(std::string_view s) {
  return !is_safe_header_value(s);
}

Expected<Url, std::string> parse_url(std::string_view text) {
  Url url;
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return Unexpected(std::string("not an absolute URL"));
  const std::string_view scheme = text.substr(0, scheme_end);
  if (text::iequals(scheme, "https")) {
    url.https = true;
  } else if (!text::iequals(scheme, "http")) {
    return Unexpected(std::string("the scheme must be http or https"));
  }
  std::string_view rest = text.substr(scheme_end + 3);
  const auto authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return Unexpected(std::string("user information in the URL is not supported"));
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return Unexpected(std::string("unclosed IPv6 literal"));
    url.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Unexpected(std::string("bad port"));
      port_text = after.substr(1);
    }
    url.ip_literal = true;
  } else {
    const auto colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return Unexpected(std::string("no host"));
  for (const char c : url.host) {
    if (!(text::is_alnum(c) || c == '.' || c == '-' || c == '_' || (url.ip_literal && c == ':'))) {
      return Unexpected(std::string("the host holds characters a host name cannot"));
    }
  }
  url.port = url.https ? 443 : 80;
  if (!port_text.empty()) {
    unsigned value = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return Unexpected(std::string("bad port"));
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  if (const auto hash = target.find('#'); hash != std::string_view::npos) {
    target = target.substr(0, hash);
  }
  for (const char c : target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return Unexpected(std::string("the path holds spaces, controls or raw non-ASCII bytes"));
    }
  }
  url.target = target.empty()
                   ? "/"
                   : (target.front() == '?' ? "/" + std::string(target) : std::string(target));
  boost::system::error_code ec;
  asio::ip::make_address(url.host, ec);
  url.ip_literal = !ec;
  const bool v6 = url.host.find(':') != std::string::npos;
  url.origin = std::string(url.https ? "https://" : "http://") + (v6 ? "[" : "") + url.host +
               (v6 ? "]" : "") + ":" + std::to_string(url.port);
  return url;
}

Unexpected<ClientError> fail(ClientFailure failure, const Url& url, std::string_view what) {
  return Unexpected(ClientError{failure, url.origin + ": " + std::string(what)});
}

ClientFailure failure_of(const boost::system::error_code& ec, ClientFailure otherwise) {
  if (ec == beast::error::timeout) return ClientFailure::timeout;
  if (ec == beast::http::error::body_limit || ec == beast::http::error::header_limit ||
      ec == beast::http::error::buffer_overflow) {
    return ClientFailure::too_large;
  }
  return otherwise;
}

// Resolves `url.host` unless it is an IP literal; bounded by `deadline`.
asio::awaitable<Expected<std::vector<tcp::endpoint>, ClientError>> resolve(
    const Url& url, Clock::time_point deadline) {
  using namespace asio::experimental::awaitable_operators;
  if (url.ip_literal) {
    co_return std::vector<tcp::endpoint>{tcp::endpoint(asio::ip::make_address(url.host), url.port)};
  }
  auto executor = co_await asio::this_coro::executor;
  const std::string port = std::to_string(url.port);
  tcp::resolver resolver(executor);
  asio::steady_timer timer(executor, deadline);
  auto outcome =
      co_await (resolver.async_resolve(url.host, port, asio::as_tuple(asio::use_awaitable)) ||
                timer.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (outcome.index() == 1)
    co_return fail(ClientFailure::timeout, url, "name resolution timed out");
  auto [ec, results] = std::get<0>(std::move(outcome));
  if (ec || results.empty()) {
    co_return fail(ClientFailure::resolve, url, "cannot resolve the host: " + ec.message());
  }
  std::vector<tcp::endpoint> endpoints;
  for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  co_return endpoints;
}

// Writes the request and reads the answer on a connected (and, for https, handshaken)
// stream whose timer the caller has armed with the deadline.
template <class Stream>
asio::awaitable<Expected<ClientResponse, ClientError>> exchange(Stream& stream, const Url& url,
                                                                const ClientRequest& request) {
  beast::http::request<beast::http::string_body> message;
  message.method_string(request.method);
  message.target(url.target);
  message.version(11);
  message.set(beast::http::field::host, url.host_header());
  message.set(beast::http::field::user_agent, "upgate/0.1");
  for (const auto& [name, value] : request.headers) message.insert(name, value);
  message.keep_alive(false);
  message.body() = request.body;
  message.prepare_payload();
  auto [write_ec, written] =
      co_await beast::http::async_write(stream, message, asio::as_tuple(asio::use_awaitable));
  (void)written;
  if (write_ec) {
    co_return fail(failure_of(write_ec, ClientFailure::exchange), url,
                   "sending the request failed: " + write_ec.message());
  }
  beast::flat_buffer buffer;
  beast::http::response_parser<beast::http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(request.max_response_header));
  parser.body_limit(request.max_response_body);
  auto [read_ec, read] =
      co_await beast::http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
  (void)read;
  if (read_ec) {
    co_return fail(failure_of(read_ec, ClientFailure::exchange), url,
                   "reading the answer failed: " + read_ec.message());
  }
  auto& answer = parser.get();
  ClientResponse response;
  response.status = static_cast<int>(answer.result_int());
  for (const auto& field : answer) {
    response.headers.emplace_back(text::lower(field.name_string()), std::string(field.value()));
  }
  response.body = std::move(answer.body());
  co_return response;
}

}  // namespace

asio::awaitable<Expected<ClientResponse, ClientError>> fetch(
    ClientRequest request, std::shared_ptr<const TlsClientContext> tls) {
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + request.timeout;
  const Clock::time_point connect_deadline = std::min(deadline, start + request.connect_timeout);

  auto url = parse_url(request.url);
  if (!url) co_return Unexpected(ClientError{ClientFailure::bad_url, url.error()});
  if (has_line_break(request.method) || request.method.empty()) {
    co_return fail(ClientFailure::bad_url, *url, "bad method");
  }
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || has_line_break(name) || has_line_break(value)) {
      co_return fail(ClientFailure::bad_url, *url, "a header holds CR, LF or NUL");
    }
  }
  if (url->https && !tls) co_return fail(ClientFailure::tls, *url, "https needs a TLS context");

  auto endpoints = co_await resolve(*url, connect_deadline);
  if (!endpoints) co_return Unexpected(std::move(endpoints).error());

  auto executor = co_await asio::this_coro::executor;
  beast::tcp_stream stream(executor);
  stream.expires_at(connect_deadline);
  auto [connect_ec, endpoint] =
      co_await stream.async_connect(*endpoints, asio::as_tuple(asio::use_awaitable));
  (void)endpoint;
  if (connect_ec) {
    co_return fail(
        connect_ec == beast::error::timeout ? ClientFailure::timeout : ClientFailure::connect, *url,
        "cannot connect: " + connect_ec.message());
  }
  stream.expires_at(deadline);

  if (!url->https) {
    auto response = co_await exchange(stream, *url, request);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return response;
  }

  // asio::ssl::context is only read here (SSL_new takes its own reference), which is
  // safe from many threads at once.
  auto& context = const_cast<asio::ssl::context&>(tls->impl().context);
  beast::ssl_stream<beast::tcp_stream> secure(std::move(stream), context);
  if (!url->ip_literal && !SSL_set_tlsext_host_name(secure.native_handle(), url->host.c_str())) {
    co_return fail(ClientFailure::tls, *url, "cannot set the TLS server name");
  }
  secure.set_verify_mode(asio::ssl::verify_peer);
  secure.set_verify_callback(asio::ssl::host_name_verification(url->host));
  auto [handshake_ec] = co_await secure.async_handshake(asio::ssl::stream_base::client,
                                                        asio::as_tuple(asio::use_awaitable));
  if (handshake_ec) {
    co_return fail(failure_of(handshake_ec, ClientFailure::tls), *url,
                   "TLS handshake failed: " + handshake_ec.message());
  }
  auto response = co_await exchange(secure, *url, request);
  // No close_notify: the answer's framing already said where it ended, and waiting for
  // the peer's reply to ours would only add a round trip.
  boost::system::error_code ignored;
  beast::get_lowest_layer(secure).socket().shutdown(tcp::socket::shutdown_both, ignored);
  co_return response;
}

}  // namespace upgate::http
