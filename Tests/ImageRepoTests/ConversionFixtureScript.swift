// The Python side of the conversion tests: it builds OCI layouts with tarfile (an implementation independent of ours),
// models the tree an extracting runtime would produce, and lists a squashfs through sqfs2tar (or an extracted bundle
// through lstat) for comparison.
enum ConversionFixtureScript {
    static let source = #"""
        # Builds OCI layouts for the conversion tests, the tree each one must flatten to, and lists a squashfs.
        # Usage: fixture.py make DIR | fixture.py check EXPECTED.json SQFS|DIRECTORY | fixture.py list SQFS
        import gzip, hashlib, io, json, os, subprocess, sys, tarfile

        T0 = 1700000000
        CAP = bytes([1, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])  # v2, cap_net_bind_service, effective

        def esc(b):
            return b.decode("utf-8", "surrogateescape")

        class Layer:
            def __init__(self, fmt, mtime):
                self.entries, self.fmt, self.mtime = [], fmt, mtime
            def add(self, name, kind="f", data=b"", mode=None, uid=None, gid=None, link="", dev=(0, 0), xattrs=None):
                # Like tar writers, a hard link carries its target's metadata unless told otherwise.
                target = next((ti for ti, _ in reversed(self.entries) if kind == "h" and ti.name == link), None)
                if target is not None:
                    mode = target.mode if mode is None else mode
                    uid = target.uid if uid is None else uid
                    gid = target.gid if gid is None else gid
                uid = 0 if uid is None else uid
                gid = 0 if gid is None else gid
                ti = tarfile.TarInfo(name)
                ti.type = {"f": tarfile.REGTYPE, "d": tarfile.DIRTYPE, "l": tarfile.SYMTYPE, "h": tarfile.LNKTYPE,
                           "c": tarfile.CHRTYPE, "b": tarfile.BLKTYPE, "p": tarfile.FIFOTYPE}[kind]
                ti.mode = mode if mode is not None else (0o755 if kind == "d" else 0o644)
                ti.uid, ti.gid, ti.mtime, ti.linkname = uid, gid, self.mtime, link
                ti.devmajor, ti.devminor = dev
                ti.uname = ti.gname = ""
                if xattrs:
                    ti.pax_headers = {"hdrcharset": "BINARY", **{"SCHILY.xattr." + k: esc(v) for k, v in xattrs.items()}}
                if kind == "f":
                    ti.size = len(data)
                self.entries.append((ti, data))
                return self
            def tar(self):
                out = io.BytesIO()
                with tarfile.open(fileobj=out, mode="w", format=self.fmt, encoding="utf-8", errors="surrogateescape") as t:
                    for ti, data in self.entries:
                        t.addfile(ti, io.BytesIO(data) if ti.isreg() else None)
                return out.getvalue()

        def write_layout(directory, layers, model=True):
            """layers: [(Layer, 'gzip'|'zstd'|'none')], bottom first."""
            blobs = os.path.join(directory, "blobs", "sha256")
            os.makedirs(blobs, exist_ok=True)
            def put(data):
                digest = hashlib.sha256(data).hexdigest()
                with open(os.path.join(blobs, digest), "wb") as f:
                    f.write(data)
                return "sha256:" + digest, len(data)
            descriptors, diff_ids = [], []
            for layer, compression in layers:
                raw = layer.tar()
                diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
                if compression == "gzip":
                    data, media = gzip.compress(raw, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip"
                elif compression == "docker-gzip":
                    data, media = gzip.compress(raw, mtime=0), "application/vnd.docker.image.rootfs.diff.tar.gzip"
                elif compression == "zstd":
                    data = subprocess.run(["zstd", "-q", "-c"], input=raw, stdout=subprocess.PIPE, check=True).stdout
                    media = "application/vnd.oci.image.layer.v1.tar+zstd"
                else:
                    data, media = raw, "application/vnd.oci.image.layer.v1.tar"
                digest, size = put(data)
                descriptors.append({"mediaType": media, "digest": digest, "size": size})
            config = json.dumps({"architecture": "amd64", "os": "linux",
                                 "rootfs": {"type": "layers", "diff_ids": diff_ids}, "config": {}}).encode()
            config_digest, config_size = put(config)
            manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                                   "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                              "digest": config_digest, "size": config_size},
                                   "layers": descriptors}).encode()
            manifest_digest, manifest_size = put(manifest)
            with open(os.path.join(directory, "oci-layout"), "w") as f:
                json.dump({"imageLayoutVersion": "1.0.0"}, f)
            with open(os.path.join(directory, "index.json"), "w") as f:
                json.dump({"schemaVersion": 2, "manifests": [
                    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest,
                     "size": manifest_size, "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}, f)
            if model:
                with open(os.path.join(directory, "expected.json"), "w") as f:
                    json.dump(reference_tree([layer for layer, _ in layers]), f, indent=1, sort_keys=True)

        def norm(name):
            return "/".join(part for part in name.split("/") if part not in ("", "."))

        IMPLICIT = {"type": "d", "mode": 0o755, "uid": 0, "gid": 0, "mtime": 0, "size": 0, "sha256": "", "link": "",
                    "dev": [0, 0], "xattrs": {}}

        def reference_tree(layers):
            """Applies the layers bottom-up the way docker does (overlay2), as an independent model of the result; the
            fixtures keep to what this simple model gets right (the differential system test covers the rest)."""
            tree = {}
            def remove(path):
                for key in [k for k in tree if k == path or k.startswith(path + "/")]:
                    del tree[key]
            for layer in layers:
                # Docker creates a missing parent 0755 root:root in the layer itself: over a lower directory's
                # metadata, and over a lower non-directory.
                explicit = {norm(ti.name) for ti, _ in layer.entries if ti.isdir()}
                for ti, _ in layer.entries:
                    parent = norm(ti.name).rpartition("/")[0]
                    while parent and parent not in explicit:
                        if parent in tree and tree[parent]["type"] != "d":
                            remove(parent)
                        tree[parent] = dict(tree.get(parent, IMPLICIT), **{k: IMPLICIT[k] for k in ("mode", "uid", "gid", "mtime", "xattrs")})
                        parent = parent.rpartition("/")[0]
                for ti, _ in layer.entries:  # whiteouts only ever apply to lower layers: apply them first
                    path = norm(ti.name)
                    parent, _, base = path.rpartition("/")
                    if base == ".wh..wh..opq":
                        for key in [k for k in tree if (k.startswith(parent + "/") if parent else k != "")]:
                            del tree[key]
                    elif base.startswith(".wh."):
                        remove(norm(parent + "/" + base[4:]))
                for ti, data in layer.entries:
                    path = norm(ti.name)
                    if path.rpartition("/")[2].startswith(".wh."):
                        continue
                    if ti.islnk():
                        # The link header's metadata goes to the shared inode.
                        inode = tree[norm(ti.linkname)]
                        inode.update(mode=ti.mode & 0o7777, uid=ti.uid, gid=ti.gid, mtime=ti.mtime)
                        inode["xattrs"].update({k[13:]: v.encode("utf-8", "surrogateescape").hex()
                                                for k, v in ti.pax_headers.items() if k.startswith("SCHILY.xattr.")})
                        remove(path)
                        tree[path] = inode
                        continue
                    record = {"type": {tarfile.REGTYPE: "f", tarfile.DIRTYPE: "d", tarfile.SYMTYPE: "l", tarfile.CHRTYPE: "c",
                                       tarfile.BLKTYPE: "b", tarfile.FIFOTYPE: "p"}[ti.type],
                              # Linux symlinks are always 0777, whatever the archive says.
                              "mode": 0o777 if ti.issym() else ti.mode & 0o7777, "uid": ti.uid, "gid": ti.gid, "mtime": ti.mtime,
                              "size": len(data) if ti.isreg() else 0, "sha256": hashlib.sha256(data).hexdigest() if ti.isreg() else "",
                              "link": ti.linkname if ti.issym() else "",
                              "dev": [ti.devmajor, ti.devminor] if ti.ischr() or ti.isblk() else [0, 0],
                              "xattrs": {k[13:]: v.encode("utf-8", "surrogateescape").hex()
                                         for k, v in ti.pax_headers.items() if k.startswith("SCHILY.xattr.")}}
                    if ti.isdir() and path in tree and tree[path]["type"] == "d":
                        tree[path].update(record)
                    else:
                        remove(path)
                        tree[path] = record
            tree[""] = dict(IMPLICIT)  # docker's root is its own directory, whatever the layers say
            return finish(tree)

        def finish(tree):
            """Path -> record (records shared by hard links are copied) plus the hard-link groups."""
            groups = {}
            for path, record in tree.items():
                groups.setdefault(id(record), []).append(path)
            root = tree.pop("", None)
            listing = {path: dict(record) for path, record in tree.items()}
            links = sorted(sorted(paths) for paths in groups.values() if len(paths) > 1)
            return {"entries": listing, "hardlinks": links, "root": root and {k: root[k] for k in ("mode", "uid", "gid")}}

        def list_squashfs(image):
            tar = subprocess.run(["sqfs2tar", image], stdout=subprocess.PIPE, check=True).stdout
            tree = {}
            with tarfile.open(fileobj=io.BytesIO(tar), encoding="utf-8", errors="surrogateescape") as t:
                for ti in t:
                    path = norm(ti.name)
                    if ti.islnk():
                        tree[path] = tree[norm(ti.linkname)]
                        continue
                    data = t.extractfile(ti).read() if ti.isreg() else b""
                    tree[path] = {"type": {tarfile.REGTYPE: "f", tarfile.DIRTYPE: "d", tarfile.SYMTYPE: "l",
                                           tarfile.CHRTYPE: "c", tarfile.BLKTYPE: "b", tarfile.FIFOTYPE: "p"}[ti.type],
                                  "mode": ti.mode & 0o7777, "uid": ti.uid, "gid": ti.gid, "mtime": int(ti.mtime),
                                  "size": len(data), "sha256": hashlib.sha256(data).hexdigest() if ti.isreg() else "",
                                  "link": ti.linkname if ti.issym() else "",
                                  "dev": [ti.devmajor, ti.devminor] if ti.ischr() or ti.isblk() else [0, 0],
                                  "xattrs": {k[13:]: v.encode("utf-8", "surrogateescape").hex()
                                             for k, v in ti.pax_headers.items() if k.startswith("SCHILY.xattr.")}}
            stat = subprocess.run(["rdsquashfs", "-s", "/", image], stdout=subprocess.PIPE, check=True, text=True).stdout
            fields = dict(line.split(": ", 1) for line in stat.splitlines() if ": " in line)
            tree[""] = {"mode": int(fields["Access"], 8), "uid": int(fields["UID"].split()[0]), "gid": int(fields["GID"].split()[0])}
            return finish(tree)

        def list_directory(top):
            """The same listing for an extracted tree (the flat driver's bundle), from lstat and the xattrs."""
            tree = {}
            inodes = {}
            for directory, dirs, files in os.walk(top):
                for name in dirs + files:
                    full = os.path.join(directory, name)
                    path = os.path.relpath(full, top)
                    st = os.lstat(full)
                    kind = {0o040000: "d", 0o100000: "f", 0o120000: "l", 0o020000: "c", 0o060000: "b", 0o010000: "p"}[st.st_mode & 0o170000]
                    if kind != "d" and st.st_nlink > 1 and (st.st_dev, st.st_ino) in inodes:
                        tree[path] = inodes[(st.st_dev, st.st_ino)]
                        continue
                    data = b""
                    if kind == "f":
                        with open(full, "rb") as f:
                            data = f.read()
                    xattrs = {} if kind == "l" else {k: os.getxattr(full, k, follow_symlinks=False).hex()
                                                     for k in os.listxattr(full, follow_symlinks=False)}
                    tree[path] = {"type": kind, "mode": st.st_mode & 0o7777, "uid": st.st_uid, "gid": st.st_gid,
                                  "mtime": int(st.st_mtime), "size": len(data),
                                  "sha256": hashlib.sha256(data).hexdigest() if kind == "f" else "",
                                  "link": os.readlink(full) if kind == "l" else "",
                                  "dev": [os.major(st.st_rdev), os.minor(st.st_rdev)] if kind in "cb" else [0, 0],
                                  "xattrs": xattrs}
                    inodes[(st.st_dev, st.st_ino)] = tree[path]
            st = os.lstat(top)
            tree[""] = {"mode": st.st_mode & 0o7777, "uid": st.st_uid, "gid": st.st_gid}
            return finish(tree)

        def unprivileged(expected):
            """What an extraction by this (unprivileged) user can make of the expected tree: no device nodes, every
            file this user's, user.* xattrs only (the others are compared away: root could set them)."""
            entries = {path: dict(record, uid=os.getuid(), gid=os.getgid(),
                                  xattrs={k: v for k, v in record["xattrs"].items() if k.startswith("user.")})
                       for path, record in expected["entries"].items() if record["type"] not in "cb"}
            root = expected["root"] and dict(expected["root"], uid=os.getuid(), gid=os.getgid())
            return {"entries": entries, "hardlinks": expected["hardlinks"], "root": root}

        def check(expected_path, image):
            with open(expected_path) as f:
                expected = json.load(f)
            if os.path.isdir(image):
                expected = unprivileged(expected)
                actual = json.loads(json.dumps(list_directory(image)))
                for record in actual["entries"].values():
                    record["xattrs"] = {k: v for k, v in record["xattrs"].items() if k.startswith("user.")}
            else:
                actual = json.loads(json.dumps(list_squashfs(image)))
            problems = []
            for path in sorted(set(expected["entries"]) | set(actual["entries"])):
                want, got = expected["entries"].get(path), actual["entries"].get(path)
                if want != got:
                    problems.append(f"/{path}: expected {want}, got {got}")
            if expected["hardlinks"] != actual["hardlinks"]:
                problems.append(f"hard links: expected {expected['hardlinks']}, got {actual['hardlinks']}")
            if expected["root"] and expected["root"] != actual["root"]:
                problems.append(f"root: expected {expected['root']}, got {actual['root']}")
            print("\n".join(problems))
            sys.exit(1 if problems else 0)

        def busybox_layers():
            with open("/usr/bin/busybox", "rb") as f:
                busybox = f.read()
            layer = Layer(tarfile.PAX_FORMAT, T0).add("./", "d").add("bin/", "d").add("bin/busybox", data=busybox, mode=0o755)
            for applet in ("sh", "ls", "cat"):
                layer.add("bin/" + applet, "l", link="busybox")
            return [(layer, "docker-gzip")]

        def multi_layers():
            long_target = "/" + "/".join(["t" * 30] * 5)  # 155 characters
            long_name = "long/" + "n" * 120
            deep = "long/" + "/".join(["d" * 60] * 3) + "/file"
            large = hashlib.shake_256(b"large").digest(5 << 20)
            l0 = Layer(tarfile.PAX_FORMAT, T0)
            l0.add("./", "d", mode=0o750)
            for d in ("etc", "usr", "usr/bin", "del", "deldir", "deldir/sub", "recreated", "opq", "opq/lowersub", "d2f",
                      "d2f/sub", "hl", "hl2", "hl3", "hl4", "hl5", "hl6", "hl7", "sym", "long", "long/" + "d" * 60,
                      "long/" + "d" * 60 + "/" + "d" * 60, "long/" + "/".join(["d" * 60] * 3), "modes", "dev", "x", "own",
                      "empty", "large", "over"):
                l0.add(d + "/", "d")
            l0.add("meta/", "d", mode=0o700, uid=1, gid=1)
            l0.add("etc/passwd", data=b"root:x:0:0:root:/root:/bin/sh\n")
            l0.add("del/file", data=b"deleted").add("del/kept", data=b"kept")
            l0.add("deldir/a", data=b"a").add("deldir/sub/b", data=b"b")
            l0.add("recreated/old1", data=b"old1").add("recreated/old2", data=b"old2")
            l0.add("opq/lower1", data=b"lower1").add("opq/lowersub/x", data=b"x")
            l0.add("f2d", data=b"file becoming a directory")
            l0.add("d2f/child", data=b"c").add("d2f/sub/deep", data=b"deep")
            l0.add("hl/a", data=b"A", mode=0o640, uid=7, gid=8).add("hl/b", "h", link="hl/a").add("hl/c", "h", link="hl/a")
            l0.add("hl2/target", data=b"T2", mode=0o4755, uid=1234, gid=5678, xattrs={"user.t": b"t2"})
            l0.add("hl2/link1", "h", link="hl2/target").add("hl2/link2", "h", link="hl2/target")
            l0.add("hl6/t", data=b"T6").add("hl6/l", "h", link="hl6/t")
            l0.add("hl7/t", data=b"T7").add("hl7/l0", "h", link="hl7/t").add("hl7/l1", "h", link="hl7/t")
            l0.add("sym/rel", "l", link="../usr/bin").add("sym/abs_long", "l", link=long_target)
            l0.add("sym/dangling", "l", link="/nonexistent")
            l0.add(long_name, data=b"long name").add(deep, data=b"deep path")
            l0.add("modes/suid", data=b"#!/bin/sh\n", mode=0o4755).add("modes/sgid", data=b"", mode=0o2755)
            l0.add("modes/sticky/", "d", mode=0o1777).add("modes/private", data=b"p", mode=0o600)
            l0.add("dev/null", "c", mode=0o666, dev=(1, 3)).add("dev/sda", "b", mode=0o660, gid=6, dev=(8, 0))
            l0.add("dev/fifo", "p", mode=0o644)
            l0.add("x/file", data=b"xattrs", xattrs={"user.foo": b"bar", "security.capability": CAP, "user.bin": b"\xff\x00\x80"})
            l0.add("own/file", data=b"owned", uid=1234, gid=5678).add("own/dir/", "d", mode=0o700, uid=1000, gid=1000)
            l0.add("own/big", data=b"big ids", uid=3000000, gid=4000000)
            l0.add("empty/file", data=b"").add("large/blob", data=large)
            l0.add("over/file", data=b"v0")

            l1 = Layer(tarfile.GNU_FORMAT, T0 + 1)
            l1.add("del/.wh.file").add(".wh.deldir").add(".wh.recreated").add("hl2/.wh.target")
            l1.add("hl3/target", data=b"T3").add("hl3/xlink", "h", link="hl3/target")
            l1.add("hl4/target", data=b"T4", mode=0o600).add("hl4/xlink", "h", link="hl4/target")
            l1.add("hl5/target", data=b"T5").add("hl5/xlink", "h", link="hl5/target").add("hl6/t", data=b"NEW6")
            l1.add("etc/group", data=b"root:x:0:\n").add("over/file", data=b"v1")
            l1.add("l1dir/", "d").add("l1dir/child", data=b"child")
            l1.add("own/gnubig", data=b"gnu base-256", uid=3000001, gid=3000002)
            l1.add("sym/gnu_long", "l", link=long_target + "/gnu").add("long/gnu_" + "g" * 110, data=b"gnu long name")

            l2 = Layer(tarfile.USTAR_FORMAT, T0 + 2)
            l2.add("./", "d", mode=0o755)
            l2.add("recreated/", "d").add("recreated/new", data=b"new")
            l2.add("opq/", "d", mode=0o775).add("opq/upper", data=b"upper").add("opq/.wh..wh..opq")
            l2.add("f2d/", "d").add("f2d/child", data=b"child of a former file")
            l2.add("d2f", data=b"directory became a file")
            l2.add("hl4/.wh.target").add("hl5/target", data=b"NEW5").add("hl7/.wh.t")
            l2.add("meta/", "d", mode=0o750, uid=2, gid=2).add("over/file", data=b"v2")
            l2.add("ustar/" + "p" * 90 + "/", "d").add("ustar/" + "p" * 90 + "/" + "q" * 50, data=b"ustar prefix")
            return [(l0, "gzip"), (l1, "zstd"), (l2, "none")]

        def broken_layouts(directory):
            """Layouts the builder must refuse, each with a clear error."""
            write_layout(os.path.join(directory, "broken-link"),
                         [(Layer(tarfile.PAX_FORMAT, T0).add("a/", "d").add("a/link", "h", link="a/missing"), "none")], False)
            write_layout(os.path.join(directory, "bad-media"), [(Layer(tarfile.PAX_FORMAT, T0).add("a", data=b"a"), "none")])
            write_layout(os.path.join(directory, "corrupt"), [(Layer(tarfile.PAX_FORMAT, T0).add("a", data=hashlib.shake_256(b"c").digest(100000)), "gzip")])
            index_path = os.path.join(directory, "bad-media", "index.json")
            with open(index_path) as f:
                index = json.load(f)
            blobs = os.path.join(directory, "bad-media", "blobs", "sha256")
            manifest_path = os.path.join(blobs, index["manifests"][0]["digest"][7:])
            with open(manifest_path) as f:
                manifest = json.load(f)
            manifest["layers"][0]["mediaType"] = "application/vnd.oci.image.layer.v1.tar+bzip2"
            data = json.dumps(manifest).encode()
            os.remove(manifest_path)
            digest = hashlib.sha256(data).hexdigest()
            with open(os.path.join(blobs, digest), "wb") as f:
                f.write(data)
            index["manifests"][0].update(digest="sha256:" + digest, size=len(data))
            with open(index_path, "w") as f:
                json.dump(index, f)
            corrupt = os.path.join(directory, "corrupt", "blobs", "sha256")
            layer = max((os.path.join(corrupt, name) for name in os.listdir(corrupt)), key=os.path.getsize)
            with open(layer, "r+b") as f:
                f.truncate(os.path.getsize(layer) // 2)
            # Two images in one layout: the caller must name one.
            with open(os.path.join(directory, "multi", "index.json")) as f:
                multi = json.load(f)
            two = dict(multi, manifests=multi["manifests"] + [dict(multi["manifests"][0], annotations={})])
            os.makedirs(os.path.join(directory, "two"), exist_ok=True)
            with open(os.path.join(directory, "two", "index.json"), "w") as f:
                json.dump(two, f)
            # blobs/ is linked to multi's by the caller, once the fixtures have their final place.
            with open(os.path.join(directory, "two", "manifest-digest"), "w") as f:
                f.write(multi["manifests"][0]["digest"])

        if __name__ == "__main__":
            if sys.argv[1] == "make":
                write_layout(os.path.join(sys.argv[2], "busybox"), busybox_layers())
                write_layout(os.path.join(sys.argv[2], "multi"), multi_layers())
                broken_layouts(sys.argv[2])
            elif sys.argv[1] == "check":
                check(sys.argv[2], sys.argv[3])
            elif sys.argv[1] == "list":
                print(json.dumps(list_squashfs(sys.argv[2]), indent=1, sort_keys=True))
        """#
}
