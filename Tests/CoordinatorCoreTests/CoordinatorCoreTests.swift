import Testing
@testable import CoordinatorCore

