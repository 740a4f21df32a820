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
        var out = "{"
        for (index, element) in elements.enumerated() {
            if index > 0 { out += "," }
            out += "\""
            for character in element.unicodeScalars {
                if character == "\"" || character == "\\" { out += "\\" }
                out.unicodeScalars.append(character)
            }
            out += "\""
        }
        return out + "}"
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
