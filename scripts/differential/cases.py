"""The crafted images of the differential conversion test, one per case, bottom layer first.

Each case isolates one rule of how docker applies a layer (Go's archive/tar reading it, moby's Unpack writing it into
an overlay2 layer directory, overlayfs merging the layers). The test loads each into the job's daemon, walks a
container of it, converts it with pcocc-docker and compares; it does not state what docker does: docker says."""
import tarcraft
from tarcraft import T0, base256, chr_, d, end, entry, f, fifo, gnu_long, hard, header, layer, octal, pad, pax, sym

CASES = []

# Cases that mean something only at the root of a layer, or through exact lengths, raw header fields or the end of
# the archive: never combined with others in one image.
ALONE_PREFIXES = ("path-", "end-")
ALONE = {"num-star-prefix", "num-gnu-buggy-prefix", "num-zero-block-then-garbage", "num-single-zero-block",
         "hl-chain-and-dotdot", "wh-opaque-at-root", "wh-empty-name-root", "under-symlink-absolute",
         "under-symlink-escaping", "pax-trailing-x-at-end"}


def case(name, build, cannot_be=None):
    """build: the layers, bottom first. cannot_be: docker loads it, a squashfs cannot hold it; the conversion must
    refuse with this text."""
    CASES.append({"name": name, "build": build, "layers": build(), "cannot_be": cannot_be,
                  "alone": name in ALONE or name.startswith(ALONE_PREFIXES)})


def combined(members):
    """The layers of one image holding each member case under its own top directory (all with as many layers)."""
    layers = []
    try:
        tarcraft.COMBINING = True
        for member in members:
            tarcraft.PREFIX = member["name"].encode() + b"/"
            for index, data in enumerate(member["build"]()):
                if index == len(layers):
                    layers.append(b"")
                layers[index] += data
    finally:
        tarcraft.COMBINING, tarcraft.PREFIX = False, b""
    return [data + end() for data in layers]


CAP = bytes([1, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])  # v2, cap_net_bind_service, effective


def acl(*entries):
    """A POSIX ACL xattr value (version 2): (tag, perm, id) with tags 1 user_obj, 2 user, 4 group_obj, 8 group,
    16 mask, 32 other."""
    out = (2).to_bytes(4, "little")
    for tag, perm, ident in entries:
        out += tag.to_bytes(2, "little") + perm.to_bytes(2, "little") + (ident & 0xFFFFFFFF).to_bytes(4, "little")
    return out


# --- PAX semantics ----------------------------------------------------------------------------------------------------
case("pax-repeated-x", lambda: [layer(
    pax([("path", "from-first-x"), ("uid", "7")]),
    pax([("mtime", "1600000000"), ("SCHILY.xattr.user.second", "2")]),
    f("ustar-name", "A", uid=3))])
case("pax-g-between-x-and-entry", lambda: [layer(
    pax([("path", "from-x"), ("uid", "9")]),
    pax([("path", "from-g")], typeflag=b"g", name=b"gdir/sub/pax_global_header"),
    f("ustar-name", "B", uid=4))])
case("pax-g-alone", lambda: [layer(
    d("keep"), pax([("path", "keep/from-g"), ("uid", "5")], typeflag=b"g", name=b"keep"), f("keep/f", "C"))])
case("pax-gnu-longname-vs-path", lambda: [layer(
    pax([("path", "from-pax-path")]), gnu_long(b"L", "from-gnu-longname"), f("ustar-name", "D"))])
case("pax-gnu-longname-then-pax", lambda: [layer(
    gnu_long(b"L", "from-gnu-first"), pax([("path", "from-pax-after")]), f("ustar-name", "E"))])
case("pax-gnu-longlink-vs-linkpath", lambda: [layer(
    pax([("linkpath", "from-pax-linkpath")]), gnu_long(b"K", "from-gnu-longlink"), sym("link", "ustar-target"))])
case("pax-empty-values", lambda: [layer(
    pax([("path", ""), ("uid", ""), ("gid", ""), ("mtime", ""), ("size", ""), ("SCHILY.xattr.user.empty", ""),
         ("SCHILY.xattr.user.full", "v")]),
    f("ustar-kept", "F", uid=11, gid=12, mtime=T0 + 5),
    pax([("linkpath", "")]), sym("sym-kept", "ustar-target"))])
case("pax-size-and-ids", lambda: [layer(
    pax([("size", "5"), ("uid", "3000000"), ("gid", "4000000"), ("mtime", "1234567890.75")]),
    header("sized", size=0) + pad(b"12345"))])
case("pax-same-key-twice", lambda: [layer(pax([("path", "first"), ("path", "second")]), f("ustar-name", "G"))])
case("pax-libarchive-xattr", lambda: [layer(
    pax([("LIBARCHIVE.xattr.user.lib", "dmFsdWU"), ("SCHILY.xattr.user.schily", "s")]), f("file", "H"))])
case("pax-trailing-nul", lambda: [layer(pax([], raw_data=b"12 path=ab\n\x00\x00\x00"), f("ustar-name", "I"))])
case("pax-record-bad-length", lambda: [layer(pax([], raw_data=b"99 path=ab\n"), f("ustar-name", "J"))])
case("pax-path-with-nul", lambda: [layer(pax([("path", b"a\x00b")]), f("ustar-name", "K"))])
case("pax-xattr-value-with-nul", lambda: [layer(pax([("SCHILY.xattr.user.bin", b"a\x00b\xff")]), f("file", "L"))])
case("pax-over-1mib", lambda: [layer(pax([("comment", "c" * (1 << 20))]), f("file", "M"))])
case("pax-1mib-exactly", lambda: [layer(pax([], raw_data=(lambda r: r)(
    b"1048576 comment=" + b"c" * (1048576 - len(b"1048576 comment=") - 1) + b"\n")), f("file", "N"))])
case("gnu-longname-over-1mib", lambda: [layer(gnu_long(b"L", "n" * (1 << 20)), f("file", "O"))])
case("gnu-longname-with-nul", lambda: [layer(gnu_long(b"L", b"short\x00ignored"), f("ustar-name", "P"))])
case("pax-mtime-malformed", lambda: [layer(pax([("mtime", ".5")]), f("file", "Q"))])
case("pax-atime-malformed", lambda: [layer(pax([("atime", "1x")]), f("file", "R"))])
case("pax-uid-malformed", lambda: [layer(pax([("uid", "12a")]), f("file", "S"))])
case("pax-trailing-x-at-end", lambda: [f("file", "T") + pax([("path", "nothing-follows")]) + end()])

# Sparse files: GNU's PAX formats 0.0, 0.1 and 1.0, and the old GNU 'S' type.
DATA = b"hello" + b"world"
case("sparse-pax-0.0", lambda: [layer(
    pax([("GNU.sparse.size", "3000"), ("GNU.sparse.numblocks", "2"), ("GNU.sparse.offset", "0"),
         ("GNU.sparse.numbytes", "5"), ("GNU.sparse.offset", "2048"), ("GNU.sparse.numbytes", "5")]),
    f("sparse00", DATA))])
case("sparse-pax-0.1", lambda: [layer(
    pax([("GNU.sparse.size", "4096"), ("GNU.sparse.numblocks", "2"), ("GNU.sparse.map", "1000,5,4091,5"),
         ("GNU.sparse.name", "sparse01")]),
    f("GNUSparseFile.1/ignored", DATA))])
case("sparse-pax-1.0", lambda: [layer(
    pax([("GNU.sparse.major", "1"), ("GNU.sparse.minor", "0"), ("GNU.sparse.name", "sparse10"),
         ("GNU.sparse.realsize", "70000")]),
    f("GNUSparseFile.0/ignored", pad(b"2\n0\n5\n65536\n5\n") + DATA))])
case("sparse-pax-hole-at-end", lambda: [layer(
    pax([("GNU.sparse.major", "1"), ("GNU.sparse.minor", "0"), ("GNU.sparse.name", "holeend"),
         ("GNU.sparse.realsize", "9000")]),
    f("GNUSparseFile.0/x", pad(b"1\n0\n5\n") + b"hello"))])
case("sparse-pax-data-mismatch", lambda: [layer(
    pax([("GNU.sparse.size", "100"), ("GNU.sparse.numblocks", "1"), ("GNU.sparse.map", "0,5")]),
    f("mismatch", DATA))])
case("sparse-pax-on-symlink", lambda: [layer(
    pax([("GNU.sparse.size", "100"), ("GNU.sparse.numblocks", "1"), ("GNU.sparse.map", "0,5")]),
    sym("slink", "target"))])
case("sparse-pax-unknown-version", lambda: [layer(
    pax([("GNU.sparse.major", "2"), ("GNU.sparse.minor", "0"), ("GNU.sparse.name", "notsparse")]),
    f("plain", DATA))])
OLD_SPARSE = {"realsize": octal(3000, 12), "sparse": octal(0, 12) + octal(5, 12) + octal(2048, 12) + octal(5, 12)}
case("sparse-old-gnu-S", lambda: [layer(header("oldsparse", b"S", size=10, fmt="gnu", raw=OLD_SPARSE) + pad(DATA))])
case("sparse-old-gnu-S-whiteout", lambda: [layer(f("base", "x")),
     layer(header(".wh.base", b"S", size=10, fmt="gnu", raw=OLD_SPARSE) + pad(DATA))])

# --- numeric fields ---------------------------------------------------------------------------------------------------
case("num-octal-nul-inside", lambda: [layer(f("file", "a", raw={"mode": b"0750\x00xyz", "uid": b"12\x0077\x00"}))])
case("num-octal-spaces", lambda: [layer(f("file", "a", raw={"mode": b"  751  ", "gid": b" 0000015"}))])
case("num-octal-space-inside", lambda: [layer(f("file", "a", raw={"uid": b"12 34\x00\x00"}))])
case("num-octal-garbage", lambda: [layer(f("file", "a", raw={"uid": b"12x4\x00\x00\x00\x00"}))])
case("num-octal-digit-8", lambda: [layer(f("file", "a", raw={"mode": b"0000789\x00"}))])
case("num-octal-no-nul", lambda: [layer(f("file", "a", raw={"mode": b"00000640", "mtime": b"14524543400"}))])
case("num-mode-type-bits", lambda: [layer(f("file", "a", raw={"mode": b"0170741\x00"}))])
case("num-base256-ids", lambda: [layer(
    f("big", "a", raw={"uid": base256((1 << 32) + 5, 8), "gid": base256(70000, 8)}),
    f("neg", "b", raw={"uid": base256(-1, 8), "gid": base256(-3, 8)}))])
case("num-pax-ids-out-of-range", lambda: [layer(
    pax([("uid", "4294967296"), ("gid", "4294967295")]), f("wrap", "a"),
    pax([("uid", "-1"), ("gid", "-5")]), f("negative", "b"),
    pax([("uid", "18446744073709551615")]), f("overflow", "c"))])
case("num-mtime-past-2-32", lambda: [layer(
    f("octal-2-33", "a", raw={"mtime": b"100000000000"}),
    f("base256-2-40", "b", raw={"mtime": base256(1 << 40, 12)}),
    pax([("mtime", "9999999999.5")]), f("pax-big", "c"),
    pax([("mtime", "-1.5")]), f("pax-negative", "d"),
    pax([("mtime", "10000000000")]), f("pax-past-go-max", "e"))])
case("num-size-garbage", lambda: [layer(f("file", "a", raw={"size": b"0000000000z\x00"}))])
case("num-size-negative", lambda: [layer(f("file", "", raw={"size": base256(-1, 12)}))])
case("num-devmajor-garbage-on-file", lambda: [layer(f("file", "a", raw={"devmajor": b"zz\x00"}))])
case("num-devmajor-garbage-v7", lambda: [layer(f("file", "a", fmt="v7", raw={"devmajor": b"zz\x00"}))])
case("num-device-numbers", lambda: [layer(
    chr_("dev/../c-big", 4100, 1048580), entry("b-small", b"4", major=8, minor=17), chr_("c-zero-one", 0, 1))])
case("num-checksum-signed", lambda: [layer(
    header(b"caf\xe9\xe9\xe9", size=1, checksum="signed") + pad(b"x"))])
case("num-checksum-bad", lambda: [layer(header("file", size=1, checksum=b"0000000\x00") + pad(b"x"))])
case("num-zero-block-then-garbage", lambda: [f("file", "a") + b"\x00" * 512 + b"garbage".ljust(512, b"\x00")])
case("num-single-zero-block", lambda: [f("file", "a") + b"\x00" * 512])
case("num-star-prefix", lambda: [layer(f("name", "a", raw={"prefix": b"star-prefix", "trailer": b"tar\x00"}))])
case("num-gnu-buggy-prefix", lambda: [layer(f("name", "a", fmt="gnu", raw={"atime": b"not-octal!!", "ctime": b"\x00"}))])
case("num-typeflag-nul-slash", lambda: [layer(entry("legacy-dir/", b"\x00"), entry("legacy-file", b"\x00", b"z"))])
case("num-typeflag-contiguous", lambda: [layer(entry("contiguous", b"7", b"c"))])
case("num-typeflag-unknown", lambda: [layer(entry("unknown", b"Z", b"u"))])
case("num-typeflag-unknown-whiteout", lambda: [layer(f("victim", "v")), layer(entry(".wh.victim", b"Z", b"u"))])

# --- hard links ---------------------------------------------------------------------------------------------------
case("hl-header-metadata", lambda: [layer(
    pax([("SCHILY.xattr.user.a", "1")]), f("target", "HL", mode=0o644, uid=1, gid=1, mtime=T0),
    pax([("SCHILY.xattr.user.b", "2")]), hard("link", "target", mode=0o4750, uid=2, gid=3, mtime=T0 + 99))])
case("hl-header-drops-capability", lambda: [layer(
    pax([("SCHILY.xattr.security.capability", CAP)]), f("capfile", "CAP", mode=0o755),
    hard("caplink", "capfile", mode=0o755))])
case("hl-to-symlink", lambda: [layer(sym("s", "somewhere"), hard("h", "s", mode=0o600, uid=5))])
case("hl-chain-and-dotdot", lambda: [layer(f("a", "A"), hard("b", "a"), hard("c", "b"), hard("d", "../../a"))])
case("hl-cross-layer", lambda: [layer(f("lower", "L")), layer(hard("upper", "lower"))])
case("hl-forward", lambda: [layer(hard("early", "later"), f("later", "X"))])
case("hl-to-directory", lambda: [layer(d("dir"), hard("dlink", "dir"))])
case("hl-self", lambda: [layer(hard("self", "self"))])
case("hl-target-replaced-later", lambda: [layer(f("t", "OLD"), hard("l", "t"), f("t", "NEW"))])
case("hl-target-whited-out-above", lambda: [layer(f("t", "KEEP"), hard("l1", "t"), hard("l2", "t")),
     layer(entry(".wh.t", b"0"))])
case("hl-through-symlink-dir", lambda: [layer(d("real"), f("real/t", "R"), sym("alias", "real"), hard("l", "alias/t"))])

# --- whiteouts ----------------------------------------------------------------------------------------------------
case("wh-opaque-at-root", lambda: [layer(f("lowerfile", "x"), d("lowerdir"), f("lowerdir/x", "y")),
     layer(entry(".wh..wh..opq", b"0"), f("upperfile", "z"))])
case("wh-then-readd-dir", lambda: [layer(d("d"), f("d/lower", "x")),
     layer(entry(".wh.d", b"0"), d("d", mode=0o700), f("d/upper", "y"))])
case("wh-then-readd-file", lambda: [layer(d("d"), f("d/lower", "x")), layer(entry(".wh.d", b"0"), f("d", "file now"))])
case("wh-after-entry-same-layer", lambda: [layer(f("x", "lower")), layer(f("x", "upper"), entry(".wh.x", b"0"))])
case("wh-twice", lambda: [layer(f("x", "lower")), layer(entry(".wh.x", b"0"), entry(".wh.x", b"0"))])
case("wh-through-lower-symlink", lambda: [layer(d("real"), f("real/f", "x"), sym("s", "real")),
     layer(entry("s/.wh.f", b"0"))])
case("wh-empty-name", lambda: [layer(d("sub"), f("sub/x", "x")), layer(entry("sub/.wh.", b"0"))])
case("wh-empty-name-root", lambda: [layer(f("x", "x")), layer(entry(".wh.", b"0"))])
case("wh-nonexistent-and-implicit-dirs", lambda: [layer(d("keep", mode=0o700, uid=5), f("keep/x", "x")),
     layer(entry("keep/.wh.nothing", b"0"), entry("new/deep/.wh.nothing", b"0"))])
case("wh-opaque-implicit-dir", lambda: [layer(d("o", mode=0o711, uid=6), f("o/lower", "x")),
     layer(entry("o/.wh..wh..opq", b"0"), f("o/upper", "y"))])
case("wh-opaque-then-dir-entry", lambda: [layer(d("o"), f("o/lower", "x")),
     layer(entry("o/.wh..wh..opq", b"0"), d("o", mode=0o750, uid=7), f("o/upper", "y"))])
case("wh-char-device-0-0", lambda: [layer(f("x", "lower"), d("dd"), f("dd/y", "y")),
     layer(chr_("x", 0, 0), chr_("dd", 0, 0, uid=3))])
case("wh-aufs-metadata-names", lambda: [layer(f("kept", "x")),
     layer(entry(".wh..wh.plnk", b"5"), entry(".wh..wh.aufs", b"0"))])
case("wh-of-dir-with-upper-children", lambda: [layer(d("w"), f("w/old", "o")),
     layer(f("w/new", "n"), entry(".wh.w", b"0"))])

# --- implicit parents -----------------------------------------------------------------------------------------------
case("imp-over-lower-file", lambda: [layer(f("a", "file")), layer(f("a/b", "child"))])
case("imp-over-lower-symlink", lambda: [layer(d("real"), f("real/x", "x"), sym("a", "real")), layer(f("a/b", "child"))])
case("imp-over-lower-dir-metadata", lambda: [layer(d("m", mode=0o700, uid=5, gid=6), f("m/lower", "x")),
     layer(f("m/upper", "y"))])
case("imp-then-explicit", lambda: [layer(f("p/q/r", "x"), d("p", mode=0o711, uid=9), d("p/q", mode=0o750))])

# --- entries under a symlink or a file --------------------------------------------------------------------------------
case("under-symlink-same-layer", lambda: [layer(d("target"), sym("s", "target"), f("s/f", "through"))])
case("under-symlink-absolute", lambda: [layer(d("abs"), sym("s", "/abs"), f("s/f", "through"))])
case("under-symlink-escaping", lambda: [layer(sym("s", "../../.."), f("s/escaped", "at root"))])
case("under-symlink-dangling", lambda: [layer(sym("s", "nowhere"), f("s/f", "x"))])
case("under-file-same-layer", lambda: [layer(f("file", "x"), f("file/child", "y"))])
case("under-lower-file-deep", lambda: [layer(f("a", "file")), layer(f("a/b/c", "deep"))])

# --- xattrs -------------------------------------------------------------------------------------------------------------
case("xa-on-symlink", lambda: [layer(
    pax([("SCHILY.xattr.user.u", "1"), ("SCHILY.xattr.trusted.t", "2"), ("SCHILY.xattr.security.s", "3")]),
    sym("link", "target"))])
case("xa-on-fifo-and-device", lambda: [layer(
    pax([("SCHILY.xattr.user.u", "1"), ("SCHILY.xattr.trusted.t", "2")]), fifo("fifo"),
    pax([("SCHILY.xattr.user.u", "1"), ("SCHILY.xattr.security.s", "3")]), chr_("cdev", 1, 3))])
case("xa-on-dir-and-file", lambda: [layer(
    pax([("SCHILY.xattr.user.d", "dir"), ("SCHILY.xattr.trusted.d", "t")]), d("dir"),
    pax([("SCHILY.xattr.user.f", b"\x00\xff"), ("SCHILY.xattr.security.capability", CAP)]), f("dir/file", "x"))])
case("xa-unknown-namespaces", lambda: [layer(
    pax([("SCHILY.xattr.foo.bar", "1"), ("SCHILY.xattr.system.other", "2"), ("SCHILY.xattr.user.ok", "3")]),
    f("file", "x"))])
case("xa-system-other", lambda: [layer(pax([("SCHILY.xattr.system.other", "2")]), f("file", "x"))])
case("xa-acl-on-symlink", lambda: [layer(
    pax([("SCHILY.xattr.system.posix_acl_access", acl((1, 7, -1), (4, 5, -1), (32, 5, -1)))]), sym("link", "t"))])
case("xa-acl-empty", lambda: [layer(pax([("SCHILY.xattr.system.posix_acl_access", "")]), f("file", "x"))])
case("xa-acl-minimal", lambda: [layer(
    pax([("SCHILY.xattr.system.posix_acl_access", acl((1, 7, -1), (4, 5, -1), (32, 0, -1)))]),
    f("file", "x", mode=0o600))])
case("xa-acl-extended", lambda: [layer(
    pax([("SCHILY.xattr.system.posix_acl_access", acl((1, 7, -1), (2, 5, 1000), (4, 5, -1), (16, 5, -1),
                                                     (32, 0, -1)))]),
    f("file", "x", mode=0o640))], cannot_be="ACL")
case("xa-acl-default-dir", lambda: [layer(
    pax([("SCHILY.xattr.system.posix_acl_default", acl((1, 7, -1), (4, 5, -1), (32, 5, -1)))]), d("dir"))],
    cannot_be="ACL")
case("xa-acl-default-on-file", lambda: [layer(
    pax([("SCHILY.xattr.system.posix_acl_default", acl((1, 7, -1), (4, 5, -1), (32, 5, -1)))]), f("file", "x"))])
case("xa-acl-invalid", lambda: [layer(pax([("SCHILY.xattr.system.posix_acl_access", b"\x02\x00\x00\x00\x01")]), f("file", "x"))])
case("xa-capability-invalid", lambda: [layer(pax([("SCHILY.xattr.security.capability", b"\x01\x02")]), f("file", "x"))])
case("xa-name-too-long", lambda: [layer(pax([("SCHILY.xattr.user." + "n" * 251, "v")]), f("file", "x"))])
case("xa-value-4000", lambda: [layer(pax([("SCHILY.xattr.user.big", "v" * 4000)]), f("file", "x"))])
case("xa-value-4100", lambda: [layer(pax([("SCHILY.xattr.user.big", "v" * 4100)]), f("file", "x"))])
case("xa-value-too-big", lambda: [layer(pax([("SCHILY.xattr.user.big", "v" * 70000)]), f("file", "x"))])
case("xa-empty-user-name", lambda: [layer(pax([("SCHILY.xattr.user.", "v")]), f("file", "x"))])
case("xa-overlay-opaque-xattr", lambda: [layer(d("od"), f("od/lower", "x")),
     layer(pax([("SCHILY.xattr.trusted.overlay.opaque", "y")]), d("od"), f("od/upper", "y"))])

# --- paths ----------------------------------------------------------------------------------------------------------------
case("path-slash-spelling", lambda: [layer(
    f("x", "first"), f("/x", "second", mode=0o600), d("dd", mode=0o700), d("/dd", mode=0o751, uid=4),
    f("dd/f", "one"), f("/dd/f", "two"), f("kept", "k"), hard("kept2", "/kept", mode=0o640, uid=9))])
case("path-dup-dotdot", lambda: [layer(f("x", "a"), f("q/../x", "b"))])
case("path-dup-global-header", lambda: [layer(f("g", "a"), pax([], typeflag=b"g", name=b"g"))])
case("path-dup-whiteout", lambda: [layer(f("y", "y")), layer(entry(".wh.y", b"0"), entry("./.wh.y", b"0"))])
case("path-spelled-twice", lambda: [layer(
    f("x", "first"), f("/x", "second", mode=0o600), d("dd", mode=0o700), d("/dd/", mode=0o751, uid=4),
    f("./dd//f", "one"), f("dd/f", "two"))])
case("path-dotdot-clamped", lambda: [layer(f("../../escape", "e"), d("a"), f("a/../b", "b"), f("a/./../../c", "c"))])
case("path-root-entries", lambda: [layer(d("./", mode=0o700, uid=5), d("/", mode=0o711, uid=6), f("kept", "k"))])
case("path-dot-as-file", lambda: [layer(entry("./", b"0", b"root as file"), f("kept", "k"))])
case("path-slash-as-file", lambda: [layer(f("kept", "k"), entry("/", b"0", b"root as file"))])
case("path-dotdot-dir-entry", lambda: [layer(d("..", mode=0o711, uid=8), f("kept", "k"))])
case("path-dotdot-file-entry", lambda: [layer(f("kept", "k"), f("..", "boom"))])
case("path-component-255", lambda: [layer(f("c" * 255, "ok"))])
case("path-component-256", lambda: [layer(pax([("path", "c" * 256)]), f("short", "no"))])


def long_path(length):
    """A path of `length` bytes in components of at most 200 (the kernel's limit is on "/" + path with its NUL: 4096)."""
    parts = []
    while length > 0:
        size = min(200, length if not parts else length - 1)
        parts.append("p" * size)
        length -= size + (1 if len(parts) > 1 else 0)
    return "/".join(parts)


case("path-long-4000", lambda: [layer(pax([("path", long_path(4000))]), f("short", "ok"))])
case("path-long-4001", lambda: [layer(pax([("path", long_path(4001))]), f("short", "no"))])
case("path-long-4094", lambda: [layer(pax([("path", long_path(4094))]), f("short", "ok"))])
case("path-long-4095", lambda: [layer(pax([("path", long_path(4095))]), f("short", "no"))])
case("path-symlink-target-4095", lambda: [layer(pax([("linkpath", "t" * 4095)]), sym("long", "short"))])
case("path-symlink-target-4096", lambda: [layer(pax([("linkpath", "t" * 4096)]), sym("long", "short"))])
case("path-symlink-empty-target", lambda: [layer(sym("empty", ""))])
case("path-odd-bytes", lambda: [layer(f(b"new\nline", "n"), f(b"tab\tand \xff\xfe", "t"), f("back\\slash", "b"))])
case("path-file-with-trailing-slash", lambda: [layer(f("notadir/", "regular with a slash"))])
case("path-replace-dir-by-file", lambda: [layer(d("r"), f("r/child", "c"), f("r", "file now"))])
case("path-replace-file-by-dir", lambda: [layer(f("r", "file"), d("r", mode=0o700), f("r/child", "c"))])
case("path-dir-over-lower-file", lambda: [layer(f("r", "lower file")), layer(d("r", mode=0o701))])

# --- end of archive -----------------------------------------------------------------------------------------------------
case("end-empty-layer", lambda: [b""])
case("end-missing-padding", lambda: [f("file", "abc")[:512 + 3]])
case("end-truncated-content", lambda: [f("file", "x" * 600)[:512 + 100]])
case("end-garbage-after-marker", lambda: [layer(f("file", "a")) + b"trailing garbage"])
case("end-truncated-header", lambda: [f("file", "a") + b"\x01" * 100])
