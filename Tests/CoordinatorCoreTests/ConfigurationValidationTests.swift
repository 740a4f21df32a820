import CoordinatorCore
import Testing

@Suite("Configuration invariants")
struct ConfigurationValidationTests {
    static let valid = CoordinatorConfiguration(databaseURL: "")

    @Test("the defaults hold every invariant")
    func defaultsAreValid() throws {
        try Self.valid.validate()
        try CallerLimits().validate()
    }

    @Test("seconds that are not finite, negative or out of range are refused naming the flag, not trapped on",
          arguments: [Double.nan, .infinity, -.infinity, -1, 0, 1e300])
    func badSeconds(_ value: Double) {
        let error = #expect(throws: CoordinatorConfigurationError.self) {
            try CoordinatorConfiguration.duration(value, flag: "--lease-seconds")
        }
        #expect(error?.flag == "--lease-seconds")
        #expect(error?.description.hasPrefix("--lease-seconds must be a positive number of seconds") == true, "\(String(describing: error))")
    }

    @Test("a flag where 0 means something takes 0 and says what it means when refusing")
    func zeroWithMeaning() throws {
        #expect(try CoordinatorConfiguration.duration(0, flag: "--idle-timeout", zeroMeans: "never") == .zero)
        let error = #expect(throws: CoordinatorConfigurationError.self) {
            try CoordinatorConfiguration.duration(-5, flag: "--idle-timeout", zeroMeans: "never")
        }
        #expect(error?.description == "--idle-timeout must be 0 (never) or a positive number of seconds, at most 31536000000 seconds (got -5.0)")
    }

    @Test("days are converted to seconds and checked against the same range")
    func days() throws {
        #expect(try CoordinatorConfiguration.duration(2, unitSeconds: 86_400, flag: "--retention-days", zeroMeans: "keep forever", unit: "days")
            == .seconds(172_800))
        let error = #expect(throws: CoordinatorConfigurationError.self) {
            try CoordinatorConfiguration.duration(.infinity, unitSeconds: 86_400, flag: "--retention-days", zeroMeans: "keep forever", unit: "days")
        }
        #expect(error?.flag == "--retention-days")
    }

    /// A configuration broken in one place, and the flag the refusal must name.
    struct Breakage: Sendable, CustomStringConvertible {
        let flag: String
        let breaks: @Sendable (inout CoordinatorConfiguration) -> Void
        var description: String { flag }
    }

    static let breakages: [Breakage] = [
        Breakage(flag: "--lease-seconds") { $0.leaseDuration = .zero },
        Breakage(flag: "--max-claim-wait") { $0.maxClaimWait = .seconds(-1) },
        Breakage(flag: "--recheck-interval") { $0.wakeRecheckInterval = .zero },
        Breakage(flag: "--reaper-interval") { $0.reaperInterval = .zero },
        Breakage(flag: "--retry-base") { $0.retryBackoff.base = .zero },
        Breakage(flag: "--retry-cap") { $0.retryBackoff.cap = .seconds(-3) },
        Breakage(flag: "--retention-days") { $0.retention = .zero },
        Breakage(flag: "--max-body") { $0.maxBodySize = 0 },
        Breakage(flag: "--db-connections") { $0.databaseConnections = 0 },
        Breakage(flag: "--lease-batch-size") { $0.leaseBatchSize = 0 },
        Breakage(flag: "--lease-statements") { $0.leaseStatementsInFlight = 0 },
        Breakage(flag: "--lease-statements") { $0.leaseStatementsInFlight = 8; $0.databaseConnections = 16 },
        Breakage(flag: "pruneBatchSize") { $0.pruneBatchSize = 0 },
        Breakage(flag: "--idle-timeout") { $0.callerLimits.idleTimeout = .zero },
        Breakage(flag: "--max-connections") { $0.callerLimits.maxConnections = 0 },
        Breakage(flag: "--max-polls-per-agent") { $0.callerLimits.maxPollsPerAgent = 0 },
        Breakage(flag: "--auth-limit-burst") { $0.callerLimits.authFailureBurst = -1 },
        Breakage(flag: "--auth-limit-rate") { $0.callerLimits.authFailureRate = .nan },
        Breakage(flag: "--auth-limit-rate") { $0.callerLimits.authFailureRate = 0 },
    ]

    @Test("each broken invariant is refused naming its flag", arguments: breakages)
    func brokenInvariant(_ breakage: Breakage) {
        var configuration = Self.valid
        breakage.breaks(&configuration)
        let error = #expect(throws: CoordinatorConfigurationError.self) { try configuration.validate() }
        #expect(error?.flag == breakage.flag, "\(String(describing: error))")
        #expect(error?.description.hasPrefix(breakage.flag) == true, "\(String(describing: error))")
    }

    @Test("the values that switch a limit off are not refused")
    func offSwitches() throws {
        var configuration = Self.valid
        configuration.retention = nil
        configuration.callerLimits.idleTimeout = nil
        configuration.callerLimits.maxConnections = nil
        configuration.callerLimits.authFailureBurst = 0
        try configuration.validate()
    }
}
