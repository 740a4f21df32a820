// One entry of a synthetic layer tar, and the constructors the image descriptions use.

import ImageArchive

/// A tar entry and the seed its content (if a regular file) is generated from.
struct GeneratedEntry {
    var entry: TarEntry
    var seed: UInt64
}

let syntheticTime: Int64 = 1_700_000_000

func file(_ name: String, size: Int64, seed: UInt64, mode: Int64 = 0o644, uid: Int64 = 0) -> GeneratedEntry {
    GeneratedEntry(entry: TarEntry(name: ByteString(name), kind: .regular, mode: mode, uid: uid, gid: uid, size: size, modificationTime: TarTimestamp(seconds: syntheticTime + Int64(seed % 1000))), seed: seed)
}

/// `name` without its trailing slash.
func dir(_ name: String) -> GeneratedEntry {
    GeneratedEntry(entry: TarEntry(name: ByteString(name + "/"), kind: .directory, mode: 0o755, modificationTime: TarTimestamp(seconds: syntheticTime)), seed: 0)
}

/// A whiteout as docker writes it: `parent/.wh.NAME` (pass the whole name).
func whiteout(_ name: String) -> GeneratedEntry {
    GeneratedEntry(entry: TarEntry(name: ByteString(name), kind: .regular, mode: 0), seed: 0)
}

/// The opaque marker of directory `directory` (no trailing slash).
func opaqueMarker(_ directory: String) -> GeneratedEntry {
    whiteout(directory + "/.wh..wh..opq")
}

func link(_ name: String, to target: String) -> GeneratedEntry {
    GeneratedEntry(entry: TarEntry(name: ByteString(name), kind: .hardLink, mode: 0o644, linkName: ByteString(target)), seed: 0)
}
