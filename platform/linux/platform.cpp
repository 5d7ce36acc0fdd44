// The Linux platform: each service is the Linux implementation of its interface, the
// offboarding ones bound to the root prefix.

#include "platform/platform.h"

namespace tillid::platform {
namespace {

std::string underRoot(const std::string& rootPrefix, const std::string& path) {
  if (rootPrefix == "/" || rootPrefix.empty()) return path;
  std::string root = rootPrefix;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return root + path;
}

class LinuxPacketSources final : public PacketSources {
 public:
  Result<std::unique_ptr<PacketSource>> openFile(const std::string& path) override {
    return openCaptureFile(path);
  }
  Result<std::unique_ptr<PacketSource>> openLive(const LiveCaptureOptions& options) override {
    return openLiveCapture(options);
  }
};

class FlockInstanceLocks final : public InstanceLocks {
 public:
  Result<std::unique_ptr<InstanceLock>> acquire(const std::string& path) override {
    return acquireInstanceLock(path);
  }
  std::optional<int> holder(const std::string& path) override { return instanceLockHolder(path); }
};

class LinuxFileEraser final : public FileEraser {
 public:
  Result<FileEraseReport> eraseTree(const std::string& path, const TargetList& targets) override {
    return platform::eraseTree(path, targets);
  }
  Status verifyErased(const std::string& path) override { return platform::verifyErased(path); }
};

class LinuxDirectoryCache final : public DirectoryCache {
 public:
  explicit LinuxDirectoryCache(std::string rootPrefix) : rootPrefix_(std::move(rootPrefix)) {}
  Result<bool> stop(const std::string& stopCommand) override {
    return stopDirectoryCache(rootPrefix_, stopCommand);
  }

 private:
  const std::string rootPrefix_;
};

class LinuxBlockDevices final : public BlockDevices {
 public:
  Result<MediumInfo> describe(const std::string& path) override { return describeMedium(path); }
  Result<OverwriteReport> overwrite(const OverwriteSpec& spec, const TargetList& targets,
                                    uint64_t startOffset,
                                    const ProgressCallback& progress) override {
    return overwriteMedium(spec, targets, startOffset, progress);
  }
  Result<VerificationReport> verify(const OverwriteSpec& spec, const TargetList& targets,
                                    VerificationMode mode, uint64_t sampleSeed,
                                    const ProgressCallback& progress) override {
    return verifyMedium(spec, targets, mode, sampleSeed, progress);
  }
};

class DmiDeviceIdentity final : public DeviceIdentitySource {
 public:
  DeviceIdentity read() override { return readDeviceIdentity(); }
};

}  // namespace

Platform makePlatform(const std::string& rootPrefix) {
  Platform p;
  p.instanceLocks = std::make_shared<FlockInstanceLocks>();
  p.packetSources = std::make_shared<LinuxPacketSources>();
  p.socketOwners = makeSocketOwnerResolver();
  p.processes = makeProcessLister();
  p.serviceNotifier = makeServiceNotifier();
  p.accounts = [rootPrefix](std::vector<std::string> targets) {
    return makeAccountManager(rootPrefix, std::move(targets));
  };
  p.sessions = [procRoot = underRoot(rootPrefix, "/proc")](const std::vector<AccountId>& accounts) {
    return makeSessionTerminator(procRoot, accounts);
  };
  p.userNotifier = makeUserNotifier(underRoot(rootPrefix, "/run/user"));
  p.files = std::make_shared<LinuxFileEraser>();
  p.directoryCache = std::make_shared<LinuxDirectoryCache>(rootPrefix);
  p.blockDevices = std::make_shared<LinuxBlockDevices>();
  p.volumeCryptoEraser = makeVolumeCryptoEraser();
  p.deviceIdentity = std::make_shared<DmiDeviceIdentity>();
  p.commands = makeCommandRunner();
  return p;
}

}  // namespace tillid::platform
