// Private files on Windows: a protected DACL (nothing inherited from the parent) granting full
// control to this process's account, SYSTEM and Administrators; shared files add read for
// Everyone (as others' read bit on Linux). A new file carries its DACL from CreateFileW on, so
// it is never open to others; MoveFileExW puts it in place whole and keeps that DACL. A
// directory whose own entries let every user add files that each then owns (the CREATOR OWNER
// pattern of C:\Windows\Temp and C:\ProgramData) is shared by design.

#include "platform/private_files.h"

#include <windows.h>
// After windows.h.
#include <aclapi.h>
#include <sddl.h>

#include <filesystem>
#include <memory>
#include <vector>

#include "platform/windows/utf16.h"
#include "platform/windows/win32_error.h"

namespace tillid::platform {
namespace {

enum class Readers { kOwner, kAllUsers };
enum class Kind { kFile, kDirectory };

struct LocalFreeDeleter {
  void operator()(void* memory) const { LocalFree(memory); }
};
using SecurityDescriptor = std::unique_ptr<void, LocalFreeDeleter>;

// The process's account as an SDDL SID string ("S-1-5-18" for the service).
Result<std::wstring> processAccount() {
  HANDLE token = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
    return win32Error("OpenProcessToken", GetLastError());
  }
  DWORD size = 0;
  GetTokenInformation(token, TokenUser, nullptr, 0, &size);
  std::vector<BYTE> buffer(size);
  const BOOL ok = GetTokenInformation(token, TokenUser, buffer.data(), size, &size);
  const DWORD error = GetLastError();
  CloseHandle(token);
  if (!ok) return win32Error("GetTokenInformation", error);
  wchar_t* text = nullptr;
  if (!ConvertSidToStringSidW(reinterpret_cast<TOKEN_USER*>(buffer.data())->User.Sid, &text)) {
    return win32Error("ConvertSidToStringSid", GetLastError());
  }
  std::wstring sid(text);
  LocalFree(text);
  return sid;
}

Result<SecurityDescriptor> securityDescriptor(Readers readers, Kind kind) {
  auto account = processAccount();
  if (!account) return account.status();
  const std::wstring inherit = kind == Kind::kDirectory ? L"OICI" : L"";
  const auto allow = [&](const std::wstring& rights, const std::wstring& sid) {
    return L"(A;" + inherit + L";" + rights + L";;;" + sid + L")";
  };
  std::wstring sddl = L"D:P" + allow(L"FA", L"SY") + allow(L"FA", L"BA");
  if (*account != L"S-1-5-18") sddl += allow(L"FA", *account);
  if (readers == Readers::kAllUsers) sddl += allow(L"FR", L"WD");
  void* descriptor = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1,
                                                            &descriptor, nullptr)) {
    return win32Error("ConvertStringSecurityDescriptorToSecurityDescriptor", GetLastError());
  }
  return SecurityDescriptor(descriptor);
}

// Replaces the DACL of the existing `path` with the protected one of `descriptor`.
Status applyDacl(const std::string& path, void* descriptor) {
  BOOL present = FALSE, defaulted = FALSE;
  PACL dacl = nullptr;
  GetSecurityDescriptorDacl(descriptor, &present, &dacl, &defaulted);
  std::wstring name = toUtf16(path);
  const DWORD error = SetNamedSecurityInfoW(
      name.data(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
      nullptr, nullptr, dacl, nullptr);
  if (error != ERROR_SUCCESS) return win32Error(path, error);
  return Status::ok();
}

Status writeFile(const std::string& path, const std::string& content, Readers readers) {
  auto descriptor = securityDescriptor(readers, Kind::kFile);
  if (!descriptor) return descriptor.status();
  const std::string temp = path + ".tmp";
  const std::wstring wideTemp = toUtf16(temp);
  // A leftover from an interrupted write keeps its own DACL when opened: start afresh.
  if (!DeleteFileW(wideTemp.c_str()) && GetLastError() != ERROR_FILE_NOT_FOUND) {
    return win32Error(temp + ": cannot remove", GetLastError());
  }
  SECURITY_ATTRIBUTES attributes{sizeof(attributes), descriptor->get(), FALSE};
  HANDLE file = CreateFileW(wideTemp.c_str(), GENERIC_WRITE, 0, &attributes, CREATE_NEW,
                            FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) return win32Error(temp + ": cannot create", GetLastError());
  size_t written = 0;
  DWORD error = ERROR_SUCCESS;
  while (written < content.size()) {
    const DWORD chunk = static_cast<DWORD>(std::min<size_t>(content.size() - written, 1 << 30));
    DWORD done = 0;
    if (!WriteFile(file, content.data() + written, chunk, &done, nullptr)) {
      error = GetLastError();
      break;
    }
    written += done;
  }
  CloseHandle(file);
  if (error == ERROR_SUCCESS && !MoveFileExW(wideTemp.c_str(), toUtf16(path).c_str(),
                                             MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
    error = GetLastError();
  }
  if (error != ERROR_SUCCESS) {
    DeleteFileW(wideTemp.c_str());
    return win32Error(temp + ": cannot write", error);
  }
  return Status::ok();
}

bool isWellKnown(PSID sid, WELL_KNOWN_SID_TYPE type) {
  BYTE buffer[SECURITY_MAX_SID_SIZE];
  DWORD size = sizeof(buffer);
  return CreateWellKnownSid(type, nullptr, buffer, &size) && EqualSid(sid, buffer);
}

// True when the directory's own (not inherited) entries let every user add files and make
// each the owner of what it adds.
Result<bool> sharedByDesign(const std::string& path) {
  PACL dacl = nullptr;
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  std::wstring name = toUtf16(path);
  const DWORD error = GetNamedSecurityInfoW(name.data(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION,
                                            nullptr, nullptr, &dacl, nullptr, &descriptor);
  if (error != ERROR_SUCCESS) return win32Error(path, error);
  const SecurityDescriptor owned(descriptor);
  if (dacl == nullptr) return false;
  constexpr DWORD kAdd = FILE_ADD_FILE | FILE_ADD_SUBDIRECTORY | GENERIC_WRITE | GENERIC_ALL;
  bool creatorOwner = false, everyUserAdds = false;
  for (DWORD i = 0; i < dacl->AceCount; ++i) {
    void* entry = nullptr;
    if (!GetAce(dacl, i, &entry)) continue;
    const auto* header = static_cast<ACE_HEADER*>(entry);
    if (header->AceType != ACCESS_ALLOWED_ACE_TYPE || (header->AceFlags & INHERITED_ACE)) continue;
    auto* allowed = static_cast<ACCESS_ALLOWED_ACE*>(entry);
    const PSID sid = &allowed->SidStart;
    if (isWellKnown(sid, WinCreatorOwnerSid)) creatorOwner = true;
    if ((allowed->Mask & kAdd) != 0 &&
        (isWellKnown(sid, WinWorldSid) || isWellKnown(sid, WinAuthenticatedUserSid) ||
         isWellKnown(sid, WinBuiltinUsersSid) || isWellKnown(sid, WinInteractiveSid))) {
      everyUserAdds = true;
    }
  }
  return creatorOwner && everyUserAdds;
}

}  // namespace

Status writePrivateFile(const std::string& path, const std::string& content) {
  return writeFile(path, content, Readers::kOwner);
}

Status writeSharedFile(const std::string& path, const std::string& content) {
  return writeFile(path, content, Readers::kAllUsers);
}

Status restrictToOwner(const std::string& path) {
  if (GetFileAttributesW(toUtf16(path).c_str()) == INVALID_FILE_ATTRIBUTES) {
    const DWORD error = GetLastError();
    if (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND) {
      return Status::error(ErrorCode::kNotFound, path + ": no such file");
    }
    return win32Error(path, error);
  }
  auto descriptor = securityDescriptor(Readers::kOwner, Kind::kFile);
  if (!descriptor) return descriptor.status();
  return applyDacl(path, descriptor->get());
}

Status preparePrivateDirectory(const std::string& path) {
  auto descriptor = securityDescriptor(Readers::kOwner, Kind::kDirectory);
  if (!descriptor) return descriptor.status();
  const std::wstring name = toUtf16(path);
  const std::filesystem::path directory(name);
  std::error_code ec;
  if (directory.has_parent_path()) {
    std::filesystem::create_directories(directory.parent_path(), ec);
    if (ec) return Status::error(ErrorCode::kIo, path + ": " + ec.message());
  }
  SECURITY_ATTRIBUTES attributes{sizeof(attributes), descriptor->get(), FALSE};
  if (CreateDirectoryW(name.c_str(), &attributes)) return Status::ok();
  if (GetLastError() != ERROR_ALREADY_EXISTS) {
    return win32Error(path + ": cannot create", GetLastError());
  }
  const DWORD existing = GetFileAttributesW(name.c_str());
  if (existing == INVALID_FILE_ATTRIBUTES || !(existing & FILE_ATTRIBUTE_DIRECTORY)) {
    return Status::error(ErrorCode::kIo, path + ": exists and is not a directory");
  }
  auto shared = sharedByDesign(path);
  if (!shared) return shared.status();
  if (*shared) {
    return Status::error(ErrorCode::kInvalidArgument,
                         path + " is a shared directory; give the agent one of its own");
  }
  return applyDacl(path, descriptor->get());
}

}  // namespace tillid::platform
