#include "platform/linux/uid_account.h"

#include <charconv>

namespace tillid::platform {

AccountId accountIdOfUid(uint32_t uid) {
  return AccountId{std::to_string(uid)};
}

std::optional<uint32_t> uidOfAccountId(const AccountId& id) {
  uint32_t uid = 0;
  const char* end = id.value.data() + id.value.size();
  const auto [at, error] = std::from_chars(id.value.data(), end, uid);
  if (id.value.empty() || error != std::errc() || at != end) return std::nullopt;
  return uid;
}

bool isPersonUid(uint32_t uid, const std::string& shell) {
  // Below 1000 the system's; 60514..65535 container and special ids. systemd-homed's users
  // are people with ids in 60001..60513.
  if (uid < 1000 || (uid >= 60514 && uid <= 65535)) return false;
  const std::string program = shell.substr(shell.find_last_of('/') + 1);
  return program != "nologin" && program != "false";
}

}  // namespace tillid::platform
