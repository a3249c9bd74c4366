#include <upgate/http/exchange.hpp>

#include "upgate/enum_names.hpp"

#include "connection.hpp"

namespace upgate::http {

namespace asio = boost::asio;

constexpr std::string_view kBodyErrorSentences[] = {
    "request body too large", "request body timed out",
    "connection closed before the body was complete", "malformed chunked body",
    "server shutting down"};
static_assert(names_through(kBodyErrorSentences, BodyError::shutting_down));

std::string_view to_string(BodyError e) noexcept {
  return name_at(kBodyErrorSentences, e, "unknown body error");
}

constexpr std::string_view kWriteErrorSentences[] = {
    "connection closed", "response already written", "write_header() was not called",
    "body length differs from Content-Length"};
static_assert(names_through(kWriteErrorSentences, WriteError::length_mismatch));

std::string_view to_string(WriteError e) noexcept {
  return name_at(kWriteErrorSentences, e, "unknown write error");
}

const Request& Exchange::request() const noexcept {
  return connection_.request();
}
std::string_view Exchange::request_id() const noexcept {
  return connection_.request_id();
}
std::string Exchange::remote_endpoint() const {
  return connection_.remote_endpoint();
}
std::uint64_t Exchange::body_limit() const noexcept {
  return connection_.body_limit();
}
void Exchange::set_body_limit(std::uint64_t limit) noexcept {
  connection_.set_body_limit(limit);
}

asio::awaitable<Expected<std::size_t, BodyError>> Exchange::read_body_some(std::span<char> buffer) {
  return connection_.read_body_some(buffer.data(), buffer.size(), connection_.body_limit());
}

asio::awaitable<Expected<std::string, BodyError>> Exchange::read_body(std::size_t max_bytes) {
  return connection_.read_body(max_bytes);
}

bool Exchange::body_complete() const noexcept {
  return connection_.body_complete();
}
std::uint64_t Exchange::body_bytes_read() const noexcept {
  return connection_.body_bytes_read();
}

asio::awaitable<Expected<void, WriteError>> Exchange::respond(const Response& response) {
  return connection_.respond(response);
}

asio::awaitable<Expected<void, WriteError>> Exchange::write_header(const Response& head,
                                                                   BodyFraming framing) {
  return connection_.write_header(head, framing);
}

asio::awaitable<Expected<void, WriteError>> Exchange::write_body_chunk(std::string_view bytes) {
  return connection_.write_body_chunk(bytes);
}

asio::awaitable<Expected<void, WriteError>> Exchange::finish() {
  return connection_.finish();
}
bool Exchange::responded() const noexcept {
  return connection_.responded();
}
int Exchange::response_status() const noexcept {
  return connection_.response_status();
}
void Exchange::close_after_response() noexcept {
  connection_.close_after_response();
}
void Exchange::set_route_name(std::string_view name) noexcept {
  connection_.set_route_name(name);
}

asio::awaitable<void> Exchange::run_blocking(std::function<void()> fn) {
  return connection_.run_blocking(std::move(fn));
}

asio::any_io_executor Exchange::blocking_executor() const noexcept {
  return connection_.blocking_executor();
}

}  // namespace upgate::http
