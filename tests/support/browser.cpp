#include "tests/support/browser.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/support/child_process.h"

namespace tillid::test {

bool renderScreenshot(const std::string& htmlFile, const std::string& pngFile) {
  constexpr const char* kChromium = "/usr/bin/chromium";
  if (!std::filesystem::exists(kChromium)) return false;
  const RunResult shot = runProgram(
      kChromium, {"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                  "--window-size=1200,1700", "--screenshot=" + pngFile, "file://" + htmlFile});
  INFO(shot.err);
  CHECK(shot.exitCode == 0);
  return true;
}

}  // namespace tillid::test
