import Testing
import DockerEngine

@Suite("API version negotiation")
struct APIVersionTests {
    @Test("parses and orders versions numerically")
    func parsing() throws {
        let v141 = try #require(APIVersion("1.41"))
        #expect(v141 == APIVersion(major: 1, minor: 41))
        #expect(v141.description == "1.41")
        #expect(v141.pathPrefix == "/v1.41")
        #expect(try #require(APIVersion("1.9")) < (try #require(APIVersion("1.10"))))
        #expect(try #require(APIVersion("2.0")) > v141)
        for bad in ["", "1", "1.", ".41", "1.41.0", "v1.41", "1.4a", "-1.2", " 1.41"] {
            #expect(APIVersion(bad) == nil, "'\(bad)' should not parse")
        }
    }

    @Test("speaks the newest version inside both ranges", arguments: [
        ("1.40", nil, "1.40"), ("1.41", "1.12", "1.41"), ("1.43", "1.12", "1.43"),
        ("1.51", "1.24", "1.51"), ("1.52", "1.44", "1.51"), ("2.0", nil, "1.51"),
    ] as [(String, String?, String)])
    func negotiation(engine: String, engineMinimum: String?, expected: String) throws {
        let negotiated = try APIVersionNegotiation().negotiate(engineVersion: engine, engineMinimum: engineMinimum)
        #expect(negotiated.description == expected)
    }

    @Test("refuses engines older than 1.40, naming both ranges", arguments: ["1.39", "1.12", "0.99"])
    func refusal(engine: String) {
        #expect {
            try APIVersionNegotiation().negotiate(engineVersion: engine)
        } throws: { error in
            guard let error = error as? DockerEngineError, error.isUnsupportedEngine else { return false }
            let text = String(describing: error)
            return text.contains(engine) && text.contains("1.40 to 1.51") && text.contains("upgrade the engine")
        }
    }

    @Test("refuses an engine whose minimum is above our newest, naming both ranges")
    func refusalOfNewerEngine() {
        #expect {
            try APIVersionNegotiation().negotiate(engineVersion: "1.60", engineMinimum: "1.55")
        } throws: { error in
            guard let error = error as? DockerEngineError, error.isUnsupportedEngine else { return false }
            let text = String(describing: error)
            return text.contains("1.55 to 1.60") && text.contains("1.40 to 1.51") && text.contains("upgrade flatten-agent")
        }
    }

    @Test("Docker 29's floor of 1.44 is met by speaking 1.51")
    func docker29Floor() throws {
        #expect(try APIVersionNegotiation().negotiate(engineVersion: "1.52", engineMinimum: "1.44") == APIVersion(major: 1, minor: 51))
    }

    @Test("an unparsable engine version is a malformed answer naming the value")
    func unparsable() {
        #expect {
            try APIVersionNegotiation().negotiate(engineVersion: "banana")
        } throws: { error in
            guard let error = error as? DockerEngineError else { return false }
            return error.isMalformedResponse && String(describing: error).contains("'banana'")
        }
        #expect {
            try APIVersionNegotiation().negotiate(engineVersion: "1.45", engineMinimum: "x")
        } throws: { error in
            String(describing: error).contains("MinAPIVersion 'x'")
        }
    }

    @Test("a custom range is honoured")
    func customRange() throws {
        let rule = APIVersionNegotiation(minimum: APIVersion(major: 1, minor: 42), maximum: APIVersion(major: 1, minor: 44))
        #expect(try rule.negotiate(engineVersion: APIVersion(major: 1, minor: 45)) == APIVersion(major: 1, minor: 44))
        #expect(throws: DockerEngineError.self) { try rule.negotiate(engineVersion: APIVersion(major: 1, minor: 41)) }
        #expect(throws: DockerEngineError.self) {
            try rule.negotiate(engineVersion: APIVersion(major: 1, minor: 50), engineMinimum: APIVersion(major: 1, minor: 45))
        }
    }
}
