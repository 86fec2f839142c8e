/// Slurm host lists (`node[1-3,7],login`), expanded the way `scontrol show hostnames` does.
public enum HostList {
    /// The first host of a list: where the VM runs.
    public static func first(of list: String) -> String {
        expand(list).first ?? list
    }

    public static func expand(_ list: String) -> [String] {
        var hosts: [String] = []
        var depth = 0
        var current = ""
        for character in list {
            if character == "[" { depth += 1 }
            if character == "]" { depth -= 1 }
            if character == "," && depth == 0 {
                hosts += expandOne(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { hosts += expandOne(current) }
        return hosts
    }

    /// `node[01-03]` -> node01 node02 node03 (zero padding kept); one bracket group.
    static func expandOne(_ item: String) -> [String] {
        guard let open = item.firstIndex(of: "["), let close = item.firstIndex(of: "]"), open < close else {
            return [item]
        }
        let prefix = item[..<open]
        let suffix = item[item.index(after: close)...]
        var names: [String] = []
        for range in item[item.index(after: open)..<close].split(separator: ",") {
            let bounds = range.split(separator: "-", maxSplits: 1)
            guard let first = bounds.first, let low = Int(first) else { return [item] }
            let high = bounds.count == 2 ? Int(bounds[1]) ?? low : low
            guard low <= high else { return [item] }
            for number in low...high {
                var digits = String(number)
                while digits.count < first.count { digits = "0" + digits }
                names.append("\(prefix)\(digits)\(suffix)")
            }
        }
        return names
    }
}
