#include "platform/service_notifier.h"

#include <systemd/sd-daemon.h>

namespace tillid::platform {
namespace {

// sd_notify() sends a datagram to $NOTIFY_SOCKET and returns 0 without one, so the same
// object is silent when the agent runs outside systemd (a terminal, a test).
class SystemdNotifier final : public ServiceNotifier {
 public:
  SystemdNotifier() {
    uint64_t usec = 0;
    // unset_environment=0: the variables stay for sd_notify's later calls.
    if (::sd_watchdog_enabled(0, &usec) > 0) timeout_ = std::chrono::microseconds(usec);
  }

  std::chrono::microseconds watchdogTimeout() const override { return timeout_; }
  void ready() override { ::sd_notify(0, "READY=1"); }
  void watchdog() override { ::sd_notify(0, "WATCHDOG=1"); }
  void stopping() override { ::sd_notify(0, "STOPPING=1"); }
  void status(const std::string& text) override { ::sd_notify(0, ("STATUS=" + text).c_str()); }

 private:
  std::chrono::microseconds timeout_{0};
};

}  // namespace

std::unique_ptr<ServiceNotifier> makeServiceNotifier() {
  return std::make_unique<SystemdNotifier>();
}

}  // namespace tillid::platform
