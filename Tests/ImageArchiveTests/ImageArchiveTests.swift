import Testing
@testable import ImageArchive

