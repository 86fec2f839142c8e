import Dispatch
import Foundation

/// Runs long blocking work (hashing and fsyncing gigabytes, waiting on a cross-job flock, a conversion) on a thread
/// of its own, so it never holds one of the cooperative pool's few threads (two on a 2-core node).
public func runBlocking<T: Sendable, Failure: Error>(
    _ name: String, _ body: @escaping @Sendable () throws(Failure) -> T
) async throws(Failure) -> T {
    let result: Result<T, Failure> = await withCheckedContinuation { continuation in
        let thread = Thread {
            do throws(Failure) {
                continuation.resume(returning: .success(try body()))
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
        thread.name = name
        thread.start()
    }
    return try result.get()
}

/// One serial queue for a C library's blocking calls (libslurm RPCs wait up to MessageTimeout, a libvirt destroy
/// nearly two seconds): the calls stay off the cooperative pool, run one at a time, and each reads the library's
/// thread-local error on the thread that failed.
public final class BlockingQueue: Sendable {
    private let queue: DispatchQueue

    public init(label: String) {
        queue = DispatchQueue(label: label, qos: .userInitiated)
    }

    public func perform<T: Sendable, Failure: Error>(
        _ body: @escaping @Sendable () throws(Failure) -> T
    ) async throws(Failure) -> T {
        let result: Result<T, Failure> = await withCheckedContinuation { continuation in
            queue.async {
                do throws(Failure) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
