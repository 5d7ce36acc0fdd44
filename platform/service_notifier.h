#pragma once
// Tells the operating system's service manager how the agent is doing: started, still
// alive (the watchdog), stopping. On Linux this is systemd's sd_notify protocol; the
// Windows service control manager and launchd get their own implementation of the same
// interface. Outside a service manager every call does nothing.
//
// Thread-safety: every method may be called from any thread.

#include <chrono>
#include <memory>
#include <string>

namespace tillid::platform {

class ServiceNotifier {
 public:
  virtual ~ServiceNotifier() = default;

  // How often the service manager wants watchdog() at the latest; zero when it does not
  // watch this process. Callers ping at half this interval.
  virtual std::chrono::microseconds watchdogTimeout() const = 0;

  // The service has finished starting (systemd Type=notify: READY=1).
  virtual void ready() = 0;
  // The service is alive and making progress (WATCHDOG=1).
  virtual void watchdog() = 0;
  // The service has begun an orderly shutdown (STOPPING=1).
  virtual void stopping() = 0;
  // A one-line human-readable state shown by the service manager (STATUS=...).
  virtual void status(const std::string& text) = 0;
};

// The notifier of the service manager this process runs under (or a silent one).
std::unique_ptr<ServiceNotifier> makeServiceNotifier();

}  // namespace tillid::platform
