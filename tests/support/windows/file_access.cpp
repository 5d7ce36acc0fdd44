// File access on Windows: the allow entries of the DACL that apply to the object itself. The
// owner side is this process's account, SYSTEM and Administrators; every other SID is others.

#include "tests/support/file_access.h"

#include <windows.h>
// After windows.h.
#include <aclapi.h>
#include <sddl.h>

#include <stdexcept>
#include <vector>

#include "tests/support/skip.h"

namespace tillid::test {
namespace {

constexpr DWORD kReadRights = FILE_READ_DATA | GENERIC_READ | GENERIC_ALL;
constexpr DWORD kWriteRights = FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_ATTRIBUTES |
                               FILE_WRITE_EA | DELETE | WRITE_DAC | WRITE_OWNER | GENERIC_WRITE |
                               GENERIC_ALL;

std::wstring wide(const std::string& text) {
  const int n =
      MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
  std::wstring out(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), out.data(), n);
  return out;
}

std::vector<BYTE> processUserSid() {
  HANDLE token = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
    throw std::runtime_error("OpenProcessToken failed");
  }
  DWORD size = 0;
  GetTokenInformation(token, TokenUser, nullptr, 0, &size);
  std::vector<BYTE> buffer(size);
  const BOOL ok = GetTokenInformation(token, TokenUser, buffer.data(), size, &size);
  CloseHandle(token);
  if (!ok) throw std::runtime_error("GetTokenInformation failed");
  const PSID sid = reinterpret_cast<TOKEN_USER*>(buffer.data())->User.Sid;
  std::vector<BYTE> copy(GetLengthSid(sid));
  CopySid(static_cast<DWORD>(copy.size()), copy.data(), sid);
  return copy;
}

bool isWellKnown(PSID sid, WELL_KNOWN_SID_TYPE type) {
  BYTE buffer[SECURITY_MAX_SID_SIZE];
  DWORD size = sizeof(buffer);
  return CreateWellKnownSid(type, nullptr, buffer, &size) && EqualSid(sid, buffer);
}

// Replaces the DACL of `path` with the one in SDDL `dacl`, protected from inheritance.
void setDacl(const std::string& path, const std::wstring& dacl) {
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(dacl.c_str(), SDDL_REVISION_1, &sd,
                                                            nullptr)) {
    throw std::runtime_error("bad SDDL");
  }
  BOOL present = FALSE, defaulted = FALSE;
  PACL acl = nullptr;
  GetSecurityDescriptorDacl(sd, &present, &acl, &defaulted);
  std::wstring name = wide(path);
  const DWORD rc = SetNamedSecurityInfoW(
      name.data(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
      nullptr, nullptr, acl, nullptr);
  LocalFree(sd);
  if (rc != ERROR_SUCCESS) throw std::runtime_error(path + ": SetNamedSecurityInfo failed");
}

bool runningUnderWine() {
  const HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  return ntdll != nullptr && GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

}  // namespace

FileAccess accessOf(const std::string& path) {
  PACL dacl = nullptr;
  PSECURITY_DESCRIPTOR sd = nullptr;
  std::wstring name = wide(path);
  if (GetNamedSecurityInfoW(name.data(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr,
                            nullptr, &dacl, nullptr, &sd) != ERROR_SUCCESS) {
    throw std::runtime_error(path + ": GetNamedSecurityInfo failed");
  }
  FileAccess access;
  if (dacl == nullptr) {  // no DACL: everybody may do everything
    LocalFree(sd);
    return FileAccess{true, true, true, true};
  }
  const std::vector<BYTE> self = processUserSid();
  for (DWORD i = 0; i < dacl->AceCount; ++i) {
    void* entry = nullptr;
    if (!GetAce(dacl, i, &entry)) continue;
    const auto* header = static_cast<ACE_HEADER*>(entry);
    if (header->AceType != ACCESS_ALLOWED_ACE_TYPE || (header->AceFlags & INHERIT_ONLY_ACE)) {
      continue;
    }
    auto* allowed = static_cast<ACCESS_ALLOWED_ACE*>(entry);
    const PSID sid = &allowed->SidStart;
    const bool owner = EqualSid(sid, const_cast<BYTE*>(self.data())) ||
                       isWellKnown(sid, WinLocalSystemSid) ||
                       isWellKnown(sid, WinBuiltinAdministratorsSid);
    const bool reads = (allowed->Mask & kReadRights) != 0;
    const bool writes = (allowed->Mask & kWriteRights) != 0;
    (owner ? access.ownerReads : access.othersRead) |= reads;
    (owner ? access.ownerWrites : access.othersWrite) |= writes;
  }
  LocalFree(sd);
  return access;
}

void openToEveryone(const std::string& path) {
  setDacl(path, L"D:P(A;OICI;FA;;;WD)");
}

void makeSharedDirectory(const std::string& path) {
  // C:\Windows\Temp's pattern: users may add files and folders, each owns what it adds.
  setDacl(path, L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICIIO;FA;;;CO)(A;;0x100027;;;BU)");
}

void skipUnlessPermissionChangesRecorded(const std::string& why) {
  if (runningUnderWine()) {
    skipTest("Wine maps a changed DACL onto Unix mode bits and reads back another: " + why);
  }
}

}  // namespace tillid::test
