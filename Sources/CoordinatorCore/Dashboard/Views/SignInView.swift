/// The sign-in page: an operator or viewer token, posted once, never in a URL.
struct SignInView {
    func render(message: HTML = .empty) -> HTML {
        DashboardLayout.page(title: "Sign in", section: nil, session: nil, """
            \(message)
            <form class="signin" method="post" action="\(DashboardPath.signIn)">
            <label>Token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
            <button type="submit">Sign in</button>
            </form>
            <p class="detail">An admin token signs in as an operator; a viewer token (<code>--viewer-token</code>) signs in read-only. Agents' tokens cannot sign in.</p>
            """)
    }
}
