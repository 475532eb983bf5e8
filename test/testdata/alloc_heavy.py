# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# A deterministic, allocation-heavy Python workload: many small objects of
# many sizes, created, kept, resized and dropped. Prints a digest that must
# not depend on the allocator.
import hashlib
import json
import random

rng = random.Random(1234)
digest = hashlib.sha256()

table = {}
keys = []
for i in range(200000):
    key = "k%d-%s" % (i, "x" * rng.randrange(0, 40))
    table[key] = [rng.randrange(1 << 30) for _ in range(rng.randrange(0, 12))]
    keys.append(key)
    if i % 3 == 0:
        victim = keys[rng.randrange(0, len(keys))]
        if victim in table:
            del table[victim]

words = sorted(table, key=lambda k: (len(table[k]), k))
digest.update("".join(words[:1000]).encode())

blob = json.dumps(table, sort_keys=True)
digest.update(hashlib.sha256(blob.encode()).digest())
back = json.loads(blob)
assert back == table

chunks = []
s = ""
for i in range(20000):
    s += chr(65 + i % 26) * (i % 17)
    if len(s) > 5000:
        chunks.append(s)
        s = ""
digest.update("".join(chunks).encode())

print(len(table), len(blob), digest.hexdigest())
