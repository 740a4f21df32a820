// The default benchmark (no option, or the positional `[size-MB] [runs] [base-files]`): the
// ~400 MB, 6-layer image merged `runs` times, its load archive, and SHA-256 alone.

import Crypto
import Foundation

func runLegacyBenchmark(sizeMB: Int64, runs: Int, baseFiles: Int, in workspace: Workspace) -> Bool {
    let archive: GeneratedArchive
    do {
        archive = try generateArchive(spec: "legacy:\(sizeMB):\(baseFiles)", in: workspace)
    } catch {
        print("generating the archive failed: \(error)")
        return false
    }
    defer { try? FileManager.default.removeItem(atPath: archive.path) }
    print(String(format: "generated %.1f MB archive (%.1f MB of layers, %d entries in 6 layers) in %.1f s (in a child process)",
                 Double(archive.archiveBytes) / 1e6, archive.layerMB, archive.entries, archive.seconds))
    var best = Double.infinity
    var peak = 0.0
    var ok = true
    for run in 1...max(1, runs) {
        do {
            let f = try measureMerge(of: archive, runs: 1, in: workspace).best
            best = min(best, f.totalSeconds)
            peak = max(peak, f.peakRSSMiB)
            let read = f.number("header_bytes_read") + f.number("content_bytes_read")
            print(String(format: "run %d: %.3f s (index %.3f s, write %.3f s) = %.0f MB/s of input layers; output %.1f MB, %d entries, diff ID %@…; peak RSS %.1f MiB",
                         run, f.totalSeconds, f.planSeconds, f.writeSeconds, archive.layerMB / f.totalSeconds,
                         f.number("output_bytes") / 1e6, Int(f.number("output_entries")), String(f.text("diff_id").prefix(19)), f.peakRSSMiB))
            print(String(format: "       bytes read from the spool: %.1f MB of %.1f MB (%.1f%%; headers %.2f MB, content %.1f MB); wasted %.1f MB (dive: %.1f MB, efficiency %.3f)",
                         read / 1e6, Double(archive.archiveBytes) / 1e6, 100 * read / Double(archive.archiveBytes),
                         f.number("header_bytes_read") / 1e6, f.number("content_bytes_read") / 1e6,
                         f.number("wasted_bytes") / 1e6, f.number("dive_wasted_bytes") / 1e6, f.number("dive_efficiency")))
        } catch {
            print("run \(run): FAILED: \(error)")
            ok = false
        }
    }
    if best.isFinite {
        print(String(format: "best: %.0f MB/s of input layers (%.1f MB)", archive.layerMB / best, archive.layerMB))
    }

    do {
        let f = try measureMerge(of: archive, runs: 1, in: workspace, loadArchive: true).best
        print(String(format: "load archive (keep 1 layer): %.1f MB in %.3f s = %.0f MB/s of input layers; image ID %@…; peak RSS %.1f MiB",
                     f.number("archive_bytes") / 1e6, f.totalSeconds, archive.layerMB / f.totalSeconds, String(f.text("image_id").prefix(19)), f.peakRSSMiB))
    } catch {
        print("load archive (keep 1 layer): FAILED: \(error)")
        ok = false
    }

    // SHA-256 alone, for comparison (is hashing the bottleneck?).
    let shaBuffer = [UInt8](repeating: 0xa5, count: 1 << 20)
    let shaStart = now()
    var hasher = SHA256()
    for _ in 0..<512 { shaBuffer.withUnsafeBytes { hasher.update(bufferPointer: $0) } }
    _ = hasher.finalize()
    print(String(format: "SHA-256 alone: %.0f MB/s (sha_ni: %@)", 512 * 1.048576 / (now() - shaStart),
                 ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.contains("sha_ni") ?? false) ? "yes" : "no"))
    print(String(format: "peak RSS: %.1f MiB (of the merge: the largest over the runs, each in its own process)", peak))
    return ok
}
