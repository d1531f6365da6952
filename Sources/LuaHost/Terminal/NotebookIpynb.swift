import Foundation

/// Jupyter's notebook format (nbformat 4.5) for a REPL session: `:save session.ipynb` writes one, with each cell's
/// printed output as a stream and its files as displays, and `foley run notebook.ipynb` runs one's code cells.
extension Notebook {
    /// The kernelspec and language an exported notebook names, so Jupyter opens it with the Foley kernel.
    public static let ipynbMetadata: [String: Any] = [
        "kernelspec": ["name": "foley", "display_name": "Foley (Lua)", "language": "lua"],
        "language_info": ["name": "lua", "version": "5.4", "mimetype": "text/x-lua", "file_extension": ".lua",
                          "codemirror_mode": "lua", "pygments_lexer": "lua"],
    ]

    /// The session as an .ipynb document.
    public func ipynb() throws -> String {
        let jsonCells: [[String: Any]] = cells.map { c in
            var outputs: [[String: Any]] = []
            if !c.output.isEmpty || c.truncated {
                outputs.append(["output_type": "stream", "name": "stdout",
                                "text": c.output + (c.truncated ? "\n[output truncated]\n" : "")])
            }
            for a in c.attachments {
                if let data = DisplayBundle.bundle(for: a) {
                    outputs.append(["output_type": "display_data", "data": data, "metadata": [String: Any]()])
                }
            }
            return ["cell_type": "code", "id": "cell-\(c.number)", "execution_count": c.number, "metadata": [String: Any](),
                    "source": c.code, "outputs": outputs]
        }
        let doc: [String: Any] = ["nbformat": 4, "nbformat_minor": 5, "metadata": Notebook.ipynbMetadata, "cells": jsonCells]
        let data = try JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// The source of each code cell of an .ipynb document, in order; `name` (the file) labels errors.
    public static func codeCells(ipynb data: Data, name: String) throws -> [String] {
        guard let doc = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw LuaRuntimeError("\(name): not a Jupyter notebook (expected a JSON object)")
        }
        guard let cells = doc["cells"] as? [[String: Any]] else {
            throw LuaRuntimeError("\(name): not a Jupyter notebook (expected a 'cells' list of objects, as nbformat 4 has)")
        }
        return try cells.enumerated().compactMap { i, cell in
            guard cell["cell_type"] as? String == "code" else { return nil }
            if let s = cell["source"] as? String { return s }
            if let lines = cell["source"] as? [String] { return lines.joined() }
            throw LuaRuntimeError("\(name): cell \(i + 1)'s 'source' is neither a string nor a list of strings")
        }
    }
}
