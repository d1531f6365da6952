import Audio
import Foundation

/// A kernelspec problem (cannot write, nothing to remove), naming the folder.
public struct KernelSpecError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The kernelspec that tells Jupyter how to start Foley (`kernels/foley/kernel.json` and its logos), written where
/// Jupyter looks: the user's data folder, a prefix's `share/jupyter`, or the system's.
public enum KernelSpec {
    public static let name = "foley"
    public static let displayName = "Foley (Lua)"

    /// Where a kernelspec goes, as `jupyter kernelspec install` names them.
    public enum Location: Equatable {
        case user, system
        case prefix(String)
    }

    /// The `kernels` folder of a location: $JUPYTER_DATA_DIR or ~/.local/share/jupyter for the user (macOS's
    /// ~/Library/Jupyter), PREFIX/share/jupyter, or /usr/local/share/jupyter.
    public static func kernelsFolder(_ location: Location, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        switch location {
        case .user:
            if let d = environment["JUPYTER_DATA_DIR"], !d.isEmpty { return d + "/kernels" }
            let home = environment["HOME"] ?? NSHomeDirectory()
            #if os(macOS)
            return home + "/Library/Jupyter/kernels"
            #else
            let data = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.local/share"
            return data + "/jupyter/kernels"
            #endif
        case .prefix(let p): return p + "/share/jupyter/kernels"
        case .system: return "/usr/local/share/jupyter/kernels"
        }
    }

    /// kernel.json: Jupyter runs `executable kernel --connection-file FILE` and interrupts it with SIGINT.
    public static func json(executable: String) throws -> Data {
        let spec: [String: Any] = [
            "argv": [executable, "kernel", "--connection-file", "{connection_file}"],
            "display_name": displayName, "language": "lua", "interrupt_mode": "signal",
            "metadata": ["debugger": false],
        ]
        return try JSONSerialization.data(withJSONObject: spec, options: [.prettyPrinted, .sortedKeys])
    }

    /// Writes the kernelspec folder (replacing an older one) and returns it.
    @discardableResult
    public static func install(executable: String, at location: Location) throws -> String {
        let dir = kernelsFolder(location) + "/" + name
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try json(executable: executable).write(to: URL(fileURLWithPath: dir + "/kernel.json"), options: .atomic)
            for size in [32, 64] { try logo(size: size).writePNG(to: dir + "/logo-\(size)x\(size).png") }
        } catch let e as KernelSpecError {
            throw e
        } catch {
            throw KernelSpecError("cannot write the kernelspec in \(dir): \(error.localizedDescription) (try --user, or --prefix DIR)")
        }
        return dir
    }

    /// Removes the kernelspec folder and returns it; an error if there is none there.
    @discardableResult
    public static func remove(at location: Location) throws -> String {
        let dir = kernelsFolder(location) + "/" + name
        guard FileManager.default.fileExists(atPath: dir + "/kernel.json") else {
            throw KernelSpecError("no Foley kernelspec in \(dir) (installed elsewhere? `jupyter kernelspec list` shows where)")
        }
        do { try FileManager.default.removeItem(atPath: dir) } catch {
            throw KernelSpecError("cannot remove \(dir): \(error.localizedDescription)")
        }
        return dir
    }

    /// Foley's logo: a waveform over a dark square, drawn rather than shipped so the binary carries it.
    public static func logo(size: Int) -> RGBImage {
        var img = RGBImage(width: size, height: size, fill: (28, 36, 64))
        let mid = Double(size) / 2
        for x in 0..<size {
            let u = Double(x) / Double(size - 1)
            let envelope = sin(Double.pi * u)
            let h = envelope * (0.35 + 0.15 * sin(u * 23)) * Double(size) * abs(sin(u * 9.0 + 0.5))
            let y0 = Int(mid - h / 2), y1 = Int(mid + h / 2)
            for y in y0...max(y0, y1) { img.set(x, y, (255, 150 + UInt8(min(90, x * 90 / size)), 60)) }
        }
        return img
    }
}
