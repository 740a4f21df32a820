/// The checks every `validate()` is built from; each throws a ``ProtocolValidationError``
/// naming `field`.
enum FieldRules {
    /// A name-like string (agent name, label or selector key, idempotency key, lease token):
    /// 1 to `maxBytes` bytes, no control character, since it is printed in tables and logs.
    static func identifier(_ value: String, _ field: String, maxBytes: Int) throws(ProtocolValidationError) {
        guard !value.isEmpty else { throw .empty(field) }
        try length(value, field, maxBytes: maxBytes)
        if let scalar = value.unicodeScalars.first(where: \.isProtocolControl) {
            throw .controlCharacter(field, scalar: scalar, nulOnly: false)
        }
    }

    /// Free text (a message, a reason, a label value): at most `maxBytes` bytes and no NUL, which
    /// PostgreSQL cannot store; other control characters are kept and escaped when printed.
    static func text(_ value: String, _ field: String, maxBytes: Int) throws(ProtocolValidationError) {
        try length(value, field, maxBytes: maxBytes)
        if value.unicodeScalars.contains("\u{0}") {
            throw .controlCharacter(field, scalar: "\u{0}", nulOnly: true)
        }
    }

    /// A short detail string (a version, a platform): at most `maxBytes` bytes, no control character.
    static func detail(_ value: String?, _ field: String, maxBytes: Int) throws(ProtocolValidationError) {
        guard let value else { return }
        try length(value, field, maxBytes: maxBytes)
        if let scalar = value.unicodeScalars.first(where: \.isProtocolControl) {
            throw .controlCharacter(field, scalar: scalar, nulOnly: false)
        }
    }

    static func length(_ value: String, _ field: String, maxBytes: Int) throws(ProtocolValidationError) {
        let bytes = value.utf8.count
        guard bytes <= maxBytes else { throw .tooLong(field, bytes: bytes, limit: maxBytes) }
    }

    /// Labels or a selector: at most ``ProtocolLimits/maxLabelCount`` entries, keys are
    /// identifiers, values text.
    static func labels(_ labels: [String: String], _ field: String) throws(ProtocolValidationError) {
        guard labels.count <= ProtocolLimits.maxLabelCount else {
            throw .tooMany(field, count: labels.count, limit: ProtocolLimits.maxLabelCount)
        }
        // Sorted so that the same bad input always names the same key.
        for key in labels.keys.sorted() {
            try identifier(key, "\(field) key \(FieldRules.quoted(key))", maxBytes: ProtocolLimits.maxLabelKeyBytes)
            try text(labels[key] ?? "", "\(field).\(FieldRules.quoted(key))", maxBytes: ProtocolLimits.maxLabelValueBytes)
        }
    }

    static func list(_ values: [String], _ field: String, maxCount: Int, check: (String, String) throws(ProtocolValidationError) -> Void) throws(ProtocolValidationError) {
        guard values.count <= maxCount else { throw .tooMany(field, count: values.count, limit: maxCount) }
        for (index, value) in values.enumerated() {
            try check(value, "\(field)[\(index)]")
        }
    }

    static func integer<Value: BinaryInteger>(_ value: Value, _ field: String, in range: ClosedRange<Value>) throws(ProtocolValidationError) {
        guard range.contains(value) else { throw .outOfRange(field, value: "\(value)", range: range) }
    }

    /// A measured amount (a rate): a finite number, 0 or more.
    static func nonNegative(_ value: Double, _ field: String) throws(ProtocolValidationError) {
        guard value.isFinite, value >= 0 else { throw .negativeNumber(field, value: value) }
    }

    /// A key for an error message: escaped, and cut so that a huge key does not make a huge message.
    static func quoted(_ key: String) -> String {
        let cut = key.unicodeScalars.count > 40 ? String(String.UnicodeScalarView(key.unicodeScalars.prefix(40))) + "…" : key
        return String(reflecting: cut)
    }
}

extension Unicode.Scalar {
    /// A C0 or C1 control character, DEL, or a line or paragraph separator: anything that can move
    /// a terminal's cursor or start a new line in a table.
    var isProtocolControl: Bool {
        properties.generalCategory == .control || value == 0x2028 || value == 0x2029
    }
}
