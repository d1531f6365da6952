import CLua
import CLuaShim
import Foundation
import LuaHost
import Tensors

/// Reading input in a cell: `io.read` asks the notebook with an input_request on the stdin channel (the kernel has
/// no terminal), when the front end allows it.
extension Kernel {
    /// Replaces the global `io.read`; `io.stdin:read` is left alone, as it names the process's own input.
    func installInput() {
        let L = repl.lua.L
        lua_getglobal(L, "io")
        Lua(L).setField(-1, "read") {
            Lua(L).push(function: "io.read") { [unowned self] lua in
                let format = lua.isNoneOrNil(1) ? "l" : try lua.string(1).replacingOccurrences(of: "*", with: "")
                guard ["l", "L", "n"].contains(format) else {
                    throw lua.argError(1, "'l', 'L' or 'n' expected in a notebook (there is no file to read to its end), got '\(format)'")
                }
                let line = try input(prompt: "", password: false)
                switch format {
                case "n":
                    if let v = Double(line.trimmingCharacters(in: .whitespaces)) { lua.push(v) } else { lua.pushNil() }
                case "L": lua.push(line + "\n")
                default: lua.push(line)
                }
                return 1
            }
        }
        foley_lua_pop(L, 1)
    }

    /// The line the user types in answer to `prompt`; an interrupt while waiting stops the cell.
    func input(prompt: String, password: Bool) throws -> String {
        guard let request = current, request.content["allow_stdin"] as? Bool ?? false else {
            throw LuaRuntimeError("io.read: this front end takes no input (its execute_request has allow_stdin false)")
        }
        let ask = WireMessage(identities: request.identities, header: WireMessage.header(type: "input_request", session: session),
                              parentHeader: request.header, content: ["prompt": prompt, "password": password])
        try stdin.send(try ask.frames(signer: signer))
        while true {
            while !stdin.poll(timeoutMs: 100) { try Interrupt.check() }
            let answer = try WireMessage.parse(try stdin.receive(), signer: signer, channel: "stdin")
            if answer.msgType == "input_reply" { return answer.content["value"] as? String ?? "" }
        }
    }
}
