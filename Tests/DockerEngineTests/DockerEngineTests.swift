import Testing
@testable import DockerEngine

