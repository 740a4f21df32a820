/// An image name with a tag, as Docker and containerd normalize it: `shop:1.0` is
/// `docker.io/library/shop:1.0`, `user/app` is `docker.io/user/app:latest`, and a name whose
/// first component looks like a host (`127.0.0.1:5000/x:1`, `localhost/x`, `ghcr.io/o/x`)
/// keeps it.
///
/// containerd's loader names an image by the fully qualified form (the
/// `io.containerd.image.name` annotation); `manifest.json` and `docker images` use the
/// familiar one.
public struct DockerReference: Hashable, Sendable, CustomStringConvertible {
    /// The registry host, such as `docker.io` or `127.0.0.1:5000`.
    public let domain: String
    /// The repository path within it, such as `library/shop`.
    public let path: String
    public let tag: String

    public init(parsing text: String) throws {
        func fail(_ why: String) -> ImageArchiveError {
            ImageArchiveError(.invalidArgument, detail: "'\(text)' is not an image name with a tag: \(why)")
        }
        guard !text.contains("@") else { throw fail("a digest reference cannot name a loaded image; give name:tag") }
        var remainder = Substring(text)
        var domain = "docker.io"
        if let slash = text.firstIndex(of: "/") {
            let first = text[..<slash]
            if first.contains(".") || first.contains(":") || first == "localhost" || first.contains(where: \.isUppercase) {
                domain = first == "index.docker.io" ? "docker.io" : String(first)
                remainder = text[text.index(after: slash)...]
            }
        }
        var tag = "latest"
        if let colon = remainder.lastIndex(of: ":") {
            tag = String(remainder[remainder.index(after: colon)...])
            remainder = remainder[..<colon]
        }
        var path = String(remainder)
        if domain == "docker.io" && !path.contains("/") { path = "library/" + path }

        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        let pathCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789._-")
        guard !path.isEmpty, components.allSatisfy({ !$0.isEmpty && $0.allSatisfy(pathCharacters.contains) }) else {
            throw fail("the repository must be lower-case letters, digits and . _ - between slashes")
        }
        let tagCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard (1...128).contains(tag.count), tag.allSatisfy(tagCharacters.contains), tag.first != ".", tag.first != "-" else {
            throw fail("the tag must be 1 to 128 letters, digits and . _ -, not starting with . or -")
        }
        self.domain = domain
        self.path = path
        self.tag = tag
    }

    /// `docker.io/library/shop:1.0`.
    public var fullyQualified: String { "\(domain)/\(path):\(tag)" }

    /// `shop:1.0`, `user/app:tag`, `127.0.0.1:5000/x:1`: what `docker images` shows.
    public var familiar: String {
        guard domain == "docker.io" else { return fullyQualified }
        let short = path.hasPrefix("library/") && path.split(separator: "/").count == 2 ? String(path.dropFirst("library/".count)) : path
        return "\(short):\(tag)"
    }

    public var description: String { fullyQualified }
}
