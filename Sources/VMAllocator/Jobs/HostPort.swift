/// `host:port` as URLs, DOCKER_HOST and QEMU's hostfwd want it: an IPv6 address goes in brackets.
public enum HostPort {
    public static func format(_ host: String, _ port: Int) -> String {
        "\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }
}
