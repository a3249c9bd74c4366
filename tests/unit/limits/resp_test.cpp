#include "upgate/limits/resp.hpp"

#include <gtest/gtest.h>

#include "support/cases.hpp"

#include <array>
#include <string>
#include <vector>

namespace upgate::limits {
namespace {

using upgate::testing::results_of;

using Type = RespValue::Type;

RespValue value(Type type, std::string text = {}) {
  RespValue v;
  v.type = type;
  v.text = std::move(text);
  return v;
}

std::string encode(std::vector<std::string_view> arguments) {
  return encode_command(arguments);
}

TEST(EncodeCommand, ArraysOfBulkStrings) {
  EXPECT_EQ(encode({"GET", "k"}), "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
  EXPECT_EQ(encode({"SET", "", "v"}), "*3\r\n$3\r\nSET\r\n$0\r\n\r\n$1\r\nv\r\n");
}

TEST(EncodeCommand, BinarySafe) {
  const std::string binary("a\0b\r\nc", 6);
  EXPECT_EQ(encode({"ECHO", binary}), std::string("*2\r\n$4\r\nECHO\r\n$6\r\na\0b\r\nc\r\n", 26));
  const std::string big(100000, 'x');
  const std::string wire = encode({"SET", "k", big});
  EXPECT_EQ(wire.substr(0, 27), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000");
  EXPECT_EQ(wire.size(), 27 + 2 + big.size() + 2);
}

// Decodes `wire` fed one byte at a time, which must give exactly one reply.
RespValue decode_bytewise(std::string_view wire) {
  RespDecoder decoder;
  std::optional<RespValue> reply;
  for (std::size_t i = 0; i < wire.size(); ++i) {
    decoder.feed(wire.substr(i, 1));
    auto next = decoder.next();
    EXPECT_TRUE(next) << next.error();
    if (!next) return {};
    if (next->has_value()) {
      EXPECT_EQ(i + 1, wire.size()) << "reply complete before its last byte";
      reply = std::move(**next);
    }
  }
  EXPECT_TRUE(reply.has_value());
  return reply.value_or(RespValue{});
}

std::string decode_error(std::string_view wire, RespLimits limits = {}) {
  RespDecoder decoder(limits);
  decoder.feed(wire);
  auto next = decoder.next();
  if (next) return next->has_value() ? "<a reply>" : "<incomplete>";
  // A failed decoder stays failed.
  decoder.feed("+OK\r\n");
  EXPECT_FALSE(decoder.next());
  return next.error();
}

// decode_error with the default limits, for the tables of refused wires below.
std::string refusal(std::string_view wire) {
  return decode_error(wire);
}

TEST(RespDecoder, EveryType) {
  EXPECT_EQ(decode_bytewise("+OK\r\n"), value(Type::simple_string, "OK"));
  EXPECT_EQ(decode_bytewise("-NOSCRIPT No matching script\r\n"),
            value(Type::error, "NOSCRIPT No matching script"));
  EXPECT_EQ(decode_bytewise(":-42\r\n").integer, -42);
  EXPECT_EQ(decode_bytewise(":9223372036854775807\r\n").integer, 9223372036854775807LL);
  EXPECT_EQ(decode_bytewise("$5\r\nhe\r\no\r\n"), value(Type::bulk_string, "he\r\no"));
  EXPECT_EQ(decode_bytewise("$0\r\n\r\n"), value(Type::bulk_string, ""));
  EXPECT_EQ(decode_bytewise("$-1\r\n").type, Type::nil);
  EXPECT_EQ(decode_bytewise("*-1\r\n").type, Type::nil);
  EXPECT_EQ(decode_bytewise("*0\r\n"), value(Type::array));
}

TEST(RespDecoder, NestedArrays) {
  const RespValue v = decode_bytewise("*3\r\n:1\r\n*2\r\n$1\r\na\r\n*0\r\n$-1\r\n");
  ASSERT_EQ(v.type, Type::array);
  ASSERT_EQ(v.elements.size(), 3u);
  EXPECT_EQ(v.elements[0].integer, 1);
  ASSERT_EQ(v.elements[1].elements.size(), 2u);
  EXPECT_EQ(v.elements[1].elements[0].text, "a");
  EXPECT_EQ(v.elements[1].elements[1].type, Type::array);
  EXPECT_EQ(v.elements[2].type, Type::nil);
}

TEST(RespDecoder, SeveralRepliesInOneRead) {
  RespDecoder decoder;
  decoder.feed("+OK\r\n:1\r\n$2\r\nab");
  EXPECT_EQ(decoder.next().value()->text, "OK");
  EXPECT_EQ(decoder.next().value()->integer, 1);
  EXPECT_FALSE(decoder.next().value().has_value());
  decoder.feed("\r\n");
  EXPECT_EQ(decoder.next().value()->text, "ab");
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(RespDecoder, HugeBulkLengthsAreRefusedBeforeAnyPayload) {
  results_of(refusal).expect({
      {"$9223372036854775807\r\n",
       "bulk string of 9223372036854775807 bytes is over the limit of 65536"},
      {"$99999999999999999999\r\n", "malformed bulk string length"},
      {"$65537\r\n", "bulk string of 65537 bytes is over the limit of 65536"},
      {"*1\r\n$65530\r\n", "reply larger than 65536 bytes"},
  });
}

TEST(RespDecoder, HugeArraysAreRefusedBeforeAnyElement) {
  results_of(refusal).expect({
      {"*2147483648\r\n", "array of 2147483648 elements is over the limit of 1024"},
      {"*1025\r\n", "array of 1025 elements is over the limit of 1024"},
      {"*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", "arrays nested deeper than 4"},
  });
}

TEST(RespDecoder, MalformedHeaders) {
  results_of(refusal).expect({
      {"$-2\r\n", "malformed bulk string length"},
      {"$+5\r\nhello\r\n", "malformed bulk string length"},
      {"$ 5\r\nhello\r\n", "malformed bulk string length"},
      {"$\r\n", "malformed bulk string length"},
      {"*x\r\n", "malformed array length"},
      {"*-5\r\n", "malformed array length"},
      {":12a\r\n", "malformed integer reply"},
      {":9223372036854775808\r\n", "malformed integer reply"},
      {":-9223372036854775808\r\n", "malformed integer reply"},
      {":+1\r\n", "malformed integer reply"},
      {":\r\n", "malformed integer reply"},
      {"$3\r\nabcX\r\n", "bulk string not followed by CRLF"},
      {":123456789012345678901234", "malformed length or integer line"},
  });
}

TEST(RespDecoder, WrongTypeBytes) {
  results_of(refusal).expect({
      {"HTTP/1.1 400 Bad Request\r\n", "unexpected reply type byte 'H'"},
      {"%1\r\n+a\r\n+b\r\n", "unexpected reply type byte '%'"},  // RESP3 map
      {"_\r\n", "unexpected reply type byte '_'"},               // RESP3 null
      {std::string_view("\0", 1), "unexpected reply type byte 0x00"},
      {"*2\r\n:1\r\n!5\r\n", "unexpected reply type byte '!'"},
  });
}

TEST(RespDecoder, LongStatusLines) {
  EXPECT_EQ(decode_error("+" + std::string(5000, 'a')),
            "status or error line longer than 4096 bytes");
  EXPECT_EQ(decode_error("+" + std::string(100, 'a')), "<incomplete>");
  EXPECT_EQ(decode_error("+a\rb\r\n"), "CR or LF inside a status or error line");
}

TEST(RespDecoder, LimitsAreSettings) {
  RespLimits small;
  small.max_reply_bytes = 16;
  EXPECT_EQ(decode_error("$17\r\n", small), "bulk string of 17 bytes is over the limit of 16");
  EXPECT_EQ(decode_error("*3\r\n:10\r\n:20\r\n:30\r\n", small), "reply larger than 16 bytes");
}

TEST(RespDecoder, ArbitrarySplitsGiveTheSameValue) {
  const std::string wire = "*4\r\n:1700000000000000\r\n:0\r\n$3\r\nabc\r\n*1\r\n-ERR x\r\n";
  RespDecoder whole;
  whole.feed(wire);
  const RespValue expected = whole.next().value().value();
  for (std::size_t cut = 1; cut < wire.size(); ++cut) {
    RespDecoder decoder;
    decoder.feed(wire.substr(0, cut));
    ASSERT_FALSE(decoder.next().value().has_value()) << cut;
    decoder.feed(wire.substr(cut));
    EXPECT_EQ(decoder.next().value().value(), expected) << cut;
  }
}

}  // namespace
}  // namespace upgate::limits
