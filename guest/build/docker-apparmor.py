#!/usr/bin/env python3
"""Writes docker's default container profile (docker-default) as the installed dockerd would generate
it, for the guest init to load before dockerd starts (dockerd then finds it loaded and skips its own
apparmor_parser run, which costs about a second on its way to ready under TCG).

The text is dockerd's own template, read from the dockerd binary, filled in as dockerd fills it: the
tunables/global include when the root filesystem has it (else a @{PROC} definition), the
abstractions/base include when it has that, profile name docker-default, daemon profile unconfined
(dockerd runs unconfined in the guest). A template that no longer looks like this is an error: the
recipe must then be looked at again.

    docker-apparmor.py ROOTFS OUT
"""
import os
import sys

rootfs, out = sys.argv[1], sys.argv[2]
data = open(os.path.join(rootfs, "usr/sbin/dockerd"), "rb").read()
imports = b"{{range $value := .Imports}}\n{{$value}}\n{{end}}"
inner = b"{{range $value := .InnerImports}}\n  {{$value}}\n{{end}}"
start = data.find(imports + b"\n\nprofile {{.Name}} flags=")
if start < 0:
    sys.exit("docker-apparmor: dockerd's AppArmor profile template was not found in usr/sbin/dockerd")
end = data.find(b"\n}\n", start)
template = data[start:end + 3].decode()
if template.count("{{range") != 2 or inner.decode() not in template:
    sys.exit("docker-apparmor: dockerd's AppArmor profile template has changed shape")

apparmor = os.path.join(rootfs, "etc/apparmor.d")
head = ["#include <tunables/global>" if os.path.exists(os.path.join(apparmor, "tunables/global")) else "@{PROC}=/proc/"]
body = ["#include <abstractions/base>"] if os.path.exists(os.path.join(apparmor, "abstractions/base")) else []
# What Go's text/template makes of the two range actions.
text = (template.replace(imports.decode(), "".join("\n%s\n" % v for v in head))
        .replace(inner.decode(), "".join("\n  %s\n" % v for v in body))
        .replace("{{.Name}}", "docker-default").replace("{{.DaemonProfile}}", "unconfined"))
if "{{" in text:
    sys.exit("docker-apparmor: unexpected template actions left: "
             + "; ".join(line.strip() for line in text.splitlines() if "{{" in line))
with open(out, "w") as f:
    f.write(text)
