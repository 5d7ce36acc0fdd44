#include "common/time.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>
#include <Poco/Timestamp.h>

#include <regex>

namespace tillid {

int64_t toMicros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

TimePoint fromMicros(int64_t micros) {
  return TimePoint(
      std::chrono::duration_cast<WallClock::duration>(std::chrono::microseconds(micros)));
}

std::string formatTimestamp(TimePoint t) {
  Poco::Timestamp ts(toMicros(t));
  return Poco::DateTimeFormatter::format(ts, "%Y-%m-%dT%H:%M:%S.%FZ");
}

Result<TimePoint> parseTimestamp(const std::string& text) {
  static const char* const kFormats[] = {"%Y-%m-%dT%H:%M:%S.%FZ", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"};
  // Poco's parser is lenient (it accepts words such as "soon"), so the shape is checked
  // first: digits where the formats have digits.
  static const std::regex kShape(R"(\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z)?)");
  if (!std::regex_match(text, kShape)) {
    return Status::error(ErrorCode::kInvalidArgument,
                         "'" + text +
                             "' is not a UTC time (expected YYYY-MM-DD or "
                             "YYYY-MM-DDTHH:MM:SSZ)");
  }
  for (const char* format : kFormats) {
    Poco::DateTime parsed;
    int tzd = 0;
    if (Poco::DateTimeParser::tryParse(format, text, parsed, tzd)) {
      // A TimePoint counts nanoseconds in 64 bits: years after 2262 do not fit.
      static const int64_t kLimit =
          std::chrono::duration_cast<std::chrono::microseconds>(WallClock::duration::max()).count();
      const int64_t micros = parsed.timestamp().epochMicroseconds();
      if (micros > kLimit || micros < -kLimit) {
        return Status::error(ErrorCode::kInvalidArgument,
                             "'" + text + "' is outside the times this program can represent");
      }
      return fromMicros(micros);
    }
  }
  return Status::error(ErrorCode::kInvalidArgument,
                       "'" + text +
                           "' is not a UTC time (expected YYYY-MM-DD or "
                           "YYYY-MM-DDTHH:MM:SSZ)");
}

}  // namespace tillid
