import Foundation

/// Writes files through a temporary sibling and a rename, so readers never see half-written output.
public enum AtomicFile {
    /// Calls `body` with a fresh temporary path in the destination's directory, then renames it over `path`.
    ///
    /// The temporary file sits in the same directory because rename(2) is only atomic within one
    /// file system; on any failure it is removed and the destination is left untouched.
    public static func write(to path: String, _ body: (String) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw TensorError.io(file: path, "cannot write: directory \(dir) does not exist")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw TensorError.io(file: path, "cannot write: the path is a directory (expected a file name)")
        }
        var template = Array((dir + "/." + url.lastPathComponent + ".XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw TensorError.io(file: path, "cannot write: cannot create a temporary file in \(dir): \(errnoMessage())")
        }
        // mkstemp makes the file 0600; the finished file should be readable like any other output.
        fchmod(fd, 0o644)
        // The lock marks the temporary as in use until this write ends (or the process dies, which drops it), so
        // `removeStaleTemporaries` can tell a killed writer's leftover from a live one's.
        flock(fd, LOCK_EX)
        defer { close(fd) }
        let tmp = String(cString: template)
        do {
            try body(tmp)
            guard rename(tmp, path) == 0 else {
                throw TensorError.io(file: path, "cannot write: rename from \(tmp) failed: \(errnoMessage())")
            }
        } catch {
            unlink(tmp)
            throw error
        }
    }

    /// Whether `name` is one of this type's temporaries: `.<destination name>.XXXXXX`.
    static func isTemporary(_ name: String) -> Bool {
        guard name.hasPrefix("."), name.count > 8 else { return false }
        let suffix = name.suffix(7)
        return suffix.first == "." && suffix.dropFirst().allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
            && name.dropFirst().dropLast(7).count > 0
    }

    /// Removes the temporaries of writes that never finished (a process killed mid-write leaves its
    /// `.<name>.XXXXXX` behind) from `directory`, for destinations whose name passes `destination`. A temporary
    /// another live writer still holds (its lock) is left alone. Returns the paths removed.
    @discardableResult
    public static func removeStaleTemporaries(in directory: String, destination: (String) -> Bool = { _ in true }) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var removed: [String] = []
        for name in names.sorted() where isTemporary(name) && destination(String(name.dropFirst().dropLast(7))) {
            let path = (directory as NSString).appendingPathComponent(name)
            let fd = open(path, O_RDONLY | O_NOFOLLOW)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }   // a live writer holds it
            if unlink(path) == 0 { removed.append(path) }
        }
        return removed
    }

    /// Writes `data` atomically, flushed to disk before the rename.
    public static func write(_ data: Data, to path: String) throws {
        try write(to: path) { tmp in
            do {
                let h = try FileHandle(forWritingTo: URL(fileURLWithPath: tmp))
                try h.write(contentsOf: data)
                try h.synchronize()
                try h.close()
            } catch {
                throw TensorError.io(file: path, "write failed: \(error.localizedDescription)")
            }
        }
    }

    public static func errnoMessage() -> String { String(cString: strerror(errno)) }
}
