#pragma once
// The device's own identity for the certificate of sanitization: manufacturer, model and
// serial number as the firmware reports them (DMI on Linux). Fields the firmware does not
// give (or the caller may not read) are "".

#include <string>

namespace tillid::platform {

struct DeviceIdentity {
  std::string manufacturer;
  std::string model;
  std::string serial;
  std::string hostname;
};

DeviceIdentity readDeviceIdentity();

// readDeviceIdentity as a service the offboarding engine receives (platform.h).
class DeviceIdentitySource {
 public:
  virtual ~DeviceIdentitySource() = default;
  virtual DeviceIdentity read() = 0;
};

}  // namespace tillid::platform
