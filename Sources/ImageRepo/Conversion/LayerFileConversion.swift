import Foundation

/// Plain tar layer files (no OCI layout, no manifest) through the whole conversion into a squashfs: the entry point
/// of the fuzz target (`package` for it) and of tests that craft layers byte by byte.
package enum LayerFileConversion {
    /// `layers` bottom first; returns the number of entries written. The squashfs is left at `output`, complete or
    /// not: the caller removes it.
    package static func squashfs(
        layers: [String], output: String, limits: ConversionLimits = ConversionLimits()
    )
        throws(ConversionError) -> Int
    {
        var inputs: [OCILayout.Layer] = []
        for (index, path) in layers.enumerated() { inputs.append(try layer(index, path: path, size: 0)) }
        let flattener = LayerFlattener(
            layers: inputs, limits: limits,
            makeWriter: { () throws(ConversionError) in
                unlink(output)
                let writer = try SquashfsWriter(path: output, compression: .stored)
                return try BundleSink(output: writer, shape: .rootFileSystem, runtimeConfig: [])
            },
            isCancelled: { false })
        return try flattener.run().count
    }

    /// Layer `index` of plain tar files, uncompressed; its digest is its position (messages name the layer by it:
    /// these files are not content-addressed).
    static func layer(_ index: Int, path: String, size: Int64) throws(ConversionError) -> OCILayout.Layer {
        let digest = try BlobDigest(String(repeating: "0", count: 56) + String(format: "%08x", index))
        return OCILayout.Layer(blob: OCILayout.Blob(digest: digest, size: size, path: path), compression: .none)
    }
}
