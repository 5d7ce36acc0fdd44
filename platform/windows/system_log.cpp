// The system log on Windows: the Application event log, with `ident` as the event source.

#include "platform/system_log.h"

#include <Poco/EventLogChannel.h>

namespace tillid::platform {

Poco::AutoPtr<Poco::Channel> systemLogChannel(const std::string& ident) {
  return new Poco::EventLogChannel(ident);
}

}  // namespace tillid::platform
