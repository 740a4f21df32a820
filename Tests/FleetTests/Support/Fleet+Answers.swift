import AsyncHTTPClient
import Foundation
import NIOCore

extension Fleet {
    /// How many answers of each HTTP status coordinator `index` gave since it started, from
    /// the `flatten_http_request_duration_seconds_count` series of its `/metrics`.
    func answeredStatuses(_ index: Int = 0) async throws -> [Int: Int] {
        let request = HTTPClientRequest(url: coordinatorURL(index) + "/metrics")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let text = String(buffer: try await response.body.collect(upTo: 16 << 20))
        var statuses: [Int: Int] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("flatten_http_request_duration_seconds_count{") {
            guard let statusRange = line.range(of: #"status="\d+""#, options: .regularExpression),
                  let status = Int(line[statusRange].dropFirst(8).dropLast()),
                  let count = line.split(separator: " ").last.flatMap({ Double($0) })
            else { continue }
            statuses[status, default: 0] += Int(count)
        }
        return statuses
    }

    /// The 5xx answers every run of every coordinator logged (the error middleware logs each
    /// one as `request failed`; the logs span restarts, unlike the metrics).
    var serverErrorsLogged: [String] {
        coordinators.flatMap { $0.stderr.split(separator: "\n").filter { $0.contains("request failed") }.map(String.init) }
    }
}
