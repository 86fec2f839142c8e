"""Raw tar headers for the differential conversion test: every field written by hand, so that a case can hold what
no tar writer produces (garbage in a number, a 'g' header between an 'x' and its entry, a bad sparse map...)."""

T0 = 1700000000
BLOCK = 512

# Set while a case is built for a combined image: archive paths (entry names, hard link targets, PAX path and
# GNU.sparse.name values, GNU long names) go under PREFIX, and layers are left open (no end-of-archive marker).
PREFIX = b""
COMBINING = False

# Field offsets and lengths of the ustar header.
FIELDS = {
    "name": (0, 100), "mode": (100, 8), "uid": (108, 8), "gid": (116, 8), "size": (124, 12), "mtime": (136, 12),
    "chksum": (148, 8), "typeflag": (156, 1), "linkname": (157, 100), "magic": (257, 6), "version": (263, 2),
    "uname": (265, 32), "gname": (297, 32), "devmajor": (329, 8), "devminor": (337, 8), "prefix": (345, 155),
    # GNU's layout of the same area
    "atime": (345, 12), "ctime": (357, 12), "sparse": (386, 96), "isextended": (482, 1), "realsize": (483, 12),
    "trailer": (508, 4),
}
FORMATS = {"ustar": (b"ustar\x00", b"00"), "gnu": (b"ustar ", b" \x00"), "v7": (b"", b"")}


def b(text):
    return text if isinstance(text, bytes) else text.encode()


def named(path):
    """An archive path, under the combined image's prefix (an empty one stays empty)."""
    path = b(path)
    return PREFIX + path if path else path


def octal(value, length):
    """Octal digits with a NUL terminator, the way Go and GNU tar write them."""
    return b("%0*o" % (length - 1, value)) + b"\x00"


def base256(value, length):
    """GNU's binary form: high bit set, two's complement big-endian."""
    raw = (value % (1 << (8 * length))).to_bytes(length, "big")
    return bytes([raw[0] | 0x80]) + raw[1:]


def header(name, typeflag=b"0", mode=0o644, uid=0, gid=0, size=0, mtime=T0, link=b"", major=0, minor=0,
           fmt="ustar", raw=None, checksum=None):
    """One header block; `raw` maps field names (or offsets) to bytes written last, over everything else."""
    block = bytearray(BLOCK)

    def put(field, value):
        offset, length = FIELDS[field] if isinstance(field, str) else (field, len(value))
        value = b(value)[:length] if isinstance(field, str) else b(value)
        block[offset:offset + len(value)] = value

    put("name", named(name))
    put("mode", octal(mode, 8))
    put("uid", octal(uid, 8))
    put("gid", octal(gid, 8))
    put("size", octal(size, 12))
    put("mtime", octal(mtime, 12))
    put("typeflag", typeflag)
    put("linkname", link)
    magic, version = FORMATS[fmt]
    put("magic", magic)
    put("version", version)
    if fmt != "v7":
        put("devmajor", octal(major, 8))
        put("devminor", octal(minor, 8))
    for field, value in (raw or {}).items():
        put(field, value)
    block[148:156] = b" " * 8
    if checksum == "signed":  # what old writers summed: bytes as signed chars
        checksum = octal(sum(c - 256 if c > 127 else c for c in block) % (1 << 21), 7) + b" "
    block[148:156] = checksum if checksum is not None else octal(sum(block), 7) + b" "
    return bytes(block)


def pad(data):
    return data + b"\x00" * (-len(data) % BLOCK)


def entry(name, typeflag=b"0", data=b"", **fields):
    fields.setdefault("size", len(data))
    return header(name, typeflag, **fields) + pad(data)


def f(name, data=b"", **fields):
    return entry(name, b"0", b(data), **fields)


def d(name, mode=0o755, **fields):
    return entry(name, b"5", mode=mode, **fields)


def sym(name, target, **fields):
    return entry(name, b"2", link=target, mode=fields.pop("mode", 0o777), **fields)


def hard(name, target, **fields):
    return entry(name, b"1", link=named(target), **fields)


def chr_(name, major, minor, **fields):
    return entry(name, b"3", major=major, minor=minor, **fields)


def fifo(name, **fields):
    return entry(name, b"6", **fields)


def record(key, value):
    """One PAX record; its length counts its own digits."""
    body = b" " + b(key) + b"=" + b(value) + b"\n"
    length = len(body) + 1
    while len(str(length)) + len(body) != length:
        length = len(str(length)) + len(body)
    return b(str(length)) + body


def pax(records, typeflag=b"x", name=b"PaxHeaders/x", raw_data=None):
    """An extended header ('x', or 'g' for a global one) holding `records` [(key, value)], or `raw_data` as is."""
    paths = ("path", "GNU.sparse.name")
    data = raw_data if raw_data is not None else b"".join(
        record(k, named(v) if k in paths else v) for k, v in records)
    return entry(name, typeflag, data)


def gnu_long(kind, text, nul=True):
    """A GNU long name ('L') or long link ('K') entry."""
    data = (named(text) if kind == b"L" else b(text)) + (b"\x00" if nul else b"")
    return entry(b"././@LongLink", kind, data, fmt="gnu", raw={"name": b"././@LongLink".ljust(100, b"\x00")})


def end():
    return b"\x00" * (2 * BLOCK)


def layer(*entries):
    return b"".join(entries) + (b"" if COMBINING else end())
