#include "tests/support/fakes/fake_platform.h"

namespace tillid::test {

FakePlatform::FakePlatform()
    : instanceLocks(std::make_shared<FakeInstanceLocks>()),
      accounts(std::make_shared<FakeAccounts>()),
      sessions(std::make_shared<FakeSessions>()),
      processes(std::make_shared<FakeProcessLister>()),
      userNotifier(std::make_shared<FakeUserNotifier>()),
      files(std::make_shared<FakeFileEraser>()),
      directoryCache(std::make_shared<FakeDirectoryCache>()),
      blockDevices(std::make_shared<FakeBlockDevices>()),
      volumes(std::make_shared<FakeVolumeCryptoEraser>()),
      deviceIdentity(std::make_shared<FakeDeviceIdentity>()),
      commands(std::make_shared<FakeCommandRunner>()) {}

platform::Platform FakePlatform::platform() const {
  platform::Platform p;
  p.instanceLocks = instanceLocks;
  p.processes = processes;
  p.accounts = [table = accounts](std::vector<std::string> targets) {
    return table->manager(std::move(targets));
  };
  p.sessions = [table = sessions](const std::vector<platform::AccountId>& targets) {
    return table->terminator(targets);
  };
  p.userNotifier = userNotifier;
  p.files = files;
  p.directoryCache = directoryCache;
  p.blockDevices = blockDevices;
  p.volumeCryptoEraser = volumes;
  p.deviceIdentity = deviceIdentity;
  p.commands = commands;
  return p;
}

}  // namespace tillid::test
