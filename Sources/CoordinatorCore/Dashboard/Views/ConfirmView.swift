/// Asks before an action when the browser runs no JavaScript (with it, a dialog asks instead).
struct ConfirmView {
    var question: String
    var action: String
    var back: String

    func render(session: DashboardSession) -> HTML {
        DashboardLayout.page(title: "Are you sure?", section: nil, session: session, """
            <p>\(question)</p>
            <form method="post" action="\(action)">\(DashboardLayout.csrfField(session))<input type="hidden" name="confirmed" value="yes">\
            <button type="submit" class="danger">Yes</button> <a href="\(back)">No, go back</a></form>
            """)
    }
}
