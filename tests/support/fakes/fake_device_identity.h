#pragma once
// platform::DeviceIdentitySource that reports `identity`.

#include "platform/device_identity.h"

namespace tillid::test {

class FakeDeviceIdentity final : public platform::DeviceIdentitySource {
 public:
  platform::DeviceIdentity read() override { return identity; }

  platform::DeviceIdentity identity{"Example Computers", "Model 7", "SN-0001", "device-1"};
};

}  // namespace tillid::test
