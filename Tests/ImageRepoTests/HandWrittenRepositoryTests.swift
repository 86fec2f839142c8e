import XCTest

@testable import ImageRepo

/// A repository written the way pcocc writes one (Python: os.mkdir, json.dump), then read by us.
final class HandWrittenRepositoryTests: XCTestCase {
    /// Writes <dir>/images as pcocc 0.7 would after importing a one-layer container image and a VM image.
    static let pcoccWriter = #"""
        import hashlib, json, os, sys
        repo = sys.argv[1]
        for d in ('', 'data', 'meta', '.tmp'):
            os.mkdir(os.path.join(repo, d))
        with open(os.path.join(repo, '.config'), 'w') as f:
            f.write('version: 2\n')
        def put(content):
            h = hashlib.sha256(content).hexdigest()
            os.makedirs(os.path.join(repo, 'data', h[:2]), exist_ok=True)
            p = os.path.join(repo, 'data', h[:2], h)
            with open(p, 'wb') as f:
                f.write(content)
            os.chmod(p, 0o444)
            return h
        layer = put(b'layer bytes' * 100)
        config = put(b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}')
        manifest_bytes = json.dumps({"schemaVersion": 2, "config": {"digest": "sha256:" + config, "size": 1},
                                     "layers": [{"digest": "sha256:" + layer, "size": 1100}]}).encode()
        manifest = put(manifest_bytes)
        meta = {}
        meta['name'] = 'busybox'
        meta['revision'] = 0
        meta['kind'] = 'ctr'
        meta['owner'] = 'alice'
        meta['timestamp'] = 1732290000.123456
        meta['data_blobs'] = ['sha256:' + manifest, 'sha256:' + layer, 'sha256:' + config]
        meta['custom_meta'] = {'oci_index': {'schemaVersion': 2, 'manifests': [
            {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'digest': 'sha256:' + manifest,
             'size': len(manifest_bytes), 'annotations': {'org.opencontainers.image.ref.name': 'latest'},
             'path': '/home/alice/.pcocc/images/.tmp/tmpab12cd/blobs/sha256/' + manifest}]}}
        with open(os.path.join(repo, 'meta', 'busybox@0'), 'w') as f:
            json.dump(meta, f)
        vm = put(b'qcow2 bytes')
        meta = {'name': 'centos', 'revision': 1, 'kind': 'vm', 'owner': 'bob', 'timestamp': 1700000000,
                'data_blobs': [vm], 'custom_meta': {}, 'description': 'Caf\u00e9 \U0001F600'}
        for rev in (0, 1):
            meta['revision'] = rev
            with open(os.path.join(repo, 'meta', 'centos@%d' % rev), 'w') as f:
                json.dump(meta, f)
        print(manifest, layer, config, vm)
        """#

    func testReadsWhatPcoccWrote() throws {
        let scratch = try Scratch()
        let path = "\(scratch.path)/images"
        let hashes = try Tool.python(Self.pcoccWriter, [path]).split(separator: " ").map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let repository = try Repository(name: "user", path: path)
        let image = try repository.image(named: "busybox")
        XCTAssertEqual(image.kind, "ctr")
        XCTAssertEqual(image.metadata.owner, "alice")
        XCTAssertEqual(image.metadata.timestamp, 1732290000.123456)
        XCTAssertEqual(try image.metadata.dataObjects().map(\.hex), Array(hashes[0...2]))
        XCTAssertEqual(try image.dataObjectPaths()[1], "\(path)/data/\(hashes[1].prefix(2))/\(hashes[1])")
        for blob in image.metadata.dataBlobs { XCTAssertNoThrow(try repository.verify(blob: blob)) }
        XCTAssertNoThrow(try repository.verify(blob: hashes[3]))  // bare hex, as VM data_blobs
        XCTAssertEqual(try repository.verifiedData(image.metadata.dataBlobs[0]).count > 0, true)
        // Re-serialising what we parsed gives back pcocc's bytes exactly.
        let raw = try String(contentsOfFile: "\(path)/meta/busybox@0", encoding: .utf8)
        XCTAssertEqual(image.metadata.serialized, raw)

        let centos = try repository.image(named: "centos")
        XCTAssertEqual(centos.revision, 1)
        XCTAssertEqual(centos.metadata.description, "Café 😀")
        XCTAssertEqual(try repository.revisions(of: "centos"), [0, 1])
        XCTAssertEqual(try repository.images().map(\.reference), ["user:busybox@0", "user:centos@0", "user:centos@1"])
    }

    func testExportOfPcoccImageDropsStalePath() throws {
        let scratch = try Scratch()
        let path = "\(scratch.path)/images"
        _ = try Tool.python(Self.pcoccWriter, [path])
        let repository = try Repository(name: "user", path: path)
        let image = try repository.image(named: "busybox")
        try repository.exportOCILayout(image, to: "\(scratch.path)/layout")
        let index = try PythonJSON.parse(
            Array(try Data(contentsOf: URL(fileURLWithPath: "\(scratch.path)/layout/index.json"))))
        XCTAssertNil(index["manifests"]?.arrayValue?.first?["path"])
        XCTAssertNotNil(index["manifests"]?.arrayValue?.first?["annotations"])
    }

    func testCorruptObjectIsNamed() throws {
        let scratch = try Scratch()
        let path = "\(scratch.path)/images"
        let hashes = try Tool.python(Self.pcoccWriter, [path]).split(separator: " ").map(String.init)
        let object = "\(path)/data/\(hashes[1].prefix(2))/\(hashes[1])"
        chmod(object, 0o644)
        try Data("tampered".utf8).write(to: URL(fileURLWithPath: object))
        let repository = try Repository(name: "user", path: path)
        XCTAssertThrowsError(try repository.verify(blob: "sha256:\(hashes[1])")) { error in
            XCTAssertEqual((error as? ImageRepoError)?.code, .digestMismatch)
            XCTAssertTrue("\(error)".contains(hashes[1]) && "\(error)".contains("repository user"), "\(error)")
        }
    }

    func testCachePathIsPcoccs() throws {
        let scratch = try Scratch()
        let path = "\(scratch.path)/images"
        _ = try Tool.python(Self.pcoccWriter, [path])
        let repository = try Repository(name: "user", path: path)
        let cache = ImageCache(directory: "\(scratch.path)/cache")
        // pcocc: ImageMgr.cache_key (meta from get_meta, with 'repo' added) and Cache.hash_key / _get_path.
        let reference = #"""
            import hashlib, json, sys
            meta = json.loads(open(sys.argv[1]).read())
            meta['repo'] = sys.argv[2]
            k = hashlib.sha256('{0}\n{1}'.format(json.dumps(meta), sys.argv[3]).encode('ascii', 'ignore')).hexdigest()
            h = hashlib.sha512(k.encode()).hexdigest()
            print(sys.argv[4] + '/' + h[:2] + '/' + h)
            """#
        for (name, revision) in [("busybox", 0), ("centos", 1)] {
            let image = try repository.image(named: name, revision: revision)
            for kind in ImageCache.Kind.allCases {
                let expected = try Tool.python(reference, [image.metaPath, "user", kind.rawValue, cache.directory])
                XCTAssertEqual(cache.path(for: image, kind: kind), expected.trimmingCharacters(in: .newlines))
            }
        }
    }

    func testVersionOneRepositoryIsRefused() throws {
        let scratch = try Scratch()
        let path = "\(scratch.path)/old"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Data("version: 1\n".utf8).write(to: URL(fileURLWithPath: "\(path)/.config"))
        XCTAssertThrowsError(try Repository(name: "old", path: path)) { error in
            XCTAssertEqual((error as? ImageRepoError)?.code, .badRepository)
        }
    }

    func testCreatesRepositoryOnlyUnderExistingParent() throws {
        let scratch = try Scratch()
        let repository = try Repository(name: "user", path: "\(scratch.path)/images")
        for entry in ["data", "meta", ".tmp"] { XCTAssertTrue(FileSystem.isDirectory("\(repository.path)/\(entry)")) }
        XCTAssertEqual(try String(contentsOfFile: "\(repository.path)/.config", encoding: .utf8), "version: 2\n")
        XCTAssertThrowsError(try Repository(name: "x", path: "\(scratch.path)/missing/images")) { error in
            XCTAssertTrue("\(error)".contains("\(scratch.path)/missing"), "\(error)")
        }
    }
}
