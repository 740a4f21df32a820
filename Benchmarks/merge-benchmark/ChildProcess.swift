// Runs this executable again in a child process (to generate an archive, or to measure one
// merge) and collects its standard output; its standard error goes to ours.

import Foundation

struct ChildFailure: Error, CustomStringConvertible {
    var description: String
}

func runSelf(_ arguments: [String], in workspace: Workspace) throws -> String {
    workspace.stopIfInterrupted()
    fflush(nil)  // what we printed so far shows before the child runs, even into a pipe
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    workspace.setChild(process.processIdentifier)
    defer { workspace.setChild(0) }
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    workspace.stopIfInterrupted()
    guard process.terminationReason == .exit, process.terminationStatus == 0 else {
        let how = process.terminationReason == .exit ? "exited with status \(process.terminationStatus)" : "was killed by signal \(process.terminationStatus)"
        throw ChildFailure(description: "merge-benchmark \(arguments.joined(separator: " ")) \(how)")
    }
    return text
}
