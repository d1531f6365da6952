import Foundation

/// Writes a file through a temporary sibling and a rename, so readers never see half-written output.
enum AtomicFile {
    /// Calls `body` with a fresh temporary path in the destination's directory, then renames it over `path`.
    ///
    /// The temporary file sits in the same directory because rename(2) is only atomic within one
    /// file system; on any failure it is removed and the destination is left untouched.
    static func write(to path: String, _ body: (String) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw AudioError.file(path, "cannot write: directory \(dir) does not exist")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw AudioError.file(path, "cannot write: the path is a directory (expected a file name)")
        }
        var template = Array((dir + "/." + url.lastPathComponent + ".XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw AudioError.file(path, "cannot write: cannot create a temporary file in \(dir): \(errnoMessage())")
        }
        // mkstemp makes the file 0600; the finished file should be readable like any other output.
        fchmod(fd, 0o644)
        close(fd)
        let tmp = String(cString: template)
        do {
            try body(tmp)
            guard rename(tmp, path) == 0 else {
                throw AudioError.file(path, "cannot write: rename from \(tmp) failed: \(errnoMessage())")
            }
        } catch {
            unlink(tmp)
            throw error
        }
    }

    static func errnoMessage() -> String { String(cString: strerror(errno)) }
}
