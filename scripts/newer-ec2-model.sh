#!/usr/bin/env bash
# Unpacks the EC2 model of the npm aws-sdk@2 package (newer than Debian's botocore) into a temporary
# folder and prints its path; scripts/generate-schemas.ts takes paging from it.
set -euo pipefail
dir="$(mktemp -d)"
(cd "$dir" && npm pack --silent aws-sdk@2.1693.0 >/dev/null 2>&1 && tar xzf aws-sdk-*.tgz \
  package/apis/ec2-2016-11-15.min.json package/apis/ec2-2016-11-15.paginators.json)
echo "$dir/package/apis"
