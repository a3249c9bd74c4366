// The fuzz targets without libFuzzer (any compiler): feeds LLVMFuzzerTestOneInput every file
// of the corpus folders given, then deterministic mutations of each (bit flips,
// truncations, duplicated runs, interesting bytes, splices of another file, erasures).
// Registered as the unit test fuzz.NAME, so every build replays the corpus, and
// `make test-asan` does so under ASan+UBSan. A crash or a sanitizer report fails it.
//
//   fuzz_NAME [--mutations N] DIR|FILE...
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

void run(const std::string& input) {
  // A copy of exactly the input's size, so ASan sees a read past its end.
  std::vector<std::uint8_t> bytes(input.begin(), input.end());
  LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string mutate(std::string input, const std::vector<std::string>& corpus,
                   std::mt19937_64& rng) {
  const int edits = 1 + static_cast<int>(rng() % 6);
  for (int e = 0; e < edits; ++e) {
    const std::size_t at = input.empty() ? 0 : rng() % input.size();
    switch (rng() % 6) {
      case 0:  // flip a bit
        if (!input.empty()) input[at] = static_cast<char>(input[at] ^ (1 << (rng() % 8)));
        break;
      case 1:  // truncate
        input.resize(at);
        break;
      case 2:  // duplicate a run
        input.insert(at, input.substr(at, rng() % 64));
        break;
      case 3:  // an interesting byte
        input.insert(at, 1, "\r\n;:=-%\"<>{}[]/\\$&?\0\xff"[rng() % 21]);
        break;
      case 4: {  // splice in a piece of another input
        const std::string& other = corpus[rng() % corpus.size()];
        input.insert(at, other.substr(other.empty() ? 0 : rng() % other.size(), rng() % 80));
        break;
      }
      default:  // erase
        input.erase(at, rng() % 16);
        break;
    }
  }
  return input;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t mutations = 200;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--mutations" && i + 1 < argc) {
      mutations = std::strtoul(argv[++i], nullptr, 10);
    } else if (fs::is_directory(arg)) {
      for (const auto& entry : fs::directory_iterator(arg)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
    } else {
      files.emplace_back(arg);
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "usage: %s [--mutations N] DIR|FILE... (no input found)\n", argv[0]);
    return 2;
  }
  std::vector<std::string> corpus;
  for (const auto& f : files) corpus.push_back(read(f));
  std::mt19937_64 rng(20261207);
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    run(corpus[i]);
    for (std::size_t m = 0; m < mutations; ++m) run(mutate(corpus[i], corpus, rng));
  }
  std::printf("%zu inputs, %zu mutations each: no crash\n", corpus.size(), mutations);
  return 0;
}
