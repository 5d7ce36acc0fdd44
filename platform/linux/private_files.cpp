// Private files on Linux: the owner's read and write bits only (0600), shared ones 0644,
// private directories 0700; a directory with the sticky bit (/tmp) is shared by design.

#include "platform/private_files.h"

#include <filesystem>
#include <fstream>

namespace tillid::platform {
namespace {

namespace fs = std::filesystem;

constexpr fs::perms kOwnerOnly = fs::perms::owner_read | fs::perms::owner_write;
constexpr fs::perms kReadableByAll = kOwnerOnly | fs::perms::group_read | fs::perms::others_read;

Status writeFile(const std::string& path, const std::string& content, fs::perms perms) {
  const std::string temp = path + ".tmp";
  try {
    {
      // Created empty, restricted, and only then filled.
      std::ofstream create(temp, std::ios::trunc);
      if (!create) return Status::error(ErrorCode::kIo, temp + ": cannot create");
    }
    fs::permissions(temp, perms, fs::perm_options::replace);
    std::ofstream out(temp, std::ios::trunc);
    out << content;
    out.close();
    if (!out) return Status::error(ErrorCode::kIo, temp + ": cannot write");
    fs::rename(temp, path);
  } catch (const fs::filesystem_error& e) {
    return Status::error(ErrorCode::kIo, e.what());
  }
  return Status::ok();
}

}  // namespace

Status writePrivateFile(const std::string& path, const std::string& content) {
  return writeFile(path, content, kOwnerOnly);
}

Status writeSharedFile(const std::string& path, const std::string& content) {
  return writeFile(path, content, kReadableByAll);
}

Status restrictToOwner(const std::string& path) {
  std::error_code ec;
  fs::permissions(path, kOwnerOnly, fs::perm_options::replace, ec);
  if (ec == std::errc::no_such_file_or_directory) {
    return Status::error(ErrorCode::kNotFound, path + ": no such file");
  }
  if (ec) return Status::error(ErrorCode::kIo, path + ": " + ec.message());
  return Status::ok();
}

Status preparePrivateDirectory(const std::string& path) {
  std::error_code ec;
  if (fs::create_directories(path, ec)) {
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::replace, ec);
  } else if (!ec) {
    const fs::perms current = fs::status(path, ec).permissions();
    if (!ec && (current & fs::perms::sticky_bit) != fs::perms::none) {
      return Status::error(ErrorCode::kInvalidArgument,
                           path + " is a shared directory; give the agent one of its own");
    }
    if (!ec) {
      fs::permissions(path, fs::perms::group_all | fs::perms::others_all, fs::perm_options::remove,
                      ec);
    }
  }
  if (ec) return Status::error(ErrorCode::kIo, ec.message());
  return Status::ok();
}

}  // namespace tillid::platform
