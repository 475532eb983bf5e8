"""The malloc frontend's build variants: the same sources compiled with the
C library's names or not, hardened or not, at -O2 or in the build's mode."""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library")

_SRCS = [
    "background.c",
    "glibc_ext.c",
    "globals.c",
    "malloc.c",
    "malloc_internal.h",
    "report.c",
    "settings.c",
    "settings.h",
    "stats.c",
    "tcache.c",
]

_DEPS = [
    "//arena",
    "//central",
    "//pageheap",
    "//sizeclass",
    "//span",
]

def malloc_variant(name, libc_names = False, hardened = False, copts = [], **kwargs):
    """A cc_library of the allocator.

    libc_names: also export malloc, free, ... (linked whole into programs).
    hardened: encoded, checked free-list links and guard pages.
    """
    defines = []
    if libc_names:
        defines.append("-DSTRATA_OVERRIDE_LIBC")
    if hardened:
        defines.append("-DSTRATA_HARDENED=1")
    cc_library(
        name = name,
        srcs = _SRCS,
        hdrs = ["strata_malloc.h"],
        alwayslink = libc_names,
        copts = defines + copts,
        linkopts = ["-pthread"],
        # With the C library's names come the C++ ones (operators.cc).
        deps = _DEPS + ([":operators"] if libc_names else []),
        **kwargs
    )

def malloc_shared_library(name, variant):
    """The shared library of a variant with libc names, for LD_PRELOAD: it
    exports only the malloc API (libstrata.lds). --as-needed drops the C++
    and math libraries the toolchain links into every binary: strata is C
    and needs neither, and loading libstdc++ into every process that
    preloads strata cost about 1.2 MiB of resident memory at start."""
    cc_binary(
        name = name,
        additional_linker_inputs = ["libstrata.lds"],
        linkopts = [
            "-Wl,--as-needed",
            "-Wl,--version-script=$(location libstrata.lds)",
        ],
        linkshared = True,
        deps = [variant],
    )
