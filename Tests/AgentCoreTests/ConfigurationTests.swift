import Testing

@testable import AgentCore

@Suite("Agent configuration")
struct ConfigurationTests {
    @Test("labels parse as key=value, trimmed, the last one winning")
    func labels() throws {
        #expect(try AgentConfiguration.parseLabels(["env=prod", " role = web ", "env=staging", "empty="]) ==
            ["env": "staging", "role": "web", "empty": ""])
    }

    @Test("a label without = or with an empty key is refused, naming it", arguments: ["envprod", "=x"])
    func badLabels(text: String) {
        let error = #expect(throws: AgentConfigurationError.self) { try AgentConfiguration.parseLabels([text]) }
        #expect(error?.description.contains(String(reflecting: text)) == true)
    }

    @Test("bad values are refused with the flag to fix")
    func validation() {
        func problem(_ change: (inout AgentConfiguration) -> Void) -> String? {
            var configuration = AgentConfiguration(coordinatorURL: "http://127.0.0.1:8080", name: "a", stateDirectory: "/tmp/x")
            change(&configuration)
            do {
                try configuration.validate()
                return nil
            } catch {
                return error.description
            }
        }
        #expect(problem { _ in } == nil)
        #expect(problem { $0.coordinatorURL = "127.0.0.1:8080" }?.contains("--coordinator") == true)
        #expect(problem { $0.coordinatorURL = "ftp://x" }?.contains("invalid coordinator URL") == true)
        #expect(problem { $0.concurrency = 0 }?.contains("--concurrency") == true)
        #expect(problem { $0.name = "two words" }?.contains("--name") == true)
        #expect(problem { $0.enrollmentToken = "" }?.contains("FLATTEN_ENROLL_TOKEN") == true)
        // What the coordinator would refuse at registration is refused at start.
        #expect(problem { $0.concurrency = 1001 }?.contains("capacity must be an integer from 1 to 1000") == true)
        #expect(problem { $0.labels = ["k": String(repeating: "v", count: 257)] }?.contains("at most 256 bytes") == true)
        #expect(problem { $0.labels = ["k\u{1B}": "v"] }?.contains("control characters") == true)
        #expect(problem { $0.name = String(repeating: "n", count: 254) }?.contains("name must be at most 253 bytes") == true)
    }

    @Test("the default name is the short host name")
    func defaultName() {
        let name = AgentConfiguration.defaultName()
        #expect(!name.isEmpty)
        #expect(!name.contains("."))
    }
}
