#!/usr/bin/env python3
"""Copies the modules the initrd loads, with their dependencies (from the kernel's modules.dep),
decompressed, into DEST, and writes DEST/order: one module name per line, dependencies first.
Modules built into the kernel (modules.builtin) are skipped; an unknown one is an error.

    initrd-modules.py MODULE_DIR DEST NAME...
"""
import os, shutil, subprocess, sys
moddir, dest, want = sys.argv[1], sys.argv[2], sys.argv[3:]
deps, byname = {}, {}
for line in open(os.path.join(moddir, "modules.dep")):
    path, _, rest = line.partition(":")
    deps[path] = rest.split()
    base = os.path.basename(path).split(".ko")[0]
    byname[base.replace("-", "_")] = path
builtin = set()
for line in open(os.path.join(moddir, "modules.builtin")):
    builtin.add(os.path.basename(line.strip()).split(".ko")[0].replace("-", "_"))
order, seen = [], set()
def visit(path):
    if path in seen: return
    seen.add(path)
    for d in deps.get(path, []): visit(d)
    order.append(path)
for name in want:
    n = name.replace("-", "_")
    if n in byname: visit(byname[n])
    elif n in builtin: pass
    else: sys.exit("initrd module %s not found" % name)
with open(os.path.join(dest, "order"), "w") as f:
    for path in order:
        base = os.path.basename(path).split(".ko")[0]
        src = os.path.join(moddir, path)
        out = os.path.join(dest, base + ".ko")
        if path.endswith(".ko.xz"): subprocess.run(["xz", "-dc", src], stdout=open(out, "wb"), check=True)
        elif path.endswith(".ko.zst"): subprocess.run(["zstd", "-qdc", src], stdout=open(out, "wb"), check=True)
        elif path.endswith(".ko.gz"): subprocess.run(["gzip", "-dc", src], stdout=open(out, "wb"), check=True)
        else: shutil.copyfile(src, out)
        f.write(base + "\n")
print(" ".join(os.path.basename(p).split(".ko")[0] for p in order), file=sys.stderr)
