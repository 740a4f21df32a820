import FlattenSecurity
import Testing

@Suite("The clear-text token warning")
struct PlaintextTokenWarningTests {
    @Test("http:// to another host warns, naming the host", arguments: [
        ("http://coordinator.example.internal:8080", "coordinator.example.internal"),
        ("http://10.0.0.5:8080/", "10.0.0.5"),
        ("HTTP://192.0.2.1", "192.0.2.1"),
        ("http://[2001:db8::1]:8080", "2001:db8::1"),
        ("http://0.0.0.0:8080", "0.0.0.0"),
        ("http://localhost.example.com", "localhost.example.com"),
    ])
    func warns(url: String, host: String) throws {
        let warning = try #require(PlaintextTokenWarning(url: url))
        #expect(warning.host == host)
        #expect(warning.message.contains("clear text over http:// to \(host)"))
        #expect(warning.message.contains("https://"))
    }

    @Test("loopback and https:// stay quiet", arguments: [
        "http://127.0.0.1:8080", "http://127.1.2.3", "http://localhost:8080", "http://LOCALHOST",
        "http://api.localhost", "http://[::1]:8080", "http://[0:0:0:0:0:0:0:1]", "http://[::ffff:127.0.0.1]",
        "https://coordinator.example.internal", "https://10.0.0.5:8443",
    ])
    func quiet(url: String) {
        #expect(PlaintextTokenWarning(url: url) == nil)
    }

    @Test("loopback is told by address, not by prefix")
    func loopbackRules() {
        #expect(PlaintextTokenWarning.isLoopback(host: "127.0.0.1"))
        #expect(!PlaintextTokenWarning.isLoopback(host: "127.0.0.1.example.com"))
        #expect(!PlaintextTokenWarning.isLoopback(host: "128.0.0.1"))
        #expect(!PlaintextTokenWarning.isLoopback(host: "::2"))
        #expect(!PlaintextTokenWarning.isLoopback(host: "localhostx"))
    }
}
