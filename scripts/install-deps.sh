#!/usr/bin/env bash
# Installs every Debian package that parindex's build, tests and tools need.
# Idempotent: asks apt only for what is missing. Run as root on Debian 12 (bookworm).
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake make pkg-config git ca-certificates
  # test certificates for the TLS test
  openssl
  # gRPC, Protocol Buffers and the code generators
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  # Abseil: Status, StatusOr, strings, time, flags, synchronization
  libabsl-dev
  # storage, criteria files, command line, hashing
  libsqlite3-dev libyaml-cpp-dev libcli11-dev libssl-dev
  # password hashing for accounts: argon2id (crypto_pwhash)
  libsodium-dev
  # XLSX reports; the HTTP/JSON gateway; CSV as spreadsheets write it (survey imports)
  libxlsxwriter-dev libcpp-httplib-dev libcsv-dev
  # the tests' HTTP client (the README's curl examples)
  curl
  # the web page's browser test: headless Chromium driven over WebDriver; a font with
  # Vietnamese glyphs for its screenshots
  chromium chromium-driver fonts-dejavu-core
  # the printable round report's test: Chromium's PDF read back as text (pdftotext)
  poppler-utils
  # the Python example client, and reading the XLSX back in tests
  python3 python3-grpcio python3-protobuf python3-openpyxl
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # checking deploy/: systemd-analyze for the unit, yamllint and PyYAML for manifests
  systemd yamllint python3-yaml
  # make fuzz: clang with libFuzzer
  clang libclang-rt-14-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root (missing: ${missing[*]})" >&2; exit 1; }
  SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
