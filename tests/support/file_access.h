#pragma once
// Who may use a file or directory, as the operating system records it (POSIX modes on Linux,
// the DACL on Windows), for contract tests of platform/private_files.h. The implementation
// for each operating system is in tests/support/<os>/, chosen by CMake.

#include <ostream>
#include <string>

namespace tillid::test {

// "Owner" is this process's account and, on Windows, the accounts that administer the
// machine (SYSTEM, Administrators); "others" is every other account. Read means reading a
// file's content or listing a directory; write means anything that changes the object, its
// content or its permissions.
struct FileAccess {
  bool ownerReads = false;
  bool ownerWrites = false;
  bool othersRead = false;
  bool othersWrite = false;
  bool operator==(const FileAccess&) const = default;
};

// For test failure messages: "{owner: rw, others: r-}".
inline std::ostream& operator<<(std::ostream& out, const FileAccess& a) {
  return out << "{owner: " << (a.ownerReads ? 'r' : '-') << (a.ownerWrites ? 'w' : '-')
             << ", others: " << (a.othersRead ? 'r' : '-') << (a.othersWrite ? 'w' : '-') << "}";
}

inline constexpr FileAccess kOwnerOnly{true, true, false, false};
inline constexpr FileAccess kReadableByAll{true, true, true, false};

// What the operating system records for the existing `path`; throws when it cannot be read.
FileAccess accessOf(const std::string& path);

// Lets every account read and write the existing `path` (and enter it, for a directory).
void openToEveryone(const std::string& path);

// Turns the existing directory `path` into one every user may create files in, each keeping
// their own (/tmp's sticky bit; the CREATOR OWNER entry of C:\Windows\Temp).
void makeSharedDirectory(const std::string& path);

// Skips the test (tests/support/skip.h) where permissions changed on an existing file are not
// recorded as set: Wine maps a new DACL onto Unix mode bits and reads back a different one.
void skipUnlessPermissionChangesRecorded(const std::string& why);

}  // namespace tillid::test
