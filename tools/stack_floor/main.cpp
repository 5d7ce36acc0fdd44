// The floor under the agent's resident memory: the libraries the usage metadata job and
// its reporting need (nDPI, libpcap, libpsl, SQLite, OpenSSL, libcurl, Poco), each loaded
// and set up the way the agent sets it up, and nothing of the agent's own. Prints the
// resident set after each step, as /proc/self/status has it, so scripts/bench.d/usage can
// show how much of a memory target is left for flows. tillid-stack-floor-without-curl is
// the same without libcurl (TILLID_FLOOR_WITHOUT_CURL): what replacing it would leave.
//   tillid-stack-floor[-without-curl] CAPTURE_FILE STATE_DIR

#include <Poco/JSON/Parser.h>
#include <Poco/Util/JSONConfiguration.h>
#include <libpsl.h>
#include <ndpi/ndpi_api.h>
#include <openssl/ssl.h>
#include <pcap/pcap.h>
#include <sqlite3.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#ifndef TILLID_FLOOR_WITHOUT_CURL
#include <curl/curl.h>
#endif

namespace {

// "VmRSS 20556 RssAnon 7400 RssFile 13156" (KiB).
std::string residentKib() {
  std::ifstream status("/proc/self/status");
  std::string line, out;
  while (std::getline(status, line)) {
    for (const char* key : {"VmRSS:", "RssAnon:", "RssFile:"}) {
      if (line.rfind(key, 0) == 0) {
        std::istringstream fields(line.substr(std::string(key).size()));
        long kib = 0;
        fields >> kib;
        out += (out.empty() ? "" : " ") + std::string(key, std::string(key).size() - 1) + " " +
               std::to_string(kib);
      }
    }
  }
  return out;
}

void report(const char* step) {
  std::cout << step << ": " << residentKib() << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: tillid-stack-floor CAPTURE_FILE STATE_DIR\n";
    return 2;
  }
  report("loaded");
  ndpi_detection_module_struct* ndpi = ndpi_init_detection_module(ndpi_no_prefs);
  NDPI_PROTOCOL_BITMASK all;
  NDPI_BITMASK_SET_ALL(all);
  ndpi_set_protocol_detection_bitmask2(ndpi, &all);
  ndpi_finalize_initialization(ndpi);
  report("nDPI detection module");
#ifndef TILLID_FLOOR_WITHOUT_CURL
  curl_global_init(CURL_GLOBAL_DEFAULT);
#endif
  SSL_CTX* tls = SSL_CTX_new(TLS_client_method());
  report("TLS client");
  sqlite3* db = nullptr;
  const std::string database = std::string(argv[2]) + "/floor.db";
  sqlite3_open(database.c_str(), &db);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS t(x)", nullptr, nullptr,
               nullptr);
  report("SQLite");
  const psl_ctx_t* psl = psl_builtin();
  const char* domain = psl_registrable_domain(psl, "rr3---sn-x.googlevideo.com");
  Poco::Util::JSONConfiguration config;
  Poco::JSON::Parser().parse("{\"capture\": {\"enabled\": true}}");
  report("libpsl and Poco");
  char error[PCAP_ERRBUF_SIZE];
  pcap_t* capture = pcap_open_offline(argv[1], error);
  std::thread([] {}).join();
  report("libpcap and a thread");
  const bool ok =
      ndpi != nullptr && tls != nullptr && db != nullptr && domain != nullptr && capture != nullptr;
  if (capture != nullptr) pcap_close(capture);
  sqlite3_close(db);
  SSL_CTX_free(tls);
#ifndef TILLID_FLOOR_WITHOUT_CURL
  curl_global_cleanup();
#endif
  ndpi_exit_detection_module(ndpi);
  return ok ? 0 : 1;
}
