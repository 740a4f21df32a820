/// Strict decoding of the API's string enums and of objects keyed by them.
///
/// The synthesized conformance reports an unknown value as "Cannot initialize X from invalid
/// String value"; these helpers say where the value was and which values are allowed, so a
/// mistyped request gets an answer that fixes it.

extension Decoder {
    /// Decodes a string enum, failing with the field path, the bad value and the allowed values.
    func decodeProtocolEnum<Value>(_: Value.Type = Value.self) throws -> Value
    where Value: RawRepresentable<String> & CaseIterable {
        let container = try singleValueContainer()
        let raw = try container.decode(String.self)
        guard let value = Value(rawValue: raw) else {
            throw DecodingError.described(
                in: container,
                unknownEnumValueMessage(Value.self, raw, at: codingPath.renderedPath)
            )
        }
        return value
    }
}

func unknownEnumValueMessage<Value>(_: Value.Type, _ raw: String, at path: String) -> String
where Value: RawRepresentable<String> & CaseIterable {
    let allowed = Value.allCases.map(\.rawValue).joined(separator: ", ")
    return "unknown value \(String(reflecting: raw)) for \(path); expected one of: \(allowed)"
}

extension KeyedDecodingContainer {
    /// Decodes an object whose keys are the raw values of `EnumKey`, e.g. `{"queued": 2}`.
    func decodeEnumKeyed<EnumKey, Value>(
        _: [EnumKey: Value].Type, forKey key: Key
    ) throws -> [EnumKey: Value]
    where EnumKey: RawRepresentable<String> & CaseIterable & Hashable, Value: Decodable {
        let raw = try decode([String: Value].self, forKey: key)
        var result: [EnumKey: Value] = [:]
        for (name, value) in raw {
            guard let enumKey = EnumKey(rawValue: name) else {
                let path = (codingPath + [key]).renderedPath
                throw DecodingError.described(
                    forKey: key, in: self,
                    unknownEnumValueMessage(EnumKey.self, name, at: "a key of \(path)")
                )
            }
            result[enumKey] = value
        }
        return result
    }
}

extension KeyedEncodingContainer {
    /// Encodes a dictionary keyed by a string enum as an object keyed by the raw values.
    mutating func encodeEnumKeyed<EnumKey, Value>(_ dictionary: [EnumKey: Value], forKey key: Key) throws
    where EnumKey: RawRepresentable<String> & Hashable, Value: Encodable {
        var raw: [String: Value] = [:]
        for (enumKey, value) in dictionary { raw[enumKey.rawValue] = value }
        try encode(raw, forKey: key)
    }
}
