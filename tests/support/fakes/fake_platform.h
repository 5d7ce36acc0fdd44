#pragma once
// A Platform whose every service is a fake (tests/support/fakes/), for tests of the
// components that receive one. The fakes stay reachable for setting up the device and
// injecting faults; platform() shares them. Packet sources, socket owners and the service
// notifier have no fake (no test needs one yet): those members are null.

#include <memory>

#include "platform/platform.h"
#include "tests/support/fakes/fake_accounts.h"
#include "tests/support/fakes/fake_block_devices.h"
#include "tests/support/fakes/fake_command_runner.h"
#include "tests/support/fakes/fake_device_identity.h"
#include "tests/support/fakes/fake_directory_cache.h"
#include "tests/support/fakes/fake_file_eraser.h"
#include "tests/support/fakes/fake_instance_locks.h"
#include "tests/support/fakes/fake_process_lister.h"
#include "tests/support/fakes/fake_sessions.h"
#include "tests/support/fakes/fake_user_notifier.h"
#include "tests/support/fakes/fake_volume_crypto_eraser.h"

namespace tillid::test {

struct FakePlatform {
  FakePlatform();
  platform::Platform platform() const;

  std::shared_ptr<FakeInstanceLocks> instanceLocks;
  std::shared_ptr<FakeAccounts> accounts;
  std::shared_ptr<FakeSessions> sessions;
  std::shared_ptr<FakeProcessLister> processes;
  std::shared_ptr<FakeUserNotifier> userNotifier;
  std::shared_ptr<FakeFileEraser> files;
  std::shared_ptr<FakeDirectoryCache> directoryCache;
  std::shared_ptr<FakeBlockDevices> blockDevices;
  std::shared_ptr<FakeVolumeCryptoEraser> volumes;
  std::shared_ptr<FakeDeviceIdentity> deviceIdentity;
  std::shared_ptr<FakeCommandRunner> commands;
};

}  // namespace tillid::test
