#!/bin/sh
# Rebuilds static/vendor/bootstrap/bootstrap.min.css (the parts of Bootstrap the site uses) from
# scripts/css/bootstrap.scss with the exact tool versions in package-lock.json. Commit the result.
set -eu
cd "$(dirname "$0")/.."
[ -d node_modules/bootstrap ] || npm ci --no-audit --no-fund
node scripts/css/build.mjs
