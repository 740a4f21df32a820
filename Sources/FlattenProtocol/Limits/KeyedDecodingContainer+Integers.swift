import Foundation

extension KeyedDecodingContainer {
    /// Decodes an integer, naming the field and `range` when the JSON number is fractional or
    /// too large for `T`: Foundation reports those as "not valid JSON" without the field.
    func decodeInteger<T: FixedWidthInteger & Decodable>(
        _ type: T.Type, forKey key: Key, range: ClosedRange<T> = T.min...T.max
    ) throws -> T {
        do {
            return try decode(T.self, forKey: key)
        } catch let error as DecodingError {
            guard case .dataCorrupted(let context) = error, context.codingPath.isEmpty else { throw error }
            throw notAnInteger(forKey: key, range: range)
        } catch {
            // Foundation throws its internal JSONError here and words it "not valid JSON" at the top.
            throw notAnInteger(forKey: key, range: range)
        }
    }

    /// ``decodeInteger(_:forKey:range:)`` for an optional field.
    func decodeIntegerIfPresent<T: FixedWidthInteger & Decodable>(
        _ type: T.Type, forKey key: Key, range: ClosedRange<T> = T.min...T.max
    ) throws -> T? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeInteger(type, forKey: key, range: range)
    }

    private func notAnInteger<T: FixedWidthInteger>(forKey key: Key, range: ClosedRange<T>) -> DecodingError {
        let path = (codingPath + [key]).renderedPath
        // Read as a Double only to show the value; a number even a Double cannot hold is not shown.
        let shown = (try? decode(Double.self, forKey: key)).map { " (it is \(Self.format($0)))" } ?? ""
        return .described(forKey: key, in: self, "\(path) must be an integer from \(range.lowerBound) to \(range.upperBound)\(shown)")
    }

    private static func format(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e21 ? String(format: "%.0f", value) : "\(value)"
    }
}
