#!/usr/bin/env bash
# Starts one silo (gateway co-hosted, in-memory membership) built in Release.
# Usage: deploy/single-node.sh [--urls http://0.0.0.0:8080] [--Cluster:PublishingPoints:AutoCreate=false ...]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Cluster.Silo -c Release -nologo -v quiet
exec dotnet src/Cluster.Silo/bin/Release/net10.0/Cluster.Silo.dll "$@"
