#pragma once
// Process-wide logging setup on Poco's Logger: to stderr, or to the operating system's
// log (the caller passes it: platform/system_log.h). Components log through named Poco
// loggers.

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Logger.h>

#include <functional>
#include <string>

namespace tillid {

// Makes the operating system's log channel for the program named `ident`.
using SystemLogFactory = std::function<Poco::AutoPtr<Poco::Channel>(const std::string& ident)>;

// target: "stderr" or "syslog" (the operating system's log, made by `systemLog`); level: a
// Poco level name ("information", "debug", ...).
void setupLogging(const std::string& target, const std::string& level, const std::string& ident,
                  const SystemLogFactory& systemLog);

inline Poco::Logger& logger(const std::string& name) {
  return Poco::Logger::get(name);
}

}  // namespace tillid
