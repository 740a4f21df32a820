/// A growable array of plain values whose elements never move: the storage of the merge's
/// tables (``TableSpace``), in memory or mapped from a temporary file.
///
/// A reference type, with the shared-storage rule of a ``TableSpace``: written while the plan is
/// built, only read afterwards.
final class Table<Element: BitwiseCopyable>: @unchecked Sendable {
    private let mapping: TableMapping
    private let elements: UnsafeMutablePointer<Element>
    private(set) var count = 0

    init(mapping: TableMapping) {
        self.mapping = mapping
        elements = mapping.base.bindMemory(to: Element.self, capacity: 1)
    }

    /// Bytes the table spans (its resident share may be less).
    var byteCount: Int { mapping.committed }

    subscript(_ index: Int) -> Element {
        @inline(__always) get {
            assert(index >= 0 && index < count, "table index \(index) out of 0..<\(count)")
            return elements[index]
        }
        @inline(__always) set {
            assert(index >= 0 && index < count, "table index \(index) out of 0..<\(count)")
            elements[index] = newValue
        }
    }

    /// A pointer to `count` elements from `index`, valid as long as the table lives.
    func pointer(at index: Int) -> UnsafeMutablePointer<Element> { elements + index }

    @inline(__always)
    func append(_ element: Element) throws {
        if (count + 1) * MemoryLayout<Element>.stride > mapping.committed {
            try mapping.ensure((count + 1) * MemoryLayout<Element>.stride)
        }
        elements[count] = element
        count += 1
    }

    /// Appends `n` copies of `element`.
    func append(repeating element: Element, count n: Int) throws {
        try mapping.ensure((count + n) * MemoryLayout<Element>.stride)
        (elements + count).initialize(repeating: element, count: n)
        count += n
    }

    func append(contentsOf buffer: UnsafeBufferPointer<Element>) throws {
        try mapping.ensure((count + buffer.count) * MemoryLayout<Element>.stride)
        if let source = buffer.baseAddress { (elements + count).update(from: source, count: buffer.count) }
        count += buffer.count
    }
}
