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

    @Test("speaks the lower of the engine's version and ours", arguments: [
        ("1.40", "1.40"), ("1.41", "1.41"), ("1.43", "1.41"), ("1.47", "1.41"), ("2.0", "1.41"),
    ])
    func negotiation(engine: String, expected: String) throws {
        let negotiated = try APIVersionNegotiation().negotiate(engineVersion: engine)
        #expect(negotiated.description == expected)
    }

    @Test("refuses engines older than 1.40, naming both versions", arguments: ["1.39", "1.12", "0.99"])
    func refusal(engine: String) {
        #expect {
            try APIVersionNegotiation().negotiate(engineVersion: engine)
        } throws: { error in
            guard let error = error as? DockerEngineError, error.isUnsupportedEngine else { return false }
            let text = String(describing: error)
            return text.contains(engine) && text.contains("1.40")
        }
    }

    @Test("an unparsable engine version is a malformed answer naming the value")
    func unparsable() {
        #expect {
            try APIVersionNegotiation().negotiate(engineVersion: "banana")
        } throws: { error in
            guard let error = error as? DockerEngineError else { return false }
            return error.isMalformedResponse && String(describing: error).contains("'banana'")
        }
    }

    @Test("a custom range is honoured")
    func customRange() throws {
        let rule = APIVersionNegotiation(minimum: APIVersion(major: 1, minor: 42), maximum: APIVersion(major: 1, minor: 44))
        #expect(try rule.negotiate(engineVersion: APIVersion(major: 1, minor: 45)) == APIVersion(major: 1, minor: 44))
        #expect(throws: DockerEngineError.self) { try rule.negotiate(engineVersion: APIVersion(major: 1, minor: 41)) }
    }
}
