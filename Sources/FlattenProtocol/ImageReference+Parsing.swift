extension ImageReference {
    /// Parses and normalizes a reference such as `ubuntu`, `user/app:1.2`,
    /// `localhost:5000/team/app@sha256:…` or `[::1]:5000/app:tag`.
    ///
    /// - Throws: ``ImageReferenceError`` naming every fault with its position: empty, a bare
    ///   image ID, a malformed registry host or path component, upper case in the repository, a
    ///   bad tag or digest, a name over 255 characters.
    public init(_ string: String) throws(ImageReferenceError) {
        guard !string.isEmpty else { throw ImageReferenceError(input: string, .empty()) }
        if string.utf8.count == 64, string.utf8.allSatisfy(Self.isLowerHex) {
            throw ImageReferenceError(input: string, .imageID())
        }
        func position(_ index: String.Index) -> Int { string.distance(from: string.startIndex, to: index) + 1 }

        // The digest follows the first '@'. The tag follows the first ':' after the last '/';
        // a ':' before the last '/' can only be a registry port.
        var rest = Substring(string)
        var digest: Substring?
        if let at = rest.firstIndex(of: "@") {
            digest = rest[rest.index(after: at)...]
            rest = rest[..<at]
        }
        var tag: Substring?
        var tagColon: String.Index?
        let lastComponentStart = rest.lastIndex(of: "/").map { rest.index(after: $0) } ?? rest.startIndex
        if let colon = rest[lastComponentStart...].firstIndex(of: ":") {
            tag = rest[rest.index(after: colon)...]
            tagColon = colon
            rest = rest[..<colon]
        }

        // Docker's rule for telling a registry host from the first path component.
        var domain = Substring(Self.defaultDomain)
        var hasDomain = false
        var path = rest
        if let slash = rest.firstIndex(of: "/") {
            let first = rest[..<slash]
            if first.contains(".") || first.contains(":") || first == "localhost" || first.lowercased() != first {
                domain = first
                hasDomain = true
                path = rest[rest.index(after: slash)...]
            }
        }

        // Every part is checked, so one message names every fault.
        var faults: [ImageReferenceError.Fault] = []
        if hasDomain, let spot = Self.domainFault(domain) {
            faults.append(.invalidDomain(String(domain), found: spot.render(position), at: position(spot.index)))
        }
        let upper = path.firstIndex { $0.isASCII && $0.isUppercase }
        if let upper {
            faults.append(.uppercase(repository: String(path), at: position(upper)))
        }
        if path.isEmpty {
            faults.append(.emptyName(at: position(path.startIndex)))
        } else {
            var reportedEmpty = false
            for component in path.split(separator: "/", omittingEmptySubsequences: false) {
                if component.isEmpty {
                    // One empty component is enough to say: `a//b/` has the same fault twice.
                    if !reportedEmpty { faults.append(.emptyComponent(path: String(path), at: position(component.startIndex))) }
                    reportedEmpty = true
                } else if let spot = Self.componentFault(component, foldingCase: upper != nil) {
                    faults.append(.invalidComponent(String(component), found: spot.render(position), at: position(spot.index)))
                }
            }
        }
        if let tag, let tagColon, let fault = Self.tagFault(tag, colon: tagColon, position: position) {
            faults.append(fault)
        }
        if let digest, let fault = Self.digestFault(digest, position: position) {
            faults.append(fault)
        }

        if domain == "index.docker.io" { domain = Substring(Self.defaultDomain) }
        var normalizedPath = String(path)
        if domain == Self.defaultDomain, !normalizedPath.contains("/") {
            normalizedPath = "library/" + normalizedPath
        }
        let nameLength = domain.utf8.count + 1 + normalizedPath.utf8.count
        if nameLength > Self.maximumNameLength { faults.append(.nameTooLong(length: nameLength)) }
        guard faults.isEmpty else { throw ImageReferenceError(input: string, faults: faults) }

        self.init(domain: String(domain), path: normalizedPath, tag: tag.map(String.init), digest: digest.map(String.init))
    }
}
