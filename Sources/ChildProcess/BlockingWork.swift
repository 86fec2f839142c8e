import Foundation

/// Runs long blocking work (hashing and fsyncing gigabytes, waiting on a cross-job flock) on a
/// thread of its own, so it never holds one of the cooperative pool's few threads (two here).
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
