// Fuzz target: arbitrary bytes as one to three tar layers through tar reading, flattening and squashfs writing
// (scripts/fuzz-conversion.sh builds it with libFuzzer and AddressSanitizer, -DFUZZING, -parse-as-library: libFuzzer
// has the main). Built without FUZZING it replays files given as arguments (crashes found, corpus entries).
import Foundation
import ImageRepo

/// Layers are separated by this marker in the input (the fuzzer's dictionary has it).
private let separator = Array("PCOCCLAYER".utf8)

/// The squashfs writer keeps 1 MiB blocks of state per thread: one scratch directory per process.
private let scratch: String = {
    let directory = NSTemporaryDirectory() + "pcocc-fuzz-\(getpid())"
    mkdir(directory, 0o700)
    return directory
}()

/// Bounds that keep one input's work small (a sparse file could otherwise ask for terabytes of zeros).
private let limits: ConversionLimits = {
    var limits = ConversionLimits()
    limits.maximumFileSize = 64 << 20
    limits.maximumSparseFragments = 4096
    limits.maximumSparseMapBytes = 1 << 20
    return limits
}()

/// The conversion's outcome: the number of entries written, or its error.
@discardableResult
func convert(_ bytes: [UInt8]) -> String {
    var layers: [[UInt8]] = []
    var rest = bytes[...]
    while layers.count < 2, let range = rest.firstRange(of: separator) {
        layers.append(Array(rest[..<range.lowerBound]))
        rest = rest[range.upperBound...]
    }
    layers.append(Array(rest))
    var paths: [String] = []
    for (index, layer) in layers.enumerated() {
        let path = "\(scratch)/layer\(index)"
        guard FileManager.default.createFile(atPath: path, contents: Data(layer)) else { return "cannot write \(path)" }
        paths.append(path)
    }
    let output = "\(scratch)/image.sqfs"
    defer {
        unlink(output)
        for path in paths { unlink(path) }
    }
    // A refusal is a fine outcome: the target looks for crashes, leaks and hangs.
    do {
        return "\(try LayerFileConversion.squashfs(layers: paths, output: output, limits: limits)) entries"
    } catch {
        return "\(error)"
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    convert(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

#if !FUZZING
    /// Without libFuzzer: replays the inputs given as arguments (crashes found, corpus entries).
    @main
    struct Replay {
        static func main() {
            for path in CommandLine.arguments.dropFirst() {
                guard let data = FileManager.default.contents(atPath: path) else {
                    FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
                    exit(1)
                }
                print("\(path): \(convert(Array(data)))")
            }
        }
    }
#endif
