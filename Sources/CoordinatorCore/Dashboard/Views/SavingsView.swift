import FleetFormatting
import Foundation

/// The savings page: the fleet's total, and bytes saved per day and per image as bar charts
/// drawn here as SVG (no chart library, no JavaScript).
struct SavingsView {
    var report: SavingsReport
    var now: Date

    func render(session: DashboardSession) -> HTML {
        DashboardLayout.page(title: "Savings", section: .savings, session: session, """
            <p class="total">Saved in all: <strong id="total-saved">\(Formatting.bytes(report.totalBytesSaved))</strong> by \(report.totalJobs) flattened images</p>
            <h2>Per day, last \(SavingsReport.days) days</h2>
            \(perDayChart)
            <h2>Per image</h2>
            \(perImageChart)
            """)
    }

    /// One column per day of the window, empty days included, so the time axis is even.
    private var perDayChart: HTML {
        let calendar = Self.utcCalendar
        let today = calendar.startOfDay(for: now)
        let days = (0..<SavingsReport.days).reversed().compactMap { calendar.date(byAdding: .day, value: -$0, to: today) }
        let saved = Dictionary(report.perDay.map { (calendar.startOfDay(for: $0.day), $0.bytesSaved) }, uniquingKeysWith: +)
        let largest = max(1, saved.values.max() ?? 1)
        let width = 24, gap = 4, height = 160, top = 20
        var bars: [HTML] = []
        for (index, day) in days.enumerated() {
            let bytes = saved[day] ?? 0
            let barHeight = bytes == 0 ? 0 : max(2, Int(Double(bytes) / Double(largest) * Double(height)))
            let x = index * (width + gap)
            let label = Self.dayLabel(day)
            bars.append("""
                <g><title>\(label): \(Formatting.bytes(bytes))</title>\
                <rect x="\(x)" y="\(top + height - barHeight)" width="\(width)" height="\(barHeight)" class="bar-saved"></rect>\
                \(index % 5 == 0 || index == days.count - 1 ? "<text x=\"\(x)\" y=\"\(top + height + 14)\" class=\"axis\">\(label)</text>" : .empty)</g>
                """)
        }
        let chartWidth = days.count * (width + gap)
        return """
            <svg class="chart" id="savings-per-day" viewBox="0 0 \(chartWidth) \(top + height + 20)" role="img" aria-label="Bytes saved per day; the largest day saved \(Formatting.bytes(largest))">\
            <text x="0" y="12" class="axis">\(Formatting.bytes(largest))</text>\(HTML.joined(bars))</svg>
            """
    }

    private var perImageChart: HTML {
        guard !report.perImage.isEmpty else { return "<p class=\"empty\">Nothing flattened yet.</p>" }
        let largest = max(1, report.perImage.map(\.bytesSaved).max() ?? 1)
        let rowHeight = 22, labelWidth = 260, barWidth = 400
        let rows = report.perImage.enumerated().map { index, image -> HTML in
            let y = index * rowHeight
            let width = max(1, Int(Double(image.bytesSaved) / Double(largest) * Double(barWidth)))
            return """
                <g><title>\(image.image): \(Formatting.bytes(image.bytesSaved)) in \(image.jobs) flattens</title>\
                <text x="0" y="\(y + 15)" class="label">\(image.image)</text>\
                <rect x="\(labelWidth)" y="\(y + 3)" width="\(width)" height="\(rowHeight - 6)" class="bar-saved"></rect>\
                <text x="\(labelWidth + width + 6)" y="\(y + 15)" class="axis">\(Formatting.bytes(image.bytesSaved))</text></g>
                """
        }
        return """
            <svg class="chart" id="savings-per-image" viewBox="0 0 \(labelWidth + barWidth + 80) \(report.perImage.count * rowHeight)" role="img" aria-label="Bytes saved per image">\(HTML.joined(rows))</svg>
            """
    }

    private static var utcCalendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }

    /// `12-06`: month and day in UTC.
    private static func dayLabel(_ day: Date) -> String {
        let parts = utcCalendar.dateComponents([.month, .day], from: day)
        return String(format: "%02d-%02d", parts.month ?? 0, parts.day ?? 0)
    }
}
