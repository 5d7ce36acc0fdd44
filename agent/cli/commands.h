#pragma once
// The tillid-agent commands; each lives in its own file.

#include "common/cli_app.h"

namespace tillid::cli {

Command runCommand();
Command replayCommand();
Command statusCommand();
Command auditCommand();
Command usageCommand();
Command noticeCommand();
Command flagsCommand();
Command sessionsCommand();
Command enrollCommand();
Command myDataCommand();
Command offboardCommand();

}  // namespace tillid::cli
