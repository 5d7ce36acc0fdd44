// parseCrl on CRLs made here with OpenSSL: a signed CRL in PEM and DER gives its issuer and
// serials; truncated bytes, garbage, a PEM block with damaged base64 and a CRL signed by
// another CA each give an error that says which.

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>

#include "collector/certificate_revocation.h"
#include "protocol/openssl_util.h"
#include "tests/support/test_crl.h"

namespace tillid::collector {
namespace {

using report::OpenSslPtr;

struct TestCa {
  OpenSslPtr<EVP_PKEY> key;
  OpenSslPtr<X509> certificate;
  std::string pem;
};

TestCa makeCa(const std::string& commonName) {
  TestCa ca;
  ca.key.reset(EVP_EC_gen("P-256"));
  REQUIRE(ca.key);
  ca.certificate.reset(X509_new());
  X509* cert = ca.certificate.get();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_set_pubkey(cert, ca.key.get());
  REQUIRE(X509_sign(cert, ca.key.get(), EVP_sha256()) > 0);
  ca.pem = report::certificatePem(cert);
  return ca;
}

// A CRL of `ca` listing `serials` (hex), as PEM or DER.
std::string makeCrl(const TestCa& ca, const std::vector<std::string>& serials, bool pem) {
  return test::signedCrl(ca.certificate.get(), ca.key.get(), serials, pem);
}

TEST_CASE("parseCrl reads a signed CRL in PEM and in DER", "[collector][crl]") {
  const TestCa ca = makeCa("Test CA");
  for (const bool pem : {true, false}) {
    INFO((pem ? "PEM" : "DER"));
    auto crl = parseCrl(makeCrl(ca, {"1092", "0A"}, pem), ca.pem);
    REQUIRE(crl);
    CHECK(crl->issuer == "/CN=Test CA");
    CHECK(crl->serials == std::set<std::string>{"1092", "0A"});
    CHECK(crl->modified == 0);
    auto empty = parseCrl(makeCrl(ca, {}, pem), ca.pem);
    REQUIRE(empty);
    CHECK(empty->serials.empty());
  }
}

TEST_CASE("parseCrl refuses malformed bytes, saying it is not a CRL", "[collector][crl]") {
  const TestCa ca = makeCa("Test CA");
  const std::string pem = makeCrl(ca, {"1092"}, true);
  const std::string der = makeCrl(ca, {"1092"}, false);
  const auto notACrl = [&](const std::string& bytes) {
    auto crl = parseCrl(bytes, ca.pem);
    REQUIRE_FALSE(crl);
    CHECK(crl.status().code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(crl.status().message(), Catch::StartsWith("not a CRL (PEM or DER)"));
  };
  SECTION("empty") {
    notACrl("");
  }
  SECTION("truncated PEM") {
    notACrl(pem.substr(0, pem.size() / 2));
  }
  SECTION("truncated DER") {
    for (const size_t cut : {size_t{1}, size_t{2}, der.size() / 2, der.size() - 1}) {
      INFO(cut);
      notACrl(der.substr(0, cut));
    }
  }
  SECTION("garbage") {
    notACrl(std::string("\x30\x82\xff\xff garbage \x00\x01", 16));
  }
  SECTION("a PEM block whose base64 is damaged") {
    notACrl("-----BEGIN X509 CRL-----\nMIIB!!not*base64@@\n-----END X509 CRL-----\n");
  }
  SECTION("a PEM block of another kind") {
    notACrl(ca.pem);
  }
}

TEST_CASE("parseCrl refuses a CRL that no CA of tls.ca signed", "[collector][crl]") {
  const TestCa ca = makeCa("Test CA");
  const TestCa other = makeCa("Test CA");  // the same name, another key
  const std::string crl = makeCrl(other, {"1092"}, true);
  for (const std::string& cas : {ca.pem, std::string(), std::string("not a certificate")}) {
    auto parsed = parseCrl(crl, cas);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.status().code() == ErrorCode::kInvalidArgument);
    CHECK(parsed.status().message() == "not signed by a CA of tls.ca");
  }
  // Among several CAs, the one that signed it counts.
  CHECK(parseCrl(crl, ca.pem + other.pem));
}

}  // namespace
}  // namespace tillid::collector
