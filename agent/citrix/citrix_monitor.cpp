#include "agent/citrix/citrix_monitor.h"

namespace tillid::citrix {

CitrixMonitor::CitrixMonitor(const Config& config, store::Writer& writer,
                             platform::ProcessLister* processes)
    : settings_(settingsFromConfig(config)),
      store_(writer),
      tracker_(settings_, store_, processes),
      detector_(settings_, tracker_, store_) {}

void CitrixMonitor::finish() {
  detector_.finish();
  tracker_.finish();
}

}  // namespace tillid::citrix
