import Foundation
import NN
import Tensors

/// A model folder in diffusers / transformers layout: `config.json` plus safetensors weights
/// (`diffusion_pytorch_model.safetensors`, `model.safetensors`, or shards listed by a `*.safetensors.index.json`).
public struct ModelFolder {
    public let url: URL
    /// Weight-file stem variant, e.g. "fp16" for `diffusion_pytorch_model.fp16.safetensors`.
    public let variant: String?

    /// Weight file stems tried in order.
    public static let weightStems = ["diffusion_pytorch_model", "model"]

    public init(_ url: URL, variant: String? = nil) {
        self.url = url
        self.variant = variant
    }

    public init(path: String, variant: String? = nil) { self.init(URL(fileURLWithPath: path), variant: variant) }

    /// The decoded `config.json` (or `file`).
    public func config<C: Decodable>(_ type: C.Type, file: String = "config.json") throws -> C {
        try ModelConfig.read(type, file: url.appendingPathComponent(file))
    }

    /// The safetensors files holding the weights (several when sharded).
    public func weightFiles() throws -> [URL] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue else {
            throw DiffusionError.file(url.path, "no such model folder")
        }
        return try SafetensorsCheckpoint.files(in: url, stems: Self.weightStems, variant: variant)
    }

    /// All weights by their checkpoint names, as float32.
    public func stateDict() throws -> [String: Tensor] { try SafetensorsCheckpoint.tensors(try weightFiles()) }

    /// The names of every tensor in the weight files.
    public func tensorNames() throws -> [String] {
        try weightFiles().flatMap { try SafeTensorsFile(path: $0.path).keys }
    }

    /// Loads the weights into `module` with strict key matching unless `strict` is false (mis-shaped tensors are
    /// always errors). Without `transform`, tensors stream in one at a time, so peak memory stays near one copy of
    /// the model; `transform` (legacy renames, weight-norm folding) needs the whole state dict in memory first.
    public func loadWeights(into module: Module, strict: Bool = true,
                            transform: (([String: Tensor]) throws -> [String: Tensor])? = nil) throws {
        let files = try weightFiles()
        let name = files.count == 1 ? files[0].path : url.path + " (\(files.count) shards)"
        if let transform {
            let state = try transform(try stateDict())
            do { try module.load(stateDict: state, strict: strict) } catch let e as NNError {
                throw DiffusionError.file(name, e.description)
            }
            return
        }
        let own = module.stateDict()
        var source: [String: (file: SafeTensorsFile, shape: [Int])] = [:]
        for f in files {
            let file = try SafeTensorsFile(path: f.path)
            for (k, e) in file.entries {
                if source[k] != nil { throw DiffusionError.file(f.path, "tensor '\(k)' appears in more than one shard") }
                source[k] = (file, e.shape)
            }
        }
        var missing: [String] = [], misshaped: [String] = []
        for (k, t) in own {
            guard let src = source[k] else { missing.append(k); continue }
            if src.shape != t.shape { misshaped.append("\(k) (checkpoint \(src.shape), model \(t.shape))") }
        }
        let unexpected = source.keys.filter { own[$0] == nil }.sorted()
        if !misshaped.isEmpty || (strict && (!missing.isEmpty || !unexpected.isEmpty)) {
            let e = NNError.stateDict(missing: missing.sorted(), unexpected: unexpected, misshaped: misshaped.sorted())
            throw DiffusionError.file(name, e.description)
        }
        for (k, t) in own {
            guard let src = source[k] else { continue }
            try t.assign(try src.file.tensor(k))
        }
    }
}
