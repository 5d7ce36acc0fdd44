#include "platform/termination_signals.h"

#include <pthread.h>

#include <csignal>
#include <initializer_list>

namespace tillid::platform {

void holdTerminationRequests() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGTERM, SIGINT, SIGQUIT}) sigaddset(&set, sig);
  // Threads inherit the mask; the set is the one Poco's sigwait() then takes.
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace tillid::platform
