// RESP2 through hiredis, with a framer that checks every header before hiredis reads it.
#include "upgate/limits/resp.hpp"

#include <hiredis/hiredis.h>

#include <charconv>
#include <climits>
#include <memory>
#include <new>
#include <stdexcept>

namespace upgate::limits {
namespace {

// hiredis' object functions, building RespValue trees. A child lives inside its parent's
// element vector (sized when the array header was read), so only a root is ever allocated
// or freed on its own, which is all hiredis frees.
RespValue* place(const redisReadTask* task) {
  if (task->parent != nullptr) {
    auto* parent = static_cast<RespValue*>(task->parent->obj);
    return &parent->elements[static_cast<std::size_t>(task->idx)];
  }
  return new RespValue();
}

void* create_string(const redisReadTask* task, char* str, std::size_t len) noexcept {
  try {
    RespValue* value = place(task);
    value->type = task->type == REDIS_REPLY_ERROR    ? RespValue::Type::error
                  : task->type == REDIS_REPLY_STATUS ? RespValue::Type::simple_string
                                                     : RespValue::Type::bulk_string;
    value->text.assign(str, len);
    return value;
  } catch (...) {
    return nullptr;  // hiredis reports out of memory
  }
}

void* create_array(const redisReadTask* task, int elements) noexcept {
  try {
    RespValue* value = place(task);
    value->type = RespValue::Type::array;
    value->elements.resize(static_cast<std::size_t>(elements < 0 ? 0 : elements));
    return value;
  } catch (...) {
    return nullptr;
  }
}

void* create_integer(const redisReadTask* task, long long integer) noexcept {
  try {
    RespValue* value = place(task);
    value->type = RespValue::Type::integer;
    value->integer = integer;
    return value;
  } catch (...) {
    return nullptr;
  }
}

void* create_nil(const redisReadTask* task) noexcept {
  try {
    RespValue* value = place(task);
    value->type = RespValue::Type::nil;
    return value;
  } catch (...) {
    return nullptr;
  }
}

void free_object(void* object) noexcept {
  delete static_cast<RespValue*>(object);
}

redisReplyObjectFunctions kRespValueFunctions = {create_string, create_array, create_integer,
                                                 create_nil, free_object};

// A RESP integer: an optional '-' and 1 to 19 digits whose magnitude fits in 63 bits
// (hiredis 0.14 accumulates the magnitude in a signed long long, so LLONG_MIN overflows).
bool parse_integer(std::string_view line, long long& out) {
  if (line.empty() || line.size() > 20 || line.front() == '+') return false;
  const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), out);
  return ec == std::errc() && end == line.data() + line.size() && out != LLONG_MIN;
}

// A length: "-1" (nil) or plain digits.
bool parse_length(std::string_view line, long long& out) {
  if (line == "-1") {
    out = -1;
    return true;
  }
  if (line.empty() || line.size() > 19) return false;
  for (const char c : line) {
    if (c < '0' || c > '9') return false;
  }
  return parse_integer(line, out);
}

std::string describe_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u <= 0x7e) return std::string("'") + c + "'";
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("0x") + kHex[u >> 4] + kHex[u & 0x0f];
}

}  // namespace

std::string encode_command(std::span<const std::string_view> arguments) {
  if (arguments.size() > static_cast<std::size_t>(INT_MAX)) throw std::bad_alloc();
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(arguments.size());
  lengths.reserve(arguments.size());
  for (const std::string_view argument : arguments) {
    argv.push_back(argument.data());
    lengths.push_back(argument.size());
  }
  char* command = nullptr;
  const int length = redisFormatCommandArgv(&command, static_cast<int>(arguments.size()),
                                            argv.data(), lengths.data());
  if (length < 0 || command == nullptr) throw std::bad_alloc();
  std::unique_ptr<char, void (*)(char*)> owned(command, redisFreeCommand);
  return std::string(command, static_cast<std::size_t>(length));
}

RespDecoder::RespDecoder(RespLimits limits) : limits_(limits) {
  reader_ = redisReaderCreateWithFunctions(&kRespValueFunctions);
  if (reader_ == nullptr) throw std::bad_alloc();
}

RespDecoder::~RespDecoder() {
  redisReaderFree(reader_);
}

void RespDecoder::feed(std::string_view bytes) {
  buffer_.append(bytes);
}

RespDecoder::Scan RespDecoder::scan() {
  while (scan_pos_ < buffer_.size()) {
    const char type = buffer_[scan_pos_];
    const bool is_line = type == '+' || type == '-';
    const std::size_t longest = is_line ? limits_.max_line_bytes : 20;
    const std::size_t line_start = scan_pos_ + 1;
    const std::size_t searched = std::min(buffer_.size(), line_start + longest + 2);
    const std::size_t crlf = std::string_view(buffer_).substr(0, searched).find("\r\n", line_start);
    if (type != '+' && type != '-' && type != ':' && type != '$' && type != '*') {
      error_ = "unexpected reply type byte " + describe_byte(type);
      return Scan::invalid;
    }
    if (crlf == std::string_view::npos) {
      if (buffer_.size() - line_start > longest + 1) {
        error_ = is_line ? "status or error line longer than " + std::to_string(longest) + " bytes"
                         : "malformed length or integer line";
        return Scan::invalid;
      }
      return Scan::incomplete;
    }
    const std::string_view line(buffer_.data() + line_start, crlf - line_start);
    std::size_t item_end = crlf + 2;
    long long number = 0;
    switch (type) {
      case '+':
      case '-':
        if (line.find_first_of("\r\n") != std::string_view::npos) {
          error_ = "CR or LF inside a status or error line";
          return Scan::invalid;
        }
        break;
      case ':':
        if (!parse_integer(line, number)) {
          error_ = "malformed integer reply";
          return Scan::invalid;
        }
        break;
      case '$':
        if (!parse_length(line, number)) {
          error_ = "malformed bulk string length";
          return Scan::invalid;
        }
        if (number >= 0) {
          if (static_cast<unsigned long long>(number) > limits_.max_reply_bytes) {
            error_ = "bulk string of " + std::string(line) + " bytes is over the limit of " +
                     std::to_string(limits_.max_reply_bytes);
            return Scan::invalid;
          }
          item_end += static_cast<std::size_t>(number) + 2;
        }
        break;
      case '*':
        if (!parse_length(line, number)) {
          error_ = "malformed array length";
          return Scan::invalid;
        }
        if (number > 0) {
          if (static_cast<unsigned long long>(number) > limits_.max_elements) {
            error_ = "array of " + std::string(line) + " elements is over the limit of " +
                     std::to_string(limits_.max_elements);
            return Scan::invalid;
          }
          if (open_arrays_.size() >= limits_.max_depth) {
            error_ = "arrays nested deeper than " + std::to_string(limits_.max_depth);
            return Scan::invalid;
          }
        }
        break;
    }
    if (item_end > limits_.max_reply_bytes) {
      error_ = "reply larger than " + std::to_string(limits_.max_reply_bytes) + " bytes";
      return Scan::invalid;
    }
    if (type == '*' && number > 0) {
      open_arrays_.push_back(static_cast<std::size_t>(number));
      scan_pos_ = item_end;
      continue;
    }
    if (item_end > buffer_.size()) return Scan::incomplete;
    if (type == '$' && number >= 0 && buffer_.compare(item_end - 2, 2, "\r\n") != 0) {
      error_ = "bulk string not followed by CRLF";
      return Scan::invalid;
    }
    scan_pos_ = item_end;
    // One item is complete; so is every array it completes.
    while (!open_arrays_.empty()) {
      if (--open_arrays_.back() > 0) break;
      open_arrays_.pop_back();
    }
    if (open_arrays_.empty()) return Scan::complete;
  }
  return Scan::incomplete;
}

Expected<std::optional<RespValue>, std::string> RespDecoder::next() {
  if (!error_.empty()) return Unexpected(error_);
  switch (scan()) {
    case Scan::invalid:
      return Unexpected(error_);
    case Scan::incomplete:
      return std::optional<RespValue>();
    case Scan::complete:
      break;
  }
  const std::size_t length = scan_pos_;
  void* reply = nullptr;
  if (redisReaderFeed(reader_, buffer_.data(), length) != REDIS_OK ||
      redisReaderGetReply(reader_, &reply) != REDIS_OK || reply == nullptr) {
    error_ = std::string("hiredis could not read a checked reply: ") + reader_->errstr;
    return Unexpected(error_);
  }
  std::unique_ptr<RespValue> value(static_cast<RespValue*>(reply));
  buffer_.erase(0, length);
  scan_pos_ = 0;
  return std::optional<RespValue>(std::move(*value));
}

}  // namespace upgate::limits
