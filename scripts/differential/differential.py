#!/usr/bin/env python3
"""The differential conversion test: crafted layers loaded into the job's docker daemon and converted by pcocc-docker,
both trees walked by the same static walker and compared.

  differential.py make OUT                     the cases: OUT/cases.json, OUT/layouts/NAME, OUT/archives/NAME.tar
  differential.py ours OUT PCOCC_DOCKER WALKER (as root) convert, mount, walk: OUT/ours/NAME.walk or NAME.refused;
                                               then the combined images (below), the same way
  differential.py docker OUT WALKER [JOBS]     (as the job's user, docker env set) load and walk: OUT/docker/...
  differential.py compare OUT                  the table of cases; exit status 1 when any case disagrees

Docker applies each layer in a re-executed dockerd (seconds under TCG, and `docker load` re-executes one more to
extract its archive): the cases our conversion accepts are loaded combined, each under its own top directory, in one
image per layer count; the others one by one, in parallel (each refusal has to be docker's own), single layers through
`docker import`. One privileged container then walks every loaded image from inside the VM: its
layer directories, as docker stored them, mounted by overlayfs the way docker mounts a container's root; a few are
also walked from a real container, to check that method.
"""
import concurrent.futures
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cases import CASES, combined  # noqa: E402
from compare import compare_all  # noqa: E402
from images import write_docker_archive, write_layout  # noqa: E402

# Docker's own files and mounts in every container, and the walker's mount point: not part of the image.
EXCLUDED = ["/proc", "/sys", "/dev", "/.dockerenv", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/etc/mtab",
            "/.pcocc-walk"]
TAG = "pcocc-diff:"
WALKER_TAG = "pcocc-diff-walker:latest"
WALKER_VOLUME = "pcocc-diff-walker"
# Cases whose image is also walked in a real container, to check the overlay walk against it.
CROSS_CHECKED = ["wh-opaque-at-root", "path-root-entries", "hl-chain-and-dotdot"]


def run(arguments, **options):
    return subprocess.run(arguments, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **options)


def last_line(text):
    lines = [line for line in text.decode(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "(no message)"


def save(path, text):
    with open(path, "w" if isinstance(text, str) else "wb") as out:
        out.write(text)


def make(out):
    os.makedirs(out + "/archives", exist_ok=True)
    for case in CASES:
        write_layout(f"{out}/layouts/{case['name']}", case["name"], case["layers"])
        write_docker_archive(f"{out}/archives/{case['name']}.tar", [(TAG + case["name"], case["layers"])])
    save(out + "/cases.json", json.dumps([{"name": c["name"], "cannot_be": c["cannot_be"]} for c in CASES], indent=1))


# --- ours -------------------------------------------------------------------------------------------------------------

def convert_and_walk(out, name, binary, walker, mount_point):
    """OUT/ours/NAME.walk, .refused (the conversion's message) or .error."""
    image = f"{out}/ours/{name}.sqfs"
    converted = run([binary, "internal", "squashfs", "--rootfs-only", "--keep-owners", "--layout", f"{out}/layouts/{name}", "--output", image])
    if converted.returncode != 0:
        save(f"{out}/ours/{name}.refused", last_line(converted.stderr) + "\n")
        return
    mounted = run(["mount", "-t", "squashfs", "-o", "loop,ro", image, mount_point])
    if mounted.returncode != 0:
        save(f"{out}/ours/{name}.error", f"the kernel cannot mount our squashfs: {last_line(mounted.stderr)}\n")
        return
    try:
        walked = run([walker, mount_point] + EXCLUDED)
    finally:
        run(["umount", mount_point])
        os.unlink(image)
    if walked.returncode == 0:
        save(f"{out}/ours/{name}.walk", walked.stdout)
    else:
        save(f"{out}/ours/{name}.error", walked.stderr)


def ours(out, binary, walker):
    os.makedirs(out + "/ours", exist_ok=True)
    mount_point = tempfile.mkdtemp(prefix="pcocc-diff-mnt-")
    try:
        for case in CASES:
            convert_and_walk(out, case["name"], binary, walker, mount_point)
        groups = {}
        for case in CASES:
            if not case["alone"] and not os.path.exists(f"{out}/ours/{case['name']}.refused"):
                groups.setdefault(f"combined-{len(case['layers'])}", []).append(case)
        for name, members in groups.items():
            layers = combined(members)
            write_layout(f"{out}/layouts/{name}", name, layers)
            write_docker_archive(f"{out}/archives/{name}.tar", [(TAG + name, layers)])
            convert_and_walk(out, name, binary, walker, mount_point)
        save(out + "/combined.json", json.dumps({name: [m["name"] for m in members] for name, members in groups.items()}))
    finally:
        os.rmdir(mount_point)


# --- docker -----------------------------------------------------------------------------------------------------------

def load(out, name):
    """Puts one image into the daemon: `docker import` of its layer when it has one (a single re-executed dockerd
    applies it), `docker load` otherwise (which first extracts the whole archive in another). Both register layers
    the same way: tar-split reads the stream while moby's Unpack applies it. Records docker's refusal."""
    layers = read_layers(out, name)
    if len(layers) == 1:
        result = run(["docker", "import", f"{out}/layouts/{name}/blobs/sha256/{layers[0]}", TAG + name])
    else:
        result = run(["docker", "load", "-q", "-i", f"{out}/archives/{name}.tar"])
    if result.returncode != 0:
        save(f"{out}/docker/{name}.refused", last_line(result.stderr) + "\n")
    return result.returncode == 0


def read_layers(out, name):
    """The layer blobs of a case's OCI layout, bottom first."""
    layout = f"{out}/layouts/{name}"
    with open(layout + "/index.json") as index:
        manifest = json.load(index)["manifests"][0]["digest"].split(":")[1]
    with open(f"{layout}/blobs/sha256/{manifest}") as text:
        return [layer["digest"].split(":")[1] for layer in json.load(text)["layers"]]


def walker_image(walker):
    """One layer holding the walker at /w/walk."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        directory = tarfile.TarInfo("w")
        directory.type, directory.mode = tarfile.DIRTYPE, 0o755
        archive.addfile(directory)
        with open(walker, "rb") as binary:
            data = binary.read()
        info = tarfile.TarInfo("w/walk")
        info.size, info.mode = len(data), 0o755
        archive.addfile(info, io.BytesIO(data))
    return raw.getvalue()


def walk_images(out, names):
    """One privileged container walks every image: its layer directories, as `docker image inspect` names them,
    mounted by overlayfs as docker mounts a container's root."""
    inspected = run(["docker", "image", "inspect"] + [TAG + name for name in names])
    if inspected.returncode != 0:
        sys.exit(f"docker image inspect failed: {last_line(inspected.stderr)}")
    specs = []
    for name, image in zip(names, json.loads(inspected.stdout)):
        data = image["GraphDriver"]["Data"]
        layers = [data["UpperDir"]] + ([data["LowerDir"]] if data.get("LowerDir") else [])
        specs.append(f"{name}\t{':'.join(layers)}\n")
    walked = run(["docker", "run", "--rm", "-i", "--privileged", "--network", "none", "--tmpfs", "/scratch",
                  "-v", "/var/lib/docker:/var/lib/docker:ro", WALKER_TAG, "/w/walk", "--overlays"] + EXCLUDED,
                 input="".join(specs).encode())
    if walked.returncode != 0:
        sys.exit(f"the walk of the images failed: {last_line(walked.stderr)}")
    sections, current = {}, None
    for line in walked.stdout.decode("ascii").splitlines(keepends=True):
        if line.startswith("== "):
            current = line[3:].rstrip("\n")
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    for name in names:
        if name in sections:
            save(f"{out}/docker/{name}.walk", "".join(sections[name]))
        else:
            problem = next((key for key in sections if key.startswith(name + " error:")), f"{name} was not walked")
            save(f"{out}/docker/{name}.error", problem + "\n")


def container_walk(name):
    """A real container of the image, walked from inside with the walker bind-mounted (the volume)."""
    walked = run(["docker", "run", "--rm", "--network", "none", "--cap-add", "SYS_ADMIN",
                  "-v", WALKER_VOLUME + ":/.pcocc-walk:ro", "--entrypoint", "/.pcocc-walk/walk", TAG + name, "/"]
                 + EXCLUDED)
    return walked.stdout.decode("ascii") if walked.returncode == 0 else "error: " + last_line(walked.stderr)


def docker(out, walker, jobs):
    os.makedirs(out + "/docker", exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        with open(scratch + "/walker.tar", "wb") as layer:
            layer.write(walker_image(walker))
        for step in (["import", scratch + "/walker.tar", WALKER_TAG], ["volume", "create", WALKER_VOLUME],
                     ["run", "--rm", "--network", "none", "-v", WALKER_VOLUME + ":/w", WALKER_TAG, "/w/walk", "/w"]):
            result = run(["docker"] + step)
            if result.returncode != 0:
                sys.exit(f"docker {' '.join(step)} failed: {result.stderr.decode(errors='replace').strip()[-600:]}")
    with open(out + "/combined.json") as listing:
        groups = json.load(listing)
    members = {name for names in groups.values() for name in names}
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        # A combined image docker refuses is loaded again case by case, to find out which.
        accepted = dict(zip(groups, pool.map(lambda name: load(out, name), groups)))
        members = {name for group, names in groups.items() if accepted[group] for name in names}
        alone = [c["name"] for c in CASES if c["name"] not in members]
        list(pool.map(lambda name: load(out, name), alone))
    loaded = [name for name in [g for g in groups if accepted[g]] + alone if not os.path.exists(f"{out}/docker/{name}.refused")]
    walk_images(out, loaded)
    save(out + "/docker/combined.json", json.dumps({g: n for g, n in groups.items() if accepted[g]}))
    for name in [n for n in CROSS_CHECKED if n in loaded]:
        save(f"{out}/docker/{name}.container", container_walk(name))


def main(argv):
    if len(argv) == 2 and argv[0] == "make":
        make(argv[1])
    elif len(argv) == 4 and argv[0] == "ours":
        ours(argv[1], argv[2], argv[3])
    elif len(argv) in (3, 4) and argv[0] == "docker":
        docker(argv[1], argv[2], int(argv[3]) if len(argv) > 3 else 3)
    elif len(argv) == 2 and argv[0] == "compare":
        return compare_all(argv[1], [(c["name"], c["cannot_be"]) for c in CASES])
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
