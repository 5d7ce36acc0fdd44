#include "platform/system_log.h"

#include <Poco/SyslogChannel.h>

namespace tillid::platform {

Poco::AutoPtr<Poco::Channel> systemLogChannel(const std::string& ident) {
  return new Poco::SyslogChannel(ident, Poco::SyslogChannel::SYSLOG_PID,
                                 Poco::SyslogChannel::SYSLOG_DAEMON);
}

}  // namespace tillid::platform
