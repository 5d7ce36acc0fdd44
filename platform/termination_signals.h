#pragma once
// A service asked to stop while it is still starting must stop cleanly, not die: the
// request is held until the service waits for it (Poco's waitForTerminationRequest on
// Unix, the service control handler on Windows).

namespace tillid::platform {

// Holds termination requests (SIGTERM, SIGINT, SIGQUIT on Unix) pending for the calling
// thread and every thread it starts afterwards, so that only the thread that waits for
// them receives them. REQUIRES: called on the main thread before any other thread starts.
void holdTerminationRequests();

}  // namespace tillid::platform
