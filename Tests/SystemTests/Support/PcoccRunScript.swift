// The Python side of PcoccRunTests: runs a cache entry the way `pcocc run` does rootless (pcocc's Run.py, v0.7.5):
// a squashfs entry is mounted with squashfuse; a transposed bundle is made (an empty rootfs in a temporary
// directory, the mount points created in it, the image's entries bind-mounted read-only into it), the process is
// taken from the bundle's config.json, and a real OCI runtime (runc, rootless) runs it.
enum PcoccRunScript {
    static let source = #"""
        # Usage: pcocc-run.py ENTRY [ARG...]: runs ARGS (default: the bundle's entrypoint + args) in the cache entry ENTRY
        # (a squashfs file, mounted with squashfuse for the run, or a bundle directory); exits with the command's status.
        import json, os, shutil, subprocess, sys, tempfile

        def run(bundle, args):
            """Runs a command in the bundle the way pcocc run does rootless: a transposed bundle (an empty rootfs in a
            temporary directory, the image's entries bind-mounted into it read-only), the process from config.json."""
            source = os.path.join(bundle, "rootfs")
            with open(os.path.join(bundle, "config.json")) as f:
                image = json.load(f)["process"]
            work = tempfile.mkdtemp(prefix="pcocc-run-")
            try:
                dest = os.path.join(work, "rootfs")
                os.mkdir(dest)
                subprocess.run(["runc", "spec", "--rootless", "--bundle", work], check=True)
                with open(os.path.join(work, "config.json")) as f:
                    config = json.load(f)
                process = config["process"]
                process["terminal"] = False
                process["cwd"] = image.get("cwd") or "/"
                env = image.get("env") or []
                if not any(e.startswith("PATH=") for e in env):
                    env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] + env
                process["env"] = env
                process["args"] = args or (image.get("entrypoint") or []) + (image.get("args") or [])
                config["root"] = {"path": dest, "readonly": True}
                config["mounts"].append({"destination": "/etc/resolv.conf", "type": "bind", "source": "/etc/resolv.conf",
                                         "options": ["rbind", "ro", "nosuid", "nodev"]})
                forward = {m["destination"] for m in config["mounts"]}
                for target in forward:  # pcocc's _container_create_mount_directories
                    path = dest + target
                    if not os.path.exists(source + target) and not os.path.exists(path):
                        if target == "/etc/resolv.conf":
                            os.makedirs(os.path.dirname(path), exist_ok=True)
                            open(path, "a").close()
                        else:
                            os.makedirs(path, exist_ok=True)
                reverse = []
                def update(path):  # pcocc's _container_reverse_mount
                    work_path, source_path = dest + path, source + path
                    content = set(os.listdir(work_path))
                    if not content:
                        if os.path.exists(source_path) and path not in forward:
                            reverse.append(path)
                        return
                    if os.path.isdir(source_path):
                        for name in set(os.listdir(source_path)) - content:
                            w, s = os.path.join(work_path, name), os.path.join(source_path, name)
                            if os.path.islink(s):
                                os.symlink(os.readlink(s), w)
                            elif os.path.isdir(s):
                                os.mkdir(w)
                            else:
                                open(w, "w").close()
                                if os.stat(s).st_size > 0:
                                    reverse.append(os.path.join(path, name))
                    for name in sorted(os.listdir(work_path)):
                        w = os.path.join(work_path, name)
                        if not os.path.islink(w) and os.path.isdir(w):
                            update(os.path.join(path, name))
                update("/")
                config["mounts"] = [{"destination": p, "type": "bind", "source": source + p, "options": ["rbind", "ro", "nosuid", "nodev"]}
                                    for p in sorted(reverse)] + config["mounts"]
                with open(os.path.join(work, "config.json"), "w") as f:
                    json.dump(config, f)
                state = os.path.join(work, "state")
                done = subprocess.run(["runc", "--root", state, "run", "--bundle", work, os.path.basename(work)])
                return done.returncode
            finally:
                subprocess.run(["chmod", "-R", "u+w", work])
                shutil.rmtree(work, ignore_errors=True)

        def main(entry, args):
            if os.path.isdir(entry):
                return run(entry, args)
            mount = tempfile.mkdtemp(prefix="pcocc-squashfs-")
            try:
                subprocess.run(["squashfuse", entry, mount], check=True)
                try:
                    return run(mount, args)
                finally:
                    subprocess.run(["fusermount3", "-u", mount], check=True)
            finally:
                os.rmdir(mount)

        if __name__ == "__main__":
            sys.exit(main(sys.argv[1], sys.argv[2:]))

        """#
}
