import FlattenProtocol
import FleetFormatting
import Foundation
import Hummingbird
import NIOCore

// The actions: the API's operations behind a confirmed form, each answered with the page it
// changed (303 after success, so a reload does not post again).
extension DashboardRoutes {
    /// `POST /ui/submit`: the form becomes the API's JSON submission and is decoded and
    /// validated by the same code as `POST /v1/jobs`.
    func submit(_ form: DashboardForm, _ session: DashboardSession) async throws -> Response {
        let view = SubmitView(image: form["image"] ?? "", target: form["target"] ?? "host", host: form["host"] ?? "", selector: form["selector"] ?? "")
        func refused(_ status: HTTPResponse.Status, _ message: String) -> Response {
            Self.html(view.render(session: session, message: DashboardLayout.message(message, error: true)), status: status)
        }
        var message: [String: Any] = ["image": form.text("image") ?? ""]
        switch form["target"] {
        case "host": message["target"] = ["host": form.text("host") ?? ""]
        case "selector":
            do {
                message["target"] = ["selector": try Self.selector(parsing: form.text("selector") ?? "", field: "labels")]
            } catch let error as APIError {
                return refused(error.status, error.message)
            }
        case "all": message["target"] = ["all": true]
        default: return refused(.badRequest, "choose where to flatten: one host, agents with labels, or every online agent")
        }
        let submission: JobSubmission
        do {
            let data = try JSONSerialization.data(withJSONObject: message)
            submission = try Request.decodeMessage(JobSubmission.self, from: ByteBuffer(bytes: data))
        } catch let error as APIError {
            return refused(error.status, error.message.replacingOccurrences(of: "invalid request body: ", with: ""))
        }
        do {
            let outcome = try await submitAndWake(submission)
            return Response.redirect(to: DashboardPath.batch(outcome.batchID), type: .normal)
        } catch let refusal as SubmissionRefusal {
            return refused(.unprocessableContent, refusal.description)
        }
    }

    /// `POST /ui/jobs/{id}/cancel`.
    func cancelJob(_ id: UUID, _ form: DashboardForm, _ session: DashboardSession) async throws -> Response {
        guard form["confirmed"] == "yes" else {
            return confirmation("Cancel job \(Formatting.shortID(id))?", action: DashboardPath.cancelJob(id), back: DashboardPath.job(id), session: session)
        }
        switch try await jobs.cancel(id) {
        case .changed, .refused:
            // Already finished is what the page will show; there is nothing more to say.
            return Response.redirect(to: DashboardPath.job(id), type: .normal)
        case .notFound:
            throw APIError.notFound("no job \(id.lowercased)")
        }
    }

    /// `POST /ui/batches/{id}/cancel`: every job of the batch that has not finished.
    func cancelBatch(_ id: UUID, _ form: DashboardForm, _ session: DashboardSession) async throws -> Response {
        guard form["confirmed"] == "yes" else {
            return confirmation("Cancel every unfinished job of batch \(Formatting.shortID(id))?", action: DashboardPath.cancelBatch(id), back: DashboardPath.batch(id), session: session)
        }
        guard try await jobs.target(ofBatch: id) != nil else { throw APIError.notFound("no batch \(id.lowercased)") }
        for job in try await jobs.unfinishedJobs(ofBatch: id) {
            _ = try await jobs.cancel(job)
        }
        return Response.redirect(to: DashboardPath.batch(id), type: .normal)
    }

    /// `POST /ui/jobs/{id}/retry`: a new job, in a new batch, for the same image, host and options.
    func retryJob(_ id: UUID, _ form: DashboardForm, _ session: DashboardSession) async throws -> Response {
        guard let job = try await jobs.job(id) else { throw APIError.notFound("no job \(id.lowercased)") }
        guard job.state == .failed || job.state == .canceled else {
            throw APIError.invalidState("job \(id.lowercased) is \(job.state.rawValue); only a failed or canceled job can be retried")
        }
        guard form["confirmed"] == "yes" else {
            return confirmation("Flatten \(Formatting.image(job.image)) on \(job.agentName) again, as a new job?",
                                action: DashboardPath.retryJob(id), back: DashboardPath.job(id), session: session)
        }
        let submission = JobSubmission(image: job.image, target: .host(job.agentName), options: job.options,
                                       priority: job.priority, maxAttempts: job.maxAttempts)
        do {
            let outcome = try await submitAndWake(submission)
            return Response.redirect(to: DashboardPath.batch(outcome.batchID), type: .normal)
        } catch let refusal as SubmissionRefusal {
            throw APIError(.unprocessableContent, .noMatchingAgents, refusal.description)
        }
    }

    /// Submits, and wakes the long polls of the agents that got a job, as `POST /v1/jobs` does.
    private func submitAndWake(_ submission: JobSubmission) async throws -> SubmissionOutcome {
        let outcome = try await jobs.submit(submission, onlineWithin: configuration.leaseDuration, instance: instance)
        waiters.wakeAgents(of: outcome)
        return outcome
    }
}
