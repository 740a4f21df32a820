// How figures are written: thousands separators, fixed widths.

import Foundation

/// 1234567 → "1,234,567".
func grouped(_ n: Int) -> String {
    let digits = String(abs(n))
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + out
}

/// `value` with `decimals` decimals, thousands grouped.
func number(_ value: Double, _ decimals: Int = 0) -> String {
    guard value.isFinite else { return "?" }
    let fixed = String(format: "%.\(decimals)f", value)
    let parts = fixed.split(separator: ".", maxSplits: 1)
    let whole = grouped(Int(parts[0]) ?? 0)
    let sign = value < 0 && !whole.hasPrefix("-") ? "-" : ""
    return sign + whole + (parts.count > 1 ? "." + parts[1] : "")
}

/// `text` right-aligned in `width` columns.
func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

/// "1k", "100k", "1M" for the curve's sizes.
func shortCount(_ n: Int) -> String {
    if n >= 1_000_000, n % 1_000_000 == 0 { return "\(n / 1_000_000)M" }
    if n >= 1000, n % 1000 == 0 { return "\(n / 1000)k" }
    return grouped(n)
}
