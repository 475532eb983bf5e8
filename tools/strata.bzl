# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
"""The shapes every strata layer's BUILD file uses, so that a layer's
targets are found by what they are, not by hand-kept lists.

Each macro tags its target; the scripts ask Bazel for the tagged targets:

    strata_layer       cc_library of a layer (tag strata_layer): the root
                       BUILD merges STRATA_LAYERS into libstrata.a
    strata_unit_test   a layer's GoogleTest test (tag strata_unit)
    strata_layer_bench a layer's benchmark (tag strata_bench): run by
                       `scripts/bench --layers`
    strata_fuzz        a libFuzzer target (tags manual, strata_fuzz): built
                       by --config=fuzz only, run by `scripts/test fuzz`
                       from <package>/fuzz_corpus/<name>

so adding a layer is its package, its BUILD file and one line in
STRATA_LAYERS below.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library", "cc_test")

# The layers under the frontends, bottom up.
STRATA_LAYERS = [
    "//base",
    "//sizeclass",
    "//arena",
    "//metadata",
    "//profile",
    "//span",
    "//pageheap",
    "//central",
]

# The C++ dialect strata's C++ (tests, operators.cc) is written in, on each
# target that compiles it: a workspace that builds strata's packages as
# @strata//... gets Bazel's default dialect, older than this, from its own
# settings, not strata's .bazelrc.
STRATA_CXX_COPTS = ["-std=c++17"]

def _with_tag(kwargs, tag):
    return kwargs.pop("tags", []) + [tag]

def strata_layer(name, **kwargs):
    """A layer's library, public."""
    tags = _with_tag(kwargs, "strata_layer")
    cc_library(
        name = name,
        visibility = kwargs.pop("visibility", ["//visibility:public"]),
        tags = tags,
        **kwargs
    )

def strata_unit_test(name, deps = [], size = "small", **kwargs):
    """A GoogleTest test of one layer through its C header."""
    tags = _with_tag(kwargs, "strata_unit")
    cc_test(
        name = name,
        size = size,
        tags = tags,
        copts = STRATA_CXX_COPTS + kwargs.pop("copts", []),
        deps = deps + ["//third_party/system:gtest_main"],
        **kwargs
    )

def strata_layer_bench(name, deps = [], **kwargs):
    """A layer's own benchmark: time and callgrind instruction counts."""
    tags = _with_tag(kwargs, "strata_bench")
    cc_binary(
        name = name,
        tags = tags,
        deps = deps + ["//tools/benchkit"],
        **kwargs
    )

def strata_fuzz(name, deps = [], **kwargs):
    """A libFuzzer target (clang, --config=fuzz)."""
    tags = _with_tag(kwargs, "strata_fuzz") + ["manual"]
    cc_binary(
        name = name,
        linkopts = ["-fsanitize=fuzzer"],
        tags = tags,
        deps = deps + ["//tools/fuzzkit"],
        **kwargs
    )
