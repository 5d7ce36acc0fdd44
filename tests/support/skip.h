#pragma once
// Reporting a test as skipped: the test process exits with kSkipReturnCode, which CTest
// (SKIP_RETURN_CODE, set by tillid_add_test) shows as "Not Run", never as passed. Only
// for test cases run one per process, as CTest runs each discovered Catch2 test case.

#include <string>

namespace tillid::test {

inline constexpr int kSkipReturnCode = 77;

// Prints why and ends the process with kSkipReturnCode.
[[noreturn]] void skipTest(const std::string& why);

// Skips unless the test runs as root (on Windows, with an elevated administrator's token);
// tests/support/<os>/privileges.cpp.
void skipUnlessRoot(const std::string& why);

}  // namespace tillid::test
