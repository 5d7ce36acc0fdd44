#pragma once
// The employee's view of what the agent holds about them: their usage by
// category and by destination, their Citrix flags and sessions, every access to their
// data recorded in the security log (who, when, purpose, case), the retention period and
// the effective date. Served by the running agent on a local socket that knows the
// caller (platform/local_socket.h), so each user sees only their own rows and nobody
// needs root or read access to the store. `tillid-agent my-data` is the client.

#include <Poco/JSON/Object.h>

#include <memory>
#include <string>

#include "common/config.h"
#include "platform/local_socket.h"
#include "store/writer.h"

namespace tillid {

struct MyDataSettings {
  std::string effectiveFrom;  // monitoring.effective_from ("": none set, nothing is recorded)
  int64_t retentionDays = 0;  // retention.usage_days
};

MyDataSettings myDataSettings(const Config& config);

// Everything stored about `user` (as the usage and Citrix tables name users).
Result<Poco::JSON::Object::Ptr> myData(store::Database& db, const std::string& user,
                                       const MyDataSettings& settings);

// Serves myData() to each caller for their own account on `employee_view.socket`.
// Returns nullptr when the key is empty. `writer` must outlive the server.
Result<std::unique_ptr<platform::LocalSocketServer>> serveMyData(const Config& config,
                                                                 store::Writer& writer);

}  // namespace tillid
