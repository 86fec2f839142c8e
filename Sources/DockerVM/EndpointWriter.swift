import Foundation
import HostSystem
import VMAllocator

/// Publishes docker/endpoint.json: readers (the launcher, `pcocc-docker env`) must never see a half-written file.
enum EndpointWriter {
    static func write(_ record: EndpointRecord, to path: String) throws(VMError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            try AtomicFile.write(try encoder.encode(record), to: path, mode: 0o600)
        } catch let error as SystemError {
            throw VMError(.fileSystem, error.description)
        } catch {
            throw VMError(.fileSystem, "cannot encode \(path): \(error)")
        }
    }

    static func remove(_ path: String) {
        unlink(path)
    }
}
