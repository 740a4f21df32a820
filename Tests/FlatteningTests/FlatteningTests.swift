import Testing
@testable import Flattening

