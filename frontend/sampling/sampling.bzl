# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
"""The sampling layer's libraries: the same sources with the C library's
names or not, at -O2 or in the build's mode."""

load("@rules_cc//cc:defs.bzl", "cc_library")

def sampling_library(name, libc_names = False, copts = [], **kwargs):
    """A cc_library of the sampling layer, for malloc_variant's `sampling`.

    libc_names: also export malloc, calloc, ... as the sampled functions
        (the profiled variants).
    """
    cc_library(
        name = name,
        srcs = [
            "guard.c",
            "profiling.c",
            "sampled.c",
        ],
        # Private to the layer and its tests (the package's visibility).
        hdrs = ["sampling_internal.h"],
        copts = (["-DSTRATA_OVERRIDE_LIBC"] if libc_names else []) + copts,
        linkopts = ["-pthread"],
        # The allocator reaches it only through a weak reference
        # (strata_malloc_sampling_hooks), which pulls nothing out of an
        # archive: linked whole. Static only: it shares hidden state and
        # functions with the allocator it is linked with.
        alwayslink = True,
        linkstatic = True,
        deps = [
            "//arena",
            "//base",
            "//frontend/malloc:internal",
            "//profile",
        ],
        **kwargs
    )
