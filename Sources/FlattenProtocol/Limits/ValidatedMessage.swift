/// An inbound message whose fields the coordinator checks against ``ProtocolLimits`` after
/// decoding and before touching the database.
public protocol ValidatedMessage {
    /// Throws the first rule a field breaks, naming the field and the limit.
    func validate() throws(ProtocolValidationError)
}
