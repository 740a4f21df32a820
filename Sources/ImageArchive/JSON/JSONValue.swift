/// A JSON document kept as written: object members in their order (duplicates included) and
/// numbers as their literal text, so `1.0`, `1e3` and 20-digit integers survive unchanged.
///
/// Image configs carry fields this code does not know; parsing into `JSONValue` and serializing
/// back changes nothing but what the caller replaced.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    /// The number's literal text, validated against JSON's grammar.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// The member named `key` of an object (the last one, if a key repeats, as Go decodes).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key == key }?.value
    }

    /// Returns an object with `key` set to `value`: replaced in place (every occurrence) if
    /// present, appended otherwise. Non-objects are returned unchanged.
    public func setting(_ key: String, to value: JSONValue) -> JSONValue {
        guard case .object(var members) = self else { return self }
        var found = false
        for i in members.indices where members[i].key == key {
            members[i].value = value
            found = true
        }
        if !found { members.append(JSONMember(key: key, value: value)) }
        return .object(members)
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
}

/// One `"key": value` member of a JSON object.
public struct JSONMember: Hashable, Sendable {
    public var key: String
    public var value: JSONValue

    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// JSON text could not be parsed; names the byte offset and what was expected.
public struct JSONParseError: Error, CustomStringConvertible, Sendable {
    public let offset: Int
    public let detail: String

    public var description: String { "invalid JSON at byte \(offset): \(detail)" }
}
