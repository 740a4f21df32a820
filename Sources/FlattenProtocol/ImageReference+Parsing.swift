extension ImageReference {
    /// Parses and normalizes a reference such as `ubuntu`, `user/app:1.2`,
    /// `localhost:5000/team/app@sha256:…` or `[::1]:5000/app:tag`.
    ///
    /// - Throws: ``ImageReferenceError`` naming the problem: empty, over 255 characters,
    ///   upper-case repository, bad tag, bad digest, a bare image ID, or invalid format.
    public init(_ string: String) throws(ImageReferenceError) {
        guard !string.isEmpty else { throw .empty() }
        if string.utf8.count == 64, string.utf8.allSatisfy(Self.isLowerHex) { throw .imageID(string) }

        // The digest follows the first '@'. The tag follows the first ':' after the last '/';
        // a ':' before the last '/' can only be a registry port.
        var rest = Substring(string)
        var digest: Substring?
        if let at = rest.firstIndex(of: "@") {
            digest = rest[rest.index(after: at)...]
            rest = rest[..<at]
        }
        var tag: Substring?
        let lastComponentStart = rest.lastIndex(of: "/").map { rest.index(after: $0) } ?? rest.startIndex
        if let colon = rest[lastComponentStart...].firstIndex(of: ":") {
            tag = rest[rest.index(after: colon)...]
            rest = rest[..<colon]
        }

        // Docker's rule for telling a registry host from the first path component.
        var domain = Self.defaultDomain
        var path = rest
        if let slash = rest.firstIndex(of: "/") {
            let first = rest[..<slash]
            if first.contains(".") || first.contains(":") || first == "localhost" || first.lowercased() != first {
                domain = String(first)
                path = rest[rest.index(after: slash)...]
            }
        }
        if path.lowercased() != path {
            throw .uppercase(string, repository: String(path))
        }

        guard domain == Self.defaultDomain || Self.isValidDomain(domain) else {
            throw .invalidFormat(string, "registry host \(String(reflecting: domain)) is not a host name, IPv4 address or bracketed IPv6 address with an optional numeric port")
        }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        for component in components where !Self.isValidPathComponent(component) {
            throw .invalidFormat(string, path.isEmpty
                ? "the repository name is empty"
                : component.isEmpty
                ? "repository path \(String(reflecting: String(path))) has an empty component"
                : "repository path component \(String(reflecting: String(component))) must be lowercase letters and digits separated by '.', '_', '__' or dashes")
        }
        if let tag, !Self.isValidTag(tag) {
            // A second ':' in the tag means the whole thing was not one reference at all.
            if tag.isEmpty || tag.contains(":") { throw .invalidFormat(string) }
            throw .invalidTag(string, tag: String(tag))
        }
        if let digest { try Self.validateDigest(digest, in: string) }

        if domain == "index.docker.io" { domain = Self.defaultDomain }
        var normalizedPath = String(path)
        if domain == Self.defaultDomain, !normalizedPath.contains("/") {
            normalizedPath = "library/" + normalizedPath
        }
        let nameLength = domain.utf8.count + 1 + normalizedPath.utf8.count
        guard nameLength <= Self.maximumNameLength else { throw .nameTooLong(string, length: nameLength) }

        self.init(domain: domain, path: normalizedPath, tag: tag.map(String.init), digest: digest.map(String.init))
    }

    // MARK: Grammar pieces (distribution/reference regexp.go)

    /// `[\w][\w.-]{0,127}`
    static func isValidTag<S: StringProtocol>(_ tag: S) -> Bool {
        let bytes = Array(tag.utf8)
        guard let first = bytes.first, bytes.count <= maximumTagLength, isWordCharacter(first) else { return false }
        return bytes.allSatisfy { isWordCharacter($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
    static func isValidPathComponent(_ component: Substring) -> Bool {
        let bytes = Array(component.utf8)
        guard let first = bytes.first, let last = bytes.last, isLowerAlnum(first), isLowerAlnum(last) else {
            return false
        }
        var index = 0
        while index < bytes.count {
            if isLowerAlnum(bytes[index]) { index += 1; continue }
            // A separator run: one '.', one '_', exactly "__", or any number of '-'.
            let start = index
            while index < bytes.count, !isLowerAlnum(bytes[index]) { index += 1 }
            let separator = bytes[start..<index]
            let valid = separator.elementsEqual([UInt8(ascii: ".")])
                || separator.elementsEqual([UInt8(ascii: "_")])
                || separator.elementsEqual([UInt8(ascii: "_"), UInt8(ascii: "_")])
                || separator.allSatisfy { $0 == UInt8(ascii: "-") }
            guard valid else { return false }
        }
        return true
    }

    /// `(domainName | \[[a-fA-F0-9:]+\]) (:[0-9]+)?` where a domain-name component is
    /// `[a-zA-Z0-9]` or `[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]` (this covers IPv4 addresses).
    static func isValidDomain(_ domain: String) -> Bool {
        var host = Substring(domain)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let inner = host[host.index(after: host.startIndex)..<close]
            guard !inner.isEmpty, inner.utf8.allSatisfy({ isHexDigit($0) || $0 == UInt8(ascii: ":") }) else {
                return false
            }
            let after = host[host.index(after: close)...]
            return after.isEmpty || isValidPort(after)
        }
        if let colon = host.firstIndex(of: ":") {
            guard isValidPort(host[colon...]) else { return false }
            host = host[..<colon]
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            let bytes = Array(label.utf8)
            guard let first = bytes.first, let last = bytes.last, isAlnum(first), isAlnum(last) else { return false }
            return bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
        }
    }

    /// `:[0-9]+`
    private static func isValidPort(_ text: Substring) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count >= 2 && bytes[0] == UInt8(ascii: ":") && bytes.dropFirst().allSatisfy(isDigit)
    }

    /// `algorithm:encoded`; sha256, sha384 and sha512 with lowercase hex of their exact length.
    private static func validateDigest(_ digest: Substring, in input: String) throws(ImageReferenceError) {
        guard let colon = digest.firstIndex(of: ":"), colon != digest.startIndex else {
            throw .invalidDigest(input, "\(String(reflecting: String(digest))) is not of the form algorithm:hex")
        }
        let algorithm = digest[..<colon]
        let encoded = digest[digest.index(after: colon)...]
        let lengths = ["sha256": 64, "sha384": 96, "sha512": 128]
        guard let length = lengths[String(algorithm)] else {
            throw .invalidDigest(input, "unsupported algorithm \(String(reflecting: String(algorithm))); expected sha256, sha384 or sha512")
        }
        guard encoded.utf8.allSatisfy(isLowerHex) else {
            throw .invalidDigest(input, "\(algorithm) digest must be lowercase hexadecimal")
        }
        guard encoded.utf8.count == length else {
            throw .invalidDigest(input, "\(algorithm) digest must have \(length) hex digits, not \(encoded.utf8.count)")
        }
    }

    // MARK: Character classes

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    private static func isLowerAlnum(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
    }
    private static func isAlnum(_ byte: UInt8) -> Bool {
        isLowerAlnum(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }
    private static func isWordCharacter(_ byte: UInt8) -> Bool { isAlnum(byte) || byte == UInt8(ascii: "_") }
    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
    }
    private static func isLowerHex(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
    }
}
