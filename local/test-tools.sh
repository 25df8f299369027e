#!/usr/bin/env bash
# Debian tools the tests use to check our answers independently: openssl, ssh-keygen and puttygen
# (key pair fingerprints and formats), the aws cli and boto3 (EC2 clients).
set -euo pipefail
source "$(dirname "$0")/common.sh"
missing=()
command -v openssl >/dev/null || missing+=(openssl)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
command -v puttygen >/dev/null || missing+=(putty-tools)
[ -x /usr/bin/aws ] || missing+=(awscli)
/usr/bin/python3 -c 'import boto3' 2>/dev/null || missing+=(python3-boto3)
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "installing ${missing[*]} needs root (apt-get)"
  say "installing test tools: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
fi
