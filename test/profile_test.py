#!/usr/bin/env python3
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
"""Heap profiles of a program with known allocation sites (profile_sites.c)
under LD_PRELOAD=libstrata_profiled.so, read back with google-pprof; and
python3 on it, profiled and guarded.

Sampling error. A site of N objects of s bytes, at rate R, has each object
sampled with probability p = 1 - exp(-s/R); pprof scales the K samples
back to K*s/p bytes, whose standard deviation is s*sqrt(N*(1-p)/p). Each
site is checked within 5.5 standard deviations (plus pprof's rounding to
0.1 MB): a correct profiler fails one check in about 26 million, and the
whole test (about 30 checks) less than once in a million runs. For the
100 MiB site of 4 KiB objects that is +-13.5 % at 64 KiB, +-38 % at 512 KiB
(its standard deviation: 2.5 % and 7.0 %).

Usage: profile_test.py PROFILED_LIB PLAIN_LIB PROGRAM PYTHON_SCRIPT
"""
import math
import os
import re
import subprocess
import sys
import tempfile

MIB = 1 << 20
Z = 5.5

failures = 0


def check(ok, what):
    global failures
    print(("PASS: " if ok else "FAIL: ") + what)
    if not ok:
        failures += 1


def run(cmd, env_extra, cwd):
    env = dict(os.environ)
    env.update(env_extra)
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)


def pprof(program, profile, kind):
    """{function: MiB} from google-pprof --text, and the total."""
    out = subprocess.run(
        ["google-pprof", "--text", "--" + kind, program, profile],
        capture_output=True, text=True)
    if out.returncode != 0:
        return None, None
    sites = {}
    total = None
    for line in out.stdout.splitlines():
        m = re.match(r"Total: ([\d.]+) MB", line)
        if m:
            total = float(m.group(1))
            continue
        fields = line.split()
        if len(fields) >= 6 and fields[1].endswith("%"):
            sites[fields[5]] = float(fields[0])
    return sites, total


def expect_site(sites, name, count, size, rate, label):
    p = 1 - math.exp(-size / rate)
    sigma = size * math.sqrt(count * (1 - p) / p) / MIB
    true = count * size / MIB
    got = sites.get(name, 0.0)
    check(abs(got - true) <= Z * sigma + 0.05,
          f"{label}: {name} {got:.1f} MiB, true {true:.1f}, sigma {sigma:.2f}")


def main():
    profiled, plain, program, python_script = [os.path.abspath(a) for a in sys.argv[1:5]]
    work = tempfile.mkdtemp()

    # The sites at three rates: in-use and cumulative figures.
    for rate in (65536, 524288, 2097152):
        out = run([program, "sites"], {"LD_PRELOAD": profiled, "STRATA_PROFILE_RATE": str(rate),
                                       "STRATA_PROFILE_FILE": f"{work}/sites.{rate}.heap"}, work)
        check(out.returncode == 0, f"rate {rate}: the program ran ({out.stderr.strip()[:200]})")
        profile = f"{work}/sites.{rate}.heap"
        inuse, _ = pprof(program, profile, "inuse_space")
        alloc, _ = pprof(program, profile, "alloc_space")
        if inuse is None or alloc is None:
            check(False, f"rate {rate}: google-pprof reads the profile")
            continue
        label = f"rate {rate} in use"
        expect_site(inuse, "site_pages", 100 * MIB // 4096, 4096, rate, label)
        expect_site(inuse, "site_small", 10 * MIB // 256, 256, rate, label)
        expect_site(inuse, "site_tiny", 16 * MIB // 16, 16, rate, label)
        expect_site(inuse, "site_huge", 4, 8 * MIB, rate, label)
        check(inuse.get("site_freed", 0.0) == 0.0,
              f"{label}: freed objects left the in-use profile "
              f"(site_freed {inuse.get('site_freed', 0.0)})")
        label = f"rate {rate} allocated"
        expect_site(alloc, "site_pages", 100 * MIB // 4096, 4096, rate, label)
        expect_site(alloc, "site_freed", 50 * MIB // 1024, 1024, rate, label)

    # The signal's dump: taken between the two sites.
    out = run([program, "signal"], {"LD_PRELOAD": profiled, "STRATA_PROFILE_RATE": "65536",
                                    "STRATA_PROFILE_SIGNAL": "USR2",
                                    "STRATA_PROFILE_FILE": f"{work}/signal.heap"}, work)
    check(out.returncode == 0, "signal: the program ran")
    during, _ = pprof(program, f"{work}/signal.heap.1", "inuse_space")
    after, _ = pprof(program, f"{work}/signal.heap", "inuse_space")
    check(during is not None and "site_pages" in during and "site_small" not in during,
          "signal: the dump on SIGUSR2 has the first site only")
    check(after is not None and "site_pages" in after and "site_small" in after,
          "signal: the profile at exit has both")

    # fork: each process writes its own profile (%p), the child with what it
    # inherited and what it allocated itself.
    out = run([program, "fork"], {"LD_PRELOAD": profiled, "STRATA_PROFILE_RATE": "65536",
                                  "STRATA_PROFILE_FILE": f"{work}/fork.%p.heap"}, work)
    check(out.returncode == 0, "fork: the program ran")
    files = sorted(f for f in os.listdir(work) if f.startswith("fork."))
    check(len(files) == 2, f"fork: two profiles ({files})")
    if len(files) == 2:
        profiles = [pprof(program, f"{work}/{f}", "inuse_space")[0] or {} for f in files]
        parents = [p for p in profiles if "site_child" not in p]
        children = [p for p in profiles if "site_child" in p]
        check(len(parents) == 1 and len(children) == 1 and "site_pages" in children[0] and
              "site_pages" in parents[0], "fork: the child's profile has its own site, the "
              "parent's does not")

    # Threads, and exit() called by a thread while main waits.
    out = run([program, "threads"], {"LD_PRELOAD": profiled, "STRATA_PROFILE_RATE": "65536",
                                     "STRATA_PROFILE_FILE": f"{work}/threads.heap"}, work)
    check(out.returncode == 0, "threads: the program ran")
    sites, _ = pprof(program, f"{work}/threads.heap", "inuse_space")
    expect_site(sites or {}, "site_thread", 4 * 8 * MIB // 2048, 2048, 65536, "threads")
    out = run([program, "exit_thread"], {"LD_PRELOAD": profiled, "STRATA_PROFILE_RATE": "65536",
                                         "STRATA_PROFILE_FILE": f"{work}/exit.heap"}, work)
    check(out.returncode == 0, "exit from a thread: the program ran")
    sites, _ = pprof(program, f"{work}/exit.heap", "inuse_space")
    expect_site(sites or {}, "site_huge", 4, 8 * MIB, 65536, "exit from a thread")

    # strata_malloc_profile_dump while running.
    out = run([program, "dump", f"{work}/dumped.heap"],
              {"LD_PRELOAD": profiled, "STRATA_PROFILE_RATE": "65536",
               "STRATA_PROFILE_FILE": f"{work}/dump-exit.heap"}, work)
    check(out.returncode == 0, f"dump: the program ran ({out.stderr.strip()[:200]})")
    sites, _ = pprof(program, f"{work}/dumped.heap", "inuse_space")
    expect_site(sites or {}, "site_pages", 100 * MIB // 4096, 4096, 65536, "dump")

    # C++: operator new is sampled too, and the stack starts at the program's
    # call (the operator's own frames are cut).
    cxx_source = os.path.join(work, "cxx_sites.cc")
    with open(cxx_source, "w") as f:
        f.write('''#include <cstdio>
#include <vector>
static std::vector<char *> kept;
__attribute__((noinline)) void cxx_site() {
  for (int i = 0; i < 16384; i++) kept.push_back(new char[4096]);
}
int main() { cxx_site(); std::printf("%zu\\n", kept.size()); return 0; }
''')
    cxx_program = os.path.join(work, "cxx_sites")
    built = subprocess.run(["g++", "-O1", "-o", cxx_program, cxx_source], capture_output=True,
                           text=True)
    check(built.returncode == 0, f"C++: g++ builds the program ({built.stderr.strip()[:200]})")
    if built.returncode == 0:
        out = run([cxx_program], {"LD_PRELOAD": profiled, "STRATA_PROFILE_RATE": "65536",
                                  "STRATA_PROFILE_FILE": f"{work}/cxx.heap"}, work)
        check(out.returncode == 0, "C++: the program ran")
        sites, _ = pprof(cxx_program, f"{work}/cxx.heap", "inuse_space")
        expect_site(sites or {}, "cxx_site", 16384, 4096, 65536, "C++ operator new[]")
        check(sites is not None and not any(name.startswith("operator") for name in sites),
              "C++: no operator new frame in the stacks")

    # Guarded sampling under LD_PRELOAD: a use after free stops the program
    # with the report, and the freeing stack starts at the program's call.
    uaf_source = os.path.join(work, "uaf.c")
    with open(uaf_source, "w") as f:
        f.write('''#include <stdlib.h>
__attribute__((noinline)) char *make_object(void) { return malloc(40); }
__attribute__((noinline)) void drop_object(char *p) { free(p); }
int main(void) {
  char *p = make_object();
  drop_object(p);
  ((volatile char *)p)[3] = 1;
  return 0;
}
''')
    uaf_program = os.path.join(work, "uaf")
    built = subprocess.run(["gcc", "-O1", "-rdynamic", "-o", uaf_program, uaf_source],
                           capture_output=True, text=True)
    check(built.returncode == 0, "guard: gcc builds the use-after-free program")
    if built.returncode == 0:
        out = run([uaf_program], {"LD_PRELOAD": profiled, "STRATA_GUARD_RATE": "1"}, work)
        freed = re.search(r"freed by thread \d+:\n(.*)\n", out.stderr)
        check(out.returncode == -11 and
              re.search(r"strata: use-after-free at address 0x[0-9a-f]+: 3 bytes into the "
                        r"40-byte guarded object", out.stderr) is not None and
              re.search(r"allocated by thread \d+:\n.*make_object", out.stderr) is not None and
              freed is not None and "drop_object" in freed.group(1),
              "guard: a use after free is reported with both stacks, the freeing one from "
              f"the program's call, and the program dies of SIGSEGV ({out.returncode})")

    # libstrata.so has no sampled functions: it says so and writes nothing.
    out = run([program, "sites"], {"LD_PRELOAD": plain, "STRATA_PROFILE_RATE": "65536",
                                   "STRATA_PROFILE_FILE": f"{work}/plain.heap"}, work)
    check(out.returncode == 0 and "libstrata_profiled.so" in out.stderr and
          not os.path.exists(f"{work}/plain.heap"),
          "libstrata.so with STRATA_PROFILE_RATE: a message, no profile")

    # A real program: python3, its output unchanged, its profile readable.
    python = "/usr/bin/python3"
    system = run([python, python_script], {}, work)
    out = run([python, python_script], {"LD_PRELOAD": profiled, "STRATA_PROFILE_RATE": "524288",
                                        "STRATA_PROFILE_FILE": f"{work}/python.heap"}, work)
    check(out.returncode == 0 and out.stdout == system.stdout,
          "python3 on libstrata_profiled.so: same output as on the system allocator")
    sites, total = pprof(python, f"{work}/python.heap", "alloc_space")
    check(sites is not None and total is not None and total > 0 and
          any(name.startswith("Py") or name.startswith("_Py") for name in sites),
          f"python3: google-pprof reads its profile ({total} MB allocated, "
          f"{len(sites or {})} functions)")

    # Guarded sampling on a real program that has no bug: nothing changes.
    out = run([python, python_script], {"LD_PRELOAD": profiled, "STRATA_GUARD_RATE": "65536",
                                        "STRATA_PROFILE_RATE": "524288",
                                        "STRATA_PROFILE_FILE": f"{work}/guarded.heap",
                                        "STRATA_SHOW_STATS": "1"}, work)
    guarded = re.search(r"strata: guard: .*, (\d+) guarded", out.stderr)
    check(out.returncode == 0 and out.stdout == system.stdout and guarded is not None and
          int(guarded.group(1)) > 0 and "overflow" not in out.stderr and
          "use-after-free" not in out.stderr,
          f"python3 with guarded sampling (one in 64 KiB): same output, "
          f"{guarded.group(1) if guarded else 'no'} guarded allocations, nothing reported")

    # The graph of a profile, as the README shows it (graphviz draws it).
    svg = subprocess.run(["google-pprof", "--svg", program, f"{work}/sites.65536.heap"],
                         capture_output=True, text=True)
    check(svg.returncode == 0 and "<svg" in svg.stdout and "site_pages" in svg.stdout,
          "google-pprof --svg draws the profile")

    print(f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
