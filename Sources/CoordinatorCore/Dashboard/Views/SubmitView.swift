/// The submit page: flatten an image on one host, the agents with some labels, or all of them.
struct SubmitView {
    /// What the form held, shown again with the error when the submission was refused.
    var image = ""
    var target = "host"
    var host = ""
    var selector = ""

    func render(session: DashboardSession, message: HTML = .empty) -> HTML {
        func checked(_ value: String) -> HTML { HTML(unescaped: target == value ? " checked" : "") }
        return DashboardLayout.page(title: "Submit a flatten", section: .submit, session: session, """
            \(message)
            <form class="submit" method="post" action="\(DashboardPath.submit)">
            \(DashboardLayout.csrfField(session))
            <label>Image <input name="image" value="\(image)" required placeholder="registry.example/app:1.2"></label>
            <fieldset><legend>Where</legend>
            <label><input type="radio" name="target" value="host"\(checked("host"))> One host <input name="host" value="\(host)" placeholder="agent name"></label>
            <label><input type="radio" name="target" value="selector"\(checked("selector"))> Agents with labels <input name="selector" value="\(selector)" placeholder="zone=a,gpu=yes"></label>
            <label><input type="radio" name="target" value="all"\(checked("all"))> Every online agent</label>
            </fieldset>
            <button type="submit">Flatten</button>
            </form>
            """)
    }
}
