#!/usr/bin/env bash
# Checks deploy/ without Docker or a cluster: the systemd unit verifies, every YAML
# file parses and lints, the manifests use flags the server has and the probes it
# answers, and the Dockerfile's runtime packages are exactly what the binaries load.
# Usage: deploy_test.sh SOURCE_DIR PARINDEX_SERVER PARINDEX_CLI
set -euo pipefail
src=$1 server=$2 cli=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "deploy_test: $*" >&2; exit 1; }

# 1. systemd: the unit as installed, with ExecStart pointing at the built binary.
sed "s|/usr/local/bin/parindex-server|$server|" "$src/deploy/parindex.service" \
  > "$tmp/parindex.service"
if ! out=$(systemd-analyze verify --man=no "$tmp/parindex.service" 2>&1); then
  fail "systemd-analyze verify: $out"
fi
[ -z "$out" ] || fail "systemd-analyze verify warns: $out"

# 2. YAML: lint (line length aside) and structure.
yamllint -d '{extends: default, rules: {line-length: {max: 100}, document-start: disable, truthy: {check-keys: false}}}' \
  "$src"/deploy/compose.yaml "$src"/deploy/k8s/*.yaml "$src"/deploy/postgres/compose.yaml \
  "$src"/deploy/postgres/k8s/*.yaml || fail "yamllint"
help=$("$server" serve --help)
python3 - "$src" "$help" <<'PY' || fail "manifests"
import sys, yaml, re
src, help_text = sys.argv[1], sys.argv[2]
flags = set(re.findall(r"(--[a-z][a-z-]+)", help_text))
def check_args(where, args):
    assert args[0] == "serve", f"{where}: first argument {args[0]!r}, not serve"
    for a in args[1:]:
        flag = a.split("=", 1)[0]
        assert flag in flags, f"{where}: {flag} is not a flag of parindex-server serve"
docs = {}
for name in ["statefulset", "service", "config", "kustomization"]:
    with open(f"{src}/deploy/k8s/{name}.yaml") as f:
        docs[name] = list(yaml.safe_load_all(f))
sts = docs["statefulset"][0]
assert sts["kind"] == "StatefulSet" and sts["spec"]["replicas"] == 1, "one replica"
c = sts["spec"]["template"]["spec"]["containers"][0]
check_args("statefulset", c["args"])
ports = {p["name"]: p["containerPort"] for p in c["ports"]}
assert ports == {"grpc": 50051, "http": 8080}, ports
assert c["livenessProbe"]["grpc"]["port"] == 50051
assert c["startupProbe"]["grpc"]["port"] == 50051
assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
mounts = {m["name"] for m in c["volumeMounts"]}
claims = {t["metadata"]["name"] for t in sts["spec"]["volumeClaimTemplates"]}
assert "data" in mounts and "data" in claims
kinds = {d["kind"] for d in docs["config"]}
assert kinds == {"ConfigMap", "Secret"}, kinds
with open(f"{src}/deploy/k8s/kustomization.yaml") as f:
    listed = yaml.safe_load(f)["resources"]
assert sorted(listed) == ["config.yaml", "service.yaml", "statefulset.yaml"], listed
with open(f"{src}/deploy/compose.yaml") as f:
    compose = yaml.safe_load(f)
check_args("compose", compose["services"]["server"]["command"])
assert "parindex-data" in compose["volumes"]
# PostgreSQL: two replicas behind nginx, on the same database, migrated first.
with open(f"{src}/deploy/postgres/compose.yaml") as f:
    pg = yaml.safe_load(f)["services"]
for name in ["server-a", "server-b"]:
    args = pg[name]["command"][0].split()
    check_args(name, args[args.index("parindex-server") + 1:])
    assert "--db=postgresql://parindex@postgres/parindex" in args, name
assert pg["server-a"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
with open(f"{src}/deploy/postgres/nginx.conf") as f:
    nginx = f.read()
assert nginx.count("grpc_pass grpc://parindex_grpc;") == 1
assert "server server-a:50051" in nginx and "server server-b:50051" in nginx
with open(f"{src}/deploy/postgres/k8s/deployment.yaml") as f:
    dep = list(yaml.safe_load_all(f))[0]
assert dep["kind"] == "Deployment" and dep["spec"]["replicas"] == 2
c = dep["spec"]["template"]["spec"]["containers"][0]
check_args("deployment", c["args"])
env = {e["name"]: e for e in c["env"]}
assert env["PARINDEX_DB"]["value"].startswith("postgresql://"), env
init = dep["spec"]["template"]["spec"]["initContainers"][0]
assert init["args"] == ["migrate"]
with open(f"{src}/deploy/postgres/k8s/kustomization.yaml") as f:
    listed = yaml.safe_load(f)["resources"]
assert sorted(listed) == ["deployment.yaml", "postgres.yaml", "secrets.yaml"], listed
PY

# 3. The runtime image installs exactly the packages whose libraries the binaries load
# (besides what bookworm-slim already has, curl for the health check, and the
# sanitizer runtimes of a `make test-asan` build).
needed=$(for f in $(ldd "$server" "$cli" | awk '$3 ~ /^\// {print $3}' | sort -u); do
  real=$(readlink -f "$f")
  dpkg -S "$real" 2>/dev/null || dpkg -S "${real/#\/lib/\/usr\/lib}" 2>/dev/null || \
    dpkg -S "${real/#\/usr\/lib/\/lib}"
done | cut -d: -f1 | sort -u | grep -vxE 'libc6|libgcc-s1|libstdc\+\+6|zlib1g|lib(a|ub|t)san[0-9]+' || true)
listed=$(awk '/^FROM debian:bookworm-slim/ {slim=1} slim && /apt-get install/ {on=1}
  on {print} on && !/\\$/ {on=0}' "$src/deploy/Dockerfile" |
  tr ' \\' '\n\n' | grep -E '^lib' | sort -u)
if [ "$needed" != "$listed" ]; then
  echo "needed by the binaries:"; echo "$needed"
  echo "installed by the Dockerfile:"; echo "$listed"
  fail "the Dockerfile's runtime packages differ from what the binaries load"
fi
echo "deploy_test: unit, manifests and Dockerfile packages check out"
