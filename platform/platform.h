#pragma once
// The operating system's services, built once by each program's composition root (its
// main) and passed to the components that need them, as leveldb passes Options::env:
// no component makes its own. Tests pass a Platform built from fakes
// (tests/support/fakes/) where they need one. Every member is set by makePlatform; a
// Platform is cheap to copy (its copies share the same services).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "platform/account_manager.h"
#include "platform/block_overwriter.h"
#include "platform/command_runner.h"
#include "platform/device_identity.h"
#include "platform/directory_cache.h"
#include "platform/file_eraser.h"
#include "platform/instance_lock.h"
#include "platform/packet_source.h"
#include "platform/process_lister.h"
#include "platform/service_notifier.h"
#include "platform/session_terminator.h"
#include "platform/socket_owner_resolver.h"
#include "platform/user_notifier.h"
#include "platform/volume_crypto_eraser.h"

namespace tillid::platform {

struct Platform {
  // One agent (and one offboarding run) per state directory.
  std::shared_ptr<InstanceLocks> instanceLocks;
  // Usage capture: live interfaces and capture files, and who owns each flow's socket.
  std::shared_ptr<PacketSources> packetSources;
  std::shared_ptr<SocketOwnerResolver> socketOwners;
  // Citrix client processes.
  std::shared_ptr<ProcessLister> processes;
  // The service manager; null for a command that is not the service (replay).
  std::shared_ptr<ServiceNotifier> serviceNotifier;
  // Offboarding. Local accounts, managed for the names given (the only ones it may lock
  // or remove); sessions, ended for the accounts given (kInvalidArgument for the
  // administrator's or the caller's own account).
  std::function<std::unique_ptr<AccountManager>(std::vector<std::string> targets)> accounts;
  std::function<Result<std::unique_ptr<SessionTerminator>>(const std::vector<AccountId>& accounts)>
      sessions;
  std::shared_ptr<UserNotifier> userNotifier;
  std::shared_ptr<FileEraser> files;
  std::shared_ptr<DirectoryCache> directoryCache;
  std::shared_ptr<BlockDevices> blockDevices;
  std::shared_ptr<VolumeCryptoEraser> volumeCryptoEraser;
  std::shared_ptr<DeviceIdentitySource> deviceIdentity;
  // The offboarding run's final command.
  std::shared_ptr<CommandRunner> commands;
};

// The services of the system under `rootPrefix` ("/" on a real system; tests pass a
// temporary tree): its accounts, processes (<root>/proc), users' runtime directories
// (<root>/run/user) and directory cache.
Platform makePlatform(const std::string& rootPrefix);

}  // namespace tillid::platform
