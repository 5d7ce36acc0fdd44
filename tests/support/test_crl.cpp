#include "tests/support/test_crl.h"

#include <openssl/bn.h>
#include <openssl/pem.h>

#include <catch2/catch.hpp>
#include <ctime>
#include <memory>

namespace tillid::test {

std::string signedCrl(X509* issuer, EVP_PKEY* key, const std::vector<std::string>& serials,
                      bool pem) {
  std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)> crl(X509_CRL_new(), X509_CRL_free);
  REQUIRE(crl);
  X509_CRL_set_version(crl.get(), 1);
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer));
  using Time = std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)>;
  const Time now(ASN1_TIME_set(nullptr, time(nullptr)), ASN1_TIME_free);
  const Time next(ASN1_TIME_set(nullptr, time(nullptr) + 86400), ASN1_TIME_free);
  X509_CRL_set1_lastUpdate(crl.get(), now.get());
  X509_CRL_set1_nextUpdate(crl.get(), next.get());
  for (const auto& serial : serials) {
    BIGNUM* number = nullptr;
    REQUIRE(BN_hex2bn(&number, serial.c_str()) > 0);
    ASN1_INTEGER* asn1 = BN_to_ASN1_INTEGER(number, nullptr);
    X509_REVOKED* entry = X509_REVOKED_new();
    X509_REVOKED_set_serialNumber(entry, asn1);
    X509_REVOKED_set_revocationDate(entry, now.get());
    X509_CRL_add0_revoked(crl.get(), entry);
    ASN1_INTEGER_free(asn1);
    BN_free(number);
  }
  X509_CRL_sort(crl.get());
  REQUIRE(X509_CRL_sign(crl.get(), key, EVP_sha256()) > 0);
  std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), BIO_free);
  REQUIRE((pem ? PEM_write_bio_X509_CRL(out.get(), crl.get())
               : i2d_X509_CRL_bio(out.get(), crl.get())) == 1);
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace tillid::test
