import Foundation
import NN
import Tensors

/// What model loading says: quiet by default; `FOLEY_LOG=info` prints each model's hyperparameters to stderr as it
/// loads (as whisper.cpp logs its model), so a run's log shows exactly which architecture it used.
public enum LoadLog {
    /// Whether `FOLEY_LOG` asks for info messages.
    public static var enabled: Bool {
        ["info", "debug"].contains(ProcessInfo.processInfo.environment["FOLEY_LOG"]?.lowercased() ?? "")
    }

    /// `loaded <Class> from <folder>: <config as sorted JSON>`, when enabled.
    public static func loaded<C: Encodable>(_ className: String, from folder: URL, config: C) {
        guard enabled else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let json = (try? encoder.encode(config)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        FileHandle.standardError.write(Data("loaded \(className) from \(folder.path): \(json)\n".utf8))
    }
}

extension ModelFolder {
    /// The one loader of a diffusers/transformers model folder: reads `config.json` as `C`, builds the module (a
    /// config it refuses is an error naming config.json), logs the hyperparameters, and loads the weights, strictly
    /// unless told otherwise. `transform(names)` may return a state-dict rewrite for older checkpoint layouts.
    public func load<C: Codable, M: Module>(_ config: C.Type, strict: Bool = true, build: (C) throws -> M,
                                           transform: (([String]) -> (([String: Tensor]) throws -> [String: Tensor])?)? = nil) throws -> M {
        let cfg = try self.config(C.self)
        let model: M
        do { model = try build(cfg) } catch let e as DiffusionError {
            throw DiffusionError.file(url.appendingPathComponent("config.json").path, e.description)
        }
        LoadLog.loaded(String(describing: M.self), from: url, config: cfg)
        try loadWeights(into: model, strict: strict, transform: try transform.flatMap { $0(try tensorNames()) })
        return model
    }
}
