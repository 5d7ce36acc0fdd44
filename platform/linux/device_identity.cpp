#include "platform/device_identity.h"

#include <unistd.h>

#include <fstream>

namespace tillid::platform {
namespace {

std::string readLine(const std::string& path) {
  std::ifstream in(path);
  std::string value;
  std::getline(in, value);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\n')) value.pop_back();
  return value;
}

}  // namespace

DeviceIdentity readDeviceIdentity() {
  DeviceIdentity identity;
  identity.manufacturer = readLine("/sys/class/dmi/id/sys_vendor");
  identity.model = readLine("/sys/class/dmi/id/product_name");
  identity.serial = readLine("/sys/class/dmi/id/product_serial");  // readable by root only
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) identity.hostname = host;
  return identity;
}

}  // namespace tillid::platform
