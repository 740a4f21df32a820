import DockerEngine
import Foundation
import Testing
import TestSupport
@testable import ImageArchive

/// Ground truth for the merge: multi-layer images built in the private engine, flattened by
/// ImageArchive, loaded back, and compared with the original as the engine exports both
/// (containers created, never started).
@Suite("Flatten against every engine")
struct EngineFlattenTests {
    func withSession(_ label: String, on engine: TestEngine, _ body: (EngineSession) async throws -> Void) async throws {
        try await engine.withClient { client in
            let session = try await EngineSession(client: client, label: label)
            do {
                try await body(session)
            } catch {
                await session.cleanup()
                throw error
            }
            await session.cleanup()
        }
    }

    @Test(arguments: TestEngine.all) func overwritesDeletionsAndMetadataChanges(engine: TestEngine) async throws {
        try await withSession("meta", on: engine) { s in
            let image = try await s.build("""
                RUN mkdir -p /app/sub && echo one > /app/a && echo two > /app/sub/b && echo keep > /app/keep && echo gone > /app/gone
                RUN rm -rf /app/sub /app/gone && echo again > /app/a && chmod 600 /app/keep
                RUN mkdir /app/sub && echo recreated > /app/sub/c && touch -d '2001-02-03 04:05:06' /app/keep && chown 123:456 /app/keep
                RUN echo gone-again > /app/gone && rm /app/gone && chmod 4755 /app/a
                """)
            let (original, _, _) = try await s.flattenAndCompare(image)
            #expect(original.entries["app/keep"]?.uid == 123)
            #expect(original.entries["app/gone"] == nil)
            #expect(original.entries["app/a"].map { $0.mode & 0o7777 } == 0o4755)
            try await s.flattenAndCompare(image, keep: 1)
        }
    }

    @Test(arguments: TestEngine.all) func fileAndDirectorySwaps(engine: TestEngine) async throws {
        try await withSession("swap", on: engine) { s in
            let image = try await s.build("""
                RUN mkdir -p /swap/d1/x && echo x > /swap/d1/x/f && echo file > /swap/f1 && ln -s target /swap/l1
                RUN rm -rf /swap/d1 && echo now-a-file > /swap/d1 && rm /swap/f1 && mkdir /swap/f1 && echo inner > /swap/f1/inner && rm /swap/l1 && mkdir /swap/l1
                RUN rm /swap/d1 && mkdir -p /swap/d1/deeper && rm -rf /swap/l1 && ln -s elsewhere /swap/l1
                """)
            let (original, _, _) = try await s.flattenAndCompare(image)
            #expect(original.entries["swap/d1/deeper/"]?.kind == .directory)
            #expect(original.entries["swap/f1/inner"] != nil)
        }
    }

    @Test(arguments: TestEngine.all) func opaqueDirectories(engine: TestEngine) async throws {
        try await withSession("opaque", on: engine) { s in
            let image = try await s.build("""
                RUN mkdir -p /opq/x && echo 1 > /opq/x/a && echo 2 > /opq/b && mkdir -p /usr/share/doc/more && echo m > /usr/share/doc/more/m
                RUN rm -rf /opq /usr/share/doc && mkdir -p /opq/x /usr/share/doc && echo new > /opq/x/z && echo newdoc > /usr/share/doc/new
                """)
            let (original, _, _) = try await s.flattenAndCompare(image)
            #expect(original.entries["opq/b"] == nil && original.entries["opq/x/z"] != nil)
            #expect(original.entries["usr/share/doc/a"] == nil)
            // Partial: /usr/share/doc of the kept base layer must stay hidden (opaque marker).
            try await s.flattenAndCompare(image, keep: 1)
        }
    }

    @Test(arguments: TestEngine.all) func hardLinksWhoseTargetIsDeleted(engine: TestEngine) async throws {
        try await withSession("hardlink", on: engine) { s in
            let image = try await s.build("""
                RUN mkdir /hl && echo data > /hl/target && ln /hl/target /hl/link1 && ln /hl/target /hl/link2 && echo solo > /hl/solo && ln /hl/solo /hl/solo-link
                RUN rm /hl/target /hl/solo
                RUN ln /hl/link1 /hl/link3 && echo more > /hl/m && ln /hl/m /hl/m2 && ln /hl/m /hl/m3
                RUN rm /hl/m
                """)
            let (original, flattened, _) = try await s.flattenAndCompare(image)
            #expect(original.entries["hl/solo-link"]?.contentDigest != nil)
            #expect(flattened.linkGroups.contains(["hl/m2", "hl/m3"]))
            try await s.flattenAndCompare(image, keep: 1)
        }
    }

    @Test(arguments: TestEngine.all) func namesThatMerelyContainWhiteoutMarkers(engine: TestEngine) async throws {
        try await withSession("names", on: engine) { s in
            let image = try await s.build("""
                RUN mkdir -p /w/.whdir && echo a > /w/a.wh.b && echo b > /w/.whfoo && echo c > /w/x.wh..wh..opq && echo d > /w/b && echo e > /w/.whdir/e
                RUN rm /w/b && echo f > /w/c.wh.
                """)
            let (original, _, _) = try await s.flattenAndCompare(image)
            #expect(original.entries["w/a.wh.b"] != nil && original.entries["w/.whfoo"] != nil && original.entries["w/x.wh..wh..opq"] != nil)
        }
    }

    @Test(arguments: TestEngine.all) func oddNamesSpecialFilesAndModes(engine: TestEngine) async throws {
        let long = String(repeating: "d", count: 120) + "/" + String(repeating: "f", count: 130)
        let longTarget = String(repeating: "t", count: 150)
        try await withSession("odd", on: engine) { s in
            let image = try await s.build("""
                RUN mkdir -p /odd/sgid && echo 1 > "/odd/with space" && echo 2 > "$(printf '/odd/tab\\there')" && echo 3 > /odd/-dash && echo A > /odd/A && echo a > /odd/a && ln -s /nonexistent /odd/dangling && ln -s loop /odd/loop && ln -s ../../.. /odd/up && mkfifo /odd/fifo && mknod /odd/null c 1 3 && mknod /odd/blk b 7 200 && chmod 4755 /odd/A && chmod 000 /odd/a && chmod 1777 /odd && chmod 2755 /odd/sgid
                RUN echo newline > "$(printf '/odd/new\\nline')" && chown 3000000:4000000 "/odd/with space" && mkdir -p "/long/\(long.split(separator: "/")[0])" && echo long > "/long/\(long)" && ln -s \(longTarget) /long/link && ln "/long/\(long)" /long/hard && echo é > /odd/ünïcödé
                RUN echo late > "/odd/with space" && chmod 640 /odd/-dash && echo latin > "$(printf '/odd/latin\\351')"
                """)
            let (original, _, _) = try await s.flattenAndCompare(image)
            #expect(original.entries["odd/with space"]?.uid == 3_000_000)
            #expect(original.entries["odd/null"]?.device == [1, 3])
            #expect(original.entries["odd/fifo"]?.kind == .fifo)
            #expect(original.entries["long/link"]?.linkTarget == longTarget)
            #expect(original.entries["odd/a"].map { $0.mode & 0o7777 } == 0)
            // A name that is not UTF-8 (Latin-1 "é"), compared bytewise.
            #expect(original.entries.keys.contains { $0.hasPrefix("<non-UTF-8>") && $0.hasSuffix(" e9") })
        }
    }

    @Test(arguments: TestEngine.all) func capabilityXattrsFromAnAddedTar(engine: TestEngine) async throws {
        // v2 capability set: CAP_NET_RAW permitted and effective.
        let capability: [UInt8] = [0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        var tar = TarWriter()
        let elf = Array("not really an ELF".utf8)
        try tar.append(TarEntry(name: "capbin/", kind: .directory, mode: 0o755, modificationTime: TarTimestamp(seconds: 1_500_000_000)))
        try tar.append(TarEntry(name: "capbin/ping", kind: .regular, mode: 0o755, size: Int64(elf.count), modificationTime: TarTimestamp(seconds: 1_500_000_000),
                                extendedAttributes: [ExtendedAttribute(name: "security.capability", value: capability)]), contents: elf)
        try tar.append(TarEntry(name: "capbin/ping-alias", kind: .hardLink, mode: 0o755, modificationTime: TarTimestamp(seconds: 1_500_000_000), linkName: "capbin/ping",
                                extendedAttributes: [ExtendedAttribute(name: "security.capability", value: capability)]))
        try tar.append(TarEntry(name: "capbin/other", kind: .regular, mode: 0o644, size: 1, modificationTime: TarTimestamp(seconds: 1_500_000_000)), contents: [0x41])
        // PAX-only fields: a sub-second mtime, a uid beyond ustar's octal range, long user names.
        try tar.append(TarEntry(name: "capbin/pax", kind: .regular, mode: 0o640, uid: 3_000_000, gid: 2_500_000,
                                userName: ByteString(String(repeating: "u", count: 40)), groupName: ByteString(String(repeating: "g", count: 40)),
                                size: 3, modificationTime: TarTimestamp(seconds: 1_500_000_000, nanoseconds: 123_456_789)), contents: Array("pax".utf8))
        try await withSession("caps", on: engine) { s in
            let image = try await s.build("""
                ADD caps.tar /
                RUN rm /capbin/other && echo x > /capbin/new
                RUN rm /capbin/ping
                """, files: ["caps.tar": tar.finish()])
            let (original, flattened, _) = try await s.flattenAndCompare(image)
            #expect(original.entries["capbin/ping-alias"]?.capability == capability)
            #expect(original.entries["capbin/pax"]?.uid == 3_000_000)
            #expect(flattened.entries["capbin/ping-alias"]?.capability == capability)
        }
    }

    @Test(arguments: TestEngine.all) func partialFlattenHidesKeptPaths(engine: TestEngine) async throws {
        try await withSession("partial", on: engine) { s in
            let image = try await s.build("""
                RUN rm /etc/base.conf && rm -rf /usr/share/doc && mkdir -p /usr/share/doc && echo new > /usr/share/doc/new
                ENV SOMETHING=1
                RUN echo tmp > /opt/keep/tmp && rm /opt/keep/tmp /opt/keep/x && chmod 700 /opt/keep/y
                CMD ["sh", "-c", "true"]
                """)
            // `--base IMAGE`: keep the layers shared with the base image.
            let keep = LayerMerge.sharedLayerCount(diffIDs: try await s.client.inspectImage(image).diffIDs,
                                                   baseDiffIDs: try await s.client.inspectImage("\(s.repository):base").diffIDs)
            #expect(keep == 1)
            let (original, _, result) = try await s.flattenAndCompare(image, keep: keep)
            #expect(original.entries["etc/base.conf"] == nil && original.entries["opt/keep/x"] == nil)
            #expect(result.config.history.filter { !ImageConfig.isEmptyLayer($0) }.count == 2)
            try await s.flattenAndCompare(image)
        }
    }

    @Test(arguments: TestEngine.all) func emptyAndIdenticalLayers(engine: TestEngine) async throws {
        // Adding the same tar twice commits two layers with the same diff ID: docker save
        // writes the second as a symbolic link to the first, and a partial flatten keeping both
        // lists one layer file twice in the load archive's manifest. `RUN true` changes nothing:
        // the builder records it as an empty_layer history entry.
        var tar = TarWriter()
        let time = TarTimestamp(seconds: 1_400_000_000)
        try tar.append(TarEntry(name: "dup/", kind: .directory, mode: 0o755, modificationTime: time))
        try tar.append(TarEntry(name: "dup/f", kind: .regular, mode: 0o644, size: 3, modificationTime: time), contents: Array("dup".utf8))
        try await withSession("identical", on: engine) { s in
            let image = try await s.build("""
                ADD dup.tar /
                RUN true
                ADD dup.tar /
                RUN echo x > /x && rm /etc/base.conf
                RUN true
                """, files: ["dup.tar": tar.finish()])
            let originalIDs = try await s.client.inspectImage(image).diffIDs
            if !s.store.keepsBlobs {
                #expect(originalIDs.count == 4)
                #expect(originalIDs[1] == originalIDs[2], "the two ADD layers should be identical")
            }
            // The containerd store's builder diffs snapshots (the second ADD changes nothing and
            // commits no layer) and Podman's commits a layer for every step: neither makes two
            // identical layers, so there the test checks the flatten of what they built.
            try await s.flattenAndCompare(image)
            let keep = originalIDs.count - 1
            let (_, _, result) = try await s.flattenAndCompare(image, keep: keep)
            #expect(result.config.history.filter { !ImageConfig.isEmptyLayer($0) }.count == keep + 1)
        }
    }

    @Test(arguments: TestEngine.all) func flattenIsDeterministic(engine: TestEngine) async throws {
        try await withSession("determinism", on: engine) { s in
            let image = try await s.build("RUN mkdir /d && echo 1 > /d/a && ln /d/a /d/b\nRUN rm /d/a")
            let first = try await s.flatten(image, tag: "one")
            let second = try await s.flatten(image, tag: "two")
            #expect(first.result.diffID == second.result.diffID)
            #expect(first.result.imageID == second.result.imageID)
        }
    }
}
