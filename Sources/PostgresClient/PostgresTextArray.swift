/// PostgreSQL's text format for one-dimensional arrays (`{a,"b c",NULL}`).
enum PostgresTextArray {
    enum ParseError: Error, CustomStringConvertible {
        case malformed(String)
        case multiDimensional

        var description: String {
            switch self {
            case .malformed(let reason): "malformed array literal: \(reason)"
            case .multiDimensional: "multi-dimensional arrays are not supported"
            }
        }
    }

    /// Every element quoted, so no element can be read as `NULL` or split at a comma.
    static func format(_ elements: [String]) -> String {
        format(elements.lazy.map(Optional.some))
    }

    /// The literal of elements that may be NULL: `nil` is written as the unquoted `NULL`;
    /// every string is quoted, so the text "NULL" stays text.
    static func format(_ elements: some Sequence<String?>) -> String {
        // Byte by byte: the two escaped characters are ASCII, so escaping UTF-8 bytes keeps the
        // text valid, and a batch's literal (JSON results among its elements) is built without
        // a String append per character.
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, element) in elements.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            guard let element else {
                out.append(contentsOf: "NULL".utf8)
                continue
            }
            out.append(quote)
            for byte in element.utf8 {
                if byte == quote || byte == backslash { out.append(backslash) }
                out.append(byte)
            }
            out.append(quote)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    static func parse(_ text: String) throws(ParseError) -> [String?] {
        var bytes = Array(text.utf8)[...]
        // A lower bound other than 1 is written as a dimension decoration: `[0:1]={a,b}`.
        if bytes.first == UInt8(ascii: "[") {
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else {
                throw .malformed("dimension decoration without '='")
            }
            bytes = bytes[(equals + 1)...]
        }
        guard bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else {
            throw .malformed("expected '{…}'")
        }
        let body = bytes.dropFirst().dropLast()
        if body.isEmpty { return [] }
        var elements: [String?] = []
        var index = body.startIndex
        while true {
            while index < body.endIndex, body[index] == UInt8(ascii: " ") { index += 1 }
            guard index < body.endIndex else { throw .malformed("missing element") }
            if body[index] == UInt8(ascii: "{") { throw .multiDimensional }
            var element: [UInt8] = []
            if body[index] == UInt8(ascii: "\"") {
                index += 1
                var closed = false
                while index < body.endIndex {
                    let byte = body[index]
                    index += 1
                    if byte == UInt8(ascii: "\\") {
                        guard index < body.endIndex else { break }
                        element.append(body[index])
                        index += 1
                    } else if byte == UInt8(ascii: "\"") {
                        closed = true
                        break
                    } else {
                        element.append(byte)
                    }
                }
                guard closed else { throw .malformed("unterminated quoted element") }
                elements.append(String(decoding: element, as: UTF8.self))
            } else {
                var escaped = false
                while index < body.endIndex, body[index] != UInt8(ascii: ",") {
                    if body[index] == UInt8(ascii: "\\") {
                        index += 1
                        guard index < body.endIndex else { throw .malformed("dangling backslash") }
                        escaped = true
                    }
                    element.append(body[index])
                    index += 1
                }
                while element.last == UInt8(ascii: " ") { element.removeLast() }
                let string = String(decoding: element, as: UTF8.self)
                elements.append(!escaped && string.uppercased() == "NULL" ? nil : string)
            }
            while index < body.endIndex, body[index] == UInt8(ascii: " ") { index += 1 }
            if index == body.endIndex { return elements }
            guard body[index] == UInt8(ascii: ",") else { throw .malformed("expected ',' between elements") }
            index += 1
        }
    }
}
