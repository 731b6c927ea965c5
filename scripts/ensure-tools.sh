#!/usr/bin/env bash
# Tools the tests use beside the Python packages: ffprobe, to check rendered videos the
# way a person would. (The engine itself needs no system package: its ffmpeg comes from
# the imageio-ffmpeg wheel.)
set -euo pipefail
if command -v ffprobe >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ffprobe (Debian package ffmpeg)..." >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null
  exit 0
fi
echo "error: the tests need ffprobe; install your system's ffmpeg package (e.g. apt-get install ffmpeg)" >&2
exit 1
