import Foundation
import NN
import Tensors

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
