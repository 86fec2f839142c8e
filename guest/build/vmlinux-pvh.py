#!/usr/bin/env python3
"""Extracts the uncompressed ELF vmlinux from a Debian bzImage, for QEMU to boot it through its
Xen PVH entry (-kernel ELF): under TCG, decompressing the xz bzImage costs seconds at every boot.

    vmlinux-pvh.py VMLINUZ VMLINUX      exit status 1 when no ELF with a PVH entry note is found
"""
import lzma, struct, subprocess, sys, zlib


def unzstd(b):
    # The payload is followed by the bzImage's trailer: zstd complains about it after writing the frame.
    return subprocess.run(["zstd", "-dcq"], input=b, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout


data = open(sys.argv[1], "rb").read()
out = None
for magic, dec in ((b"\x28\xb5\x2f\xfd", unzstd),  # Debian's kernels since 6.x
                   (b"\xfd7zXZ\x00", lambda b: lzma.LZMADecompressor().decompress(b)),
                   (b"\x1f\x8b\x08", lambda b: zlib.decompressobj(31).decompress(b))):
    i = data.find(magic)
    while i >= 0 and out is None:
        try:
            cand = dec(data[i:])
            if cand[:4] == b"\x7fELF": out = cand
        except Exception:
            pass
        i = data.find(magic, i + 1)
if out is None: sys.exit(1)
# Require the Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY = 18): QEMU needs it for -kernel ELF.
phoff, = struct.unpack_from("<Q", out, 0x20); phentsize, phnum = struct.unpack_from("<HH", out, 0x36)
found = False
for k in range(phnum):
    ptype, _, off, _, _, filesz = struct.unpack_from("<IIQQQQ", out, phoff + k * phentsize)
    if ptype != 4: continue  # PT_NOTE
    pos, end = off, off + filesz
    while pos + 12 <= end:
        nsz, dsz, ntype = struct.unpack_from("<III", out, pos)
        name = out[pos + 12: pos + 12 + nsz].rstrip(b"\0")
        if name == b"Xen" and ntype == 18: found = True
        pos += 12 + ((nsz + 3) & ~3) + ((dsz + 3) & ~3)
if not found: sys.exit(1)
open(sys.argv[2], "wb").write(out)
