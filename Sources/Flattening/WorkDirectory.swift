import Foundation

/// The private directory of one flatten inside the operator's work directory: spool files and
/// inflated layers live there, and it is removed, with anything left in it, when the flatten
/// ends (success, failure or cancellation).
struct WorkDirectory: Sendable {
    /// The operator's work directory (named in errors).
    let parent: String
    /// `<parent>/flatten-<job id>`.
    let path: String

    /// `<parent>/flatten-<jobID>`: where the flatten `jobID` keeps its files.
    static func path(in parent: String, jobID: String) -> String {
        (parent as NSString).appendingPathComponent("flatten-\(jobID)")
    }

    /// Creates `<parent>/flatten-<jobID>`; `parent` must exist.
    static func create(in parent: String, jobID: String) throws(FlattenError) -> WorkDirectory {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FlattenError(.workDirectory(directory: parent, detail: "it does not exist or is not a directory"))
        }
        let path = Self.path(in: parent, jobID: jobID)
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
            if underlying?.domain == NSPOSIXErrorDomain, underlying?.code == Int(ENOSPC) {
                throw FlattenError(.noSpace(directory: parent, detail: "cannot create \(path)"))
            }
            throw FlattenError(.workDirectory(directory: parent, detail: "cannot create \(path): \(error.localizedDescription)"))
        }
        return WorkDirectory(parent: parent, path: path)
    }

    /// Removes the directory and everything in it; errors are ignored (it is best effort and
    /// spool files are already unlinked).
    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
