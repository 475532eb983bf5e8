# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
"""Packaging shapes: archives merged from the layers' own, and the shared
libraries installed from them."""

def merged_archive(name, srcs, out, **kwargs):
    """One static library `out` holding the objects of every archive in srcs."""
    native.genrule(
        name = name,
        srcs = srcs,
        outs = [out],
        cmd = "$(location //tools/packaging:merge_archives) $@ $(SRCS)",
        tools = ["//tools/packaging:merge_archives"],
        **kwargs
    )

def installed_shared_library(name, archive, out, soname):
    """A shared library of every object in `archive` (whole: no function is
    dropped for want of a caller), with the unwinder of the heap profile
    linked in statically and hidden: it needs the C library alone. Its
    soname is `soname`, and every symbol it exports carries the version
    node of installed.lds."""
    native.genrule(
        name = name,
        srcs = [archive, "//tools/packaging:installed.lds"],
        outs = [out],
        cmd = "$(CC) -shared -o $@ -Wl,-soname," + soname + " " +
              "-Wl,--version-script=$(location //tools/packaging:installed.lds) " +
              "-Wl,--whole-archive $(location " + archive + ") " +
              "-Wl,--no-whole-archive -static-libgcc -lpthread -ldl",
        toolchains = ["@bazel_tools//tools/cpp:current_cc_toolchain"],
    )
