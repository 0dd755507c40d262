#!/usr/bin/env bash
# test/e2e/kind.sh: the end-to-end test on a real cluster in Docker (kind), for machines WITH Docker and
# kind (our CI machines have neither; there test/cluster runs the operator against a local control
# plane). It builds the node and operator images (tag dev), creates the kind cluster "tsredis" unless
# it exists, loads the images into it, installs the Helm chart, creates examples/minimal.yaml with the
# dev node image, waits for the RedisReplication to be Ready, writes through the master and reads the
# value back from a replica with redis-cli, and prints `kubectl get rr`.
#
# Usage: test/e2e/kind.sh [--keep]
#   --keep   leave the cluster running at the end (default: delete it, also after a failure)
# Needs docker, kind, kubectl and helm on PATH. Environment:
#   KIND_CLUSTER      cluster name (default tsredis)
#   KIND_NODE_IMAGE   kindest/node image to pin the Kubernetes version (the chart needs >= 1.27)
set -euo pipefail

usage() { sed -n 's/^# \{0,1\}//; 9,13p' "${BASH_SOURCE[0]}"; }

keep=0
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "kind.sh: unknown argument: $arg" >&2
      usage >&2
      exit 2
      ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

cluster="${KIND_CLUSTER:-tsredis}"
context="kind-$cluster"
tag=dev
node_image="tsredis/node:$tag"
operator_image="tsredis/operator:$tag"
operator_ns=tsredis-system
release=tsredis-operator
rr=minimal
ready_timeout=180

log() { printf '[kind.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  log "FAIL: $*"
  exit 1
}
# kubectl and helm always address this cluster, whatever the current context is.
k() { kubectl --context "$context" "$@"; }

for tool in docker kind kubectl helm; do
  command -v "$tool" >/dev/null || die "$tool is required on PATH"
done

have_cluster=0
diagnostics() {
  [ "$have_cluster" = 1 ] || return 0
  log "diagnostics:"
  k get rr,statefulsets,pods,services,pvc -o wide >&2 || true
  k describe rr "$rr" >&2 || true
  k -n "$operator_ns" get pods -o wide >&2 || true
  k -n "$operator_ns" logs "deployment/$release" --tail=200 >&2 || true
  k get events --sort-by=.lastTimestamp | tail -n 40 >&2 || true
}

finish() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then diagnostics; fi
  if [ "$keep" = 1 ]; then
    log "keeping cluster $cluster (kubectl --context $context ...; delete: kind delete cluster --name $cluster)"
  else
    log "deleting cluster $cluster"
    kind delete cluster --name "$cluster" >&2 || true
  fi
  if [ "$rc" -eq 0 ]; then log "PASS"; fi
  exit "$rc"
}
trap finish EXIT

# --- images (build context: the repository root)
log "building $node_image and $operator_image"
docker build -f node/Dockerfile -t "$node_image" .
docker build -f operator/Dockerfile -t "$operator_image" .

# --- cluster
if kind get clusters 2>/dev/null | grep -qx "$cluster"; then
  log "using the existing kind cluster $cluster"
else
  create_args=(--name "$cluster" --wait 120s)
  if [ -n "${KIND_NODE_IMAGE:-}" ]; then create_args+=(--image "$KIND_NODE_IMAGE"); fi
  log "creating kind cluster $cluster"
  kind create cluster "${create_args[@]}"
fi
have_cluster=1
log "loading the images into $cluster"
kind load docker-image --name "$cluster" "$node_image" "$operator_image"

# --- operator (the chart installs the CRD too). The image ID as a pod annotation rolls the operator
# when a kept cluster gets a rebuilt image under the same tag.
log "installing the chart"
operator_id="$(docker image inspect -f '{{.Id}}' "$operator_image")"
helm --kube-context "$context" upgrade --install "$release" helm/tsredis-operator \
  --namespace "$operator_ns" --create-namespace \
  --set image.tag="$tag" --set-string "podAnnotations.tsredis\.dev/image-id=$operator_id" \
  --wait --timeout 3m
k get crd redisreplications.tsredis.dev >/dev/null

# --- the example, with the dev node image (inserted after `spec:`; awk rather than GNU-only sed).
# A RedisReplication left by an earlier --keep run goes first, so its pods run the new image.
if k get rr "$rr" >/dev/null 2>&1; then
  log "deleting rr/$rr left from an earlier run"
  k delete rr "$rr" --wait --timeout 120s
  k wait --for=delete pod -l "app.kubernetes.io/instance=$rr" --timeout 120s || true
fi
log "applying examples/minimal.yaml with image $node_image"
awk -v img="$node_image" '{ print } /^spec:[[:space:]]*$/ { print "  image: " img; print "  imagePullPolicy: IfNotPresent" }' \
  examples/minimal.yaml | k apply -f -

log "waiting up to ${ready_timeout}s for rr/$rr to be Ready"
deadline=$((SECONDS + ready_timeout))
phase=""
while :; do
  phase="$(k get rr "$rr" -o jsonpath='{.status.phase}' 2>/dev/null || true)"
  [ "$phase" = Ready ] && break
  [ "$SECONDS" -lt "$deadline" ] || die "rr/$rr not Ready after ${ready_timeout}s (phase: ${phase:-none})"
  sleep 2
done
log "rr/$rr is Ready after $((SECONDS + ready_timeout - deadline))s"

# --- smoke test: write on the master, read on a replica
master="$(k get rr "$rr" -o jsonpath='{.status.master.pod}')"
[ -n "$master" ] || die "status.master.pod is empty"
replica="$(k get pods -l "app.kubernetes.io/instance=$rr,tsredis.dev/role=replica" \
  -o jsonpath='{.items[0].metadata.name}')"
[ -n "$replica" ] || die "no pod labelled tsredis.dev/role=replica"
password="$(k get secret "$rr-auth" -o jsonpath='{.data.password}' | base64 --decode)"
[ -n "$password" ] || die "secret $rr-auth has no key password"
log "master $master, replica $replica"

# redis-cli in a pod with the password from the generated Secret (REDISCLI_AUTH keeps it out of the
# pod's process list; the throwaway cluster's password does show in this machine's for a moment).
rcli() {
  local pod="$1"
  shift
  k exec "$pod" -- env REDISCLI_AUTH="$password" redis-cli --no-auth-warning "$@"
}

role="$(rcli "$master" ROLE)"
role="${role%%$'\n'*}"
[ "$role" = master ] || die "$master answers ROLE with '$role', not master"

key="tsredis:e2e"
value="kind-$(date +%s)-$RANDOM"
reply="$(rcli "$master" SET "$key" "$value")"
[ "$reply" = OK ] || die "SET on $master replied '$reply'"
acked="$(rcli "$master" WAIT 2 5000)"
log "SET $key on $master; WAIT: $acked replica(s) acknowledged"

got=""
for _ in $(seq 1 30); do
  got="$(rcli "$replica" GET "$key" || true)"
  [ "$got" = "$value" ] && break
  sleep 1
done
[ "$got" = "$value" ] || die "GET $key on $replica returned '$got', want '$value'"
log "GET $key on $replica returned the value written on $master"

refused="$(rcli "$replica" SET "$key" other 2>&1 || true)"
case "$refused" in
  *READONLY*) log "the replica refuses writes (READONLY)" ;;
  *) die "SET on replica $replica replied '$refused', want a READONLY error" ;;
esac

k get rr
