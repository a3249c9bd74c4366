// Deterministic input mutation for the parsers' hostile-input tests: flips,
// inserts, deletes and duplicates bytes of a seed, with a fixed PRNG so a
// failure always reproduces. Not a coverage-guided fuzzer; it makes sure a
// few thousand odd inputs per parser are survived under ASan and UBSan.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace upgate::s3::testing {

class Mutator {
 public:
  explicit Mutator(std::uint64_t seed) : state_(seed | 1) {}

  std::uint64_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }

  std::string mutate(std::string_view seed) {
    std::string s(seed);
    const int edits = 1 + static_cast<int>(next() % 8);
    static constexpr std::string_view kInteresting[] = {
        "<",
        ">",
        "&",
        ";",
        "\"",
        "'",
        "/",
        "-",
        ",",
        "*",
        "%",
        "=",
        " ",
        "\r",
        "\n",
        "\t",
        "\x00",
        "\xff",
        "\xc3",
        "\xe2\x82",
        "&amp;",
        "&#0;",
        "<!DOCTYPE x>",
        "<![CDATA[",
        "]]>",
        "<?pi?>",
        "<!--",
        "-->",
        "9999999999999999999999",
        "-1",
        "0",
        "W/",
        "bytes=",
    };
    for (int i = 0; i < edits; ++i) {
      const std::size_t pos = s.empty() ? 0 : next() % (s.size() + 1);
      switch (next() % 5) {
        case 0:
          if (!s.empty() && pos < s.size()) s[pos] = static_cast<char>(next() & 0xFF);
          break;
        case 1:
          if (!s.empty() && pos < s.size()) s.erase(pos, 1 + next() % 8);
          break;
        case 2: {
          const auto& piece = kInteresting[next() % std::size(kInteresting)];
          s.insert(pos, piece.data(), piece.empty() ? 1 : piece.size());
          break;
        }
        case 3:
          if (!s.empty() && pos < s.size()) {
            const std::size_t len = 1 + next() % 16;
            s.insert(pos, s.substr(pos, len));
          }
          break;
        default:
          s.insert(pos, 1, static_cast<char>(next() & 0xFF));
          break;
      }
    }
    return s;
  }

 private:
  std::uint64_t state_;
};

}  // namespace upgate::s3::testing
