// SHA-256 as lower-case hex (OpenSSL's libcrypto): evidence files and token secrets.
#ifndef PARINDEX_COMMON_SHA256_H_
#define PARINDEX_COMMON_SHA256_H_

#include <openssl/evp.h>

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"

namespace parindex {

inline std::string Sha256Hex(absl::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace parindex

#endif  // PARINDEX_COMMON_SHA256_H_
