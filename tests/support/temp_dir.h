#pragma once
// A directory under $TMPDIR (or /tmp) that is removed with everything in it when the
// object goes out of scope. Tests create and erase only what is inside one of these.

#include <string>

namespace tillid::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Reads a whole file, or "" when it cannot be read.
std::string readFile(const std::string& path);
void writeFile(const std::string& path, const std::string& content);

// Directory of the shared real captures (../shared/data/pcaps beside the project).
std::string pcapPath(const std::string& name);

}  // namespace tillid::test
