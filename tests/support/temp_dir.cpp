#include "tests/support/temp_dir.h"

#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/TemporaryFile.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tillid::test {

TempDir::TempDir() {
  path_ = Poco::TemporaryFile::tempName(Poco::Path::temp());
  while (!path_.empty() && path_.back() == '/') path_.pop_back();
  path_ += "-tillid-test";
  Poco::File(path_).createDirectories();
}

TempDir::~TempDir() {
  try {
    // Guard: only ever remove what this object created under the temp directory.
    if (path_.find("-tillid-test") != std::string::npos) Poco::File(path_).remove(true);
  } catch (...) {
  }
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path);
  out << content;
}

std::string pcapPath(const std::string& name) {
  return std::string(TILLID_PCAP_DIR) + "/" + name;
}

}  // namespace tillid::test
