#include "platform/terminal.h"

#include <unistd.h>

namespace tillid::platform {

bool stdoutIsTerminal() {
  return ::isatty(STDOUT_FILENO) == 1;
}

}  // namespace tillid::platform
