import CLua
import CLuaShim
import Foundation
import LuaHost

/// How a cell's output reaches the notebook: printed text as stream messages, results as execute_result (an Audio
/// clip as a player plus its spectrogram, anything else as the prompt prints it), files a cell saves (a plot's PNG,
/// a clip's WAV) and `foley.display` values as display_data, long work as a progress bar updated in place.
extension Kernel {
    func installHooks() {
        Notebook.current = repl.notebook
        Output.sink = { [unowned self] text, stream in
            guard current.map({ !($0.content["silent"] as? Bool ?? false) }) ?? true else { return }
            publish("stream", ["name": stream.rawValue, "text": text])
        }
        repl.presentResults = { [unowned self] first, count in presentResults(first: first, count: count) }
        Display.handler = { [unowned self] lua, index in
            publish("display_data", ["data": try bundle(lua, index), "metadata": [String: Any]()])
        }
        repl.notebook.onAttach = { [unowned self] attachment in
            guard let data = DisplayBundle.bundle(for: attachment) else { return }
            publish("display_data", ["data": data, "metadata": [String: Any]()])
        }
        Display.progress = { [unowned self] label, done, total in
            if let (type, content) = progress.update(label: label, done: done, total: total) { publish(type, content) }
        }
    }

    /// The MIME bundle of the value at `index`: an Audio clip's player and spectrogram, else its printed form.
    func bundle(_ lua: Lua, _ index: Int32) throws -> [String: String] {
        if let clip = lua.toObject(index, as: AudioClip.self) { return try DisplayBundle.bundle(for: clip) }
        return ["text/plain": try printed(first: index, count: 1)]
    }

    /// What `foley.show` prints for the values first...first+count-1 (tables pretty, tensors in full).
    func printed(first: Int32, count: Int32) throws -> String {
        let L = repl.lua.L
        let base = lua_gettop(L)
        defer { lua_settop(L, base) }
        lua_getglobal(L, "foley")
        lua_getfield(L, -1, "show")
        for i in 0..<count { lua_pushvalue(L, first + i) }
        var status = LUA_OK
        let text = Output.capturing { status = foley_lua_pcall(L, count, 0, 0) }
        if status != LUA_OK {
            throw LuaError(message: "error calling 'print' (\(foley_lua_tostring(L, -1).map { String(cString: $0) } ?? "?"))")
        }
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }

    /// A cell's results: one execute_result (rich for a single clip), and each further clip as a display.
    func presentResults(first: Int32, count: Int32) -> Bool {
        let lua = Lua(repl.lua.L)
        do {
            let data = count == 1 ? try bundle(lua, first) : ["text/plain": try printed(first: first, count: count)]
            publish("execute_result", ["execution_count": executionCount, "data": data, "metadata": [String: Any]()])
            if count > 1 {
                for i in first..<(first + count) where lua.toObject(i, as: AudioClip.self) != nil {
                    publish("display_data", ["data": try bundle(lua, i), "metadata": [String: Any]()])
                }
            }
            return true
        } catch {
            repl.onError?("\(error)")
            return false
        }
    }
}

/// A progress bar drawn as one display and redrawn with update_display_data (a notebook has no carriage return).
struct ProgressDisplay {
    var id: String?
    var last = 0.0
    var lastDone = 0

    /// The message that draws `done` of `total` (display_data for a new run, update_display_data after), or nil
    /// when less than a tenth of a second passed since the last redraw and the work is not finished.
    mutating func update(label: String, done: Int, total: Int) -> (String, [String: Any])? {
        let now = Date().timeIntervalSince1970
        var type = "update_display_data"
        if id == nil || done < lastDone {
            id = UUID().uuidString.lowercased()
            type = "display_data"
        } else if now - last < 0.1 && done < total {
            return nil
        }
        last = now
        lastDone = done
        return (type, ["data": ProgressDisplay.bundle(label: label, done: done, total: total), "metadata": [String: Any](),
                       "transient": ["display_id": id!]])
    }

    /// The bar ends with its cell: the next cell's work draws a new one.
    mutating func finish() { id = nil; lastDone = 0 }

    static func bundle(label: String, done: Int, total: Int) -> [String: String] {
        let width = 30, filled = total > 0 ? min(width, done * width / total) : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        return ["text/plain": "\(label) [\(bar)] \(done)/\(total)",
                "text/html": "<progress value=\"\(done)\" max=\"\(max(total, 1))\" style=\"width: 20em\"></progress> \(label) \(done)/\(total)"]
    }
}
