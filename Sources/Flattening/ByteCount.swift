import FlattenProtocol

/// A byte count as `docker images` shows it: decimal units, three significant digits
/// (`287MB`, `1.98MB`, `512kB`, `0B`), with a sign when negative.
public struct ByteCount: Sendable, Hashable, CustomStringConvertible {
    public var bytes: Int64

    public init(_ bytes: Int64) {
        self.bytes = bytes
    }

    public var description: String {
        let sign = bytes < 0 ? "-" : ""
        var value = Double(bytes.magnitude)
        let units = ["B", "kB", "MB", "GB", "TB", "PB"]
        var unit = 0
        while value >= 999.5, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        let text: String
        if unit == 0 || value >= 99.95 {
            text = String(Int(value.rounded()))
        } else if value >= 9.995 {
            text = trimmed(value, decimals: 1)
        } else {
            text = trimmed(value, decimals: 2)
        }
        return sign + text + units[unit]
    }

    private func trimmed(_ value: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = String(rounded)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
}

extension MinSavings {
    /// `10%`, or a byte count as ``ByteCount`` writes it.
    var describedForPeople: String {
        switch self {
        case .bytes(let bytes): ByteCount(bytes).description
        case .percent: description + " of the image"
        }
    }
}
