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
  # the PostgreSQL backend (libpq), and the server its tests start themselves (initdb,
  # pg_ctl; pg_dump for `parindex-server backup`)
  libpq-dev postgresql-15
  # password hashing for accounts: argon2id (crypto_pwhash)
  libsodium-dev
  # XLSX reports (their parts deflated by ISA-L's igzip); the HTTP/JSON gateway; CSV as
  # spreadsheets write it (survey imports)
  libxlsxwriter-dev libisal-dev zlib1g-dev libcpp-httplib-dev libcsv-dev
  # the tests' HTTP client (the README's curl examples)
  curl
  # the web page's browser test: headless Chromium driven over WebDriver; a font with
  # Vietnamese glyphs for its screenshots
  chromium chromium-driver fonts-dejavu-core
  # the printed self-assessment and round reports read back as text (pdftotext); npm,
  # which brings axe-core (below) for the page's accessibility check
  poppler-utils nodejs
  # the Python example client, and reading the XLSX back in tests
  python3 python3-grpcio python3-protobuf python3-openpyxl
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # checking deploy/: systemd-analyze for the unit, yamllint and PyYAML for manifests
  systemd yamllint python3-yaml
  # deploy/postgres's gRPC proxy, run by the replica test in front of two servers
  nginx
  # make fuzz: clang with libFuzzer
  clang libclang-rt-14-dev
)

# axe-core, the accessibility engine tests/web_test.cc injects into the headless page:
# from npm at a pinned version, into a fixed place the test reads (PARINDEX_AXE_JS names
# another copy).
AXE_VERSION=4.10.2
AXE_DIR=/usr/local/lib/parindex-web-test

install_axe() {
  local have
  have=$(node -p "require('$AXE_DIR/node_modules/axe-core/package.json').version" 2>/dev/null || true)
  [ "$have" = "$AXE_VERSION" ] && return 0
  command -v npm >/dev/null || $SUDO apt-get install -y -q --no-install-recommends npm
  echo "install-deps: installing axe-core@$AXE_VERSION from npm into $AXE_DIR"
  $SUDO mkdir -p "$AXE_DIR"
  $SUDO npm install --prefix "$AXE_DIR" --no-audit --no-fund --save-exact "axe-core@$AXE_VERSION"
}

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  install_axe
  exit 0
fi

if [ -n "$SUDO" ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root (missing: ${missing[*]})" >&2; exit 1; }
fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
install_axe
