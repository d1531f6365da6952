import Foundation

/// The few tokenizer_config.json settings that affect encoding here.
struct TokenizerConfig: Sendable {
    var padToken: String?
    var modelMaxLength: Int?
    var tokenizerClass: String?
    var doLowerCase: Bool?
    var addPrefixSpace: Bool?

    static let empty = TokenizerConfig()

    /// Reads `tokenizer_config.json` from `folder`; a missing file is not an error (it is optional).
    static func load(folder: URL) throws -> TokenizerConfig {
        let url = folder.appendingPathComponent("tokenizer_config.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return .empty }
        let root = try JSONNode.load(url)
        var c = TokenizerConfig()
        c.padToken = try tokenString(root["pad_token"])
        // transformers writes ~1e30 to mean "no limit"; keep only real limits.
        if let n = try? root["model_max_length"]?.double(), n > 0, n < 1e9 {
            c.modelMaxLength = Int(n)
        }
        c.tokenizerClass = try root.optionalString("tokenizer_class")
        c.doLowerCase = try root.optionalBool("do_lower_case")
        c.addPrefixSpace = try root.optionalBool("add_prefix_space")
        return c
    }

    /// A special token is written either as a string or as an AddedToken object with "content".
    private static func tokenString(_ node: JSONNode?) throws -> String? {
        guard let node else { return nil }
        if let s = node.stringValue { return s }
        return try node.required("content").string()
    }
}
