#pragma once
// The operating system's log, as a Poco channel for common/logging.h's setupLogging.

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>

#include <string>

namespace tillid::platform {

// A channel to the system log (on Linux, syslog, which the systemd journal collects) for
// the daemon named `ident`; each message carries the process id. Opened on first use.
Poco::AutoPtr<Poco::Channel> systemLogChannel(const std::string& ident);

}  // namespace tillid::platform
