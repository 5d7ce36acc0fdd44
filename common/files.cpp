#include "common/files.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tillid {

Result<std::string> readWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::error(ErrorCode::kNotFound, path + ": cannot read: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::error(ErrorCode::kIo, path + ": read failed part way");
  return text.str();
}

}  // namespace tillid
