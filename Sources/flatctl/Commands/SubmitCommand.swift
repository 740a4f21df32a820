import ArgumentParser
import FlattenProtocol
import FleetFormatting
import Foundation

/// `flatctl submit IMAGE (--host NAME | --selector k=v[,k=v] | --all) …`
struct SubmitCommand: InterruptibleCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Flatten an image on one host, on the hosts a selector matches, or on every host.",
        discussion: """
            Prints the batch and its jobs. With --wait, follows every host's progress (each \
            host's state) and ends with a table per host: layers and size before → after, bytes \
            saved, time and state, then the reason of every skipped, failed or canceled job.

            Exit status: 0 submitted (with --wait: every job succeeded or was skipped, and at \
            least one host flattened the image); 1 the coordinator refused the submission (no \
            agent matches, …) or, with --wait, a job failed or was canceled, or nothing was \
            flattened (every host skipped: the image is on none of them, or --min-savings was \
            reached nowhere); 2 a usage error, an unreachable coordinator or a rejected token; \
            130 after Control-C (the jobs go on; follow them with flatctl batch ID --wait).
            """)

    @Argument(help: "The image to flatten, as name[:tag] or name@digest.")
    var image: String

    @Option(help: ArgumentHelp("The one host (agent name) to flatten on.", valueName: "name"))
    var host: String?

    @Option(help: ArgumentHelp("The online hosts whose labels match all of these.", valueName: "k=v[,k=v]"))
    var selector: String?

    @Flag(help: "Every online host.")
    var all = false

    @OptionGroup(title: "Flatten options")
    var flatten: FlattenOptionArguments

    @Option(help: "Higher runs first.")
    var priority: Int = 0

    @Option(name: .customLong("max-attempts"), help: "Attempts per job before it fails.")
    var maxAttempts: Int = JobSubmission.defaultMaxAttempts

    @Option(name: .customLong("idempotency-key"), help: ArgumentHelp("Makes a retried submission return the first one's batch.", valueName: "key"))
    var idempotencyKey: String?

    @Flag(help: "Follow the jobs until they finish; print a table per host.")
    var wait = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        let targets = [host != nil, selector != nil, all].filter { $0 }.count
        guard targets == 1 else {
            throw ValidationError("choose exactly one target: --host NAME, --selector k=v[,k=v] or --all")
        }
        guard maxAttempts >= 1 else {
            throw ValidationError("--max-attempts must be at least 1 (it is \(maxAttempts))")
        }
    }

    func run(_ coordinator: EndpointScope) async throws {
        let reference: ImageReference
        do {
            reference = try ImageReference(image)
        } catch {
            throw FlatctlError.usage("\(error)")
        }
        let submission = JobSubmission(
            image: reference, target: try target(), options: try flatten.options(),
            priority: priority, maxAttempts: maxAttempts, idempotencyKey: idempotencyKey)
        let api = try coordinator.api()
        let response = try await api.submit(submission)
        guard wait else {
            if connection.json {
                try JSONOutput.print(response)
            } else {
                Terminal.write(Self.describe(response, width: Terminal.width))
            }
            return
        }
        if !connection.json {
            Terminal.write("batch \(response.batch.id.lowercased): \(response.jobs.count) job\(response.jobs.count == 1 ? "" : "s") for \(Formatting.image(reference))\n")
        }
        let finished = try await BatchWatcher(api: api, showsProgress: !connection.json).wait(for: response.batch.id)
        if connection.json {
            try JSONOutput.print(finished)
        } else {
            Terminal.write(BatchReport.render(finished, width: Terminal.width))
        }
        try BatchReport.endWait(finished, json: connection.json)
    }

    func target() throws -> JobTarget {
        if let host { return .host(host) }
        if all { return .all }
        do {
            return .selector(try LabelSelectorText.parse(selector ?? ""))
        } catch {
            throw FlatctlError.usage("invalid --selector \(String(reflecting: selector ?? "")): expected key=value[,key=value]")
        }
    }

    /// The batch and its jobs, as submit prints them without --wait.
    static func describe(_ response: SubmissionResponse, width: Int?) -> String {
        var table = Table([.init("JOB ID"), .init("HOST", flexible: true), .init("STATE")])
        for job in response.jobs.sorted(by: { $0.agentName < $1.agentName }) {
            table.add([Formatting.shortID(job.id), job.agentName, job.state.rawValue])
        }
        let count = response.jobs.count
        return "batch \(response.batch.id.lowercased): \(count) job\(count == 1 ? "" : "s") for \(Formatting.image(response.batch.image))\n"
            + table.render(width: width) + "\n"
            + "follow it with: flatctl batch \(response.batch.id.lowercased) --wait\n"
    }
}
