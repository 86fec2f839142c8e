import Foundation

/// Publishes docker/endpoint.json: readers (the launcher, `pcocc-docker env`) must never see
/// a half-written file, so it is written to a temporary name, synced, then renamed.
enum EndpointWriter {
    static func write(_ record: EndpointRecord, to path: String) throws(VMError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data
        do {
            data = try encoder.encode(record)
        } catch {
            throw VMError(.fileSystem, "cannot encode \(path): \(error)")
        }
        let temporary = "\(path).\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure(temporary) }
        let written = data.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == data.count, synced, rename(temporary, path) == 0 else {
            let error = failure(path)
            unlink(temporary)
            throw error
        }
    }

    static func remove(_ path: String) {
        unlink(path)
    }

    private static func failure(_ path: String) -> VMError {
        VMError(.fileSystem, "cannot write \(path): \(String(cString: strerror(errno)))")
    }
}
