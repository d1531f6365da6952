import Diffusion

extension Lua {
    /// An options table's keys must be among `known` (default: the generation schema's): a typo is an error naming
    /// it and the nearest known key, never a silent default. Nothing to check when the argument is not a table.
    func checkOptionKeys(_ i: Int32, _ known: [String] = GenerationSchema.keys.map(\.name), what: String = "generation option") throws {
        guard isTable(i) else { return }
        do { try GenerationSchema.check(try keys(i), known: known, what: what) } catch let e as DiffusionError { throw argError(i, "\(e)") }
    }
}
