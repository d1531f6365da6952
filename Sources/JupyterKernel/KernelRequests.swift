import Foundation
import LuaHost

/// The shell requests, each answered by the REPL's own logic: a cell runs as a prompt entry, completion is the
/// prompt's Tab, inspection its `:help`, is_complete its choice between `> ` and `>> `.
extension Kernel {
    func execute(_ request: WireMessage) {
        let c = request.content
        let code = c["code"] as? String ?? ""
        let silent = c["silent"] as? Bool ?? false
        if !silent && (c["store_history"] as? Bool ?? true) {
            executionCount += 1
            history.append((executionCount, code))
        }
        current = request
        defer { current = nil }
        if !silent { publish("execute_input", ["code": code, "execution_count": executionCount]) }
        var error: String?
        repl.onError = { error = $0 }
        let ok = repl.execute(code)
        progress.finish()
        guard ok else {
            let message = error ?? "the cell failed (its output says why)"
            let lines = message.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let interrupted = lines.first?.hasSuffix("interrupted!") ?? false
            let e: [String: Any] = ["ename": interrupted ? "Interrupted" : "LuaError", "evalue": lines.first ?? "",
                                    "traceback": lines]
            if !silent { publish("error", e) }
            reply(request, "execute_reply", e.merging(["status": "error", "execution_count": executionCount]) { a, _ in a },
                  on: shell)
            return
        }
        reply(request, "execute_reply", ["status": "ok", "execution_count": executionCount,
                                         "user_expressions": [String: Any](), "payload": [Any]()], on: shell)
    }

    /// The code (in Unicode scalars, as the protocol counts) and the cursor clamped into it.
    static func scalars(_ content: [String: Any]) -> ([Unicode.Scalar], Int) {
        let code = Array((content["code"] as? String ?? "").unicodeScalars)
        let cursor = min(max(content["cursor_pos"] as? Int ?? code.count, 0), code.count)
        return (code, cursor)
    }

    static func isNameScalar(_ u: Unicode.Scalar) -> Bool {
        u == "_" || u == "." || u == ":" || (u.isASCII && (CharacterSet.alphanumerics.contains(u)))
    }

    func complete(_ content: [String: Any]) -> [String: Any] {
        let (code, cursor) = Kernel.scalars(content)
        var start = cursor
        while start > 0 && Kernel.isNameScalar(code[start - 1]) { start -= 1 }
        var word = String.UnicodeScalarView()
        word.append(contentsOf: code[start..<cursor])
        let matches = Completion.candidates(for: String(word), in: repl.lua)
        return ["status": "ok", "matches": matches, "cursor_start": start, "cursor_end": cursor, "metadata": [String: Any]()]
    }

    /// `:help` of the name around the cursor (a call's function when the cursor is inside its parentheses).
    func inspect(_ content: [String: Any]) -> [String: Any] {
        let (code, cursor) = Kernel.scalars(content)
        var start = cursor, end = cursor
        while end < code.count && Kernel.isNameScalar(code[end]) { end += 1 }
        while start > 0 && Kernel.isNameScalar(code[start - 1]) { start -= 1 }
        if start == end, start > 0, code[start - 1] == "(" {
            end = start - 1
            start = end
            while start > 0 && Kernel.isNameScalar(code[start - 1]) { start -= 1 }
        }
        var name = String.UnicodeScalarView()
        name.append(contentsOf: code[start..<end])
        let query = String(name).trimmingCharacters(in: CharacterSet(charactersIn: ".:"))
        guard !query.isEmpty else { return ["status": "ok", "found": false, "data": [String: Any](), "metadata": [String: Any]()] }
        let text = repl.lua.helpText(query)
        let found = !text.hasPrefix("no help for")
        let data: [String: Any] = found ? ["text/plain": text] : [:]
        return ["status": "ok", "found": found, "data": data, "metadata": [String: Any]()]
    }

    func isComplete(_ content: [String: Any]) -> [String: Any] {
        let status = repl.completeness(of: content["code"] as? String ?? "")
        return status == .incomplete ? ["status": status.rawValue, "indent": ""] : ["status": status.rawValue]
    }

    /// This session's cells: the last n (tail), a range of execution counts, or those containing a search pattern.
    func historyReply(_ content: [String: Any]) -> [String: Any] {
        var entries = history
        switch content["hist_access_type"] as? String ?? "tail" {
        case "range":
            let lo = content["start"] as? Int ?? 0, hi = content["stop"] as? Int ?? Int.max
            entries = entries.filter { $0.0 >= lo && $0.0 < hi }
        case "search":
            let needle = (content["pattern"] as? String ?? "").replacingOccurrences(of: "*", with: "")
            entries = entries.filter { needle.isEmpty || $0.1.contains(needle) }
            if let n = content["n"] as? Int, n > 0 { entries = Array(entries.suffix(n)) }
        default:
            if let n = content["n"] as? Int, n >= 0 { entries = Array(entries.suffix(n)) }
        }
        return ["status": "ok", "history": entries.map { [0, $0.0, $0.1] as [Any] }]
    }
}
