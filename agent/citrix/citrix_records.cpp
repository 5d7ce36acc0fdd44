#include "agent/citrix/citrix_records.h"

#include <Poco/UUIDGenerator.h>

namespace tillid::citrix {

const char* flagKindName(FlagKind kind) {
  return kind == FlagKind::kIcaVideo ? "ica-video" : "streaming-service";
}

std::string newRecordId() {
  return Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
}

}  // namespace tillid::citrix
