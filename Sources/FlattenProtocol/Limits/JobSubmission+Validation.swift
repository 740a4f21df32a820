extension JobSubmission: ValidatedMessage {
    public func validate() throws(ProtocolValidationError) {
        try target.validate(field: "target")
        try options.validate(field: "options")
        try FieldRules.integer(priority, "priority", in: ProtocolLimits.priorityRange)
        try FieldRules.integer(maxAttempts, "maxAttempts", in: ProtocolLimits.maxAttemptsRange)
        if let idempotencyKey {
            try FieldRules.identifier(idempotencyKey, "idempotencyKey", maxBytes: ProtocolLimits.maxIdempotencyKeyBytes)
        }
    }
}

extension JobTarget {
    func validate(field: String) throws(ProtocolValidationError) {
        switch self {
        case .host(let name): try FieldRules.identifier(name, "\(field).host", maxBytes: ProtocolLimits.maxNameBytes)
        case .selector(let selector): try FieldRules.labels(selector, "\(field).selector")
        case .all: break
        }
    }
}

extension FlattenOptions {
    func validate(field: String) throws(ProtocolValidationError) {
        if case .keepLayers(let layers) = partial {
            try FieldRules.integer(layers, "\(field).keepLayers", in: ProtocolLimits.keepLayersRange)
        }
    }
}
