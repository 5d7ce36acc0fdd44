#pragma once
// Process-wide logging setup on Poco's Logger: to stderr, or to syslog (which the
// systemd journal collects). Components log through named Poco loggers.

#include <Poco/Logger.h>

#include <string>

namespace tillid {

// target: "stderr" or "syslog"; level: a Poco level name ("information", "debug", ...).
void setupLogging(const std::string& target, const std::string& level, const std::string& ident);

inline Poco::Logger& logger(const std::string& name) {
  return Poco::Logger::get(name);
}

}  // namespace tillid
