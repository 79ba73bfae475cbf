#!/usr/bin/env sh
# Debian packages some tests need besides npm's: Chromium for the console's browser tests, Python's cbor2 and
# cryptography for the Python integration example, a JDK and Gson (JSON) for the Java one, promtool (package prometheus) to lint the
# alert rules. Installs only what is missing; needs root (or sudo) only when something is missing.
set -eu
need=""
have() { command -v "$1" >/dev/null 2>&1; }
have chromium || need="$need chromium"
/usr/bin/python3 -c 'import cbor2' 2>/dev/null || need="$need python3-cbor2"
/usr/bin/python3 -c 'import cryptography' 2>/dev/null || need="$need python3-cryptography"
have javac || need="$need openjdk-17-jdk-headless"
have promtool || need="$need prometheus"
# A CJK font, so that the console's screenshots (browser tests) show Chinese text.
fc-list :lang=zh 2>/dev/null | grep -q . || need="$need fonts-wqy-microhei"
[ -f /usr/share/java/gson.jar ] || need="$need libgoogle-gson-java"
if [ -z "$need" ]; then echo "system-deps: all present"; exit 0; fi
echo "system-deps: installing$need"
run() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
run env DEBIAN_FRONTEND=noninteractive apt-get update -q
# shellcheck disable=SC2086
run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $need
