// The lines that describe one measured merge (entries and bytes cases).

func printGenerated(_ archive: GeneratedArchive, layers: Int) {
    print("generated \(number(Double(archive.archiveBytes) / 1e6, 1)) MB archive (\(number(archive.layerMB, 1)) MB of layers, \(grouped(archive.entries)) entries in \(layers) layers, \(grouped(Int(archive.layerBytes) / max(1, archive.entries))) B/entry) in \(number(archive.seconds, 1)) s (child process)")
}

func printMerge(_ m: MeasuredCase, runs: Int) {
    let f = m.best
    let mb = m.archive.layerMB
    let entries = Double(m.archive.entries)
    print("  index+plan \(pad(number(f.planSeconds, 3), 9)) s \(pad(number(mb / f.planSeconds), 7)) MB/s \(pad(number(entries / f.planSeconds), 11)) entries/s   peak RSS so far \(number(f.planRSSMiB, 1)) MiB")
    print("  write      \(pad(number(f.writeSeconds, 3), 9)) s \(pad(number(mb / f.writeSeconds), 7)) MB/s \(pad(number(entries / f.writeSeconds), 11)) entries/s   (output \(number(f.number("output_bytes") / 1e6, 1)) MB, \(grouped(Int(f.number("output_entries")))) entries)")
    print("  total      \(pad(number(f.totalSeconds, 3), 9)) s \(pad(number(m.megabytesPerSecond), 7)) MB/s \(pad(number(m.entriesPerSecond), 11)) entries/s   peak RSS \(number(m.peakRSSMiB, 1)) MiB (process baseline \(number(f.baselineRSSMiB, 1)) MiB; \(number(m.rssBytesPerEntry)) B/entry above it)")
    print("  peak RSS is the child's VmHWM; its getrusage ru_maxrss, which Linux carries over from the parent through posix_spawn's exec, was \(number(f.ruMaxRSSMiB, 1)) MiB")
    print("  best of \(runs) run\(runs == 1 ? "" : "s"), each in its own process; MB/s of input layers; read \(number(f.number("header_bytes_read") / 1e6, 1)) MB of headers, \(number(f.number("content_bytes_read") / 1e6, 1)) MB of content; diff ID \(f.text("diff_id").prefix(19))…")
}
