import Hummingbird

/// A page that says what went wrong and what to do: an unknown job, a refused action.
struct ProblemView {
    var status: HTTPResponse.Status
    var message: String

    func render(session: DashboardSession?) -> HTML {
        DashboardLayout.page(title: "\(status.code) \(status.reasonPhrase)", section: nil, session: session, """
            \(DashboardLayout.message(message, error: true))
            <p><a href="\(DashboardPath.fleet)">Back to the fleet</a></p>
            """)
    }
}
