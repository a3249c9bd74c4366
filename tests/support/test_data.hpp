// The shared files under tests/data, read whole. UPGATE_TEST_DATA_DIR is set for every unit
// test executable by tests/CMakeLists.txt; a missing file is a broken checkout and throws.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace upgate::testing {

inline std::string read_test_data(const std::string& name) {
  const std::string path = std::string(UPGATE_TEST_DATA_DIR) + "/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read test data " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace upgate::testing
