import Foundation

/// The weight files of a model folder in the transformers/diffusers layouts: one `<stem>.safetensors`, or the shards
/// a `<stem>.safetensors.index.json` lists under `weight_map`. The one shard reader behind every model loader.
public enum SafetensorsCheckpoint {
    /// The files of the first stem that has weights (shards sorted by name). When none has, the error names what was
    /// looked for and any PyTorch/TF/Flax weights found instead.
    public static func files(in folder: URL, stems: [String], variant: String? = nil) throws -> [URL] {
        let fm = FileManager.default
        func name(_ stem: String, _ ext: String) -> String { variant.map { "\(stem).\($0).\(ext)" } ?? "\(stem).\(ext)" }
        for stem in stems {
            let single = folder.appendingPathComponent(name(stem, "safetensors"))
            if fm.fileExists(atPath: single.path) { return [single] }
            let index = folder.appendingPathComponent(name(stem, "safetensors.index.json"))
            if fm.fileExists(atPath: index.path) { return try shards(index) }
        }
        let tried = stems.map { "\(name($0, "safetensors")) or \(name($0, "safetensors.index.json"))" }.joined(separator: ", ")
        let other = (stems.map { name($0, "bin") } + ["pytorch_model.bin", "tf_model.h5", "flax_model.msgpack"])
            .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            .filter { fm.fileExists(atPath: folder.appendingPathComponent($0).path) }
        throw TensorError.io(file: folder.path, "no \(tried)"
            + (other.isEmpty ? "" : " (found \(other.joined(separator: ", ")); only safetensors weights are read: convert them to safetensors)"))
    }

    /// The shard files an index lists, each checked to exist.
    static func shards(_ index: URL) throws -> [URL] {
        guard let data = FileManager.default.contents(atPath: index.path),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let map = obj["weight_map"] as? [String: String] else {
            throw TensorError.io(file: index.path, "not a safetensors index (no weight_map object)")
        }
        let names = Array(Set(map.values)).sorted()
        guard !names.isEmpty else { throw TensorError.io(file: index.path, "key 'weight_map' lists no shards") }
        return try names.map { n in
            let f = index.deletingLastPathComponent().appendingPathComponent(n)
            guard FileManager.default.fileExists(atPath: f.path) else {
                throw TensorError.io(file: index.path, "shard '\(n)' named in 'weight_map' does not exist")
            }
            return f
        }
    }

    /// Every tensor of `files` by name, as float32; a name in two shards is an error.
    public static func tensors(_ files: [URL]) throws -> [String: Tensor] {
        var state: [String: Tensor] = [:]
        for f in files {
            let file = try SafeTensorsFile(path: f.path)
            for k in file.keys {
                if state[k] != nil { throw TensorError.io(file: f.path, "tensor '\(k)' appears in more than one shard") }
                state[k] = try file.tensor(k)
            }
        }
        return state
    }
}
