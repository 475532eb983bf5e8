#!/usr/bin/env python3
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
"""Counts a `bazel test` run's results from Bazel's own build event
protocol (--build_event_json_file), not from its console text: one line
"PASSED FAILED" on stdout, and the label and status of every test that did
not pass on stderr.

A test passes when its summary's overall status is PASSED (run now or
cached). Any other status (FAILED, FLAKY, TIMEOUT, NO_STATUS, ...) fails it,
and so does a build that did not finish (a target that failed to build has
no test summary at all): that counts as one failure more."""
import json
import sys

# Bazel's exit codes for "built, tests ran" (0: all passed, 3: some failed)
# and "built, no test to run" (4).
RAN = (0, 3, 4)


def main(path):
    passed = failed = 0
    exit_code = None
    with open(path) as events:
        for line in events:
            event = json.loads(line)
            if "testSummary" in event:
                label = event["id"]["testSummary"]["label"]
                status = event["testSummary"].get("overallStatus", "NO_STATUS")
                if status == "PASSED":
                    passed += 1
                else:
                    failed += 1
                    print(f"{label}: {status}", file=sys.stderr)
            elif "buildFinished" in event["id"]:
                # The payload is "finished"; a code of 0 is left out.
                exit_code = event.get("finished", {}).get("exitCode", {}).get("code", 0)
    if exit_code is None or exit_code not in RAN:
        failed += 1
        print(f"the build did not finish (exit code {exit_code})", file=sys.stderr)
    print(passed, failed)


if __name__ == "__main__":
    main(sys.argv[1])
