/// Indexes the layer tars of a `docker save` stream while it is spooled, so that the merge's
/// plan needs no second pass over the layers once the save ends.
///
/// It reads the spool file behind the writer: after each append, every header that now lies
/// wholly in the written bytes is parsed by the same ``TarReader`` and ``IndexedLayer`` code a
/// later pass would run. A header whose bytes (or extension headers) are not all written yet
/// fails to parse; the reader is then put back as it was and tried again after the next append.
/// Members that turn out not to be layer tars, or that are malformed, are simply not indexed:
/// the merge reads them itself then, and reports any error as it always did.
struct SpoolIndexer {
    /// A layer member being indexed.
    private struct Member {
        /// Where the member's content starts in the spool.
        var offset: Int64
        var size: Int64
        var reader: TarReader
        var layer = IndexedLayer()
    }

    /// How far past the next header a parse may fail before the stream is taken as malformed
    /// (more than any chain of extension headers the reader accepts, three of at most 1 MiB).
    private static let giveUpDistance = Int64(4 * TarReader.maximumExtensionSize + 4 * 512)

    private var outer: TarReader
    private let file: RandomAccessFile
    private var member: Member?
    private var stopped = false
    /// Indexed layer members by content offset in the spool, with their sizes.
    private(set) var layers: [Int64: (size: Int64, layer: IndexedLayer)] = [:]

    /// `file` reads the spool as it grows (its size is not used).
    init(file: RandomAccessFile) {
        self.file = file
        outer = TarReader(region: FileRegion(file: file, offset: 0, count: Int64.max / 4), source: "spool")
    }

    /// Indexes what the first `written` bytes of the spool allow.
    mutating func advance(written: Int64) {
        while !stopped {
            if var current = member {
                member = nil
                let complete = written >= current.offset + current.size
                guard complete || written >= current.offset + current.reader.nextHeaderOffset + 512 else {
                    member = current
                    return
                }
                let before = current.reader
                let record: TarReader.Record?
                do {
                    record = try current.reader.next()
                } catch {
                    // Not all of it written yet (retry), or malformed (leave it to the merge).
                    if !complete, written - (current.offset + before.nextHeaderOffset) < Self.giveUpDistance {
                        current.reader = before
                        member = current
                        return
                    }
                    continue
                }
                guard let record else {
                    current.layer.headerBytesRead = current.reader.bytesRead
                    layers[current.offset] = (current.size, current.layer)
                    continue
                }
                do { try current.layer.add(record) } catch { continue }
                member = current
            } else {
                guard written >= outer.nextHeaderOffset + 512 else { return }
                let before = outer
                do {
                    guard let record = try outer.next() else {
                        stopped = true
                        return
                    }
                    if Self.mayBeLayer(record) {
                        member = Member(
                            offset: record.contentOffset, size: record.entry.size,
                            reader: TarReader(region: FileRegion(file: file, offset: record.contentOffset, count: record.entry.size), source: "spooled \(record.entry.name)")
                        )
                    }
                } catch {
                    outer = before
                    if written - outer.nextHeaderOffset >= Self.giveUpDistance { stopped = true }
                    return
                }
            }
        }
    }

    /// Legacy layer tars (`<id>/layer.tar`) and OCI blobs (which may be layer tars; gzip ones
    /// fail at their first header and are dropped).
    private static func mayBeLayer(_ record: TarReader.Record) -> Bool {
        guard record.entry.kind == .regular, record.entry.size >= 1024 else { return false }
        let name = SavedImageArchive.normalize(record.entry.name.description)
        return name.hasPrefix("blobs/") || name == "layer.tar" || name.hasSuffix("/layer.tar")
    }
}
