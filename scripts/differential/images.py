"""Writes the crafted layers as the two inputs of the differential test: an OCI layout per case (what pcocc-docker
converts) and docker-archive tars (what `docker load` reads). The layer bytes are the same in both."""
import hashlib
import io
import json
import os
import tarfile


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def config(name, layers):
    return json.dumps({
        "architecture": "amd64", "os": "linux", "config": {"Labels": {"pcocc-diff-case": name}},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + sha256(layer) for layer in layers]},
    }, sort_keys=True).encode()


def write_layout(directory, name, layers):
    """An OCI layout of one image with uncompressed layers."""
    blobs = os.path.join(directory, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)

    def put(data):
        digest = sha256(data)
        with open(os.path.join(blobs, digest), "wb") as out:
            out.write(data)
        return {"digest": "sha256:" + digest, "size": len(data)}

    layer_descriptors = [dict(put(layer), mediaType="application/vnd.oci.image.layer.v1.tar") for layer in layers]
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": dict(put(config(name, layers)), mediaType="application/vnd.oci.image.config.v1+json"),
        "layers": layer_descriptors}).encode()
    with open(os.path.join(directory, "oci-layout"), "w") as out:
        json.dump({"imageLayoutVersion": "1.0.0"}, out)
    with open(os.path.join(directory, "index.json"), "w") as out:
        descriptor = dict(put(manifest), mediaType="application/vnd.oci.image.manifest.v1+json")
        json.dump({"schemaVersion": 2, "manifests": [descriptor]}, out)


def write_docker_archive(path, images):
    """A `docker load` archive of several images: [(tag, [layer bytes, bottom first])]."""
    entries, manifest = {}, []
    for tag, layers in images:
        name = tag.split(":", 1)[-1]
        image_config = config(name, layers)
        config_name = sha256(image_config) + ".json"
        entries[config_name] = image_config
        paths = []
        for layer in layers:
            layer_path = sha256(layer) + "/layer.tar"
            entries[layer_path] = layer
            paths.append(layer_path)
        manifest.append({"Config": config_name, "RepoTags": [tag], "Layers": paths})
    entries["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as archive:
        for entry_name, data in entries.items():
            info = tarfile.TarInfo(entry_name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
