#pragma once
// A device to offboard that the test builds and owns: a temporary root (etc/passwd,
// shadow, group, homes, mail), an enrolled-looking state directory (device key, enrollment,
// trusted administrator keys) and image files standing in for disks. Orders are signed
// with keys the fixture generated.

#include <Poco/JSON/Object.h>

#include <map>
#include <string>
#include <vector>

#include "protocol/signed_order.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace tillid::test {

class OffboardDevice {
 public:
  explicit OffboardDevice(std::vector<std::string> extraSets = {});

  const TempDir& dir() const { return dir_; }
  std::string root() const { return dir_.file("root"); }
  std::string state() const { return dir_.file("state"); }
  std::string database() const { return state() + "/tillid.db"; }
  const std::string& deviceId() const { return deviceId_; }

  // Runs tillid-agent with the device's --state-dir and --set options.
  RunResult agent(const std::vector<std::string>& args) const;
  std::vector<std::string> agentArgs(const std::vector<std::string>& args) const;

  // A signed offboarding order (reason lost, no notice); `edit` may change it before
  // signing.
  std::string order(const std::string& profile, const tasks::OrderSigningKey& key,
                    const std::function<void(tasks::Order&)>& edit = nullptr) const;
  const tasks::OrderSigningKey& offboardingKey() const { return offboardingKey_; }
  const tasks::OrderSigningKey& investigatorKey() const { return investigatorKey_; }
  std::string writeOrder(const std::string& name, const std::string& json) const;

  // SHA-256 of every regular file the test made (root, images), by path.
  std::map<std::string, std::string> checksums() const;
  // The PEM public key of the device key.
  std::string devicePublicKeyPem() const;

  std::vector<std::string> sets;

 private:
  TempDir dir_;
  std::string deviceId_ = "dev-offboard-1";
  tasks::OrderSigningKey offboardingKey_;
  tasks::OrderSigningKey investigatorKey_;
};

// Counts from the state database (opened read-only): steps in `state`.
int stepsIn(const std::string& database, const std::string& state);
int stepCount(const std::string& database);

}  // namespace tillid::test
