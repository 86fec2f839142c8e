import Foundation
import ImageRepo

/// import's progress bar on a terminal: one line, redrawn five times a second while the layers become pcocc's cache
/// entry (layers, compressed megabytes, entries), ended by a newline when the conversion ends.
final class ConversionProgressBar: ConversionMeter, @unchecked Sendable {
    private let lock = NSLock()
    /// Once set, the drawing task's late redraws are dropped: the final line has been written.
    private var done = false

    func started(_ progress: ConversionProgress) {
        Task.detached { [self] in
            while !progress.isFinished {
                draw(progress, final: false)
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    func finished(_ progress: ConversionProgress) {
        draw(progress, final: true)
    }

    private func draw(_ progress: ConversionProgress, final: Bool) {
        lock.withLock {
            guard !done else { return }
            let line = Self.line(
                layers: progress.layers, layersDone: progress.layersDone, bytes: progress.bytes,
                bytesDone: progress.bytesDone, entries: progress.entries)
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line)\(final ? "\n" : "")".utf8))
            done = final
        }
    }

    /// "  converting layer 2/4, 57.3 of 109.0 MB, 12345 entries" (the layer being read; all done at the end).
    static func line(layers: Int, layersDone: Int, bytes: Int64, bytesDone: Int64, entries: Int) -> String {
        let layer = layersDone < layers ? "converting layer \(layersDone + 1)/\(layers)" : "converted \(layers) layers"
        let megabytes = String(format: "%.1f of %.1f MB", Double(bytesDone) / 1_000_000, Double(bytes) / 1_000_000)
        return "  \(layer), \(megabytes), \(entries) entries"
    }
}
