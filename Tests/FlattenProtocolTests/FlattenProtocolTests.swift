import Testing
@testable import FlattenProtocol

