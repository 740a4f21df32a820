/// A coordinator setting that cannot be used, naming the flag that sets it and the value given,
/// so the operator knows what to change.
public struct CoordinatorConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Sendable, Hashable {
        /// Seconds that are not a finite number in range (NaN, infinity, negative, or zero when
        /// zero has no meaning). `zeroMeans` names what 0 does where it is allowed.
        case seconds(value: Double, zeroMeans: String?, unit: String)
        /// A count below its minimum. `zeroMeans` names what 0 does where it is allowed.
        case count(value: Int, minimum: Int, zeroMeans: String?)
        /// A rate that is not a positive finite number.
        case rate(value: Double)
        /// More lease statements at once than the connection pool leaves room for.
        case leaseStatements(statements: Int, connections: Int)
        /// Text that should be an IP address.
        case notAnIPAddress(text: String)
    }

    private let kind: Kind
    /// The flag that sets the value, e.g. `--lease-seconds`.
    public let flag: String

    private init(_ kind: Kind, flag: String) {
        self.kind = kind
        self.flag = flag
    }

    static func seconds(_ value: Double, flag: String, zeroMeans: String? = nil, unit: String = "seconds") -> Self {
        Self(.seconds(value: value, zeroMeans: zeroMeans, unit: unit), flag: flag)
    }

    static func count(_ value: Int, minimum: Int, flag: String, zeroMeans: String? = nil) -> Self {
        Self(.count(value: value, minimum: minimum, zeroMeans: zeroMeans), flag: flag)
    }

    static func rate(_ value: Double, flag: String) -> Self {
        Self(.rate(value: value), flag: flag)
    }

    /// `text`, given to `flag`, is not an IP address.
    public static func notAnIPAddress(_ text: String, flag: String) -> Self {
        Self(.notAnIPAddress(text: text), flag: flag)
    }

    static func leaseStatements(_ statements: Int, connections: Int) -> Self {
        Self(.leaseStatements(statements: statements, connections: connections), flag: "--lease-statements")
    }

    public var description: String {
        switch kind {
        case .seconds(let value, let zeroMeans, let unit):
            let limit = "at most \(CoordinatorConfiguration.maximumSeconds.formatted) seconds"
            if let zeroMeans {
                return "\(flag) must be 0 (\(zeroMeans)) or a positive number of \(unit), \(limit) (got \(value))"
            }
            return "\(flag) must be a positive number of \(unit), \(limit) (got \(value))"
        case .count(let value, let minimum, let zeroMeans):
            if let zeroMeans {
                return "\(flag) must be 0 (\(zeroMeans)) or more (got \(value))"
            }
            return "\(flag) must be \(minimum) or more (got \(value))"
        case .rate(let value):
            return "\(flag) must be a positive number per second (got \(value))"
        case .leaseStatements(let statements, let connections):
            return "\(flag) must be 1 or more, and claims' and completions' statements together fewer than --db-connections (got \(statements) with \(connections) connections)"
        case .notAnIPAddress(let text):
            return "\(flag) \(String(reflecting: text)) is not an IP address"
        }
    }
}

extension Double {
    /// Whole numbers without a fraction (`31536000000`), others as Swift prints them.
    fileprivate var formatted: String {
        self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self)
    }
}
