/// A strict pass over a request body before it is decoded: Foundation's decoder keeps the first
/// of two equal keys, accepts trailing commas, and reports a number that does not fit its field
/// as "not valid JSON" without naming the field. This pass refuses what Foundation lets through
/// (RFC 8259 syntax, duplicate keys, nesting deeper than ``maxDepth``) and remembers where the
/// numbers that an integer field could not hold are, so a decoding failure can name them.
public struct JSONDocumentCheck: Sendable {
    /// How deep objects and arrays may nest; the protocol's messages need fewer than ten levels.
    public static let maxDepth = 32

    /// A number that is fractional, has an exponent, or lies outside `Int64`: where it is and its text.
    public struct SuspectNumber: Sendable, Hashable {
        public var path: String
        public var text: String
    }

    /// The numbers of the document no integer field could take, in document order.
    public private(set) var suspectNumbers: [SuspectNumber] = []

    /// Checks `bytes`; throws ``JSONDocumentError`` naming the first problem.
    public init(_ bytes: some Collection<UInt8>) throws(JSONDocumentError) {
        var scanner = Scanner(bytes: Array(bytes))
        scanner.skipWhitespace()
        try scanner.value(path: [], depth: 0)
        scanner.skipWhitespace()
        guard scanner.index == scanner.bytes.count else {
            throw .syntax(offset: scanner.index, "unexpected text after the JSON value")
        }
        suspectNumbers = scanner.suspects
    }

    /// The sentence a failed decode should use when Foundation did not say which field it was.
    public var numberProblemDescription: String? {
        guard !suspectNumbers.isEmpty else { return nil }
        let listed = suspectNumbers.prefix(3).map { "\($0.text) at \($0.path)" }.joined(separator: ", ")
        return "a number does not fit its field (integers are whole numbers from -9223372036854775808 to 9223372036854775807, and a field's own range may be narrower): \(listed)"
    }
}

/// Why a body is not JSON the coordinator reads.
public struct JSONDocumentError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String

    static func syntax(offset: Int, _ what: String) -> Self {
        Self(description: "the body is not valid JSON: \(what) at byte \(offset)")
    }

    static func duplicateKey(_ key: String, path: String) -> Self {
        Self(description: "duplicate key \(FieldRules.quoted(key)) in the object at \(path); each key may appear once")
    }

    static func tooDeep(path: String) -> Self {
        Self(description: "the body nests deeper than \(JSONDocumentCheck.maxDepth) levels at \(path)")
    }
}

extension JSONDocumentCheck {
    fileprivate struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var suspects: [SuspectNumber] = []

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        func rendered(_ path: [String]) -> String {
            path.isEmpty ? "top level" : path.joined().trimmingPrefixDot()
        }

        mutating func value(path: [String], depth: Int) throws(JSONDocumentError) {
            guard index < bytes.count else { throw .syntax(offset: index, "unexpected end of the body") }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                guard depth < JSONDocumentCheck.maxDepth else { throw .tooDeep(path: rendered(path)) }
                try object(path: path, depth: depth + 1)
            case UInt8(ascii: "["):
                guard depth < JSONDocumentCheck.maxDepth else { throw .tooDeep(path: rendered(path)) }
                try array(path: path, depth: depth + 1)
            case UInt8(ascii: "\""):
                _ = try string()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try number(path: path)
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default:
                throw .syntax(offset: index, "unexpected character \(Self.describe(bytes[index]))")
            }
        }

        mutating func object(path: [String], depth: Int) throws(JSONDocumentError) {
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return }
            var seen = Set<String>()
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                    throw .syntax(offset: index, "expected a quoted key")
                }
                let key = try string()
                guard seen.insert(key).inserted else { throw .duplicateKey(key, path: rendered(path)) }
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                    throw .syntax(offset: index, "expected ':' after a key")
                }
                index += 1
                skipWhitespace()
                try value(path: path + [".\(key)"], depth: depth)
                skipWhitespace()
                guard index < bytes.count else { throw .syntax(offset: index, "unexpected end of the body in an object") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return }
                throw .syntax(offset: index, "expected ',' or '}' in an object")
            }
        }

        mutating func array(path: [String], depth: Int) throws(JSONDocumentError) {
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return }
            var position = 0
            while true {
                skipWhitespace()
                try value(path: path + ["[\(position)]"], depth: depth)
                position += 1
                skipWhitespace()
                guard index < bytes.count else { throw .syntax(offset: index, "unexpected end of the body in an array") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return }
                throw .syntax(offset: index, "expected ',' or ']' in an array")
            }
        }

        /// Reads a string (the opening quote at `index`) and returns its value, escapes resolved,
        /// so that `"a"` and `"\u0061"` are the same key.
        mutating func string() throws(JSONDocumentError) -> String {
            let start = index
            index += 1
            var scalars = String.UnicodeScalarView()
            var runStart = index
            func flushRun(_ end: Int) {
                if end > runStart {
                    scalars.append(contentsOf: String(decoding: bytes[runStart..<end], as: UTF8.self).unicodeScalars)
                }
            }
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    flushRun(index)
                    index += 1
                    return String(scalars)
                }
                if byte < 0x20 {
                    throw .syntax(offset: index, "unescaped control character in a string")
                }
                if byte == UInt8(ascii: "\\") {
                    flushRun(index)
                    index += 1
                    guard index < bytes.count else { break }
                    switch bytes[index] {
                    case UInt8(ascii: "\""): scalars.append("\""); index += 1
                    case UInt8(ascii: "\\"): scalars.append("\\"); index += 1
                    case UInt8(ascii: "/"): scalars.append("/"); index += 1
                    case UInt8(ascii: "b"): scalars.append("\u{8}"); index += 1
                    case UInt8(ascii: "f"): scalars.append("\u{C}"); index += 1
                    case UInt8(ascii: "n"): scalars.append("\n"); index += 1
                    case UInt8(ascii: "r"): scalars.append("\r"); index += 1
                    case UInt8(ascii: "t"): scalars.append("\t"); index += 1
                    case UInt8(ascii: "u"):
                        index += 1
                        var unit = try hex4()
                        if (0xD800...0xDBFF).contains(unit), index + 1 < bytes.count,
                           bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                            index += 2
                            let low = try hex4()
                            if (0xDC00...0xDFFF).contains(low) {
                                unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                            }
                        }
                        scalars.append(Unicode.Scalar(unit) ?? "\u{FFFD}")
                    default:
                        throw .syntax(offset: index, "invalid escape in a string")
                    }
                    runStart = index
                    continue
                }
                index += 1
            }
            throw .syntax(offset: start, "unterminated string")
        }

        mutating func hex4() throws(JSONDocumentError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw .syntax(offset: index, "incomplete \\u escape") }
            var value: UInt32 = 0
            for byte in bytes[index..<index + 4] {
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw .syntax(offset: index, "invalid \\u escape")
                }
                value = value * 16 + digit
            }
            index += 4
            return value
        }

        mutating func number(path: [String]) throws(JSONDocumentError) {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, Self.isDigit(bytes[index]) else { throw .syntax(offset: index, "invalid number") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
                if index < bytes.count, Self.isDigit(bytes[index]) { throw .syntax(offset: start, "a number must not have leading zeros") }
            } else {
                while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
            }
            var integral = true
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                integral = false
                index += 1
                guard index < bytes.count, Self.isDigit(bytes[index]) else { throw .syntax(offset: index, "invalid number") }
                while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                integral = false
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard index < bytes.count, Self.isDigit(bytes[index]) else { throw .syntax(offset: index, "invalid number") }
                while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if !integral || Int64(text) == nil {
                let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
                suspects.append(SuspectNumber(path: rendered(path), text: shown))
            }
        }

        mutating func literal(_ word: String) throws(JSONDocumentError) {
            let expected = Array(word.utf8)
            guard index + expected.count <= bytes.count, bytes[index..<index + expected.count].elementsEqual(expected) else {
                throw .syntax(offset: index, "unexpected word (expected \(word))")
            }
            index += expected.count
        }

        static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        static func describe(_ byte: UInt8) -> String {
            (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
        }
    }
}

extension String {
    fileprivate func trimmingPrefixDot() -> String {
        hasPrefix(".") ? String(dropFirst()) : self
    }
}
