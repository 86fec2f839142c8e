/// The bundle's config.json, byte for byte what pcocc writes (`OciImageConfig.gen_runtime_config`, json.dumps
/// defaults): `{"ociVersion": "0.1.0", "root": {"path": "rootfs"}, "process": {...}}` where process has `cwd` (the
/// image's WorkingDir, else "/"), then `env`, `args` (the image's Cmd) and `entrypoint` when the image has them.
/// pcocc run copies the process part from it; `entrypoint` is not OCI but pcocc reads it.
enum RuntimeConfig {
    static func json(imageConfig bytes: [UInt8], image: String) throws(ImageRepoError) -> [UInt8] {
        let document: PythonJSON.Value
        do throws(PythonJSONError) {
            document = try PythonJSON.parse(bytes)
        } catch {
            throw ImageRepoError(.badLayout, "The config of image \(image) is not valid JSON", underlying: error)
        }
        guard document.objectValue != nil else {
            throw ImageRepoError(.badLayout, "The config of image \(image) is not a JSON object")
        }
        // pcocc reads data["config"][key] and tests it for truth: a missing, null or empty value is left out.
        let settings = document["config"]
        func setting(_ key: String) -> PythonJSON.Value? {
            guard let value = settings?[key], isTrue(value) else { return nil }
            return value
        }
        var process: [PythonJSON.Member] = [.init("cwd", setting("WorkingDir") ?? .string("/"))]
        if let env = setting("Env") { process.append(.init("env", env)) }
        if let args = setting("Cmd") { process.append(.init("args", args)) }
        if let entrypoint = setting("Entrypoint") { process.append(.init("entrypoint", entrypoint)) }
        let config = PythonJSON.Value.object([
            .init("ociVersion", .string("0.1.0")),
            .init("root", .object([.init("path", .string("rootfs"))])),
            .init("process", .object(process)),
        ])
        return Array(PythonJSON.dumps(config).utf8)
    }

    /// Python's truth value of a JSON value.
    static func isTrue(_ value: PythonJSON.Value) -> Bool {
        switch value {
        case .null: return false
        case .bool(let flag): return flag
        case .integer(let digits): return digits.contains { $0 != "0" && $0 != "-" }
        case .double(let number): return number != 0
        case .string(let text): return !text.isEmpty
        case .array(let items): return !items.isEmpty
        case .object(let members): return !members.isEmpty
        }
    }
}
