import Testing
@testable import ImageArchive

@Suite("Parallel work")
struct ParallelWorkTests {
    struct Failed: Error, Equatable { var index: Int }

    @Test("results come back in index order")
    func order() throws {
        #expect(try ParallelWork.map(1000) { $0 * $0 } == (0..<1000).map { $0 * $0 })
        #expect(try ParallelWork.map(0) { $0 }.isEmpty)
        #expect(try ParallelWork.map(1) { $0 + 5 } == [5])
    }

    @Test("the error of the lowest failing index is thrown")
    func lowestError() {
        #expect(throws: Failed(index: 3)) {
            _ = try ParallelWork.map(50) { index in
                if index % 7 == 3 { throw Failed(index: index) }
                return index
            }
        }
    }
}
