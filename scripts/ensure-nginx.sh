#!/usr/bin/env bash
# The reverse-proxy test (tests/e2e/nginx.test.ts) runs Debian's nginx in front of two instances.
# Installs it when missing; needs root and Debian's package registry, as on CI.
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "nginx is missing: install Debian's 'nginx' package (apt-get install nginx) to run the reverse-proxy test" >&2
  exit 1
fi
apt-get update -qq
# The package's own service is not wanted: the test starts its own nginx with its own configuration.
DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends nginx-light >/dev/null 2>&1 ||
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends nginx >/dev/null
