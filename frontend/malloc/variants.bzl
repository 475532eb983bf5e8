# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
"""The malloc frontend's build variants: the same sources compiled with the
C library's names or not, hardened or not, at -O2 or in the build's mode."""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library")
load("//tools:strata.bzl", "STRATA_CXX_COPTS")

_SRCS = [
    "background.c",
    "glibc_ext.c",
    "init.c",
    "large.c",
    "malloc.c",
    "report.c",
    "settings.c",
    "settings.h",
    "stats.c",
    "tcache.c",
    "threads.c",
]

_DEPS = [
    ":internal",
    "//arena",
    "//central",
    "//pageheap",
    "//sizeclass",
    "//span",
]

def malloc_variant(name, libc_names = False, hardened = False, sampling = None, copts = [], **kwargs):
    """A cc_library of the allocator.

    libc_names: also export malloc, free, ... and the C++ operators
        (`<name>_operators`), linked whole into programs.
    hardened: encoded, checked free-list links and guard pages.
    sampling: a library of the sampling layer (//frontend/sampling) to link
        in: heap profiles and guarded sampling. With libc_names, malloc,
        calloc, ... and operator new are then its sampled functions, which
        cost a subtraction and a branch per allocation even with
        STRATA_PROFILE_RATE at 0; without it, the allocator carries none
        of the layer.
    """
    defines = []
    if libc_names:
        defines.append("-DSTRATA_OVERRIDE_LIBC")
    if hardened:
        defines.append("-DSTRATA_HARDENED=1")
    entry_defines = ["-DSTRATA_ENTRY_SAMPLED=1"] if sampling and libc_names else []
    defines += entry_defines
    deps = list(_DEPS)
    if sampling:
        deps.append(sampling)
    if libc_names:
        # operator new and delete in every form, on strata (C++, but no
        # dependency on the C++ runtime: see operators.cc).
        cc_library(
            name = name + "_operators",
            srcs = ["operators.cc"],
            # No RTTI, no landing pads (which would need the C++ runtime's
            # personality routine), but unwind tables: a new-handler's
            # exception and std::bad_alloc pass through these frames.
            copts = STRATA_CXX_COPTS + entry_defines + [
                "-fno-rtti",
                "-fno-exceptions",
                "-fasynchronous-unwind-tables",
            ],
            linkopts = ["-ldl"],
            # Calls a hidden function of its variant's sampling layer
            # (frontend/sampling/sampled.c): only ever a part of that, never
            # a shared library of its own.
            linkstatic = True,
            alwayslink = True,
            deps = [":malloc_api"],
            visibility = kwargs.get("visibility", ["//visibility:public"]),
        )
        deps.append(":" + name + "_operators")
    cc_library(
        name = name,
        srcs = _SRCS,
        hdrs = ["strata_malloc.h"],
        alwayslink = libc_names,
        # Its parts (operators.cc, the sampling layer) share hidden
        # functions and state: static libraries, never split into shared
        # ones.
        linkstatic = True,
        copts = defines + copts,
        linkopts = ["-pthread"],
        deps = deps,
        **kwargs
    )

def malloc_shared_library(name, variant, bind_now = False):
    """The shared library of a variant with libc names, for LD_PRELOAD: it
    exports only the malloc API (libstrata.lds). --as-needed drops the C++
    and math libraries the toolchain links into every binary: strata is C
    and needs neither, and loading libstdc++ into every process that
    preloads strata cost about 1.2 MiB of resident memory at start.

    Its calls into the C library bind lazily (-z lazy over the toolchain's
    -z now) unless bind_now: binding all of them at load runs the C
    library's resolvers for functions a short program never calls
    (__memcpy_chk's, say), each faulting in 64 KiB of C library text that
    the program's peak RSS then counts: /bin/true's peak RSS was 1148 KiB
    with -z now, 1040 KiB lazily, 1004 KiB without strata (medians of 21).
    The hardened variant keeps -z now (a read-only GOT).

    -z nodelete: dlclose never unmaps it. A thread that cached holds a
    destructor (its cache's, run at thread exit) and memory handed out
    that other code may still free; unmapping the library under them
    crashed the thread's exit (dlopen_test)."""
    cc_binary(
        name = name,
        additional_linker_inputs = ["libstrata.lds"],
        linkopts = [
            # The ABI's identity (base/version.h): libstrata.so.0 until an
            # incompatible change.
            "-Wl,-soname," + name + ".0",
            "-Wl,--as-needed",
            # The unwinder (sampled stacks) inside, hidden: the library
            # needs nothing but the C library.
            "-static-libgcc",
            "-Wl,--version-script=$(location libstrata.lds)",
            "-Wl,-z,nodelete",
        ] + ([] if bind_now else ["-Wl,-z,lazy"]),
        linkshared = True,
        deps = [variant],
    )
