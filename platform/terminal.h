#pragma once
// Whether standard output is a terminal (progress bars for people, plain lines for pipes).

namespace tillid::platform {

bool stdoutIsTerminal();

}  // namespace tillid::platform
