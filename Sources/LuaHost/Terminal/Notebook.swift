import Foundation

/// The record of a REPL session: numbered cells with their code, printed output and the files
/// they produced. `:save x.md` writes Markdown (re-runnable with `foley run x.md`), `:save
/// x.html` one self-contained page. Bindings that write files call
/// `Notebook.current?.attach(path:kind:)` so the cell links (or embeds) them.
public final class Notebook {
    /// What a produced file is: audio plays in an <audio> element, png shows as an image.
    public enum Kind: String {
        case audio, png
    }

    public struct Attachment: Equatable {
        public let path: String
        public let kind: Kind
        public init(path: String, kind: Kind) {
            self.path = path
            self.kind = kind
        }
    }

    public struct Cell {
        public let number: Int
        public let code: String
        public internal(set) var output: String = ""
        public internal(set) var attachments: [Attachment] = []
        public internal(set) var truncated = false
    }

    /// The notebook of the running REPL, if any (scripts run without one).
    nonisolated(unsafe) public static var current: Notebook?
    /// Called with each file attached to the open cell, as it is attached (a Jupyter kernel displays it at once).
    public var onAttach: ((Attachment) -> Void)?

    public private(set) var cells: [Cell] = []
    private var open = false
    /// Output kept per cell; the rest is dropped (a cell printing in a long loop).
    public static let maxOutputBytes = 1 << 20

    public init() {}

    /// Starts cell n+1 with `code`; output and attachments go to it until `end()`.
    @discardableResult
    public func begin(code: String) -> Int {
        cells.append(Cell(number: cells.count + 1, code: code))
        open = true
        return cells.count
    }

    public func end() { open = false }

    /// Appends printed text to the open cell.
    public func record(_ text: String) {
        guard open, !cells.isEmpty else { return }
        let i = cells.count - 1
        if cells[i].output.utf8.count + text.utf8.count > Notebook.maxOutputBytes {
            cells[i].truncated = true
            return
        }
        cells[i].output += text
    }

    /// Links a file the open cell produced (an absolute path or relative to the working folder).
    public func attach(path: String, kind: Kind) {
        guard open, !cells.isEmpty else { return }
        let a = Attachment(path: path, kind: kind)
        if !cells[cells.count - 1].attachments.contains(a) { cells[cells.count - 1].attachments.append(a) }
        onAttach?(a)
    }

    // MARK: saving

    /// Writes Markdown (.md, .markdown), a Jupyter notebook (.ipynb) or HTML (.html, .htm), chosen by the extension.
    public func save(to path: String) throws {
        let ext = (path as NSString).pathExtension.lowercased()
        let text: String
        switch ext {
        case "md", "markdown": text = markdown(savedAt: path)
        case "html", "htm": text = html()
        case "ipynb": text = try ipynb()
        default: throw LuaRuntimeError("cannot save a notebook as '.\(ext)' (use .md, .ipynb or .html)")
        }
        do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw LuaRuntimeError("cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// A fence of backticks longer than any run in `text` (at least three).
    static func fence(for text: String) -> String {
        var longest = 0, run = 0
        for c in text {
            if c == "`" { run += 1; longest = max(longest, run) } else { run = 0 }
        }
        return String(repeating: "`", count: max(3, longest + 1))
    }

    /// `path` relative to the folder of the saved file when it lies below it.
    static func relative(_ path: String, to savedAt: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        let abs = path.hasPrefix("/") ? path : cwd + "/" + path
        let dir0 = (savedAt as NSString).deletingLastPathComponent
        let dir = dir0.hasPrefix("/") ? dir0 : (dir0.isEmpty ? cwd : cwd + "/" + dir0)
        let a = (abs as NSString).standardizingPath, d = (dir as NSString).standardizingPath
        return a.hasPrefix(d + "/") ? String(a.dropFirst(d.count + 1)) : a
    }

    public func markdown(savedAt: String = "session.md") -> String {
        var out = ["# Foley session", "",
                   "Saved by foley \(FoleyBindings.foleyVersion) on \(Notebook.timestamp()). Re-run the Lua cells with `foley run \((savedAt as NSString).lastPathComponent)`.", ""]
        for c in cells {
            out.append("## In [\(c.number)]")
            out.append("")
            let f = Notebook.fence(for: c.code)
            out += [f + "lua", c.code, f, ""]
            if !c.output.isEmpty || c.truncated {
                var text = c.output.hasSuffix("\n") ? String(c.output.dropLast()) : c.output
                if c.truncated { text += "\n[output truncated]" }
                let g = Notebook.fence(for: text)
                out += [g + "text", text, g, ""]
            }
            for a in c.attachments {
                let rel = Notebook.relative(a.path, to: savedAt)
                let name = (a.path as NSString).lastPathComponent
                out.append(a.kind == .png ? "![\(name)](\(rel))" : "[audio: \(name)](\(rel))")
                out.append("")
            }
        }
        return out.joined(separator: "\n")
    }

    static func escapeHTML(_ s: String) -> String {
        var o = ""
        o.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            default: o.append(c)
            }
        }
        return o
    }

    static func mimeType(_ path: String, _ kind: Kind) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "png": return "image/png"
        case "wav": return "audio/wav"
        case "flac": return "audio/flac"
        case "ogg", "oga": return "audio/ogg"
        case "mp3": return "audio/mpeg"
        default: return kind == .png ? "image/png" : "application/octet-stream"
        }
    }

    /// One self-contained page: code and output in <pre>, images and audio as data: URIs.
    public func html() -> String {
        var out = ["""
        <!doctype html>
        <html><head><meta charset="utf-8"><title>Foley session</title>
        <style>
        body { font-family: sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; }
        .cell { margin: 1.5em 0; }
        .n { color: #888; font-size: 0.85em; }
        pre { padding: 0.6em; overflow-x: auto; margin: 0.3em 0; }
        pre.code { background: #f4f4f8; border-left: 3px solid #68a; }
        pre.out { background: #fafafa; border-left: 3px solid #ccc; }
        img { max-width: 100%; }
        </style></head><body>
        <h1>Foley session</h1>
        <p class="n">Saved by foley \(FoleyBindings.foleyVersion) on \(Notebook.timestamp()).</p>
        """]
        for c in cells {
            out.append("<div class=\"cell\"><div class=\"n\">In [\(c.number)]</div>")
            out.append("<pre class=\"code\">\(Notebook.escapeHTML(c.code))</pre>")
            if !c.output.isEmpty || c.truncated {
                out.append("<pre class=\"out\">\(Notebook.escapeHTML(c.output + (c.truncated ? "\n[output truncated]" : "")))</pre>")
            }
            for a in c.attachments {
                let name = Notebook.escapeHTML((a.path as NSString).lastPathComponent)
                guard let data = FileManager.default.contents(atPath: a.path) else {
                    out.append("<p class=\"n\">(missing file: \(Notebook.escapeHTML(a.path)))</p>")
                    continue
                }
                let uri = "data:\(Notebook.mimeType(a.path, a.kind));base64,\(data.base64EncodedString())"
                switch a.kind {
                case .png: out.append("<div><img alt=\"\(name)\" src=\"\(uri)\"></div>")
                case .audio: out.append("<div><audio controls src=\"\(uri)\"></audio> <span class=\"n\">\(name)</span></div>")
                }
            }
            out.append("</div>")
        }
        out.append("</body></html>\n")
        return out.joined(separator: "\n")
    }

    static func timestamp() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: Date())
    }

    // MARK: reading

    /// The code of each ```lua fenced block of a Markdown notebook, in order.
    public static func luaBlocks(markdown: String) -> [String] {
        var blocks: [String] = []
        var current: [String]? = nil
        var fence = ""
        var isLua = false
        for raw in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            if current == nil {
                let t = line.drop(while: { $0 == " " })
                guard line.count - t.count <= 3, let ch = t.first, ch == "`" || ch == "~" else { continue }
                let run = t.prefix(while: { $0 == ch })
                guard run.count >= 3 else { continue }
                fence = String(run)
                let info = t.dropFirst(run.count).trimmingCharacters(in: .whitespaces)
                isLua = info.split(separator: " ").first.map { $0.lowercased() == "lua" } ?? false
                current = []
            } else {
                let t = line.trimmingCharacters(in: .whitespaces)
                if t.hasPrefix(fence), t.allSatisfy({ $0 == fence.first }) {
                    if isLua { blocks.append(current!.joined(separator: "\n")) }
                    current = nil
                } else {
                    current!.append(line)
                }
            }
        }
        return blocks
    }
}
