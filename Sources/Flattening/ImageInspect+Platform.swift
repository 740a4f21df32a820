import DockerEngine
import FlattenProtocol

extension ImageInspect {
    /// The image's platform as the engine records it; an engine that leaves the fields out
    /// (old images) means its own, Linux on amd64.
    var platform: ImagePlatform {
        ImagePlatform(os: os ?? "linux", architecture: architecture ?? "amd64", variant: variant)
    }
}
