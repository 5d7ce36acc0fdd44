#include "common/logging.h"

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/PatternFormatter.h>

namespace tillid {

void setupLogging(const std::string& target, const std::string& level, const std::string& ident,
                  const SystemLogFactory& systemLog) {
  Poco::AutoPtr<Poco::Channel> sink;
  Poco::AutoPtr<Poco::PatternFormatter> formatter;
  if (target == "syslog") {
    // The journal adds its own time stamps; keep the message short.
    sink = systemLog(ident);
    formatter = new Poco::PatternFormatter("%s: %t");
  } else {
    sink = new Poco::ConsoleChannel;
    formatter = new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%S.%iZ %q " + ident + " %s: %t");
  }
  Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(formatter, sink));
  Poco::Logger::root().setChannel(channel);
  Poco::Logger::root().setLevel(level);
  // Loggers created before this call keep their old settings unless updated too.
  Poco::Logger::setChannel("", channel);
  Poco::Logger::setLevel("", Poco::Logger::parseLevel(level));
}

}  // namespace tillid
