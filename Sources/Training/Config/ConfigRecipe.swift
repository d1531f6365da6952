import Diffusion
import Foundation

/// A recipe: one YAML file whose `stages:` list holds several training configs run one after another (a model built
/// in stages, each trained on from the last). A stage is a config mapping with a `name`; its `base:` may name an
/// earlier stage of the list or another config file. `foley train RECIPE --stage NAME` (or `RECIPE#NAME` where a
/// path is taken) trains one stage; the resolved stage is self-contained YAML, as a config with a file base is.
public enum ConfigRecipe {
    /// The stage names of the recipe at `path`, in order; nil when the file is a plain config.
    public static func stageNames(path: String) throws -> [String]? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TrainingError.file(path, FileManager.default.fileExists(atPath: path) ? "cannot read the config" : "no such config file")
        }
        return try stages(try ConfigBase.load(text, path: path), path: path)?.map(\.name)
    }

    /// `path` split at a trailing `#stage` when the whole string is not an existing file.
    public static func split(_ path: String) -> (path: String, stage: String?) {
        guard !FileManager.default.fileExists(atPath: path), let hash = path.lastIndex(of: "#") else { return (path, nil) }
        return (String(path[..<hash]), String(path[path.index(after: hash)...]))
    }

    /// The self-contained YAML of stage `stage` of the recipe text, or of the plain config text when it has no
    /// `stages:` (a stage asked of a plain config is an error, as is a recipe asked without one).
    static func resolve(text: String, path: String, stage: String?) throws -> String {
        let root = try ConfigBase.load(text, path: path)
        guard let list = try stages(root, path: path) else {
            if let stage {
                throw TrainingError.config(key: "stages", found: "none in \(path)",
                                           expected: "a recipe with a stage named '\(stage)' (a plain config has no stages)")
            }
            return try ConfigBase.resolve(text: text, path: path, root: root)
        }
        let names = list.map(\.name)
        guard let stage else {
            throw TrainingError.config(key: "stages", found: "\(names.count) stages in \(path)",
                                       expected: "one chosen with --stage (or \(path)#NAME): \(names.joined(separator: ", "))")
        }
        guard let index = names.firstIndex(of: stage) else {
            throw TrainingError.config(key: "stages", found: "no stage '\(stage)' in \(path)" + GenerationSchema.suggestion(for: stage, among: names),
                                       expected: "one of \(names.joined(separator: ", "))")
        }
        // A base may name only an earlier stage, so the recipe reads top to bottom as the order it is trained in.
        let earlier = Dictionary(uniqueKeysWithValues: list[..<index].map { ($0.name, $0.mapping) })
        let own = list[index].mapping
        let merged = try ConfigBase.resolvedMapping(own, path: path, chain: [path + "#" + stage], stages: earlier)
        let header = ConfigBase.leadingComments(text) + "# stage '\(stage)' of \(path)\n"
        return try ConfigBase.dump(merged, comments: header, base: own["base"] as? String)
    }

    /// The recipe's stages in order, checked for names; nil when the loaded file has no `stages:` key.
    private static func stages(_ loaded: Any?, path: String) throws -> [(name: String, mapping: [String: Any])]? {
        guard let root = loaded as? [String: Any], let value = root["stages"] else { return nil }
        if let other = root.keys.sorted().first(where: { $0 != "stages" }) {
            throw TrainingError.config(key: other, found: "a top-level key beside 'stages' in \(path)",
                                       expected: "only 'stages:' in a recipe (settings belong to a stage or its base)")
        }
        guard let items = value as? [Any], !items.isEmpty else {
            throw TrainingError.config(key: "stages", found: ConfigReader.describe(value), expected: "a non-empty list of stage configs")
        }
        var out: [(name: String, mapping: [String: Any])] = []
        for (i, item) in items.enumerated() {
            guard let mapping = item as? [String: Any], let name = mapping["name"] as? String, !name.isEmpty else {
                throw TrainingError.config(key: "stages[\(i)]", found: ConfigReader.describe(item),
                                           expected: "a config mapping with a non-empty 'name'")
            }
            if out.contains(where: { $0.name == name }) {
                throw TrainingError.config(key: "stages[\(i)].name", found: "'\(name)' a second time", expected: "unique stage names")
            }
            out.append((name, mapping))
        }
        return out
    }
}
