// libFuzzer target: arbitrary bytes as a tls.ca file and a tls.crl file, split at the first
// NUL byte (the CA's PEM text before it, the CRL's PEM or DER bytes after; no NUL: all of
// it is the CRL and there is no CA). Any input must end in a CRL or a Status, never a crash
// or an exception; a CRL that parses was signed by one of the CAs, names an issuer and
// lists serials as upper-case hex.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "collector/certificate_revocation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find('\0');
  const std::string ca = split == std::string::npos ? "" : input.substr(0, split);
  const std::string crl = split == std::string::npos ? input : input.substr(split + 1);
  auto parsed = tillid::collector::parseCrl(crl, ca);
  if (!parsed) {
    if (parsed.status().message().empty()) std::abort();
    return 0;
  }
  if (ca.empty() || parsed->issuer.empty()) std::abort();
  for (const auto& serial : parsed->serials) {
    if (serial.empty() || serial.find_first_not_of("0123456789ABCDEF-") != std::string::npos) {
      std::abort();
    }
  }
  return 0;
}
