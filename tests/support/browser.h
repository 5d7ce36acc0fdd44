#pragma once
// Rendering the self-contained pages the programs write (the employee's view, the
// certificate of sanitization) in Debian's headless Chromium, as a person would open them.

#include <string>

namespace tillid::test {

// Renders `htmlFile` to the PNG `pngFile`. False when Chromium is not installed (the caller
// says so: scripts/bootstrap installs it); a failing Chromium fails the calling test.
bool renderScreenshot(const std::string& htmlFile, const std::string& pngFile);

}  // namespace tillid::test
