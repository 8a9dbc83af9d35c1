#!/usr/bin/env bash
# Stops the nodes deploy/tiers-start.sh started (same TIERS_DIR).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
CLUSTER_DIR="${TIERS_DIR:-$repo/.tiers}" exec "$repo/deploy/cluster-stop.sh" "$@"
