#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The tables of one merge and the budget they share (``MergeMemory``).
///
/// Every table reserves its address range once, so its elements never move while it grows.
/// Without a budget the range is anonymous memory; with one it maps an unlinked temporary file,
/// and ``tick()`` (called once per entry by the merge's loops) every hundred or so calls reads
/// the process's file-backed resident size and, past the budget, drops every table's pages
/// from the process (`MADV_DONTNEED`: the page cache keeps them, dirty or not, so nothing is
/// lost; a later touch maps them back).
///
/// Used by one merge at a time; read-only once the plan is made, when tables may be read from
/// any task (a page dropped under one reader is simply mapped back).
final class TableSpace: @unchecked Sendable {
    let memory: MergeMemory
    private var tables: [TableMapping] = []
    private var ticks = 0
    private var baselineFileBytes = 0
    private var statm: Int32 = -1
    /// How often the budget dropped the tables' pages (for reports and tests).
    private(set) var trims = 0

    /// How many calls of ``tick()`` go by between two looks at the resident size: few enough
    /// that the pages touched in between stay small next to the budget.
    private static let ticksPerCheck = 128

    init(memory: MergeMemory) {
        self.memory = memory
        if memory.budget != nil {
            statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
            baselineFileBytes = residentFileBytes() ?? 0
        }
    }

    deinit {
        if statm >= 0 { close(statm) }
    }

    /// A new, empty table of this space.
    func makeTable<Element: BitwiseCopyable>(of type: Element.Type = Element.self, name: String) throws -> Table<Element> {
        let mapping = try TableMapping(name: name, spillDirectory: memory.budget == nil ? nil : memory.directory)
        tables.append(mapping)
        return Table(mapping: mapping)
    }

    /// Counts one step of the merge's work; keeps the tables within the budget.
    @inline(__always)
    func tick() {
        ticks &+= 1
        if ticks & (Self.ticksPerCheck - 1) == 0, memory.budget != nil { enforceBudget() }
    }

    /// Drops the tables' pages now if they pass the budget.
    func enforceBudget() {
        guard let budget = memory.budget, let resident = residentFileBytes() else { return }
        if resident - baselineFileBytes > budget {
            for table in tables { table.dropResidentPages() }
            trims += 1
        }
    }

    /// Bytes of the tables' temporary files (0 without a budget).
    var spilledBytes: Int { tables.reduce(0) { $0 + $1.fileBytes } }

    /// The process's resident file-backed and shared memory (`statm`'s third field).
    private func residentFileBytes() -> Int? {
        guard statm >= 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 128)
        let n = buffer.withUnsafeMutableBytes { pread(statm, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let fields = buffer[..<n].split(separator: UInt8(ascii: " "))
        guard fields.count >= 3 else { return nil }
        var pages = 0
        for digit in fields[2] {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            pages = pages * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// One table's address range: reserved once, committed (or backed by its file) as it grows.
final class TableMapping: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    private let name: String
    private let reserved: Int
    private let descriptor: Int32
    /// Bytes usable from `base`.
    private(set) var committed = 0

    /// 16 GiB of address space a table (hundreds of millions of entries), and only address
    /// space until it is used: a merge holds a dozen or so, and an agent a merge per job.
    private static let reservation = 1 << 34

    init(name: String, spillDirectory: String?) throws {
        self.name = name
        reserved = Self.reservation
        if let spillDirectory {
            var template = Array((spillDirectory + "/merge-\(name)-XXXXXX").utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else { throw FileAccessError(operation: "create the merge's temporary file in", path: spillDirectory, errno: errno) }
            unlink(template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
            let address = mmap(nil, reserved, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
            guard let address, address != MAP_FAILED else {
                let error = errno
                close(fd)
                throw FileAccessError(operation: "map the merge's temporary file in", path: spillDirectory, errno: error)
            }
            descriptor = fd
            base = address
        } else {
            let address = mmap(nil, reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
            guard let address, address != MAP_FAILED else {
                throw FileAccessError(operation: "reserve memory for the merge's \(name) table", path: "", errno: errno)
            }
            descriptor = -1
            base = address
        }
    }

    deinit {
        munmap(base, reserved)
        if descriptor >= 0 { close(descriptor) }
    }

    var fileBytes: Int { descriptor >= 0 ? committed : 0 }

    /// Makes at least `bytes` usable, growing by an eighth at a time (at least 1 MiB).
    func ensure(_ bytes: Int) throws {
        guard bytes > committed else { return }
        guard bytes <= reserved else {
            throw MergeError(.tooLarge, layer: "", entry: nil, detail: "the merge's \(name) table needs more than \(reserved >> 30) GiB")
        }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var target = max(bytes, committed + max(1 << 20, committed / 8))
        target = min(reserved, (target + page - 1) / page * page)
        if descriptor >= 0 {
            guard ftruncate(descriptor, off_t(target)) == 0 else {
                throw FileAccessError(operation: "grow the merge's temporary \(name) file", path: "", errno: errno)
            }
        } else {
            guard mprotect(base, target, PROT_READ | PROT_WRITE) == 0 else {
                throw FileAccessError(operation: "commit memory for the merge's \(name) table", path: "", errno: errno)
            }
        }
        committed = target
    }

    /// Drops the table's pages from the process; a file-backed table's contents stay in the
    /// page cache. An anonymous table keeps its pages (dropping them would lose them).
    func dropResidentPages() {
        guard descriptor >= 0, committed > 0 else { return }
        madvise(base, committed, MADV_DONTNEED)
    }
}
