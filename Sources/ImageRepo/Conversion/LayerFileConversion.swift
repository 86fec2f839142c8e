import Foundation

/// Plain tar layer files (no OCI layout, no manifest) through the whole conversion into a squashfs: the entry point
/// of the fuzz target and of tests that craft layers byte by byte.
enum LayerFileConversion {
    /// `layers` bottom first; returns the number of entries written. The squashfs is left at `output`, complete or
    /// not: the caller removes it.
    static func squashfs(layers: [String], output: String, limits: ConversionLimits = ConversionLimits())
        throws(ConversionError) -> Int
    {
        let inputs = layers.enumerated().map { index, path in
            ConversionInput.Layer(digest: "#\(index)", path: path, compression: .none, size: 0)
        }
        let flattener = LayerFlattener(
            layers: inputs, limits: limits,
            makeWriter: { () throws(ConversionError) in try SquashfsWriter(path: output, zstdLevel: 1) },
            isCancelled: { false })
        return try flattener.run().count
    }
}
