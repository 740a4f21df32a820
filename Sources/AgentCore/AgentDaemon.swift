import Logging
import ServiceLifecycle

/// Runs an ``Agent`` as the process's only service, the way `flatten-agent run` does.
public enum AgentDaemon {
    /// Sends the process's logs to standard error (swift-log's `StreamLogHandler`) at `level`,
    /// and answers the agent's logger. Call once per process.
    public static func bootstrapLogging(level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "flatten-agent")
        logger.logLevel = level
        return logger
    }

    /// Runs the agent in a `ServiceGroup` that shuts down gracefully on SIGTERM and SIGINT,
    /// and returns when the agent stopped.
    ///
    /// - Throws: what made the agent stop on its own (configuration, state directory,
    ///   registration refused, engine refusing access).
    public static func run(_ configuration: AgentConfiguration, logger: Logger) async throws {
        let agent = Agent(configuration: configuration, logger: logger)
        // The service group narrates its own steps at debug level; keep them out of info logs.
        var serviceLogger = logger
        serviceLogger.logLevel = logger.logLevel <= .debug ? logger.logLevel : .warning
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: agent)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: serviceLogger))
        try await group.run()
    }
}
