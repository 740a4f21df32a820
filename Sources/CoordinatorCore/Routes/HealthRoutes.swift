import FlattenProtocol
import Foundation
import Hummingbird
import Logging
import NIOCore

/// `GET /healthz`, `GET /readyz` and `GET /metrics`, open to everyone; `/metrics` needs the
/// metrics token when one is configured (`--metrics-token`).
struct HealthRoutes<Context: RequestContext>: Sendable {
    let jobs: JobStore
    let migrator: Migrator
    let metrics: CoordinatorMetrics
    let waiters: ClaimWaiters
    /// The SHA-256 of the metrics token, or nil when metrics are open.
    let metricsTokenHash: String?
    let logger: Logger

    struct Status: Codable {
        var status: String
        var schemaVersion: Int?
    }

    func register(on router: Router<Context>) {
        router.get(RouterPath(APIPath.healthz)) { _, _ in
            try JSONResponse.make(Status(status: "ok"))
        }
        router.get(RouterPath(APIPath.readyz)) { _, _ in try await ready() }
        router.get(RouterPath(APIPath.metrics)) { request, _ in
            try requireMetricsToken(request)
            return try await scrape()
        }
    }

    /// 200 when the database answers and its schema is this build's; else 503 saying which.
    func ready() async throws -> Response {
        let version: Int?
        do {
            version = try await migrator.currentVersion()
        } catch {
            logger.warning("readiness check failed", metadata: ["error": "\(error)"])
            throw APIError.unavailable("the database is unreachable")
        }
        guard let version, version >= Migrations.latestVersion else {
            throw APIError.unavailable("the database schema is at version \(version.map(String.init) ?? "none"); this coordinator needs \(Migrations.latestVersion) (run flatten-coordinator migrate)")
        }
        return try JSONResponse.make(Status(status: "ready", schemaVersion: version))
    }

    /// Passes when metrics are open or `request` carries the metrics token; 401 otherwise.
    func requireMetricsToken(_ request: Request) throws {
        guard let metricsTokenHash else { return }
        guard let token = try Authenticator.bearerToken(of: request) else {
            throw APIError.unauthorized("GET \(APIPath.metrics) needs the metrics token (Authorization: Bearer <metrics token>)")
        }
        guard ConstantTime.equals(SecretToken.hash(of: token), metricsTokenHash) else {
            throw APIError.unauthorized("the bearer token is not the metrics token")
        }
    }

    /// The Prometheus text exposition. Job counts are left at their last values when the
    /// database does not answer, so a scrape never fails because of it.
    func scrape() async throws -> Response {
        let counts = try? await jobs.countsByState()
        let bytes = metrics.render(jobCounts: counts, claimsHeld: waiters.waitCount)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
