import XCTest

@testable import ImageRepo

final class StoreOCILayoutTests: XCTestCase {
    func makeLayout(in repository: Repository, _ layers: [Data]) throws -> (TemporaryDirectory, HandMadeLayout) {
        let temporary = try repository.makeTemporaryDirectory()
        return (temporary, try HandMadeLayout.write(at: "\(temporary.path)/oci", layers: layers))
    }

    func testMetaIsWhatPythonWouldWrite() throws {
        let scratch = try Scratch()
        let repository = try Repository(name: "user", path: "\(scratch.path)/images")
        let layer = try HandMadeLayout.tarLayer(fileName: "hello", content: "hi", scratch: scratch.path)
        let (temporary, layout) = try makeLayout(in: repository, [layer])
        let index = try String(contentsOfFile: "\(layout.directory)/index.json", encoding: .utf8)
        let image = try repository.storeOCILayout(
            at: layout.directory, as: "hello", owner: "alice", force: false, description: nil)
        XCTAssertEqual(image.metadata.dataBlobs, layout.dataBlobs)

        let raw = try String(contentsOfFile: "\(repository.path)/meta/hello@0", encoding: .utf8)
        // The same dict built in Python as pcocc's put_meta builds it, dumped with json.dump defaults.
        let expected = try Tool.python(
            #"""
            import json, sys
            stored = json.loads(open(sys.argv[1]).read())
            meta = {}
            meta['name'] = 'hello'
            meta['revision'] = 0
            meta['kind'] = 'ctr'
            meta['owner'] = 'alice'
            meta['timestamp'] = stored['timestamp']
            meta['data_blobs'] = json.loads(sys.argv[2])
            meta['custom_meta'] = {'oci_index': json.loads(sys.argv[3])}
            assert isinstance(stored['timestamp'], float)
            sys.stdout.write(json.dumps(meta))
            """#,
            [
                "\(repository.path)/meta/hello@0",
                PythonJSON.dumps(.array(layout.dataBlobs.map(PythonJSON.Value.string))), index,
            ])
        XCTAssertEqual(raw, expected)
        withExtendedLifetime(temporary) {}
    }

    func testBlobsAreRenamedNotCopied() throws {
        let scratch = try Scratch()
        let repository = try Repository(name: "user", path: "\(scratch.path)/images")
        let (temporary, layout) = try makeLayout(in: repository, [Data("layer one".utf8), Data("layer two".utf8)])
        var inodes: [String: UInt64] = [:]
        for hex in [layout.manifest, layout.config] + layout.layers {
            inodes[hex] = inode("\(layout.directory)/blobs/sha256/\(hex)")
        }
        let image = try repository.storeOCILayout(
            at: layout.directory, as: "two", owner: "alice", force: false, description: "two layers")
        for (hex, layoutInode) in inodes {
            let object = repository.dataObjectPath(BlobDigest(verifiedHex: hex))
            XCTAssertEqual(inode(object), layoutInode, hex)
            XCTAssertFalse(FileSystem.exists("\(layout.directory)/blobs/sha256/\(hex)"))
            let mode = try FileManager.default.attributesOfItem(atPath: object)[.posixPermissions] as? Int
            XCTAssertEqual(mode, 0o444)
        }
        XCTAssertEqual(image.metadata.description, "two layers")
        XCTAssertEqual(try repository.image(named: "two").metadata.serialized, image.metadata.serialized)
        temporary.remove()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(repository.path)/.tmp"), [])
    }

    func testDuplicateBlobsAreShared() throws {
        let scratch = try Scratch()
        let repository = try Repository(name: "user", path: "\(scratch.path)/images")
        let shared = Data("shared base layer".utf8)
        let (firstTemporary, first) = try makeLayout(in: repository, [shared, shared])
        let firstImage = try repository.storeOCILayout(
            at: first.directory, as: "first", owner: "a", force: false, description: nil)
        XCTAssertEqual(firstImage.metadata.dataBlobs.count, 3)  // the repeated layer is listed once
        let sharedObject = repository.dataObjectPath(BlobDigest(verifiedHex: first.layers[0]))
        let sharedInode = inode(sharedObject)
        let (secondTemporary, second) = try makeLayout(in: repository, [shared, Data("top".utf8)])
        try repository.storeOCILayout(at: second.directory, as: "second", owner: "a", force: false, description: nil)
        XCTAssertEqual(inode(sharedObject), sharedInode)
        XCTAssertFalse(FileSystem.exists("\(second.directory)/blobs/sha256/\(second.layers[0])"))
        withExtendedLifetime((firstTemporary, secondTemporary)) {}
    }

    func testDigestMismatchLeavesNothingBehind() throws {
        let scratch = try Scratch()
        let repository = try Repository(name: "user", path: "\(scratch.path)/images")
        do {
            let (temporary, layout) = try makeLayout(
                in: repository, [Data("good".utf8), Data("will be corrupted".utf8)])
            try Data("WILL BE CORRUPTED".utf8).write(
                to: URL(fileURLWithPath: "\(layout.directory)/blobs/sha256/\(layout.layers[1])"))
            XCTAssertThrowsError(
                try repository.storeOCILayout(
                    at: layout.directory, as: "bad", owner: "a", force: false, description: nil)
            ) { error in
                XCTAssertEqual((error as? ImageRepoError)?.code, .digestMismatch)
                XCTAssertTrue("\(error)".contains(layout.layers[1]), "\(error)")
            }
            withExtendedLifetime(temporary) {}
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(repository.path)/meta"), [])
        XCTAssertEqual(try FileManager.default.subpathsOfDirectory(atPath: "\(repository.path)/data"), [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(repository.path)/.tmp"), [])
    }

    func testForceStoresTheNextRevisionAndKeepsTheOldOnes() throws {
        let scratch = try Scratch()
        let repository = try Repository(name: "user", path: "\(scratch.path)/images")
        let (t1, l1) = try makeLayout(in: repository, [Data("v1".utf8)])
        try repository.storeOCILayout(at: l1.directory, as: "app", owner: "a", force: false, description: nil)
        let first = try String(contentsOfFile: "\(repository.path)/meta/app@0", encoding: .utf8)
        let (t2, l2) = try makeLayout(in: repository, [Data("v2".utf8)])
        XCTAssertThrowsError(
            try repository.storeOCILayout(at: l2.directory, as: "app", owner: "a", force: false, description: nil)
        ) {
            XCTAssertEqual("\($0)", "Image app already exists in repo user")
        }
        let second = try repository.storeOCILayout(
            at: l2.directory, as: "app", owner: "a", force: true, description: nil)
        XCTAssertEqual(second.revision, 1)
        XCTAssertEqual(try repository.revisions(of: "app"), [0, 1])
        XCTAssertEqual(try String(contentsOfFile: "\(repository.path)/meta/app@0", encoding: .utf8), first)
        XCTAssertEqual(try repository.image(named: "app").metadata.dataBlobs, l2.dataBlobs)
        XCTAssertEqual(try repository.image(named: "app", revision: 0).metadata.dataBlobs, l1.dataBlobs)
        // pcocc's own revisions count too: after a pcocc-made @9, the next is @10 (compared as numbers).
        try FileManager.default.copyItem(
            atPath: "\(repository.path)/meta/app@0", toPath: "\(repository.path)/meta/app@9")
        let (t3, l3) = try makeLayout(in: repository, [Data("v3".utf8)])
        let third = try repository.storeOCILayout(
            at: l3.directory, as: "app", owner: "a", force: true, description: nil)
        XCTAssertEqual(third.revision, 10)
        XCTAssertEqual(try repository.image(named: "app").revision, 10)
        withExtendedLifetime((t1, t2, t3)) {}
    }

    /// pcocc takes no lock: a meta file it writes while we store is never replaced. With force the image becomes the
    /// next revision; without, the store is refused and takes its data objects back out.
    func testMetaFileAppearingMeanwhileIsNeverReplaced() throws {
        let scratch = try Scratch()
        let repository = try Repository(name: "user", path: "\(scratch.path)/images")
        let planted = Array("{\"planted\": true}".utf8)
        var plantedOnce = false
        // Plants the meta file the store is about to create, once: another writer got there first.
        func plant(_ image: StoredImage) throws(ImageRepoError) -> (@Sendable () -> Void)? {
            if !plantedOnce {
                plantedOnce = true
                try FileSystem.writeAtomically(
                    planted, to: image.metaPath, scratchDirectory: repository.scratchDirectory)
            }
            return nil
        }
        let (t1, l1) = try makeLayout(in: repository, [Data("one".utf8)])
        let layout1 = try OCILayout(directory: l1.directory)
        try layout1.verifyBlobs()
        XCTAssertThrowsError(
            try repository.store(layout1, as: "raced", owner: "a", force: false, description: nil, beforeCommit: plant)
        ) { XCTAssertEqual(($0 as? ImageRepoError)?.code, .alreadyExists, "\($0)") }
        XCTAssertEqual(try Array(Data(contentsOf: URL(fileURLWithPath: "\(repository.path)/meta/raced@0"))), planted)
        XCTAssertEqual(
            try FileManager.default.subpathsOfDirectory(atPath: "\(repository.path)/data").filter { $0.count > 2 }, [])
        // The layout's blobs are back where it names them.
        XCTAssertNoThrow(try layout1.verifyBlobs())

        try FileSystem.remove("\(repository.path)/meta/raced@0")
        plantedOnce = false
        let stored = try repository.store(
            layout1, as: "raced", owner: "a", force: true, description: nil, beforeCommit: plant)
        XCTAssertEqual(stored.revision, 1)
        XCTAssertEqual(try Array(Data(contentsOf: URL(fileURLWithPath: "\(repository.path)/meta/raced@0"))), planted)
        XCTAssertEqual(try repository.image(named: "raced", revision: 1).metadata.dataBlobs, l1.dataBlobs)
        withExtendedLifetime(t1) {}
    }

    /// A data object already there is hashed before it is shared: a torn or tampered one is replaced.
    func testCorruptExistingDataObjectIsReplaced() throws {
        let scratch = try Scratch()
        let repository = try Repository(name: "user", path: "\(scratch.path)/images")
        let (temporary, layout) = try makeLayout(in: repository, [Data("the real layer".utf8)])
        let object = repository.dataObjectPath(BlobDigest(verifiedHex: layout.layers[0]))
        try FileSystem.makeDirectories((object as NSString).deletingLastPathComponent)
        try Data("torn".utf8).write(to: URL(fileURLWithPath: object))
        let image = try repository.storeOCILayout(
            at: layout.directory, as: "fixed", owner: "a", force: false, description: nil)
        for blob in image.metadata.dataBlobs { XCTAssertNoThrow(try repository.verify(blob: blob)) }
        withExtendedLifetime(temporary) {}
    }

    func testLockTimeoutNamesTheLockFileAndItsHolder() throws {
        let scratch = try Scratch()
        let repository = try Repository(name: "user", path: "\(scratch.path)/images")
        let (temporary, layout) = try makeLayout(in: repository, [Data("x".utf8)])
        let marker = "\(scratch.path)/locked"
        let holder = try holdLock(repository, marker: marker, seconds: 5)
        defer {
            holder.terminate()
            holder.waitUntilExit()
        }
        let parsed = try OCILayout(directory: layout.directory)
        let start = Date()
        XCTAssertThrowsError(
            try repository.store(
                parsed, as: "late", owner: "a", force: false, description: nil, lockTimeout: .milliseconds(700))
        ) { error in
            XCTAssertEqual((error as? ImageRepoError)?.code, .lockTimeout)
            XCTAssertTrue("\(error)".contains("\(repository.path)/.lock"), "\(error)")
            XCTAssertTrue("\(error)".contains("held by process \(holder.processIdentifier)"), "\(error)")
        }
        XCTAssertGreaterThan(Date().timeIntervalSince(start), 0.6)
        XCTAssertEqual(try repository.revisions(of: "late"), [])
        withExtendedLifetime(temporary) {}
    }

    /// A python process holding the repository's flock until killed (or `seconds`), once `marker` exists.
    private func holdLock(_ repository: Repository, marker: String, seconds: Double) throws -> Process {
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = [
            "python3", "-c",
            "import fcntl,sys,time\nf=open(sys.argv[1],'r')\nfcntl.flock(f,fcntl.LOCK_EX)\nopen(sys.argv[2],'w').close()\ntime.sleep(float(sys.argv[3]))",
            "\(repository.path)/.lock", marker, String(seconds),
        ]
        _ = FileManager.default.createFile(atPath: "\(repository.path)/.lock", contents: nil)
        try holder.run()
        while !FileSystem.exists(marker) { usleep(10_000) }
        return holder
    }

    func testConcurrentWritersBothSucceed() throws {
        let scratch = try Scratch()
        let repository = try Repository(name: "user", path: "\(scratch.path)/images")
        let common = Data("common layer".utf8)
        let layouts = try (0..<4).map { try makeLayout(in: repository, [common, Data("own \($0)".utf8)]) }
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: layouts.count) { position in
            do {
                let other = try Repository(name: "user", path: repository.path)
                try other.storeOCILayout(
                    at: layouts[position].1.directory, as: "img\(position)", owner: "a", force: false, description: nil)
            } catch {
                failures.add("\(error)")
            }
        }
        XCTAssertEqual(failures.all, [])
        XCTAssertEqual(try repository.images().map(\.name), ["img0", "img1", "img2", "img3"])
        for image in try repository.images() {
            for blob in image.metadata.dataBlobs { XCTAssertNoThrow(try repository.verify(blob: blob)) }
        }
        withExtendedLifetime(layouts) {}
    }

    func testWriterWaitsForAnotherProcessHoldingTheLock() throws {
        let scratch = try Scratch()
        let repository = try Repository(name: "user", path: "\(scratch.path)/images")
        let (temporary, layout) = try makeLayout(in: repository, [Data("x".utf8)])
        let holder = try holdLock(repository, marker: "\(scratch.path)/locked", seconds: 1.5)
        let start = Date()
        try repository.storeOCILayout(at: layout.directory, as: "waited", owner: "a", force: false, description: nil)
        XCTAssertGreaterThan(Date().timeIntervalSince(start), 1.0)
        holder.waitUntilExit()
        withExtendedLifetime(temporary) {}
    }
}

final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []

    func add(_ message: String) { lock.withLock { messages.append(message) } }
    var all: [String] { lock.withLock { messages } }
}
