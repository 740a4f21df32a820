import Testing
@testable import AgentCore

