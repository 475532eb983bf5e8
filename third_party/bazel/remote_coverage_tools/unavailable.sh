#!/bin/sh
echo "coverage through Bazel is not supported in strata's offline build" >&2
exit 1
