import FlattenProtocol

/// The frame every dashboard page shares: head, navigation, who is signed in, sign-out.
enum DashboardLayout {
    /// The navigation's sections.
    enum Section: String, CaseIterable {
        case fleet = "Fleet"
        case batches = "Batches"
        case jobs = "Jobs"
        case savings = "Savings"
        case submit = "Submit"

        var path: String {
            switch self {
            case .fleet: DashboardPath.fleet
            case .batches: DashboardPath.batches
            case .jobs: DashboardPath.jobs
            case .savings: DashboardPath.savings
            case .submit: DashboardPath.submit
            }
        }
    }

    /// A whole page. With `live`, the page's `<main>` is reloaded in place when the fleet
    /// changes (dashboard.js, over server-sent events); without JavaScript a reload shows the same.
    static func page(title: String, section: Section?, session: DashboardSession?, live: Bool = false, _ body: HTML) -> HTML {
        let navigation: HTML
        if let session {
            let links = HTML.joined(Section.allCases.filter { $0 != .submit || session.role.mayAct }.map { item in
                "<a href=\"\(item.path)\"\(HTML(unescaped: item == section ? " aria-current=\"page\"" : ""))>\(item.rawValue)</a>"
            })
            navigation = """
                <nav>\(links)</nav>
                <form class="signout" method="post" action="\(DashboardPath.signOut)">\(csrfField(session))<span class="role">\(session.role.rawValue)</span> <button type="submit">Sign out</button></form>
                """
        } else {
            navigation = .empty
        }
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · flatten fleet</title>
            <link rel="stylesheet" href="\(DashboardPath.stylesheet)">
            <script src="\(DashboardPath.script)" defer></script>
            </head>
            <body>
            <header><a class="brand" href="\(DashboardPath.fleet)">flatten fleet</a>\(navigation)</header>
            <main id="main"\(HTML(unescaped: live ? " data-live" : ""))>
            <h1>\(title)</h1>
            \(body)
            </main>
            </body>
            </html>
            """
    }

    /// The hidden field every form of a signed-in page posts (``DashboardSession/formToken``).
    static func csrfField(_ session: DashboardSession) -> HTML {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(session.formToken)\">"
    }

    /// A button that posts to `action` after the person confirms `question` (in a dialog with
    /// JavaScript, on a confirmation page without it).
    static func actionButton(_ label: String, action: String, question: String, session: DashboardSession, danger: Bool = false) -> HTML {
        """
        <form class="action" method="post" action="\(action)" data-confirm="\(question)">\(csrfField(session))<button type="submit"\(HTML(unescaped: danger ? " class=\"danger\"" : ""))>\(label)</button></form>
        """
    }

    /// A message above a page's content: an error (`role=alert`) or a notice.
    static func message(_ text: String, error: Bool) -> HTML {
        error ? "<p class=\"error\" role=\"alert\">\(text)</p>" : "<p class=\"notice\" role=\"status\">\(text)</p>"
    }

    /// A state as a coloured badge.
    static func badge(_ state: String) -> HTML {
        "<span class=\"badge state-\(state)\">\(state)</span>"
    }

    /// A bar with one segment per job state, each as wide as its share of the batch.
    static func progressBar(_ batch: BatchSummary) -> HTML {
        guard batch.jobCount > 0 else { return "<div class=\"bar\"></div>" }
        let segments = JobState.allCases.compactMap { state -> HTML? in
            let count = batch.count(in: state)
            guard count > 0 else { return nil }
            let percent = Double(count) * 100 / Double(batch.jobCount)
            let width = (percent * 10).rounded() / 10
            return "<span class=\"state-\(state.rawValue)\" style=\"width:\(String(width))%\" title=\"\(count) \(state.rawValue)\"></span>"
        }
        return "<div class=\"bar\" role=\"img\" aria-label=\"\(countsText(batch))\">\(HTML.joined(segments))</div>"
    }

    /// `2 succeeded, 1 running`.
    static func countsText(_ batch: BatchSummary) -> String {
        JobState.allCases.compactMap { state in
            let count = batch.count(in: state)
            return count > 0 ? "\(count) \(state.rawValue)" : nil
        }.joined(separator: ", ")
    }

    /// Whom a batch was for: `host web-1`, `selector zone=a`, `all agents`.
    static func target(_ target: JobTarget?) -> String {
        switch target {
        case .host(let name): "host \(name)"
        case .selector(let labels): "selector \(labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))"
        case .all: "all agents"
        case nil: "-"
        }
    }

    /// A link to the next page when there is one.
    static func nextPageLink(_ url: String?) -> HTML {
        guard let url else { return .empty }
        return "<p class=\"pager\"><a rel=\"next\" href=\"\(url)\">Next page →</a></p>"
    }
}
