import FlattenProtocol
import Foundation
import Hummingbird
import Logging
import NIOCore

/// `GET /healthz`, `GET /readyz` and `GET /metrics`, open to everyone.
struct HealthRoutes<Context: RequestContext>: Sendable {
    let jobs: JobStore
    let migrator: Migrator
    let metrics: CoordinatorMetrics
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
        router.get(RouterPath(APIPath.metrics)) { _, _ in try await scrape() }
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

    /// The Prometheus text exposition. Job counts are left at their last values when the
    /// database does not answer, so a scrape never fails because of it.
    func scrape() async throws -> Response {
        let counts = try? await jobs.countsByState()
        let bytes = metrics.render(jobCounts: counts)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
