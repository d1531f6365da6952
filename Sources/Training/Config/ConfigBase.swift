import Foundation
import Yams

/// Config inheritance: a config file's `base:` names another config file (relative to it), or in a recipe an earlier
/// stage of the same file (see `ConfigRecipe`), whose settings it starts from. The file's own keys override the
/// base's, key by key inside each section; lists and scalars replace whole, and `key: null` drops a base value back
/// to its default. The base's `name` is never inherited.
///
/// Resolution happens once, when a file is loaded, and yields self-contained YAML: checkpoints, `--resume` and an
/// exported model's training.yaml keep that text, so they never depend on the base file staying as it was.
enum ConfigBase {
    /// The self-contained YAML of the config at `path` with text `text`, already loaded as `root`: `text` itself when
    /// it has no `base:`.
    static func resolve(text: String, path: String, root: Any?) throws -> String {
        guard let mapping = root as? [String: Any], mapping["base"] != nil else { return text }
        return try dump(try resolvedMapping(mapping, path: path, chain: []), comments: leadingComments(text),
                        base: mapping["base"] as? String ?? "")
    }

    /// `merged` as YAML text under `comments`, with a line saying which base was merged in (if any).
    static func dump(_ merged: [String: Any], comments: String, base: String?) throws -> String {
        let dumped: String
        do { dumped = try Yams.dump(object: merged, sortKeys: true) } catch {
            throw TrainingError.config(key: "base", found: "settings that cannot be written back as YAML (\(error))",
                                       expected: "plain YAML values")
        }
        return comments + (base.map { "# (base: \($0), merged in)\n" } ?? "") + dumped
    }

    /// The YAML of the file at `path` through the one checked loader (`ConfigReader.load`: a key said twice, or a key
    /// that is not a plain value, is an error), the error naming the file.
    static func load(_ text: String, path: String) throws -> Any? {
        do { return try ConfigReader.load(yaml: text) } catch let e as TrainingError { throw TrainingError.file(path, e.description) }
    }

    /// `mapping`, the config at `path`, with its chain of bases merged under it (each file read and parsed once).
    /// `stages` are the recipe's stages by name when `path` is a recipe: a base naming one of them is that stage.
    static func resolvedMapping(_ mapping: [String: Any], path: String, chain: [String],
                                stages: [String: [String: Any]] = [:]) throws -> [String: Any] {
        guard let base = mapping["base"] else { return mapping }
        guard let baseName = base as? String, !baseName.isEmpty else {
            throw TrainingError.config(key: "base", found: ConfigReader.describe(base),
                                       expected: "the path of another config file, relative to \(path)")
        }
        if let stage = stages[baseName] {
            let key = path + "#" + baseName
            if chain.contains(key) {
                throw TrainingError.config(key: "base", found: "'\(baseName)' in \(path)",
                                           expected: "no cycle of bases (\((chain + [key]).joined(separator: " -> ")))")
            }
            var merged = try resolvedMapping(stage, path: path, chain: chain + [key], stages: stages)
            merged.removeValue(forKey: "name")
            var own = mapping
            own.removeValue(forKey: "base")
            return merge(merged, over: own)
        }
        let file = URL(fileURLWithPath: path).standardizedFileURL
        let baseURL = URL(fileURLWithPath: baseName, relativeTo: file.deletingLastPathComponent()).standardizedFileURL
        let visited = chain + [file.path]
        if visited.contains(baseURL.path) {
            throw TrainingError.config(key: "base", found: "'\(baseName)' in \(path)",
                                       expected: "no cycle of bases (\((visited + [baseURL.path]).joined(separator: " -> ")))")
        }
        guard let baseText = try? String(contentsOf: baseURL, encoding: .utf8) else {
            throw TrainingError.file(baseURL.path, "cannot read the base config named by 'base' in \(path)")
        }
        guard let baseMapping = try load(baseText, path: baseURL.path) as? [String: Any] else {
            throw TrainingError.config(key: "base", found: "'\(baseName)', which is not a YAML mapping of sections",
                                       expected: "a config file")
        }
        var merged = try resolvedMapping(baseMapping, path: baseURL.path, chain: visited)
        merged.removeValue(forKey: "name")
        var own = mapping
        own.removeValue(forKey: "base")
        return merge(merged, over: own)
    }

    /// `over` on top of `base`: mappings merge recursively, anything else replaces.
    static func merge(_ base: [String: Any], over: [String: Any]) -> [String: Any] {
        var out = base
        for (key, value) in over {
            if let inner = value as? [String: Any], let below = base[key] as? [String: Any] {
                out[key] = merge(below, over: inner)
            } else {
                out[key] = value
            }
        }
        return out
    }

    /// The comment block a config opens with: it says what the stage is for, so the resolved text keeps it.
    static func leadingComments(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).prefix { $0.hasPrefix("#") }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }
}
