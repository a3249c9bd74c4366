// Request bodies into blobs: socket, digest lane and write lane working at once.
#include "body_pipeline.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "engine_refusal.hpp"

namespace upgate::store {

namespace {

namespace asio = boost::asio;
using s3::ErrorCode;

// Fills `buffer` from the body; `eof` is set once the body is complete.
asio::awaitable<Expected<std::size_t, http::BodyError>> fill(http::Exchange& ex, char* buffer,
                                                             std::size_t capacity, bool& eof) {
  std::size_t n = 0;
  while (n < capacity) {
    auto got = co_await ex.read_body_some(std::span<char>(buffer + n, capacity - n));
    if (!got) co_return Unexpected(got.error());
    n += *got;
    if (*got == 0 || ex.body_complete()) {
      eof = true;
      break;
    }
  }
  co_return n;
}

// One buffer of the ring and what the lanes found in it.
struct Slot {
  std::unique_ptr<char[]> bytes;  // allocated the first time the body needs this slot
  std::size_t filled = 0;
  // The decoded data inside `bytes`, in order: all of it for a plain body, the
  // chunk payloads between the framing for aws-chunked.
  std::vector<std::span<const std::byte>> pieces;
  std::optional<s3::S3Error> error;
  std::exception_ptr exception;
};

// Records a decoded piece, merging it with the previous one when they touch.
void add_piece(std::vector<std::span<const std::byte>>& pieces, std::span<const std::byte> piece) {
  if (!pieces.empty() && pieces.back().data() + pieces.back().size() == piece.data()) {
    pieces.back() = {pieces.back().data(), pieces.back().size() + piece.size()};
  } else {
    pieces.push_back(piece);
  }
}

}  // namespace

s3::S3Error body_read_error(http::BodyError e) {
  switch (e) {
    case http::BodyError::too_large:
      return s3::make_error(ErrorCode::EntityTooLarge).because("body over the size limit");
    case http::BodyError::timeout:
      return s3::make_error(ErrorCode::RequestTimeout).because("body read timed out");
    case http::BodyError::closed:
      return s3::make_error(ErrorCode::IncompleteBody).because("client closed before the end");
    case http::BodyError::malformed:
      return s3::make_error(ErrorCode::IncompleteBody).because("malformed chunked body");
    case http::BodyError::shutting_down:
      return s3::make_error(ErrorCode::ServiceUnavailable).because("server shutting down");
  }
  return s3::make_error(ErrorCode::InternalError);
}

asio::awaitable<Expected<void, s3::S3Error>> stream_into_blob(http::Exchange& exchange,
                                                              PayloadDecoder& decoder,
                                                              BlobWriter& writer,
                                                              BodyPipelineOptions options) {
  const std::size_t ring = std::max<std::size_t>(options.buffers, 1);
  const asio::any_io_executor io = co_await asio::this_coro::executor;
  auto digest_lane = asio::make_strand(exchange.blocking_executor());
  auto write_lane = asio::make_strand(exchange.blocking_executor());
  // One message per buffer the write lane is done with, in stream order (both lanes
  // are FIFO). Never full: at most `ring` buffers are in flight.
  asio::experimental::channel<void(boost::system::error_code)> done(io, ring);
  std::vector<Slot> slots(ring);
  std::atomic<bool> stopped = false;  // a lane failed: skip the work still queued

  auto digest = [&](Slot& slot) {
    slot.pieces.clear();
    if (stopped) return;
    try {
      const std::string_view raw(slot.bytes.get(), slot.filled);
      auto consumed =
          decoder.consume(raw, [&](std::string_view bytes) -> Expected<void, s3::S3Error> {
            const auto piece = std::as_bytes(std::span<const char>(bytes.data(), bytes.size()));
            if (auto digested = writer.digest(piece); !digested) {
              return Unexpected(to_s3_error(digested.error()));
            }
            add_piece(slot.pieces, piece);
            return {};
          });
      if (!consumed) {
        slot.error = std::move(consumed).error();
        stopped = true;
      }
    } catch (...) {
      slot.exception = std::current_exception();
      stopped = true;
    }
  };
  auto write = [&](Slot& slot) {
    if (stopped) return;
    try {
      if (auto written = writer.write(slot.pieces); !written) {
        slot.error = to_s3_error(written.error());
        stopped = true;
      }
    } catch (...) {
      slot.exception = std::current_exception();
      stopped = true;
    }
  };
  auto dispatch = [&](Slot& slot) {
    asio::post(digest_lane, [&, s = &slot] {
      digest(*s);
      asio::post(write_lane, [&, s] {
        write(*s);
        asio::post(io, [&] { done.try_send(boost::system::error_code{}); });
      });
    });
  };

  std::size_t next = 0;    // the slot the socket fills next
  std::size_t oldest = 0;  // the slot the lanes finish next
  std::size_t in_flight = 0;
  std::optional<s3::S3Error> error;  // the earliest in the stream
  std::exception_ptr exception;
  auto retire = [&] {
    Slot& slot = slots[oldest];
    if (!error && !exception) {
      if (slot.exception) {
        exception = slot.exception;
      } else if (slot.error) {
        error = std::move(slot.error);
      }
    }
    slot.error.reset();
    slot.exception = nullptr;
    oldest = (oldest + 1) % ring;
    --in_flight;
  };
  auto wait_for_one = [&]() -> asio::awaitable<void> {
    co_await done.async_receive(asio::as_tuple(asio::use_awaitable));
    retire();
  };

  std::optional<http::BodyError> read_error;
  bool eof = !exchange.request().has_body();
  while (!eof && !stopped) {
    while (in_flight > 0 && done.try_receive([](boost::system::error_code) {})) retire();
    if (in_flight == ring) {
      co_await wait_for_one();
      continue;
    }
    Slot& slot = slots[next];
    if (!slot.bytes) slot.bytes = std::make_unique_for_overwrite<char[]>(options.buffer_bytes);
    auto got = co_await fill(exchange, slot.bytes.get(), options.buffer_bytes, eof);
    if (!got) {
      read_error = got.error();
      break;
    }
    if (*got == 0) break;
    slot.filled = *got;
    dispatch(slot);
    next = (next + 1) % ring;
    ++in_flight;
  }
  while (in_flight > 0) co_await wait_for_one();

  if (exception) std::rethrow_exception(exception);
  if (error) co_return Unexpected(std::move(*error));
  if (read_error) co_return Unexpected(body_read_error(*read_error));
  co_return Expected<void, s3::S3Error>{};
}

}  // namespace upgate::store
