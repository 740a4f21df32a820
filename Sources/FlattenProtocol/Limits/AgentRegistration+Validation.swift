extension AgentRegistration: ValidatedMessage {
    public func validate() throws(ProtocolValidationError) {
        try FieldRules.identifier(name, "name", maxBytes: ProtocolLimits.maxNameBytes)
        try FieldRules.labels(labels, "labels")
        try FieldRules.detail(engineVersion, "engineVersion", maxBytes: ProtocolLimits.maxVersionBytes)
        try FieldRules.detail(engineAPIVersion, "engineAPIVersion", maxBytes: ProtocolLimits.maxVersionBytes)
        try FieldRules.detail(engineProduct, "engineProduct", maxBytes: ProtocolLimits.maxVersionBytes)
        try FieldRules.detail(imageStore, "imageStore", maxBytes: ProtocolLimits.maxVersionBytes)
        try FieldRules.detail(platform, "platform", maxBytes: ProtocolLimits.maxVersionBytes)
        try FieldRules.integer(protocolVersion, "protocolVersion", in: ProtocolLimits.protocolVersionRange)
        try FieldRules.integer(capacity, "capacity", in: ProtocolLimits.capacityRange)
    }
}
