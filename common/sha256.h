// SHA-256 as lower-case hex (OpenSSL's libcrypto): evidence files and token secrets.
#ifndef PARINDEX_COMMON_SHA256_H_
#define PARINDEX_COMMON_SHA256_H_

#include <openssl/evp.h>

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"

namespace parindex {

// SHA-256 as OpenSSL 3 provides it, fetched once: EVP_sha256() is fetched again from
// the provider on every use (name lookups under a lock), and every call with a token
// hashes its secret.
inline const EVP_MD* Sha256Md() {
  static const EVP_MD* const md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return md;
}

inline std::string Sha256Hex(absl::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, Sha256Md(), nullptr);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
}

// SHA-256 of bytes given in pieces (a file read as a stream).
class Sha256Stream {
 public:
  Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(ctx_, Sha256Md(), nullptr);
  }
  ~Sha256Stream() { EVP_MD_CTX_free(ctx_); }
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void Update(absl::string_view bytes) {
    EVP_DigestUpdate(ctx_, bytes.data(), bytes.size());
  }
  // The digest of everything given, as lower-case hex. Call once.
  std::string Hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx_, digest, &length);
    return absl::BytesToHexString(
        absl::string_view(reinterpret_cast<const char*>(digest), length));
  }

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace parindex

#endif  // PARINDEX_COMMON_SHA256_H_
