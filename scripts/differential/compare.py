"""Compares docker's tree of each case with ours, as the walker listed them, and prints the table of cases."""
import json
import os

FIELDS = ["type", "mode", "uid", "gid", "size", "mtime", "ino", "sha256", "target", "rdev", "xattrs"]
SQUASHFS_MAX_TIME = (1 << 32) - 1
# pcocc's bind-mount targets, which the conversion adds (empty) when the image has none; docker's init layer
# likewise makes /etc in every container.
PCOCC_FILES = {"/etc/group", "/etc/passwd", "/etc/resolv.conf"}
ADDED_ETC = {"type": "d", "mode": "0755", "uid": "0", "gid": "0"}


def added(path, entry):
    """A file or directory a runtime adds when the image has none (pcocc's, or docker's /etc)."""
    if path == "/etc":
        return all(entry[k] == v for k, v in ADDED_ETC.items())
    return path in PCOCC_FILES and entry["type"] == "f" and entry["size"] == "0" and entry["mode"] == "0644"


def read_walk(path):
    entries = {}
    with open(path, encoding="ascii") as listing:
        for line in listing:
            parts = line.rstrip("\n").split("\t")
            entries[parts[0]] = dict(zip(FIELDS, parts[1:]))
    return entries


def hard_link_groups(entries):
    by_inode = {}
    for path, entry in entries.items():
        if entry["type"] != "d":
            by_inode.setdefault(entry["ino"], []).append(path)
    return sorted(sorted(group) for group in by_inode.values() if len(group) > 1)


def normalised(entry, side):
    result = dict(entry)
    del result["ino"]
    if result["type"] == "d":
        del result["mtime"]  # docker's implicit and copied-up directories get the time of the load
    elif side == "docker":
        # squashfs keeps 32-bit times: a later time cannot be stored (the README says so).
        result["mtime"] = str(min(max(int(result["mtime"]), 0), SQUASHFS_MAX_TIME))
    return result


def differences(docker, ours):
    found = []
    for path in sorted(set(ours) - set(docker)):
        if not added(path, ours[path]):
            found.append(f"{path}: only in ours ({ours[path]['type']})")
    for path in sorted(set(docker) - set(ours)):
        if not added(path, docker[path]):
            found.append(f"{path}: only in docker's ({docker[path]['type']})")
    for path in sorted(set(docker) & set(ours)):
        theirs, mine = normalised(docker[path], "docker"), normalised(ours[path], "ours")
        for field in theirs:
            if theirs[field] != mine.get(field):
                found.append(f"{path}: {field} docker {theirs[field]!r}, ours {mine.get(field)!r}")
    docker_groups, our_groups = hard_link_groups(docker), hard_link_groups(ours)
    if docker_groups != our_groups:
        found.append(f"hard links: docker {docker_groups}, ours {our_groups}")
    return found


def subtree(entries, top):
    """A member case of a combined image: what is under its top directory, re-rooted."""
    prefix = "/" + top + "/"
    return {path[len(prefix) - 1:]: entry for path, entry in entries.items() if path.startswith(prefix)}


def outcome(directory, name, groups=None):
    group = next((g for g, members in (groups or {}).items() if name in members), None)
    if group is not None:
        kind, walked = outcome(directory, group)
        return (kind, subtree(walked, name)) if kind == "walk" else ("error", f"combined image {group}: {walked}")
    for kind in ("walk", "refused", "error"):
        path = f"{directory}/{name}.{kind}"
        if os.path.exists(path):
            if kind == "walk":
                return kind, read_walk(path)
            with open(path, errors="replace") as text:
                return kind, text.read().strip()
    return "missing", None


def judge(out, name, cannot_be, groups):
    """(verdict, ok, details)."""
    docker_kind, docker = outcome(out + "/docker", name, groups)
    our_kind, ours = outcome(out + "/ours", name, groups)
    if "error" in (docker_kind, our_kind) or "missing" in (docker_kind, our_kind):
        return "ERROR", False, [f"docker: {docker_kind} {docker if docker_kind != 'walk' else ''}",
                                f"ours: {our_kind} {ours if our_kind != 'walk' else ''}"]
    if cannot_be:
        ok = docker_kind == "walk" and our_kind == "refused" and cannot_be in ours
        return "cannot be: refused" if ok else "CANNOT-BE MISHANDLED", ok, [f"docker {docker_kind}, ours {ours}"]
    if docker_kind == "refused" and our_kind == "refused":
        return "refused by both", True, [f"docker: {docker}", f"ours: {ours}"]
    if docker_kind == "refused":
        return "DOCKER REFUSES, WE CONVERT", False, [f"docker: {docker}"]
    if our_kind == "refused":
        return "WE REFUSE, DOCKER LOADS", False, [f"ours: {ours}"]
    found = differences(docker, ours)
    return ("agree", True, []) if not found else ("TREES DIFFER", False, found)


def cross_check(out, name):
    """The overlay walk of an image's layers against a real container of it: the method itself."""
    path = f"{out}/docker/{name}.container"
    if not os.path.exists(path) or not os.path.exists(f"{out}/docker/{name}.walk"):
        return []
    with open(path) as text:
        if text.read().startswith("error:"):
            return [f"{name}: the container walk failed"]
    found = differences(read_walk(path), read_walk(f"{out}/docker/{name}.walk"))
    return [f"{name}: container vs layers: {line}" for line in found]


def compare_all(out, cases):
    failures = 0
    width = max(len(name) for name, _ in cases)
    groups = {}
    if os.path.exists(out + "/docker/combined.json"):
        with open(out + "/docker/combined.json") as listing:
            groups = json.load(listing)
    for name, cannot_be in cases:
        verdict, ok, details = judge(out, name, cannot_be, groups)
        print(f"{name:<{width}}  {verdict}")
        if not ok:
            failures += 1
            for line in details[:12]:
                print(f"{'':<{width}}    {line}")
        elif verdict == "refused by both":
            for line in details:
                print(f"{'':<{width}}    {line}")
    print(f"{len(cases) - failures} of {len(cases)} cases agree with docker")
    method = [line for name, _ in cases for line in cross_check(out, name)]
    for line in method:
        print(line)
    return 1 if failures or method else 0
