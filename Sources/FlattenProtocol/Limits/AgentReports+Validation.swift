extension Heartbeat: ValidatedMessage {
    public func validate() throws(ProtocolValidationError) {
        try FieldRules.identifier(leaseToken, "leaseToken", maxBytes: ProtocolLimits.maxLeaseTokenBytes)
        try FieldRules.integer(progress.bytesDone, "progress.bytesDone", in: ProtocolLimits.countRange)
        if let total = progress.bytesTotal {
            try FieldRules.integer(total, "progress.bytesTotal", in: ProtocolLimits.countRange)
        }
        if let rate = progress.bytesPerSecond {
            try FieldRules.nonNegative(rate, "progress.bytesPerSecond")
        }
    }
}

extension JobCompletion: ValidatedMessage {
    public func validate() throws(ProtocolValidationError) {
        try FieldRules.identifier(leaseToken, "leaseToken", maxBytes: ProtocolLimits.maxLeaseTokenBytes)
        switch outcome {
        case .succeeded(let result): try result.validate(field: "result")
        case .skipped(let reason): try FieldRules.text(reason, "skipped.reason", maxBytes: ProtocolLimits.maxMessageBytes)
        }
    }
}

extension JobFailure: ValidatedMessage {
    public func validate() throws(ProtocolValidationError) {
        try FieldRules.identifier(leaseToken, "leaseToken", maxBytes: ProtocolLimits.maxLeaseTokenBytes)
        try FieldRules.text(message, "message", maxBytes: ProtocolLimits.maxMessageBytes)
    }
}

extension EngineReport: ValidatedMessage {
    public func validate() throws(ProtocolValidationError) {
        if let message {
            try FieldRules.text(message, "message", maxBytes: ProtocolLimits.maxMessageBytes)
        }
    }
}

extension FlattenResult {
    func validate(field: String) throws(ProtocolValidationError) {
        try FieldRules.identifier(originalImageId, "\(field).originalImageId", maxBytes: ProtocolLimits.maxImageReferenceBytes)
        try FieldRules.identifier(newImageId, "\(field).newImageId", maxBytes: ProtocolLimits.maxImageReferenceBytes)
        try FieldRules.integer(originalSize, "\(field).originalSize", in: ProtocolLimits.countRange)
        try FieldRules.integer(newSize, "\(field).newSize", in: ProtocolLimits.countRange)
        let layers = 0...Int(Int32.max)
        try FieldRules.integer(originalLayerCount, "\(field).originalLayerCount", in: layers)
        try FieldRules.integer(newLayerCount, "\(field).newLayerCount", in: layers)
        try FieldRules.list(tags, "\(field).tags", maxCount: ProtocolLimits.maxListCount) { tag, path throws(ProtocolValidationError) in
            try FieldRules.identifier(tag, path, maxBytes: ProtocolLimits.maxImageReferenceBytes)
        }
        try FieldRules.list(warnings, "\(field).warnings", maxCount: ProtocolLimits.maxListCount) { warning, path throws(ProtocolValidationError) in
            try FieldRules.text(warning, path, maxBytes: ProtocolLimits.maxMessageBytes)
        }
    }
}
