/// The bounds of every field the coordinator accepts, in one place.
///
/// Strings are measured in UTF-8 bytes (what PostgreSQL stores and what a terminal prints);
/// integers are kept inside PostgreSQL's `integer` (int4) where they land in such a column.
/// Every inbound message's `validate()` checks against these and throws a
/// ``ProtocolValidationError`` naming the field and the limit; the coordinator answers it 400.
public enum ProtocolLimits {
    /// An agent name (and a `{"host": name}` target): a host name is at most 253 bytes.
    public static let maxNameBytes = 253
    /// A label key (also a selector key).
    public static let maxLabelKeyBytes = 128
    /// A label value (also a selector value).
    public static let maxLabelValueBytes = 256
    /// How many labels an agent (or a selector) may have.
    public static let maxLabelCount = 64
    /// Engine details an agent reports: versions, product, image store and platform.
    public static let maxVersionBytes = 128
    /// An image reference or image ID as text (the grammar bounds the parts; this the whole).
    public static let maxImageReferenceBytes = 512
    /// A submission's idempotency key.
    public static let maxIdempotencyKeyBytes = 200
    /// A lease token echoed by an agent (the coordinator hands out 43-character tokens).
    public static let maxLeaseTokenBytes = 128
    /// A failure message, a skip reason, or one warning of a result.
    public static let maxMessageBytes = 4096
    /// How many warnings or tags a result may carry.
    public static let maxListCount = 64

    /// A job's priority: PostgreSQL `integer`.
    public static let priorityRange: ClosedRange<Int> = Int(Int32.min)...Int(Int32.max)
    /// A job's attempts (each attempt is counted in an `integer`).
    public static let maxAttemptsRange: ClosedRange<Int> = 1...1000
    /// How many jobs an agent runs at once.
    public static let capacityRange: ClosedRange<Int> = 1...1000
    /// A protocol version an agent may claim to speak (the coordinator then checks it speaks it).
    public static let protocolVersionRange: ClosedRange<Int> = 0...Int(Int32.max)
    /// `keepLayers` of a partial flatten (an image has at most 127 layers on most stores).
    public static let keepLayersRange: ClosedRange<Int> = 1...1000
    /// Byte counts and layer counts an agent reports: never negative.
    public static let countRange: ClosedRange<Int64> = 0...Int64.max
    /// A text query parameter (`?agent=`, `?image=`, `?cursor=`…).
    public static let maxQueryParameterBytes = 1024
    /// The whole request target (path and query) the coordinator reads; longer is 414.
    public static let maxURIBytes = 8192
}
