/// The grammar's pieces (distribution/reference regexp.go), each as a check that answers where
/// a part first breaks its rule, for messages that point at the character.
extension ImageReference {
    /// Where a part breaks its rule, and what is there: rendered as `before` + ` at position N`
    /// + `after` ("has '!' at position 4", "has ':' at position 12 with no port after it").
    struct Spot {
        var index: String.Index
        var before: String
        var after = ""

        func render(_ position: (String.Index) -> Int) -> String {
            "\(before) at position \(position(index))\(after)"
        }
    }

    /// The fault of a tag (`[\w][\w.-]{0,127}`), or nil when it is valid: empty, too long, or every character it
    /// cannot hold, each with its position. `colon` is the `:` before it.
    static func tagFault(_ tag: Substring, colon: String.Index, position: (String.Index) -> Int) -> ImageReferenceError.Fault? {
        guard !tag.isEmpty else { return .emptyTag(at: position(colon)) }
        var found: [String] = []
        if let first = tag.first, first == "." || first == "-" {
            found.append("starts with \(shown(first)) at position \(position(tag.startIndex))")
        }
        for index in tag.indices {
            let character = tag[index]
            guard !(isWordCharacter(character) || character == "." || character == "-") else { continue }
            if found.count == 5 { found.append("more"); break }
            found.append("has \(shown(character)) at position \(position(index))")
        }
        if found.isEmpty {
            guard tag.count > maximumTagLength else { return nil }
            return .tagTooLong(String(tag), at: position(tag.startIndex))
        }
        let listed = found.count == 1 ? found[0] : found.dropLast().joined(separator: ", ") + " and " + found[found.count - 1]
        return .invalidTag(String(tag), found: listed, at: position(tag.startIndex))
    }

    /// Where a path component breaks `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`, or nil.
    /// `foldingCase` reads upper-case letters as lower-case ones (upper case is a fault of its
    /// own, said once for the whole path).
    static func componentFault(_ component: Substring, foldingCase: Bool) -> Spot? {
        func isLetterOrDigit(_ character: Character) -> Bool {
            isLowerAlnum(character) || (foldingCase && character.isASCII && character.isUppercase)
        }
        func isSeparator(_ character: Character) -> Bool { character == "." || character == "_" || character == "-" }
        var index = component.startIndex
        while index < component.endIndex {
            let character = component[index]
            if isLetterOrDigit(character) {
                index = component.index(after: index)
                continue
            }
            guard isSeparator(character) else { return Spot(index: index, before: "has \(shown(character))") }
            let start = index
            while index < component.endIndex, isSeparator(component[index]) { index = component.index(after: index) }
            let run = component[start..<index]
            if start == component.startIndex { return Spot(index: start, before: "starts with '\(run)'") }
            if index == component.endIndex { return Spot(index: start, before: "ends with '\(run)'") }
            guard run == "." || run == "_" || run == "__" || run.allSatisfy({ $0 == "-" }) else {
                return Spot(index: start, before: "has '\(run)'")
            }
        }
        return nil
    }

    /// Where a registry host breaks `(domainName | \[[a-fA-F0-9:]+\]) (:[0-9]+)?`, or nil. A
    /// domain-name label is `[a-zA-Z0-9]` or `[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]` (which
    /// covers IPv4 addresses).
    static func domainFault(_ domain: Substring) -> Spot? {
        var host = domain
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else {
                return Spot(index: host.startIndex, before: "has '['", after: " and no ']' after it")
            }
            let inner = host[host.index(after: host.startIndex)..<close]
            guard !inner.isEmpty else { return Spot(index: close, before: "has nothing between '[' and ']'", after: "") }
            if let bad = inner.firstIndex(where: { !(($0.isASCII && $0.isHexDigit) || $0 == ":") }) {
                return Spot(index: bad, before: "has \(shown(inner[bad]))", after: " in its IPv6 address")
            }
            let after = host[host.index(after: close)...]
            return after.isEmpty ? nil : portFault(after)
        }
        if let colon = host.firstIndex(of: ":") {
            if let spot = portFault(host[colon...]) { return spot }
            host = host[..<colon]
        }
        guard !host.isEmpty else { return Spot(index: host.startIndex, before: "has no host name", after: " (before the port)") }
        for label in host.split(separator: ".", omittingEmptySubsequences: false) {
            guard let first = label.first, let last = label.last else {
                return Spot(index: label.startIndex, before: "has an empty name between dots")
            }
            if let bad = label.firstIndex(where: { !(isAlnum($0) || $0 == "-") }) {
                return Spot(index: bad, before: "has \(shown(label[bad]))")
            }
            if !isAlnum(first) { return Spot(index: label.startIndex, before: "starts a name with \(shown(first))") }
            if !isAlnum(last) { return Spot(index: label.index(before: label.endIndex), before: "ends a name with \(shown(last))") }
        }
        return nil
    }

    /// Where `:[0-9]+` breaks, or nil.
    private static func portFault(_ text: Substring) -> Spot? {
        guard text.first == ":" else {
            return Spot(index: text.startIndex, before: "has \(text.first.map(shown) ?? "nothing")", after: " where only ':PORT' may follow")
        }
        let digits = text.dropFirst()
        guard !digits.isEmpty else { return Spot(index: text.startIndex, before: "has ':'", after: " with no port after it") }
        if let bad = digits.firstIndex(where: { !(ascii($0).map(isDigit) ?? false) }) {
            return Spot(index: bad, before: "has \(shown(digits[bad]))", after: " in its port")
        }
        return nil
    }

    /// The fault of `algorithm:encoded` (sha256, sha384 and sha512 with lowercase hex of their
    /// exact length), or nil.
    static func digestFault(_ digest: Substring, position: (String.Index) -> Int) -> ImageReferenceError.Fault? {
        let start = position(digest.startIndex)
        guard let colon = digest.firstIndex(of: ":"), colon != digest.startIndex else {
            return .invalidDigest("\(String(reflecting: String(digest))) is not of the form algorithm:hex", at: start)
        }
        let algorithm = digest[..<colon]
        let encoded = digest[digest.index(after: colon)...]
        let lengths = ["sha256": 64, "sha384": 96, "sha512": 128]
        guard let length = lengths[String(algorithm)] else {
            return .invalidDigest("unsupported algorithm \(String(reflecting: String(algorithm))); expected sha256, sha384 or sha512", at: start)
        }
        if let bad = encoded.firstIndex(where: { !isLowerHex($0) }) {
            return .invalidDigest("\(algorithm) digest must be lowercase hexadecimal, not \(shown(encoded[bad]))", at: position(bad))
        }
        guard encoded.count == length else {
            return .invalidDigest("\(algorithm) digest must have \(length) hex digits, not \(encoded.count)", at: position(encoded.startIndex))
        }
        return nil
    }

    // MARK: Character classes

    /// A character as a message shows it: `'!'`, or escaped when it is not printable (`"\t"`).
    static func shown(_ character: Character) -> String {
        if character.isASCII, let value = character.asciiValue, value > 0x20, value < 0x7F { return "'\(character)'" }
        if character == " " { return "' '" }
        return String(reflecting: String(character))
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    static func isLowerAlnum(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
    }
    static func isAlnum(_ byte: UInt8) -> Bool {
        isLowerAlnum(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }
    static func isWordCharacter(_ byte: UInt8) -> Bool { isAlnum(byte) || byte == UInt8(ascii: "_") }
    static func isLowerHex(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
    }

    private static func ascii(_ character: Character) -> UInt8? {
        character.isASCII ? character.asciiValue : nil
    }
    static func isLowerAlnum(_ character: Character) -> Bool { ascii(character).map(isLowerAlnum) ?? false }
    static func isAlnum(_ character: Character) -> Bool { ascii(character).map(isAlnum) ?? false }
    static func isWordCharacter(_ character: Character) -> Bool { ascii(character).map(isWordCharacter) ?? false }
    static func isLowerHex(_ character: Character) -> Bool { ascii(character).map(isLowerHex) ?? false }
}
