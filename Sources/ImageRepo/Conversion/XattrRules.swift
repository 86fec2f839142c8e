/// What becomes of an extended attribute when docker sets it (moby's Lsetxattr on an ext4 layer directory, as root):
/// the kernel keeps it, refuses it (docker then refuses the layer), or says EPERM (docker 26 ignores that; it
/// refuses EOPNOTSUPP, which docker 20.10 ignored).
enum XattrRules {
    enum Target {
        case regular, directory, symbolicLink, other
    }

    enum Outcome: Equatable {
        /// Stored, and visible in a container.
        case keep
        /// Stored by overlayfs's own namespace: not visible; trusted.overlay.opaque "y" makes a directory opaque.
        case overlay(opaque: Bool)
        /// EPERM, which docker ignores; an ACL equivalent to the mode bits, which chmod then overrides; or an empty
        /// ACL, which removes none (the kernel gets no value for an empty one).
        case ignore
        /// The kernel refuses it: docker refuses the layer.
        case refuse(String)
        /// The kernel keeps it but a squashfs cannot (an extended or default ACL).
        case cannotBe(String)
    }

    private static let overlayPrefix = Array("trusted.overlay.".utf8)
    private static let opaqueName = Array("trusted.overlay.opaque".utf8)
    private static let capabilityName = Array("security.capability".utf8)
    private static let accessACL = Array("system.posix_acl_access".utf8)
    private static let defaultACL = Array("system.posix_acl_default".utf8)

    static func outcome(name: [UInt8], value: [UInt8], on target: Target) -> Outcome {
        guard !name.isEmpty, name.count <= 255 else { return .refuse("its name is empty or over 255 bytes (ERANGE)") }
        guard value.count <= 65536 else { return .refuse("its value is over 64 KiB (E2BIG)") }
        if name == accessACL || name == defaultACL { return acl(value, isDefault: name == defaultACL, on: target) }
        for prefix in ["user.", "trusted.", "security."] where name.starts(with: prefix.utf8) {
            guard name.count > prefix.utf8.count else { return .refuse("it has no name after '\(prefix)' (EINVAL)") }
            switch prefix {
            case "user.":
                // Only regular files and directories take user attributes (EPERM otherwise).
                return target == .regular || target == .directory ? .keep : .ignore
            case "trusted.":
                if name.starts(with: overlayPrefix) {
                    return .overlay(opaque: name == opaqueName && value == [UInt8(ascii: "y")])
                }
                return .keep
            default:
                if name == capabilityName && !isCapability(value) {
                    return .refuse("it is not a valid file capability (EINVAL)")
                }
                return .keep
            }
        }
        // "system.*" other than ACLs, and unknown namespaces: EOPNOTSUPP, which docker 26 does not ignore.
        return .refuse("its namespace is not supported (EOPNOTSUPP)")
    }

    /// Whether ext4 (4 KiB blocks, 256-byte inodes, no ea_inode: the guest's data disk) stores these. An attribute
    /// lies whole in the inode's spare room or in the one xattr block, so none may exceed the block, nor all of
    /// them both. Slightly generous where ext4's own placement would fail a nearly full set (images docker loads
    /// never hold such a set, so the import path cannot meet one).
    static func fitsExt4(_ xattrs: [[UInt8]: [UInt8]]) -> Bool {
        // Block: 32-byte header and a 4-byte end marker; inode: 256 - 128 - 32 (extra) - 4 (magic) - 4 (end).
        let block = 4096 - 32 - 4
        let inode = 256 - 128 - 32 - 4 - 4
        var total = 0
        for (name, value) in xattrs {
            // Entry: 16 bytes and the name without its namespace prefix, 4-byte aligned; value 4-byte aligned.
            let prefix = ["user.", "trusted.", "security."].first { name.starts(with: $0.utf8) }?.utf8.count ?? 0
            let size = ((name.count - prefix + 16 + 3) & ~3) + ((value.count + 3) & ~3)
            if size > block { return false }
            total += size
        }
        return total <= block + inode
    }

    /// cap_convert_nscap's header check: revision 2 in 20 bytes, or revision 3 in 24.
    private static func isCapability(_ value: [UInt8]) -> Bool {
        guard value.count >= 4 else { return false }
        let revision = UInt32(value[3]) << 24
        return (value.count == 20 && revision == 0x0200_0000) || (value.count == 24 && revision == 0x0300_0000)
    }

    private enum Tag: UInt16 {
        case userObject = 1, user = 2, groupObject = 4, group = 8, mask = 0x10, other = 0x20
    }

    /// The kernel's posix_acl_from_xattr, set_posix_acl and posix_acl_valid, in that order.
    private static func acl(_ value: [UInt8], isDefault: Bool, on target: Target) -> Outcome {
        // A zero-length value reaches the kernel as none: the (absent) ACL is removed, whatever the target.
        if value.isEmpty { return .ignore }
        // Symbolic links have no ACL operations (EOPNOTSUPP, which docker 26 does not ignore).
        if target == .symbolicLink { return .refuse("symbolic links take no POSIX ACL (EOPNOTSUPP)") }
        guard value.count >= 4, (value.count - 4) % 8 == 0, value[0] == 2, value[1...3].allSatisfy({ $0 == 0 }) else {
            return .refuse("it is not a valid POSIX ACL (EINVAL)")
        }
        var entries: [(tag: Tag, permissions: UInt16)] = []
        for offset in stride(from: 4, to: value.count, by: 8) {
            let raw = UInt16(value[offset]) | UInt16(value[offset + 1]) << 8
            let id =
                UInt32(value[offset + 4]) | UInt32(value[offset + 5]) << 8 | UInt32(value[offset + 6]) << 16
                | UInt32(value[offset + 7]) << 24
            guard let tag = Tag(rawValue: raw), !((tag == .user || tag == .group) && id == UInt32.max) else {
                return .refuse("it is not a valid POSIX ACL (EINVAL)")
            }
            entries.append((tag, UInt16(value[offset + 2]) | UInt16(value[offset + 3]) << 8))
        }
        // No entries removes the ACL.
        if entries.isEmpty { return .ignore }
        if isDefault && target != .directory { return .refuse("it is a default ACL on a non-directory (EACCES)") }
        guard isValid(entries) else { return .refuse("it is not a valid POSIX ACL (EINVAL)") }
        let minimal = entries.allSatisfy { [.userObject, .groupObject, .other].contains($0.tag) }
        if minimal && !isDefault { return .ignore }
        return .cannotBe(isDefault ? "a default ACL" : "an ACL with more entries than the mode bits")
    }

    /// posix_acl_valid: owner, named users, group, named groups, mask (required with named entries), other.
    private static func isValid(_ entries: [(tag: Tag, permissions: UInt16)]) -> Bool {
        enum State { case userObject, user, group, other, done }
        var state = State.userObject
        var needsMask = false
        for (tag, permissions) in entries {
            guard permissions & ~7 == 0 else { return false }
            switch (tag, state) {
            case (.userObject, .userObject): state = .user
            case (.user, .user): needsMask = true
            case (.groupObject, .user): state = .group
            case (.group, .group): needsMask = true
            case (.mask, .group): state = .other
            case (.other, .other): state = .done
            case (.other, .group) where !needsMask: state = .done
            default: return false
            }
        }
        return state == .done
    }
}
