/// Left-aligned columns separated by three spaces, like the docker CLI's tables, cut to the
/// terminal's width: the columns marked flexible give up width (ending in `…`) until the row fits.
/// Cells are escaped and at most 80 characters wide even when nothing cuts the table (a pipe).
struct Table {
    struct Column {
        var title: String
        /// Whether the column may be shortened to fit the terminal.
        var flexible: Bool
        /// The narrowest a flexible column gets.
        var minimumWidth: Int

        init(_ title: String, flexible: Bool = false, minimumWidth: Int = 8) {
            self.title = title
            self.flexible = flexible
            self.minimumWidth = minimumWidth
        }
    }

    static let separator = "   "

    var columns: [Column]
    var rows: [[String]] = []

    init(_ columns: [Column]) {
        self.columns = columns
    }

    /// Adds a row; every cell is escaped and cut to ``TerminalText/maxCellCharacters``, since
    /// cells hold text from the coordinator.
    mutating func add(_ row: [String]) {
        rows.append(row.map(TerminalText.cell))
    }

    /// The table as lines, fitted to `width` columns when given.
    func render(width: Int?) -> String {
        let all = [columns.map(\.title)] + rows
        var widths = columns.indices.map { index in
            all.map { $0.indices.contains(index) ? $0[index].count : 0 }.max() ?? 0
        }
        if let width {
            var total: Int { widths.reduce(0, +) + Self.separator.count * max(0, widths.count - 1) }
            while total > width {
                // Shorten the widest flexible column that can still give.
                let candidates = columns.indices.filter { columns[$0].flexible && widths[$0] > columns[$0].minimumWidth }
                guard let widest = candidates.max(by: { widths[$0] < widths[$1] }) else { break }
                widths[widest] = max(columns[widest].minimumWidth, widths[widest] - (total - width))
            }
        }
        return all.map { row in
            columns.indices.map { index in
                let cell = row.indices.contains(index) ? row[index] : ""
                let fitted = Self.fit(cell, to: widths[index])
                return index == columns.count - 1 ? fitted : fitted.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: Self.separator)
        }.map { $0.trailingSpacesRemoved }.joined(separator: "\n")
    }

    static func fit(_ text: String, to width: Int) -> String {
        guard text.count > width else { return text }
        guard width > 1 else { return String(text.prefix(width)) }
        return String(text.prefix(width - 1)) + "…"
    }
}

extension String {
    var trailingSpacesRemoved: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
